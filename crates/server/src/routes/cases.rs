//! Cases: the work queue (`GET /queue`), the case file (`GET /cases/{id}`), the reveal of
//! personal data, logging contacts, promises to pay, notes, and bulk reassignment.
//!
//! Scoping is the store's: every query carries the user's [`Access`] condition, so a case outside
//! the user's scope answers 404 exactly like a case that does not exist. Personal data is masked
//! in every response (see [`crate::mask`]) except the reveal's, which is journaled.

use std::sync::OnceLock;

use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use recoup_core::case::{DelayReason, Stage, Temperament};
use recoup_core::contact::{Channel, Party};
use recoup_core::role::Role;
use recoup_core::work::ContactOutcome;
use recoup_core::Fen;
use recoup_qa::Inspector;
use recoup_store::{
    Access, BorrowerFile, CaseFile, CaseSelection, CaseSummary, NewContact, NoteRow, PromiseRow,
    QueueEntry, QueueFilter, QueueSort,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{perm, AuthUser, Authorized};
use crate::error::{ApiResult, AppError, ErrorBody};
use crate::extract::{EventId, Json, PathId, Query};
use crate::mask;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(queue))
        .routes(routes!(reassign))
        .routes(routes!(case_file))
        .routes(routes!(reveal))
        .routes(routes!(log_contact))
        .routes(routes!(add_promise))
        .routes(routes!(add_note))
}

/// The data-scoping view of a signed-in user.
pub(crate) fn access_of(user: &AuthUser) -> Access {
    Access {
        username: user.username().to_string(),
        role: user.role(),
        agency: user.user().agency.clone(),
    }
}

/// Roles whose scope is the whole book (and who may filter the queue by assignee).
fn sees_everything(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Manager | Role::Compliance)
}

/// Refuses text with a NUL character (PostgreSQL cannot store one) as a 422 naming the field.
fn no_nul(field: &str, text: &str) -> Result<(), AppError> {
    if text.contains('\0') {
        return Err(AppError::invalid(field, "must not contain NUL characters"));
    }
    Ok(())
}

