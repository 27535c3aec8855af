//! Read-only reports for the dashboard: the portfolio by bucket on a closed business date, the
//! month-on-month roll-rate matrix, champion/challenger results per strategy arm, contacts
//! permitted and blocked by channel and rule, and the range of closed dates. Administrators,
//! managers and compliance officers (`Permission::ViewReports`).
//!
//! Money is integer fen (`*_fen`) and ratios are parts per million (`*_ppm`), as in the core:
//! the client formats them for its locale, the server never rounds twice. Dates are ISO
//! `YYYY-MM-DD` and months `YYYY-MM`; a parameter that is malformed is a 400 naming it, one that
//! is well formed but outside the closed range is a 422 naming it.

use axum::extract::State;
use chrono::{Datelike, Days, NaiveDate};
use recoup_core::calendar::{month_end, month_key};
use recoup_core::portfolio::RollRateMatrix;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{perm, Authorized};
use crate::error::{ApiResult, AppError, ErrorBody};
use crate::extract::{Json, Query};
use crate::state::AppState;

/// The longest period the strategy and compliance reports cover, in days.
pub const MAX_PERIOD_DAYS: i64 = 366;
/// The period the strategy and compliance reports cover by default: the last week closed.
const DEFAULT_PERIOD_DAYS: u64 = 7;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(report_dates))
        .routes(routes!(portfolio))
        .routes(routes!(roll_rates))
        .routes(routes!(strategy))
        .routes(routes!(compliance))
}

/// The business dates end-of-day has closed; both absent before the first close.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportDates {
    pub first: Option<String>,
    pub last: Option<String>,
}

/// `?date=YYYY-MM-DD` (default: the last closed date).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DateQuery {
    /// A closed business date, `YYYY-MM-DD`; the last closed one when absent.
    pub date: Option<String>,
}

/// `?month=YYYY-MM` (default: the last month-end closed).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MonthQuery {
    /// The month the loans rolled into, `YYYY-MM`: the matrix compares its month-end with the
    /// previous month's.
    pub month: Option<String>,
}

/// `?from=YYYY-MM-DD&to=YYYY-MM-DD` (default: the last 7 closed dates).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// First business date, inclusive; 6 days before `to` when absent.
    pub from: Option<String>,
    /// Last business date, inclusive; the last closed date when absent.
    pub to: Option<String>,
}

/// One aging bucket on a date.
#[derive(Debug, Serialize, ToSchema)]
pub struct BucketView {
    /// The bucket's label (`M0`, `M1`, … `M6+` by default).
    pub label: String,
    /// Whether the bucket counts as non-performing.
    pub npl: bool,
    pub loans: u64,
    pub principal_fen: i64,
    /// Overdue principal and interest, fees and penalty.
    pub arrears_fen: i64,
}

/// The book on one closed business date.
#[derive(Debug, Serialize, ToSchema)]
pub struct PortfolioView {
    pub date: String,
    pub loans: u64,
    pub principal_fen: i64,
    /// Principal outstanding in non-performing buckets.
    pub npl_principal_fen: i64,
    /// NPL principal over all principal, parts per million.
    pub npl_ratio_ppm: u64,
    /// The first non-performing bucket.
    pub npl_from: String,
    pub buckets: Vec<BucketView>,
}

/// One row of the roll-rate matrix: where the loans of one bucket went.
#[derive(Debug, Serialize, ToSchema)]
pub struct RollRow {
    pub from: String,
    pub loans: u64,
    /// Loans per column (same order as `columns`).
    pub counts: Vec<u64>,
    /// Share of the row per column, parts per million.
    pub rates_ppm: Vec<u64>,
}

/// Loans by bucket at one month-end against the bucket (or pay-off) at the next.
#[derive(Debug, Serialize, ToSchema)]
pub struct RollRatesView {
    pub from_month: String,
    pub to_month: String,
    /// The destination columns: every bucket label, then `paid_off`.
    pub columns: Vec<String>,
    pub rows: Vec<RollRow>,
}

/// Permitted contacts on one channel.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelContacts {
    pub channel: String,
    pub contacts: i64,
    /// Cost by the strategy's channel weights.
    pub cost_fen: i64,
}

