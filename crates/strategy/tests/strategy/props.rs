//! Property test: random valid strategy files parse, evaluate random cases without panics, and
//! every planned treatment comes from the file (its channel, stages, segments and arms).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use proptest::prelude::*;
use recoup_core::case::{CaseFacts, Contactability, DelayReason, Quadrant, Stage, Temperament};
use recoup_core::contact::Channel;
use recoup_core::Fen;
use recoup_strategy::{parse_strategy, PlannedTreatment};

const STAGES: [&str; 8] = [
    "pre_due",
    "early",
    "middle",
    "late",
    "legal",
    "asset_preservation",
    "agency",
    "written_off",
];

/// Condition shapes; `{n}` is replaced by a random threshold. Every one type-checks.
const CONDITIONS: [&str; 12] = [
    "dpd >= params.p{n}",
    "dpd % 7 == {n} % 7",
    "days_since_last_contact == null || days_since_last_contact >= {n}",
    "days_to_next_due <= {n}",
    "loan_principal >= yuan({n})",
    "risk_score >= params.p{n} && !repeated_delinquency",
    "quadrant in [\"able_not_willing\", \"neither\"]",
    "contactability == \"lost_contact\" || dpd > {n} * 2",
    "stage in [\"early\", \"middle\"] && debit_failed_today",
    "bucket == \"M2\" || delay_reason != \"unknown\"",
    "(dpd - {n}) / 3 > 2 && temperament == \"angry\"",
    "true",
];

#[derive(Debug, Clone)]
struct GenTreatment {
    stages: Vec<usize>,
    segments: Option<Vec<usize>>,
    arms: Option<Vec<usize>>,
    channel: usize,
    condition: usize,
    threshold: u32,
    group: Option<u8>,
    priority: u32,
    offset_days: u32,
}

#[derive(Debug, Clone)]
struct GenFile {
    params: Vec<u32>,
    segments: Vec<(usize, u32)>,
    treatments: Vec<GenTreatment>,
    shares: Vec<u32>,
}

fn gen_treatment(n_segments: usize, n_arms: usize) -> impl Strategy<Value = GenTreatment> {
    (
        proptest::collection::btree_set(0..STAGES.len(), 1..4),
        proptest::option::of(proptest::collection::btree_set(0..n_segments.max(1), 1..3)),
        proptest::option::of(proptest::collection::btree_set(0..n_arms, 1..=n_arms)),
        0..Channel::ALL.len(),
        0..CONDITIONS.len(),
        0u32..200,
        proptest::option::of(0u8..3),
        0u32..100,
        0u32..10,
    )
        .prop_map(
            move |(
                stages,
                segments,
                arms,
                channel,
                condition,
                threshold,
                group,
                priority,
                offset_days,
            )| {
                GenTreatment {
                    stages: stages.into_iter().collect(),
                    segments: segments
                        .filter(|_| n_segments > 0)
                        .map(|s| s.into_iter().collect()),
                    arms: arms.map(|a| a.into_iter().collect()),
                    channel,
                    condition,
                    threshold,
                    group,
                    priority,
                    offset_days,
                }
            },
        )
}

fn gen_file() -> impl Strategy<Value = GenFile> {
    (0usize..5, 1usize..4).prop_flat_map(|(n_segments, n_arms)| {
        (
            proptest::collection::vec(0u32..1000, 3),
            proptest::collection::vec((0..CONDITIONS.len(), 0u32..200), n_segments),
            proptest::collection::vec(gen_treatment(n_segments, n_arms), 0..12),
            proptest::collection::vec(1u32..10, n_arms).prop_map(|weights| {
                // Turn weights into whole-percent shares that add up to exactly 100.
                let total: u32 = weights.iter().sum();
                let mut shares: Vec<u32> = weights.iter().map(|w| w * 100 / total).collect();
                let assigned: u32 = shares.iter().sum();
                if let Some(first) = shares.first_mut() {
                    *first += 100 - assigned;
                }
                shares
            }),
        )
            .prop_map(|(params, segments, treatments, shares)| GenFile {
                params,
                segments,
                treatments,
                shares,
            })
    })
}

fn condition(index: usize, threshold: u32) -> String {
    // Parameters are p0, p1, p2; conditions that name `params.p{n}` use n modulo 3.
    CONDITIONS[index]
        .replace("params.p{n}", &format!("params.p{}", threshold % 3))
        .replace("{n}", &threshold.to_string())
}

fn render(file: &GenFile) -> String {
    let mut text = String::from("name = \"generated\"\n[parameters]\n");
    for (idx, value) in file.params.iter().enumerate() {
        text += &format!("p{idx} = {value}\n");
    }
    for (idx, (cond, threshold)) in file.segments.iter().enumerate() {
        text += &format!(
            "[[segment]]\nname = \"seg{idx}\"\nwhen = '{}'\n",
            condition(*cond, *threshold)
        );
    }
    for (idx, treatment) in file.treatments.iter().enumerate() {
        let stages: Vec<String> = treatment
            .stages
            .iter()
            .map(|s| format!("\"{}\"", STAGES[*s]))
            .collect();
        text += &format!(
            "[[treatment]]\nid = \"t{idx}\"\nstages = [{}]\nchannel = \"{}\"\ntemplate = \"tpl{idx}\"\nqueue = \"q{idx}\"\nwhen = '{}'\npriority = {}\noffset_days = {}\n",
            stages.join(", "),
            Channel::ALL[treatment.channel].code(),
            condition(treatment.condition, treatment.threshold),
            treatment.priority,
            treatment.offset_days,
        );
        if let Some(segments) = &treatment.segments {
            let names: Vec<String> = segments.iter().map(|s| format!("\"seg{s}\"")).collect();
            text += &format!("segments = [{}]\n", names.join(", "));
        }
        if let Some(arms) = &treatment.arms {
            let names: Vec<String> = arms.iter().map(|a| format!("\"arm{a}\"")).collect();
            text += &format!("arms = [{}]\n", names.join(", "));
        }
        if let Some(group) = treatment.group {
            text += &format!("group = \"g{group}\"\n");
        }
    }
    for (idx, share) in file.shares.iter().enumerate() {
        text += &format!("[[arm]]\nname = \"arm{idx}\"\nshare = {share}\n");
    }
    text
}

