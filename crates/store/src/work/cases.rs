//! Working cases: the queue, the case file, the reveal of personal data, logged contacts,
//! promises to pay (and their settlement at end of day) and notes.
//!
//! Every read and write here takes an [`Access`] and carries its condition in the query that
//! finds the case, so a case outside the user's scope is simply not found — the same answer as
//! a case that does not exist. Personal data is returned unmasked; masking is the API's job
//! (`recoup-server`'s wire types), so the rules of what to show live in one place.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use recoup_core::case::{DelayReason, Temperament};
use recoup_core::contact::{Channel, ContactEvent, Party};
use recoup_core::work::{ContactOutcome, PromiseStatus};
use recoup_core::Fen;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, FromRow, Row};

use crate::db::audit::{self, AuditAction, AuditEvent};
use crate::db::error::StoreError;
use crate::db::sql::{date_text, dialect, instant_text};
use crate::work::access::Access;
use crate::{Backend, Store};

/// Most entries of each kind the timeline shows (newest first).
const TIMELINE_PER_KIND: i64 = 500;

/// Filters and page of a queue request. Every filter narrows; none widens the user's scope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueFilter {
    pub queue: Option<String>,
    pub stage: Option<String>,
    /// The worst loan's bucket label (M1, M2, …).
    pub bucket: Option<String>,
    pub assignee: Option<String>,
    /// Part of the name, a whole loan number, or the last 4+ digits of a phone number.
    pub search: Option<String>,
    /// Include closed cases (default: open only).
    pub include_closed: bool,
    /// The order of the page (default: next best case first).
    pub sort: QueueSort,
    /// How many cases match, when the caller already knows (a count it remembers); the store
    /// then does not count again.
    pub known_total: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

/// How the queue is ordered. Every order ends with the case id, so pages never overlap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum QueueSort {
    /// Next best case first: next action date, stage severity, days past due, arrears.
    #[default]
    Best,
    /// Days past due, highest (or lowest) first, then the next best case.
    DpdDesc,
    DpdAsc,
    /// Arrears, highest (or lowest) first, then the next best case.
    ArrearsDesc,
    ArrearsAsc,
    /// Next action date, latest first (cases without one first), then the next best case.
    NextActionDesc,
}

impl QueueSort {
    /// Every order, by its wire code.
    pub const ALL: [(&'static str, QueueSort); 6] = [
        ("best", QueueSort::Best),
        ("dpd_desc", QueueSort::DpdDesc),
        ("dpd_asc", QueueSort::DpdAsc),
        ("arrears_desc", QueueSort::ArrearsDesc),
        ("arrears_asc", QueueSort::ArrearsAsc),
        ("next_action_desc", QueueSort::NextActionDesc),
    ];

    /// The order for a wire code (`dpd_desc`, …), if it names one.
    pub fn parse(code: &str) -> Option<QueueSort> {
        QueueSort::ALL
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, sort)| *sort)
    }

    /// The ORDER BY over `collection_case c`.
    fn order_by(self) -> String {
        let first = match self {
            QueueSort::Best => return QUEUE_ORDER.to_string(),
            QueueSort::DpdDesc => "c.dpd DESC",
            QueueSort::DpdAsc => "c.dpd ASC",
            QueueSort::ArrearsDesc => "c.arrears DESC",
            QueueSort::ArrearsAsc => "c.arrears ASC",
            QueueSort::NextActionDesc => "c.action_key DESC",
        };
        format!("{first}, {QUEUE_ORDER}")
    }
}

/// One case in the queue (personal data unmasked; the API masks it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueEntry {
    pub borrower_id: i64,
    pub name: String,
    pub phones: Vec<String>,
    pub home_address: String,
    pub status: String,
    pub stage: String,
    pub queue: Option<String>,
    pub next_action_on: Option<String>,
    pub assignee: Option<String>,
    pub agency: Option<String>,
    pub dpd: i64,
    pub bucket: String,
    pub arrears: i64,
    pub loans: i64,
}

/// A page of the queue and how many cases match in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuePage {
    pub entries: Vec<QueueEntry>,
    pub total: i64,
}

/// The case row itself.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CaseSummary {
    pub borrower_id: i64,
    pub status: String,
    pub stage: String,
    pub opened_on: String,
    pub stage_since: String,
    pub closed_on: Option<String>,
    pub times_opened: i64,
    pub queue: Option<String>,
    pub next_action_on: Option<String>,
    pub assignee: Option<String>,
    pub agency: Option<String>,
    pub arm: String,
    pub segment: Option<String>,
    pub quadrant: String,
    pub contactability: String,
    pub delay_reason: Option<String>,
    pub temperament: Option<String>,
    pub planned_on: String,
}

/// A registered (emergency) contact of a borrower.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ContactPerson {
    pub seq: i64,
    pub name: String,
    pub relation: String,
    pub phone: String,
}

/// The borrower's personal data, unmasked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BorrowerFile {
    pub id: i64,
    pub name: String,
    pub national_id: String,
    pub phones: Vec<String>,
    pub home_address: String,
    pub work_address: Option<String>,
    pub dispute: bool,
    pub contacts: Vec<ContactPerson>,
}

/// Read from a JSON array of its fields in this order (see [`json_children_by_loan`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct InstallmentRow {
    pub period: i64,
    pub due_date: String,
    pub principal_due: i64,
    pub interest_due: i64,
    pub principal_paid: i64,
    pub interest_paid: i64,
    pub paid_off_on: Option<String>,
}

/// Read from a JSON array of its fields in this order (see [`json_children_by_loan`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct PaymentRow {
    pub id: i64,
    pub channel: String,
    pub value_date: String,
    pub amount: i64,
}

/// A loan's move from one aging bucket to another (the delinquency history).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BucketChangeRow {
    pub business_date: String,
    pub from_bucket: String,
    pub to_bucket: String,
}

