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

use crate::facts::CaseFacts;
use crate::lexicon::{Category, Lexicon, NegationCue, Tier};
use crate::normalize::normalize;
use crate::rules::{find_firing, Occurrence, Rule, Slot};

/// One term or pattern rule found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The category of the term or rule.
    pub category: Category,
    /// Block or warn (after any softening, see [`Hit::softened_by`]).
    pub tier: Tier,
    /// The lexicon term (normalised form) that matched; for a rule, its words joined by `+`.
    pub term: String,
    /// The pattern rule's id, or `None` for a lexicon term.
    pub rule: Option<String>,
    /// Byte range of the match in the original, un-normalised text.
    pub span: Range<usize>,
    /// Why a block-tier term or rule is reported as warn: a fact on file that makes the
    /// statement true (`fact on file: legal_filed`) or reported speech (`reported speech: 客户称`).
    pub softened_by: Option<String>,
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
    rules: Vec<Rule>,
    cues: Vec<NegationCue>,
    longest_gap: usize,
}

/// A text searched for: a lexicon term, a word of one or more rules, a rule's `unless` word, a
/// reported-speech cue, or several of these at once (one automaton finds them all).
#[derive(Debug, Clone)]
struct Pattern {
    text: String,
    term: Option<TermUse>,
    slots: Vec<(u32, Slot)>,
    unless_of: Vec<u32>,
    reported: bool,
    own_voice: bool,
    disclaimer: bool,
    word_start: bool,
    word_end: bool,
}

#[derive(Debug, Clone, Copy)]
struct TermUse {
    category: Category,
    tier: Tier,
    lawful_with: CaseFacts,
}

/// Where the reported-speech, own-voice and disclaimer cues of one text are.
#[derive(Debug, Default)]
struct SpeechContext {
    /// Reported-speech cues: start, end, pattern.
    reported: Vec<(usize, usize, usize)>,
    /// Own-voice cues: start, end.
    own_voice: Vec<(usize, usize)>,
    /// Disclaimer cues: start, pattern.
    disclaimers: Vec<(usize, usize)>,
}

impl SpeechContext {
    /// The reported-speech cue whose reach covers a hit at `start`: earlier in the same
    /// sentence, not part of an own-voice phrase (向客户说明), with no own-voice word between it
    /// and the hit (客户称…，催收员仍连续回拨).
    fn reported_before(
        &self,
        start: usize,
        sentence: usize,
        sentences: &SentenceBreaks,
    ) -> Option<u32> {
        self.reported
            .iter()
            .filter(|&&(at, _, _)| at < start && sentences.index(at) == sentence)
            .filter(|&&(at, end, _)| {
                !self.own_voice.iter().any(|&(o_start, o_end)| {
                    (o_start < end && at < o_end) || (o_start >= end && o_start < start)
                })
            })
            .map(|&(_, _, cue)| cue as u32)
            .next_back()
    }
}

/// How many more tokens a negation cue may stand before a rule's action than before a term:
/// rules span adverbs and auxiliaries (绝对不会主动通知你家人, "will never ever call").
const RULE_EXTRA_GAP: usize = 2;

/// The shipped Chinese lexicon, `strategies/lexicons/zh-CN.toml`.
pub const SHIPPED_ZH_CN: &str = include_str!("../../../strategies/lexicons/zh-CN.toml");
/// The shipped English lexicon, `strategies/lexicons/en.toml`.
pub const SHIPPED_EN: &str = include_str!("../../../strategies/lexicons/en.toml");

