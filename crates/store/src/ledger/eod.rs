//! The end-of-day shell: for one business date, load the loans that can change, run the core's
//! day step on each, and write the results back — one transaction per chunk of loans.
//!
//! Idempotent and crash-safe by construction: a loan's new state, its installments, its
//! allocations, the payments it consumed and its journal rows are committed together with
//! `last_processed = date`, and only loans with `last_processed < date` are selected. A run that
//! dies mid-way is completed by the next run; a finished date is a no-op. Portfolio figures and
//! month-end snapshots are written once, in the final transaction that marks the date closed.

use std::collections::HashMap;

use chrono::{Datelike, Days, NaiveDate};
use recoup_core::calendar::{is_month_end, month_end, month_key};
use recoup_core::delinquency::BucketScheme;
use recoup_core::portfolio::PortfolioSummary;
use recoup_core::servicing::{
    close_day, installment_window_end, Component, FundsSource, InstallmentState, LedgerPolicy,
    LoanEvent, LoanState, LoanStatus, PaymentToAllocate,
};
use recoup_core::Fen;
use sqlx::{Any, Row, Transaction};

use crate::db::error::StoreError;
use crate::db::journal::{self, JournalEntry};
use crate::db::rows::{
    installment_from_row, loan_state_from_row, INSTALLMENT_COLUMNS, LOAN_STATE_COLUMNS,
};
use crate::db::sql::{
    date_text, dialect, parse_opt_date, placeholders, rows_per_statement, values_list,
};
use crate::ledger::book::bind_state;
use crate::{Backend, Store};

/// Ids per IN list when reading by id: small enough that PostgreSQL's planner stays on the
/// primary-key index rather than scanning the table.
const IN_LIST: usize = 500;

/// Tuning for an end-of-day run.
#[derive(Debug, Clone, Copy)]
pub struct EodOptions {
    /// Loans per transaction.
    pub chunk_size: usize,
}

impl Default for EodOptions {
    fn default() -> EodOptions {
        EodOptions { chunk_size: 2_000 }
    }
}

/// Receives progress from a run (the CLI draws a progress bar from it).
pub trait EodObserver: Sync {
    /// Whether [`EodObserver::date_started`] needs the number of loans (counting costs a query).
    fn wants_totals(&self) -> bool {
        true
    }
    /// A business date starts; `loans` can change today (0 when totals are not wanted).
    fn date_started(&self, _date: NaiveDate, _loans: u64) {}
    /// `loans` more loans were committed.
    fn loans_done(&self, _loans: u64) {}
    fn date_finished(&self, _report: &EodReport) {}
}

/// Observes nothing.
pub struct Quiet;
impl EodObserver for Quiet {
    fn wants_totals(&self) -> bool {
        false
    }
}

/// What one business date's run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EodReport {
    pub date: NaiveDate,
    /// The date had been closed before; nothing was done.
    pub already_closed: bool,
    /// Loans processed by this call (a resumed run counts only the rest).
    pub loans_processed: u64,
    pub events: u64,
}

impl Store {
    /// The last business date whose end-of-day finished.
    pub async fn last_closed_date(&self) -> Result<Option<NaiveDate>, StoreError> {
        let text: Option<String> = sqlx::query_scalar(
            "SELECT MAX(business_date) FROM eod_run WHERE finished_at IS NOT NULL",
        )
        .fetch_one(&self.pool)
        .await?;
        parse_opt_date(text)
    }

    /// The business dates a run through `target` must close, in order: every date after the last
    /// closed one (or after the earliest disbursement, on a first run) up to `target`.
    pub async fn dates_to_close(&self, target: NaiveDate) -> Result<Vec<NaiveDate>, StoreError> {
        let first = match self.last_closed_date().await? {
            Some(last) => last.checked_add_days(Days::new(1)),
            None => {
                let earliest: Option<String> =
                    sqlx::query_scalar("SELECT MIN(disbursement_date) FROM loan")
                        .fetch_one(&self.pool)
                        .await?;
                match parse_opt_date(earliest)? {
                    Some(day) => day.checked_add_days(Days::new(1)).map(|d| d.min(target)),
                    None => Some(target),
                }
            }
        };
        let mut dates = Vec::new();
        let mut day = first;
        while let Some(d) = day.filter(|d| *d <= target) {
            dates.push(d);
            day = d.succ_opt();
        }
        Ok(dates)
    }

