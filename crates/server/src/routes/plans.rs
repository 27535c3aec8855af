//! Repayment plans and waivers: request one on a case (`POST /cases/{id}/plans`,
//! `POST /cases/{id}/waivers`), the approver's inbox (`GET /approvals`) and the decision
//! (`POST /approvals/{id}/approve`, `POST /approvals/{id}/reject`). Approval changes the ledger
//! through the core in one transaction with journal and audit rows; see
//! `docs/plans-and-waivers.md`.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use recoup_core::restructure::{PlanTerms, Waiver};
use recoup_core::Fen;
use recoup_store::{ApprovalRequest, NewRequest, RequestKind};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{perm, AuthUser, Authorized};
use crate::error::{ApiResult, AppError, ErrorBody};
use crate::extract::{EventId, Json, PathId, Query};
use crate::routes::cases::access_of;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(request_plan))
        .routes(routes!(request_waiver))
        .routes(routes!(list_approvals))
        .routes(routes!(approve))
        .routes(routes!(reject))
}

fn yuan(field: &str, text: &str) -> Result<Fen, AppError> {
    let amount = Fen::parse_yuan(text).map_err(|e| AppError::invalid(field, e.to_string()))?;
    if amount.get() < 0 {
        return Err(AppError::invalid(field, "must not be negative"));
    }
    Ok(amount)
}

/// A repayment plan to request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanRequestBody {
    /// `arrears_installments`, `term_extension`, `deferral` or `settlement`.
    pub kind: String,
    /// Months (1–60) for the first three kinds.
    #[serde(default)]
    pub months: Option<i64>,
    /// Settlement: the amount to pay, in yuan (`"8000.00"`).
    #[serde(default)]
    pub amount: Option<String>,
    /// Settlement: the date to pay it by (`YYYY-MM-DD`).
    #[serde(default)]
    pub pay_by: Option<String>,
    /// The loan; defaults to the case's active loan with the most arrears.
    #[serde(default)]
    pub loan_no: Option<String>,
    /// Why (1–500 characters), for the approver and the audit trail.
    pub reason: String,
}

impl TryFrom<PlanRequestBody> for NewRequest {
    type Error = AppError;

    fn try_from(body: PlanRequestBody) -> Result<NewRequest, AppError> {
        let months = || -> Result<u32, AppError> {
            let months = body
                .months
                .ok_or_else(|| AppError::invalid("months", "months is required for this kind"))?;
            u32::try_from(months)
                .ok()
                .filter(|m| (1..=recoup_core::restructure::MAX_PLAN_MONTHS).contains(m))
                .ok_or_else(|| AppError::invalid("months", "months must be 1–60"))
        };
        let terms = match body.kind.as_str() {
            "arrears_installments" => PlanTerms::ArrearsInstallments { months: months()? },
            "term_extension" => PlanTerms::TermExtension { months: months()? },
            "deferral" => PlanTerms::Deferral { months: months()? },
            "settlement" => {
                let amount = body
                    .amount
                    .as_deref()
                    .ok_or_else(|| AppError::invalid("amount", "amount is required"))?;
                let pay_by = body
                    .pay_by
                    .as_deref()
                    .ok_or_else(|| AppError::invalid("pay_by", "pay_by is required"))?;
                PlanTerms::Settlement {
                    amount: yuan("amount", amount)?,
                    pay_by: NaiveDate::parse_from_str(pay_by, "%Y-%m-%d")
                        .map_err(|_| AppError::invalid("pay_by", "expected YYYY-MM-DD"))?,
                }
            }
            _ => {
                return Err(AppError::invalid(
                    "kind",
                    "expected arrears_installments, term_extension, deferral or settlement",
                ))
            }
        };
        Ok(NewRequest {
            kind: RequestKind::Plan(terms),
            loan_no: body.loan_no,
            reason: body.reason,
        })
    }
}

/// A waiver of penalty interest and/or late fees to request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WaiverRequestBody {
    /// Penalty interest to waive, yuan (default 0).
    #[serde(default)]
    pub penalty: Option<String>,
    /// Late fees to waive, yuan (default 0).
    #[serde(default)]
    pub fees: Option<String>,
    #[serde(default)]
    pub loan_no: Option<String>,
    pub reason: String,
}

impl TryFrom<WaiverRequestBody> for NewRequest {
    type Error = AppError;