/// One champion/challenger arm over the period.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArmView {
    pub arm: String,
    /// Cases assigned to the arm (open or closed).
    pub cases: i64,
    pub contacts: Vec<ChannelContacts>,
    pub contacts_total: i64,
    /// Contacts the compliance guard refused.
    pub blocked: i64,
    pub cures: i64,
    /// Money received from the arm's borrowers in the period.
    pub recovered_fen: i64,
}

/// Strategy results per arm.
#[derive(Debug, Serialize, ToSchema)]
pub struct StrategyView {
    pub from: String,
    pub to: String,
    pub arms: Vec<ArmView>,
}

/// Planned contacts of one decision, channel and (for blocks) rule.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComplianceLine {
    /// `permitted` or `blocked`.
    pub decision: String,
    pub channel: String,
    /// The rule that blocked; absent for permitted contacts.
    pub rule: Option<String>,
    pub count: i64,
}

/// What the compliance guard permitted and blocked over the period.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComplianceView {
    pub from: String,
    pub to: String,
    pub permitted: i64,
    pub blocked: i64,
    pub lines: Vec<ComplianceLine>,
}

/// The first and last closed business dates.
#[utoipa::path(
    get,
    path = "/reports/dates",
    tag = "reports",
    responses(
        (status = 200, description = "The closed range", body = ReportDates),
        (status = 403, description = "Role may not view reports", body = ErrorBody),
    )
)]
pub async fn report_dates(
    State(state): State<AppState>,
    _reader: Authorized<perm::ViewReports>,
) -> ApiResult<Json<ReportDates>> {
    let range = state.store.closed_date_range().await?;
    Ok(Json(ReportDates {
        first: range.map(|(first, _)| first.to_string()),
        last: range.map(|(_, last)| last.to_string()),
    }))
}

/// Loans and balances by aging bucket, and the NPL ratio, on a closed business date.
#[utoipa::path(
    get,
    path = "/reports/portfolio",
    tag = "reports",
    params(DateQuery),
    responses(
        (status = 200, description = "The portfolio", body = PortfolioView),
        (status = 400, description = "Malformed date", body = ErrorBody),
        (status = 403, description = "Role may not view reports", body = ErrorBody),
        (status = 422, description = "The date is not closed", body = ErrorBody),
    )
)]
pub async fn portfolio(
    State(state): State<AppState>,
    _reader: Authorized<perm::ViewReports>,
    Query(query): Query<DateQuery>,
) -> ApiResult<Json<PortfolioView>> {
    let (first, last) = closed_range(&state, "date").await?;
    let date = match &query.date {
        Some(text) => parse_date(text, "date")?,
        None => last,
    };
    check_closed(date, first, last, "date")?;
    let buckets = &state.config.buckets;
    let day = state
        .store
        .portfolio_on(date, buckets)
        .await?
        .ok_or_else(|| not_closed(date, "date"))?;
    let summary = &day.summary;
    let bucket_views = summary
        .by_bucket
        .iter()
        .zip(buckets.labels())
        .enumerate()
        .map(|(idx, (line, label))| BucketView {
            label: label.clone(),
            npl: u8::try_from(idx).is_ok_and(|idx| buckets.is_npl(idx)),
            loans: line.loans,
            principal_fen: line.principal_outstanding.get(),
            arrears_fen: line.arrears.get(),
        })
        .collect();
    Ok(Json(PortfolioView {
        date: date.to_string(),
        loans: summary.loans(),
        principal_fen: summary.principal_outstanding().get(),
        npl_principal_fen: summary.npl_principal().get(),
        npl_ratio_ppm: summary.npl_ratio_ppm(),
        npl_from: buckets.label(buckets.npl_from()).to_string(),
        buckets: bucket_views,
    }))
}

