//! recoup-store: persistence for recoup and the end-of-day shell.
//!
//! One implementation serves both backends through `sqlx::Any`: SQLite (one file, WAL — the
//! embedded default) and PostgreSQL (production). The SQL is written once in the common dialect
//! (`?` placeholders are rewritten to `$n` for PostgreSQL), every integer column is BIGINT and
//! dates are ISO text, so the same queries and the same test suite run on both.
//!
//! Invariant: every write that changes the book happens in one transaction together with its
//! journal rows; a failed or interrupted call leaves the store as it was (or, for end-of-day, as
//! it was after the last committed chunk, which a rerun completes).

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::todo)
)]

mod db;
mod identity;
mod ledger;
mod work;

use std::str::FromStr;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

pub use db::audit::{
    chain_hash, AuditAction, AuditEvent, AuditRow, AuditVerification, BrokenLink, GENESIS_HASH,
};
pub use db::error::StoreError;
pub use db::rows::LOAN_STATE_WRITE_COLUMNS;
pub use identity::users::{
    DemoUser, Gauges, LoginOutcome, NewSession, NewUser, SessionUser, User, UserChange,
    UserChanged, DEMO_PASSWORD, DEMO_USERS,
};
pub use ledger::bank::{BankPostOutcome, RecordProblem};
pub use ledger::book::{BookOutcome, SnapshotLoan};
pub use ledger::eod::{EodObserver, EodOptions, EodReport, Quiet};
pub use ledger::reports::{LoanOverview, PortfolioDay};
pub use ledger::settlement::{PostedSettlement, Posting};
pub use work::access::{Access, CaseCondition};
pub use work::assignment::{AssignmentOutcome, AssignmentPolicy, AssignmentRule, CaseSelection};
pub use work::cases::{
    BorrowerFile, BucketChangeRow, CaseFile, CaseSummary, ContactPerson, InstallmentRow, LoanFile,
    LoggedContact, NewContact, NoteRow, PaymentRow, PromiseRow, QueueEntry, QueueFilter, QueuePage,
    QueueSort, SegmentRow, SettleOutcome, TimelineEntry, VehicleRow,
};
pub use work::collections::{ArmResult, PlanLine, PlanOutcome};
pub use work::kpis::{
    ratio_ppm, ChannelContactFigures, CureFigures, FlaggedNote, KpiFigures, KpiPeriod,
    LeaderboardRow, PromiseFigures, RecoveryFigures,
};
pub use work::outbound::{
    CaseFigures, OutboundCase, OutboundKind, OutboundRequest, Reservation, SendOutcome,
    CALL_RESOLVE_WINDOW,
};
pub use work::outbox::{Dispatch, PlannedSms};
pub use work::plans::{
    ApprovalRequest, NewRequest, OnBroken, PlanReview, PlanSettings, RequestKind,
};

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The default database: a SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://recoup.db";

/// A connection pool to the book, migrated to the current schema.
#[derive(Debug, Clone)]
pub struct Store {
    /// Writes (and reads that must see the caller's own uncommitted work) go here.
    pool: AnyPool,
    /// Reads that may run beside writes. For SQLite a separate pool of read-only connections
    /// (WAL lets readers run while the one writer writes), so a busy server's readers do not
    /// queue behind the single writer connection; for PostgreSQL the same pool.
    reader: AnyPool,
    backend: Backend,
}

/// SQLite read connections a store opens on demand.
const SQLITE_READERS: u32 = 4;

const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
     PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY; \
     PRAGMA wal_autocheckpoint = 16384; PRAGMA mmap_size = 1073741824;";

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

impl Store {
    /// Opens (creating a SQLite file if needed) and migrates the database at `url`.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(redact_url(url)));
        };
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&url)
            .map_err(|source| StoreError::connect(&url, source))?;
        let pool_options = match backend {
            // SQLite has one writer; a single connection avoids lock contention between the
            // pool's own connections, and WAL lets other processes read meanwhile.
            Backend::Sqlite => AnyPoolOptions::new()
                .max_connections(1)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        conn.execute(SQLITE_PRAGMAS).await?;
                        Ok(())
                    })
                }),
            Backend::Postgres => AnyPoolOptions::new().max_connections(4),
        };
        let pool = pool_options
            .connect_with(options.clone())
            .await
            .map_err(|source| StoreError::connect(&url, source))?;
        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&pool).await?;
        let reader = match backend {
            // Opened lazily, after the migrations, so commands that only write never open them.
            Backend::Sqlite => AnyPoolOptions::new()
                .max_connections(SQLITE_READERS)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        conn.execute(SQLITE_PRAGMAS).await?;
                        conn.execute("PRAGMA query_only = ON;").await?;
                        Ok(())
                    })
                })
                .connect_lazy_with(options),
            Backend::Postgres => pool.clone(),
        };
        Ok(Store {
            pool,
            reader,
            backend,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The pool for reads that need not see uncommitted writes of this process.
    pub fn reader(&self) -> &AnyPool {
        &self.reader
    }

    /// Checks that the database answers a read.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(self.reader()).await?;
        Ok(())
    }

    /// Closes the pools, waiting for connections to finish.
    pub async fn close(&self) {
        self.reader.close().await;
        self.pool.close().await;
    }
}

/// The URL with any password replaced, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/recoup"),
            "postgres://app:***@db:5432/recoup"
        );
        assert_eq!(redact_url("sqlite://recoup.db"), "sqlite://recoup.db");
    }
}
