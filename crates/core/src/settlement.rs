//! Early settlement (提前结清) and partial prepayment (提前部分还款): what a loan costs to close
//! on a date, and how a payment that closes it or prepays part of its principal changes the
//! ledger. Pure functions over the loan's running summary and installments, like
//! [`crate::restructure`]; the store writes their result in one transaction.
//!
//! A date's position is the loan stepped forward with [`close_day`] and no payments through the
//! day *before* the date, exactly as end-of-day would; a payment on the date itself is applied
//! before that day's penalty accrues and before late fees for installments due that day, as in
//! [`close_day`]. Then:
//!
//! - the **settlement quote** is all principal not yet repaid (due or not), the interest of
//!   installments fallen due and unpaid, the interest of the current period accrued by the
//!   product's [`SettlementInterestRule`], penalty interest, fees, and the product's
//!   [`EarlySettlementFee`]; less the loan's credit. `total` is exactly the sum of the parts
//!   less the credit used (property-tested);
//! - a **prepayment** pays everything due first (penalty, fees, overdue interest and principal),
//!   then as much principal as the rest of the money buys together with the interest the
//!   prepaid principal accrued in the current period and the fee on it; the remaining schedule
//!   is rebuilt by the schedule generator, keeping the maturity ([`PrepaymentMode::ReduceInstallment`])
//!   or the installment ([`PrepaymentMode::ShortenTerm`]).
//!
//! Rounding: every amount is rounded half up to the fen once, from exact integer products.
//! Accrued interest of the current period is `interest of the period × principal settled /
//! principal the period's interest was charged on × days elapsed / days in the period`, so a
//! broken first period (首期不足月/超月) and restructured periods accrue at their own rate.
//!
//! Invariant: no I/O, no clock; money is conserved: `paid + credit used = allocated + credit
//! kept`, and principal before = principal after + principal paid (property-tested).

use chrono::NaiveDate;

use crate::calendar::add_months_on_day;
use crate::loan::{LoanTerms, Product, RepaymentMethod};
use crate::money::{div_round_half_up, Fen};
use crate::schedule::{
    build_schedule_with, interest_for_days, monthly_interest, FirstPeriodInterest,
};
use crate::servicing::{
    close_day, AllocationSplit, Component, DayError, InstallmentState, LedgerPolicy, LoanState,
    LoanStatus,
};

/// The furthest ahead a quote or posting may look, in days after the last closed date.
pub const MAX_PROJECTION_DAYS: i64 = 366;

/// How the interest of the period a settlement date falls in is charged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SettlementInterestRule {
    /// 按日计息: the period's interest pro rata by days elapsed since the period began (the
    /// previous due date, or disbursement for the first period).
    #[default]
    ProRataDays,
    /// 按期计息: the whole interest of the period, once any day of it has elapsed.
    FullPeriod,
}

/// The early-settlement fee (提前还款违约金) of a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EarlySettlementFee {
    #[default]
    None,
    /// `bp` basis points (1/100 %) of the principal settled or prepaid.
    Rate { bp: u32 },
    /// `months` months of contract interest on the principal settled or prepaid.
    MonthsInterest { months: u32 },
}

/// One product's early-repayment settings (`[products.<product>]` in recoup.toml).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProductSettlement {
    pub interest_rule: SettlementInterestRule,
    pub fee: EarlySettlementFee,
    /// The fee is charged only on dates before this many months after disbursement; `None`:
    /// always.
    pub fee_within_months: Option<u32>,
    /// Settling or prepaying before this many months after disbursement is refused (锁定期);
    /// 0: never.
    pub lock_in_months: u32,
    /// How the first period's interest is counted when the loan is booked.
    pub first_period: FirstPeriodInterest,
}

/// Early-repayment settings for every product. The default keeps the contract schedule and
/// charges no fee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProductRules {
    pub new_car: ProductSettlement,
    pub used_car: ProductSettlement,
    pub car_mortgage: ProductSettlement,
}

impl ProductRules {
    pub fn of(&self, product: Product) -> &ProductSettlement {
        match product {
            Product::NewCar => &self.new_car,
            Product::UsedCar => &self.used_car,
            Product::CarMortgage => &self.car_mortgage,
        }
    }

