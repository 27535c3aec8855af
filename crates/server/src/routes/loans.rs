//! Early settlement (提前结清) and partial prepayment (提前部分还款) of a loan: the quote for a date
//! (`GET /loans/{loan_no}/settlement-quote`), posting a settlement that closes the loan
//! (`POST /loans/{loan_no}/settlement`), posting a prepayment that rebuilds its schedule
//! (`POST /loans/{loan_no}/prepayment`), and the postings made (`GET /loans/{loan_no}/settlements`).
//! The ledger change is the core's (`recoup_core::settlement`), written by the store in one
//! transaction with journal and audit rows; see `docs/loan-book.md`.
//!
//! Quotes need [`Permission::ViewCases`](recoup_core::role::Permission::ViewCases) and the
//! loan's case in scope; posting money needs `approve_plans` (a back-office act, like approving
//! a settlement plan).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use recoup_core::settlement::{PrepaymentMode, SettlementQuote};
use recoup_core::Fen;
use recoup_store::{PostedSettlement, Posting};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{perm, Authorized};
use crate::error::{ApiResult, AppError, ErrorBody};
use crate::extract::{EventId, Json, Query};
use crate::routes::cases::access_of;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(settlement_quote))
        .routes(routes!(post_settlement))
        .routes(routes!(post_prepayment))
        .routes(routes!(list_settlements))
}

/// `?date=YYYY-MM-DD` (default: today in the lender's time zone).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct QuoteQuery {
    /// The date the borrower would pay, `YYYY-MM-DD`: the last closed business date or later.
    pub date: Option<String>,
}

/// What closing the loan on a date costs. Amounts are yuan strings with two decimals.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuoteView {
    pub loan_no: String,
    pub as_of: String,
    /// All principal not yet repaid, due or not.
    pub principal: String,
    /// Interest of installments fallen due and unpaid.
    pub overdue_interest: String,
    /// Interest of the current period by the product's rule.
    pub accrued_interest: String,
    pub penalty: String,
    pub fees: String,
    /// The product's early-settlement fee.
    pub settlement_fee: String,
    /// The loan's credit, deducted.
    pub credit: String,
    /// What to pay: the parts less the credit.
    pub total: String,
}

impl QuoteView {
    fn new(loan_no: &str, quote: &SettlementQuote) -> QuoteView {
        QuoteView {
            loan_no: loan_no.to_string(),
            as_of: quote.as_of.to_string(),
            principal: quote.principal.to_yuan_string(),
            overdue_interest: quote.overdue_interest.to_yuan_string(),
            accrued_interest: quote.accrued_interest.to_yuan_string(),
            penalty: quote.penalty.to_yuan_string(),
            fees: quote.fees.to_yuan_string(),
            settlement_fee: quote.settlement_fee.to_yuan_string(),
            credit: quote.credit.to_yuan_string(),
            total: quote.total.to_yuan_string(),
        }
    }
}

/// A payment to post as a settlement.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettlementBody {
    /// The amount received, yuan (`"52031.17"`): at least the quote for `date`; any excess is
    /// kept as credit.
    pub amount: String,
    /// The bank's transaction reference (流水号): posted once, ever.
    pub reference: String,
    /// The value date, `YYYY-MM-DD` (default today): the next business date to close.
    #[serde(default)]
    pub date: Option<String>,
}

/// A payment to post as a partial prepayment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrepaymentBody {
    /// The amount received, yuan: pays what is due, then principal with its accrued interest
    /// and fee.
    pub amount: String,
    pub reference: String,
    #[serde(default)]
    pub date: Option<String>,
    /// `reduce_installment` (keep the maturity) or `shorten_term` (keep the installment).
    pub mode: String,
}

