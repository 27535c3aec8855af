//! Authentication and authorization extractors.
//!
//! A request is authenticated by `Authorization: Bearer TOKEN` (API clients) or by the
//! `recoup_session` cookie (the browser). Either way the token's SHA-256 finds the session in
//! the store. A cookie-authenticated request that changes state (any method but GET, HEAD and
//! OPTIONS) must also carry `X-CSRF-Token` equal to the session's CSRF token: a cross-site page
//! can make the browser send the cookie, but cannot read the token. Bearer requests need no CSRF
//! token because no browser attaches an `Authorization` header by itself.
//!
//! Handlers take [`AuthUser`] for "any signed-in user" or [`Authorized<P>`] for "a user whose
//! role holds permission `P`" (markers in [`perm`]); the check runs before the body is read.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method};
use recoup_core::role::{Permission, Role};
use recoup_store::{SessionUser, User};

use crate::error::AppError;
use crate::state::AppState;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "recoup_session";
/// The header that carries the CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How the request proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    Cookie,
    Bearer,
}

/// A signed-in user (any role).
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub session: SessionUser,
    pub credential: Credential,
}

impl AuthUser {
    pub fn user(&self) -> &User {
        &self.session.user
    }

    pub fn role(&self) -> Role {
        self.session.user.role
    }

    pub fn username(&self) -> &str {
        &self.session.user.username
    }

    /// Refuses (403) unless the user's role holds `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), AppError> {
        if self.role().allows(permission) {
            Ok(())
        } else {
            tracing::info!(
                permission = permission.code(),
                "refused: role lacks permission"
            );
            Err(AppError::Forbidden {
                role: self.role().code(),
                permission: permission.code(),
            })
        }
    }
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (token, credential) = credentials(&parts.headers)?;
        let session = state
            .store
            .session_user(&token, &state.config.auth, state.now())
            .await?
            .ok_or(AppError::Unauthenticated)?;
        if credential == Credential::Cookie && !is_safe(&parts.method) {
            let given = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|value| value.to_str().ok())
                .unwrap_or("");
            if !same_secret(given, &session.csrf_token) {
                tracing::info!(username = %session.user.username, "refused: CSRF token missing or wrong");
                return Err(AppError::Csrf);
            }
        }
        tracing::Span::current().record("user", session.user.username.as_str());
        Ok(AuthUser {
            session,
            credential,
        })
    }
}

/// A permission, as a type, for [`Authorized`].
pub trait RequiredPermission: Send + Sync + 'static {
    const PERMISSION: Permission;
}

/// Permission markers for [`Authorized`]; one per [`Permission`].
pub mod perm {
    use super::{Permission, RequiredPermission};

    /// Holders of [`Permission::ManageUsers`].
    #[derive(Debug)]
    pub struct ManageUsers;
    impl RequiredPermission for ManageUsers {
        const PERMISSION: Permission = Permission::ManageUsers;
    }

    /// Holders of [`Permission::ReadAudit`].
    #[derive(Debug)]
    pub struct ReadAudit;
    impl RequiredPermission for ReadAudit {
        const PERMISSION: Permission = Permission::ReadAudit;
    }

    /// Holders of [`Permission::ViewReports`].
    #[derive(Debug)]
    pub struct ViewReports;
    impl RequiredPermission for ViewReports {
        const PERMISSION: Permission = Permission::ViewReports;
    }

    /// Holders of [`Permission::RequestPlans`].
    #[derive(Debug)]
    pub struct RequestPlans;
    impl RequiredPermission for RequestPlans {
        const PERMISSION: Permission = Permission::RequestPlans;
    }

    /// Holders of [`Permission::ApprovePlans`].
    #[derive(Debug)]
    pub struct ApprovePlans;
    impl RequiredPermission for ApprovePlans {
        const PERMISSION: Permission = Permission::ApprovePlans;
    }

    /// Holders of [`Permission::SendSms`].
    #[derive(Debug)]
    pub struct SendSms;
    impl RequiredPermission for SendSms {
        const PERMISSION: Permission = Permission::SendSms;
    }

    /// Holders of [`Permission::PlaceCalls`].
    #[derive(Debug)]
    pub struct PlaceCalls;
    impl RequiredPermission for PlaceCalls {
        const PERMISSION: Permission = Permission::PlaceCalls;
    }

    /// Holders of [`Permission::ViewCases`].
    #[derive(Debug)]
    pub struct ViewCases;
    impl RequiredPermission for ViewCases {
        const PERMISSION: Permission = Permission::ViewCases;
    }

    /// Holders of [`Permission::WorkCases`].
    #[derive(Debug)]
    pub struct WorkCases;
    impl RequiredPermission for WorkCases {
        const PERMISSION: Permission = Permission::WorkCases;
    }

    /// Holders of [`Permission::AssignCases`].
    #[derive(Debug)]
    pub struct AssignCases;
    impl RequiredPermission for AssignCases {
        const PERMISSION: Permission = Permission::AssignCases;
    }
}

