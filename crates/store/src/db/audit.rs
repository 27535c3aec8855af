//! The audit trail: an append-only, hash-chained log of who did what — sign-ins, failed
//! sign-ins, throttled sign-ins, users created, and later reveals of personal data and case changes.
//!
//! Each row's `hash` is SHA-256 over the previous row's hash and a canonical encoding of the
//! row (see [`chain_hash`]), so altering, removing or reordering any row breaks every link after
//! it; [`Store::verify_audit`] recomputes the chain and names the first broken row. The head of
//! the chain (last seq and hash) is kept in `audit_head`, which also catches rows cut off the
//! end.
//!
//! Appends serialize on the head: the first statement of every append updates `audit_head`,
//! taking SQLite's write lock or PostgreSQL's row lock, so two writers can never both link to
//! the same previous row.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::{Any, FromRow, Row, Transaction};

use crate::db::error::StoreError;
use crate::db::sql::{dialect, instant_text};
use crate::{Backend, Store};

/// The hash the first row links to.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened. The code is what is stored; new actions are added, never renamed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    /// A user signed in; the subject is the user.
    Login,
    /// A sign-in was refused: wrong password, unknown user, locked or inactive account.
    LoginFailed,
    /// Repeated failures locked an account.
    /// Failures for an account at an address (or from an address) started a wait.
    LoginThrottled,
    /// A user signed out.
    Logout,
    /// A user was created; the detail holds role, display name and agency (never the password).
    UserCreated,
    /// An administrator changed a user: deactivated or reactivated them, set a new password, or
    /// changed the display name or region; the detail says which (never the password).
    UserChanged,
    /// A repayment plan or waiver was requested; the subject is `approval:ID`.
    ApprovalRequested,
    /// A plan or waiver was approved and applied to the ledger; the actor is the approver.
    ApprovalGranted,
    /// A plan or waiver was rejected, with the approver's comment.
    ApprovalRejected,
    /// End-of-day found a plan broken (reverted or kept, as configured).
    PlanBroken,
    /// An SMS was sent under a compliance permit; the subject is `case:BORROWER`.
    SmsSent,
    /// A call was handed to the dialer under a compliance permit.
    CallPlaced,
    /// A manager reassigned cases; the subject is the new assignee, the detail the count and ids.
    CasesReassigned,
    /// Someone saw a case's unmasked personal data; the detail holds the reason given.
    PiiRevealed,
    /// An early settlement (提前结清) was posted and closed the loan; the subject is `loan:NO`.
    SettlementPosted,
    /// A partial prepayment (提前部分还款) was posted and the schedule rebuilt.
    PrepaymentPosted,
}

impl AuditAction {
    pub fn code(self) -> &'static str {
        match self {
            AuditAction::Login => "login",
            AuditAction::LoginFailed => "login_failed",
            AuditAction::LoginThrottled => "login_throttled",
            AuditAction::Logout => "logout",
            AuditAction::UserCreated => "user_created",
            AuditAction::UserChanged => "user_changed",
            AuditAction::ApprovalRequested => "approval_requested",
            AuditAction::ApprovalGranted => "approval_granted",
            AuditAction::ApprovalRejected => "approval_rejected",
            AuditAction::PlanBroken => "plan_broken",
            AuditAction::SmsSent => "sms_sent",
            AuditAction::CallPlaced => "call_placed",
            AuditAction::CasesReassigned => "cases_reassigned",
            AuditAction::PiiRevealed => "pii_revealed",
            AuditAction::SettlementPosted => "settlement_posted",
            AuditAction::PrepaymentPosted => "prepayment_posted",
        }
    }
}

/// One event to append.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    /// Who did it: a username, or `cli` / `system` for work not done by a signed-in user.
    pub actor: String,
    pub action: AuditAction,
    /// What it was done to, e.g. `user:collector1`.
    pub subject: String,
    /// Facts about the event as a JSON object (serde_json sorts keys, so it is canonical).
    pub detail: serde_json::Value,
    /// The request's event id (also sent to the client as `X-Request-Id`); empty outside HTTP.
    pub event_id: String,
}

