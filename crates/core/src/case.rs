//! Collection cases and segments: the facts about a borrower's delinquency that strategy
//! conditions read, and the segment vocabulary of the seeds (quadrant, contactability, reason
//! for delay, temperament).

use std::str::FromStr;

use chrono::NaiveDate;

use crate::loan::UnknownName;
use crate::money::Fen;

/// Where a case stands on the collection ladder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stage {
    /// Before the due date: reminders only.
    PreDue,
    /// Initial collection (phone, SMS), roughly M1.
    Early,
    /// Deep collection (visits, lawyer's letters), roughly M2–M3.
    Middle,
    /// Late collection, roughly M4+.
    Late,
    Legal,
    AssetPreservation,
    Agency,
    WrittenOff,
}

/// Willingness × ability to repay (四象限).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quadrant {
    WillingAndAble,
    WillingNotAble,
    AbleNotWilling,
    NeitherWillingNorAble,
}

/// Whether the borrower can be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Contactability {
    Contactable,
    /// 失联: no working number, not at the address.
    LostContact,
}

/// Why the borrower is late, as recorded by a collector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DelayReason {
    EconomicHardship,
    DeliberateDefault,
    InvolvedInLegalCase,
    Bankruptcy,
    /// 车辆出险: accident or insurance claim.
    VehicleAccident,
    Other,
    Unknown,
}

/// The borrower's temperament, as recorded by a collector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Temperament {
    /// 担忧型: reassure.
    Worried,
    /// 逃避型: engage.
    Evasive,
    /// 愤怒型: a softer approach.
    Angry,
    Cooperative,
    Unknown,
}

macro_rules! codes {
    ($ty:ident, $expected:literal, $($variant:ident => $code:literal),+ $(,)?) => {
        impl $ty {
            pub fn code(self) -> &'static str {
                match self { $($ty::$variant => $code),+ }
            }
        }
        impl FromStr for $ty {
            type Err = UnknownName;
            fn from_str(text: &str) -> Result<$ty, UnknownName> {
                match text.trim() {
                    $($code => Ok($ty::$variant),)+
                    _ => Err(UnknownName { text: text.to_string(), expected: $expected }),
                }
            }
        }
    };
}

codes!(Stage, "pre_due, early, middle, late, legal, asset_preservation, agency, written_off",
    PreDue => "pre_due", Early => "early", Middle => "middle", Late => "late", Legal => "legal",
    AssetPreservation => "asset_preservation", Agency => "agency", WrittenOff => "written_off");
codes!(Quadrant, "willing_and_able, willing_not_able, able_not_willing, neither",
    WillingAndAble => "willing_and_able", WillingNotAble => "willing_not_able",
    AbleNotWilling => "able_not_willing", NeitherWillingNorAble => "neither");
codes!(Contactability, "contactable, lost_contact",
    Contactable => "contactable", LostContact => "lost_contact");
codes!(DelayReason, "economic_hardship, deliberate_default, legal_case, bankruptcy, vehicle_accident, other, unknown",
    EconomicHardship => "economic_hardship", DeliberateDefault => "deliberate_default",
    InvolvedInLegalCase => "legal_case", Bankruptcy => "bankruptcy", VehicleAccident => "vehicle_accident",
    Other => "other", Unknown => "unknown");
codes!(Temperament, "worried, evasive, angry, cooperative, unknown",
    Worried => "worried", Evasive => "evasive", Angry => "angry", Cooperative => "cooperative",
    Unknown => "unknown");

/// Everything a strategy condition may read about a case on a business date. Built by
/// end-of-day from the borrower's loans, payments, promises and contacts; pure data.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseFacts {
    pub case_id: i64,
    pub borrower_id: i64,
    pub as_of: NaiveDate,
    pub stage: Stage,
    /// Days past due of the borrower's worst loan (0 when current).
    pub dpd: u32,
    /// Bucket label of the worst loan (M0…M6+ by default).
    pub bucket: String,
    /// Days until the next installment falls due (None when nothing more falls due).
    pub days_to_next_due: Option<u32>,
    /// Amount of that next installment.
    pub next_due_amount: Fen,
    pub total_arrears: Fen,
    pub principal_outstanding: Fen,
    /// Original principal of the largest loan (large loans get a call, not only an SMS).
    pub loan_principal: Fen,
    pub months_on_book: u32,
    pub times_delinquent: u32,
    /// The auto-debit failed on the last due date and nothing has been paid since.
    pub debit_failed_today: bool,
    pub failed_debits: u32,
    pub broken_promises: u32,
    pub promises_kept: u32,
    pub days_since_last_payment: Option<u32>,
    pub days_since_last_contact: Option<u32>,
    pub quadrant: Quadrant,
    pub contactability: Contactability,
    pub delay_reason: DelayReason,
    pub temperament: Temperament,
    pub repeated_delinquency: bool,
    /// Model score of the probability of default, 0–1000 (500 until the scoring issue fills it).
    pub risk_score: u32,
    /// Vehicle risk 0–1000 from telematics (0 until the telematics issue fills it).
    pub vehicle_risk: u32,
    /// Days in the current stage.
    pub days_in_stage: u32,
}
