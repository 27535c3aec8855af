//! Repayment schedules for the three methods, in integer fen.
//!
//! Rounding convention (documented in `docs/loan-book.md`):
//! - the monthly rate is the annual rate / 12, exact; each period's interest is
//!   `balance × annual rate / 12`, rounded half up to the fen;
//! - equal installment: the level payment `P·r(1+r)ⁿ / ((1+r)ⁿ − 1)` is computed in 10⁻¹⁵
//!   fixed point and rounded half up to the fen; each period's principal is payment − interest;
//! - equal principal: each period repays `⌊P / n⌋`;
//! - bullet: interest every period, the whole principal in the last;
//! - in every method the last period repays whatever balance is left, so principal sums to the
//!   loan exactly and the last payment absorbs the rounding remainder;
//! - due dates fall on the repayment day of each month after disbursement, clamped to the last
//!   day of short months;
//! - broken first period (首期不足月/超月), only with [`FirstPeriodInterest::ActualDays`]: the
//!   first period's interest is `principal × annual rate × days / day count` for the actual
//!   days from disbursement to the first due date, rounded half up; its principal, and every
//!   later period, are as with a full month.

use chrono::NaiveDate;

use crate::calendar::add_months_on_day;
use crate::loan::{LoanTerms, RepaymentMethod};
use crate::money::{div_round_half_up, Fen};
use crate::rate::RATE_SCALE;

/// One period of a schedule as contracted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduledInstallment {
    /// 1-based period number.
    pub period: u32,
    pub due_date: NaiveDate,
    pub principal: Fen,
    pub interest: Fen,
    /// Principal still owed after this period is paid.
    pub balance_after: Fen,
}

impl ScheduledInstallment {
    pub fn payment(&self) -> Fen {
        self.principal + self.interest
    }
}

/// How the first period's interest is counted when the first due date is not one month after
/// disbursement (首期不足月 when sooner, 超月 when later). A per-product setting
/// (`[products.*] first_period_interest` in recoup.toml).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FirstPeriodInterest {
    /// A full month's interest whatever the number of days (the contract schedule as before).
    #[default]
    FullMonth,
    /// Interest for the actual days from disbursement to the first due date, on a year of
    /// `day_count` days (360 or 365).
    ActualDays { day_count: u32 },
}

/// Fixed-point scale for the level-payment factor: 10¹⁵ keeps (1 + r)ⁿ for r ≤ 3 % a month and
/// n ≤ 120 far inside i128 while erring by less than 10⁻⁵ fen on a ten-billion-yuan loan.
const FACTOR_SCALE: i128 = 1_000_000_000_000_000;

/// The contracted schedule of a loan.
pub fn build_schedule(terms: &LoanTerms) -> Vec<ScheduledInstallment> {
    let mut out = Vec::with_capacity(terms.term_months() as usize);
    build_schedule_into(terms, &mut out);
    out
}

/// The contracted schedule with the first period's interest counted by `first_period`.
pub fn build_schedule_with(
    terms: &LoanTerms,
    first_period: FirstPeriodInterest,
) -> Vec<ScheduledInstallment> {
    let mut out = build_schedule(terms);
    if let (FirstPeriodInterest::ActualDays { day_count }, Some(first)) =
        (first_period, out.first_mut())
    {
        let days = (first.due_date - terms.disbursement_date())
            .num_days()
            .max(0);
        first.interest = Fen::new(interest_for_days(
            terms.principal().get(),
            terms.annual_rate().units(),
            days,
            day_count,
        ));
    }
    out
}

/// Interest on `balance` fen for `days` days on a year of `day_count` days, rounded half up.
pub(crate) fn interest_for_days(balance: i64, rate_units: i64, days: i64, day_count: u32) -> i64 {
    if day_count == 0 {
        return 0;
    }
    div_round_half_up(
        i128::from(balance) * i128::from(rate_units) * i128::from(days),
        i128::from(day_count) * i128::from(RATE_SCALE),
    ) as i64
}

