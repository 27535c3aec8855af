//! Property tests: for random ledgers, standings and requests, every permit satisfies every rule
//! of the active profile and every block names a rule that is really broken, both judged by a
//! slow reference written here from the rules' text (local dates via `with_timezone` per event,
//! no instant windows, parameters copied from the regulations rather than read from the
//! profile files).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::{DateTime, NaiveDate, TimeDelta, Timelike, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use recoup_compliance::{
    BorrowerStanding, ChannelSet, Consent, ContactRequest, Decision, Flags, Guard, History,
    TemplateClass,
};
use recoup_core::contact::{Channel, ContactEvent, ContactResult, Party};

use crate::support::{guard, NEW_YORK, OTHER_PHONE, PHONE, SHANGHAI};

/// A flag's name, the channels and templates (None: any) it still allows, and whether only the
/// lawyer may be contacted.
type FlagAllows = (
    &'static str,
    &'static [Channel],
    Option<&'static [TemplateClass]>,
    bool,
);

/// The rules as the regulations state them, for the reference.
struct Reference {
    prefix: &'static str,
    default_zone: Option<Tz>,
    /// Allowed local hours `[from, to)` in minutes after midnight.
    allowed_from: u32,
    allowed_to: u32,
    quiet_channels: &'static [Channel],
    daily_connected: Option<usize>,
    daily_unanswered: Option<usize>,
    /// Reg F: (calls, days, conversation days, consent days).
    frequency: Option<(usize, i64, i64, i64)>,
    gap_minutes: i64,
    gap_channels: &'static [Channel],
    third_party_templates: &'static [TemplateClass],
    third_party_channels: &'static [Channel],
    visit: (usize, u32, u32),
    /// What each flag still allows: channels, templates (None: any), parties (None: any).
    flags: [FlagAllows; 6],
}

const MESSAGES_CALLS_VISITS: &[Channel] = &[
    Channel::Call,
    Channel::Sms,
    Channel::WeChat,
    Channel::Email,
    Channel::FieldVisit,
];
const GAP: &[Channel] = &[Channel::Call, Channel::Sms, Channel::WeChat, Channel::Email];
const NOTICE: Option<&[TemplateClass]> = Some(&[TemplateClass::LegalNotice]);
const LAWYER_CHANNELS: &[Channel] = &[
    Channel::Call,
    Channel::Letter,
    Channel::Email,
    Channel::LawyerLetter,
];

fn reference(profile: &str) -> Reference {
    match profile {
        "cn" => Reference {
            prefix: "cn",
            default_zone: Some(SHANGHAI),
            allowed_from: 8 * 60,
            allowed_to: 22 * 60,
            quiet_channels: MESSAGES_CALLS_VISITS,
            daily_connected: Some(3),
            daily_unanswered: Some(6),
            frequency: None,
            gap_minutes: 30,
            gap_channels: GAP,
            third_party_templates: &[
                TemplateClass::ThirdPartyLocate,
                TemplateClass::ThirdPartyMessage,
            ],
            third_party_channels: &[Channel::Call, Channel::Sms],
            visit: (2, 8 * 60, 20 * 60),
            flags: [
                ("do_not_contact", &[], None, false),
                ("deceased", &[Channel::Letter], NOTICE, false),
                (
                    "bankruptcy",
                    &[Channel::Letter, Channel::LawyerLetter],
                    NOTICE,
                    false,
                ),
                (
                    "dispute",
                    &[Channel::Letter, Channel::LawyerLetter],
                    NOTICE,
                    false,
                ),
                (
                    "cease_request",
                    &[Channel::Letter, Channel::LawyerLetter],
                    NOTICE,
                    false,
                ),
                ("represented_by_lawyer", LAWYER_CHANNELS, None, true),
            ],
        },
        _ => Reference {
            prefix: "regf",
            default_zone: None,
            allowed_from: 8 * 60,
            allowed_to: 21 * 60,
            quiet_channels: MESSAGES_CALLS_VISITS,
            daily_connected: None,
            daily_unanswered: None,
            frequency: Some((7, 7, 7, 7)),
            gap_minutes: 30,
            gap_channels: GAP,
            third_party_templates: &[TemplateClass::ThirdPartyLocate],
            third_party_channels: &[Channel::Call, Channel::Letter],
            visit: (1, 8 * 60, 21 * 60),
            flags: [
                ("do_not_contact", &[], None, false),
                ("deceased", &[Channel::Letter], NOTICE, false),
                ("bankruptcy", &[Channel::Letter], NOTICE, false),
                ("dispute", &[Channel::Letter], NOTICE, false),
                (
                    "cease_request",
                    &[Channel::Letter, Channel::Email],
                    NOTICE,
                    false,
                ),
                ("represented_by_lawyer", LAWYER_CHANNELS, None, true),
            ],
        },
    }
}

