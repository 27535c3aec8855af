//! The store's one error type: bad data the caller sent, conflicts with what is stored, and
//! database failures, kept apart so callers can tell the user what to fix.

use chrono::NaiveDate;

use crate::ledger::bank::RecordProblem;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL `{0}` (expected sqlite://FILE or postgres://…)")]
    UnsupportedUrl(String),
    #[error("cannot connect to {url}")]
    Connect {
        url: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot migrate the database schema")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error")]
    Database(#[from] sqlx::Error),
    /// A booked loan clashes with one already stored.
    #[error("loan {loan_no}: {message}")]
    LoanConflict { loan_no: String, message: String },
    /// Bank records that cannot be posted; nothing was written.
    #[error("{} bank record(s) rejected", .0.len())]
    RecordsRejected(Vec<RecordProblem>),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    #[error("end-of-day for {date} cannot run: {reason}")]
    EodRefused { date: NaiveDate, reason: String },
    /// A field of a request is not acceptable (a weak password, a missing agency, …).
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// The request clashes with what is stored, e.g. a username already taken.
    #[error("{field}: {message}")]
    Conflict {
        field: &'static str,
        message: String,
    },
    /// The thing asked for does not exist, or is outside what the user may see (the two are
    /// deliberately indistinguishable).
    #[error("no such {what}")]
    NotFound { what: &'static str },
    /// The user may not do this to this thing (approve their own request, beyond their limit).
    #[error("{message}")]
    Refused { message: String },
    /// Hashing or checking a password failed (not a wrong password: that is a refused login).
    #[error("password hashing failed: {0}")]
    PasswordHash(String),
    #[error("end-of-day failed for loan {loan_id}: {source}")]
    LoanDay {
        loan_id: i64,
        #[source]
        source: recoup_core::servicing::DayError,
    },
}

impl StoreError {
    pub(crate) fn connect(url: &str, source: sqlx::Error) -> StoreError {
        StoreError::Connect {
            url: crate::redact_url(url),
            source,
        }
    }

    /// Whether the error is the caller's data rather than a failure of the store.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            StoreError::LoanConflict { .. }
                | StoreError::RecordsRejected(_)
                | StoreError::EodRefused { .. }
                | StoreError::Invalid { .. }
                | StoreError::Conflict { .. }
                | StoreError::NotFound { .. }
                | StoreError::Refused { .. }
        )
    }
}
