//! The guard: checks one contact request against the active profile, the borrower's standing
//! and the borrower's recent contact ledger, and answers with a [`Permit`] or a [`Block`].
//!
//! Counters are computed from the ledger on every check, in the borrower's local time: the
//! local-day and 7-day windows are turned into UTC instants once, then the ledger slice is
//! scanned once comparing instants. Nothing is cached between checks, so the ledger is the only
//! source of truth.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, NaiveDateTime, TimeDelta, Timelike, Utc};
use chrono_tz::Tz;
use recoup_core::contact::{Channel, ContactEvent, ContactResult, Party};

use crate::local_time::{next_local_time, start_of_day_before};
use crate::profile::Profile;
use crate::request::{BorrowerStanding, ContactRequest, Flag, TemplateClass};
use crate::rule::{Rule, RuleId};

/// The contact guard for one profile. Cheap to share between threads (`&Guard` is all a check
/// needs).
#[derive(Debug, Clone)]
pub struct Guard {
    profile: Profile,
}

/// The borrower's recent contact ledger, as the caller passes it to [`Guard::check`].
///
/// Contract: `events` holds every contact event of this borrower (all loans, parties and
/// channels, attempts and connected contacts alike) from `complete_since` up to the contact
/// instant, in any order; older events may be included and are ignored. `complete_since` is the
/// caller's statement that nothing since that instant is missing; it must be no later than
/// `at - profile.history()` (8 days in the shipped profiles), which [`Guard::history_since`]
/// computes. Without the marker, or with a later one, the guard blocks
/// (`fail_closed.missing_history`): a counter it cannot compute is a counter it cannot trust.
#[derive(Debug, Clone, Copy)]
pub struct History<'a> {
    pub events: &'a [ContactEvent],
    pub complete_since: Option<DateTime<Utc>>,
}

/// The guard's answer.
#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    Permitted(Permit),
    Blocked(Block),
}

impl Decision {
    /// Whether the contact is permitted.
    pub fn is_permitted(&self) -> bool {
        matches!(self, Decision::Permitted(_))
    }

    /// The rule that blocked the contact, if it was blocked.
    pub fn blocking_rule(&self) -> Option<&RuleId> {
        match self {
            Decision::Permitted(_) => None,
            Decision::Blocked(block) => Some(&block.rule),
        }
    }
}

/// Why a contact was blocked: the rule (a stable id such as `cn.quiet_hours`) and a sentence
/// with the figures that broke it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub rule: RuleId,
    pub reason: String,
}

/// Leave to make one contact. Only [`Guard::check`] can create one: the fields are private and
/// there is no constructor, `Clone` or `Default`, so code outside this crate that holds a permit
/// got it from the guard. Senders take a `Permit` by value and check
/// [`Permit::is_valid_at`] against the instant they actually send.
#[derive(Debug, PartialEq, Eq)]
pub struct Permit {
    borrower_id: i64,
    loan_id: Option<i64>,
    channel: Channel,
    party: Party,
    address: String,
    template: TemplateClass,
    valid_from: DateTime<Utc>,
    valid_until: DateTime<Utc>,
    profile: Arc<str>,
    version: Arc<str>,
}

impl Permit {
    /// The borrower the contact concerns.
    pub fn borrower_id(&self) -> i64 {
        self.borrower_id
    }

    /// The debt the contact is about, as requested.
    pub fn loan_id(&self) -> Option<i64> {
        self.loan_id
    }

    /// The permitted channel.
    pub fn channel(&self) -> Channel {
        self.channel
    }

    /// Who may be contacted.
    pub fn party(&self) -> &Party {
        &self.party
    }

    /// The phone number, e-mail or postal address that may be used.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The template class that may be used.
    pub fn template(&self) -> TemplateClass {
        self.template
    }

    /// The first instant the contact may be made (the requested instant).
    pub fn valid_from(&self) -> DateTime<Utc> {
        self.valid_from
    }