fn bad_query(field: &str, message: impl Into<String>) -> AppError {
    AppError::BadRequest {
        code: "invalid_query",
        message: message.into(),
        field: Some(field.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// The queue.

/// Queue filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// A queue name (`early_call`, `field_visit`, …).
    pub queue: Option<String>,
    /// A stage code (`early`, `middle`, `late`, `legal`, …).
    pub stage: Option<String>,
    /// The worst loan's bucket (`M1`, `M2`, …).
    pub bucket: Option<String>,
    /// Managers, administrators and compliance only: the assignee's username.
    pub assignee: Option<String>,
    /// Part of the name, a whole loan number, or the last 4+ digits of a phone (1–64 chars).
    pub q: Option<String>,
    /// Include closed cases (default false).
    pub include_closed: Option<bool>,
    /// The order: `best` (default: next best case first), `dpd_desc`, `dpd_asc`,
    /// `arrears_desc`, `arrears_asc` or `next_action_desc` (each then falls back to `best`).
    /// Days past due and arrears order by the case's figures as of the last planning run.
    pub sort: Option<String>,
    /// 1–200 (default 50).
    pub limit: Option<i64>,
    /// 0–1,000,000 (default 0).
    pub offset: Option<i64>,
}

/// One case in the queue, personal data masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueItemView {
    pub borrower_id: i64,
    pub name: String,
    /// Masked (`138****8000`).
    pub phones: Vec<String>,
    /// Masked to the district.
    pub home_address: String,
    pub status: String,
    pub stage: String,
    pub queue: Option<String>,
    pub next_action_on: Option<String>,
    pub assignee: Option<String>,
    pub agency: Option<String>,
    pub dpd: i64,
    pub bucket: String,
    /// Arrears in fen: principal, interest, fees and penalty past due.
    pub arrears_fen: i64,
    pub loans: i64,
}

impl From<QueueEntry> for QueueItemView {
    fn from(entry: QueueEntry) -> QueueItemView {
        QueueItemView {
            borrower_id: entry.borrower_id,
            name: entry.name,
            phones: entry.phones.iter().map(|p| mask::phone(p)).collect(),
            home_address: mask::address(&entry.home_address),
            status: entry.status,
            stage: entry.stage,
            queue: entry.queue,
            next_action_on: entry.next_action_on,
            assignee: entry.assignee,
            agency: entry.agency,
            dpd: entry.dpd,
            bucket: entry.bucket,
            arrears_fen: entry.arrears,
            loans: entry.loans,
        }
    }
}

/// A page of the queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueuePageView {
    pub items: Vec<QueueItemView>,
    /// Cases matching the filters in all (within the user's scope).
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

/// My cases, next best case first: next action date, then stage severity, days past due and
/// arrears. Scoped to what the user may see; search never reaches beyond that scope.
#[utoipa::path(
    get,
    path = "/queue",
    tag = "cases",
    params(QueueQuery),
    responses(
        (status = 200, description = "A page of the queue", body = QueuePageView),
        (status = 400, description = "Bad query parameter", body = ErrorBody),
    )
)]
pub async fn queue(
    State(state): State<AppState>,
    user: Authorized<perm::ViewCases>,
    Query(query): Query<QueueQuery>,
) -> ApiResult<Json<QueuePageView>> {
    let limit = query.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(bad_query(
            "limit",
            format!("limit must be 1 to 200, got {limit}"),
        ));
    }
    let offset = query.offset.unwrap_or(0);
    if !(0..=1_000_000).contains(&offset) {
        return Err(bad_query(
            "offset",
            format!("offset must be 0 to 1000000, got {offset}"),
        ));
    }
    if let Some(stage) = &query.stage {
        stage
            .parse::<Stage>()
            .map_err(|e| bad_query("stage", e.to_string()))?;
    }
    for (field, value) in [
        ("queue", &query.queue),
        ("bucket", &query.bucket),
        ("assignee", &query.assignee),
        ("q", &query.q),
    ] {
        if let Some(value) = value {
            let n = value.chars().count();
            if n == 0 || n > 64 || value.contains('\0') {
                return Err(bad_query(
                    field,
                    format!("{field} must be 1 to 64 characters"),
                ));
            }
        }
    }
    if query.assignee.is_some() && !sees_everything(user.user.role()) {
        return Err(bad_query(
            "assignee",
            "only managers, administrators and compliance may filter by assignee",
        ));
    }
    let sort = match query.sort.as_deref() {
        None => QueueSort::Best,
        Some(code) => QueueSort::parse(code).ok_or_else(|| {
            let codes: Vec<&str> = QueueSort::ALL.iter().map(|(c, _)| *c).collect();
            bad_query(
                "sort",
                format!(
                    "`{code}` is not an order (expected one of: {})",
                    codes.join(", ")
                ),
            )
        })?,
    };
    let mut filter = QueueFilter {
        queue: query.queue,
        stage: query.stage,
        bucket: query.bucket,
        assignee: query.assignee,
        search: query
            .q
            .map(|q| q.trim().to_string())
            .filter(|q| !q.is_empty()),
        include_closed: query.include_closed.unwrap_or(false),
        sort,
        known_total: None,
        limit,
        offset,
    };
    // The count depends on who asks and what they filter by, not on the page or its order.
    let access = access_of(&user.user);
    let count_key = format!(
        "{}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{}",
        access.username,
        access.role,
        access.agency,
        filter.queue,
        filter.stage,
        filter.bucket,
        (&filter.assignee, &filter.search),
        filter.include_closed
    );
    let now = std::time::Instant::now();
    filter.known_total = state.queue_totals.get(&count_key, now);
    let page = state.store.queue(&access, &filter).await?;
    if filter.known_total.is_none() {
        state.queue_totals.put(count_key, page.total, now);
    }
    Ok(Json(QueuePageView {
        items: page.entries.into_iter().map(QueueItemView::from).collect(),
        total: page.total,
        limit,
        offset,
    }))
}

// ---------------------------------------------------------------------------------------------
// The case file.

/// A registered contact of the borrower.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactPersonView {
    pub seq: i64,
    pub name: String,
    pub relation: String,
    pub phone: String,
}

/// The borrower; masked unless it is the answer of a reveal.
#[derive(Debug, Serialize, ToSchema)]
pub struct BorrowerView {
    pub id: i64,
    pub name: String,
    pub national_id: String,
    pub phones: Vec<String>,
    pub home_address: String,
    pub work_address: Option<String>,
    /// The borrower disputes the debt (contact is then held by the compliance guard).
    pub dispute: bool,
    pub contacts: Vec<ContactPersonView>,
    /// Whether the personal fields above are masked.
    pub masked: bool,
}

