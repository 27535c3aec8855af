//! Sessions: sign in (`POST /session`), sign out (`DELETE /session`) and who am I (`GET /me`).

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use recoup_store::LoginOutcome;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{cleared_cookie, session_cookie, AuthUser};
use crate::client::ClientAddress;
use crate::error::{ApiResult, AppError, ErrorBody};
use crate::extract::{EventId, Json};
use crate::state::AppState;
use crate::wire::{instant, UserView};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login, logout))
        .routes(routes!(me))
}

/// Credentials. (No `Debug`: the password must not reach a log.)
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// A new session. The token is shown once: as the `recoup_session` cookie (HttpOnly,
/// SameSite=Strict) for browsers and in this body for API clients (`Authorization: Bearer`).
#[derive(Serialize, ToSchema)]
pub struct SessionView {
    pub token: String,
    /// Send as `X-CSRF-Token` with every change made through the cookie session.
    pub csrf_token: String,
    /// When the session ends at the latest (RFC 3339, UTC); it ends sooner when idle.
    pub expires_at: String,
    pub user: UserView,
}

/// The signed-in user and their session.
#[derive(Serialize, ToSchema)]
pub struct MeView {
    pub user: UserView,
    pub csrf_token: String,
    pub expires_at: String,
}

/// Sign in. Every refusal — wrong password, unknown user, inactive account — is the same 401,
/// so the answer does not reveal which usernames exist. After repeated failures for an account
/// from one address (or from one address in all) that address gets 429 with `Retry-After`,
/// without the password being checked; other addresses — the account's owner — are not
/// affected.
#[utoipa::path(
    post,
    path = "/session",
    tag = "session",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in; also sets the session cookie", body = SessionView),
        (status = 401, description = "Refused", body = ErrorBody),
        (status = 422, description = "Malformed request", body = ErrorBody),
        (status = 429, description = "Too many failures from this address: wait `Retry-After` seconds", body = ErrorBody),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    event_id: EventId,
    client: ClientAddress,
    Json(body): Json<LoginRequest>,
) -> ApiResult<Response> {
    let now = state.now();
    let outcome = state
        .store
        .login(
            &body.username,
            &body.password,
            &client.0,
            &state.config.auth,
            &event_id.0,
            now,
        )
        .await?;
    let session = match outcome {
        LoginOutcome::SignedIn(session) => session,
        LoginOutcome::Refused => return Err(AppError::InvalidCredentials),
        LoginOutcome::Throttled { retry_after } => {
            // Round up: a client that waits the whole seconds is never refused again for it.
            let millis = u64::try_from(retry_after.num_milliseconds()).unwrap_or(0);
            return Err(AppError::Throttled {
                retry_after_seconds: millis.div_ceil(1000).max(1),
            });
        }
    };
    let cookie = session_cookie(
        &session.token,
        (session.expires_at - now).num_seconds(),
        state.config.cookie_secure,
    );
    let view = SessionView {
        user: UserView::from(&session.user),
        expires_at: instant(session.expires_at),
        csrf_token: session.csrf_token,
        token: session.token,
    };
    Ok(([(header::SET_COOKIE, cookie)], Json(view)).into_response())
}

/// Sign out: ends the session and clears the cookie.
#[utoipa::path(
    delete,
    path = "/session",
    tag = "session",
    responses(
        (status = 204, description = "Signed out"),
        (status = 403, description = "Cookie session without X-CSRF-Token", body = ErrorBody),
    )
)]
pub async fn logout(
    State(state): State<AppState>,
    event_id: EventId,
    user: AuthUser,
) -> ApiResult<Response> {
    state
        .store
        .logout(&user.session, &event_id.0, state.now())
        .await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(
            header::SET_COOKIE,
            cleared_cookie(state.config.cookie_secure),
        )],
    )
        .into_response())
}

/// The signed-in user, with the session's CSRF token (a reloaded page gets it here).
#[utoipa::path(
    get,
    path = "/me",
    tag = "session",
    responses(
        (status = 200, description = "The signed-in user", body = MeView),
    )
)]
pub async fn me(user: AuthUser) -> Json<MeView> {
    Json(MeView {
        user: UserView::from(user.user()),
        csrf_token: user.session.csrf_token.clone(),
        expires_at: instant(user.session.expires_at),
    })
}