    /// The permit expires at this instant (exclusive): the earliest of the profile's
    /// `permit_validity_minutes`, the start of quiet hours, the end of visiting hours and the
    /// end of a consent the permit relied on.
    pub fn valid_until(&self) -> DateTime<Utc> {
        self.valid_until
    }

    /// Whether the contact may be made at `at`.
    pub fn is_valid_at(&self, at: DateTime<Utc>) -> bool {
        self.valid_from <= at && at < self.valid_until
    }

    /// The name of the profile that granted the permit.
    pub fn profile(&self) -> &str {
        &self.profile
    }

    /// The rule-set version of that profile.
    pub fn profile_version(&self) -> &str {
        &self.version
    }
}

type Verdict = Result<DateTime<Utc>, (Rule, String)>;

impl Guard {
    /// A guard enforcing `profile`.
    pub fn new(profile: Profile) -> Guard {
        Guard { profile }
    }

    /// The active profile.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The latest `History::complete_since` the guard accepts for a contact at `at`: the caller
    /// loads the borrower's events from this instant on.
    pub fn history_since(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        at - self.profile.history
    }

    /// Checks one contact. Pure: the same request, standing and history give the same decision.
    ///
    /// The permit does not reserve capacity: the caller records the contact in the ledger
    /// before asking for the next permit for the same borrower, so checks for one borrower run
    /// one at a time.
    pub fn check(
        &self,
        request: &ContactRequest,
        standing: &BorrowerStanding,
        history: History<'_>,
    ) -> Decision {
        match self.evaluate(request, standing, history) {
            Ok(valid_until) => Decision::Permitted(Permit {
                borrower_id: request.borrower_id,
                loan_id: request.loan_id,
                channel: request.channel,
                party: request.party.clone(),
                address: request.address.clone(),
                template: request.template,
                valid_from: request.at,
                valid_until,
                profile: Arc::clone(&self.profile.name),
                version: Arc::clone(&self.profile.version),
            }),
            Err((rule, reason)) => Decision::Blocked(Block {
                rule: RuleId::new(Arc::clone(&self.profile.prefix), rule),
                reason,
            }),
        }
    }

    fn evaluate(
        &self,
        request: &ContactRequest,
        standing: &BorrowerStanding,
        history: History<'_>,
    ) -> Verdict {
        let profile = &self.profile;
        let at = request.at;
        let channel = request.channel;
        if !channel.is_contact() {
            return Err((
                Rule::NotAContact,
                format!(
                    "`{channel}` is an internal action: it reaches no person and needs no permit"
                ),
            ));
        }
        match history.complete_since {
            None => {
                return Err((
                    Rule::MissingHistory,
                    "no history marker: the caller did not say from when its ledger slice is complete"
                        .into(),
                ))
            }
            Some(since) if since > at - profile.history => {
                return Err((
                    Rule::MissingHistory,
                    format!(
                        "the ledger slice is complete only since {since}; the profile needs {} days before {at}",
                        profile.history.num_days()
                    ),
                ))
            }
            Some(_) => {}
        }
        let Some(tz) = standing.time_zone.or(profile.default_time_zone) else {
            return Err((
                Rule::UnknownTimeZone,
                "the borrower's time zone is unknown and the profile has no default".into(),
            ));
        };

        self.check_flags(request, standing)?;
        self.check_party(request, standing)?;

        let local = at.with_timezone(&tz).naive_local();
        let second = local.num_seconds_from_midnight();
        let mut valid_until = at + profile.permit_validity;

        if let Some(quiet) = &profile.quiet_hours {
            if quiet.channels.contains(channel) {
                if quiet.window.contains(second) {
                    let consent = standing
                        .consent
                        .filter(|consent| quiet.consent_lifts && consent.covers(at));
                    let Some(consent) = consent else {
                        return Err((
                            Rule::QuietHours,
                            format!(
                                "{channel} at {} local time ({tz}) falls in the quiet hours {} and the borrower has not consented",
                                LocalMinute(local),
                                quiet.window
                            ),
                        ));
                    };
                    valid_until = valid_until.min(consent.expires_at);
                } else {
                    valid_until = until_local(tz, at, local, quiet.window.start, valid_until);
                }
            }
        }

        if channel == Channel::FieldVisit {
            if let Some(visit) = &profile.field_visit {
                let n_collectors = distinct_collectors(&request.collectors);
                if n_collectors < visit.min_collectors {
                    return Err((
                        Rule::VisitCollectors,
                        format!(
                            "a field visit needs {} collectors, the request names {n_collectors}",
                            visit.min_collectors
                        ),
                    ));
                }
                if !visit.hours.contains(second) {
                    return Err((
                        Rule::VisitHours,
                        format!(
                            "a field visit at {} local time ({tz}) is outside visiting hours {}",
                            LocalMinute(local),
                            visit.hours
                        ),
                    ));
                }
                valid_until = until_local(tz, at, local, visit.hours.end, valid_until);
            }
        }

        self.check_ledger(request, standing, history, tz, local)?;
        Ok(valid_until)
    }