/// A posted settlement or prepayment.
#[derive(Debug, Serialize, ToSchema)]
pub struct PostedView {
    pub id: i64,
    pub loan_no: String,
    /// `settlement` or `prepayment`.
    pub kind: String,
    /// `reduce_installment` or `shorten_term` for a prepayment.
    pub mode: Option<String>,
    pub value_date: String,
    pub amount: String,
    /// Principal paid (overdue and prepaid or settled).
    pub principal: String,
    /// Interest paid (overdue and accrued).
    pub interest: String,
    pub penalty: String,
    pub fees: String,
    pub settlement_fee: String,
    pub credit_used: String,
    /// Kept as credit.
    pub to_credit: String,
    /// The reference was already posted with the same content: nothing was written.
    pub replayed: bool,
}

impl From<PostedSettlement> for PostedView {
    fn from(p: PostedSettlement) -> PostedView {
        PostedView {
            id: p.id,
            loan_no: p.loan_no,
            kind: p.kind,
            mode: p.mode,
            value_date: p.value_date.to_string(),
            amount: p.amount.to_yuan_string(),
            principal: p.principal.to_yuan_string(),
            interest: p.interest.to_yuan_string(),
            penalty: p.penalty.to_yuan_string(),
            fees: p.fees.to_yuan_string(),
            settlement_fee: p.settlement_fee.to_yuan_string(),
            credit_used: p.credit_used.to_yuan_string(),
            to_credit: p.to_credit.to_yuan_string(),
            replayed: p.replayed,
        }
    }
}

/// The quote to settle a loan early on a date.
#[utoipa::path(
    get,
    path = "/loans/{loan_no}/settlement-quote",
    tag = "loans",
    params(("loan_no" = String, Path, description = "The loan number"), QuoteQuery),
    responses(
        (status = 200, description = "The quote", body = QuoteView),
        (status = 403, description = "Role may not view cases", body = ErrorBody),
        (status = 404, description = "No such loan in your scope", body = ErrorBody),
        (status = 409, description = "The loan is paid off", body = ErrorBody),
        (status = 422, description = "A bad date", body = ErrorBody),
    )
)]
pub async fn settlement_quote(
    State(state): State<AppState>,
    Path(loan_no): Path<String>,
    user: Authorized<perm::ViewCases>,
    Query(query): Query<QuoteQuery>,
) -> ApiResult<Json<QuoteView>> {
    let date = date_or_today(&state, query.date.as_deref())?;
    let quote = state
        .store
        .settlement_quote(
            &access_of(&user.user),
            &loan_no,
            date,
            &state.config.ledger,
            &state.config.products,
        )
        .await?;
    Ok(Json(QuoteView::new(&loan_no, &quote)))
}

/// Post a payment that settles the loan early; audited as `settlement_posted`.
#[utoipa::path(
    post,
    path = "/loans/{loan_no}/settlement",
    tag = "loans",
    params(("loan_no" = String, Path, description = "The loan number")),
    request_body = SettlementBody,
    responses(
        (status = 201, description = "Posted: the loan is paid off", body = PostedView),
        (status = 200, description = "Already posted under this reference: nothing written", body = PostedView),
        (status = 403, description = "Role may not post settlements", body = ErrorBody),
        (status = 404, description = "No such loan in your scope", body = ErrorBody),
        (status = 409, description = "Loan paid off, reference used, or payments waiting for end-of-day", body = ErrorBody),
        (status = 422, description = "A field is unacceptable (amount below the quote, date not the next business date)", body = ErrorBody),
    )
)]
pub async fn post_settlement(
    State(state): State<AppState>,
    Path(loan_no): Path<String>,
    event_id: EventId,
    user: Authorized<perm::ApprovePlans>,
    Json(body): Json<SettlementBody>,
) -> ApiResult<(StatusCode, Json<PostedView>)> {
    let posting = posting(
        &state,
        loan_no,
        &body.amount,
        &body.reference,
        body.date.as_deref(),
    )?;
    let posted = state
        .store
        .post_settlement(
            &access_of(&user.user),
            &posting,
            &state.config.ledger,
            &state.config.products,
            state.now(),
            &event_id.0,
        )
        .await?;
    Ok(answer(posted))
}

