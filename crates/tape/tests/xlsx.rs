//! XLSX loan tapes and bank files, built in the test with rust_xlsxwriter: number cells become
//! exact fen, date cells become dates, text in a number column and numbers Excel cannot hold are
//! reported with the row number Excel shows.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use recoup_core::book::BankRecord;
use recoup_core::Fen;
use recoup_tape::{
    read_bank_file, read_bank_file_from_xlsx_reader, read_loan_tape,
    read_loan_tape_from_xlsx_reader, TapeErrors, TextEncoding,
};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet};

/// How a test writes one cell.
#[derive(Debug, Clone)]
enum Value {
    Text(String),
    Number(f64),
    Date(u16, u8, u8),
    Blank,
}

fn write(sheet: &mut Worksheet, row: u32, col: u16, value: &Value) {
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    match value {
        Value::Text(text) => {
            sheet.write_string(row, col, text).unwrap();
        }
        Value::Number(n) => {
            sheet.write_number(row, col, *n).unwrap();
        }
        Value::Date(y, m, d) => {
            let date = ExcelDateTime::from_ymd(*y, *m, *d).unwrap();
            sheet
                .write_datetime_with_format(row, col, date, &date_format)
                .unwrap();
        }
        Value::Blank => {}
    }
}

/// The cells of a loan row as Excel users type them: amounts, counts and years as numbers,
/// dates as date cells, everything else as text.
fn typed(row: &LoanRow) -> Vec<Value> {
    row.0
        .iter()
        .map(|(column, text)| {
            if text.is_empty() {
                return Value::Blank;
            }
            match *column {
                "principal"
                | "vehicle_price"
                | "annual_rate_percent"
                | "term_months"
                | "repayment_day"
                | "model_year"
                | "home_lat"
                | "home_lng"
                | "work_lat"
                | "work_lng" => Value::Number(text.parse().unwrap()),
                "disbursement_date" | "lien_date" => {
                    let parts: Vec<u16> = text.split('-').map(|p| p.parse().unwrap()).collect();
                    Value::Date(parts[0], parts[1] as u8, parts[2] as u8)
                }
                _ => Value::Text(text.clone()),
            }
        })
        .collect()
}

/// Saves a workbook whose first sheet holds `header` from `first_row` and then `rows`.
fn workbook(
    dir: &Path,
    name: &str,
    first_row: u32,
    header: &[&str],
    rows: &[Vec<Value>],
) -> PathBuf {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("放款明细").unwrap();
    for (col, title) in header.iter().enumerate() {
        sheet.write_string(first_row, col as u16, *title).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (col, value) in row.iter().enumerate() {
            write(sheet, first_row + 1 + r as u32, col as u16, value);
        }
    }
    book.add_worksheet().set_name("说明").unwrap();
    let path = dir.join(name);
    book.save(&path).unwrap();
    path
}

fn loan_book(dir: &Path, rows: &[Vec<Value>]) -> PathBuf {
    workbook(dir, "loans.xlsx", 0, &LOAN_HEADER, rows)
}

fn set(row: &mut [Value], column: &str, value: Value) {
    let idx = LOAN_HEADER.iter().position(|c| *c == column).unwrap();
    row[idx] = value;
}

fn errors_of(path: &Path) -> TapeErrors {
    match read_loan_tape(path, &options()) {
        Ok(read) => panic!("expected errors, read {} loans", read.records.len()),
        Err(errors) => errors,
    }
}

#[test]
fn a_typed_workbook_reads_like_the_same_csv() {
    let dir = tempfile::tempdir().unwrap();
    let rows = [
        LoanRow::valid(1),
        LoanRow::valid(2).with("repayment_day", ""),
    ];
    let cells: Vec<Vec<Value>> = rows.iter().map(typed).collect();
    let from_xlsx = read_loan_tape(&loan_book(dir.path(), &cells), &options())
        .unwrap()
        .records;
    let from_csv = read_loans(&loan_csv(&rows)).unwrap();
    assert_eq!(from_xlsx, from_csv);
    assert_eq!(from_xlsx[1].terms.repayment_day(), 15);
}

#[test]
fn amount_cells_keep_every_fen() {
    let dir = tempfile::tempdir().unwrap();
    let mut row = typed(&LoanRow::valid(1));
    set(&mut row, "principal", Value::Number(1234.5));
    set(
        &mut row,
        "vehicle_price",
        Value::Number(0.1 + 0.2 + 99_999.7),
    );
    let loans = read_loan_tape(&loan_book(dir.path(), &[row]), &options())
        .unwrap()
        .records;
    assert_eq!(loans[0].terms.principal(), Fen::new(123_450));
    assert_eq!(loans[0].vehicle.price, Fen::new(10_000_000));
}

