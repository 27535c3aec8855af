//! Tests of the bank feed against a small in-test ledger built on recoup-core's day step: each
//! behaviour is acted out as described, the feed never reports outside a loan's life, and the
//! same seed and ledger give the same records.

use std::collections::{HashMap, HashSet};

use chrono::{Days, NaiveDate};
use recoup_core::book::{BankRecord, DebitFailureReason, PaymentChannel};
use recoup_core::schedule::build_schedule;
use recoup_core::servicing::{
    close_day, InstallmentState, LedgerPolicy, LoanState, LoanStatus, PaymentToAllocate,
};
use recoup_core::Fen;

use super::*;
use crate::behaviour::typical_installment;
use crate::portfolio::{generate_portfolio, PortfolioSpec};

/// Just enough ledger to quote what is owed and apply the bank's payments.
struct Ledger {
    states: Vec<LoanState>,
    installments: Vec<Vec<InstallmentState>>,
    disbursed: Vec<NaiveDate>,
    index: HashMap<String, usize>,
    policy: LedgerPolicy,
    next_payment_id: i64,
}

impl Ledger {
    fn new(loans: &[SimLoan]) -> Ledger {
        let mut ledger = Ledger {
            states: Vec::new(),
            installments: Vec::new(),
            disbursed: Vec::new(),
            index: HashMap::new(),
            policy: LedgerPolicy {
                late_fee: Fen::from_yuan(50),
                ..LedgerPolicy::default()
            },
            next_payment_id: 1,
        };
        for (i, loan) in loans.iter().enumerate() {
            let schedule = build_schedule(&loan.booked.terms);
            ledger.states.push(LoanState::booked(
                loan.booked.terms.annual_rate(),
                &schedule,
            ));
            ledger.installments.push(
                schedule
                    .iter()
                    .map(InstallmentState::from_schedule)
                    .collect(),
            );
            ledger.disbursed.push(loan.booked.terms.disbursement_date());
            ledger.index.insert(loan.booked.loan_no.clone(), i);
        }
        ledger
    }

    /// What clears loan `i` on `date`: arrears, fees, penalty, today's installment, less credit.
    fn owed(&self, i: usize, date: NaiveDate) -> Fen {
        let state = &self.states[i];
        if state.status == LoanStatus::PaidOff {
            return -state.credit;
        }
        let due_today: Fen = self.installments[i]
            .iter()
            .filter(|inst| inst.period >= state.next_due_period && inst.due_date <= date)
            .map(|inst| inst.unpaid_principal() + inst.unpaid_interest())
            .sum();
        state.total_arrears() + due_today - state.credit
    }

    fn quote(&self, loan_nos: &[String], date: NaiveDate) -> HashMap<String, Fen> {
        loan_nos
            .iter()
            .map(|no| (no.clone(), self.owed(self.index[no], date)))
            .collect()
    }

    fn close(&mut self, date: NaiveDate, records: &[BankRecord]) {
        let mut payments: HashMap<usize, Vec<PaymentToAllocate>> = HashMap::new();
        for record in records {
            if let BankRecord::Payment(p) = record {
                payments
                    .entry(self.index[&p.loan_no])
                    .or_default()
                    .push(PaymentToAllocate {
                        payment_id: self.next_payment_id,
                        amount: p.amount,
                    });
                self.next_payment_id += 1;
            }
        }
        let mut events = Vec::new();
        for i in 0..self.states.len() {
            if self.disbursed[i] > date {
                continue;
            }
            let paid = payments.get(&i).map(Vec::as_slice).unwrap_or(&[]);
            if self.states[i].is_idle_on(date, !paid.is_empty()) {
                continue;
            }
            close_day(
                &mut self.states[i],
                &mut self.installments[i],
                paid,
                date,
                &self.policy,
                &mut events,
            )
            .unwrap();
            events.clear();
        }
    }
}

/// A day-by-day run of feed and ledger: every record with the quotes of its day.
struct Run {
    records: Vec<BankRecord>,
    ledger: Ledger,
}

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 30).unwrap()
}

fn book(loans: usize, seed: u64) -> Vec<SimLoan> {
    generate_portfolio(&PortfolioSpec::new(loans, seed, as_of()))
}

/// Drives the feed and the ledger over every `step`-th day from the first disbursement until
/// every loan's last due date is well past.
fn run(loans: &[SimLoan], feed_seed: u64, step: u64) -> Run {
    run_with(loans, feed_seed, step, None)
}