    fn try_from(body: WaiverRequestBody) -> Result<NewRequest, AppError> {
        let penalty = match body.penalty.as_deref() {
            Some(text) => yuan("penalty", text)?,
            None => Fen::ZERO,
        };
        let fees = match body.fees.as_deref() {
            Some(text) => yuan("fees", text)?,
            None => Fen::ZERO,
        };
        if (penalty + fees).is_zero() {
            return Err(AppError::invalid(
                "penalty",
                "waive a positive penalty or fees",
            ));
        }
        Ok(NewRequest {
            kind: RequestKind::Waiver(Waiver { penalty, fees }),
            loan_no: body.loan_no,
            reason: body.reason,
        })
    }
}

/// The decision's comment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// Up to 500 characters; required to reject.
    #[serde(default)]
    pub comment: Option<String>,
}

/// Paging the inbox.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ApprovalsQuery {
    /// At most this many, 1–500 (default 100).
    pub limit: Option<i64>,
}

/// A plan or waiver request.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApprovalView {
    pub id: i64,
    /// The case (borrower id).
    pub case_id: i64,
    pub loan_no: String,
    /// `arrears_installments`, `term_extension`, `deferral`, `settlement` or `waiver`.
    pub kind: String,
    pub months: Option<i64>,
    /// Settlement amount, yuan.
    pub amount: Option<String>,
    pub pay_by: Option<String>,
    pub waive_penalty: Option<String>,
    pub waive_fees: Option<String>,
    pub reason: String,
    /// `pending`, `approved` (waiver), `active` (plan in force), `rejected`, `completed`,
    /// `broken` (kept), `reverted`.
    pub status: String,
    pub requested_by: String,
    pub requested_at: String,
    /// Forgiven, yuan: estimated while pending, as applied once approved.
    pub forgiven: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub comment: Option<String>,
    /// The business date the change was applied as of.
    pub applied_on: Option<String>,
}

impl From<ApprovalRequest> for ApprovalView {
    fn from(r: ApprovalRequest) -> ApprovalView {
        let yuan = |fen: Option<i64>| fen.map(|f| Fen::new(f).to_yuan_string());
        ApprovalView {
            id: r.id,
            case_id: r.borrower_id,
            loan_no: r.loan_no,
            kind: r.kind,
            months: r.months,
            amount: yuan(r.amount),
            pay_by: r.pay_by.map(|d| d.to_string()),
            waive_penalty: yuan(r.waive_penalty),
            waive_fees: yuan(r.waive_fees),
            reason: r.reason,
            status: r.status,
            requested_by: r.requested_by,
            requested_at: r.requested_at,
            forgiven: Fen::new(r.forgiven).to_yuan_string(),
            decided_by: r.decided_by,
            decided_at: r.decided_at,
            comment: r.comment,
            applied_on: r.applied_on.map(|d| d.to_string()),
        }
    }
}

/// Request a repayment plan on a case; audited as `approval_requested`.
#[utoipa::path(
    post,
    path = "/cases/{id}/plans",
    tag = "plans",
    params(("id" = i64, Path, description = "The case (borrower id)")),
    request_body = PlanRequestBody,
    responses(
        (status = 201, description = "Requested, pending approval", body = ApprovalView),
        (status = 403, description = "Role may not request plans", body = ErrorBody),
        (status = 404, description = "No such case in your scope", body = ErrorBody),
        (status = 409, description = "A plan is already pending or in force", body = ErrorBody),
        (status = 422, description = "A field is unacceptable", body = ErrorBody),
    )
)]
pub async fn request_plan(
    State(state): State<AppState>,
    event_id: EventId,
    user: Authorized<perm::RequestPlans>,
    PathId(id): PathId,
    Json(body): Json<PlanRequestBody>,
) -> ApiResult<(StatusCode, Json<ApprovalView>)> {
    let case_id = id;
    let request = NewRequest::try_from(body)?;
    file(&state, &user.user, case_id, &request, &event_id).await
}

/// Request a waiver of penalty interest and/or fees on a case.
#[utoipa::path(
    post,
    path = "/cases/{id}/waivers",
    tag = "plans",
    params(("id" = i64, Path, description = "The case (borrower id)")),
    request_body = WaiverRequestBody,
    responses(
        (status = 201, description = "Requested, pending approval", body = ApprovalView),
        (status = 403, description = "Role may not request waivers", body = ErrorBody),
        (status = 404, description = "No such case in your scope", body = ErrorBody),
        (status = 422, description = "A field is unacceptable", body = ErrorBody),
    )
)]
pub async fn request_waiver(
    State(state): State<AppState>,
    event_id: EventId,
    user: Authorized<perm::RequestPlans>,
    PathId(id): PathId,
    Json(body): Json<WaiverRequestBody>,
) -> ApiResult<(StatusCode, Json<ApprovalView>)> {
    let case_id = id;
    let request = NewRequest::try_from(body)?;
    file(&state, &user.user, case_id, &request, &event_id).await
}