#[test]
fn an_amount_cell_with_three_decimals_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut row = typed(&LoanRow::valid(1));
    set(&mut row, "principal", Value::Number(1234.565));
    assert_eq!(
        triples(&errors_of(&loan_book(dir.path(), &[row]))),
        vec![(
            2,
            "principal".to_string(),
            "`1234.565` is not an amount in yuan (expected digits with at most 2 decimals, e.g. \
             1234.56)"
                .to_string()
        )]
    );
}

#[test]
fn text_in_a_number_column_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut row = typed(&LoanRow::valid(1));
    set(&mut row, "vehicle_price", Value::Text("二十万".to_string()));
    set(&mut row, "term_months", Value::Text("三十六".to_string()));
    assert_eq!(
        triples(&errors_of(&loan_book(dir.path(), &[row]))),
        vec![
            (
                2,
                "term_months".to_string(),
                "`三十六` is not a whole number".to_string()
            ),
            (
                2,
                "vehicle_price".to_string(),
                "`二十万` is not an amount in yuan (expected digits with at most 2 decimals, e.g. \
                 1234.56)"
                    .to_string()
            ),
        ]
    );
}

#[test]
fn numbers_typed_as_text_and_dates_typed_as_text_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let row: Vec<Value> = LoanRow::valid(1)
        .0
        .iter()
        .map(|(_, v)| {
            if v.is_empty() {
                Value::Blank
            } else {
                Value::Text(v.clone())
            }
        })
        .collect();
    let loans = read_loan_tape(&loan_book(dir.path(), &[row]), &options())
        .unwrap()
        .records;
    assert_eq!(loans, read_loans(&loan_csv(&[LoanRow::valid(1)])).unwrap());
}

#[test]
fn a_phone_number_cell_is_read_but_a_national_id_number_cell_has_lost_digits() {
    let dir = tempfile::tempdir().unwrap();
    let mut row = typed(&LoanRow::valid(1).with("phones", "13801234567"));
    set(&mut row, "phones", Value::Number(13801234567.0));
    set(&mut row, "national_id", Value::Number(110105198507123413.0));
    assert_eq!(
        triples(&errors_of(&loan_book(dir.path(), &[row]))),
        vec![(
            2,
            "national_id".to_string(),
            "is a number cell (110105198507123000); Excel keeps only 15 digits, so digits may be \
             lost: format the column as text and enter the value again"
                .to_string()
        )]
    );
}

#[test]
fn a_rate_formatted_as_an_excel_percentage_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let mut row = typed(&LoanRow::valid(1));
    set(&mut row, "annual_rate_percent", Value::Number(0.048));
    assert_eq!(
        triples(&errors_of(&loan_book(dir.path(), &[row]))),
        vec![(
            2,
            "annual_rate_percent".to_string(),
            "is 0.048, which looks like a fraction (Excel stores 6.25% as 0.0625); enter the \
             percentage as a plain number such as 6.25"
                .to_string()
        )]
    );
}

#[test]
fn a_date_column_holding_a_plain_number_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut row = typed(&LoanRow::valid(1));
    set(&mut row, "disbursement_date", Value::Number(45366.0));
    set(&mut row, "lien_date", Value::Number(20240329.0));
    assert_eq!(
        triples(&errors_of(&loan_book(dir.path(), &[row]))),
        vec![(
            2,
            "disbursement_date".to_string(),
            "is a number (45366), not a date: format the cell as a date or enter YYYY-MM-DD"
                .to_string()
        )]
    );
}

#[test]
fn a_date_cell_in_a_text_column_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut row = typed(&LoanRow::valid(1));
    set(&mut row, "loan_no", Value::Date(2024, 3, 15));
    assert_eq!(
        triples(&errors_of(&loan_book(dir.path(), &[row]))),
        vec![(
            2,
            "loan_no".to_string(),
            "is a date cell (2024-03-15); format the cell as text or a number".to_string()
        )]
    );
}

#[test]
fn row_numbers_are_the_ones_excel_shows_even_below_blank_rows() {
    let dir = tempfile::tempdir().unwrap();
    let good = typed(&LoanRow::valid(1));
    let bad = typed(&LoanRow::valid(2).with("product", "boat"));
    let blank = vec![Value::Blank; LOAN_HEADER.len()];
    let path = workbook(
        dir.path(),
        "loans.xlsx",
        2,
        &LOAN_HEADER,
        &[good, blank, bad],
    );
    assert_eq!(
        triples(&errors_of(&path)),
        vec![(
            6,
            "product".to_string(),
            "`boat` is not one of: new_car, used_car, car_mortgage".to_string()
        )]
    );
}

#[test]
fn missing_and_unknown_columns_are_reported_on_the_header_row() {
    let dir = tempfile::tempdir().unwrap();
    let header: Vec<&str> = LOAN_HEADER
        .iter()
        .copied()
        .filter(|c| *c != "vin")
        .chain(["备注"])
        .collect();
    let path = workbook(dir.path(), "loans.xlsx", 1, &header, &[]);
    assert_eq!(
        triples(&errors_of(&path)),
        vec![
            (
                2,
                "备注".to_string(),
                "unknown column: the loan tape has no column of this name".to_string()
            ),
            (2, String::new(), "missing required column: vin".to_string()),
        ]
    );
}

