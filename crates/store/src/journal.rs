//! The journal: an append-only record of every change to the book — what changed, for which
//! entity, on which business date, when it was recorded, and the amount involved.

use chrono::NaiveDate;
use sqlx::{Any, Transaction};

use crate::error::StoreError;
use crate::sql::{dialect, opt_date_text, rows_per_statement, values_list};
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
    const COLS: usize = 7;
    for chunk in crate::sql::batches(entries, rows_per_statement(COLS)) {
        let sql = format!(
            "INSERT INTO journal (recorded_at, business_date, entity, entity_id, kind, detail, amount) VALUES {}",
            values_list(COLS, chunk.len())
        );
        let sql = dialect(backend, &sql);
        let mut query = sqlx::query(&sql);
        for entry in chunk {
            query = query
                .bind(recorded_at)
                .bind(opt_date_text(entry.business_date))
                .bind(entry.entity)
                .bind(entry.entity_id)
                .bind(entry.kind)
                .bind(entry.detail.as_str())
                .bind(entry.amount);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}
