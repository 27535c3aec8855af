//! The journal: an append-only record of every change to the book — what changed, for which
//! entity, on which business date, when it was recorded, and the amount involved.

use chrono::NaiveDate;
use sqlx::{Any, Transaction};

use crate::db::error::StoreError;
use crate::db::sql::opt_date_text;
use crate::Backend;

/// One journal row waiting to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JournalEntry {
    pub business_date: Option<NaiveDate>,
    pub entity: &'static str,
    pub entity_id: Option<i64>,
    pub kind: &'static str,
    pub detail: String,
    pub amount: Option<i64>,
}

/// Appends `entries` in multi-row statements inside `tx`.
pub(crate) async fn append(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    recorded_at: &str,
    entries: &[JournalEntry],
) -> Result<(), StoreError> {
    crate::db::sql::insert_rows(
        tx,
        backend,
        "journal (recorded_at, business_date, entity, entity_id, kind, detail, amount)",
        "",
        entries,
        |query, entry| {
            query
                .bind(recorded_at.to_owned())
                .bind(opt_date_text(entry.business_date))
                .bind(entry.entity)
                .bind(entry.entity_id)
                .bind(entry.kind)
                .bind(entry.detail.as_str())
                .bind(entry.amount)
        },
    )
    .await
}
