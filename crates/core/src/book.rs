//! What the lender books and the bank reports, as checked domain values: a booked loan with its
//! borrower and vehicle (one loan-tape row), and bank records (payments and failed auto-debits).
//!
//! Importers parse files into these types and the simulator generates them; the store persists
//! them. Nothing here knows about files or databases.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;

use crate::identity::{NationalId, Phone, Vin};
use crate::loan::{LoanTerms, Product, UnknownName};
use crate::money::Fen;

/// A point on the map in WGS-84 degrees. Coordinates are not money, so `f64` is fine here.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeoPoint {
    lat: f64,
    lng: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GeoError {
    #[error("latitude {0} is outside -90..90")]
    Latitude(String),
    #[error("longitude {0} is outside -180..180")]
    Longitude(String),
}

impl GeoPoint {
    pub fn new(lat: f64, lng: f64) -> Result<GeoPoint, GeoError> {
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            return Err(GeoError::Latitude(lat.to_string()));
        }
        if !lng.is_finite() || !(-180.0..=180.0).contains(&lng) {
            return Err(GeoError::Longitude(lng.to_string()));
        }
        Ok(GeoPoint { lat, lng })
    }
    pub fn lat(&self) -> f64 {
        self.lat
    }
    pub fn lng(&self) -> f64 {
        self.lng
    }
}

/// A postal address and, when known, where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Address {
    pub text: String,
    pub location: Option<GeoPoint>,
}

/// How an emergency contact is related to the borrower.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relation {
    Spouse,
    Parent,
    Child,
    Sibling,
    Relative,
    Friend,
    Colleague,
    Other,
}

impl Relation {
    pub const ALL: [Relation; 8] = [
        Relation::Spouse,
        Relation::Parent,
        Relation::Child,
        Relation::Sibling,
        Relation::Relative,
        Relation::Friend,
        Relation::Colleague,
        Relation::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Relation::Spouse => "spouse",
            Relation::Parent => "parent",
            Relation::Child => "child",
            Relation::Sibling => "sibling",
            Relation::Relative => "relative",
            Relation::Friend => "friend",
            Relation::Colleague => "colleague",
            Relation::Other => "other",
        }
    }
}

impl FromStr for Relation {
    type Err = UnknownName;
    fn from_str(text: &str) -> Result<Relation, UnknownName> {
        let found = match text.trim().to_ascii_lowercase().as_str() {
            "spouse" | "配偶" | "夫妻" => Relation::Spouse,
            "parent" | "父母" | "父亲" | "母亲" => Relation::Parent,
            "child" | "子女" => Relation::Child,
            "sibling" | "兄弟姐妹" => Relation::Sibling,
            "relative" | "亲属" => Relation::Relative,
            "friend" | "朋友" => Relation::Friend,
            "colleague" | "同事" => Relation::Colleague,
            "other" | "其他" => Relation::Other,
            _ => {
                return Err(UnknownName {
                    text: text.to_string(),
                    expected: "spouse, parent, child, sibling, relative, friend, colleague, other",
                })
            }
        };
        Ok(found)
    }
}

/// A person the borrower registered as an emergency contact (紧急联系人).
#[derive(Debug, Clone, PartialEq)]
pub struct EmergencyContact {
    pub name: String,
    pub relation: Relation,
    pub phone: Phone,
}

/// The borrower as the tape describes them.
#[derive(Debug, Clone, PartialEq)]
pub struct Borrower {
    pub name: String,
    pub national_id: NationalId,
    /// At least one; the first is the primary number.
    pub phones: Vec<Phone>,
    pub home: Address,
    pub work: Option<Address>,
    pub contacts: Vec<EmergencyContact>,
    /// Where the borrower lives, for the hours the compliance guard allows (US rules count
    /// in the consumer's own zone); `None` means the compliance profile's default zone.
    pub time_zone: Option<chrono_tz::Tz>,
}

/// Whether the lien on the car is registered at the vehicle administration office (车管所).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LienStatus {
    /// 已抵押登记.
    Registered,
    /// Registration applied for, not yet done.
    Pending,
    /// Not registered (a risk the recovery team watches).
    NotRegistered,
    /// Released after pay-off.
    Released,
}

impl LienStatus {
    pub fn code(self) -> &'static str {
        match self {
            LienStatus::Registered => "registered",
            LienStatus::Pending => "pending",
            LienStatus::NotRegistered => "not_registered",
            LienStatus::Released => "released",
        }
    }
}

impl FromStr for LienStatus {
    type Err = UnknownName;
    fn from_str(text: &str) -> Result<LienStatus, UnknownName> {
        match text.trim().to_ascii_lowercase().as_str() {
            "registered" | "已登记" | "已抵押" => Ok(LienStatus::Registered),
            "pending" | "办理中" => Ok(LienStatus::Pending),
            "not_registered" | "未登记" => Ok(LienStatus::NotRegistered),
            "released" | "已解押" => Ok(LienStatus::Released),
            _ => Err(UnknownName {
                text: text.to_string(),
                expected: "registered, pending, not_registered, released",
            }),
        }
    }
}

/// The protocol the car's GPS terminal speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GpsProtocol {
    /// JT/T 808, the Chinese road-transport terminal standard.
    Jt808,
    /// GT06, common in after-market trackers.
    Gt06,
}

impl GpsProtocol {
    pub fn code(self) -> &'static str {
        match self {
            GpsProtocol::Jt808 => "jt808",
            GpsProtocol::Gt06 => "gt06",
        }
    }
}