/// Where the loans of each bucket at one month-end were at the next month-end.
#[utoipa::path(
    get,
    path = "/reports/roll-rates",
    tag = "reports",
    params(MonthQuery),
    responses(
        (status = 200, description = "The roll-rate matrix", body = RollRatesView),
        (status = 400, description = "Malformed month", body = ErrorBody),
        (status = 403, description = "Role may not view reports", body = ErrorBody),
        (status = 422, description = "Either month-end is not closed", body = ErrorBody),
    )
)]
pub async fn roll_rates(
    State(state): State<AppState>,
    _reader: Authorized<perm::ViewReports>,
    Query(query): Query<MonthQuery>,
) -> ApiResult<Json<RollRatesView>> {
    let (_, last) = closed_range(&state, "month").await?;
    let to_end = match &query.month {
        Some(text) => month_end(parse_month(text)?),
        None if month_end(last) == last => last,
        None => previous_month_end(last),
    };
    let to_month = month_key(to_end);
    let from_month = month_key(previous_month_end(to_end));
    let matrix = state
        .store
        .roll_rates(&from_month, &to_month, &state.config.buckets)
        .await?
        .ok_or_else(|| AppError::Invalid {
            field: Some("month".into()),
            message: format!(
                "no roll rates into {to_month}: the month-ends of {from_month} and {to_month} must both be closed"
            ),
        })?;
    Ok(Json(roll_rates_view(&matrix)))
}

/// Champion/challenger results per arm over a period of closed dates.
#[utoipa::path(
    get,
    path = "/reports/strategy",
    tag = "reports",
    params(PeriodQuery),
    responses(
        (status = 200, description = "Results per arm", body = StrategyView),
        (status = 400, description = "Malformed date", body = ErrorBody),
        (status = 403, description = "Role may not view reports", body = ErrorBody),
        (status = 422, description = "A date outside the closed range, or from after to", body = ErrorBody),
    )
)]
pub async fn strategy(
    State(state): State<AppState>,
    _reader: Authorized<perm::ViewReports>,
    Query(query): Query<PeriodQuery>,
) -> ApiResult<Json<StrategyView>> {
    let (from, to) = period(&state, &query).await?;
    let arms = state.store.strategy_results(from, to).await?;
    Ok(Json(StrategyView {
        from: from.to_string(),
        to: to.to_string(),
        arms: arms
            .into_iter()
            .map(|arm| ArmView {
                contacts_total: arm.contacts.iter().map(|(_, n, _)| n).sum(),
                contacts: arm
                    .contacts
                    .into_iter()
                    .map(|(channel, contacts, cost)| ChannelContacts {
                        channel,
                        contacts,
                        cost_fen: cost.get(),
                    })
                    .collect(),
                arm: arm.arm,
                cases: arm.cases,
                blocked: arm.blocked,
                cures: arm.cures,
                recovered_fen: arm.recovered.get(),
            })
            .collect(),
    }))
}

/// Planned contacts the compliance guard permitted and blocked, by channel and rule.
#[utoipa::path(
    get,
    path = "/reports/compliance",
    tag = "reports",
    params(PeriodQuery),
    responses(
        (status = 200, description = "Permitted and blocked contacts", body = ComplianceView),
        (status = 400, description = "Malformed date", body = ErrorBody),
        (status = 403, description = "Role may not view reports", body = ErrorBody),
        (status = 422, description = "A date outside the closed range, or from after to", body = ErrorBody),
    )
)]
pub async fn compliance(
    State(state): State<AppState>,
    _reader: Authorized<perm::ViewReports>,
    Query(query): Query<PeriodQuery>,
) -> ApiResult<Json<ComplianceView>> {
    let (from, to) = period(&state, &query).await?;
    let counts = state.store.compliance_counts(from, to).await?;
    let mut view = ComplianceView {
        from: from.to_string(),
        to: to.to_string(),
        permitted: 0,
        blocked: 0,
        lines: Vec::with_capacity(counts.len()),
    };
    for (decision, rule, channel, count) in counts {
        if decision == "permitted" {
            view.permitted += count;
        } else {
            view.blocked += count;
        }
        view.lines.push(ComplianceLine {
            decision,
            channel,
            rule,
            count,
        });
    }
    Ok(Json(view))
}

fn roll_rates_view(matrix: &RollRateMatrix) -> RollRatesView {
    let mut columns = matrix.labels.clone();
    columns.push("paid_off".to_string());
    let rows = matrix
        .labels
        .iter()
        .zip(&matrix.counts)
        .enumerate()
        .map(|(row_idx, (label, counts))| RollRow {
            from: label.clone(),
            loans: matrix.row_total(row_idx),
            counts: counts.clone(),
            rates_ppm: (0..counts.len())
                .map(|col_idx| matrix.rate_ppm(row_idx, col_idx))
                .collect(),
        })
        .collect();
    RollRatesView {
        from_month: matrix.from_month.clone(),
        to_month: matrix.to_month.clone(),
        columns,
        rows,
    }
}

