//! Loan servicing for one business date: installments falling due, payment allocation through
//! the waterfall, late fees, penalty interest, days past due, buckets, delinquency and cure.
//!
//! [`close_day`] is the heart of end-of-day. It is pure: the caller loads a loan's running
//! summary ([`LoanState`]) and — only when [`LoanState::needs_installments`] says so — its
//! unpaid installments, and gets back the new state plus the events to journal.

use chrono::NaiveDate;

use crate::delinquency::{BucketIdx, BucketScheme, PenaltyPolicy};
use crate::money::Fen;
use crate::rate::AnnualRate;
use crate::schedule::ScheduledInstallment;

/// A component of what a borrower owes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Component {
    /// 罚息: penalty interest, accrued at loan level.
    Penalty,
    /// Late fees, charged at loan level.
    Fees,
    /// Contract interest of an installment.
    Interest,
    /// Principal of an installment.
    Principal,
}

impl Component {
    pub fn code(self) -> &'static str {
        match self {
            Component::Penalty => "penalty",
            Component::Fees => "fees",
            Component::Interest => "interest",
            Component::Principal => "principal",
        }
    }

    pub fn parse(text: &str) -> Option<Component> {
        match text.trim() {
            "penalty" => Some(Component::Penalty),
            "fees" => Some(Component::Fees),
            "interest" => Some(Component::Interest),
            "principal" => Some(Component::Principal),
            _ => None,
        }
    }

    fn is_loan_level(self) -> bool {
        matches!(self, Component::Penalty | Component::Fees)
    }
}

/// Whether the waterfall pays one component across all installments before the next component,
/// or settles each installment in turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllocationMode {
    /// All of the first component (oldest installment first), then all of the second, ….
    ComponentFirst,
    /// Loan-level components ordered before the first installment component are paid first;
    /// then each installment in turn, oldest first, component by component; then the rest.
    InstallmentFirst,
}

/// The allocation waterfall: the order components are paid in and how installments are walked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waterfall {
    order: [Component; 4],
    pub mode: AllocationMode,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the waterfall must name each of penalty, fees, interest and principal exactly once")]
pub struct WaterfallError;

impl Default for Waterfall {
    fn default() -> Waterfall {
        Waterfall {
            order: [
                Component::Penalty,
                Component::Fees,
                Component::Interest,
                Component::Principal,
            ],
            mode: AllocationMode::ComponentFirst,
        }
    }
}

impl Waterfall {
    pub fn new(order: &[Component], mode: AllocationMode) -> Result<Waterfall, WaterfallError> {
        let all = [
            Component::Penalty,
            Component::Fees,
            Component::Interest,
            Component::Principal,
        ];
        if order.len() != 4 || !all.iter().all(|c| order.contains(c)) {
            return Err(WaterfallError);
        }
        Ok(Waterfall {
            order: [order[0], order[1], order[2], order[3]],
            mode,
        })
    }

    pub fn order(&self) -> &[Component; 4] {
        &self.order
    }
}

/// Everything about how the ledger behaves that a lender may configure.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LedgerPolicy {
    pub waterfall: Waterfall,
    pub penalty: PenaltyPolicy,
    pub buckets: BucketScheme,
    /// Fee charged once for each installment still unpaid at the end of its due date.
    pub late_fee: Fen,
}

/// Whether a loan still runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoanStatus {
    Active,
    /// Every installment, fee and penalty paid (结清).
    PaidOff,
}

/// An installment as serviced: the contract amounts and what has been paid against them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstallmentState {
    pub period: u32,
    pub due_date: NaiveDate,
    pub principal_due: Fen,
    pub interest_due: Fen,
    pub principal_paid: Fen,
    pub interest_paid: Fen,
    /// The business date the installment was fully paid.
    pub paid_off_on: Option<NaiveDate>,
}

