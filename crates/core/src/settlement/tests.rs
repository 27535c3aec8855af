//! Tests of early settlement and prepayment: worked examples computed by hand (in the comments)
//! and property tests that money is conserved.

use chrono::NaiveDate;
use proptest::prelude::*;

use super::*;
use crate::rate::AnnualRate;
use crate::schedule::build_schedule;
use crate::servicing::{LedgerPolicy, PaymentToAllocate};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// A loan driven day by day through the core's day step.
#[derive(Debug, Clone)]
struct Loan {
    state: LoanState,
    rows: Vec<InstallmentState>,
    contract: Contract,
    policy: LedgerPolicy,
}

impl Loan {
    fn new(principal: Fen, rate: &str, term: u32, method: RepaymentMethod, day: u32) -> Loan {
        let disbursed = d(2026, 1, 10);
        let terms = LoanTerms::new(
            principal,
            AnnualRate::parse_percent(rate).unwrap(),
            term,
            method,
            disbursed,
            day,
        )
        .unwrap();
        let schedule = build_schedule(&terms);
        Loan {
            state: LoanState::booked(terms.annual_rate(), &schedule),
            rows: schedule
                .iter()
                .map(InstallmentState::from_schedule)
                .collect(),
            contract: Contract {
                disbursement_date: disbursed,
                method,
                repayment_day: day,
            },
            policy: LedgerPolicy::default(),
        }
    }

    /// 12,000.00 at 12 % (1 % a month), 12 months, equal principal, due on the 10th: 1,000.00
    /// principal a month; interest 120.00, 110.00, 100.00, … on the falling balance.
    fn example() -> Loan {
        Loan::new(
            Fen::from_yuan(12_000),
            "12",
            12,
            RepaymentMethod::EqualPrincipal,
            10,
        )
    }

    /// Closes every date through `to`; on each due date whose period `pays` says, pays that
    /// installment in full.
    fn run_to(&mut self, to: NaiveDate, pays: impl Fn(u32) -> bool) {
        let mut date = self
            .state
            .last_processed
            .unwrap_or(self.contract.disbursement_date)
            .succ_opt()
            .unwrap();
        let mut events = Vec::new();
        let mut id = 0;
        while date <= to {
            let payments: Vec<PaymentToAllocate> = self
                .rows
                .iter()
                .filter(|r| r.due_date == date && pays(r.period))
                .map(|r| {
                    id += 1;
                    PaymentToAllocate {
                        payment_id: id,
                        amount: r.payment_due(),
                    }
                })
                .collect();
            close_day(
                &mut self.state,
                &mut self.rows,
                &payments,
                date,
                &self.policy,
                &mut events,
            )
            .unwrap();
            date = date.succ_opt().unwrap();
        }
    }

    fn terms(&self, product: &ProductSettlement) -> Terms<'_> {
        Terms {
            contract: self.contract,
            policy: &self.policy,
            product: *product,
        }
    }

    fn settle(
        &mut self,
        date: NaiveDate,
        product: &ProductSettlement,
        paid: Fen,
    ) -> Result<Settled, SettlementError> {
        let terms = Terms {
            contract: self.contract,
            policy: &self.policy,
            product: *product,
        };
        settle(&mut self.state, &self.rows, &terms, date, paid)
    }

    fn prepay(
        &mut self,
        date: NaiveDate,
        product: &ProductSettlement,
        paid: Fen,
        mode: PrepaymentMode,
    ) -> Result<Prepaid, SettlementError> {
        let terms = Terms {
            contract: self.contract,
            policy: &self.policy,
            product: *product,
        };
        prepay(&mut self.state, &self.rows, &terms, date, paid, mode)
    }

    fn quote(&self, date: NaiveDate, product: &ProductSettlement) -> SettlementQuote {
        quote(&self.state, &self.rows, &self.terms(product), date).unwrap()
    }
}

trait Due {
    fn payment_due(&self) -> Fen;
}

impl Due for InstallmentState {
    fn payment_due(&self) -> Fen {
        self.principal_due + self.interest_due
    }
}

fn product(interest_rule: SettlementInterestRule, fee: EarlySettlementFee) -> ProductSettlement {
    ProductSettlement {
        interest_rule,
        fee,
        ..ProductSettlement::default()
    }
}

