//! Oversight: the collection KPIs of a period (`GET /reports/kpis`), the collector leaderboard
//! (`GET /reports/leaderboard`), language-QA flags on notes and templates
//! (`GET /reports/qa-flags`), the active strategy (`GET /strategy`), the `[assignment]` rules
//! (`GET /settings/assignment`) and the role × permission matrix (`GET /roles`).
//!
//! Periods are closed business dates (`from`, `to`, at most [`super::reports::MAX_PERIOD_DAYS`]
//! days, the last 7 by default) and are checked as the other reports check them. Money is
//! integer fen (`*_fen`), rates are parts per million (`*_ppm`); definitions in `docs/kpis.md`.
//!
//! The KPIs, QA flags and strategy are for report readers (`Permission::ViewReports`). The
//! leaderboard is open to every signed-in user, but a user whose role does not view reports
//! gets only their own row: the server filters, not the UI.

use axum::extract::State;
use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use recoup_core::role::{Permission, Role};
use recoup_store::{ratio_ppm, KpiPeriod, LeaderboardRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::reports::{period, PeriodQuery};
use crate::auth::{perm, AuthUser, Authorized};
use crate::error::{ApiResult, AppError, ErrorBody};
use crate::extract::{Json, Query};
use crate::state::AppState;
use crate::wire::RoleCode;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(kpis))
        .routes(routes!(leaderboard))
        .routes(routes!(qa_flags))
        .routes(routes!(active_strategy))
        .routes(routes!(assignment_settings))
        .routes(routes!(roles))
}

/// Cure rate: past-due cases cured over past-due cases open in the period.
#[derive(Debug, Serialize, ToSchema)]
pub struct CureKpi {
    pub cases: i64,
    pub cured: i64,
    pub rate_ppm: u64,
}

/// Recovery rate: payments allocated to overdue amounts over the arrears at the start.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecoveryKpi {
    /// The closed date whose arrears are the base (the last closed date before `from`).
    pub base_date: Option<String>,
    pub arrears_at_start_fen: i64,
    pub collected_overdue_fen: i64,
    /// Everything payments paid in the period, overdue or not.
    pub collected_total_fen: i64,
    pub rate_ppm: u64,
}

/// Promises to pay that fell due in the period.
#[derive(Debug, Serialize, ToSchema)]
pub struct PromiseKpi {
    pub kept: i64,
    pub partly_kept: i64,
    pub broken: i64,
    /// Due but not yet settled by end-of-day.
    pub pending: i64,
    /// Kept + partly kept + broken.
    pub settled: i64,
    pub promised_fen: i64,
    pub paid_fen: i64,
    /// Kept in full over settled.
    pub kept_rate_ppm: u64,
    /// Kept in full or in part over settled.
    pub kept_or_partly_rate_ppm: u64,
}

/// Contact attempts and right-party contacts on one channel.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelRpc {
    pub channel: String,
    pub attempts: i64,
    pub right_party: i64,
    pub rate_ppm: u64,
}

/// Right-party contacts over attempts, in all and by channel.
#[derive(Debug, Serialize, ToSchema)]
pub struct RpcKpi {
    pub attempts: i64,
    pub right_party: i64,
    pub rate_ppm: u64,
    pub by_channel: Vec<ChannelRpc>,
}

/// The collection KPIs of a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct KpiView {
    pub from: String,
    pub to: String,
    pub cure: CureKpi,
    pub recovery: RecoveryKpi,
    pub promises: PromiseKpi,
    pub contacts: RpcKpi,
}

/// One user's results over the period.
#[derive(Debug, Serialize, ToSchema)]
pub struct LeaderboardEntry {
    /// 1 for the most money collected.
    pub rank: u32,
    pub username: String,
    pub display_name: String,
    pub role: RoleCode,
    pub active: bool,
    /// Open cases assigned to the user now.
    pub cases_held: i64,
    /// Contacts the user logged in the period.
    pub contacts: i64,
    pub right_party: i64,
    pub rpc_rate_ppm: u64,
    /// Promises the user took in the period.
    pub promises_made: i64,
    /// Of the user's promises due in the period, kept in full.
    pub promises_kept: i64,
    /// Of the user's promises due in the period, settled.
    pub promises_settled: i64,
    pub promise_kept_rate_ppm: u64,
    /// Payments valued in the period on the loans of the user's cases.
    pub collected_fen: i64,
    /// The user's cases cured in the period.
    pub cures: i64,
}

