//! The `cn` profile, rule by rule, with hand-built ledgers in Asia/Shanghai local time.

use chrono::TimeDelta;
use recoup_compliance::{ChannelSet, Consent, Decision, Flags, TemplateClass};
use recoup_core::contact::{Channel, ContactResult, Party};

use crate::support::*;

#[test]
fn calls_in_daytime_are_permitted_and_quiet_hours_block_calls_messages_and_visits() {
    let cases = [
        ("21:59 call", Channel::Call, sh(2026, 3, 10, 21, 59), None),
        (
            "22:00 call",
            Channel::Call,
            sh(2026, 3, 10, 22, 0),
            blocked("cn.quiet_hours"),
        ),
        (
            "07:59 sms",
            Channel::Sms,
            sh(2026, 3, 10, 7, 59),
            blocked("cn.quiet_hours"),
        ),
        ("08:00 sms", Channel::Sms, sh(2026, 3, 10, 8, 0), None),
        (
            "23:00 wechat",
            Channel::WeChat,
            sh(2026, 3, 10, 23, 0),
            blocked("cn.quiet_hours"),
        ),
        ("03:00 letter", Channel::Letter, sh(2026, 3, 10, 3, 0), None),
    ];
    for (description, channel, at, expected) in cases {
        assert_eq!(
            check("cn", &request(channel, at), &standing(), &[]),
            expected,
            "{description}"
        );
    }
}

#[test]
fn consent_lifts_quiet_hours_only_while_it_lasts_and_bounds_the_permit() {
    let at = sh(2026, 3, 10, 22, 30);
    let mut borrower = standing();
    borrower.consent = Some(Consent {
        given_at: sh(2026, 3, 10, 12, 0),
        expires_at: sh(2026, 3, 10, 22, 40),
    });
    let decision = decide(&guard("cn"), &request(Channel::Call, at), &borrower, &[]);
    let Decision::Permitted(permit) = decision else {
        panic!("expected a permit, got {decision:?}")
    };
    assert_eq!(permit.valid_until(), sh(2026, 3, 10, 22, 40));

    let late = request(Channel::Call, sh(2026, 3, 10, 22, 45));
    assert_eq!(
        check("cn", &late, &borrower, &[]),
        blocked("cn.quiet_hours")
    );

    borrower.consent = Some(Consent {
        given_at: sh(2026, 3, 10, 23, 0),
        expires_at: sh(2026, 3, 11, 1, 0),
    });
    assert_eq!(
        check("cn", &request(Channel::Call, at), &borrower, &[]),
        blocked("cn.quiet_hours"),
        "a consent given after the contact does not cover it"
    );
}

#[test]
fn a_permit_records_what_it_permits_and_expires_at_quiet_hours() {
    let mut ask = request(Channel::Call, sh(2026, 3, 10, 21, 50));
    ask.loan_id = Some(77);
    let Decision::Permitted(permit) = decide(&guard("cn"), &ask, &standing(), &[]) else {
        panic!("expected a permit")
    };
    assert_eq!(permit.borrower_id(), 1);
    assert_eq!(permit.loan_id(), Some(77));
    assert_eq!(permit.channel(), Channel::Call);
    assert_eq!(permit.party(), &Party::Borrower);
    assert_eq!(permit.address(), PHONE);
    assert_eq!(permit.template(), TemplateClass::Normal);
    assert_eq!(permit.profile(), "cn");
    assert_eq!(permit.profile_version(), "2026.1");
    assert_eq!(permit.valid_from(), sh(2026, 3, 10, 21, 50));
    assert_eq!(
        permit.valid_until(),
        sh(2026, 3, 10, 22, 0),
        "quiet hours start before 15 minutes pass"
    );
    assert!(permit.is_valid_at(sh(2026, 3, 10, 21, 59)));
    assert!(!permit.is_valid_at(sh(2026, 3, 10, 22, 0)));

    let Decision::Permitted(permit) = decide(
        &guard("cn"),
        &request(Channel::Call, sh(2026, 3, 10, 10, 0)),
        &standing(),
        &[],
    ) else {
        panic!("expected a permit")
    };
    assert_eq!(permit.valid_until(), sh(2026, 3, 10, 10, 15));
}

#[test]
fn a_fourth_connected_call_in_a_local_day_is_blocked_across_numbers_and_loans() {
    let mut first = call(sh(2026, 3, 10, 9, 0), ContactResult::Connected);
    first.address = OTHER_PHONE.into();
    let mut second = call(sh(2026, 3, 10, 11, 0), ContactResult::Connected);
    second.loan_id = Some(11);
    let third = call(sh(2026, 3, 10, 14, 0), ContactResult::Connected);
    let ledger = [first, second, third];
    let ask = request(Channel::Call, sh(2026, 3, 10, 16, 0));
    assert_eq!(check("cn", &ask, &standing(), &ledger[..2]), None);
    assert_eq!(
        check("cn", &ask, &standing(), &ledger),
        blocked("cn.daily_connected_calls")
    );
    let next_day = request(Channel::Call, sh(2026, 3, 11, 8, 0));
    assert_eq!(check("cn", &next_day, &standing(), &ledger), None);
}

