//! Users, passwords and sessions: creating users, signing in with a throttle after repeated
//! failures (per account and client address, never a lock: see `throttle`), finding the
//! session behind a token, signing out — each change audited.
//!
//! Passwords are stored only as argon2id PHC strings. A session token is 32 random bytes shown
//! to the client once; the database keeps only its SHA-256, so a copy of the database does not
//! let anyone sign in. Nothing here logs a password, a token or a hash.

use std::sync::OnceLock;

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{DateTime, TimeDelta, Utc};
use recoup_core::auth::{check_new_password, AuthPolicy, Username};
use recoup_core::role::Role;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{Any, FromRow, Row, Transaction};

use crate::db::audit::{self, AuditAction, AuditEvent};
use crate::db::error::StoreError;
use crate::db::sql::{dialect, hex, instant_text, parse_instant};
use crate::identity::throttle;
use crate::{Backend, Store};

/// The password every demo user gets (`recoup demo`); printed by the demo and in the README.
pub const DEMO_PASSWORD: &str = "recoup-demo";

/// A user as the rest of the system sees it: never the password hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The outside agency of an `agency` user.
    pub agency: Option<String>,
    pub region: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

/// A user to create, checked: built only by [`NewUser::parse`].
#[derive(Clone)]
pub struct NewUser {
    username: Username,
    display_name: String,
    role: Role,
    agency: Option<String>,
    region: Option<String>,
    password: String,
}

/// What an administrator changes about a user, checked: built only by [`UserChange::parse`].
/// Fields left `None` stay as they are.
#[derive(Clone, Default)]
pub struct UserChange {
    active: Option<bool>,
    password: Option<String>,
    display_name: Option<String>,
    /// `Some(None)` clears the region.
    region: Option<Option<String>>,
}

// By hand so the password never reaches a log line through `{:?}`.
impl std::fmt::Debug for UserChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserChange")
            .field("active", &self.active)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("display_name", &self.display_name)
            .field("region", &self.region)
            .finish()
    }
}

impl UserChange {
    /// Checks a change to user `username`: a non-blank display name of at most 100
    /// characters, a region of at most 100 (blank clears it), a strong enough new password,
    /// and at least one thing to change. Errors name the field.
    pub fn parse(
        username: &str,
        active: Option<bool>,
        password: Option<&str>,
        display_name: Option<&str>,
        region: Option<&str>,
    ) -> Result<UserChange, StoreError> {
        let invalid = |field: &'static str, message: String| StoreError::Invalid { field, message };
        let display_name = match display_name.map(str::trim) {
            None => None,
            Some("") => return Err(invalid("display_name", "must not be blank".into())),
            Some(name) if name.chars().count() > 100 => {
                return Err(invalid(
                    "display_name",
                    "must be at most 100 characters".into(),
                ))
            }
            Some(name) => Some(name.to_string()),
        };
        let region = match region.map(str::trim) {
            None => None,
            Some("") => Some(None),
            Some(name) if name.chars().count() > 100 => {
                return Err(invalid("region", "must be at most 100 characters".into()))
            }
            Some(name) => Some(Some(name.to_string())),
        };
        if let Some(password) = password {
            let username =
                Username::parse(username).map_err(|e| invalid("username", e.to_string()))?;
            check_new_password(&username, password)
                .map_err(|e| invalid("password", e.to_string()))?;
        }
        let change = UserChange {
            active,
            password: password.map(str::to_string),
            display_name,
            region,
        };
        if change.active.is_none()
            && change.password.is_none()
            && change.display_name.is_none()
            && change.region.is_none()
        {
            return Err(invalid(
                "active",
                "nothing to change: give active, password, display_name or region".into(),
            ));
        }
        Ok(change)
    }

    /// Whether the change ends the user's sessions (deactivation or a new password).
    fn ends_sessions(&self) -> bool {
        self.active == Some(false) || self.password.is_some()
    }
}

