//! The inspector: one Aho-Corasick automaton over every lexicon term, run on normalised text,
//! with word boundaries for Latin terms, longest-match selection and the negation rule.
//!
//! Negation rule: a hit is dropped when a negation cue (严禁, 不得, "never", …) ends before the
//! term with at most `max_gap` tokens in between, where a token is one CJK character or one run of
//! Latin letters and digits, spaces are free, and no clause break (`。！？；，：`, their ASCII forms,
//! `.` or a line break) lies in between. The gap is set per lexicon: 2 for zh-CN, 1 for English.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use crate::lexicon::{Category, Lexicon, NegationCue, Tier};
use crate::normalize::normalize;

/// One term found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The category of the term.
    pub category: Category,
    /// Block or warn.
    pub tier: Tier,
    /// The lexicon term (normalised form) that matched.
    pub term: String,
    /// Byte range of the match in the original, un-normalised text.
    pub span: Range<usize>,
}

/// The overall judgement on a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    /// No hits.
    Clean,
    /// Only warn-tier hits: usable, but a human should confirm each statement is true.
    Warn,
    /// At least one block-tier hit: the text must not be sent or used as a template.
    Block,
}

impl Verdict {
    /// The verdict for a list of hits.
    pub fn of(hits: &[Hit]) -> Verdict {
        if hits.iter().any(|hit| hit.tier == Tier::Block) {
            Verdict::Block
        } else if hits.is_empty() {
            Verdict::Clean
        } else {
            Verdict::Warn
        }
    }

    /// `clean`, `warn` or `block`.
    pub fn code(self) -> &'static str {
        match self {
            Verdict::Clean => "clean",
            Verdict::Warn => "warn",
            Verdict::Block => "block",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A template refused because it contains block-tier terms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("template refused: {} block-tier term(s), first `{}` ({})", .blocking.len(), .blocking.first().map_or("", |h| h.term.as_str()), .blocking.first().map_or("", |h| h.category.code()))]
pub struct TemplateRefused {
    /// The block-tier hits.
    pub blocking: Vec<Hit>,
    /// Every hit, block and warn.
    pub hits: Vec<Hit>,
}

/// Inspects texts against a set of lexicons. Build once, share freely (it is `Send + Sync`).
#[derive(Debug, Clone)]
pub struct Inspector {
    /// `None` only if the automaton could not be built; the inspector then fails closed.
    automaton: Option<AhoCorasick>,
    patterns: Vec<Pattern>,
    cues: Vec<NegationCue>,
    longest_gap: usize,
}

#[derive(Debug, Clone)]
struct Pattern {
    text: String,
    category: Category,
    tier: Tier,
    word_start: bool,
    word_end: bool,
}

/// The shipped Chinese lexicon, `strategies/lexicons/zh-CN.toml`.
pub const SHIPPED_ZH_CN: &str = include_str!("../../../strategies/lexicons/zh-CN.toml");
/// The shipped English lexicon, `strategies/lexicons/en.toml`.
pub const SHIPPED_EN: &str = include_str!("../../../strategies/lexicons/en.toml");

impl Inspector {
    /// Builds an inspector over the terms of all `lexicons`. A term present in several lexicons
    /// is kept once, with the stricter tier (and the first lexicon's category).
    pub fn new(lexicons: &[Lexicon]) -> Inspector {
        let mut patterns: Vec<Pattern> = Vec::new();
        let mut by_text: HashMap<String, usize> = HashMap::new();
        let mut cues = Vec::new();
        for lexicon in lexicons {
            for term in lexicon.terms() {
                if let Some(&pattern_idx) = by_text.get(&term.text) {
                    if let Some(existing) = patterns.get_mut(pattern_idx) {
                        existing.tier = existing.tier.max(term.tier);
                    }
                    continue;
                }
                by_text.insert(term.text.clone(), patterns.len());
                patterns.push(Pattern {
                    word_start: term.text.chars().next().is_some_and(is_word_char),
                    word_end: term.text.chars().next_back().is_some_and(is_word_char),
                    text: term.text.clone(),
                    category: term.category,
                    tier: term.tier,
                });
            }
            for cue in lexicon.negation_cues() {
                if !cues.contains(cue) {
                    cues.push(cue.clone());
                }
            }
        }
        // Longer cues first, so 绝不会 is tried before 不会 (either negates, but the order keeps
        // the scan deterministic).
        cues.sort_by(|a, b| b.text.len().cmp(&a.text.len()).then(a.text.cmp(&b.text)));
        let longest_gap = cues.iter().map(|cue| cue.max_gap).max().unwrap_or(0);
        // A DFA is the fastest search for a few thousand short patterns; should it exceed the
        // crate's size limit, let the crate pick an NFA instead.
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(patterns.iter().map(|p| p.text.as_str()))
            .or_else(|_| {
                AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .build(patterns.iter().map(|p| p.text.as_str()))
            })
            // Infallible in practice: building fails only when pattern or state ids overflow
            // (about 2^31), and each lexicon is capped at 4 MiB by `Lexicon::parse`; it would take
            // hundreds of maximal lexicons. Should it ever happen the inspector fails closed:
            // `inspect` then reports every text as blocked (see `unavailable_hit`).
            .ok();
        Inspector {
            automaton,
            patterns,
            cues,
            longest_gap,
        }
    }

    /// An inspector over the shipped lexicons (`strategies/lexicons/zh-CN.toml` and `en.toml`,
    /// compiled in). A test guarantees they parse; the `Result` is kept so a broken edit of a
    /// shipped file surfaces as an error rather than a panic.
    pub fn shipped() -> Result<Inspector, crate::LexiconErrors> {
        let zh = Lexicon::parse("strategies/lexicons/zh-CN.toml", SHIPPED_ZH_CN)?;
        let en = Lexicon::parse("strategies/lexicons/en.toml", SHIPPED_EN)?;
        Ok(Inspector::new(&[zh, en]))
    }