impl BorrowerView {
    fn masked(borrower: BorrowerFile) -> BorrowerView {
        BorrowerView {
            id: borrower.id,
            name: borrower.name,
            national_id: mask::national_id(&borrower.national_id),
            phones: borrower.phones.iter().map(|p| mask::phone(p)).collect(),
            home_address: mask::address(&borrower.home_address),
            work_address: borrower.work_address.as_deref().map(mask::address),
            dispute: borrower.dispute,
            contacts: borrower
                .contacts
                .into_iter()
                .map(|c| ContactPersonView {
                    seq: c.seq,
                    name: c.name,
                    relation: c.relation,
                    phone: mask::phone(&c.phone),
                })
                .collect(),
            masked: true,
        }
    }

    fn revealed(borrower: BorrowerFile) -> BorrowerView {
        BorrowerView {
            id: borrower.id,
            name: borrower.name,
            national_id: borrower.national_id,
            phones: borrower.phones,
            home_address: borrower.home_address,
            work_address: borrower.work_address,
            dispute: borrower.dispute,
            contacts: borrower
                .contacts
                .into_iter()
                .map(|c| ContactPersonView {
                    seq: c.seq,
                    name: c.name,
                    relation: c.relation,
                    phone: c.phone,
                })
                .collect(),
            masked: false,
        }
    }
}

/// The case itself.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseView {
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