/// A user after a change, and what the change did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserChanged {
    pub user: User,
    /// Sessions ended (deactivation and a new password sign the user out everywhere).
    pub sessions_ended: u64,
    /// Open cases assigned to the user; a deactivated user's cases move at the next
    /// assignment run, or at once through a manager's reassignment.
    pub open_cases: i64,
}

// By hand so the password never reaches a log line through `{:?}`.
impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("username", &self.username)
            .field("display_name", &self.display_name)
            .field("role", &self.role)
            .field("agency", &self.agency)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

/// A successful sign-in: the token and CSRF token to hand to the client, once.
#[derive(Clone)]
pub struct NewSession {
    /// The bearer token and cookie value. Only its SHA-256 is stored.
    pub token: String,
    /// Must accompany state-changing requests authenticated by the cookie (`X-CSRF-Token`).
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
    pub user: User,
}

impl std::fmt::Debug for NewSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSession")
            .field("expires_at", &self.expires_at)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// What a sign-in attempt came to. A refusal does not say why: wrong password, unknown user or
/// inactive account all look the same to the caller (the audit log tells them apart).
#[derive(Debug, Clone)]
pub enum LoginOutcome {
    SignedIn(NewSession),
    Refused,
    /// Too many failures for this account from this address (or from this address in all):
    /// try again after `retry_after`. The password was not checked. Unknown usernames are
    /// throttled the same way, so this reveals nothing about which exist.
    Throttled {
        retry_after: TimeDelta,
    },
}

/// The user behind a live session.
#[derive(Clone)]
pub struct SessionUser {
    pub user: User,
    /// The SHA-256 of the token, which identifies the session (for sign-out).
    pub session_id: String,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for SessionUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionUser")
            .field("user", &self.user)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// One demo user as created by [`Store::create_demo_users`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoUser {
    pub username: &'static str,
    pub display_name: &'static str,
    pub role: Role,
    pub agency: Option<&'static str>,
    pub region: Option<&'static str>,
}

/// Counts for the server's gauges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Gauges {
    pub loans: i64,
    pub open_cases: i64,
    pub active_users: i64,
    pub live_sessions: i64,
}

/// The demo's users: one per role, two collectors; all with [`DEMO_PASSWORD`].
pub const DEMO_USERS: [DemoUser; 9] = [
    DemoUser {
        username: "admin",
        display_name: "系统管理员",
        role: Role::Admin,
        agency: None,
        region: None,
    },
    DemoUser {
        username: "manager",
        display_name: "王经理",
        role: Role::Manager,
        agency: None,
        region: None,
    },
    DemoUser {
        username: "collector1",
        display_name: "李催收",
        role: Role::Collector,
        agency: None,
        region: Some("华北"),
    },
    DemoUser {
        username: "collector2",
        display_name: "张催收",
        role: Role::Collector,
        agency: None,
        region: Some("华东"),
    },
    DemoUser {
        username: "field1",
        display_name: "赵外访",
        role: Role::FieldAgent,
        agency: None,
        region: Some("华北"),
    },
    DemoUser {
        username: "legal",
        display_name: "陈法务",
        role: Role::Legal,
        agency: None,
        region: None,
    },
    DemoUser {
        username: "recovery",
        display_name: "刘资产",
        role: Role::Recovery,
        agency: None,
        region: None,
    },
    DemoUser {
        username: "compliance",
        display_name: "周合规",
        role: Role::Compliance,
        agency: None,
        region: None,
    },
    DemoUser {
        username: "agency1",
        display_name: "孙委外",
        role: Role::Agency,
        agency: Some("华信催收服务有限公司"),
        region: None,
    },
];

