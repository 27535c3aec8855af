//! Local calendar arithmetic in the borrower's time zone: where a local day starts as a UTC
//! instant, and the next instant a local clock shows a given time. The guard turns local-day
//! windows into instants once per check, so counting the ledger compares instants only.

use chrono::{
    DateTime, Days, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc,
};
use chrono_tz::Tz;

/// Steps used to walk out of a DST gap: every zone's gaps are whole multiples of 15 minutes.
const GAP_STEP_MINUTES: i64 = 15;
const GAP_STEPS: i64 = 4 * 26;

/// The earliest instant of `local` in `tz`. A local time inside a DST gap does not exist; the
/// first existing local time after it (the transition) is taken, and an ambiguous one (DST
/// ends) takes its earlier instant.
pub(crate) fn earliest_instant(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    // Almost every local time exists exactly once; try it before walking out of a gap.
    if let LocalResult::Single(instant) = tz.from_local_datetime(&local) {
        return Some(instant.with_timezone(&Utc));
    }
    for step in 0..GAP_STEPS {
        let candidate = local + TimeDelta::minutes(step * GAP_STEP_MINUTES);
        if let Some(instant) = tz.from_local_datetime(&candidate).earliest() {
            return Some(instant.with_timezone(&Utc));
        }
    }
    None
}

/// The instant the local calendar day `date` starts in `tz`.
pub(crate) fn start_of_day(tz: Tz, date: NaiveDate) -> Option<DateTime<Utc>> {
    earliest_instant(tz, date.and_time(NaiveTime::MIN))
}

/// The start of the local day `days_back` days before `date`.
pub(crate) fn start_of_day_before(
    tz: Tz,
    date: NaiveDate,
    days_back: u32,
) -> Option<DateTime<Utc>> {
    start_of_day(tz, date.checked_sub_days(Days::new(u64::from(days_back)))?)
}

/// The first instant after `now` (whose local wall time is `local_now`) at which the local clock
/// shows `second_of_day`.
pub(crate) fn next_local_time(
    tz: Tz,
    now: DateTime<Utc>,
    local_now: NaiveDateTime,
    second_of_day: u32,
) -> Option<DateTime<Utc>> {
    let time = NaiveTime::from_num_seconds_from_midnight_opt(second_of_day, 0)?;
    let today = local_now.date().and_time(time);
    for local in [today, today.checked_add_days(Days::new(1))?] {
        if let Some(instant) = earliest_instant(tz, local) {
            if instant > now {
                return Some(instant);
            }
        }
    }
    None
}
