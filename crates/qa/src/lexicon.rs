//! Lexicon files: categories, tiers, the TOML format, and errors that name file, line and column.
//!
//! A lexicon is a TOML file with a `language`, a `[negation]` table (cue words and the largest gap
//! allowed between a cue and a term) and `[[group]]` tables, each giving a category, a tier and a
//! list of terms. Terms are stored normalised (see [`crate::normalize`]), so `"Ｆｕｃｋ"` and `"fuck"`
//! are the same term and listing both is a duplicate.

use std::fmt;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use crate::facts::{CaseFact, CaseFacts};
use crate::normalize::normalize;
use crate::rules::{Rule, DEFAULT_WITHIN, MAX_WITHIN};

/// What kind of improper collection language a term belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// Threats of violence or bodily harm (打断你的腿, "we'll hurt you").
    Violence,
    /// Insults and profanity (老赖, 不要脸, "deadbeat").
    Insult,
    /// Threats to ruin reputation: banners, public exposure, "social death" (社死, 曝光, 贴大字报).
    Reputation,
    /// Threats toward family, employer or colleagues (通知你单位, 找你家人).
    ThirdParty,
    /// Veiled threats of a visit (我们会上门找你, 后果自负).
    VisitThreat,
    /// Impersonating police, courts or prosecutors, or fake legal documents (我是公安, 逮捕令).
    Impersonation,
    /// Exaggerated or false legal consequences (坐牢, invented blacklists, criminal liability).
    FalseLegal,
    /// Privacy violations and illegal data use (通讯录爆破, 私家侦探, 查你开房记录).
    Privacy,
    /// Harassment by frequency (每天打, 轰炸, 24小时).
    Harassment,
    /// Improper money demands: extra fees, borrowing to repay (以贷养贷, 借钱还).
    ImproperDemand,
    /// Legal steps that are legitimate when true (律师函, 强制执行, 起诉); shipped as warn only.
    LegalAction,
}

impl Category {
    /// Every category, in the order reports list them.
    pub const ALL: [Category; 11] = [
        Category::Violence,
        Category::Insult,
        Category::Reputation,
        Category::ThirdParty,
        Category::VisitThreat,
        Category::Impersonation,
        Category::FalseLegal,
        Category::Privacy,
        Category::Harassment,
        Category::ImproperDemand,
        Category::LegalAction,
    ];

    /// The code used in lexicon files and reports, e.g. `third_party`.
    pub fn code(self) -> &'static str {
        match self {
            Category::Violence => "violence",
            Category::Insult => "insult",
            Category::Reputation => "reputation",
            Category::ThirdParty => "third_party",
            Category::VisitThreat => "visit_threat",
            Category::Impersonation => "impersonation",
            Category::FalseLegal => "false_legal",
            Category::Privacy => "privacy",
            Category::Harassment => "harassment",
            Category::ImproperDemand => "improper_demand",
            Category::LegalAction => "legal_action",
        }
    }

    /// Reads a category code as written in a lexicon file.
    pub fn from_code(code: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.code() == code)
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// How serious a hit is: `Block` refuses a template, `Warn` asks a human to check it is true.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tier {
    /// Allowed, but a compliance officer should confirm the statement is true.
    Warn,
    /// Never allowed in a template or note.
    Block,
}

impl Tier {
    /// The code used in lexicon files and reports: `warn` or `block`.
    pub fn code(self) -> &'static str {
        match self {
            Tier::Warn => "warn",
            Tier::Block => "block",
        }
    }

    /// Reads a tier code as written in a lexicon file.
    pub fn from_code(code: &str) -> Option<Tier> {
        match code {
            "warn" => Some(Tier::Warn),
            "block" => Some(Tier::Block),
            _ => None,
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One lexicon entry, already normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// The normalised term text that is searched for.
    pub text: String,
    /// The category the term belongs to.
    pub category: Category,
    /// Block or warn.
    pub tier: Tier,
    /// Facts that make the term a true statement; with one on file a block hit becomes warn.
    pub lawful_with: CaseFacts,
}

/// A negation cue such as 严禁 or "never", normalised, with the gap it may leave before a term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NegationCue {
    /// The normalised cue text.
    pub text: String,
    /// How many tokens (CJK characters or words) may stand between the cue and the term.
    pub max_gap: usize,
}

/// A parsed, validated lexicon file.
#[derive(Debug, Clone)]
pub struct Lexicon {
    file_name: String,
    language: String,
    terms: Vec<Term>,
    negation: Vec<NegationCue>,
    rules: Vec<Rule>,
    reported: Vec<String>,
    own_voice: Vec<String>,
    disclaimers: Vec<String>,
}