/// The vehicle a loan finances (read from `loan_files`' columns, its id as `vehicle_id`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct VehicleRow {
    #[sqlx(rename = "vehicle_id")]
    pub id: i64,
    pub vin: String,
    pub plate: String,
    pub make: String,
    pub model: String,
    pub model_year: i64,
    pub price: i64,
    pub lien_status: String,
    pub gps_terminal_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoanFile {
    pub id: i64,
    pub loan_no: String,
    pub product: String,
    pub principal: i64,
    pub term_months: i64,
    pub method: String,
    pub disbursement_date: String,
    pub status: String,
    pub principal_outstanding: i64,
    pub arrears: i64,
    /// Penalty interest owed (part of `arrears`; what a waiver of penalty can forgive).
    pub penalty: i64,
    /// Late fees owed (part of `arrears`; what a waiver of fees can forgive).
    pub fees: i64,
    pub dpd: i64,
    pub bucket: String,
    pub next_due_date: Option<String>,
    pub schedule: Vec<InstallmentRow>,
    pub payments: Vec<PaymentRow>,
    pub bucket_changes: Vec<BucketChangeRow>,
    pub vehicle: Option<VehicleRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SegmentRow {
    pub business_date: String,
    pub quadrant: String,
    pub contactability: String,
    pub segment: Option<String>,
}

/// One entry of the contact timeline: a ledger contact, a case event (opened, stage changed,
/// assigned, promise settled, …), a note or a promise, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEntry {
    /// An RFC 3339 instant, or an ISO date for case events (which carry a business date).
    pub at: String,
    /// `contact`, `case_event`, `note` or `promise`.
    pub kind: &'static str,
    pub actor: Option<String>,
    /// The phone number or address a contact used (personal data: the API masks it).
    pub address: Option<String>,
    pub detail: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PromiseRow {
    pub id: i64,
    pub borrower_id: i64,
    pub amount: i64,
    pub due_on: String,
    pub made_on: String,
    pub made_at: String,
    pub made_by: String,
    pub status: String,
    pub paid: Option<i64>,
    pub settled_on: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteRow {
    pub id: i64,
    pub borrower_id: i64,
    pub at: String,
    pub author: String,
    pub text: String,
    /// JSON array of the warn-tier QA hits.
    pub qa_flags: String,
}

/// Everything about one case.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseFile {
    pub case: CaseSummary,
    pub borrower: BorrowerFile,
    pub loans: Vec<LoanFile>,
    pub segments: Vec<SegmentRow>,
    pub promises: Vec<PromiseRow>,
    pub timeline: Vec<TimelineEntry>,
}

/// A contact to log, checked by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewContact {
    pub channel: Channel,
    pub party: Party,
    /// Which of the borrower's phones was used (0-based), for calls and messages to the
    /// borrower; the first when not given.
    pub phone_index: Option<usize>,
    pub outcome: ContactOutcome,
    pub delay_reason: Option<DelayReason>,
    pub temperament: Option<Temperament>,
    pub note: Option<String>,
    /// The dialer call (`POST /cases/{id}/calls`) this outcome is for; see
    /// `outbound::resolve_dialed_call`.
    pub call_id: Option<i64>,
}

/// A logged contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedContact {
    pub id: i64,
    pub at: String,
    pub result: &'static str,
    pub conversation: bool,
    pub dispute_flagged: bool,
}

/// What settling a date's promises did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SettleOutcome {
    pub kept: u64,
    pub partly_kept: u64,
    pub broken: u64,
}

/// The ORDER BY of the queue: next action first (none last), then the more severe stage, then
/// days past due and arrears, highest first. The keys are columns of the case (`action_key` and
/// `stage_rank` are derived by the database, migration 0010; DPD and arrears are the stored
/// figures as of the last planned date), and the indexes `collection_case_order(_all)` hold
/// them in this order, so a page is an index range read; the page's rows show live figures.
const QUEUE_ORDER: &str =
    "c.action_key, c.stage_rank DESC, c.dpd DESC, c.arrears DESC, c.borrower_id";

impl Store {
    /// The user's queue: cases in scope matching `filter`, next best case first.
    pub async fn queue(
        &self,
        access: &Access,
        filter: &QueueFilter,
    ) -> Result<QueuePage, StoreError> {
        let scope = access.case_condition("c");
        let mut conditions = vec![scope.sql.clone()];
        let mut binds: Vec<String> = scope.binds.clone();
        if !filter.include_closed {
            conditions.push("c.status = 'open'".to_string());
        }
        for (column, value) in [
            ("c.queue", &filter.queue),
            ("c.stage", &filter.stage),
            ("c.assignee", &filter.assignee),
        ] {
            if let Some(value) = value {
                conditions.push(format!("{column} = ?"));
                binds.push(value.clone());
            }
        }
        if let Some(bucket) = &filter.bucket {
            conditions.push(format!("{WORST_BUCKET} = ?"));
            binds.push(bucket.clone());
        }
        if let Some(search) = &filter.search {
            let escaped = escape_like(search);
            let mut alternatives = vec![
                "b.name LIKE ? ESCAPE '\\'".to_string(),
                "EXISTS (SELECT 1 FROM loan s WHERE s.borrower_id = c.borrower_id AND s.loan_no = ?)"
                    .to_string(),
            ];
            binds.push(format!("%{escaped}%"));
            binds.push(search.clone());
            if search.len() >= 4 && search.chars().all(|ch| ch.is_ascii_digit()) {
                alternatives.push("b.phones LIKE ? OR b.phones LIKE ?".to_string());
                binds.push(format!("%{search}"));
                binds.push(format!("%{search};%"));
            }
            conditions.push(format!("({})", alternatives.join(" OR ")));
        }
        // The borrower is joined only to search its name and phones: for a caseload of
        // thousands the join alone made the count 30 ms, against 1 ms from the index.
        let join = if filter.search.is_some() {
            "JOIN borrower b ON b.id = c.borrower_id "
        } else {
            ""
        };
        let from = format!(
            "FROM collection_case c {join}WHERE {}",
            conditions.join(" AND ")
        );
        let mut conn = self.reader().acquire().await?;
        let total = match filter.known_total {
            Some(total) => total,
            None => {
                let count_sql = format!("SELECT COUNT(*) {from}");
                let count_sql = dialect(self.backend, &count_sql);
                let mut count = sqlx::query_scalar::<_, i64>(&count_sql);
                for bind in &binds {
                    count = count.bind(bind.as_str());
                }
                count.fetch_one(&mut *conn).await?
            }
        };
        let sql = format!(
            "SELECT c.borrower_id, b.name, b.phones, b.home_address, c.status, c.stage, c.queue, \
             c.next_action_on, c.assignee, c.agency \
             FROM collection_case c JOIN borrower b ON b.id = c.borrower_id \
             WHERE c.borrower_id IN (SELECT c.borrower_id {from} ORDER BY {order} LIMIT ? OFFSET ?) \
             ORDER BY {order}",
            order = filter.sort.order_by()
        );
        let sql = dialect(self.backend, &sql);
        let mut query = sqlx::query_as::<_, QueueRow>(&sql);
        for bind in &binds {
            query = query.bind(bind.as_str());
        }
        let rows = query
            .bind(filter.limit)
            .bind(filter.offset)
            .fetch_all(&mut *conn)
            .await?;
        let mut entries: Vec<QueueEntry> = rows.into_iter().map(QueueRow::into_entry).collect();
        live_loan_figures(&mut conn, self.backend, &mut entries).await?;
        Ok(QueuePage { entries, total })
    }

