//! Portfolio measures built from per-loan facts: balances by bucket, the NPL ratio and the
//! month-on-month roll-rate matrix.

use crate::delinquency::{BucketIdx, BucketScheme};
use crate::money::Fen;

/// Loans and balances in one aging bucket.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BucketLine {
    pub loans: u64,
    pub principal_outstanding: Fen,
    /// Overdue principal and interest, fees and penalty.
    pub arrears: Fen,
}

/// The book on one business date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortfolioSummary {
    /// One line per bucket of the scheme, in scheme order.
    pub by_bucket: Vec<BucketLine>,
    pub buckets: BucketScheme,
}

impl PortfolioSummary {
    pub fn new(buckets: BucketScheme) -> PortfolioSummary {
        PortfolioSummary {
            by_bucket: vec![BucketLine::default(); buckets.labels().len()],
            buckets,
        }
    }

    /// Adds one loan (or a pre-aggregated group of loans) to the summary.
    pub fn add(&mut self, bucket: BucketIdx, loans: u64, principal: Fen, arrears: Fen) {
        if let Some(line) = self.by_bucket.get_mut(usize::from(bucket)) {
            line.loans += loans;
            line.principal_outstanding += principal;
            line.arrears += arrears;
        }
    }

    pub fn loans(&self) -> u64 {
        self.by_bucket.iter().map(|l| l.loans).sum()
    }

    pub fn principal_outstanding(&self) -> Fen {
        self.by_bucket.iter().map(|l| l.principal_outstanding).sum()
    }

    /// Outstanding principal in non-performing buckets.
    pub fn npl_principal(&self) -> Fen {
        self.by_bucket
            .iter()
            .enumerate()
            .filter(|(idx, _)| self.buckets.is_npl(*idx as BucketIdx))
            .map(|(_, l)| l.principal_outstanding)
            .sum()
    }

    /// NPL ratio (non-performing share of outstanding principal) in parts per million.
    pub fn npl_ratio_ppm(&self) -> u64 {
        ratio_ppm(
            self.npl_principal().get(),
            self.principal_outstanding().get(),
        )
    }
}

/// `part / whole` in parts per million, rounded half up; 0 when `whole` is 0.
pub fn ratio_ppm(part: i64, whole: i64) -> u64 {
    if whole <= 0 || part <= 0 {
        return 0;
    }
    let ppm = (i128::from(part) * 1_000_000 + i128::from(whole) / 2) / i128::from(whole);
    ppm as u64
}

/// A parts-per-million figure as a percentage with two decimals, e.g. `1.23%`.
pub fn ppm_as_percent(ppm: u64) -> String {
    let hundredths = (ppm + 50) / 100;
    format!("{}.{:02}%", hundredths / 100, hundredths % 100)
}

/// Where a loan went between two month-ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RollDestination {
    Bucket(BucketIdx),
    PaidOff,
}

/// Counts of loans moving from each bucket at one month-end to each bucket (or pay-off) at the
/// next: row `i`, column `j` is how many loans in bucket `i` ended in bucket `j`; the last column
/// is pay-off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollRateMatrix {
    pub from_month: String,
    pub to_month: String,
    pub labels: Vec<String>,
    pub counts: Vec<Vec<u64>>,
}

impl RollRateMatrix {
    pub fn new(buckets: &BucketScheme, from_month: String, to_month: String) -> RollRateMatrix {
        let n = buckets.labels().len();
        RollRateMatrix {
            from_month,
            to_month,
            labels: buckets.labels().to_vec(),
            counts: vec![vec![0; n + 1]; n],
        }
    }

    pub fn add(&mut self, from: BucketIdx, to: RollDestination, loans: u64) {
        let n = self.labels.len();
        let col = match to {
            RollDestination::Bucket(idx) => usize::from(idx).min(n - 1),
            RollDestination::PaidOff => n,
        };
        if let Some(row) = self.counts.get_mut(usize::from(from)) {
            row[col] += loans;
        }
    }

    pub fn row_total(&self, from: usize) -> u64 {
        self.counts.get(from).map(|r| r.iter().sum()).unwrap_or(0)
    }

    /// Share of loans in bucket `from` that ended in column `to`, in parts per million.
    pub fn rate_ppm(&self, from: usize, to: usize) -> u64 {
        let count = self
            .counts
            .get(from)
            .and_then(|r| r.get(to))
            .copied()
            .unwrap_or(0);
        ratio_ppm(count as i64, self.row_total(from) as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npl_ratio_counts_m3_and_worse() {
        let mut summary = PortfolioSummary::new(BucketScheme::default());
        summary.add(0, 97, Fen::from_yuan(970_000), Fen::ZERO);
        summary.add(3, 2, Fen::from_yuan(20_000), Fen::from_yuan(3_000));
        summary.add(6, 1, Fen::from_yuan(10_000), Fen::from_yuan(9_000));
        assert_eq!(summary.loans(), 100);
        assert_eq!(summary.npl_principal(), Fen::from_yuan(30_000));
        assert_eq!(summary.npl_ratio_ppm(), 30_000);
        assert_eq!(ppm_as_percent(summary.npl_ratio_ppm()), "3.00%");
    }

    #[test]
    fn roll_rates_are_shares_of_each_row() {
        let mut matrix =
            RollRateMatrix::new(&BucketScheme::default(), "2026-09".into(), "2026-10".into());
        matrix.add(1, RollDestination::Bucket(0), 3);
        matrix.add(1, RollDestination::Bucket(2), 1);
        matrix.add(0, RollDestination::PaidOff, 5);
        assert_eq!(matrix.rate_ppm(1, 0), 750_000);
        assert_eq!(matrix.rate_ppm(1, 2), 250_000);
        assert_eq!(matrix.rate_ppm(0, 7), 1_000_000);
        assert_eq!(matrix.rate_ppm(4, 4), 0);
    }
}
