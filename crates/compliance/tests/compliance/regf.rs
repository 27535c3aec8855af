//! The `us-regf` profile, rule by rule, in America/New_York local time (DST included).

use chrono::TimeDelta;
use recoup_compliance::{ChannelSet, Consent, TemplateClass};
use recoup_core::contact::{Channel, ContactResult, Party};

use crate::support::*;

fn borrower() -> recoup_compliance::BorrowerStanding {
    standing_in(NEW_YORK)
}

/// Seven unanswered calls a day apart at 10:00 local, the last on `last_day` of March 2026.
fn seven_calls(last_day: u32) -> Vec<recoup_core::contact::ContactEvent> {
    (0..7)
        .map(|n| {
            call(
                ny(2026, 3, last_day - 6 + n, 10, 0),
                ContactResult::Attempted,
            )
        })
        .collect()
}

#[test]
fn calls_are_allowed_from_8_to_21_local_time() {
    let cases = [
        ("07:59", ny(2026, 6, 10, 7, 59), blocked("regf.quiet_hours")),
        ("08:00", ny(2026, 6, 10, 8, 0), None),
        ("20:59", ny(2026, 6, 10, 20, 59), None),
        ("21:00", ny(2026, 6, 10, 21, 0), blocked("regf.quiet_hours")),
    ];
    for (description, at, expected) in cases {
        assert_eq!(
            check("us-regf", &request(Channel::Call, at), &borrower(), &[]),
            expected,
            "{description}"
        );
    }
}

#[test]
fn the_same_utc_hour_is_before_8_in_winter_and_after_8_in_summer_time() {
    // 12:30 UTC is 07:30 EST on 7 March 2026 and 08:30 EDT on 9 March (DST began on the 8th).
    let winter = request(Channel::Call, "2026-03-07T12:30:00Z".parse().unwrap());
    let summer = request(Channel::Call, "2026-03-09T12:30:00Z".parse().unwrap());
    assert_eq!(
        check("us-regf", &winter, &borrower(), &[]),
        blocked("regf.quiet_hours")
    );
    assert_eq!(check("us-regf", &summer, &borrower(), &[]), None);
    // And back: 1 November 2026 ends DST; 12:30 UTC is 07:30 EST.
    let autumn = request(Channel::Call, "2026-11-02T12:30:00Z".parse().unwrap());
    assert_eq!(
        check("us-regf", &autumn, &borrower(), &[]),
        blocked("regf.quiet_hours")
    );
}

#[test]
fn an_eighth_call_in_seven_local_days_about_one_debt_is_blocked() {
    let ledger = seven_calls(16);
    let on_the_seventh_day = request(Channel::Call, ny(2026, 3, 16, 15, 0));
    assert_eq!(
        check("us-regf", &on_the_seventh_day, &borrower(), &ledger),
        blocked("regf.call_frequency")
    );
    let on_the_eighth_day = request(Channel::Call, ny(2026, 3, 17, 9, 0));
    assert_eq!(
        check("us-regf", &on_the_eighth_day, &borrower(), &ledger),
        None
    );

    let mut other_debt = on_the_seventh_day.clone();
    other_debt.loan_id = Some(99);
    assert_eq!(
        check("us-regf", &other_debt, &borrower(), &ledger),
        None,
        "per debt"
    );

    let mut untied = ledger.clone();
    for event in &mut untied {
        event.loan_id = None;
    }
    assert_eq!(
        check("us-regf", &other_debt, &borrower(), &untied),
        blocked("regf.call_frequency"),
        "a call tied to no loan counts against every debt"
    );
}

#[test]
fn the_seven_day_window_follows_local_days_across_the_dst_change() {
    // The window for a call on 12 March (EDT) starts at local midnight on 6 March (EST), which
    // is 05:00 UTC. A call at 23:30 EST on 5 March (04:30 UTC on the 6th) is outside it; a
    // window taken as "local midnight today minus 6 × 24 h" in UTC would wrongly include it.
    let mut ledger: Vec<_> = (0..6)
        .map(|n| call(ny(2026, 3, 7 + n, 10, 0), ContactResult::Attempted))
        .collect();
    ledger.push(call(ny(2026, 3, 5, 23, 30), ContactResult::Attempted));
    let ask = request(Channel::Call, ny(2026, 3, 12, 15, 0));
    assert_eq!(check("us-regf", &ask, &borrower(), &ledger), None);
    ledger.push(call(ny(2026, 3, 6, 0, 30), ContactResult::Attempted));
    assert_eq!(
        check("us-regf", &ask, &borrower(), &ledger),
        blocked("regf.call_frequency")
    );
}

