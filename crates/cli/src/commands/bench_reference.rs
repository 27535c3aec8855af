//! The bare reference for `bench eod` on SQLite: the same row reads and writes end-of-day made
//! on the bench date, replayed on a copy of the database as it was before, with plain prepared
//! statements — one statement per row, no `Any` driver, no core, no allocation logic. Its time
//! is what the database work alone costs; recoup's EOD is printed as a multiple of it.
//!
//! What it replays, taken by diffing the database after EOD against the copy from before:
//! - reads: the candidate query (loans falling due, overdue, or with a payment waiting), the
//!   waiting payments, each processed loan's row and its unpaid installments in the window;
//! - writes: each processed loan's state and `last_processed`, each installment whose paid
//!   amounts changed, every allocation, bucket change and journal row of the date, the payments
//!   marked allocated, and the date's `eod_run` counters;
//! - in transactions of the same number of loans as EOD's chunks.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::NaiveDate;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteRow};
use sqlx::{Connection, Row};

/// One processed loan's reads and writes.
struct LoanWork {
    id: i64,
    /// The loan's state columns after EOD, in [`state_columns`] order (all integers or text).
    state: Vec<Value>,
    installments: Vec<(i64, i64, i64, Option<String>)>,
    allocations: Vec<Vec<Value>>,
    bucket_changes: Vec<Vec<Value>>,
    journal: Vec<Vec<Value>>,
    payments: Vec<i64>,
}

#[derive(Clone)]
enum Value {
    Int(Option<i64>),
    Text(Option<String>),
}

/// The loan columns EOD writes, and the date it processed the loan.
fn state_columns() -> Vec<&'static str> {
    let mut columns = recoup_store::LOAN_STATE_WRITE_COLUMNS.to_vec();
    columns.push("last_processed");
    columns
}

const ALLOCATION_COLUMNS: &str =
    "loan_id, business_date, payment_id, source, period, component, amount";
const BUCKET_CHANGE_COLUMNS: &str = "loan_id, business_date, from_bucket, to_bucket";
const JOURNAL_COLUMNS: &str = "recorded_at, business_date, entity, entity_id, kind, detail, amount";

fn value(row: &SqliteRow, idx: usize) -> anyhow::Result<Value> {
    if let Ok(v) = row.try_get::<Option<i64>, _>(idx) {
        return Ok(Value::Int(v));
    }
    Ok(Value::Text(row.try_get::<Option<String>, _>(idx)?))
}

fn values(row: &SqliteRow) -> anyhow::Result<Vec<Value>> {
    (0..row.len()).map(|idx| value(row, idx)).collect()
}

fn bind<'q>(
    query: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    value: &'q Value,
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    match value {
        Value::Int(v) => query.bind(*v),
        Value::Text(v) => query.bind(v.as_deref()),
    }
}

async fn open(path: &Path, read_only: bool) -> anyhow::Result<SqliteConnection> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .read_only(read_only)
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
        .synchronous(sqlx::sqlite::SqliteSynchronous::Normal);
    SqliteConnection::connect_with(&options)
        .await
        .with_context(|| format!("cannot open {}", path.display()))
}

