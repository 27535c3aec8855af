//! Collection KPIs over a period of closed business dates, the collector leaderboard and the
//! language-QA flags on stored notes: read models for the dashboard and the compliance page.
//!
//! Definitions (also in `docs/kpis.md`):
//! - **cure rate**: past-due cases cured in the period over past-due cases open at some time in
//!   the period (from each case's current record, plus any case that cured in the period);
//! - **recovery rate**: money from payments allocated in the period to overdue amounts (penalty,
//!   fees, and principal and interest of installments due before the allocation's date) over the
//!   arrears on the last closed date before the period;
//! - **promise-kept rate**: promises due in the period kept in full over those settled (kept,
//!   partly kept, broken); open ones are pending;
//! - **right-party-contact rate**: ledger contacts in which the borrower was spoken to
//!   (`conversation`, set for the outcomes right-party contact, promise, refusal, dispute,
//!   hardship and claims-paid) over all contact attempts, per channel.
//!
//! Every query reads an index range for the period (migration 0009). Money is integer fen; the
//! ratios are left to the caller ([`ratio_ppm`]).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use recoup_core::role::Role;
use recoup_core::Fen;
use sqlx::Row;

use crate::db::error::StoreError;
use crate::db::sql::{date_text, dialect, placeholders};
use crate::Store;

/// A period of closed business dates and the instants that bound it in the lender's time zone
/// (`start` is midnight on `from`, `end` midnight after `to`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KpiPeriod {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl KpiPeriod {
    fn dates(&self) -> (String, String) {
        (date_text(self.from), date_text(self.to))
    }

    /// The instants as the stored text compares: seconds precision, no zone (every stored
    /// instant is UTC and starts `YYYY-MM-DDTHH:MM:SS`).
    fn instants(&self) -> (String, String) {
        (instant_key(self.start), instant_key(self.end))
    }
}

fn instant_key(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// `part` over `whole` in parts per million, rounded down; 0 when `whole` is not positive.
pub fn ratio_ppm(part: i64, whole: i64) -> u64 {
    if whole <= 0 || part <= 0 {
        return 0;
    }
    let ppm = i128::from(part) * 1_000_000 / i128::from(whole);
    u64::try_from(ppm).unwrap_or(u64::MAX)
}

/// Cures over the cases past due in the period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CureFigures {
    /// Past-due cases open at some time in the period.
    pub cases: i64,
    /// Of those, cases cured in the period.
    pub cured: i64,
}

/// Money collected on overdue amounts against the arrears at the period's start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecoveryFigures {
    /// The closed date whose arrears are the base: the last closed date before `from`, or
    /// `from` itself when it is the first closed date.
    pub base_date: Option<NaiveDate>,
    pub arrears_at_start: Fen,
    /// Payments allocated in the period to overdue amounts.
    pub collected_overdue: Fen,
    /// Everything payments paid in the period (overdue or not), for context.
    pub collected_total: Fen,
}

/// Promises due in the period by where they stand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PromiseFigures {
    pub kept: i64,
    pub partly_kept: i64,
    pub broken: i64,
    /// Due in the period but not yet settled by end-of-day.
    pub pending: i64,
    pub promised: Fen,
    /// Paid towards the settled promises by their due dates.
    pub paid: Fen,
}

/// Contact attempts and right-party contacts on one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelContactFigures {
    pub channel: String,
    pub attempts: i64,
    pub right_party: i64,
}

/// The KPIs of a period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KpiFigures {
    pub cures: CureFigures,
    pub recovery: RecoveryFigures,
    pub promises: PromiseFigures,
    /// By channel, most attempts first.
    pub contacts: Vec<ChannelContactFigures>,
}