impl Inspector {
    /// Builds an inspector over the terms and rules of all `lexicons`. A term present in several
    /// lexicons is kept once, with the stricter tier (and the first lexicon's category); rules
    /// are kept per lexicon.
    pub fn new(lexicons: &[Lexicon]) -> Inspector {
        let mut patterns: Vec<Pattern> = Vec::new();
        let mut by_text: HashMap<String, usize> = HashMap::new();
        let mut pattern_for = |text: &str, patterns: &mut Vec<Pattern>| -> usize {
            if let Some(&pattern_idx) = by_text.get(text) {
                return pattern_idx;
            }
            by_text.insert(text.to_string(), patterns.len());
            patterns.push(Pattern {
                // Only letters make a whole-word term: "sue" must not match "issue", but a
                // count such as 10次 is still a count inside 210次.
                word_start: text.chars().next().is_some_and(|c| c.is_ascii_alphabetic()),
                word_end: text
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_ascii_alphabetic()),
                text: text.to_string(),
                term: None,
                slots: Vec::new(),
                unless_of: Vec::new(),
                reported: false,
                own_voice: false,
                disclaimer: false,
            });
            patterns.len() - 1
        };
        let mut rules: Vec<Rule> = Vec::new();
        let mut cues = Vec::new();
        for lexicon in lexicons {
            for term in lexicon.terms() {
                let pattern_idx = pattern_for(&term.text, &mut patterns);
                let Some(pattern) = patterns.get_mut(pattern_idx) else {
                    continue;
                };
                match &mut pattern.term {
                    Some(existing) => existing.tier = existing.tier.max(term.tier),
                    None => {
                        pattern.term = Some(TermUse {
                            category: term.category,
                            tier: term.tier,
                            lawful_with: term.lawful_with,
                        })
                    }
                }
            }
            for rule in lexicon.rules() {
                let rule_idx = rules.len() as u32;
                for slot in Slot::ALL {
                    for word in &rule.slots[slot.index()] {
                        let pattern_idx = pattern_for(word, &mut patterns);
                        if let Some(pattern) = patterns.get_mut(pattern_idx) {
                            pattern.slots.push((rule_idx, slot));
                        }
                    }
                }
                for word in &rule.unless {
                    let pattern_idx = pattern_for(word, &mut patterns);
                    if let Some(pattern) = patterns.get_mut(pattern_idx) {
                        pattern.unless_of.push(rule_idx);
                    }
                }
                rules.push(rule.clone());
            }
            for cue in lexicon.reported_cues() {
                let pattern_idx = pattern_for(cue, &mut patterns);
                if let Some(pattern) = patterns.get_mut(pattern_idx) {
                    pattern.reported = true;
                }
            }
            for cue in lexicon.own_voice_cues() {
                let pattern_idx = pattern_for(cue, &mut patterns);
                if let Some(pattern) = patterns.get_mut(pattern_idx) {
                    pattern.own_voice = true;
                }
            }
            for cue in lexicon.disclaimer_cues() {
                let pattern_idx = pattern_for(cue, &mut patterns);
                if let Some(pattern) = patterns.get_mut(pattern_idx) {
                    pattern.disclaimer = true;
                }
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
            rules,
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
        self.patterns.iter().filter(|p| p.term.is_some()).count()
    }

    /// The number of pattern rules.
    pub fn n_rules(&self) -> usize {
        self.rules.len()
    }

    /// Finds the terms and rules in `text` for a case with no legal facts on file (see
    /// [`Inspector::inspect_with`]).
    pub fn inspect(&self, text: &str) -> Vec<Hit> {
        self.inspect_with(text, CaseFacts::NONE)
    }

    /// Finds the terms and rules in `text`, in order of position. Overlapping term matches are
    /// resolved to the longest; negated matches are dropped (see the module documentation). A
    /// block-tier hit is reported as warn when `facts` hold a fact that makes it true, or when a
    /// reported-speech cue precedes it in its sentence; [`Hit::softened_by`] says which.
    pub fn inspect_with(&self, text: &str, facts: CaseFacts) -> Vec<Hit> {
        let normalized = normalize(text);
        let norm = normalized.text.as_str();
        let Some(automaton) = &self.automaton else {
            return vec![unavailable_hit(text)];
        };
        let mut candidates: Vec<(usize, usize, usize)> = Vec::new();
        let mut occurrences: Vec<Occurrence> = Vec::new();
        let mut unless: Vec<(u32, usize)> = Vec::new();
        let mut context = SpeechContext::default();
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
            if pattern.term.is_some() {
                candidates.push((found.start(), found.end(), pattern_idx));
            }
            for &(rule, slot) in &pattern.slots {
                occurrences.push(Occurrence {
                    rule,
                    slot,
                    start: found.start(),
                    end: found.end(),
                    pattern: pattern_idx as u32,
                });
            }
            for &rule in &pattern.unless_of {
                unless.push((rule, found.start()));
            }
            if pattern.reported {
                context
                    .reported
                    .push((found.start(), found.end(), pattern_idx));
            }
            if pattern.own_voice {
                context.own_voice.push((found.start(), found.end()));
            }
            if pattern.disclaimer {
                context.disclaimers.push((found.start(), pattern_idx));
            }
        }
        if candidates.is_empty() && occurrences.is_empty() {
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
        chosen.retain(|c| !self.is_negated(norm, c.0, &claimed, 0));
        let sentences = SentenceBreaks::of(norm);
        let mut hits: Vec<(usize, Hit)> = Vec::with_capacity(chosen.len());
        for (start, end, pattern_idx) in chosen {
            let Some(term) = self.patterns.get(pattern_idx).and_then(|p| p.term) else {
                continue;
            };
            let mut hit = Hit {
                category: term.category,
                tier: term.tier,
                term: self.pattern_text(pattern_idx as u32).to_string(),
                rule: None,
                span: normalized.original_span(start, end),
                softened_by: None,
            };
            self.soften(
                &mut hit,
                term.lawful_with,
                facts,
                start,
                &sentences,
                &context,
            );
            hits.push((start, hit));
        }
        if !occurrences.is_empty() {
            self.find_rules(
                norm,
                &normalized,
                &mut occurrences,
                &unless,
                &context,
                &claimed,
                &sentences,
                facts,
                &mut hits,
            );
        }
        hits.sort_by_key(|(start, hit)| (*start, hit.rule.is_some()));
        let hits: Vec<Hit> = hits.into_iter().map(|(_, hit)| hit).collect();
        // A rule that only restates a term of the same category and tier inside that term's
        // span adds nothing to the report.
        hits.iter()
            .filter(|hit| {
                hit.rule.is_none()
                    || !hits.iter().any(|term| {
                        term.rule.is_none()
                            && term.category == hit.category
                            && term.tier >= hit.tier
                            && term.span.start <= hit.span.start
                            && hit.span.end <= term.span.end
                    })
            })
            .cloned()
            .collect()
    }

    /// Adds a hit for each rule that fires in a sentence (at most one per rule and sentence).
    #[allow(clippy::too_many_arguments)]
    fn find_rules(
        &self,
        norm: &str,
        normalized: &crate::normalize::Normalized,
        occurrences: &mut [Occurrence],
        unless: &[(u32, usize)],
        context: &SpeechContext,
        claimed: &[(usize, usize)],
        sentences: &SentenceBreaks,
        facts: CaseFacts,
        hits: &mut Vec<(usize, Hit)>,
    ) {
        occurrences.sort_by_key(|o| (o.rule, sentences.index(o.start), o.start));
        for group in occurrences.chunk_by(|a, b| {
            a.rule == b.rule && sentences.index(a.start) == sentences.index(b.start)
        }) {
            let Some(head) = group.first() else {
                continue;
            };
            let Some(rule) = self.rules.get(head.rule as usize) else {
                continue;
            };
            let sentence = sentences.index(head.start);
            if unless
                .iter()
                .any(|&(r, at)| r == head.rule && sentences.index(at) == sentence)
            {
                continue;
            }
            let mut negated = |at: usize| self.is_negated(norm, at, claimed, RULE_EXTRA_GAP);
            let Some(firing) = find_firing(rule, norm, group, &mut negated) else {
                continue;
            };
            let (Some(first), Some(end)) = (firing.first(), firing.iter().map(|c| c.1).max())
            else {
                continue;
            };
            let words: Vec<&str> = firing.iter().map(|c| self.pattern_text(c.2)).collect();
            let mut hit = Hit {
                category: rule.category,
                tier: rule.tier,
                term: words.join("+"),
                rule: Some(rule.id.clone()),
                span: normalized.original_span(first.0, end),
                softened_by: None,
            };
            self.soften(
                &mut hit,
                rule.lawful_with,
                facts,
                first.0,
                sentences,
                context,
            );
            hits.push((first.0, hit));
        }
    }

    /// Makes a block hit warn when a case fact makes it true or it is reported speech.
    fn soften(
        &self,
        hit: &mut Hit,
        lawful_with: CaseFacts,
        facts: CaseFacts,
        start: usize,
        sentences: &SentenceBreaks,
        context: &SpeechContext,
    ) {
        if hit.tier != Tier::Block {
            return;
        }
        if let Some(fact) = facts.first_shared(lawful_with) {
            hit.tier = Tier::Warn;
            hit.softened_by = Some(format!("fact on file: {fact}"));
            return;
        }
        let sentence = sentences.index(start);
        if let Some(&(_, cue)) = context
            .disclaimers
            .iter()
            .find(|&&(at, _)| sentences.index(at) == sentence)
        {
            hit.tier = Tier::Warn;
            hit.softened_by = Some(format!("disclaimed: {}", self.pattern_text(cue as u32)));
            return;
        }
        if let Some(cue) = context.reported_before(start, sentence, sentences) {
            hit.tier = Tier::Warn;
            hit.softened_by = Some(format!("reported speech: {}", self.pattern_text(cue)));
        }
    }

    fn pattern_text(&self, pattern_idx: u32) -> &str {
        self.patterns
            .get(pattern_idx as usize)
            .map_or("", |p| p.text.as_str())
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

    /// Whether a negation cue governs the match starting at byte `term_start` of `norm`, allowing
    /// `extra_gap` more tokens than the cue's own gap. A cue inside a matched term (the 不要 of
    /// 臭不要脸) is part of that term, not a negation.
    fn is_negated(
        &self,
        norm: &str,
        term_start: usize,
        claimed: &[(usize, usize)],
        extra_gap: usize,
    ) -> bool {
        let mut end = term_start;
        let mut n_gap_tokens = 0;
        loop {
            let before = norm[..end].trim_end_matches(' ');
            for cue in &self.cues {
                // The last-byte test skips most cues without a full comparison.
                if n_gap_tokens > cue.max_gap + extra_gap
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
            if n_gap_tokens >= self.longest_gap + extra_gap {
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

/// Where sentences end in normalised text: `。！？；`, their ASCII forms, a line break, and a `.`
/// that is not inside a number. Commas do not end a sentence: "再不还，我们就告诉你家人" is one.
struct SentenceBreaks(Vec<usize>);

impl SentenceBreaks {
    fn of(norm: &str) -> SentenceBreaks {
        let bytes = norm.as_bytes();
        let mut breaks = Vec::new();
        for (at, c) in norm.char_indices() {
            let is_break = match c {
                '\n' | '。' | '！' | '？' | '；' | '!' | '?' | ';' => true,
                '.' => {
                    let digit_before = at > 0 && bytes.get(at - 1).is_some_and(u8::is_ascii_digit);
                    let digit_after = bytes.get(at + 1).is_some_and(u8::is_ascii_digit);
                    !(digit_before && digit_after)
                }
                _ => false,
            };
            if is_break {
                breaks.push(at);
            }
        }
        SentenceBreaks(breaks)
    }

    /// The index of the sentence holding byte `at`.
    fn index(&self, at: usize) -> usize {
        self.0.partition_point(|&b| b < at)
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
        rule: None,
        span: 0..text.len(),
        softened_by: None,
    }
}
