//! Users: list (`GET /users`), create (`POST /users`) and change (`PATCH /users/{username}`:
//! deactivate or reactivate, set a new password, rename, move region); administrators only.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use recoup_core::role::Role;
use recoup_store::{NewUser, UserChange};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{perm, Authorized};
use crate::error::{ApiResult, AppError, ErrorBody};
use crate::extract::{EventId, Json};
use crate::state::AppState;
use crate::wire::{RoleCode, UserView};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(change_user))
}

/// A user to create. (No `Debug`: it holds a password.)
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    /// 1–64 of a-z, 0-9, `.`, `_`, `-` (stored lower case).
    pub username: String,
    /// Defaults to the username.
    #[serde(default)]
    pub display_name: Option<String>,
    /// A role code. Read as text and parsed here, so every wrong value (a number included)
    /// gets the same 422 naming `role`; serde_json reports a number where an enum is expected
    /// as a syntax error.
    #[schema(value_type = RoleCode)]
    pub role: String,
    /// At least 10 characters, not the username, not a well-known password.
    pub password: String,
    /// Required for, and only for, `agency` users.
    #[serde(default)]
    pub agency: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
}

impl TryFrom<CreateUserRequest> for NewUser {
    type Error = AppError;

    fn try_from(request: CreateUserRequest) -> Result<NewUser, AppError> {
        let role =
            Role::parse(&request.role).map_err(|e| AppError::invalid("role", e.to_string()))?;
        Ok(NewUser::parse(
            &request.username,
            request.display_name.as_deref(),
            role,
            request.agency.as_deref(),
            request.region.as_deref(),
            &request.password,
        )?)
    }
}

/// Every user, by username.
#[utoipa::path(
    get,
    path = "/users",
    tag = "users",
    responses(
        (status = 200, description = "All users", body = Vec<UserView>),
        (status = 403, description = "Not an administrator", body = ErrorBody),
    )
)]
pub async fn list_users(
    State(state): State<AppState>,
    _admin: Authorized<perm::ManageUsers>,
) -> ApiResult<Json<Vec<UserView>>> {
    let users = state.store.users().await?;
    Ok(Json(users.iter().map(UserView::from).collect()))
}

/// Create a user; audited as `user_created`.
#[utoipa::path(
    post,
    path = "/users",
    tag = "users",
    request_body = CreateUserRequest,
    responses(
        (status = 201, description = "Created", body = UserView),
        (status = 403, description = "Not an administrator, or no CSRF token", body = ErrorBody),
        (status = 409, description = "Username taken", body = ErrorBody),
        (status = 422, description = "A field is unacceptable", body = ErrorBody),
    )
)]
pub async fn create_user(
    State(state): State<AppState>,
    event_id: EventId,
    admin: Authorized<perm::ManageUsers>,
    Json(body): Json<CreateUserRequest>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    let new_user = NewUser::try_from(body)?;
    let user = state
        .store
        .create_user(&new_user, admin.user.username(), &event_id.0, state.now())
        .await?;
    Ok((StatusCode::CREATED, Json(UserView::from(&user))))
}

/// What to change about a user; give at least one field. (No `Debug`: it may hold a password.)
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeUserRequest {
    /// `false` deactivates (sign-in refused, sessions ended, cases move at the next assignment
    /// run); `true` reactivates and clears the sign-in throttle.
    #[serde(default)]
    pub active: Option<bool>,
    /// A new password (same rules as on creation); ends the user's sessions and clears the
    /// sign-in throttle.
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    /// Blank clears it.
    #[serde(default)]
    pub region: Option<String>,
}

/// The user after the change, and what it did.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserChangedView {
    pub user: UserView,
    /// Sessions ended by a deactivation or a new password.
    pub sessions_ended: u64,
    /// Open cases assigned to the user (a deactivated user's move at the next assignment run,
    /// or at once with `POST /cases/reassign`).
    pub open_cases: i64,
}

/// Change a user: deactivate or reactivate, set a new password, change the display name or
/// region. Audited as `user_changed` (never the password). An administrator cannot deactivate
/// their own account.
#[utoipa::path(
    patch,
    path = "/users/{username}",
    tag = "users",
    params(("username" = String, Path, description = "The user to change")),
    request_body = ChangeUserRequest,
    responses(
        (status = 200, description = "Changed", body = UserChangedView),
        (status = 403, description = "Not an administrator, or no CSRF token", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 422, description = "A field is unacceptable, nothing to change, or deactivating yourself", body = ErrorBody),
    )
)]
pub async fn change_user(
    State(state): State<AppState>,
    event_id: EventId,
    admin: Authorized<perm::ManageUsers>,
    Path(username): Path<String>,
    Json(body): Json<ChangeUserRequest>,
) -> ApiResult<Json<UserChangedView>> {
    if username.is_empty() || username.len() > 64 {
        return Err(AppError::NotFound);
    }
    let change = UserChange::parse(
        &username,
        body.active,
        body.password.as_deref(),
        body.display_name.as_deref(),
        body.region.as_deref(),
    )?;
    let changed = state
        .store
        .change_user(
            &username,
            &change,
            admin.user.username(),
            &event_id.0,
            state.now(),
        )
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(UserChangedView {
        user: UserView::from(&changed.user),
        sessions_ended: changed.sessions_ended,
        open_cases: changed.open_cases,
    }))
}