/// A signed-in user whose role holds `P::PERMISSION`; 401 without a session, 403 without the
/// permission.
#[derive(Debug, Clone)]
pub struct Authorized<P: RequiredPermission> {
    pub user: AuthUser,
    permission: PhantomData<P>,
}

impl<P: RequiredPermission> FromRequestParts<AppState> for Authorized<P> {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = AuthUser::from_request_parts(parts, state).await?;
        user.require(P::PERMISSION)?;
        Ok(Authorized {
            user,
            permission: PhantomData,
        })
    }
}

/// The token and how it came. A malformed `Authorization` header is refused rather than
/// falling back to the cookie, so a client never silently acts as someone else.
fn credentials(headers: &HeaderMap) -> Result<(String, Credential), AppError> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let text = value.to_str().map_err(|_| AppError::Unauthenticated)?;
        let token = text
            .strip_prefix("Bearer ")
            .or_else(|| text.strip_prefix("bearer "))
            .map(str::trim)
            .ok_or(AppError::Unauthenticated)?;
        return plausible(token).map(|token| (token, Credential::Bearer));
    }
    let token = cookie(headers, SESSION_COOKIE).ok_or(AppError::Unauthenticated)?;
    plausible(&token).map(|token| (token, Credential::Cookie))
}

/// Tokens are 64 hex digits; anything else cannot be a session, so the store is not asked.
fn plausible(token: &str) -> Result<String, AppError> {
    if token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(token.to_string())
    } else {
        Err(AppError::Unauthenticated)
    }
}

/// The value of cookie `name` in the request's `Cookie` headers.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"').to_string())
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Compares secrets in time independent of where they differ.
fn same_secret(given: &str, expected: &str) -> bool {
    let (given, expected) = (given.as_bytes(), expected.as_bytes());
    if given.len() != expected.len() || expected.is_empty() {
        return false;
    }
    given
        .iter()
        .zip(expected)
        .fold(0_u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

/// The `Set-Cookie` value that stores a session in the browser: HttpOnly (no script reads it),
/// SameSite=Strict (no cross-site request carries it), Path=/, for the session's lifetime, and
/// Secure when configured.
pub(crate) fn session_cookie(token: &str, max_age_seconds: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let text = format!(
        "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{secure}",
        max_age_seconds.max(0)
    );
    HeaderValue::from_str(&text)
        .unwrap_or_else(|_| HeaderValue::from_static("recoup_session=; Max-Age=0"))
}

/// The `Set-Cookie` value that removes the session cookie.
pub(crate) fn cleared_cookie(secure: bool) -> HeaderValue {
    if secure {
        HeaderValue::from_static(
            "recoup_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0; Secure",
        )
    } else {
        HeaderValue::from_static("recoup_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn bearer_wins_and_a_malformed_authorization_header_is_refused() {
        let both = headers(&[
            ("authorization", &format!("Bearer {TOKEN}")),
            ("cookie", "recoup_session=ffff"),
        ]);
        assert_eq!(
            credentials(&both).unwrap(),
            (TOKEN.to_string(), Credential::Bearer)
        );
        let basic = headers(&[
            ("authorization", "Basic YWRtaW46eA=="),
            ("cookie", &format!("recoup_session={TOKEN}")),
        ]);
        assert!(matches!(
            credentials(&basic),
            Err(AppError::Unauthenticated)
        ));
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let jar = headers(&[(
            "cookie",
            &format!("theme=dark; recoup_session={TOKEN}; lang=zh"),
        )]);
        assert_eq!(
            credentials(&jar).unwrap(),
            (TOKEN.to_string(), Credential::Cookie)
        );
        assert!(credentials(&headers(&[("cookie", "recoup_session=short")])).is_err());
        assert!(credentials(&HeaderMap::new()).is_err());
    }

    #[test]
    fn csrf_tokens_must_match_exactly_and_only_changes_need_them() {
        assert!(same_secret("abc123", "abc123"));
        assert!(!same_secret("abc124", "abc123"));
        assert!(!same_secret("abc12", "abc123"));
        assert!(!same_secret("", ""));
        assert!(is_safe(&Method::GET));
        assert!(!is_safe(&Method::POST));
        assert!(!is_safe(&Method::DELETE));
        assert!(!is_safe(&Method::PATCH));
    }

    #[test]
    fn the_session_cookie_is_http_only_and_same_site_strict() {
        let value = session_cookie(TOKEN, 3600, false);
        let text = value.to_str().unwrap();
        assert!(text.contains("HttpOnly"));
        assert!(text.contains("SameSite=Strict"));
        assert!(text.contains("Max-Age=3600"));
        assert!(!text.contains("Secure"));
        assert!(session_cookie(TOKEN, 3600, true)
            .to_str()
            .unwrap()
            .ends_with("; Secure"));
    }
}