/// One user's row of the leaderboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaderboardRow {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub active: bool,
    /// Open cases assigned to the user now.
    pub cases_held: i64,
    /// Contacts the user logged in the period.
    pub contacts: i64,
    pub right_party: i64,
    /// Promises the user took in the period.
    pub promises_made: i64,
    /// Promises the user took that fell due in the period and were kept in full.
    pub promises_kept: i64,
    /// Promises the user took that fell due in the period and were settled.
    pub promises_settled: i64,
    /// Payments valued in the period on the loans of the cases assigned to the user.
    pub collected: Fen,
    /// The user's cases cured in the period.
    pub cures: i64,
}

/// One note language QA flagged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlaggedNote {
    pub id: i64,
    pub borrower_id: i64,
    /// As stored (RFC 3339, UTC).
    pub at: String,
    pub author: String,
    pub text: String,
    /// The stored hits: a JSON array of `{category, term, start, end}`.
    pub flags: String,
}

fn sum_fen(row: &sqlx::any::AnyRow, idx: usize) -> Result<Fen, StoreError> {
    let value: Option<i64> = row.try_get(idx)?;
    Ok(Fen::new(value.unwrap_or(0)))
}

impl Store {
    /// The KPIs of a period of closed business dates.
    pub async fn kpis(&self, period: &KpiPeriod) -> Result<KpiFigures, StoreError> {
        Ok(KpiFigures {
            cures: self.cure_figures(period).await?,
            recovery: self.recovery_figures(period).await?,
            promises: self.promise_figures(period).await?,
            contacts: self.contact_figures(period).await?,
        })
    }

    async fn cure_figures(&self, period: &KpiPeriod) -> Result<CureFigures, StoreError> {
        let (from, to) = period.dates();
        // The partial index collection_case_past_due covers this count.
        let cases: i64 = sqlx::query_scalar(&dialect(
            self.backend,
            "SELECT COUNT(*) FROM collection_case WHERE past_due = 1 AND opened_on <= ? \
             AND (closed_on IS NULL OR closed_on >= ?)",
        ))
        .bind(&to)
        .bind(&from)
        .fetch_one(self.reader())
        .await?;
        let row = sqlx::query(&dialect(
            self.backend,
            "SELECT COUNT(DISTINCT e.borrower_id), \
             COUNT(DISTINCT CASE WHEN c.past_due = 1 AND c.opened_on <= ? \
             AND (c.closed_on IS NULL OR c.closed_on >= ?) THEN NULL ELSE e.borrower_id END) \
             FROM case_event e JOIN collection_case c ON c.borrower_id = e.borrower_id \
             WHERE e.kind = 'cured' AND e.business_date >= ? AND e.business_date <= ?",
        ))
        .bind(&to)
        .bind(&from)
        .bind(&from)
        .bind(&to)
        .fetch_one(self.reader())
        .await?;
        let cured: i64 = row.try_get(0)?;
        // A case that cured in the period but has reopened since is no longer in the window
        // by its record; it was open in the period all the same.
        let outside: i64 = row.try_get(1)?;
        Ok(CureFigures {
            cases: cases + outside,
            cured,
        })
    }

    async fn recovery_figures(&self, period: &KpiPeriod) -> Result<RecoveryFigures, StoreError> {
        let (from, to) = period.dates();
        let before: Option<String> = sqlx::query_scalar(&dialect(
            self.backend,
            "SELECT MAX(business_date) FROM eod_run WHERE finished_at IS NOT NULL AND business_date < ?",
        ))
        .bind(&from)
        .fetch_one(self.reader())
        .await?;
        let base = before.unwrap_or_else(|| from.clone());
        let arrears: Option<i64> = sqlx::query_scalar(&dialect(
            self.backend,
            "SELECT CAST(SUM(arrears) AS BIGINT) FROM portfolio_day WHERE business_date = ?",
        ))
        .bind(&base)
        .fetch_one(self.reader())
        .await?;
        let row = sqlx::query(&dialect(
            self.backend,
            "SELECT CAST(SUM(CASE WHEN a.component IN ('penalty', 'fees') OR i.due_date < a.business_date \
             THEN a.amount ELSE 0 END) AS BIGINT), CAST(SUM(a.amount) AS BIGINT) \
             FROM allocation a LEFT JOIN installment i ON i.loan_id = a.loan_id AND i.period = a.period \
             WHERE a.business_date >= ? AND a.business_date <= ? AND a.source = 'payment' \
             AND a.component <> 'credit'",
        ))
        .bind(&from)
        .bind(&to)
        .fetch_one(self.reader())
        .await?;
        Ok(RecoveryFigures {
            base_date: base.parse().ok(),
            arrears_at_start: Fen::new(arrears.unwrap_or(0)),
            collected_overdue: sum_fen(&row, 0)?,
            collected_total: sum_fen(&row, 1)?,
        })
    }

