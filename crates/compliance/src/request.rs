//! What the guard is asked: the contact a treatment wants to make ([`ContactRequest`]) and the
//! borrower's standing on the day ([`BorrowerStanding`]: time zone, legal flags, opt-outs,
//! consent, contactability and registered contacts).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use recoup_core::contact::{Channel, Party};

/// The class of the message template, which decides what may be said to whom. A third party
/// may only receive a third-party template: one that locates the borrower or passes a message
/// and never mentions the debt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TemplateClass {
    /// Ordinary collection content addressed to the borrower (or the lawyer).
    Normal,
    /// Asks a third party where the borrower can be reached; says nothing of the debt.
    ThirdPartyLocate,
    /// Asks a third party to pass on a call-back request; says nothing of the debt.
    ThirdPartyMessage,
    /// A notice the law requires or allows even under a flag (e.g. a statement that collection
    /// stops, a court or bankruptcy notice).
    LegalNotice,
}

impl TemplateClass {
    /// Every template class, in code order.
    pub const ALL: [TemplateClass; 4] = [
        TemplateClass::Normal,
        TemplateClass::ThirdPartyLocate,
        TemplateClass::ThirdPartyMessage,
        TemplateClass::LegalNotice,
    ];

    /// The stable code used in profiles and stored decisions.
    pub fn code(self) -> &'static str {
        match self {
            TemplateClass::Normal => "normal",
            TemplateClass::ThirdPartyLocate => "third_party_locate",
            TemplateClass::ThirdPartyMessage => "third_party_message",
            TemplateClass::LegalNotice => "legal_notice",
        }
    }
}

impl FromStr for TemplateClass {
    type Err = String;
    fn from_str(text: &str) -> Result<TemplateClass, String> {
        TemplateClass::ALL
            .into_iter()
            .find(|class| class.code() == text)
            .ok_or_else(|| {
                format!(
                    "unknown template class `{text}` (expected normal, third_party_locate, \
                     third_party_message or legal_notice)"
                )
            })
    }
}

impl fmt::Display for TemplateClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A set of channels as a bit set, so membership tests in the hot path cost one AND.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ChannelSet(u16);

impl ChannelSet {
    /// The empty set.
    pub const EMPTY: ChannelSet = ChannelSet(0);

    /// Adds `channel`.
    pub fn insert(&mut self, channel: Channel) {
        self.0 |= bit(channel);
    }

    /// Whether `channel` is in the set.
    pub fn contains(self, channel: Channel) -> bool {
        self.0 & bit(channel) != 0
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The channels in the set, in `Channel::ALL` order.
    pub fn iter(self) -> impl Iterator<Item = Channel> {
        Channel::ALL.into_iter().filter(move |c| self.contains(*c))
    }
}

impl FromIterator<Channel> for ChannelSet {
    fn from_iter<I: IntoIterator<Item = Channel>>(iter: I) -> ChannelSet {
        let mut set = ChannelSet::EMPTY;
        for channel in iter {
            set.insert(channel);
        }
        set
    }
}

fn bit(channel: Channel) -> u16 {
    // `Channel` is a field-less enum of 11 variants, so its discriminant fits a u16 bit index.
    1u16 << (channel as u16)
}

/// One contact a treatment wants to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRequest {
    pub borrower_id: i64,
    /// The debt the contact is about; `None` means "the borrower's debts in general", which
    /// Reg F's per-debt counters treat as every debt (the stricter reading).
    pub loan_id: Option<i64>,
    pub channel: Channel,
    pub party: Party,
    /// Normalised phone number, e-mail or postal address, as in the ledger.
    pub address: String,
    /// When the contact would be made.
    pub at: DateTime<Utc>,
    pub template: TemplateClass,
    /// The collectors who would make a field visit (ids; duplicates count once). Empty for
    /// other channels.
    pub collectors: Vec<String>,
}

/// The legal and conduct flags on a borrower. Each set flag blocks every contact except those
/// its profile section allows (`[flags.<name>]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Flags {
    pub do_not_contact: bool,
    pub dispute: bool,
    pub bankruptcy: bool,
    pub deceased: bool,
    /// The borrower asked in writing that collection contact stop.
    pub cease_request: bool,
    /// The borrower is represented by a lawyer for this debt; contact goes to the lawyer.
    pub represented_by_lawyer: bool,
}

/// One flag, naming a `[flags.<code>]` section of a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Flag {
    DoNotContact,
    Deceased,
    Bankruptcy,
    Dispute,
    CeaseRequest,
    RepresentedByLawyer,
}

impl Flag {
    /// Every flag, in the order the guard checks them.
    pub const ALL: [Flag; 6] = [
        Flag::DoNotContact,
        Flag::Deceased,
        Flag::Bankruptcy,
        Flag::Dispute,
        Flag::CeaseRequest,
        Flag::RepresentedByLawyer,
    ];

    /// The profile section name (`[flags.<code>]`).
    pub fn code(self) -> &'static str {
        match self {
            Flag::DoNotContact => "do_not_contact",
            Flag::Deceased => "deceased",
            Flag::Bankruptcy => "bankruptcy",
            Flag::Dispute => "dispute",
            Flag::CeaseRequest => "cease_request",
            Flag::RepresentedByLawyer => "represented_by_lawyer",
        }
    }
}

impl Flags {
    /// Whether `flag` is set.
    pub fn is_set(&self, flag: Flag) -> bool {
        match flag {
            Flag::DoNotContact => self.do_not_contact,
            Flag::Deceased => self.deceased,
            Flag::Bankruptcy => self.bankruptcy,
            Flag::Dispute => self.dispute,
            Flag::CeaseRequest => self.cease_request,
            Flag::RepresentedByLawyer => self.represented_by_lawyer,
        }
    }
}

/// The borrower's consent to be contacted outside the normal hours (China) or to be called
/// beyond the frequency limit (Reg F's "prior consent given directly"). It has a start and an
/// expiry; outside `[given_at, expires_at)` it counts for nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Consent {
    pub given_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl Consent {
    /// Whether the consent covers the instant `at`.
    pub fn covers(&self, at: DateTime<Utc>) -> bool {
        self.given_at <= at && at < self.expires_at
    }
}

/// The borrower's standing when the contact would be made.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BorrowerStanding {
    /// The borrower's time zone. `None` means unknown: the profile's `default_time_zone`
    /// applies, and without one the guard blocks (`fail_closed.unknown_time_zone`). Parse a
    /// stored IANA name with `str::parse::<Tz>()`; a name that fails to parse is unknown.
    pub time_zone: Option<Tz>,
    pub flags: Flags,
    /// Channels the borrower opted out of (Reg F 1006.14(h) medium opt-out).
    pub opted_out: ChannelSet,
    /// The latest consent the borrower gave, if any.
    pub consent: Option<Consent>,
    /// 失联: no working number, not at the address. Third parties may be contacted only then.
    pub lost_contact: bool,
    /// Sequence numbers of the borrower's registered contacts (the only third parties that may
    /// ever be contacted).
    pub registered_contacts: Vec<u32>,
    /// Registered contacts who refused further contact.
    pub refused_contacts: Vec<u32>,
}
