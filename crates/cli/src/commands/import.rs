//! `recoup import loans|payments FILE`: parse the whole file first (every problem is reported
//! with file, row and field), then write it in one transaction — or write nothing. A CSV file
//! may be UTF-8 or GB18030/GBK; the command says which it read.

use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;

use recoup_store::StoreError;
use recoup_tape::{ReadEncoding, TapeErrors, TapeOptions, TextEncoding};

use crate::cli::ImportCommand;
use crate::commands::open_store;
use crate::config::Settings;

pub async fn run(
    database_url: &str,
    settings: &Settings,
    command: ImportCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        ImportCommand::Loans {
            file,
            as_of,
            encoding,
        } => {
            let options = TapeOptions::as_of(as_of.unwrap_or_else(|| settings.today()))
                .with_encoding(encoding.encoding);
            import_loans(database_url, settings, &file, &options).await
        }
        ImportCommand::Payments { file, encoding } => {
            import_payments(database_url, settings, &file, encoding.encoding).await
        }
    }
}

fn print_tape_errors(errors: &TapeErrors) -> ExitCode {
    eprintln!("{errors}");
    eprintln!("nothing was imported: fix the file and import it again");
    ExitCode::from(1)
}

/// Says which encoding a CSV file was read in, so a GBK file read as GBK is not a surprise.
fn print_encoding(file: &Path, encoding: Option<ReadEncoding>) {
    if let Some(encoding) = encoding {
        println!("{}: read as {encoding} text", file_name(file));
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

async fn import_loans(
    database_url: &str,
    settings: &Settings,
    file: &Path,
    options: &TapeOptions,
) -> anyhow::Result<ExitCode> {
    let loans = match recoup_tape::read_loan_tape(file, options) {
        Ok(read) => {
            print_encoding(file, read.encoding);
            read.records
        }
        Err(errors) => return Ok(print_tape_errors(&errors)),
    };
    let store = open_store(database_url).await?;
    match store
        .book_loans_for(
            &loans,
            &settings.products,
            &settings.policy.buckets,
            &settings.now_text(),
        )
        .await
    {
        Ok(outcome) => {
            println!(
                "{}: {} loans booked, {} already booked and unchanged",
                file_name(file),
                outcome.booked,
                outcome.unchanged
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(StoreError::LoanConflict { loan_no, message }) => {
            // Loans come back in file order, one per data row after the header (row 1).
            let row = loans
                .iter()
                .position(|l| l.loan_no == loan_no)
                .map(|i| i + 2)
                .unwrap_or(0);
            eprintln!(
                "{}: row {row}, field loan_no: loan {loan_no} {message}",
                file_name(file)
            );
            eprintln!("nothing was imported: fix the file and import it again");
            Ok(ExitCode::from(1))
        }
        Err(other) => Err(other.into()),
    }
}

async fn import_payments(
    database_url: &str,
    settings: &Settings,
    file: &Path,
    encoding: TextEncoding,
) -> anyhow::Result<ExitCode> {
    let records = match recoup_tape::read_bank_file(file, encoding) {
        Ok(read) => {
            print_encoding(file, read.encoding);
            read.records
        }
        Err(errors) => return Ok(print_tape_errors(&errors)),
    };
    let store = open_store(database_url).await?;
    match store
        .post_bank_records(&records, &settings.now_text())
        .await
    {
        Ok(outcome) => {
            println!(
                "{}: {} payments posted, {} failed debits recorded, {} already posted (skipped)",
                file_name(file),
                outcome.payments_posted,
                outcome.failures_recorded,
                outcome.duplicates
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(StoreError::RecordsRejected(problems)) => {
            let name = file_name(file);
            let keys: HashMap<usize, &str> = records
                .iter()
                .enumerate()
                .map(|(i, r)| (i, r.key()))
                .collect();
            for problem in &problems {
                eprintln!(
                    "{name}: row {}, field {}: {} (key {})",
                    problem.index + 2,
                    problem.field,
                    problem.message,
                    keys.get(&problem.index).copied().unwrap_or("?")
                );
            }
            eprintln!("nothing was imported: fix the file and import it again");
            Ok(ExitCode::from(1))
        }
        Err(other) => Err(other.into()),
    }
}