    async fn promise_figures(&self, period: &KpiPeriod) -> Result<PromiseFigures, StoreError> {
        let (from, to) = period.dates();
        // `status IN (…)` lets the planner walk promise_due (status, due_on) per status.
        let rows = sqlx::query(&dialect(
            self.backend,
            "SELECT status, COUNT(*), CAST(SUM(amount) AS BIGINT), CAST(SUM(COALESCE(paid, 0)) AS BIGINT) \
             FROM promise WHERE status IN ('open', 'kept', 'partly_kept', 'broken') \
             AND due_on >= ? AND due_on <= ? GROUP BY status",
        ))
        .bind(&from)
        .bind(&to)
        .fetch_all(self.reader())
        .await?;
        let mut figures = PromiseFigures::default();
        for row in rows {
            let status: String = row.try_get(0)?;
            let count: i64 = row.try_get(1)?;
            figures.promised += sum_fen(&row, 2)?;
            match status.as_str() {
                "kept" => figures.kept = count,
                "partly_kept" => figures.partly_kept = count,
                "broken" => figures.broken = count,
                _ => figures.pending = count,
            }
            if status != "open" {
                figures.paid += sum_fen(&row, 3)?;
            }
        }
        Ok(figures)
    }

    async fn contact_figures(
        &self,
        period: &KpiPeriod,
    ) -> Result<Vec<ChannelContactFigures>, StoreError> {
        let (start, end) = period.instants();
        let rows = sqlx::query(&dialect(
            self.backend,
            "SELECT channel, COUNT(*), CAST(SUM(CASE WHEN conversation <> 0 THEN 1 ELSE 0 END) AS BIGINT) \
             FROM contact_event WHERE at >= ? AND at < ? GROUP BY channel ORDER BY COUNT(*) DESC, channel",
        ))
        .bind(&start)
        .bind(&end)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ChannelContactFigures {
                    channel: row.try_get(0)?,
                    attempts: row.try_get(1)?,
                    right_party: row.try_get::<Option<i64>, _>(2)?.unwrap_or(0),
                })
            })
            .collect()
    }

    /// The collector leaderboard of a period: a row for every active user whose role is in
    /// `holder_roles` (the roles assignment gives cases to) and for anyone else who holds cases
    /// or logged work in the period; only `only`'s row when given. Sorted by money collected,
    /// then cures, then username.
    pub async fn leaderboard(
        &self,
        period: &KpiPeriod,
        holder_roles: &[Role],
        only: Option<&str>,
    ) -> Result<Vec<LeaderboardRow>, StoreError> {
        let (from, to) = period.dates();
        let (start, end) = period.instants();
        let mut rows: BTreeMap<String, LeaderboardRow> = BTreeMap::new();
        let mut users_sql =
            String::from("SELECT username, display_name, role, active FROM app_user WHERE ");
        if holder_roles.is_empty() {
            users_sql.push_str("1 = 0");
        } else {
            users_sql.push_str(&format!(
                "(active <> 0 AND role IN ({}))",
                placeholders(holder_roles.len())
            ));
        }
        users_sql.push_str(
            " OR username IN (SELECT assignee FROM collection_case WHERE status = 'open' AND assignee IS NOT NULL) \
             OR username IN (SELECT recorded_by FROM contact_event WHERE at >= ? AND at < ? AND recorded_by IS NOT NULL) \
             OR username IN (SELECT made_by FROM promise WHERE made_on >= ? AND made_on <= ?)",
        );
        let users_sql = dialect(self.backend, &users_sql).into_owned();
        let mut query = sqlx::query(&users_sql);
        for role in holder_roles {
            query = query.bind(role.code());
        }
        for row in query
            .bind(&start)
            .bind(&end)
            .bind(&from)
            .bind(&to)
            .fetch_all(self.reader())
            .await?
        {
            let username: String = row.try_get(0)?;
            if only.is_some_and(|only| only != username) {
                continue;
            }
            let role: String = row.try_get(2)?;
            let role = Role::parse(&role)
                .map_err(|_| StoreError::Corrupt(format!("user `{username}` has role `{role}`")))?;
            rows.insert(
                username.clone(),
                LeaderboardRow {
                    username,
                    display_name: row.try_get(1)?,
                    role,
                    active: row.try_get::<i64, _>(3)? != 0,
                    cases_held: 0,
                    contacts: 0,
                    right_party: 0,
                    promises_made: 0,
                    promises_kept: 0,
                    promises_settled: 0,
                    collected: Fen::ZERO,
                    cures: 0,
                },
            );
        }
        if rows.is_empty() {
            return Ok(Vec::new());
        }

        let held = sqlx::query(
            "SELECT assignee, COUNT(*) FROM collection_case WHERE status = 'open' AND assignee IS NOT NULL \
             GROUP BY assignee",
        )
        .fetch_all(self.reader())
        .await?;
        for row in held {
            let user: String = row.try_get(0)?;
            if let Some(entry) = rows.get_mut(&user) {
                entry.cases_held = row.try_get(1)?;
            }
        }

        let contacts = sqlx::query(&dialect(
            self.backend,
            "SELECT recorded_by, COUNT(*), CAST(SUM(CASE WHEN conversation <> 0 THEN 1 ELSE 0 END) AS BIGINT) \
             FROM contact_event WHERE at >= ? AND at < ? AND recorded_by IS NOT NULL GROUP BY recorded_by",
        ))
        .bind(&start)
        .bind(&end)
        .fetch_all(self.reader())
        .await?;
        for row in contacts {
            let user: String = row.try_get(0)?;
            if let Some(entry) = rows.get_mut(&user) {
                entry.contacts = row.try_get(1)?;
                entry.right_party = row.try_get::<Option<i64>, _>(2)?.unwrap_or(0);
            }
        }

        let made = sqlx::query(&dialect(
            self.backend,
            "SELECT made_by, COUNT(*) FROM promise WHERE made_on >= ? AND made_on <= ? GROUP BY made_by",
        ))
        .bind(&from)
        .bind(&to)
        .fetch_all(self.reader())
        .await?;
        for row in made {
            let user: String = row.try_get(0)?;
            if let Some(entry) = rows.get_mut(&user) {
                entry.promises_made = row.try_get(1)?;
            }
        }

        let settled = sqlx::query(&dialect(
            self.backend,
            "SELECT made_by, status, COUNT(*) FROM promise WHERE status IN ('kept', 'partly_kept', 'broken') \
             AND due_on >= ? AND due_on <= ? GROUP BY made_by, status",
        ))
        .bind(&from)
        .bind(&to)
        .fetch_all(self.reader())
        .await?;
        for row in settled {
            let user: String = row.try_get(0)?;
            let status: String = row.try_get(1)?;
            let count: i64 = row.try_get(2)?;
            if let Some(entry) = rows.get_mut(&user) {
                entry.promises_settled += count;
                if status == "kept" {
                    entry.promises_kept += count;
                }
            }
        }

        // Payments valued in the period (index payment_value) on the loans of the cases a user
        // holds now (open, or closed within or after the period).
        let collected = sqlx::query(&dialect(
            self.backend,
            "SELECT c.assignee, CAST(SUM(p.amount) AS BIGINT) FROM payment p \
             JOIN loan l ON l.id = p.loan_id JOIN collection_case c ON c.borrower_id = l.borrower_id \
             WHERE p.value_date >= ? AND p.value_date <= ? AND c.assignee IS NOT NULL \
             AND (c.status = 'open' OR c.closed_on >= ?) GROUP BY c.assignee",
        ))
        .bind(&from)
        .bind(&to)
        .bind(&from)
        .fetch_all(self.reader())
        .await?;
        for row in collected {
            let user: String = row.try_get(0)?;
            if let Some(entry) = rows.get_mut(&user) {
                entry.collected = sum_fen(&row, 1)?;
            }
        }

        let cures = sqlx::query(&dialect(
            self.backend,
            "SELECT c.assignee, COUNT(DISTINCT e.borrower_id) FROM case_event e \
             JOIN collection_case c ON c.borrower_id = e.borrower_id \
             WHERE e.kind = 'cured' AND e.business_date >= ? AND e.business_date <= ? \
             AND c.assignee IS NOT NULL GROUP BY c.assignee",
        ))
        .bind(&from)
        .bind(&to)
        .fetch_all(self.reader())
        .await?;
        for row in cures {
            let user: String = row.try_get(0)?;
            if let Some(entry) = rows.get_mut(&user) {
                entry.cures = row.try_get(1)?;
            }
        }

        let mut out: Vec<LeaderboardRow> = rows.into_values().collect();
        out.sort_by(|a, b| {
            b.collected
                .cmp(&a.collected)
                .then(b.cures.cmp(&a.cures))
                .then(a.username.cmp(&b.username))
        });
        Ok(out)
    }

    /// Notes language QA flagged between two instants, newest first: at most `limit`, and how
    /// many there are in all.
    pub async fn flagged_notes(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        limit: i64,
    ) -> Result<(Vec<FlaggedNote>, i64), StoreError> {
        let (start, end) = (instant_key(start), instant_key(end));
        let total: i64 = sqlx::query_scalar(&dialect(
            self.backend,
            "SELECT COUNT(*) FROM case_note WHERE qa_flags <> '[]' AND at >= ? AND at < ?",
        ))
        .bind(&start)
        .bind(&end)
        .fetch_one(self.reader())
        .await?;
        let rows = sqlx::query(&dialect(
            self.backend,
            "SELECT id, borrower_id, at, author, text, qa_flags FROM case_note \
             WHERE qa_flags <> '[]' AND at >= ? AND at < ? ORDER BY at DESC, id DESC LIMIT ?",
        ))
        .bind(&start)
        .bind(&end)
        .bind(limit.clamp(0, 1_000))
        .fetch_all(self.reader())
        .await?;
        let notes = rows
            .iter()
            .map(|row| {
                Ok(FlaggedNote {
                    id: row.try_get(0)?,
                    borrower_id: row.try_get(1)?,
                    at: row.try_get(2)?,
                    author: row.try_get(3)?,
                    text: row.try_get(4)?,
                    flags: row.try_get(5)?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok((notes, total))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_are_parts_per_million_rounded_down() {
        assert_eq!(ratio_ppm(1, 3), 333_333);
        assert_eq!(ratio_ppm(2, 2), 1_000_000);
        assert_eq!(ratio_ppm(5, 0), 0);
        assert_eq!(ratio_ppm(-1, 10), 0);
        assert_eq!(ratio_ppm(i64::MAX, 1), u64::MAX);
    }

    #[test]
    fn instants_compare_as_the_stored_text_does() {
        let at = DateTime::from_timestamp(1_795_000_000, 123_000_000).unwrap_or_default();
        let key = instant_key(at);
        assert_eq!(key.len(), 19);
        assert!(at.to_rfc3339() >= key);
        assert!(crate::db::sql::instant_text(at) >= key);
    }
}
