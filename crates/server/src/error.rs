//! The API's one error type. Every failure becomes `{"error": code, "message": …, "field": …}`
//! with a 4xx status when the caller can fix it; a 500 carries no internals (the cause is logged
//! in the request's span, under its event id).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use recoup_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// The JSON body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// A stable, machine-readable code: `invalid`, `invalid_json`, `unauthenticated`,
    /// `invalid_credentials`, `forbidden`, `csrf`, `not_found`, `method_not_allowed`,
    /// `conflict`, `blocked`, `bad_gateway`, `unavailable`, `too_large`,
    /// `unsupported_media_type`, `internal`.
    pub error: &'static str,
    /// What went wrong, for people.
    pub message: String,
    /// The request field at fault (`password`, `role`, `limit`, …), when there is one.
    pub field: Option<String>,
    /// The compliance rule that blocked a contact (with `blocked`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Well-formed but unacceptable input (422), naming the field when known.
    #[error("{message}")]
    Invalid {
        field: Option<String>,
        message: String,
    },
    /// A body that is not JSON, or a malformed query string (400).
    #[error("{message}")]
    BadRequest {
        code: &'static str,
        message: String,
        field: Option<String>,
    },
    /// No session, or an expired one (401).
    #[error("sign in first: no valid session")]
    Unauthenticated,
    /// A refused sign-in (401); deliberately says nothing about which part was wrong.
    #[error("invalid username or password")]
    InvalidCredentials,
    /// Too many failed sign-ins for this account from this address, or from this address
    /// (429 with `Retry-After`).
    #[error("too many failed sign-ins from your address: try again in {retry_after_seconds} s")]
    Throttled { retry_after_seconds: u64 },
    /// Signed in, but the role does not allow this (403).
    #[error("your role ({role}) does not allow {permission}")]
    Forbidden {
        role: &'static str,
        permission: &'static str,
    },
    /// A cookie-authenticated state-changing request without the session's CSRF token (403).
    #[error("missing or wrong X-CSRF-Token header (required with cookie sessions for changes)")]
    Csrf,
    #[error("no such resource")]
    NotFound,
    /// Allowed in general, refused for this one (approving one's own request, beyond one's
    /// limit) (403).
    #[error("{message}")]
    Refused { message: String },
    /// A contact the compliance guard blocked (409), naming the rule.
    #[error("blocked by compliance rule {rule}: {reason}")]
    Blocked { rule: String, reason: String },
    #[error("method not allowed here")]
    MethodNotAllowed,
    /// Clashes with what is stored, e.g. a taken username (409).
    #[error("{message}")]
    Conflict { field: String, message: String },
    /// The SMS gateway or the dialer refused or did not answer (502); what was asked is
    /// recorded as failed.
    #[error("{message}")]
    BadGateway { message: String },
    /// A channel that is not configured (503).
    #[error("{message}")]
    Unavailable { message: String },
    #[error("request body is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("request body must be JSON (Content-Type: application/json)")]
    UnsupportedMediaType,
    /// Anything unexpected (500). The message sent is generic; the cause is logged.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> AppError {
        AppError::Invalid {
            field: Some(field.to_string()),
            message: message.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Unauthenticated | AppError::InvalidCredentials => StatusCode::UNAUTHORIZED,
            AppError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Forbidden { .. } | AppError::Csrf | AppError::Refused { .. } => {
                StatusCode::FORBIDDEN
            }
            AppError::Blocked { .. } => StatusCode::CONFLICT,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::BadGateway { .. } => StatusCode::BAD_GATEWAY,
            AppError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            AppError::Invalid { .. } => "invalid",
            AppError::BadRequest { code, .. } => code,
            AppError::Unauthenticated => "unauthenticated",
            AppError::InvalidCredentials => "invalid_credentials",
            AppError::Throttled { .. } => "too_many_attempts",
            AppError::Forbidden { .. } | AppError::Refused { .. } => "forbidden",
            AppError::Blocked { .. } => "blocked",
            AppError::Csrf => "csrf",
            AppError::NotFound => "not_found",
            AppError::MethodNotAllowed => "method_not_allowed",
            AppError::Conflict { .. } => "conflict",
            AppError::BadGateway { .. } => "bad_gateway",
            AppError::Unavailable { .. } => "unavailable",
            AppError::TooLarge { .. } => "too_large",
            AppError::UnsupportedMediaType => "unsupported_media_type",
            AppError::Internal(_) => "internal",
        }
    }

    fn field(&self) -> Option<String> {
        match self {
            AppError::Invalid { field, .. } | AppError::BadRequest { field, .. } => field.clone(),
            AppError::Conflict { field, .. } => Some(field.clone()),
            _ => None,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = match &self {
            AppError::Internal(cause) => {
                // The request span carries the event id, so the log line and the response meet.
                tracing::error!(error = format!("{cause:#}"), "internal error");
                "something went wrong on the server; the X-Request-Id header identifies it in the logs"
                    .to_string()
            }
            other => other.to_string(),
        };
        let body = ErrorBody {
            error: self.code(),
            message,
            field: self.field(),
            rule: match &self {
                AppError::Blocked { rule, .. } => Some(rule.clone()),
                _ => None,
            },
        };
        let mut response = (status, axum::Json(body)).into_response();
        if let AppError::Throttled {
            retry_after_seconds,
        } = self
        {
            if let Ok(value) = axum::http::HeaderValue::from_str(&retry_after_seconds.to_string()) {
                response
                    .headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, value);
            }
        }
        response
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> AppError {
        match error {
            StoreError::Invalid { field, message } => AppError::Invalid {
                field: Some(field.to_string()),
                message,
            },
            StoreError::Conflict { field, message } => AppError::Conflict {
                field: field.to_string(),
                message,
            },
            StoreError::NotFound { .. } => AppError::NotFound,
            StoreError::Refused { message } => AppError::Refused { message },
            other => AppError::Internal(anyhow::Error::new(other)),
        }
    }
}

impl From<anyhow::Error> for AppError {
    fn from(error: anyhow::Error) -> AppError {
        AppError::Internal(error)
    }
}

/// The result type of handlers.
pub type ApiResult<T> = Result<T, AppError>;
