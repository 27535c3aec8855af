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

use crate::normalize::normalize;

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
            let category = Category::from_code(group.category.get_ref());
            if category.is_none() {
                errors.push(located(
                    group.category.span(),
                    LexiconErrorKind::UnknownCategory(group.category.get_ref().clone()),
                ));
            }
            let tier = Tier::from_code(group.tier.get_ref());
            if tier.is_none() {
                errors.push(located(
                    group.tier.span(),
                    LexiconErrorKind::UnknownTier(group.tier.get_ref().clone()),
                ));
            }
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
                    });
                }
            }
        }

        if errors.is_empty() {
            Ok(Lexicon {
                file_name: file_name.to_string(),
                language: raw.language,
                terms,
                negation,
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
    terms: Vec<Spanned<String>>,
}
