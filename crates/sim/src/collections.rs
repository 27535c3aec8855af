//! Collection in the simulator: a seasoned book run forward day by day with a strategy and a
//! compliance profile — the day's bank file and close, then case facts, strategy, case moves,
//! the compliance guard for every contact, and the borrowers' responses — so two strategies
//! can be compared on the same book and the same bank (`recoup strategy simulate`).
//!
//! The loop mirrors the store's end-of-day planning (the same [`case_facts`], strategy and
//! guard) but sends what is permitted: each permitted contact is made, enters the contact
//! ledger that later checks count, and may move the borrower (see `response.rs`). A borrower's
//! contacts of one day are made in priority order from 10:00 local time, two hours apart.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use recoup_compliance::{
    BorrowerStanding, ContactRequest, Decision, Guard, History, TemplateClass,
};
use recoup_core::case::{
    advance_case, CaseEvent, CaseRecord, CaseStatus, DelayReason, Temperament,
};
use recoup_core::contact::{Channel, ContactEvent, ContactResult, Party};
use recoup_core::facts::{case_facts, BorrowerFacts};
use recoup_core::segment::SegmentPolicy;
use recoup_core::servicing::LedgerPolicy;
use recoup_core::Fen;
use recoup_strategy::{PlannedTreatment, Strategy};

use crate::behaviour::Behaviour;
use crate::book::{CloseError, MemoryBook};
use crate::feed::BankFeed;
use crate::portfolio::SimLoan;

/// What to simulate.
#[derive(Debug, Clone)]
pub struct CollectionSpec {
    /// The first business date worked with the strategy (the book is seasoned up to the day
    /// before).
    pub start: NaiveDate,
    /// How many business dates to run.
    pub days: u32,
    /// Reminder window that opens a pre-due case.
    pub pre_due_days: u32,
    /// Ledger settings for the daily close.
    pub ledger: LedgerPolicy,
    /// The borrowers' time zone (contacts are made in local daytime).
    pub time_zone: Tz,
}

/// Contacts made through one channel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChannelTally {
    /// Permitted and made.
    pub made: u64,
    /// Of those, reaching a person.
    pub reached: u64,
    /// Cost by the strategy's channel weights.
    pub cost: Fen,
}

/// What a strategy achieved over the simulated days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CollectionOutcome {
    /// The strategy's name.
    pub strategy: String,
    /// First business date run.
    pub start: Option<NaiveDate>,
    /// Last business date run.
    pub end: Option<NaiveDate>,
    /// Arrears (past-due principal, interest, fees, penalty) on the book the day before start
    /// and after the last day.
    pub arrears_before: Fen,
    /// Arrears after the last day.
    pub arrears_after: Fen,
    /// Loans past due before start and after the last day.
    pub overdue_before: u64,
    /// Loans past due after the last day.
    pub overdue_after: u64,
    /// Payments applied to arrears during the run.
    pub recovered: Fen,
    /// Cases opened or reopened.
    pub cases_opened: u64,
    /// Cases closed because everything past due was paid.
    pub cures: u64,
    /// Promises to pay made in conversations (or prompted by an escalation).
    pub promises: u64,
    /// Promises whose date passed with a payment made.
    pub promises_kept: u64,
    /// Contacts made, by channel.
    pub contacts: BTreeMap<Channel, ChannelTally>,
    /// Internal actions (vehicle checks, referrals, placements) by channel.
    pub internal: BTreeMap<Channel, u64>,
    /// Contacts the compliance guard blocked, by rule.
    pub blocked: BTreeMap<String, u64>,
}

impl CollectionOutcome {
    /// Every contact made, whatever the channel.
    pub fn contacts_made(&self) -> u64 {
        self.contacts.values().map(|t| t.made).sum()
    }

    /// The cost of every contact made.
    pub fn cost(&self) -> Fen {
        self.contacts.values().map(|t| t.cost).sum()
    }

    /// Contacts blocked, whatever the rule.
    pub fn blocks(&self) -> u64 {
        self.blocked.values().sum()
    }
}

/// A book seasoned up to a date with no collection: the starting point every strategy shares.
#[derive(Debug, Clone)]
pub struct SeasonedBook {
    /// Every loan's ledger.
    pub book: MemoryBook,
    /// The bank, with every borrower's plans.
    pub feed: BankFeed,
}

