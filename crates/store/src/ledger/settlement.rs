//! Early settlement (提前结清) and partial prepayment (提前部分还款) in the book: the quote for a
//! date, and posting a payment that settles the loan or prepays part of it. The ledger change is
//! `recoup_core::settlement`'s; this module loads the loan, checks the posting against the book
//! (scope, reference, business date), and writes the payment, its allocations, the rebuilt
//! installments, the loan's summary, the portfolio change, journal and audit rows in one
//! transaction.
//!
//! Invariant: a posting's reference is a payment idempotency key: posted once, ever. Posting the
//! same reference again with the same loan, kind, date and amount returns what was posted and
//! writes nothing; with anything different it is refused.
//! Invariant: a posting is for the next business date to close (the day after the last closed
//! one), so end-of-day never has to recompute a date, and the portfolio change is recorded as
//! that date's delta (`eod_delta`), which the date's close adds to the previous figures.

use chrono::{DateTime, NaiveDate, Utc};
use recoup_core::delinquency::BucketScheme;
use recoup_core::loan::{Product, RepaymentMethod};
use recoup_core::servicing::{
    AllocationSplit, InstallmentState, LedgerPolicy, LoanState, LoanStatus,
};
use recoup_core::settlement::{
    prepay, quote, settle, Applied, Contract, PrepaymentMode, ProductRules, SettlementError,
    SettlementQuote, Terms,
};
use recoup_core::Fen;
use serde_json::json;
use sqlx::{Any, FromRow, Row, Transaction};

use crate::db::audit::{self, AuditAction, AuditEvent};
use crate::db::error::StoreError;
use crate::db::journal::{self, JournalEntry};
use crate::db::sql::{date_text, dialect, instant_text, parse_date};
use crate::work::access::Access;
use crate::work::plans::{load_loan, replace_rows, write_state};
use crate::{Backend, Store};

/// The longest reference accepted.
pub const MAX_REFERENCE_CHARS: usize = 64;

/// A payment to post as a settlement or prepayment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posting {
    pub loan_no: String,
    /// The value date: the next business date to close.
    pub date: NaiveDate,
    pub amount: Fen,
    /// The bank's transaction reference (流水号), the payment's idempotency key.
    pub reference: String,
}

/// What a posting did (or, replayed, what it did the first time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostedSettlement {
    pub id: i64,
    pub loan_no: String,
    /// `settlement` or `prepayment`.
    pub kind: String,
    /// For a prepayment, `reduce_installment` or `shorten_term`.
    pub mode: Option<String>,
    pub value_date: NaiveDate,
    pub amount: Fen,
    /// Principal paid, overdue and prepaid (or settled).
    pub principal: Fen,
    /// Interest paid: overdue and accrued in the current period.
    pub interest: Fen,
    pub penalty: Fen,
    pub fees: Fen,
    /// The early-settlement or prepayment fee charged.
    pub settlement_fee: Fen,
    pub credit_used: Fen,
    pub to_credit: Fen,
    /// The posting was already stored: nothing was written this time.
    pub replayed: bool,
}

/// The loan's contract as settlement needs it.
struct LoanRow {
    id: i64,
    borrower_id: i64,
    product: Product,
    contract: Contract,
    counted: bool,
}

const KIND_SETTLEMENT: &str = "settlement";
const KIND_PREPAYMENT: &str = "prepayment";

impl Store {
    /// What closing `loan_no` on `date` costs, as the loan stands (404 outside the user's scope).
    pub async fn settlement_quote(
        &self,
        access: &Access,
        loan_no: &str,
        date: NaiveDate,
        policy: &LedgerPolicy,
        products: &ProductRules,
    ) -> Result<SettlementQuote, StoreError> {
        let mut tx = self.reader.begin().await?;
        let loan = find_loan(&mut tx, self.backend, access, loan_no).await?;
        let (state, _, rows) = load_loan(&mut tx, self.backend, loan.id, &policy.buckets).await?;
        tx.commit().await?;
        let terms = loan.terms(policy, products);
        quote(&state, &rows, &terms, date).map_err(settlement_error)
    }