/// [`run`], calling every overdue borrower through `pressure` each day after the close.
fn run_with(loans: &[SimLoan], feed_seed: u64, step: u64, pressure: Option<Channel>) -> Run {
    let mut feed = BankFeed::new(loans, feed_seed);
    let mut ledger = Ledger::new(loans);
    let mut records = Vec::new();
    let mut date = loans[0].booked.terms.disbursement_date();
    let end = as_of().checked_add_days(Days::new(6 * 366)).unwrap();
    while date <= end {
        let quoted = feed.loans_to_quote(date);
        let owed = ledger.quote(&quoted, date);
        let day = feed.records_for(date, &owed);
        let quoted: HashSet<&String> = quoted.iter().collect();
        for record in &day {
            assert_eq!(record.date(), date);
            assert!(quoted.contains(&record.loan_no().to_string()));
            let i = ledger.index[record.loan_no()];
            assert!(date > ledger.disbursed[i], "record before disbursement");
            assert!(
                ledger.states[i].status != LoanStatus::PaidOff,
                "record for a settled loan: {record:?}"
            );
            let owed_now = owed[record.loan_no()];
            assert!(owed_now.is_positive());
            match record {
                BankRecord::Payment(p) => {
                    assert!(p.amount.is_positive());
                    if p.channel == PaymentChannel::AutoDebit {
                        assert_eq!(p.amount, owed_now);
                    }
                }
                BankRecord::DebitFailed(f) => {
                    assert_eq!(f.amount_attempted, owed_now);
                    assert!(f.bank_code.is_some());
                }
            }
        }
        ledger.close(date, &day);
        records.extend(day);
        if let Some(channel) = pressure {
            for i in 0..ledger.states.len() {
                if ledger.states[i].dpd > 0 {
                    let response = feed.contact(i, date, channel, 0, true);
                    if let Some(pays_on) = response.pays_on {
                        assert!(response.reached && pays_on > date);
                    }
                }
            }
        }
        date = date.checked_add_days(Days::new(step)).unwrap();
    }
    assert!(
        feed.next_event_date().is_none(),
        "events left after the run"
    );
    Run { records, ledger }
}

fn records_of<'a>(run: &'a Run, loan_no: &str) -> Vec<&'a BankRecord> {
    run.records
        .iter()
        .filter(|r| r.loan_no() == loan_no)
        .collect()
}

fn is_payment(record: &BankRecord) -> bool {
    matches!(record, BankRecord::Payment(_))
}

#[test]
fn each_behaviour_is_acted_out() {
    let loans = book(700, 99);
    let run = run(&loans, 5, 1);

    let keys: HashSet<&str> = run.records.iter().map(BankRecord::key).collect();
    assert_eq!(keys.len(), run.records.len(), "idempotency keys repeat");
    assert!(run.records.iter().all(|r| r.key().starts_with("SIM-CL")));

    let mut seen = HashSet::new();
    let (mut late_debits, mut late_failures) = (0, 0);
    for (i, loan) in loans.iter().enumerate() {
        seen.insert(loan.behaviour);
        let schedule = build_schedule(&loan.booked.terms);
        let mine = records_of(&run, &loan.booked.loan_no);
        let state = &run.ledger.states[i];
        match loan.behaviour {
            Behaviour::OnTime => {
                // Exactly one successful auto-debit per due date, of exactly the installment.
                assert_eq!(mine.len(), schedule.len(), "{}", loan.booked.loan_no);
                for (record, row) in mine.iter().zip(&schedule) {
                    match record {
                        BankRecord::Payment(p) => {
                            assert_eq!(p.channel, PaymentChannel::AutoDebit);
                            assert_eq!(p.value_date, row.due_date);
                            assert_eq!(p.amount, row.payment());
                        }
                        other => panic!("on-time loan failed a debit: {other:?}"),
                    }
                }
                assert_eq!(state.status, LoanStatus::PaidOff);
                assert_eq!(state.max_dpd, 0);
            }
            Behaviour::OccasionallyLate
            | Behaviour::ChronicallyLate
            | Behaviour::HardshipThenRecovery => {
                // Late payers self-cure: in the end the loan is settled.
                assert_eq!(
                    state.status,
                    LoanStatus::PaidOff,
                    "{:?} {} never settled",
                    loan.behaviour,
                    loan.booked.loan_no
                );
                if loan.behaviour == Behaviour::OccasionallyLate {
                    late_debits += schedule.len();
                    late_failures += mine.iter().filter(|r| !is_payment(r)).count();
                    assert!(state.max_dpd <= 25, "{}", state.max_dpd);
                }
                if loan.behaviour == Behaviour::HardshipThenRecovery {
                    let window = loan.hardship_periods().unwrap();
                    let start = schedule[window.start as usize - 1].due_date;
                    let resume = schedule[window.end as usize - 1].due_date;
                    // Nothing is paid during the hardship, then payments exceed the installment.
                    assert!(!mine
                        .iter()
                        .any(|r| is_payment(r) && r.date() >= start && r.date() < resume));
                    let installment = typical_installment(
                        loan.booked.terms.principal(),
                        loan.booked.terms.annual_rate().units(),
                        loan.booked.terms.term_months(),
                        loan.booked.terms.method(),
                    );
                    let big = mine.iter().any(|r| match r {
                        BankRecord::Payment(p) => {
                            p.value_date >= resume && p.amount.get() * 10 >= installment.get() * 13
                        }
                        _ => false,
                    });
                    assert!(big, "no catch-up payment for {}", loan.booked.loan_no);
                }
            }
            Behaviour::StrategicDefault | Behaviour::LostContact => {
                let from = loan.stops_paying_from().unwrap();
                let stop = schedule[from as usize - 1].due_date;
                let paid_before = mine
                    .iter()
                    .filter(|r| is_payment(r) && r.date() < stop)
                    .count();
                assert_eq!(paid_before, from as usize - 1);
                assert!(!mine.iter().any(|r| is_payment(r) && r.date() >= stop));
                let failures: Vec<DebitFailureReason> = mine
                    .iter()
                    .filter_map(|r| match r {
                        BankRecord::DebitFailed(f) => Some(f.reason),
                        _ => None,
                    })
                    .collect();
                assert_eq!(failures.len(), schedule.len() - from as usize + 1);
                assert!(failures.iter().all(|r| *r == failures[0]));
                if loan.behaviour == Behaviour::LostContact {
                    assert!(from <= 3);
                    assert!(matches!(
                        failures[0],
                        DebitFailureReason::CardInvalid | DebitFailureReason::AccountClosed
                    ));
                }
                assert_ne!(state.status, LoanStatus::PaidOff);
            }
        }
    }
    assert_eq!(
        seen.len(),
        Behaviour::ALL.len(),
        "not every behaviour sampled"
    );
    // 10–20 % of an occasional payer's debits fail.
    let share = late_failures as f64 / late_debits as f64;
    assert!((0.07..0.25).contains(&share), "{share}");
}