fn gen_facts() -> impl Strategy<Value = CaseFacts> {
    (
        (
            any::<i64>(),
            0u32..400,
            proptest::option::of(0u32..40),
            proptest::option::of(0u32..40),
        ),
        (
            0u32..60,
            0i64..500_000,
            0usize..8,
            0usize..4,
            0usize..2,
            0usize..7,
            0usize..5,
        ),
        (any::<bool>(), any::<bool>(), 0u32..1000),
    )
        .prop_map(
            |(
                (case_id, dpd, days_to_next_due, days_since_last_contact),
                (months_on_book, principal, stage, quadrant, contactability, reason, temperament),
                (debit_failed_today, repeated_delinquency, risk_score),
            )| CaseFacts {
                case_id,
                borrower_id: case_id / 2,
                as_of: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default(),
                stage: [
                    Stage::PreDue,
                    Stage::Early,
                    Stage::Middle,
                    Stage::Late,
                    Stage::Legal,
                    Stage::AssetPreservation,
                    Stage::Agency,
                    Stage::WrittenOff,
                ][stage],
                dpd,
                bucket: format!("M{}", dpd.div_ceil(30).min(6)),
                days_to_next_due,
                next_due_amount: Fen::from_yuan(3_000),
                total_arrears: Fen::from_yuan(i64::from(dpd) * 100),
                principal_outstanding: Fen::from_yuan(principal / 2),
                loan_principal: Fen::from_yuan(principal),
                months_on_book,
                times_delinquent: u32::from(repeated_delinquency) * 3,
                debit_failed_today,
                failed_debits: 0,
                broken_promises: 0,
                promises_kept: 0,
                days_since_last_payment: None,
                days_since_last_contact,
                quadrant: [
                    Quadrant::WillingAndAble,
                    Quadrant::WillingNotAble,
                    Quadrant::AbleNotWilling,
                    Quadrant::NeitherWillingNorAble,
                ][quadrant],
                contactability: [Contactability::Contactable, Contactability::LostContact]
                    [contactability],
                delay_reason: [
                    DelayReason::EconomicHardship,
                    DelayReason::DeliberateDefault,
                    DelayReason::InvolvedInLegalCase,
                    DelayReason::Bankruptcy,
                    DelayReason::VehicleAccident,
                    DelayReason::Other,
                    DelayReason::Unknown,
                ][reason],
                temperament: [
                    Temperament::Worried,
                    Temperament::Evasive,
                    Temperament::Angry,
                    Temperament::Cooperative,
                    Temperament::Unknown,
                ][temperament],
                repeated_delinquency,
                risk_score,
                vehicle_risk: 0,
                days_in_stage: dpd % 30,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_valid_files_plan_only_what_they_declare(
        file in gen_file(),
        cases in proptest::collection::vec(gen_facts(), 1..40),
    ) {
        let text = render(&file);
        let strategy = match parse_strategy("generated.toml", &text) {
            Ok(strategy) => strategy,
            Err(errors) => return Err(TestCaseError::fail(format!("{errors}\n{text}"))),
        };
        let by_id: BTreeMap<String, &GenTreatment> = file
            .treatments
            .iter()
            .enumerate()
            .map(|(idx, t)| (format!("t{idx}"), t))
            .collect();
        let mut out: Vec<PlannedTreatment> = Vec::new();
        for facts in &cases {
            out.clear();
            let decision = strategy.evaluate(facts, &mut out);
            // No stage rules: the stored stage stands unless a referral escalates it.
            let escalation = out.iter().find_map(|t| t.channel.escalates_to());
            prop_assert_eq!(decision.stage, escalation.unwrap_or(facts.stage));
            let mut groups_seen = Vec::new();
            for row in &out {
                let declared = by_id.get(&*row.treatment).ok_or_else(|| {
                    TestCaseError::fail(format!("unknown treatment {}", row.treatment))
                })?;
                prop_assert_eq!(row.channel, Channel::ALL[declared.channel]);
                prop_assert!(declared.stages.iter().any(|s| STAGES[*s] == row.stage.code()));
                if let Some(segments) = &declared.segments {
                    let segment = row.segment.as_deref().unwrap_or("none");
                    let declared_segment = segments.iter().any(|s| format!("seg{s}") == segment);
                    prop_assert!(declared_segment, "segment {} not in {:?}", segment, segments);
                }
                let arm_idx: usize = row.arm.trim_start_matches("arm").parse().unwrap_or(usize::MAX);
                prop_assert!(arm_idx < file.shares.len());
                if let Some(arms) = &declared.arms {
                    prop_assert!(arms.contains(&arm_idx));
                }
                prop_assert_eq!(row.case_id, facts.case_id);
                if let Some(group) = declared.group {
                    prop_assert!(!groups_seen.contains(&group), "one treatment per group");
                    groups_seen.push(group);
                }
            }
            prop_assert!(out.windows(2).all(|pair| pair[0].priority <= pair[1].priority));
        }
    }
}