impl InstallmentState {
    pub fn from_schedule(row: &ScheduledInstallment) -> InstallmentState {
        InstallmentState {
            period: row.period,
            due_date: row.due_date,
            principal_due: row.principal,
            interest_due: row.interest,
            principal_paid: Fen::ZERO,
            interest_paid: Fen::ZERO,
            paid_off_on: None,
        }
    }

    pub fn unpaid_principal(&self) -> Fen {
        self.principal_due - self.principal_paid
    }

    pub fn unpaid_interest(&self) -> Fen {
        self.interest_due - self.interest_paid
    }

    pub fn is_paid(&self) -> bool {
        self.unpaid_principal().is_zero() && self.unpaid_interest().is_zero()
    }
}

/// The running summary of one loan that end-of-day works from, so that it scans loans rather
/// than installments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoanState {
    pub annual_rate: AnnualRate,
    pub term_months: u32,
    pub status: LoanStatus,
    /// Principal not yet repaid, due or not.
    pub principal_outstanding: Fen,
    /// The first period that has not yet fallen due (term + 1 when all have).
    pub next_due_period: u32,
    pub next_due_date: Option<NaiveDate>,
    /// Due date of the oldest installment that has fallen due and is not fully paid.
    pub oldest_unpaid_due_date: Option<NaiveDate>,
    pub arrears_principal: Fen,
    pub arrears_interest: Fen,
    /// Late fees charged and not paid.
    pub fees_balance: Fen,
    /// Penalty interest accrued and not paid.
    pub penalty_balance: Fen,
    pub penalty_accrued_total: Fen,
    /// Money received beyond what was owed, applied when the next installment falls due.
    pub credit: Fen,
    pub dpd: u32,
    pub bucket: BucketIdx,
    pub max_dpd: u32,
    pub times_delinquent: u32,
    pub cures: u32,
    pub last_cure_date: Option<NaiveDate>,
    pub paid_off_on: Option<NaiveDate>,
    /// The last business date [`close_day`] ran for this loan.
    pub last_processed: Option<NaiveDate>,
}

impl LoanState {
    /// The state of a loan on the day it is booked.
    pub fn booked(annual_rate: AnnualRate, schedule: &[ScheduledInstallment]) -> LoanState {
        LoanState {
            annual_rate,
            term_months: schedule.len() as u32,
            status: LoanStatus::Active,
            principal_outstanding: schedule.iter().map(|r| r.principal).sum(),
            next_due_period: 1,
            next_due_date: schedule.first().map(|r| r.due_date),
            oldest_unpaid_due_date: None,
            arrears_principal: Fen::ZERO,
            arrears_interest: Fen::ZERO,
            fees_balance: Fen::ZERO,
            penalty_balance: Fen::ZERO,
            penalty_accrued_total: Fen::ZERO,
            credit: Fen::ZERO,
            dpd: 0,
            bucket: 0,
            max_dpd: 0,
            times_delinquent: 0,
            cures: 0,
            last_cure_date: None,
            paid_off_on: None,
            last_processed: None,
        }
    }

    /// Everything due and unpaid: arrears, fees and penalty.
    pub fn total_arrears(&self) -> Fen {
        self.arrears_principal + self.arrears_interest + self.fees_balance + self.penalty_balance
    }

    /// Whether [`close_day`] for `date` needs the loan's unpaid installments.
    pub fn needs_installments(&self, date: NaiveDate, has_payments: bool) -> bool {
        has_payments || self.next_due_date.is_some_and(|due| due <= date)
    }

    /// Whether [`close_day`] for `date` would change nothing: no payment, nothing falling due,
    /// nothing overdue. End-of-day skips such loans.
    pub fn is_idle_on(&self, date: NaiveDate, has_payments: bool) -> bool {
        self.status == LoanStatus::PaidOff
            || (!has_payments
                && self.dpd == 0
                && self.oldest_unpaid_due_date.is_none()
                && self.next_due_date.is_none_or(|due| due > date))
    }
}

/// A posted payment waiting to be allocated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaymentToAllocate {
    pub payment_id: i64,
    pub amount: Fen,
}

