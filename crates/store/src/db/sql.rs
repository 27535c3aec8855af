//! SQL text helpers: one dialect for both backends, multi-row VALUES lists, and the text forms
//! of dates and codes.

use std::borrow::Cow;

use chrono::NaiveDate;

use crate::db::error::StoreError;
use crate::Backend;

/// Rewrites `?` placeholders to `$1, $2, …` for PostgreSQL; SQLite takes `?` as written.
/// Question marks inside quoted literals are left alone.
pub(crate) fn dialect(backend: Backend, sql: &str) -> Cow<'_, str> {
    if backend == Backend::Sqlite || !sql.contains('?') {
        return Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    let mut in_quote = false;
    for ch in sql.chars() {
        match ch {
            '\'' => {
                in_quote = !in_quote;
                out.push(ch);
            }
            '?' if !in_quote => {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            }
            _ => out.push(ch),
        }
    }
    Cow::Owned(out)
}

/// `(?, ?, ?), (?, ?, ?)` for `rows` rows of `cols` columns.
pub(crate) fn values_list(cols: usize, rows: usize) -> String {
    let one = format!("({})", vec!["?"; cols].join(", "));
    vec![one; rows].join(", ")
}

/// `?, ?, ?` for an `IN (…)` list of `n` items.
pub(crate) fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

pub(crate) fn date_text(date: NaiveDate) -> String {
    // Display is ISO-8601 and far cheaper than a format string, which is parsed on every call;
    // end-of-day formats millions of dates.
    date.to_string()
}

pub(crate) fn opt_date_text(date: Option<NaiveDate>) -> Option<String> {
    date.map(date_text)
}

pub(crate) fn parse_date(text: &str) -> Result<NaiveDate, StoreError> {
    text.parse::<NaiveDate>()
        .map_err(|_| StoreError::Corrupt(format!("`{text}` is not a stored date")))
}

pub(crate) fn parse_opt_date(text: Option<String>) -> Result<Option<NaiveDate>, StoreError> {
    text.as_deref().map(parse_date).transpose()
}

/// Rows per multi-row statement: well under SQLite's and PostgreSQL's parameter limits.
pub(crate) fn rows_per_statement(cols: usize) -> usize {
    (30_000 / cols.max(1)).clamp(1, 1_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_for_postgres_only() {
        let sql = "SELECT a FROM t WHERE b = ? AND c = '?' AND d IN (?, ?)";
        assert_eq!(dialect(Backend::Sqlite, sql), sql);
        assert_eq!(
            dialect(Backend::Postgres, sql),
            "SELECT a FROM t WHERE b = $1 AND c = '?' AND d IN ($2, $3)"
        );
    }

    #[test]
    fn dates_round_trip_as_iso_text() {
        let date = NaiveDate::from_ymd_opt(2026, 2, 3).unwrap();
        assert_eq!(date_text(date), "2026-02-03");
        assert_eq!(parse_date("2026-02-03").unwrap(), date);
        assert!(parse_date("2026-02-30").is_err());
        assert!(parse_date("03/02/2026").is_err());
    }

    #[test]
    fn values_lists_have_the_right_shape() {
        assert_eq!(values_list(2, 2), "(?, ?), (?, ?)");
        assert_eq!(placeholders(3), "?, ?, ?");
    }
}

/// A query being bound (any backend).
pub(crate) type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Inserts `rows` into `into` — a table and its column list, `"journal (recorded_at, kind)"` —
/// with multi-row statements of a few fixed sizes (see [`batches`]), `bind` binding one row's
/// values in column order. `tail` follows the VALUES list (`ON CONFLICT …`, or empty). The one
/// way the store writes many rows: a statement per row costs a round trip and a VM setup each.
pub(crate) async fn insert_rows<T>(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    into: &str,
    tail: &str,
    rows: &[T],
    bind: impl for<'a> Fn(AnyQuery<'a>, &'a T) -> AnyQuery<'a>,
) -> Result<(), StoreError> {
    let cols = column_count(into);
    for chunk in batches(rows, rows_per_statement(cols)) {
        let sql = format!(
            "INSERT INTO {into} VALUES {} {tail}",
            values_list(cols, chunk.len())
        );
        let sql = dialect(backend, &sql);
        let mut query = sqlx::query(&sql);
        for row in chunk {
            query = bind(query, row);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// The number of columns in `table (a, b, c)`.
fn column_count(into: &str) -> usize {
    into.split_once('(')
        .map_or(0, |(_, list)| list.split(',').count())
}

/// Splits `items` into slices of a few fixed sizes (`max`, 256, 64, 16, 4, 1), so that
/// multi-row statements repeat the same SQL text and hit the prepared-statement cache instead
/// of preparing a new statement for every odd-sized batch.
pub(crate) fn batches<T>(items: &[T], max: usize) -> Vec<&[T]> {
    let mut out = Vec::new();
    let mut rest = items;
    while !rest.is_empty() {
        let size = [max, 256, 64, 16, 4, 1]
            .into_iter()
            .filter(|s| *s <= max.max(1))
            .find(|s| *s <= rest.len())
            .unwrap_or(1);
        let (head, tail) = rest.split_at(size);
        out.push(head);
        rest = tail;
    }
    out
}

#[cfg(test)]
mod batch_tests {
    use super::*;

    #[test]
    fn the_column_count_is_read_from_the_column_list() {
        assert_eq!(column_count("journal (recorded_at, kind, detail)"), 3);
        assert_eq!(column_count("t (a)"), 1);
    }

    #[test]
    fn batches_use_few_distinct_sizes_and_cover_everything() {
        let items: Vec<u32> = (0..1_337).collect();
        let parts = batches(&items, 1_000);
        let sizes: Vec<usize> = parts.iter().map(|p| p.len()).collect();
        assert_eq!(sizes, vec![1_000, 256, 64, 16, 1]);
        assert_eq!(parts.concat(), items);
        assert!(batches::<u32>(&[], 10).is_empty());
    }
}

/// An instant as stored: RFC 3339 UTC with milliseconds (`2026-11-22T08:30:00.000Z`). The
/// fixed width makes text order the same as time order, so SQL can compare instants.
pub(crate) fn instant_text(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub(crate) fn parse_instant(text: &str) -> Result<chrono::DateTime<chrono::Utc>, StoreError> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&chrono::Utc))
        .map_err(|_| StoreError::Corrupt(format!("`{text}` is not a stored instant")))
}

/// Lower-case hexadecimal.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        // Writing to a String cannot fail.
        let _ = write!(out, "{byte:02x}");
    }
    out
}

#[cfg(test)]
mod instant_tests {
    use super::*;

    #[test]
    fn instants_round_trip_and_sort_as_text() {
        let earlier = chrono::DateTime::from_timestamp(1_800_000_000, 5_000_000).unwrap();
        let later = chrono::DateTime::from_timestamp(1_800_000_010, 0).unwrap();
        assert_eq!(instant_text(earlier), "2027-01-15T08:00:00.005Z");
        assert_eq!(parse_instant(&instant_text(earlier)).unwrap(), earlier);
        assert!(instant_text(earlier) < instant_text(later));
        assert_eq!(hex(&[0, 15, 255]), "000fff");
    }
}