/// Seasons `portfolio` through `until` (inclusive) with the plain bank feed.
pub fn season(
    portfolio: &[SimLoan],
    feed_seed: u64,
    until: NaiveDate,
    ledger: &LedgerPolicy,
    mut on_day: impl FnMut(NaiveDate),
) -> Result<SeasonedBook, CloseError> {
    let mut book = MemoryBook::new(portfolio);
    let mut feed = BankFeed::new(portfolio, feed_seed);
    let Some(mut date) = portfolio
        .iter()
        .map(|l| l.booked.terms.disbursement_date())
        .min()
    else {
        return Ok(SeasonedBook { book, feed });
    };
    while date <= until {
        let quote = feed.loans_to_quote(date);
        let owed = book.owed(&quote, date);
        let records = feed.records_for(date, &owed);
        book.close(date, &records, ledger)?;
        on_day(date);
        let Some(next) = date.succ_opt() else { break };
        date = next;
    }
    Ok(SeasonedBook { book, feed })
}

/// One borrower: loan positions in the portfolio, phone, contacts and what collectors learnt.
struct SimBorrower {
    loans: Vec<usize>,
    phone: String,
    registered_contacts: Vec<u32>,
    case: Option<CaseRecord>,
    ledger: Vec<ContactEvent>,
    delay_reason: Option<DelayReason>,
    temperament: Option<Temperament>,
    /// A promise to pay by this date, made on the date kept beside it.
    promise: Option<(NaiveDate, NaiveDate)>,
    promises_kept: u32,
    broken_promises: u32,
}

/// Treatments planned for a later day (a visit planned two days ahead), by due date.
type Agenda = BTreeMap<NaiveDate, Vec<(usize, PlannedTreatment)>>;

/// Watches a run: each contact made (as it enters the ledger) and each finished day.
pub trait CollectionObserver {
    /// A permitted contact was made.
    fn contact_made(&mut self, _event: &ContactEvent) {}
    /// Business date `date` is done.
    fn day_done(&mut self, _date: NaiveDate) {}
}

/// An observer that watches nothing.
impl CollectionObserver for () {}

/// Runs `strategy` under `guard` over a copy of `seasoned` for `spec.days` days.
pub fn run_collections(
    portfolio: &[SimLoan],
    seasoned: &SeasonedBook,
    strategy: &Strategy,
    guard: &Guard,
    spec: &CollectionSpec,
    observer: &mut dyn CollectionObserver,
) -> Result<CollectionOutcome, CloseError> {
    let mut book = seasoned.book.clone();
    let mut feed = seasoned.feed.clone();
    let mut borrowers = group_borrowers(portfolio);
    let policy = SegmentPolicy::default();
    let mut outcome = CollectionOutcome {
        strategy: strategy.name().to_string(),
        ..CollectionOutcome::default()
    };
    let (arrears, overdue) = arrears_on(&book);
    outcome.arrears_before = arrears;
    outcome.overdue_before = overdue;
    let mut agenda = Agenda::new();
    let mut treatments = Vec::new();
    let mut positions = Vec::new();
    for day in 0..spec.days {
        let Some(date) = spec.start.checked_add_days(Days::new(u64::from(day))) else {
            break;
        };
        let quote = feed.loans_to_quote(date);
        let owed = book.owed(&quote, date);
        let records = feed.records_for(date, &owed);
        outcome.recovered += book.close(date, &records, &spec.ledger)?.recovered;
        let history_from = guard.history_since(at_local(spec.time_zone, date, 0));
        let due_today = agenda.remove(&date).unwrap_or_default();
        let mut due_by_borrower: HashMap<usize, Vec<PlannedTreatment>> = HashMap::new();
        for (b, t) in due_today {
            due_by_borrower.entry(b).or_default().push(t);
        }
        for (b, borrower) in borrowers.iter_mut().enumerate() {
            positions.clear();
            positions.extend(
                borrower
                    .loans
                    .iter()
                    .filter_map(|&p| book.position(p, date, &spec.ledger)),
            );
            let open = borrower
                .case
                .as_ref()
                .is_some_and(|c| c.status == CaseStatus::Open);
            let needs_look = positions.iter().any(|p| {
                p.dpd > 0
                    || p.next_due_date.is_some_and(|d| {
                        d >= date && d <= date + Days::new(u64::from(spec.pre_due_days))
                    })
            });
            if !open && !needs_look && !due_by_borrower.contains_key(&b) {
                continue;
            }
            settle_promise(borrower, &book, date, &mut outcome);
            borrower.ledger.retain(|e| e.at >= history_from);
            let borrower_id = b as i64 + 1;
            let facts = case_facts(
                borrower_id,
                date,
                &positions,
                borrower.case.as_ref(),
                BorrowerFacts {
                    ledger: &borrower.ledger,
                    phones: 1,
                    delay_reason: borrower.delay_reason,
                    temperament: borrower.temperament,
                    promises_kept: borrower.promises_kept,
                    broken_promises: borrower.broken_promises,
                },
                &policy,
            );
            treatments.clear();
            let decision = strategy.evaluate(&facts, &mut treatments);
            let pre_due = facts.dpd == 0
                && facts
                    .days_to_next_due
                    .is_some_and(|d| d <= spec.pre_due_days);
            let (record, events) = advance_case(
                borrower.case.as_ref(),
                facts.dpd,
                pre_due,
                decision.stage,
                date,
            );
            for event in &events {
                match event {
                    CaseEvent::Opened { .. } | CaseEvent::Reopened { .. } => {
                        outcome.cases_opened += 1
                    }
                    CaseEvent::Cured => outcome.cures += 1,
                    _ => {}
                }
            }
            borrower.case = record;
            let open = borrower
                .case
                .as_ref()
                .is_some_and(|c| c.status == CaseStatus::Open);
            let mut today: Vec<PlannedTreatment> = due_by_borrower.remove(&b).unwrap_or_default();
            if open {
                for t in treatments.drain(..) {
                    if t.due > date {
                        agenda.entry(t.due).or_default().push((b, t));
                    } else {
                        today.push(t);
                    }
                }
            } else {
                // A cured case drops what was planned for it.
                today.clear();
            }
            today.sort_by_key(|t| t.priority);
            // The borrower's worst loan is the one contacts are about.
            let worst = borrower
                .loans
                .iter()
                .copied()
                .filter_map(|p| book.position(p, date, &spec.ledger).map(|pos| (p, pos.dpd)))
                .max_by_key(|&(_, dpd)| dpd);
            let Some((position, dpd)) = worst else {
                continue;
            };
            let behaviour = portfolio[position].behaviour;
            let lost_contact =
                facts.contactability == recoup_core::case::Contactability::LostContact;
            let mut slot = 0;
            for t in &today {
                make_contact(
                    t,
                    Contact {
                        borrower_id,
                        position,
                        overdue: dpd > 0,
                        behaviour,
                        lost_contact,
                        date,
                    },
                    &mut slot,
                    borrower,
                    &mut feed,
                    guard,
                    spec.time_zone,
                    history_from,
                    &mut outcome,
                    observer,
                );
            }
        }
        observer.day_done(date);
        outcome.end = Some(date);
    }
    outcome.start = Some(spec.start);
    let (arrears, overdue) = arrears_on(&book);
    outcome.arrears_after = arrears;
    outcome.overdue_after = overdue;
    Ok(outcome)
}