#[test]
fn a_current_loan_settles_for_its_principal_and_the_days_of_interest() {
    // Periods 1 and 2 paid on time; settle on 2026-03-25. Principal left 10,000.00. Period 3
    // runs 03-10 → 04-10 (31 days) with 100.00 interest; 15 days have run: 100.00 × 15 / 31 =
    // 48.387… → 48.39. A 2 % fee is 200.00; one month's interest as the fee is 100.00.
    let mut loan = Loan::example();
    loan.run_to(d(2026, 3, 20), |_| true);
    let pro_rata = product(
        SettlementInterestRule::ProRataDays,
        EarlySettlementFee::Rate { bp: 200 },
    );
    let quote = loan.quote(d(2026, 3, 25), &pro_rata);
    assert_eq!(quote.principal, Fen::from_yuan(10_000));
    assert_eq!(quote.overdue_interest, Fen::ZERO);
    assert_eq!(quote.accrued_interest, Fen::new(4_839));
    assert_eq!(quote.settlement_fee, Fen::from_yuan(200));
    assert_eq!(quote.total, Fen::new(1_024_839));

    let full = product(
        SettlementInterestRule::FullPeriod,
        EarlySettlementFee::MonthsInterest { months: 1 },
    );
    let quote = loan.quote(d(2026, 3, 25), &full);
    assert_eq!(quote.accrued_interest, Fen::from_yuan(100));
    assert_eq!(quote.settlement_fee, Fen::from_yuan(100));
    assert_eq!(quote.total, Fen::from_yuan(10_200));
}

#[test]
fn an_overdue_loan_settles_with_its_arrears_and_the_penalty_to_the_day_before() {
    // Nothing paid. On 2026-03-25: principal 12,000.00; overdue interest 120.00 + 110.00;
    // period 3 accrued 48.39 as above. Penalty at 12 % × 1.5 / 360 = 0.05 % a day: on 1,000.00
    // overdue from 02-11 to 03-10 (28 days × 0.50 = 14.00) and on 2,000.00 from 03-11 to 03-24
    // (14 days × 1.00 = 14.00): 28.00. The settlement day itself accrues none.
    let mut loan = Loan::example();
    loan.run_to(d(2026, 3, 1), |_| false);
    let quote = loan.quote(d(2026, 3, 25), &ProductSettlement::default());
    assert_eq!(quote.principal, Fen::from_yuan(12_000));
    assert_eq!(quote.overdue_interest, Fen::from_yuan(230));
    assert_eq!(quote.accrued_interest, Fen::new(4_839));
    assert_eq!(quote.penalty, Fen::from_yuan(28));
    assert_eq!(quote.settlement_fee, Fen::ZERO);
    assert_eq!(quote.total, Fen::new(1_230_639));
}

#[test]
fn settling_closes_the_loan_and_keeps_an_overpayment_as_credit() {
    let mut loan = Loan::example();
    loan.run_to(d(2026, 3, 1), |_| false);
    let product = ProductSettlement::default();
    let before = loan.state.clone();
    let settled = loan
        .settle(d(2026, 3, 25), &product, Fen::new(1_230_639 + 100))
        .unwrap();
    assert_eq!(loan.state.status, LoanStatus::PaidOff);
    assert_eq!(loan.state.paid_off_on, Some(d(2026, 3, 25)));
    assert_eq!(loan.state.principal_outstanding, Fen::ZERO);
    assert_eq!(loan.state.total_arrears(), Fen::ZERO);
    assert_eq!(loan.state.credit, Fen::new(100));
    assert_eq!(loan.state.dpd, 0);
    assert_eq!(loan.state.cures, before.cures + 1);
    assert!(settled.applied.cured);
    // Periods 1 and 2 paid as they were due; period 3 carries the 10,000.00 not yet due and
    // its 48.39 of interest, due and paid on the settlement date; periods 4–12 are gone.
    let rows = &settled.applied.installments;
    assert_eq!(settled.applied.first_period, 1);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[2].principal_due, Fen::from_yuan(10_000));
    assert_eq!(rows[2].interest_due, Fen::new(4_839));
    assert_eq!(rows[2].due_date, d(2026, 3, 25));
    assert!(rows.iter().all(InstallmentState::is_paid));
    assert_eq!(loan.state.term_months, 3);
}