impl FromStr for GpsProtocol {
    type Err = UnknownName;
    fn from_str(text: &str) -> Result<GpsProtocol, UnknownName> {
        match text
            .trim()
            .to_ascii_lowercase()
            .replace(['/', ' ', '-'], "")
            .as_str()
        {
            "jt808" | "jtt808" => Ok(GpsProtocol::Jt808),
            "gt06" => Ok(GpsProtocol::Gt06),
            _ => Err(UnknownName {
                text: text.to_string(),
                expected: "jt808, gt06",
            }),
        }
    }
}

/// The GPS terminal fitted to a financed car.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GpsTerminal {
    /// The terminal's id: a 12-digit terminal phone number for JT/T 808, a 15-digit IMEI for GT06.
    pub terminal_id: String,
    pub protocol: GpsProtocol,
}

/// The financed car, the loan's collateral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vehicle {
    pub vin: Vin,
    pub plate: String,
    pub make: String,
    pub model: String,
    pub year: u16,
    pub price: Fen,
    pub lien_status: LienStatus,
    pub lien_date: Option<NaiveDate>,
    pub gps: Option<GpsTerminal>,
}

/// One booked loan: a row of the loan tape.
#[derive(Debug, Clone, PartialEq)]
pub struct BookedLoan {
    /// The lender's contract number, unique across the book.
    pub loan_no: String,
    pub product: Product,
    pub terms: LoanTerms,
    pub auto_debit_account: String,
    pub dealer: String,
    pub borrower: Borrower,
    pub vehicle: Vehicle,
}

/// How money reached the lender.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentChannel {
    /// A successful bank auto-debit (代扣成功).
    AutoDebit,
    /// Paid at a branch counter (柜台).
    Counter,
    /// A bank transfer (转账).
    Transfer,
}

impl PaymentChannel {
    pub fn code(self) -> &'static str {
        match self {
            PaymentChannel::AutoDebit => "auto_debit",
            PaymentChannel::Counter => "counter",
            PaymentChannel::Transfer => "transfer",
        }
    }

    pub fn parse_code(code: &str) -> Option<PaymentChannel> {
        match code {
            "auto_debit" => Some(PaymentChannel::AutoDebit),
            "counter" => Some(PaymentChannel::Counter),
            "transfer" => Some(PaymentChannel::Transfer),
            _ => None,
        }
    }
}

/// A payment received against a loan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRecord {
    /// Unique for ever: the same key is posted once, however often a file is re-imported.
    pub key: String,
    pub loan_no: String,
    pub channel: PaymentChannel,
    pub value_date: NaiveDate,
    pub amount: Fen,
}

/// Why the bank could not collect an auto-debit (扣款失败原因).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DebitFailureReason {
    InsufficientFunds,
    AccountFrozen,
    CardInvalid,
    AccountClosed,
    LimitExceeded,
    BankSystemError,
    Other,
}

impl DebitFailureReason {
    pub const ALL: [DebitFailureReason; 7] = [
        DebitFailureReason::InsufficientFunds,
        DebitFailureReason::AccountFrozen,
        DebitFailureReason::CardInvalid,
        DebitFailureReason::AccountClosed,
        DebitFailureReason::LimitExceeded,
        DebitFailureReason::BankSystemError,
        DebitFailureReason::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            DebitFailureReason::InsufficientFunds => "insufficient_funds",
            DebitFailureReason::AccountFrozen => "account_frozen",
            DebitFailureReason::CardInvalid => "card_invalid",
            DebitFailureReason::AccountClosed => "account_closed",
            DebitFailureReason::LimitExceeded => "limit_exceeded",
            DebitFailureReason::BankSystemError => "bank_system_error",
            DebitFailureReason::Other => "other",
        }
    }
}

impl FromStr for DebitFailureReason {
    type Err = UnknownName;
    fn from_str(text: &str) -> Result<DebitFailureReason, UnknownName> {
        let found = match text.trim().to_ascii_lowercase().as_str() {
            "insufficient_funds" | "余额不足" => DebitFailureReason::InsufficientFunds,
            "account_frozen" | "账户冻结" => DebitFailureReason::AccountFrozen,
            "card_invalid" | "卡号无效" | "卡状态异常" => DebitFailureReason::CardInvalid,
            "account_closed" | "账户已销户" => DebitFailureReason::AccountClosed,
            "limit_exceeded" | "超过限额" => DebitFailureReason::LimitExceeded,
            "bank_system_error" | "银行系统异常" => DebitFailureReason::BankSystemError,
            "other" | "其他" => DebitFailureReason::Other,
            _ => {
                return Err(UnknownName {
                    text: text.to_string(),
                    expected: "insufficient_funds, account_frozen, card_invalid, account_closed, limit_exceeded, bank_system_error, other",
                })
            }
        };
        Ok(found)
    }
}

impl fmt::Display for DebitFailureReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A failed auto-debit attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebitFailure {
    pub key: String,
    pub loan_no: String,
    pub date: NaiveDate,
    pub amount_attempted: Fen,
    pub reason: DebitFailureReason,
    /// The bank's own return code, kept verbatim.
    pub bank_code: Option<String>,
}

/// One line of a bank result or payment file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BankRecord {
    Payment(PaymentRecord),
    DebitFailed(DebitFailure),
}

impl BankRecord {
    pub fn key(&self) -> &str {
        match self {
            BankRecord::Payment(p) => &p.key,
            BankRecord::DebitFailed(f) => &f.key,
        }
    }

    pub fn loan_no(&self) -> &str {
        match self {
            BankRecord::Payment(p) => &p.loan_no,
            BankRecord::DebitFailed(f) => &f.loan_no,
        }
    }

    pub fn date(&self) -> NaiveDate {
        match self {
            BankRecord::Payment(p) => p.value_date,
            BankRecord::DebitFailed(f) => f.date,
        }
    }
}
