//! The files in `examples/`: the valid loan tape and bank file parse and agree with each other,
//! and the bad loan tape gives exactly the errors `docs/loan-tape.md` shows.

mod common;

use std::path::PathBuf;

use common::*;
use recoup_core::book::BankRecord;
use recoup_core::schedule::build_schedule;
use recoup_tape::{read_bank_file, read_loan_tape, ReadEncoding, TextEncoding};

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
}

#[test]
fn the_example_loan_tape_is_valid() {
    let loans = read_loan_tape(&example("loan-tape.csv"), &options())
        .unwrap_or_else(|e| panic!("{e}"))
        .records;
    assert_eq!(loans.len(), 10);
    assert_eq!(loans[0].loan_no, "HT2024030015");
    // Row 3 leaves repayment_day empty: it defaults to the disbursement day.
    assert_eq!(loans[1].terms.repayment_day(), 20);
}

#[test]
fn the_example_bank_file_is_valid_and_matches_the_example_loans() {
    let loans = read_loan_tape(&example("loan-tape.csv"), &options())
        .unwrap()
        .records;
    let records = read_bank_file(&example("bank-file.csv"), TextEncoding::Auto)
        .unwrap_or_else(|e| panic!("{e}"))
        .records;
    assert_eq!(records.len(), 16);
    for record in &records {
        let loan = loans
            .iter()
            .find(|l| l.loan_no == record.loan_no())
            .unwrap_or_else(|| panic!("no loan {}", record.loan_no()));
        assert!(record.date() <= as_of());
        // Auto-debits attempt the installment due on or before their date.
        let due = build_schedule(&loan.terms)
            .into_iter()
            .rfind(|i| i.due_date <= record.date())
            .unwrap();
        match record {
            BankRecord::DebitFailed(f) => assert_eq!(f.amount_attempted, due.payment(), "{f:?}"),
            BankRecord::Payment(p) if p.channel.code() == "auto_debit" => {
                assert_eq!(p.amount, due.payment(), "{p:?}")
            }
            BankRecord::Payment(_) => {}
        }
    }
}

#[test]
fn the_bad_example_gives_the_documented_errors() {
    let errors = read_loan_tape(&example("bad-loan-tape.csv"), &options()).unwrap_err();
    let expected = "\
bad-loan-tape.csv: row 2, field national_id: national ID check digit is 1, expected 3
bad-loan-tape.csv: row 3, field principal: principal 128000.00 is more than the vehicle price 118000.00; a used_car loan cannot exceed the price of the car
bad-loan-tape.csv: row 3, field phones: `1381765432` is not a mainland mobile number (11 digits starting 13–19)
bad-loan-tape.csv: row 4, field vin: VIN check digit (position 9) is 1, expected 9
bad-loan-tape.csv: row 4, field gps_terminal_id: is empty but gps_protocol is given: give both or neither
bad-loan-tape.csv: row 5, field loan_no: loan_no HT2024030015 is already on row 2
bad-loan-tape.csv: row 5, field lien_date: is required when lien_status is registered
bad-loan-tape.csv: row 6, field disbursement_date: 2025-07-15 is after the as-of date 2025-06-30; future-dated bookings are not accepted
bad-loan-tape.csv: row 6, field contact1_relation: `boss` is not one of: spouse, parent, child, sibling, relative, friend, colleague, other
bad-loan-tape.csv: row 6, field lien_date: 2025-07-29 is after the as-of date 2025-06-30
bad-loan-tape.csv: row 7, field principal: `50000.005` is not an amount in yuan (expected digits with at most 2 decimals, e.g. 1234.56)
bad-loan-tape.csv: row 7, field annual_rate_percent: 48 % is outside 0 %–36 %
bad-loan-tape.csv: row 8, field home_lat: is empty but home_lng is given: give both coordinates or neither
bad-loan-tape.csv: row 8, field model_year: model year 2027 is later than 2026, the year after disbursement (2025-01-03)";
    assert_eq!(errors.to_string(), expected);
    assert_eq!(
        places(&errors),
        [
            (2, "national_id"),
            (3, "principal"),
            (3, "phones"),
            (4, "vin"),
            (4, "gps_terminal_id"),
            (5, "loan_no"),
            (5, "lien_date"),
            (6, "disbursement_date"),
            (6, "contact1_relation"),
            (6, "lien_date"),
            (7, "principal"),
            (7, "annual_rate_percent"),
            (8, "home_lat"),
            (8, "model_year"),
        ]
        .map(|(row, field)| (row, field.to_string()))
    );
}

/// The ```csv blocks of a document, in order.
fn csv_blocks(doc: &str) -> Vec<String> {
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../docs")
            .join(doc),
    )
    .unwrap();
    text.split("```csv\n")
        .skip(1)
        .map(|block| block.split("```").next().unwrap().to_string())
        .collect()
}

#[test]
fn the_csv_examples_in_the_loan_tape_document_are_valid() {
    let blocks = csv_blocks("loan-tape.md");
    assert_eq!(blocks.len(), 2);
    for block in blocks {
        read_loans(&block).unwrap_or_else(|e| panic!("{e}\n{block}"));
    }
}

/// The ```text blocks of a document, in order.
fn text_blocks(doc: &str) -> Vec<String> {
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../docs")
            .join(doc),
    )
    .unwrap();
    text.split("```text\n")
        .skip(1)
        .map(|block| block.split("```").next().unwrap().trim_end().to_string())
        .collect()
}

#[test]
fn the_loan_tape_document_shows_the_errors_of_the_bad_example() {
    let errors = read_loan_tape(&example("bad-loan-tape.csv"), &options()).unwrap_err();
    assert!(text_blocks("loan-tape.md").contains(&errors.to_string()));
}

#[test]
fn the_examples_in_the_bank_file_document_are_true() {
    for block in csv_blocks("bank-files.md") {
        read_bank(&block).unwrap_or_else(|e| panic!("{e}\n{block}"));
    }
    let text = "key,loan_no,date,type,amount,reason,bank_code\n\
                ICBC20250515000101,HT2024030015,2025-05-15,debit_success,4389.55,,\n\
                K2,HT2024030015,2025-06-15,debit_failure,4389.55,,\n\
                K3,HT2024030015,2025-06-15,counter,10.001,,\n\
                ICBC20250515000101,HT2024030015,2025-06-16,counter,1,,\n\
                K5,HT2024030015,2025-06-16,counter,1,insufficient_funds,\n";
    let errors = read_bank(text).unwrap_err();
    assert_eq!(text_blocks("bank-files.md"), vec![errors.to_string()]);
}

#[test]
fn the_gbk_example_reads_as_the_utf8_one() {
    let utf8 = read_loan_tape(&example("loan-tape.csv"), &options()).unwrap();
    let gbk = read_loan_tape(&example("loan-tape-gbk.csv"), &options()).unwrap();
    assert_eq!(gbk.records, utf8.records);
    assert_eq!(utf8.encoding, Some(ReadEncoding::Utf8));
    assert_eq!(gbk.encoding, Some(ReadEncoding::Gb18030));
}
