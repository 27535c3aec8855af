//! Prometheus metrics: requests and latency by route and status, plus gauges read from the store
//! at scrape time (active loans, open cases, active users, live sessions), and the middleware
//! that gives every request its event id, log span and security headers.
//!
//! Routes are labelled by their pattern (`/api/v1/users`), never by the raw path, so the label
//! set stays small whatever clients send; unmatched paths share the label `unmatched`.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use tracing::Instrument;

use crate::error::AppError;
use crate::extract::EventId;
use crate::state::AppState;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: String,
}

type LatencyFamily = Family<RequestLabels, Histogram, fn() -> Histogram>;

/// The registry and the metrics the server updates.
pub(crate) struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: LatencyFamily,
    loans: Gauge,
    open_cases: Gauge,
    active_users: Gauge,
    live_sessions: Gauge,
    open_connections: Gauge,
    refused_connections: Counter,
    timed_out_connections: Counter,
}

fn latency_histogram() -> Histogram {
    // 1 ms to about 16 s, doubling.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

impl Metrics {
    pub(crate) fn new() -> Metrics {
        let mut registry = Registry::with_prefix("recoup");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency: LatencyFamily = Family::new_with_constructor(latency_histogram);
        let loans = Gauge::default();
        let open_cases = Gauge::default();
        let active_users = Gauge::default();
        let live_sessions = Gauge::default();
        let open_connections = Gauge::default();
        let refused_connections = Counter::default();
        let timed_out_connections = Counter::default();
        registry.register(
            "http_open_connections",
            "HTTP connections open now",
            open_connections.clone(),
        );
        registry.register(
            "http_refused_connections",
            "HTTP connections answered 503 because the connection cap was reached",
            refused_connections.clone(),
        );
        registry.register(
            "http_timed_out_connections",
            "HTTP connections closed by the header-read or idle timeout",
            timed_out_connections.clone(),
        );
        registry.register(
            "http_requests",
            "HTTP requests by method, route and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by method, route and status",
            latency.clone(),
        );
        registry.register("active_loans", "Loans with status active", loans.clone());
        registry.register("open_cases", "Open collection cases", open_cases.clone());
        registry.register(
            "active_users",
            "Users who may sign in",
            active_users.clone(),
        );
        registry.register(
            "live_sessions",
            "Sessions not past their absolute expiry",
            live_sessions.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            loans,
            open_cases,
            active_users,
            live_sessions,
            open_connections,
            refused_connections,
            timed_out_connections,
        }
    }

    pub(crate) fn connection_opened(&self) {
        self.open_connections.inc();
    }

    pub(crate) fn connection_closed(&self) {
        self.open_connections.dec();
    }

    pub(crate) fn connection_refused(&self) {
        self.refused_connections.inc();
    }

    pub(crate) fn connection_timed_out(&self) {
        self.timed_out_connections.inc();
    }

    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let labels = RequestLabels {
            method: method.to_string(),
            route: route.to_string(),
            status: status.to_string(),
        };
        self.requests.get_or_create(&labels).inc();
        self.latency.get_or_create(&labels).observe(seconds);
    }
}

/// The matched route pattern, handed from the inner layer to the outer one.
#[derive(Debug, Clone)]
pub(crate) struct RoutePattern(pub(crate) String);

/// Inner layer (after routing): notes which route pattern matched.
pub(crate) async fn note_route(request: Request, next: Next) -> Response {
    let pattern = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| RoutePattern(path.as_str().to_string()));
    let mut response = next.run(request).await;
    if let Some(pattern) = pattern {
        response.extensions_mut().insert(pattern);
    }
    response
}

/// Outer layer: event id, the request's log span, metrics, and headers on every response.
pub(crate) async fn observe(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_string();
    let event_id = EventId::generate();
    request.extensions_mut().insert(event_id.clone());
    request
        .extensions_mut()
        .insert(crate::extract::BodyLimit(state.config.body_limit));
    let span = tracing::info_span!(
        "request",
        method = %method,
        event_id = %event_id.0,
        user = tracing::field::Empty,
    );
    let mut response = next.run(request).instrument(span.clone()).await;
    let route = response
        .extensions()
        .get::<RoutePattern>()
        .map(|pattern| pattern.0.clone())
        .unwrap_or_else(|| "unmatched".to_string());
    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    state
        .metrics
        .observe(&method, &route, status, elapsed.as_secs_f64());
    span.in_scope(|| {
        tracing::info!(
            route = %route,
            status,
            latency_ms = elapsed.as_secs_f64() * 1e3,
            "request"
        )
    });
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&event_id.0) {
        headers.insert("x-request-id", value);
    }
    crate::headers::secure(headers, state.config.cookie_secure);
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// `GET /metrics`: the registry in the OpenMetrics text format (which Prometheus scrapes).
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses((status = 200, description = "Metrics in the OpenMetrics text format", content_type = "application/openmetrics-text", body = String))
)]
pub(crate) async fn metrics(State(state): State<AppState>) -> Result<Response, AppError> {
    let gauges = state.store.gauges(state.now()).await?;
    let metrics = &state.metrics;
    metrics.loans.set(gauges.loans);
    metrics.open_cases.set(gauges.open_cases);
    metrics.active_users.set(gauges.active_users);
    metrics.live_sessions.set(gauges.live_sessions);
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &metrics.registry)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("cannot encode metrics: {e}")))?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response())
}
