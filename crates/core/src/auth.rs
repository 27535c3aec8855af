//! Sign-in rules, without crypto or storage: usernames, password strength, the lockout after
//! repeated failures and when a session has expired.
//!
//! Like the rest of the core, nothing here reads a clock: every decision takes `now`.

use chrono::{DateTime, TimeDelta, Utc};

/// How sign-in and sessions behave; every figure is configurable (`[server]` in recoup.toml).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthPolicy {
    /// Consecutive failed logins that lock an account.
    pub lockout_threshold: u32,
    /// How long a locked account stays locked.
    pub lockout_duration: TimeDelta,
    /// A session unused for this long has expired.
    pub session_idle: TimeDelta,
    /// A session older than this has expired, however busy.
    pub session_absolute: TimeDelta,
}

impl Default for AuthPolicy {
    /// Five failures lock for fifteen minutes; sessions last 30 idle minutes, 12 hours at most
    /// (a working day).
    fn default() -> AuthPolicy {
        AuthPolicy {
            lockout_threshold: 5,
            lockout_duration: TimeDelta::minutes(15),
            session_idle: TimeDelta::minutes(30),
            session_absolute: TimeDelta::hours(12),
        }
    }
}

/// What a failed login does to the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AfterFailure {
    /// The consecutive-failure count to store.
    pub failed_logins: u32,
    /// Set when this failure locks the account: locked until then.
    pub locked_until: Option<DateTime<Utc>>,
}

impl AuthPolicy {
    /// Whether an account with this lock is locked at `now`.
    pub fn is_locked(&self, locked_until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
        locked_until.is_some_and(|until| now < until)
    }

    /// The account state after one more failed login. Reaching the threshold locks the account
    /// and restarts the count, so the next failures after the lock ends lock it again only after
    /// another full run of failures.
    pub fn after_failure(&self, failed_logins: u32, now: DateTime<Utc>) -> AfterFailure {
        let failed_logins = failed_logins.saturating_add(1);
        if failed_logins >= self.lockout_threshold.max(1) {
            AfterFailure {
                failed_logins: 0,
                locked_until: Some(now + self.lockout_duration),
            }
        } else {
            AfterFailure {
                failed_logins,
                locked_until: None,
            }
        }
    }

    /// When a session created at `created` expires for good.
    pub fn session_expires(&self, created: DateTime<Utc>) -> DateTime<Utc> {
        created + self.session_absolute
    }

    /// Whether a session is still valid at `now`.
    pub fn session_alive(
        &self,
        expires_at: DateTime<Utc>,
        last_seen: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> bool {
        now < expires_at && now < last_seen + self.session_idle
    }
}

/// A login name: 1–64 characters of ASCII letters, digits, `.`, `_`, `-`; stored lower case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Username(String);

/// Why a username or password was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    #[error("username must be 1 to 64 characters")]
    UsernameLength,
    #[error("username may contain only letters a-z, digits, `.`, `_` and `-`")]
    UsernameCharacters,
    #[error("password must be at least {min} characters")]
    PasswordTooShort { min: usize },
    #[error("password must be at most {max} characters")]
    PasswordTooLong { max: usize },
    #[error("password is too weak: {reason}")]
    PasswordWeak { reason: &'static str },
}

impl Username {
    /// Checks and lower-cases a username.
    pub fn parse(text: &str) -> Result<Username, CredentialError> {
        if text.is_empty() || text.chars().count() > 64 {
            return Err(CredentialError::UsernameLength);
        }
        if !text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(CredentialError::UsernameCharacters);
        }
        Ok(Username(text.to_ascii_lowercase()))
    }
}

impl AsRef<str> for Username {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Shortest password accepted for a new user.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest password accepted (argon2 takes any length; this bounds the work per login).
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Checks a new password: long enough, not one repeated character, not the username, not a
/// well-known weak password. Login never applies this (old passwords keep working).
pub fn check_new_password(username: &Username, password: &str) -> Result<(), CredentialError> {
    let n_chars = password.chars().count();
    if n_chars < MIN_PASSWORD_CHARS {
        return Err(CredentialError::PasswordTooShort {
            min: MIN_PASSWORD_CHARS,
        });
    }
    if n_chars > MAX_PASSWORD_CHARS {
        return Err(CredentialError::PasswordTooLong {
            max: MAX_PASSWORD_CHARS,
        });
    }
    let lower = password.to_lowercase();
    let mut distinct: Vec<char> = lower.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 4 {
        return Err(CredentialError::PasswordWeak {
            reason: "it uses fewer than 4 different characters",
        });
    }
    if lower.contains(username.as_ref()) {
        return Err(CredentialError::PasswordWeak {
            reason: "it contains the username",
        });
    }
    const COMMON: [&str; 8] = [
        "password",
        "123456789",
        "qwertyuiop",
        "1234567890",
        "iloveyou",
        "admin123",
        "abc123456",
        "88888888",
    ];
    if COMMON.iter().any(|common| lower.contains(common)) {
        return Err(CredentialError::PasswordWeak {
            reason: "it contains a well-known password",
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + minutes * 60, 0).unwrap()
    }

    #[test]
    fn the_threshold_th_failure_locks_for_the_lockout_duration() {
        let policy = AuthPolicy {
            lockout_threshold: 3,
            lockout_duration: TimeDelta::minutes(10),
            ..AuthPolicy::default()
        };
        let first = policy.after_failure(0, at(0));
        assert_eq!(first.failed_logins, 1);
        assert_eq!(first.locked_until, None);
        let second = policy.after_failure(first.failed_logins, at(1));
        assert_eq!(second.locked_until, None);
        let third = policy.after_failure(second.failed_logins, at(2));
        assert_eq!(third.locked_until, Some(at(12)));
        assert_eq!(third.failed_logins, 0);
        assert!(policy.is_locked(third.locked_until, at(11)));
        assert!(!policy.is_locked(third.locked_until, at(12)));
        assert!(!policy.is_locked(None, at(0)));
    }

    #[test]
    fn sessions_expire_when_idle_or_too_old() {
        let policy = AuthPolicy {
            session_idle: TimeDelta::minutes(30),
            session_absolute: TimeDelta::minutes(120),
            ..AuthPolicy::default()
        };
        let expires = policy.session_expires(at(0));
        assert!(policy.session_alive(expires, at(0), at(29)));
        assert!(!policy.session_alive(expires, at(0), at(30)));
        assert!(policy.session_alive(expires, at(100), at(119)));
        assert!(!policy.session_alive(expires, at(119), at(120)));
    }

    #[test]
    fn usernames_are_checked_and_lower_cased() {
        assert_eq!(
            Username::parse("Collector1").unwrap().as_ref(),
            "collector1"
        );
        assert_eq!(Username::parse(""), Err(CredentialError::UsernameLength));
        assert_eq!(
            Username::parse("张三"),
            Err(CredentialError::UsernameCharacters)
        );
        assert_eq!(
            Username::parse("a b"),
            Err(CredentialError::UsernameCharacters)
        );
    }

    #[test]
    fn weak_passwords_are_refused_with_the_reason() {
        let user = Username::parse("collector1").unwrap();
        for (password, why) in [
            ("", "empty"),
            ("short", "too short"),
            ("aaaaaaaaaaaa", "one character"),
            ("collector1-pass", "contains the username"),
            ("mypassword1", "common"),
        ] {
            assert!(check_new_password(&user, password).is_err(), "{why}");
        }
        assert!(check_new_password(&user, "recoup-demo").is_ok());
        assert!(check_new_password(&user, "催收系统的密码很长很安全").is_ok());
    }
}
