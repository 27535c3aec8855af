//! Running the binary and reading its database in tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn recoup(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_recoup"))
        .args(args)
        .current_dir(dir)
        .env_remove("RECOUP_DATABASE_URL")
        .env_remove("RECOUP_CONFIG")
        .output()
        .expect("the recoup binary runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn workspace_file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative)
}

/// Every row of the book's tables as text, without ids or wall-clock columns.
pub async fn dump(db: &Path) -> Vec<String> {
    use sqlx::{Connection, Row};
    let url = format!("sqlite://{}", db.display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let queries = [
        "SELECT loan_no, status, principal_outstanding, next_due_period, next_due_date, oldest_unpaid_due_date, \
         arrears_principal, arrears_interest, fees_balance, penalty_balance, penalty_accrued_total, credit, dpd, \
         bucket, max_dpd, times_delinquent, cures, last_cure_date, paid_off_on, last_processed FROM loan ORDER BY loan_no",
        "SELECT loan_id, period, principal_paid, interest_paid, paid_off_on FROM installment ORDER BY loan_id, period",
        "SELECT idempotency_key, allocated_on FROM payment ORDER BY idempotency_key",
        "SELECT loan_id, business_date, payment_id, source, period, component, amount FROM allocation \
         ORDER BY loan_id, business_date, payment_id, period, component, amount",
        "SELECT loan_id, business_date, from_bucket, to_bucket FROM bucket_change ORDER BY loan_id, business_date",
        "SELECT month, loan_id, status, bucket, dpd, principal_outstanding, total_arrears FROM loan_month_end ORDER BY month, loan_id",
        "SELECT business_date, bucket, loans, principal_outstanding, arrears FROM portfolio_day ORDER BY business_date, bucket_order",
        "SELECT business_date, loans_processed, events, CASE WHEN finished_at IS NULL THEN 0 ELSE 1 END FROM eod_run ORDER BY business_date",
        "SELECT business_date, entity, entity_id, kind, detail, amount FROM journal ORDER BY business_date, entity, entity_id, kind, detail",
    ];
    let mut out = Vec::new();
    for sql in queries {
        for row in sqlx::query(sql).fetch_all(&mut conn).await.unwrap() {
            let mut line = Vec::new();
            for idx in 0..row.len() {
                let text = row
                    .try_get::<Option<String>, _>(idx)
                    .map(|v| v.unwrap_or_else(|| "NULL".into()))
                    .or_else(|_| {
                        row.try_get::<Option<i64>, _>(idx)
                            .map(|v| v.map(|n| n.to_string()).unwrap_or_else(|| "NULL".into()))
                    })
                    .unwrap();
                line.push(text);
            }
            out.push(line.join("|"));
        }
    }
    out
}

/// Asserts two dumps are equal, showing the first differing line.
pub fn assert_same(left: &[String], right: &[String]) {
    for (idx, (l, r)) in left.iter().zip(right).enumerate() {
        assert_eq!(l, r, "first difference at line {idx}");
    }
    assert_eq!(left.len(), right.len(), "dumps differ in length");
}

/// Columns that hold wall-clock time or values derived from it (audit hashes, session
/// tokens): they differ between two runs of the same work.
fn is_wall_clock(column: &str) -> bool {
    column.ends_with("_at")
        || matches!(
            column,
            "id" | "hash" | "prev_hash" | "token_hash" | "csrf_token" | "locked_until"
        )
}

/// Every row of every table (migrations' bookkeeping aside) as sorted text, without row ids
/// and wall-clock columns: two databases that did the same work dump the same.
pub async fn dump_all(db: &Path) -> Vec<String> {
    use sqlx::{Connection, Row};
    let url = format!("sqlite://{}", db.display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name NOT LIKE '_sqlx%' ORDER BY name",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut out = Vec::new();
    for table in tables {
        let columns: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT name FROM pragma_table_info('{table}') ORDER BY cid"
        ))
        .fetch_all(&mut conn)
        .await
        .unwrap();
        let kept: Vec<String> = columns
            .into_iter()
            .filter(|c| !is_wall_clock(c))
            .map(|c| format!("quote(\"{c}\")"))
            .collect();
        if kept.is_empty() {
            continue;
        }
        let sql = format!("SELECT {} FROM \"{table}\"", kept.join(" || '|' || "));
        let mut rows: Vec<String> = sqlx::query(&sql)
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .iter()
            .map(|row| format!("{table}: {}", row.get::<String, _>(0)))
            .collect();
        rows.sort();
        out.extend(rows);
    }
    out
}
