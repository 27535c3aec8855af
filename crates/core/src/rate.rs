//! Interest rates as exact decimals: an annual rate is held in units of 10⁻⁸ (a millionth of a
//! percent), parsed from text, so that no ledger computation goes through `f64`.

use std::fmt;

/// Units of [`AnnualRate`] per 1.0 (100 %).
pub const RATE_SCALE: i64 = 100_000_000;

/// The highest annual rate recoup accepts: 36 %, the ceiling above which Chinese courts do not
/// protect interest at all. A higher figure in a tape is a typing error, not a loan.
pub const MAX_ANNUAL_RATE: i64 = 36 * RATE_SCALE / 100;

/// A nominal annual interest rate, e.g. 6.25 %.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AnnualRate(i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RateError {
    #[error("`{0}` is not a percentage (expected e.g. 6.25 for 6.25 %)")]
    Malformed(String),
    #[error("{0} % is outside 0 %–36 %")]
    OutOfRange(String),
}

impl AnnualRate {
    pub const ZERO: AnnualRate = AnnualRate(0);

    /// Reads a percentage such as `6`, `6.25` or `6.25%` (up to six decimals).
    pub fn parse_percent(text: &str) -> Result<AnnualRate, RateError> {
        let trimmed = text.trim().trim_end_matches('%').trim();
        let malformed = || RateError::Malformed(text.trim().to_string());
        let (whole, frac) = trimmed.split_once('.').unwrap_or((trimmed, ""));
        if whole.is_empty()
            || whole.len() > 3
            || frac.len() > 6
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(malformed());
        }
        let whole_units: i64 = whole.parse::<i64>().map_err(|_| malformed())? * (RATE_SCALE / 100);
        let mut frac_units: i64 = 0;
        let mut weight = RATE_SCALE / 1000;
        for byte in frac.bytes() {
            frac_units += i64::from(byte - b'0') * weight;
            weight /= 10;
        }
        AnnualRate::from_units(whole_units + frac_units)
            .map_err(|_| RateError::OutOfRange(trimmed.to_string()))
    }

    /// Builds a rate from units of 10⁻⁸ (so 6 % is 6_000_000).
    pub fn from_units(units: i64) -> Result<AnnualRate, RateError> {
        if !(0..=MAX_ANNUAL_RATE).contains(&units) {
            return Err(RateError::OutOfRange(format!("{}", AnnualRate(units))));
        }
        Ok(AnnualRate(units))
    }

    /// The rate in units of 10⁻⁸ of 1.0.
    pub const fn units(self) -> i64 {
        self.0
    }

    /// The percentage as text with trailing zeros removed, e.g. `6.25`.
    pub fn to_percent_string(self) -> String {
        let per_percent = RATE_SCALE / 100;
        let whole = self.0 / per_percent;
        let frac = self.0 % per_percent;
        if frac == 0 {
            return whole.to_string();
        }
        let digits = format!("{frac:06}");
        format!("{whole}.{}", digits.trim_end_matches('0'))
    }
}

impl fmt::Display for AnnualRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_percent_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_parse_exactly() {
        assert_eq!(
            AnnualRate::parse_percent("6").map(AnnualRate::units),
            Ok(6_000_000)
        );
        assert_eq!(
            AnnualRate::parse_percent("6.25%").map(AnnualRate::units),
            Ok(6_250_000)
        );
        assert_eq!(
            AnnualRate::parse_percent("0.000001").map(AnnualRate::units),
            Ok(1)
        );
        assert_eq!(
            AnnualRate::parse_percent("36").map(AnnualRate::units),
            Ok(36_000_000)
        );
    }

    #[test]
    fn nonsense_and_usury_are_rejected() {
        for text in ["", "abc", "-1", "36.01", "6.1234567", "1e3"] {
            assert!(AnnualRate::parse_percent(text).is_err(), "{text}");
        }
    }

    #[test]
    fn display_trims_zeros() {
        assert_eq!(
            AnnualRate::parse_percent("6.50").unwrap().to_string(),
            "6.5"
        );
        assert_eq!(AnnualRate::parse_percent("12").unwrap().to_string(), "12");
    }
}
