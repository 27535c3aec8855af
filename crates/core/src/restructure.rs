//! Repayment plans and waivers (还款计划, 减免): pure transformations of a loan's ledger.
//!
//! A plan rewrites the loan's unpaid installments; a waiver reduces its penalty interest and late
//! fees. Both take the loan's running summary ([`LoanState`]) and its installments as end-of-day
//! keeps them, and return the new rows with the amounts forgiven, so the store can write the change
//! in one transaction and journal it. Money is conserved: principal is never created or lost
//! (`principal before = principal after + principal forgiven`), a waiver touches only penalty
//! and fees, and a plan's own installments sum to exactly what it restructures.
//!
//! The rows handled here are the loan's installments in period order, periods contiguous from 1.
//! Rows before [`Restructured::first_period`] are never changed; rows from it on are replaced by
//! [`Restructured::installments`]. An installment "has fallen due" when its period is before
//! [`LoanState::next_due_period`]; plans always start at the last closed business date (`as_of`).
//!
//! Invariant: pure and deterministic, like the rest of recoup-core; no I/O and no clock.

use chrono::NaiveDate;

use crate::calendar::add_months_on_day;
use crate::delinquency::BucketScheme;
use crate::money::Fen;
use crate::role::Role;
use crate::schedule::{level_payment, monthly_interest};
use crate::servicing::{InstallmentState, LoanState, LoanStatus};

/// The longest plan, extension or deferral accepted, in months.
pub const MAX_PLAN_MONTHS: u32 = 60;

/// What a repayment plan does to the loan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanTerms {
    /// 分期还欠款: the arrears (overdue principal and interest) are spread over the next
    /// `months` due dates, on top of the installments already falling due then (months beyond
    /// the end of the loan get installments of their own). The overdue installments are settled
    /// by the move, so the loan is current again.
    ArrearsInstallments { months: u32 },
    /// 展期: `months` more installments; the principal not yet due is re-amortised as equal
    /// installments at the contract rate over the remaining periods plus `months`. Arrears stay.
    TermExtension { months: u32 },
    /// 延期: every installment not yet due moves `months` later (a payment holiday; no interest
    /// is added for it). Moving only the next few would put later due dates before them, so the
    /// whole remaining schedule moves. Arrears stay.
    Deferral { months: u32 },
    /// 折扣结清: pay `amount` by `pay_by` and the rest is forgiven. The kept amount is taken
    /// from principal first, then overdue interest, fees and penalty; interest not yet due is
    /// dropped (it was never earned). One installment of the kept principal and interest falls
    /// due on `pay_by`; the kept fees and penalty stay as loan balances.
    Settlement { amount: Fen, pay_by: NaiveDate },
}

impl PlanTerms {
    /// The stored and wire code of the kind.
    pub fn kind(&self) -> &'static str {
        match self {
            PlanTerms::ArrearsInstallments { .. } => "arrears_installments",
            PlanTerms::TermExtension { .. } => "term_extension",
            PlanTerms::Deferral { .. } => "deferral",
            PlanTerms::Settlement { .. } => "settlement",
        }
    }
}

/// A waiver of penalty interest and late fees (减免).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiver {
    pub penalty: Fen,
    pub fees: Fen,
}

/// Amounts taken off what the borrower owes, by component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Forgiven {
    pub principal: Fen,
    pub interest: Fen,
    pub fees: Fen,
    pub penalty: Fen,
}

impl Forgiven {
    pub fn total(&self) -> Fen {
        self.principal + self.interest + self.fees + self.penalty
    }
}

/// The result of [`restructure`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restructured {
    /// Rows from this period on are replaced by `installments`.
    pub first_period: u32,
    /// The new rows, periods contiguous from `first_period`.
    pub installments: Vec<InstallmentState>,
    /// The plan's own installments (the ones a broken plan is judged by), inclusive.
    pub plan_periods: (u32, u32),
    /// What the plan restructures: the unpaid principal and interest its own installments carry
    /// (for arrears installments the arrears, for an extension the principal not yet due plus
    /// the new interest, for a deferral the moved installments, for a settlement the kept
    /// principal and interest).
    pub restructured: Fen,
    pub forgiven: Forgiven,
    /// The loan was past due and is current after the change.
    pub cured: bool,
}

