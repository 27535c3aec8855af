//! Guard speed: one contact check against a typical borrower ledger (24 events over 8 days:
//! daily calls, some connected, SMS reminders, a letter), one core.
//! Target (issue 3): strategy plus compliance at least 1,000,000 cases per second per core, so a
//! check should stay well under 0.5 µs.

use chrono::{DateTime, TimeDelta, Utc};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use recoup_compliance::{BorrowerStanding, ContactRequest, Guard, History, Profile, TemplateClass};
use recoup_core::contact::{Channel, ContactEvent, ContactResult, Party};

/// The borrower's last 8 days. `sparse` keeps one unanswered call every other day (a US
/// ledger under the 7-in-7 rule); otherwise two calls a day, every third day one connected.
fn ledger(at: DateTime<Utc>, sparse: bool) -> Vec<ContactEvent> {
    let mut events = Vec::new();
    for day in 0..8 {
        if sparse {
            for (offset_hours, channel) in
                [(0, Channel::Call), (2, Channel::Sms), (3, Channel::Email)]
            {
                if channel == Channel::Call && day % 2 == 1 {
                    continue;
                }
                events.push(ContactEvent {
                    borrower_id: 7,
                    loan_id: Some(70),
                    at: at - TimeDelta::days(day) - TimeDelta::hours(4)
                        + TimeDelta::hours(offset_hours),
                    channel,
                    party: Party::Borrower,
                    address: "+12125550101".into(),
                    result: ContactResult::Attempted,
                    conversation: false,
                });
            }
            continue;
        }
        let morning = at - TimeDelta::days(day) - TimeDelta::hours(4);
        for (offset_hours, channel, result) in [
            (0, Channel::Call, ContactResult::Attempted),
            (
                1,
                Channel::Call,
                if day % 3 == 0 {
                    ContactResult::Connected
                } else {
                    ContactResult::Attempted
                },
            ),
            (2, Channel::Sms, ContactResult::Connected),
        ] {
            events.push(ContactEvent {
                borrower_id: 7,
                loan_id: Some(70),
                at: morning + TimeDelta::hours(offset_hours),
                channel,
                party: Party::Borrower,
                address: "+8613800000001".into(),
                result,
                conversation: result == ContactResult::Connected && channel == Channel::Call,
            });
        }
    }
    events
}

fn checks(c: &mut Criterion) {
    // 15:00 in Shanghai and 10:00 in New York on an ordinary weekday.
    let shanghai_afternoon: DateTime<Utc> = "2026-05-12T07:00:00Z".parse().unwrap_or_default();
    let new_york_morning: DateTime<Utc> = "2026-05-12T14:00:00Z".parse().unwrap_or_default();
    let standing = BorrowerStanding {
        registered_contacts: vec![1, 2],
        ..BorrowerStanding::default()
    };
    let cases = [
        ("cn_call_permitted", "cn", Channel::Call, shanghai_afternoon),
        ("cn_sms_permitted", "cn", Channel::Sms, shanghai_afternoon),
        (
            "cn_call_quiet_hours_blocked",
            "cn",
            Channel::Call,
            shanghai_afternoon + TimeDelta::hours(8),
        ),
        (
            "regf_call_permitted",
            "us-regf",
            Channel::Call,
            new_york_morning,
        ),
        (
            "regf_call_frequency_blocked",
            "us-regf",
            Channel::Call,
            new_york_morning,
        ),
    ];
    let mut group = c.benchmark_group("guard_check");
    group.throughput(Throughput::Elements(1));
    for (name, profile, channel, at) in cases {
        let Ok(profile) = Profile::builtin(profile) else {
            continue;
        };
        let guard = Guard::new(profile);
        let events = ledger(at, name == "regf_call_permitted");
        let request = ContactRequest {
            borrower_id: 7,
            loan_id: Some(70),
            channel,
            party: Party::Borrower,
            address: "+8613800000001".into(),
            at,
            template: TemplateClass::Normal,
            collectors: Vec::new(),
        };
        let standing = BorrowerStanding {
            time_zone: Some(if name.starts_with("regf") {
                chrono_tz::America::New_York
            } else {
                chrono_tz::Asia::Shanghai
            }),
            ..standing.clone()
        };
        let history = History {
            events: &events,
            complete_since: Some(guard.history_since(at)),
        };
        group.bench_function(name, |b| {
            b.iter(|| guard.check(std::hint::black_box(&request), &standing, history))
        });
    }
    group.finish();
}

criterion_group!(benches, checks);
criterion_main!(benches);
