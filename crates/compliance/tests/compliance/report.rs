//! The compliance report aggregates decisions and stored rows by rule.

use recoup_compliance::{ComplianceReport, Decision};
use recoup_core::contact::Channel;

use crate::support::*;

#[test]
fn the_report_counts_permitted_and_blocked_by_rule() {
    let guard = guard("cn");
    let decisions: Vec<Decision> = [(10, 0), (23, 0), (23, 30), (3, 0)]
        .into_iter()
        .map(|(hour, minute)| {
            decide(
                &guard,
                &request(Channel::Call, sh(2026, 3, 10, hour, minute)),
                &standing(),
                &[],
            )
        })
        .collect();
    let mut report: ComplianceReport = decisions.iter().collect();
    assert_eq!(report.permitted, 1);
    assert_eq!(report.blocked.get("cn.quiet_hours"), Some(&3));

    let mut stored = ComplianceReport::new();
    stored.record_blocked("cn.minimum_gap");
    stored.record_permitted();
    report.merge(&stored);
    assert_eq!(report.total(), 6);
    assert_eq!(report.blocked_total(), 4);
    assert_eq!(
        report.rows(),
        vec![
            ("permitted", 2),
            ("cn.quiet_hours", 3),
            ("cn.minimum_gap", 1)
        ]
    );
}