/// Why a plan or waiver cannot be applied to this loan as it stands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("the loan is paid off")]
    PaidOff,
    #[error("no business date has been closed for the loan yet")]
    NotServiced,
    #[error("months must be 1–{MAX_PLAN_MONTHS}")]
    Months,
    #[error("the loan has no arrears to spread")]
    NoArrears,
    #[error("the loan has no installments left to move or extend")]
    NothingDue,
    #[error("the settlement amount must be positive and at most what is owed ({owed})")]
    SettlementAmount { owed: Fen },
    #[error("the settlement date must be after {as_of}")]
    SettlementDate { as_of: NaiveDate },
    #[error("a waiver must be positive and at most the balance: penalty {penalty}, fees {fees}")]
    WaiverAmount { penalty: Fen, fees: Fen },
    #[error("the installments given do not match the loan")]
    Inconsistent,
}

/// Applies `terms` to the loan. `installments` are all the loan's rows in period order;
/// `repayment_day` is the contract's day of month for new due dates. On success `state` holds
/// the new summary (arrears, next due date, term, DPD and bucket as of the last closed date).
pub fn restructure(
    state: &mut LoanState,
    installments: &[InstallmentState],
    terms: &PlanTerms,
    repayment_day: u32,
    buckets: &BucketScheme,
) -> Result<Restructured, PlanError> {
    if state.status == LoanStatus::PaidOff {
        return Err(PlanError::PaidOff);
    }
    let as_of = state.last_processed.ok_or(PlanError::NotServiced)?;
    check_rows(state, installments)?;
    let next_due = state.next_due_period;
    let tail: Vec<InstallmentState> = installments
        .iter()
        .filter(|i| i.period >= next_due)
        .copied()
        .collect();
    let first_unpaid_due = installments
        .iter()
        .find(|i| i.period < next_due && !i.is_paid())
        .map(|i| i.period);
    let mut forgiven = Forgiven::default();
    let (first_period, rows, plan_periods) = match *terms {
        PlanTerms::ArrearsInstallments { months } => {
            check_months(months)?;
            let first = first_unpaid_due.ok_or(PlanError::NoArrears)?;
            let arrears_principal = state.arrears_principal;
            let arrears_interest = state.arrears_interest;
            let mut rows = settle_fallen_due(installments, first, next_due, as_of);
            let mut new_tail = tail.clone();
            let mut last_due = tail.last().map(|i| i.due_date).unwrap_or(as_of);
            for k in 0..months {
                let principal = share(arrears_principal, months, k);
                let interest = share(arrears_interest, months, k);
                match new_tail.get_mut(k as usize) {
                    Some(row) => {
                        row.principal_due += principal;
                        row.interest_due += interest;
                    }
                    None => {
                        last_due = add_months_on_day(last_due, 1, repayment_day);
                        new_tail.push(InstallmentState {
                            period: next_due + k,
                            due_date: last_due,
                            principal_due: principal,
                            interest_due: interest,
                            principal_paid: Fen::ZERO,
                            interest_paid: Fen::ZERO,
                            paid_off_on: None,
                        });
                    }
                }
            }
            rows.extend(new_tail);
            (first, rows, (next_due, next_due + months - 1))
        }
        PlanTerms::TermExtension { months } => {
            check_months(months)?;
            let first_row = tail.first().ok_or(PlanError::NothingDue)?;
            let n = tail.len() as u32 + months;
            let principal: Fen = tail.iter().map(InstallmentState::unpaid_principal).sum();
            let rate_units = state.annual_rate.units();
            let payment = level_payment(principal.get(), rate_units, n);
            let mut balance = principal.get();
            let mut due_date = first_row.due_date;
            let mut rows = Vec::with_capacity(n as usize);
            for k in 0..n {
                if let Some(existing) = tail.get(k as usize) {
                    due_date = existing.due_date;
                } else {
                    due_date = add_months_on_day(due_date, 1, repayment_day);
                }
                let interest = monthly_interest(balance, rate_units);
                let paid_principal = if k + 1 == n {
                    balance
                } else {
                    (payment - interest).clamp(0, balance)
                };
                balance -= paid_principal;
                rows.push(InstallmentState {
                    period: next_due + k,
                    due_date,
                    principal_due: Fen::new(paid_principal),
                    interest_due: Fen::new(interest),
                    principal_paid: Fen::ZERO,
                    interest_paid: Fen::ZERO,
                    paid_off_on: None,
                });
            }
            (next_due, rows, (next_due, next_due + n - 1))
        }
        PlanTerms::Deferral { months } => {
            check_months(months)?;
            if tail.is_empty() {
                return Err(PlanError::NothingDue);
            }
            let rows: Vec<InstallmentState> = tail
                .iter()
                .map(|row| InstallmentState {
                    due_date: add_months_on_day(row.due_date, months, repayment_day),
                    ..*row
                })
                .collect();
            let last = next_due + rows.len() as u32 - 1;
            (next_due, rows, (next_due, last))
        }
        PlanTerms::Settlement { amount, pay_by } => {
            let owed = state.principal_outstanding
                + state.arrears_interest
                + state.fees_balance
                + state.penalty_balance;
            if !amount.is_positive() || amount > owed {
                return Err(PlanError::SettlementAmount { owed });
            }
            if pay_by <= as_of {
                return Err(PlanError::SettlementDate { as_of });
            }
            let mut left = amount;
            let mut keep = |balance: Fen| {
                let kept = balance.min(left);
                left -= kept;
                kept
            };
            let kept_principal = keep(state.principal_outstanding);
            let kept_interest = keep(state.arrears_interest);
            let kept_fees = keep(state.fees_balance);
            let kept_penalty = keep(state.penalty_balance);
            forgiven = Forgiven {
                principal: state.principal_outstanding - kept_principal,
                interest: state.arrears_interest - kept_interest,
                fees: state.fees_balance - kept_fees,
                penalty: state.penalty_balance - kept_penalty,
            };
            state.fees_balance = kept_fees;
            state.penalty_balance = kept_penalty;
            let first = first_unpaid_due.unwrap_or(next_due);
            let mut rows = settle_fallen_due(installments, first, next_due, as_of);
            rows.push(InstallmentState {
                period: next_due,
                due_date: pay_by,
                principal_due: kept_principal,
                interest_due: kept_interest,
                principal_paid: Fen::ZERO,
                interest_paid: Fen::ZERO,
                paid_off_on: None,
            });
            (first, rows, (next_due, next_due))
        }
    };
    let restructured = rows
        .iter()
        .filter(|i| i.period >= plan_periods.0 && i.period <= plan_periods.1)
        .map(|i| i.unpaid_principal() + i.unpaid_interest())
        .sum();
    let dpd_before = state.dpd;
    let mut all: Vec<InstallmentState> = installments
        .iter()
        .filter(|i| i.period < first_period)
        .copied()
        .collect();
    all.extend(rows.iter().copied());
    summarize(state, &all, as_of, buckets);
    Ok(Restructured {
        first_period,
        installments: rows,
        plan_periods,
        restructured,
        forgiven,
        cured: dpd_before > 0 && state.dpd == 0,
    })
}

