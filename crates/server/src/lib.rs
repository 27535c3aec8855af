//! recoup-server: the HTTP API of recoup (axum).
//!
//! [`router`] builds the whole application from an [`AppState`] (store, clock, settings);
//! [`serve`] runs it on a listener until a shutdown future resolves, finishing requests in
//! flight. Resources live in `routes/`, one module per resource, each with thin handlers over
//! the store: sessions, users and the audit trail today; cases, contacts, promises, plans and
//! reveals join them the same way.
//!
//! Cross-cutting pieces: [`AppError`] (every failure as `{"error", "message", "field"}`),
//! [`extract::Json`] (bodies checked with the field at fault named), [`auth`] (sessions by
//! bearer token or cookie + CSRF, permission extractors), `metrics` (Prometheus, event ids,
//! request spans), `openapi` (the generated OpenAPI 3.1 document) and `web` (the embedded web
//! UI, served at `/` with every non-API path falling back to its `index.html`).

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::todo,
        clippy::indexing_slicing
    )
)]

pub mod auth;
mod client;
mod clock;
mod error;
pub mod extract;
mod headers;
mod listener;
pub mod mask;
mod metrics;
mod openapi;
mod outbound;
mod outbox;
mod queue_totals;
pub mod routes;
mod state;
mod web;
pub mod wire;

use std::future::Future;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use clock::{Clock, ManualClock};
pub use error::{ApiResult, AppError, ErrorBody};
pub use listener::ConnectionLimits;
pub use openapi::ApiDoc;
pub use outbound::{Outbound, OutboundError, SmsTextError};
pub use outbox::{dispatch_due_sms, run_outbox, OutboxRound, OUTBOX_ACTOR};
pub use state::{AppState, CaseSettings, OversightSettings, ServerConfig, TemplateFlag};

/// The default listen address: loopback only, so a fresh install is not exposed by accident.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// The OpenAPI document of the whole API (the same one `/api/openapi.json` serves).
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut document = api_router().split_for_parts().1;
    openapi::secure_operations(&mut document);
    document
}

fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(routes::health::healthz))
        .routes(routes!(metrics::metrics))
        .nest("/api/v1", routes::v1())
}

/// The application: every route, the JSON fallbacks, body limit, metrics and request spans.
pub fn router(state: AppState) -> Router {
    let (api, mut document) = api_router().split_for_parts();
    openapi::secure_operations(&mut document);
    let document = match document.to_pretty_json() {
        Ok(json) => Arc::new(json),
        Err(error) => {
            tracing::error!(%error, "cannot serialize the OpenAPI document");
            Arc::new("{}".to_string())
        }
    };
    api.route(
        "/api/openapi.json",
        get(move || {
            let document = Arc::clone(&document);
            async move { openapi::document_response(&document) }
        }),
    )
    .route("/api/docs", get(openapi::docs_page))
    .route_layer(middleware::from_fn(metrics::note_route))
    .fallback(web::fallback)
    .method_not_allowed_fallback(|| async { AppError::MethodNotAllowed.into_response() })
    .layer(DefaultBodyLimit::max(state.config.body_limit))
    .layer(middleware::from_fn_with_state(
        state.clone(),
        queue_totals::forget_after_writes,
    ))
    .layer(middleware::from_fn_with_state(
        state.clone(),
        metrics::observe,
    ))
    .with_state(state)
}

/// Serves the application on `listener` until `shutdown` resolves, then stops accepting
/// connections and waits for requests in flight to finish. Slow and idle clients are timed
/// out and connections capped by the state's [`ConnectionLimits`].
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = state.config.connections;
    let metrics = Arc::clone(&state.metrics);
    listener::serve(listener, router(state), limits, metrics, shutdown).await
}

/// Resolves on Ctrl-C or (on Unix) SIGTERM: the usual `shutdown` for [`serve`].
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
