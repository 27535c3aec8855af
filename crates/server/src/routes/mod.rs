//! The API's resources, one module per resource. Each exposes `router()` returning an
//! `OpenApiRouter`, so its handlers are routed and documented in one place; [`v1`] merges them
//! under `/api/v1`.

pub mod audit;
pub mod cases;
pub mod health;
pub mod loans;
pub mod outbound;
pub mod oversight;
pub mod plans;
pub mod reports;
pub mod session;
pub mod users;

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

/// Everything under `/api/v1`.
pub fn v1() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(session::router())
        .merge(users::router())
        .merge(audit::router())
        .merge(reports::router())
        .merge(plans::router())
        .merge(loans::router())
        .merge(cases::router())
        .merge(outbound::router())
        .merge(oversight::router())
}
