//! Reading a strategy file: the TOML shape (with spans kept for error messages), validation of
//! every name and number, and compilation of each condition against the parameters in force.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use recoup_core::case::Stage;
use recoup_core::contact::Channel;
use recoup_core::Fen;
use serde::Deserialize;
use toml::Spanned;

use crate::cond::{self, stage_index, suggestion, Cond, NumType, Param, STAGES};
use crate::error::{Reporter, StrategyErrors};
use crate::expr;
use crate::strategy::{
    arm_salt, Arm, CompiledTreatment, Segment, StageRule, StageTarget, Strategy, NO_SEGMENT_BIT,
};

/// The most segments a file may define: each is one bit of a `u64` mask, and one bit is kept
/// for "no segment matched".
const MAX_SEGMENTS: usize = 63;
/// The most alternative groups a file may define: each is one bit of a `u64` mask.
const MAX_GROUPS: usize = 64;
/// A treatment's due date may be at most a year after the evaluation date.
const MAX_OFFSET_DAYS: i64 = 366;
/// A treatment's priority when the file gives none (lower runs first).
pub(crate) const DEFAULT_PRIORITY: i64 = 100;

/// An arm as read from the file, before its treatments are compiled.
struct ArmSpec {
    name: Arc<str>,
    share: u32,
    /// The base parameters with the arm's overrides applied.
    params: BTreeMap<String, Param>,
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFile {
    pub(crate) name: Spanned<String>,
    #[serde(default)]
    pub(crate) description: Option<String>,
    #[serde(default)]
    pub(crate) salt: Option<String>,
    #[serde(default)]
    pub(crate) parameters: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    #[serde(default)]
    pub(crate) cost_fen: BTreeMap<Spanned<String>, Spanned<i64>>,
    #[serde(default, rename = "stage_rule")]
    pub(crate) stage_rules: Vec<RawStageRule>,
    #[serde(default, rename = "segment")]
    pub(crate) segments: Vec<RawSegment>,
    #[serde(default, rename = "treatment")]
    pub(crate) treatments: Vec<RawTreatment>,
    #[serde(default, rename = "arm")]
    pub(crate) arms: Vec<RawArm>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStageRule {
    pub(crate) stage: Spanned<String>,
    #[serde(default)]
    pub(crate) when: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSegment {
    pub(crate) name: Spanned<String>,
    pub(crate) when: Spanned<String>,
    #[serde(default)]
    pub(crate) description: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTreatment {
    pub(crate) id: Spanned<String>,
    pub(crate) stages: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    pub(crate) segments: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub(crate) arms: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub(crate) when: Option<Spanned<String>>,
    pub(crate) channel: Spanned<String>,
    pub(crate) template: Spanned<String>,
    pub(crate) queue: Spanned<String>,
    #[serde(default)]
    pub(crate) offset_days: Option<Spanned<i64>>,
    #[serde(default)]
    pub(crate) priority: Option<Spanned<i64>>,
    #[serde(default)]
    pub(crate) group: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) cost_fen: Option<Spanned<i64>>,
    /// Says why a treatment exists; shown in the outline, not used when planning.
    #[serde(default)]
    pub(crate) description: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawArm {
    pub(crate) name: Spanned<String>,
    pub(crate) share: Spanned<i64>,
    #[serde(default)]
    pub(crate) parameters: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    #[serde(default)]
    pub(crate) description: Option<String>,
}

/// Parses, validates and compiles a strategy file. `file_name` only labels error messages.
///
/// Every problem found is reported, each with its line and column; a file with any error
/// yields no strategy.
pub fn parse_strategy(file_name: &str, text: &str) -> Result<Strategy, StrategyErrors> {
    check_strategy(file_name, text).map(|(strategy, _)| strategy)
}

/// [`parse_strategy`], also handing back the file as read (for [`crate::outline_strategy`]).
pub(crate) fn check_strategy(
    file_name: &str,
    text: &str,
) -> Result<(Strategy, RawFile), StrategyErrors> {
    let mut reporter = Reporter::new(file_name, text);
    let raw: RawFile = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(error) => {
            let offset = error.span().map_or(0, |span| span.start);
            reporter.at(offset, error.message().trim_end_matches('.').to_string());
            return Err(reporter
                .finish()
                .err()
                .unwrap_or_else(|| StrategyErrors { errors: Vec::new() }));
        }
    };
    // `build` always yields a strategy so that it can report every error in one pass; the
    // strategy is only handed out when none was reported.
    let strategy = build(&mut reporter, &raw);
    reporter.finish()?;
    Ok((strategy, raw))
}

/// Checks and compiles the whole file, reporting every problem in file order; always yields a
/// strategy (see [`check_strategy`]).
fn build(reporter: &mut Reporter<'_>, raw: &RawFile) -> Strategy {
    if raw.name.get_ref().trim().is_empty() {
        reporter.at(raw.name.span().start, "the strategy needs a name");
    }
    let params = read_params(reporter, &raw.parameters, None);
    let channel_costs = read_channel_costs(reporter, raw);
    let stage_rules = read_stage_rules(reporter, raw, &params);
    let (segments, segment_names) = read_segments(reporter, raw, &params);
    let arm_specs = read_arms(reporter, raw, &params);
    let arms = compile_treatments(
        reporter,
        raw,
        &params,
        &segment_names,
        &arm_specs,
        &channel_costs,
    );
    let salt = raw
        .salt
        .clone()
        .unwrap_or_else(|| raw.name.get_ref().clone());
    Strategy {
        name: Arc::from(raw.name.get_ref().as_str()),
        description: raw.description.clone(),
        salt_state: arm_salt(&salt),
        stage_rules,
        segments,
        arms,
        channel_costs,
    }
}

/// `[cost_fen]`: what one contact costs by channel (0 for channels not listed).
fn read_channel_costs(reporter: &mut Reporter<'_>, raw: &RawFile) -> [Fen; Channel::ALL.len()] {
    let mut channel_costs = [Fen::ZERO; Channel::ALL.len()];
    for (channel_name, cost) in &raw.cost_fen {
        let Some(channel) = read_channel(reporter, channel_name) else {
            continue;
        };
        if *cost.get_ref() < 0 {
            reporter.at(cost.span().start, "a cost cannot be negative");
        }
        channel_costs[channel_idx(channel)] = Fen::new(*cost.get_ref());
    }
    channel_costs
}

/// The `[[stage_rule]]`s, in file order: a stage to set (or `keep`) when the condition holds.
fn read_stage_rules(
    reporter: &mut Reporter<'_>,
    raw: &RawFile,
    params: &BTreeMap<String, Param>,
) -> Vec<StageRule> {
    let mut stage_rules = Vec::new();
    for rule in &raw.stage_rules {
        let target = if rule.stage.get_ref() == "keep" {
            Some(StageTarget::Keep)
        } else {
            read_stage(reporter, &rule.stage).map(StageTarget::Set)
        };
        let when = compile_when(reporter, rule.when.as_ref(), params);
        if let (Some(target), Some(when)) = (target, when) {
            stage_rules.push(StageRule { when, target });
        }
    }
    stage_rules
}

/// The `[[segment]]`s, and each segment's index by name.
fn read_segments(
    reporter: &mut Reporter<'_>,
    raw: &RawFile,
    params: &BTreeMap<String, Param>,
) -> (Vec<Segment>, BTreeMap<String, usize>) {
    let mut segments: Vec<Segment> = Vec::new();
    let mut segment_names: BTreeMap<String, usize> = BTreeMap::new();
    for segment in &raw.segments {
        let name = segment.name.get_ref();
        if !is_name(name) {
            reporter.at(
                segment.name.span().start,
                format!("segment name \"{name}\" must be letters, digits and `_`"),
            );
        }
        if segment_names.contains_key(name) {
            reporter.at(
                segment.name.span().start,
                format!("duplicate segment name \"{name}\""),
            );
            continue;
        }
        if segments.len() == MAX_SEGMENTS {
            reporter.at(
                segment.name.span().start,
                format!("at most {MAX_SEGMENTS} segments are supported"),
            );
            continue;
        }
        let when = compile_when(reporter, Some(&segment.when), params).unwrap_or(Cond::Lit(false));
        segment_names.insert(name.clone(), segments.len());
        segments.push(Segment {
            name: Arc::from(name.as_str()),
            description: segment.description.clone(),
            when,
        });
    }
    (segments, segment_names)
}

/// The `[[arm]]`s (champion and challengers): names, shares adding up to 100, and parameter
/// overrides. A file without arms has one champion taking every case.
fn read_arms(
    reporter: &mut Reporter<'_>,
    raw: &RawFile,
    params: &BTreeMap<String, Param>,
) -> Vec<ArmSpec> {
    let mut arm_specs: Vec<ArmSpec> = Vec::new();
    if raw.arms.is_empty() {
        arm_specs.push(ArmSpec {
            name: Arc::from("champion"),
            share: 100,
            params: params.clone(),
            description: None,
        });
    }
    let mut share_total = 0;
    for arm in &raw.arms {
        let name = arm.name.get_ref();
        if !is_name(name) {
            reporter.at(
                arm.name.span().start,
                format!("arm name \"{name}\" must be letters, digits and `_`"),
            );
        }
        if arm_specs.iter().any(|spec| *spec.name == **name) {
            reporter.at(
                arm.name.span().start,
                format!("duplicate arm name \"{name}\""),
            );
            continue;
        }
        let share = *arm.share.get_ref();
        if !(0..=100).contains(&share) {
            reporter.at(
                arm.share.span().start,
                format!("share {share} is not a percentage between 0 and 100"),
            );
        }
        let share = share.clamp(0, 100) as u32;
        share_total += share;
        let arm_params = read_params(reporter, &arm.parameters, Some(params));
        arm_specs.push(ArmSpec {
            name: Arc::from(name.as_str()),
            share,
            params: arm_params,
            description: arm.description.clone(),
        });
    }
    if let Some(last) = raw.arms.last() {
        if share_total != 100 {
            reporter.at(
                last.share.span().start,
                format!("arm shares add up to {share_total}, not 100"),
            );
        }
    }
    arm_specs
}

/// The `[[treatment]]`s: each validated once and compiled once per arm it applies to (arms
/// may override parameters), then listed by stage in priority and file order.
fn compile_treatments(
    reporter: &mut Reporter<'_>,
    raw: &RawFile,
    params: &BTreeMap<String, Param>,
    segment_names: &BTreeMap<String, usize>,
    arm_specs: &[ArmSpec],
    channel_costs: &[Fen; Channel::ALL.len()],
) -> Vec<Arm> {
    let mut treatment_ids = BTreeSet::new();
    let mut groups: Vec<String> = Vec::new();
    let mut arms: Vec<Arm> = arm_specs
        .iter()
        .map(|spec| Arm {
            name: spec.name.clone(),
            share: spec.share,
            description: spec.description.clone(),
            by_stage: Default::default(),
        })
        .collect();
    for (file_order, treatment) in raw.treatments.iter().enumerate() {
        let id = treatment.id.get_ref();
        if !is_name(id) {
            reporter.at(
                treatment.id.span().start,
                format!("treatment id \"{id}\" must be letters, digits and `_`"),
            );
        }
        if !treatment_ids.insert(id.clone()) {
            reporter.at(
                treatment.id.span().start,
                format!("duplicate treatment id \"{id}\""),
            );
        }
        let stage_mask = stage_mask(reporter, treatment);
        let segment_mask = segment_mask(reporter, treatment, segment_names);
        let arm_mask = arm_mask(reporter, treatment, arm_specs);
        let channel = read_channel(reporter, &treatment.channel);
        check_labels(reporter, treatment);
        let offset_days = offset_days(reporter, treatment);
        let priority = priority(reporter, treatment);
        let group_bit = group_bit(reporter, treatment, &mut groups);
        let cost = treatment_cost(reporter, treatment, channel, channel_costs);
        // Report condition errors once (against the base parameters); arms only change values.
        let base_when = compile_when(reporter, treatment.when.as_ref(), params);
        let (Some(channel), Some(_)) = (channel, base_when) else {
            continue;
        };
        let id: Arc<str> = Arc::from(id.as_str());
        let template: Arc<str> = Arc::from(treatment.template.get_ref().as_str());
        let queue: Arc<str> = Arc::from(treatment.queue.get_ref().as_str());
        for (arm_idx, spec) in arm_specs.iter().enumerate() {
            if !arm_mask[arm_idx] {
                continue;
            }
            let mut quiet = Reporter::new(reporter.file, reporter.text);
            let Some(when) = compile_when(&mut quiet, treatment.when.as_ref(), &spec.params) else {
                continue;
            };
            let compiled = CompiledTreatment {
                id: id.clone(),
                channel,
                template: template.clone(),
                queue: queue.clone(),
                priority,
                offset_days,
                segment_mask,
                group_bit,
                cost,
                when,
                file_order,
            };
            for (stage_idx, stage) in STAGES.iter().enumerate() {
                if stage_mask & (1 << stage_index(*stage)) != 0 {
                    arms[arm_idx].by_stage[stage_idx].push(compiled.clone());
                }
            }
        }
    }
    for arm in &mut arms {
        for list in &mut arm.by_stage {
            list.sort_by_key(|t| (t.priority, t.file_order));
        }
    }
    arms
}

/// The stages a treatment applies in, one bit per stage.
fn stage_mask(reporter: &mut Reporter<'_>, treatment: &RawTreatment) -> u16 {
    let mut stage_mask = 0u16;
    if treatment.stages.get_ref().is_empty() {
        reporter.at(treatment.stages.span().start, "`stages` lists no stage");
    }
    for stage_name in treatment.stages.get_ref() {
        if let Some(stage) = read_stage(reporter, stage_name) {
            stage_mask |= 1 << stage_index(stage);
        }
    }
    stage_mask
}

/// The segments a treatment applies in, one bit per segment; every segment when not limited.
fn segment_mask(
    reporter: &mut Reporter<'_>,
    treatment: &RawTreatment,
    segment_names: &BTreeMap<String, usize>,
) -> u64 {
    let Some(list) = &treatment.segments else {
        return u64::MAX;
    };
    if list.get_ref().is_empty() {
        reporter.at(
            list.span().start,
            "`segments` lists no segment (omit it for all)",
        );
    }
    let mut mask = 0u64;
    for segment_name in list.get_ref() {
        match segment_names.get(segment_name.get_ref()) {
            Some(index) => mask |= 1 << index,
            None => reporter.at(
                segment_name.span().start,
                format!(
                    "unknown segment \"{}\"{}",
                    segment_name.get_ref(),
                    suggestion(
                        segment_name.get_ref(),
                        segment_names.keys().map(String::as_str)
                    )
                ),
            ),
        }
    }
    mask & !NO_SEGMENT_BIT
}

/// Which arms a treatment is part of, by arm index; every arm when not limited.
fn arm_mask(
    reporter: &mut Reporter<'_>,
    treatment: &RawTreatment,
    arm_specs: &[ArmSpec],
) -> Vec<bool> {
    let mut arm_mask = vec![treatment.arms.is_none(); arm_specs.len()];
    if let Some(list) = &treatment.arms {
        if list.get_ref().is_empty() {
            reporter.at(list.span().start, "`arms` lists no arm (omit it for all)");
        }
        for arm_name in list.get_ref() {
            match arm_specs
                .iter()
                .position(|spec| *spec.name == **arm_name.get_ref())
            {
                Some(index) => arm_mask[index] = true,
                None => reporter.at(
                    arm_name.span().start,
                    format!(
                        "unknown arm \"{}\"{}",
                        arm_name.get_ref(),
                        suggestion(arm_name.get_ref(), arm_specs.iter().map(|spec| &*spec.name))
                    ),
                ),
            }
        }
    }
    arm_mask
}

/// A treatment's template and queue must name something.
fn check_labels(reporter: &mut Reporter<'_>, treatment: &RawTreatment) {
    for (label, value) in [
        ("template", &treatment.template),
        ("queue", &treatment.queue),
    ] {
        if value.get_ref().trim().is_empty() {
            reporter.at(value.span().start, format!("`{label}` is empty"));
        }
    }
}

/// Days from the evaluation date to the treatment's due date (0 when not given).
fn offset_days(reporter: &mut Reporter<'_>, treatment: &RawTreatment) -> u64 {
    treatment.offset_days.as_ref().map_or(0, |offset| {
        let value = *offset.get_ref();
        if !(0..=MAX_OFFSET_DAYS).contains(&value) {
            reporter.at(
                offset.span().start,
                format!("offset_days {value} is outside 0..={MAX_OFFSET_DAYS}"),
            );
        }
        value.clamp(0, MAX_OFFSET_DAYS) as u64
    })
}

/// The treatment's priority (lower runs first), [`DEFAULT_PRIORITY`] when not given.
fn priority(reporter: &mut Reporter<'_>, treatment: &RawTreatment) -> u32 {
    treatment
        .priority
        .as_ref()
        .map_or(DEFAULT_PRIORITY as u32, |priority| {
            let value = *priority.get_ref();
            if !(0..=i64::from(u32::MAX)).contains(&value) {
                reporter.at(
                    priority.span().start,
                    format!("priority {value} is negative or too large"),
                );
            }
            value.clamp(0, i64::from(u32::MAX)) as u32
        })
}

/// The bit of the treatment's alternative group (0 for none), numbering groups in the order
/// they first appear.
fn group_bit(
    reporter: &mut Reporter<'_>,
    treatment: &RawTreatment,
    groups: &mut Vec<String>,
) -> u64 {
    let Some(group) = &treatment.group else {
        return 0;
    };
    let index = match groups.iter().position(|g| g == group.get_ref()) {
        Some(index) => index,
        None => {
            groups.push(group.get_ref().clone());
            groups.len() - 1
        }
    };
    if index >= MAX_GROUPS {
        reporter.at(
            group.span().start,
            format!("at most {MAX_GROUPS} groups are supported"),
        );
        0
    } else {
        1u64 << index
    }
}

/// The treatment's own cost, else its channel's.
fn treatment_cost(
    reporter: &mut Reporter<'_>,
    treatment: &RawTreatment,
    channel: Option<Channel>,
    channel_costs: &[Fen; Channel::ALL.len()],
) -> Fen {
    match (&treatment.cost_fen, channel) {
        (Some(cost), _) => {
            if *cost.get_ref() < 0 {
                reporter.at(cost.span().start, "a cost cannot be negative");
            }
            Fen::new(*cost.get_ref())
        }
        (None, Some(channel)) => channel_costs[channel_idx(channel)],
        (None, None) => Fen::ZERO,
    }
}

pub(crate) fn channel_idx(channel: Channel) -> usize {
    Channel::ALL.iter().position(|c| *c == channel).unwrap_or(0)
}

fn is_name(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Reads `[parameters]`, or an arm's overrides when `base` is given (then every name must exist
/// in the base with the same type).
fn read_params(
    reporter: &mut Reporter<'_>,
    raw: &BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    base: Option<&BTreeMap<String, Param>>,
) -> BTreeMap<String, Param> {
    let mut params = base.cloned().unwrap_or_default();
    for (name, value) in raw {
        let key = name.get_ref();
        let at = name.span().start;
        if !is_name(key) {
            reporter.at(
                at,
                format!("parameter name \"{key}\" must be letters, digits and `_`"),
            );
            continue;
        }
        let money = key.ends_with("_yuan");
        let param = match value.get_ref() {
            toml::Value::Integer(number) if money => number.checked_mul(100).map(|fen| Param {
                value: fen,
                ty: NumType::Money,
            }),
            toml::Value::Integer(number) => Some(Param {
                value: *number,
                ty: NumType::Int,
            }),
            toml::Value::String(text) if money => match Fen::parse_yuan(text) {
                Ok(fen) => Some(Param {
                    value: fen.get(),
                    ty: NumType::Money,
                }),
                Err(error) => {
                    reporter.at(value.span().start, format!("parameter `{key}`: {error}"));
                    continue;
                }
            },
            _ => None,
        };
        let Some(param) = param else {
            let expected = if money {
                "a whole number of yuan or a string such as \"1234.50\""
            } else {
                "a whole number (names ending in `_yuan` hold amounts)"
            };
            reporter.at(
                value.span().start,
                format!("parameter `{key}` must be {expected}"),
            );
            continue;
        };
        if let Some(base) = base {
            if !base.contains_key(key) {
                reporter.at(
                    at,
                    format!(
                        "unknown parameter `{key}`: an arm may only override [parameters]{}",
                        suggestion(key, base.keys().map(String::as_str))
                    ),
                );
                continue;
            }
        }
        params.insert(key.clone(), param);
    }
    params
}

fn read_stage(reporter: &mut Reporter<'_>, name: &Spanned<String>) -> Option<Stage> {
    match name.get_ref().parse::<Stage>() {
        Ok(stage) => Some(stage),
        Err(error) => {
            reporter.at(
                name.span().start,
                format!(
                    "unknown stage \"{}\" (expected one of: {})",
                    name.get_ref(),
                    error.expected
                ),
            );
            None
        }
    }
}

fn read_channel(reporter: &mut Reporter<'_>, name: &Spanned<String>) -> Option<Channel> {
    match name.get_ref().parse::<Channel>() {
        Ok(channel) => Some(channel),
        Err(error) => {
            reporter.at(
                name.span().start,
                format!(
                    "unknown channel \"{}\" (expected one of: {})",
                    name.get_ref(),
                    error
                        .expected
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
            );
            None
        }
    }
}

/// Compiles an optional `when`; absent means always. Errors point inside the string.
fn compile_when(
    reporter: &mut Reporter<'_>,
    when: Option<&Spanned<String>>,
    params: &BTreeMap<String, Param>,
) -> Option<Cond> {
    let Some(when) = when else {
        return Some(Cond::Lit(true));
    };
    let result = expr::parse(when.get_ref()).and_then(|node| cond::compile(&node, params));
    match result {
        Ok(cond) => Some(cond),
        Err(error) => {
            reporter.in_string(when.span().start, error.offset, error.message);
            None
        }
    }
}