/// The largest lexicon file accepted, in bytes. It keeps the combined automaton far below the
/// limits of the `aho-corasick` crate (see [`crate::Inspector::new`]).
pub const MAX_LEXICON_BYTES: usize = 4 << 20;

/// The largest negation gap a lexicon may set; the backward scan stops there.
pub const MAX_NEGATION_GAP: usize = 8;

impl Lexicon {
    /// Parses and validates a lexicon file. `file_name` is only used in error messages.
    ///
    /// Every problem found is reported, not just the first: unknown categories and tiers,
    /// empty terms, duplicate terms (after normalisation) and TOML syntax errors.
    pub fn parse(file_name: &str, text: &str) -> Result<Lexicon, LexiconErrors> {
        let mut errors = Vec::new();
        let located = |span: Range<usize>, kind: LexiconErrorKind| {
            let (line, column) = line_column(text, span.start);
            LexiconError {
                file: file_name.to_string(),
                line,
                column,
                kind,
            }
        };
        if text.len() > MAX_LEXICON_BYTES {
            return Err(LexiconErrors {
                errors: vec![located(0..0, LexiconErrorKind::TooLarge(text.len()))],
            });
        }
        let raw: RawLexicon = match toml::from_str(text) {
            Ok(raw) => raw,
            Err(error) => {
                let span = error.span().unwrap_or(0..0);
                let message = error.message().trim_end_matches('.').to_string();
                return Err(LexiconErrors {
                    errors: vec![located(span, LexiconErrorKind::Syntax(message))],
                });
            }
        };

        let mut negation = Vec::new();
        if let Some(raw_negation) = raw.negation {
            let max_gap = raw_negation.max_gap.as_ref().map_or(0, |g| *g.get_ref());
            if let Some(gap) = &raw_negation.max_gap {
                if *gap.get_ref() > MAX_NEGATION_GAP {
                    errors.push(located(
                        gap.span(),
                        LexiconErrorKind::GapTooLarge(*gap.get_ref()),
                    ));
                }
            }
            for cue in raw_negation.cues {
                let text = normalize(cue.get_ref()).text;
                if text.trim().is_empty() {
                    errors.push(located(cue.span(), LexiconErrorKind::EmptyTerm));
                } else {
                    negation.push(NegationCue {
                        text: text.trim().to_string(),
                        max_gap: max_gap.min(MAX_NEGATION_GAP),
                    });
                }
            }
        }

        let mut terms: Vec<Term> = Vec::new();
        // Where each accepted term was written, to name the first one in a duplicate error.
        let mut first_seen: std::collections::HashMap<String, (usize, usize)> =
            std::collections::HashMap::new();
        for group in raw.group {
            let (category, tier) =
                parse_category_tier(&group.category, &group.tier, &mut errors, &located);
            let lawful_with = parse_facts(&group.lawful_with, &mut errors, &located);
            for term in group.terms {
                let normalised = normalize(term.get_ref()).text;
                let normalised = normalised.trim();
                if normalised.is_empty() {
                    errors.push(located(term.span(), LexiconErrorKind::EmptyTerm));
                    continue;
                }
                if let Some(&(line, column)) = first_seen.get(normalised) {
                    errors.push(located(
                        term.span(),
                        LexiconErrorKind::DuplicateTerm {
                            term: term.get_ref().clone(),
                            first_line: line,
                            first_column: column,
                        },
                    ));
                    continue;
                }
                first_seen.insert(normalised.to_string(), line_column(text, term.span().start));
                if let (Some(category), Some(tier)) = (category, tier) {
                    terms.push(Term {
                        text: normalised.to_string(),
                        category,
                        tier,
                        lawful_with,
                    });
                }
            }
        }

        let rules = parse_rules(raw.rule, &mut errors, &located);
        let context = raw.context.unwrap_or(RawContext {
            reported: Vec::new(),
            own_voice: Vec::new(),
            disclaimers: Vec::new(),
        });
        let mut cue_list = |cues: Vec<Spanned<String>>| -> Vec<String> {
            let mut out = Vec::new();
            for cue in cues {
                let text = normalize(cue.get_ref()).text.trim().to_string();
                if text.is_empty() {
                    errors.push(located(cue.span(), LexiconErrorKind::EmptyTerm));
                } else {
                    out.push(text);
                }
            }
            out
        };
        let reported = cue_list(context.reported);
        let own_voice = cue_list(context.own_voice);
        let disclaimers = cue_list(context.disclaimers);

        if errors.is_empty() {
            Ok(Lexicon {
                file_name: file_name.to_string(),
                language: raw.language,
                terms,
                negation,
                rules,
                reported,
                own_voice,
                disclaimers,
            })
        } else {
            Err(LexiconErrors { errors })
        }
    }

