//! Reading from paths: the format follows the extension, unknown extensions and unreadable files
//! are reported, and errors name the file without its directory.

mod common;

use common::*;
use recoup_tape::{read_bank_file, read_loan_tape, TextEncoding};

#[test]
fn the_extension_chooses_the_format_whatever_its_case() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("LOANS.CSV");
    std::fs::write(&path, loan_csv(&[LoanRow::valid(1)])).unwrap();
    assert_eq!(read_loan_tape(&path, &options()).unwrap().records.len(), 1);
}

#[test]
fn an_unknown_extension_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("loans.txt");
    std::fs::write(&path, loan_csv(&[])).unwrap();
    assert_eq!(
        read_loan_tape(&path, &options()).unwrap_err().to_string(),
        "loans.txt: unknown file type `.txt`: expected a .csv or .xlsx file"
    );
    let bare = dir.path().join("loans");
    assert_eq!(
        read_bank_file(&bare, TextEncoding::Auto)
            .unwrap_err()
            .to_string(),
        "loans: the file name has no extension: expected a .csv or .xlsx file"
    );
}

#[test]
fn an_old_xls_workbook_is_refused_with_advice() {
    let errors = read_loan_tape(std::path::Path::new("/data/loans.xls"), &options()).unwrap_err();
    assert_eq!(
        errors.to_string(),
        "loans.xls: old-style .xls workbooks are not supported: save the file as .xlsx or as CSV \
         UTF-8"
    );
}

#[test]
fn a_missing_file_is_reported_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let errors = read_bank_file(&dir.path().join("bank.csv"), TextEncoding::Auto).unwrap_err();
    assert_eq!(errors.errors.len(), 1);
    assert_eq!(errors.errors[0].file, "bank.csv");
    assert_eq!(errors.errors[0].row, 0);
    assert!(
        errors.errors[0]
            .message
            .starts_with("cannot open the file: "),
        "{errors}"
    );
}

#[test]
fn errors_name_the_file_without_its_directory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("2025-06 放款.csv");
    std::fs::write(&path, loan_csv(&[LoanRow::valid(1).with("product", "x")])).unwrap();
    let errors = read_loan_tape(&path, &options()).unwrap_err();
    assert!(
        errors
            .to_string()
            .starts_with("2025-06 放款.csv: row 2, field product: "),
        "{errors}"
    );
}