impl From<CaseSummary> for CaseView {
    fn from(c: CaseSummary) -> CaseView {
        CaseView {
            borrower_id: c.borrower_id,
            status: c.status,
            stage: c.stage,
            opened_on: c.opened_on,
            stage_since: c.stage_since,
            closed_on: c.closed_on,
            times_opened: c.times_opened,
            queue: c.queue,
            next_action_on: c.next_action_on,
            assignee: c.assignee,
            agency: c.agency,
            arm: c.arm,
            segment: c.segment,
            quadrant: c.quadrant,
            contactability: c.contactability,
            delay_reason: c.delay_reason,
            temperament: c.temperament,
            planned_on: c.planned_on,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InstallmentView {
    pub period: i64,
    pub due_date: String,
    pub principal_due_fen: i64,
    pub interest_due_fen: i64,
    pub principal_paid_fen: i64,
    pub interest_paid_fen: i64,
    pub paid_off_on: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentView {
    pub id: i64,
    pub channel: String,
    pub value_date: String,
    pub amount_fen: i64,
}

/// A move between aging buckets: the delinquency history.
#[derive(Debug, Serialize, ToSchema)]
pub struct BucketChangeView {
    pub business_date: String,
    pub from_bucket: String,
    pub to_bucket: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VehicleView {
    pub id: i64,
    pub vin: String,
    pub plate: String,
    pub make: String,
    pub model: String,
    pub model_year: i64,
    pub price_fen: i64,
    pub lien_status: String,
    pub gps_terminal_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoanView {
    pub id: i64,
    pub loan_no: String,
    pub product: String,
    pub principal_fen: i64,
    pub term_months: i64,
    pub method: String,
    pub disbursement_date: String,
    pub status: String,
    pub principal_outstanding_fen: i64,
    /// Everything past due: principal, interest, late fees and penalty interest.
    pub arrears_fen: i64,
    /// Penalty interest owed (included in `arrears_fen`); the most a penalty waiver can forgive.
    pub penalty_fen: i64,
    /// Late fees owed (included in `arrears_fen`); the most a fee waiver can forgive.
    pub fees_fen: i64,
    pub dpd: i64,
    pub bucket: String,
    pub next_due_date: Option<String>,
    pub schedule: Vec<InstallmentView>,
    /// Newest first.
    pub payments: Vec<PaymentView>,
    /// Newest first.
    pub delinquency_history: Vec<BucketChangeView>,
    pub vehicle: Option<VehicleView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SegmentView {
    pub business_date: String,
    pub quadrant: String,
    pub contactability: String,
    pub segment: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PromiseView {
    pub id: i64,
    pub borrower_id: i64,
    pub amount_fen: i64,
    pub due_on: String,
    pub made_on: String,
    pub made_at: String,
    pub made_by: String,
    /// `open`, `kept`, `partly_kept` or `broken`.
    pub status: String,
    pub paid_fen: Option<i64>,
    pub settled_on: Option<String>,
}

impl From<PromiseRow> for PromiseView {
    fn from(p: PromiseRow) -> PromiseView {
        PromiseView {
            id: p.id,
            borrower_id: p.borrower_id,
            amount_fen: p.amount,
            due_on: p.due_on,
            made_on: p.made_on,
            made_at: p.made_at,
            made_by: p.made_by,
            status: p.status,
            paid_fen: p.paid,
            settled_on: p.settled_on,
        }
    }
}

/// One timeline entry: a contact, a case event, a note or a promise.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineView {
    /// RFC 3339 instant, or an ISO date for case events.
    pub at: String,
    /// `contact`, `case_event`, `note` or `promise`.
    pub kind: String,
    pub actor: Option<String>,
    /// The number or address a contact used, masked.
    pub address: Option<String>,
    pub detail: serde_json::Value,
}

/// Everything about one case.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseFileView {
    pub case: CaseView,
    pub borrower: BorrowerView,
    pub loans: Vec<LoanView>,
    /// Newest first.
    pub segments: Vec<SegmentView>,
    /// Newest first.
    pub promises: Vec<PromiseView>,
    /// Contacts, case events, notes and promises in one list, newest first.
    pub timeline: Vec<TimelineView>,
}

impl From<CaseFile> for CaseFileView {
    fn from(file: CaseFile) -> CaseFileView {
        CaseFileView {
            case: file.case.into(),
            borrower: BorrowerView::masked(file.borrower),
            loans: file
                .loans
                .into_iter()
                .map(|l| LoanView {
                    id: l.id,
                    loan_no: l.loan_no,
                    product: l.product,
                    principal_fen: l.principal,
                    term_months: l.term_months,
                    method: l.method,
                    disbursement_date: l.disbursement_date,
                    status: l.status,
                    principal_outstanding_fen: l.principal_outstanding,
                    arrears_fen: l.arrears,
                    penalty_fen: l.penalty,
                    fees_fen: l.fees,
                    dpd: l.dpd,
                    bucket: l.bucket,
                    next_due_date: l.next_due_date,
                    schedule: l
                        .schedule
                        .into_iter()
                        .map(|i| InstallmentView {
                            period: i.period,
                            due_date: i.due_date,
                            principal_due_fen: i.principal_due,
                            interest_due_fen: i.interest_due,
                            principal_paid_fen: i.principal_paid,
                            interest_paid_fen: i.interest_paid,
                            paid_off_on: i.paid_off_on,
                        })
                        .collect(),
                    payments: l
                        .payments
                        .into_iter()
                        .map(|p| PaymentView {
                            id: p.id,
                            channel: p.channel,
                            value_date: p.value_date,
                            amount_fen: p.amount,
                        })
                        .collect(),
                    delinquency_history: l
                        .bucket_changes
                        .into_iter()
                        .map(|b| BucketChangeView {
                            business_date: b.business_date,
                            from_bucket: b.from_bucket,
                            to_bucket: b.to_bucket,
                        })
                        .collect(),
                    vehicle: l.vehicle.map(|v| VehicleView {
                        id: v.id,
                        vin: v.vin,
                        plate: v.plate,
                        make: v.make,
                        model: v.model,
                        model_year: v.model_year,
                        price_fen: v.price,
                        lien_status: v.lien_status,
                        gps_terminal_id: v.gps_terminal_id,
                    }),
                })
                .collect(),
            segments: file
                .segments
                .into_iter()
                .map(|s| SegmentView {
                    business_date: s.business_date,
                    quadrant: s.quadrant,
                    contactability: s.contactability,
                    segment: s.segment,
                })
                .collect(),
            promises: file.promises.into_iter().map(PromiseView::from).collect(),
            timeline: file
                .timeline
                .into_iter()
                .map(|t| TimelineView {
                    at: t.at,
                    kind: t.kind.to_string(),
                    actor: t.actor,
                    address: t.address.as_deref().map(mask_contact_address),
                    detail: t.detail,
                })
                .collect(),
        }
    }
}

/// A ledger address is a phone number (masked as one) or a postal address.
fn mask_contact_address(address: &str) -> String {
    if address.chars().all(|ch| ch.is_ascii_digit() || ch == '+') {
        mask::phone(address)
    } else if address.contains('@') {
        let (user, domain) = address.split_once('@').unwrap_or((address, ""));
        format!("{}@{domain}", mask::phone(user))
    } else {
        mask::address(address)
    }
}

/// The case file: borrower (masked), loans with schedule, payments, delinquency history and
/// vehicle, segment history, promises and the contact timeline. 404 for a case outside the
/// user's scope.
#[utoipa::path(
    get,
    path = "/cases/{borrower_id}",
    tag = "cases",
    params(("borrower_id" = i64, Path, description = "The case (= borrower) id")),
    responses(
        (status = 200, description = "The case file", body = CaseFileView),
        (status = 400, description = "Not a case id", body = ErrorBody),
        (status = 404, description = "No such case in your scope", body = ErrorBody),
    )
)]
pub async fn case_file(
    State(state): State<AppState>,
    user: Authorized<perm::ViewCases>,
    PathId(borrower_id): PathId,
) -> ApiResult<Json<CaseFileView>> {
    let file = state
        .store
        .case_file(&access_of(&user.user), borrower_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(file.into()))
}

// ---------------------------------------------------------------------------------------------
// Reveal.

/// Why the unmasked data is needed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevealRequest {
    /// At least `reveal_reason_min_chars` (10) characters, at most 500.
    pub reason: String,
}

/// Reveal the borrower's unmasked national ID, phones, addresses and contacts' phones. Roles
/// per `[cases] reveal_roles` (default manager, collector, field agent, legal, recovery — never
/// agency), for cases in their scope; journaled as `pii_revealed` with the reason.
#[utoipa::path(
    post,
    path = "/cases/{borrower_id}/reveal",
    tag = "cases",
    params(("borrower_id" = i64, Path, description = "The case (= borrower) id")),
    request_body = RevealRequest,
    responses(
        (status = 200, description = "The unmasked borrower", body = BorrowerView),
        (status = 403, description = "The role may not reveal", body = ErrorBody),
        (status = 404, description = "No such case in your scope", body = ErrorBody),
        (status = 422, description = "Reason missing or too short", body = ErrorBody),
    )
)]
pub async fn reveal(
    State(state): State<AppState>,
    event_id: EventId,
    user: Authorized<perm::ViewCases>,
    PathId(borrower_id): PathId,
    Json(body): Json<RevealRequest>,
) -> ApiResult<Json<BorrowerView>> {
    if !state.config.cases.reveal_roles.contains(&user.user.role()) {
        return Err(AppError::Forbidden {
            role: user.user.role().code(),
            permission: recoup_core::role::Permission::RevealPii.code(),
        });
    }
    no_nul("reason", &body.reason)?;
    let reason = body.reason.trim();
    let n = reason.chars().count();
    let min = state.config.cases.reveal_reason_min_chars;
    if n < min || n > 500 {
        return Err(AppError::invalid(
            "reason",
            format!("give a reason of {min} to 500 characters"),
        ));
    }
    let borrower = state
        .store
        .reveal_pii(
            &access_of(&user.user),
            borrower_id,
            reason,
            &event_id.0,
            state.now(),
        )
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(BorrowerView::revealed(borrower)))
}