    fn check_flags(
        &self,
        request: &ContactRequest,
        standing: &BorrowerStanding,
    ) -> Result<(), (Rule, String)> {
        for (flag, rule) in Flag::ALL.into_iter().zip(&self.profile.flags) {
            if standing.flags.is_set(flag)
                && !rule.allows(request.channel, request.template, &request.party)
            {
                return Err((
                    flag_rule(flag),
                    format!(
                        "the borrower is flagged {}: {} with a {} template to {} is not allowed",
                        flag.code(),
                        request.channel,
                        request.template,
                        PartyName(&request.party)
                    ),
                ));
            }
        }
        Ok(())
    }

    fn check_party(
        &self,
        request: &ContactRequest,
        standing: &BorrowerStanding,
    ) -> Result<(), (Rule, String)> {
        let profile = &self.profile;
        match request.party {
            Party::Borrower => {
                if profile.honour_opt_outs && standing.opted_out.contains(request.channel) {
                    return Err((
                        Rule::OptOut,
                        format!("the borrower opted out of {}", request.channel),
                    ));
                }
            }
            Party::Lawyer => {
                if !standing.flags.represented_by_lawyer {
                    return Err((
                        Rule::LawyerNotOnRecord,
                        "no lawyer is on record for the borrower".into(),
                    ));
                }
            }
            Party::ThirdParty { contact_seq } => {
                let rules = &profile.third_party;
                let fail = |rule: Rule, what: &str| {
                    Err((rule, format!("third party #{contact_seq}: {what}")))
                };
                if !standing.registered_contacts.contains(&contact_seq) {
                    return fail(
                        Rule::ThirdPartyUnregistered,
                        "not a registered contact of the borrower",
                    );
                }
                if !rules.allowed {
                    return fail(
                        Rule::ThirdPartyNotAllowed,
                        "the profile allows no third-party contact",
                    );
                }
                if rules.stop_after_refusal && standing.refused_contacts.contains(&contact_seq) {
                    return fail(Rule::ThirdPartyRefused, "refused further contact");
                }
                if rules.require_lost_contact && !standing.lost_contact {
                    return fail(
                        Rule::ThirdPartyBorrowerReachable,
                        "the borrower is reachable, so third parties may not be contacted",
                    );
                }
                if !rules.templates.contains(request.template) {
                    return fail(
                        Rule::ThirdPartyTemplate,
                        &format!(
                            "a {} template may not be used for a third party",
                            request.template
                        ),
                    );
                }
                if !rules.channels.contains(request.channel) {
                    return fail(
                        Rule::ThirdPartyChannel,
                        &format!("{} may not be used for third parties", request.channel),
                    );
                }
            }
        }
        Ok(())
    }

