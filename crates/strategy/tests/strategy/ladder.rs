//! Golden tests of the shipped ladder (strategies/cn-default.toml) on hand-built borrowers.

use chrono::Days;
use recoup_core::case::{CaseFacts, Contactability, DelayReason, Stage};
use recoup_core::Fen;
use recoup_strategy::PlannedTreatment;

use crate::support::{case_in_arm, cn_default, facts, ids, overdue, plan};

fn champion(mut facts: CaseFacts) -> CaseFacts {
    facts.case_id = case_in_arm(&cn_default(), "champion");
    facts
}

#[test]
fn a_current_borrower_gets_one_reminder_sms_five_days_before_the_due_date() {
    let strategy = cn_default();
    let five_days_out = CaseFacts {
        days_to_next_due: Some(5),
        ..facts()
    };
    assert_eq!(
        plan(&strategy, &five_days_out),
        vec![("pre_due_sms".to_string(), "sms", "auto_sms".to_string())]
    );
    let six_days_out = CaseFacts {
        days_to_next_due: Some(6),
        ..facts()
    };
    assert!(
        ids(&strategy, &six_days_out).is_empty(),
        "outside the window"
    );
    let reminded_yesterday = CaseFacts {
        days_to_next_due: Some(4),
        days_since_last_contact: Some(1),
        ..facts()
    };
    assert!(
        ids(&strategy, &reminded_yesterday).is_empty(),
        "one reminder per window, not one a day"
    );
}

#[test]
fn new_large_or_high_risk_loans_get_a_reminder_call_instead_of_the_sms() {
    let strategy = cn_default();
    let cases = [
        (
            "large loan",
            CaseFacts {
                loan_principal: Fen::from_yuan(200_000),
                ..facts()
            },
        ),
        (
            "new loan",
            CaseFacts {
                months_on_book: 3,
                ..facts()
            },
        ),
        (
            "high risk",
            CaseFacts {
                risk_score: 700,
                ..facts()
            },
        ),
    ];
    for (description, case) in cases {
        let case = CaseFacts {
            days_to_next_due: Some(5),
            ..case
        };
        assert_eq!(
            plan(&strategy, &case),
            vec![(
                "pre_due_call".to_string(),
                "call",
                "pre_due_call".to_string()
            )],
            "{description}"
        );
        assert_eq!(
            strategy.segment_for(&case),
            Some("high_touch"),
            "{description}"
        );
    }
}

#[test]
fn a_failed_auto_debit_on_the_due_date_sends_the_failure_sms() {
    let strategy = cn_default();
    let due_today = CaseFacts {
        debit_failed_today: true,
        days_to_next_due: Some(31),
        failed_debits: 1,
        ..facts()
    };
    assert_eq!(
        plan(&strategy, &due_today),
        vec![(
            "debit_failed_sms".to_string(),
            "sms",
            "auto_sms".to_string()
        )]
    );
    // The day after, the failure SMS replaces the day-1 overdue SMS rather than doubling it.
    let day_one = CaseFacts {
        debit_failed_today: true,
        ..overdue(1, Stage::PreDue)
    };
    assert_eq!(ids(&strategy, &day_one), vec!["debit_failed_sms"]);
}

#[test]
fn around_day_six_a_call_asks_and_records_the_reason_for_the_delay() {
    let strategy = cn_default();
    let day_five = champion(overdue(5, Stage::Early));
    assert_eq!(ids(&strategy, &day_five), vec!["early_call"]);
    let day_six = champion(overdue(6, Stage::Early));
    assert_eq!(
        plan(&strategy, &day_six),
        vec![("reason_call".to_string(), "call", "reason_call".to_string())]
    );
    let reason_recorded = CaseFacts {
        delay_reason: DelayReason::EconomicHardship,
        ..day_six.clone()
    };
    assert_eq!(ids(&strategy, &reason_recorded), vec!["early_call"]);
    let abnormal_answer = CaseFacts {
        delay_reason: DelayReason::DeliberateDefault,
        ..day_six
    };
    assert_eq!(
        plan(&strategy, &abnormal_answer),
        vec![(
            "abnormal_reason_call".to_string(),
            "call",
            "special_attention".to_string()
        )]
    );
}

#[test]
fn by_day_sixty_the_vehicle_is_checked_and_a_field_visit_planned() {
    let strategy = cn_default();
    let day_sixty = champion(CaseFacts {
        delay_reason: DelayReason::EconomicHardship,
        days_since_last_contact: Some(1),
        ..overdue(60, Stage::Middle)
    });
    let mut out: Vec<PlannedTreatment> = Vec::new();
    let decision = strategy.evaluate(&day_sixty, &mut out);
    assert_eq!(decision.stage, Stage::Middle);
    let rows: Vec<_> = out
        .iter()
        .map(|t| (&*t.treatment, t.channel.code(), t.due))
        .collect();
    let as_of = day_sixty.as_of;
    assert_eq!(
        rows,
        vec![
            (
                "field_visit",
                "field_visit",
                as_of.checked_add_days(Days::new(2)).expect("date")
            ),
            ("vehicle_check", "vehicle_location_check", as_of),
        ]
    );
    let day_fifty_nine = champion(CaseFacts {
        dpd: 59,
        ..day_sixty
    });
    assert!(!ids(&strategy, &day_fifty_nine).contains(&"vehicle_check".to_string()));
}