fn flag_set(flags: &Flags, name: &str) -> bool {
    match name {
        "do_not_contact" => flags.do_not_contact,
        "deceased" => flags.deceased,
        "bankruptcy" => flags.bankruptcy,
        "dispute" => flags.dispute,
        "cease_request" => flags.cease_request,
        _ => flags.represented_by_lawyer,
    }
}

fn local_date(at: DateTime<Utc>, zone: Tz) -> NaiveDate {
    at.with_timezone(&zone).date_naive()
}

/// Every rule the contact would break, as `<prefix>.<code>`.
fn violations(
    rules: &Reference,
    request: &ContactRequest,
    standing: &BorrowerStanding,
    history: History<'_>,
) -> BTreeSet<String> {
    let mut broken = BTreeSet::new();
    let mut breaks = |code: &str| {
        broken.insert(format!("{}.{code}", rules.prefix));
    };
    let at = request.at;
    if !request.channel.is_contact() {
        breaks("fail_closed.not_a_contact");
    }
    if history
        .complete_since
        .is_none_or(|since| since > at - TimeDelta::days(8))
    {
        breaks("fail_closed.missing_history");
    }
    if history
        .events
        .iter()
        .any(|e| e.borrower_id != request.borrower_id)
    {
        breaks("fail_closed.foreign_event");
    }
    if history.events.iter().any(|e| e.at > at) {
        breaks("fail_closed.event_in_future");
    }
    for (name, channels, templates, lawyer_only) in rules.flags {
        if flag_set(&standing.flags, name) {
            let allowed = channels.contains(&request.channel)
                && templates.is_none_or(|t| t.contains(&request.template))
                && (!lawyer_only || request.party == Party::Lawyer);
            if !allowed {
                breaks(&format!("flag.{name}"));
            }
        }
    }
    match request.party {
        Party::Borrower => {
            if standing.opted_out.contains(request.channel) {
                breaks("opt_out");
            }
        }
        Party::Lawyer => {
            if !standing.flags.represented_by_lawyer {
                breaks("lawyer_not_on_record");
            }
        }
        Party::ThirdParty { contact_seq } => {
            if !standing.registered_contacts.contains(&contact_seq) {
                breaks("third_party.unregistered");
            }
            if standing.refused_contacts.contains(&contact_seq) {
                breaks("third_party.refused");
            }
            if !standing.lost_contact {
                breaks("third_party.borrower_reachable");
            }
            if !rules.third_party_templates.contains(&request.template) {
                breaks("third_party.template");
            }
            if !rules.third_party_channels.contains(&request.channel) {
                breaks("third_party.channel");
            }
        }
    }
    let Some(zone) = standing.time_zone.or(rules.default_zone) else {
        breaks("fail_closed.unknown_time_zone");
        return broken;
    };
    let local = at.with_timezone(&zone);
    let minute = local.hour() * 60 + local.minute();
    let consented = standing.consent.is_some_and(|c| c.covers(at));
    if rules.quiet_channels.contains(&request.channel)
        && !(rules.allowed_from..rules.allowed_to).contains(&minute)
        && !consented
    {
        breaks("quiet_hours");
    }
    if request.channel == Channel::FieldVisit {
        let (min_collectors, from, to) = rules.visit;
        let distinct: HashSet<&str> = request
            .collectors
            .iter()
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
            .collect();
        if distinct.len() < min_collectors {
            breaks("field_visit.collectors");
        }
        if !(from..to).contains(&minute) {
            breaks("field_visit.hours");
        }
    }

    let today = local_date(at, zone);
    let past: Vec<&ContactEvent> = history.events.iter().filter(|e| e.at <= at).collect();
    if request.channel == Channel::Call {
        let calls_today = past
            .iter()
            .filter(|e| e.channel == Channel::Call && local_date(e.at, zone) == today);
        if let Some(limit) = rules.daily_connected {
            let n = calls_today
                .clone()
                .filter(|e| e.result == ContactResult::Connected && e.party == request.party)
                .count();
            if n >= limit {
                breaks("daily_connected_calls");
            }
        }
        if let Some(limit) = rules.daily_unanswered {
            let n = calls_today
                .filter(|e| e.result != ContactResult::Connected && e.address == request.address)
                .count();
            if n >= limit {
                breaks("daily_unanswered_per_number");
            }
        }
        if let Some((limit, days, conversation_days, consent_days)) = rules.frequency {
            let consent_covers = |instant: DateTime<Utc>| {
                standing.consent.is_some_and(|c| {
                    c.given_at <= instant
                        && instant < c.expires_at
                        && instant < c.given_at + TimeDelta::days(consent_days)
                })
            };
            if !consent_covers(at) {
                let days_ago = |e: &ContactEvent| (today - local_date(e.at, zone)).num_days();
                let counted: Vec<&&ContactEvent> = past
                    .iter()
                    .filter(|e| {
                        e.channel == Channel::Call
                            && e.party == request.party
                            && (request.loan_id.is_none()
                                || e.loan_id.is_none()
                                || e.loan_id == request.loan_id)
                            && !consent_covers(e.at)
                    })
                    .collect();
                if counted.iter().filter(|e| days_ago(e) < days).count() >= limit {
                    breaks("call_frequency");
                }
                if counted
                    .iter()
                    .any(|e| e.conversation && days_ago(e) < conversation_days)
                {
                    breaks("conversation_cooldown");
                }
            }
        }
    }
    if rules.gap_channels.contains(&request.channel)
        && past.iter().any(|e| {
            e.party == request.party
                && rules.gap_channels.contains(&e.channel)
                && at - e.at < TimeDelta::minutes(rules.gap_minutes)
        })
    {
        breaks("minimum_gap");
    }
    broken
}