    pub fn of_mut(&mut self, product: Product) -> &mut ProductSettlement {
        match product {
            Product::NewCar => &mut self.new_car,
            Product::UsedCar => &mut self.used_car,
            Product::CarMortgage => &mut self.car_mortgage,
        }
    }
}

/// The contract figures settlement needs beyond the running summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contract {
    pub disbursement_date: NaiveDate,
    pub method: RepaymentMethod,
    pub repayment_day: u32,
}

/// Everything besides the ledger that settlement reads: the contract, the ledger policy (for
/// the days stepped forward) and the product's settings.
#[derive(Debug, Clone, Copy)]
pub struct Terms<'a> {
    pub contract: Contract,
    pub policy: &'a LedgerPolicy,
    pub product: ProductSettlement,
}

/// What closing the loan on `as_of` costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettlementQuote {
    pub as_of: NaiveDate,
    /// All principal not yet repaid, due or not.
    pub principal: Fen,
    /// Interest of installments fallen due and unpaid.
    pub overdue_interest: Fen,
    /// Interest of the current period by the product's rule.
    pub accrued_interest: Fen,
    pub penalty: Fen,
    pub fees: Fen,
    pub settlement_fee: Fen,
    /// The loan's credit, used first (at most the sum of the parts).
    pub credit: Fen,
    /// What the borrower pays: the parts less the credit.
    pub total: Fen,
}

impl SettlementQuote {
    /// Everything owed, before the credit.
    pub fn gross(&self) -> Fen {
        self.principal
            + self.overdue_interest
            + self.accrued_interest
            + self.penalty
            + self.fees
            + self.settlement_fee
    }
}

/// How a partial prepayment rebuilds the schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrepaymentMode {
    /// 减少月供: the same number of periods and the same maturity, smaller installments.
    ReduceInstallment,
    /// 缩短期限: the same installment, fewer periods (the last may be smaller).
    ShortenTerm,
}

impl PrepaymentMode {
    pub fn code(self) -> &'static str {
        match self {
            PrepaymentMode::ReduceInstallment => "reduce_installment",
            PrepaymentMode::ShortenTerm => "shorten_term",
        }
    }

    pub fn parse(text: &str) -> Option<PrepaymentMode> {
        match text.trim().replace('-', "_").as_str() {
            "reduce_installment" => Some(PrepaymentMode::ReduceInstallment),
            "shorten_term" => Some(PrepaymentMode::ShortenTerm),
            _ => None,
        }
    }
}

/// How a posted payment was applied, for the allocation rows and the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Slices paid from the loan's credit (taken first).
    pub from_credit: Vec<AllocationSplit>,
    /// Slices paid from the payment.
    pub from_payment: Vec<AllocationSplit>,
    pub credit_used: Fen,
    /// What was left of the payment, kept as credit.
    pub to_credit: Fen,
    /// The fee charged (and paid, in `from_*` as `fees`).
    pub fee_charged: Fen,
    /// Rows from this period on are replaced by `installments`.
    pub first_period: u32,
    pub installments: Vec<InstallmentState>,
    /// The loan was past due and is current (or closed) after the payment.
    pub cured: bool,
}

/// The result of [`settle`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    pub quote: SettlementQuote,
    pub applied: Applied,
}

/// The result of [`prepay`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepaid {
    pub as_of: NaiveDate,
    pub mode: PrepaymentMode,
    /// Principal prepaid (not counting overdue principal).
    pub principal: Fen,
    /// Overdue principal and interest, penalty and fees, paid first.
    pub overdue_principal: Fen,
    pub overdue_interest: Fen,
    pub penalty: Fen,
    pub fees: Fen,
    /// Interest the prepaid principal accrued in the current period.
    pub accrued_interest: Fen,
    pub prepayment_fee: Fen,
    pub applied: Applied,
}

