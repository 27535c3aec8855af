//! What every part of the store stands on: the SQL dialect helpers and multi-row inserts
//! (`sql`), the store's error type (`error`), the change journal (`journal`), the hash-chained
//! audit trail (`audit`) and the loan-state row mapping shared by booking and end-of-day (`rows`).

pub(crate) mod audit;
pub(crate) mod error;
pub(crate) mod journal;
pub(crate) mod rows;
pub(crate) mod sql;