/// The closed range, or a 422 naming `field` when nothing is closed yet.
async fn closed_range(state: &AppState, field: &str) -> ApiResult<(NaiveDate, NaiveDate)> {
    state
        .store
        .closed_date_range()
        .await?
        .ok_or_else(|| AppError::Invalid {
            field: Some(field.to_string()),
            message: "no business date has been closed yet; run `recoup eod` first".into(),
        })
}

/// The period of a strategy or compliance report, checked against the closed range.
pub(crate) async fn period(
    state: &AppState,
    query: &PeriodQuery,
) -> ApiResult<(NaiveDate, NaiveDate)> {
    let (first, last) = closed_range(state, "to").await?;
    let to = match &query.to {
        Some(text) => parse_date(text, "to")?,
        None => last,
    };
    let from = match &query.from {
        Some(text) => parse_date(text, "from")?,
        None => to
            .checked_sub_days(Days::new(DEFAULT_PERIOD_DAYS - 1))
            .unwrap_or(to)
            .max(first),
    };
    check_closed(to, first, last, "to")?;
    check_closed(from, first, last, "from")?;
    if from > to {
        return Err(AppError::Invalid {
            field: Some("from".into()),
            message: format!("from ({from}) is after to ({to})"),
        });
    }
    if (to - from).num_days() >= MAX_PERIOD_DAYS {
        return Err(AppError::Invalid {
            field: Some("from".into()),
            message: format!("the period may cover at most {MAX_PERIOD_DAYS} days"),
        });
    }
    Ok((from, to))
}

pub(crate) fn parse_date(text: &str, field: &str) -> ApiResult<NaiveDate> {
    // Exactly YYYY-MM-DD: chrono alone would also take `2026-1-5`.
    let well_formed = text.len() == 10
        && text.bytes().enumerate().all(|(idx, b)| {
            if idx == 4 || idx == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(date) if well_formed => Ok(date),
        _ => Err(AppError::BadRequest {
            code: "invalid_query",
            message: format!("{field} must be a date as YYYY-MM-DD, got `{text}`"),
            field: Some(field.to_string()),
        }),
    }
}

/// `YYYY-MM` as the first day of that month.
fn parse_month(text: &str) -> ApiResult<NaiveDate> {
    let bad = || AppError::BadRequest {
        code: "invalid_query",
        message: format!("month must be YYYY-MM, got `{text}`"),
        field: Some("month".into()),
    };
    if text.len() != 7 {
        return Err(bad());
    }
    parse_date(&format!("{text}-01"), "month").map_err(|_| bad())
}

fn check_closed(date: NaiveDate, first: NaiveDate, last: NaiveDate, field: &str) -> ApiResult<()> {
    if date < first || date > last {
        return Err(AppError::Invalid {
            field: Some(field.to_string()),
            message: format!(
                "{field} must be a closed business date, {first} to {last}; got {date}"
            ),
        });
    }
    Ok(())
}

fn not_closed(date: NaiveDate, field: &str) -> AppError {
    AppError::Invalid {
        field: Some(field.to_string()),
        message: format!("business date {date} has no portfolio: it was not closed"),
    }
}

/// The last day of the month before `date`'s month.
fn previous_month_end(date: NaiveDate) -> NaiveDate {
    date.with_day(1)
        .and_then(|first| first.pred_opt())
        .unwrap_or(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_months_are_strict() {
        assert!(parse_date("2026-03-31", "date").is_ok());
        for bad in [
            "2026-3-31",
            "2026-02-30",
            "20260331",
            " 2026-03-31",
            "2026-03-31x",
            "",
        ] {
            assert!(parse_date(bad, "date").is_err(), "{bad:?}");
        }
        assert_eq!(
            parse_month("2026-02").ok(),
            NaiveDate::from_ymd_opt(2026, 2, 1)
        );
        for bad in ["2026-2", "2026-13", "2026-02-01", "x"] {
            assert!(parse_month(bad).is_err(), "{bad:?}");
        }
    }
}