/// Applies a waiver to the penalty and fee balances.
pub fn waive(state: &mut LoanState, waiver: &Waiver) -> Result<Forgiven, PlanError> {
    if state.status == LoanStatus::PaidOff {
        return Err(PlanError::PaidOff);
    }
    let total = waiver.penalty + waiver.fees;
    if waiver.penalty.get() < 0
        || waiver.fees.get() < 0
        || !total.is_positive()
        || waiver.penalty > state.penalty_balance
        || waiver.fees > state.fees_balance
    {
        return Err(PlanError::WaiverAmount {
            penalty: state.penalty_balance,
            fees: state.fees_balance,
        });
    }
    state.penalty_balance -= waiver.penalty;
    state.fees_balance -= waiver.fees;
    Ok(Forgiven {
        penalty: waiver.penalty,
        fees: waiver.fees,
        ..Forgiven::default()
    })
}

/// The result of [`revert`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reverted {
    /// Rows from the plan's `first_period` on, replacing the current ones.
    pub installments: Vec<InstallmentState>,
    /// Money paid under the plan, re-applied to the original installments.
    pub reapplied: Fen,
    /// The part of it the original installments due by now could not take, kept as credit.
    pub to_credit: Fen,
}

/// Undoes a broken plan: the original rows (`original`, from the plan's first period on, as
/// they were at approval) come back, money paid on the plan's rows since approval is re-applied
/// to them oldest first (interest, then principal, only to installments due by the last closed
/// date; the rest becomes credit), and amounts the plan forgave are owed again. `current` holds
/// the loan's rows from the same first period on, as they are now.
pub fn revert(
    state: &mut LoanState,
    before_first: &[InstallmentState],
    current: &[InstallmentState],
    original: &[InstallmentState],
    forgiven: &Forgiven,
    buckets: &BucketScheme,
) -> Result<Reverted, PlanError> {
    let as_of = state.last_processed.ok_or(PlanError::NotServiced)?;
    let paid = |rows: &[InstallmentState]| -> Fen {
        rows.iter()
            .map(|i| i.principal_paid + i.interest_paid)
            .sum()
    };
    let reapplied = paid(current) - paid(original);
    if reapplied.get() < 0 {
        return Err(PlanError::Inconsistent);
    }
    let mut rows = original.to_vec();
    let mut left = reapplied;
    for row in rows.iter_mut().filter(|i| i.due_date <= as_of) {
        let interest = row.unpaid_interest().min(left);
        row.interest_paid += interest;
        left -= interest;
        let principal = row.unpaid_principal().min(left);
        row.principal_paid += principal;
        left -= principal;
        if row.is_paid() && row.paid_off_on.is_none() {
            row.paid_off_on = Some(as_of);
        }
    }
    state.credit += left;
    state.fees_balance += forgiven.fees;
    state.penalty_balance += forgiven.penalty;
    let mut all = before_first.to_vec();
    all.extend(rows.iter().copied());
    state.next_due_period = all
        .iter()
        .find(|i| i.due_date > as_of)
        .map(|i| i.period)
        .unwrap_or(all.len() as u32 + 1);
    summarize(state, &all, as_of, buckets);
    Ok(Reverted {
        installments: rows,
        reapplied,
        to_credit: left,
    })
}

