//! `recoup bench collections`: how many cases a second one core takes through the strategy and
//! the compliance guard — the shipped `cn-default` strategy and `cn` profile, over seeded cases
//! spread across the collection ladder, each contact treatment checked against a realistic
//! contact ledger. Inputs are built before the clock starts; only evaluation is timed.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use chrono::{NaiveDate, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use recoup_compliance::{
    BorrowerStanding, ContactRequest, Decision, Guard, History, Profile, TemplateClass,
};
use recoup_core::case::{CaseFacts, Contactability, DelayReason, Quadrant, Stage, Temperament};
use recoup_core::contact::{Channel, ContactEvent, ContactResult, Party};
use recoup_core::Fen;

const SHIPPED_STRATEGY: &str = include_str!("../../../../strategies/cn-default.toml");

/// Borrowers whose contact ledgers the cases share (each case carries its borrower's id).
const LEDGERS: usize = 10_000;

pub fn run(n_cases: usize, seed: u64) -> anyhow::Result<ExitCode> {
    let strategy = recoup_strategy::parse_strategy("strategies/cn-default.toml", SHIPPED_STRATEGY)
        .map_err(|errors| anyhow::anyhow!("the shipped strategy does not parse:\n{errors}"))?;
    let guard = Guard::new(Profile::builtin("cn").context("the shipped cn profile")?);
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 2).context("date")?;
    // 10:00 in Shanghai: inside the day's contact hours.
    let at = Utc
        .with_ymd_and_hms(2026, 11, 2, 2, 0, 0)
        .single()
        .context("time")?;

    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let ledgers: Vec<Vec<ContactEvent>> = (0..LEDGERS)
        .map(|b| ledger(&mut rng, b as i64, at))
        .collect();
    let phones: Vec<String> = (0..LEDGERS).map(|b| format!("138{:08}", b)).collect();
    let cases: Vec<CaseFacts> = (0..n_cases)
        .map(|i| facts(&mut rng, i as i64, as_of))
        .collect();
    let standing = BorrowerStanding {
        time_zone: Some(chrono_tz::Asia::Shanghai),
        registered_contacts: vec![1, 2],
        ..BorrowerStanding::default()
    };
    let complete_since = guard.history_since(at);

    let mut planned = Vec::with_capacity(16);
    let mut n_treatments = 0_u64;
    let mut n_checks = 0_u64;
    let mut outcomes: BTreeMap<String, u64> = BTreeMap::new();
    let started = Instant::now();
    for case in &cases {
        planned.clear();
        strategy.evaluate(case, &mut planned);
        n_treatments += planned.len() as u64;
        let borrower = case.borrower_id as usize % LEDGERS;
        for treatment in planned.iter().filter(|t| t.channel.is_contact()) {
            let request = ContactRequest {
                borrower_id: case.borrower_id,
                loan_id: None,
                channel: treatment.channel,
                party: Party::Borrower,
                address: phones[borrower].clone(),
                at,
                template: TemplateClass::Normal,
                collectors: if treatment.channel == Channel::FieldVisit {
                    vec!["field1".into(), "field2".into()]
                } else {
                    Vec::new()
                },
            };
            let history = History {
                events: &ledgers[borrower],
                complete_since: Some(complete_since),
            };
            n_checks += 1;
            let key = match guard.check(&request, &standing, history) {
                Decision::Permitted(_) => "permitted".to_string(),
                Decision::Blocked(block) => format!("blocked {}", block.rule),
            };
            *outcomes.entry(key).or_default() += 1;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "collections: {n_cases} cases in {secs:.3} s on one core = {:.0} cases/s ({n_treatments} treatments planned, {n_checks} compliance checks)",
        n_cases as f64 / secs
    );
    for (outcome, count) in outcomes {
        println!("  {outcome:<40} {count:>10}");
    }
    Ok(ExitCode::SUCCESS)
}

/// A borrower's last week of contacts: a few calls and messages, some answered.
fn ledger(rng: &mut ChaCha8Rng, borrower_id: i64, now: chrono::DateTime<Utc>) -> Vec<ContactEvent> {
    let n_events = rng.random_range(0..10);
    (0..n_events)
        .map(|_| {
            // Some contacts earlier today, so daily caps and the minimum gap block a share.
            let minutes_ago = rng.random_range(10..60 * 24 * 7);
            let channel = if rng.random_bool(0.6) {
                Channel::Call
            } else {
                Channel::Sms
            };
            let connected = channel == Channel::Call && rng.random_bool(0.3);
            ContactEvent {
                borrower_id,
                loan_id: None,
                at: now - chrono::Duration::minutes(minutes_ago),
                channel,
                party: Party::Borrower,
                address: format!("138{:08}", borrower_id),
                result: if connected {
                    ContactResult::Connected
                } else {
                    ContactResult::Attempted
                },
                conversation: connected,
            }
        })
        .collect()
}

/// A case somewhere on the ladder: reminders, early, middle and late collection.
fn facts(rng: &mut ChaCha8Rng, case_id: i64, as_of: NaiveDate) -> CaseFacts {
    let dpd = match rng.random_range(0..100) {
        0..30 => 0,
        30..70 => rng.random_range(1..=30),
        70..85 => rng.random_range(31..=90),
        _ => rng.random_range(91..=400),
    };
    let installment = Fen::from_yuan(rng.random_range(1_500..=9_000));
    let quadrants = [
        Quadrant::WillingAndAble,
        Quadrant::WillingNotAble,
        Quadrant::AbleNotWilling,
        Quadrant::NeitherWillingNorAble,
    ];
    CaseFacts {
        case_id,
        borrower_id: case_id % LEDGERS as i64,
        as_of,
        stage: if dpd == 0 {
            Stage::PreDue
        } else {
            Stage::Early
        },
        dpd,
        bucket: format!("M{}", (dpd.div_ceil(30)).min(6)),
        days_to_next_due: Some(rng.random_range(0..31)),
        next_due_amount: installment,
        total_arrears: Fen::new(installment.get() * i64::from(dpd.div_ceil(30))),
        principal_outstanding: Fen::from_yuan(rng.random_range(20_000..=300_000)),
        loan_principal: Fen::from_yuan(rng.random_range(30_000..=350_000)),
        months_on_book: rng.random_range(1..=48),
        times_delinquent: rng.random_range(0..5),
        debit_failed_today: dpd == 0 && rng.random_bool(0.05),
        failed_debits: rng.random_range(0..6),
        broken_promises: rng.random_range(0..3),
        promises_kept: rng.random_range(0..3),
        days_since_last_payment: Some(dpd + rng.random_range(0..30)),
        days_since_last_contact: if rng.random_bool(0.2) {
            None
        } else {
            Some(rng.random_range(0..15))
        },
        quadrant: quadrants[rng.random_range(0..4)],
        contactability: if rng.random_bool(0.05) {
            Contactability::LostContact
        } else {
            Contactability::Contactable
        },
        delay_reason: DelayReason::Unknown,
        temperament: Temperament::Unknown,
        repeated_delinquency: rng.random_bool(0.08),
        risk_score: rng.random_range(200..900),
        vehicle_risk: 0,
        days_in_stage: rng.random_range(0..60),
    }
}
