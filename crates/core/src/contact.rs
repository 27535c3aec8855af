//! Contact: the channels a treatment can use, who is contacted, and the ledger of contact events
//! from which every compliance counter is computed.
//!
//! A contact event is either an attempt (dialled, sent, visited) or a connected contact (the
//! person answered, the message was delivered and read, the visit met someone). The two are
//! kept apart because the rules count them differently (e.g. China: at most 3 connected calls a
//! day; Reg F: at most 7 call attempts in 7 days).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};

use crate::loan::UnknownName;

/// How a treatment reaches the borrower, or what internal action it triggers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    Sms,
    Call,
    Letter,
    Email,
    WeChat,
    FieldVisit,
    LawyerLetter,
    /// Locate the financed car (GPS, parking, who uses it); no contact with a person.
    VehicleLocationCheck,
    AssetPreservationReferral,
    LegalReferral,
    AgencyPlacement,
}

impl Channel {
    pub const ALL: [Channel; 11] = [
        Channel::Sms,
        Channel::Call,
        Channel::Letter,
        Channel::Email,
        Channel::WeChat,
        Channel::FieldVisit,
        Channel::LawyerLetter,
        Channel::VehicleLocationCheck,
        Channel::AssetPreservationReferral,
        Channel::LegalReferral,
        Channel::AgencyPlacement,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Call => "call",
            Channel::Letter => "letter",
            Channel::Email => "email",
            Channel::WeChat => "wechat",
            Channel::FieldVisit => "field_visit",
            Channel::LawyerLetter => "lawyer_letter",
            Channel::VehicleLocationCheck => "vehicle_location_check",
            Channel::AssetPreservationReferral => "asset_preservation_referral",
            Channel::LegalReferral => "legal_referral",
            Channel::AgencyPlacement => "agency_placement",
        }
    }

    /// Whether the channel reaches a person, and so needs a compliance permit. Referrals,
    /// placements and vehicle checks are internal actions.
    pub fn is_contact(self) -> bool {
        matches!(
            self,
            Channel::Sms
                | Channel::Call
                | Channel::Letter
                | Channel::Email
                | Channel::WeChat
                | Channel::FieldVisit
                | Channel::LawyerLetter
        )
    }

    /// The stage a case moves to when this action is taken: a referral hands the case to asset
    /// preservation or legal, a placement to an agency. Those stages are sticky until a cure.
    pub fn escalates_to(self) -> Option<crate::case::Stage> {
        use crate::case::Stage;
        match self {
            Channel::AssetPreservationReferral => Some(Stage::AssetPreservation),
            Channel::LegalReferral => Some(Stage::Legal),
            Channel::AgencyPlacement => Some(Stage::Agency),
            _ => None,
        }
    }
}

impl FromStr for Channel {
    type Err = UnknownName;
    fn from_str(text: &str) -> Result<Channel, UnknownName> {
        Channel::ALL.into_iter().find(|c| c.code() == text.trim()).ok_or_else(|| UnknownName {
            text: text.to_string(),
            expected: "sms, call, letter, email, wechat, field_visit, lawyer_letter, vehicle_location_check, \
                       asset_preservation_referral, legal_referral, agency_placement",
        })
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Who a contact is addressed to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Party {
    Borrower,
    /// A registered emergency contact, by its sequence number (1-based) on the borrower.
    ThirdParty {
        contact_seq: u32,
    },
    /// The borrower's lawyer, when the borrower is represented.
    Lawyer,
}

/// What became of a contact event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContactResult {
    /// Tried: dialled and not answered, busy, switched off; message sent; visit with nobody met.
    Attempted,
    /// Reached a person: call answered, visit met someone, message confirmed delivered.
    Connected,
    /// The number or address does not work (invalid number, returned letter).
    Failed,
}

/// One contact event in the ledger: what happened, when (UTC instant), through which channel
/// and address, to whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactEvent {
    pub borrower_id: i64,
    /// The loan the contact was about, if one (a borrower's contacts count across loans).
    pub loan_id: Option<i64>,
    pub at: DateTime<Utc>,
    pub channel: Channel,
    pub party: Party,
    /// The phone number, e-mail address or postal address used, normalised; counters per number
    /// key on it.
    pub address: String,
    pub result: ContactResult,
    /// Whether a telephone conversation took place (Reg F's 7-day rule keys on it).
    pub conversation: bool,
}