#[test]
fn the_feed_repeats_itself() {
    let loans = book(200, 3);
    let a = run(&loans, 17, 1);
    let b = run(&loans, 17, 1);
    assert_eq!(a.records, b.records);
    let c = run(&loans, 18, 1);
    assert_ne!(a.records, c.records);
}

#[test]
fn skipped_days_roll_forward_without_leaving_a_loan_s_life() {
    // Asking only every fifth day: every event still happens once, on a day that was asked.
    let loans = book(150, 8);
    let run = run(&loans, 2, 5);
    for loan in loans.iter().filter(|l| l.behaviour == Behaviour::OnTime) {
        let debits = records_of(&run, &loan.booked.loan_no).len();
        assert_eq!(debits as u32, loan.booked.terms.term_months());
    }
}

#[test]
fn an_empty_feed_is_quiet() {
    let mut feed = BankFeed::new(&[], 1);
    assert!(feed.is_empty());
    assert_eq!(feed.next_event_date(), None);
    assert!(feed.loans_to_quote(as_of()).is_empty());
    assert!(feed.records_for(as_of(), &HashMap::new()).is_empty());
}

#[test]
fn the_first_event_is_a_first_due_date() {
    let loans = book(50, 4);
    let mut feed = BankFeed::new(&loans, 1);
    let first_due = loans
        .iter()
        .map(|l| build_schedule(&l.booked.terms)[0].due_date)
        .min();
    assert_eq!(feed.next_event_date(), first_due);
    // Nothing before it, even when asked.
    let early = loans[0].booked.terms.disbursement_date();
    assert!(feed.loans_to_quote(early).is_empty());
}

#[test]
fn collection_pressure_brings_payments_forward_and_stays_valid() {
    let loans = book(400, 7);
    let quiet = run(&loans, 5, 1);
    let called = run_with(&loans, 5, 1, Some(Channel::Call));
    let visited = run_with(&loans, 5, 1, Some(Channel::FieldVisit));
    // Payments made while overdue, weighted by how early they came: pressure moves money
    // forward, so the total of days in arrears falls.
    let overdue_days =
        |run: &Run| -> u64 { run.ledger.states.iter().map(|s| u64::from(s.max_dpd)).sum() };
    assert!(overdue_days(&called) < overdue_days(&quiet));
    assert!(overdue_days(&visited) <= overdue_days(&called));
    // The same run twice is the same run.
    let again = run_with(&loans, 5, 1, Some(Channel::Call));
    assert_eq!(called.records, again.records);
}

#[test]
fn contacts_answer_the_same_for_the_same_inputs() {
    let loans = book(50, 3);
    let mut a = BankFeed::new(&loans, 11);
    let mut b = BankFeed::new(&loans, 11);
    let date = as_of();
    for (i, loan) in loans.iter().enumerate() {
        for channel in [Channel::Sms, Channel::Call, Channel::FieldVisit] {
            assert_eq!(
                a.contact(i, date, channel, 0, false),
                b.contact(i, date, channel, 0, false)
            );
        }
        if loan.behaviour == Behaviour::LostContact {
            assert!(!a.contact(i, date, Channel::Call, 1, true).reached);
        }
    }
    // Out of range: nobody is reached.
    assert!(!a.contact(loans.len(), date, Channel::Call, 0, true).reached);
}