#[derive(Debug, Clone)]
struct Case {
    profile: &'static str,
    request: ContactRequest,
    standing: BorrowerStanding,
    events: Vec<ContactEvent>,
    complete_since: Option<DateTime<Utc>>,
}

fn channel() -> impl Strategy<Value = Channel> {
    prop_oneof![
        6 => Just(Channel::Call),
        2 => Just(Channel::Sms),
        1 => Just(Channel::Letter),
        1 => Just(Channel::Email),
        1 => Just(Channel::WeChat),
        1 => Just(Channel::FieldVisit),
        1 => Just(Channel::LawyerLetter),
        1 => proptest::sample::select(Channel::ALL.to_vec()),
    ]
}

fn party() -> impl Strategy<Value = Party> {
    prop_oneof![
        8 => Just(Party::Borrower),
        2 => (1u32..4).prop_map(|contact_seq| Party::ThirdParty { contact_seq }),
        1 => Just(Party::Lawyer),
    ]
}

fn template() -> impl Strategy<Value = TemplateClass> {
    prop_oneof![
        4 => Just(TemplateClass::Normal),
        1 => proptest::sample::select(TemplateClass::ALL.to_vec()),
    ]
}

fn phone() -> impl Strategy<Value = String> {
    prop_oneof![3 => Just(PHONE.to_string()), 1 => Just(OTHER_PHONE.to_string())]
}

fn loan() -> impl Strategy<Value = Option<i64>> {
    prop_oneof![4 => Just(Some(10)), 1 => Just(Some(11)), 1 => Just(None)]
}

/// An instant around the 2026 DST changes in New York (and ordinary days in Shanghai).
fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    let spring: DateTime<Utc> = "2026-03-04T00:00:00Z".parse().unwrap();
    let autumn: DateTime<Utc> = "2026-10-28T00:00:00Z".parse().unwrap();
    (prop_oneof![Just(spring), Just(autumn)], 0i64..10 * 86_400)
        .prop_map(|(base, seconds)| base + TimeDelta::seconds(seconds))
}

fn flags() -> impl Strategy<Value = Flags> {
    proptest::collection::vec(proptest::bool::weighted(0.04), 6).prop_map(|bits| Flags {
        do_not_contact: bits[0],
        dispute: bits[1],
        bankruptcy: bits[2],
        deceased: bits[3],
        cease_request: bits[4],
        represented_by_lawyer: bits[5],
    })
}

