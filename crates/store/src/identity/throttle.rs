//! The sign-in throttle's counts (`login_throttle`): one row per account at a client address and
//! one per address across all accounts (username `*`). The decisions are the core's
//! ([`recoup_core::auth::AuthPolicy::after_failure`]); this module reads and writes the counts.
//!
//! Two failures racing for the same key may count once: the throttle slows guessing, it is not a
//! ledger, and every failure is still audited.

use chrono::{DateTime, Utc};
use recoup_core::auth::{AuthPolicy, Throttle};
use sqlx::{Any, Row, Transaction};

use crate::db::error::StoreError;
use crate::db::sql::{dialect, instant_text, parse_instant};
use crate::{Backend, Store};

/// The username of an address's count across all accounts.
const ANY_ACCOUNT: &str = "*";

/// The counts an attempt is judged by.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Counts {
    /// This account from this address.
    pub account: Option<Throttle>,
    /// This address, every account.
    pub address: Option<Throttle>,
}

/// What one failure did to the counts: the waits it started, if any.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AfterFailure {
    pub account: Throttle,
    pub address: Throttle,
}

impl Counts {
    /// How long an attempt at `now` must still wait, by the longer of the two counts.
    pub fn wait_left(&self, policy: &AuthPolicy, now: DateTime<Utc>) -> Option<chrono::TimeDelta> {
        [
            policy.wait_left(self.account.as_ref(), now),
            policy.wait_left(self.address.as_ref(), now),
        ]
        .into_iter()
        .flatten()
        .max()
    }
}

impl Store {
    /// The counts for `username` (as typed, lower case) from `client`.
    pub(crate) async fn throttle_counts(
        &self,
        username: &str,
        client: &str,
    ) -> Result<Counts, StoreError> {
        let sql = dialect(
            self.backend,
            "SELECT username, failures, last_failure_at, wait_until FROM login_throttle \
             WHERE client = ? AND username IN (?, ?)",
        );
        let rows = sqlx::query(&sql)
            .bind(client)
            .bind(username)
            .bind(ANY_ACCOUNT)
            .fetch_all(&self.pool)
            .await?;
        let mut counts = Counts::default();
        for row in &rows {
            let key: String = row.try_get("username")?;
            let failures: i64 = row.try_get("failures")?;
            let last: String = row.try_get("last_failure_at")?;
            let wait: Option<String> = row.try_get("wait_until")?;
            let throttle = Throttle {
                failures: u32::try_from(failures).unwrap_or(u32::MAX),
                last_failure: parse_instant(&last)?,
                wait_until: wait.as_deref().map(parse_instant).transpose()?,
            };
            if key == ANY_ACCOUNT {
                counts.address = Some(throttle);
            } else {
                counts.account = Some(throttle);
            }
        }
        Ok(counts)
    }
}

/// Counts one more failure for `username` and for the address, in `tx`.
pub(crate) async fn record_failure(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    username: &str,
    client: &str,
    before: &Counts,
    policy: &AuthPolicy,
    now: DateTime<Utc>,
) -> Result<AfterFailure, StoreError> {
    let account = policy.after_failure(before.account.as_ref(), policy.throttle_after, now);
    let address = policy.after_failure(before.address.as_ref(), policy.address_throttle_after, now);
    store_count(tx, backend, username, client, &account).await?;
    store_count(tx, backend, ANY_ACCOUNT, client, &address).await?;
    Ok(AfterFailure { account, address })
}

async fn store_count(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    username: &str,
    client: &str,
    count: &Throttle,
) -> Result<(), StoreError> {
    let sql = dialect(
        backend,
        "INSERT INTO login_throttle (username, client, failures, last_failure_at, wait_until) \
         VALUES (?, ?, ?, ?, ?) \
         ON CONFLICT (username, client) DO UPDATE SET failures = excluded.failures, \
         last_failure_at = excluded.last_failure_at, wait_until = excluded.wait_until",
    );
    sqlx::query(&sql)
        .bind(username)
        .bind(client)
        .bind(i64::from(count.failures))
        .bind(instant_text(count.last_failure))
        .bind(count.wait_until.map(instant_text))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Forgets the account's failures from `client` (a success there), in `tx`.
pub(crate) async fn clear_account_at(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    username: &str,
    client: &str,
) -> Result<(), StoreError> {
    let sql = dialect(
        backend,
        "DELETE FROM login_throttle WHERE username = ? AND client = ?",
    );
    sqlx::query(&sql)
        .bind(username)
        .bind(client)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Forgets the account's failures from every address (an administrator reactivated the user
/// or set a new password), in `tx`. Returns how many addresses were waiting or counting.
pub(crate) async fn clear_account(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    username: &str,
) -> Result<u64, StoreError> {
    let sql = dialect(backend, "DELETE FROM login_throttle WHERE username = ?");
    Ok(sqlx::query(&sql)
        .bind(username)
        .execute(&mut **tx)
        .await?
        .rows_affected())
}