/// Why a quote or posting is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettlementError {
    #[error("the loan is already paid off")]
    PaidOff,
    #[error("{date} is not after the loan's disbursement on {disbursed}")]
    BeforeDisbursement {
        date: NaiveDate,
        disbursed: NaiveDate,
    },
    #[error("{date} is before {last}, the last business date closed for the loan")]
    DateClosed { date: NaiveDate, last: NaiveDate },
    #[error("{date} is more than {MAX_PROJECTION_DAYS} days after {last}, the last closed date")]
    TooFar { date: NaiveDate, last: NaiveDate },
    #[error("the product does not allow early repayment before {until} (lock-in period)")]
    LockIn { until: NaiveDate },
    #[error("the amount must be more than 0.00")]
    NonPositive,
    #[error("{paid} is less than the settlement quote of {total} for {as_of}")]
    ShortOfQuote {
        paid: Fen,
        total: Fen,
        as_of: NaiveDate,
    },
    #[error(
        "{paid} does not cover what is due ({due}) and any principal; at least {needed} is needed"
    )]
    TooSmall { paid: Fen, due: Fen, needed: Fen },
    #[error(
        "{paid} would repay all the principal; post an early settlement instead (quote {total})"
    )]
    WouldSettle { paid: Fen, total: Fen },
    #[error("the loan has no installment left to prepay")]
    NothingToPrepay,
    #[error("a bullet loan cannot shorten its term; reduce the installment instead")]
    ShortenBullet,
    #[error("the installments given do not match the loan")]
    Inconsistent,
    #[error(transparent)]
    Day(#[from] DayError),
}

/// The loan as it stands at the start of `date`: stepped with [`close_day`] and no payments
/// through the day before (as end-of-day would), or as stored when `date` is the last closed
/// date itself. `rows` are all the loan's installments in period order.
pub fn position_on(
    state: &LoanState,
    rows: &[InstallmentState],
    contract: &Contract,
    date: NaiveDate,
    policy: &LedgerPolicy,
) -> Result<(LoanState, Vec<InstallmentState>), SettlementError> {
    if state.status == LoanStatus::PaidOff {
        return Err(SettlementError::PaidOff);
    }
    if date <= contract.disbursement_date {
        return Err(SettlementError::BeforeDisbursement {
            date,
            disbursed: contract.disbursement_date,
        });
    }
    crate::restructure::check_rows(state, rows).map_err(|_| SettlementError::Inconsistent)?;
    let last = state.last_processed.unwrap_or(contract.disbursement_date);
    if date < last {
        return Err(SettlementError::DateClosed { date, last });
    }
    if (date - last).num_days() > MAX_PROJECTION_DAYS {
        return Err(SettlementError::TooFar { date, last });
    }
    let mut projected = state.clone();
    let mut projected_rows = rows.to_vec();
    let mut events = Vec::new();
    let mut day = last.succ_opt();
    while let Some(current) = day.filter(|d| *d < date) {
        close_day(
            &mut projected,
            &mut projected_rows,
            &[],
            current,
            policy,
            &mut events,
        )?;
        events.clear();
        day = current.succ_opt();
    }
    Ok((projected, projected_rows))
}

/// What closing the loan on `date` costs.
pub fn quote(
    state: &LoanState,
    rows: &[InstallmentState],
    terms: &Terms<'_>,
    date: NaiveDate,
) -> Result<SettlementQuote, SettlementError> {
    let (contract, product) = (&terms.contract, &terms.product);
    check_lock_in(contract, product, date)?;
    let (position, position_rows) = position_on(state, rows, contract, date, terms.policy)?;
    Ok(quote_at(&position, &position_rows, contract, date, product))
}