impl NewUser {
    /// Checks a user to create: a valid username, a display name (the username if none), an
    /// agency exactly when the role is `agency`, and a strong enough password. Errors name the
    /// field.
    pub fn parse(
        username: &str,
        display_name: Option<&str>,
        role: Role,
        agency: Option<&str>,
        region: Option<&str>,
        password: &str,
    ) -> Result<NewUser, StoreError> {
        let invalid = |field: &'static str, message: String| StoreError::Invalid { field, message };
        let username = Username::parse(username).map_err(|e| invalid("username", e.to_string()))?;
        let display_name = match display_name.map(str::trim) {
            None => username.as_ref().to_string(),
            Some("") => return Err(invalid("display_name", "must not be blank".into())),
            Some(name) if name.chars().count() > 100 => {
                return Err(invalid(
                    "display_name",
                    "must be at most 100 characters".into(),
                ))
            }
            Some(name) => name.to_string(),
        };
        let agency = match (role.is_agency(), agency.map(str::trim)) {
            (true, None | Some("")) => {
                return Err(invalid(
                    "agency",
                    "an agency user must name their agency".into(),
                ))
            }
            (true, Some(name)) if name.chars().count() > 200 => {
                return Err(invalid("agency", "must be at most 200 characters".into()))
            }
            (true, Some(name)) => Some(name.to_string()),
            (false, None) => None,
            (false, Some(_)) => {
                return Err(invalid(
                    "agency",
                    format!("only agency users belong to an agency, not {role} users"),
                ))
            }
        };
        let region = match region.map(str::trim) {
            None | Some("") => None,
            Some(name) if name.chars().count() > 100 => {
                return Err(invalid("region", "must be at most 100 characters".into()))
            }
            Some(name) => Some(name.to_string()),
        };
        check_new_password(&username, password).map_err(|e| invalid("password", e.to_string()))?;
        Ok(NewUser {
            username,
            display_name,
            role,
            agency,
            region,
            password: password.to_string(),
        })
    }

    pub fn username(&self) -> &str {
        self.username.as_ref()
    }
}

/// Hashes a password with argon2id (the crate's defaults: 19 MiB, 2 passes, 1 lane — OWASP's
/// recommendation) and a random salt; returns the PHC string.
pub fn hash_password(password: &str) -> Result<String, StoreError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| StoreError::PasswordHash(e.to_string()))
}

/// Whether `password` matches the PHC string `stored`. A malformed stored hash is a mismatch
/// (and logged), not an error the caller could tell apart from a wrong password.
pub fn verify_password(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => {
            tracing::error!("a stored password hash is malformed");
            false
        }
    }
}

/// A hash to check against when the user does not exist, so an unknown username costs the
/// same time as a wrong password and response times do not tell which usernames exist.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_password("recoup decoy password").unwrap_or_default())
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, StoreError> {
    // argon2 takes tens of milliseconds of CPU by design; keep it off the async workers.
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| StoreError::PasswordHash(format!("hashing task failed: {e}")))
}

