//! Delinquency measures: aging buckets (账龄 M0…M6+) and penalty interest (罚息).

use crate::money::{div_round_half_up, Fen};
use crate::rate::{AnnualRate, RATE_SCALE};

/// Index of a bucket within its [`BucketScheme`]; 0 is always the current bucket (DPD 0).
pub type BucketIdx = u8;

/// Aging buckets by days past due. The default is M0 (current), M1 = 1–30 … M5 = 121–150,
/// M6+ = 151 and more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketScheme {
    labels: Vec<String>,
    lower_bounds: Vec<u32>,
    npl_from: BucketIdx,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BucketError {
    #[error("the first bucket must start at 0 days past due")]
    FirstNotZero,
    #[error("bucket `{0}` must start after the bucket before it")]
    NotIncreasing(String),
    #[error("bucket labels must be unique; `{0}` appears twice")]
    DuplicateLabel(String),
    #[error("the NPL threshold names bucket `{0}`, which the scheme does not have")]
    UnknownNplBucket(String),
    #[error("at most 32 buckets, got {0}")]
    TooMany(usize),
}

impl Default for BucketScheme {
    fn default() -> BucketScheme {
        let specs = [
            ("M0", 0),
            ("M1", 1),
            ("M2", 31),
            ("M3", 61),
            ("M4", 91),
            ("M5", 121),
            ("M6+", 151),
        ];
        BucketScheme {
            labels: specs.iter().map(|(l, _)| (*l).to_string()).collect(),
            lower_bounds: specs.iter().map(|(_, b)| *b).collect(),
            npl_from: 3,
        }
    }
}

impl BucketScheme {
    /// A scheme from `(label, first DPD)` pairs in increasing order; `npl_from` names the first
    /// bucket counted as non-performing.
    pub fn new(specs: &[(String, u32)], npl_from: &str) -> Result<BucketScheme, BucketError> {
        if specs.len() > 32 {
            return Err(BucketError::TooMany(specs.len()));
        }
        if specs.first().map(|(_, b)| *b) != Some(0) {
            return Err(BucketError::FirstNotZero);
        }
        for pair in specs.windows(2) {
            if pair[1].1 <= pair[0].1 {
                return Err(BucketError::NotIncreasing(pair[1].0.clone()));
            }
        }
        for (idx, (label, _)) in specs.iter().enumerate() {
            if specs[..idx].iter().any(|(l, _)| l == label) {
                return Err(BucketError::DuplicateLabel(label.clone()));
            }
        }
        let npl_idx = specs
            .iter()
            .position(|(l, _)| l == npl_from)
            .ok_or_else(|| BucketError::UnknownNplBucket(npl_from.to_string()))?;
        Ok(BucketScheme {
            labels: specs.iter().map(|(l, _)| l.clone()).collect(),
            lower_bounds: specs.iter().map(|(_, b)| *b).collect(),
            npl_from: npl_idx as BucketIdx,
        })
    }

    pub fn bucket_for(&self, dpd: u32) -> BucketIdx {
        // Bounds are few and sorted; the last bound not above dpd wins.
        let idx = self.lower_bounds.partition_point(|&bound| bound <= dpd);
        idx.saturating_sub(1) as BucketIdx
    }

    pub fn label(&self, idx: BucketIdx) -> &str {
        self.labels
            .get(usize::from(idx))
            .map(String::as_str)
            .unwrap_or("?")
    }

    pub fn index_of(&self, label: &str) -> Option<BucketIdx> {
        self.labels
            .iter()
            .position(|l| l == label)
            .map(|i| i as BucketIdx)
    }

    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    pub fn lower_bounds(&self) -> &[u32] {
        &self.lower_bounds
    }

    /// The first bucket counted as non-performing (default M3, i.e. more than 60 DPD).
    pub fn npl_from(&self) -> BucketIdx {
        self.npl_from
    }

    pub fn is_npl(&self, idx: BucketIdx) -> bool {
        idx >= self.npl_from
    }
}

/// How penalty interest accrues on overdue principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PenaltyPolicy {
    /// Multiple of the contract rate in basis points: 15_000 is 1.5×.
    pub multiple_bp: u32,
    /// Days in the interest year for daily accrual (360 is the Chinese banking convention).
    pub day_count: u32,
}

impl Default for PenaltyPolicy {
    fn default() -> PenaltyPolicy {
        PenaltyPolicy {
            multiple_bp: 15_000,
            day_count: 360,
        }
    }
}

impl PenaltyPolicy {
    /// One day's penalty interest on `overdue_principal`, rounded half up to the fen.
    pub fn daily_penalty(&self, overdue_principal: Fen, contract_rate: AnnualRate) -> Fen {
        if !overdue_principal.is_positive() || self.day_count == 0 {
            return Fen::ZERO;
        }
        let numerator = i128::from(overdue_principal.get())
            * i128::from(contract_rate.units())
            * i128::from(self.multiple_bp);
        let denominator = i128::from(self.day_count) * i128::from(RATE_SCALE) * 10_000;
        Fen::new(div_round_half_up(numerator, denominator) as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_buckets_follow_the_glossary() {
        let scheme = BucketScheme::default();
        let cases = [
            (0, "M0"),
            (1, "M1"),
            (30, "M1"),
            (31, "M2"),
            (60, "M2"),
            (61, "M3"),
            (150, "M5"),
            (151, "M6+"),
            (4000, "M6+"),
        ];
        for (dpd, label) in cases {
            assert_eq!(scheme.label(scheme.bucket_for(dpd)), label, "dpd {dpd}");
        }
        assert!(scheme.is_npl(scheme.bucket_for(61)));
        assert!(!scheme.is_npl(scheme.bucket_for(60)));
    }

    #[test]
    fn bad_bucket_schemes_are_rejected() {
        let spec = |v: &[(&str, u32)]| {
            v.iter()
                .map(|(l, b)| (l.to_string(), *b))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            BucketScheme::new(&spec(&[("A", 1)]), "A"),
            Err(BucketError::FirstNotZero)
        );
        assert_eq!(
            BucketScheme::new(&spec(&[("A", 0), ("B", 0)]), "B"),
            Err(BucketError::NotIncreasing("B".into()))
        );
        assert_eq!(
            BucketScheme::new(&spec(&[("A", 0), ("B", 9)]), "C"),
            Err(BucketError::UnknownNplBucket("C".into()))
        );
    }

    #[test]
    fn penalty_is_one_and_a_half_times_the_daily_rate() {
        let rate = AnnualRate::parse_percent("7.2").unwrap();
        // 10,000.00 overdue × 7.2 % × 1.5 / 360 = 3.00 a day.
        assert_eq!(
            PenaltyPolicy::default().daily_penalty(Fen::from_yuan(10_000), rate),
            Fen::new(300)
        );
    }
}
