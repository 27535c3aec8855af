//! Shared test helpers: a valid loan-tape row that tests change one field at a time, CSV
//! builders, and shortcuts that read from memory and reduce errors to (row, field, message).

#![allow(dead_code)]

use chrono::NaiveDate;
use recoup_core::book::{BankRecord, BookedLoan};
use recoup_core::identity::{national_id_check_char, vin_check_char};
use recoup_tape::{
    read_bank_file_from_csv_reader, read_loan_tape_from_csv_reader, TapeErrors, TapeOptions,
};

/// Every loan-tape column, in documentation order.
pub const LOAN_HEADER: [&str; 39] = [
    "loan_no",
    "product",
    "principal",
    "annual_rate_percent",
    "term_months",
    "method",
    "disbursement_date",
    "repayment_day",
    "auto_debit_account",
    "dealer",
    "borrower_name",
    "national_id",
    "phones",
    "home_address",
    "home_lat",
    "home_lng",
    "work_address",
    "work_lat",
    "work_lng",
    "time_zone",
    "contact1_name",
    "contact1_relation",
    "contact1_phone",
    "contact2_name",
    "contact2_relation",
    "contact2_phone",
    "contact3_name",
    "contact3_relation",
    "contact3_phone",
    "vin",
    "plate",
    "make",
    "model",
    "model_year",
    "vehicle_price",
    "lien_status",
    "lien_date",
    "gps_terminal_id",
    "gps_protocol",
];

/// Every bank-file column, in documentation order.
pub const BANK_HEADER: [&str; 7] = [
    "key",
    "loan_no",
    "date",
    "type",
    "amount",
    "reason",
    "bank_code",
];