/// The leaderboard: every case holder for report readers, only oneself for everyone else.
#[derive(Debug, Serialize, ToSchema)]
pub struct LeaderboardView {
    pub from: String,
    pub to: String,
    /// `all` or `own`.
    pub scope: String,
    pub rows: Vec<LeaderboardEntry>,
}

/// `?from&to&limit`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct QaFlagsQuery {
    /// First business date, inclusive; 6 days before `to` when absent.
    pub from: Option<String>,
    /// Last business date, inclusive; the last closed date when absent.
    pub to: Option<String>,
    /// Notes to list, 1–500 (default 100), newest first.
    pub limit: Option<i64>,
}

/// One warn-tier hit.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct QaHit {
    pub category: String,
    pub term: String,
}

/// A note language QA flagged.
#[derive(Debug, Serialize, ToSchema)]
pub struct FlaggedNoteView {
    pub id: i64,
    /// The case (borrower id) the note is on.
    pub case_id: i64,
    /// RFC 3339, UTC.
    pub at: String,
    pub author: String,
    pub text: String,
    pub hits: Vec<QaHit>,
}

/// A contact template with warn-tier terms.
#[derive(Debug, Serialize, ToSchema)]
pub struct FlaggedTemplateView {
    pub id: String,
    pub channel: String,
    pub text: String,
    pub terms: Vec<String>,
}

/// Language-QA flags of the period's notes and of the loaded templates.
#[derive(Debug, Serialize, ToSchema)]
pub struct QaFlagsView {
    pub from: String,
    pub to: String,
    /// Flagged notes in the period (the list holds at most `limit`).
    pub total: i64,
    pub notes: Vec<FlaggedNoteView>,
    pub templates: Vec<FlaggedTemplateView>,
}

/// A name and value as written in the strategy file.
#[derive(Debug, Serialize, ToSchema)]
pub struct NamedValue {
    pub name: String,
    pub value: String,
}

/// A stage rule: the first that holds decides the stage (`keep` keeps the stored one).
#[derive(Debug, Serialize, ToSchema)]
pub struct StageRuleView {
    pub stage: String,
    pub when: Option<String>,
}

/// A segment and its condition (CEL).
#[derive(Debug, Serialize, ToSchema)]
pub struct StrategySegmentView {
    pub name: String,
    pub when: String,
    pub description: Option<String>,
}

/// A champion/challenger arm.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArmOutlineView {
    pub name: String,
    /// Percent of cases.
    pub share: i64,
    pub description: Option<String>,
    /// Parameters the arm overrides.
    pub parameters: Vec<NamedValue>,
}

/// A treatment; empty `segments` or `arms` means all.
#[derive(Debug, Serialize, ToSchema)]
pub struct TreatmentView {
    pub id: String,
    pub stages: Vec<String>,
    pub segments: Vec<String>,
    pub arms: Vec<String>,
    pub when: Option<String>,
    pub channel: String,
    pub template: String,
    pub queue: String,
    pub offset_days: i64,
    pub priority: i64,
    pub group: Option<String>,
    pub cost_fen: i64,
    pub description: Option<String>,
}

/// The strategy the server plans with.
#[derive(Debug, Serialize, ToSchema)]
pub struct StrategyOutlineView {
    /// The file it was read from.
    pub file: String,
    pub name: String,
    pub description: Option<String>,
    pub parameters: Vec<NamedValue>,
    pub stage_rules: Vec<StageRuleView>,
    pub segments: Vec<StrategySegmentView>,
    pub arms: Vec<ArmOutlineView>,
    pub treatments: Vec<TreatmentView>,
}

/// A queue and the role that works it (`*` ends a prefix).
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueRole {
    pub queue: String,
    pub role: RoleCode,
}

/// A region and the cities it covers.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionView {
    pub region: String,
    pub cities: Vec<String>,
}

/// The `[assignment]` settings in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssignmentView {
    /// `round_robin` or `least_loaded`.
    pub rule: String,
    pub by_region: bool,
    pub by_skill: bool,
    pub sticky: bool,
    pub queues: Vec<QueueRole>,
    pub regions: Vec<RegionView>,
}