#[test]
fn a_named_sheet_can_be_chosen_and_a_missing_one_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = loan_book(dir.path(), &[typed(&LoanRow::valid(1))]);
    let chosen = read_loan_tape(&path, &options().with_sheet("放款明细"))
        .unwrap()
        .records;
    assert_eq!(chosen.len(), 1);
    let errors = read_loan_tape(&path, &options().with_sheet("Sheet1")).unwrap_err();
    assert_eq!(
        errors.to_string(),
        "loans.xlsx: the workbook has no sheet named `Sheet1`; its sheets are: 放款明细, 说明"
    );
}

#[test]
fn an_empty_first_sheet_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = Workbook::new();
    book.add_worksheet();
    let path = dir.path().join("empty.xlsx");
    book.save(&path).unwrap();
    assert_eq!(
        errors_of(&path).to_string(),
        "empty.xlsx: sheet `Sheet1` is empty: expected a header row"
    );
}

#[test]
fn a_header_only_sheet_is_an_empty_tape() {
    let dir = tempfile::tempdir().unwrap();
    let path = loan_book(dir.path(), &[]);
    assert_eq!(
        read_loan_tape(&path, &options()).unwrap().records,
        Vec::new()
    );
}

#[test]
fn a_file_that_is_not_a_workbook_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("loans.xlsx");
    std::fs::write(&path, loan_csv(&[LoanRow::valid(1)])).unwrap();
    let errors = errors_of(&path);
    assert_eq!(errors.errors.len(), 1);
    assert_eq!(errors.errors[0].row, 0);
    assert!(
        errors.errors[0]
            .message
            .starts_with("cannot read the file as an XLSX workbook"),
        "{errors}"
    );
}

#[test]
fn a_workbook_can_be_read_from_memory() {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (col, title) in LOAN_HEADER.iter().enumerate() {
        sheet.write_string(0, col as u16, *title).unwrap();
    }
    for (col, value) in typed(&LoanRow::valid(1)).iter().enumerate() {
        write(sheet, 1, col as u16, value);
    }
    let bytes = book.save_to_buffer().unwrap();
    let loans =
        read_loan_tape_from_xlsx_reader("upload.xlsx", std::io::Cursor::new(bytes), &options())
            .unwrap();
    assert_eq!(loans.len(), 1);
}

#[test]
fn a_bank_file_workbook_reads_amounts_and_dates_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let rows = vec![
        vec![
            Value::Text("K1".into()),
            Value::Text("HT1".into()),
            Value::Date(2025, 6, 15),
            Value::Text("代扣成功".into()),
            Value::Number(4389.55),
            Value::Blank,
            Value::Blank,
        ],
        vec![
            Value::Number(20250616001.0),
            Value::Text("HT1".into()),
            Value::Number(20250616.0),
            Value::Text("debit_failure".into()),
            Value::Number(4389.5),
            Value::Text("余额不足".into()),
            Value::Number(3008.0),
        ],
    ];
    let path = workbook(dir.path(), "bank.xlsx", 0, &BANK_HEADER, &rows);
    let records = read_bank_file(&path, TextEncoding::Auto).unwrap().records;
    assert_eq!(records[0].date(), date(2025, 6, 15));
    match (&records[0], &records[1]) {
        (BankRecord::Payment(p), BankRecord::DebitFailed(f)) => {
            assert_eq!(p.amount, Fen::new(438_955));
            assert_eq!(f.key, "20250616001");
            assert_eq!(f.date, date(2025, 6, 16));
            assert_eq!(f.amount_attempted, Fen::new(438_950));
            assert_eq!(f.bank_code.as_deref(), Some("3008"));
        }
        other => panic!("{other:?}"),
    }
    let bytes = std::fs::read(&path).unwrap();
    let from_memory =
        read_bank_file_from_xlsx_reader("bank.xlsx", std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(from_memory, records);
}

#[test]
fn a_bank_file_workbook_with_bad_cells_names_each() {
    let dir = tempfile::tempdir().unwrap();
    let rows = vec![vec![
        Value::Text("K1".into()),
        Value::Text("HT1".into()),
        Value::Text("yesterday".into()),
        Value::Text("counter".into()),
        Value::Number(12.345),
        Value::Blank,
        Value::Blank,
    ]];
    let path = workbook(dir.path(), "bank.xlsx", 0, &BANK_HEADER, &rows);
    assert_eq!(
        places(&read_bank_file(&path, TextEncoding::Auto).unwrap_err()),
        vec![(2, "date".to_string()), (2, "amount".to_string())]
    );
}
