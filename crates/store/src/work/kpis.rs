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
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FlaggedNote {
    pub id: i64,
    pub borrower_id: i64,
    /// As stored (RFC 3339, UTC).
    pub at: String,
    pub author: String,
    pub text: String,
    /// The stored hits: a JSON array of `{category, term, start, end}`.
    #[sqlx(rename = "qa_flags")]
    pub flags: String,
}

/// A SUM column (NULL when nothing was summed) as money.
fn sum_fen(row: &sqlx::any::AnyRow, column: &str) -> Result<Fen, StoreError> {
    let value: Option<i64> = row.try_get(column)?;
    Ok(Fen::new(value.unwrap_or(0)))
}

/// A `promise_figures` row: one promise status.
#[derive(sqlx::FromRow)]
struct PromiseStatusRow {
    status: String,
    promises: i64,
    promised: Option<i64>,
    paid_total: Option<i64>,
}

/// A `contact_figures` row: one channel.
#[derive(sqlx::FromRow)]
struct ChannelContactRow {
    channel: String,
    attempts: i64,
    right_party: Option<i64>,
}

/// The leaderboard being filled in, by username.
type Board = BTreeMap<String, LeaderboardRow>;

/// A user who gets a leaderboard row.
#[derive(sqlx::FromRow)]
struct LeaderboardUser {
    username: String,
    display_name: String,
    role: String,
    active: i64,
}

/// One figure of one user (a count, or a SUM that is NULL when nothing was summed).
#[derive(sqlx::FromRow)]
struct UserFigure {
    username: String,
    figure: Option<i64>,
}

/// A user's logged contacts in the period.
#[derive(sqlx::FromRow)]
struct UserContacts {
    username: String,
    contacts: i64,
    right_party: Option<i64>,
}