/// One role and what it may do.
#[derive(Debug, Serialize, ToSchema)]
pub struct RolePermissions {
    pub role: RoleCode,
    pub meaning: String,
    /// Permission codes the role holds.
    pub permissions: Vec<String>,
}

/// The role × permission matrix (`crates/core/src/role.rs`).
#[derive(Debug, Serialize, ToSchema)]
pub struct RolesView {
    /// Every permission code, in order.
    pub permissions: Vec<String>,
    pub roles: Vec<RolePermissions>,
}

/// Midnight at the start of `date` in the lender's time zone.
fn start_of(state: &AppState, date: NaiveDate) -> DateTime<Utc> {
    let midnight = date.and_time(chrono::NaiveTime::MIN);
    state
        .config
        .cases
        .timezone
        .from_local_datetime(&midnight)
        .earliest()
        .map(|at| at.with_timezone(&Utc))
        .unwrap_or_else(|| midnight.and_utc())
}

fn kpi_period(state: &AppState, from: NaiveDate, to: NaiveDate) -> KpiPeriod {
    let after = to.checked_add_days(Days::new(1)).unwrap_or(to);
    KpiPeriod {
        from,
        to,
        start: start_of(state, from),
        end: start_of(state, after),
    }
}

/// Cure, recovery, promise-kept and right-party-contact rates over a period of closed dates.
#[utoipa::path(
    get,
    path = "/reports/kpis",
    tag = "reports",
    params(PeriodQuery),
    responses(
        (status = 200, description = "The KPIs", body = KpiView),
        (status = 400, description = "Malformed date", body = ErrorBody),
        (status = 403, description = "Role may not view reports", body = ErrorBody),
        (status = 422, description = "A date outside the closed range, or from after to", body = ErrorBody),
    )
)]
pub async fn kpis(
    State(state): State<AppState>,
    _reader: Authorized<perm::ViewReports>,
    Query(query): Query<PeriodQuery>,
) -> ApiResult<Json<KpiView>> {
    let (from, to) = period(&state, &query).await?;
    let figures = state.store.kpis(&kpi_period(&state, from, to)).await?;
    let promises = &figures.promises;
    let settled = promises.kept + promises.partly_kept + promises.broken;
    let attempts: i64 = figures.contacts.iter().map(|c| c.attempts).sum();
    let right_party: i64 = figures.contacts.iter().map(|c| c.right_party).sum();
    let recovery = &figures.recovery;
    Ok(Json(KpiView {
        from: from.to_string(),
        to: to.to_string(),
        cure: CureKpi {
            cases: figures.cures.cases,
            cured: figures.cures.cured,
            rate_ppm: ratio_ppm(figures.cures.cured, figures.cures.cases),
        },
        recovery: RecoveryKpi {
            base_date: recovery.base_date.map(|d| d.to_string()),
            arrears_at_start_fen: recovery.arrears_at_start.get(),
            collected_overdue_fen: recovery.collected_overdue.get(),
            collected_total_fen: recovery.collected_total.get(),
            rate_ppm: ratio_ppm(
                recovery.collected_overdue.get(),
                recovery.arrears_at_start.get(),
            ),
        },
        promises: PromiseKpi {
            kept: promises.kept,
            partly_kept: promises.partly_kept,
            broken: promises.broken,
            pending: promises.pending,
            settled,
            promised_fen: promises.promised.get(),
            paid_fen: promises.paid.get(),
            kept_rate_ppm: ratio_ppm(promises.kept, settled),
            kept_or_partly_rate_ppm: ratio_ppm(promises.kept + promises.partly_kept, settled),
        },
        contacts: RpcKpi {
            attempts,
            right_party,
            rate_ppm: ratio_ppm(right_party, attempts),
            by_channel: figures
                .contacts
                .into_iter()
                .map(|c| ChannelRpc {
                    rate_ppm: ratio_ppm(c.right_party, c.attempts),
                    channel: c.channel,
                    attempts: c.attempts,
                    right_party: c.right_party,
                })
                .collect(),
        },
    }))
}