/// Closes the loan with a payment of `paid` on `date` (at least the quote; the excess is kept
/// as credit). On success `state` is the closed loan (`PaidOff` on `date`).
pub fn settle(
    state: &mut LoanState,
    rows: &[InstallmentState],
    terms: &Terms<'_>,
    date: NaiveDate,
    paid: Fen,
) -> Result<Settled, SettlementError> {
    let (mut position, position_rows) = start(state, rows, terms, date, paid)?;
    let (contract, product) = (&terms.contract, &terms.product);
    let quote = quote_at(&position, &position_rows, contract, date, product);
    if paid < quote.total {
        return Err(SettlementError::ShortOfQuote {
            paid,
            total: quote.total,
            as_of: date,
        });
    }
    let current = current_period(&position, &position_rows, contract);
    let mut splits = dues_paid(&position, &position_rows);
    let mut new_rows = settle_fallen_due(&position, &position_rows, date);
    let first_period = new_rows
        .first()
        .map(|r| r.period)
        .or(current.map(|c| c.row.period))
        .unwrap_or(position.term_months + 1);
    if let Some(current) = current {
        let tail_principal: Fen = position_rows
            .iter()
            .filter(|r| r.period >= current.row.period)
            .map(InstallmentState::unpaid_principal)
            .sum();
        push(
            &mut splits,
            Component::Interest,
            Some(current.row.period),
            quote.accrued_interest,
        );
        push(
            &mut splits,
            Component::Principal,
            Some(current.row.period),
            tail_principal,
        );
        let principal_due = current.row.principal_paid + tail_principal;
        let interest_due = current.row.interest_paid + quote.accrued_interest;
        new_rows.push(InstallmentState {
            period: current.row.period,
            due_date: date,
            principal_due,
            interest_due,
            principal_paid: principal_due,
            interest_paid: interest_due,
            paid_off_on: Some(date),
        });
    }
    push(&mut splits, Component::Fees, None, quote.settlement_fee);
    let term = new_rows
        .last()
        .map(|r| r.period)
        .unwrap_or(position.term_months)
        .max(first_period.saturating_sub(1));
    let applied = apply(
        &mut position,
        splits,
        paid,
        quote.credit,
        quote.settlement_fee,
        first_period,
        new_rows,
        date,
    );
    position.term_months = term;
    position.principal_outstanding = Fen::ZERO;
    position.next_due_period = term + 1;
    position.next_due_date = None;
    position.status = LoanStatus::PaidOff;
    position.paid_off_on = Some(date);
    *state = position;
    Ok(Settled { quote, applied })
}

/// Prepays part of the principal with a payment of `paid` on `date`: what is due is paid first,
/// then the most principal the rest buys with its accrued interest and fee (a few fen left over
/// are kept as credit), and the schedule from the current period on is rebuilt by `mode`.
pub fn prepay(
    state: &mut LoanState,
    rows: &[InstallmentState],
    terms: &Terms<'_>,
    date: NaiveDate,
    paid: Fen,
    mode: PrepaymentMode,
) -> Result<Prepaid, SettlementError> {
    if mode == PrepaymentMode::ShortenTerm && terms.contract.method == RepaymentMethod::Bullet {
        return Err(SettlementError::ShortenBullet);
    }
    let (mut position, position_rows) = start(state, rows, terms, date, paid)?;
    let (contract, product) = (&terms.contract, &terms.product);
    let current = current_period(&position, &position_rows, contract)
        .ok_or(SettlementError::NothingToPrepay)?;
    let tail: Vec<InstallmentState> = position_rows
        .iter()
        .filter(|r| r.period >= current.row.period)
        .copied()
        .collect();
    if tail
        .iter()
        .any(|r| r.principal_paid.is_positive() || r.interest_paid.is_positive())
    {
        return Err(SettlementError::Inconsistent);
    }
    let tail_principal: Fen = tail.iter().map(|r| r.principal_due).sum();
    let due = position.total_arrears();
    let available = paid + position.credit;
    let fee_applies = fee_applies(contract, product, date);
    let cost = |principal: Fen| -> (Fen, Fen) {
        let accrued = current.accrued(principal, tail_principal, date, product.interest_rule);
        let fee = if fee_applies {
            fee_on(principal, position.annual_rate.units(), product.fee)
        } else {
            Fen::ZERO
        };
        (accrued, fee)
    };
    let total_for = |principal: Fen| {
        let (accrued, fee) = cost(principal);
        principal + accrued + fee
    };
    if due + total_for(tail_principal) <= available {
        let total = quote_at(&position, &position_rows, contract, date, product).total;
        return Err(SettlementError::WouldSettle { paid, total });
    }
    let rest = available - due;
    // The cost rises with the principal, so the largest principal it affords is found by
    // bisection over fen.
    let (mut low, mut high) = (0i64, tail_principal.get() - 1);
    if rest.is_positive() {
        while low < high {
            let mid = low + (high - low + 1) / 2;
            if total_for(Fen::new(mid)) <= rest {
                low = mid;
            } else {
                high = mid - 1;
            }
        }
    }
    let principal = Fen::new(low);
    if !principal.is_positive() {
        let needed = (due + total_for(Fen::new(1)) - position.credit).max(Fen::new(1));
        return Err(SettlementError::TooSmall { paid, due, needed });
    }
    let (accrued, fee) = cost(principal);
    let needed = due + principal + accrued + fee;
    let credit_used = position.credit.min(needed);
    let mut splits = dues_paid(&position, &position_rows);
    let (overdue_principal, overdue_interest) =
        (position.arrears_principal, position.arrears_interest);
    let (penalty, fees) = (position.penalty_balance, position.fees_balance);
    let mut new_rows = settle_fallen_due(&position, &position_rows, date);
    let first_period = new_rows.first().map_or(current.row.period, |r| r.period);
    push(
        &mut splits,
        Component::Interest,
        Some(current.row.period),
        accrued,
    );
    push(
        &mut splits,
        Component::Principal,
        Some(current.row.period),
        principal,
    );
    push(&mut splits, Component::Fees, None, fee);
    let mut rebuilt = rebuild_tail(
        &tail,
        tail_principal - principal,
        &current,
        contract,
        &position,
        product.first_period,
        mode,
    )?;
    if let Some(first) = rebuilt.first_mut() {
        first.interest_due += accrued;
        first.interest_paid = accrued;
    }
    let next_due_date = rebuilt.first().map(|r| r.due_date);
    new_rows.extend(rebuilt.iter().copied());
    let term = current.row.period - 1 + rebuilt.len() as u32;
    let applied = apply(
        &mut position,
        splits,
        paid,
        credit_used,
        fee,
        first_period,
        new_rows,
        date,
    );
    position.term_months = term;
    position.principal_outstanding = tail_principal - principal;
    position.next_due_period = current.row.period;
    position.next_due_date = next_due_date;
    *state = position;
    Ok(Prepaid {
        as_of: date,
        mode,
        principal,
        overdue_principal,
        overdue_interest,
        penalty,
        fees,
        accrued_interest: accrued,
        prepayment_fee: fee,
        applied,
    })
}

