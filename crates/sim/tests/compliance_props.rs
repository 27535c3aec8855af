//! End to end, strategy → guard → contact: for random (valid) strategy files over random
//! simulated books, every contact the simulator made keeps the active profile's rules —
//! checked here from the contact ledger by an independent count — and every block names a rule
//! of that profile.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;
use recoup_compliance::{Guard, Profile};
use recoup_core::contact::{Channel, ContactEvent, ContactResult};
use recoup_core::servicing::LedgerPolicy;
use recoup_sim::{
    generate_portfolio, run_collections, season, CollectionObserver, CollectionSpec, PortfolioSpec,
};
use recoup_strategy::parse_strategy;

const CONTACT_CHANNELS: [&str; 6] = ["sms", "call", "wechat", "email", "field_visit", "letter"];
const CONDITIONS: [&str; 6] = [
    "true",
    "dpd >= 1",
    "dpd % 2 == 0",
    "days_since_last_contact == null || days_since_last_contact >= 1",
    "days_to_next_due != null && days_to_next_due <= 3",
    "debit_failed_today || dpd >= 5",
];
const STAGES: [&str; 3] = ["pre_due", "early", "middle"];

#[derive(Debug, Clone)]
struct GenTreatment {
    channel: usize,
    condition: usize,
    stages: Vec<usize>,
    offset: u8,
}

fn gen_treatment() -> impl Strategy<Value = GenTreatment> {
    (
        0..CONTACT_CHANNELS.len(),
        0..CONDITIONS.len(),
        proptest::sample::subsequence(vec![0usize, 1, 2], 1..=3),
        0u8..=2,
    )
        .prop_map(|(channel, condition, stages, offset)| GenTreatment {
            channel,
            condition,
            stages,
            offset,
        })
}

fn render(treatments: &[GenTreatment]) -> String {
    let mut text = String::from(
        "name = \"generated\"\n\
         [[stage_rule]]\nstage = \"pre_due\"\nwhen = \"dpd == 0\"\n\
         [[stage_rule]]\nstage = \"middle\"\nwhen = \"dpd >= 31\"\n\
         [[stage_rule]]\nstage = \"early\"\nwhen = \"dpd >= 1\"\n",
    );
    for (i, t) in treatments.iter().enumerate() {
        let stages: Vec<String> = t
            .stages
            .iter()
            .map(|s| format!("\"{}\"", STAGES[*s]))
            .collect();
        text.push_str(&format!(
            "[[treatment]]\nid = \"t{i}\"\nstages = [{}]\nwhen = \"{}\"\nchannel = \"{}\"\n\
             template = \"tpl\"\nqueue = \"q\"\noffset_days = {}\npriority = {i}\n",
            stages.join(", "),
            CONDITIONS[t.condition],
            CONTACT_CHANNELS[t.channel],
            t.offset
        ));
    }
    text
}

/// Every contact made, in order.
#[derive(Default)]
struct Ledger(Vec<ContactEvent>);

impl CollectionObserver for Ledger {
    fn contact_made(&mut self, event: &ContactEvent) {
        self.0.push(event.clone());
    }
}

fn local_day(at: DateTime<Utc>, tz: Tz) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

fn in_hours(at: DateTime<Utc>, tz: Tz, from: u32, until: u32) -> bool {
    let hour = at.with_timezone(&tz).hour();
    hour >= from && hour < until
}

/// Letters are posted, not delivered at an hour: neither profile restricts their time of day.
fn is_mail(channel: Channel) -> bool {
    matches!(channel, Channel::Letter | Channel::LawyerLetter)
}

const GAP_CHANNELS: [Channel; 4] = [Channel::Call, Channel::Sms, Channel::WeChat, Channel::Email];

/// The cn rules the simulator can meet, counted independently of the guard.
fn check_cn(events: &[ContactEvent], tz: Tz) -> Result<(), String> {
    let mut connected: HashMap<(i64, NaiveDate), u32> = HashMap::new();
    let mut unanswered: HashMap<(String, NaiveDate), u32> = HashMap::new();
    let mut last_gap: HashMap<i64, DateTime<Utc>> = HashMap::new();
    for e in events {
        let day = local_day(e.at, tz);
        let until = if e.channel == Channel::FieldVisit {
            20
        } else {
            22
        };
        if !is_mail(e.channel) && !in_hours(e.at, tz, 8, until) {
            return Err(format!("outside hours: {e:?}"));
        }
        if e.channel == Channel::Call {
            if e.result == ContactResult::Connected {
                let n = connected.entry((e.borrower_id, day)).or_default();
                *n += 1;
                if *n > 3 {
                    return Err(format!("4th connected call: {e:?}"));
                }
            } else {
                let n = unanswered.entry((e.address.clone(), day)).or_default();
                *n += 1;
                if *n > 6 {
                    return Err(format!("7th unanswered attempt: {e:?}"));
                }
            }
        }
        if GAP_CHANNELS.contains(&e.channel) {
            if let Some(previous) = last_gap.insert(e.borrower_id, e.at) {
                if e.at - previous < Duration::minutes(30) {
                    return Err(format!("under 30 minutes after the last contact: {e:?}"));
                }
            }
        }
    }
    Ok(())
}

