//! A small loan book behind the API tests: hand-built booked loans run through the real
//! end-of-day, and collection cases placed on them with an assignee (as assignment would).

use chrono::NaiveDate;
use recoup_core::book::{
    Address, BookedLoan, Borrower, EmergencyContact, GeoPoint, LienStatus, Relation, Vehicle,
};
use recoup_core::identity::{national_id_check_char, vin_check_char, NationalId, Phone, Vin};
use recoup_core::loan::{LoanTerms, Product, RepaymentMethod};
use recoup_core::servicing::LedgerPolicy;
use recoup_core::{AnnualRate, Fen};
use recoup_store::{EodOptions, Quiet};

use crate::helpers::TestApp;

pub const RECORDED_AT: &str = "2026-11-22T00:00:00Z";

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// The ledger policy of the tests: ¥50 late fee per missed installment.
pub fn policy() -> LedgerPolicy {
    LedgerPolicy {
        late_fee: Fen::from_yuan(50),
        ..LedgerPolicy::default()
    }
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

/// A 12-month equal-installment loan of ¥60,000 disbursed 2026-01-10, due on the 10th.
pub fn loan(seq: u32) -> BookedLoan {
    let disbursed = d(2026, 1, 10);
    BookedLoan {
        loan_no: format!("CL{seq:08}"),
        product: Product::NewCar,
        terms: LoanTerms::new(
            Fen::from_yuan(60_000),
            AnnualRate::parse_percent("7.2").unwrap(),
            12,
            RepaymentMethod::EqualInstallment,
            disbursed,
            10,
        )
        .unwrap(),
        auto_debit_account: "6222020200112233445".into(),
        dealer: "北京朝阳汽车销售服务有限公司".into(),
        borrower: Borrower {
            name: format!("张{seq}"),
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
            price: Fen::from_yuan(120_000),
            lien_status: LienStatus::Registered,
            lien_date: Some(disbursed),
            gps: None,
        },
    }
}

/// Books loans 1..=n, closes every date through `through` with no payments (so they fall into
/// arrears), and opens a case on each borrower assigned to `assignee`. Returns the case ids.
pub async fn overdue_book(app: &TestApp, n: u32, through: NaiveDate, assignee: &str) -> Vec<i64> {
    let loans: Vec<BookedLoan> = (1..=n).map(loan).collect();
    let policy = policy();
    app.store
        .book_loans(&loans, &policy.buckets, RECORDED_AT)
        .await
        .unwrap();
    app.store
        .run_eod_through(
            through,
            &policy,
            &EodOptions::default(),
            &Quiet,
            RECORDED_AT,
        )
        .await
        .unwrap();
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM borrower ORDER BY id")
        .fetch_all(app.store.pool())
        .await
        .unwrap();
    for id in &ids {
        app.execute(&format!(
            "INSERT INTO collection_case (borrower_id, status, stage, opened_on, stage_since, \
             past_due, times_opened, arm, quadrant, contactability, planned_on, assignee) \
             VALUES ({id}, 'open', 'early', '2026-02-11', '2026-02-11', 1, 1, 'champion', \
             'unknown', 'contactable', '{through}', '{assignee}')"
        ))
        .await;
    }
    ids
}

/// One loan's running summary: (arrears principal + interest, fees, penalty, dpd, term).
pub async fn loan_summary(app: &TestApp, borrower_id: i64) -> (i64, i64, i64, i64, i64) {
    let row: (i64, i64, i64, i64, i64) = sqlx::query_as(&format!(
        "SELECT arrears_principal + arrears_interest, fees_balance, penalty_balance, dpd, term_months \
         FROM loan WHERE borrower_id = {borrower_id}"
    ))
    .fetch_one(app.store.pool())
    .await
    .unwrap();
    row
}
