//! Posting bank records: payments (posted once, ever, by idempotency key) and failed
//! auto-debits (kept as history per loan). Also the amount a loan owes on a date, which the
//! bank is asked to debit.

use std::collections::HashMap;

use chrono::NaiveDate;
use recoup_core::book::BankRecord;
use recoup_core::Fen;
use sqlx::{Any, Row, Transaction};

use crate::db::error::StoreError;
use crate::db::journal::{self, JournalEntry};
use crate::db::sql::{
    date_text, dialect, parse_date, placeholders, rows_per_statement, values_list,
};
use crate::{Backend, Store};

/// A bank record that cannot be posted, by its position in the batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordProblem {
    /// 0-based index into the batch.
    pub index: usize,
    /// The field at fault, as named in the bank-file format.
    pub field: &'static str,
    pub message: String,
}

/// What a posting call did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BankPostOutcome {
    pub payments_posted: usize,
    pub failures_recorded: usize,
    /// Records whose key was already posted with the same content: skipped.
    pub duplicates: usize,
}

const IN_BATCH: usize = 500;

/// A record already stored under a key, in the form needed to compare a re-import.
#[derive(Debug, Clone, PartialEq, Eq)]
struct StoredRecord {
    loan_id: i64,
    kind: String,
    date: String,
    amount: i64,
}

impl Store {
    /// Posts `records` in one transaction. Records whose key is already stored with the same
    /// content are skipped; any other problem rejects the whole batch with every problem listed.
    pub async fn post_bank_records(
        &self,
        records: &[BankRecord],
        recorded_at: &str,
    ) -> Result<BankPostOutcome, StoreError> {
        let mut tx = self.pool.begin().await?;
        let loan_nos: Vec<&str> = records.iter().map(BankRecord::loan_no).collect();
        let loans = loans_by_no(&mut tx, self.backend, &loan_nos).await?;
        let keys: Vec<&str> = records.iter().map(BankRecord::key).collect();
        let stored = stored_records(&mut tx, self.backend, &keys).await?;

        let mut problems = Vec::new();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut fresh: Vec<(i64, &BankRecord)> = Vec::new();
        let mut duplicates = 0;
        for (index, record) in records.iter().enumerate() {
            if let Some(first) = seen.insert(record.key(), index) {
                problems.push(RecordProblem {
                    index,
                    field: "key",
                    message: format!(
                        "key {} is repeated (first at record {})",
                        record.key(),
                        first + 1
                    ),
                });
                continue;
            }
            let Some((loan_id, disbursed)) = loans.get(record.loan_no()) else {
                problems.push(RecordProblem {
                    index,
                    field: "loan_no",
                    message: format!("no booked loan {}", record.loan_no()),
                });
                continue;
            };
            if record.date() < *disbursed {
                problems.push(RecordProblem {
                    index,
                    field: "date",
                    message: format!(
                        "{} is before the loan was disbursed on {disbursed}",
                        record.date()
                    ),
                });
                continue;
            }
            let incoming = StoredRecord {
                loan_id: *loan_id,
                kind: record_kind(record).to_string(),
                date: date_text(record.date()),
                amount: record_amount(record).get(),
            };
            match stored.get(record.key()) {
                Some(existing) if *existing == incoming => duplicates += 1,
                Some(_) => problems.push(RecordProblem {
                    index,
                    field: "key",
                    message: format!(
                        "key {} was already posted with a different loan, type, date or amount",
                        record.key()
                    ),
                }),
                None => fresh.push((*loan_id, record)),
            }
        }
        if !problems.is_empty() {
            return Err(StoreError::RecordsRejected(problems));
        }
        let outcome = insert_records(&mut tx, self.backend, &fresh, recorded_at).await?;
        tx.commit().await?;
        Ok(BankPostOutcome {
            duplicates,
            ..outcome
        })
    }