    /// One pass over the ledger slice computes every counter the request needs.
    fn check_ledger(
        &self,
        request: &ContactRequest,
        standing: &BorrowerStanding,
        history: History<'_>,
        tz: Tz,
        local: NaiveDateTime,
    ) -> Result<(), (Rule, String)> {
        let profile = &self.profile;
        let at = request.at;
        let is_call = request.channel == Channel::Call;
        let local_date = local.date();
        let clock_broken = || {
            (
                Rule::UnknownTimeZone,
                format!("the local calendar of {tz} cannot be computed around {at}"),
            )
        };

        // Windows as instants, computed only when the request is a call that a daily or
        // per-debt counter governs.
        let daily = is_call
            && (profile.daily_connected_calls.is_some()
                || profile.daily_unanswered_per_number.is_some());
        let day_start = if daily {
            Some(start_of_day_before(tz, local_date, 0).ok_or_else(clock_broken)?)
        } else {
            None
        };
        let frequency = profile.call_frequency.as_ref().filter(|_| is_call);
        let consent_window = frequency.and_then(|f| {
            standing
                .consent
                .map(|c| (c.given_at, c.expires_at.min(c.given_at + f.consent_window)))
        });
        let exempt = |instant: DateTime<Utc>| {
            consent_window.is_some_and(|(from, until)| from <= instant && instant < until)
        };
        let (attempts_start, cooldown_start) = match frequency {
            Some(f) if !exempt(at) => (
                Some(start_of_day_before(tz, local_date, f.days - 1).ok_or_else(clock_broken)?),
                match f.conversation_cooldown_days {
                    0 => None,
                    days => Some(
                        start_of_day_before(tz, local_date, days - 1).ok_or_else(clock_broken)?,
                    ),
                },
            ),
            _ => (None, None),
        };
        let gap = profile
            .minimum_gap
            .as_ref()
            .filter(|g| g.channels.contains(request.channel));

        let gap_start = gap.map(|g| at - g.gap);
        let latest_allowed = at + profile.clock_skew;
        let mut n_connected = 0u32;
        let mut n_unanswered = 0u32;
        let mut n_attempts = 0u32;
        let mut conversation: Option<DateTime<Utc>> = None;
        let mut too_close: Option<&ContactEvent> = None;
        for event in history.events {
            if event.borrower_id != request.borrower_id {
                return Err((
                    Rule::ForeignEvent,
                    format!(
                        "the ledger slice for borrower {} holds an event of borrower {}",
                        request.borrower_id, event.borrower_id
                    ),
                ));
            }
            if event.at > latest_allowed {
                return Err((
                    Rule::EventInFuture,
                    format!(
                        "a ledger event at {} lies after the contact instant {at}: the clock or the ledger is wrong",
                        event.at
                    ),
                ));
            }
            if let Some(gap_start) = gap_start {
                // `at - event.at < gap`, without a date subtraction per event.
                if event.at > gap_start
                    && event.party == request.party
                    && gap.is_some_and(|g| g.channels.contains(event.channel))
                {
                    too_close = Some(event);
                }
            }
            if !is_call || event.channel != Channel::Call {
                continue;
            }
            if let Some(day_start) = day_start {
                if event.at >= day_start {
                    if event.result == ContactResult::Connected {
                        n_connected += u32::from(event.party == request.party);
                    } else {
                        n_unanswered += u32::from(event.address == request.address);
                    }
                }
            }
            if let Some(attempts_start) = attempts_start {
                if event.party == request.party
                    && same_debt(request.loan_id, event.loan_id)
                    && !exempt(event.at)
                {
                    n_attempts += u32::from(event.at >= attempts_start);
                    if event.conversation && cooldown_start.is_some_and(|start| event.at >= start) {
                        conversation = Some(event.at);
                    }
                }
            }
        }

        if let Some(limit) = profile.daily_connected_calls.filter(|_| daily) {
            if n_connected >= limit {
                return Err((
                    Rule::DailyConnectedCalls,
                    format!(
                        "{n_connected} connected calls to {} on {local_date} ({tz}); the limit is {limit} a day",
                        PartyName(&request.party)
                    ),
                ));
            }
        }
        if let Some(limit) = profile.daily_unanswered_per_number.filter(|_| daily) {
            if n_unanswered >= limit {
                return Err((
                    Rule::DailyUnansweredPerNumber,
                    format!(
                        "{n_unanswered} unanswered calls to {} on {local_date} ({tz}); the limit is {limit} per number a day",
                        request.address
                    ),
                ));
            }
        }
        if let Some(f) = frequency.filter(|_| attempts_start.is_some()) {
            if n_attempts >= f.attempts {
                return Err((
                    Rule::CallFrequency,
                    format!(
                        "{n_attempts} calls to {} about this debt in the {} local days to {local_date}; the limit is {}",
                        PartyName(&request.party),
                        f.days,
                        f.attempts
                    ),
                ));
            }
            if let Some(when) = conversation {
                return Err((
                    Rule::ConversationCooldown,
                    format!(
                        "a telephone conversation about this debt at {when} is within {} days (its day counts as day 1)",
                        f.conversation_cooldown_days
                    ),
                ));
            }
        }
        if let (Some(gap), Some(event)) = (gap, too_close) {
            return Err((
                Rule::MinimumGap,
                format!(
                    "the last contact with {} ({} at {}) is less than {} minutes before {at}",
                    PartyName(&request.party),
                    event.channel,
                    event.at,
                    gap.gap.num_minutes()
                ),
            ));
        }
        Ok(())
    }
}

