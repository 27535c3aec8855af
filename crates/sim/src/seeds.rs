//! Seed derivation and small random helpers shared by the generators.
//!
//! Every random choice in the simulator comes from a `ChaCha8Rng` seeded from the spec seed mixed
//! with a purpose tag and an index, so any loan (or any bank event) can be regenerated on its
//! own, in any order or on any thread, and come out the same.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The SplitMix64 finaliser: a cheap, well-mixed bijection on `u64`.
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A seed for stream `tag` of item `index` under the master `seed`.
pub(crate) fn derive(seed: u64, tag: u64, index: u64) -> u64 {
    mix64(mix64(seed ^ tag.wrapping_mul(0xA24B_AED4_963E_E407)) ^ index)
}

/// A ChaCha8 generator for stream `tag` of item `index`.
pub(crate) fn rng_for(seed: u64, tag: u64, index: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(derive(seed, tag, index))
}

/// Stream tags: one per independent purpose, so adding draws to one stream never shifts another.
pub(crate) mod tag {
    pub const DATE: u64 = 1;
    pub const LOAN: u64 = 2;
    pub const BORROWER: u64 = 3;
    pub const REPEAT: u64 = 4;
    pub const DEALER: u64 = 5;
    pub const SALT: u64 = 6;
    pub const FEED: u64 = 7;
    pub const BIRTH: u64 = 8;
    pub const RESPONSE: u64 = 9;
}

/// Picks an item with probability proportional to its weight. Weights are small static tables, so
/// a linear scan beats building an alias table.
pub(crate) fn pick_weighted<'a, T, R: Rng>(rng: &mut R, items: &'a [(T, u32)]) -> &'a T {
    let total: u32 = items.iter().map(|(_, w)| *w).sum();
    let mut roll = rng.random_range(0..total.max(1));
    for (item, weight) in items {
        if roll < *weight {
            return item;
        }
        roll -= *weight;
    }
    // Only reachable when every weight is zero; the tables in this crate are never empty.
    &items[items.len() - 1].0
}

/// Picks one element uniformly from a non-empty static table.
pub(crate) fn pick<'a, T, R: Rng>(rng: &mut R, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// Appends `count` random decimal digits to `out`.
pub(crate) fn push_digits<R: Rng>(rng: &mut R, out: &mut String, count: usize) {
    for _ in 0..count {
        out.push(char::from(b'0' + rng.random_range(0..10u8)));
    }
}

/// The Luhn check digit for `digits` (the digits before the check digit), as used by bank cards
/// and IMEIs.
pub(crate) fn luhn_check_digit(digits: &str) -> char {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b.wrapping_sub(b'0'));
            // The digit next to the check digit is doubled, then every second one going left.
            if i % 2 == 0 {
                let doubled = d * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                d
            }
        })
        .sum();
    char::from(b'0' + ((10 - sum % 10) % 10) as u8)
}

/// Whether a full digit string (check digit last) passes the Luhn test.
#[cfg(test)]
pub(crate) fn luhn_valid(number: &str) -> bool {
    match number.len() {
        0 => false,
        n => luhn_check_digit(&number[..n - 1]) == number.as_bytes()[n - 1] as char,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_matches_known_numbers() {
        // The textbook example and a published test card number.
        assert_eq!(luhn_check_digit("7992739871"), '3');
        assert!(luhn_valid("4111111111111111"));
        assert!(!luhn_valid("4111111111111112"));
        // A published example IMEI.
        assert!(luhn_valid("490154203237518"));
    }

    #[test]
    fn derived_seeds_differ_by_tag_and_index() {
        assert_ne!(derive(1, tag::LOAN, 0), derive(1, tag::BORROWER, 0));
        assert_ne!(derive(1, tag::LOAN, 0), derive(1, tag::LOAN, 1));
        assert_eq!(derive(9, tag::FEED, 5), derive(9, tag::FEED, 5));
    }
}
