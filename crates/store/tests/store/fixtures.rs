//! Test fixtures: fresh databases on every configured backend, and hand-built booked loans.

use chrono::NaiveDate;
use recoup_core::book::{
    Address, BankRecord, Borrower, DebitFailure, DebitFailureReason, EmergencyContact, GeoPoint,
    LienStatus, PaymentChannel, PaymentRecord, Relation, Vehicle,
};
use recoup_core::identity::{national_id_check_char, vin_check_char, NationalId, Phone, Vin};
use recoup_core::loan::{LoanTerms, Product, RepaymentMethod};
use recoup_core::servicing::LedgerPolicy;
use recoup_core::{AnnualRate, Fen};
use recoup_store::Store;

pub use recoup_core::book::BookedLoan;

pub const RECORDED_AT: &str = "2026-11-22T00:00:00Z";

/// One fresh, migrated database per configured backend, each with a label for messages.
pub async fn stores() -> Vec<(String, Store, Option<tempfile::TempDir>)> {
    let mut out = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    out.push((
        "sqlite".to_string(),
        Store::open(&url).await.unwrap(),
        Some(dir),
    ));
    if let Ok(admin) = std::env::var("RECOUP_TEST_POSTGRES") {
        let url = fresh_postgres_database(&admin).await;
        out.push((
            "postgres".to_string(),
            Store::open(&url).await.unwrap(),
            None,
        ));
    }
    out
}

/// Creates an empty PostgreSQL database with a unique name and returns its URL.
pub async fn fresh_postgres_database(admin_url: &str) -> String {
    use sqlx::Connection;
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    #[allow(clippy::disallowed_methods)] // A unique database name, not business time.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let name = format!(
        "recoup_test_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    );
    let mut admin = sqlx::PgConnection::connect(admin_url).await.unwrap();
    sqlx::Executor::execute(&mut admin, format!("CREATE DATABASE {name}").as_str())
        .await
        .unwrap();
    let base = admin_url
        .rsplit_once('/')
        .map(|(b, _)| b)
        .unwrap_or(admin_url);
    format!("{base}/{name}")
}

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

pub fn policy() -> LedgerPolicy {
    LedgerPolicy::default()
}

fn national_id(seq: u32) -> NationalId {
    let first17 = format!("110105198001{:02}{:03}", 1 + seq % 28, seq % 1000);
    let check = national_id_check_char(&first17);
    NationalId::parse(&format!("{first17}{check}")).unwrap()
}

fn vin(seq: u32) -> Vin {
    let mut chars: Vec<char> = format!("LSVAB2BM0{:08}", seq).chars().collect();
    let text: String = chars.iter().collect();
    chars[8] = vin_check_char(&text);
    Vin::parse(&chars.iter().collect::<String>()).unwrap()
}

/// A 36-month equal-installment new-car loan disbursed on `disbursed`.
pub fn loan(seq: u32, principal_yuan: i64, disbursed: NaiveDate) -> BookedLoan {
    BookedLoan {
        loan_no: format!("CL{seq:08}"),
        product: Product::NewCar,
        terms: LoanTerms::new(
            Fen::from_yuan(principal_yuan),
            AnnualRate::parse_percent("7.2").unwrap(),
            36,
            RepaymentMethod::EqualInstallment,
            disbursed,
            10,
        )
        .unwrap(),
        auto_debit_account: "6222020200112233445".into(),
        dealer: "北京朝阳汽车销售服务有限公司".into(),
        borrower: Borrower {
            name: format!("测试{seq}"),
            national_id: national_id(seq),
            phones: vec![Phone::parse("13800138000").unwrap()],
            home: Address {
                text: "北京市朝阳区建国路1号".into(),
                location: Some(GeoPoint::new(39.9, 116.4).unwrap()),
            },
            work: None,
            contacts: vec![EmergencyContact {
                name: "李四".into(),
                relation: Relation::Spouse,
                phone: Phone::parse("13900139000").unwrap(),
            }],
            time_zone: None,
        },
        vehicle: Vehicle {
            vin: vin(seq),
            plate: format!("京A{:05}", seq % 100_000),
            make: "大众".into(),
            model: "朗逸".into(),
            year: 2025,
            price: Fen::from_yuan(principal_yuan * 2),
            lien_status: LienStatus::Registered,
            lien_date: Some(disbursed),
            gps: None,
        },
    }
}

