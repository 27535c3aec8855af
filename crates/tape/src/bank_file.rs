//! The bank file: payments received and auto-debit results, one record per row. This module
//! holds the column set, the record types with their Chinese aliases, and turns a [`Table`]
//! into [`BankRecord`]s, checking every field and that idempotency keys are unique.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use recoup_core::book::{
    BankRecord, DebitFailure, DebitFailureReason, PaymentChannel, PaymentRecord,
};
use recoup_core::loan::UnknownName;

use crate::cells::{Kind, RowReader, Table};
use crate::checks;
use crate::columns::{opt, req, ColumnSpec, Columns};
use crate::errors::Collector;

/// The bank-file columns in the order the writer puts them, with their Chinese aliases.
pub(crate) const BANK_COLUMNS: &[ColumnSpec] = &[
    req("key", &["流水号", "交易流水号", "幂等键"]),
    req("loan_no", &["合同号", "合同编号", "贷款编号"]),
    req("date", &["日期", "交易日期", "扣款日期"]),
    req("type", &["类型", "交易类型"]),
    req("amount", &["金额", "交易金额", "扣款金额"]),
    opt("reason", &["失败原因"]),
    opt("bank_code", &["银行返回码", "返回码"]),
];

/// What a bank-file row records: the `type` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BankRecordType {
    /// 代扣成功: the auto-debit collected the amount.
    DebitSuccess,
    /// 代扣失败: the auto-debit failed; `reason` says why.
    DebitFailure,
    /// 柜台: paid at a branch counter.
    Counter,
    /// 转账: paid by bank transfer.
    Transfer,
}

impl BankRecordType {
    /// Every record type, in documentation order.
    pub const ALL: [BankRecordType; 4] = [
        BankRecordType::DebitSuccess,
        BankRecordType::DebitFailure,
        BankRecordType::Counter,
        BankRecordType::Transfer,
    ];

    /// The code the writer uses, e.g. `debit_success`.
    pub fn code(self) -> &'static str {
        match self {
            BankRecordType::DebitSuccess => "debit_success",
            BankRecordType::DebitFailure => "debit_failure",
            BankRecordType::Counter => "counter",
            BankRecordType::Transfer => "transfer",
        }
    }

    /// The type of a record.
    pub fn of(record: &BankRecord) -> BankRecordType {
        match record {
            BankRecord::DebitFailed(_) => BankRecordType::DebitFailure,
            BankRecord::Payment(p) => match p.channel {
                PaymentChannel::AutoDebit => BankRecordType::DebitSuccess,
                PaymentChannel::Counter => BankRecordType::Counter,
                PaymentChannel::Transfer => BankRecordType::Transfer,
            },
        }
    }
}

impl FromStr for BankRecordType {
    type Err = UnknownName;
    /// Reads a code or its Chinese alias (代扣成功, 代扣失败, 柜台, 转账, …).
    fn from_str(text: &str) -> Result<BankRecordType, UnknownName> {
        match text.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "debit_success" | "代扣成功" | "扣款成功" => Ok(BankRecordType::DebitSuccess),
            "debit_failure" | "代扣失败" | "扣款失败" => Ok(BankRecordType::DebitFailure),
            "counter" | "柜台" | "柜面" => Ok(BankRecordType::Counter),
            "transfer" | "转账" => Ok(BankRecordType::Transfer),
            _ => Err(UnknownName {
                text: text.trim().to_string(),
                expected: "debit_success, debit_failure, counter, transfer",
            }),
        }
    }
}

impl fmt::Display for BankRecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Parses every row of a bank-file table, recording every problem.
pub(crate) fn parse_bank_records(table: &Table, errors: &mut Collector) -> Vec<BankRecord> {
    let Some(columns) = Columns::resolve(table, BANK_COLUMNS, "bank file", errors) else {
        return Vec::new();
    };
    let mut keys: HashMap<String, usize> = HashMap::new();
    let mut records = Vec::with_capacity(table.rows.len());
    for row in &table.rows {
        let mut reader = RowReader::new(row, &columns, errors);
        let record = parse_record(&mut reader, &mut keys);
        if let (Some(record), false) = (record, reader.failed()) {
            records.push(record);
        }
    }
    records
}

fn parse_record(r: &mut RowReader, keys: &mut HashMap<String, usize>) -> Option<BankRecord> {
    let key = r.required("key", Kind::Text, checks::reference);
    let loan_no = r.required("loan_no", Kind::Text, checks::reference);
    let date = r.required_date("date");
    let kind = r.required("type", Kind::Text, BankRecordType::from_str);
    let amount = r.required("amount", Kind::Amount, checks::positive_amount);
    let reason = r.optional("reason", Kind::Text, DebitFailureReason::from_str);
    let bank_code = r.optional("bank_code", Kind::Text, checks::free_text);

    if let Some(key) = &key {
        if let Some(first) = keys.get(key) {
            r.error("key", format!("key {key} is already on row {first}"));
        } else {
            keys.insert(key.clone(), r.number());
        }
    }
    let reason = match (kind, reason) {
        (Some(BankRecordType::DebitFailure), Ok(None)) => {
            r.error("reason", "is required when type is debit_failure");
            return None;
        }
        (Some(kind), Ok(Some(_))) if kind != BankRecordType::DebitFailure => {
            r.error(
                "reason",
                format!("is given but type is {kind}; a reason belongs only to debit_failure"),
            );
            return None;
        }
        (_, reason) => reason.ok()?,
    };
    let (key, loan_no, date, amount) = (key?, loan_no?, date?, amount?);
    let bank_code = bank_code.ok()?;
    let channel = match kind? {
        BankRecordType::DebitFailure => {
            return Some(BankRecord::DebitFailed(DebitFailure {
                key,
                loan_no,
                date,
                amount_attempted: amount,
                reason: reason?,
                bank_code,
            }))
        }
        BankRecordType::DebitSuccess => PaymentChannel::AutoDebit,
        BankRecordType::Counter => PaymentChannel::Counter,
        BankRecordType::Transfer => PaymentChannel::Transfer,
    };
    Some(BankRecord::Payment(PaymentRecord {
        key,
        loan_no,
        channel,
        value_date: date,
        amount,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_types_read_codes_and_chinese_aliases() {
        for (text, kind) in [
            ("debit_success", BankRecordType::DebitSuccess),
            ("代扣成功", BankRecordType::DebitSuccess),
            ("Debit-Failure", BankRecordType::DebitFailure),
            ("代扣失败", BankRecordType::DebitFailure),
            ("柜台", BankRecordType::Counter),
            ("转账", BankRecordType::Transfer),
        ] {
            assert_eq!(text.parse::<BankRecordType>(), Ok(kind), "{text}");
        }
        for kind in BankRecordType::ALL {
            assert_eq!(kind.code().parse::<BankRecordType>(), Ok(kind));
        }
        assert!("refund".parse::<BankRecordType>().is_err());
    }
}
