//! Outbound contacts a user starts from a case: SMS from a template and click-to-call through
//! the dialer. The store's part is the compliance check against the ledger and the records:
//!
//! 1. [`Store::outbound_case`]: the case's phones and figures (for the template), scoped.
//! 2. [`Store::reserve_contact`]: in one transaction that locks the case row, load the
//!    borrower's standing and ledger, ask the guard, and — only when permitted — write the
//!    `outbound_message` / `outbound_call` row and its `contact_event` in the ledger. The
//!    ledger row is written *before* the gateway is called so that two requests for the same
//!    borrower cannot both pass the guard on the same counters (the guard's contract: record
//!    before asking again). It is a reservation until step 3.
//! 3. [`Store::finish_sms`] / [`Store::finish_call`]: after the gateway or dialer answered.
//!    Accepted: the row is `sent` / `placed`. Refused or unreachable: the row is `failed` and
//!    its ledger row is deleted in the same transaction, because a message that never left
//!    or a call that never rang reached nobody and must not count against the borrower's
//!    limits. A crash between 2 and 3 leaves the reservation in the ledger: the contact
//!    counts although it may not have left — the safe side.
//! 4. [`Store::sms_delivery_report`]: the gateway's delivery reports update the message and the
//!    ledger row's result (delivered → connected, undelivered → failed).
//!
//! A logged call outcome (`POST /cases/{id}/contacts`, [`Store::log_contact`]) updates the
//! dialer call's ledger row instead of adding a second one ([`resolve_dialed_call`]): one
//! call, one ledger entry.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;
use recoup_compliance::{
    Block, BorrowerStanding, ContactRequest, Decision, Flags, Guard, History, Permit, TemplateClass,
};
use recoup_core::contact::{Channel, ContactResult, Party};
use recoup_core::Fen;
use sqlx::{AnyConnection, Row};

use crate::db::audit::{self, AuditAction, AuditEvent};
use crate::db::error::StoreError;
use crate::db::sql::{dialect, instant_text, parse_instant, parse_opt_date};
use crate::work::access::Access;
use crate::{Backend, Store};

/// How long after dialling a logged call outcome without a `call_id` still resolves the
/// collector's open dialer call to the same number.
pub const CALL_RESOLVE_WINDOW: TimeDelta = TimeDelta::hours(2);

/// A case as an outbound contact needs it: phones (unmasked: they are dialled) and figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundCase {
    pub borrower_id: i64,
    pub name: String,
    pub phones: Vec<String>,
    pub figures: CaseFigures,
}

/// The money and dates a template may show, from the borrower's worst active loan (highest
/// days past due, then arrears).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFigures {
    pub loan_no: String,
    /// Arrears when overdue, else the next installment (principal + interest).
    pub amount: Fen,
    /// The oldest unpaid due date when overdue, else the next due date.
    pub due_date: Option<NaiveDate>,
    pub days_past_due: u32,
}

/// What to reserve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundRequest {
    pub borrower_id: i64,
    /// Which of the borrower's phones (0-based).
    pub phone_index: usize,
    pub kind: OutboundKind,
    /// The time zone of the borrower's local time when the profile has no default.
    pub fallback_time_zone: Tz,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutboundKind {
    Sms { template: String, text: String },
    Call { agent_extension: Option<String> },
}

/// The guard's answer, with the reserved record when permitted.
#[derive(Debug)]
pub enum Reservation {
    Permitted {
        /// The `outbound_message` or `outbound_call` id.
        id: i64,
        /// The full number (the permit's address).
        phone: String,
        permit: Permit,
    },
    Blocked(Block),
}

/// How a gateway or dialer answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// Taken; the gateway's answer or the dialer's reference.
    Accepted(Option<String>),
    /// Refused or unreachable; why.
    Failed(String),
}