/// Per case holder: cases held, contacts, right-party contacts, promises made and kept, money
/// collected on their cases and cures over the period, most collected first. Report readers see
/// every holder; anyone else sees only their own row.
#[utoipa::path(
    get,
    path = "/reports/leaderboard",
    tag = "reports",
    params(PeriodQuery),
    responses(
        (status = 200, description = "The leaderboard", body = LeaderboardView),
        (status = 400, description = "Malformed date", body = ErrorBody),
        (status = 422, description = "A date outside the closed range, or from after to", body = ErrorBody),
    )
)]
pub async fn leaderboard(
    State(state): State<AppState>,
    user: AuthUser,
    Query(query): Query<PeriodQuery>,
) -> ApiResult<Json<LeaderboardView>> {
    let (from, to) = period(&state, &query).await?;
    let all = user.role().allows(Permission::ViewReports);
    let mut holder_roles: Vec<Role> = state
        .config
        .oversight
        .assignment
        .queue_roles
        .values()
        .copied()
        .collect();
    holder_roles.sort();
    holder_roles.dedup();
    let only = (!all).then(|| user.username().to_string());
    let rows = state
        .store
        .leaderboard(
            &kpi_period(&state, from, to),
            &holder_roles,
            only.as_deref(),
        )
        .await?;
    Ok(Json(LeaderboardView {
        from: from.to_string(),
        to: to.to_string(),
        scope: if all { "all" } else { "own" }.to_string(),
        rows: rows
            .into_iter()
            .zip(1u32..)
            .map(|(row, rank)| leaderboard_entry(row, rank))
            .collect(),
    }))
}

fn leaderboard_entry(row: LeaderboardRow, rank: u32) -> LeaderboardEntry {
    LeaderboardEntry {
        rank,
        rpc_rate_ppm: ratio_ppm(row.right_party, row.contacts),
        promise_kept_rate_ppm: ratio_ppm(row.promises_kept, row.promises_settled),
        username: row.username,
        display_name: row.display_name,
        role: row.role.into(),
        active: row.active,
        cases_held: row.cases_held,
        contacts: row.contacts,
        right_party: row.right_party,
        promises_made: row.promises_made,
        promises_kept: row.promises_kept,
        promises_settled: row.promises_settled,
        collected_fen: row.collected.get(),
        cures: row.cures,
    }
}

/// Notes language QA flagged in the period (newest first) and the loaded contact templates
/// with warn-tier terms.
#[utoipa::path(
    get,
    path = "/reports/qa-flags",
    tag = "reports",
    params(QaFlagsQuery),
    responses(
        (status = 200, description = "Flagged notes and templates", body = QaFlagsView),
        (status = 400, description = "Malformed date or limit", body = ErrorBody),
        (status = 403, description = "Role may not view reports", body = ErrorBody),
        (status = 422, description = "A date outside the closed range, or from after to", body = ErrorBody),
    )
)]
pub async fn qa_flags(
    State(state): State<AppState>,
    _reader: Authorized<perm::ViewReports>,
    Query(query): Query<QaFlagsQuery>,
) -> ApiResult<Json<QaFlagsView>> {
    let limit = query.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(AppError::BadRequest {
            code: "invalid_query",
            message: format!("limit must be 1 to 500, got {limit}"),
            field: Some("limit".into()),
        });
    }
    let (from, to) = period(
        &state,
        &PeriodQuery {
            from: query.from,
            to: query.to,
        },
    )
    .await?;
    let bounds = kpi_period(&state, from, to);
    let (notes, total) = state
        .store
        .flagged_notes(bounds.start, bounds.end, limit)
        .await?;
    Ok(Json(QaFlagsView {
        from: from.to_string(),
        to: to.to_string(),
        total,
        notes: notes
            .into_iter()
            .map(|note| FlaggedNoteView {
                hits: serde_json::from_str(&note.flags).unwrap_or_default(),
                id: note.id,
                case_id: note.borrower_id,
                at: note.at,
                author: note.author,
                text: note.text,
            })
            .collect(),
        templates: state
            .config
            .oversight
            .template_flags
            .iter()
            .map(|t| FlaggedTemplateView {
                id: t.id.clone(),
                channel: t.channel.clone(),
                text: t.text.clone(),
                terms: t.terms.clone(),
            })
            .collect(),
    }))
}