    /// Posts a payment that settles the loan early: at least the quote for its date (the excess
    /// is kept as credit); the loan is paid off on that date.
    pub async fn post_settlement(
        &self,
        access: &Access,
        posting: &Posting,
        policy: &LedgerPolicy,
        products: &ProductRules,
        now: DateTime<Utc>,
        event_id: &str,
    ) -> Result<PostedSettlement, StoreError> {
        self.post(access, posting, None, policy, products, now, event_id)
            .await
    }

    /// Posts a partial prepayment: what is due is paid, then principal, and the schedule from
    /// the current period on is rebuilt by `mode`.
    #[allow(clippy::too_many_arguments)]
    pub async fn post_prepayment(
        &self,
        access: &Access,
        posting: &Posting,
        mode: PrepaymentMode,
        policy: &LedgerPolicy,
        products: &ProductRules,
        now: DateTime<Utc>,
        event_id: &str,
    ) -> Result<PostedSettlement, StoreError> {
        self.post(access, posting, Some(mode), policy, products, now, event_id)
            .await
    }

    /// The settlements and prepayments posted on a loan, oldest first.
    pub async fn settlements_of(
        &self,
        access: &Access,
        loan_no: &str,
    ) -> Result<Vec<PostedSettlement>, StoreError> {
        let mut tx = self.reader.begin().await?;
        let loan = find_loan(&mut tx, self.backend, access, loan_no).await?;
        let sql = dialect(
            self.backend,
            &format!("SELECT {POSTED_COLUMNS} FROM settlement s JOIN loan l ON l.id = s.loan_id WHERE s.loan_id = ? ORDER BY s.id"),
        )
        .into_owned();
        let rows = sqlx::query(&sql).bind(loan.id).fetch_all(&mut *tx).await?;
        tx.commit().await?;
        rows.iter().map(posted_from_row).collect()
    }

    /// Checks a posting, replays it if its reference was already posted, or applies it to the
    /// loan and writes every row it changes in one transaction.
    #[allow(clippy::too_many_arguments)]
    async fn post(
        &self,
        access: &Access,
        posting: &Posting,
        mode: Option<PrepaymentMode>,
        policy: &LedgerPolicy,
        products: &ProductRules,
        now: DateTime<Utc>,
        event_id: &str,
    ) -> Result<PostedSettlement, StoreError> {
        let reference = checked_reference(posting)?;
        let kind = if mode.is_some() {
            KIND_PREPAYMENT
        } else {
            KIND_SETTLEMENT
        };
        let mut tx = self.pool.begin().await?;
        let loan = find_loan(&mut tx, self.backend, access, &posting.loan_no).await?;
        if let Some(stored) = stored_posting(&mut tx, self.backend, reference).await? {
            return replay(stored, posting, kind, mode, reference);
        }
        check_reference_unused(&mut tx, self.backend, reference).await?;
        check_business_date(&mut tx, self.backend, posting.date).await?;
        check_no_waiting_payments(&mut tx, self.backend, loan.id).await?;

        let buckets = &policy.buckets;
        let (mut state, _, rows) = load_loan(&mut tx, self.backend, loan.id, buckets).await?;
        let before = state.clone();
        let terms = loan.terms(policy, products);
        let (applied, totals) = apply_to_loan(&mut state, &rows, &terms, posting, mode)?;
        let draft = Draft {
            posting,
            reference,
            kind,
            mode,
            date_s: date_text(posting.date),
            at: instant_text(now),
            applied,
            totals,
        };

        let payment_id = insert_payment(&mut tx, self.backend, loan.id, &draft).await?;
        let applied = &draft.applied;
        write_allocations(
            &mut tx,
            self.backend,
            loan.id,
            payment_id,
            &draft.date_s,
            applied,
        )
        .await?;
        replace_rows(
            &mut tx,
            self.backend,
            loan.id,
            applied.first_period,
            &applied.installments,
        )
        .await?;
        write_state(&mut tx, self.backend, loan.id, &state, buckets).await?;
        if loan.counted {
            record_portfolio_change(
                &mut tx,
                self.backend,
                &draft.date_s,
                &before,
                &state,
                buckets,
            )
            .await?;
        }
        let id =
            insert_settlement(&mut tx, self.backend, loan.id, payment_id, &draft, access).await?;

        let entries = journal_entries(
            posting,
            kind,
            mode,
            loan.id,
            payment_id,
            applied,
            &draft.totals,
            &state,
            access,
        );
        journal::append(&mut tx, self.backend, &draft.at, &entries).await?;
        audit::append(
            &mut tx,
            self.backend,
            now,
            &draft.audit_event(access, &loan, event_id),
        )
        .await?;
        tx.commit().await?;
        Ok(draft.posted(id))
    }
}

