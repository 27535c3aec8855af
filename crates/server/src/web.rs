//! The embedded web UI: files from `web/dist`, built and tabled by `build.rs`, served at `/`.
//!
//! A GET for a path that is not an API path gets the file of that name, or `index.html` when
//! there is none, so the single-page app's own routes (`/dashboard?date=…`) can be bookmarked
//! and reloaded. Vite names the files under `/assets/` by a hash of their content, so they are
//! cached for a year; `index.html` is revalidated on every load so a new build shows at once.
//! API paths (`/api/…`, `/healthz`, `/metrics`) keep their JSON 404.

use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::metrics::RoutePattern;

include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));

/// The metrics label of everything the web UI answers (one label, not one per path).
const ROUTE_LABEL: &str = "web";

/// Answers a request no route matched: an embedded file, the app's `index.html`, or the JSON 404.
pub(crate) async fn fallback(method: Method, uri: Uri) -> Response {
    let mut response = answer(&method, uri.path());
    if response.status() == StatusCode::OK {
        response
            .extensions_mut()
            .insert(RoutePattern(ROUTE_LABEL.to_string()));
    }
    response
}

fn answer(method: &Method, path: &str) -> Response {
    if is_api(path) {
        return AppError::NotFound.into_response();
    }
    if *method != Method::GET && *method != Method::HEAD {
        return AppError::MethodNotAllowed.into_response();
    }
    let name = path.trim_start_matches('/');
    if let Some(bytes) = asset(name) {
        let immutable = name.starts_with("assets/");
        return file_response(name, bytes, immutable);
    }
    // A missing hashed asset is a stale page asking for an old build: a real 404, not HTML.
    if name.starts_with("assets/") {
        return AppError::NotFound.into_response();
    }
    match asset("index.html") {
        Some(bytes) => file_response("index.html", bytes, false),
        None => AppError::NotFound.into_response(),
    }
}

fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/") || path == "/healthz" || path == "/metrics"
}

fn asset(name: &str) -> Option<&'static [u8]> {
    ASSETS
        .binary_search_by(|(path, _)| (*path).cmp(name))
        .ok()
        .and_then(|idx| ASSETS.get(idx))
        .map(|(_, bytes)| *bytes)
}

fn file_response(name: &str, bytes: &'static [u8], immutable: bool) -> Response {
    let cache = if immutable {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(content_type(name)),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        bytes,
    )
        .into_response()
}

fn content_type(name: &str) -> &'static str {
    let extension = name.rsplit_once('.').map(|(_, ext)| ext).unwrap_or("");
    match extension {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_has_an_index_page() {
        assert!(ASSETS.windows(2).all(|pair| pair[0].0 < pair[1].0));
        assert!(asset("index.html").is_some());
    }

    #[test]
    fn api_paths_are_never_the_app() {
        for path in ["/api", "/api/v1/nothing", "/healthz", "/metrics"] {
            assert!(is_api(path), "{path}");
        }
        for path in ["/", "/dashboard", "/apis", "/assets/index-abc.js"] {
            assert!(!is_api(path), "{path}");
        }
    }
}