impl Store {
    /// The case's phones and figures, or `None` when the case is not in the user's scope.
    pub async fn outbound_case(
        &self,
        access: &Access,
        borrower_id: i64,
    ) -> Result<Option<OutboundCase>, StoreError> {
        let mut conn = self.reader().acquire().await?;
        if !in_scope(&mut conn, self.backend, access, borrower_id).await? {
            return Ok(None);
        }
        let Some(row) = sqlx::query(&dialect(
            self.backend,
            "SELECT name, phones FROM borrower WHERE id = ?",
        ))
        .bind(borrower_id)
        .fetch_optional(&mut *conn)
        .await?
        else {
            return Ok(None);
        };
        let name: String = row.try_get("name")?;
        let phones: String = row.try_get("phones")?;
        let loan = sqlx::query(&dialect(
            self.backend,
            "SELECT l.loan_no, l.dpd, \
             l.arrears_principal + l.arrears_interest + l.fees_balance + l.penalty_balance AS arrears_total, \
             l.oldest_unpaid_due_date, l.next_due_date, \
             CAST(COALESCE((SELECT i.principal_due + i.interest_due FROM installment i \
               WHERE i.loan_id = l.id AND i.period = l.next_due_period), 0) AS BIGINT) AS next_installment \
             FROM loan l WHERE l.borrower_id = ? AND l.status = 'active' \
             ORDER BY l.dpd DESC, 3 DESC, l.id LIMIT 1",
        ))
        .bind(borrower_id)
        .fetch_optional(&mut *conn)
        .await?;
        let figures = match loan {
            None => CaseFigures {
                loan_no: String::new(),
                amount: Fen::new(0),
                due_date: None,
                days_past_due: 0,
            },
            Some(row) => {
                let dpd: i64 = row.try_get("dpd")?;
                let arrears: i64 = row.try_get("arrears_total")?;
                let oldest = parse_opt_date(row.try_get("oldest_unpaid_due_date")?)?;
                let next = parse_opt_date(row.try_get("next_due_date")?)?;
                let next_amount: i64 = row.try_get("next_installment")?;
                let overdue = dpd > 0 || arrears > 0;
                CaseFigures {
                    loan_no: row.try_get("loan_no")?,
                    amount: Fen::new(if overdue { arrears } else { next_amount }),
                    due_date: if overdue { oldest.or(next) } else { next },
                    days_past_due: u32::try_from(dpd).unwrap_or(0),
                }
            }
        };
        Ok(Some(OutboundCase {
            borrower_id,
            name,
            phones: split_phones(&phones),
            figures,
        }))
    }

    /// Asks `guard` whether the contact may be made at `now` and, if so, records it (the
    /// outbound row and its ledger row) in the same transaction. `None` when the case is not in
    /// the user's scope; a phone index out of range is `StoreError::Invalid` naming
    /// `phone_index`. Nothing is written when the guard blocks.
    pub async fn reserve_contact(
        &self,
        access: &Access,
        request: &OutboundRequest,
        guard: &Guard,
        now: DateTime<Utc>,
    ) -> Result<Option<Reservation>, StoreError> {
        let borrower_id = request.borrower_id;
        let mut tx = self.pool.begin().await?;
        if !lock_case_in_scope(&mut tx, self.backend, access, borrower_id).await? {
            return Ok(None);
        }
        let Some(target) = contact_target(&mut tx, self.backend, request, guard).await? else {
            return Ok(None);
        };
        // The same ledger slice planning reads, from the instant the guard needs.
        let since = guard.history_since(now);
        let mut ledgers =
            crate::work::collections::contact_ledgers(&mut tx, self.backend, &[borrower_id], since)
                .await?;
        let ledger = ledgers.remove(&borrower_id).unwrap_or_default();
        let contact = ContactRequest {
            borrower_id,
            loan_id: None,
            channel: request.kind.channel(),
            party: Party::Borrower,
            address: target.phone.clone(),
            at: now,
            template: TemplateClass::Normal,
            collectors: Vec::new(),
        };
        let permit = match guard.check(
            &contact,
            &target.standing,
            History {
                events: &ledger,
                complete_since: Some(since),
            },
        ) {
            Decision::Permitted(permit) => permit,
            Decision::Blocked(block) => return Ok(Some(Reservation::Blocked(block))),
        };
        let event_id =
            reserve_ledger_row(&mut tx, self.backend, access, request, &target.phone, now).await?;
        let id = insert_outbound_record(
            &mut tx,
            self.backend,
            access,
            request,
            &target.phone,
            &permit,
            event_id,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Some(Reservation::Permitted {
            id,
            phone: target.phone,
            permit,
        }))
    }