/// The checks a posting starts with, and the loan's position on `date`.
fn start(
    state: &LoanState,
    rows: &[InstallmentState],
    terms: &Terms<'_>,
    date: NaiveDate,
    paid: Fen,
) -> Result<(LoanState, Vec<InstallmentState>), SettlementError> {
    if !paid.is_positive() {
        return Err(SettlementError::NonPositive);
    }
    check_lock_in(&terms.contract, &terms.product, date)?;
    position_on(state, rows, &terms.contract, date, terms.policy)
}

/// The period `date` falls in: the first installment not yet fallen due, with the date its
/// interest started to run.
#[derive(Debug, Clone, Copy)]
struct CurrentPeriod {
    row: InstallmentState,
    start: NaiveDate,
}

impl CurrentPeriod {
    /// Interest of this period on `principal` of the `balance` it was charged on, accrued by
    /// `date` under `rule`, rounded half up.
    fn accrued(
        &self,
        principal: Fen,
        balance: Fen,
        date: NaiveDate,
        rule: SettlementInterestRule,
    ) -> Fen {
        if !balance.is_positive() || !principal.is_positive() {
            return Fen::ZERO;
        }
        let period_days = (self.row.due_date - self.start).num_days().max(1);
        let elapsed = (date - self.start).num_days().clamp(0, period_days);
        let (numerator_days, denominator_days) = match rule {
            SettlementInterestRule::ProRataDays => (elapsed, period_days),
            SettlementInterestRule::FullPeriod if elapsed > 0 => (1, 1),
            SettlementInterestRule::FullPeriod => (0, 1),
        };
        let numerator = i128::from(self.row.interest_due.get())
            * i128::from(principal.get())
            * i128::from(numerator_days);
        let denominator = i128::from(balance.get()) * i128::from(denominator_days);
        Fen::new(div_round_half_up(numerator, denominator) as i64)
    }
}

fn current_period(
    position: &LoanState,
    rows: &[InstallmentState],
    contract: &Contract,
) -> Option<CurrentPeriod> {
    let idx = rows
        .iter()
        .position(|r| r.period >= position.next_due_period)?;
    let row = *rows.get(idx)?;
    let start = idx
        .checked_sub(1)
        .and_then(|prev| rows.get(prev))
        .map_or(contract.disbursement_date, |prev| prev.due_date);
    Some(CurrentPeriod { row, start })
}

