//! Read models for reports: the portfolio on a closed business date, the roll-rate matrix
//! between two month-ends, and a one-loan overview.

use chrono::NaiveDate;
use recoup_core::calendar::{month_end, month_key};
use recoup_core::delinquency::BucketScheme;
use recoup_core::portfolio::{PortfolioSummary, RollDestination, RollRateMatrix};
use recoup_core::Fen;
use sqlx::Row;

use crate::db::error::StoreError;
use crate::db::sql::{date_text, dialect, parse_opt_date};
use crate::Store;

/// The portfolio as end-of-day left it on one business date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortfolioDay {
    pub date: NaiveDate,
    pub summary: PortfolioSummary,
    /// The last month-on-month roll-rate matrix completed on or before the date, if two
    /// month-ends have been closed.
    pub roll_rates: Option<RollRateMatrix>,
}

/// A short view of one loan for the CLI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoanOverview {
    pub loan_no: String,
    pub status: String,
    pub dpd: i64,
    pub bucket: String,
    pub principal_outstanding: Fen,
    pub total_arrears: Fen,
    pub credit: Fen,
    pub next_due_date: Option<NaiveDate>,
    pub last_processed: Option<NaiveDate>,
}

impl Store {
    /// The portfolio on `date`, or `None` if that business date has not been closed.
    pub async fn portfolio_on(
        &self,
        date: NaiveDate,
        buckets: &BucketScheme,
    ) -> Result<Option<PortfolioDay>, StoreError> {
        let sql = dialect(
            self.backend,
            "SELECT bucket, loans, principal_outstanding, arrears FROM portfolio_day WHERE business_date = ? \
             ORDER BY bucket_order",
        );
        let rows = sqlx::query(&sql)
            .bind(date_text(date))
            .fetch_all(&self.pool)
            .await?;
        if rows.is_empty() {
            return Ok(None);
        }
        let mut summary = PortfolioSummary::new(buckets.clone());
        for row in rows {
            let label: String = row.try_get("bucket")?;
            let idx = buckets.index_of(&label).ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "bucket `{label}` on {date} is not in the configured bucket scheme"
                ))
            })?;
            let loans: i64 = row.try_get("loans")?;
            summary.add(
                idx,
                loans.max(0) as u64,
                Fen::new(row.try_get("principal_outstanding")?),
                Fen::new(row.try_get("arrears")?),
            );
        }
        // The last month-end on or before `date`, and the one before it.
        let to_end = if month_end(date) == date {
            date
        } else {
            date.previous_month_end()
        };
        let to_month = month_key(to_end);
        let from_month = month_key(to_end.previous_month_end());
        let roll_rates = self.roll_rates(&from_month, &to_month, buckets).await?;
        Ok(Some(PortfolioDay {
            date,
            summary,
            roll_rates,
        }))
    }

    /// Where the loans in each bucket at the end of `from_month` (YYYY-MM) were at the end of
    /// `to_month`; `None` when either snapshot is missing.
    pub async fn roll_rates(
        &self,
        from_month: &str,
        to_month: &str,
        buckets: &BucketScheme,
    ) -> Result<Option<RollRateMatrix>, StoreError> {
        let sql = dialect(
            self.backend,
            "SELECT COUNT(*) FROM loan_month_end WHERE month = ?",
        );
        for month in [from_month, to_month] {
            let n: i64 = sqlx::query_scalar(&sql)
                .bind(month)
                .fetch_one(&self.pool)
                .await?;
            if n == 0 {
                return Ok(None);
            }
        }
        let sql = dialect(
            self.backend,
            "SELECT a.bucket AS from_bucket, b.status AS to_status, b.bucket AS to_bucket, \
             COUNT(*) AS loans FROM loan_month_end a \
             JOIN loan_month_end b ON b.loan_id = a.loan_id AND b.month = ? \
             WHERE a.month = ? AND a.status = 'active' GROUP BY a.bucket, b.status, b.bucket",
        );
        let mut matrix = RollRateMatrix::new(buckets, from_month.to_string(), to_month.to_string());
        for row in sqlx::query(&sql)
            .bind(to_month)
            .bind(from_month)
            .fetch_all(&self.pool)
            .await?
        {
            let from_label: String = row.try_get("from_bucket")?;
            let status: String = row.try_get("to_status")?;
            let to_label: String = row.try_get("to_bucket")?;
            let loans: i64 = row.try_get("loans")?;
            let Some(from) = buckets.index_of(&from_label) else {
                continue;
            };
            let to = if status == "paid_off" {
                RollDestination::PaidOff
            } else {
                RollDestination::Bucket(buckets.index_of(&to_label).unwrap_or(0))
            };
            matrix.add(from, to, loans.max(0) as u64);
        }
        Ok(Some(matrix))
    }

    /// The first and last business dates end-of-day has closed, or `None` before the first.
    pub async fn closed_date_range(&self) -> Result<Option<(NaiveDate, NaiveDate)>, StoreError> {
        let row = sqlx::query(
            "SELECT MIN(business_date) AS first_date, MAX(business_date) AS last_date FROM eod_run \
             WHERE finished_at IS NOT NULL",
        )
        .fetch_one(&self.pool)
        .await?;
        let first = parse_opt_date(row.try_get("first_date")?)?;
        let last = parse_opt_date(row.try_get("last_date")?)?;
        Ok(first.zip(last))
    }

    /// One loan's running summary by loan number.
    pub async fn loan_overview(&self, loan_no: &str) -> Result<Option<LoanOverview>, StoreError> {
        let sql = dialect(
            self.backend,
            "SELECT loan_no, status, dpd, bucket, principal_outstanding, \
             arrears_principal + arrears_interest + fees_balance + penalty_balance AS total_arrears, \
             credit, next_due_date, \
             last_processed FROM loan WHERE loan_no = ?",
        );
        let Some(row) = sqlx::query(&sql)
            .bind(loan_no)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(LoanOverview {
            loan_no: row.try_get("loan_no")?,
            status: row.try_get("status")?,
            dpd: row.try_get("dpd")?,
            bucket: row.try_get("bucket")?,
            principal_outstanding: Fen::new(row.try_get("principal_outstanding")?),
            total_arrears: Fen::new(row.try_get("total_arrears")?),
            credit: Fen::new(row.try_get("credit")?),
            next_due_date: parse_opt_date(row.try_get("next_due_date")?)?,
            last_processed: parse_opt_date(row.try_get("last_processed")?)?,
        }))
    }
}

/// Calendar helper for the roll-rate months.
trait PreviousMonthEnd {
    /// The last day of the month before `self`'s month.
    fn previous_month_end(self) -> NaiveDate;
}

impl PreviousMonthEnd for NaiveDate {
    fn previous_month_end(self) -> NaiveDate {
        use chrono::Datelike;
        self.with_day(1).and_then(|d| d.pred_opt()).unwrap_or(self)
    }
}

impl Store {
    /// Refreshes the query planner's statistics; run it after a bulk load, so that the planner
    /// keeps to the indexes (PostgreSQL otherwise scans whole tables for id lists).
    pub async fn refresh_statistics(&self) -> Result<(), StoreError> {
        sqlx::query("ANALYZE").execute(&self.pool).await?;
        Ok(())
    }

    /// How many loans are booked.
    pub async fn loan_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM loan")
            .fetch_one(&self.pool)
            .await?)
    }
}