    /// Records how the gateway answered for message `id` (see the module doc), with an
    /// `sms_sent` audit row by `actor`. Returns the message's status afterwards.
    pub async fn finish_sms(
        &self,
        id: i64,
        outcome: &SendOutcome,
        actor: &str,
        event_id: &str,
        now: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        self.finish(Kind::Sms, id, outcome, actor, event_id, now)
            .await
    }

    /// Records how the dialer answered for call `id` (see the module doc), with a
    /// `call_placed` audit row by `actor`. Returns the call's status afterwards.
    pub async fn finish_call(
        &self,
        id: i64,
        outcome: &SendOutcome,
        actor: &str,
        event_id: &str,
        now: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        self.finish(Kind::Call, id, outcome, actor, event_id, now)
            .await
    }

    async fn finish(
        &self,
        kind: Kind,
        id: i64,
        outcome: &SendOutcome,
        actor: &str,
        event_id: &str,
        now: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        let (table, pending, done, reference) = match kind {
            Kind::Sms => ("outbound_message", "sending", "sent", "error"),
            Kind::Call => ("outbound_call", "dialing", "placed", "dialer_ref"),
        };
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(&dialect(
            self.backend,
            &format!("SELECT borrower_id, contact_event_id FROM {table} WHERE id = ?"),
        ))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("{table} {id} vanished while sending")))?;
        let borrower_id: i64 = row.try_get("borrower_id")?;
        let contact_event_id: Option<i64> = row.try_get("contact_event_id")?;
        let at = instant_text(now);
        let status = match outcome {
            SendOutcome::Accepted(answer) => {
                // A delivery report may have overtaken this answer; it already moved the status
                // on from `sending`, so only a pending row changes. Kannel's "Accepted for
                // delivery" is not worth keeping as an error; a dialer reference is.
                let answer = match kind {
                    Kind::Sms => None,
                    Kind::Call => answer.clone(),
                };
                sqlx::query(&dialect(
                    self.backend,
                    &format!(
                        "UPDATE {table} SET status = CASE WHEN status = ? THEN ? ELSE status END, \
                         {reference} = ?, updated_at = ? WHERE id = ?"
                    ),
                ))
                .bind(pending)
                .bind(done)
                .bind(answer)
                .bind(&at)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                sqlx::query_scalar(&dialect(
                    self.backend,
                    &format!("SELECT status FROM {table} WHERE id = ?"),
                ))
                .bind(id)
                .fetch_one(&mut *tx)
                .await?
            }
            SendOutcome::Failed(error) => {
                if let Some(event) = contact_event_id {
                    sqlx::query(&dialect(
                        self.backend,
                        "DELETE FROM contact_event WHERE id = ?",
                    ))
                    .bind(event)
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query(&dialect(
                    self.backend,
                    &format!(
                        "UPDATE {table} SET status = 'failed', error = ?, contact_event_id = NULL, \
                         updated_at = ? WHERE id = ?"
                    ),
                ))
                .bind(error)
                .bind(&at)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                "failed".to_string()
            }
        };
        let (action, key) = match kind {
            Kind::Sms => (AuditAction::SmsSent, "message_id"),
            Kind::Call => (AuditAction::CallPlaced, "call_id"),
        };
        audit::append(
            &mut tx,
            self.backend,
            now,
            &AuditEvent {
                actor: actor.to_string(),
                action,
                subject: format!("case:{borrower_id}"),
                detail: serde_json::json!({
                    key: id,
                    "status": status,
                    "error": match outcome {
                        SendOutcome::Failed(error) => Some(error.as_str()),
                        SendOutcome::Accepted(_) => None,
                    },
                }),
                event_id: event_id.to_string(),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(status)
    }

    /// Applies a delivery report to message `id`: the new `status` (a code such as
    /// `delivered`) unless the message already has a final one and this one is not
    /// (`is_final`), the raw report `code`, and the ledger row's `result`. Returns the
    /// message's status afterwards, or `None` when there is no such message.
    pub async fn sms_delivery_report(
        &self,
        id: i64,
        status: &str,
        is_final: bool,
        result: ContactResult,
        code: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let Some(row) = sqlx::query(&dialect(
            self.backend,
            "SELECT status, contact_event_id FROM outbound_message WHERE id = ?",
        ))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(None);
        };
        let current: String = row.try_get("status")?;
        let contact_event_id: Option<i64> = row.try_get("contact_event_id")?;
        let current_final = matches!(
            current.as_str(),
            "delivered" | "undelivered" | "rejected" | "failed"
        );
        if (current_final && !is_final) || current == "failed" {
            return Ok(Some(current));
        }
        sqlx::query(&dialect(
            self.backend,
            "UPDATE outbound_message SET status = ?, dlr_code = ?, updated_at = ? WHERE id = ?",
        ))
        .bind(status)
        .bind(code)
        .bind(instant_text(now))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if let Some(event) = contact_event_id {
            sqlx::query(&dialect(
                self.backend,
                "UPDATE contact_event SET result = ? WHERE id = ?",
            ))
            .bind(result_code(result))
            .bind(event)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Some(status.to_string()))
    }
}

