//! recoup-tape: the loan tape and bank files, CSV and XLSX.
//!
//! Readers turn a file into checked domain values ([`BookedLoan`], [`BankRecord`]) or into
//! [`TapeErrors`] listing every problem in the file, each with its file, row, column and a
//! message a person can act on. A file with any problem is rejected whole: callers write to the
//! book only when a read returned `Ok`. Writers produce exactly the format the readers accept,
//! so a book can be exported and imported again.
//!
//! The formats are described in `docs/loan-tape.md` and `docs/bank-files.md`.
//!
//! ```no_run
//! use std::path::Path;
//! use recoup_tape::{read_loan_tape, TapeOptions};
//!
//! let options = TapeOptions::as_of(chrono::NaiveDate::from_ymd_opt(2024, 6, 30).unwrap());
//! match read_loan_tape(Path::new("loans.csv"), &options) {
//!     Ok(read) => println!("{} loans", read.records.len()),
//!     Err(errors) => eprintln!("{errors}"),
//! }
//! ```

#![warn(missing_docs)]

mod bank_file;
mod cells;
mod checks;
mod columns;
mod csv_source;
mod encoding;
mod errors;
mod loan_tape;
mod write;
mod xlsx_source;

use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::Path;

use chrono::NaiveDate;
use recoup_core::book::{BankRecord, BookedLoan};

pub use bank_file::BankRecordType;
pub use checks::MAX_REFERENCE_CHARS;
pub use encoding::{ReadEncoding, TextEncoding};
pub use errors::{TapeError, TapeErrors, MAX_LISTED_ERRORS};
pub use loan_tape::MIN_BORROWER_AGE;
pub use write::{write_bank_file_csv, write_loan_tape_csv};

use cells::Table;
use errors::Collector;

/// How to read a loan tape.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TapeOptions {
    /// The business date of the import: a loan disbursed (or a lien registered) after it is an
    /// error. `None` skips the check.
    pub as_of: Option<NaiveDate>,
    /// The XLSX sheet to read; `None` reads the first sheet. Ignored for CSV.
    pub sheet: Option<String>,
    /// The text encoding of a CSV file (default: detect UTF-8 or GB18030/GBK). Ignored for XLSX.
    pub encoding: TextEncoding,
}

impl TapeOptions {
    /// Options that refuse bookings dated after `as_of`.
    pub fn as_of(as_of: NaiveDate) -> TapeOptions {
        TapeOptions {
            as_of: Some(as_of),
            sheet: None,
            encoding: TextEncoding::Auto,
        }
    }

    /// These options, reading a CSV file in `encoding`.
    pub fn with_encoding(mut self, encoding: TextEncoding) -> TapeOptions {
        self.encoding = encoding;
        self
    }

    /// These options, reading the XLSX sheet named `sheet`.
    pub fn with_sheet(mut self, sheet: impl Into<String>) -> TapeOptions {
        self.sheet = Some(sheet.into());
        self
    }
}

/// The file formats, chosen by file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Xlsx,
}

/// The name errors carry: the file name without its directory.
fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn format_of(path: &Path, name: &str) -> Result<Format, TapeErrors> {
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    let message = match extension.as_deref() {
        Some("csv") => return Ok(Format::Csv),
        Some("xlsx") => return Ok(Format::Xlsx),
        Some("xls") => "old-style .xls workbooks are not supported: save the file as .xlsx or as \
                        CSV UTF-8"
            .to_string(),
        Some(other) => format!("unknown file type `.{other}`: expected a .csv or .xlsx file"),
        None => "the file name has no extension: expected a .csv or .xlsx file".to_string(),
    };
    Err(TapeErrors::single(TapeError::new(name, 0, "", message)))
}

/// What a file held, and the text encoding it was read in (`None` for XLSX).
#[derive(Debug, Clone, PartialEq)]
pub struct FileRead<T> {
    /// The rows' values, in file order.
    pub records: Vec<T>,
    /// The encoding a CSV file was read in; `None` for XLSX.
    pub encoding: Option<ReadEncoding>,
}

