//! The compliance report: how many contacts were permitted and how many each rule blocked,
//! aggregated from decisions as they are made or from stored decision rows.

use std::collections::BTreeMap;

use crate::guard::Decision;

/// Counts of permitted contacts and of blocked ones by rule id (`cn.quiet_hours` …). Built from
/// live [`Decision`]s with [`ComplianceReport::record`] or from stored rows with
/// [`ComplianceReport::record_permitted`] and [`ComplianceReport::record_blocked`]; reports from
/// several days or workers combine with [`ComplianceReport::merge`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComplianceReport {
    /// Contacts permitted.
    pub permitted: u64,
    /// Contacts blocked, by rule id, in rule-id order.
    pub blocked: BTreeMap<String, u64>,
}

impl ComplianceReport {
    /// An empty report.
    pub fn new() -> ComplianceReport {
        ComplianceReport::default()
    }

    /// Counts one decision.
    pub fn record(&mut self, decision: &Decision) {
        match decision {
            Decision::Permitted(_) => self.record_permitted(),
            Decision::Blocked(block) => self.record_blocked(&block.rule.to_string()),
        }
    }

    /// Counts one permitted contact (from a stored row).
    pub fn record_permitted(&mut self) {
        self.permitted += 1;
    }

    /// Counts one contact blocked by `rule_id` (from a stored row).
    pub fn record_blocked(&mut self, rule_id: &str) {
        match self.blocked.get_mut(rule_id) {
            Some(n_blocked) => *n_blocked += 1,
            None => {
                self.blocked.insert(rule_id.to_string(), 1);
            }
        }
    }

    /// Adds another report's counts to this one.
    pub fn merge(&mut self, other: &ComplianceReport) {
        self.permitted += other.permitted;
        for (rule_id, n_blocked) in &other.blocked {
            *self.blocked.entry(rule_id.clone()).or_insert(0) += n_blocked;
        }
    }

    /// All contacts blocked, whatever the rule.
    pub fn blocked_total(&self) -> u64 {
        self.blocked.values().sum()
    }

    /// Permitted plus blocked.
    pub fn total(&self) -> u64 {
        self.permitted + self.blocked_total()
    }

    /// Rows for printing: `("permitted", n)` first, then each blocking rule with its count,
    /// most frequent first (ties by rule id).
    pub fn rows(&self) -> Vec<(&str, u64)> {
        let mut blocked: Vec<(&str, u64)> = self
            .blocked
            .iter()
            .map(|(rule_id, n)| (rule_id.as_str(), *n))
            .collect();
        blocked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let mut rows = vec![("permitted", self.permitted)];
        rows.extend(blocked);
        rows
    }
}

impl<'a> FromIterator<&'a Decision> for ComplianceReport {
    fn from_iter<I: IntoIterator<Item = &'a Decision>>(decisions: I) -> ComplianceReport {
        let mut report = ComplianceReport::new();
        for decision in decisions {
            report.record(decision);
        }
        report
    }
}