impl OutboundKind {
    /// The ledger channel the contact is counted on.
    fn channel(&self) -> Channel {
        match self {
            OutboundKind::Sms { .. } => Channel::Sms,
            OutboundKind::Call { .. } => Channel::Call,
        }
    }
}

/// The number a reserved contact goes to and the borrower's standing the guard judges it by.
struct ContactTarget {
    phone: String,
    standing: BorrowerStanding,
}

/// The borrower's phones, dispute flag, contactability and own time zone.
#[derive(sqlx::FromRow)]
struct StandingRow {
    phones: String,
    dispute: i64,
    contactability: String,
    time_zone: Option<String>,
}

/// Checks the case is in the user's scope and locks its row, in one statement: a no-op update
/// takes the case row's lock on PostgreSQL (SQLite serializes writers anyway), so checks for one
/// borrower run one at a time and each sees the reservations before it.
async fn lock_case_in_scope(
    conn: &mut AnyConnection,
    backend: Backend,
    access: &Access,
    borrower_id: i64,
) -> Result<bool, StoreError> {
    let scope = access.case_condition("collection_case");
    let sql = format!(
        "UPDATE collection_case SET borrower_id = borrower_id WHERE borrower_id = ? AND {}",
        scope.sql
    );
    let sql = dialect(backend, &sql);
    let mut lock = sqlx::query(&sql).bind(borrower_id);
    for bind in &scope.binds {
        lock = lock.bind(bind.as_str());
    }
    Ok(lock.execute(&mut *conn).await?.rows_affected() > 0)
}

