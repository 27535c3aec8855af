//! A strategy file as a reader sees it: its parameters, stage rules, segments, arms and
//! treatments with the conditions as written, for the web UI's strategy page. The file is
//! checked by [`crate::parse_strategy`] first, so an outline is only ever made of a file that
//! plans.

use std::collections::BTreeMap;

use toml::Spanned;

use crate::error::StrategyErrors;
use crate::file::{check_strategy, RawFile, DEFAULT_PRIORITY};

/// A checked strategy file, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrategyOutline {
    pub name: String,
    pub description: Option<String>,
    /// Parameter name → value as written (TOML).
    pub parameters: Vec<(String, String)>,
    /// Channel → cost weight in fen.
    pub costs_fen: Vec<(String, i64)>,
    pub stage_rules: Vec<StageRuleOutline>,
    pub segments: Vec<SegmentOutline>,
    pub arms: Vec<ArmOutline>,
    pub treatments: Vec<TreatmentOutline>,
}

/// A stage rule: the stage (or `keep`) and its condition; no condition always holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageRuleOutline {
    pub stage: String,
    pub when: Option<String>,
}

/// A segment: a case is in the first segment whose condition holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentOutline {
    pub name: String,
    pub when: String,
    pub description: Option<String>,
}

/// A champion/challenger arm with its share of cases and parameter overrides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArmOutline {
    pub name: String,
    /// Percent of cases.
    pub share: i64,
    pub description: Option<String>,
    pub parameters: Vec<(String, String)>,
}

/// A treatment: what is planned, for which stages, segments and arms (empty = all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreatmentOutline {
    pub id: String,
    pub stages: Vec<String>,
    pub segments: Vec<String>,
    pub arms: Vec<String>,
    pub when: Option<String>,
    pub channel: String,
    pub template: String,
    pub queue: String,
    pub offset_days: i64,
    pub priority: i64,
    pub group: Option<String>,
    /// The treatment's own cost weight, when it overrides the channel's.
    pub cost_fen: Option<i64>,
    pub description: Option<String>,
}

/// A TOML value as written: strings without their quotes.
fn written(value: &toml::Value) -> String {
    match value {
        toml::Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn values(map: &BTreeMap<Spanned<String>, Spanned<toml::Value>>) -> Vec<(String, String)> {
    map.iter()
        .map(|(name, value)| (name.get_ref().clone(), written(value.get_ref())))
        .collect()
}

fn names(list: Option<&Spanned<Vec<Spanned<String>>>>) -> Vec<String> {
    list.map(|list| list.get_ref().iter().map(|n| n.get_ref().clone()).collect())
        .unwrap_or_default()
}

/// Checks `text` as [`crate::parse_strategy`] does and returns its outline, read from the same
/// parse of the file (so the outline shows exactly what was checked).
pub fn outline_strategy(file_name: &str, text: &str) -> Result<StrategyOutline, StrategyErrors> {
    let (_, raw) = check_strategy(file_name, text)?;
    Ok(outline(&raw))
}

fn outline(raw: &RawFile) -> StrategyOutline {
    StrategyOutline {
        name: raw.name.get_ref().clone(),
        description: raw.description.clone(),
        parameters: values(&raw.parameters),
        costs_fen: raw
            .cost_fen
            .iter()
            .map(|(channel, cost)| (channel.get_ref().clone(), *cost.get_ref()))
            .collect(),
        stage_rules: raw
            .stage_rules
            .iter()
            .map(|rule| StageRuleOutline {
                stage: rule.stage.get_ref().clone(),
                when: rule.when.as_ref().map(|w| w.get_ref().clone()),
            })
            .collect(),
        segments: raw
            .segments
            .iter()
            .map(|segment| SegmentOutline {
                name: segment.name.get_ref().clone(),
                when: segment.when.get_ref().clone(),
                description: segment.description.clone(),
            })
            .collect(),
        arms: raw
            .arms
            .iter()
            .map(|arm| ArmOutline {
                name: arm.name.get_ref().clone(),
                share: *arm.share.get_ref(),
                description: arm.description.clone(),
                parameters: values(&arm.parameters),
            })
            .collect(),
        treatments: raw
            .treatments
            .iter()
            .map(|t| TreatmentOutline {
                id: t.id.get_ref().clone(),
                stages: names(Some(&t.stages)),
                segments: names(t.segments.as_ref()),
                arms: names(t.arms.as_ref()),
                when: t.when.as_ref().map(|w| w.get_ref().clone()),
                channel: t.channel.get_ref().clone(),
                template: t.template.get_ref().clone(),
                queue: t.queue.get_ref().clone(),
                offset_days: t.offset_days.as_ref().map_or(0, |d| *d.get_ref()),
                priority: t
                    .priority
                    .as_ref()
                    .map_or(DEFAULT_PRIORITY, |p| *p.get_ref()),
                group: t.group.as_ref().map(|g| g.get_ref().clone()),
                cost_fen: t.cost_fen.as_ref().map(|c| *c.get_ref()),
                description: t.description.clone(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = include_str!("../../../strategies/cn-default.toml");

    #[test]
    fn the_shipped_strategy_outlines_with_its_segments_arms_and_treatments() {
        let outline = outline_strategy("cn-default.toml", SHIPPED).unwrap();
        assert_eq!(outline.name, "cn-default");
        assert!(!outline.segments.is_empty());
        assert!(!outline.treatments.is_empty());
        assert_eq!(
            outline.arms.iter().map(|a| a.share).sum::<i64>(),
            100,
            "arm shares add up to 100"
        );
        assert!(outline
            .parameters
            .iter()
            .any(|(k, v)| k == "late_dpd" && v == "91"));
        assert!(outline.stage_rules.iter().any(|r| r.stage == "keep"));
    }

    #[test]
    fn a_file_that_does_not_check_has_no_outline() {
        assert!(outline_strategy(
            "bad.toml",
            "name = \"x\"\n[[segment]]\nname = \"a\"\nwhen = \"nonsense >\"\n"
        )
        .is_err());
    }
}
