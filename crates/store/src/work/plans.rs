//! Repayment plans and waivers in the book: requests, the manager's inbox, approval (which
//! changes the ledger through `recoup_core::restructure` in one transaction with its journal
//! and audit rows) and the end-of-day review that finds broken plans and reverts them.
//!
//! Invariant: a request is always read through the requester's or approver's case scope
//! ([`Access::case_condition`]); a request outside it is "not found".
//! Invariant: at most one plan per loan is pending or active, so a revert restores exactly the
//! rows that plan replaced.

use chrono::{DateTime, NaiveDate, Utc};
use recoup_core::delinquency::BucketScheme;
use recoup_core::restructure::{
    plan_is_broken, restructure, revert, waive, ApprovalLimits, Forgiven, PlanError, PlanTerms,
    Restructured, Waiver,
};
use recoup_core::servicing::{InstallmentState, LoanState};
use recoup_core::Fen;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{Any, FromRow, Row, Transaction};

use crate::db::audit::{self, AuditAction, AuditEvent};
use crate::db::error::StoreError;
use crate::db::journal::{self, JournalEntry};
use crate::db::rows::{installment_from_row, loan_state_from_row, INSTALLMENT_COLUMNS};
use crate::db::sql::{date_text, dialect, instant_text, opt_date_text, parse_opt_date};
use crate::ledger::book::bind_state;
use crate::work::access::Access;
use crate::{Backend, Store};

/// What is being asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    Plan(PlanTerms),
    Waiver(Waiver),
}

/// A request as the requester sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRequest {
    pub kind: RequestKind,
    /// The loan, by loan number; `None` picks the borrower's active loan with the most arrears.
    pub loan_no: Option<String>,
    pub reason: String,
}

/// What happens to a broken plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnBroken {
    /// Restore the original schedule and arrears (money paid under the plan stays paid).
    Restore,
    /// Keep the restructured schedule; the missed installment is simply overdue.
    Keep,
}

/// How plans are approved and policed (`[approvals]` and `[plans]` in recoup.toml).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanSettings {
    pub limits: ApprovalLimits,
    /// A plan installment unpaid this many days after its due date breaks the plan.
    pub broken_after_days: u32,
    pub on_broken: OnBroken,
}

impl Default for PlanSettings {
    fn default() -> PlanSettings {
        PlanSettings {
            limits: ApprovalLimits::default(),
            broken_after_days: 10,
            on_broken: OnBroken::Restore,
        }
    }
}

/// One stored request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalRequest {
    pub id: i64,
    pub borrower_id: i64,
    pub loan_no: String,
    /// `arrears_installments`, `term_extension`, `deferral`, `settlement` or `waiver`.
    pub kind: String,
    pub months: Option<i64>,
    /// Settlement amount, fen.
    pub amount: Option<i64>,
    pub pay_by: Option<NaiveDate>,
    pub waive_penalty: Option<i64>,
    pub waive_fees: Option<i64>,
    pub reason: String,
    pub status: String,
    pub requested_by: String,
    pub requested_at: String,
    /// Fen forgiven: estimated when pending, as applied once approved.
    pub forgiven: i64,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub comment: Option<String>,
    pub applied_on: Option<NaiveDate>,
}

/// What [`Store::review_plans`] did on a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PlanReview {
    pub completed: u64,
    pub reverted: u64,
    pub kept: u64,
}

const REQUEST_COLUMNS: &str = "r.id, r.borrower_id, l.loan_no, r.kind, r.months, r.amount, \
    r.pay_by, r.waive_penalty, r.waive_fees, r.reason, r.status, r.requested_by, r.requested_at, \
    r.forgiven, r.decided_by, r.decided_at, r.comment, r.applied_on";

/// A request row as [`REQUEST_COLUMNS`] reads it: dates are TEXT.
#[derive(sqlx::FromRow)]
struct RequestRow {
    id: i64,
    borrower_id: i64,
    loan_no: String,
    kind: String,
    months: Option<i64>,
    amount: Option<i64>,
    pay_by: Option<String>,
    waive_penalty: Option<i64>,
    waive_fees: Option<i64>,
    reason: String,
    status: String,
    requested_by: String,
    requested_at: String,
    forgiven: i64,
    decided_by: Option<String>,
    decided_at: Option<String>,
    comment: Option<String>,
    applied_on: Option<String>,
}