    /// What clears each loan on `date`: arrears, fees and penalty as of the last closed day,
    /// plus installments falling due by `date`, less credit and payments not yet allocated.
    /// Loans not found are left out.
    pub async fn amounts_owed(
        &self,
        date: NaiveDate,
        loan_nos: &[&str],
    ) -> Result<HashMap<String, Fen>, StoreError> {
        let mut owed = HashMap::new();
        let mut conn = self.pool.acquire().await?;
        for chunk in loan_nos.chunks(IN_BATCH) {
            let sql = format!(
                "SELECT l.loan_no AS loan_no, l.arrears_principal + l.arrears_interest + l.fees_balance + \
                 l.penalty_balance - l.credit AS arrears, \
                 CAST(COALESCE((SELECT SUM(i.principal_due - i.principal_paid + i.interest_due - i.interest_paid) \
                   FROM installment i WHERE i.loan_id = l.id AND i.period >= l.next_due_period \
                   AND i.due_date <= ?), 0) AS BIGINT) AS falling_due, \
                 CAST(COALESCE((SELECT SUM(p.amount) FROM payment p WHERE p.loan_id = l.id \
                   AND p.allocated_on IS NULL), 0) AS BIGINT) AS pending \
                 FROM loan l WHERE l.loan_no IN ({})",
                placeholders(chunk.len())
            );
            let sql = dialect(self.backend, &sql);
            let mut query = sqlx::query(&sql).bind(date_text(date));
            for loan_no in chunk {
                query = query.bind(*loan_no);
            }
            for row in query.fetch_all(&mut *conn).await? {
                let loan_no: String = row.try_get("loan_no")?;
                let arrears: i64 = row.try_get("arrears")?;
                let falling_due: i64 = row.try_get("falling_due")?;
                let pending: i64 = row.try_get("pending")?;
                owed.insert(loan_no, Fen::new(arrears + falling_due - pending));
            }
        }
        Ok(owed)
    }
}

fn record_kind(record: &BankRecord) -> &'static str {
    match record {
        BankRecord::Payment(p) => p.channel.code(),
        BankRecord::DebitFailed(_) => "debit_failure",
    }
}

fn record_amount(record: &BankRecord) -> Fen {
    match record {
        BankRecord::Payment(p) => p.amount,
        BankRecord::DebitFailed(f) => f.amount_attempted,
    }
}

async fn loans_by_no(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    loan_nos: &[&str],
) -> Result<HashMap<String, (i64, NaiveDate)>, StoreError> {
    let mut unique: Vec<&str> = loan_nos.to_vec();
    unique.sort_unstable();
    unique.dedup();
    let mut found = HashMap::new();
    for chunk in unique.chunks(IN_BATCH) {
        let sql = format!(
            "SELECT loan_no, id, disbursement_date FROM loan WHERE loan_no IN ({})",
            placeholders(chunk.len())
        );
        let sql = dialect(backend, &sql);
        let mut query = sqlx::query(&sql);
        for loan_no in chunk {
            query = query.bind(*loan_no);
        }
        for row in query.fetch_all(&mut **tx).await? {
            let disbursed: String = row.try_get("disbursement_date")?;
            found.insert(
                row.try_get("loan_no")?,
                (row.try_get("id")?, parse_date(&disbursed)?),
            );
        }
    }
    Ok(found)
}

async fn stored_records(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    keys: &[&str],
) -> Result<HashMap<String, StoredRecord>, StoreError> {
    let mut found = HashMap::new();
    for chunk in keys.chunks(IN_BATCH) {
        let list = placeholders(chunk.len());
        let sql = format!(
            "SELECT idempotency_key, loan_id, channel AS kind, value_date AS record_date, amount \
             FROM payment WHERE idempotency_key IN ({list}) UNION ALL \
             SELECT idempotency_key, loan_id, 'debit_failure' AS kind, debit_date AS record_date, \
             amount_attempted AS amount FROM debit_failure WHERE idempotency_key IN ({list})"
        );
        let sql = dialect(backend, &sql);
        let mut query = sqlx::query(&sql);
        for _ in 0..2 {
            for key in chunk {
                query = query.bind(*key);
            }
        }
        for row in query.fetch_all(&mut **tx).await? {
            found.insert(
                row.try_get("idempotency_key")?,
                StoredRecord {
                    loan_id: row.try_get("loan_id")?,
                    kind: row.try_get("kind")?,
                    date: row.try_get("record_date")?,
                    amount: row.try_get("amount")?,
                },
            );
        }
    }
    Ok(found)
}

