//! Sign-in rules, without crypto or storage: usernames, password strength, the throttle after
//! repeated failures and when a session has expired.
//!
//! Failed logins are throttled, never locked (OWASP ASVS 2.2.1): failures are counted per
//! account *and client address*, and past a threshold each further attempt from that address
//! must wait, the wait doubling up to a cap. Someone guessing from one address slows only
//! themselves; the account's owner signing in from their own address is not kept out. A second
//! count per address across every account slows one address trying many accounts.
//!
//! Like the rest of the core, nothing here reads a clock: every decision takes `now`.

use chrono::{DateTime, TimeDelta, Utc};

/// How sign-in and sessions behave; every figure is configurable (`[server]` in recoup.toml).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthPolicy {
    /// Failures for one account from one address before that address must wait.
    pub throttle_after: u32,
    /// Failures from one address, whatever the accounts, before the address must wait.
    pub address_throttle_after: u32,
    /// The first wait; each further failure doubles it.
    pub throttle_first_wait: TimeDelta,
    /// The longest wait.
    pub throttle_max_wait: TimeDelta,
    /// Failures older than this, with none since, are forgotten.
    pub throttle_forget: TimeDelta,
    /// A session unused for this long has expired.
    pub session_idle: TimeDelta,
    /// A session older than this has expired, however busy.
    pub session_absolute: TimeDelta,
}

impl Default for AuthPolicy {
    /// Five failures for an account from one address (fifty from one address in all) start
    /// waits of 30 seconds doubling to 15 minutes; an hour without failures forgets them.
    /// Sessions last 30 idle minutes, 12 hours at most (a working day).
    fn default() -> AuthPolicy {
        AuthPolicy {
            throttle_after: 5,
            address_throttle_after: 50,
            throttle_first_wait: TimeDelta::seconds(30),
            throttle_max_wait: TimeDelta::minutes(15),
            throttle_forget: TimeDelta::hours(1),
            session_idle: TimeDelta::minutes(30),
            session_absolute: TimeDelta::hours(12),
        }
    }
}

/// The failures counted for one key (an account at an address, or an address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    /// Failures counted since the last success or the last quiet period.
    pub failures: u32,
    /// When the last failure happened.
    pub last_failure: DateTime<Utc>,
    /// Attempts before this instant are refused without checking the password.
    pub wait_until: Option<DateTime<Utc>>,
}

impl AuthPolicy {
    /// How long an attempt at `now` must still wait, if at all.
    pub fn wait_left(&self, throttle: Option<&Throttle>, now: DateTime<Utc>) -> Option<TimeDelta> {
        let until = throttle?.wait_until?;
        (now < until).then(|| until - now)
    }

    /// The count after one more failure at `now`, for a key whose threshold is `threshold`
    /// ([`AuthPolicy::throttle_after`] or [`AuthPolicy::address_throttle_after`]). The
    /// threshold-th failure starts a wait of `throttle_first_wait`; each one after doubles it,
    /// up to `throttle_max_wait`.
    pub fn after_failure(
        &self,
        previous: Option<&Throttle>,
        threshold: u32,
        now: DateTime<Utc>,
    ) -> Throttle {
        let failures = match previous {
            Some(p) if now - p.last_failure < self.throttle_forget => p.failures.saturating_add(1),
            _ => 1,
        };
        let threshold = threshold.max(1);
        let wait_until = (failures >= threshold).then(|| {
            // Past 2^40 times the first wait any cap is reached; the shift cannot overflow.
            let doublings = (failures - threshold).min(40);
            let millis = self
                .throttle_first_wait
                .num_milliseconds()
                .saturating_mul(1_i64 << doublings)
                .min(self.throttle_max_wait.num_milliseconds());
            let wait = TimeDelta::milliseconds(millis);
            now + wait
        });
        Throttle {
            failures,
            last_failure: now,
            wait_until,
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
    fn waits_start_at_the_threshold_double_and_stop_at_the_cap() {
        let policy = AuthPolicy {
            throttle_after: 3,
            throttle_first_wait: TimeDelta::minutes(1),
            throttle_max_wait: TimeDelta::minutes(5),
            ..AuthPolicy::default()
        };
        let first = policy.after_failure(None, 3, at(0));
        assert_eq!((first.failures, first.wait_until), (1, None));
        let second = policy.after_failure(Some(&first), 3, at(1));
        assert_eq!(second.wait_until, None);
        assert_eq!(policy.wait_left(Some(&second), at(1)), None);
        let third = policy.after_failure(Some(&second), 3, at(2));
        assert_eq!(third.wait_until, Some(at(3)));
        assert_eq!(
            policy.wait_left(Some(&third), at(2)),
            Some(TimeDelta::minutes(1))
        );
        assert_eq!(policy.wait_left(Some(&third), at(3)), None);
        let fourth = policy.after_failure(Some(&third), 3, at(3));
        assert_eq!(fourth.wait_until, Some(at(5)), "doubled");
        let fifth = policy.after_failure(Some(&fourth), 3, at(5));
        assert_eq!(fifth.wait_until, Some(at(9)));
        let sixth = policy.after_failure(Some(&fifth), 3, at(9));
        assert_eq!(sixth.wait_until, Some(at(14)), "capped at five minutes");
        let mut many = sixth;
        for minute in 0..200 {
            many = policy.after_failure(Some(&many), 3, at(20 + minute));
        }
        assert_eq!(
            many.wait_until,
            Some(at(219 + 5)),
            "no overflow after many failures"
        );
    }

    #[test]
    fn a_quiet_period_forgets_the_failures() {
        let policy = AuthPolicy {
            throttle_forget: TimeDelta::minutes(60),
            ..AuthPolicy::default()
        };
        let first = policy.after_failure(None, 5, at(0));
        let second = policy.after_failure(Some(&first), 5, at(59));
        assert_eq!(second.failures, 2);
        let later = policy.after_failure(Some(&second), 5, at(59 + 60));
        assert_eq!(later.failures, 1);
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