#[test]
fn no_call_within_seven_days_of_a_conversation_counting_its_day_as_day_one() {
    let conversation = [call(ny(2026, 6, 1, 10, 0), ContactResult::Connected)];
    for (description, day, expected) in [
        ("same day", 1, blocked("regf.conversation_cooldown")),
        ("day 7", 7, blocked("regf.conversation_cooldown")),
        ("day 8", 8, None),
    ] {
        let ask = request(Channel::Call, ny(2026, 6, day, 15, 0));
        assert_eq!(
            check("us-regf", &ask, &borrower(), &conversation),
            expected,
            "{description}"
        );
    }
    let mut other_debt = request(Channel::Call, ny(2026, 6, 3, 15, 0));
    other_debt.loan_id = Some(99);
    assert_eq!(
        check("us-regf", &other_debt, &borrower(), &conversation),
        None
    );
    assert_eq!(
        check(
            "us-regf",
            &request(Channel::Letter, ny(2026, 6, 3, 15, 0)),
            &borrower(),
            &conversation
        ),
        None,
        "the call rules govern calls only"
    );
}

#[test]
fn calls_with_recent_direct_consent_are_excluded_from_the_frequency_rules() {
    let ledger = seven_calls(16);
    let ask = request(Channel::Call, ny(2026, 3, 16, 15, 0));
    assert_eq!(
        check("us-regf", &ask, &borrower(), &ledger),
        blocked("regf.call_frequency")
    );

    // A consent that covered the 10:00 call on the 16th takes that call out of the count.
    let mut consented_this_morning = borrower();
    consented_this_morning.consent = Some(Consent {
        given_at: ny(2026, 3, 16, 9, 0),
        expires_at: ny(2026, 3, 16, 11, 0),
    });
    assert_eq!(
        check("us-regf", &ask, &consented_this_morning, &ledger),
        None
    );

    // A consent that covers the request itself exempts it.
    let mut consenting = borrower();
    consenting.consent = Some(Consent {
        given_at: ny(2026, 3, 16, 12, 0),
        expires_at: ny(2026, 3, 30, 0, 0),
    });
    assert_eq!(check("us-regf", &ask, &consenting, &ledger), None);
    // Only while it is recent: a consent given more than seven days before the call (though
    // not expired) neither exempts it nor takes the calls after those seven days out.
    let mut old_consent = borrower();
    old_consent.consent = Some(Consent {
        given_at: ny(2026, 3, 1, 12, 0),
        expires_at: ny(2026, 3, 30, 0, 0),
    });
    assert_eq!(
        check("us-regf", &ask, &old_consent, &ledger),
        blocked("regf.call_frequency")
    );
}

#[test]
fn medium_opt_outs_cease_requests_and_representation_are_honoured() {
    let at = ny(2026, 6, 10, 10, 0);
    let mut opted_out = borrower();
    opted_out.opted_out = ChannelSet::from_iter([Channel::Email]);
    assert_eq!(
        check("us-regf", &request(Channel::Email, at), &opted_out, &[]),
        blocked("regf.opt_out")
    );

    let mut ceased = borrower();
    ceased.flags.cease_request = true;
    assert_eq!(
        check("us-regf", &request(Channel::Call, at), &ceased, &[]),
        blocked("regf.flag.cease_request")
    );
    let mut notice = request(Channel::Letter, at);
    notice.template = TemplateClass::LegalNotice;
    assert_eq!(check("us-regf", &notice, &ceased, &[]), None);

    let mut represented = borrower();
    represented.flags.represented_by_lawyer = true;
    assert_eq!(
        check("us-regf", &request(Channel::Call, at), &represented, &[]),
        blocked("regf.flag.represented_by_lawyer")
    );
    let mut to_lawyer = request(Channel::Call, at);
    to_lawyer.party = Party::Lawyer;
    assert_eq!(check("us-regf", &to_lawyer, &represented, &[]), None);
}

#[test]
fn without_a_time_zone_us_regf_fails_closed() {
    let ask = request(Channel::Call, ny(2026, 6, 10, 10, 0));
    assert_eq!(
        check("us-regf", &ask, &standing(), &[]),
        blocked("regf.fail_closed.unknown_time_zone")
    );
}

#[test]
fn the_minimum_gap_applies_under_us_regf_too() {
    let at = ny(2026, 6, 10, 10, 0);
    let ledger = [event(at - TimeDelta::minutes(5), Channel::Email)];
    assert_eq!(
        check("us-regf", &request(Channel::Sms, at), &borrower(), &ledger),
        blocked("regf.minimum_gap")
    );
}