/// A posting checked and applied to the loan, waiting to be written.
struct Draft<'a> {
    posting: &'a Posting,
    reference: &'a str,
    kind: &'static str,
    mode: Option<PrepaymentMode>,
    date_s: String,
    at: String,
    applied: Applied,
    totals: Totals,
}

impl Draft<'_> {
    /// The audit row: who posted what on which borrower's loan (never more than the figures).
    fn audit_event(&self, access: &Access, loan: &LoanRow, event_id: &str) -> AuditEvent {
        let (posting, totals, applied) = (self.posting, &self.totals, &self.applied);
        AuditEvent {
            actor: access.username.clone(),
            action: if self.mode.is_some() {
                AuditAction::PrepaymentPosted
            } else {
                AuditAction::SettlementPosted
            },
            subject: format!("loan:{}", posting.loan_no),
            detail: json!({"borrower_id": loan.borrower_id, "reference": self.reference,
                "value_date": self.date_s, "amount": posting.amount.get(),
                "mode": self.mode.map(PrepaymentMode::code),
                "settlement_fee": totals.fee.get(), "to_credit": applied.to_credit.get()}),
            event_id: event_id.to_string(),
        }
    }

    /// The answer for a posting just written as settlement row `id`.
    fn posted(&self, id: i64) -> PostedSettlement {
        PostedSettlement {
            id,
            loan_no: self.posting.loan_no.clone(),
            kind: self.kind.to_string(),
            mode: self.mode.map(|m| m.code().to_string()),
            value_date: self.posting.date,
            amount: self.posting.amount,
            principal: self.totals.principal,
            interest: self.totals.interest,
            penalty: self.totals.penalty,
            fees: self.totals.fees,
            settlement_fee: self.totals.fee,
            credit_used: self.applied.credit_used,
            to_credit: self.applied.to_credit,
            replayed: false,
        }
    }
}

/// The posting's trimmed reference, once the reference and amount are acceptable.
fn checked_reference(posting: &Posting) -> Result<&str, StoreError> {
    let reference = posting.reference.trim();
    if reference.is_empty() || reference.chars().count() > MAX_REFERENCE_CHARS {
        return Err(StoreError::Invalid {
            field: "reference",
            message: format!(
                "give the bank's transaction reference, 1–{MAX_REFERENCE_CHARS} characters"
            ),
        });
    }
    if !posting.amount.is_positive() {
        return Err(StoreError::Invalid {
            field: "amount",
            message: "the amount must be more than 0.00".into(),
        });
    }
    Ok(reference)
}

/// A reference posted before: the same posting again answers what was posted, anything
/// different is refused.
fn replay(
    stored: PostedSettlement,
    posting: &Posting,
    kind: &str,
    mode: Option<PrepaymentMode>,
    reference: &str,
) -> Result<PostedSettlement, StoreError> {
    let same = stored.loan_no == posting.loan_no
        && stored.kind == kind
        && stored.mode.as_deref() == mode.map(PrepaymentMode::code)
        && stored.value_date == posting.date
        && stored.amount == posting.amount;
    if !same {
        return Err(StoreError::Conflict {
            field: "reference",
            message: format!(
                "reference {reference} was already posted with a different loan, kind, date or amount"
            ),
        });
    }
    Ok(PostedSettlement {
        replayed: true,
        ..stored
    })
}