/// A user's settled promises of one status.
#[derive(sqlx::FromRow)]
struct UserSettledPromises {
    username: String,
    status: String,
    promises: i64,
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
            "SELECT COUNT(DISTINCT e.borrower_id) AS cured, \
             COUNT(DISTINCT CASE WHEN c.past_due = 1 AND c.opened_on <= ? \
             AND (c.closed_on IS NULL OR c.closed_on >= ?) THEN NULL ELSE e.borrower_id END) AS cured_outside \
             FROM case_event e JOIN collection_case c ON c.borrower_id = e.borrower_id \
             WHERE e.kind = 'cured' AND e.business_date >= ? AND e.business_date <= ?",
        ))
        .bind(&to)
        .bind(&from)
        .bind(&from)
        .bind(&to)
        .fetch_one(self.reader())
        .await?;
        let cured: i64 = row.try_get("cured")?;
        // A case that cured in the period but has reopened since is no longer in the window
        // by its record; it was open in the period all the same.
        let outside: i64 = row.try_get("cured_outside")?;
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
             THEN a.amount ELSE 0 END) AS BIGINT) AS collected_overdue, \
             CAST(SUM(a.amount) AS BIGINT) AS collected_total \
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
            collected_overdue: sum_fen(&row, "collected_overdue")?,
            collected_total: sum_fen(&row, "collected_total")?,
        })
    }

    async fn promise_figures(&self, period: &KpiPeriod) -> Result<PromiseFigures, StoreError> {
        let (from, to) = period.dates();
        // `status IN (…)` lets the planner walk promise_due (status, due_on) per status.
        // `paid_total`, not `paid`: an alias never takes a column's name, so no clause reads one
        // for the other.
        let rows = sqlx::query_as::<_, PromiseStatusRow>(&dialect(
            self.backend,
            "SELECT status, COUNT(*) AS promises, CAST(SUM(amount) AS BIGINT) AS promised, \
             CAST(SUM(COALESCE(paid, 0)) AS BIGINT) AS paid_total \
             FROM promise WHERE status IN ('open', 'kept', 'partly_kept', 'broken') \
             AND due_on >= ? AND due_on <= ? GROUP BY status",
        ))
        .bind(&from)
        .bind(&to)
        .fetch_all(self.reader())
        .await?;
        let mut figures = PromiseFigures::default();
        for row in rows {
            let status = row.status;
            let count = row.promises;
            figures.promised += Fen::new(row.promised.unwrap_or(0));
            match status.as_str() {
                "kept" => figures.kept = count,
                "partly_kept" => figures.partly_kept = count,
                "broken" => figures.broken = count,
                _ => figures.pending = count,
            }
            if status != "open" {
                figures.paid += Fen::new(row.paid_total.unwrap_or(0));
            }
        }
        Ok(figures)
    }

    async fn contact_figures(
        &self,
        period: &KpiPeriod,
    ) -> Result<Vec<ChannelContactFigures>, StoreError> {
        let (start, end) = period.instants();
        let rows = sqlx::query_as::<_, ChannelContactRow>(&dialect(
            self.backend,
            "SELECT channel, COUNT(*) AS attempts, \
             CAST(SUM(CASE WHEN conversation <> 0 THEN 1 ELSE 0 END) AS BIGINT) AS right_party \
             FROM contact_event WHERE at >= ? AND at < ? GROUP BY channel ORDER BY COUNT(*) DESC, channel",
        ))
        .bind(&start)
        .bind(&end)
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| ChannelContactFigures {
                channel: row.channel,
                attempts: row.attempts,
                right_party: row.right_party.unwrap_or(0),
            })
            .collect())
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
        let mut board = self.leaderboard_users(period, holder_roles, only).await?;
        if board.is_empty() {
            return Ok(Vec::new());
        }
        self.add_cases_held(&mut board).await?;
        self.add_contacts_logged(period, &mut board).await?;
        self.add_promises_made(period, &mut board).await?;
        self.add_promises_settled(period, &mut board).await?;
        self.add_money_collected(period, &mut board).await?;
        self.add_cures(period, &mut board).await?;
        let mut out: Vec<LeaderboardRow> = board.into_values().collect();
        out.sort_by(|a, b| {
            b.collected
                .cmp(&a.collected)
                .then(b.cures.cmp(&a.cures))
                .then(a.username.cmp(&b.username))
        });
        Ok(out)
    }

    /// The users on the leaderboard (see [`Store::leaderboard`]), each with a row of zeros.
    async fn leaderboard_users(
        &self,
        period: &KpiPeriod,
        holder_roles: &[Role],
        only: Option<&str>,
    ) -> Result<Board, StoreError> {
        let (from, to) = period.dates();
        let (start, end) = period.instants();
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
        let mut query = sqlx::query_as::<_, LeaderboardUser>(&users_sql);
        for role in holder_roles {
            query = query.bind(role.code());
        }
        let mut board = Board::new();
        for user in query
            .bind(&start)
            .bind(&end)
            .bind(&from)
            .bind(&to)
            .fetch_all(self.reader())
            .await?
        {
            if only.is_some_and(|only| only != user.username) {
                continue;
            }
            let username = user.username;
            let role = Role::parse(&user.role).map_err(|_| {
                StoreError::Corrupt(format!("user `{username}` has role `{}`", user.role))
            })?;
            board.insert(
                username.clone(),
                LeaderboardRow {
                    username,
                    display_name: user.display_name,
                    role,
                    active: user.active != 0,
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
        Ok(board)
    }

    /// Runs a per-user figure query (columns `username`, `figure`) with text binds.
    async fn user_figures(&self, sql: &str, binds: &[&str]) -> Result<Vec<UserFigure>, StoreError> {
        let sql = dialect(self.backend, sql);
        let mut query = sqlx::query_as::<_, UserFigure>(&sql);
        for bind in binds {
            query = query.bind(*bind);
        }
        Ok(query.fetch_all(self.reader()).await?)
    }

    /// Open cases each user holds now.
    async fn add_cases_held(&self, board: &mut Board) -> Result<(), StoreError> {
        let held = self
            .user_figures(
                "SELECT assignee AS username, COUNT(*) AS figure FROM collection_case \
                 WHERE status = 'open' AND assignee IS NOT NULL GROUP BY assignee",
                &[],
            )
            .await?;
        for row in held {
            if let Some(entry) = board.get_mut(&row.username) {
                entry.cases_held = row.figure.unwrap_or(0);
            }
        }
        Ok(())
    }

    /// Contacts each user logged in the period, and how many reached the borrower.
    async fn add_contacts_logged(
        &self,
        period: &KpiPeriod,
        board: &mut Board,
    ) -> Result<(), StoreError> {
        let (start, end) = period.instants();
        let contacts = sqlx::query_as::<_, UserContacts>(&dialect(
            self.backend,
            "SELECT recorded_by AS username, COUNT(*) AS contacts, \
             CAST(SUM(CASE WHEN conversation <> 0 THEN 1 ELSE 0 END) AS BIGINT) AS right_party \
             FROM contact_event WHERE at >= ? AND at < ? AND recorded_by IS NOT NULL GROUP BY recorded_by",
        ))
        .bind(&start)
        .bind(&end)
        .fetch_all(self.reader())
        .await?;
        for row in contacts {
            if let Some(entry) = board.get_mut(&row.username) {
                entry.contacts = row.contacts;
                entry.right_party = row.right_party.unwrap_or(0);
            }
        }
        Ok(())
    }

    /// Promises each user took in the period.
    async fn add_promises_made(
        &self,
        period: &KpiPeriod,
        board: &mut Board,
    ) -> Result<(), StoreError> {
        let (from, to) = period.dates();
        let made = self
            .user_figures(
                "SELECT made_by AS username, COUNT(*) AS figure FROM promise \
                 WHERE made_on >= ? AND made_on <= ? GROUP BY made_by",
                &[&from, &to],
            )
            .await?;
        for row in made {
            if let Some(entry) = board.get_mut(&row.username) {
                entry.promises_made = row.figure.unwrap_or(0);
            }
        }
        Ok(())
    }

    /// Promises each user took that fell due in the period: settled, and kept in full.
    async fn add_promises_settled(
        &self,
        period: &KpiPeriod,
        board: &mut Board,
    ) -> Result<(), StoreError> {
        let (from, to) = period.dates();
        let settled = sqlx::query_as::<_, UserSettledPromises>(&dialect(
            self.backend,
            "SELECT made_by AS username, status, COUNT(*) AS promises FROM promise \
             WHERE status IN ('kept', 'partly_kept', 'broken') \
             AND due_on >= ? AND due_on <= ? GROUP BY made_by, status",
        ))
        .bind(&from)
        .bind(&to)
        .fetch_all(self.reader())
        .await?;
        for row in settled {
            if let Some(entry) = board.get_mut(&row.username) {
                entry.promises_settled += row.promises;
                if row.status == "kept" {
                    entry.promises_kept += row.promises;
                }
            }
        }
        Ok(())
    }

    /// Payments valued in the period (index payment_value) on the loans of the cases each user
    /// holds now (open, or closed within or after the period).
    async fn add_money_collected(
        &self,
        period: &KpiPeriod,
        board: &mut Board,
    ) -> Result<(), StoreError> {
        let (from, to) = period.dates();
        let collected = self
            .user_figures(
                "SELECT c.assignee AS username, CAST(SUM(p.amount) AS BIGINT) AS figure FROM payment p \
                 JOIN loan l ON l.id = p.loan_id JOIN collection_case c ON c.borrower_id = l.borrower_id \
                 WHERE p.value_date >= ? AND p.value_date <= ? AND c.assignee IS NOT NULL \
                 AND (c.status = 'open' OR c.closed_on >= ?) GROUP BY c.assignee",
                &[&from, &to, &from],
            )
            .await?;
        for row in collected {
            if let Some(entry) = board.get_mut(&row.username) {
                entry.collected = Fen::new(row.figure.unwrap_or(0));
            }
        }
        Ok(())
    }

    /// Each user's cases cured in the period.
    async fn add_cures(&self, period: &KpiPeriod, board: &mut Board) -> Result<(), StoreError> {
        let (from, to) = period.dates();
        let cures = self
            .user_figures(
                "SELECT c.assignee AS username, COUNT(DISTINCT e.borrower_id) AS figure FROM case_event e \
                 JOIN collection_case c ON c.borrower_id = e.borrower_id \
                 WHERE e.kind = 'cured' AND e.business_date >= ? AND e.business_date <= ? \
                 AND c.assignee IS NOT NULL GROUP BY c.assignee",
                &[&from, &to],
            )
            .await?;
        for row in cures {
            if let Some(entry) = board.get_mut(&row.username) {
                entry.cures = row.figure.unwrap_or(0);
            }
        }
        Ok(())
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
        let notes = sqlx::query_as::<_, FlaggedNote>(&dialect(
            self.backend,
            "SELECT id, borrower_id, at, author, text, qa_flags FROM case_note \
             WHERE qa_flags <> '[]' AND at >= ? AND at < ? ORDER BY at DESC, id DESC LIMIT ?",
        ))
        .bind(&start)
        .bind(&end)
        .bind(limit.clamp(0, 1_000))
        .fetch_all(self.reader())
        .await?;
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