fn case() -> impl Strategy<Value = Case> {
    let request = (
        loan(),
        channel(),
        party(),
        phone(),
        instant(),
        template(),
        proptest::collection::vec(prop_oneof![Just("a"), Just("b"), Just(" a")], 0..3),
    )
        .prop_map(
            |(loan_id, channel, party, address, at, template, collectors)| ContactRequest {
                borrower_id: 1,
                loan_id,
                channel,
                party,
                address,
                at,
                template,
                collectors: collectors.into_iter().map(String::from).collect(),
            },
        );
    let event = (
        prop_oneof![200 => Just(1i64), 1 => Just(2i64)],
        loan(),
        // Seconds before the request: mostly the last day, some the last 9 days, rarely after.
        prop_oneof![
            120 => 0i64..86_400,
            80 => 0i64..9 * 86_400,
            1 => -3_600i64..0,
        ],
        channel(),
        party(),
        phone(),
        prop_oneof![
            Just(ContactResult::Attempted),
            Just(ContactResult::Connected),
            Just(ContactResult::Failed)
        ],
        any::<bool>(),
    );
    let standing = (
        prop_oneof![Just(None), Just(Some(SHANGHAI)), Just(Some(NEW_YORK))],
        flags(),
        proptest::collection::vec(channel(), 0..2),
        proptest::option::weighted(0.3, (0i64..10 * 86_400, 0i64..3 * 86_400)),
        any::<bool>(),
        proptest::collection::vec(1u32..3, 0..3),
        proptest::collection::vec(1u32..4, 0..2),
    );
    (
        prop_oneof![Just("cn"), Just("us-regf")],
        request,
        proptest::collection::vec(event, 0..40),
        standing,
        prop_oneof![
            20 => (8i64..12).prop_map(Some),
            1 => Just(None),
            1 => (0i64..8).prop_map(Some),
        ],
    )
        .prop_map(
            |(profile, request, raw_events, raw_standing, history_days)| {
                let at = request.at;
                let events = raw_events
                    .into_iter()
                    .map(
                        |(
                            borrower_id,
                            loan_id,
                            seconds_before,
                            channel,
                            party,
                            address,
                            result,
                            talk,
                        )| {
                            ContactEvent {
                                borrower_id,
                                loan_id,
                                at: at - TimeDelta::seconds(seconds_before),
                                channel,
                                party,
                                address,
                                result,
                                conversation: talk && result == ContactResult::Connected,
                            }
                        },
                    )
                    .collect();
                let (time_zone, flags, opted_out, consent, lost_contact, registered, refused) =
                    raw_standing;
                let standing = BorrowerStanding {
                    time_zone,
                    flags,
                    opted_out: ChannelSet::from_iter(opted_out),
                    consent: consent.map(|(before, length)| Consent {
                        given_at: at - TimeDelta::seconds(before),
                        expires_at: at - TimeDelta::seconds(before) + TimeDelta::seconds(length),
                    }),
                    lost_contact,
                    registered_contacts: registered,
                    refused_contacts: refused,
                };
                Case {
                    profile,
                    request,
                    standing,
                    events,
                    complete_since: history_days.map(|days| at - TimeDelta::days(days)),
                }
            },
        )
}

fn judge(guards: &BTreeMap<&str, Guard>, case: &Case) -> (Decision, BTreeSet<String>) {
    let history = History {
        events: &case.events,
        complete_since: case.complete_since,
    };
    let decision = guards[case.profile].check(&case.request, &case.standing, history);
    let broken = violations(
        &reference(case.profile),
        &case.request,
        &case.standing,
        history,
    );
    (decision, broken)
}

fn guards() -> BTreeMap<&'static str, Guard> {
    ["cn", "us-regf"]
        .into_iter()
        .map(|name| (name, guard(name)))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4096, ..ProptestConfig::default() })]

    #[test]
    fn permits_break_no_rule_and_blocks_name_a_broken_rule(case in case()) {
        let (decision, broken) = judge(&guards(), &case);
        match &decision {
            Decision::Permitted(permit) => {
                prop_assert!(broken.is_empty(), "permitted, but the reference finds {broken:?}");
                prop_assert!(permit.valid_until() > permit.valid_from());
                prop_assert!(permit.valid_until() <= case.request.at + TimeDelta::minutes(15));
            }
            Decision::Blocked(block) => {
                let rule = block.rule.to_string();
                prop_assert!(broken.contains(&rule), "blocked by {rule} ({}), but the reference finds {broken:?}", block.reason);
            }
        }
    }
}

/// Guards the property against vacuity: the random cases must reach permits and a wide spread
/// of rules, or the property would pass by blocking everything.
#[test]
fn random_cases_reach_permits_and_most_rules() {
    let guards = guards();
    let mut runner = TestRunner::deterministic();
    let strategy = case();
    let mut n_permitted = 0;
    let mut rules_seen = BTreeMap::new();
    for _ in 0..4000 {
        let case = strategy.new_tree(&mut runner).unwrap().current();
        match judge(&guards, &case).0 {
            Decision::Permitted(_) => n_permitted += 1,
            Decision::Blocked(block) => {
                *rules_seen.entry(block.rule.rule().code()).or_insert(0) += 1;
            }
        }
    }
    assert!(
        n_permitted > 400,
        "only {n_permitted} of 4000 permitted; blocks: {rules_seen:?}"
    );
    assert!(
        rules_seen.len() >= 20,
        "only {} rules seen: {rules_seen:?}",
        rules_seen.len()
    );
}
