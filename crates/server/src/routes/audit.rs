//! The audit trail: read it (`GET /audit`, newest first, narrowed by actor and action) and
//! verify its hash chain (`GET /audit/verify`); administrators and compliance officers.

use axum::extract::State;
use recoup_store::AuditRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{perm, Authorized};
use crate::error::{ApiResult, AppError, ErrorBody};
use crate::extract::{Json, Query};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_audit))
        .routes(routes!(verify_audit))
}

/// Paging through the trail, newest first.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only rows with a seq below this (the previous page's `next_before`).
    pub before: Option<i64>,
    /// Rows per page, 1–1000 (default 100).
    pub limit: Option<i64>,
    /// Only rows by this actor (a username, `cli` or `system`).
    pub actor: Option<String>,
    /// Only rows with this action code (`login`, `pii_revealed`, …).
    pub action: Option<String>,
}

/// One audit row.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryView {
    pub seq: i64,
    /// RFC 3339, UTC.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    /// The event's facts (a JSON object).
    pub detail: serde_json::Value,
    /// The request that made the change (its `X-Request-Id`).
    pub event_id: String,
    pub prev_hash: String,
    pub hash: String,
}

/// A page of the trail.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub entries: Vec<AuditEntryView>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    pub next_before: Option<i64>,
}

/// The result of recomputing the chain.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditVerifyView {
    /// True when every row links to the one before and matches its hash.
    pub intact: bool,
    pub rows_checked: i64,
    /// The first row that fails.
    pub broken_seq: Option<i64>,
    pub reason: Option<String>,
}

impl From<AuditRow> for AuditEntryView {
    fn from(row: AuditRow) -> AuditEntryView {
        let detail =
            serde_json::from_str(&row.detail).unwrap_or(serde_json::Value::String(row.detail));
        AuditEntryView {
            seq: row.seq,
            at: row.at,
            actor: row.actor,
            action: row.action,
            subject: row.subject,
            detail,
            event_id: row.event_id,
            prev_hash: row.prev_hash,
            hash: row.hash,
        }
    }
}

/// Audit rows, newest first.
#[utoipa::path(
    get,
    path = "/audit",
    tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of the trail", body = AuditPage),
        (status = 400, description = "Bad query parameter", body = ErrorBody),
        (status = 403, description = "Neither administrator nor compliance", body = ErrorBody),
    )
)]
pub async fn list_audit(
    State(state): State<AppState>,
    _auditor: Authorized<perm::ReadAudit>,
    Query(query): Query<AuditQuery>,
) -> ApiResult<Json<AuditPage>> {
    let limit = query.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(AppError::BadRequest {
            code: "invalid_query",
            message: format!("limit must be 1 to 1000, got {limit}"),
            field: Some("limit".into()),
        });
    }
    for (field, value) in [("actor", &query.actor), ("action", &query.action)] {
        if let Some(value) = value {
            if value.is_empty() || value.len() > 64 || value.contains('\0') {
                return Err(AppError::BadRequest {
                    code: "invalid_query",
                    message: format!("{field} must be 1 to 64 characters"),
                    field: Some(field.into()),
                });
            }
        }
    }
    let rows = state
        .store
        .audit_rows_where(
            query.before,
            limit,
            query.actor.as_deref(),
            query.action.as_deref(),
        )
        .await?;
    let next_before = match rows.last() {
        Some(last) if rows.len() as i64 == limit && last.seq > 1 => Some(last.seq),
        _ => None,
    };
    Ok(Json(AuditPage {
        entries: rows.into_iter().map(AuditEntryView::from).collect(),
        next_before,
    }))
}

/// Recompute the hash chain and report the first broken row.
#[utoipa::path(
    get,
    path = "/audit/verify",
    tag = "audit",
    responses(
        (status = 200, description = "Verification result", body = AuditVerifyView),
        (status = 403, description = "Neither administrator nor compliance", body = ErrorBody),
    )
)]
pub async fn verify_audit(
    State(state): State<AppState>,
    _auditor: Authorized<perm::ReadAudit>,
) -> ApiResult<Json<AuditVerifyView>> {
    let verification = state.store.verify_audit().await?;
    let (broken_seq, reason) = match verification.broken {
        Some(link) => (Some(link.seq), Some(link.reason)),
        None => (None, None),
    };
    Ok(Json(AuditVerifyView {
        intact: broken_seq.is_none(),
        rows_checked: verification.rows_checked,
        broken_seq,
        reason,
    }))
}