    /// Closes every business date up to `target` that is not closed yet, in order.
    pub async fn run_eod_through(
        &self,
        target: NaiveDate,
        policy: &LedgerPolicy,
        options: &EodOptions,
        observer: &dyn EodObserver,
        recorded_at: &str,
    ) -> Result<Vec<EodReport>, StoreError> {
        let mut reports = Vec::new();
        for date in self.dates_to_close(target).await? {
            reports.push(
                self.close_business_date(date, policy, options, observer, recorded_at)
                    .await?,
            );
        }
        Ok(reports)
    }

    /// Runs end-of-day for one business date: a no-op if it is closed already, a resumption if
    /// an earlier attempt died mid-way.
    pub async fn close_business_date(
        &self,
        date: NaiveDate,
        policy: &LedgerPolicy,
        options: &EodOptions,
        observer: &dyn EodObserver,
        recorded_at: &str,
    ) -> Result<EodReport, StoreError> {
        let date_s = date_text(date);
        let finished: Option<Option<String>> = sqlx::query_scalar(&dialect(
            self.backend,
            "SELECT finished_at FROM eod_run WHERE business_date = ?",
        ))
        .bind(&date_s)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(Some(_)) = finished {
            let report = EodReport {
                date,
                already_closed: true,
                loans_processed: 0,
                events: 0,
            };
            observer.date_finished(&report);
            return Ok(report);
        }
        if let Some(last) = self.last_closed_date().await? {
            if last > date {
                return Err(StoreError::EodRefused {
                    date,
                    reason: format!("it is before the last closed business date {last}"),
                });
            }
            if let Some(next) = last.succ_opt().filter(|next| *next < date) {
                return Err(StoreError::EodRefused {
                    date,
                    reason: format!(
                        "business date {next} is not closed yet; close the dates in order"
                    ),
                });
            }
        }
        let unfinished: Option<String> = sqlx::query_scalar(&dialect(
            self.backend,
            "SELECT MIN(business_date) FROM eod_run WHERE finished_at IS NULL AND business_date < ?",
        ))
        .bind(&date_s)
        .fetch_one(&self.pool)
        .await?;
        if let Some(earlier) = unfinished {
            return Err(StoreError::EodRefused {
                date,
                reason: format!("business date {earlier} is not closed yet"),
            });
        }
        sqlx::query(&dialect(
            self.backend,
            "INSERT INTO eod_run (business_date, started_at) VALUES (?, ?) ON CONFLICT (business_date) DO NOTHING",
        ))
        .bind(&date_s)
        .bind(recorded_at)
        .execute(&self.pool)
        .await?;

        // The date's candidates, found once through their indexes; chunks then read loans by id.
        let candidate_ids = {
            let sql = format!("SELECT id FROM loan WHERE {CANDIDATES} ORDER BY id");
            let sql = dialect(self.backend, &sql);
            let ids: Vec<i64> = bind_candidates(sqlx::query_scalar(&sql), &date_s)
                .fetch_all(&self.pool)
                .await?;
            ids
        };
        observer.date_started(date, candidate_ids.len() as u64);

        // The day's waiting payments are few: read them once, not once per chunk.
        let mut pending = self.pending_payments(&date_s).await?;
        let mut report = EodReport {
            date,
            already_closed: false,
            loans_processed: 0,
            events: 0,
        };
        for ids in candidate_ids.chunks(options.chunk_size.max(1)) {
            let chunk = self
                .load_chunk(date, &date_s, ids, &policy.buckets, &mut pending)
                .await?;
            let outcome = process_chunk(chunk, date, policy)?;
            let n_loans = outcome.loans.len() as u64;
            report.events += outcome.n_events;
            report.loans_processed += n_loans;
            self.write_chunk(&outcome, date, &date_s, &policy.buckets, recorded_at)
                .await?;
            observer.loans_done(n_loans);
        }
        self.finish_date(date, &date_s, &policy.buckets, recorded_at)
            .await?;
        observer.date_finished(&report);
        Ok(report)
    }

