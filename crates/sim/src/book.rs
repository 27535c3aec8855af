//! The book in memory: every simulated loan's state and installments, closed day by day with
//! recoup-core's day step — what the store does on disk, without the disk. Benchmarks season a
//! book with it before loading it, and the strategy simulation runs collection on it.

use std::collections::HashMap;

use chrono::NaiveDate;
use recoup_core::book::BankRecord;
use recoup_core::facts::LoanPosition;
use recoup_core::schedule::build_schedule;
use recoup_core::servicing::{
    close_day, InstallmentState, LedgerPolicy, LoanEvent, LoanState, LoanStatus, PaymentToAllocate,
};
use recoup_core::Fen;

use crate::portfolio::SimLoan;

/// Loan `loan_no` could not be closed on a date (the core refused the step).
#[derive(Debug, thiserror::Error)]
#[error("loan {loan_no} on {date}: {message}")]
pub struct CloseError {
    /// The contract number.
    pub loan_no: String,
    /// The business date being closed.
    pub date: NaiveDate,
    /// What the core said.
    pub message: String,
}

/// What one closed business date did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayPosted {
    /// Payments received on the date.
    pub paid: Fen,
    /// The part of those payments that settled arrears (past-due amounts, fees and penalty
    /// owed before the day): money recovered by collection, not installments paid on time.
    pub recovered: Fen,
}

/// Every loan's ledger in memory, in the order of the portfolio it was built from.
#[derive(Debug, Clone)]
pub struct MemoryBook {
    states: Vec<(LoanState, Vec<InstallmentState>)>,
    disbursed: Vec<NaiveDate>,
    principal: Vec<Fen>,
    index: HashMap<String, usize>,
    last_payment: Vec<Option<NaiveDate>>,
    failed_debits: Vec<u32>,
    last_failed_debit: Vec<Option<NaiveDate>>,
    next_payment_id: i64,
    events: Vec<LoanEvent>,
}

impl MemoryBook {
    /// Books every loan of `portfolio` with its schedule; nothing is closed yet.
    pub fn new(portfolio: &[SimLoan]) -> MemoryBook {
        let states = portfolio
            .iter()
            .map(|loan| {
                let schedule = build_schedule(&loan.booked.terms);
                let state = LoanState::booked(loan.booked.terms.annual_rate(), &schedule);
                (
                    state,
                    schedule
                        .iter()
                        .map(InstallmentState::from_schedule)
                        .collect(),
                )
            })
            .collect();
        let n = portfolio.len();
        MemoryBook {
            states,
            disbursed: portfolio
                .iter()
                .map(|l| l.booked.terms.disbursement_date())
                .collect(),
            principal: portfolio
                .iter()
                .map(|l| l.booked.terms.principal())
                .collect(),
            index: portfolio
                .iter()
                .enumerate()
                .map(|(i, l)| (l.booked.loan_no.clone(), i))
                .collect(),
            last_payment: vec![None; n],
            failed_debits: vec![0; n],
            last_failed_debit: vec![None; n],
            next_payment_id: 1,
            events: Vec::new(),
        }
    }

    /// How many loans the book holds.
    pub fn len(&self) -> usize {
        self.states.len()
    }

    /// Whether the book holds no loans.
    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }

    /// The state and installments of the loan at `position`.
    pub fn loan(&self, position: usize) -> Option<&(LoanState, Vec<InstallmentState>)> {
        self.states.get(position)
    }

    /// Every loan's state and installments, in portfolio order.
    pub fn into_states(self) -> Vec<(LoanState, Vec<InstallmentState>)> {
        self.states
    }

    /// What clears each of `loan_nos` on `date` — the same figure `Store::amounts_owed` gives:
    /// arrears, fees and penalty plus what falls due that day, less credit.
    pub fn owed(&self, loan_nos: &[String], date: NaiveDate) -> HashMap<String, Fen> {
        loan_nos
            .iter()
            .filter_map(|no| {
                let (state, installments) = self.states.get(*self.index.get(no)?)?;
                let falling_due: Fen = installments
                    .iter()
                    .filter(|i| i.period >= state.next_due_period && i.due_date <= date)
                    .map(|i| i.unpaid_principal() + i.unpaid_interest())
                    .sum();
                Some((
                    no.clone(),
                    state.total_arrears() - state.credit + falling_due,
                ))
            })
            .collect()
    }

    /// Posts the day's bank records and closes `date` for every disbursed loan.
    pub fn close(
        &mut self,
        date: NaiveDate,
        records: &[BankRecord],
        policy: &LedgerPolicy,
    ) -> Result<DayPosted, CloseError> {
        let mut posted = DayPosted::default();
        let mut payments: HashMap<usize, Vec<PaymentToAllocate>> = HashMap::new();
        for record in records {
            let Some(&idx) = self.index.get(record.loan_no()) else {
                continue;
            };
            match record {
                BankRecord::Payment(p) => {
                    payments.entry(idx).or_default().push(PaymentToAllocate {
                        payment_id: self.next_payment_id,
                        amount: p.amount,
                    });
                    self.next_payment_id += 1;
                    self.last_payment[idx] = Some(p.value_date);
                }
                BankRecord::DebitFailed(f) => {
                    self.failed_debits[idx] += 1;
                    self.last_failed_debit[idx] = Some(f.date);
                }
            }
        }
        for (idx, (state, installments)) in self.states.iter_mut().enumerate() {
            if self.disbursed[idx] > date {
                continue;
            }
            let todays = payments.get(&idx).map(Vec::as_slice).unwrap_or(&[]);
            if state.is_idle_on(date, !todays.is_empty()) {
                continue;
            }
            if !todays.is_empty() {
                let paid: Fen = todays.iter().map(|p| p.amount).sum();
                posted.paid += paid;
                posted.recovered += paid.min(state.total_arrears().max(Fen::ZERO));
            }
            self.events.clear();
            close_day(state, installments, todays, date, policy, &mut self.events).map_err(
                |error| CloseError {
                    loan_no: self
                        .index
                        .iter()
                        .find(|(_, &i)| i == idx)
                        .map(|(no, _)| no.clone())
                        .unwrap_or_default(),
                    date,
                    message: error.to_string(),
                },
            )?;
        }
        Ok(posted)
    }

    /// The loan's contribution to its borrower's case facts on `date`; `None` before
    /// disbursement and once the loan is paid off.
    pub fn position(
        &self,
        position: usize,
        date: NaiveDate,
        policy: &LedgerPolicy,
    ) -> Option<LoanPosition> {
        let (state, installments) = self.states.get(position)?;
        if self.disbursed[position] > date || state.status != LoanStatus::Active {
            return None;
        }
        let next = installments
            .iter()
            .find(|i| i.period == state.next_due_period);
        Some(LoanPosition {
            dpd: state.dpd,
            bucket: policy.buckets.label(state.bucket).to_string(),
            next_due_date: state.next_due_date,
            next_due_amount: next.map_or(Fen::ZERO, |i| i.principal_due + i.interest_due),
            arrears: state.total_arrears(),
            outstanding: state.principal_outstanding,
            principal: self.principal[position],
            disbursed: self.disbursed[position],
            times_delinquent: state.times_delinquent,
            failed_debits: self.failed_debits[position],
            last_failed_debit: self.last_failed_debit[position],
            last_payment: self.last_payment[position],
        })
    }

    /// The date of the loan's last payment.
    pub fn last_payment(&self, position: usize) -> Option<NaiveDate> {
        self.last_payment.get(position).copied().flatten()
    }
}