fn quote_at(
    position: &LoanState,
    rows: &[InstallmentState],
    contract: &Contract,
    date: NaiveDate,
    product: &ProductSettlement,
) -> SettlementQuote {
    let accrued_interest = current_period(position, rows, contract).map_or(Fen::ZERO, |current| {
        let balance: Fen = rows
            .iter()
            .filter(|r| r.period >= current.row.period)
            .map(|r| r.principal_due)
            .sum();
        let accrued = current.accrued(balance, balance, date, product.interest_rule);
        (accrued - current.row.interest_paid).max(Fen::ZERO)
    });
    let settlement_fee = if fee_applies(contract, product, date) {
        fee_on(
            position.principal_outstanding,
            position.annual_rate.units(),
            product.fee,
        )
    } else {
        Fen::ZERO
    };
    let mut quote = SettlementQuote {
        as_of: date,
        principal: position.principal_outstanding,
        overdue_interest: position.arrears_interest,
        accrued_interest,
        penalty: position.penalty_balance,
        fees: position.fees_balance,
        settlement_fee,
        credit: Fen::ZERO,
        total: Fen::ZERO,
    };
    quote.credit = position.credit.min(quote.gross());
    quote.total = quote.gross() - quote.credit;
    quote
}

fn check_lock_in(
    contract: &Contract,
    product: &ProductSettlement,
    date: NaiveDate,
) -> Result<(), SettlementError> {
    if product.lock_in_months == 0 {
        return Ok(());
    }
    let until = months_after(contract.disbursement_date, product.lock_in_months);
    if date < until {
        return Err(SettlementError::LockIn { until });
    }
    Ok(())
}

fn fee_applies(contract: &Contract, product: &ProductSettlement, date: NaiveDate) -> bool {
    product
        .fee_within_months
        .is_none_or(|months| date < months_after(contract.disbursement_date, months))
}

fn months_after(date: NaiveDate, months: u32) -> NaiveDate {
    use chrono::Datelike;
    add_months_on_day(date, months, date.day())
}

/// The early-repayment fee on `principal`, rounded half up.
fn fee_on(principal: Fen, rate_units: i64, fee: EarlySettlementFee) -> Fen {
    match fee {
        EarlySettlementFee::None => Fen::ZERO,
        EarlySettlementFee::Rate { bp } => {
            Fen::new(div_round_half_up(i128::from(principal.get()) * i128::from(bp), 10_000) as i64)
        }
        EarlySettlementFee::MonthsInterest { months } => {
            Fen::new(monthly_interest(principal.get(), rate_units) * i64::from(months))
        }
    }
}

fn push(splits: &mut Vec<AllocationSplit>, component: Component, period: Option<u32>, amount: Fen) {
    if amount.is_positive() {
        splits.push(AllocationSplit {
            period,
            component,
            amount,
        });
    }
}

/// Penalty, fees, and the interest then principal of installments fallen due: everything due.
fn dues_paid(position: &LoanState, rows: &[InstallmentState]) -> Vec<AllocationSplit> {
    let mut splits = Vec::new();
    push(
        &mut splits,
        Component::Penalty,
        None,
        position.penalty_balance,
    );
    push(&mut splits, Component::Fees, None, position.fees_balance);
    let fallen = || rows.iter().filter(|r| r.period < position.next_due_period);
    for row in fallen() {
        push(
            &mut splits,
            Component::Interest,
            Some(row.period),
            row.unpaid_interest(),
        );
    }
    for row in fallen() {
        push(
            &mut splits,
            Component::Principal,
            Some(row.period),
            row.unpaid_principal(),
        );
    }
    splits
}

/// Installments fallen due and unpaid, now paid in full on `date` (from the oldest unpaid).
fn settle_fallen_due(
    position: &LoanState,
    rows: &[InstallmentState],
    date: NaiveDate,
) -> Vec<InstallmentState> {
    let first_unpaid = rows
        .iter()
        .find(|r| r.period < position.next_due_period && !r.is_paid())
        .map(|r| r.period);
    let Some(first) = first_unpaid else {
        return Vec::new();
    };
    rows.iter()
        .filter(|r| r.period >= first && r.period < position.next_due_period)
        .map(|r| InstallmentState {
            principal_paid: r.principal_due,
            interest_paid: r.interest_due,
            paid_off_on: r.paid_off_on.or(Some(date)),
            ..*r
        })
        .collect()
}

