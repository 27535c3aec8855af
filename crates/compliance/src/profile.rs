//! Contact-rule profiles: every parameter of every rule, read from a TOML file. Errors name the
//! file, line and column and say what is wrong. The shipped profiles (`cn`, `us-regf`) live in
//! `strategies/profiles/` and are compiled in, so `Profile::builtin` needs no files at run time.

use std::fmt;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use chrono::TimeDelta;
use chrono_tz::Tz;
use recoup_core::contact::{Channel, Party};
use serde::Deserialize;
use toml::Spanned;

use crate::request::{ChannelSet, Flag, TemplateClass};

/// A checked contact-rule profile. Built only by [`Profile::parse`], [`Profile::load`] or
/// [`Profile::builtin`], so every value in it has passed validation.
#[derive(Debug, Clone)]
pub struct Profile {
    pub(crate) name: Arc<str>,
    pub(crate) version: Arc<str>,
    pub(crate) prefix: Arc<str>,
    description: String,
    pub(crate) default_time_zone: Option<Tz>,
    pub(crate) history: TimeDelta,
    pub(crate) permit_validity: TimeDelta,
    pub(crate) clock_skew: TimeDelta,
    pub(crate) quiet_hours: Option<QuietHours>,
    pub(crate) daily_connected_calls: Option<u32>,
    pub(crate) daily_unanswered_per_number: Option<u32>,
    pub(crate) call_frequency: Option<CallFrequency>,
    pub(crate) minimum_gap: Option<MinimumGap>,
    pub(crate) third_party: ThirdPartyRules,
    pub(crate) field_visit: Option<FieldVisit>,
    pub(crate) honour_opt_outs: bool,
    /// Indexed like `Flag::ALL`.
    pub(crate) flags: [FlagRule; 6],
}

/// Why a profile could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The file says something wrong; `line` and `column` are 1-based.
    #[error("{file}:{line}:{column}: {message}")]
    Invalid {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    /// The file could not be read at all.
    #[error("cannot read profile {file}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// No shipped profile has that name.
    #[error("no built-in profile named `{name}` (expected cn or us-regf)")]
    UnknownBuiltin { name: String },
}

/// The names of the shipped profiles; `cn` is the default.
pub const BUILTIN_NAMES: [&str; 2] = ["cn", "us-regf"];

const CN_TEXT: &str = include_str!("../../../strategies/profiles/cn.toml");
const US_REGF_TEXT: &str = include_str!("../../../strategies/profiles/us-regf.toml");

impl Profile {
    /// A shipped profile by name (`cn`, `us-regf`).
    pub fn builtin(name: &str) -> Result<Profile, ProfileError> {
        match name {
            "cn" => Profile::parse(CN_TEXT, "strategies/profiles/cn.toml"),
            "us-regf" => Profile::parse(US_REGF_TEXT, "strategies/profiles/us-regf.toml"),
            _ => Err(ProfileError::UnknownBuiltin {
                name: name.to_string(),
            }),
        }
    }

    /// The text of a shipped profile, for `recoup compliance profile show` and for copying.
    pub fn builtin_text(name: &str) -> Option<&'static str> {
        match name {
            "cn" => Some(CN_TEXT),
            "us-regf" => Some(US_REGF_TEXT),
            _ => None,
        }
    }

    /// Reads and checks a profile file.
    pub fn load(path: &Path) -> Result<Profile, ProfileError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ProfileError::Io {
            file: file.clone(),
            source,
        })?;
        Profile::parse(&text, &file)
    }

    /// Parses and checks profile text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Profile, ProfileError> {
        let at = |span: Option<Range<usize>>, message: String| {
            let (line, column) = line_column(text, span.map_or(0, |s| s.start));
            ProfileError::Invalid {
                file: file.to_string(),
                line,
                column,
                message,
            }
        };
        let raw: RawProfile =
            toml::from_str(text).map_err(|e| at(e.span(), e.message().trim().to_string()))?;
        raw.check()
            .map_err(|(span, message)| at(Some(span), message))
    }

    /// The profile's name (`cn`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The rule-set version recorded on every permit.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The prefix of the profile's rule ids (`cn`, `regf`).
    pub fn rule_prefix(&self) -> &str {
        &self.prefix
    }

    /// What the profile implements, in a sentence.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The time zone assumed when the borrower's is unknown (`None`: unknown blocks).
    pub fn default_time_zone(&self) -> Option<Tz> {
        self.default_time_zone
    }

    /// How far back the caller's ledger slice must reach before the contact instant (see
    /// [`crate::History`]).
    pub fn history(&self) -> TimeDelta {
        self.history
    }
}