/// As [`build_schedule`], reusing `out`'s allocation (cleared first); the hot path for
/// simulators and benchmarks.
pub fn build_schedule_into(terms: &LoanTerms, out: &mut Vec<ScheduledInstallment>) {
    out.clear();
    let n = terms.term_months();
    let principal = terms.principal().get();
    let rate_units = terms.annual_rate().units();
    let level_payment = match terms.method() {
        RepaymentMethod::EqualInstallment => level_payment(principal, rate_units, n),
        _ => 0,
    };
    let equal_principal = principal / i64::from(n);
    let mut balance = principal;
    for period in 1..=n {
        let interest = monthly_interest(balance, rate_units);
        let scheduled_principal = if period == n {
            balance
        } else {
            match terms.method() {
                RepaymentMethod::EqualInstallment => (level_payment - interest).clamp(0, balance),
                RepaymentMethod::EqualPrincipal => equal_principal.min(balance),
                RepaymentMethod::Bullet => 0,
            }
        };
        balance -= scheduled_principal;
        out.push(ScheduledInstallment {
            period,
            due_date: add_months_on_day(terms.disbursement_date(), period, terms.repayment_day()),
            principal: Fen::new(scheduled_principal),
            interest: Fen::new(interest),
            balance_after: Fen::new(balance),
        });
    }
}

/// One month's interest on `balance` fen: balance × rate / 12, rounded half up.
pub(crate) fn monthly_interest(balance: i64, rate_units: i64) -> i64 {
    const DENOMINATOR: i64 = 12 * RATE_SCALE;
    match balance.checked_mul(rate_units) {
        Some(product) => (product + DENOMINATOR / 2) / DENOMINATOR,
        None => div_round_half_up(
            i128::from(balance) * i128::from(rate_units),
            i128::from(DENOMINATOR),
        ) as i64,
    }
}

/// The level payment of an equal-installment loan, rounded half up to the fen.
pub(crate) fn level_payment(principal: i64, rate_units: i64, n: u32) -> i64 {
    if rate_units == 0 {
        return div_round_half_up(i128::from(principal), i128::from(n)) as i64;
    }
    // r in FACTOR_SCALE units: rate_units / RATE_SCALE / 12.
    let r = i128::from(rate_units) * (FACTOR_SCALE / i128::from(RATE_SCALE)) / 12;
    let growth = pow_fixed(FACTOR_SCALE + r, n);
    let factor = div_round_half_up(r * growth, growth - FACTOR_SCALE);
    div_round_half_up(i128::from(principal) * factor, FACTOR_SCALE) as i64
}