    /// The case file of `borrower_id`, or `None` when there is no such case *in the user's
    /// scope* (the two are deliberately indistinguishable).
    pub async fn case_file(
        &self,
        access: &Access,
        borrower_id: i64,
    ) -> Result<Option<CaseFile>, StoreError> {
        let mut conn = self.reader().acquire().await?;
        let Some(case) = scoped_case(&mut conn, self.backend, access, borrower_id).await? else {
            return Ok(None);
        };
        let Some(borrower) = borrower_file(&mut conn, self.backend, borrower_id).await? else {
            return Ok(None);
        };
        let loans = loan_files(&mut conn, self.backend, borrower_id).await?;
        let segments = sqlx::query_as::<_, SegmentRow>(&dialect(
            self.backend,
            "SELECT business_date, quadrant, contactability, segment FROM segment_change \
             WHERE borrower_id = ? ORDER BY business_date DESC",
        ))
        .bind(borrower_id)
        .fetch_all(&mut *conn)
        .await?;
        let promises = promises_of(&mut conn, self.backend, borrower_id).await?;
        let timeline = timeline(&mut conn, self.backend, borrower_id, &promises).await?;
        Ok(Some(CaseFile {
            case,
            borrower,
            loans,
            segments,
            promises,
            timeline,
        }))
    }