/// 32 random bytes as hex: session tokens and CSRF tokens.
fn random_token() -> String {
    let mut bytes = [0_u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

/// The stored identity of a session token.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

const USER_COLUMNS: &str = "id, username, display_name, role, agency, region, active, created_at";

/// A user row as stored, read by column name; role and instant are still TEXT.
#[derive(sqlx::FromRow)]
struct RawUser {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    agency: Option<String>,
    region: Option<String>,
    active: i64,
    created_at: String,
}

fn user_row(row: &sqlx::any::AnyRow) -> Result<User, StoreError> {
    let raw = RawUser::from_row(row)?;
    Ok(User {
        id: raw.id,
        username: raw.username,
        display_name: raw.display_name,
        role: Role::parse(&raw.role).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        agency: raw.agency,
        region: raw.region,
        active: raw.active != 0,
        created_at: parse_instant(&raw.created_at)?,
    })
}

/// How often a session's `last_seen_at` is written: a busy client would otherwise turn every
/// read into a write, and SQLite has one writer.
const LAST_SEEN_GRANULARITY: TimeDelta = TimeDelta::seconds(60);

impl Store {
    /// Creates a user (hashing the password) and audits it in the same transaction. A taken
    /// username is a [`StoreError::Conflict`] on `username`.
    pub async fn create_user(
        &self,
        new_user: &NewUser,
        actor: &str,
        event_id: &str,
        now: DateTime<Utc>,
    ) -> Result<User, StoreError> {
        let password = new_user.password.clone();
        let password_hash = blocking(move || hash_password(&password)).await??;
        let mut tx = self.pool.begin().await?;
        let user = insert_user(&mut tx, self.backend, new_user, &password_hash, now).await?;
        audit::append(
            &mut tx,
            self.backend,
            now,
            &AuditEvent {
                actor: actor.to_string(),
                action: AuditAction::UserCreated,
                subject: format!("user:{}", user.username),
                detail: json!({
                    "role": user.role.code(),
                    "display_name": user.display_name,
                    "agency": user.agency,
                    "region": user.region,
                }),
                event_id: event_id.to_string(),
            },
        )
        .await?;
        tx.commit().await?;
        tracing::info!(username = %user.username, role = %user.role, "user created");
        Ok(user)
    }

    /// Changes user `username` as `actor` and audits it (`user_changed`) in the same
    /// transaction. Deactivating or setting a password ends the user's sessions; reactivating
    /// or setting a password also clears the sign-in throttle. Returns `None` when there is no such user.
    /// Administrators cannot deactivate themselves (so one always remains), a
    /// [`StoreError::Invalid`] on `active`.
    pub async fn change_user(
        &self,
        username: &str,
        change: &UserChange,
        actor: &str,
        event_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<UserChanged>, StoreError> {
        if change.active == Some(false) && username == actor {
            return Err(StoreError::Invalid {
                field: "active",
                message: "you cannot deactivate your own account".into(),
            });
        }
        let password_hash = match change.password.clone() {
            Some(password) => Some(blocking(move || hash_password(&password)).await??),
            None => None,
        };
        let mut tx = self.pool.begin().await?;
        let Some(row) = sqlx::query(&dialect(
            self.backend,
            &format!("SELECT {USER_COLUMNS} FROM app_user WHERE username = ?"),
        ))
        .bind(username)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(None);
        };
        let before = user_row(&row)?;
        update_user(
            &mut tx,
            self.backend,
            before.id,
            change,
            password_hash.as_deref(),
        )
        .await?;
        let unlock = change.active == Some(true) || password_hash.is_some();
        let throttles_cleared = if unlock {
            throttle::clear_account(&mut tx, self.backend, username).await?
        } else {
            0
        };
        let sessions_ended = if change.ends_sessions() {
            sqlx::query(&dialect(
                self.backend,
                "DELETE FROM user_session WHERE user_id = ?",
            ))
            .bind(before.id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        } else {
            0
        };
        let open_cases: i64 = sqlx::query_scalar(&dialect(
            self.backend,
            "SELECT COUNT(*) FROM collection_case WHERE status = 'open' AND assignee = ?",
        ))
        .bind(username)
        .fetch_one(&mut *tx)
        .await?;
        let event = AuditEvent {
            actor: actor.to_string(),
            action: AuditAction::UserChanged,
            subject: format!("user:{username}"),
            detail: json!({
                "active": change.active,
                "password_set": password_hash.is_some(),
                "display_name": change.display_name,
                "region": change.region,
                "sessions_ended": sessions_ended,
                "throttles_cleared": throttles_cleared,
                "open_cases": open_cases,
            }),
            event_id: event_id.to_string(),
        };
        audit::append(&mut tx, self.backend, now, &event).await?;
        let row = sqlx::query(&dialect(
            self.backend,
            &format!("SELECT {USER_COLUMNS} FROM app_user WHERE id = ?"),
        ))
        .bind(before.id)
        .fetch_one(&mut *tx)
        .await?;
        let user = user_row(&row)?;
        tx.commit().await?;
        tracing::info!(username = %username, active = ?change.active, password_set = password_hash.is_some(), "user changed");
        Ok(Some(UserChanged {
            user,
            sessions_ended,
            open_cases,
        }))
    }

    /// Creates the demo users ([`DEMO_USERS`], password [`DEMO_PASSWORD`]); returns them.
    pub async fn create_demo_users(
        &self,
        now: DateTime<Utc>,
    ) -> Result<&'static [DemoUser], StoreError> {
        for demo in &DEMO_USERS {
            let new_user = NewUser::parse(
                demo.username,
                Some(demo.display_name),
                demo.role,
                demo.agency,
                demo.region,
                DEMO_PASSWORD,
            )?;
            self.create_user(&new_user, "system", "", now).await?;
        }
        Ok(&DEMO_USERS)
    }

    /// Every user, by username.
    pub async fn users(&self) -> Result<Vec<User>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM app_user ORDER BY username"
        ))
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(user_row).collect()
    }

    /// Signs a user in from `client` (the caller's address): applies the throttle, checks the
    /// password, creates a session and audits the attempt. See [`LoginOutcome`] for why
    /// refusals all look alike.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        client: &str,
        policy: &AuthPolicy,
        event_id: &str,
        now: DateTime<Utc>,
    ) -> Result<LoginOutcome, StoreError> {
        // Long names are cut before they reach the audit log or the throttle; they cannot
        // exist anyway.
        let given: String = username.chars().take(64).collect::<String>().to_lowercase();
        let counts = self.throttle_counts(&given, client).await?;
        if let Some(wait) = counts.wait_left(policy, now) {
            return self
                .refuse_throttled(&given, client, wait, event_id, now)
                .await;
        }
        let Some(row) = self.login_row(username).await? else {
            // The same password check as for a known user, so timing does not tell them apart.
            let password = password.to_string();
            blocking(move || verify_password(&password, decoy_hash())).await?;
            tracing::info!("login refused: unknown user");
            return self
                .record_failed_login(
                    &given,
                    client,
                    "unknown_user",
                    &counts,
                    policy,
                    event_id,
                    now,
                )
                .await;
        };
        let user = user_row(&row)?;
        let stored_hash: String = row.try_get("password_hash")?;
        let password = password.to_string();
        let matches = blocking(move || verify_password(&password, &stored_hash)).await?;
        if !user.active {
            tracing::info!(username = %user.username, "login refused: account inactive");
            return self
                .record_failed_login(&given, client, "inactive", &counts, policy, event_id, now)
                .await;
        }
        if !matches {
            tracing::info!(username = %user.username, "login refused: wrong password");
            return self
                .record_failed_login(
                    &given,
                    client,
                    "wrong_password",
                    &counts,
                    policy,
                    event_id,
                    now,
                )
                .await;
        }
        let session = self
            .start_session(user, client, policy, event_id, now)
            .await?;
        Ok(LoginOutcome::SignedIn(session))
    }

    /// Audits a sign-in refused because a wait is running, and says how long is left.
    async fn refuse_throttled(
        &self,
        given: &str,
        client: &str,
        wait: TimeDelta,
        event_id: &str,
        now: DateTime<Utc>,
    ) -> Result<LoginOutcome, StoreError> {
        let mut event = refusal(given, "throttled", event_id);
        event.detail = json!({
            "reason": "throttled",
            "client": client,
            "retry_after_seconds": wait.num_seconds().max(1),
        });
        self.append_audit(now, &event).await?;
        tracing::info!(client, "login refused: throttled");
        Ok(LoginOutcome::Throttled { retry_after: wait })
    }

    /// The user row (with its password hash) for a sign-in name; `None` for a name that is
    /// not a valid username or not stored.
    async fn login_row(&self, username: &str) -> Result<Option<AnyRow>, StoreError> {
        let Ok(name) = Username::parse(username) else {
            return Ok(None);
        };
        let sql = dialect(
            self.backend,
            &format!("SELECT {USER_COLUMNS}, password_hash FROM app_user WHERE username = ?"),
        )
        .into_owned();
        Ok(sqlx::query(&sql)
            .bind(name.as_ref())
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Opens a session for `user`, who gave the right password: clears the failures for the
    /// account at `client`, stores the session (by its token's hash) and audits the sign-in.
    async fn start_session(
        &self,
        user: User,
        client: &str,
        policy: &AuthPolicy,
        event_id: &str,
        now: DateTime<Utc>,
    ) -> Result<NewSession, StoreError> {
        let token = random_token();
        let csrf_token = random_token();
        let expires_at = policy.session_expires(now);
        let mut tx = self.pool.begin().await?;
        throttle::clear_account_at(&mut tx, self.backend, &user.username, client).await?;
        let sql = dialect(
            self.backend,
            "INSERT INTO user_session (token_hash, user_id, csrf_token, created_at, expires_at, last_seen_at) \
             VALUES (?, ?, ?, ?, ?, ?)",
        );
        let now_text = instant_text(now);
        sqlx::query(&sql)
            .bind(token_hash(&token))
            .bind(user.id)
            .bind(csrf_token.as_str())
            .bind(now_text.as_str())
            .bind(instant_text(expires_at))
            .bind(now_text.as_str())
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            self.backend,
            now,
            &AuditEvent {
                actor: user.username.clone(),
                action: AuditAction::Login,
                subject: format!("user:{}", user.username),
                detail: json!({ "expires_at": instant_text(expires_at), "client": client }),
                event_id: event_id.to_string(),
            },
        )
        .await?;
        tx.commit().await?;
        tracing::info!(username = %user.username, "signed in");
        Ok(NewSession {
            token,
            csrf_token,
            expires_at,
            user,
        })
    }

    /// Counts a failed login for the account at `client` and for `client`, audits it, and
    /// audits the start of a wait when this failure starts one.
    #[allow(clippy::too_many_arguments)]
    async fn record_failed_login(
        &self,
        username: &str,
        client: &str,
        reason: &str,
        counts: &throttle::Counts,
        policy: &AuthPolicy,
        event_id: &str,
        now: DateTime<Utc>,
    ) -> Result<LoginOutcome, StoreError> {
        let mut tx = self.pool.begin().await?;
        let after =
            throttle::record_failure(&mut tx, self.backend, username, client, counts, policy, now)
                .await?;
        let mut event = refusal(username, reason, event_id);
        event.detail = json!({ "reason": reason, "client": client });
        audit::append(&mut tx, self.backend, now, &event).await?;
        for (scope, count) in [("account", after.account), ("address", after.address)] {
            let Some(until) = count.wait_until else {
                continue;
            };
            audit::append(
                &mut tx,
                self.backend,
                now,
                &AuditEvent {
                    actor: "system".into(),
                    action: AuditAction::LoginThrottled,
                    subject: format!("user:{username}"),
                    detail: json!({
                        "scope": scope,
                        "client": client,
                        "failures": count.failures,
                        "wait_until": instant_text(until),
                    }),
                    event_id: event_id.to_string(),
                },
            )
            .await?;
            tracing::warn!(client, scope, "sign-in throttled after repeated failures");
        }
        tx.commit().await?;
        Ok(LoginOutcome::Refused)
    }

    /// The user behind a session token, if the session is alive at `now` and the user active.
    /// Touches `last_seen_at` (at most once a minute) to keep the session from going idle.
    pub async fn session_user(
        &self,
        token: &str,
        policy: &AuthPolicy,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionUser>, StoreError> {
        let session_id = token_hash(token);
        let sql = dialect(
            self.backend,
            "SELECT u.id AS id, u.username AS username, u.display_name AS display_name, u.role AS role, \
             u.agency AS agency, u.region AS region, u.active AS active, u.created_at AS created_at, \
             s.csrf_token AS csrf_token, s.expires_at AS expires_at, s.last_seen_at AS last_seen_at \
             FROM user_session s JOIN app_user u ON u.id = s.user_id WHERE s.token_hash = ?",
        )
        .into_owned();
        let Some(row) = sqlx::query(&sql)
            .bind(session_id.as_str())
            .fetch_optional(self.reader())
            .await?
        else {
            return Ok(None);
        };
        let user = user_row(&row)?;
        let csrf_token: String = row.try_get("csrf_token")?;
        let expires_at = parse_instant(&row.try_get::<String, _>("expires_at")?)?;
        let last_seen = parse_instant(&row.try_get::<String, _>("last_seen_at")?)?;
        if !user.active || !policy.session_alive(expires_at, last_seen, now) {
            return Ok(None);
        }
        if now - last_seen >= LAST_SEEN_GRANULARITY {
            let sql = dialect(
                self.backend,
                "UPDATE user_session SET last_seen_at = ? WHERE token_hash = ?",
            );
            sqlx::query(&sql)
                .bind(instant_text(now))
                .bind(session_id.as_str())
                .execute(&self.pool)
                .await?;
        }
        Ok(Some(SessionUser {
            user,
            session_id,
            csrf_token,
            expires_at,
        }))
    }

    /// Ends a session and audits the sign-out.
    pub async fn logout(
        &self,
        session: &SessionUser,
        event_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let sql = dialect(
            self.backend,
            "DELETE FROM user_session WHERE token_hash = ?",
        );
        sqlx::query(&sql)
            .bind(session.session_id.as_str())
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            self.backend,
            now,
            &AuditEvent {
                actor: session.user.username.clone(),
                action: AuditAction::Logout,
                subject: format!("user:{}", session.user.username),
                detail: json!({}),
                event_id: event_id.to_string(),
            },
        )
        .await?;
        tx.commit().await?;
        tracing::info!(username = %session.user.username, "signed out");
        Ok(())
    }

    /// Counts for the server's gauges at `now`.
    pub async fn gauges(&self, now: DateTime<Utc>) -> Result<Gauges, StoreError> {
        let sql = dialect(
            self.backend,
            "SELECT (SELECT COUNT(*) FROM loan WHERE status = 'active') AS loans, \
             (SELECT COUNT(*) FROM collection_case WHERE status = 'open') AS open_cases, \
             (SELECT COUNT(*) FROM app_user WHERE active = 1) AS active_users, \
             (SELECT COUNT(*) FROM user_session WHERE expires_at > ?) AS live_sessions",
        )
        .into_owned();
        let row = sqlx::query(&sql)
            .bind(instant_text(now))
            .fetch_one(self.reader())
            .await?;
        Ok(Gauges {
            loans: row.try_get("loans")?,
            open_cases: row.try_get("open_cases")?,
            active_users: row.try_get("active_users")?,
            live_sessions: row.try_get("live_sessions")?,
        })
    }
}

