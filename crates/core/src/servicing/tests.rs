//! Tests of the day step: scenarios a collections team recognises and property tests for money
//! conservation.

use chrono::NaiveDate;
use proptest::prelude::*;

use super::*;
use crate::loan::{LoanTerms, RepaymentMethod};
use crate::schedule::build_schedule;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// A loan and its installments, driven day by day as end-of-day would drive it.
struct Harness {
    state: LoanState,
    installments: Vec<InstallmentState>,
    policy: LedgerPolicy,
    events: Vec<LoanEvent>,
}

impl Harness {
    fn new(principal_yuan: i64, rate: &str, term: u32, method: RepaymentMethod) -> Harness {
        let terms = LoanTerms::new(
            Fen::from_yuan(principal_yuan),
            AnnualRate::parse_percent(rate).unwrap(),
            term,
            method,
            d(2026, 1, 10),
            10,
        )
        .unwrap();
        let schedule = build_schedule(&terms);
        Harness {
            state: LoanState::booked(terms.annual_rate(), &schedule),
            installments: schedule
                .iter()
                .map(InstallmentState::from_schedule)
                .collect(),
            policy: LedgerPolicy::default(),
            events: Vec::new(),
        }
    }

    fn close(&mut self, date: NaiveDate, payments: &[PaymentToAllocate]) {
        // Like end-of-day: pass installments only when asked.
        let mut unpaid: Vec<InstallmentState> =
            if self.state.needs_installments(date, !payments.is_empty()) {
                // Exactly the window end-of-day loads: unpaid and due by the window's end.
                let window_end = installment_window_end(date);
                self.installments
                    .iter()
                    .filter(|i| !i.is_paid() && i.due_date <= window_end)
                    .copied()
                    .collect()
            } else {
                Vec::new()
            };
        close_day(
            &mut self.state,
            &mut unpaid,
            payments,
            date,
            &self.policy,
            &mut self.events,
        )
        .unwrap();
        for changed in unpaid {
            self.installments[changed.period as usize - 1] = changed;
        }
    }

    fn run(&mut self, from: NaiveDate, to: NaiveDate, payments: &[(NaiveDate, i64, Fen)]) {
        let mut date = from;
        while date <= to {
            let today: Vec<PaymentToAllocate> = payments
                .iter()
                .filter(|(on, _, _)| *on == date)
                .map(|(_, id, amount)| PaymentToAllocate {
                    payment_id: *id,
                    amount: *amount,
                })
                .collect();
            self.close(date, &today);
            date = date.succ_opt().unwrap();
        }
    }

    fn allocated_from(&self, source: FundsSource) -> Fen {
        self.events
            .iter()
            .filter_map(|e| match e {
                LoanEvent::Allocated {
                    source: s,
                    splits,
                    to_credit,
                } if *s == source => {
                    Some(splits.iter().map(|s| s.amount).sum::<Fen>() + *to_credit)
                }
                _ => None,
            })
            .sum()
    }
}

#[test]
fn an_on_time_borrower_never_goes_past_due() {
    let mut loan = Harness::new(36_000, "6", 12, RepaymentMethod::EqualInstallment);
    let payment = loan.installments[0].principal_due + loan.installments[0].interest_due;
    let payments: Vec<_> = loan
        .installments
        .iter()
        .map(|i| {
            (
                i.due_date,
                i64::from(i.period),
                i.principal_due + i.interest_due,
            )
        })
        .collect();
    assert_eq!(payments[0].2, payment);
    loan.run(d(2026, 1, 11), d(2027, 1, 31), &payments);
    assert_eq!(loan.state.status, LoanStatus::PaidOff);
    assert_eq!(loan.state.paid_off_on, Some(d(2027, 1, 10)));
    assert_eq!(loan.state.max_dpd, 0);
    assert_eq!(loan.state.times_delinquent, 0);
    assert_eq!(loan.state.penalty_accrued_total, Fen::ZERO);
    assert!(loan
        .installments
        .iter()
        .all(|i| i.paid_off_on == Some(i.due_date)));
}