    /// The unmasked personal data of a case in the user's scope, journaled as `pii_revealed`
    /// (with the reason) in the same transaction; `None` when the case is not in scope.
    pub async fn reveal_pii(
        &self,
        access: &Access,
        borrower_id: i64,
        reason: &str,
        event_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<BorrowerFile>, StoreError> {
        let mut tx = self.pool.begin().await?;
        if scoped_case(&mut tx, self.backend, access, borrower_id)
            .await?
            .is_none()
        {
            return Ok(None);
        }
        let Some(borrower) = borrower_file(&mut tx, self.backend, borrower_id).await? else {
            return Ok(None);
        };
        audit::append(
            &mut tx,
            self.backend,
            now,
            &AuditEvent {
                actor: access.username.clone(),
                action: AuditAction::PiiRevealed,
                subject: format!("case:{borrower_id}"),
                detail: serde_json::json!({
                    "reason": reason,
                    "fields": ["national_id", "phones", "home_address", "work_address", "contacts"],
                }),
                event_id: event_id.to_string(),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Some(borrower))
    }

    /// Logs a contact on a case in scope: a `contact_event` row the compliance guard counts
    /// from, the delay reason and temperament on the case (which planning reads), and for a
    /// `disputes` outcome the borrower's dispute flag. `None` when the case is not in scope.
    pub async fn log_contact(
        &self,
        access: &Access,
        borrower_id: i64,
        contact: &NewContact,
        now: DateTime<Utc>,
    ) -> Result<Option<LoggedContact>, StoreError> {
        let mut tx = self.pool.begin().await?;
        if scoped_case(&mut tx, self.backend, access, borrower_id)
            .await?
            .is_none()
        {
            return Ok(None);
        }
        let Some(borrower) = borrower_file(&mut tx, self.backend, borrower_id).await? else {
            return Ok(None);
        };
        let address = contact_address(&borrower, contact)?;
        let result = result_code(contact.outcome.result());
        let conversation = contact.outcome.is_right_party()
            && matches!(contact.channel, Channel::Call | Channel::FieldVisit);
        // The ledger's instants use to_rfc3339, as planning's reads compare against it.
        let at = now.to_rfc3339();
        // A call recoup dialled already has its ledger row: the outcome updates it, so one call
        // is one ledger entry.
        let dialed = if contact.channel == Channel::Call && contact.party == Party::Borrower {
            crate::work::outbound::resolve_dialed_call(
                &mut tx,
                self.backend,
                borrower_id,
                &address,
                &access.username,
                contact.call_id,
                now,
            )
            .await?
        } else if contact.call_id.is_some() {
            return Err(StoreError::Invalid {
                field: "call_id",
                message: "only for calls to the borrower".into(),
            });
        } else {
            None
        };
        let logged = LedgerContact {
            borrower_id,
            at: &at,
            address: &address,
            result,
            conversation,
            recorded_by: &access.username,
        };
        let id = match dialed {
            Some(event_id) => {
                logged
                    .complete_dialed(&mut tx, self.backend, contact, event_id)
                    .await?
            }
            None => logged.insert(&mut tx, self.backend, contact).await?,
        };
        note_case_standing(&mut tx, self.backend, borrower_id, contact).await?;
        let dispute_flagged = contact.outcome == ContactOutcome::Disputes;
        if dispute_flagged {
            sqlx::query(&dialect(
                self.backend,
                "UPDATE borrower SET dispute = 1 WHERE id = ?",
            ))
            .bind(borrower_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Some(LoggedContact {
            id,
            at,
            result,
            conversation,
            dispute_flagged,
        }))
    }

    /// Records a promise to pay `amount` by `due_on`, made on business date `made_on`. The
    /// caller checks the amount and dates; `None` when the case is not in scope.
    pub async fn add_promise(
        &self,
        access: &Access,
        borrower_id: i64,
        amount: Fen,
        due_on: NaiveDate,
        made_on: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Option<PromiseRow>, StoreError> {
        let mut tx = self.pool.begin().await?;
        if scoped_case(&mut tx, self.backend, access, borrower_id)
            .await?
            .is_none()
        {
            return Ok(None);
        }
        let made_at = instant_text(now);
        let id: i64 = sqlx::query_scalar(&dialect(
            self.backend,
            "INSERT INTO promise (borrower_id, amount, due_on, made_on, made_at, made_by, status) \
             VALUES (?, ?, ?, ?, ?, ?, 'open') RETURNING id",
        ))
        .bind(borrower_id)
        .bind(amount.get())
        .bind(date_text(due_on))
        .bind(date_text(made_on))
        .bind(&made_at)
        .bind(&access.username)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(PromiseRow {
            id,
            borrower_id,
            amount: amount.get(),
            due_on: date_text(due_on),
            made_on: date_text(made_on),
            made_at,
            made_by: access.username.clone(),
            status: PromiseStatus::Open.code().to_string(),
            paid: None,
            settled_on: None,
        }))
    }

    /// Stores a note (already through language QA; `qa_flags` is the JSON array of its warn
    /// hits). `None` when the case is not in scope.
    pub async fn add_note(
        &self,
        access: &Access,
        borrower_id: i64,
        text: &str,
        qa_flags: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<NoteRow>, StoreError> {
        let mut tx = self.pool.begin().await?;
        if scoped_case(&mut tx, self.backend, access, borrower_id)
            .await?
            .is_none()
        {
            return Ok(None);
        }
        let at = instant_text(now);
        let id: i64 = sqlx::query_scalar(&dialect(
            self.backend,
            "INSERT INTO case_note (borrower_id, at, author, text, qa_flags) VALUES (?, ?, ?, ?, ?) RETURNING id",
        ))
        .bind(borrower_id)
        .bind(&at)
        .bind(&access.username)
        .bind(text)
        .bind(qa_flags)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(NoteRow {
            id,
            borrower_id,
            at,
            author: access.username.clone(),
            text: text.to_string(),
            qa_flags: qa_flags.to_string(),
        }))
    }

    /// End of day for promises: every open promise due on or before `date` is settled from the
    /// payments on the borrower's loans valued from the day it was made through `date` — kept
    /// (all of it), partly kept (some) or broken (none) — with a `promise_kept` /
    /// `promise_partly_kept` / `promise_broken` case event. Run after closing `date` and before
    /// planning it, so planning counts the verdicts. Idempotent.
    pub async fn settle_promises(&self, date: NaiveDate) -> Result<SettleOutcome, StoreError> {
        let date_s = date_text(date);
        let mut tx = self.pool.begin().await?;
        let rows = sqlx::query_as::<_, DuePromise>(&dialect(
            self.backend,
            "SELECT p.id, p.borrower_id, p.amount, p.due_on, \
             CAST(COALESCE((SELECT SUM(y.amount) FROM payment y JOIN loan l ON l.id = y.loan_id \
               WHERE l.borrower_id = p.borrower_id AND y.value_date >= p.made_on AND y.value_date <= ?), 0) AS BIGINT) \
             AS paid_since_made FROM promise p WHERE p.status = 'open' AND p.due_on <= ? ORDER BY p.id",
        ))
        .bind(&date_s)
        .bind(&date_s)
        .fetch_all(&mut *tx)
        .await?;
        let mut outcome = SettleOutcome::default();
        for row in rows {
            let DuePromise {
                id,
                borrower_id,
                amount,
                due_on,
                paid_since_made: paid,
            } = row;
            let status = PromiseStatus::settle(Fen::new(amount), Fen::new(paid));
            match status {
                PromiseStatus::Kept => outcome.kept += 1,
                PromiseStatus::PartlyKept => outcome.partly_kept += 1,
                _ => outcome.broken += 1,
            }
            sqlx::query(&dialect(
                self.backend,
                "UPDATE promise SET status = ?, paid = ?, settled_on = ? WHERE id = ?",
            ))
            .bind(status.code())
            .bind(paid)
            .bind(&date_s)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            sqlx::query(&dialect(
                self.backend,
                "INSERT INTO case_event (borrower_id, business_date, kind, detail) VALUES (?, ?, ?, ?)",
            ))
            .bind(borrower_id)
            .bind(&date_s)
            .bind(format!("promise_{}", status.code()))
            .bind(
                serde_json::json!({
                    "promise": id, "amount_fen": amount, "paid_fen": paid, "due_on": due_on,
                })
                .to_string(),
            )
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(outcome)
    }

    /// The contact ledger of one borrower from `since` on, oldest first: what the compliance
    /// guard counts.
    pub async fn contact_ledger(
        &self,
        borrower_id: i64,
        since: DateTime<Utc>,
    ) -> Result<Vec<ContactEvent>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut ledgers =
            crate::work::collections::contact_ledgers(&mut tx, self.backend, &[borrower_id], since)
                .await?;
        tx.commit().await?;
        Ok(ledgers.remove(&borrower_id).unwrap_or_default())
    }
}

/// Where a logged contact went: a registered contact's phone, the home address for visits and
/// letters, nothing for e-mail, else the borrower's phone the request names (the first by
/// default).
fn contact_address(borrower: &BorrowerFile, contact: &NewContact) -> Result<String, StoreError> {
    Ok(match (&contact.party, contact.channel) {
        (Party::ThirdParty { contact_seq }, _) => borrower
            .contacts
            .iter()
            .find(|c| c.seq == i64::from(*contact_seq))
            .map(|c| c.phone.clone())
            .ok_or_else(|| StoreError::Invalid {
                field: "contact_seq",
                message: format!("the borrower has no registered contact {contact_seq}"),
            })?,
        (_, Channel::FieldVisit | Channel::Letter | Channel::LawyerLetter) => {
            borrower.home_address.clone()
        }
        (_, Channel::Email) => String::new(),
        _ => {
            let index = contact.phone_index.unwrap_or(0);
            borrower
                .phones
                .get(index)
                .cloned()
                .ok_or_else(|| StoreError::Invalid {
                    field: "phone_index",
                    message: format!(
                        "the borrower has {} phone number(s); index {index} is out of range",
                        borrower.phones.len()
                    ),
                })?
        }
    })
}

fn result_code(result: recoup_core::contact::ContactResult) -> &'static str {
    match result {
        recoup_core::contact::ContactResult::Attempted => "attempted",
        recoup_core::contact::ContactResult::Connected => "connected",
        recoup_core::contact::ContactResult::Failed => "failed",
    }
}

fn party_code(party: &Party) -> String {
    match party {
        Party::Borrower => "borrower".to_string(),
        Party::Lawyer => "lawyer".to_string(),
        Party::ThirdParty { contact_seq } => format!("third_party:{contact_seq}"),
    }
}

/// A logged contact's ledger row, as the compliance guard counts it.
struct LedgerContact<'a> {
    borrower_id: i64,
    at: &'a str,
    address: &'a str,
    result: &'static str,
    conversation: bool,
    recorded_by: &'a str,
}

impl LedgerContact<'_> {
    /// Completes the ledger row the dialer call `event_id` already has with its outcome.
    async fn complete_dialed(
        &self,
        conn: &mut AnyConnection,
        backend: Backend,
        contact: &NewContact,
        event_id: i64,
    ) -> Result<i64, StoreError> {
        sqlx::query(&dialect(
            backend,
            "UPDATE contact_event SET result = ?, conversation = ?, outcome = ?, note = ? WHERE id = ?",
        ))
        .bind(self.result)
        .bind(i64::from(self.conversation))
        .bind(contact.outcome.code())
        .bind(contact.note.as_deref())
        .bind(event_id)
        .execute(&mut *conn)
        .await?;
        Ok(event_id)
    }