/// Writes the fields a change sets on user `id` (the password as its hash), in one UPDATE.
async fn update_user(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    id: i64,
    change: &UserChange,
    password_hash: Option<&str>,
) -> Result<(), StoreError> {
    let mut sets: Vec<&str> = Vec::new();
    if change.active.is_some() {
        sets.push("active = ?");
    }
    if password_hash.is_some() {
        sets.push("password_hash = ?");
    }
    if change.display_name.is_some() {
        sets.push("display_name = ?");
    }
    if change.region.is_some() {
        sets.push("region = ?");
    }
    let sql = format!("UPDATE app_user SET {} WHERE id = ?", sets.join(", "));
    let sql = dialect(backend, &sql);
    let mut update = sqlx::query(&sql);
    if let Some(active) = change.active {
        update = update.bind(i64::from(active));
    }
    if let Some(hash) = password_hash {
        update = update.bind(hash);
    }
    if let Some(name) = &change.display_name {
        update = update.bind(name.as_str());
    }
    if let Some(region) = &change.region {
        update = update.bind(region.as_deref());
    }
    update.bind(id).execute(&mut **tx).await?;
    Ok(())
}

fn refusal(username: &str, reason: &str, event_id: &str) -> AuditEvent {
    AuditEvent {
        actor: "anonymous".into(),
        action: AuditAction::LoginFailed,
        subject: format!("user:{username}"),
        detail: json!({ "reason": reason }),
        event_id: event_id.to_string(),
    }
}