/// A daily window in local time, as seconds after midnight. `start > end` wraps midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    pub(crate) start: u32,
    pub(crate) end: u32,
}

impl Window {
    /// Whether the local time of day `second` lies in `[start, end)`.
    pub(crate) fn contains(self, second: u32) -> bool {
        if self.start <= self.end {
            self.start <= second && second < self.end
        } else {
            second >= self.start || second < self.end
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct QuietHours {
    pub(crate) window: Window,
    pub(crate) channels: ChannelSet,
    pub(crate) consent_lifts: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct CallFrequency {
    pub(crate) attempts: u32,
    pub(crate) days: u32,
    pub(crate) conversation_cooldown_days: u32,
    pub(crate) consent_window: TimeDelta,
}

#[derive(Debug, Clone)]
pub(crate) struct MinimumGap {
    pub(crate) gap: TimeDelta,
    pub(crate) channels: ChannelSet,
}

#[derive(Debug, Clone)]
pub(crate) struct ThirdPartyRules {
    pub(crate) allowed: bool,
    pub(crate) require_lost_contact: bool,
    pub(crate) templates: TemplateSet,
    pub(crate) channels: ChannelSet,
    pub(crate) stop_after_refusal: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct FieldVisit {
    pub(crate) min_collectors: u32,
    pub(crate) hours: Window,
}

/// What a set flag still allows: a request passes when its channel, template and party kind
/// are each allowed (an absent list allows all).
#[derive(Debug, Clone, Default)]
pub(crate) struct FlagRule {
    pub(crate) channels: ChannelSet,
    pub(crate) templates: Option<TemplateSet>,
    pub(crate) parties: Option<PartySet>,
}

impl FlagRule {
    pub(crate) fn allows(&self, channel: Channel, template: TemplateClass, party: &Party) -> bool {
        self.channels.contains(channel)
            && self.templates.is_none_or(|set| set.contains(template))
            && self.parties.is_none_or(|set| set.contains(party))
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TemplateSet(u8);

impl TemplateSet {
    pub(crate) fn contains(self, template: TemplateClass) -> bool {
        self.0 & (1 << template as u8) != 0
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PartySet(u8);

impl PartySet {
    pub(crate) fn contains(self, party: &Party) -> bool {
        self.0 & party_bit(party) != 0
    }
}

fn party_bit(party: &Party) -> u8 {
    match party {
        Party::Borrower => 1,
        Party::ThirdParty { .. } => 2,
        Party::Lawyer => 4,
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

type Checked<T> = Result<T, (Range<usize>, String)>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    profile: RawHeader,
    quiet_hours: Option<RawQuietHours>,
    daily_connected_calls: Option<RawLimit>,
    daily_unanswered_per_number: Option<RawLimit>,
    call_frequency: Option<RawCallFrequency>,
    minimum_gap: Option<RawMinimumGap>,
    third_party: RawThirdParty,
    field_visit: Option<RawFieldVisit>,
    opt_out: RawOptOut,
    flags: RawFlags,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    name: Spanned<String>,
    version: Spanned<String>,
    rule_prefix: Spanned<String>,
    #[serde(default)]
    description: String,
    default_time_zone: Option<Spanned<String>>,
    history_days: Spanned<i64>,
    permit_validity_minutes: Spanned<i64>,
    max_clock_skew_seconds: Spanned<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuietHours {
    start: Spanned<String>,
    end: Spanned<String>,
    channels: Vec<Spanned<String>>,
    consent_lifts: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimit {
    limit: Spanned<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCallFrequency {
    attempts: Spanned<i64>,
    days: Spanned<i64>,
    conversation_cooldown_days: Spanned<i64>,
    consent_window_days: Spanned<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMinimumGap {
    minutes: Spanned<i64>,
    channels: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThirdParty {
    allowed: bool,
    require_lost_contact: bool,
    templates: Vec<Spanned<String>>,
    channels: Vec<Spanned<String>>,
    stop_after_refusal: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFieldVisit {
    min_collectors: Spanned<i64>,
    start: Spanned<String>,
    end: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOptOut {
    honour: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFlags {
    do_not_contact: RawFlag,
    deceased: RawFlag,
    bankruptcy: RawFlag,
    dispute: RawFlag,
    cease_request: RawFlag,
    represented_by_lawyer: RawFlag,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFlag {
    channels: Vec<Spanned<String>>,
    templates: Option<Vec<Spanned<String>>>,
    parties: Option<Vec<Spanned<String>>>,
}

impl RawProfile {
    fn check(self) -> Checked<Profile> {
        let header = self.profile;
        for field in [&header.name, &header.version, &header.rule_prefix] {
            if field.get_ref().trim().is_empty() {
                return Err((field.span(), "must not be empty".into()));
            }
        }
        let prefix = header.rule_prefix.get_ref();
        if !prefix
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        {
            return Err((
                header.rule_prefix.span(),
                format!("rule_prefix `{prefix}` may hold only a-z, 0-9, `_` and `-`"),
            ));
        }
        let default_time_zone = match &header.default_time_zone {
            None => None,
            Some(name) => Some(name.get_ref().parse::<Tz>().map_err(|_| {
                (
                    name.span(),
                    format!("`{}` is not an IANA time zone", name.get_ref()),
                )
            })?),
        };
        let history_days = count(&header.history_days, "history_days", 1, 366)?;
        let permit_minutes = count(
            &header.permit_validity_minutes,
            "permit_validity_minutes",
            1,
            24 * 60,
        )?;
        let skew_seconds = count(
            &header.max_clock_skew_seconds,
            "max_clock_skew_seconds",
            0,
            3600,
        )?;

        let quiet_hours = match self.quiet_hours {
            None => None,
            Some(raw) => Some(QuietHours {
                window: window(&raw.start, &raw.end)?,
                channels: contact_channels(&raw.channels)?,
                consent_lifts: raw.consent_lifts,
            }),
        };
        let daily_connected_calls = match &self.daily_connected_calls {
            None => None,
            Some(raw) => Some(count(&raw.limit, "limit", 0, 1000)?),
        };
        let daily_unanswered_per_number = match &self.daily_unanswered_per_number {
            None => None,
            Some(raw) => Some(count(&raw.limit, "limit", 0, 1000)?),
        };
        let call_frequency = match &self.call_frequency {
            None => None,
            Some(raw) => Some(CallFrequency {
                attempts: count(&raw.attempts, "attempts", 0, 1000)?,
                days: count(&raw.days, "days", 1, 366)?,
                conversation_cooldown_days: count(
                    &raw.conversation_cooldown_days,
                    "conversation_cooldown_days",
                    0,
                    366,
                )?,
                consent_window: TimeDelta::days(i64::from(count(
                    &raw.consent_window_days,
                    "consent_window_days",
                    0,
                    366,
                )?)),
            }),
        };
        let minimum_gap = match &self.minimum_gap {
            None => None,
            Some(raw) => Some(MinimumGap {
                gap: TimeDelta::minutes(i64::from(count(
                    &raw.minutes,
                    "minutes",
                    0,
                    366 * 24 * 60,
                )?)),
                channels: contact_channels(&raw.channels)?,
            }),
        };
        let third_party = ThirdPartyRules {
            allowed: self.third_party.allowed,
            require_lost_contact: self.third_party.require_lost_contact,
            templates: templates(&self.third_party.templates)?,
            channels: contact_channels(&self.third_party.channels)?,
            stop_after_refusal: self.third_party.stop_after_refusal,
        };
        let field_visit = match &self.field_visit {
            None => None,
            Some(raw) => Some(FieldVisit {
                min_collectors: count(&raw.min_collectors, "min_collectors", 0, 100)?,
                hours: window(&raw.start, &raw.end)?,
            }),
        };
        // Built in `Flag::ALL` order, which is how the guard indexes them.
        let raw_flags = self.flags;
        let mut flags: [FlagRule; 6] = Default::default();
        for (slot, flag) in flags.iter_mut().zip(Flag::ALL) {
            *slot = flag_rule(match flag {
                Flag::DoNotContact => &raw_flags.do_not_contact,
                Flag::Deceased => &raw_flags.deceased,
                Flag::Bankruptcy => &raw_flags.bankruptcy,
                Flag::Dispute => &raw_flags.dispute,
                Flag::CeaseRequest => &raw_flags.cease_request,
                Flag::RepresentedByLawyer => &raw_flags.represented_by_lawyer,
            })?;
        }

        // The guard counts per local day over instants, so the slice must reach one calendar
        // day further back than the longest window (a local day can start up to a day before
        // `at - days * 24h`, and DST can lengthen it by an hour).
        let longest_window_days = call_frequency
            .as_ref()
            .map_or(1, |f| f.days.max(f.conversation_cooldown_days))
            .max(1);
        if history_days < longest_window_days + 1 {
            return Err((
                header.history_days.span(),
                format!(
                    "history_days must be at least {} (one more than the longest counting window)",
                    longest_window_days + 1
                ),
            ));
        }
        let history = TimeDelta::days(i64::from(history_days));
        if let Some(gap) = &minimum_gap {
            if gap.gap > history {
                return Err((
                    header.history_days.span(),
                    "history_days must cover minimum_gap.minutes".into(),
                ));
            }
        }

        Ok(Profile {
            name: Arc::from(header.name.get_ref().trim()),
            version: Arc::from(header.version.get_ref().trim()),
            prefix: Arc::from(prefix.as_str()),
            description: header.description,
            default_time_zone,
            history,
            permit_validity: TimeDelta::minutes(i64::from(permit_minutes)),
            clock_skew: TimeDelta::seconds(i64::from(skew_seconds)),
            quiet_hours,
            daily_connected_calls,
            daily_unanswered_per_number,
            call_frequency,
            minimum_gap,
            third_party,
            field_visit,
            honour_opt_outs: self.opt_out.honour,
            flags,
        })
    }
}

fn count(value: &Spanned<i64>, what: &str, min: u32, max: u32) -> Checked<u32> {
    let number = *value.get_ref();
    if number < 0 {
        return Err((
            value.span(),
            format!("{what} must not be negative, got {number}"),
        ));
    }
    if number < i64::from(min) || number > i64::from(max) {
        return Err((
            value.span(),
            format!("{what} must be between {min} and {max}, got {number}"),
        ));
    }
    // In range [min, max] of u32 by the check above.
    Ok(u32::try_from(number).unwrap_or(max))
}

fn time_of_day(value: &Spanned<String>) -> Checked<u32> {
    let text = value.get_ref();
    let bad = || {
        (
            value.span(),
            format!("bad time `{text}`: expected HH:MM between 00:00 and 23:59"),
        )
    };
    let (hours, minutes) = text.split_once(':').ok_or_else(bad)?;
    if hours.len() != 2 || minutes.len() != 2 {
        return Err(bad());
    }
    let hours: u32 = hours.parse().map_err(|_| bad())?;
    let minutes: u32 = minutes.parse().map_err(|_| bad())?;
    if hours > 23 || minutes > 59 {
        return Err(bad());
    }
    Ok(hours * 3600 + minutes * 60)
}

fn window(start: &Spanned<String>, end: &Spanned<String>) -> Checked<Window> {
    let window = Window {
        start: time_of_day(start)?,
        end: time_of_day(end)?,
    };
    if window.start == window.end {
        return Err((
            end.span(),
            "end must differ from start (an empty or whole-day window is ambiguous)".into(),
        ));
    }
    Ok(window)
}

fn contact_channels(names: &[Spanned<String>]) -> Checked<ChannelSet> {
    let mut set = ChannelSet::EMPTY;
    for name in names {
        let channel: Channel = name
            .get_ref()
            .parse()
            .map_err(|e: recoup_core::loan::UnknownName| (name.span(), e.to_string()))?;
        if !channel.is_contact() {
            return Err((
                name.span(),
                format!("`{channel}` is an internal action, not a contact channel"),
            ));
        }
        set.insert(channel);
    }
    Ok(set)
}

fn templates(names: &[Spanned<String>]) -> Checked<TemplateSet> {
    let mut set = TemplateSet::default();
    for name in names {
        let class: TemplateClass = name.get_ref().parse().map_err(|e| (name.span(), e))?;
        set.0 |= 1 << class as u8;
    }
    Ok(set)
}

fn parties(names: &[Spanned<String>]) -> Checked<PartySet> {
    let mut set = PartySet::default();
    for name in names {
        set.0 |= match name.get_ref().as_str() {
            "borrower" => 1,
            "third_party" => 2,
            "lawyer" => 4,
            other => {
                return Err((
                    name.span(),
                    format!("unknown party `{other}` (expected borrower, third_party or lawyer)"),
                ))
            }
        };
    }
    Ok(set)
}

fn flag_rule(raw: &RawFlag) -> Checked<FlagRule> {
    Ok(FlagRule {
        channels: contact_channels(&raw.channels)?,
        templates: raw.templates.as_deref().map(templates).transpose()?,
        parties: raw.parties.as_deref().map(parties).transpose()?,
    })
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02}:{:02}–{:02}:{:02}",
            self.start / 3600,
            self.start / 60 % 60,
            self.end / 3600,
            self.end / 60 % 60
        )
    }
}