/// What EOD did on `date`: read from `after` (the database EOD closed) with `before` attached.
async fn collect(before: &Path, after: &Path, date: &str) -> anyhow::Result<Vec<LoanWork>> {
    let mut conn = open(after, true).await?;
    sqlx::query("ATTACH DATABASE ? AS before")
        .bind(before.display().to_string())
        .execute(&mut conn)
        .await?;
    let state_sql = format!(
        "SELECT id, {} FROM loan WHERE last_processed = ? ORDER BY id",
        state_columns().join(", ")
    );
    let mut loans = Vec::new();
    let mut index = std::collections::HashMap::new();
    for row in sqlx::query(&state_sql)
        .bind(date)
        .fetch_all(&mut conn)
        .await?
    {
        let all = values(&row)?;
        let id: i64 = row.try_get(0)?;
        index.insert(id, loans.len());
        loans.push(LoanWork {
            id,
            state: all.into_iter().skip(1).collect(),
            installments: Vec::new(),
            allocations: Vec::new(),
            bucket_changes: Vec::new(),
            journal: Vec::new(),
            payments: Vec::new(),
        });
    }
    let changed = "SELECT a.loan_id, a.period, a.principal_paid, a.interest_paid, a.paid_off_on \
        FROM main.installment a JOIN before.installment b ON b.loan_id = a.loan_id AND b.period = a.period \
        WHERE a.principal_paid <> b.principal_paid OR a.interest_paid <> b.interest_paid \
        OR a.paid_off_on IS NOT b.paid_off_on";
    for row in sqlx::query(changed).fetch_all(&mut conn).await? {
        let loan_id: i64 = row.try_get(0)?;
        if let Some(&idx) = index.get(&loan_id) {
            loans[idx].installments.push((
                row.try_get(1)?,
                row.try_get(2)?,
                row.try_get(3)?,
                row.try_get(4)?,
            ));
        }
    }
    for (table, columns, entity_filter) in [
        ("allocation", ALLOCATION_COLUMNS, ""),
        ("bucket_change", BUCKET_CHANGE_COLUMNS, ""),
        ("journal", JOURNAL_COLUMNS, " AND entity = 'loan'"),
    ] {
        let key = if table == "journal" {
            "entity_id"
        } else {
            "loan_id"
        };
        let sql =
            format!("SELECT {columns}, {key} FROM {table} WHERE business_date = ?{entity_filter}");
        for row in sqlx::query(&sql).bind(date).fetch_all(&mut conn).await? {
            let mut all = values(&row)?;
            let Some(Value::Int(Some(loan_id))) = all.pop() else {
                continue;
            };
            let Some(&idx) = index.get(&loan_id) else {
                continue;
            };
            let work = &mut loans[idx];
            match table {
                "allocation" => work.allocations.push(all),
                "bucket_change" => work.bucket_changes.push(all),
                _ => work.journal.push(all),
            }
        }
    }
    for row in sqlx::query("SELECT id, loan_id FROM payment WHERE allocated_on = ?")
        .bind(date)
        .fetch_all(&mut conn)
        .await?
    {
        let loan_id: i64 = row.try_get(1)?;
        if let Some(&idx) = index.get(&loan_id) {
            loans[idx].payments.push(row.try_get(0)?);
        }
    }
    Ok(loans)
}

