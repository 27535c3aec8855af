//! A strategy file as a reader sees it: its parameters, stage rules, segments, arms and
//! treatments with the conditions as written, for the web UI's strategy page. The file is
//! checked by [`crate::parse_strategy`] first, so an outline is only ever made of a file that
//! plans.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::StrategyErrors;

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

#[derive(Deserialize)]
struct RawFile {
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    parameters: BTreeMap<String, toml::Value>,
    #[serde(default)]
    cost_fen: BTreeMap<String, i64>,
    #[serde(default, rename = "stage_rule")]
    stage_rules: Vec<RawStageRule>,
    #[serde(default, rename = "segment")]
    segments: Vec<RawSegment>,
    #[serde(default, rename = "treatment")]
    treatments: Vec<RawTreatment>,
    #[serde(default, rename = "arm")]
    arms: Vec<RawArm>,
}

#[derive(Deserialize)]
struct RawStageRule {
    stage: String,
    #[serde(default)]
    when: Option<String>,
}

#[derive(Deserialize)]
struct RawSegment {
    name: String,
    when: String,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Deserialize)]
struct RawTreatment {
    id: String,
    stages: Vec<String>,
    #[serde(default)]
    segments: Option<Vec<String>>,
    #[serde(default)]
    arms: Option<Vec<String>>,
    #[serde(default)]
    when: Option<String>,
    channel: String,
    template: String,
    queue: String,
    #[serde(default)]
    offset_days: Option<i64>,
    #[serde(default)]
    priority: Option<i64>,
    #[serde(default)]
    group: Option<String>,
    #[serde(default)]
    cost_fen: Option<i64>,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Deserialize)]
struct RawArm {
    name: String,
    share: i64,
    #[serde(default)]
    parameters: BTreeMap<String, toml::Value>,
    #[serde(default)]
    description: Option<String>,
}

fn values(map: BTreeMap<String, toml::Value>) -> Vec<(String, String)> {
    map.into_iter()
        .map(|(name, value)| {
            let text = match value {
                toml::Value::String(text) => text,
                other => other.to_string(),
            };
            (name, text)
        })
        .collect()
}

/// Checks `text` as [`crate::parse_strategy`] does and returns its outline.
pub fn outline_strategy(file_name: &str, text: &str) -> Result<StrategyOutline, StrategyErrors> {
    crate::parse_strategy(file_name, text)?;
    // The file parsed above with the strict shape; this looser one cannot fail on it, but a
    // failure is still reported rather than assumed away.
    let raw: RawFile = toml::from_str(text).map_err(|error| StrategyErrors {
        errors: vec![crate::error::StrategyError {
            file: file_name.to_string(),
            line: 1,
            column: 1,
            message: error.message().to_string(),
        }],
    })?;
    Ok(StrategyOutline {
        name: raw.name,
        description: raw.description,
        parameters: values(raw.parameters),
        costs_fen: raw.cost_fen.into_iter().collect(),
        stage_rules: raw
            .stage_rules
            .into_iter()
            .map(|rule| StageRuleOutline {
                stage: rule.stage,
                when: rule.when,
            })
            .collect(),
        segments: raw
            .segments
            .into_iter()
            .map(|segment| SegmentOutline {
                name: segment.name,
                when: segment.when,
                description: segment.description,
            })
            .collect(),
        arms: raw
            .arms
            .into_iter()
            .map(|arm| ArmOutline {
                name: arm.name,
                share: arm.share,
                description: arm.description,
                parameters: values(arm.parameters),
            })
            .collect(),
        treatments: raw
            .treatments
            .into_iter()
            .map(|t| TreatmentOutline {
                id: t.id,
                stages: t.stages,
                segments: t.segments.unwrap_or_default(),
                arms: t.arms.unwrap_or_default(),
                when: t.when,
                channel: t.channel,
                template: t.template,
                queue: t.queue,
                offset_days: t.offset_days.unwrap_or(0),
                priority: t.priority.unwrap_or(100),
                group: t.group,
                cost_fen: t.cost_fen,
                description: t.description,
            })
            .collect(),
    })
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
