//! Helpers shared by the tests: instants in a local time zone, a default request, standing and
//! ledger events, and one `check` entry point that returns the blocking rule id.

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use recoup_compliance::{
    BorrowerStanding, ContactRequest, Decision, Guard, History, Profile, TemplateClass,
};
use recoup_core::contact::{Channel, ContactEvent, ContactResult, Party};

pub const SHANGHAI: Tz = chrono_tz::Asia::Shanghai;
pub const NEW_YORK: Tz = chrono_tz::America::New_York;
pub const PHONE: &str = "+8613800000001";
pub const OTHER_PHONE: &str = "+8613900000002";

/// The instant a local clock in `tz` shows `y-m-d h:mi` (the earlier one when ambiguous).
pub fn local(tz: Tz, y: i32, m: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    let naive = NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(h, mi, 0)
        .unwrap();
    tz.from_local_datetime(&naive)
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

pub fn sh(y: i32, m: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    local(SHANGHAI, y, m, d, h, mi)
}

pub fn ny(y: i32, m: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    local(NEW_YORK, y, m, d, h, mi)
}

pub fn guard(name: &str) -> Guard {
    Guard::new(Profile::builtin(name).unwrap())
}

pub fn request(channel: Channel, at: DateTime<Utc>) -> ContactRequest {
    ContactRequest {
        borrower_id: 1,
        loan_id: Some(10),
        channel,
        party: Party::Borrower,
        address: PHONE.to_string(),
        at,
        template: TemplateClass::Normal,
        collectors: Vec::new(),
    }
}

/// A reachable borrower with two registered contacts and no known time zone (the profile's
/// default applies).
pub fn standing() -> BorrowerStanding {
    BorrowerStanding {
        registered_contacts: vec![1, 2],
        ..BorrowerStanding::default()
    }
}

pub fn standing_in(tz: Tz) -> BorrowerStanding {
    BorrowerStanding {
        time_zone: Some(tz),
        ..standing()
    }
}

pub fn call(at: DateTime<Utc>, result: ContactResult) -> ContactEvent {
    ContactEvent {
        borrower_id: 1,
        loan_id: Some(10),
        at,
        channel: Channel::Call,
        party: Party::Borrower,
        address: PHONE.to_string(),
        result,
        conversation: result == ContactResult::Connected,
    }
}

pub fn event(at: DateTime<Utc>, channel: Channel) -> ContactEvent {
    ContactEvent {
        channel,
        ..call(at, ContactResult::Attempted)
    }
}

/// Checks with a ledger slice complete for the profile's whole history window.
pub fn decide(
    guard: &Guard,
    request: &ContactRequest,
    standing: &BorrowerStanding,
    events: &[ContactEvent],
) -> Decision {
    let history = History {
        events,
        complete_since: Some(request.at - TimeDelta::days(30)),
    };
    guard.check(request, standing, history)
}

/// `None` when permitted, else the blocking rule id.
pub fn check(
    profile: &str,
    request: &ContactRequest,
    standing: &BorrowerStanding,
    events: &[ContactEvent],
) -> Option<String> {
    let decision = decide(&guard(profile), request, standing, events);
    decision.blocking_rule().map(|rule| rule.to_string())
}

pub fn blocked(rule: &str) -> Option<String> {
    Some(rule.to_string())
}