#[test]
fn a_payment_short_of_the_quote_is_refused_and_changes_nothing() {
    let mut loan = Loan::example();
    loan.run_to(d(2026, 3, 20), |_| true);
    let before = loan.state.clone();
    let refused = loan.settle(
        d(2026, 3, 25),
        &ProductSettlement::default(),
        Fen::new(1_004_838),
    );
    assert_eq!(
        refused,
        Err(SettlementError::ShortOfQuote {
            paid: Fen::new(1_004_838),
            total: Fen::new(1_004_839),
            as_of: d(2026, 3, 25)
        })
    );
    assert_eq!(loan.state, before);
}

#[test]
fn dates_before_the_last_closed_one_and_within_the_lock_in_are_refused() {
    let mut loan = Loan::example();
    loan.run_to(d(2026, 3, 20), |_| true);
    let product = ProductSettlement::default();
    let quote_on = |loan: &Loan, date, product: &ProductSettlement| {
        quote(&loan.state, &loan.rows, &loan.terms(product), date)
    };
    assert_eq!(
        quote_on(&loan, d(2026, 3, 19), &product),
        Err(SettlementError::DateClosed {
            date: d(2026, 3, 19),
            last: d(2026, 3, 20)
        })
    );
    let locked = ProductSettlement {
        lock_in_months: 6,
        ..product
    };
    assert_eq!(
        quote_on(&loan, d(2026, 3, 25), &locked),
        Err(SettlementError::LockIn {
            until: d(2026, 7, 10)
        })
    );
    // A fee charged only in the first 2 months is not charged in the third.
    let early_fee = ProductSettlement {
        fee: EarlySettlementFee::Rate { bp: 300 },
        fee_within_months: Some(2),
        ..product
    };
    assert_eq!(
        quote_on(&loan, d(2026, 3, 25), &early_fee).map(|q| q.settlement_fee),
        Ok(Fen::ZERO)
    );
}

#[test]
fn a_prepayment_reduces_the_installment_or_shortens_the_term() {
    // Periods 1 and 2 paid; on 2026-03-11 (one day into period 3, whole-period interest rule)
    // 5,050.00 arrives. Prepaying P costs P plus period 3's interest on it, 1 % of P:
    // P × 1.01 = 5,050.00 → P = 5,000.00, interest 50.00. 5,000.00 is left over 10 periods.
    let full = product(SettlementInterestRule::FullPeriod, EarlySettlementFee::None);
    for (mode, n_rows, last_due, principal_each) in [
        // Reduce: 500.00 a month over periods 3–12, maturity still 2027-01-10.
        (
            PrepaymentMode::ReduceInstallment,
            10,
            d(2027, 1, 10),
            Fen::from_yuan(500),
        ),
        // Shorten: still 1,000.00 a month, so periods 3–7, maturity 2026-08-10.
        (
            PrepaymentMode::ShortenTerm,
            5,
            d(2026, 8, 10),
            Fen::from_yuan(1_000),
        ),
    ] {
        let mut loan = Loan::example();
        loan.run_to(d(2026, 3, 10), |_| true);
        let prepaid = loan
            .prepay(d(2026, 3, 11), &full, Fen::from_yuan(5_050), mode)
            .unwrap();
        assert_eq!(prepaid.principal, Fen::from_yuan(5_000), "{mode:?}");
        assert_eq!(prepaid.accrued_interest, Fen::from_yuan(50));
        assert_eq!(prepaid.applied.to_credit, Fen::ZERO);
        let rows = &prepaid.applied.installments;
        assert_eq!(prepaid.applied.first_period, 3);
        assert_eq!(rows.len(), n_rows, "{mode:?}");
        assert_eq!(rows.last().unwrap().due_date, last_due);
        assert!(rows.iter().all(|r| r.principal_due == principal_each));
        // Period 3: a month's interest on 5,000.00 (50.00) still to pay, plus the 50.00 paid.
        assert_eq!(rows[0].interest_due, Fen::from_yuan(100));
        assert_eq!(rows[0].interest_paid, Fen::from_yuan(50));
        assert_eq!(loan.state.principal_outstanding, Fen::from_yuan(5_000));
        assert_eq!(loan.state.next_due_date, Some(d(2026, 4, 10)));
        assert_eq!(loan.state.term_months, 2 + n_rows as u32);
    }
}