/// Regulation F's call rules: 08:00–21:00 local, at most 7 calls in 7 days, none in the 7 days
/// beginning with the day of a conversation.
fn check_regf(events: &[ContactEvent], tz: Tz) -> Result<(), String> {
    let mut calls: HashMap<i64, Vec<NaiveDate>> = HashMap::new();
    let mut conversation: HashMap<i64, NaiveDate> = HashMap::new();
    for e in events {
        let day = local_day(e.at, tz);
        if !is_mail(e.channel) && !in_hours(e.at, tz, 8, 21) {
            return Err(format!("outside hours: {e:?}"));
        }
        if e.channel != Channel::Call {
            continue;
        }
        if let Some(talked) = conversation.get(&e.borrower_id) {
            if (day - *talked).num_days() < 7 {
                return Err(format!("call within 7 days of a conversation: {e:?}"));
            }
        }
        let history = calls.entry(e.borrower_id).or_default();
        let in_window = history
            .iter()
            .filter(|d| (day - **d).num_days() < 7)
            .count();
        if in_window >= 7 {
            return Err(format!("8th call in 7 days: {e:?}"));
        }
        history.push(day);
        if e.conversation {
            conversation.insert(e.borrower_id, day);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn random_strategies_never_make_a_contact_the_profile_forbids(
        treatments in proptest::collection::vec(gen_treatment(), 1..8),
        seed in 0u64..1_000,
        us in any::<bool>(),
    ) {
        let text = render(&treatments);
        let strategy = parse_strategy("generated.toml", &text)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let (profile, tz, prefix) = if us {
            ("us-regf", chrono_tz::America::New_York, "regf.")
        } else {
            ("cn", chrono_tz::Asia::Shanghai, "cn.")
        };
        let guard = Guard::new(Profile::builtin(profile).unwrap());
        let start = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let until = start.pred_opt().unwrap();
        let portfolio = generate_portfolio(&PortfolioSpec::new(400, seed, until));
        let ledger_policy = LedgerPolicy::default();
        let seasoned = season(&portfolio, seed, until, &ledger_policy, |_| {}).unwrap();
        let spec = CollectionSpec {
            start,
            // Across the US change to summer time on 8 March 2026.
            days: 14,
            pre_due_days: 5,
            ledger: ledger_policy,
            time_zone: tz,
        };
        let mut ledger = Ledger::default();
        let outcome = run_collections(&portfolio, &seasoned, &strategy, &guard, &spec, &mut ledger)
            .unwrap();
        prop_assert_eq!(outcome.contacts_made() as usize, ledger.0.len());
        let verdict = if us { check_regf(&ledger.0, tz) } else { check_cn(&ledger.0, tz) };
        prop_assert!(verdict.is_ok(), "{}\n{}", verdict.unwrap_err(), text);
        for (rule, n) in &outcome.blocked {
            prop_assert!(rule.starts_with(prefix) && rule.len() > prefix.len(), "rule {rule}");
            prop_assert!(*n > 0);
        }
    }
}

#[test]
fn the_independent_checks_catch_what_they_look_for() {
    use chrono::TimeZone;
    use recoup_core::contact::Party;
    let tz = chrono_tz::Asia::Shanghai;
    let call = |hour: u32, minute: u32, result: ContactResult| ContactEvent {
        borrower_id: 1,
        loan_id: None,
        at: tz
            .with_ymd_and_hms(2026, 3, 2, hour, minute, 0)
            .unwrap()
            .with_timezone(&Utc),
        channel: Channel::Call,
        party: Party::Borrower,
        address: "13800000000".into(),
        result,
        conversation: result == ContactResult::Connected,
    };
    let fine = [
        call(9, 0, ContactResult::Connected),
        call(11, 0, ContactResult::Connected),
    ];
    assert!(check_cn(&fine, tz).is_ok());
    assert!(check_cn(&[call(23, 0, ContactResult::Attempted)], tz).is_err());
    assert!(check_cn(
        &[
            call(9, 0, ContactResult::Attempted),
            call(9, 10, ContactResult::Attempted)
        ],
        tz
    )
    .is_err());
    let four: Vec<_> = (0..4)
        .map(|i| call(9 + 2 * i, 0, ContactResult::Connected))
        .collect();
    assert!(check_cn(&four, tz).is_err());
    let ny = chrono_tz::America::New_York;
    assert!(
        check_regf(&fine, tz).is_err(),
        "a call the day of a conversation"
    );
    assert!(
        check_regf(&[call(10, 0, ContactResult::Attempted)], ny).is_err(),
        "21:00 in New York"
    );
}
