//! Pattern rules: an actor, a threatened action and a target found together in one sentence.
//!
//! Single words miss most unlawful collection: "我们会把你欠钱的事告诉你爸妈" has no word that is
//! wrong on its own. A rule lists words for up to three slots — `actor` (我们, 催收员, we), `action`
//! (告诉, 通知, tell, call) and `target` (你爸妈, 单位, your employer) — and fires when every slot it
//! lists has a word in the same sentence, all within `within` characters of normalised text.
//! The hit is dropped when the sentence holds one of the rule's `unless` words (lawful phrasing:
//! 是否方便转告 for a registered contact) or when a negation cue stands just before the action or
//! the first slot word (严禁通知借款人家属). `lawful_with` names the case facts that make the
//! statement true (a filing really on record); with one of them on file the hit is warn, not
//! block.
//!
//! This module holds the rule definitions and the pure search over slot occurrences; the
//! [`crate::Inspector`] finds the occurrences with the same automaton it uses for terms.

use std::fmt;

use crate::facts::CaseFacts;
use crate::lexicon::{Category, Tier};

/// Which part of a pattern a word fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Slot {
    /// Who acts: 我们, 催收员, 公司, we.
    Actor,
    /// What is done or threatened: 通知, 告诉, 曝光, tell, call.
    Action,
    /// To whom or what: 你家人, 单位, 你孩子, your employer.
    Target,
}

impl Slot {
    /// Every slot, in the order a rule's words are listed.
    pub const ALL: [Slot; 3] = [Slot::Actor, Slot::Action, Slot::Target];

    /// `actor`, `action` or `target`.
    pub fn code(self) -> &'static str {
        match self {
            Slot::Actor => "actor",
            Slot::Action => "action",
            Slot::Target => "target",
        }
    }

    pub(crate) fn index(self) -> usize {
        match self {
            Slot::Actor => 0,
            Slot::Action => 1,
            Slot::Target => 2,
        }
    }
}

impl fmt::Display for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The largest `within` a rule may set, in characters of normalised text.
pub const MAX_WITHIN: usize = 120;

/// The `within` of a rule that does not set one.
pub const DEFAULT_WITHIN: usize = 24;

/// One validated pattern rule, its words normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The rule's id, unique in its lexicon, e.g. `tell_family`; reports name it.
    pub id: String,
    /// The category a hit is reported under.
    pub category: Category,
    /// Block or warn.
    pub tier: Tier,
    /// The largest span, in characters of normalised text, from the first to the last slot word.
    pub within: usize,
    /// Words per slot, indexed by [`Slot::index`]; an empty list means the slot is not used.
    pub slots: [Vec<String>; 3],
    /// Words that, anywhere in the sentence, make the rule not apply.
    pub unless: Vec<String>,
    /// Facts that make the statement true; with one on file a block hit becomes warn.
    pub lawful_with: CaseFacts,
}

impl Rule {
    /// The slots this rule uses, in [`Slot::ALL`] order.
    pub fn used_slots(&self) -> impl Iterator<Item = Slot> + '_ {
        Slot::ALL
            .into_iter()
            .filter(|slot| !self.slots[slot.index()].is_empty())
    }

    /// The slot that anchors a match: the action when the rule has one, else the first used.
    pub(crate) fn anchor(&self) -> Slot {
        if self.slots[Slot::Action.index()].is_empty() {
            self.used_slots().next().unwrap_or(Slot::Action)
        } else {
            Slot::Action
        }
    }
}

/// A word of a rule found in the normalised text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Occurrence {
    pub rule: u32,
    pub slot: Slot,
    pub start: usize,
    pub end: usize,
    /// Index of the pattern (word) in the inspector's table, to name the words in a hit.
    pub pattern: u32,
}

/// The chosen words of one firing: `(start, end, pattern)` per used slot, in text order.
pub(crate) type Firing = Vec<(usize, usize, u32)>;