/// The as-of date the tests import with.
pub fn as_of() -> NaiveDate {
    date(2025, 6, 30)
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn options() -> TapeOptions {
    TapeOptions::as_of(as_of())
}

/// A national ID with a correct check character for the 17 digits given.
pub fn national_id(first17: &str) -> String {
    format!("{first17}{}", national_id_check_char(first17))
}

/// A VIN with a correct check digit; `vin` has any character at position 9.
pub fn vin(vin: &str) -> String {
    let check = vin_check_char(vin);
    format!("{}{check}{}", &vin[..8], &vin[9..])
}

/// The VIN of test loan `n`.
pub fn vin_for(n: usize) -> String {
    vin(&format!("LSVAM4180R2{n:06}"))
}

/// A 15-digit IMEI with a correct Luhn check digit for the 14 digits given.
pub fn imei(first14: &str) -> String {
    for d in 0..10 {
        let candidate = format!("{first14}{d}");
        let sum: u32 = candidate
            .bytes()
            .rev()
            .enumerate()
            .map(|(i, b)| {
                let v = u32::from(b - b'0');
                if i % 2 == 1 {
                    let doubled = v * 2;
                    if doubled > 9 {
                        doubled - 9
                    } else {
                        doubled
                    }
                } else {
                    v
                }
            })
            .sum();
        if sum.is_multiple_of(10) {
            return candidate;
        }
    }
    unreachable!()
}

/// One loan-tape row as (column, value) pairs in header order; `n` makes the contract number,
/// VIN and GPS terminal unique.
#[derive(Debug, Clone)]
pub struct LoanRow(pub Vec<(&'static str, String)>);

impl LoanRow {
    /// A valid row for test loan `n`, every column filled.
    pub fn valid(n: usize) -> LoanRow {
        let values = [
            format!("HT{n:08}"),
            "new_car".to_string(),
            "146900.00".to_string(),
            "4.8".to_string(),
            "36".to_string(),
            "equal_installment".to_string(),
            "2024-03-15".to_string(),
            "15".to_string(),
            "6222020200112345678".to_string(),
            "北京博瑞祥驰汽车销售服务有限公司".to_string(),
            "王建国".to_string(),
            national_id("11010519850712341"),
            "13801234567;13911112222".to_string(),
            "北京市朝阳区阜通东大街6号".to_string(),
            "39.996812".to_string(),
            "116.470125".to_string(),
            "北京市海淀区中关村大街27号".to_string(),
            "39.983421".to_string(),
            "116.316254".to_string(),
            "Asia/Shanghai".to_string(),
            "李秀英".to_string(),
            "spouse".to_string(),
            "13701234567".to_string(),
            "王志强".to_string(),
            "sibling".to_string(),
            "13601234568".to_string(),
            "赵敏".to_string(),
            "friend".to_string(),
            "15012345678".to_string(),
            vin_for(n),
            "京N8K2Q5".to_string(),
            "大众".to_string(),
            "帕萨特".to_string(),
            "2024".to_string(),
            "209900.00".to_string(),
            "registered".to_string(),
            "2024-03-29".to_string(),
            format!("0138{n:08}"),
            "jt808".to_string(),
        ];
        LoanRow(LOAN_HEADER.iter().copied().zip(values).collect())
    }

    /// The row with `column` set to `value`.
    pub fn with(mut self, column: &str, value: &str) -> LoanRow {
        let cell = self
            .0
            .iter_mut()
            .find(|(name, _)| *name == column)
            .unwrap_or_else(|| panic!("no column {column}"));
        cell.1 = value.to_string();
        self
    }

    /// The value in `column`.
    pub fn get(&self, column: &str) -> &str {
        &self.0.iter().find(|(name, _)| *name == column).unwrap().1
    }
}

fn csv_line(values: &[String]) -> String {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    writer.write_record(values).unwrap();
    String::from_utf8(writer.into_inner().unwrap()).unwrap()
}

/// A loan-tape CSV with the full header and `rows`.
pub fn loan_csv(rows: &[LoanRow]) -> String {
    let header: Vec<String> = LOAN_HEADER.iter().map(|h| h.to_string()).collect();
    let mut text = csv_line(&header);
    for row in rows {
        let values: Vec<String> = row.0.iter().map(|(_, v)| v.clone()).collect();
        text.push_str(&csv_line(&values));
    }
    text
}

/// Reads a loan tape from CSV text under the name `loans.csv`, importing as of 2025-06-30.
pub fn read_loans(text: &str) -> Result<Vec<BookedLoan>, TapeErrors> {
    read_loan_tape_from_csv_reader("loans.csv", text.as_bytes(), &options())
}

/// Reads a bank file from CSV text under the name `bank.csv`.
pub fn read_bank(text: &str) -> Result<Vec<BankRecord>, TapeErrors> {
    read_bank_file_from_csv_reader("bank.csv", text.as_bytes())
}

/// The errors as (row, field, message) triples.
pub fn triples(errors: &TapeErrors) -> Vec<(usize, String, String)> {
    errors
        .iter()
        .map(|e| (e.row, e.field.clone(), e.message.clone()))
        .collect()
}

/// The errors as (row, field) pairs.
pub fn places(errors: &TapeErrors) -> Vec<(usize, String)> {
    errors.iter().map(|e| (e.row, e.field.clone())).collect()
}

/// Reads one loan row and expects errors; returns them.
pub fn loan_errors(rows: &[LoanRow]) -> TapeErrors {
    match read_loans(&loan_csv(rows)) {
        Ok(loans) => panic!("expected errors, read {} loans", loans.len()),
        Err(errors) => errors,
    }
}

/// A bank-file CSV with the full header and `rows` (each seven values).
pub fn bank_csv(rows: &[[&str; 7]]) -> String {
    let header: Vec<String> = BANK_HEADER.iter().map(|h| h.to_string()).collect();
    let mut text = csv_line(&header);
    for row in rows {
        let values: Vec<String> = row.iter().map(|v| v.to_string()).collect();
        text.push_str(&csv_line(&values));
    }
    text
}