/// Settles the loan (no mode) or prepays part of it, in memory; returns what was applied and
/// what was paid, by component.
fn apply_to_loan(
    state: &mut LoanState,
    rows: &[InstallmentState],
    terms: &Terms<'_>,
    posting: &Posting,
    mode: Option<PrepaymentMode>,
) -> Result<(Applied, Totals), StoreError> {
    match mode {
        None => {
            let settled = settle(state, rows, terms, posting.date, posting.amount)
                .map_err(settlement_error)?;
            let q = settled.quote;
            let totals = Totals {
                principal: q.principal,
                interest: q.overdue_interest + q.accrued_interest,
                penalty: q.penalty,
                fees: q.fees,
                fee: q.settlement_fee,
            };
            Ok((settled.applied, totals))
        }
        Some(mode) => {
            let prepaid = prepay(state, rows, terms, posting.date, posting.amount, mode)
                .map_err(settlement_error)?;
            let totals = Totals {
                principal: prepaid.overdue_principal + prepaid.principal,
                interest: prepaid.overdue_interest + prepaid.accrued_interest,
                penalty: prepaid.penalty,
                fees: prepaid.fees,
                fee: prepaid.prepayment_fee,
            };
            Ok((prepaid.applied, totals))
        }
    }
}

/// Records the posting's money as a payment, allocated on its value date; returns its id.
async fn insert_payment(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    loan_id: i64,
    draft: &Draft<'_>,
) -> Result<i64, StoreError> {
    // Payment ids are assigned as the bank-file import assigns them (the PostgreSQL column
    // has no identity): the next after the largest, inside this transaction.
    let payment_id: i64 =
        sqlx::query_scalar::<_, i64>("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM payment")
            .fetch_one(&mut **tx)
            .await?
            + 1;
    sqlx::query(&dialect(
        backend,
        "INSERT INTO payment (id, idempotency_key, loan_id, channel, value_date, amount, posted_at, allocated_on) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    ))
    .bind(payment_id)
    .bind(draft.reference)
    .bind(loan_id)
    .bind(draft.kind)
    .bind(draft.date_s.as_str())
    .bind(draft.posting.amount.get())
    .bind(draft.at.as_str())
    .bind(draft.date_s.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(payment_id)
}

/// Writes the settlement row, what the posting paid by component; returns its id.
async fn insert_settlement(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    loan_id: i64,
    payment_id: i64,
    draft: &Draft<'_>,
    access: &Access,
) -> Result<i64, StoreError> {
    let (totals, applied) = (&draft.totals, &draft.applied);
    let id: i64 = sqlx::query(&dialect(
        backend,
        "INSERT INTO settlement (loan_id, payment_id, kind, mode, value_date, amount, principal, interest, \
         penalty, fees, settlement_fee, credit_used, to_credit, first_period, posted_by, posted_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    ))
    .bind(loan_id)
    .bind(payment_id)
    .bind(draft.kind)
    .bind(draft.mode.map(PrepaymentMode::code))
    .bind(draft.date_s.as_str())
    .bind(draft.posting.amount.get())
    .bind(totals.principal.get())
    .bind(totals.interest.get())
    .bind(totals.penalty.get())
    .bind(totals.fees.get())
    .bind(totals.fee.get())
    .bind(applied.credit_used.get())
    .bind(applied.to_credit.get())
    .bind(i64::from(applied.first_period))
    .bind(access.username.as_str())
    .bind(draft.at.as_str())
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    Ok(id)
}

impl LoanRow {
    fn terms<'a>(&self, policy: &'a LedgerPolicy, products: &ProductRules) -> Terms<'a> {
        Terms {
            contract: self.contract,
            policy,
            product: *products.of(self.product),
        }
    }
}

/// What a posting paid, by component, for the settlement row and the answer.
struct Totals {
    principal: Fen,
    interest: Fen,
    penalty: Fen,
    fees: Fen,
    fee: Fen,
}

/// Maps a core refusal to the request field at fault (or to a conflict with the loan's state).
fn settlement_error(error: SettlementError) -> StoreError {
    let field = match &error {
        SettlementError::PaidOff => {
            return StoreError::Conflict {
                field: "loan",
                message: error.to_string(),
            }
        }
        SettlementError::Inconsistent | SettlementError::Day(_) => {
            return StoreError::Corrupt(error.to_string())
        }
        SettlementError::BeforeDisbursement { .. }
        | SettlementError::DateClosed { .. }
        | SettlementError::TooFar { .. }
        | SettlementError::LockIn { .. } => "date",
        SettlementError::NonPositive
        | SettlementError::ShortOfQuote { .. }
        | SettlementError::TooSmall { .. }
        | SettlementError::WouldSettle { .. }
        | SettlementError::NothingToPrepay => "amount",
        SettlementError::ShortenBullet => "mode",
    };
    StoreError::Invalid {
        field,
        message: error.to_string(),
    }
}

/// The loan `loan_no` if the user's scope covers its borrower's case (loans of borrowers without
/// a case are seen only by roles that see every case).
async fn find_loan(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    access: &Access,
    loan_no: &str,
) -> Result<LoanRow, StoreError> {
    let condition = access.case_condition("c");
    let sql = dialect(
        backend,
        &format!(
            "SELECT l.id AS id, l.borrower_id AS borrower_id, l.product AS product, l.method AS method, \
             l.disbursement_date AS disbursement_date, l.repayment_day AS repayment_day, \
             l.counted_on AS counted_on FROM loan l LEFT JOIN collection_case c ON c.borrower_id = l.borrower_id \
             WHERE l.loan_no = ? AND {}",
            condition.sql
        ),
    )
    .into_owned();
    let mut query = sqlx::query(&sql).bind(loan_no);
    for value in &condition.binds {
        query = query.bind(value.as_str());
    }
    let row = query
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound { what: "loan" })?;
    let corrupt = |what: &str| StoreError::Corrupt(format!("loan {loan_no}: {what}"));
    let product: String = row.try_get("product")?;
    let method: String = row.try_get("method")?;
    let disbursement: String = row.try_get("disbursement_date")?;
    let repayment_day: i64 = row.try_get("repayment_day")?;
    let counted_on: Option<String> = row.try_get("counted_on")?;
    Ok(LoanRow {
        id: row.try_get("id")?,
        borrower_id: row.try_get("borrower_id")?,
        product: product.parse().map_err(|_| corrupt("unknown product"))?,
        contract: Contract {
            disbursement_date: parse_date(&disbursement)?,
            method: method
                .parse::<RepaymentMethod>()
                .map_err(|_| corrupt("unknown repayment method"))?,
            repayment_day: u32::try_from(repayment_day.clamp(1, 31)).unwrap_or(1),
        },
        counted: counted_on.is_some(),
    })
}

/// The columns [`RawPosted`] reads, by name.
const POSTED_COLUMNS: &str =
    "s.id AS id, l.loan_no AS loan_no, s.kind AS kind, s.mode AS mode, s.value_date AS value_date, \
    s.amount AS amount, s.principal AS principal, s.interest AS interest, s.penalty AS penalty, \
    s.fees AS fees, s.settlement_fee AS settlement_fee, s.credit_used AS credit_used, \
    s.to_credit AS to_credit";

/// A settlement row as stored; the value date is still TEXT.
#[derive(sqlx::FromRow)]
struct RawPosted {
    id: i64,
    loan_no: String,
    kind: String,
    mode: Option<String>,
    value_date: String,
    amount: i64,
    principal: i64,
    interest: i64,
    penalty: i64,
    fees: i64,
    settlement_fee: i64,
    credit_used: i64,
    to_credit: i64,
}

fn posted_from_row(row: &sqlx::any::AnyRow) -> Result<PostedSettlement, StoreError> {
    let raw = RawPosted::from_row(row)?;
    Ok(PostedSettlement {
        id: raw.id,
        loan_no: raw.loan_no,
        kind: raw.kind,
        mode: raw.mode,
        value_date: parse_date(&raw.value_date)?,
        amount: Fen::new(raw.amount),
        principal: Fen::new(raw.principal),
        interest: Fen::new(raw.interest),
        penalty: Fen::new(raw.penalty),
        fees: Fen::new(raw.fees),
        settlement_fee: Fen::new(raw.settlement_fee),
        credit_used: Fen::new(raw.credit_used),
        to_credit: Fen::new(raw.to_credit),
        replayed: false,
    })
}

/// The posting stored under `reference`, if the reference was a settlement or prepayment.
async fn stored_posting(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    reference: &str,
) -> Result<Option<PostedSettlement>, StoreError> {
    let sql = dialect(
        backend,
        &format!(
            "SELECT {POSTED_COLUMNS} FROM settlement s JOIN loan l ON l.id = s.loan_id \
             JOIN payment p ON p.id = s.payment_id WHERE p.idempotency_key = ?"
        ),
    )
    .into_owned();
    let row = sqlx::query(&sql)
        .bind(reference)
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref().map(posted_from_row).transpose()
}

/// Bank-file keys and posting references share one space: a key is posted once, ever.
async fn check_reference_unused(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    reference: &str,
) -> Result<(), StoreError> {
    let used: i64 = sqlx::query(&dialect(
        backend,
        "SELECT (SELECT COUNT(*) FROM payment WHERE idempotency_key = ?) + \
         (SELECT COUNT(*) FROM debit_failure WHERE idempotency_key = ?) AS used",
    ))
    .bind(reference)
    .bind(reference)
    .fetch_one(&mut **tx)
    .await?
    .try_get("used")?;
    if used > 0 {
        return Err(StoreError::Conflict {
            field: "reference",
            message: format!("reference {reference} is already a bank record"),
        });
    }
    Ok(())
}

/// A posting is for the next business date to close: not a closed one (end-of-day would have
/// to recompute it), not a later one (the dates between would be skipped), and not while
/// end-of-day is running for it.
async fn check_business_date(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    date: NaiveDate,
) -> Result<(), StoreError> {
    let last: Option<String> = sqlx::query(
        "SELECT MAX(business_date) AS last_closed FROM eod_run WHERE finished_at IS NOT NULL",
    )
    .fetch_one(&mut **tx)
    .await?
    .try_get("last_closed")?;
    if let Some(last) = last.as_deref().map(parse_date).transpose()? {
        if date <= last {
            return Err(StoreError::Invalid {
                field: "date",
                message: format!(
                    "business date {date} is already closed (last closed {last}); post on the next one"
                ),
            });
        }
        if last.succ_opt().is_some_and(|next| next < date) {
            return Err(StoreError::Invalid {
                field: "date",
                message: format!(
                    "close the business dates before {date} first (last closed {last})"
                ),
            });
        }
    }
    let running: i64 = sqlx::query(&dialect(
        backend,
        "SELECT COUNT(*) AS running FROM eod_run WHERE business_date = ? AND finished_at IS NULL",
    ))
    .bind(date_text(date))
    .fetch_one(&mut **tx)
    .await?
    .try_get("running")?;
    if running > 0 {
        return Err(StoreError::Conflict {
            field: "date",
            message: format!("end-of-day for {date} is running; post after it finishes"),
        });
    }
    Ok(())
}

/// Payments posted from a bank file and not yet allocated would be allocated after the loan
/// changed; the date is closed first.
async fn check_no_waiting_payments(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    loan_id: i64,
) -> Result<(), StoreError> {
    let waiting: i64 = sqlx::query(&dialect(
        backend,
        "SELECT COUNT(*) AS waiting FROM payment WHERE loan_id = ? AND allocated_on IS NULL",
    ))
    .bind(loan_id)
    .fetch_one(&mut **tx)
    .await?
    .try_get("waiting")?;
    if waiting > 0 {
        return Err(StoreError::Conflict {
            field: "loan",
            message: "the loan has payments waiting for end-of-day; close the date first".into(),
        });
    }
    Ok(())
}

/// The allocation rows: slices paid from credit, slices paid from the payment, and what the
/// payment left as credit.
async fn write_allocations(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    loan_id: i64,
    payment_id: i64,
    date_s: &str,
    applied: &Applied,
) -> Result<(), StoreError> {
    let sql = dialect(
        backend,
        "INSERT INTO allocation (loan_id, business_date, payment_id, source, period, component, amount) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .into_owned();
    let slice = |payment: Option<i64>, split: &AllocationSplit| {
        (payment, split.period, split.component.code(), split.amount)
    };
    let mut slices: Vec<(Option<i64>, Option<u32>, &str, Fen)> = applied
        .from_credit
        .iter()
        .map(|split| slice(None, split))
        .chain(
            applied
                .from_payment
                .iter()
                .map(|split| slice(Some(payment_id), split)),
        )
        .collect();
    if applied.to_credit.is_positive() {
        slices.push((Some(payment_id), None, "credit", applied.to_credit));
    }
    for (source_payment, period, component, amount) in slices {
        sqlx::query(&sql)
            .bind(loan_id)
            .bind(date_s)
            .bind(source_payment)
            .bind(if source_payment.is_some() {
                "payment"
            } else {
                "credit"
            })
            .bind(period.map(i64::from))
            .bind(component)
            .bind(amount.get())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Moves the loan's figures in the date's portfolio delta, as end-of-day does for a loan it
/// processes: out of its old bucket, and into its new one while it stays active.
async fn record_portfolio_change(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    date_s: &str,
    before: &LoanState,
    after: &LoanState,
    buckets: &BucketScheme,
) -> Result<(), StoreError> {
    let sql = dialect(
        backend,
        "INSERT INTO eod_delta (business_date, bucket, loans, principal_outstanding, arrears) VALUES (?, ?, ?, ?, ?) \
         ON CONFLICT (business_date, bucket) DO UPDATE SET loans = eod_delta.loans + excluded.loans, \
         principal_outstanding = eod_delta.principal_outstanding + excluded.principal_outstanding, \
         arrears = eod_delta.arrears + excluded.arrears",
    )
    .into_owned();
    for (state, sign) in [(before, -1i64), (after, 1)] {
        if state.status != LoanStatus::Active {
            continue;
        }
        sqlx::query(&sql)
            .bind(date_s)
            .bind(buckets.label(state.bucket))
            .bind(sign)
            .bind(sign * state.principal_outstanding.get())
            .bind(sign * state.total_arrears().get())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn journal_entries(
    posting: &Posting,
    kind: &'static str,
    mode: Option<PrepaymentMode>,
    loan_id: i64,
    payment_id: i64,
    applied: &Applied,
    totals: &Totals,
    state: &LoanState,
    access: &Access,
) -> Vec<JournalEntry> {
    let entry = |kind: &'static str, detail: String, amount: Option<i64>| JournalEntry {
        business_date: Some(posting.date),
        entity: "loan",
        entity_id: Some(loan_id),
        kind,
        detail,
        amount,
    };
    let mut entries = Vec::new();
    if totals.fee.is_positive() {
        entries.push(entry(
            "fee_charged",
            format!(
                "early repayment fee, {kind} reference={}",
                posting.reference.trim()
            ),
            Some(totals.fee.get()),
        ));
    }
    entries.push(entry(
        if mode.is_some() { "prepaid" } else { "settled_early" },
        format!(
            "payment={payment_id} reference={} mode={} principal={} interest={} penalty={} fees={} fee={} credit_used={} to_credit={} posted_by={}",
            posting.reference.trim(),
            mode.map_or("-", PrepaymentMode::code),
            totals.principal,
            totals.interest,
            totals.penalty,
            totals.fees,
            totals.fee,
            applied.credit_used,
            applied.to_credit,
            access.username
        ),
        Some(posting.amount.get()),
    ));
    if applied.cured {
        entries.push(entry(
            "cured",
            format!("by {kind} payment={payment_id}"),
            None,
        ));
    }
    if state.status == LoanStatus::PaidOff {
        entries.push(entry(
            "paid_off",
            format!("early, payment={payment_id}"),
            None,
        ));
    }
    entries
}