/// One stored row.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
    pub event_id: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The result of recomputing the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditVerification {
    /// Rows read.
    pub rows_checked: i64,
    /// The first row that does not check, or `None` when the whole chain is intact.
    pub broken: Option<BrokenLink>,
}

/// Where and why the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    /// The first row that fails (for rows cut off the end: the first missing seq).
    pub seq: i64,
    pub reason: String,
}

/// SHA-256 (lower-case hex) over the previous hash and the row's fields, each written as its
/// byte length (8 bytes, big-endian) followed by its UTF-8 bytes, after a version tag. The
/// length prefixes make the encoding unambiguous whatever the fields contain.
#[allow(clippy::too_many_arguments)] // Exactly the hashed columns, in order.
pub fn chain_hash(
    prev_hash: &str,
    seq: i64,
    at: &str,
    actor: &str,
    action: &str,
    subject: &str,
    detail: &str,
    event_id: &str,
) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"recoup-audit-v1");
    let seq_text = seq.to_string();
    for field in [
        prev_hash,
        seq_text.as_str(),
        at,
        actor,
        action,
        subject,
        detail,
        event_id,
    ] {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field.as_bytes());
    }
    crate::db::sql::hex(&hasher.finalize())
}

impl AuditRow {
    fn recomputed_hash(&self) -> String {
        chain_hash(
            &self.prev_hash,
            self.seq,
            &self.at,
            &self.actor,
            &self.action,
            &self.subject,
            &self.detail,
            &self.event_id,
        )
    }
}

