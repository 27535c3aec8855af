//! Date arithmetic for repayment calendars: months that end early, the repayment day clamped to
//! the last day of a short month, and month-end detection for snapshots.

use chrono::{Datelike, NaiveDate};

/// The last day of the month that `date` is in.
pub fn month_end(date: NaiveDate) -> NaiveDate {
    let (year, month) = (date.year(), date.month());
    let (next_year, next_month) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    // Day 1 of any month exists, and the day before it is the month end.
    NaiveDate::from_ymd_opt(next_year, next_month, 1)
        .and_then(|d| d.pred_opt())
        .unwrap_or(date)
}

/// Whether `date` is the last day of its month.
pub fn is_month_end(date: NaiveDate) -> bool {
    month_end(date) == date
}

/// The date `months` calendar months after `start`'s month, on `day`, clamped to that month's
/// last day (day 31 in February is the 28th or 29th).
pub fn add_months_on_day(start: NaiveDate, months: u32, day: u32) -> NaiveDate {
    let total = start.year() * 12 + start.month0() as i32 + months as i32;
    let (year, month) = (total.div_euclid(12), total.rem_euclid(12) as u32 + 1);
    // One constructor call per date: schedules build tens of millions of due dates a second.
    NaiveDate::from_ymd_opt(year, month, day.clamp(1, days_in_month(year, month))).unwrap_or(start)
}

/// Days in `month` (1–12) of `year`, Gregorian.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// `YYYY-MM` of a date, the key of a month-end snapshot.
pub fn month_key(date: NaiveDate) -> String {
    format!("{:04}-{:02}", date.year(), date.month())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn day_31_clamps_to_short_months() {
        assert_eq!(add_months_on_day(d(2026, 1, 31), 1, 31), d(2026, 2, 28));
        assert_eq!(add_months_on_day(d(2028, 1, 31), 1, 31), d(2028, 2, 29));
        assert_eq!(add_months_on_day(d(2026, 1, 31), 3, 31), d(2026, 4, 30));
        assert_eq!(add_months_on_day(d(2026, 1, 31), 2, 31), d(2026, 3, 31));
        assert_eq!(add_months_on_day(d(2026, 11, 15), 2, 15), d(2027, 1, 15));
    }

    #[test]
    fn month_ends_are_found() {
        assert_eq!(month_end(d(2026, 2, 3)), d(2026, 2, 28));
        assert_eq!(month_end(d(2026, 12, 3)), d(2026, 12, 31));
        assert!(is_month_end(d(2024, 2, 29)));
        assert!(!is_month_end(d(2024, 2, 28)));
    }

    #[test]
    fn days_in_month_knows_leap_years() {
        for (year, month) in [(2024, 2), (2100, 2), (2000, 2), (2026, 4), (2026, 12)] {
            let first = d(year, month, 1);
            assert_eq!(
                days_in_month(year, month),
                month_end(first).day(),
                "{year}-{month}"
            );
        }
    }
}
