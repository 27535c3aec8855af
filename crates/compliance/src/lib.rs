//! recoup-compliance: the contact guard. Rule profiles (China `cn`, US Regulation F `us-regf`)
//! are TOML files; the guard checks a [`ContactRequest`] against the borrower's
//! [`BorrowerStanding`] and recent contact ledger, counted in the borrower's local time, and
//! answers with a [`Decision`]: a [`Permit`] (which only this crate can construct, so nothing is
//! sent without one) or a [`Block`] naming the rule.
//!
//! Internal actions (`Channel::is_contact() == false`: vehicle checks, referrals, placements)
//! reach no person and need no permit; callers branch on `is_contact()` before asking the guard.
//! Asking anyway is a caller bug and is blocked (`<prefix>.fail_closed.not_a_contact`).

pub mod guard;
mod local_time;
pub mod profile;
pub mod report;
pub mod request;
pub mod rule;

pub use guard::{Block, Decision, Guard, History, Permit};
pub use profile::{Profile, ProfileError};
pub use report::ComplianceReport;
pub use request::{
    BorrowerStanding, ChannelSet, Consent, ContactRequest, Flag, Flags, TemplateClass,
};
pub use rule::{Rule, RuleId};