/// Appends `event` at `at` inside `tx`, linking it to the head of the chain; returns its seq.
pub(crate) async fn append(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    at: DateTime<Utc>,
    event: &AuditEvent,
) -> Result<i64, StoreError> {
    // Taking the head's lock first makes concurrent appends queue here (see the module doc).
    sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1")
        .execute(&mut **tx)
        .await?;
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(&mut **tx)
        .await?;
    let seq: i64 = head.try_get("seq")?;
    let prev_hash: String = head.try_get("hash")?;
    let at = instant_text(at);
    let detail = event.detail.to_string();
    let action = event.action.code();
    let hash = chain_hash(
        &prev_hash,
        seq,
        &at,
        &event.actor,
        action,
        &event.subject,
        &detail,
        &event.event_id,
    );
    let sql = dialect(
        backend,
        "INSERT INTO audit_log (seq, at, actor, action, subject, detail, event_id, prev_hash, hash) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    );
    sqlx::query(&sql)
        .bind(seq)
        .bind(at.as_str())
        .bind(event.actor.as_str())
        .bind(action)
        .bind(event.subject.as_str())
        .bind(detail.as_str())
        .bind(event.event_id.as_str())
        .bind(prev_hash.as_str())
        .bind(hash.as_str())
        .execute(&mut **tx)
        .await?;
    let sql = dialect(backend, "UPDATE audit_head SET hash = ? WHERE id = 1");
    sqlx::query(&sql)
        .bind(hash.as_str())
        .execute(&mut **tx)
        .await?;
    Ok(seq)
}

const AUDIT_COLUMNS: &str = "seq, at, actor, action, subject, detail, event_id, prev_hash, hash";

fn audit_row(row: &sqlx::any::AnyRow) -> Result<AuditRow, StoreError> {
    Ok(AuditRow::from_row(row)?)
}

impl Store {
    /// Appends one audit event in its own transaction; returns its seq.
    pub async fn append_audit(
        &self,
        at: DateTime<Utc>,
        event: &AuditEvent,
    ) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let seq = append(&mut tx, self.backend, at, event).await?;
        tx.commit().await?;
        Ok(seq)
    }

    /// Audit rows newest first: at most `limit`, with seq below `before` when given.
    pub async fn audit_rows(
        &self,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditRow>, StoreError> {
        let sql = dialect(
            self.backend,
            &format!(
                "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq < ? ORDER BY seq DESC LIMIT ?"
            ),
        )
        .into_owned();
        let rows = sqlx::query(&sql)
            .bind(before.unwrap_or(i64::MAX))
            .bind(limit.clamp(0, 1_000))
            .fetch_all(self.reader())
            .await?;
        rows.iter().map(audit_row).collect()
    }

    /// Audit rows newest first, as [`Store::audit_rows`], narrowed to one actor and/or one
    /// action code when given.
    pub async fn audit_rows_where(
        &self,
        before: Option<i64>,
        limit: i64,
        actor: Option<&str>,
        action: Option<&str>,
    ) -> Result<Vec<AuditRow>, StoreError> {
        let mut sql = format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq < ?");
        if actor.is_some() {
            sql.push_str(" AND actor = ?");
        }
        if action.is_some() {
            sql.push_str(" AND action = ?");
        }
        sql.push_str(" ORDER BY seq DESC LIMIT ?");
        let sql = dialect(self.backend, &sql).into_owned();
        let mut query = sqlx::query(&sql).bind(before.unwrap_or(i64::MAX));
        if let Some(actor) = actor {
            query = query.bind(actor);
        }
        if let Some(action) = action {
            query = query.bind(action);
        }
        let rows = query
            .bind(limit.clamp(0, 1_000))
            .fetch_all(self.reader())
            .await?;
        rows.iter().map(audit_row).collect()
    }

    /// Recomputes the whole chain from the first row and reports the first row that does not
    /// check: a gap in the sequence, a `prev_hash` that is not the previous row's hash, a hash
    /// that does not match the row's contents, or rows missing after the last one read.
    pub async fn verify_audit(&self) -> Result<AuditVerification, StoreError> {
        const PAGE: i64 = 5_000;
        let sql = dialect(
            self.backend,
            &format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?"),
        )
        .into_owned();
        let mut expected_seq = 1_i64;
        let mut prev_hash = GENESIS_HASH.to_string();
        let mut rows_checked = 0_i64;
        let broken = |seq: i64, reason: String, rows_checked: i64| AuditVerification {
            rows_checked,
            broken: Some(BrokenLink { seq, reason }),
        };
        loop {
            let page = sqlx::query(&sql)
                .bind(expected_seq - 1)
                .bind(PAGE)
                .fetch_all(self.reader())
                .await?;
            let n_rows = page.len();
            for row in &page {
                let row = audit_row(row)?;
                rows_checked += 1;
                if row.seq != expected_seq {
                    return Ok(broken(
                        expected_seq,
                        format!(
                            "row {expected_seq} is missing (the next row is {})",
                            row.seq
                        ),
                        rows_checked,
                    ));
                }
                if row.prev_hash != prev_hash {
                    return Ok(broken(
                        row.seq,
                        format!(
                            "row {} does not link to row {}: its prev_hash is not that row's hash",
                            row.seq,
                            row.seq - 1
                        ),
                        rows_checked,
                    ));
                }
                if row.recomputed_hash() != row.hash {
                    return Ok(broken(
                        row.seq,
                        format!(
                            "row {} was altered: its hash does not match its contents",
                            row.seq
                        ),
                        rows_checked,
                    ));
                }
                prev_hash = row.hash;
                expected_seq += 1;
            }
            if (n_rows as i64) < PAGE {
                break;
            }
        }
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(self.reader())
            .await?;
        let head_seq: i64 = head.try_get("seq")?;
        let head_hash: String = head.try_get("hash")?;
        let last_seq = expected_seq - 1;
        if head_seq != last_seq || head_hash != prev_hash {
            return Ok(broken(
                expected_seq,
                format!(
                    "the chain ends at row {last_seq} but its head records row {head_seq}: rows were removed from the end"
                ),
                rows_checked,
            ));
        }
        Ok(AuditVerification {
            rows_checked,
            broken: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_encoding_is_unambiguous_across_field_boundaries() {
        let a = chain_hash(GENESIS_HASH, 1, "t", "ab", "c", "s", "{}", "");
        let b = chain_hash(GENESIS_HASH, 1, "t", "a", "bc", "s", "{}", "");
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_eq!(
            a,
            chain_hash(GENESIS_HASH, 1, "t", "ab", "c", "s", "{}", "")
        );
    }
}
