//! Outbound contact from a case: SMS from a template (`POST /cases/{id}/sms`), click-to-call
//! through the dialer hook (`POST /cases/{id}/calls`), the SMS gateway's delivery reports
//! (`GET /sms/dlr`) and the template list for the UI's picker (`GET /sms/templates`).
//!
//! Both contacts run the same path: scope the case like every case endpoint (out of scope is
//! 404), ask the compliance guard for a permit at *now* (the injected clock) against the same
//! contact ledger end-of-day planning counts, and only with the permit record the contact and
//! hand it to the gateway or dialer. Blocked is 409 naming the rule, and nothing is sent. A
//! gateway or dialer that refuses or does not answer is 502; the contact is stored as failed
//! and taken out of the ledger (see `recoup_store::outbound`).

use axum::extract::State;
use axum::http::StatusCode;
use recoup_channels::{DeliveryStatus, PlacedCall};
use recoup_store::{Access, OutboundCase, OutboundKind, OutboundRequest, Reservation, SendOutcome};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{perm, Authorized};
use crate::error::{ApiResult, AppError, ErrorBody};
use crate::extract::{EventId, Json, PathId, Query};
use crate::mask;
use crate::outbound::Outbound;
use crate::routes::cases::access_of;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(send_sms))
        .routes(routes!(place_call))
        .routes(routes!(delivery_report))
        .routes(routes!(sms_templates))
}

fn outbound(state: &AppState) -> Result<&Outbound, AppError> {
    state
        .outbound
        .as_deref()
        .ok_or_else(|| AppError::Unavailable {
            message: "outbound contact is not configured (the compliance profile or templates did not load)"
                .into(),
        })
}

/// The permit a contact went out under.
#[derive(Debug, Serialize, ToSchema)]
pub struct PermitView {
    /// The compliance profile (`cn`, `us-regf`, …).
    pub profile: String,
    /// Its rule-set version.
    pub version: String,
    /// RFC 3339; the contact may not be made from this instant on.
    pub valid_until: String,
}

fn permit_view(permit: &recoup_compliance::Permit) -> PermitView {
    PermitView {
        profile: permit.profile().to_string(),
        version: permit.profile_version().to_string(),
        valid_until: permit.valid_until().to_rfc3339(),
    }
}

fn blocked(block: recoup_compliance::Block) -> AppError {
    AppError::Blocked {
        rule: block.rule.to_string(),
        reason: block.reason,
    }
}

/// The phone index, `0` unless given, checked against the borrower's phones.
fn phone_index(index: Option<u32>, n_phones: usize) -> Result<usize, AppError> {
    let index = index.unwrap_or(0) as usize;
    if index >= n_phones {
        return Err(AppError::invalid(
            "phone_index",
            format!("the borrower has {n_phones} phone number(s); index {index} is out of range"),
        ));
    }
    Ok(index)
}

/// The case in the user's scope (else 404) and the checked phone index.
async fn case_and_phone(
    state: &AppState,
    access: &Access,
    borrower_id: i64,
    requested: Option<u32>,
) -> ApiResult<(OutboundCase, usize)> {
    let case = state
        .store
        .outbound_case(access, borrower_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let index = phone_index(requested, case.phones.len())?;
    Ok((case, index))
}

/// Asks the guard for a permit at the current instant and, only if it grants one, records the
/// contact (in the ledger too). The permit it returns is the only way to a gateway or dialer;
/// a block is 409 naming the rule.
async fn reserve(
    state: &AppState,
    outbound: &Outbound,
    access: &Access,
    borrower_id: i64,
    phone_index: usize,
    kind: OutboundKind,
) -> ApiResult<(i64, String, recoup_compliance::Permit)> {
    let request = OutboundRequest {
        borrower_id,
        phone_index,
        kind,
        fallback_time_zone: state.config.cases.timezone,
    };
    let reservation = state
        .store
        .reserve_contact(access, &request, &outbound.guard, state.now())
        .await?
        .ok_or(AppError::NotFound)?;
    match reservation {
        Reservation::Blocked(block) => Err(blocked(block)),
        Reservation::Permitted { id, phone, permit } => Ok((id, phone, permit)),
    }
}

// ---------------------------------------------------------------------------------------------
// SMS.

/// An SMS to the borrower from a template.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SmsRequest {
    /// A template id of channel `sms` (see `GET /sms/templates`).
    pub template: String,
    /// Which of the borrower's phones (0-based; default the first).
    #[serde(default)]
    pub phone_index: Option<u32>,
}

