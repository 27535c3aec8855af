//! Personal and device identifiers with valid check digits: national IDs, mobile numbers, bank
//! card numbers for auto-debit, and GPS terminal ids (JT/T 808 terminal numbers, GT06 IMEIs).

use chrono::{Datelike, NaiveDate};
use rand::Rng;
use recoup_core::identity::{national_id_check_char, NationalId, Phone};

use crate::names::Sex;
use crate::seeds::{luhn_check_digit, pick, pick_weighted, push_digits};

/// Mobile prefixes of the three carriers (China Mobile, Unicom, Telecom), weighted towards the
/// long-established 13x/15x/18x ranges.
const MOBILE_PREFIXES: &[(&str, u32)] = &[
    ("130", 3),
    ("131", 3),
    ("132", 3),
    ("133", 3),
    ("134", 3),
    ("135", 4),
    ("136", 4),
    ("137", 4),
    ("138", 5),
    ("139", 5),
    ("150", 3),
    ("151", 3),
    ("152", 3),
    ("153", 2),
    ("155", 2),
    ("156", 2),
    ("157", 2),
    ("158", 3),
    ("159", 3),
    ("166", 1),
    ("175", 1),
    ("176", 2),
    ("177", 2),
    ("178", 1),
    ("180", 2),
    ("181", 2),
    ("182", 2),
    ("183", 2),
    ("185", 2),
    ("186", 3),
    ("187", 3),
    ("188", 3),
    ("189", 3),
    ("191", 1),
    ("195", 1),
    ("198", 1),
    ("199", 1),
];

/// Debit-card BINs of large Chinese banks with their card lengths.
const CARD_BINS: &[(&str, usize)] = &[
    ("622202", 19), // ICBC
    ("621226", 19), // ICBC
    ("621700", 19), // CCB
    ("622700", 19), // CCB
    ("622848", 19), // ABC
    ("621661", 19), // BOC
    ("622588", 16), // CMB
    ("621483", 16), // CMB
    ("622262", 19), // BoCom
    ("621799", 19), // PSBC
    ("622690", 16), // CITIC
    ("622630", 16), // Hua Xia
];

/// Type allocation codes (first 8 IMEI digits) of the kind found on after-market trackers.
const TRACKER_TACS: &[&str] = &["35840207", "86402003", "86864203", "35827505", "86257203"];

/// IoT SIM ranges used as JT/T 808 terminal phone numbers.
const IOT_PREFIXES: &[&str] = &["144", "146", "147", "148", "172"];

/// A valid 18-digit national ID for someone registered in `region` (6 digits), born on `birth`,
/// with order code `order` (0–499, the 15th–17th digits without the sex). The 17th digit is odd
/// for men, even for women.
pub(crate) fn national_id(region: &str, birth: NaiveDate, order: u16, sex: Sex) -> NationalId {
    let parity = match sex {
        Sex::Male => 1,
        Sex::Female => 0,
    };
    let mut id = format!(
        "{region}{:04}{:02}{:02}{:03}",
        birth.year(),
        birth.month(),
        birth.day(),
        (order % 500) * 2 + parity
    );
    id.push(national_id_check_char(&id));
    // Infallible: 6 + 8 + 3 ASCII digits (region codes come from the static city table), a
    // birth date printed from a real NaiveDate, and the check character computed by the very
    // function `parse` verifies against.
    NationalId::parse(&id).expect("generated national ID is valid by construction")
}

/// A valid mainland mobile number.
pub(crate) fn mobile<R: Rng>(rng: &mut R) -> Phone {
    let mut number = String::with_capacity(11);
    number.push_str(pick_weighted::<&str, _>(rng, MOBILE_PREFIXES));
    push_digits(rng, &mut number, 8);
    // Infallible: every prefix in MOBILE_PREFIXES is 1[3-9]x (checked by a test), followed by
    // eight ASCII digits, which is exactly what Phone::parse accepts.
    Phone::parse(&number).expect("generated mobile number is valid by construction")
}

/// A Luhn-valid debit card number of a large bank (16–19 digits).
pub(crate) fn bank_card<R: Rng>(rng: &mut R) -> String {
    let (bin, len) = pick(rng, CARD_BINS);
    let mut card = String::with_capacity(*len);
    card.push_str(bin);
    push_digits(rng, &mut card, len - bin.len() - 1);
    let check = luhn_check_digit(&card);
    card.push(check);
    card
}

/// A 15-digit GT06 tracker IMEI with a valid Luhn check digit.
pub(crate) fn tracker_imei(serial: usize) -> String {
    // The type code comes from the serial too, so ids stay unique up to 5,000,000 trackers.
    let mut imei = String::with_capacity(15);
    imei.push_str(TRACKER_TACS[serial % TRACKER_TACS.len()]);
    imei.push_str(&format!("{:06}", (serial / TRACKER_TACS.len()) % 1_000_000));
    let check = luhn_check_digit(&imei);
    imei.push(check);
    imei
}

/// A 12-digit JT/T 808 terminal number: the SIM's 11-digit number with a leading zero.
pub(crate) fn jt808_terminal(serial: usize) -> String {
    let mut id = String::with_capacity(12);
    id.push('0');
    id.push_str(IOT_PREFIXES[serial % IOT_PREFIXES.len()]);
    id.push_str(&format!(
        "{:08}",
        (serial / IOT_PREFIXES.len()) % 100_000_000
    ));
    id
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seeds::luhn_valid;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn every_mobile_prefix_is_a_mobile_range() {
        for (prefix, _) in MOBILE_PREFIXES {
            let b = prefix.as_bytes();
            assert!(
                b.len() == 3 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]),
                "{prefix}"
            );
        }
    }

    #[test]
    fn generated_identifiers_are_valid() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let birth = NaiveDate::from_ymd_opt(1988, 2, 29).unwrap();
        for _ in 0..500 {
            let id = national_id("440305", birth, rng.random_range(0..500), Sex::Female);
            assert_eq!(id.birth_date(), Some(birth));
            assert_eq!((id.as_str().as_bytes()[16] - b'0') % 2, 0);
            let phone = mobile(&mut rng);
            assert!(Phone::parse(phone.as_str()).is_ok());
            let card = bank_card(&mut rng);
            assert!(
                (16..=19).contains(&card.len()) && luhn_valid(&card),
                "{card}"
            );
            let imei = tracker_imei(rng.random_range(0..5_000_000));
            assert!(imei.len() == 15 && luhn_valid(&imei), "{imei}");
            assert_eq!(jt808_terminal(rng.random_range(0..5_000_000)).len(), 12);
        }
    }

    #[test]
    fn terminal_ids_never_repeat_across_a_million_cars() {
        let mut seen = std::collections::HashSet::new();
        for serial in 0..1_000_000 {
            assert!(
                seen.insert(tracker_imei(serial)),
                "IMEI repeated at {serial}"
            );
        }
        seen.clear();
        for serial in 0..1_000_000 {
            assert!(
                seen.insert(jt808_terminal(serial)),
                "terminal id repeated at {serial}"
            );
        }
    }
}