/// Splits the slices between the credit (first) and the payment, and brings the summary to
/// "nothing due": the caller sets principal, term and next due date.
#[allow(clippy::too_many_arguments)]
fn apply(
    position: &mut LoanState,
    splits: Vec<AllocationSplit>,
    paid: Fen,
    credit_used: Fen,
    fee_charged: Fen,
    first_period: u32,
    installments: Vec<InstallmentState>,
    date: NaiveDate,
) -> Applied {
    let allocated: Fen = splits.iter().map(|s| s.amount).sum();
    let mut from_credit = Vec::new();
    let mut from_payment = Vec::new();
    let mut credit_left = credit_used;
    for split in splits {
        let by_credit = split.amount.min(credit_left);
        credit_left -= by_credit;
        push(&mut from_credit, split.component, split.period, by_credit);
        push(
            &mut from_payment,
            split.component,
            split.period,
            split.amount - by_credit,
        );
    }
    let to_credit = paid + credit_used - allocated;
    let cured = position.dpd > 0;
    position.credit = position.credit - credit_used + to_credit;
    position.arrears_principal = Fen::ZERO;
    position.arrears_interest = Fen::ZERO;
    position.fees_balance = Fen::ZERO;
    position.penalty_balance = Fen::ZERO;
    position.oldest_unpaid_due_date = None;
    if cured {
        position.cures += 1;
        position.last_cure_date = Some(date);
    }
    position.dpd = 0;
    position.bucket = 0;
    Applied {
        from_credit,
        from_payment,
        credit_used,
        to_credit,
        fee_charged,
        first_period,
        installments,
        cured,
    }
}

/// The rows from the current period on for `principal` left, built by the schedule generator.
fn rebuild_tail(
    tail: &[InstallmentState],
    principal: Fen,
    current: &CurrentPeriod,
    contract: &Contract,
    position: &LoanState,
    first_period: FirstPeriodInterest,
    mode: PrepaymentMode,
) -> Result<Vec<InstallmentState>, SettlementError> {
    let n = tail.len() as u32;
    let rate_units = position.annual_rate.units();
    let first_rule = if current.row.period == 1 {
        first_period
    } else {
        FirstPeriodInterest::FullMonth
    };
    let amounts: Vec<(Fen, Fen)> = match mode {
        PrepaymentMode::ReduceInstallment => {
            let terms = LoanTerms::new(
                principal,
                position.annual_rate,
                n,
                contract.method,
                current.start,
                contract.repayment_day,
            )
            .map_err(|_| SettlementError::Inconsistent)?;
            build_schedule_with(&terms, first_rule)
                .iter()
                .map(|r| (r.principal, r.interest))
                .collect()
        }
        PrepaymentMode::ShortenTerm => {
            let tail_principal: Fen = tail.iter().map(|r| r.principal_due).sum();
            // The installment kept: the current period's principal with a full month's interest
            // on the balance, i.e. the level payment (or, for equal principal, the principal).
            let level = current.row.principal_due.get()
                + monthly_interest(tail_principal.get(), rate_units);
            let mut balance = principal.get();
            let mut out = Vec::new();
            let mut k = 0;
            while balance > 0 && k < n {
                let standard = monthly_interest(balance, rate_units);
                let paid_principal = if k + 1 == n {
                    balance
                } else if contract.method == RepaymentMethod::EqualPrincipal {
                    current.row.principal_due.get().clamp(1, balance)
                } else {
                    (level - standard).clamp(1, balance)
                };
                let interest = match (k, first_rule) {
                    (0, FirstPeriodInterest::ActualDays { day_count }) => interest_for_days(
                        balance,
                        rate_units,
                        (current.row.due_date - current.start).num_days(),
                        day_count,
                    ),
                    _ => standard,
                };
                out.push((Fen::new(paid_principal), Fen::new(interest)));
                balance -= paid_principal;
                k += 1;
            }
            out
        }
    };
    Ok(amounts
        .iter()
        .zip(tail)
        .map(|((principal_due, interest_due), old)| InstallmentState {
            period: old.period,
            due_date: old.due_date,
            principal_due: *principal_due,
            interest_due: *interest_due,
            principal_paid: Fen::ZERO,
            interest_paid: Fen::ZERO,
            paid_off_on: None,
        })
        .collect())
}

#[cfg(test)]
mod tests;
