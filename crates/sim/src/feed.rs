//! The bank feed: what the bank reports each day for the simulated book — successful
//! auto-debits, failed debits with their reason, and the transfers and counter payments late
//! payers make — acted out from each loan's behaviour and sized from what the lender's ledger
//! says is owed.
//!
//! Each loan keeps a few dozen bytes of state and sits in a calendar under the date of its next
//! event (a due date or a planned payment), so a day touches only the loans with something to
//! report. Random draws are seeded from the feed seed, the loan's salt and the date, so the feed
//! needs no per-loan generator and repeats itself exactly for the same inputs.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Days, NaiveDate};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use recoup_core::book::{
    BankRecord, DebitFailure, DebitFailureReason, PaymentChannel, PaymentRecord,
};
use recoup_core::calendar::add_months_on_day;
use recoup_core::contact::Channel;
use recoup_core::Fen;

use crate::behaviour::{
    due_action, follow_up, payment_amount, typical_installment, Behaviour, BehaviourParams,
    DueAction, PayKind,
};
use crate::portfolio::SimLoan;
use crate::response::{self, ContactResponse};
use crate::seeds::{derive, mix64, rng_for, tag};

/// A payment the borrower has planned.
#[derive(Debug, Clone, Copy)]
struct Pending {
    date: NaiveDate,
    kind: PayKind,
}

/// What the feed remembers about one loan.
#[derive(Debug, Clone)]
struct Track {
    loan_no: Box<str>,
    salt: u64,
    disbursed: NaiveDate,
    installment: Fen,
    behaviour: Behaviour,
    params: BehaviourParams,
    term: u16,
    repayment_day: u8,
    /// The next period whose due date has not been processed (`term + 1` once all have).
    next_period: u16,
    pending: Option<Pending>,
    /// The borrower read a reminder since the last due date (see `response::reminder_saves`).
    reminded: bool,
}

impl Track {
    fn due_date(&self, period: u16) -> NaiveDate {
        // The same rule the schedule uses, so feed due dates match the ledger's.
        add_months_on_day(
            self.disbursed,
            u32::from(period),
            u32::from(self.repayment_day),
        )
    }