/// Who a contact is for and about.
struct Contact {
    borrower_id: i64,
    position: usize,
    overdue: bool,
    behaviour: Behaviour,
    lost_contact: bool,
    date: NaiveDate,
}

/// Checks one treatment with the guard and, when permitted, makes it and records the answer.
#[allow(clippy::too_many_arguments)]
fn make_contact(
    t: &PlannedTreatment,
    who: Contact,
    slot: &mut u32,
    borrower: &mut SimBorrower,
    feed: &mut BankFeed,
    guard: &Guard,
    time_zone: Tz,
    history_from: DateTime<Utc>,
    outcome: &mut CollectionOutcome,
    observer: &mut dyn CollectionObserver,
) {
    if !t.channel.is_contact() {
        *outcome.internal.entry(t.channel).or_default() += 1;
        let response = feed.contact(who.position, who.date, t.channel, *slot, who.overdue);
        note_promise(borrower, who.date, response.pays_on, outcome);
        return;
    }
    let at = at_local(time_zone, who.date, *slot);
    let request = ContactRequest {
        borrower_id: who.borrower_id,
        loan_id: None,
        channel: t.channel,
        party: Party::Borrower,
        address: borrower.phone.clone(),
        at,
        template: TemplateClass::Normal,
        collectors: if t.channel == Channel::FieldVisit {
            vec!["field-team-1".into(), "field-team-2".into()]
        } else {
            Vec::new()
        },
    };
    let standing = BorrowerStanding {
        time_zone: Some(time_zone),
        lost_contact: who.lost_contact,
        registered_contacts: borrower.registered_contacts.clone(),
        ..BorrowerStanding::default()
    };
    let history = History {
        events: &borrower.ledger,
        complete_since: Some(history_from),
    };
    match guard.check(&request, &standing, history) {
        Decision::Blocked(block) => {
            *outcome.blocked.entry(block.rule.to_string()).or_default() += 1;
        }
        Decision::Permitted(permit) => {
            let response =
                feed.contact(who.position, who.date, permit.channel(), *slot, who.overdue);
            *slot += 1;
            let tally = outcome.contacts.entry(permit.channel()).or_default();
            tally.made += 1;
            tally.cost += t.cost;
            if response.reached {
                tally.reached += 1;
            }
            if response.conversation {
                // A conversation tells the collector why the borrower is late and how they are.
                borrower.delay_reason = Some(reason_of(who.behaviour));
                borrower.temperament = Some(temperament_of(who.behaviour));
            }
            let event = ContactEvent {
                borrower_id: who.borrower_id,
                loan_id: None,
                at,
                channel: permit.channel(),
                party: Party::Borrower,
                address: permit.address().to_string(),
                result: if response.reached {
                    ContactResult::Connected
                } else {
                    ContactResult::Attempted
                },
                conversation: response.conversation,
            };
            observer.contact_made(&event);
            borrower.ledger.push(event);
            note_promise(borrower, who.date, response.pays_on, outcome);
        }
    }
}