    /// The file name given to [`Lexicon::parse`].
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// The language tag the file declares, e.g. `zh-CN`.
    pub fn language(&self) -> &str {
        &self.language
    }

    /// The terms, normalised, in file order.
    pub fn terms(&self) -> &[Term] {
        &self.terms
    }

    /// The negation cues, normalised.
    pub fn negation_cues(&self) -> &[NegationCue] {
        &self.negation
    }

    /// The pattern rules, their words normalised, in file order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Reported-speech cues (客户称, "customer said"), normalised: a block hit after one in the
    /// same sentence is a collector reporting what someone else said, so it is warn.
    pub fn reported_cues(&self) -> &[String] {
        &self.reported
    }

    /// Words that mark the collector's own voice (催收员, 向客户, "agent"): a reported-speech
    /// cue they overlap is not one (向客户说明 is not 客户说), and one after a cue ends its reach.
    pub fn own_voice_cues(&self) -> &[String] {
        &self.own_voice
    }

    /// Words that say the sentence rejects a claim rather than makes it (不实说法, "is false"):
    /// anywhere in a sentence they make its block hits warn.
    pub fn disclaimer_cues(&self) -> &[String] {
        &self.disclaimers
    }
}

type Locate<'a> = dyn Fn(Range<usize>, LexiconErrorKind) -> LexiconError + 'a;

/// Reads a group's or rule's category and tier codes, noting each unknown one.
fn parse_category_tier(
    category: &Spanned<String>,
    tier: &Spanned<String>,
    errors: &mut Vec<LexiconError>,
    located: &Locate<'_>,
) -> (Option<Category>, Option<Tier>) {
    let parsed_category = Category::from_code(category.get_ref());
    if parsed_category.is_none() {
        errors.push(located(
            category.span(),
            LexiconErrorKind::UnknownCategory(category.get_ref().clone()),
        ));
    }
    let parsed_tier = Tier::from_code(tier.get_ref());
    if parsed_tier.is_none() {
        errors.push(located(
            tier.span(),
            LexiconErrorKind::UnknownTier(tier.get_ref().clone()),
        ));
    }
    (parsed_category, parsed_tier)
}

fn parse_facts(
    codes: &[Spanned<String>],
    errors: &mut Vec<LexiconError>,
    located: &Locate<'_>,
) -> CaseFacts {
    let mut facts = CaseFacts::NONE;
    for code in codes {
        match code.get_ref().parse::<CaseFact>() {
            Ok(fact) => facts = facts.with(fact),
            Err(_) => errors.push(located(
                code.span(),
                LexiconErrorKind::UnknownFact(code.get_ref().clone()),
            )),
        }
    }
    facts
}

fn parse_rules(
    raw_rules: Vec<RawRule>,
    errors: &mut Vec<LexiconError>,
    located: &Locate<'_>,
) -> Vec<Rule> {
    let mut rules = Vec::new();
    let mut ids: std::collections::HashSet<String> = std::collections::HashSet::new();
    for raw in raw_rules {
        let before = errors.len();
        let id = raw.id.get_ref().trim().to_string();
        if id.is_empty() {
            errors.push(located(raw.id.span(), LexiconErrorKind::EmptyTerm));
        } else if !ids.insert(id.clone()) {
            errors.push(located(
                raw.id.span(),
                LexiconErrorKind::DuplicateRule(id.clone()),
            ));
        }
        let (category, tier) = parse_category_tier(&raw.category, &raw.tier, errors, located);
        let within = raw.within.as_ref().map_or(DEFAULT_WITHIN, |w| *w.get_ref());
        if let Some(raw_within) = &raw.within {
            if *raw_within.get_ref() > MAX_WITHIN || *raw_within.get_ref() == 0 {
                errors.push(located(
                    raw_within.span(),
                    LexiconErrorKind::WithinOutOfRange(*raw_within.get_ref()),
                ));
            }
        }
        let mut words = |list: &[Spanned<String>]| -> Vec<String> {
            let mut out: Vec<String> = Vec::new();
            for word in list {
                let text = normalize(word.get_ref()).text.trim().to_string();
                if text.is_empty() {
                    errors.push(located(word.span(), LexiconErrorKind::EmptyTerm));
                } else if !out.contains(&text) {
                    out.push(text);
                }
            }
            out
        };
        let slots = [words(&raw.actor), words(&raw.action), words(&raw.target)];
        let unless = words(&raw.unless);
        let n_used = slots.iter().filter(|s| !s.is_empty()).count();
        if n_used < 2 {
            errors.push(located(
                raw.id.span(),
                LexiconErrorKind::TooFewSlots(id.clone()),
            ));
        }
        let lawful_with = parse_facts(&raw.lawful_with, errors, located);
        if errors.len() > before {
            continue;
        }
        if let (Some(category), Some(tier)) = (category, tier) {
            rules.push(Rule {
                id,
                category,
                tier,
                within,
                slots,
                unless,
                lawful_with,
            });
        }
    }
    rules
}

