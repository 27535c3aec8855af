//! Our own extractors, so that every rejection is an [`AppError`] in our JSON format: `Json`
//! (content type, size limit, syntax, and the field a body got wrong), `Query`, `PathId` and
//! `EventId`.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::AppError;

/// A JSON body. Refuses a missing or non-JSON content type (415), bodies over the limit (413),
/// malformed JSON (400, `invalid_json`, with line and column) and bodies of the wrong shape
/// (422, `invalid`, naming the field: unknown, missing or of the wrong type).
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(request.headers()) {
            return Err(AppError::UnsupportedMediaType);
        }
        let limit = request
            .extensions()
            .get::<BodyLimit>()
            .map(|l| l.0)
            .unwrap_or(0);
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    AppError::TooLarge { limit }
                } else {
                    AppError::BadRequest {
                        code: "bad_body",
                        message: format!("cannot read the request body: {rejection}"),
                        field: None,
                    }
                }
            })?;
        parse_json(&bytes).map(Json)
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// The configured body limit, put in request extensions by the router so `Json` can say it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyLimit(pub usize);

fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(content_type) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
    else {
        return false;
    };
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Parses a JSON document into `T`, turning serde's complaint into an error naming the field.
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        json_error(&path, &inner)
    })?;
    deserializer
        .end()
        .map_err(|inner| json_error(".", &inner))?;
    Ok(value)
}

fn json_error(path: &str, error: &serde_json::Error) -> AppError {
    use serde_json::error::Category;
    match error.classify() {
        Category::Syntax | Category::Eof | Category::Io => AppError::BadRequest {
            code: "invalid_json",
            message: format!("request body is not valid JSON: {error}"),
            field: None,
        },
        Category::Data => {
            let message = error.to_string();
            let named = backticked(&message);
            let field = if message.starts_with("missing field") {
                named.map(|name| join_path(path, name))
            } else if message.starts_with("unknown field") {
                named.map(|name| {
                    // The path may already end at the unknown key.
                    if path.ends_with(name) {
                        path.to_string()
                    } else {
                        join_path(path, name)
                    }
                })
            } else if path != "." && !path.is_empty() {
                Some(path.to_string())
            } else {
                None
            };
            // serde's message ends with "at line 1 column 9", which means little to an API
            // client; the field says where.
            let message = match message.rsplit_once(" at line ") {
                Some((head, _)) => head.to_string(),
                None => message,
            };
            AppError::Invalid { field, message }
        }
    }
}

fn backticked(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let len = message.get(start..)?.find('`')?;
    message.get(start..start + len)
}

fn join_path(path: &str, name: &str) -> String {
    if path == "." || path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

/// Query-string parameters; a bad one is a 400 naming it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let deserializer =
            serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(Query)
            .map_err(|error| {
                let path = error.path().to_string();
                let message = error.inner().to_string();
                let field = if path != "." && !path.is_empty() {
                    Some(path)
                } else {
                    backticked(&message).map(str::to_string)
                };
                AppError::BadRequest {
                    code: "invalid_query",
                    message: format!("bad query string: {message}"),
                    field,
                }
            })
    }
}

/// The id of one request (one operation): sent back as `X-Request-Id`, written to the request's
/// log span and to every audit row the request appends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventId(pub String);

impl EventId {
    /// A fresh id: 16 hex digits, unique within the process and unpredictable across restarts.
    pub fn generate() -> EventId {
        use std::hash::{BuildHasher, Hasher};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        // RandomState is seeded from the operating system's randomness; hashing a counter with
        // it gives ids that do not repeat and do not reveal how many requests came before.
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        EventId(format!("{:016x}", hasher.finish()))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for EventId {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<EventId>()
            .cloned()
            .unwrap_or_else(EventId::generate))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)] // Only deserialized.
    struct Login {
        username: String,
        password: String,
    }

    fn field_of(body: &str) -> (StatusCode, Option<String>) {
        let error = parse_json::<Login>(body.as_bytes()).unwrap_err();
        let field = match &error {
            AppError::Invalid { field, .. } | AppError::BadRequest { field, .. } => field.clone(),
            _ => None,
        };
        (error.status(), field)
    }

    #[test]
    fn bad_bodies_name_the_field_at_fault() {
        let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
        for (body, expected) in [
            (r#"{"username":"a"}"#, (unprocessable, Some("password"))),
            (
                r#"{"username":"a","password":"b","x":1}"#,
                (unprocessable, Some("x")),
            ),
            (
                r#"{"username":5,"password":"b"}"#,
                (unprocessable, Some("username")),
            ),
            (r#"[]"#, (unprocessable, None)),
            (r#"{"username":"#, (StatusCode::BAD_REQUEST, None)),
            (
                r#"{"username":"a","password":"b"} x"#,
                (StatusCode::BAD_REQUEST, None),
            ),
        ] {
            let (status, field) = field_of(body);
            assert_eq!((status, field.as_deref()), expected, "body {body}");
        }
        assert!(parse_json::<Login>(br#"{"username":"a","password":"b"}"#).is_ok());
    }

    #[test]
    fn event_ids_do_not_repeat() {
        let ids: std::collections::HashSet<String> =
            (0..1000).map(|_| EventId::generate().0).collect();
        assert_eq!(ids.len(), 1000);
    }
}

/// A resource id from the path (`/cases/{borrower_id}`, `/approvals/{id}/approve`): a positive
/// integer, else 400 `invalid_path` naming the parameter. Every route with an id takes it
/// through this one extractor, so a bad id gets the same answer everywhere; an id that is
/// well formed but names nothing is the handler's 404. Put it after the session extractor so
/// that an anonymous request is told 401 first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathId(pub i64);

impl PathId {
    /// Parses the value of path parameter `name`.
    pub fn parse(name: &str, text: &str) -> Result<PathId, AppError> {
        match text.parse::<i64>() {
            Ok(id) if id > 0 => Ok(PathId(id)),
            _ => Err(AppError::BadRequest {
                code: "invalid_path",
                message: format!("`{text}` is not an id (a positive integer)"),
                field: Some(name.to_string()),
            }),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<PathId, AppError> {
        let params = axum::extract::RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound)?;
        // The routes carry one id each; it is the last parameter.
        let Some((name, value)) = params.iter().last() else {
            return Err(AppError::NotFound);
        };
        PathId::parse(name, value)
    }
}

#[cfg(test)]
mod path_id_tests {
    use super::*;

    #[test]
    fn ids_are_positive_integers_and_a_bad_one_names_its_parameter() {
        assert_eq!(PathId::parse("id", "42").ok(), Some(PathId(42)));
        for bad in ["0", "-1", "x", "", "99999999999999999999", "4.2"] {
            match PathId::parse("borrower_id", bad) {
                Err(AppError::BadRequest { code, field, .. }) => {
                    assert_eq!(code, "invalid_path");
                    assert_eq!(field.as_deref(), Some("borrower_id"));
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
    }
}
