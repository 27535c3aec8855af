//! Writers and readers agree: whatever the CSV writers produce, the readers give back unchanged,
//! so a book (such as the simulator's portfolio) can be exported and imported again.

mod common;

use std::path::PathBuf;

use common::*;
use recoup_core::book::{
    Address, BankRecord, BookedLoan, Borrower, DebitFailure, DebitFailureReason, EmergencyContact,
    GeoPoint, GpsProtocol, GpsTerminal, LienStatus, PaymentChannel, PaymentRecord, Relation,
    Vehicle,
};
use recoup_core::identity::{NationalId, Phone, Vin};
use recoup_core::loan::{LoanTerms, Product, RepaymentMethod};
use recoup_core::{AnnualRate, Fen};
use recoup_tape::{
    read_bank_file, read_loan_tape, read_loan_tape_from_csv_reader, write_bank_file_csv,
    write_loan_tape_csv, TapeOptions, TextEncoding,
};

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
}

fn phone(text: &str) -> Phone {
    Phone::parse(text).unwrap()
}

/// Loans covering every product, method, lien status, GPS protocol and optional part.
fn varied_loans() -> Vec<BookedLoan> {
    let products = Product::ALL;
    let methods = RepaymentMethod::ALL;
    let liens = [
        (LienStatus::Registered, Some(date(2024, 2, 1))),
        (LienStatus::Pending, None),
        (LienStatus::NotRegistered, None),
        (LienStatus::Released, Some(date(2024, 1, 20))),
        (LienStatus::Released, None),
    ];
    (0..10)
        .map(|n| {
            let (lien_status, lien_date) = liens[n % liens.len()];
            let gps = match n % 3 {
                0 => None,
                1 => Some(GpsTerminal {
                    terminal_id: format!("0138{n:08}"),
                    protocol: GpsProtocol::Jt808,
                }),
                _ => Some(GpsTerminal {
                    terminal_id: imei(&format!("868512051{n:05}")),
                    protocol: GpsProtocol::Gt06,
                }),
            };
            let contacts: Vec<EmergencyContact> = (0..n % 4)
                .map(|c| EmergencyContact {
                    name: format!("联系人{c}, \"小{c}\""),
                    relation: Relation::ALL[(n + c) % Relation::ALL.len()],
                    phone: phone(&format!("1390000{n:02}{c:02}")),
                })
                .collect();
            let work = match n % 3 {
                0 => None,
                1 => Some(Address {
                    text: "上海市浦东新区世纪大道100号".to_string(),
                    location: None,
                }),
                _ => Some(Address {
                    text: "New York, 5th Ave".to_string(),
                    location: Some(GeoPoint::new(40.7 + 0.1 + 0.2, -73.98765432101).unwrap()),
                }),
            };
            BookedLoan {
                loan_no: format!("RT-{n}"),
                product: products[n % 3],
                terms: LoanTerms::new(
                    Fen::new(5_000_000 + n as i64 * 12_345 + 1),
                    AnnualRate::from_units(n as i64 * 1_234_567).unwrap(),
                    12 * (1 + n as u32 % 5),
                    methods[n % 3],
                    date(2024, 1, 1 + n as u32),
                    28 - n as u32,
                )
                .unwrap(),
                auto_debit_account: format!("62220202001123{n:05}"),
                dealer: if n % 2 == 0 {
                    String::new()
                } else {
                    "广州,\"天河\"汽车".to_string()
                },
                borrower: Borrower {
                    name: format!("借款人{n}"),
                    national_id: NationalId::parse(&national_id(&format!("4401061990062{n:02}53")))
                        .unwrap(),
                    phones: (0..1 + n % 3)
                        .map(|p| phone(&format!("1860000{n:02}{p:02}")))
                        .collect(),
                    home: Address {
                        text: format!("广州市天河区天河路{n}号"),
                        location: (n % 2 == 0)
                            .then(|| GeoPoint::new(23.132147 + n as f64 * 1e-7, 113.3).unwrap()),
                    },
                    work,
                    contacts,
                    time_zone: (n % 5 == 0).then_some(chrono_tz::Asia::Urumqi),
                },
                vehicle: Vehicle {
                    vin: Vin::parse(&vin_for(n)).unwrap(),
                    plate: if n % 4 == 0 {
                        String::new()
                    } else {
                        format!("粤BD{n:05}")
                    },
                    make: "本田".to_string(),
                    model: "雅阁 2.0T".to_string(),
                    year: 2020 + n as u16 % 5,
                    price: Fen::new(20_000_000 + n as i64),
                    lien_status,
                    lien_date,
                    gps,
                },
            }
        })
        .collect()
}