#[test]
fn an_event_at_23_30_shanghai_counts_on_that_local_day_not_the_next() {
    let mut borrower = standing();
    borrower.consent = Some(Consent {
        given_at: sh(2026, 3, 1, 0, 0),
        expires_at: sh(2026, 4, 1, 0, 0),
    });
    let ledger = [
        call(sh(2026, 3, 10, 9, 0), ContactResult::Connected),
        call(sh(2026, 3, 10, 12, 0), ContactResult::Connected),
        // 15:30 UTC on the 10th: a server counting UTC days would agree here, but the
        // local-day rule is what makes it the 10th.
        call(sh(2026, 3, 10, 23, 30), ContactResult::Connected),
    ];
    let same_night = request(Channel::Call, sh(2026, 3, 10, 23, 45));
    assert_eq!(
        check("cn", &same_night, &borrower, &ledger),
        blocked("cn.daily_connected_calls")
    );
    let next_morning = request(Channel::Call, sh(2026, 3, 11, 0, 10));
    assert_eq!(check("cn", &next_morning, &borrower, &ledger), None);
}

#[test]
fn utc_midnight_does_not_reset_the_daily_counters() {
    // 08:00 in Shanghai is midnight UTC: calls at 07:00–07:50 local (with consent) are on the
    // previous UTC day but the same local day as an 08:30 call.
    let mut borrower = standing();
    borrower.consent = Some(Consent {
        given_at: sh(2026, 3, 1, 0, 0),
        expires_at: sh(2026, 4, 1, 0, 0),
    });
    let ledger = [
        call(sh(2026, 3, 10, 7, 0), ContactResult::Connected),
        call(sh(2026, 3, 10, 7, 20), ContactResult::Connected),
        call(sh(2026, 3, 10, 7, 40), ContactResult::Connected),
    ];
    assert_eq!(ledger[2].at.date_naive().to_string(), "2026-03-09");
    let ask = request(Channel::Call, sh(2026, 3, 10, 8, 30));
    assert_eq!(ask.at.date_naive().to_string(), "2026-03-10");
    assert_eq!(
        check("cn", &ask, &borrower, &ledger),
        blocked("cn.daily_connected_calls")
    );
}

#[test]
fn a_seventh_unanswered_attempt_to_one_number_is_blocked_but_another_number_is_not() {
    let ledger: Vec<_> = (0..6)
        .map(|n| {
            call(
                sh(2026, 3, 10, 8, 0) + TimeDelta::minutes(40 * n),
                ContactResult::Attempted,
            )
        })
        .collect();
    let ask = request(Channel::Call, sh(2026, 3, 10, 13, 0));
    assert_eq!(check("cn", &ask, &standing(), &ledger[..5]), None);
    assert_eq!(
        check("cn", &ask, &standing(), &ledger),
        blocked("cn.daily_unanswered_per_number")
    );
    let mut other_number = ask.clone();
    other_number.address = OTHER_PHONE.into();
    assert_eq!(check("cn", &other_number, &standing(), &ledger), None);
}

#[test]
fn third_parties_are_registered_contacts_reached_only_while_the_borrower_is_lost() {
    let at = sh(2026, 3, 10, 10, 0);
    let mut ask = request(Channel::Call, at);
    ask.party = Party::ThirdParty { contact_seq: 1 };
    ask.template = TemplateClass::ThirdPartyLocate;
    let mut lost = standing();
    lost.lost_contact = true;

    assert_eq!(check("cn", &ask, &lost, &[]), None);
    assert_eq!(
        check("cn", &ask, &standing(), &[]),
        blocked("cn.third_party.borrower_reachable")
    );

    let mut stranger = ask.clone();
    stranger.party = Party::ThirdParty { contact_seq: 9 };
    assert_eq!(
        check("cn", &stranger, &lost, &[]),
        blocked("cn.third_party.unregistered")
    );

    let mut tells_of_debt = ask.clone();
    tells_of_debt.template = TemplateClass::Normal;
    assert_eq!(
        check("cn", &tells_of_debt, &lost, &[]),
        blocked("cn.third_party.template")
    );

    let mut message = ask.clone();
    message.template = TemplateClass::ThirdPartyMessage;
    assert_eq!(check("cn", &message, &lost, &[]), None);

    let mut by_wechat = ask.clone();
    by_wechat.channel = Channel::WeChat;
    assert_eq!(
        check("cn", &by_wechat, &lost, &[]),
        blocked("cn.third_party.channel")
    );

    let mut refused = lost.clone();
    refused.refused_contacts = vec![1];
    assert_eq!(
        check("cn", &ask, &refused, &[]),
        blocked("cn.third_party.refused")
    );
}