fn note_promise(
    borrower: &mut SimBorrower,
    date: NaiveDate,
    pays_on: Option<NaiveDate>,
    outcome: &mut CollectionOutcome,
) {
    if let Some(pays_on) = pays_on {
        if borrower.promise.is_none() {
            borrower.promise = Some((pays_on, date));
            outcome.promises += 1;
        }
    }
}

/// A promise whose date has passed is kept when a payment came on or after the day it was
/// made, broken otherwise.
fn settle_promise(
    borrower: &mut SimBorrower,
    book: &MemoryBook,
    date: NaiveDate,
    outcome: &mut CollectionOutcome,
) {
    let Some((by, made)) = borrower.promise else {
        return;
    };
    if by >= date {
        return;
    }
    borrower.promise = None;
    let paid = borrower
        .loans
        .iter()
        .filter_map(|&p| book.last_payment(p))
        .any(|d| d >= made && d <= by);
    if paid {
        borrower.promises_kept += 1;
        outcome.promises_kept += 1;
    } else {
        borrower.broken_promises += 1;
    }
}

/// What a collector hears when asking why a borrower of each behaviour is late.
fn reason_of(behaviour: Behaviour) -> DelayReason {
    match behaviour {
        Behaviour::HardshipThenRecovery => DelayReason::EconomicHardship,
        Behaviour::StrategicDefault => DelayReason::DeliberateDefault,
        Behaviour::LostContact => DelayReason::Unknown,
        Behaviour::OnTime | Behaviour::OccasionallyLate | Behaviour::ChronicallyLate => {
            DelayReason::Other
        }
    }
}

fn temperament_of(behaviour: Behaviour) -> Temperament {
    match behaviour {
        Behaviour::HardshipThenRecovery => Temperament::Worried,
        Behaviour::StrategicDefault | Behaviour::LostContact => Temperament::Evasive,
        Behaviour::ChronicallyLate => Temperament::Angry,
        Behaviour::OnTime | Behaviour::OccasionallyLate => Temperament::Cooperative,
    }
}

/// 10:00 local on `date`, plus two hours per contact already made that day.
fn at_local(time_zone: Tz, date: NaiveDate, slot: u32) -> DateTime<Utc> {
    let local = date.and_hms_opt(10, 0, 0).unwrap_or_default();
    let instant = time_zone
        .from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&local));
    instant + chrono::Duration::hours(2 * i64::from(slot))
}

fn arrears_on(book: &MemoryBook) -> (Fen, u64) {
    let mut arrears = Fen::ZERO;
    let mut overdue = 0;
    for p in 0..book.len() {
        if let Some((state, _)) = book.loan(p) {
            if state.dpd > 0 {
                overdue += 1;
                arrears += state.total_arrears();
            }
        }
    }
    (arrears, overdue)
}

/// Borrowers by national ID (a few have more than one loan), in first-loan order.
fn group_borrowers(portfolio: &[SimLoan]) -> Vec<SimBorrower> {
    let mut by_id: HashMap<&str, usize> = HashMap::new();
    let mut borrowers: Vec<SimBorrower> = Vec::new();
    for (position, loan) in portfolio.iter().enumerate() {
        let b = &loan.booked.borrower;
        let idx = *by_id.entry(b.national_id.as_str()).or_insert_with(|| {
            borrowers.push(SimBorrower {
                loans: Vec::new(),
                phone: b
                    .phones
                    .first()
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_default(),
                registered_contacts: (1..=b.contacts.len() as u32).collect(),
                case: None,
                ledger: Vec::new(),
                delay_reason: None,
                temperament: None,
                promise: None,
                promises_kept: 0,
                broken_promises: 0,
            });
            borrowers.len() - 1
        });
        borrowers[idx].loans.push(position);
    }
    borrowers
}
