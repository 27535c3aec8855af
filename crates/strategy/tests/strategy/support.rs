//! Shared test helpers: a neutral case to modify, and loading the shipped strategy.

use chrono::NaiveDate;
use recoup_core::case::{CaseFacts, Contactability, DelayReason, Quadrant, Stage, Temperament};
use recoup_core::Fen;
use recoup_strategy::{parse_strategy, PlannedTreatment, Strategy};

pub fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 10).expect("valid date")
}

/// A current, contactable, seasoned, mid-size, mid-risk borrower with nothing due soon.
pub fn facts() -> CaseFacts {
    CaseFacts {
        case_id: 1001,
        borrower_id: 501,
        as_of: as_of(),
        stage: Stage::PreDue,
        dpd: 0,
        bucket: "M0".to_string(),
        days_to_next_due: Some(20),
        next_due_amount: Fen::from_yuan(3_000),
        total_arrears: Fen::ZERO,
        principal_outstanding: Fen::from_yuan(80_000),
        loan_principal: Fen::from_yuan(120_000),
        months_on_book: 12,
        times_delinquent: 0,
        debit_failed_today: false,
        failed_debits: 0,
        broken_promises: 0,
        promises_kept: 0,
        days_since_last_payment: Some(10),
        days_since_last_contact: None,
        quadrant: Quadrant::WillingAndAble,
        contactability: Contactability::Contactable,
        delay_reason: DelayReason::Unknown,
        temperament: Temperament::Unknown,
        repeated_delinquency: false,
        risk_score: 500,
        vehicle_risk: 0,
        days_in_stage: 3,
    }
}

/// The same borrower `dpd` days past due, in the stage stored by yesterday's run.
pub fn overdue(dpd: u32, stored: Stage) -> CaseFacts {
    CaseFacts {
        stage: stored,
        dpd,
        bucket: format!("M{}", dpd.div_ceil(30).min(6)),
        days_to_next_due: Some(30u32.saturating_sub(dpd % 30)),
        total_arrears: Fen::from_yuan(3_000),
        ..facts()
    }
}

pub fn cn_default() -> Strategy {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../strategies/cn-default.toml"
    ))
    .expect("cn-default.toml is readable");
    parse_strategy("cn-default.toml", &text).unwrap_or_else(|errors| panic!("{errors}"))
}

/// The first case id (from 1) that the strategy puts in the named arm.
pub fn case_in_arm(strategy: &Strategy, arm: &str) -> i64 {
    (1..10_000)
        .find(|case_id| strategy.arm_for(*case_id).name() == arm)
        .expect("some case falls in every arm with a positive share")
}

/// `(treatment id, channel code, queue)` for each planned treatment, in plan order.
pub fn plan(strategy: &Strategy, facts: &CaseFacts) -> Vec<(String, &'static str, String)> {
    let mut out: Vec<PlannedTreatment> = Vec::new();
    strategy.treatments(facts, &mut out);
    out.iter()
        .map(|t| {
            (
                t.treatment.to_string(),
                t.channel.code(),
                t.queue.to_string(),
            )
        })
        .collect()
}

pub fn ids(strategy: &Strategy, facts: &CaseFacts) -> Vec<String> {
    plan(strategy, facts)
        .into_iter()
        .map(|(id, ..)| id)
        .collect()
}