/// `base^exp` in FACTOR_SCALE fixed point, by squaring.
fn pow_fixed(base: i128, mut exp: u32) -> i128 {
    let mut result = FACTOR_SCALE;
    let mut square = base;
    while exp > 0 {
        if exp & 1 == 1 {
            result = div_round_half_up(result * square, FACTOR_SCALE);
        }
        exp >>= 1;
        if exp > 0 {
            square = div_round_half_up(square * square, FACTOR_SCALE);
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rate::AnnualRate;
    use proptest::prelude::*;

    fn terms(principal_yuan: i64, rate: &str, n: u32, method: RepaymentMethod) -> LoanTerms {
        LoanTerms::new(
            Fen::from_yuan(principal_yuan),
            AnnualRate::parse_percent(rate).unwrap(),
            n,
            method,
            NaiveDate::from_ymd_opt(2026, 1, 15).unwrap(),
            15,
        )
        .unwrap()
    }

    #[test]
    fn equal_installment_matches_the_textbook_payment() {
        // 100,000 yuan, 6 %, 36 months: the annuity payment is 3,042.19 yuan.
        let schedule = build_schedule(&terms(100_000, "6", 36, RepaymentMethod::EqualInstallment));
        assert_eq!(schedule.len(), 36);
        assert_eq!(schedule[0].payment(), Fen::new(304_219));
        assert_eq!(schedule[0].interest, Fen::new(50_000));
        assert_eq!(
            schedule[0].due_date,
            NaiveDate::from_ymd_opt(2026, 2, 15).unwrap()
        );
        for row in &schedule[..35] {
            assert_eq!(row.payment(), Fen::new(304_219), "period {}", row.period);
        }
        assert_eq!(schedule[35].balance_after, Fen::ZERO);
    }

    #[test]
    fn equal_principal_repays_the_same_principal_each_period() {
        let schedule = build_schedule(&terms(100_000, "6", 36, RepaymentMethod::EqualPrincipal));
        assert_eq!(schedule[0].principal, Fen::new(277_777));
        assert_eq!(schedule[0].interest, Fen::new(50_000));
        assert_eq!(schedule[35].principal, Fen::new(10_000_000 - 35 * 277_777));
    }

    #[test]
    fn bullet_repays_principal_at_the_end() {
        let schedule = build_schedule(&terms(100_000, "12", 12, RepaymentMethod::Bullet));
        assert!(schedule[..11]
            .iter()
            .all(|r| r.principal.is_zero() && r.interest == Fen::new(100_000)));
        assert_eq!(schedule[11].principal, Fen::from_yuan(100_000));
    }

    #[test]
    fn zero_rate_splits_the_principal_evenly() {
        let schedule = build_schedule(&terms(1_000, "0", 3, RepaymentMethod::EqualInstallment));
        let principals: Vec<i64> = schedule.iter().map(|r| r.principal.get()).collect();
        assert_eq!(principals, vec![33_333, 33_333, 33_334]);
    }

    #[test]
    fn a_broken_first_period_is_charged_by_actual_days() {
        // 100,000 yuan at 6 %, disbursed 2026-01-10, repaying on the 25th: the first due date is
        // 2026-02-25, 46 days later (超月): 100,000 × 6 % × 46 / 360 = 766.666… → 766.67 instead
        // of a month's 500.00. Repaying on the 5th instead gives 2026-02-05, 26 days (不足月):
        // 100,000 × 6 % × 26 / 360 = 433.33.
        let terms_on = |day: u32| {
            LoanTerms::new(
                Fen::from_yuan(100_000),
                AnnualRate::parse_percent("6").unwrap(),
                12,
                RepaymentMethod::EqualInstallment,
                NaiveDate::from_ymd_opt(2026, 1, 10).unwrap(),
                day,
            )
            .unwrap()
        };
        let actual = FirstPeriodInterest::ActualDays { day_count: 360 };
        let long = build_schedule_with(&terms_on(25), actual);
        let month = build_schedule(&terms_on(25));
        assert_eq!(long[0].interest, Fen::new(76_667));
        assert_eq!(month[0].interest, Fen::new(50_000));
        assert_eq!(long[0].principal, month[0].principal);
        assert_eq!(long[1..], month[1..]);
        let short = build_schedule_with(&terms_on(5), actual);
        assert_eq!(short[0].interest, Fen::new(43_333));
        assert_eq!(
            build_schedule_with(&terms_on(5), FirstPeriodInterest::FullMonth),
            build_schedule(&terms_on(5))
        );
    }

    proptest! {
        #[test]
        fn principal_always_sums_to_the_loan(
            principal in 1i64..2_000_000_000,
            rate_units in 0i64..=36_000_000,
            n in 1u32..=120,
            method_idx in 0usize..3,
            day in 1u32..=31,
        ) {
            let terms = LoanTerms::new(
                Fen::new(principal),
                AnnualRate::from_units(rate_units).unwrap(),
                n,
                RepaymentMethod::ALL[method_idx],
                NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
                day,
            ).unwrap();
            let schedule = build_schedule(&terms);
            prop_assert_eq!(schedule.len() as u32, n);
            let total: Fen = schedule.iter().map(|r| r.principal).sum();
            prop_assert_eq!(total, Fen::new(principal));
            prop_assert!(schedule.iter().all(|r| r.principal.get() >= 0 && r.interest.get() >= 0));
            prop_assert!(schedule.windows(2).all(|w| w[0].due_date < w[1].due_date));
        }
    }
}