/// The message as sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct SmsView {
    pub id: i64,
    pub borrower_id: i64,
    pub template: String,
    /// `sent` (the gateway took it), or a delivery status if a report already arrived.
    pub status: String,
    /// The number, masked.
    pub to: String,
    /// The rendered text, as the borrower receives it.
    pub text: String,
    pub permit: PermitView,
}

/// Send an SMS from a template. The template's placeholders are filled with the case's figures
/// (name, amount in yuan, due date, loan number, days past due, lender, service number), the
/// compliance guard decides at the current instant in the borrower's local time, and only a
/// permitted message is recorded (in the contact ledger too) and handed to the SMS gateway.
#[utoipa::path(
    post,
    path = "/cases/{borrower_id}/sms",
    tag = "outbound",
    params(("borrower_id" = i64, Path, description = "The case (= borrower) id")),
    request_body = SmsRequest,
    responses(
        (status = 201, description = "Sent to the gateway", body = SmsView),
        (status = 403, description = "The role may not send SMS", body = ErrorBody),
        (status = 404, description = "No such case in your scope", body = ErrorBody),
        (status = 409, description = "Blocked by a compliance rule (`rule` names it); nothing sent", body = ErrorBody),
        (status = 422, description = "Unknown template, phone index out of range, or the text cannot be rendered", body = ErrorBody),
        (status = 502, description = "The gateway refused it or did not answer; recorded as failed", body = ErrorBody),
        (status = 503, description = "No SMS gateway is configured", body = ErrorBody),
    )
)]
pub async fn send_sms(
    State(state): State<AppState>,
    event_id: EventId,
    user: Authorized<perm::SendSms>,
    PathId(borrower_id): PathId,
    Json(body): Json<SmsRequest>,
) -> ApiResult<(StatusCode, Json<SmsView>)> {
    let outbound = outbound(&state)?;
    let Some(gateway) = outbound.sms.as_ref() else {
        return Err(AppError::Unavailable {
            message: "SMS gateway not configured ([sms] gateway = \"none\")".into(),
        });
    };
    if body.template.contains('\0') || body.template.chars().count() > 100 {
        return Err(AppError::invalid("template", "not a template id"));
    }
    outbound
        .sms_template(&body.template)
        .map_err(|e| AppError::invalid("template", e.to_string()))?;
    let access = access_of(&user.user);
    let (case, phone_index) =
        case_and_phone(&state, &access, borrower_id, body.phone_index).await?;
    let text = outbound
        .sms_text(&body.template, &case)
        .map_err(|e| AppError::invalid("template", e.to_string()))?;
    let kind = OutboundKind::Sms {
        template: body.template.clone(),
        text: text.clone(),
    };
    let (id, phone, permit) =
        reserve(&state, outbound, &access, borrower_id, phone_index, kind).await?;
    let permit_view = permit_view(&permit);
    let sent = gateway.send(permit, id, &text, state.now()).await;
    let outcome = match &sent {
        Ok(_) => SendOutcome::Accepted(None),
        Err(error) => SendOutcome::Failed(error.to_string()),
    };
    let status = state
        .store
        .finish_sms(id, &outcome, user.user.username(), &event_id.0, state.now())
        .await?;
    if let Err(error) = sent {
        return Err(AppError::BadGateway {
            message: format!(
                "the SMS gateway did not take message {id}: {error}; it is recorded as failed and does not count as a contact"
            ),
        });
    }
    Ok((
        StatusCode::CREATED,
        Json(SmsView {
            id,
            borrower_id,
            template: body.template,
            status,
            to: mask::phone(&phone),
            text,
            permit: permit_view,
        }),
    ))
}