/// Replays `work` on `before` and returns the time the replay took.
async fn replay(
    before: &Path,
    work: &[LoanWork],
    date: NaiveDate,
    chunk_size: usize,
) -> anyhow::Result<Duration> {
    let date_s = date.to_string();
    let window_end = (date + chrono::Days::new(31)).to_string();
    let mut conn = open(before, false).await?;
    let update_loan = format!(
        "UPDATE loan SET {} WHERE id = ?",
        state_columns()
            .iter()
            .map(|c| format!("{c} = ?"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let insert = |table: &str, columns: &str| {
        let n = columns.split(',').count();
        format!(
            "INSERT INTO {table} ({columns}) VALUES ({})",
            vec!["?"; n].join(", ")
        )
    };
    let insert_allocation = insert("allocation", ALLOCATION_COLUMNS);
    let insert_bucket_change = insert("bucket_change", BUCKET_CHANGE_COLUMNS);
    let insert_journal = insert("journal", JOURNAL_COLUMNS);
    let started = Instant::now();
    sqlx::query(
        "INSERT INTO eod_run (business_date, started_at) VALUES (?, '') ON CONFLICT (business_date) DO NOTHING",
    )
    .bind(&date_s)
    .execute(&mut conn)
    .await?;
    let candidates: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM loan WHERE next_due_date <= ? UNION SELECT id FROM loan WHERE oldest_unpaid_due_date IS NOT NULL \
         UNION SELECT loan_id FROM payment WHERE allocated_on IS NULL AND value_date <= ?",
    )
    .bind(&date_s)
    .bind(&date_s)
    .fetch_all(&mut conn)
    .await?;
    let waiting = sqlx::query(
        "SELECT loan_id, value_date, idempotency_key, id, amount FROM payment WHERE allocated_on IS NULL AND value_date <= ?",
    )
    .bind(&date_s)
    .fetch_all(&mut conn)
    .await?;
    anyhow::ensure!(
        candidates.len() >= work.len(),
        "the reference found {} candidates for {} processed loans",
        candidates.len(),
        work.len()
    );
    drop(waiting);
    for chunk in work.chunks(chunk_size.max(1)) {
        let mut tx = conn.begin().await?;
        for loan in chunk {
            sqlx::query("SELECT * FROM loan WHERE id = ?")
                .bind(loan.id)
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query(
                "SELECT * FROM installment WHERE loan_id = ? AND due_date <= ? \
                 AND (principal_paid < principal_due OR interest_paid < interest_due) ORDER BY period",
            )
            .bind(loan.id)
            .bind(&window_end)
            .fetch_all(&mut *tx)
            .await?;
            let mut query = sqlx::query(&update_loan);
            for v in &loan.state {
                query = bind(query, v);
            }
            query.bind(loan.id).execute(&mut *tx).await?;
            for (period, principal_paid, interest_paid, paid_off_on) in &loan.installments {
                sqlx::query(
                    "UPDATE installment SET principal_paid = ?, interest_paid = ?, paid_off_on = ? \
                     WHERE loan_id = ? AND period = ?",
                )
                .bind(principal_paid)
                .bind(interest_paid)
                .bind(paid_off_on.as_deref())
                .bind(loan.id)
                .bind(period)
                .execute(&mut *tx)
                .await?;
            }
            for (sql, rows) in [
                (&insert_allocation, &loan.allocations),
                (&insert_bucket_change, &loan.bucket_changes),
                (&insert_journal, &loan.journal),
            ] {
                for row in rows {
                    let mut query = sqlx::query(sql);
                    for v in row {
                        query = bind(query, v);
                    }
                    query.execute(&mut *tx).await?;
                }
            }
            for payment in &loan.payments {
                sqlx::query("UPDATE payment SET allocated_on = ? WHERE id = ?")
                    .bind(&date_s)
                    .bind(payment)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        sqlx::query(
            "UPDATE eod_run SET loans_processed = loans_processed + ? WHERE business_date = ?",
        )
        .bind(chunk.len() as i64)
        .bind(&date_s)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    Ok(started.elapsed())
}

/// Checks that the replay wrote what EOD wrote: the same loan states and installments.
async fn verify(replayed: &Path, after: &Path) -> anyhow::Result<()> {
    let mut conn = open(replayed, true).await?;
    sqlx::query("ATTACH DATABASE ? AS eod")
        .bind(after.display().to_string())
        .execute(&mut conn)
        .await?;
    let differ = state_columns()
        .iter()
        .map(|c| format!("a.{c} IS NOT b.{c}"))
        .collect::<Vec<_>>()
        .join(" OR ");
    let loans: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM main.loan a JOIN eod.loan b ON b.id = a.id WHERE {differ}"
    ))
    .fetch_one(&mut conn)
    .await?;
    let installments: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM main.installment a JOIN eod.installment b \
         ON b.loan_id = a.loan_id AND b.period = a.period \
         WHERE a.principal_paid <> b.principal_paid OR a.interest_paid <> b.interest_paid \
         OR a.paid_off_on IS NOT b.paid_off_on",
    )
    .fetch_one(&mut conn)
    .await?;
    let allocations: (i64, i64) = (
        sqlx::query_scalar("SELECT COUNT(*) FROM main.allocation")
            .fetch_one(&mut conn)
            .await?,
        sqlx::query_scalar("SELECT COUNT(*) FROM eod.allocation")
            .fetch_one(&mut conn)
            .await?,
    );
    anyhow::ensure!(
        loans == 0 && installments == 0 && allocations.0 == allocations.1,
        "the reference's replay differs from EOD: {loans} loans, {installments} installments, \
         {} against {} allocations",
        allocations.0,
        allocations.1
    );
    Ok(())
}

/// The figures of one reference run.
pub struct Reference {
    pub loans: usize,
    pub rows_written: usize,
    pub elapsed: Duration,
}

/// Replays on `before` (a copy of the database taken just before EOD) what EOD did to
/// `after` on `date`, and times it. `before` is changed.
pub async fn run(
    before: &Path,
    after: &Path,
    date: NaiveDate,
    chunk_size: usize,
) -> anyhow::Result<Reference> {
    let work = collect(before, after, &date.to_string()).await?;
    let rows_written = work
        .iter()
        .map(|l| {
            1 + l.installments.len()
                + l.allocations.len()
                + l.bucket_changes.len()
                + l.journal.len()
                + l.payments.len()
        })
        .sum();
    let elapsed = replay(before, &work, date, chunk_size).await?;
    verify(before, after).await?;
    Ok(Reference {
        loans: work.len(),
        rows_written,
        elapsed,
    })
}