    /// Adds the contact's ledger row; returns its id.
    async fn insert(
        &self,
        conn: &mut AnyConnection,
        backend: Backend,
        contact: &NewContact,
    ) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(&dialect(
            backend,
            "INSERT INTO contact_event (borrower_id, loan_id, at, channel, party, address, result, conversation, \
             outcome, recorded_by, note) VALUES (?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        ))
        .bind(self.borrower_id)
        .bind(self.at)
        .bind(contact.channel.code())
        .bind(party_code(&contact.party))
        .bind(self.address)
        .bind(self.result)
        .bind(i64::from(self.conversation))
        .bind(contact.outcome.code())
        .bind(self.recorded_by)
        .bind(contact.note.as_deref())
        .fetch_one(&mut *conn)
        .await?)
    }
}

/// Keeps the delay reason and temperament a contact learnt on the case, for planning.
async fn note_case_standing(
    conn: &mut AnyConnection,
    backend: Backend,
    borrower_id: i64,
    contact: &NewContact,
) -> Result<(), StoreError> {
    if contact.delay_reason.is_some() || contact.temperament.is_some() {
        sqlx::query(&dialect(
            backend,
            "UPDATE collection_case SET delay_reason = COALESCE(?, delay_reason), \
             temperament = COALESCE(?, temperament) WHERE borrower_id = ?",
        ))
        .bind(contact.delay_reason.map(DelayReason::code))
        .bind(contact.temperament.map(Temperament::code))
        .bind(borrower_id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A queue row as stored; the live loan figures are filled in afterwards.
#[derive(sqlx::FromRow)]
struct QueueRow {
    borrower_id: i64,
    name: String,
    phones: String,
    home_address: String,
    status: String,
    stage: String,
    queue: Option<String>,
    next_action_on: Option<String>,
    assignee: Option<String>,
    agency: Option<String>,
}

impl QueueRow {
    fn into_entry(self) -> QueueEntry {
        QueueEntry {
            borrower_id: self.borrower_id,
            name: self.name,
            phones: split_phones(&self.phones),
            home_address: self.home_address,
            status: self.status,
            stage: self.stage,
            queue: self.queue,
            next_action_on: self.next_action_on,
            assignee: self.assignee,
            agency: self.agency,
            dpd: 0,
            bucket: "M0".to_string(),
            arrears: 0,
            loans: 0,
        }
    }
}

/// An open promise due by the settled date, with what the borrower paid since making it.
#[derive(sqlx::FromRow)]
struct DuePromise {
    id: i64,
    borrower_id: i64,
    amount: i64,
    due_on: String,
    paid_since_made: i64,
}

/// A `borrower` row as stored: phones `;`-separated, the dispute flag 0/1.
#[derive(sqlx::FromRow)]
struct BorrowerRow {
    id: i64,
    name: String,
    national_id: String,
    phones: String,
    home_address: String,
    work_address: Option<String>,
    dispute: i64,
}

/// The loan columns of a `loan_files` row (the vehicle's are read into [`VehicleRow`]).
#[derive(sqlx::FromRow)]
struct LoanRow {
    id: i64,
    loan_no: String,
    product: String,
    principal: i64,
    term_months: i64,
    method: String,
    disbursement_date: String,
    status: String,
    principal_outstanding: i64,
    arrears_total: i64,
    dpd: i64,
    bucket: String,
    next_due_date: Option<String>,
    vehicle_id: Option<i64>,
    penalty_balance: i64,
    fees_balance: i64,
}

/// A ledger contact as the timeline shows it.
#[derive(sqlx::FromRow)]
struct TimelineContact {
    at: String,
    channel: String,
    party: String,
    address: Option<String>,
    result: String,
    conversation: i64,
    outcome: Option<String>,
    recorded_by: Option<String>,
    note: Option<String>,
}

/// A case event as the timeline shows it (`detail` is JSON, or debug text on old rows).
#[derive(sqlx::FromRow)]
struct TimelineCaseEvent {
    business_date: String,
    kind: String,
    detail: String,
}

/// A note as the timeline shows it.
#[derive(sqlx::FromRow)]
struct TimelineNote {
    at: String,
    author: Option<String>,
    text: String,
    qa_flags: String,
    id: i64,
}

/// Case events stored before their detail became JSON hold the event's Rust debug text, such
/// as `StageChanged { from: Early, to: AssetPreservation }`: read as the JSON written now
/// (`{"from": "early", "to": "asset_preservation"}`). Other text is kept as a string.
fn legacy_case_event_detail(text: &str) -> serde_json::Value {
    let Some(fields) = text
        .split_once('{')
        .and_then(|(_, rest)| rest.rsplit_once('}'))
        .map(|(fields, _)| fields)
    else {
        return serde_json::Value::String(text.to_string());
    };
    let mut detail = serde_json::Map::new();
    for field in fields.split(',') {
        let Some((key, value)) = field.split_once(':') else {
            return serde_json::Value::String(text.to_string());
        };
        let mut code = String::new();
        for (i, ch) in value.trim().chars().enumerate() {
            if ch.is_ascii_uppercase() && i > 0 {
                code.push('_');
            }
            code.push(ch.to_ascii_lowercase());
        }
        detail.insert(key.trim().to_string(), serde_json::Value::String(code));
    }
    serde_json::Value::Object(detail)
}

/// The worst active loan's bucket, as an SQL expression over the case alias `c`.
const WORST_BUCKET: &str = "(SELECT w.bucket FROM loan w WHERE w.borrower_id = c.borrower_id \
     ORDER BY w.dpd DESC, w.id LIMIT 1)";

fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

fn split_phones(phones: &str) -> Vec<String> {
    phones
        .split(';')
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

/// Fills in the live loan figures of a queue page — worst days past due and its bucket, arrears
/// of the active loans, number of loans — from one read of the page's loans (rather than four
/// correlated subqueries per case, which were half of the queue's cost under load).
async fn live_loan_figures(
    conn: &mut AnyConnection,
    backend: Backend,
    entries: &mut [QueueEntry],
) -> Result<(), StoreError> {
    if entries.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "SELECT borrower_id, id, status, dpd, bucket, \
         arrears_principal + arrears_interest + fees_balance + penalty_balance AS arrears_total \
         FROM loan WHERE borrower_id IN ({}) ORDER BY borrower_id, id",
        vec!["?"; entries.len()].join(", ")
    );
    let sql = dialect(backend, &sql);
    let mut query = sqlx::query(&sql);
    for entry in entries.iter() {
        query = query.bind(entry.borrower_id);
    }
    let rows = query.fetch_all(&mut *conn).await?;
    let index: HashMap<i64, usize> = entries
        .iter()
        .enumerate()
        .map(|(i, entry)| (entry.borrower_id, i))
        .collect();
    // The worst loan's bucket: highest DPD of any loan, the first loan on a tie.
    let mut worst: HashMap<i64, i64> = HashMap::new();
    for row in &rows {
        let borrower_id: i64 = row.try_get("borrower_id")?;
        let Some(entry) = index.get(&borrower_id).and_then(|&i| entries.get_mut(i)) else {
            continue;
        };
        let status: String = row.try_get("status")?;
        let dpd: i64 = row.try_get("dpd")?;
        entry.loans += 1;
        if status == "active" {
            entry.dpd = entry.dpd.max(dpd);
            entry.arrears += row.try_get::<i64, _>("arrears_total")?;
        }
        if worst.get(&borrower_id).is_none_or(|&max| dpd > max) {
            worst.insert(borrower_id, dpd);
            entry.bucket = row.try_get("bucket")?;
        }
    }
    Ok(())
}

async fn scoped_case(
    conn: &mut AnyConnection,
    backend: Backend,
    access: &Access,
    borrower_id: i64,
) -> Result<Option<CaseSummary>, StoreError> {
    let scope = access.case_condition("c");
    let sql = format!(
        "SELECT c.borrower_id, c.status, c.stage, c.opened_on, c.stage_since, c.closed_on, c.times_opened, \
         c.queue, c.next_action_on, c.assignee, c.agency, c.arm, c.segment, c.quadrant, c.contactability, \
         c.delay_reason, c.temperament, c.planned_on FROM collection_case c WHERE c.borrower_id = ? AND {}",
        scope.sql
    );
    let sql = dialect(backend, &sql);
    let mut query = sqlx::query(&sql).bind(borrower_id);
    for bind in &scope.binds {
        query = query.bind(bind.as_str());
    }
    let Some(row) = query.fetch_optional(&mut *conn).await? else {
        return Ok(None);
    };
    Ok(Some(CaseSummary::from_row(&row)?))
}

async fn borrower_file(
    conn: &mut AnyConnection,
    backend: Backend,
    borrower_id: i64,
) -> Result<Option<BorrowerFile>, StoreError> {
    let row = sqlx::query_as::<_, BorrowerRow>(&dialect(
        backend,
        "SELECT id, name, national_id, phones, home_address, work_address, dispute FROM borrower WHERE id = ?",
    ))
    .bind(borrower_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let contacts = sqlx::query_as::<_, ContactPerson>(&dialect(
        backend,
        "SELECT seq, name, relation, phone FROM emergency_contact WHERE borrower_id = ? ORDER BY seq",
    ))
    .bind(borrower_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(Some(BorrowerFile {
        id: row.id,
        name: row.name,
        national_id: row.national_id,
        phones: split_phones(&row.phones),
        home_address: row.home_address,
        work_address: row.work_address,
        dispute: row.dispute != 0,
        contacts,
    }))
}

async fn loan_files(
    conn: &mut AnyConnection,
    backend: Backend,
    borrower_id: i64,
) -> Result<Vec<LoanFile>, StoreError> {
    let rows = sqlx::query(&dialect(
        backend,
        "SELECT l.id, l.loan_no, l.product, l.principal, l.term_months, l.method, l.disbursement_date, l.status, \
         l.principal_outstanding, \
         l.arrears_principal + l.arrears_interest + l.fees_balance + l.penalty_balance AS arrears_total, \
         l.dpd, l.bucket, l.next_due_date, v.id AS vehicle_id, v.vin, v.plate, v.make, v.model, v.model_year, v.price, \
         v.lien_status, v.gps_terminal_id, l.penalty_balance, l.fees_balance \
         FROM loan l LEFT JOIN vehicle v ON v.id = l.vehicle_id WHERE l.borrower_id = ? ORDER BY l.id",
    ))
    .bind(borrower_id)
    .fetch_all(&mut *conn)
    .await?;
    // The loans' schedules, payments and bucket changes come in one statement each for the
    // whole borrower (not one per loan): the case view is the hottest read of the API.
    let mut schedules: HashMap<i64, Vec<InstallmentRow>> = json_children_by_loan(
        conn,
        backend,
        "installment i",
        "i",
        "i.period, i.due_date, i.principal_due, i.interest_due, i.principal_paid, \
         i.interest_paid, i.paid_off_on",
        "i.period",
        borrower_id,
    )
    .await?;
    let mut payments: HashMap<i64, Vec<PaymentRow>> = json_children_by_loan(
        conn,
        backend,
        "payment p",
        "p",
        "p.id, p.channel, p.value_date, p.amount",
        "p.value_date DESC, p.id DESC",
        borrower_id,
    )
    .await?;
    let mut bucket_changes = children_by_loan(
        conn,
        backend,
        "SELECT b.loan_id, b.business_date, b.from_bucket, b.to_bucket FROM bucket_change b \
         JOIN loan l ON l.id = b.loan_id WHERE l.borrower_id = ? \
         ORDER BY b.loan_id, b.business_date DESC",
        borrower_id,
        |b| Ok(BucketChangeRow::from_row(b)?),
    )
    .await?;
    let mut loans = Vec::with_capacity(rows.len());
    for row in rows {
        let loan = LoanRow::from_row(&row)?;
        let loan_id = loan.id;
        // The vehicle's columns are NULL without one: read them only when it is there.
        let vehicle = match loan.vehicle_id {
            Some(_) => Some(VehicleRow::from_row(&row)?),
            None => None,
        };
        loans.push(LoanFile {
            id: loan_id,
            loan_no: loan.loan_no,
            product: loan.product,
            principal: loan.principal,
            term_months: loan.term_months,
            method: loan.method,
            disbursement_date: loan.disbursement_date,
            status: loan.status,
            principal_outstanding: loan.principal_outstanding,
            arrears: loan.arrears_total,
            penalty: loan.penalty_balance,
            fees: loan.fees_balance,
            dpd: loan.dpd,
            bucket: loan.bucket,
            next_due_date: loan.next_due_date,
            schedule: schedules.remove(&loan_id).unwrap_or_default(),
            payments: payments.remove(&loan_id).unwrap_or_default(),
            bucket_changes: bucket_changes.remove(&loan_id).unwrap_or_default(),
            vehicle,
        });
    }
    Ok(loans)
}

/// The long child lists of the borrower's loans (schedules, payments) as one JSON array per
/// loan, built by the database: one row per loan instead of one per installment. Through sqlx's
/// SQLite worker every row and value is a hand-off and a copy, which made the schedule the
/// largest part of the case view's cost. `columns` are read into `T` (a tuple) in order.
#[allow(clippy::too_many_arguments)]
async fn json_children_by_loan<T: serde::de::DeserializeOwned>(
    conn: &mut AnyConnection,
    backend: Backend,
    table: &str,
    alias: &str,
    columns: &str,
    order: &str,
    borrower_id: i64,
) -> Result<HashMap<i64, Vec<T>>, StoreError> {
    let aggregate = match backend {
        Backend::Sqlite => format!("json_group_array(json_array({columns}) ORDER BY {order})"),
        Backend::Postgres => {
            format!("CAST(json_agg(json_build_array({columns}) ORDER BY {order}) AS TEXT)")
        }
    };
    let sql = format!(
        "SELECT {alias}.loan_id, {aggregate} AS children FROM {table} JOIN loan l ON l.id = {alias}.loan_id \
         WHERE l.borrower_id = ? GROUP BY {alias}.loan_id"
    );
    let rows = sqlx::query(&dialect(backend, &sql))
        .bind(borrower_id)
        .fetch_all(&mut *conn)
        .await?;
    let mut by_loan = HashMap::with_capacity(rows.len());
    for row in &rows {
        let loan_id: i64 = row.try_get("loan_id")?;
        let list: String = row.try_get("children")?;
        let list: Vec<T> = serde_json::from_str(&list).map_err(|source| {
            StoreError::Corrupt(format!("{table} of loan {loan_id} as JSON: {source}"))
        })?;
        by_loan.insert(loan_id, list);
    }
    Ok(by_loan)
}

/// Rows of a child table of the borrower's loans, grouped by loan (column `loan_id`; order
/// within a loan is the statement's).
async fn children_by_loan<T>(
    conn: &mut AnyConnection,
    backend: Backend,
    sql: &str,
    borrower_id: i64,
    read: impl Fn(&AnyRow) -> Result<T, StoreError>,
) -> Result<HashMap<i64, Vec<T>>, StoreError> {
    let rows = sqlx::query(&dialect(backend, sql))
        .bind(borrower_id)
        .fetch_all(&mut *conn)
        .await?;
    let mut by_loan: HashMap<i64, Vec<T>> = HashMap::new();
    for row in &rows {
        by_loan
            .entry(row.try_get::<i64, _>("loan_id")?)
            .or_default()
            .push(read(row)?);
    }
    Ok(by_loan)
}

async fn promises_of(
    conn: &mut AnyConnection,
    backend: Backend,
    borrower_id: i64,
) -> Result<Vec<PromiseRow>, StoreError> {
    sqlx::query(&dialect(
        backend,
        "SELECT id, borrower_id, amount, due_on, made_on, made_at, made_by, status, paid, settled_on \
         FROM promise WHERE borrower_id = ? ORDER BY made_at DESC, id DESC",
    ))
    .bind(borrower_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(promise_from_row)
    .collect()
}

fn promise_from_row(row: &AnyRow) -> Result<PromiseRow, StoreError> {
    Ok(PromiseRow::from_row(row)?)
}

async fn timeline(
    conn: &mut AnyConnection,
    backend: Backend,
    borrower_id: i64,
    promises: &[PromiseRow],
) -> Result<Vec<TimelineEntry>, StoreError> {
    let mut entries = Vec::new();
    let contacts = sqlx::query_as::<_, TimelineContact>(&dialect(
        backend,
        "SELECT at, channel, party, address, result, conversation, outcome, recorded_by, note FROM contact_event \
         WHERE borrower_id = ? ORDER BY at DESC, id DESC LIMIT ?",
    ))
    .bind(borrower_id)
    .bind(TIMELINE_PER_KIND)
    .fetch_all(&mut *conn)
    .await?;
    for row in contacts {
        entries.push(TimelineEntry {
            at: normalize_instant(&row.at),
            kind: "contact",
            actor: row.recorded_by,
            address: row.address,
            detail: serde_json::json!({
                "channel": row.channel,
                "party": row.party,
                "result": row.result,
                "conversation": row.conversation != 0,
                "outcome": row.outcome,
                "note": row.note,
            }),
        });
    }
    let events = sqlx::query_as::<_, TimelineCaseEvent>(&dialect(
        backend,
        "SELECT business_date, kind, detail FROM case_event WHERE borrower_id = ? \
         ORDER BY business_date DESC, id DESC LIMIT ?",
    ))
    .bind(borrower_id)
    .bind(TIMELINE_PER_KIND)
    .fetch_all(&mut *conn)
    .await?;
    for row in events {
        let detail = serde_json::from_str::<serde_json::Value>(&row.detail)
            .unwrap_or_else(|_| legacy_case_event_detail(&row.detail));
        entries.push(TimelineEntry {
            at: row.business_date,
            kind: "case_event",
            actor: None,
            address: None,
            detail: serde_json::json!({ "event": row.kind, "detail": detail }),
        });
    }
    let notes = sqlx::query_as::<_, TimelineNote>(&dialect(
        backend,
        "SELECT at, author, text, qa_flags, id FROM case_note WHERE borrower_id = ? ORDER BY at DESC, id DESC LIMIT ?",
    ))
    .bind(borrower_id)
    .bind(TIMELINE_PER_KIND)
    .fetch_all(&mut *conn)
    .await?;
    for row in notes {
        entries.push(TimelineEntry {
            at: row.at,
            kind: "note",
            actor: row.author,
            address: None,
            detail: serde_json::json!({
                "id": row.id,
                "text": row.text,
                "qa_flags": serde_json::from_str::<serde_json::Value>(&row.qa_flags).unwrap_or_default(),
            }),
        });
    }
    for promise in promises {
        entries.push(TimelineEntry {
            at: promise.made_at.clone(),
            kind: "promise",
            actor: Some(promise.made_by.clone()),
            address: None,
            detail: serde_json::json!({
                "id": promise.id,
                "amount_fen": promise.amount,
                "due_on": promise.due_on,
                "status": promise.status,
                "paid_fen": promise.paid,
                "settled_on": promise.settled_on,
            }),
        });
    }
    // Newest first; instants and dates sort together as text (a date sorts before the
    // instants of the same day).
    entries.sort_by(|a, b| b.at.cmp(&a.at));
    Ok(entries)
}

/// A ledger instant in the API's form (RFC 3339, UTC, milliseconds); text that does not parse
/// is passed through.
fn normalize_instant(text: &str) -> String {
    DateTime::parse_from_rfc3339(text)
        .map(|at| instant_text(at.with_timezone(&Utc)))
        .unwrap_or_else(|_| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(escape_like("a%b_c\\"), "a\\%b\\_c\\\\");
        assert_eq!(split_phones("1;2;"), vec!["1", "2"]);
    }

    #[test]
    fn case_events_stored_as_debug_text_read_as_json() {
        assert_eq!(
            legacy_case_event_detail("StageChanged { from: PreDue, to: AssetPreservation }"),
            serde_json::json!({"from": "pre_due", "to": "asset_preservation"})
        );
        assert_eq!(
            legacy_case_event_detail("Reopened { trigger: PastDue, stage: WrittenOff }"),
            serde_json::json!({"trigger": "past_due", "stage": "written_off"})
        );
        assert_eq!(
            legacy_case_event_detail("Cured"),
            serde_json::json!("Cured")
        );
        assert_eq!(
            legacy_case_event_detail("{ odd }"),
            serde_json::json!("{ odd }")
        );
    }
}