/// Where money came from in an allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FundsSource {
    Payment(i64),
    /// The loan's credit balance from earlier overpayments.
    Credit,
}

/// One slice of an allocation: an amount applied to a component (of an installment, for interest
/// and principal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllocationSplit {
    pub period: Option<u32>,
    pub component: Component,
    pub amount: Fen,
}

/// What happened to a loan on a business date, for the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoanEvent {
    InstallmentFellDue {
        period: u32,
        principal: Fen,
        interest: Fen,
    },
    Allocated {
        source: FundsSource,
        splits: Vec<AllocationSplit>,
        to_credit: Fen,
    },
    LateFeeCharged {
        period: u32,
        amount: Fen,
    },
    PenaltyAccrued {
        overdue_principal: Fen,
        amount: Fen,
    },
    DelinquencyStarted {
        times: u32,
    },
    BucketChanged {
        from: BucketIdx,
        to: BucketIdx,
    },
    Cured {
        from_bucket: BucketIdx,
        dpd_before: u32,
    },
    PaidOff,
}

/// Why a day could not be closed for a loan.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DayError {
    #[error("business date {date} was already closed for this loan (last closed {last})")]
    AlreadyClosed { date: NaiveDate, last: NaiveDate },
    #[error("installments are needed on {0} but were not given")]
    MissingInstallments(NaiveDate),
    #[error("a payment of {0} is not positive")]
    NonPositivePayment(Fen),
}

/// The last due date of the installments [`close_day`] needs on `date`: unpaid installments due
/// by this date include every one already due and the next one (due dates are at most 31 days
/// apart), so the shell need not load a loan's whole remaining schedule.
pub fn installment_window_end(date: NaiveDate) -> NaiveDate {
    date.checked_add_days(chrono::Days::new(31)).unwrap_or(date)
}

/// Closes business date `date` for one loan.
///
/// Whenever [`LoanState::needs_installments`] is true, `installments` must hold, in period
/// order, every installment of the loan that is not fully paid and falls due on or before
/// [`installment_window_end`] (more may be given); otherwise it may be empty.
/// Events are appended to `events`.
pub fn close_day(
    state: &mut LoanState,
    installments: &mut [InstallmentState],
    payments: &[PaymentToAllocate],
    date: NaiveDate,
    policy: &LedgerPolicy,
    events: &mut Vec<LoanEvent>,
) -> Result<(), DayError> {
    if let Some(last) = state.last_processed {
        if last >= date {
            return Err(DayError::AlreadyClosed { date, last });
        }
    }
    if let Some(bad) = payments.iter().find(|p| !p.amount.is_positive()) {
        return Err(DayError::NonPositivePayment(bad.amount));
    }
    if state.status == LoanStatus::PaidOff {
        // Money arriving after pay-off is kept as credit for the lender to refund.
        for payment in payments {
            state.credit += payment.amount;
            events.push(LoanEvent::Allocated {
                source: FundsSource::Payment(payment.payment_id),
                splits: Vec::new(),
                to_credit: payment.amount,
            });
        }
        state.last_processed = Some(date);
        return Ok(());
    }
    let with_installments = state.needs_installments(date, !payments.is_empty());
    if with_installments && installments.is_empty() && state.principal_outstanding.is_positive() {
        return Err(DayError::MissingInstallments(date));
    }

    let first_new_period = state.next_due_period;
    if with_installments {
        fall_due(state, installments, date, events);
        if state.credit.is_positive() && state.total_arrears().is_positive() {
            let credit = state.credit;
            state.credit = Fen::ZERO;
            allocate(
                state,
                installments,
                FundsSource::Credit,
                credit,
                date,
                policy,
                events,
            );
        }
        for payment in payments {
            let source = FundsSource::Payment(payment.payment_id);
            allocate(
                state,
                installments,
                source,
                payment.amount,
                date,
                policy,
                events,
            );
        }
        charge_late_fees(state, installments, first_new_period, policy, events);
        state.oldest_unpaid_due_date = installments
            .iter()
            .find(|i| i.period < state.next_due_period && !i.is_paid())
            .map(|i| i.due_date);
    }

    accrue_penalty(state, installments, with_installments, date, policy, events);
    update_delinquency(state, date, &policy.buckets, events);

    if state.next_due_period > state.term_months
        && state.principal_outstanding.is_zero()
        && state.total_arrears().is_zero()
    {
        state.status = LoanStatus::PaidOff;
        state.paid_off_on = Some(date);
        events.push(LoanEvent::PaidOff);
    }
    state.last_processed = Some(date);
    Ok(())
}