/// Opens `path` and reads its table, choosing CSV or XLSX by extension; the collector holds any
/// problems found so far.
fn open_table(
    path: &Path,
    sheet: Option<&str>,
    encoding: TextEncoding,
) -> Result<(Option<Table>, Collector), TapeErrors> {
    let name = display_name(path);
    let format = format_of(path, &name)?;
    let file = File::open(path).map_err(|e| {
        TapeErrors::single(TapeError::new(
            &name,
            0,
            "",
            format!("cannot open the file: {e}"),
        ))
    })?;
    let mut errors = Collector::new(&name);
    let table = match format {
        Format::Csv => csv_source::read_csv(BufReader::new(file), encoding, &mut errors),
        Format::Xlsx => xlsx_source::read_xlsx(BufReader::new(file), sheet, &mut errors),
    };
    Ok((table, errors))
}

fn loans_from(
    table: Option<Table>,
    options: &TapeOptions,
    mut errors: Collector,
) -> Result<Vec<BookedLoan>, TapeErrors> {
    let loans = match table {
        Some(table) => loan_tape::parse_loans(&table, options, &mut errors),
        None => Vec::new(),
    };
    errors.finish(loans)
}

fn records_from(
    table: Option<Table>,
    mut errors: Collector,
) -> Result<Vec<BankRecord>, TapeErrors> {
    let records = match table {
        Some(table) => bank_file::parse_bank_records(&table, &mut errors),
        None => Vec::new(),
    };
    errors.finish(records)
}

/// Reads a loan tape from a `.csv` or `.xlsx` file (by extension), checking every field and the
/// rules across rows. Returns every loan and the encoding read, or every problem found; a header
/// with no rows is an empty tape.
pub fn read_loan_tape(
    path: &Path,
    options: &TapeOptions,
) -> Result<FileRead<BookedLoan>, TapeErrors> {
    let (table, errors) = open_table(path, options.sheet.as_deref(), options.encoding)?;
    let encoding = table.as_ref().and_then(|t| t.encoding);
    let records = loans_from(table, options, errors)?;
    Ok(FileRead { records, encoding })
}

/// Reads a loan tape in CSV from `reader`; `name` is the file name errors carry.
pub fn read_loan_tape_from_csv_reader<R: Read>(
    name: &str,
    reader: R,
    options: &TapeOptions,
) -> Result<Vec<BookedLoan>, TapeErrors> {
    let mut errors = Collector::new(name);
    let table = csv_source::read_csv(reader, options.encoding, &mut errors);
    loans_from(table, options, errors)
}

/// Reads a loan tape from an XLSX workbook in `reader` (the sheet in `options`, else the first);
/// `name` is the file name errors carry.
pub fn read_loan_tape_from_xlsx_reader<R: Read + Seek>(
    name: &str,
    reader: R,
    options: &TapeOptions,
) -> Result<Vec<BookedLoan>, TapeErrors> {
    let mut errors = Collector::new(name);
    let table = xlsx_source::read_xlsx(reader, options.sheet.as_deref(), &mut errors);
    loans_from(table, options, errors)
}

/// Reads a bank file (payments and auto-debit results) from a `.csv` or `.xlsx` file (by
/// extension; XLSX: the first sheet; CSV in `encoding`). Returns every record and the encoding
/// read, or every problem found; a header with no rows is an empty file.
pub fn read_bank_file(
    path: &Path,
    encoding: TextEncoding,
) -> Result<FileRead<BankRecord>, TapeErrors> {
    let (table, errors) = open_table(path, None, encoding)?;
    let read_in = table.as_ref().and_then(|t| t.encoding);
    let records = records_from(table, errors)?;
    Ok(FileRead {
        records,
        encoding: read_in,
    })
}

/// Reads a bank file in CSV from `reader` (UTF-8 or GB18030/GBK, detected); `name` is the file
/// name errors carry.
pub fn read_bank_file_from_csv_reader<R: Read>(
    name: &str,
    reader: R,
) -> Result<Vec<BankRecord>, TapeErrors> {
    let mut errors = Collector::new(name);
    let table = csv_source::read_csv(reader, TextEncoding::Auto, &mut errors);
    records_from(table, errors)
}

/// Reads a bank file from the first sheet of an XLSX workbook in `reader`; `name` is the file
/// name errors carry.
pub fn read_bank_file_from_xlsx_reader<R: Read + Seek>(
    name: &str,
    reader: R,
) -> Result<Vec<BankRecord>, TapeErrors> {
    let mut errors = Collector::new(name);
    let table = xlsx_source::read_xlsx(reader, None, &mut errors);
    records_from(table, errors)
}
