//! Rule identifiers: the stable codes a [`crate::Block`] names and stored decisions keep, e.g.
//! `cn.quiet_hours` or `regf.call_frequency` (the profile's `rule_prefix`, a dot, the rule code).

use std::fmt;
use std::sync::Arc;

/// The kinds of rule the guard enforces. A profile sets their parameters (or leaves optional
/// ones out, which switches them off); the code is stable across releases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// The channel reaches no person; internal actions need no permit.
    NotAContact,
    /// The caller did not say from when its ledger slice is complete, or it starts too late.
    MissingHistory,
    /// Neither the borrower nor the profile gives a time zone.
    UnknownTimeZone,
    /// A ledger event lies after the requested instant: the clock or the ledger is wrong.
    EventInFuture,
    /// The ledger slice holds another borrower's event: the caller passed the wrong slice.
    ForeignEvent,
    FlagDoNotContact,
    FlagDeceased,
    FlagBankruptcy,
    FlagDispute,
    FlagCeaseRequest,
    FlagRepresentedByLawyer,
    /// The borrower opted out of this channel.
    OptOut,
    /// The lawyer may be contacted only when the borrower is represented.
    LawyerNotOnRecord,
    /// The third party is not one of the borrower's registered contacts.
    ThirdPartyUnregistered,
    /// The profile allows no third-party contact.
    ThirdPartyNotAllowed,
    /// The third party refused further contact.
    ThirdPartyRefused,
    /// Third parties only while the borrower is unreachable.
    ThirdPartyBorrowerReachable,
    /// Third parties only with a third-party template (never told of the debt).
    ThirdPartyTemplate,
    /// The channel may not be used for third parties.
    ThirdPartyChannel,
    /// Outside the allowed hours in the borrower's local time.
    QuietHours,
    /// A field visit needs more collectors.
    VisitCollectors,
    /// A field visit outside daytime hours.
    VisitHours,
    /// China: connected calls per party per local day.
    DailyConnectedCalls,
    /// China: unanswered call attempts per phone number per local day.
    DailyUnansweredPerNumber,
    /// Reg F: call attempts per debt in 7 days.
    CallFrequency,
    /// Reg F: no call within 7 days after a telephone conversation about the debt.
    ConversationCooldown,
    /// Too soon after the last contact with the same party.
    MinimumGap,
}

impl Rule {
    /// Every rule, in the order the guard checks them.
    pub const ALL: [Rule; 27] = [
        Rule::NotAContact,
        Rule::MissingHistory,
        Rule::UnknownTimeZone,
        Rule::EventInFuture,
        Rule::ForeignEvent,
        Rule::FlagDoNotContact,
        Rule::FlagDeceased,
        Rule::FlagBankruptcy,
        Rule::FlagDispute,
        Rule::FlagCeaseRequest,
        Rule::FlagRepresentedByLawyer,
        Rule::OptOut,
        Rule::LawyerNotOnRecord,
        Rule::ThirdPartyUnregistered,
        Rule::ThirdPartyNotAllowed,
        Rule::ThirdPartyRefused,
        Rule::ThirdPartyBorrowerReachable,
        Rule::ThirdPartyTemplate,
        Rule::ThirdPartyChannel,
        Rule::QuietHours,
        Rule::VisitCollectors,
        Rule::VisitHours,
        Rule::DailyConnectedCalls,
        Rule::DailyUnansweredPerNumber,
        Rule::CallFrequency,
        Rule::ConversationCooldown,
        Rule::MinimumGap,
    ];

    /// The stable code after the profile prefix.
    pub fn code(self) -> &'static str {
        match self {
            Rule::NotAContact => "fail_closed.not_a_contact",
            Rule::MissingHistory => "fail_closed.missing_history",
            Rule::UnknownTimeZone => "fail_closed.unknown_time_zone",
            Rule::EventInFuture => "fail_closed.event_in_future",
            Rule::ForeignEvent => "fail_closed.foreign_event",
            Rule::FlagDoNotContact => "flag.do_not_contact",
            Rule::FlagDeceased => "flag.deceased",
            Rule::FlagBankruptcy => "flag.bankruptcy",
            Rule::FlagDispute => "flag.dispute",
            Rule::FlagCeaseRequest => "flag.cease_request",
            Rule::FlagRepresentedByLawyer => "flag.represented_by_lawyer",
            Rule::OptOut => "opt_out",
            Rule::LawyerNotOnRecord => "lawyer_not_on_record",
            Rule::ThirdPartyUnregistered => "third_party.unregistered",
            Rule::ThirdPartyNotAllowed => "third_party.not_allowed",
            Rule::ThirdPartyRefused => "third_party.refused",
            Rule::ThirdPartyBorrowerReachable => "third_party.borrower_reachable",
            Rule::ThirdPartyTemplate => "third_party.template",
            Rule::ThirdPartyChannel => "third_party.channel",
            Rule::QuietHours => "quiet_hours",
            Rule::VisitCollectors => "field_visit.collectors",
            Rule::VisitHours => "field_visit.hours",
            Rule::DailyConnectedCalls => "daily_connected_calls",
            Rule::DailyUnansweredPerNumber => "daily_unanswered_per_number",
            Rule::CallFrequency => "call_frequency",
            Rule::ConversationCooldown => "conversation_cooldown",
            Rule::MinimumGap => "minimum_gap",
        }
    }

    /// Whether the rule is a fail-closed guard (a missing counter or clock) rather than a
    /// conduct rule.
    pub fn is_fail_closed(self) -> bool {
        self.code().starts_with("fail_closed.")
    }
}

/// A rule as named by a profile: `<rule_prefix>.<rule code>`, e.g. `cn.quiet_hours`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RuleId {
    // Shared with the profile, so naming a rule never copies the prefix.
    prefix: Arc<str>,
    rule: Rule,
}

impl RuleId {
    pub(crate) fn new(prefix: Arc<str>, rule: Rule) -> RuleId {
        RuleId { prefix, rule }
    }

    /// The profile's rule prefix (`cn`, `regf`).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The rule kind.
    pub fn rule(&self) -> Rule {
        self.rule
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.prefix, self.rule.code())
    }
}