fn request_from_row(row: &AnyRow) -> Result<ApprovalRequest, StoreError> {
    let row = RequestRow::from_row(row)?;
    Ok(ApprovalRequest {
        id: row.id,
        borrower_id: row.borrower_id,
        loan_no: row.loan_no,
        kind: row.kind,
        months: row.months,
        amount: row.amount,
        pay_by: parse_opt_date(row.pay_by)?,
        waive_penalty: row.waive_penalty,
        waive_fees: row.waive_fees,
        reason: row.reason,
        status: row.status,
        requested_by: row.requested_by,
        requested_at: row.requested_at,
        forgiven: row.forgiven,
        decided_by: row.decided_by,
        decided_at: row.decided_at,
        comment: row.comment,
        applied_on: parse_opt_date(row.applied_on)?,
    })
}

/// Maps a core refusal to the request field at fault.
fn plan_error(error: PlanError) -> StoreError {
    let field = match error {
        PlanError::Months => "months",
        PlanError::SettlementAmount { .. } => "amount",
        PlanError::SettlementDate { .. } => "pay_by",
        PlanError::WaiverAmount { .. } => "penalty",
        PlanError::PaidOff
        | PlanError::NotServiced
        | PlanError::NoArrears
        | PlanError::NothingDue
        | PlanError::Inconsistent => "kind",
    };
    StoreError::Invalid {
        field,
        message: error.to_string(),
    }
}

fn terms_of(request: &ApprovalRequest) -> Result<RequestKind, StoreError> {
    let months = u32::try_from(request.months.unwrap_or(0)).unwrap_or(0);
    let corrupt = || StoreError::Corrupt(format!("approval request {} is incomplete", request.id));
    Ok(match request.kind.as_str() {
        "arrears_installments" => RequestKind::Plan(PlanTerms::ArrearsInstallments { months }),
        "term_extension" => RequestKind::Plan(PlanTerms::TermExtension { months }),
        "deferral" => RequestKind::Plan(PlanTerms::Deferral { months }),
        "settlement" => RequestKind::Plan(PlanTerms::Settlement {
            amount: Fen::new(request.amount.ok_or_else(corrupt)?),
            pay_by: request.pay_by.ok_or_else(corrupt)?,
        }),
        "waiver" => RequestKind::Waiver(Waiver {
            penalty: Fen::new(request.waive_penalty.unwrap_or(0)),
            fees: Fen::new(request.waive_fees.unwrap_or(0)),
        }),
        other => {
            return Err(StoreError::Corrupt(format!(
                "unknown request kind `{other}`"
            )))
        }
    })
}

/// A loan's state and every installment row, read inside `tx` (locked on PostgreSQL).
pub(crate) async fn load_loan(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    loan_id: i64,
    buckets: &BucketScheme,
) -> Result<(LoanState, u32, Vec<InstallmentState>), StoreError> {
    let lock = if backend == Backend::Postgres {
        " FOR UPDATE"
    } else {
        ""
    };
    let sql = dialect(
        backend,
        &format!(
            "SELECT {}, repayment_day FROM loan WHERE id = ?{lock}",
            crate::db::rows::LOAN_STATE_COLUMNS
        ),
    )
    .into_owned();
    let row = sqlx::query(&sql)
        .bind(loan_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound { what: "loan" })?;
    let (_, state) = loan_state_from_row(&row, buckets)?;
    let repayment_day: i64 = row.try_get("repayment_day")?;
    let sql = dialect(
        backend,
        &format!("SELECT {INSTALLMENT_COLUMNS} FROM installment WHERE loan_id = ? ORDER BY period"),
    )
    .into_owned();
    let rows = sqlx::query(&sql)
        .bind(loan_id)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|row| installment_from_row(row).map(|(_, inst)| inst))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((state, repayment_day.clamp(1, 31) as u32, rows))
}