    /// Payments waiting for allocation on `date`, by loan, in allocation order.
    async fn pending_payments(
        &self,
        date_s: &str,
    ) -> Result<HashMap<i64, Vec<PaymentToAllocate>>, StoreError> {
        let sql = dialect(
            self.backend,
            "SELECT loan_id, value_date, idempotency_key, id, amount FROM payment \
             WHERE allocated_on IS NULL AND value_date <= ?",
        );
        // Sorted here, not in SQL: an ORDER BY would lead the planner past the partial index
        // into a scan of every payment ever posted. Value date then key, never the surrogate id,
        // so the same records allocate the same way in whatever order they were imported.
        let mut rows: Vec<(i64, String, String, i64, i64)> = Vec::new();
        for row in sqlx::query(&sql).bind(date_s).fetch_all(&self.pool).await? {
            let loan_id: i64 = row.try_get("loan_id")?;
            let value_date: String = row.try_get("value_date")?;
            let key: String = row.try_get("idempotency_key")?;
            rows.push((
                loan_id,
                value_date,
                key,
                row.try_get("id")?,
                row.try_get("amount")?,
            ));
        }
        rows.sort();
        let mut pending: HashMap<i64, Vec<PaymentToAllocate>> = HashMap::new();
        for (loan_id, _, _, payment_id, amount) in rows {
            let payment = PaymentToAllocate {
                payment_id,
                amount: Fen::new(amount),
            };
            pending.entry(loan_id).or_default().push(payment);
        }
        Ok(pending)
    }

