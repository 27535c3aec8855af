//! recoup-strategy: collection strategy files.
//!
//! A strategy file (TOML, see `docs/strategy.md`) names thresholds as parameters, chooses a
//! case's stage by ordered rules, puts it in the first matching segment, assigns it to a
//! champion/challenger arm by a stable hash of its id, and lists treatments (channel, template,
//! queue, offset, priority, cost) by stage and segment. Conditions are a subset of CEL,
//! type-checked against [`recoup_core::case::CaseFacts`] and compiled once, so evaluating a case
//! costs a few hundred nanoseconds and no allocation beyond the planned rows.

mod cond;
mod error;
mod expr;
mod file;
mod outline;
mod strategy;

pub use cond::field_names;
pub use error::{StrategyError, StrategyErrors};
pub use file::parse_strategy;
pub use outline::{
    outline_strategy, ArmOutline, SegmentOutline, StageRuleOutline, StrategyOutline,
    TreatmentOutline,
};
pub use strategy::{Arm, Decision, PlannedTreatment, Strategy};
