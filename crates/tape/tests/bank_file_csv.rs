//! Bank files in CSV: payments and auto-debit results become bank records, and every bad value
//! is reported with its row and column.

mod common;

use common::*;
use recoup_core::book::{
    BankRecord, DebitFailure, DebitFailureReason, PaymentChannel, PaymentRecord,
};
use recoup_core::Fen;

#[test]
fn each_record_type_becomes_its_bank_record() {
    let text = bank_csv(&[
        [
            "K1",
            "HT1",
            "2025-06-15",
            "debit_success",
            "4389.55",
            "",
            "",
        ],
        [
            "K2",
            "HT1",
            "2025-06-15",
            "debit_failure",
            "4389.55",
            "insufficient_funds",
            " 3008 ",
        ],
        ["K3", "HT1", "2025-06-18", "counter", "100", "", ""],
        ["K4", "HT2", "2025/6/20", "transfer", "1,000.5", "", ""],
    ]);
    let records = read_bank(&text).unwrap();
    assert_eq!(
        records,
        vec![
            BankRecord::Payment(PaymentRecord {
                key: "K1".into(),
                loan_no: "HT1".into(),
                channel: PaymentChannel::AutoDebit,
                value_date: date(2025, 6, 15),
                amount: Fen::new(438_955),
            }),
            BankRecord::DebitFailed(DebitFailure {
                key: "K2".into(),
                loan_no: "HT1".into(),
                date: date(2025, 6, 15),
                amount_attempted: Fen::new(438_955),
                reason: DebitFailureReason::InsufficientFunds,
                bank_code: Some("3008".into()),
            }),
            BankRecord::Payment(PaymentRecord {
                key: "K3".into(),
                loan_no: "HT1".into(),
                channel: PaymentChannel::Counter,
                value_date: date(2025, 6, 18),
                amount: Fen::new(10_000),
            }),
            BankRecord::Payment(PaymentRecord {
                key: "K4".into(),
                loan_no: "HT2".into(),
                channel: PaymentChannel::Transfer,
                value_date: date(2025, 6, 20),
                amount: Fen::new(100_050),
            }),
        ]
    );
}

#[test]
fn chinese_headers_types_and_reasons_are_accepted() {
    let text = "流水号,合同号,交易日期,交易类型,金额,失败原因,银行返回码\n\
                K1,HT1,20250615,代扣失败,4389.55,余额不足,\n\
                K2,HT1,2025年6月18日,柜台,4389.55,,\n\
                K3,HT1,2025-06-19,代扣成功,1.00,,\n\
                K4,HT1,2025-06-20,转账,2.00,,\n";
    let records = read_bank(text).unwrap();
    assert_eq!(records.len(), 4);
    match &records[0] {
        BankRecord::DebitFailed(f) => {
            assert_eq!(f.reason, DebitFailureReason::InsufficientFunds);
            assert_eq!(f.bank_code, None);
            assert_eq!(f.date, date(2025, 6, 15));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(records[1].date(), date(2025, 6, 18));
}

#[test]
fn a_header_without_rows_is_an_empty_file() {
    assert_eq!(read_bank(&bank_csv(&[])).unwrap(), Vec::new());
}

#[test]
fn the_optional_columns_may_be_left_out() {
    let records = read_bank("key,loan_no,date,type,amount\nK1,HT1,2025-06-01,counter,5\n");
    assert_eq!(records.unwrap().len(), 1);
    let failure = read_bank("key,loan_no,date,type,amount\nK1,HT1,2025-06-01,debit_failure,5\n");
    assert_eq!(
        triples(&failure.unwrap_err()),
        vec![(
            2,
            "reason".to_string(),
            "is required when type is debit_failure".to_string()
        )]
    );
}

#[test]
fn a_repeated_key_names_the_first_row() {
    let text = bank_csv(&[
        ["K1", "HT1", "2025-06-15", "counter", "1", "", ""],
        ["K2", "HT1", "2025-06-15", "counter", "1", "", ""],
        ["K1", "HT2", "2025-06-16", "transfer", "2", "", ""],
    ]);
    assert_eq!(
        triples(&read_bank(&text).unwrap_err()),
        vec![(
            4,
            "key".to_string(),
            "key K1 is already on row 2".to_string()
        )]
    );
}

const GOOD: [&str; 7] = [
    "K9",
    "HT1",
    "2025-06-15",
    "debit_failure",
    "10.00",
    "account_frozen",
    "5003",
];

/// Each case: the column index to change, the bad value, the field and the message expected.
const BAD_VALUES: &[(usize, &str, &str, &str)] = &[
    (0, "", "key", "is required but empty"),
    (0, "K 9", "key", "`K 9` contains a space or control character"),
    (1, "", "loan_no", "is required but empty"),
    (2, "15.06.2025", "date", "`15.06.2025` is not a date (expected YYYY-MM-DD, e.g. 2024-03-05)"),
    (2, "2025-06-31", "date", "`2025-06-31` is not a real date"),
    (3, "refund", "type", "`refund` is not one of: debit_success, debit_failure, counter, transfer"),
    (4, "0", "amount", "must be more than 0.00, got 0.00"),
    (4, "-5.00", "amount", "must be more than 0.00, got -5.00"),
    (4, "10.001", "amount", "`10.001` is not an amount in yuan (expected digits with at most 2 decimals, e.g. 1234.56)"),
    (4, "", "amount", "is required but empty"),
    (5, "", "reason", "is required when type is debit_failure"),
    (5, "no money", "reason", "`no money` is not one of: insufficient_funds, account_frozen, card_invalid, account_closed, limit_exceeded, bank_system_error, other"),
];

#[test]
fn each_bad_value_names_its_row_and_field() {
    for (idx, value, field, message) in BAD_VALUES {
        let mut bad = GOOD;
        bad[*idx] = value;
        let text = bank_csv(&[["K1", "HT1", "2025-06-14", "counter", "1", "", ""], bad]);
        let errors = match read_bank(&text) {
            Ok(_) => panic!("{field}={value:?} was accepted"),
            Err(errors) => errors,
        };
        assert_eq!(
            triples(&errors),
            vec![(3, field.to_string(), message.to_string())],
            "{field}={value:?}"
        );
    }
}

#[test]
fn a_reason_on_a_payment_is_an_error() {
    let text = bank_csv(&[[
        "K1",
        "HT1",
        "2025-06-15",
        "counter",
        "1",
        "insufficient_funds",
        "",
    ]]);
    assert_eq!(
        triples(&read_bank(&text).unwrap_err()),
        vec![(
            2,
            "reason".to_string(),
            "is given but type is counter; a reason belongs only to debit_failure".to_string()
        )]
    );
}

#[test]
fn every_problem_in_a_bank_file_is_reported() {
    let text = bank_csv(&[
        ["K1", "HT1", "x", "counter", "1", "", ""],
        ["K2", "HT1", "2025-06-15", "counter", "1", "", ""],
        ["K3", "", "2025-06-15", "gift", "0", "", ""],
    ]);
    assert_eq!(
        places(&read_bank(&text).unwrap_err()),
        vec![
            (2, "date".to_string()),
            (4, "loan_no".to_string()),
            (4, "type".to_string()),
            (4, "amount".to_string()),
        ]
    );
}

#[test]
fn missing_and_unknown_bank_columns_are_named() {
    let errors = read_bank("key,loan,date,amount\n").unwrap_err();
    assert_eq!(
        errors.to_string(),
        "bank.csv: row 1, field loan: unknown column: the bank file has no column of this name; \
         did you mean `loan_no`?\n\
         bank.csv: row 1: missing required columns: loan_no, type"
    );
}