    /// The number of distinct terms searched for.
    pub fn n_terms(&self) -> usize {
        self.patterns.len()
    }

    /// Finds the terms in `text`, in order of position. Overlapping matches are resolved to the
    /// longest; negated matches are dropped (see the module documentation).
    pub fn inspect(&self, text: &str) -> Vec<Hit> {
        let normalized = normalize(text);
        let norm = normalized.text.as_str();
        let Some(automaton) = &self.automaton else {
            return vec![unavailable_hit(text)];
        };
        let mut candidates: Vec<(usize, usize, usize)> = Vec::new();
        for found in automaton.find_overlapping_iter(norm) {
            let pattern_idx = found.pattern().as_usize();
            let Some(pattern) = self.patterns.get(pattern_idx) else {
                continue;
            };
            if pattern.word_start
                && norm[..found.start()]
                    .chars()
                    .next_back()
                    .is_some_and(is_word_char)
            {
                continue;
            }
            if pattern.word_end && norm[found.end()..].chars().next().is_some_and(is_word_char) {
                continue;
            }
            candidates.push((found.start(), found.end(), pattern_idx));
        }
        if candidates.is_empty() {
            return Vec::new();
        }
        // Longest first, then leftmost: each chosen match claims its bytes, so a shorter term
        // inside or across a longer one is reported only through the longer one.
        candidates.sort_by(|a, b| (b.1 - b.0).cmp(&(a.1 - a.0)).then(a.0.cmp(&b.0)));
        let mut chosen: Vec<(usize, usize, usize)> = Vec::with_capacity(candidates.len());
        for candidate in candidates {
            if chosen
                .iter()
                .all(|c| candidate.1 <= c.0 || c.1 <= candidate.0)
            {
                chosen.push(candidate);
            }
        }
        let claimed: Vec<(usize, usize)> = chosen.iter().map(|c| (c.0, c.1)).collect();
        chosen.retain(|c| !self.is_negated(norm, c.0, &claimed));
        chosen.sort_by_key(|c| c.0);
        chosen
            .into_iter()
            .filter_map(|(start, end, pattern_idx)| {
                let pattern = self.patterns.get(pattern_idx)?;
                Some(Hit {
                    category: pattern.category,
                    tier: pattern.tier,
                    term: pattern.text.clone(),
                    span: normalized.original_span(start, end),
                })
            })
            .collect()
    }

    /// Whether any hit is block-tier.
    pub fn has_block(hits: &[Hit]) -> bool {
        hits.iter().any(|hit| hit.tier == Tier::Block)
    }

    /// The verdict on `text`.
    pub fn verdict(&self, text: &str) -> Verdict {
        Verdict::of(&self.inspect(text))
    }

    /// Vets a message template: refused when it has a block-tier hit, otherwise accepted with its
    /// warn-tier hits (for a compliance officer to confirm). Strategy and contact code must call
    /// this before a template is stored or used.
    pub fn vet_template(&self, template: &str) -> Result<Vec<Hit>, TemplateRefused> {
        let hits = self.inspect(template);
        if Inspector::has_block(&hits) {
            let blocking = hits
                .iter()
                .filter(|hit| hit.tier == Tier::Block)
                .cloned()
                .collect();
            Err(TemplateRefused { blocking, hits })
        } else {
            Ok(hits)
        }
    }

    /// Whether a negation cue governs the term starting at byte `term_start` of `norm`. A cue
    /// inside another matched term (the 不要 of 臭不要脸) is part of that term, not a negation.
    fn is_negated(&self, norm: &str, term_start: usize, claimed: &[(usize, usize)]) -> bool {
        let mut end = term_start;
        let mut n_gap_tokens = 0;
        loop {
            let before = norm[..end].trim_end_matches(' ');
            for cue in &self.cues {
                // The last-byte test skips most cues without a full comparison.
                if n_gap_tokens > cue.max_gap
                    || before.as_bytes().last() != cue.text.as_bytes().last()
                    || !before.ends_with(cue.text.as_str())
                {
                    continue;
                }
                let cue_start = before.len() - cue.text.len();
                let glued_to_a_word = cue.text.chars().next().is_some_and(is_word_char)
                    && before[..cue_start]
                        .chars()
                        .next_back()
                        .is_some_and(is_word_char);
                let inside_a_term = claimed
                    .iter()
                    .any(|&(start, end)| start < before.len() && cue_start < end);
                if !glued_to_a_word && !inside_a_term {
                    return true;
                }
            }
            if n_gap_tokens >= self.longest_gap {
                return false;
            }
            let Some(last) = before.chars().next_back() else {
                return false;
            };
            if is_clause_break(last) {
                return false;
            }
            end = if is_word_char(last) {
                before
                    .trim_end_matches(|c: char| is_word_char(c) || c == '\'')
                    .len()
            } else {
                before.len() - last.len_utf8()
            };
            n_gap_tokens += 1;
        }
    }
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

fn is_clause_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '。' | '！' | '？' | '；' | '，' | '：' | '!' | '?' | ';' | ',' | ':' | '.' | '、'
    )
}

/// The single hit reported by an inspector whose automaton could not be built: the whole text,
/// block tier, so nothing passes unchecked.
fn unavailable_hit(text: &str) -> Hit {
    Hit {
        category: Category::Violence,
        tier: Tier::Block,
        term: "(lexicons too large: inspector unavailable)".to_string(),
        span: 0..text.len(),
    }
}
