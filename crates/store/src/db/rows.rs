//! Conversions between stored rows and core types: a loan's running summary and its
//! installments.

use recoup_core::delinquency::BucketScheme;
use recoup_core::servicing::{InstallmentState, LoanState, LoanStatus};
use recoup_core::{AnnualRate, Fen};
use sqlx::any::AnyRow;
use sqlx::FromRow;

use crate::db::error::StoreError;
use crate::db::sql::{parse_date, parse_opt_date};

/// The loan columns [`loan_state_from_row`] reads, by name.
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

fn count(value: i64) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| StoreError::Corrupt(format!("count {value} out of range")))
}

/// A loan row as stored, read by column name; dates are still TEXT.
#[derive(sqlx::FromRow)]
struct RawLoanState {
    id: i64,
    rate_units: i64,
    term_months: i64,
    status: String,
    principal_outstanding: i64,
    next_due_period: i64,
    next_due_date: Option<String>,
    oldest_unpaid_due_date: Option<String>,
    arrears_principal: i64,
    arrears_interest: i64,
    fees_balance: i64,
    penalty_balance: i64,
    penalty_accrued_total: i64,
    credit: i64,
    dpd: i64,
    bucket: String,
    max_dpd: i64,
    times_delinquent: i64,
    cures: i64,
    last_cure_date: Option<String>,
    paid_off_on: Option<String>,
    last_processed: Option<String>,
}

/// Reads `(loan id, state)` from a row selected with [`LOAN_STATE_COLUMNS`].
pub(crate) fn loan_state_from_row(
    row: &AnyRow,
    buckets: &BucketScheme,
) -> Result<(i64, LoanState), StoreError> {
    let raw = RawLoanState::from_row(row)?;
    let id = raw.id;
    let annual_rate = AnnualRate::from_units(raw.rate_units)
        .map_err(|e| StoreError::Corrupt(format!("loan {id}: {e}")))?;
    let dpd = count(raw.dpd)?;
    // A bucket scheme changed since the last run: place the loan by its DPD.
    let bucket = buckets
        .index_of(&raw.bucket)
        .unwrap_or_else(|| buckets.bucket_for(dpd));
    let state = LoanState {
        annual_rate,
        term_months: count(raw.term_months)?,
        status: parse_status(&raw.status)?,
        principal_outstanding: Fen::new(raw.principal_outstanding),
        next_due_period: count(raw.next_due_period)?,
        next_due_date: parse_opt_date(raw.next_due_date)?,
        oldest_unpaid_due_date: parse_opt_date(raw.oldest_unpaid_due_date)?,
        arrears_principal: Fen::new(raw.arrears_principal),
        arrears_interest: Fen::new(raw.arrears_interest),
        fees_balance: Fen::new(raw.fees_balance),
        penalty_balance: Fen::new(raw.penalty_balance),
        penalty_accrued_total: Fen::new(raw.penalty_accrued_total),
        credit: Fen::new(raw.credit),
        dpd,
        bucket,
        max_dpd: count(raw.max_dpd)?,
        times_delinquent: count(raw.times_delinquent)?,
        cures: count(raw.cures)?,
        last_cure_date: parse_opt_date(raw.last_cure_date)?,
        paid_off_on: parse_opt_date(raw.paid_off_on)?,
        last_processed: parse_opt_date(raw.last_processed)?,
    };
    Ok((id, state))
}

/// The installment columns [`installment_from_row`] reads, by name.
pub(crate) const INSTALLMENT_COLUMNS: &str =
    "loan_id, period, due_date, principal_due, interest_due, principal_paid, interest_paid, paid_off_on";

/// An installment row as stored, read by column name; dates are still TEXT.
#[derive(sqlx::FromRow)]
struct RawInstallment {
    loan_id: i64,
    period: i64,
    due_date: String,
    principal_due: i64,
    interest_due: i64,
    principal_paid: i64,
    interest_paid: i64,
    paid_off_on: Option<String>,
}

pub(crate) fn installment_from_row(row: &AnyRow) -> Result<(i64, InstallmentState), StoreError> {
    let raw = RawInstallment::from_row(row)?;
    Ok((
        raw.loan_id,
        InstallmentState {
            period: count(raw.period)?,
            due_date: parse_date(&raw.due_date)?,
            principal_due: Fen::new(raw.principal_due),
            interest_due: Fen::new(raw.interest_due),
            principal_paid: Fen::new(raw.principal_paid),
            interest_paid: Fen::new(raw.interest_paid),
            paid_off_on: parse_opt_date(raw.paid_off_on)?,
        },
    ))
}