/// The strategy the server plans with: parameters, stage rules, segments, arms and treatments
/// as written in its file.
#[utoipa::path(
    get,
    path = "/strategy",
    tag = "reports",
    responses(
        (status = 200, description = "The active strategy", body = StrategyOutlineView),
        (status = 403, description = "Role may not view reports", body = ErrorBody),
        (status = 404, description = "The server was started without a strategy", body = ErrorBody),
    )
)]
pub async fn active_strategy(
    State(state): State<AppState>,
    _reader: Authorized<perm::ViewReports>,
) -> ApiResult<Json<StrategyOutlineView>> {
    let Some(active) = state.config.oversight.strategy.as_ref() else {
        return Err(AppError::NotFound);
    };
    let (file, outline) = &**active;
    let named = |pairs: &[(String, String)]| {
        pairs
            .iter()
            .map(|(name, value)| NamedValue {
                name: name.clone(),
                value: value.clone(),
            })
            .collect::<Vec<_>>()
    };
    let channel_cost = |channel: &str| {
        outline
            .costs_fen
            .iter()
            .find(|(c, _)| c == channel)
            .map_or(0, |(_, cost)| *cost)
    };
    Ok(Json(StrategyOutlineView {
        file: file.clone(),
        name: outline.name.clone(),
        description: outline.description.clone(),
        parameters: named(&outline.parameters),
        stage_rules: outline
            .stage_rules
            .iter()
            .map(|r| StageRuleView {
                stage: r.stage.clone(),
                when: r.when.clone(),
            })
            .collect(),
        segments: outline
            .segments
            .iter()
            .map(|s| StrategySegmentView {
                name: s.name.clone(),
                when: s.when.clone(),
                description: s.description.clone(),
            })
            .collect(),
        arms: outline
            .arms
            .iter()
            .map(|a| ArmOutlineView {
                name: a.name.clone(),
                share: a.share,
                description: a.description.clone(),
                parameters: named(&a.parameters),
            })
            .collect(),
        treatments: outline
            .treatments
            .iter()
            .map(|t| TreatmentView {
                id: t.id.clone(),
                stages: t.stages.clone(),
                segments: t.segments.clone(),
                arms: t.arms.clone(),
                when: t.when.clone(),
                channel: t.channel.clone(),
                template: t.template.clone(),
                queue: t.queue.clone(),
                offset_days: t.offset_days,
                priority: t.priority,
                group: t.group.clone(),
                cost_fen: t.cost_fen.unwrap_or_else(|| channel_cost(&t.channel)),
                description: t.description.clone(),
            })
            .collect(),
    }))
}

/// The `[assignment]` settings in force: rule, region/skill/sticky switches, the role that
/// works each queue and the regions.
#[utoipa::path(
    get,
    path = "/settings/assignment",
    tag = "users",
    responses(
        (status = 200, description = "The assignment settings", body = AssignmentView),
        (status = 403, description = "Not an administrator", body = ErrorBody),
    )
)]
pub async fn assignment_settings(
    State(state): State<AppState>,
    _admin: Authorized<perm::ManageUsers>,
) -> ApiResult<Json<AssignmentView>> {
    let policy = &state.config.oversight.assignment;
    Ok(Json(AssignmentView {
        rule: policy.rule.code().to_string(),
        by_region: policy.by_region,
        by_skill: policy.by_skill,
        sticky: policy.sticky,
        queues: policy
            .queue_roles
            .iter()
            .map(|(queue, role)| QueueRole {
                queue: queue.clone(),
                role: (*role).into(),
            })
            .collect(),
        regions: policy
            .regions
            .iter()
            .map(|(region, cities)| RegionView {
                region: region.clone(),
                cities: cities.clone(),
            })
            .collect(),
    }))
}

/// Every role and the permissions it holds: the matrix the server enforces.
#[utoipa::path(
    get,
    path = "/roles",
    tag = "users",
    responses(
        (status = 200, description = "The permission matrix", body = RolesView),
        (status = 403, description = "Not an administrator", body = ErrorBody),
    )
)]
pub async fn roles(_admin: Authorized<perm::ManageUsers>) -> ApiResult<Json<RolesView>> {
    Ok(Json(RolesView {
        permissions: Permission::ALL
            .into_iter()
            .map(|p| p.code().to_string())
            .collect(),
        roles: Role::ALL
            .into_iter()
            .map(|role| RolePermissions {
                role: role.into(),
                meaning: role.meaning().to_string(),
                permissions: Permission::ALL
                    .into_iter()
                    .filter(|p| role.allows(*p))
                    .map(|p| p.code().to_string())
                    .collect(),
            })
            .collect(),
    }))
}