fn written(loans: &[BookedLoan]) -> String {
    let mut out = Vec::new();
    write_loan_tape_csv(&mut out, loans).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn loans_written_then_read_come_back_unchanged() {
    let loans = varied_loans();
    let text = written(&loans);
    let read = read_loan_tape_from_csv_reader("export.csv", text.as_bytes(), &options())
        .unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(read, loans);
}

#[test]
fn the_example_tape_survives_export_and_import() {
    let loans = read_loan_tape(&example("loan-tape.csv"), &options())
        .unwrap()
        .records;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.csv");
    write_loan_tape_csv(std::fs::File::create(&path).unwrap(), &loans).unwrap();
    assert_eq!(read_loan_tape(&path, &options()).unwrap().records, loans);
}

#[test]
fn the_writer_puts_the_documented_header_first() {
    let text = written(&[]);
    assert_eq!(text, format!("{}\n", LOAN_HEADER.join(",")));
}

#[test]
fn the_written_example_row_matches_the_example_file() {
    // Rows that fill every optional column are written back character for character.
    let source = std::fs::read_to_string(example("loan-tape.csv")).unwrap();
    let loans = read_loan_tape(&example("loan-tape.csv"), &TapeOptions::default())
        .unwrap()
        .records;
    let text = written(&loans[..1]);
    let first_two: Vec<&str> = source.lines().take(2).collect();
    assert_eq!(text.lines().collect::<Vec<_>>(), first_two);
}

#[test]
fn more_than_three_contacts_cannot_be_written() {
    let mut loans = varied_loans();
    let extra = loans[3].borrower.contacts[0].clone();
    loans[3].borrower.contacts.push(extra);
    let err = write_loan_tape_csv(Vec::new(), &loans[3..4]).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert_eq!(
        err.to_string(),
        "loan RT-3 has 4 emergency contacts; the loan tape holds at most 3"
    );
}

#[test]
fn bank_records_written_then_read_come_back_unchanged() {
    let mut records: Vec<BankRecord> = DebitFailureReason::ALL
        .iter()
        .enumerate()
        .map(|(n, reason)| {
            BankRecord::DebitFailed(DebitFailure {
                key: format!("F{n}"),
                loan_no: "HT1".to_string(),
                date: date(2025, 6, 1 + n as u32),
                amount_attempted: Fen::new(1 + n as i64),
                reason: *reason,
                bank_code: (n % 2 == 0).then(|| format!("E,{n}")),
            })
        })
        .collect();
    for (n, channel) in [
        PaymentChannel::AutoDebit,
        PaymentChannel::Counter,
        PaymentChannel::Transfer,
    ]
    .into_iter()
    .enumerate()
    {
        records.push(BankRecord::Payment(PaymentRecord {
            key: format!("P{n}"),
            loan_no: "HT2".to_string(),
            channel,
            value_date: date(2025, 5, 31),
            amount: Fen::new(123_456_789 + n as i64),
        }));
    }
    let mut out = Vec::new();
    write_bank_file_csv(&mut out, &records).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("key,loan_no,date,type,amount,reason,bank_code\n"));
    assert_eq!(read_bank(&text).unwrap_or_else(|e| panic!("{e}")), records);
}

#[test]
fn the_example_bank_file_survives_export_and_import() {
    let records = read_bank_file(&example("bank-file.csv"), TextEncoding::Auto)
        .unwrap()
        .records;
    let mut out = Vec::new();
    write_bank_file_csv(&mut out, &records).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(read_bank(&text).unwrap(), records);
}