async fn file(
    state: &AppState,
    user: &AuthUser,
    case_id: i64,
    request: &NewRequest,
    event_id: &EventId,
) -> ApiResult<(StatusCode, Json<ApprovalView>)> {
    let stored = state
        .store
        .request_approval(
            &access_of(user),
            case_id,
            request,
            &state.config.buckets,
            state.now(),
            &event_id.0,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(ApprovalView::from(stored))))
}

/// The approver's inbox: pending requests on cases in scope, oldest first.
#[utoipa::path(
    get,
    path = "/approvals",
    tag = "plans",
    params(ApprovalsQuery),
    responses(
        (status = 200, description = "Pending requests", body = Vec<ApprovalView>),
        (status = 403, description = "Role may not approve", body = ErrorBody),
    )
)]
pub async fn list_approvals(
    State(state): State<AppState>,
    user: Authorized<perm::ApprovePlans>,
    Query(query): Query<ApprovalsQuery>,
) -> ApiResult<Json<Vec<ApprovalView>>> {
    let limit = query.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(AppError::invalid("limit", "limit must be 1–500"));
    }
    let pending = state
        .store
        .pending_approvals(&access_of(&user.user), limit)
        .await?;
    Ok(Json(pending.into_iter().map(ApprovalView::from).collect()))
}

/// Approve a pending request: the ledger changes now; audited as `approval_granted`.
#[utoipa::path(
    post,
    path = "/approvals/{id}/approve",
    tag = "plans",
    params(("id" = i64, Path, description = "The request")),
    request_body = DecisionBody,
    responses(
        (status = 200, description = "Approved and applied", body = ApprovalView),
        (status = 403, description = "Not an approver, own request, or beyond the limit", body = ErrorBody),
        (status = 404, description = "No such request in your scope", body = ErrorBody),
        (status = 409, description = "Not pending any more", body = ErrorBody),
        (status = 422, description = "No longer applicable to the loan", body = ErrorBody),
    )
)]
pub async fn approve(
    State(state): State<AppState>,
    event_id: EventId,
    user: Authorized<perm::ApprovePlans>,
    PathId(id): PathId,
    Json(body): Json<DecisionBody>,
) -> ApiResult<Json<ApprovalView>> {
    decide(&state, id, &user.user, true, body, &event_id).await
}

/// Reject a pending request, with a comment; audited as `approval_rejected`.
#[utoipa::path(
    post,
    path = "/approvals/{id}/reject",
    tag = "plans",
    params(("id" = i64, Path, description = "The request")),
    request_body = DecisionBody,
    responses(
        (status = 200, description = "Rejected", body = ApprovalView),
        (status = 403, description = "Not an approver, or own request", body = ErrorBody),
        (status = 404, description = "No such request in your scope", body = ErrorBody),
        (status = 409, description = "Not pending any more", body = ErrorBody),
        (status = 422, description = "No comment", body = ErrorBody),
    )
)]
pub async fn reject(
    State(state): State<AppState>,
    event_id: EventId,
    user: Authorized<perm::ApprovePlans>,
    PathId(id): PathId,
    Json(body): Json<DecisionBody>,
) -> ApiResult<Json<ApprovalView>> {
    decide(&state, id, &user.user, false, body, &event_id).await
}

async fn decide(
    state: &AppState,
    id: i64,
    user: &AuthUser,
    approve: bool,
    body: DecisionBody,
    event_id: &EventId,
) -> ApiResult<Json<ApprovalView>> {
    let comment = body.comment.unwrap_or_default();
    let comment = comment.trim();
    if comment.chars().count() > 500 {
        return Err(AppError::invalid("comment", "at most 500 characters"));
    }
    if !approve && comment.is_empty() {
        return Err(AppError::invalid(
            "comment",
            "say why the request is rejected",
        ));
    }
    let decided = state
        .store
        .decide_approval(
            &access_of(user),
            id,
            approve,
            comment,
            &state.config.plans,
            &state.config.buckets,
            state.now(),
            &event_id.0,
        )
        .await?;
    Ok(Json(ApprovalView::from(decided)))
}