#[test]
fn repeated_delinquency_is_referred_to_asset_preservation() {
    let strategy = cn_default();
    let repeat = CaseFacts {
        repeated_delinquency: true,
        times_delinquent: 4,
        ..overdue(15, Stage::Early)
    };
    let planned = plan(&strategy, &repeat);
    assert_eq!(
        planned.first(),
        Some(&(
            "preservation_repeat".to_string(),
            "asset_preservation_referral",
            "asset_preservation".to_string()
        ))
    );
    assert_eq!(strategy.segment_for(&repeat), Some("repeat_delinquent"));
    let too_early = CaseFacts { dpd: 14, ..repeat };
    assert!(!ids(&strategy, &too_early).contains(&"preservation_repeat".to_string()));
}

#[test]
fn lost_contact_is_referred_to_asset_preservation_and_gets_no_collector_call() {
    let strategy = cn_default();
    let lost = CaseFacts {
        contactability: Contactability::LostContact,
        ..overdue(10, Stage::Early)
    };
    assert_eq!(
        plan(&strategy, &lost),
        vec![
            (
                "preservation_lost_contact".to_string(),
                "asset_preservation_referral",
                "asset_preservation".to_string()
            ),
            ("early_sms".to_string(), "sms", "auto_sms".to_string()),
        ]
    );
    assert_eq!(strategy.segment_for(&lost), Some("lost_contact"));
}

#[test]
fn stage_rules_follow_days_past_due_and_keep_referred_cases() {
    let strategy = cn_default();
    let cases = [
        ("current", overdue(0, Stage::Early), Stage::PreDue),
        ("day 30", overdue(30, Stage::Early), Stage::Early),
        ("day 31", overdue(31, Stage::Early), Stage::Middle),
        ("day 91", overdue(91, Stage::Middle), Stage::Late),
        ("with legal", overdue(200, Stage::Legal), Stage::Legal),
        (
            "with the agency",
            overdue(160, Stage::Agency),
            Stage::Agency,
        ),
        (
            "written off",
            overdue(0, Stage::WrittenOff),
            Stage::WrittenOff,
        ),
    ];
    for (description, case, expected) in cases {
        assert_eq!(strategy.stage_for(&case), expected, "{description}");
    }
}

#[test]
fn late_cases_go_to_legal_when_the_balance_justifies_it_else_to_an_agency() {
    let strategy = cn_default();
    let large = CaseFacts {
        days_since_last_contact: Some(1),
        ..overdue(120, Stage::Late)
    };
    assert_eq!(
        ids(&strategy, &large).first().map(String::as_str),
        Some("legal_referral")
    );
    let small = CaseFacts {
        principal_outstanding: Fen::from_yuan(10_000),
        ..overdue(150, Stage::Late)
    };
    assert_eq!(
        ids(&strategy, &small).first().map(String::as_str),
        Some("agency_placement")
    );
}

#[test]
fn the_challenger_arm_calls_on_day_one_and_visits_from_day_thirty_one() {
    let strategy = cn_default();
    let challenger = case_in_arm(&strategy, "challenger");
    let day_one = CaseFacts {
        case_id: challenger,
        ..overdue(1, Stage::PreDue)
    };
    assert_eq!(ids(&strategy, &day_one), vec!["first_day_call"]);
    let day_thirty_one = CaseFacts {
        case_id: challenger,
        days_since_last_contact: Some(1),
        delay_reason: DelayReason::EconomicHardship,
        ..overdue(31, Stage::Early)
    };
    assert_eq!(ids(&strategy, &day_thirty_one), vec!["field_visit"]);
    let champion_day_one = champion(overdue(1, Stage::PreDue));
    assert_eq!(ids(&strategy, &champion_day_one), vec!["early_sms"]);
}

#[test]
fn planned_rows_carry_segment_arm_stage_and_cost() {
    let strategy = cn_default();
    let case = champion(overdue(6, Stage::Early));
    let mut out = Vec::new();
    strategy.treatments(&case, &mut out);
    let row = out.first().expect("a reason call");
    assert_eq!(row.segment.as_deref(), Some("standard"));
    assert_eq!(&*row.arm, "champion");
    assert_eq!(row.stage, Stage::Early);
    assert_eq!(row.cost, Fen::new(150));
    assert_eq!(row.case_id, case.case_id);
}