// ---------------------------------------------------------------------------------------------
// Contacts.

/// A contact attempt and what came of it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogContactRequest {
    /// A contact channel: `call`, `sms`, `wechat`, `email`, `letter`, `field_visit`,
    /// `lawyer_letter`.
    pub channel: String,
    /// `borrower` (default), `third_party` (with `contact_seq`) or `lawyer`.
    #[serde(default)]
    pub party: Option<String>,
    /// The registered contact's number (1-based) for `third_party`.
    #[serde(default)]
    pub contact_seq: Option<u32>,
    /// Which of the borrower's phones was used (0-based; default the first).
    #[serde(default)]
    pub phone_index: Option<u32>,
    /// `right_party_contact`, `third_party`, `no_answer`, `busy`, `switched_off`,
    /// `invalid_number`, `promise_to_pay`, `refuses`, `disputes`, `claims_hardship`,
    /// `claims_paid`, `other`.
    pub outcome: String,
    /// `economic_hardship`, `deliberate_default`, `legal_case`, `bankruptcy`,
    /// `vehicle_accident`, `other`, `unknown`.
    #[serde(default)]
    pub delay_reason: Option<String>,
    /// `worried`, `evasive`, `angry`, `cooperative`, `unknown`.
    #[serde(default)]
    pub temperament: Option<String>,
    /// Up to `note_max_chars`; passes language QA like a note.
    #[serde(default)]
    pub note: Option<String>,
    /// The dialer call (`POST /cases/{id}/calls`) whose outcome this is. Its ledger entry is
    /// updated instead of a second one being added. Without it, a call outcome still resolves
    /// the user's newest open dialer call to the same number from the last two hours.
    #[serde(default)]
    pub call_id: Option<i64>,
}

/// The logged contact.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoggedContactView {
    pub id: i64,
    pub at: String,
    /// The ledger result: `attempted`, `connected` or `failed`.
    pub result: String,
    /// Whether the borrower was spoken to.
    pub conversation: bool,
    /// Whether the borrower is now flagged as disputing the debt.
    pub dispute_flagged: bool,
}