    async fn load_chunk(
        &self,
        date: NaiveDate,
        date_s: &str,
        ids: &[i64],
        buckets: &BucketScheme,
        pending: &mut HashMap<i64, Vec<PaymentToAllocate>>,
    ) -> Result<Chunk, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let mut loans = Vec::with_capacity(ids.len());
        // Short IN lists keep PostgreSQL on the primary-key index; a loan processed meanwhile
        // (by a concurrent run) is skipped by the last_processed condition.
        for batch in ids.chunks(IN_LIST) {
            let sql = format!(
                "SELECT {LOAN_STATE_COLUMNS}, CASE WHEN counted_on IS NULL THEN 0 ELSE 1 END AS counted \
                 FROM loan WHERE id IN ({}) AND (last_processed IS NULL OR last_processed < ?) ORDER BY id",
                placeholders(batch.len())
            );
            let sql = dialect(self.backend, &sql);
            let mut query = sqlx::query(&sql);
            for id in batch {
                query = query.bind(*id);
            }
            for row in query.bind(date_s).fetch_all(&mut *conn).await? {
                let (id, state) = loan_state_from_row(&row, buckets)?;
                let counted: i64 = row.try_get("counted")?;
                let payments = pending.remove(&id).unwrap_or_default();
                loans.push(ChunkLoan {
                    id,
                    state,
                    installments: Vec::new(),
                    payments,
                    counted: counted == 1,
                });
            }
        }
        let needing: Vec<i64> = loans
            .iter()
            .filter(|l| l.state.needs_installments(date, !l.payments.is_empty()))
            .map(|l| l.id)
            .collect();
        if !needing.is_empty() {
            let index: HashMap<i64, usize> =
                loans.iter().enumerate().map(|(i, l)| (l.id, i)).collect();
            let window_end = date_text(installment_window_end(date));
            for batch in needing.chunks(IN_LIST) {
                let sql = format!(
                    "SELECT {INSTALLMENT_COLUMNS} FROM installment WHERE due_date <= ? AND loan_id IN ({}) \
                     AND (principal_paid < principal_due OR interest_paid < interest_due) ORDER BY loan_id, period",
                    placeholders(batch.len())
                );
                let sql = dialect(self.backend, &sql);
                let mut query = sqlx::query(&sql).bind(&window_end);
                for id in batch {
                    query = query.bind(*id);
                }
                for row in query.fetch_all(&mut *conn).await? {
                    let (loan_id, inst) = installment_from_row(&row)?;
                    if let Some(&idx) = index.get(&loan_id) {
                        loans[idx].installments.push(inst);
                    }
                }
            }
        }
        Ok(Chunk { loans })
    }

    async fn write_chunk(
        &self,
        outcome: &ChunkOutcome,
        date: NaiveDate,
        date_s: &str,
        buckets: &BucketScheme,
        recorded_at: &str,
    ) -> Result<(), StoreError> {
        let backend = self.backend;
        let mut tx = self.pool.begin().await?;
        update_loans(&mut tx, backend, &outcome.loans, buckets, date_s).await?;
        update_installments(&mut tx, backend, &outcome.installments).await?;
        mark_payments_allocated(&mut tx, backend, &outcome.payments_allocated, date_s).await?;
        insert_allocations(&mut tx, backend, &outcome.allocations, date_s).await?;
        insert_bucket_changes(&mut tx, backend, &outcome.bucket_changes, buckets, date_s).await?;
        add_portfolio_deltas(&mut tx, backend, &outcome.portfolio_deltas, buckets, date_s).await?;
        let entries: Vec<JournalEntry> = outcome
            .journal
            .iter()
            .map(|(loan_id, kind, detail, amount)| JournalEntry {
                business_date: Some(date),
                entity: "loan",
                entity_id: Some(*loan_id),
                kind,
                detail: detail.clone(),
                amount: *amount,
            })
            .collect();
        journal::append(&mut tx, backend, recorded_at, &entries).await?;
        sqlx::query(&dialect(
            backend,
            "UPDATE eod_run SET loans_processed = loans_processed + ?, events = events + ? WHERE business_date = ?",
        ))
        .bind(outcome.loans.len() as i64)
        .bind(outcome.n_events as i64)
        .bind(date_s)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn finish_date(
        &self,
        date: NaiveDate,
        date_s: &str,
        buckets: &BucketScheme,
        recorded_at: &str,
    ) -> Result<(), StoreError> {
        let backend = self.backend;
        let mut tx = self.pool.begin().await?;
        let summary = portfolio_for(&mut tx, backend, date, date_s, buckets).await?;
        let sql = format!(
            "INSERT INTO portfolio_day (business_date, bucket, bucket_order, loans, principal_outstanding, arrears) \
             VALUES {}",
            values_list(6, summary.by_bucket.len())
        );
        let sql = dialect(backend, &sql);
        let mut query = sqlx::query(&sql);
        for (idx, line) in summary.by_bucket.iter().enumerate() {
            query = query
                .bind(date_s)
                .bind(buckets.label(idx as u8))
                .bind(idx as i64)
                .bind(line.loans as i64)
                .bind(line.principal_outstanding.get())
                .bind(line.arrears.get());
        }
        query.execute(&mut *tx).await?;

        if is_month_end(date) {
            let previous_month_end = date
                .with_day0(0)
                .and_then(|d| d.pred_opt())
                .map(month_end)
                .unwrap_or(date);
            sqlx::query(&dialect(
                backend,
                "INSERT INTO loan_month_end (month, loan_id, status, bucket, dpd, principal_outstanding, total_arrears) \
                 SELECT ?, id, status, bucket, dpd, principal_outstanding, \
                 arrears_principal + arrears_interest + fees_balance + penalty_balance FROM loan \
                 WHERE disbursement_date <= ? AND (status = 'active' OR paid_off_on > ?)",
            ))
            .bind(month_key(date))
            .bind(date_s)
            .bind(date_text(previous_month_end))
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(&dialect(
            backend,
            "UPDATE eod_run SET finished_at = ? WHERE business_date = ?",
        ))
        .bind(recorded_at)
        .bind(date_s)
        .execute(&mut *tx)
        .await?;
        // Counted over every attempt at this date, so a resumed run journals what one clean run would.
        let totals = sqlx::query(&dialect(
            backend,
            "SELECT loans_processed, events FROM eod_run WHERE business_date = ?",
        ))
        .bind(date_s)
        .fetch_one(&mut *tx)
        .await?;
        let (processed, events): (i64, i64) = (
            totals.try_get("loans_processed")?,
            totals.try_get("events")?,
        );
        let entry = JournalEntry {
            business_date: Some(date),
            entity: "eod",
            entity_id: None,
            kind: "business_date_closed",
            detail: format!(
                "processed={processed} events={events} loans={} outstanding={} npl_ppm={}",
                summary.loans(),
                summary.principal_outstanding(),
                summary.npl_ratio_ppm()
            ),
            amount: Some(summary.principal_outstanding().get()),
        };
        journal::append(&mut tx, backend, recorded_at, &[entry]).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The loans end-of-day must look at: something falls due, something is overdue, or a payment
/// waits — each found through its own index, so idle current loans are never read — and not yet
/// processed today. Binds: date (due), date (payments), date (processed), date (disbursed).
const CANDIDATES: &str = "id IN (SELECT id FROM loan WHERE next_due_date <= ? \
     UNION SELECT id FROM loan WHERE oldest_unpaid_due_date IS NOT NULL \
     UNION SELECT loan_id FROM payment WHERE allocated_on IS NULL AND value_date <= ?) \
    AND (last_processed IS NULL OR last_processed < ?) AND disbursement_date <= ?";

fn bind_candidates<'q, O>(
    query: sqlx::query::QueryScalar<'q, Any, O, sqlx::any::AnyArguments<'q>>,
    date_s: &'q str,
) -> sqlx::query::QueryScalar<'q, Any, O, sqlx::any::AnyArguments<'q>> {
    query.bind(date_s).bind(date_s).bind(date_s).bind(date_s)
}

struct ChunkLoan {
    id: i64,
    state: LoanState,
    installments: Vec<InstallmentState>,
    payments: Vec<PaymentToAllocate>,
    /// Whether an earlier business date's portfolio figures already count the loan.
    counted: bool,
}

/// Change to one bucket's portfolio figures: loans, principal, arrears.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct BucketDelta {
    loans: i64,
    principal: i64,
    arrears: i64,
}

struct Chunk {
    loans: Vec<ChunkLoan>,
}

/// An allocation row: loan, payment (none for credit), period, component, amount.
type AllocationRow = (i64, Option<i64>, Option<u32>, &'static str, i64);

/// Everything a chunk writes, computed before the transaction opens.
#[derive(Default)]
struct ChunkOutcome {
    loans: Vec<(i64, LoanState)>,
    installments: Vec<(i64, InstallmentState)>,
    payments_allocated: Vec<i64>,
    allocations: Vec<AllocationRow>,
    bucket_changes: Vec<(i64, u8, u8)>,
    portfolio_deltas: HashMap<u8, BucketDelta>,
    journal: Vec<(i64, &'static str, String, Option<i64>)>,
    n_events: u64,
}

fn process_chunk(
    chunk: Chunk,
    date: NaiveDate,
    policy: &LedgerPolicy,
) -> Result<ChunkOutcome, StoreError> {
    let mut outcome = ChunkOutcome::default();
    let mut events = Vec::new();
    for mut loan in chunk.loans {
        events.clear();
        let before = loan.installments.clone();
        let state_before = loan.state.clone();
        close_day(
            &mut loan.state,
            &mut loan.installments,
            &loan.payments,
            date,
            policy,
            &mut events,
        )
        .map_err(|source| StoreError::LoanDay {
            loan_id: loan.id,
            source,
        })?;
        for (old, new) in before.iter().zip(&loan.installments) {
            if old != new {
                outcome.installments.push((loan.id, *new));
            }
        }
        outcome
            .payments_allocated
            .extend(loan.payments.iter().map(|p| p.payment_id));
        outcome.n_events += events.len() as u64;
        for event in &events {
            record_event(&mut outcome, loan.id, event, &policy.buckets);
        }
        if loan.counted {
            // Loans counted before move between buckets and balances; new ones are added whole
            // when the date closes.
            for (state, sign) in [(&state_before, -1), (&loan.state, 1)] {
                if state.status == LoanStatus::Active {
                    let delta = outcome.portfolio_deltas.entry(state.bucket).or_default();
                    delta.loans += sign;
                    delta.principal += sign * state.principal_outstanding.get();
                    delta.arrears += sign * state.total_arrears().get();
                }
            }
        }
        outcome.loans.push((loan.id, loan.state));
    }
    Ok(outcome)
}

fn record_event(
    outcome: &mut ChunkOutcome,
    loan_id: i64,
    event: &LoanEvent,
    buckets: &BucketScheme,
) {
    let (kind, detail, amount) = match event {
        LoanEvent::InstallmentFellDue {
            period,
            principal,
            interest,
        } => (
            "installment_due",
            format!("period={period} principal={principal} interest={interest}"),
            Some((*principal + *interest).get()),
        ),
        LoanEvent::Allocated {
            source,
            splits,
            to_credit,
        } => {
            let payment_id = match source {
                FundsSource::Payment(id) => Some(*id),
                FundsSource::Credit => None,
            };
            let mut by_component = [Fen::ZERO; 4];
            for split in splits {
                let slot = match split.component {
                    Component::Penalty => 0,
                    Component::Fees => 1,
                    Component::Interest => 2,
                    Component::Principal => 3,
                };
                by_component[slot] += split.amount;
                outcome.allocations.push((
                    loan_id,
                    payment_id,
                    split.period,
                    split.component.code(),
                    split.amount.get(),
                ));
            }
            if to_credit.is_positive() {
                outcome
                    .allocations
                    .push((loan_id, payment_id, None, "credit", to_credit.get()));
            }
            let total = by_component.iter().copied().sum::<Fen>() + *to_credit;
            let kind = if payment_id.is_some() {
                "payment_allocated"
            } else {
                "credit_applied"
            };
            (
                kind,
                format!(
                    "payment_id={} penalty={} fees={} interest={} principal={} to_credit={}",
                    payment_id
                        .map(|id| id.to_string())
                        .unwrap_or_else(|| "credit".into()),
                    by_component[0],
                    by_component[1],
                    by_component[2],
                    by_component[3],
                    to_credit
                ),
                Some(total.get()),
            )
        }
        LoanEvent::LateFeeCharged { period, amount } => {
            ("late_fee", format!("period={period}"), Some(amount.get()))
        }
        LoanEvent::PenaltyAccrued {
            overdue_principal,
            amount,
        } => (
            "penalty_accrued",
            format!("overdue_principal={overdue_principal}"),
            Some(amount.get()),
        ),
        LoanEvent::DelinquencyStarted { times } => {
            ("delinquency_started", format!("times={times}"), None)
        }
        LoanEvent::BucketChanged { from, to } => {
            outcome.bucket_changes.push((loan_id, *from, *to));
            (
                "bucket_changed",
                format!("{}->{}", buckets.label(*from), buckets.label(*to)),
                None,
            )
        }
        LoanEvent::Cured {
            from_bucket,
            dpd_before,
        } => (
            "cured",
            format!("from={} dpd={dpd_before}", buckets.label(*from_bucket)),
            None,
        ),
        LoanEvent::PaidOff => ("paid_off", String::new(), None),
    };
    outcome.journal.push((loan_id, kind, detail, amount));
}

async fn update_loans(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    loans: &[(i64, LoanState)],
    buckets: &BucketScheme,
    date_s: &str,
) -> Result<(), StoreError> {
    // One multi-row UPDATE … FROM (VALUES …) per batch; both backends name VALUES columns
    // column1, column2, ….
    const COLS: usize = 20;
    let columns = crate::db::rows::LOAN_STATE_WRITE_COLUMNS;
    let assignments: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(idx, col)| format!("{col} = v.column{}", idx + 2))
        .collect();
    let mut updated = 0;
    for chunk in crate::db::sql::batches(loans, rows_per_statement(COLS)) {
        // The last_processed condition makes a second, concurrent run of the same date update
        // nothing it should not: its chunk then comes up short and is rolled back.
        let sql = format!(
            "UPDATE loan SET {}, last_processed = v.column20 FROM (VALUES {}) AS v WHERE loan.id = v.column1 \
             AND (loan.last_processed IS NULL OR loan.last_processed < v.column20)",
            assignments.join(", "),
            values_list(COLS, chunk.len())
        );
        let sql = dialect(backend, &sql);
        let mut query = sqlx::query(&sql);
        for (id, state) in chunk {
            query = bind_state(query.bind(*id), state, buckets).bind(date_s);
        }
        updated += query.execute(&mut **tx).await?.rows_affected();
    }
    if updated != loans.len() as u64 {
        return Err(StoreError::EodRefused {
            date: crate::db::sql::parse_date(date_s)?,
            reason: "another end-of-day run processed some of the same loans; run one at a time"
                .into(),
        });
    }
    Ok(())
}

async fn update_installments(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    installments: &[(i64, InstallmentState)],
) -> Result<(), StoreError> {
    const COLS: usize = 5;
    for chunk in crate::db::sql::batches(installments, rows_per_statement(COLS)) {
        let sql = format!(
            "UPDATE installment SET principal_paid = v.column3, interest_paid = v.column4, paid_off_on = v.column5 \
             FROM (VALUES {}) AS v WHERE installment.loan_id = v.column1 AND installment.period = v.column2",
            values_list(COLS, chunk.len())
        );
        let sql = dialect(backend, &sql);
        let mut query = sqlx::query(&sql);
        for (loan_id, inst) in chunk {
            query = query
                .bind(*loan_id)
                .bind(i64::from(inst.period))
                .bind(inst.principal_paid.get())
                .bind(inst.interest_paid.get())
                .bind(inst.paid_off_on.map(date_text));
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

async fn mark_payments_allocated(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    payment_ids: &[i64],
    date_s: &str,
) -> Result<(), StoreError> {
    for chunk in crate::db::sql::batches(payment_ids, 1_000) {
        let sql = format!(
            "UPDATE payment SET allocated_on = ? WHERE id IN ({})",
            placeholders(chunk.len())
        );
        let sql = dialect(backend, &sql);
        let mut query = sqlx::query(&sql).bind(date_s);
        for id in chunk {
            query = query.bind(*id);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

async fn insert_allocations(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    allocations: &[AllocationRow],
    date_s: &str,
) -> Result<(), StoreError> {
    crate::db::sql::insert_rows(
        tx,
        backend,
        "allocation (loan_id, business_date, payment_id, source, period, component, amount)",
        "",
        allocations,
        |query, (loan_id, payment_id, period, component, amount)| {
            query
                .bind(*loan_id)
                .bind(date_s.to_owned())
                .bind(*payment_id)
                .bind(if payment_id.is_some() {
                    "payment"
                } else {
                    "credit"
                })
                .bind(period.map(i64::from))
                .bind(*component)
                .bind(*amount)
        },
    )
    .await
}

async fn insert_bucket_changes(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    changes: &[(i64, u8, u8)],
    buckets: &BucketScheme,
    date_s: &str,
) -> Result<(), StoreError> {
    crate::db::sql::insert_rows(
        tx,
        backend,
        "bucket_change (loan_id, business_date, from_bucket, to_bucket)",
        "",
        changes,
        |query, (loan_id, from, to)| {
            query
                .bind(*loan_id)
                .bind(date_s.to_owned())
                .bind(buckets.label(*from).to_owned())
                .bind(buckets.label(*to).to_owned())
        },
    )
    .await
}

/// Adds a chunk's changes to the date's running portfolio deltas (in the chunk's transaction).
async fn add_portfolio_deltas(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    deltas: &HashMap<u8, BucketDelta>,
    buckets: &BucketScheme,
    date_s: &str,
) -> Result<(), StoreError> {
    let sql = dialect(
        backend,
        "INSERT INTO eod_delta (business_date, bucket, loans, principal_outstanding, arrears) VALUES (?, ?, ?, ?, ?) \
         ON CONFLICT (business_date, bucket) DO UPDATE SET loans = eod_delta.loans + excluded.loans, \
         principal_outstanding = eod_delta.principal_outstanding + excluded.principal_outstanding, \
         arrears = eod_delta.arrears + excluded.arrears",
    );
    let mut ordered: Vec<(&u8, &BucketDelta)> = deltas.iter().collect();
    ordered.sort_by_key(|(bucket, _)| **bucket);
    for (bucket, delta) in ordered {
        if *delta == BucketDelta::default() {
            continue;
        }
        sqlx::query(&sql)
            .bind(date_s)
            .bind(buckets.label(*bucket))
            .bind(delta.loans)
            .bind(delta.principal)
            .bind(delta.arrears)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// The portfolio on `date`: the previous business date's figures, plus the changes the date's
/// chunks recorded, plus loans entering the book — so closing a date never reads every loan.
/// Without the previous date's figures (the first run, or a changed bucket scheme) it counts
/// the whole book once.
async fn portfolio_for(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    date: NaiveDate,
    date_s: &str,
    buckets: &BucketScheme,
) -> Result<PortfolioSummary, StoreError> {
    let mut summary = PortfolioSummary::new(buckets.clone());
    let previous = date.pred_opt().map(date_text).unwrap_or_default();
    let rows = sqlx::query(&dialect(
        backend,
        "SELECT bucket, loans, principal_outstanding, arrears FROM portfolio_day WHERE business_date = ?",
    ))
    .bind(&previous)
    .fetch_all(&mut **tx)
    .await?;
    let mut incremental = !rows.is_empty();
    for row in &rows {
        let label: String = row.try_get("bucket")?;
        let Some(idx) = buckets.index_of(&label) else {
            incremental = false;
            break;
        };
        let loans: i64 = row.try_get("loans")?;
        summary.add(
            idx,
            loans.max(0) as u64,
            Fen::new(row.try_get("principal_outstanding")?),
            Fen::new(row.try_get("arrears")?),
        );
    }
    let source = if incremental {
        let deltas = sqlx::query(&dialect(
            backend,
            "SELECT bucket, loans, principal_outstanding, arrears FROM eod_delta WHERE business_date = ?",
        ))
        .bind(date_s)
        .fetch_all(&mut **tx)
        .await?;
        for row in deltas {
            let label: String = row.try_get("bucket")?;
            let idx = buckets.index_of(&label).ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "portfolio change for unknown bucket `{label}` on {date}"
                ))
            })?;
            let line = &mut summary.by_bucket[usize::from(idx)];
            let loans: i64 = row.try_get("loans")?;
            line.loans = (line.loans as i64 + loans).max(0) as u64;
            line.principal_outstanding += Fen::new(row.try_get("principal_outstanding")?);
            line.arrears += Fen::new(row.try_get("arrears")?);
        }
        "status = 'active' AND counted_on IS NULL AND disbursement_date <= ?"
    } else {
        summary = PortfolioSummary::new(buckets.clone());
        "status = 'active' AND disbursement_date <= ?"
    };
    let sql = format!(
        "SELECT bucket, COUNT(*) AS loans, CAST(SUM(principal_outstanding) AS BIGINT) AS principal_outstanding, \
         CAST(SUM(arrears_principal + arrears_interest + fees_balance + penalty_balance) AS BIGINT) AS arrears \
         FROM loan WHERE {source} GROUP BY bucket"
    );
    for row in sqlx::query(&dialect(backend, &sql))
        .bind(date_s)
        .fetch_all(&mut **tx)
        .await?
    {
        let label: String = row.try_get("bucket")?;
        let loans: i64 = row.try_get("loans")?;
        let idx = buckets.index_of(&label).unwrap_or(0);
        summary.add(
            idx,
            loans.max(0) as u64,
            Fen::new(row.try_get("principal_outstanding")?),
            Fen::new(row.try_get("arrears")?),
        );
    }
    sqlx::query(&dialect(
        backend,
        "UPDATE loan SET counted_on = ? WHERE counted_on IS NULL AND disbursement_date <= ?",
    ))
    .bind(date_s)
    .bind(date_s)
    .execute(&mut **tx)
    .await?;
    Ok(summary)
}