fn fall_due(
    state: &mut LoanState,
    installments: &[InstallmentState],
    date: NaiveDate,
    events: &mut Vec<LoanEvent>,
) {
    let first_not_due = state.next_due_period;
    for inst in installments.iter().filter(|i| i.period >= first_not_due) {
        if inst.due_date > date {
            break;
        }
        state.arrears_principal += inst.unpaid_principal();
        state.arrears_interest += inst.unpaid_interest();
        state.next_due_period = inst.period + 1;
        events.push(LoanEvent::InstallmentFellDue {
            period: inst.period,
            principal: inst.principal_due,
            interest: inst.interest_due,
        });
    }
    state.next_due_date = installments
        .iter()
        .find(|i| i.period >= state.next_due_period)
        .map(|i| i.due_date);
    if state.next_due_date.is_none() {
        state.next_due_period = state.term_months + 1;
    }
}

/// Applies `amount` through the waterfall to what is due; the rest becomes credit.
fn allocate(
    state: &mut LoanState,
    installments: &mut [InstallmentState],
    source: FundsSource,
    amount: Fen,
    date: NaiveDate,
    policy: &LedgerPolicy,
    events: &mut Vec<LoanEvent>,
) {
    let mut remaining = amount;
    let mut splits = Vec::new();
    let order = policy.waterfall.order();
    let due_periods = state.next_due_period;
    match policy.waterfall.mode {
        AllocationMode::ComponentFirst => {
            for &component in order {
                pay_component(
                    state,
                    installments,
                    due_periods,
                    component,
                    None,
                    &mut remaining,
                    &mut splits,
                );
            }
        }
        AllocationMode::InstallmentFirst => {
            let first_inst = order.iter().position(|c| !c.is_loan_level()).unwrap_or(0);
            for &component in &order[..first_inst] {
                pay_component(
                    state,
                    installments,
                    due_periods,
                    component,
                    None,
                    &mut remaining,
                    &mut splits,
                );
            }
            let periods: Vec<u32> = installments
                .iter()
                .filter(|i| i.period < due_periods && !i.is_paid())
                .map(|i| i.period)
                .collect();
            for period in periods {
                for &component in order.iter().filter(|c| !c.is_loan_level()) {
                    pay_component(
                        state,
                        installments,
                        due_periods,
                        component,
                        Some(period),
                        &mut remaining,
                        &mut splits,
                    );
                }
            }
            for &component in order[first_inst..].iter().filter(|c| c.is_loan_level()) {
                pay_component(
                    state,
                    installments,
                    due_periods,
                    component,
                    None,
                    &mut remaining,
                    &mut splits,
                );
            }
        }
    }
    for inst in installments.iter_mut() {
        if inst.paid_off_on.is_none() && inst.is_paid() && inst.period < due_periods {
            inst.paid_off_on = Some(date);
        }
    }
    state.credit += remaining;
    events.push(LoanEvent::Allocated {
        source,
        splits,
        to_credit: remaining,
    });
}