/// A delivery report, as Kannel calls the `dlr-url` recoup gave it.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DlrQuery {
    /// recoup's message id.
    pub id: i64,
    /// Kannel's report type: 1 delivered, 2 undelivered, 4 queued, 8 accepted by the SMSC,
    /// 16 rejected by the SMSC.
    pub status: i64,
    /// The shared secret (`[sms] dlr_token`).
    pub token: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DlrView {
    pub id: i64,
    /// The message's status after the report.
    pub status: String,
}

/// A delivery report from the SMS gateway (Kannel's `dlr-url`). Authenticated by the shared
/// token in the URL, not by a session. Updates the message's status and its ledger entry
/// (delivered: the contact reached the phone; undelivered or rejected: the number failed). A
/// report never moves a message from a final status back to an intermediate one.
#[utoipa::path(
    get,
    path = "/sms/dlr",
    tag = "outbound",
    params(DlrQuery),
    responses(
        (status = 200, description = "Applied", body = DlrView),
        (status = 400, description = "A parameter is missing or malformed", body = ErrorBody),
        (status = 403, description = "Wrong token", body = ErrorBody),
        (status = 404, description = "No such message", body = ErrorBody),
        (status = 422, description = "Not a Kannel report type", body = ErrorBody),
        (status = 503, description = "Delivery reports are not configured", body = ErrorBody),
    )
)]
pub async fn delivery_report(
    State(state): State<AppState>,
    Query(query): Query<DlrQuery>,
) -> ApiResult<Json<DlrView>> {
    let outbound = outbound(&state)?;
    let Some(token) = outbound.dlr_token.as_ref() else {
        return Err(AppError::Unavailable {
            message: "delivery reports are not configured ([sms] dlr_token)".into(),
        });
    };
    if !token.matches(&query.token) {
        tracing::warn!(
            message_id = query.id,
            "a delivery report with a wrong token"
        );
        return Err(AppError::Refused {
            message: "wrong delivery-report token".into(),
        });
    }
    let status = DeliveryStatus::from_kannel(query.status).ok_or_else(|| {
        AppError::invalid(
            "status",
            format!(
                "{} is not a Kannel report type (1, 2, 4, 8 or 16)",
                query.status
            ),
        )
    })?;
    let now_status = state
        .store
        .sms_delivery_report(
            query.id,
            status.code(),
            status.is_final(),
            status.contact_result(),
            query.status,
            state.now(),
        )
        .await?
        .ok_or(AppError::NotFound)?;
    tracing::info!(message_id = query.id, report = status.code(), status = %now_status, "SMS delivery report");
    Ok(Json(DlrView {
        id: query.id,
        status: now_status,
    }))
}

/// One SMS template.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateView {
    pub id: String,
    /// With its placeholders (`{name}`, `{amount}`, …), as written.
    pub text: String,
    /// Warn-tier language-QA terms in it (legitimate when true; shown for review).
    pub warnings: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateListView {
    /// Where the texts come from: `zh-CN`, `en`, or the configured file.
    pub source: String,
    pub templates: Vec<TemplateView>,
}

/// The SMS templates a user may send, for the web UI's picker: the configured template file
/// (`[collections] templates`), which is also what the borrower receives.
#[utoipa::path(
    get,
    path = "/sms/templates",
    tag = "outbound",
    responses(
        (status = 200, description = "The SMS templates", body = TemplateListView),
        (status = 403, description = "The role may not send SMS", body = ErrorBody),
    )
)]
pub async fn sms_templates(
    State(state): State<AppState>,
    _user: Authorized<perm::SendSms>,
) -> ApiResult<Json<TemplateListView>> {
    let outbound = outbound(&state)?;
    Ok(Json(TemplateListView {
        source: outbound.templates_source.clone(),
        templates: outbound
            .templates
            .iter()
            .filter(|(_, template)| template.channel == "sms")
            .map(|(id, template)| TemplateView {
                id: id.to_string(),
                text: template.text.clone(),
                warnings: template.warnings.clone(),
            })
            .collect(),
    }))
}

// ---------------------------------------------------------------------------------------------
// Click-to-call.

/// A call to the borrower through the dialer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallRequest {
    /// Which of the borrower's phones (0-based; default the first).
    #[serde(default)]
    pub phone_index: Option<u32>,
    /// The agent's extension, passed to the dialer (1–32 characters: digits, `*`, `#`, `+`).
    #[serde(default)]
    pub agent_extension: Option<String>,
}

