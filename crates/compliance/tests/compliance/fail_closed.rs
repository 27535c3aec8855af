//! Fail-closed cases: a counter or clock the guard cannot trust blocks the contact with a
//! named rule instead of letting it through.

use chrono::TimeDelta;
use recoup_compliance::History;
use recoup_core::contact::{Channel, ContactResult};

use crate::support::*;

#[test]
fn a_missing_or_late_history_marker_blocks() {
    let ask = request(Channel::Sms, sh(2026, 3, 10, 10, 0));
    let guard = guard("cn");
    let no_marker = History {
        events: &[],
        complete_since: None,
    };
    let decision = guard.check(&ask, &standing(), no_marker);
    assert_eq!(
        decision.blocking_rule().unwrap().to_string(),
        "cn.fail_closed.missing_history"
    );

    let too_late = History {
        events: &[],
        complete_since: Some(ask.at - TimeDelta::days(2)),
    };
    let decision = guard.check(&ask, &standing(), too_late);
    assert_eq!(
        decision.blocking_rule().unwrap().to_string(),
        "cn.fail_closed.missing_history"
    );

    let just_enough = History {
        events: &[],
        complete_since: Some(guard.history_since(ask.at)),
    };
    assert!(guard.check(&ask, &standing(), just_enough).is_permitted());
}

#[test]
fn an_event_after_the_contact_instant_blocks() {
    let at = sh(2026, 3, 10, 10, 0);
    let ledger = [call(at + TimeDelta::seconds(1), ContactResult::Attempted)];
    assert_eq!(
        check("cn", &request(Channel::Letter, at), &standing(), &ledger),
        blocked("cn.fail_closed.event_in_future")
    );
}

#[test]
fn another_borrowers_event_in_the_slice_blocks() {
    let at = sh(2026, 3, 10, 10, 0);
    let mut stray = call(at - TimeDelta::hours(3), ContactResult::Attempted);
    stray.borrower_id = 2;
    assert_eq!(
        check("cn", &request(Channel::Sms, at), &standing(), &[stray]),
        blocked("cn.fail_closed.foreign_event")
    );
}

#[test]
fn an_internal_action_is_never_given_a_permit() {
    let ask = request(Channel::VehicleLocationCheck, sh(2026, 3, 10, 10, 0));
    assert_eq!(
        check("cn", &ask, &standing(), &[]),
        blocked("cn.fail_closed.not_a_contact")
    );
}

#[test]
fn a_borrower_in_another_zone_is_checked_in_that_zone_even_under_cn() {
    // 11:30 in Shanghai on 4 March is 22:30 the evening before in New York (13 hours behind
    // in winter): daytime for the default zone, quiet hours for this borrower.
    let ask = request(Channel::Call, sh(2026, 3, 4, 11, 30));
    assert_eq!(check("cn", &ask, &standing(), &[]), None);
    assert_eq!(
        check("cn", &ask, &standing_in(NEW_YORK), &[]),
        blocked("cn.quiet_hours")
    );
}