#[test]
fn field_visits_need_two_distinct_collectors_and_daytime_hours() {
    let mut visit = request(Channel::FieldVisit, sh(2026, 3, 10, 10, 0));
    visit.address = "上海市浦东新区 1 号".into();
    visit.collectors = vec!["zhang".into()];
    assert_eq!(
        check("cn", &visit, &standing(), &[]),
        blocked("cn.field_visit.collectors")
    );
    visit.collectors = vec!["zhang".into(), " zhang".into()];
    assert_eq!(
        check("cn", &visit, &standing(), &[]),
        blocked("cn.field_visit.collectors")
    );
    visit.collectors = vec!["zhang".into(), "li".into()];
    assert_eq!(check("cn", &visit, &standing(), &[]), None);

    visit.at = sh(2026, 3, 10, 20, 30);
    assert_eq!(
        check("cn", &visit, &standing(), &[]),
        blocked("cn.field_visit.hours")
    );
    visit.at = sh(2026, 3, 10, 23, 0);
    assert_eq!(
        check("cn", &visit, &standing(), &[]),
        blocked("cn.quiet_hours")
    );

    visit.at = sh(2026, 3, 10, 19, 50);
    let Decision::Permitted(permit) = decide(&guard("cn"), &visit, &standing(), &[]) else {
        panic!("expected a permit")
    };
    assert_eq!(permit.valid_until(), sh(2026, 3, 10, 20, 0));
}

#[test]
fn flags_block_all_but_the_channels_their_section_allows() {
    let at = sh(2026, 3, 10, 10, 0);
    let mut notice = request(Channel::Letter, at);
    notice.template = TemplateClass::LegalNotice;
    let flagged = |flags: Flags| BorrowerStanding {
        flags,
        ..standing()
    };
    let cases = [
        (
            "dnc blocks even a legal notice",
            Flags {
                do_not_contact: true,
                ..Flags::default()
            },
            notice.clone(),
            blocked("cn.flag.do_not_contact"),
        ),
        (
            "dispute blocks calls",
            Flags {
                dispute: true,
                ..Flags::default()
            },
            request(Channel::Call, at),
            blocked("cn.flag.dispute"),
        ),
        (
            "dispute allows a letter notice",
            Flags {
                dispute: true,
                ..Flags::default()
            },
            notice.clone(),
            None,
        ),
        (
            "bankruptcy blocks sms",
            Flags {
                bankruptcy: true,
                ..Flags::default()
            },
            request(Channel::Sms, at),
            blocked("cn.flag.bankruptcy"),
        ),
        (
            "deceased blocks a normal letter",
            Flags {
                deceased: true,
                ..Flags::default()
            },
            request(Channel::Letter, at),
            blocked("cn.flag.deceased"),
        ),
        (
            "cease request blocks calls",
            Flags {
                cease_request: true,
                ..Flags::default()
            },
            request(Channel::Call, at),
            blocked("cn.flag.cease_request"),
        ),
        (
            "represented: not the borrower",
            Flags {
                represented_by_lawyer: true,
                ..Flags::default()
            },
            request(Channel::Call, at),
            blocked("cn.flag.represented_by_lawyer"),
        ),
    ];
    for (description, flags, ask, expected) in cases {
        assert_eq!(
            check("cn", &ask, &flagged(flags), &[]),
            expected,
            "{description}"
        );
    }
}

#[test]
fn the_lawyer_is_contacted_only_when_on_record() {
    let mut ask = request(Channel::Call, sh(2026, 3, 10, 10, 0));
    ask.party = Party::Lawyer;
    assert_eq!(
        check("cn", &ask, &standing(), &[]),
        blocked("cn.lawyer_not_on_record")
    );
    let mut represented = standing();
    represented.flags.represented_by_lawyer = true;
    assert_eq!(check("cn", &ask, &represented, &[]), None);
}

#[test]
fn an_opted_out_channel_is_not_used_but_others_are() {
    let at = sh(2026, 3, 10, 10, 0);
    let mut borrower = standing();
    borrower.opted_out = ChannelSet::from_iter([Channel::Sms]);
    assert_eq!(
        check("cn", &request(Channel::Sms, at), &borrower, &[]),
        blocked("cn.opt_out")
    );
    assert_eq!(
        check("cn", &request(Channel::Call, at), &borrower, &[]),
        None
    );
}

#[test]
fn contacts_with_the_same_person_keep_the_minimum_gap() {
    let at = sh(2026, 3, 10, 10, 0);
    let sms_ten_minutes_ago = [event(at - TimeDelta::minutes(10), Channel::Sms)];
    let sms_thirty_minutes_ago = [event(at - TimeDelta::minutes(30), Channel::Sms)];
    let letter_ten_minutes_ago = [event(at - TimeDelta::minutes(10), Channel::Letter)];
    let ask = request(Channel::Call, at);
    assert_eq!(
        check("cn", &ask, &standing(), &sms_ten_minutes_ago),
        blocked("cn.minimum_gap")
    );
    assert_eq!(
        check("cn", &ask, &standing(), &sms_thirty_minutes_ago),
        None
    );
    assert_eq!(
        check("cn", &ask, &standing(), &letter_ten_minutes_ago),
        None
    );
    assert_eq!(
        check(
            "cn",
            &request(Channel::Letter, at),
            &standing(),
            &sms_ten_minutes_ago
        ),
        None,
        "letters are outside the gap rule"
    );
}

use recoup_compliance::BorrowerStanding;