/// The call as the dialer took it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallView {
    /// Give it as `call_id` when logging the outcome (`POST /cases/{id}/contacts`).
    pub call_id: i64,
    pub borrower_id: i64,
    /// `placed`.
    pub status: String,
    /// The dialer's own reference, if it gave one.
    pub dialer_ref: Option<String>,
    /// The number, masked.
    pub to: String,
    pub permit: PermitView,
}

/// Click-to-call: the compliance guard decides at the current instant; a permitted call is
/// recorded (its ledger entry counts as an unanswered attempt until the outcome is logged) and
/// sent to the dialer as an HTTP POST carrying the permit and the full number. Log the outcome
/// with `POST /cases/{id}/contacts` and `call_id`: that updates the same ledger entry.
#[utoipa::path(
    post,
    path = "/cases/{borrower_id}/calls",
    tag = "outbound",
    params(("borrower_id" = i64, Path, description = "The case (= borrower) id")),
    request_body = CallRequest,
    responses(
        (status = 201, description = "The dialer took the call", body = CallView),
        (status = 403, description = "The role may not place calls", body = ErrorBody),
        (status = 404, description = "No such case in your scope", body = ErrorBody),
        (status = 409, description = "Blocked by a compliance rule (`rule` names it); not dialled", body = ErrorBody),
        (status = 422, description = "Phone index out of range or a bad extension", body = ErrorBody),
        (status = 502, description = "The dialer refused or did not answer; recorded as failed", body = ErrorBody),
        (status = 503, description = "No dialer is configured", body = ErrorBody),
    )
)]
pub async fn place_call(
    State(state): State<AppState>,
    event_id: EventId,
    user: Authorized<perm::PlaceCalls>,
    PathId(borrower_id): PathId,
    Json(body): Json<CallRequest>,
) -> ApiResult<(StatusCode, Json<CallView>)> {
    let outbound = outbound(&state)?;
    let Some(dialer) = outbound.dialer.as_ref() else {
        return Err(AppError::Unavailable {
            message: "no dialer is configured ([dialer] url)".into(),
        });
    };
    if let Some(extension) = &body.agent_extension {
        let ok = (1..=32).contains(&extension.len())
            && extension
                .chars()
                .all(|ch| ch.is_ascii_digit() || matches!(ch, '*' | '#' | '+'));
        if !ok {
            return Err(AppError::invalid(
                "agent_extension",
                "1 to 32 characters: digits, *, # or +",
            ));
        }
    }
    let access = access_of(&user.user);
    let (_case, phone_index) =
        case_and_phone(&state, &access, borrower_id, body.phone_index).await?;
    let kind = OutboundKind::Call {
        agent_extension: body.agent_extension.clone(),
    };
    let (id, phone, permit) =
        reserve(&state, outbound, &access, borrower_id, phone_index, kind).await?;
    let permit_view = permit_view(&permit);
    let call = PlacedCall {
        call_id: id,
        agent: user.user.username().to_string(),
        agent_extension: body.agent_extension,
        borrower_id,
    };
    let placed = dialer.place(permit, &call, state.now()).await;
    let outcome = match &placed {
        Ok(answer) => SendOutcome::Accepted(answer.reference.clone()),
        Err(error) => SendOutcome::Failed(error.to_string()),
    };
    let status = state
        .store
        .finish_call(id, &outcome, user.user.username(), &event_id.0, state.now())
        .await?;
    let answer = placed.map_err(|error| AppError::BadGateway {
        message: format!(
            "the dialer did not take call {id}: {error}; it is recorded as failed and does not count as a contact"
        ),
    })?;
    Ok((
        StatusCode::CREATED,
        Json(CallView {
            call_id: id,
            borrower_id,
            status,
            dialer_ref: answer.reference,
            to: mask::phone(&phone),
            permit: permit_view,
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_indexes_default_to_the_first_and_are_range_checked() {
        assert_eq!(phone_index(None, 2).ok(), Some(0));
        assert_eq!(phone_index(Some(1), 2).ok(), Some(1));
        assert!(phone_index(Some(2), 2).is_err());
        assert!(phone_index(None, 0).is_err());
    }
}
