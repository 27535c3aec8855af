//! Money as integer fen (分, 1/100 yuan) and the rounding rules the ledger uses.
//!
//! Floating point never touches a ledger amount: `Fen` wraps an `i64`, parsing reads the decimal
//! text digit by digit, and every division rounds half up (四舍五入) explicitly.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};

/// An amount of money in fen. One yuan is 100 fen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fen(i64);

/// Why a money text could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("empty amount")]
    Empty,
    #[error(
        "`{0}` is not an amount in yuan (expected digits with at most 2 decimals, e.g. 1234.56)"
    )]
    Malformed(String),
    #[error("`{0}` is too large")]
    TooLarge(String),
}

impl Fen {
    pub const ZERO: Fen = Fen(0);

    pub const fn new(fen: i64) -> Fen {
        Fen(fen)
    }

    pub const fn from_yuan(yuan: i64) -> Fen {
        Fen(yuan * 100)
    }

    pub const fn get(self) -> i64 {
        self.0
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub fn is_positive(self) -> bool {
        self.0 > 0
    }

    pub fn min(self, other: Fen) -> Fen {
        Fen(self.0.min(other.0))
    }

    pub fn max(self, other: Fen) -> Fen {
        Fen(self.0.max(other.0))
    }

    /// Reads a yuan amount such as `1234.5`, `1,234.56` or `-3.10`; more than two decimals is an
    /// error rather than a silent rounding.
    pub fn parse_yuan(text: &str) -> Result<Fen, MoneyError> {
        let trimmed = text.trim().trim_start_matches(['¥', '￥']);
        if trimmed.is_empty() {
            return Err(MoneyError::Empty);
        }
        let malformed = || MoneyError::Malformed(text.trim().to_string());
        let (negative, digits) = match trimmed.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        let (whole, frac) = match digits.split_once('.') {
            Some((w, f)) => (w, f),
            None => (digits, ""),
        };
        if whole.is_empty() || frac.len() > 2 || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed());
        }
        let mut yuan: i64 = 0;
        for byte in whole.bytes() {
            if byte == b',' {
                continue;
            }
            if !byte.is_ascii_digit() {
                return Err(malformed());
            }
            yuan = yuan
                .checked_mul(10)
                .and_then(|v| v.checked_add(i64::from(byte - b'0')))
                .ok_or_else(|| MoneyError::TooLarge(text.trim().to_string()))?;
        }
        let mut cents: i64 = 0;
        for (idx, byte) in frac.bytes().enumerate() {
            let weight = if idx == 0 { 10 } else { 1 };
            cents += i64::from(byte - b'0') * weight;
        }
        let fen = yuan
            .checked_mul(100)
            .and_then(|v| v.checked_add(cents))
            .ok_or_else(|| MoneyError::TooLarge(text.trim().to_string()))?;
        Ok(Fen(if negative { -fen } else { fen }))
    }

    /// The amount in yuan with exactly two decimals and no separators, e.g. `-1234.50`.
    pub fn to_yuan_string(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }

    /// The amount with thousands separators, e.g. `1,234,567.89`, for tables.
    pub fn to_grouped_string(self) -> String {
        let plain = self.to_yuan_string();
        let (sign, rest) = match plain.strip_prefix('-') {
            Some(r) => ("-", r),
            None => ("", plain.as_str()),
        };
        let (whole, frac) = rest.split_once('.').unwrap_or((rest, "00"));
        let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
        for (idx, ch) in whole.chars().enumerate() {
            if idx > 0 && (whole.len() - idx) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        format!("{sign}{grouped}.{frac}")
    }
}

impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_yuan_string())
    }
}

impl Add for Fen {
    type Output = Fen;
    fn add(self, rhs: Fen) -> Fen {
        Fen(self.0 + rhs.0)
    }
}

impl AddAssign for Fen {
    fn add_assign(&mut self, rhs: Fen) {
        self.0 += rhs.0;
    }
}

impl Sub for Fen {
    type Output = Fen;
    fn sub(self, rhs: Fen) -> Fen {
        Fen(self.0 - rhs.0)
    }
}

impl SubAssign for Fen {
    fn sub_assign(&mut self, rhs: Fen) {
        self.0 -= rhs.0;
    }
}

impl Neg for Fen {
    type Output = Fen;
    fn neg(self) -> Fen {
        Fen(-self.0)
    }
}

impl Sum for Fen {
    fn sum<I: Iterator<Item = Fen>>(iter: I) -> Fen {
        Fen(iter.map(|f| f.0).sum())
    }
}

/// `numerator / denominator` rounded half up (四舍五入) for a non-negative numerator and a
/// positive denominator; negative numerators round half away from zero.
pub fn div_round_half_up(numerator: i128, denominator: i128) -> i128 {
    debug_assert!(denominator > 0);
    if numerator >= 0 {
        (numerator + denominator / 2) / denominator
    } else {
        -((-numerator + denominator / 2) / denominator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsing_reads_yuan_exactly_without_floats() {
        let cases = [
            ("100000.00", 10_000_000),
            ("1,234.5", 123_450),
            ("¥0.07", 7),
            ("-3.10", -310),
            ("42", 4200),
        ];
        for (text, fen) in cases {
            assert_eq!(Fen::parse_yuan(text), Ok(Fen::new(fen)), "{text}");
        }
    }

    #[test]
    fn parsing_rejects_more_than_two_decimals_and_junk() {
        for text in ["1.234", "abc", "1.2.3", "", ".5", "1e5"] {
            assert!(Fen::parse_yuan(text).is_err(), "{text} should be rejected");
        }
    }

    #[test]
    fn formatting_round_trips_and_groups_thousands() {
        assert_eq!(Fen::new(123_456_789).to_yuan_string(), "1234567.89");
        assert_eq!(Fen::new(123_456_789).to_grouped_string(), "1,234,567.89");
        assert_eq!(Fen::new(-5).to_yuan_string(), "-0.05");
        assert_eq!(Fen::new(100).to_grouped_string(), "1.00");
    }

    #[test]
    fn rounding_is_half_up() {
        assert_eq!(div_round_half_up(5, 10), 1);
        assert_eq!(div_round_half_up(4, 10), 0);
        assert_eq!(div_round_half_up(15, 10), 2);
        assert_eq!(div_round_half_up(-15, 10), -2);
    }
}