pub(crate) async fn write_state(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    loan_id: i64,
    state: &LoanState,
    buckets: &BucketScheme,
) -> Result<(), StoreError> {
    let assignments: Vec<String> = crate::db::rows::LOAN_STATE_WRITE_COLUMNS
        .iter()
        .map(|col| format!("{col} = ?"))
        .collect();
    let sql = dialect(
        backend,
        &format!(
            "UPDATE loan SET {}, term_months = ? WHERE id = ?",
            assignments.join(", ")
        ),
    )
    .into_owned();
    bind_state(sqlx::query(&sql), state, buckets)
        .bind(i64::from(state.term_months))
        .bind(loan_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Replaces the loan's rows from `first_period` on with `rows`.
pub(crate) async fn replace_rows(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    loan_id: i64,
    first_period: u32,
    rows: &[InstallmentState],
) -> Result<(), StoreError> {
    let sql = dialect(
        backend,
        "DELETE FROM installment WHERE loan_id = ? AND period >= ?",
    )
    .into_owned();
    sqlx::query(&sql)
        .bind(loan_id)
        .bind(i64::from(first_period))
        .execute(&mut **tx)
        .await?;
    insert_rows(tx, backend, "installment", "loan_id", loan_id, rows).await
}

async fn insert_rows(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    table: &str,
    owner_column: &str,
    owner: i64,
    rows: &[InstallmentState],
) -> Result<(), StoreError> {
    let sql = dialect(
        backend,
        &format!(
            "INSERT INTO {table} ({owner_column}, period, due_date, principal_due, interest_due, \
             principal_paid, interest_paid, paid_off_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        ),
    )
    .into_owned();
    for row in rows {
        sqlx::query(&sql)
            .bind(owner)
            .bind(i64::from(row.period))
            .bind(date_text(row.due_date))
            .bind(row.principal_due.get())
            .bind(row.interest_due.get())
            .bind(row.principal_paid.get())
            .bind(row.interest_paid.get())
            .bind(opt_date_text(row.paid_off_on))
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

impl Store {
    /// Files a plan or waiver request on the case of `borrower_id` (404 outside the user's
    /// scope). The terms are checked against the loan as it stands, so a request that could not
    /// be applied is refused now, naming the field.
    pub async fn request_approval(
        &self,
        access: &Access,
        borrower_id: i64,
        request: &NewRequest,
        buckets: &BucketScheme,
        now: DateTime<Utc>,
        event_id: &str,
    ) -> Result<ApprovalRequest, StoreError> {
        let reason = request.reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(StoreError::Invalid {
                field: "reason",
                message: "give a reason of 1–500 characters".into(),
            });
        }
        let mut tx = self.pool.begin().await?;
        let loan_id = requested_loan(&mut tx, self.backend, access, borrower_id, request).await?;
        let forgiven =
            estimate_forgiven(&mut tx, self.backend, loan_id, &request.kind, buckets).await?;
        let terms = RequestTerms::of(&request.kind);
        let at = instant_text(now);
        let id: i64 = sqlx::query(&dialect(
            self.backend,
            "INSERT INTO approval_request (borrower_id, loan_id, kind, months, amount, pay_by, \
             waive_penalty, waive_fees, reason, status, requested_by, requested_at, forgiven) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?) RETURNING id",
        ))
        .bind(borrower_id)
        .bind(loan_id)
        .bind(terms.kind)
        .bind(terms.months)
        .bind(terms.amount)
        .bind(terms.pay_by)
        .bind(terms.penalty)
        .bind(terms.fees)
        .bind(reason)
        .bind(access.username.as_str())
        .bind(at.as_str())
        .bind(forgiven.total().get())
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        audit::append(
            &mut tx,
            self.backend,
            now,
            &AuditEvent {
                actor: access.username.clone(),
                action: AuditAction::ApprovalRequested,
                subject: format!("approval:{id}"),
                detail: json!({"kind": terms.kind, "borrower": borrower_id, "loan_id": loan_id,
                    "forgiven_estimate": forgiven.total().get()}),
                event_id: event_id.to_string(),
            },
        )
        .await?;
        let request = fetch_request(&mut tx, self.backend, access, id).await?;
        tx.commit().await?;
        Ok(request)
    }

    /// Pending requests on cases the user may see, oldest first (the approver's inbox).
    pub async fn pending_approvals(
        &self,
        access: &Access,
        limit: i64,
    ) -> Result<Vec<ApprovalRequest>, StoreError> {
        let condition = access.case_condition("c");
        let sql = dialect(
            self.backend,
            &format!(
                "SELECT {REQUEST_COLUMNS} FROM approval_request r JOIN loan l ON l.id = r.loan_id \
                 JOIN collection_case c ON c.borrower_id = r.borrower_id \
                 WHERE r.status = 'pending' AND {} ORDER BY r.id LIMIT ?",
                condition.sql
            ),
        )
        .into_owned();
        let mut query = sqlx::query(&sql);
        for value in &condition.binds {
            query = query.bind(value.as_str());
        }
        query
            .bind(limit)
            .fetch_all(self.reader())
            .await?
            .iter()
            .map(request_from_row)
            .collect()
    }

    /// Approves or rejects a pending request. Approval applies it to the ledger through the
    /// core, in one transaction with journal rows and an audit row naming the approver. The
    /// requester cannot decide their own request; an approver cannot approve more forgiven than
    /// their role's limit.
    #[allow(clippy::too_many_arguments)]
    pub async fn decide_approval(
        &self,
        access: &Access,
        id: i64,
        approve: bool,
        comment: &str,
        settings: &PlanSettings,
        buckets: &BucketScheme,
        now: DateTime<Utc>,
        event_id: &str,
    ) -> Result<ApprovalRequest, StoreError> {
        let mut tx = self.pool.begin().await?;
        let request = fetch_request(&mut tx, self.backend, access, id).await?;
        if request.status != "pending" {
            return Err(StoreError::Conflict {
                field: "status",
                message: format!("the request is {}, not pending", request.status),
            });
        }
        if request.requested_by == access.username {
            return Err(StoreError::Refused {
                message: "you cannot decide your own request".into(),
            });
        }
        let at = instant_text(now);
        let mut journal_entries = Vec::new();
        let loan_id: i64 = sqlx::query(&dialect(
            self.backend,
            "SELECT loan_id FROM approval_request WHERE id = ?",
        ))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?
        .try_get("loan_id")?;
        let decision = ApprovalDecision {
            access,
            id,
            loan_id,
            comment,
            at: &at,
        };
        let forgiven_total = if approve {
            decision
                .approve(
                    &mut tx,
                    self.backend,
                    &request,
                    settings,
                    buckets,
                    &mut journal_entries,
                )
                .await?
        } else {
            decision.reject(&mut tx, self.backend).await?;
            request.forgiven
        };
        journal::append(&mut tx, self.backend, &at, &journal_entries).await?;
        audit::append(
            &mut tx,
            self.backend,
            now,
            &AuditEvent {
                actor: access.username.clone(),
                action: if approve {
                    AuditAction::ApprovalGranted
                } else {
                    AuditAction::ApprovalRejected
                },
                subject: format!("approval:{id}"),
                detail: json!({"kind": request.kind, "requested_by": request.requested_by,
                    "loan_id": loan_id, "forgiven": forgiven_total, "comment": comment}),
                event_id: event_id.to_string(),
            },
        )
        .await?;
        let decided = fetch_request(&mut tx, self.backend, access, id).await?;
        tx.commit().await?;
        Ok(decided)
    }

    /// After `date` is closed: plans whose installments are all paid are completed; a plan with
    /// an installment unpaid more than `broken_after_days` after its due date is broken and,
    /// with [`OnBroken::Restore`], reverted to the original schedule and arrears. Each plan is
    /// handled in its own transaction with its journal and audit rows; running a date twice
    /// changes nothing the second time.
    pub async fn review_plans(
        &self,
        date: NaiveDate,
        settings: &PlanSettings,
        buckets: &BucketScheme,
        now: DateTime<Utc>,
    ) -> Result<PlanReview, StoreError> {
        let active = sqlx::query_as::<_, ActivePlanRow>(
            "SELECT id, loan_id, first_period, plan_first, plan_last FROM approval_request \
             WHERE status = 'active' ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut review = PlanReview::default();
        let recorded_at = instant_text(now);
        for plan in active {
            let plan = ActivePlan::from(plan);
            let mut tx = self.pool.begin().await?;
            let (mut state, _, rows) =
                load_loan(&mut tx, self.backend, plan.loan_id, buckets).await?;
            let plan_rows: Vec<InstallmentState> = rows
                .iter()
                .filter(|i| {
                    i64::from(i.period) >= plan.plan_first && i64::from(i.period) <= plan.plan_last
                })
                .copied()
                .collect();
            let date_s = date_text(date);
            if plan_rows.iter().all(InstallmentState::is_paid) {
                set_plan_status(&mut tx, self.backend, plan.id, "completed", &date_s).await?;
                tx.commit().await?;
                review.completed += 1;
                continue;
            }
            let Some(missed) = plan_is_broken(&plan_rows, date, settings.broken_after_days) else {
                continue;
            };
            let (status, entry) = match settings.on_broken {
                OnBroken::Keep => {
                    review.kept += 1;
                    ("broken", plan.kept_entry(date, missed))
                }
                OnBroken::Restore => {
                    let entry = plan
                        .restore_original(
                            &mut tx,
                            self.backend,
                            &mut state,
                            &rows,
                            date,
                            missed,
                            buckets,
                        )
                        .await?;
                    review.reverted += 1;
                    ("reverted", entry)
                }
            };
            set_plan_status(&mut tx, self.backend, plan.id, status, &date_s).await?;
            journal::append(&mut tx, self.backend, &recorded_at, &[entry]).await?;
            audit::append(
                &mut tx,
                self.backend,
                now,
                &AuditEvent {
                    actor: "system".into(),
                    action: AuditAction::PlanBroken,
                    subject: format!("approval:{}", plan.id),
                    detail: json!({"loan_id": plan.loan_id, "missed_period": missed,
                        "business_date": date_s, "outcome": status}),
                    event_id: String::new(),
                },
            )
            .await?;
            tx.commit().await?;
        }
        Ok(review)
    }
}

/// The loan a new request is for, read through the requester's scope: the active loan named
/// by `loan_no`, else the case's active loan with the most arrears.
async fn requested_loan(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    access: &Access,
    borrower_id: i64,
    request: &NewRequest,
) -> Result<i64, StoreError> {
    let condition = access.case_condition("c");
    let sql = dialect(
        backend,
        &format!(
            "SELECT l.id, l.loan_no FROM collection_case c JOIN loan l ON l.borrower_id = c.borrower_id \
             WHERE c.borrower_id = ? AND {} AND l.status = 'active'{} \
             ORDER BY l.arrears_principal + l.arrears_interest DESC, l.id LIMIT 1",
            condition.sql,
            if request.loan_no.is_some() { " AND l.loan_no = ?" } else { "" }
        ),
    )
    .into_owned();
    let mut query = sqlx::query(&sql).bind(borrower_id);
    for value in &condition.binds {
        query = query.bind(value.as_str());
    }
    if let Some(loan_no) = &request.loan_no {
        query = query.bind(loan_no.as_str());
    }
    let row = query.fetch_optional(&mut **tx).await?;
    let Some(row) = row else {
        return Err(match &request.loan_no {
            Some(_) => StoreError::Invalid {
                field: "loan_no",
                message: "no active loan with this number on the case".into(),
            },
            None => StoreError::NotFound { what: "case" },
        });
    };
    Ok(row.try_get("id")?)
}

/// What the request would forgive on the loan as it stands, refusing terms the core cannot
/// apply and a second plan on a loan that has one pending or in force.
async fn estimate_forgiven(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    loan_id: i64,
    kind: &RequestKind,
    buckets: &BucketScheme,
) -> Result<Forgiven, StoreError> {
    let (mut state, repayment_day, rows) = load_loan(tx, backend, loan_id, buckets).await?;
    Ok(match kind {
        RequestKind::Plan(terms) => {
            let open = sqlx::query(&dialect(
                backend,
                "SELECT COUNT(*) AS open_plans FROM approval_request WHERE loan_id = ? AND kind <> 'waiver' \
                 AND status IN ('pending', 'active')",
            ))
            .bind(loan_id)
            .fetch_one(&mut **tx)
            .await?
            .try_get::<i64, _>("open_plans")?;
            if open > 0 {
                return Err(StoreError::Conflict {
                    field: "kind",
                    message: "the loan already has a plan pending or in force".into(),
                });
            }
            restructure(&mut state, &rows, terms, repayment_day, buckets)
                .map_err(plan_error)?
                .forgiven
        }
        RequestKind::Waiver(waiver) => waive(&mut state, waiver).map_err(|e| {
            let field = if waiver.penalty > state.penalty_balance || waiver.penalty.get() < 0 {
                "penalty"
            } else {
                "fees"
            };
            StoreError::Invalid {
                field,
                message: e.to_string(),
            }
        })?,
    })
}

/// A request's terms as the `approval_request` columns hold them.
struct RequestTerms {
    kind: &'static str,
    months: Option<i64>,
    amount: Option<i64>,
    pay_by: Option<String>,
    penalty: Option<i64>,
    fees: Option<i64>,
}

impl RequestTerms {
    fn of(kind: &RequestKind) -> RequestTerms {
        let none = |kind| RequestTerms {
            kind,
            months: None,
            amount: None,
            pay_by: None,
            penalty: None,
            fees: None,
        };
        match *kind {
            RequestKind::Plan(terms) => match terms {
                PlanTerms::ArrearsInstallments { months }
                | PlanTerms::TermExtension { months }
                | PlanTerms::Deferral { months } => RequestTerms {
                    months: Some(i64::from(months)),
                    ..none(terms.kind())
                },
                PlanTerms::Settlement { amount, pay_by } => RequestTerms {
                    amount: Some(amount.get()),
                    pay_by: Some(date_text(pay_by)),
                    ..none(terms.kind())
                },
            },
            RequestKind::Waiver(waiver) => RequestTerms {
                penalty: Some(waiver.penalty.get()),
                fees: Some(waiver.fees.get()),
                ..none("waiver")
            },
        }
    }
}

/// An approver's decision on request `id` of loan `loan_id`, taken at `at`.
struct ApprovalDecision<'a> {
    access: &'a Access,
    id: i64,
    loan_id: i64,
    comment: &'a str,
    at: &'a str,
}

impl ApprovalDecision<'_> {
    /// Applies the request to the loan through the core, within the approver's limit, and
    /// marks it approved (a waiver) or active (a plan). Returns the fen forgiven.
    async fn approve(
        &self,
        tx: &mut Transaction<'_, Any>,
        backend: Backend,
        request: &ApprovalRequest,
        settings: &PlanSettings,
        buckets: &BucketScheme,
        journal_entries: &mut Vec<JournalEntry>,
    ) -> Result<i64, StoreError> {
        let (mut state, repayment_day, rows) =
            load_loan(tx, backend, self.loan_id, buckets).await?;
        let as_of = state.last_processed;
        let (forgiven, new_status, plan) = match terms_of(request)? {
            RequestKind::Waiver(waiver) => (
                waive(&mut state, &waiver).map_err(plan_error)?,
                "approved",
                None,
            ),
            RequestKind::Plan(terms) => {
                let result = restructure(&mut state, &rows, &terms, repayment_day, buckets)
                    .map_err(plan_error)?;
                (result.forgiven, "active", Some(result))
            }
        };
        if !settings
            .limits
            .may_approve(self.access.role, forgiven.total())
        {
            return Err(StoreError::Refused {
                message: format!(
                    "forgiving {} is beyond what your role ({}) may approve",
                    forgiven.total(),
                    self.access.role.code()
                ),
            });
        }
        let forgiven_total = forgiven.total().get();
        if let Some(result) = &plan {
            self.apply_plan(tx, backend, request, &rows, result, as_of, journal_entries)
                .await?;
        }
        push_forgiven(
            journal_entries,
            as_of,
            self.loan_id,
            self.id,
            &forgiven,
            self.access,
        );
        write_state(tx, backend, self.loan_id, &state, buckets).await?;
        let (first, plan_first, plan_last) = match &plan {
            Some(r) => (
                Some(i64::from(r.first_period)),
                Some(i64::from(r.plan_periods.0)),
                Some(i64::from(r.plan_periods.1)),
            ),
            None => (None, None, None),
        };
        sqlx::query(&dialect(
            backend,
            "UPDATE approval_request SET status = ?, decided_by = ?, decided_at = ?, comment = ?, \
             forgiven = ?, applied_on = ?, first_period = ?, plan_first = ?, plan_last = ?, \
             forgiven_principal = ?, forgiven_interest = ?, forgiven_fees = ?, forgiven_penalty = ? \
             WHERE id = ?",
        ))
        .bind(new_status)
        .bind(self.access.username.as_str())
        .bind(self.at)
        .bind(self.comment)
        .bind(forgiven_total)
        .bind(opt_date_text(as_of))
        .bind(first)
        .bind(plan_first)
        .bind(plan_last)
        .bind(forgiven.principal.get())
        .bind(forgiven.interest.get())
        .bind(forgiven.fees.get())
        .bind(forgiven.penalty.get())
        .bind(self.id)
        .execute(&mut **tx)
        .await?;
        Ok(forgiven_total)
    }

    /// Keeps the rows a plan replaces (for a revert), writes the plan's schedule and journals
    /// it (and the cure it brings, if any).
    #[allow(clippy::too_many_arguments)]
    async fn apply_plan(
        &self,
        tx: &mut Transaction<'_, Any>,
        backend: Backend,
        request: &ApprovalRequest,
        rows: &[InstallmentState],
        result: &Restructured,
        as_of: Option<NaiveDate>,
        journal_entries: &mut Vec<JournalEntry>,
    ) -> Result<(), StoreError> {
        let (id, loan_id) = (self.id, self.loan_id);
        let original: Vec<InstallmentState> = rows
            .iter()
            .filter(|i| i.period >= result.first_period)
            .copied()
            .collect();
        insert_rows(
            tx,
            backend,
            "plan_original_installment",
            "request_id",
            id,
            &original,
        )
        .await?;
        replace_rows(
            tx,
            backend,
            loan_id,
            result.first_period,
            &result.installments,
        )
        .await?;
        journal_entries.push(JournalEntry {
            business_date: as_of,
            entity: "loan",
            entity_id: Some(loan_id),
            kind: "plan_applied",
            detail: format!(
                "request={id} kind={} approved_by={} periods={}..{} restructured={}",
                request.kind,
                self.access.username,
                result.plan_periods.0,
                result.plan_periods.1,
                result.restructured
            ),
            amount: Some(result.restructured.get()),
        });
        if result.cured {
            journal_entries.push(JournalEntry {
                business_date: as_of,
                entity: "loan",
                entity_id: Some(loan_id),
                kind: "cured",
                detail: format!("by plan request={id}"),
                amount: None,
            });
        }
        Ok(())
    }

    /// Marks the request rejected; the ledger is untouched.
    async fn reject(
        &self,
        tx: &mut Transaction<'_, Any>,
        backend: Backend,
    ) -> Result<(), StoreError> {
        sqlx::query(&dialect(
            backend,
            "UPDATE approval_request SET status = 'rejected', decided_by = ?, decided_at = ?, \
             comment = ? WHERE id = ?",
        ))
        .bind(self.access.username.as_str())
        .bind(self.at)
        .bind(self.comment)
        .bind(self.id)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}

/// An active plan as stored (the periods may be NULL on rows older than their columns).
#[derive(sqlx::FromRow)]
struct ActivePlanRow {
    id: i64,
    loan_id: i64,
    first_period: Option<i64>,
    plan_first: Option<i64>,
    plan_last: Option<i64>,
}

/// An active plan under review: request `id` on loan `loan_id`, whose schedule from
/// `first_period` on it replaced, with its own installments `plan_first..=plan_last`.
struct ActivePlan {
    id: i64,
    loan_id: i64,
    first_period: i64,
    plan_first: i64,
    plan_last: i64,
}

impl From<ActivePlanRow> for ActivePlan {
    fn from(row: ActivePlanRow) -> ActivePlan {
        ActivePlan {
            id: row.id,
            loan_id: row.loan_id,
            first_period: row.first_period.unwrap_or(1),
            plan_first: row.plan_first.unwrap_or(1),
            plan_last: row.plan_last.unwrap_or(0),
        }
    }
}

impl ActivePlan {
    /// The journal row of a broken plan that stays in force.
    fn kept_entry(&self, date: NaiveDate, missed: u32) -> JournalEntry {
        JournalEntry {
            business_date: Some(date),
            entity: "loan",
            entity_id: Some(self.loan_id),
            kind: "plan_broken",
            detail: format!("request={} missed period={missed} kept", self.id),
            amount: None,
        }
    }

    /// Restores the schedule and arrears the broken plan replaced (money paid under the plan
    /// stays paid) and returns the revert's journal row.
    #[allow(clippy::too_many_arguments)]
    async fn restore_original(
        &self,
        tx: &mut Transaction<'_, Any>,
        backend: Backend,
        state: &mut LoanState,
        rows: &[InstallmentState],
        date: NaiveDate,
        missed: u32,
        buckets: &BucketScheme,
    ) -> Result<JournalEntry, StoreError> {
        let (id, loan_id) = (self.id, self.loan_id);
        let first = u32::try_from(self.first_period).unwrap_or(1);
        let original = load_original(tx, backend, id).await?;
        let forgiven = load_forgiven(tx, backend, id).await?;
        let (before, current): (Vec<InstallmentState>, Vec<InstallmentState>) =
            rows.iter().partition(|i| i.period < first);
        let reverted = revert(state, &before, &current, &original, &forgiven, buckets)
            .map_err(|e| StoreError::Corrupt(format!("plan {id}: {e}")))?;
        replace_rows(tx, backend, loan_id, first, &reverted.installments).await?;
        write_state(tx, backend, loan_id, state, buckets).await?;
        Ok(JournalEntry {
            business_date: Some(date),
            entity: "loan",
            entity_id: Some(loan_id),
            kind: "plan_reverted",
            detail: format!(
                "request={id} missed period={missed} reapplied={} to_credit={} restored_forgiven={}",
                reverted.reapplied,
                reverted.to_credit,
                forgiven.total()
            ),
            amount: Some(reverted.reapplied.get()),
        })
    }
}

/// Sets a reviewed plan's status and the date it ended.
async fn set_plan_status(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    id: i64,
    status: &str,
    date_s: &str,
) -> Result<(), StoreError> {
    sqlx::query(&dialect(
        backend,
        "UPDATE approval_request SET status = ?, ended_on = ? WHERE id = ?",
    ))
    .bind(status)
    .bind(date_s)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn push_forgiven(
    entries: &mut Vec<JournalEntry>,
    as_of: Option<NaiveDate>,
    loan_id: i64,
    request_id: i64,
    forgiven: &Forgiven,
    access: &Access,
) {
    for (component, amount) in [
        ("principal", forgiven.principal),
        ("interest", forgiven.interest),
        ("fees", forgiven.fees),
        ("penalty", forgiven.penalty),
    ] {
        if amount.is_positive() {
            entries.push(JournalEntry {
                business_date: as_of,
                entity: "loan",
                entity_id: Some(loan_id),
                kind: "waived",
                detail: format!(
                    "component={component} request={request_id} approved_by={}",
                    access.username
                ),
                amount: Some(amount.get()),
            });
        }
    }
}

async fn fetch_request(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    access: &Access,
    id: i64,
) -> Result<ApprovalRequest, StoreError> {
    let condition = access.case_condition("c");
    let sql = dialect(
        backend,
        &format!(
            "SELECT {REQUEST_COLUMNS} FROM approval_request r JOIN loan l ON l.id = r.loan_id \
             JOIN collection_case c ON c.borrower_id = r.borrower_id WHERE r.id = ? AND {}",
            condition.sql
        ),
    )
    .into_owned();
    let mut query = sqlx::query(&sql).bind(id);
    for value in &condition.binds {
        query = query.bind(value.as_str());
    }
    let row = query
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound { what: "request" })?;
    request_from_row(&row)
}

async fn load_original(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    id: i64,
) -> Result<Vec<InstallmentState>, StoreError> {
    let sql = dialect(
        backend,
        "SELECT request_id AS loan_id, period, due_date, principal_due, interest_due, principal_paid, \
         interest_paid, paid_off_on FROM plan_original_installment WHERE request_id = ? ORDER BY period",
    )
    .into_owned();
    sqlx::query(&sql)
        .bind(id)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|row| installment_from_row(row).map(|(_, inst)| inst))
        .collect()
}

async fn load_forgiven(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    id: i64,
) -> Result<Forgiven, StoreError> {
    let sql = dialect(
        backend,
        "SELECT forgiven_principal, forgiven_interest, forgiven_fees, forgiven_penalty \
         FROM approval_request WHERE id = ?",
    )
    .into_owned();
    let row = sqlx::query(&sql).bind(id).fetch_one(&mut **tx).await?;
    let get = |column: &str| -> Result<Fen, StoreError> {
        Ok(Fen::new(
            row.try_get::<Option<i64>, _>(column)?.unwrap_or(0),
        ))
    };
    Ok(Forgiven {
        principal: get("forgiven_principal")?,
        interest: get("forgiven_interest")?,
        fees: get("forgiven_fees")?,
        penalty: get("forgiven_penalty")?,
    })
}