#[test]
fn a_prepayment_too_small_or_large_enough_to_settle_is_refused() {
    let mut loan = Loan::example();
    loan.run_to(d(2026, 3, 1), |_| false);
    let product = ProductSettlement::default();
    let try_pay = |amount: Fen| {
        let mut state = loan.state.clone();
        prepay(
            &mut state,
            &loan.rows,
            &loan.terms(&product),
            d(2026, 3, 25),
            amount,
            PrepaymentMode::ReduceInstallment,
        )
    };
    // What is due on 03-25 is 2,000.00 + 230.00 + 28.00 penalty: 2,258.00 buys no principal.
    assert!(matches!(
        try_pay(Fen::from_yuan(2_258)),
        Err(SettlementError::TooSmall { .. })
    ));
    assert!(matches!(
        try_pay(Fen::from_yuan(20_000)),
        Err(SettlementError::WouldSettle { .. })
    ));
    assert_eq!(try_pay(Fen::ZERO), Err(SettlementError::NonPositive));
}

#[test]
fn a_bullet_loan_cannot_shorten_its_term() {
    let mut loan = Loan::new(Fen::from_yuan(10_000), "6", 12, RepaymentMethod::Bullet, 10);
    loan.run_to(d(2026, 2, 1), |_| true);
    let refused = prepay(
        &mut loan.state.clone(),
        &loan.rows,
        &loan.terms(&ProductSettlement::default()),
        d(2026, 2, 5),
        Fen::from_yuan(1_000),
        PrepaymentMode::ShortenTerm,
    );
    assert_eq!(refused, Err(SettlementError::ShortenBullet));
}

/// A random loan, some installments paid, closed up to a date, then settled or prepaid on a
/// later one.
fn arbitrary_loan() -> impl Strategy<Value = (Loan, NaiveDate, ProductSettlement)> {
    (
        100_000i64..50_000_000,
        0i64..=24_000_000,
        2u32..=48,
        0usize..3,
        1u32..=28,
        any::<u64>(),
        1i64..400,
        0i64..40,
        0usize..3,
        0u32..=500,
    )
        .prop_map(
            |(principal, rate, term, method, day, paid_mask, closed_days, gap, rule, fee)| {
                let method = RepaymentMethod::ALL[method];
                let mut loan = Loan::new(
                    Fen::new(principal),
                    &AnnualRate::from_units(rate).unwrap().to_percent_string(),
                    term,
                    method,
                    day,
                );
                let closed = d(2026, 1, 10) + chrono::Days::new(closed_days as u64);
                loan.run_to(closed, |period| paid_mask >> (period % 64) & 1 == 1);
                let date = closed + chrono::Days::new(gap as u64 + 1);
                let product = ProductSettlement {
                    interest_rule: if rule == 0 {
                        SettlementInterestRule::FullPeriod
                    } else {
                        SettlementInterestRule::ProRataDays
                    },
                    fee: match rule {
                        0 => EarlySettlementFee::Rate { bp: fee },
                        1 => EarlySettlementFee::MonthsInterest { months: fee % 4 },
                        _ => EarlySettlementFee::None,
                    },
                    ..ProductSettlement::default()
                };
                (loan, date, product)
            },
        )
}

