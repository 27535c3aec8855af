//! Writers for the documented CSV formats, so a book (e.g. the simulator's portfolio) can be
//! exported and imported again unchanged: UTF-8 without a byte-order mark, the English header,
//! the columns in documentation order, amounts with two decimals and dates as YYYY-MM-DD.

use std::io::{self, Write};

use recoup_core::book::{BankRecord, BookedLoan};

use crate::bank_file::{BankRecordType, BANK_COLUMNS};
use crate::loan_tape::LOAN_COLUMNS;

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// The loan-tape row for one loan, in [`LOAN_COLUMNS`] order.
fn loan_row(loan: &BookedLoan) -> io::Result<Vec<String>> {
    let terms = &loan.terms;
    let borrower = &loan.borrower;
    let vehicle = &loan.vehicle;
    if borrower.contacts.len() > 3 {
        return Err(invalid(format!(
            "loan {} has {} emergency contacts; the loan tape holds at most 3",
            loan.loan_no,
            borrower.contacts.len()
        )));
    }
    let coordinates =
        |address: Option<&recoup_core::book::Address>| match address.and_then(|a| a.location) {
            Some(point) => [point.lat().to_string(), point.lng().to_string()],
            None => [String::new(), String::new()],
        };
    let [home_lat, home_lng] = coordinates(Some(&borrower.home));
    let [work_lat, work_lng] = coordinates(borrower.work.as_ref());
    let mut row = vec![
        loan.loan_no.clone(),
        loan.product.code().to_string(),
        terms.principal().to_yuan_string(),
        terms.annual_rate().to_percent_string(),
        terms.term_months().to_string(),
        terms.method().code().to_string(),
        terms.disbursement_date().format("%Y-%m-%d").to_string(),
        terms.repayment_day().to_string(),
        loan.auto_debit_account.clone(),
        loan.dealer.clone(),
        borrower.name.clone(),
        borrower.national_id.as_str().to_string(),
        borrower
            .phones
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join(";"),
        borrower.home.text.clone(),
        home_lat,
        home_lng,
        borrower
            .work
            .as_ref()
            .map(|w| w.text.clone())
            .unwrap_or_default(),
        work_lat,
        work_lng,
        borrower
            .time_zone
            .map(|zone| zone.name().to_string())
            .unwrap_or_default(),
    ];
    for n in 0..3 {
        match borrower.contacts.get(n) {
            Some(c) => row.extend([
                c.name.clone(),
                c.relation.code().to_string(),
                c.phone.as_str().to_string(),
            ]),
            None => row.extend([String::new(), String::new(), String::new()]),
        }
    }
    row.extend([
        vehicle.vin.as_str().to_string(),
        vehicle.plate.clone(),
        vehicle.make.clone(),
        vehicle.model.clone(),
        vehicle.year.to_string(),
        vehicle.price.to_yuan_string(),
        vehicle.lien_status.code().to_string(),
        vehicle
            .lien_date
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        vehicle
            .gps
            .as_ref()
            .map(|g| g.terminal_id.clone())
            .unwrap_or_default(),
        vehicle
            .gps
            .as_ref()
            .map(|g| g.protocol.code().to_string())
            .unwrap_or_default(),
    ]);
    debug_assert_eq!(row.len(), LOAN_COLUMNS.len());
    Ok(row)
}

/// Writes `loans` as a loan-tape CSV in the format of `docs/loan-tape.md`, header first.
///
/// Fails with [`io::ErrorKind::InvalidInput`] when a loan cannot be represented (more than three
/// emergency contacts), and with the writer's error when writing fails.
pub fn write_loan_tape_csv<W: Write>(writer: W, loans: &[BookedLoan]) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(writer);
    csv.write_record(LOAN_COLUMNS.iter().map(|c| c.name))?;
    for loan in loans {
        csv.write_record(loan_row(loan)?)?;
    }
    csv.flush()
}

/// The bank-file row for one record, in [`BANK_COLUMNS`] order.
fn bank_row(record: &BankRecord) -> Vec<String> {
    let kind = BankRecordType::of(record).code().to_string();
    let row = match record {
        BankRecord::Payment(p) => vec![
            p.key.clone(),
            p.loan_no.clone(),
            p.value_date.format("%Y-%m-%d").to_string(),
            kind,
            p.amount.to_yuan_string(),
            String::new(),
            String::new(),
        ],
        BankRecord::DebitFailed(f) => vec![
            f.key.clone(),
            f.loan_no.clone(),
            f.date.format("%Y-%m-%d").to_string(),
            kind,
            f.amount_attempted.to_yuan_string(),
            f.reason.code().to_string(),
            f.bank_code.clone().unwrap_or_default(),
        ],
    };
    debug_assert_eq!(row.len(), BANK_COLUMNS.len());
    row
}

/// Writes `records` as a bank-file CSV in the format of `docs/bank-files.md`, header first.
pub fn write_bank_file_csv<W: Write>(writer: W, records: &[BankRecord]) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(writer);
    csv.write_record(BANK_COLUMNS.iter().map(|c| c.name))?;
    for record in records {
        csv.write_record(bank_row(record))?;
    }
    csv.flush()
}