impl TryFrom<LogContactRequest> for NewContact {
    type Error = AppError;

    fn try_from(body: LogContactRequest) -> Result<NewContact, AppError> {
        let channel: Channel =
            body.channel
                .parse()
                .map_err(|e: recoup_core::loan::UnknownName| {
                    AppError::invalid("channel", e.to_string())
                })?;
        if !channel.is_contact() {
            return Err(AppError::invalid(
                "channel",
                format!("`{}` is not a contact channel", channel.code()),
            ));
        }
        let party = match body.party.as_deref().unwrap_or("borrower") {
            "borrower" => Party::Borrower,
            "lawyer" => Party::Lawyer,
            "third_party" => Party::ThirdParty {
                contact_seq: body.contact_seq.ok_or_else(|| {
                    AppError::invalid("contact_seq", "required when party is third_party")
                })?,
            },
            other => {
                return Err(AppError::invalid(
                    "party",
                    format!("`{other}` is not a party (borrower, third_party, lawyer)"),
                ))
            }
        };
        if body.contact_seq.is_some() && !matches!(party, Party::ThirdParty { .. }) {
            return Err(AppError::invalid(
                "contact_seq",
                "only for party third_party",
            ));
        }
        let outcome: ContactOutcome =
            body.outcome
                .parse()
                .map_err(|e: recoup_core::loan::UnknownName| {
                    AppError::invalid("outcome", e.to_string())
                })?;
        let delay_reason = body
            .delay_reason
            .as_deref()
            .map(str::parse::<DelayReason>)
            .transpose()
            .map_err(|e| AppError::invalid("delay_reason", e.to_string()))?;
        let temperament = body
            .temperament
            .as_deref()
            .map(str::parse::<Temperament>)
            .transpose()
            .map_err(|e| AppError::invalid("temperament", e.to_string()))?;
        Ok(NewContact {
            channel,
            party,
            phone_index: body.phone_index.map(|i| i as usize),
            outcome,
            delay_reason,
            temperament,
            note: body.note,
            call_id: body.call_id,
        })
    }
}

/// Log a contact attempt with its outcome. It joins the contact ledger the compliance guard
/// counts; a delay reason and temperament go on the case for planning; `disputes` flags the
/// borrower as disputing the debt.
#[utoipa::path(
    post,
    path = "/cases/{borrower_id}/contacts",
    tag = "cases",
    params(("borrower_id" = i64, Path, description = "The case (= borrower) id")),
    request_body = LogContactRequest,
    responses(
        (status = 201, description = "Logged", body = LoggedContactView),
        (status = 403, description = "The role may not work cases", body = ErrorBody),
        (status = 404, description = "No such case in your scope", body = ErrorBody),
        (status = 422, description = "A field is unacceptable", body = ErrorBody),
    )
)]
pub async fn log_contact(
    State(state): State<AppState>,
    user: Authorized<perm::WorkCases>,
    PathId(borrower_id): PathId,
    Json(body): Json<LogContactRequest>,
) -> ApiResult<(StatusCode, Json<LoggedContactView>)> {
    if let Some(note) = &body.note {
        check_text(&state, "note", note)?;
    }
    let contact = NewContact::try_from(body)?;
    let logged = state
        .store
        .log_contact(&access_of(&user.user), borrower_id, &contact, state.now())
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((
        StatusCode::CREATED,
        Json(LoggedContactView {
            id: logged.id,
            at: logged.at,
            result: logged.result.to_string(),
            conversation: logged.conversation,
            dispute_flagged: logged.dispute_flagged,
        }),
    ))
}

// ---------------------------------------------------------------------------------------------
// Promises.

/// A promise to pay.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PromiseRequest {
    /// Positive, in fen (at most 10^12).
    pub amount_fen: i64,
    /// ISO date, from today to today + `promise_horizon_days` (30) in the lender's time zone.
    pub due_on: String,
}

