//! Conversions between stored rows and core types: a loan's running summary and its
//! installments.

use recoup_core::delinquency::BucketScheme;
use recoup_core::servicing::{InstallmentState, LoanState, LoanStatus};
use recoup_core::{AnnualRate, Fen};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::db::error::StoreError;
use crate::db::sql::{parse_date, parse_opt_date};

/// The loan columns [`loan_state_from_row`] reads, in order, after `id`.
pub(crate) const LOAN_STATE_COLUMNS: &str = "id, rate_units, term_months, status, \
    principal_outstanding, next_due_period, next_due_date, oldest_unpaid_due_date, \
    arrears_principal, arrears_interest, fees_balance, penalty_balance, penalty_accrued_total, \
    credit, dpd, bucket, max_dpd, times_delinquent, cures, last_cure_date, paid_off_on, \
    last_processed";

/// The columns end-of-day writes back, in the order [`push_loan_state`] binds them after `id`.
pub const LOAN_STATE_WRITE_COLUMNS: [&str; 18] = [
    "status",
    "principal_outstanding",
    "next_due_period",
    "next_due_date",
    "oldest_unpaid_due_date",
    "arrears_principal",
    "arrears_interest",
    "fees_balance",
    "penalty_balance",
    "penalty_accrued_total",
    "credit",
    "dpd",
    "bucket",
    "max_dpd",
    "times_delinquent",
    "cures",
    "last_cure_date",
    "paid_off_on",
];

pub(crate) fn status_code(status: LoanStatus) -> &'static str {
    match status {
        LoanStatus::Active => "active",
        LoanStatus::PaidOff => "paid_off",
    }
}

fn parse_status(text: &str) -> Result<LoanStatus, StoreError> {
    match text {
        "active" => Ok(LoanStatus::Active),
        "paid_off" => Ok(LoanStatus::PaidOff),
        other => Err(StoreError::Corrupt(format!(
            "unknown loan status `{other}`"
        ))),
    }
}

fn count(row: &AnyRow, idx: usize) -> Result<u32, StoreError> {
    let value: i64 = row.try_get(idx)?;
    u32::try_from(value).map_err(|_| StoreError::Corrupt(format!("count {value} out of range")))
}

/// Reads `(loan id, state)` from a row selected with [`LOAN_STATE_COLUMNS`].
pub(crate) fn loan_state_from_row(
    row: &AnyRow,
    buckets: &BucketScheme,
) -> Result<(i64, LoanState), StoreError> {
    let id: i64 = row.try_get(0)?;
    let rate_units: i64 = row.try_get(1)?;
    let annual_rate = AnnualRate::from_units(rate_units)
        .map_err(|e| StoreError::Corrupt(format!("loan {id}: {e}")))?;
    let status: String = row.try_get(3)?;
    let dpd = count(row, 14)?;
    let bucket_label: String = row.try_get(15)?;
    // A bucket scheme changed since the last run: place the loan by its DPD.
    let bucket = buckets
        .index_of(&bucket_label)
        .unwrap_or_else(|| buckets.bucket_for(dpd));
    let state = LoanState {
        annual_rate,
        term_months: count(row, 2)?,
        status: parse_status(&status)?,
        principal_outstanding: Fen::new(row.try_get(4)?),
        next_due_period: count(row, 5)?,
        next_due_date: parse_opt_date(row.try_get(6)?)?,
        oldest_unpaid_due_date: parse_opt_date(row.try_get(7)?)?,
        arrears_principal: Fen::new(row.try_get(8)?),
        arrears_interest: Fen::new(row.try_get(9)?),
        fees_balance: Fen::new(row.try_get(10)?),
        penalty_balance: Fen::new(row.try_get(11)?),
        penalty_accrued_total: Fen::new(row.try_get(12)?),
        credit: Fen::new(row.try_get(13)?),
        dpd,
        bucket,
        max_dpd: count(row, 16)?,
        times_delinquent: count(row, 17)?,
        cures: count(row, 18)?,
        last_cure_date: parse_opt_date(row.try_get(19)?)?,
        paid_off_on: parse_opt_date(row.try_get(20)?)?,
        last_processed: parse_opt_date(row.try_get(21)?)?,
    };
    Ok((id, state))
}

/// The installment columns [`installment_from_row`] reads, after `loan_id`.
pub(crate) const INSTALLMENT_COLUMNS: &str =
    "loan_id, period, due_date, principal_due, interest_due, principal_paid, interest_paid, paid_off_on";

pub(crate) fn installment_from_row(row: &AnyRow) -> Result<(i64, InstallmentState), StoreError> {
    let loan_id: i64 = row.try_get(0)?;
    let due_date: String = row.try_get(2)?;
    Ok((
        loan_id,
        InstallmentState {
            period: count(row, 1)?,
            due_date: parse_date(&due_date)?,
            principal_due: Fen::new(row.try_get(3)?),
            interest_due: Fen::new(row.try_get(4)?),
            principal_paid: Fen::new(row.try_get(5)?),
            interest_paid: Fen::new(row.try_get(6)?),
            paid_off_on: parse_opt_date(row.try_get(7)?)?,
        },
    ))
}