async fn insert_user(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    new_user: &NewUser,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<User, StoreError> {
    let sql = dialect(
        backend,
        "INSERT INTO app_user (username, display_name, role, password_hash, agency, region, active, failed_logins, locked_until, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, 1, 0, NULL, ?) RETURNING id",
    );
    let inserted = sqlx::query_scalar::<_, i64>(&sql)
        .bind(new_user.username.as_ref())
        .bind(new_user.display_name.as_str())
        .bind(new_user.role.code())
        .bind(password_hash)
        .bind(new_user.agency.as_deref())
        .bind(new_user.region.as_deref())
        .bind(instant_text(now))
        .fetch_one(&mut **tx)
        .await;
    let id = match inserted {
        Ok(id) => id,
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            return Err(StoreError::Conflict {
                field: "username",
                message: format!("`{}` is already taken", new_user.username.as_ref()),
            })
        }
        Err(e) => return Err(e.into()),
    };
    Ok(User {
        id,
        username: new_user.username.as_ref().to_string(),
        display_name: new_user.display_name.clone(),
        role: new_user.role,
        agency: new_user.agency.clone(),
        region: new_user.region.clone(),
        active: true,
        // The stored text has millisecond precision; return what a read would return.
        created_at: parse_instant(&instant_text(now))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2id_hashes_verify_only_their_own_password() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterY", &hash));
        assert!(!verify_password("", &hash));
        assert!(!verify_password("anything", "not a phc string"));
        // A fresh salt every time.
        assert_ne!(hash, hash_password("correct horse battery").unwrap());
    }

    #[test]
    fn tokens_are_random_and_stored_only_as_their_sha256() {
        let token = random_token();
        assert_eq!(token.len(), 64);
        assert_ne!(token, random_token());
        assert_eq!(token_hash(&token).len(), 64);
        assert_ne!(token_hash(&token), token);
    }

    #[test]
    fn new_users_are_checked_field_by_field() {
        let field_of = |result: Result<NewUser, StoreError>| match result {
            Err(StoreError::Invalid { field, .. }) => field,
            other => panic!("expected a field error, got {other:?}"),
        };
        assert_eq!(
            field_of(NewUser::parse(
                "bad name",
                None,
                Role::Collector,
                None,
                None,
                "long enough pw"
            )),
            "username"
        );
        assert_eq!(
            field_of(NewUser::parse(
                "a1",
                None,
                Role::Agency,
                None,
                None,
                "long enough pw"
            )),
            "agency"
        );
        assert_eq!(
            field_of(NewUser::parse(
                "a1",
                None,
                Role::Collector,
                Some("X"),
                None,
                "long enough pw"
            )),
            "agency"
        );
        assert_eq!(
            field_of(NewUser::parse(
                "a1",
                Some("  "),
                Role::Collector,
                None,
                None,
                "long enough pw"
            )),
            "display_name"
        );
        assert_eq!(
            field_of(NewUser::parse(
                "a1",
                None,
                Role::Collector,
                None,
                None,
                "short"
            )),
            "password"
        );
        let ok = NewUser::parse("A1", None, Role::Collector, None, None, "long enough pw").unwrap();
        assert_eq!(ok.username(), "a1");
        assert!(!format!("{ok:?}").contains("long enough pw"));
    }

    #[test]
    fn every_demo_user_passes_the_new_user_checks() {
        for demo in &DEMO_USERS {
            NewUser::parse(
                demo.username,
                Some(demo.display_name),
                demo.role,
                demo.agency,
                demo.region,
                DEMO_PASSWORD,
            )
            .unwrap();
        }
    }
}