pub fn payment(key: &str, loan_no: &str, date: NaiveDate, amount: Fen) -> BankRecord {
    BankRecord::Payment(PaymentRecord {
        key: key.into(),
        loan_no: loan_no.into(),
        channel: PaymentChannel::Transfer,
        value_date: date,
        amount,
    })
}

pub fn failure(key: &str, loan_no: &str, date: NaiveDate, amount: Fen) -> BankRecord {
    BankRecord::DebitFailed(DebitFailure {
        key: key.into(),
        loan_no: loan_no.into(),
        date,
        amount_attempted: amount,
        reason: DebitFailureReason::InsufficientFunds,
        bank_code: Some("51".into()),
    })
}

/// Every table's rows as text, minus ids and wall-clock columns, for comparing two stores.
pub async fn dump(store: &Store) -> Vec<String> {
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
    rows_as_text(store, &queries).await
}

/// Asserts two dumps are equal, showing the first line that differs rather than both dumps.
pub fn assert_same(left: &[String], right: &[String], context: &str) {
    for (idx, (l, r)) in left.iter().zip(right).enumerate() {
        assert_eq!(l, r, "{context}: first difference at line {idx}");
    }
    assert_eq!(left.len(), right.len(), "{context}: dumps differ in length");
}

/// Like [`dump`], but naming payments by idempotency key instead of surrogate id, and the
/// journal by kind and amount: two stores fed the same records in a different order compare
/// equal.
pub async fn dump_by_key(store: &Store) -> Vec<String> {
    let queries = [
        "SELECT loan_no, status, principal_outstanding, next_due_period, next_due_date, oldest_unpaid_due_date, \
         arrears_principal, arrears_interest, fees_balance, penalty_balance, penalty_accrued_total, credit, dpd, \
         bucket, max_dpd, times_delinquent, cures, last_cure_date, paid_off_on, last_processed FROM loan ORDER BY loan_no",
        "SELECT loan_id, period, principal_paid, interest_paid, paid_off_on FROM installment ORDER BY loan_id, period",
        "SELECT idempotency_key, allocated_on FROM payment ORDER BY idempotency_key",
        "SELECT a.loan_id, a.business_date, COALESCE(p.idempotency_key, 'credit'), a.source, a.period, a.component, a.amount \
         FROM allocation a LEFT JOIN payment p ON p.id = a.payment_id \
         ORDER BY a.loan_id, a.business_date, 3, a.period, a.component, a.amount",
        "SELECT loan_id, business_date, from_bucket, to_bucket FROM bucket_change ORDER BY loan_id, business_date",
        "SELECT business_date, bucket, loans, principal_outstanding, arrears FROM portfolio_day ORDER BY business_date, bucket_order",
        "SELECT business_date, entity, kind, amount FROM journal WHERE entity <> 'payment' \
         ORDER BY business_date, entity, kind, amount",
    ];
    rows_as_text(store, &queries).await
}

/// Runs each query and renders every row as `a|b|c` text, NULL for nulls.
async fn rows_as_text(store: &Store, queries: &[&str]) -> Vec<String> {
    use sqlx::Row;
    let mut out = Vec::new();
    for sql in queries {
        for row in sqlx::query(sql).fetch_all(store.pool()).await.unwrap() {
            let line: Vec<String> = (0..row.len())
                .map(|idx| {
                    row.try_get::<Option<String>, _>(idx)
                        .map(|v| v.unwrap_or_else(|| "NULL".into()))
                        .or_else(|_| {
                            row.try_get::<Option<i64>, _>(idx)
                                .map(|v| v.map(|n| n.to_string()).unwrap_or_else(|| "NULL".into()))
                        })
                        .unwrap()
                })
                .collect();
            out.push(line.join("|"));
        }
    }
    out
}