#[test]
fn a_missed_installment_ages_accrues_penalty_and_cures_on_payment() {
    let mut loan = Harness::new(100_000, "7.2", 36, RepaymentMethod::EqualPrincipal);
    loan.run(d(2026, 1, 11), d(2026, 3, 14), &[]);
    // Period 1 due 2026-02-10, period 2 due 2026-03-10: DPD counts from the oldest.
    assert_eq!(loan.state.dpd, 32);
    assert_eq!(loan.policy.buckets.label(loan.state.bucket), "M2");
    assert_eq!(loan.state.times_delinquent, 1);
    assert_eq!(loan.state.oldest_unpaid_due_date, Some(d(2026, 2, 10)));
    // 2,777.77 overdue for 28 days then 5,555.54 for 4 days at 7.2 % × 1.5 / 360 = 0.03 % a day.
    let expected_penalty = Fen::new(83) * 28 + Fen::new(167) * 4;
    assert_eq!(loan.state.penalty_accrued_total, expected_penalty);

    let owed = loan.state.total_arrears();
    loan.close(
        d(2026, 3, 15),
        &[PaymentToAllocate {
            payment_id: 7,
            amount: owed,
        }],
    );
    assert_eq!(loan.state.dpd, 0);
    assert_eq!(loan.state.cures, 1);
    assert_eq!(loan.state.total_arrears(), Fen::ZERO);
    assert_eq!(loan.state.credit, Fen::ZERO);
    assert!(loan.events.contains(&LoanEvent::Cured {
        from_bucket: 2,
        dpd_before: 32
    }));
}

impl std::ops::Mul<i64> for Fen {
    type Output = Fen;
    fn mul(self, rhs: i64) -> Fen {
        Fen::new(self.get() * rhs)
    }
}