/// Take a promise to pay. End of day marks it kept, partly kept or broken on its due date.
#[utoipa::path(
    post,
    path = "/cases/{borrower_id}/promises",
    tag = "cases",
    params(("borrower_id" = i64, Path, description = "The case (= borrower) id")),
    request_body = PromiseRequest,
    responses(
        (status = 201, description = "Recorded", body = PromiseView),
        (status = 403, description = "The role may not work cases", body = ErrorBody),
        (status = 404, description = "No such case in your scope", body = ErrorBody),
        (status = 422, description = "A field is unacceptable", body = ErrorBody),
    )
)]
pub async fn add_promise(
    State(state): State<AppState>,
    user: Authorized<perm::WorkCases>,
    PathId(borrower_id): PathId,
    Json(body): Json<PromiseRequest>,
) -> ApiResult<(StatusCode, Json<PromiseView>)> {
    if body.amount_fen <= 0 || body.amount_fen > 1_000_000_000_000 {
        return Err(AppError::invalid(
            "amount_fen",
            "the amount must be positive fen, at most 10^12",
        ));
    }
    let due_on: NaiveDate = body.due_on.parse().map_err(|_| {
        AppError::invalid(
            "due_on",
            format!("`{}` is not a date (YYYY-MM-DD)", body.due_on),
        )
    })?;
    let today = state.today();
    let horizon = state.config.cases.promise_horizon_days;
    if due_on < today {
        return Err(AppError::invalid(
            "due_on",
            format!("{due_on} is in the past (today is {today})"),
        ));
    }
    if due_on > today + chrono::Days::new(u64::from(horizon)) {
        return Err(AppError::invalid(
            "due_on",
            format!("{due_on} is more than {horizon} days ahead"),
        ));
    }
    let promise = state
        .store
        .add_promise(
            &access_of(&user.user),
            borrower_id,
            Fen::new(body.amount_fen),
            due_on,
            today,
            state.now(),
        )
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(promise.into())))
}

// ---------------------------------------------------------------------------------------------
// Notes.

/// A note on the case.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteRequest {
    /// 1 to `note_max_chars` (4000) characters; checked by language QA.
    pub text: String,
}

/// A language-QA hit kept with a note.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct QaFlag {
    pub category: String,
    pub tier: String,
    pub term: String,
    /// Byte offsets of the match in the text.
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoteView {
    pub id: i64,
    pub borrower_id: i64,
    pub at: String,
    pub author: String,
    pub text: String,
    /// Warn-tier QA hits (the note was stored; a person should check them).
    pub qa_flags: Vec<QaFlag>,
}

impl From<NoteRow> for NoteView {
    fn from(note: NoteRow) -> NoteView {
        NoteView {
            id: note.id,
            borrower_id: note.borrower_id,
            at: note.at,
            author: note.author,
            text: note.text,
            qa_flags: serde_json::from_str(&note.qa_flags).unwrap_or_default(),
        }
    }
}

fn inspector() -> Result<&'static Inspector, AppError> {
    static INSPECTOR: OnceLock<Option<Inspector>> = OnceLock::new();
    INSPECTOR
        .get_or_init(|| Inspector::shipped().ok())
        .as_ref()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the shipped QA lexicons do not load")))
}

/// Checks length and language: a block-tier hit is a 422 naming the category and span.
/// Returns the warn-tier hits.
fn check_text(state: &AppState, field: &str, text: &str) -> Result<Vec<QaFlag>, AppError> {
    no_nul(field, text)?;
    let n = text.chars().count();
    let max = state.config.cases.note_max_chars;
    if text.trim().is_empty() || n > max {
        return Err(AppError::invalid(
            field,
            format!("must be 1 to {max} characters"),
        ));
    }
    let hits = inspector()?.inspect(text);
    if let Some(block) = hits.iter().find(|hit| hit.tier == recoup_qa::Tier::Block) {
        return Err(AppError::invalid(
            field,
            format!(
                "language QA blocks this text: {} term `{}` at bytes {}..{}; nothing was stored",
                block.category.code(),
                text.get(block.span.clone()).unwrap_or(&block.term),
                block.span.start,
                block.span.end
            ),
        ));
    }
    Ok(hits
        .into_iter()
        .map(|hit| QaFlag {
            category: hit.category.code().to_string(),
            tier: hit.tier.code().to_string(),
            term: hit.term,
            start: hit.span.start,
            end: hit.span.end,
        })
        .collect())
}