/// One problem in a lexicon file, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {kind}")]
pub struct LexiconError {
    /// The file name given to [`Lexicon::parse`].
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong.
    pub kind: LexiconErrorKind,
}

/// What is wrong at one place in a lexicon file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LexiconErrorKind {
    /// The file is not valid TOML or does not have the lexicon's shape.
    #[error("{0}")]
    Syntax(String),
    /// A category code that is not one of [`Category::ALL`].
    #[error("unknown category `{0}` (known: violence, insult, reputation, third_party, visit_threat, impersonation, false_legal, privacy, harassment, improper_demand, legal_action)")]
    UnknownCategory(String),
    /// A tier other than `block` or `warn`.
    #[error("unknown tier `{0}` (known: block, warn)")]
    UnknownTier(String),
    /// A term or cue that is empty after normalisation.
    #[error("empty term")]
    EmptyTerm,
    /// A term listed twice (after normalisation).
    #[error("duplicate term `{term}` (first at {first_line}:{first_column})")]
    DuplicateTerm {
        /// The term as written the second time.
        term: String,
        /// Line of the first occurrence.
        first_line: usize,
        /// Column of the first occurrence.
        first_column: usize,
    },
    /// A negation gap above [`MAX_NEGATION_GAP`].
    #[error("negation max_gap {0} is above the limit of 8")]
    GapTooLarge(usize),
    /// A file above [`MAX_LEXICON_BYTES`].
    #[error("lexicon file is {0} bytes, above the limit of 4 MiB")]
    TooLarge(usize),
    /// A fact code that is not one of [`CaseFact::ALL`].
    #[error("unknown fact `{0}` (known: legal_filed, hearing_date, judgment, lawyer_letter, visit_scheduled)")]
    UnknownFact(String),
    /// Two rules with the same id.
    #[error("duplicate rule id `{0}`")]
    DuplicateRule(String),
    /// A rule that lists words for fewer than two of actor, action and target.
    #[error("rule `{0}` needs words in at least two of actor, action and target")]
    TooFewSlots(String),
    /// A rule `within` of 0 or above [`MAX_WITHIN`].
    #[error("rule within {0} is out of range (1 to 120 characters)")]
    WithinOutOfRange(usize),
}

/// Every problem found in one lexicon file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexiconErrors {
    /// The problems, in file order.
    pub errors: Vec<LexiconError>,
}

impl fmt::Display for LexiconErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (error_idx, error) in self.errors.iter().enumerate() {
            if error_idx > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LexiconErrors {}

/// 1-based line and column (in characters) of a byte offset in `text`.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |idx| idx + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLexicon {
    language: String,
    #[serde(default)]
    negation: Option<RawNegation>,
    #[serde(default)]
    group: Vec<RawGroup>,
    #[serde(default)]
    rule: Vec<RawRule>,
    #[serde(default)]
    context: Option<RawContext>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContext {
    #[serde(default)]
    reported: Vec<Spanned<String>>,
    #[serde(default)]
    own_voice: Vec<Spanned<String>>,
    #[serde(default)]
    disclaimers: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    category: Spanned<String>,
    tier: Spanned<String>,
    #[serde(default)]
    #[allow(dead_code)]
    note: Option<String>,
    #[serde(default)]
    within: Option<Spanned<usize>>,
    #[serde(default)]
    actor: Vec<Spanned<String>>,
    #[serde(default)]
    action: Vec<Spanned<String>>,
    #[serde(default)]
    target: Vec<Spanned<String>>,
    #[serde(default)]
    unless: Vec<Spanned<String>>,
    #[serde(default)]
    lawful_with: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNegation {
    #[serde(default)]
    max_gap: Option<Spanned<usize>>,
    #[serde(default)]
    cues: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    category: Spanned<String>,
    tier: Spanned<String>,
    #[serde(default)]
    #[allow(dead_code)]
    note: Option<String>,
    #[serde(default)]
    lawful_with: Vec<Spanned<String>>,
    terms: Vec<Spanned<String>>,
}