/// The phone the request names and the borrower's standing; `None` when there is no such
/// borrower, `Invalid` naming `phone_index` when the index is out of range.
async fn contact_target(
    conn: &mut AnyConnection,
    backend: Backend,
    request: &OutboundRequest,
    guard: &Guard,
) -> Result<Option<ContactTarget>, StoreError> {
    let borrower_id = request.borrower_id;
    let row = sqlx::query_as::<_, StandingRow>(&dialect(
        backend,
        "SELECT b.phones, b.dispute, c.contactability, b.time_zone FROM borrower b \
         JOIN collection_case c ON c.borrower_id = b.id WHERE b.id = ?",
    ))
    .bind(borrower_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let phones = split_phones(&row.phones);
    let phone = phones
        .get(request.phone_index)
        .cloned()
        .ok_or_else(|| StoreError::Invalid {
            field: "phone_index",
            message: format!(
                "the borrower has {} phone number(s); index {} is out of range",
                phones.len(),
                request.phone_index
            ),
        })?;
    // The borrower's own zone, else the profile's, else the server's.
    let own_zone = match row.time_zone {
        Some(name) => Some(
            name.parse::<Tz>()
                .map_err(|_| StoreError::Corrupt(format!("borrower time zone `{name}`")))?,
        ),
        None => None,
    };
    let registered: Vec<u32> = sqlx::query_scalar::<_, i64>(&dialect(
        backend,
        "SELECT seq FROM emergency_contact WHERE borrower_id = ? ORDER BY seq",
    ))
    .bind(borrower_id)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .filter_map(|seq| u32::try_from(seq).ok())
    .collect();
    let standing = BorrowerStanding {
        time_zone: Some(
            own_zone
                .or(guard.profile().default_time_zone())
                .unwrap_or(request.fallback_time_zone),
        ),
        lost_contact: row.contactability == "lost_contact",
        registered_contacts: registered,
        flags: Flags {
            dispute: row.dispute != 0,
            ..Flags::default()
        },
        ..BorrowerStanding::default()
    };
    Ok(Some(ContactTarget { phone, standing }))
}

/// Writes the permitted contact's ledger row (`attempted` until the gateway or dialer
/// answers); returns its id.
async fn reserve_ledger_row(
    conn: &mut AnyConnection,
    backend: Backend,
    access: &Access,
    request: &OutboundRequest,
    phone: &str,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let note = match &request.kind {
        OutboundKind::Sms { template, .. } => format!("SMS from template {template}"),
        OutboundKind::Call { .. } => "call through the dialer".to_string(),
    };
    // The ledger's instants use to_rfc3339, as planning's reads compare against it.
    Ok(sqlx::query_scalar(&dialect(
        backend,
        "INSERT INTO contact_event (borrower_id, loan_id, at, channel, party, address, result, conversation, \
         outcome, recorded_by, note) VALUES (?, NULL, ?, ?, 'borrower', ?, 'attempted', 0, NULL, ?, ?) RETURNING id",
    ))
    .bind(request.borrower_id)
    .bind(now.to_rfc3339())
    .bind(request.kind.channel().code())
    .bind(phone)
    .bind(&access.username)
    .bind(&note)
    .fetch_one(&mut *conn)
    .await?)
}

/// Writes the `outbound_message` or `outbound_call` row under `permit`, pointing at its
/// ledger row; returns its id.
#[allow(clippy::too_many_arguments)]
async fn insert_outbound_record(
    conn: &mut AnyConnection,
    backend: Backend,
    access: &Access,
    request: &OutboundRequest,
    phone: &str,
    permit: &Permit,
    event_id: i64,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let borrower_id = request.borrower_id;
    let at = instant_text(now);
    let valid_until = instant_text(permit.valid_until());
    let id: i64 = match &request.kind {
        OutboundKind::Sms { template, text } => {
            sqlx::query_scalar(&dialect(
                backend,
                "INSERT INTO outbound_message (borrower_id, template, phone, text, status, error, dlr_code, \
                 permit_profile, permit_version, permit_valid_until, contact_event_id, requested_by, created_at, \
                 updated_at) VALUES (?, ?, ?, ?, 'sending', NULL, NULL, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            ))
            .bind(borrower_id)
            .bind(template)
            .bind(phone)
            .bind(text)
            .bind(permit.profile())
            .bind(permit.profile_version())
            .bind(&valid_until)
            .bind(event_id)
            .bind(&access.username)
            .bind(&at)
            .bind(&at)
            .fetch_one(&mut *conn)
            .await?
        }
        OutboundKind::Call { agent_extension } => {
            sqlx::query_scalar(&dialect(
                backend,
                "INSERT INTO outbound_call (borrower_id, phone, agent, agent_extension, status, dialer_ref, error, \
                 permit_profile, permit_version, permit_valid_until, contact_event_id, resolved_at, created_at, \
                 updated_at) VALUES (?, ?, ?, ?, 'dialing', NULL, NULL, ?, ?, ?, ?, NULL, ?, ?) RETURNING id",
            ))
            .bind(borrower_id)
            .bind(phone)
            .bind(&access.username)
            .bind(agent_extension.as_deref())
            .bind(permit.profile())
            .bind(permit.profile_version())
            .bind(&valid_until)
            .bind(event_id)
            .bind(&at)
            .bind(&at)
            .fetch_one(&mut *conn)
            .await?
        }
    };
    Ok(id)
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Sms,
    Call,
}

fn result_code(result: ContactResult) -> &'static str {
    match result {
        ContactResult::Attempted => "attempted",
        ContactResult::Connected => "connected",
        ContactResult::Failed => "failed",
    }
}

fn split_phones(phones: &str) -> Vec<String> {
    phones
        .split(';')
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

async fn in_scope(
    conn: &mut AnyConnection,
    backend: Backend,
    access: &Access,
    borrower_id: i64,
) -> Result<bool, StoreError> {
    let scope = access.case_condition("c");
    let sql = format!(
        "SELECT c.borrower_id FROM collection_case c WHERE c.borrower_id = ? AND {}",
        scope.sql
    );
    let sql = dialect(backend, &sql);
    let mut query = sqlx::query_scalar::<_, i64>(&sql).bind(borrower_id);
    for bind in &scope.binds {
        query = query.bind(bind.as_str());
    }
    Ok(query.fetch_optional(&mut *conn).await?.is_some())
}

/// The ledger row of the dialer call a logged call outcome belongs to, marked resolved, or
/// `None` when the outcome is for a call recoup did not dial (which then gets its own row).
///
/// With `call_id`, that call of this borrower (else `Invalid` naming `call_id`). Without it,
/// the newest unresolved call the same user dialled to the same number within
/// [`CALL_RESOLVE_WINDOW`].
pub(crate) async fn resolve_dialed_call(
    conn: &mut AnyConnection,
    backend: Backend,
    borrower_id: i64,
    address: &str,
    username: &str,
    call_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Option<i64>, StoreError> {
    let invalid = |message: String| StoreError::Invalid {
        field: "call_id",
        message,
    };
    let row = match call_id {
        Some(call_id) => {
            let row = sqlx::query(&dialect(
                backend,
                "SELECT id, contact_event_id, status, resolved_at, created_at, phone FROM outbound_call \
                 WHERE id = ? AND borrower_id = ?",
            ))
            .bind(call_id)
            .bind(borrower_id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| invalid(format!("case {borrower_id} has no dialer call {call_id}")))?;
            let status: String = row.try_get("status")?;
            let resolved: Option<String> = row.try_get("resolved_at")?;
            let phone: String = row.try_get("phone")?;
            if status == "failed" {
                return Err(invalid(format!(
                    "the dialer never placed call {call_id}; log it without call_id if it happened"
                )));
            }
            if resolved.is_some() {
                return Err(invalid(format!(
                    "the outcome of call {call_id} is already logged"
                )));
            }
            if phone != address {
                return Err(invalid(format!(
                    "call {call_id} went to another of the borrower's numbers; give its phone_index"
                )));
            }
            row
        }
        None => {
            let Some(row) = sqlx::query(&dialect(
                backend,
                "SELECT id, contact_event_id, status, resolved_at, created_at FROM outbound_call \
                 WHERE borrower_id = ? AND agent = ? AND phone = ? AND resolved_at IS NULL \
                 AND status <> 'failed' ORDER BY id DESC LIMIT 1",
            ))
            .bind(borrower_id)
            .bind(username)
            .bind(address)
            .fetch_optional(&mut *conn)
            .await?
            else {
                return Ok(None);
            };
            let created: String = row.try_get("created_at")?;
            if now - parse_instant(&created)? > CALL_RESOLVE_WINDOW {
                return Ok(None);
            }
            row
        }
    };
    let id: i64 = row.try_get("id")?;
    let contact_event_id: Option<i64> = row.try_get("contact_event_id")?;
    sqlx::query(&dialect(
        backend,
        "UPDATE outbound_call SET resolved_at = ?, updated_at = ? WHERE id = ?",
    ))
    .bind(instant_text(now))
    .bind(instant_text(now))
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(contact_event_id)
}
