//! Tests of plans and waivers: worked examples and property tests that money is conserved.

use chrono::NaiveDate;
use proptest::prelude::*;

use super::*;
use crate::loan::{LoanTerms, RepaymentMethod};
use crate::rate::AnnualRate;
use crate::schedule::build_schedule;
use crate::servicing::{close_day, LedgerPolicy, PaymentToAllocate};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// A loan driven day by day (all rows passed every day: close_day only reads what it needs).
struct Loan {
    state: LoanState,
    rows: Vec<InstallmentState>,
    policy: LedgerPolicy,
}

impl Loan {
    fn new(principal_yuan: i64, term: u32) -> Loan {
        let terms = LoanTerms::new(
            Fen::from_yuan(principal_yuan),
            AnnualRate::parse_percent("7.2").unwrap(),
            term,
            RepaymentMethod::EqualInstallment,
            d(2026, 1, 10),
            10,
        )
        .unwrap();
        let schedule = build_schedule(&terms);
        let policy = LedgerPolicy {
            late_fee: Fen::from_yuan(50),
            ..LedgerPolicy::default()
        };
        Loan {
            state: LoanState::booked(terms.annual_rate(), &schedule),
            rows: schedule
                .iter()
                .map(InstallmentState::from_schedule)
                .collect(),
            policy,
        }
    }