#[test]
fn the_default_waterfall_pays_penalty_then_interest_then_principal() {
    let mut loan = Harness::new(100_000, "7.2", 36, RepaymentMethod::EqualPrincipal);
    loan.run(d(2026, 1, 11), d(2026, 2, 20), &[]);
    let penalty = loan.state.penalty_balance;
    assert!(penalty.is_positive());
    loan.events.clear();
    loan.close(
        d(2026, 2, 21),
        &[PaymentToAllocate {
            payment_id: 1,
            amount: penalty + Fen::new(60_001),
        }],
    );
    let splits = loan
        .events
        .iter()
        .find_map(|e| match e {
            LoanEvent::Allocated { splits, .. } => Some(splits.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        splits,
        vec![
            AllocationSplit {
                period: None,
                component: Component::Penalty,
                amount: penalty
            },
            AllocationSplit {
                period: Some(1),
                component: Component::Interest,
                amount: Fen::new(60_000)
            },
            AllocationSplit {
                period: Some(1),
                component: Component::Principal,
                amount: Fen::new(1)
            },
        ]
    );
}

#[test]
fn installment_first_settles_the_oldest_installment_before_the_next() {
    let mut loan = Harness::new(12_000, "12", 12, RepaymentMethod::EqualPrincipal);
    loan.policy.waterfall = Waterfall::new(
        &[
            Component::Penalty,
            Component::Fees,
            Component::Principal,
            Component::Interest,
        ],
        AllocationMode::InstallmentFirst,
    )
    .unwrap();
    loan.policy.penalty.multiple_bp = 0;
    loan.run(d(2026, 1, 11), d(2026, 3, 11), &[]);
    loan.events.clear();
    // Period 1: 1,000.00 principal + 120.00 interest; pay it whole and 1.00 more.
    loan.close(
        d(2026, 3, 12),
        &[PaymentToAllocate {
            payment_id: 1,
            amount: Fen::new(112_100),
        }],
    );
    let splits = loan
        .events
        .iter()
        .find_map(|e| match e {
            LoanEvent::Allocated { splits, .. } => Some(splits.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        splits[0],
        AllocationSplit {
            period: Some(1),
            component: Component::Principal,
            amount: Fen::new(100_000)
        }
    );
    assert_eq!(
        splits[1],
        AllocationSplit {
            period: Some(1),
            component: Component::Interest,
            amount: Fen::new(12_000)
        }
    );
    assert_eq!(
        splits[2],
        AllocationSplit {
            period: Some(2),
            component: Component::Principal,
            amount: Fen::new(100)
        }
    );
    assert_eq!(loan.state.oldest_unpaid_due_date, Some(d(2026, 3, 10)));
}

#[test]
fn an_overpayment_is_kept_as_credit_and_pays_the_next_installment() {
    let mut loan = Harness::new(12_000, "0", 12, RepaymentMethod::EqualPrincipal);
    loan.close(
        d(2026, 1, 20),
        &[PaymentToAllocate {
            payment_id: 1,
            amount: Fen::from_yuan(1_500),
        }],
    );
    assert_eq!(loan.state.credit, Fen::from_yuan(1_500));
    loan.run(d(2026, 1, 21), d(2026, 3, 11), &[]);
    // 1,000 paid period 1 on its due date; the 500 left went to period 2, which is now overdue.
    assert_eq!(loan.installments[0].paid_off_on, Some(d(2026, 2, 10)));
    assert_eq!(loan.installments[1].principal_paid, Fen::from_yuan(500));
    assert_eq!(loan.state.credit, Fen::ZERO);
    assert_eq!(loan.state.dpd, 1);
}

#[test]
fn a_late_fee_is_charged_once_per_missed_installment() {
    let mut loan = Harness::new(12_000, "6", 12, RepaymentMethod::EqualInstallment);
    loan.policy.late_fee = Fen::from_yuan(50);
    loan.run(d(2026, 1, 11), d(2026, 4, 1), &[]);
    assert_eq!(loan.state.fees_balance, Fen::from_yuan(100));
}

#[test]
fn closing_a_day_twice_is_refused() {
    let mut loan = Harness::new(12_000, "6", 12, RepaymentMethod::EqualInstallment);
    loan.close(d(2026, 2, 1), &[]);
    let mut none: Vec<InstallmentState> = Vec::new();
    let result = close_day(
        &mut loan.state,
        &mut none,
        &[],
        d(2026, 2, 1),
        &loan.policy,
        &mut loan.events,
    );
    assert_eq!(
        result,
        Err(DayError::AlreadyClosed {
            date: d(2026, 2, 1),
            last: d(2026, 2, 1)
        })
    );
}

#[test]
fn a_bullet_loan_pays_off_with_its_last_installment() {
    let mut loan = Harness::new(50_000, "12", 3, RepaymentMethod::Bullet);
    let payments: Vec<_> = loan
        .installments
        .iter()
        .map(|i| {
            (
                i.due_date,
                i64::from(i.period),
                i.principal_due + i.interest_due,
            )
        })
        .collect();
    loan.run(d(2026, 1, 11), d(2026, 4, 30), &payments);
    assert_eq!(loan.state.status, LoanStatus::PaidOff);
    assert_eq!(loan.state.principal_outstanding, Fen::ZERO);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Every fen received is allocated exactly once (to a component or to credit), and what the
    /// ledger holds always reconciles with the schedule and the money received.
    #[test]
    fn money_is_conserved_under_random_payments(
        principal in 1_000i64..300_000,
        rate_units in 0i64..=24_000_000,
        term in 1u32..=36,
        method_idx in 0usize..3,
        installment_first in any::<bool>(),
        raw_payments in proptest::collection::vec((0u32..1_200, 1i64..6_000_000), 0..40),
    ) {
        let terms = LoanTerms::new(
            Fen::from_yuan(principal), AnnualRate::from_units(rate_units).unwrap(), term,
            RepaymentMethod::ALL[method_idx], d(2026, 1, 10), 10,
        ).unwrap();
        let schedule = build_schedule(&terms);
        let mut loan = Harness {
            state: LoanState::booked(terms.annual_rate(), &schedule),
            installments: schedule.iter().map(InstallmentState::from_schedule).collect(),
            policy: LedgerPolicy { late_fee: Fen::from_yuan(20), ..LedgerPolicy::default() },
            events: Vec::new(),
        };
        if installment_first {
            loan.policy.waterfall.mode = AllocationMode::InstallmentFirst;
        }
        let start = d(2026, 1, 11);
        let payments: Vec<(NaiveDate, i64, Fen)> = raw_payments
            .iter()
            .enumerate()
            .map(|(idx, (offset, amount))| (start + chrono::Days::new(u64::from(*offset)), idx as i64, Fen::new(*amount)))
            .collect();
        loan.run(start, start + chrono::Days::new(1_250), &payments);

        let received: Fen = payments.iter().map(|p| p.2).sum();
        for (_, id, amount) in &payments {
            prop_assert_eq!(loan.allocated_from(FundsSource::Payment(*id)), *amount);
        }
        let paid_installments: Fen = loan.installments.iter().map(|i| i.principal_paid + i.interest_paid).sum();
        let paid_penalty = loan.state.penalty_accrued_total - loan.state.penalty_balance;
        let fees_charged: Fen = loan.events.iter().filter_map(|e| match e {
            LoanEvent::LateFeeCharged { amount, .. } => Some(*amount), _ => None }).sum();
        let paid_fees = fees_charged - loan.state.fees_balance;
        prop_assert_eq!(received, paid_installments + paid_penalty + paid_fees + loan.state.credit);
        let unpaid_principal: Fen = loan.installments.iter().map(InstallmentState::unpaid_principal).sum();
        prop_assert_eq!(unpaid_principal, loan.state.principal_outstanding);
        prop_assert!(loan.state.credit.get() >= 0 && loan.state.penalty_balance.get() >= 0);
        prop_assert!(loan.installments.iter().all(|i| i.unpaid_principal().get() >= 0 && i.unpaid_interest().get() >= 0));
    }
}