fn allocated(applied: &Applied) -> Fen {
    applied
        .from_credit
        .iter()
        .chain(&applied.from_payment)
        .map(|s| s.amount)
        .sum()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn a_quote_is_the_sum_of_its_parts((loan, date, product) in arbitrary_loan()) {
        prop_assume!(loan.state.status == LoanStatus::Active);
        let quote = loan.quote(date, &product);
        prop_assert_eq!(quote.total, quote.gross() - quote.credit);
        for part in [quote.principal, quote.overdue_interest, quote.accrued_interest,
                     quote.penalty, quote.fees, quote.settlement_fee, quote.credit, quote.total] {
            prop_assert!(part.get() >= 0);
        }
        prop_assert_eq!(quote.principal, loan.state.principal_outstanding);
    }

    #[test]
    fn settling_conserves_money_and_leaves_no_principal(
        (loan, date, product) in arbitrary_loan(),
        extra in 0i64..10_000,
    ) {
        prop_assume!(loan.state.status == LoanStatus::Active);
        let quote = loan.quote(date, &product);
        prop_assume!(quote.total.is_positive());
        let mut state = loan.state.clone();
        let paid = quote.total + Fen::new(extra);
        let settled = settle(&mut state, &loan.rows, &loan.terms(&product), date, paid).unwrap();
        let applied = &settled.applied;
        // Payments in = allocations + credit kept.
        prop_assert_eq!(paid + applied.credit_used, allocated(applied) + applied.to_credit);
        prop_assert_eq!(applied.to_credit, Fen::new(extra));
        prop_assert_eq!(state.credit, loan.state.credit - applied.credit_used + applied.to_credit);
        prop_assert_eq!(state.principal_outstanding, Fen::ZERO);
        prop_assert_eq!(state.total_arrears(), Fen::ZERO);
        prop_assert_eq!(state.status, LoanStatus::PaidOff);
        let principal_allocated: Fen = applied.from_credit.iter().chain(&applied.from_payment)
            .filter(|s| s.component == Component::Principal).map(|s| s.amount).sum();
        prop_assert_eq!(principal_allocated, loan.state.principal_outstanding);
        // Rows: those kept plus the new ones still carry the whole loan's principal, all paid.
        let mut rows: Vec<InstallmentState> = loan.rows.iter()
            .filter(|r| r.period < applied.first_period).copied().collect();
        rows.extend(applied.installments.iter().copied());
        let contracted: Fen = loan.rows.iter().map(|r| r.principal_due).sum();
        prop_assert_eq!(rows.iter().map(|r| r.principal_due).sum::<Fen>(), contracted);
        prop_assert!(rows.iter().all(InstallmentState::is_paid));
        prop_assert!(applied.from_credit.iter().chain(&applied.from_payment)
            .all(|s| s.amount.is_positive()));
    }

    #[test]
    fn a_prepayment_rebuilds_the_schedule_without_losing_principal(
        (loan, date, product) in arbitrary_loan(),
        share in 1i64..1000,
        shorten in any::<bool>(),
    ) {
        prop_assume!(loan.state.status == LoanStatus::Active);
        let mode = if shorten && loan.contract.method != RepaymentMethod::Bullet {
            PrepaymentMode::ShortenTerm
        } else {
            PrepaymentMode::ReduceInstallment
        };
        let quote = loan.quote(date, &product);
        let paid = Fen::new((quote.total.get() * share / 1000).max(1));
        let mut state = loan.state.clone();
        let Ok(prepaid) = prepay(&mut state, &loan.rows, &loan.terms(&product), date, paid, mode) else {
            return Ok(());
        };
        let applied = &prepaid.applied;
        prop_assert_eq!(paid + applied.credit_used, allocated(applied) + applied.to_credit);
        prop_assert!(prepaid.principal.is_positive());
        // The rebuilt tail carries the old tail's principal less what was prepaid.
        let current = state.next_due_period;
        let old_tail: Vec<&InstallmentState> =
            loan.rows.iter().filter(|r| r.period >= current).collect();
        let new_tail: Vec<&InstallmentState> =
            applied.installments.iter().filter(|r| r.period >= current).collect();
        let old_principal: Fen = old_tail.iter().map(|r| r.principal_due).sum();
        let new_principal: Fen = new_tail.iter().map(|r| r.principal_due).sum();
        prop_assert_eq!(new_principal, old_principal - prepaid.principal);
        prop_assert_eq!(state.principal_outstanding, new_principal);
        prop_assert_eq!(state.total_arrears(), Fen::ZERO);
        prop_assert!(new_tail.iter().all(|r| r.principal_due.get() >= 0 && r.interest_due.get() >= 0));
        prop_assert!(applied.from_credit.iter().chain(&applied.from_payment)
            .all(|s| s.amount.is_positive()));
        match mode {
            PrepaymentMode::ReduceInstallment => {
                prop_assert_eq!(new_tail.len(), old_tail.len());
                prop_assert_eq!(new_tail.last().map(|r| r.due_date),
                    old_tail.last().map(|r| r.due_date));
            }
            PrepaymentMode::ShortenTerm => {
                prop_assert!(new_tail.len() <= old_tail.len());
                if loan.contract.method == RepaymentMethod::EqualInstallment {
                    // The same installment each period (the first also carries the interest
                    // paid now); the last may be smaller.
                    let level = old_tail[0].principal_due
                        + Fen::new(monthly_interest(old_principal.get(), state.annual_rate.units()));
                    let n = new_tail.len();
                    for (idx, row) in new_tail.iter().enumerate() {
                        let payment = row.principal_due + row.interest_due - row.interest_paid;
                        if idx + 1 < n {
                            prop_assert_eq!(payment, level, "period {}", row.period);
                        } else {
                            prop_assert!(payment <= level + Fen::new(1) || n == old_tail.len());
                        }
                    }
                }
            }
        }
    }
}