    /// Closes every date from the day after the last closed through `to`, paying `pay` on the
    /// dates given.
    fn run_to(&mut self, to: NaiveDate, pay: &[(NaiveDate, Fen)]) {
        let mut date = self
            .state
            .last_processed
            .map(|d| d.succ_opt().unwrap())
            .unwrap_or(d(2026, 1, 11));
        while date <= to {
            let payments: Vec<PaymentToAllocate> = pay
                .iter()
                .filter(|(on, _)| *on == date)
                .enumerate()
                .map(|(idx, (_, amount))| PaymentToAllocate {
                    payment_id: idx as i64 + 1,
                    amount: *amount,
                })
                .collect();
            let mut events = Vec::new();
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

    fn apply(&mut self, terms: &PlanTerms) -> Result<Restructured, PlanError> {
        let result = restructure(&mut self.state, &self.rows, terms, 10, &self.policy.buckets)?;
        self.rows.truncate(result.first_period as usize - 1);
        self.rows.extend(result.installments.iter().copied());
        Ok(result)
    }

    fn total_principal_due(&self) -> Fen {
        self.rows.iter().map(|i| i.principal_due).sum()
    }
}

#[test]
fn arrears_spread_over_three_months_cure_the_loan_and_raise_the_next_three_installments() {
    let mut loan = Loan::new(60_000, 12);
    loan.run_to(d(2026, 4, 20), &[]);
    assert_eq!(loan.state.dpd, 69);
    let arrears = loan.state.arrears_principal + loan.state.arrears_interest;
    let before: Vec<Fen> = loan.rows[3..6]
        .iter()
        .map(|i| i.principal_due + i.interest_due)
        .collect();
    let result = loan
        .apply(&PlanTerms::ArrearsInstallments { months: 3 })
        .unwrap();
    assert_eq!(result.restructured, arrears + before.iter().copied().sum());
    assert!(result.cured);
    assert_eq!(loan.state.dpd, 0);
    assert_eq!(loan.state.oldest_unpaid_due_date, None);
    assert!(loan.state.arrears_principal.is_zero());
    let added: Fen = loan.rows[3..6]
        .iter()
        .zip(&before)
        .map(|(i, b)| i.principal_due + i.interest_due - *b)
        .sum();
    assert_eq!(added, arrears);
    // Fees and penalty are not part of the plan: a waiver deals with them.
    assert!(loan.state.fees_balance.is_positive());
    // Paying the raised installment on time keeps the loan current.
    let first = loan.rows[3];
    loan.run_to(
        d(2026, 5, 11),
        &[(
            d(2026, 5, 10),
            first.principal_due
                + first.interest_due
                + loan.state.fees_balance
                + loan.state.penalty_balance
                + Fen::from_yuan(10),
        )],
    );
    assert_eq!(loan.state.dpd, 0);
}

#[test]
fn a_plan_longer_than_the_loan_adds_installments_after_its_end() {
    let mut loan = Loan::new(12_000, 3);
    loan.run_to(d(2026, 3, 20), &[]);
    let result = loan
        .apply(&PlanTerms::ArrearsInstallments { months: 4 })
        .unwrap();
    assert_eq!(result.plan_periods, (3, 6));
    assert_eq!(loan.rows.len(), 6);
    assert_eq!(loan.rows[5].due_date, d(2026, 7, 10));
    assert_eq!(loan.state.term_months, 6);
}

#[test]
fn a_deferral_moves_every_installment_not_yet_due() {
    let mut loan = Loan::new(12_000, 6);
    loan.run_to(d(2026, 2, 20), &[(d(2026, 2, 10), Fen::from_yuan(3_000))]);
    let before = loan.rows.clone();
    loan.apply(&PlanTerms::Deferral { months: 2 }).unwrap();
    assert_eq!(loan.rows[0], before[0]);
    assert_eq!(loan.rows[1].due_date, d(2026, 5, 10));
    assert_eq!(loan.rows[5].due_date, d(2026, 9, 10));
    assert_eq!(loan.state.next_due_date, Some(d(2026, 5, 10)));
    assert_eq!(loan.total_principal_due(), Fen::from_yuan(12_000));
}

#[test]
fn a_term_extension_re_amortises_the_principal_not_yet_due() {
    let mut loan = Loan::new(24_000, 12);
    loan.run_to(d(2026, 2, 20), &[(d(2026, 2, 10), Fen::from_yuan(3_000))]);
    let not_due: Fen = loan.rows[1..].iter().map(|i| i.principal_due).sum();
    let result = loan.apply(&PlanTerms::TermExtension { months: 6 }).unwrap();
    assert_eq!(loan.rows.len(), 18);
    assert_eq!(result.plan_periods, (2, 18));
    let new_principal: Fen = loan.rows[1..].iter().map(|i| i.principal_due).sum();
    assert_eq!(new_principal, not_due);
    // Smaller installments than before.
    assert!(loan.rows[1].principal_due + loan.rows[1].interest_due < Fen::from_yuan(2_100));
    assert_eq!(loan.rows[17].due_date, d(2027, 7, 10));
}

#[test]
fn a_settlement_keeps_principal_first_and_forgives_the_rest() {
    let mut loan = Loan::new(10_000, 6);
    loan.run_to(d(2026, 4, 20), &[]);
    let owed = loan.state.principal_outstanding
        + loan.state.arrears_interest
        + loan.state.fees_balance
        + loan.state.penalty_balance;
    let result = loan
        .apply(&PlanTerms::Settlement {
            amount: Fen::from_yuan(8_000),
            pay_by: d(2026, 5, 31),
        })
        .unwrap();
    assert_eq!(result.forgiven.total(), owed - Fen::from_yuan(8_000));
    assert_eq!(result.restructured, Fen::from_yuan(8_000));
    assert_eq!(loan.rows.len(), 4);
    assert_eq!(loan.rows[3].due_date, d(2026, 5, 31));
    assert!(loan.state.fees_balance.is_zero() && loan.state.penalty_balance.is_zero());
    assert_eq!(loan.state.dpd, 0);
    // Paying the settlement pays the loan off.
    loan.run_to(d(2026, 6, 1), &[(d(2026, 5, 30), Fen::from_yuan(8_000))]);
    assert_eq!(loan.state.status, LoanStatus::PaidOff);
}

#[test]
fn plans_are_refused_when_they_do_not_fit_the_loan() {
    let mut loan = Loan::new(10_000, 6);
    assert_eq!(
        loan.apply(&PlanTerms::Deferral { months: 1 }),
        Err(PlanError::NotServiced)
    );
    loan.run_to(d(2026, 1, 20), &[]);
    assert_eq!(
        loan.apply(&PlanTerms::ArrearsInstallments { months: 3 }),
        Err(PlanError::NoArrears)
    );
    assert_eq!(
        loan.apply(&PlanTerms::Deferral { months: 0 }),
        Err(PlanError::Months)
    );
    assert!(matches!(
        loan.apply(&PlanTerms::Settlement {
            amount: Fen::from_yuan(20_000),
            pay_by: d(2026, 3, 1)
        }),
        Err(PlanError::SettlementAmount { .. })
    ));
    assert!(matches!(
        loan.apply(&PlanTerms::Settlement {
            amount: Fen::from_yuan(2_000),
            pay_by: d(2026, 1, 20)
        }),
        Err(PlanError::SettlementDate { .. })
    ));
}

#[test]
fn a_waiver_reduces_only_penalty_and_fees_within_their_balances() {
    let mut loan = Loan::new(10_000, 6);
    loan.run_to(d(2026, 3, 20), &[]);
    let before = loan.state.clone();
    let forgiven = waive(
        &mut loan.state,
        &Waiver {
            penalty: before.penalty_balance,
            fees: Fen::from_yuan(50),
        },
    )
    .unwrap();
    assert_eq!(
        forgiven.total(),
        before.penalty_balance + Fen::from_yuan(50)
    );
    assert!(loan.state.penalty_balance.is_zero());
    assert_eq!(
        loan.state.fees_balance,
        before.fees_balance - Fen::from_yuan(50)
    );
    assert_eq!(
        loan.state.principal_outstanding,
        before.principal_outstanding
    );
    assert!(waive(
        &mut loan.state,
        &Waiver {
            penalty: Fen::ZERO,
            fees: Fen::from_yuan(1_000)
        }
    )
    .is_err());
}

#[test]
fn a_broken_plan_reverts_to_the_original_schedule_keeping_what_was_paid() {
    let mut loan = Loan::new(60_000, 12);
    loan.run_to(d(2026, 4, 20), &[]);
    let original_rows = loan.rows.clone();
    let original_state = loan.state.clone();
    let result = loan
        .apply(&PlanTerms::ArrearsInstallments { months: 3 })
        .unwrap();
    let first = result.first_period as usize;
    // Nothing paid: revert at once gives the original back.
    let mut state = loan.state.clone();
    let reverted = revert(
        &mut state,
        &loan.rows[..first - 1],
        &loan.rows[first - 1..],
        &original_rows[first - 1..],
        &result.forgiven,
        &loan.policy.buckets,
    )
    .unwrap();
    assert_eq!(reverted.installments, original_rows[first - 1..].to_vec());
    assert_eq!(state.arrears_principal, original_state.arrears_principal);
    assert_eq!(state.dpd, original_state.dpd);
    // Paid 1,000 under the plan, then broke it: the 1,000 goes to the oldest arrears.
    loan.run_to(
        d(2026, 6, 30),
        &[(
            d(2026, 5, 10),
            Fen::from_yuan(1_000) + loan.state.fees_balance + loan.state.penalty_balance,
        )],
    );
    assert_eq!(
        plan_is_broken(&loan.rows[3..6], d(2026, 6, 30), 10),
        Some(4)
    );
    let mut state = loan.state.clone();
    let reverted = revert(
        &mut state,
        &loan.rows[..first - 1],
        &loan.rows[first - 1..],
        &original_rows[first - 1..],
        &result.forgiven,
        &loan.policy.buckets,
    )
    .unwrap();
    assert_eq!(reverted.reapplied, Fen::from_yuan(1_000));
    assert_eq!(state.oldest_unpaid_due_date, Some(d(2026, 2, 10)));
    assert_eq!(state.next_due_period, 6);
}

#[test]
fn approval_limits_follow_the_role_and_the_amount_forgiven() {
    let limits = ApprovalLimits::default();
    assert!(limits.may_approve(Role::Manager, Fen::ZERO));
    assert!(limits.may_approve(Role::Manager, Fen::from_yuan(5_000)));
    assert!(!limits.may_approve(Role::Manager, Fen::from_yuan(5_001)));
    assert!(limits.may_approve(Role::Admin, Fen::from_yuan(1_000_000)));
    assert!(!limits.may_approve(Role::Collector, Fen::ZERO));
}

fn any_terms() -> impl Strategy<Value = (u8, u32, i64)> {
    (0u8..4, 1u32..=24, 1i64..=100)
}

proptest! {
    #[test]
    fn plans_never_create_or_lose_principal_and_their_rows_sum_to_what_they_restructure(
        principal_yuan in 5_000i64..500_000,
        term in 3u32..=36,
        days in 20u32..400,
        paid_percent in 1i64..=100,
        (kind, months, settle_percent) in any_terms(),
    ) {
        let mut loan = Loan::new(principal_yuan, term);
        let end = d(2026, 1, 11) + chrono::Days::new(u64::from(days));
        let payment = Fen::new(principal_yuan * paid_percent); // paid_percent % of 100 yuan each
        loan.run_to(end, &[(d(2026, 2, 10), payment), (d(2026, 4, 12), payment)]);
        let before_state = loan.state.clone();
        let before_rows = loan.rows.clone();
        let owed = before_state.principal_outstanding + before_state.arrears_interest
            + before_state.fees_balance + before_state.penalty_balance;
        let terms = match kind {
            0 => PlanTerms::ArrearsInstallments { months },
            1 => PlanTerms::TermExtension { months },
            2 => PlanTerms::Deferral { months },
            _ => PlanTerms::Settlement {
                amount: Fen::new((owed.get() * settle_percent / 100).max(1)),
                pay_by: end + chrono::Days::new(30),
            },
        };
        let Ok(result) = loan.apply(&terms) else { return Ok(()); };
        let principal_before: Fen = before_rows.iter().map(|i| i.principal_due).sum();
        prop_assert_eq!(principal_before, loan.total_principal_due() + result.forgiven.principal);
        prop_assert_eq!(
            before_state.principal_outstanding,
            loan.state.principal_outstanding + result.forgiven.principal
        );
        let unpaid_principal: Fen = loan.rows.iter().map(InstallmentState::unpaid_principal).sum();
        prop_assert_eq!(unpaid_principal, loan.state.principal_outstanding);
        let plan_rows: Fen = loan.rows[result.plan_periods.0 as usize - 1..result.plan_periods.1 as usize]
            .iter().map(|i| i.unpaid_principal() + i.unpaid_interest()).sum();
        prop_assert_eq!(plan_rows, result.restructured);
        prop_assert!(loan.rows.iter().enumerate().all(|(idx, i)| i.period == idx as u32 + 1));
        prop_assert!(loan.rows.windows(2).all(|w| w[0].due_date < w[1].due_date));
        prop_assert!(loan.rows.iter().all(|i| i.principal_due.get() >= 0 && i.interest_due.get() >= 0));
        match terms {
            PlanTerms::ArrearsInstallments { .. } => {
                let arrears = before_state.arrears_principal + before_state.arrears_interest;
                let plan_before: Fen = before_rows.iter()
                    .filter(|i| i.period >= result.plan_periods.0 && i.period <= result.plan_periods.1)
                    .map(|i| i.principal_due + i.interest_due).sum();
                prop_assert_eq!(result.restructured, arrears + plan_before);
                prop_assert_eq!(loan.state.dpd, 0);
                prop_assert_eq!(result.forgiven, Forgiven::default());
            }
            PlanTerms::Settlement { amount, .. } => {
                prop_assert_eq!(amount + result.forgiven.total(), owed);
            }
            _ => prop_assert_eq!(result.forgiven, Forgiven::default()),
        }
        // Reverting at once restores the original rows and arrears.
        let first = result.first_period as usize;
        let mut state = loan.state.clone();
        let reverted = revert(
            &mut state,
            &loan.rows[..first - 1],
            &loan.rows[first - 1..],
            &before_rows[first - 1..],
            &result.forgiven,
            &loan.policy.buckets,
        ).unwrap();
        prop_assert_eq!(reverted.installments, before_rows[first - 1..].to_vec());
        prop_assert_eq!(state.principal_outstanding, before_state.principal_outstanding);
        prop_assert_eq!(state.arrears_principal, before_state.arrears_principal);
        prop_assert_eq!(state.arrears_interest, before_state.arrears_interest);
        prop_assert_eq!(state.fees_balance, before_state.fees_balance);
        prop_assert_eq!(state.penalty_balance, before_state.penalty_balance);
        prop_assert_eq!(state.next_due_period, before_state.next_due_period);
        prop_assert_eq!(state.dpd, before_state.dpd);
    }

    #[test]
    fn a_waiver_changes_nothing_but_penalty_and_fees(
        days in 40u32..300,
        penalty_part in 0i64..=100,
        fees_part in 0i64..=100,
    ) {
        let mut loan = Loan::new(30_000, 12);
        loan.run_to(d(2026, 1, 11) + chrono::Days::new(u64::from(days)), &[]);
        let before = loan.state.clone();
        let waiver = Waiver {
            penalty: Fen::new(before.penalty_balance.get() * penalty_part / 100),
            fees: Fen::new(before.fees_balance.get() * fees_part / 100),
        };
        match waive(&mut loan.state, &waiver) {
            Ok(forgiven) => {
                prop_assert_eq!(forgiven.total(), waiver.penalty + waiver.fees);
                let mut expected = before.clone();
                expected.penalty_balance -= waiver.penalty;
                expected.fees_balance -= waiver.fees;
                prop_assert_eq!(loan.state.clone(), expected);
            }
            Err(_) => {
                prop_assert!((waiver.penalty + waiver.fees).is_zero());
                prop_assert_eq!(loan.state.clone(), before);
            }
        }
    }
}