/// Whether a plan is broken on `date`: one of its installments is unpaid more than
/// `grace_days` after its due date.
pub fn plan_is_broken(
    plan_rows: &[InstallmentState],
    date: NaiveDate,
    grace_days: u32,
) -> Option<u32> {
    plan_rows
        .iter()
        .find(|i| !i.is_paid() && (date - i.due_date).num_days() > i64::from(grace_days))
        .map(|i| i.period)
}

/// Who may approve what: per role, the largest amount forgiven (waiver, settlement discount)
/// it may approve. Plans that forgive nothing need only a role listed here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalLimits {
    /// `(role, limit)`; `None` means no limit. Roles not listed approve nothing.
    pub limits: Vec<(Role, Option<Fen>)>,
}

impl Default for ApprovalLimits {
    /// Managers approve plans and up to ¥5,000 forgiven; administrators anything.
    fn default() -> ApprovalLimits {
        ApprovalLimits {
            limits: vec![
                (Role::Manager, Some(Fen::from_yuan(5_000))),
                (Role::Admin, None),
            ],
        }
    }
}

impl ApprovalLimits {
    /// Whether `role` may approve a request forgiving `forgiven`.
    pub fn may_approve(&self, role: Role, forgiven: Fen) -> bool {
        self.limits
            .iter()
            .find(|(r, _)| *r == role)
            .is_some_and(|(_, limit)| limit.is_none_or(|max| forgiven <= max))
    }