/// Write a note. Language QA first: a block-tier term (threats, insults, impersonation, …) is
/// refused with 422 naming the category and span and nothing is stored; warn-tier hits are
/// stored with the note as flags.
#[utoipa::path(
    post,
    path = "/cases/{borrower_id}/notes",
    tag = "cases",
    params(("borrower_id" = i64, Path, description = "The case (= borrower) id")),
    request_body = NoteRequest,
    responses(
        (status = 201, description = "Stored", body = NoteView),
        (status = 403, description = "The role may not work cases", body = ErrorBody),
        (status = 404, description = "No such case in your scope", body = ErrorBody),
        (status = 422, description = "Empty, too long, or blocked by language QA", body = ErrorBody),
    )
)]
pub async fn add_note(
    State(state): State<AppState>,
    user: Authorized<perm::WorkCases>,
    PathId(borrower_id): PathId,
    Json(body): Json<NoteRequest>,
) -> ApiResult<(StatusCode, Json<NoteView>)> {
    let flags = check_text(&state, "text", &body.text)?;
    let flags = serde_json::to_string(&flags).map_err(anyhow::Error::from)?;
    let note = state
        .store
        .add_note(
            &access_of(&user.user),
            borrower_id,
            &body.text,
            &flags,
            state.now(),
        )
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(note.into())))
}

// ---------------------------------------------------------------------------------------------
// Reassignment.

/// Which open cases to move: all conditions must hold, at least one given.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReassignFilter {
    #[serde(default)]
    pub queue: Option<String>,
    #[serde(default)]
    pub stage: Option<String>,
    #[serde(default)]
    pub assignee: Option<String>,
}

/// Move cases to a user: either `borrower_ids` or `filter`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReassignRequest {
    /// 1–10,000 case ids.
    #[serde(default)]
    pub borrower_ids: Option<Vec<i64>>,
    #[serde(default)]
    pub filter: Option<ReassignFilter>,
    /// The username of an active user.
    pub to: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReassignView {
    /// How many open cases moved (cases already with `to` and closed cases do not).
    pub moved: usize,
    pub borrower_ids: Vec<i64>,
}

/// Reassign open cases in bulk (managers); every move is a case event and the whole change one
/// `cases_reassigned` audit row.
#[utoipa::path(
    post,
    path = "/cases/reassign",
    tag = "cases",
    request_body = ReassignRequest,
    responses(
        (status = 200, description = "Moved", body = ReassignView),
        (status = 403, description = "Not a manager", body = ErrorBody),
        (status = 422, description = "A field is unacceptable", body = ErrorBody),
    )
)]
pub async fn reassign(
    State(state): State<AppState>,
    event_id: EventId,
    manager: Authorized<perm::AssignCases>,
    Json(body): Json<ReassignRequest>,
) -> ApiResult<Json<ReassignView>> {
    let selection = match (body.borrower_ids, body.filter) {
        (Some(ids), None) => {
            if ids.is_empty() || ids.len() > 10_000 {
                return Err(AppError::invalid(
                    "borrower_ids",
                    "give 1 to 10000 case ids",
                ));
            }
            if ids.iter().any(|id| *id <= 0) {
                return Err(AppError::invalid(
                    "borrower_ids",
                    "case ids are positive integers",
                ));
            }
            CaseSelection::Ids(ids)
        }
        (None, Some(filter)) => {
            if let Some(stage) = &filter.stage {
                stage
                    .parse::<Stage>()
                    .map_err(|e| AppError::invalid("filter.stage", e.to_string()))?;
            }
            if filter.queue.is_none() && filter.stage.is_none() && filter.assignee.is_none() {
                return Err(AppError::invalid(
                    "filter",
                    "give at least one of queue, stage, assignee",
                ));
            }
            CaseSelection::Filter {
                queue: filter.queue,
                stage: filter.stage,
                assignee: filter.assignee,
            }
        }
        _ => {
            return Err(AppError::invalid(
                "borrower_ids",
                "give either borrower_ids or filter (not both)",
            ))
        }
    };
    no_nul("to", &body.to)?;
    if let CaseSelection::Filter {
        queue,
        stage,
        assignee,
    } = &selection
    {
        for (field, value) in [
            ("filter.queue", queue),
            ("filter.stage", stage),
            ("filter.assignee", assignee),
        ] {
            if let Some(value) = value {
                no_nul(field, value)?;
            }
        }
    }
    if body.to.is_empty() || body.to.chars().count() > 64 {
        return Err(AppError::invalid("to", "a username of 1 to 64 characters"));
    }
    let moved = state
        .store
        .reassign_cases(
            &selection,
            &body.to,
            manager.user.username(),
            &event_id.0,
            state.today(),
            state.now(),
        )
        .await?;
    Ok(Json(ReassignView {
        moved: moved.len(),
        borrower_ids: moved,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_addresses_are_masked_by_their_kind() {
        assert_eq!(mask_contact_address("13800138000"), "138****8000");
        assert_eq!(
            mask_contact_address("北京市朝阳区某路1号"),
            "北京市朝阳区****"
        );
    }
}