fn flag_rule(flag: Flag) -> Rule {
    match flag {
        Flag::DoNotContact => Rule::FlagDoNotContact,
        Flag::Deceased => Rule::FlagDeceased,
        Flag::Bankruptcy => Rule::FlagBankruptcy,
        Flag::Dispute => Rule::FlagDispute,
        Flag::CeaseRequest => Rule::FlagCeaseRequest,
        Flag::RepresentedByLawyer => Rule::FlagRepresentedByLawyer,
    }
}

/// Reg F counts per debt. A request or event not tied to one loan counts against every debt,
/// the stricter reading.
fn same_debt(requested: Option<i64>, recorded: Option<i64>) -> bool {
    match (requested, recorded) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

/// Distinct, non-blank collector ids; the list is a handful long, so a quadratic scan beats
/// allocating a set.
fn distinct_collectors(collectors: &[String]) -> u32 {
    let mut n_distinct = 0u32;
    for (idx, id) in collectors.iter().enumerate() {
        let id = id.trim();
        if !id.is_empty() && !collectors[..idx].iter().any(|earlier| earlier.trim() == id) {
            n_distinct += 1;
        }
    }
    n_distinct
}

/// Shortens `valid_until` to the next instant the local clock shows `second_of_day`. The exact
/// time-zone conversion is skipped when even a two-hour DST shift could not bring that instant
/// before `valid_until`, which keeps the common case free of a local-to-UTC lookup.
fn until_local(
    tz: Tz,
    at: DateTime<Utc>,
    local: NaiveDateTime,
    second_of_day: u32,
    valid_until: DateTime<Utc>,
) -> DateTime<Utc> {
    let now_second = i64::from(local.num_seconds_from_midnight());
    let naive_wait = (i64::from(second_of_day) - now_second).rem_euclid(86_400);
    if at + TimeDelta::seconds(naive_wait) - TimeDelta::hours(2) > valid_until {
        return valid_until;
    }
    // Without an answer from the calendar, expire now rather than risk the window.
    next_local_time(tz, at, local, second_of_day).map_or(at, |end| end.min(valid_until))
}

/// A local time as `2026-03-10 22:05`, written without chrono's format-string interpreter,
/// which costs more than the whole check.
struct LocalMinute(NaiveDateTime);

impl fmt::Display for LocalMinute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {:02}:{:02}",
            self.0.date(),
            self.0.hour(),
            self.0.minute()
        )
    }
}

struct PartyName<'a>(&'a Party);

impl fmt::Display for PartyName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Party::Borrower => f.write_str("the borrower"),
            Party::ThirdParty { contact_seq } => write!(f, "third party #{contact_seq}"),
            Party::Lawyer => f.write_str("the borrower's lawyer"),
        }
    }
}