    /// The date of the loan's next event, or `None` when it has nothing more to report.
    fn next_event(&self) -> Option<NaiveDate> {
        let due = (self.next_period <= self.term).then(|| self.due_date(self.next_period));
        match (due, self.pending.map(|p| p.date)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// The simulated bank: ask it each business day which loans need a quote, then for the day's
/// records.
///
/// Drive it with dates in increasing order, ideally every calendar day from the first
/// disbursement: an event on a date that was never asked for is rolled forward to the next date
/// that is (so a skipped due date's debit happens on the following date asked).
/// [`BankFeed::next_event_date`] tells which dates have anything at all.
#[derive(Debug, Clone)]
pub struct BankFeed {
    seed: u64,
    loans: Vec<Track>,
    /// Loans by the date of their next event.
    calendar: BTreeMap<NaiveDate, Vec<u32>>,
    /// The date `today` was gathered for.
    today_date: Option<NaiveDate>,
    /// Loans with an event on `today_date`, ascending.
    today: Vec<u32>,
}

/// The bank's own return code for a failure reason, in the ISO 8583 style Chinese banks use.
fn bank_code(reason: DebitFailureReason) -> &'static str {
    match reason {
        DebitFailureReason::InsufficientFunds => "51",
        DebitFailureReason::AccountFrozen => "62",
        DebitFailureReason::CardInvalid => "14",
        DebitFailureReason::AccountClosed => "78",
        DebitFailureReason::LimitExceeded => "61",
        DebitFailureReason::BankSystemError => "96",
        DebitFailureReason::Other => "05",
    }
}

impl BankFeed {
    /// A feed for `loans`, each known from its disbursement onward. `seed` drives the day-to-day
    /// draws (which installments fail, how late payers pay); the loans' behaviours are fixed.
    pub fn new(loans: &[SimLoan], seed: u64) -> BankFeed {
        let mut tracks = Vec::with_capacity(loans.len());
        let mut calendar: BTreeMap<NaiveDate, Vec<u32>> = BTreeMap::new();
        for (idx, loan) in loans.iter().enumerate() {
            let terms = &loan.booked.terms;
            let track = Track {
                loan_no: loan.booked.loan_no.as_str().into(),
                salt: loan.salt,
                disbursed: terms.disbursement_date(),
                installment: typical_installment(
                    terms.principal(),
                    terms.annual_rate().units(),
                    terms.term_months(),
                    terms.method(),
                ),
                behaviour: loan.behaviour,
                params: loan.params,
                // Terms are at most 120 months and repayment days at most 31 (LoanTerms checks).
                term: terms.term_months().min(u32::from(u16::MAX)) as u16,
                repayment_day: terms.repayment_day().min(31) as u8,
                next_period: 1,
                pending: None,
                reminded: false,
            };
            if let Some(date) = track.next_event() {
                calendar.entry(date).or_default().push(idx as u32);
            }
            tracks.push(track);
        }
        BankFeed {
            seed,
            loans: tracks,
            calendar,
            today_date: None,
            today: Vec::new(),
        }
    }

    /// How many loans the feed follows.
    pub fn len(&self) -> usize {
        self.loans.len()
    }

    /// Whether the feed follows no loans.
    pub fn is_empty(&self) -> bool {
        self.loans.is_empty()
    }

    /// The earliest date with an event not yet reported, if any: lets a caller skip quiet days.
    pub fn next_event_date(&self) -> Option<NaiveDate> {
        let pending_today = self
            .today
            .iter()
            .filter_map(|&i| self.loans[i as usize].next_event())
            .min();
        let in_calendar = self.calendar.keys().next().copied();
        match (pending_today, in_calendar) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Moves every loan with an event on or before `date` from the calendar into `today`.
    fn gather(&mut self, date: NaiveDate) {
        if self.today_date == Some(date) && self.calendar.keys().next().is_none_or(|d| *d > date) {
            return;
        }
        while let Some(entry) = self.calendar.first_entry() {
            if *entry.key() > date {
                break;
            }
            self.today.extend(entry.remove());
        }
        self.today.sort_unstable();
        self.today.dedup();
        self.today_date = Some(date);
    }

    /// The loans that will have a bank record on `date` (a debit or a payment) and need the
    /// lender's current amount owed to size it. Quote each in the map given to
    /// [`BankFeed::records_for`].
    pub fn loans_to_quote(&mut self, date: NaiveDate) -> Vec<String> {
        self.gather(date);
        self.today
            .iter()
            .filter(|&&i| {
                self.loans[i as usize]
                    .next_event()
                    .is_some_and(|d| d <= date)
            })
            .map(|&i| self.loans[i as usize].loan_no.to_string())
            .collect()
    }

    /// The bank's records for `date`. `owed[loan_no]` is what clears each quoted loan on `date`
    /// (arrears, fees and penalty plus any installment due that day, minus credit); a loan
    /// missing from the map is taken to owe nothing.
    pub fn records_for(&mut self, date: NaiveDate, owed: &HashMap<String, Fen>) -> Vec<BankRecord> {
        self.gather(date);
        let today = std::mem::take(&mut self.today);
        let mut records = Vec::new();
        for &idx in &today {
            let track = &self.loans[idx as usize];
            match track.next_event() {
                // Asked for an earlier date than gathered: keep the event for its own date.
                Some(event) if event > date => {
                    self.calendar.entry(event).or_default().push(idx);
                    continue;
                }
                None => continue,
                Some(_) => {}
            }
            let owed_now = owed
                .get(track.loan_no.as_ref())
                .copied()
                .unwrap_or(Fen::ZERO);
            let mut rng = self.event_rng(track.salt, date);
            let track = &mut self.loans[idx as usize];
            process(track, date, owed_now, &mut rng, &mut records);
            if let Some(next) = track.next_event() {
                self.calendar.entry(next).or_default().push(idx);
            }
        }
        self.today_date = None;
        records
    }

    /// A collection contact through `channel` on `date` with the borrower of the loan at
    /// `position` (its index in the slice given to [`BankFeed::new`]); `attempt` counts the
    /// contacts already made with the borrower that day (each attempt draws afresh) and
    /// `overdue` says whether the lender's ledger shows the loan past due. Returns what the
    /// collector would record.
    ///
    /// A reached borrower who is overdue may be persuaded: a payment already planned comes
    /// sooner, or one is planned where there was none. A reached borrower who is not overdue
    /// (a reminder) is more likely to have funds on the due date. Draws depend only on the feed
    /// seed, the loan, the date and the channel, so two strategies that make the same contact
    /// get the same answer.
    pub fn contact(
        &mut self,
        position: usize,
        date: NaiveDate,
        channel: Channel,
        attempt: u32,
        overdue: bool,
    ) -> ContactResponse {
        let none = ContactResponse {
            reached: false,
            conversation: false,
            pays_on: None,
        };
        let Some(track) = self.loans.get(position) else {
            return none;
        };
        let mut rng = self.response_rng(track.salt, date, channel, attempt);
        let behaviour = track.behaviour;
        let internal = !channel.is_contact();
        let reached = internal || response::chance(&mut rng, response::reach(behaviour, channel));
        if !reached {
            return none;
        }
        let conversation = matches!(channel, Channel::Call | Channel::FieldVisit);
        let pays_on = if overdue {
            self.persuade(position, date, channel, &mut rng)
        } else {
            if let Some(track) = self.loans.get_mut(position) {
                track.reminded = true;
            }
            None
        };
        ContactResponse {
            reached: !internal,
            conversation: conversation && !internal,
            pays_on,
        }
    }

    /// Applies collection pressure to an overdue loan; returns the date the borrower now pays.
    fn persuade(
        &mut self,
        position: usize,
        date: NaiveDate,
        channel: Channel,
        rng: &mut ChaCha8Rng,
    ) -> Option<NaiveDate> {
        let track = self.loans.get_mut(position)?;
        if !response::chance(rng, response::persuasion(track.behaviour, channel)) {
            return None;
        }
        let soon = |days: u16| date.checked_add_days(Days::new(u64::from(days)));
        let pending = match track.pending {
            // Already paying soon: nothing changes.
            Some(p) if p.date <= date + Days::new(2) => return Some(p.date),
            Some(p) => Pending {
                date: soon(rng.random_range(1..=3))?,
                kind: p.kind,
            },
            None => {
                let (days, kind) = response::persuaded_payment(rng, track.behaviour);
                Pending {
                    date: soon(days)?,
                    kind,
                }
            }
        };
        track.pending = Some(pending);
        // The loan may also sit under a later date; the extra entry is dropped when reached.
        self.calendar
            .entry(pending.date)
            .or_default()
            .push(position as u32);
        Some(pending.date)
    }

    fn response_rng(
        &self,
        salt: u64,
        date: NaiveDate,
        channel: Channel,
        attempt: u32,
    ) -> ChaCha8Rng {
        let day = u64::from(date.num_days_from_ce().unsigned_abs());
        let what = mix64(day) ^ ((channel as u64 + 1) << 32 | u64::from(attempt));
        rng_for(self.seed, tag::RESPONSE, derive(salt, tag::RESPONSE, what))
    }

    fn event_rng(&self, salt: u64, date: NaiveDate) -> ChaCha8Rng {
        let day = u64::from(date.num_days_from_ce().unsigned_abs());
        rng_for(self.seed, tag::FEED, derive(salt, tag::FEED, mix64(day)))
    }
}

/// Acts out one loan's events on `date` and appends the records.
fn process(
    track: &mut Track,
    date: NaiveDate,
    owed: Fen,
    rng: &mut ChaCha8Rng,
    out: &mut Vec<BankRecord>,
) {
    let mut n = 0u32;
    let key = |n: &mut u32| {
        *n += 1;
        format!(
            "SIM-{}-{:04}{:02}{:02}-{}",
            track.loan_no,
            date.year(),
            date.month(),
            date.day(),
            n
        )
    };
    let mut collected = false;
    let mut new_plan = None;

    if track.next_period <= track.term && track.due_date(track.next_period) <= date {
        // Every due date up to today (more than one only if dates were skipped).
        let mut period = track.next_period;
        while period < track.term && track.due_date(period + 1) <= date {
            period += 1;
        }
        track.next_period = period + 1;
        let reminded = std::mem::take(&mut track.reminded);
        if owed.is_positive() {
            let mut action = due_action(
                rng,
                track.behaviour,
                &track.params,
                u32::from(period),
                period == track.term,
                owed,
                track.installment,
            );
            if reminded
                && matches!(action, DueAction::Fail { .. })
                && response::chance(rng, response::reminder_saves(track.behaviour))
            {
                action = DueAction::Collect;
            }
            match action {
                DueAction::Collect => {
                    out.push(BankRecord::Payment(PaymentRecord {
                        key: key(&mut n),
                        loan_no: track.loan_no.to_string(),
                        channel: PaymentChannel::AutoDebit,
                        value_date: date,
                        amount: owed,
                    }));
                    collected = true;
                    // Everything is paid, so any payment the borrower had planned is moot.
                    track.pending = None;
                }
                DueAction::Fail { reason, then } => {
                    out.push(BankRecord::DebitFailed(DebitFailure {
                        key: key(&mut n),
                        loan_no: track.loan_no.to_string(),
                        date,
                        amount_attempted: owed,
                        reason,
                        bank_code: Some(bank_code(reason).to_string()),
                    }));
                    new_plan = then.and_then(|late| {
                        date.checked_add_days(Days::new(u64::from(late.after_days)))
                            .map(|d| Pending {
                                date: d,
                                kind: late.kind,
                            })
                    });
                }
            }
        }
    }

    if let Some(plan) = track.pending.filter(|p| p.date <= date) {
        track.pending = None;
        if owed.is_positive() && !collected {
            let amount = payment_amount(plan.kind, &track.params, owed, track.installment);
            let channel = if rng.random_bool(0.8) {
                PaymentChannel::Transfer
            } else {
                PaymentChannel::Counter
            };
            out.push(BankRecord::Payment(PaymentRecord {
                key: key(&mut n),
                loan_no: track.loan_no.to_string(),
                channel,
                value_date: date,
                amount,
            }));
            if amount >= owed {
                // Today's payment cleared the loan, including anything the failed debit left.
                new_plan = None;
            } else if track.next_period > track.term && new_plan.is_none() {
                // No due date will prompt the borrower again: they plan the next payment.
                new_plan = follow_up(rng, track.behaviour).and_then(|late| {
                    date.checked_add_days(Days::new(u64::from(late.after_days)))
                        .map(|d| Pending {
                            date: d,
                            kind: late.kind,
                        })
                });
            }
        }
    }

    // A borrower with two plans keeps the earlier: paying then settles both installments.
    track.pending = match (track.pending, new_plan) {
        (Some(old), Some(new)) if old.date <= new.date => Some(old),
        (old, None) => old,
        (_, new) => new,
    };
}

#[cfg(test)]
mod tests;