/// Pays one component from `remaining`: loan-level balances directly, installment components
/// oldest installment first (or only `only_period`).
fn pay_component(
    state: &mut LoanState,
    installments: &mut [InstallmentState],
    due_periods: u32,
    component: Component,
    only_period: Option<u32>,
    remaining: &mut Fen,
    splits: &mut Vec<AllocationSplit>,
) {
    if !remaining.is_positive() {
        return;
    }
    match component {
        Component::Penalty | Component::Fees => {
            let balance = if component == Component::Penalty {
                &mut state.penalty_balance
            } else {
                &mut state.fees_balance
            };
            let paid = (*balance).min(*remaining);
            if paid.is_positive() {
                *balance -= paid;
                *remaining -= paid;
                splits.push(AllocationSplit {
                    period: None,
                    component,
                    amount: paid,
                });
            }
        }
        Component::Interest | Component::Principal => {
            for inst in installments.iter_mut() {
                if inst.period >= due_periods || only_period.is_some_and(|p| p != inst.period) {
                    continue;
                }
                if !remaining.is_positive() {
                    break;
                }
                let unpaid = if component == Component::Interest {
                    inst.unpaid_interest()
                } else {
                    inst.unpaid_principal()
                };
                let paid = unpaid.min(*remaining);
                if !paid.is_positive() {
                    continue;
                }
                if component == Component::Interest {
                    inst.interest_paid += paid;
                    state.arrears_interest -= paid;
                } else {
                    inst.principal_paid += paid;
                    state.arrears_principal -= paid;
                    state.principal_outstanding -= paid;
                }
                *remaining -= paid;
                splits.push(AllocationSplit {
                    period: Some(inst.period),
                    component,
                    amount: paid,
                });
            }
        }
    }
}

fn charge_late_fees(
    state: &mut LoanState,
    installments: &[InstallmentState],
    first_new_period: u32,
    policy: &LedgerPolicy,
    events: &mut Vec<LoanEvent>,
) {
    if !policy.late_fee.is_positive() {
        return;
    }
    for inst in installments.iter().filter(|i| {
        i.period >= first_new_period && i.period < state.next_due_period && !i.is_paid()
    }) {
        state.fees_balance += policy.late_fee;
        events.push(LoanEvent::LateFeeCharged {
            period: inst.period,
            amount: policy.late_fee,
        });
    }
}

fn accrue_penalty(
    state: &mut LoanState,
    installments: &[InstallmentState],
    with_installments: bool,
    date: NaiveDate,
    policy: &LedgerPolicy,
    events: &mut Vec<LoanEvent>,
) {
    // Principal that fell due today is not yet overdue; without installments loaded nothing fell
    // due today, so all arrears principal is overdue.
    let overdue_principal = if with_installments {
        installments
            .iter()
            .filter(|i| i.period < state.next_due_period && i.due_date < date)
            .map(InstallmentState::unpaid_principal)
            .sum()
    } else {
        state.arrears_principal
    };
    let amount = policy
        .penalty
        .daily_penalty(overdue_principal, state.annual_rate);
    if amount.is_positive() {
        state.penalty_balance += amount;
        state.penalty_accrued_total += amount;
        events.push(LoanEvent::PenaltyAccrued {
            overdue_principal,
            amount,
        });
    }
}

fn update_delinquency(
    state: &mut LoanState,
    date: NaiveDate,
    buckets: &BucketScheme,
    events: &mut Vec<LoanEvent>,
) {
    let dpd_before = state.dpd;
    let dpd = state
        .oldest_unpaid_due_date
        .filter(|due| *due < date)
        .map(|due| (date - due).num_days() as u32)
        .unwrap_or(0);
    if dpd_before == 0 && dpd > 0 {
        state.times_delinquent += 1;
        events.push(LoanEvent::DelinquencyStarted {
            times: state.times_delinquent,
        });
    }
    if dpd_before > 0 && dpd == 0 {
        state.cures += 1;
        state.last_cure_date = Some(date);
        events.push(LoanEvent::Cured {
            from_bucket: state.bucket,
            dpd_before,
        });
    }
    let bucket = buckets.bucket_for(dpd);
    if bucket != state.bucket {
        events.push(LoanEvent::BucketChanged {
            from: state.bucket,
            to: bucket,
        });
        state.bucket = bucket;
    }
    state.dpd = dpd;
    state.max_dpd = state.max_dpd.max(dpd);
}

#[cfg(test)]
mod tests;