/// Post a partial prepayment; the schedule is rebuilt. Audited as `prepayment_posted`.
#[utoipa::path(
    post,
    path = "/loans/{loan_no}/prepayment",
    tag = "loans",
    params(("loan_no" = String, Path, description = "The loan number")),
    request_body = PrepaymentBody,
    responses(
        (status = 201, description = "Posted: the schedule is rebuilt", body = PostedView),
        (status = 200, description = "Already posted under this reference: nothing written", body = PostedView),
        (status = 403, description = "Role may not post prepayments", body = ErrorBody),
        (status = 404, description = "No such loan in your scope", body = ErrorBody),
        (status = 409, description = "Loan paid off, reference used, or payments waiting for end-of-day", body = ErrorBody),
        (status = 422, description = "A field is unacceptable", body = ErrorBody),
    )
)]
pub async fn post_prepayment(
    State(state): State<AppState>,
    Path(loan_no): Path<String>,
    event_id: EventId,
    user: Authorized<perm::ApprovePlans>,
    Json(body): Json<PrepaymentBody>,
) -> ApiResult<(StatusCode, Json<PostedView>)> {
    let mode = PrepaymentMode::parse(&body.mode)
        .ok_or_else(|| AppError::invalid("mode", "expected reduce_installment or shorten_term"))?;
    let posting = posting(
        &state,
        loan_no,
        &body.amount,
        &body.reference,
        body.date.as_deref(),
    )?;
    let posted = state
        .store
        .post_prepayment(
            &access_of(&user.user),
            &posting,
            mode,
            &state.config.ledger,
            &state.config.products,
            state.now(),
            &event_id.0,
        )
        .await?;
    Ok(answer(posted))
}

/// The settlements and prepayments posted on a loan, oldest first.
#[utoipa::path(
    get,
    path = "/loans/{loan_no}/settlements",
    tag = "loans",
    params(("loan_no" = String, Path, description = "The loan number")),
    responses(
        (status = 200, description = "Postings", body = Vec<PostedView>),
        (status = 403, description = "Role may not view cases", body = ErrorBody),
        (status = 404, description = "No such loan in your scope", body = ErrorBody),
    )
)]
pub async fn list_settlements(
    State(state): State<AppState>,
    Path(loan_no): Path<String>,
    user: Authorized<perm::ViewCases>,
) -> ApiResult<Json<Vec<PostedView>>> {
    let posted = state
        .store
        .settlements_of(&access_of(&user.user), &loan_no)
        .await?;
    Ok(Json(posted.into_iter().map(PostedView::from).collect()))
}

fn answer(posted: PostedSettlement) -> (StatusCode, Json<PostedView>) {
    let status = if posted.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    (status, Json(PostedView::from(posted)))
}

/// The checked posting: a positive yuan amount, a date not after today.
fn posting(
    state: &AppState,
    loan_no: String,
    amount: &str,
    reference: &str,
    date: Option<&str>,
) -> Result<Posting, AppError> {
    let amount = Fen::parse_yuan(amount).map_err(|e| AppError::invalid("amount", e.to_string()))?;
    if !amount.is_positive() {
        return Err(AppError::invalid(
            "amount",
            "the amount must be more than 0.00",
        ));
    }
    let date = date_or_today(state, date)?;
    if date > state.today() {
        return Err(AppError::invalid(
            "date",
            format!("{date} is after today; money is posted on the day it arrives"),
        ));
    }
    Ok(Posting {
        loan_no,
        date,
        amount,
        reference: reference.to_string(),
    })
}

fn date_or_today(state: &AppState, text: Option<&str>) -> Result<NaiveDate, AppError> {
    match text {
        None => Ok(state.today()),
        Some(text) => NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map_err(|_| AppError::invalid("date", "expected a date, YYYY-MM-DD")),
    }
}