    /// The limit of `role`: `None` if it may not approve at all, `Some(None)` if unlimited.
    pub fn limit_of(&self, role: Role) -> Option<Option<Fen>> {
        self.limits
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, l)| *l)
    }
}

fn check_months(months: u32) -> Result<(), PlanError> {
    if (1..=MAX_PLAN_MONTHS).contains(&months) {
        Ok(())
    } else {
        Err(PlanError::Months)
    }
}

/// Checks that `rows` are the loan's installments: periods contiguous from 1, carrying exactly
/// the principal outstanding.
pub(crate) fn check_rows(state: &LoanState, rows: &[InstallmentState]) -> Result<(), PlanError> {
    let contiguous = rows
        .iter()
        .enumerate()
        .all(|(idx, row)| row.period == idx as u32 + 1);
    let principal: Fen = rows.iter().map(InstallmentState::unpaid_principal).sum();
    if !contiguous || principal != state.principal_outstanding {
        return Err(PlanError::Inconsistent);
    }
    Ok(())
}

/// The `k`-th of `n` equal shares of `total`, the last absorbing the remainder.
fn share(total: Fen, n: u32, k: u32) -> Fen {
    let each = total.get() / i64::from(n);
    if k + 1 == n {
        Fen::new(total.get() - each * i64::from(n - 1))
    } else {
        Fen::new(each)
    }
}

/// Rows `first..next_due` with their dues cut to what was paid: the unpaid part moves into the
/// plan, so they count as settled on `as_of`.
fn settle_fallen_due(
    installments: &[InstallmentState],
    first: u32,
    next_due: u32,
    as_of: NaiveDate,
) -> Vec<InstallmentState> {
    installments
        .iter()
        .filter(|i| i.period >= first && i.period < next_due)
        .map(|row| InstallmentState {
            principal_due: row.principal_paid,
            interest_due: row.interest_paid,
            paid_off_on: row.paid_off_on.or(Some(as_of)),
            ..*row
        })
        .collect()
}

/// Recomputes the summary fields from all rows of the loan, as of the last closed date.
fn summarize(
    state: &mut LoanState,
    all: &[InstallmentState],
    as_of: NaiveDate,
    buckets: &BucketScheme,
) {
    let next_due = state.next_due_period;
    state.term_months = all.len() as u32;
    state.principal_outstanding = all.iter().map(InstallmentState::unpaid_principal).sum();
    let fallen = || all.iter().filter(|i| i.period < next_due);
    state.arrears_principal = fallen().map(InstallmentState::unpaid_principal).sum();
    state.arrears_interest = fallen().map(InstallmentState::unpaid_interest).sum();
    state.oldest_unpaid_due_date = fallen().find(|i| !i.is_paid()).map(|i| i.due_date);
    state.next_due_date = all
        .iter()
        .find(|i| i.period >= next_due)
        .map(|i| i.due_date);
    if state.next_due_date.is_none() {
        state.next_due_period = state.term_months + 1;
    }
    let dpd_before = state.dpd;
    state.dpd = state
        .oldest_unpaid_due_date
        .filter(|due| *due < as_of)
        .map(|due| (as_of - due).num_days() as u32)
        .unwrap_or(0);
    if dpd_before == 0 && state.dpd > 0 {
        state.times_delinquent += 1;
    }
    if dpd_before > 0 && state.dpd == 0 {
        state.cures += 1;
        state.last_cure_date = Some(as_of);
    }
    state.bucket = buckets.bucket_for(state.dpd);
    state.max_dpd = state.max_dpd.max(state.dpd);
}

#[cfg(test)]
mod tests;