async fn insert_records(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    records: &[(i64, &BankRecord)],
    recorded_at: &str,
) -> Result<BankPostOutcome, StoreError> {
    let payments: Vec<(i64, &recoup_core::book::PaymentRecord)> = records
        .iter()
        .filter_map(|(loan_id, r)| match r {
            BankRecord::Payment(p) => Some((*loan_id, p)),
            BankRecord::DebitFailed(_) => None,
        })
        .collect();
    let failures: Vec<(i64, &recoup_core::book::DebitFailure)> = records
        .iter()
        .filter_map(|(loan_id, r)| match r {
            BankRecord::DebitFailed(f) => Some((*loan_id, f)),
            BankRecord::Payment(_) => None,
        })
        .collect();

    let max_payment_id: i64 =
        sqlx::query_scalar("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM payment")
            .fetch_one(&mut **tx)
            .await?;
    let first_payment_id = max_payment_id + 1;
    let mut entries = Vec::with_capacity(records.len());
    const PAY_COLS: usize = 7;
    let mut next_id = first_payment_id;
    for chunk in crate::db::sql::batches(&payments, rows_per_statement(PAY_COLS)) {
        let sql = format!(
            "INSERT INTO payment (id, idempotency_key, loan_id, channel, value_date, amount, posted_at) VALUES {}",
            values_list(PAY_COLS, chunk.len())
        );
        let sql = dialect(backend, &sql);
        let mut query = sqlx::query(&sql);
        for (loan_id, payment) in chunk {
            let id = next_id;
            next_id += 1;
            query = query
                .bind(id)
                .bind(payment.key.as_str())
                .bind(*loan_id)
                .bind(payment.channel.code())
                .bind(date_text(payment.value_date))
                .bind(payment.amount.get())
                .bind(recorded_at);
            entries.push(JournalEntry {
                business_date: Some(payment.value_date),
                entity: "payment",
                entity_id: Some(id),
                kind: "payment_posted",
                detail: format!(
                    "loan_id={loan_id} channel={} key={}",
                    payment.channel.code(),
                    payment.key
                ),
                amount: Some(payment.amount.get()),
            });
        }
        query.execute(&mut **tx).await?;
    }

    const FAIL_COLS: usize = 7;
    for chunk in crate::db::sql::batches(&failures, rows_per_statement(FAIL_COLS)) {
        let sql = format!(
            "INSERT INTO debit_failure (idempotency_key, loan_id, debit_date, amount_attempted, reason, \
             bank_code, posted_at) VALUES {}",
            values_list(FAIL_COLS, chunk.len())
        );
        let sql = dialect(backend, &sql);
        let mut query = sqlx::query(&sql);
        for (loan_id, failure) in chunk {
            query = query
                .bind(failure.key.as_str())
                .bind(*loan_id)
                .bind(date_text(failure.date))
                .bind(failure.amount_attempted.get())
                .bind(failure.reason.code())
                .bind(failure.bank_code.as_deref())
                .bind(recorded_at);
            entries.push(JournalEntry {
                business_date: Some(failure.date),
                entity: "loan",
                entity_id: Some(*loan_id),
                kind: "debit_failed",
                detail: format!("reason={} key={}", failure.reason.code(), failure.key),
                amount: Some(failure.amount_attempted.get()),
            });
        }
        query.execute(&mut **tx).await?;
    }
    // Keep the per-loan failed-debit summary current for the loans touched.
    let mut touched: Vec<i64> = failures.iter().map(|(id, _)| *id).collect();
    touched.sort_unstable();
    touched.dedup();
    for chunk in touched.chunks(IN_BATCH) {
        let sql = format!(
            "UPDATE loan SET failed_debits = (SELECT COUNT(*) FROM debit_failure f WHERE f.loan_id = loan.id), \
             last_failed_debit_date = (SELECT MAX(f.debit_date) FROM debit_failure f WHERE f.loan_id = loan.id) \
             WHERE id IN ({})",
            placeholders(chunk.len())
        );
        let sql = dialect(backend, &sql);
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(*id);
        }
        query.execute(&mut **tx).await?;
    }
    journal::append(tx, backend, recorded_at, &entries).await?;
    Ok(BankPostOutcome {
        payments_posted: payments.len(),
        failures_recorded: failures.len(),
        duplicates: 0,
    })
}