/// Finds, among the occurrences of one rule inside one sentence (`occurrences`, sorted by
/// start), a combination with a word for every used slot, no two overlapping, spanning at most
/// `rule.within` characters of `norm`, whose anchor passes `negated`. Returns the first such
/// combination by anchor position.
pub(crate) fn find_firing(
    rule: &Rule,
    norm: &str,
    occurrences: &[Occurrence],
    negated: &mut dyn FnMut(usize) -> bool,
) -> Option<Firing> {
    let anchor_slot = rule.anchor();
    let used: Vec<Slot> = rule.used_slots().collect();
    for anchor in occurrences.iter().filter(|o| o.slot == anchor_slot) {
        let mut chosen: Firing = vec![(anchor.start, anchor.end, anchor.pattern)];
        let mut complete = true;
        for slot in used.iter().copied().filter(|slot| *slot != anchor_slot) {
            // The nearest word of this slot that does not overlap a word already chosen.
            let nearest = occurrences
                .iter()
                .filter(|o| o.slot == slot)
                .filter(|o| chosen.iter().all(|c| o.end <= c.0 || c.1 <= o.start))
                .min_by_key(|o| distance(o.start, o.end, anchor.start, anchor.end));
            match nearest {
                Some(o) => chosen.push((o.start, o.end, o.pattern)),
                None => {
                    complete = false;
                    break;
                }
            }
        }
        if !complete {
            continue;
        }
        chosen.sort_by_key(|c| c.0);
        let (Some(first), Some(last_end)) = (chosen.first(), chosen.iter().map(|c| c.1).max())
        else {
            continue;
        };
        let span_chars = norm.get(first.0..last_end).map_or(0, |s| s.chars().count());
        if span_chars > rule.within {
            continue;
        }
        if negated(anchor.start) || (first.0 != anchor.start && negated(first.0)) {
            continue;
        }
        return Some(chosen);
    }
    None
}

fn distance(start: usize, end: usize, anchor_start: usize, anchor_end: usize) -> usize {
    if end <= anchor_start {
        anchor_start - end
    } else {
        start.saturating_sub(anchor_end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(within: usize) -> Rule {
        Rule {
            id: "tell_family".to_string(),
            category: Category::ThirdParty,
            tier: Tier::Block,
            within,
            slots: [
                vec!["我们".to_string()],
                vec!["告诉".to_string()],
                vec!["你家人".to_string()],
            ],
            unless: Vec::new(),
            lawful_with: CaseFacts::NONE,
        }
    }

    fn occurrences(norm: &str) -> Vec<Occurrence> {
        let mut found = Vec::new();
        for (pattern, (slot, word)) in [
            (Slot::Actor, "我们"),
            (Slot::Action, "告诉"),
            (Slot::Target, "你家人"),
        ]
        .into_iter()
        .enumerate()
        {
            for (start, _) in norm.match_indices(word) {
                found.push(Occurrence {
                    rule: 0,
                    slot,
                    start,
                    end: start + word.len(),
                    pattern: pattern as u32,
                });
            }
        }
        found.sort_by_key(|o| o.start);
        found
    }

    #[test]
    fn every_slot_within_the_span_fires_in_text_order() {
        let norm = "我们明天就告诉你家人";
        let firing = find_firing(&rule(24), norm, &occurrences(norm), &mut |_| false).unwrap();
        let patterns: Vec<u32> = firing.iter().map(|c| c.2).collect();
        assert_eq!(patterns, vec![0, 1, 2]);
        assert_eq!(firing[0].0, 0);
    }

    #[test]
    fn a_missing_slot_or_too_wide_a_span_does_not_fire() {
        let norm = "我们明天就告诉你";
        assert!(find_firing(&rule(24), norm, &occurrences(norm), &mut |_| false).is_none());
        let norm = "我们明天就告诉你家人";
        assert!(find_firing(&rule(6), norm, &occurrences(norm), &mut |_| false).is_none());
    }

    #[test]
    fn a_negated_anchor_does_not_fire_but_a_later_one_does() {
        let norm = "我们不会告诉你家人，但会告诉你家人";
        let first_anchor = norm.find("告诉").unwrap();
        let firing = find_firing(&rule(24), norm, &occurrences(norm), &mut |at| {
            at == first_anchor
        })
        .unwrap();
        assert!(firing.iter().any(|c| c.0 > first_anchor));
    }
}
