//! Strategy evaluation speed: cn-default over a set of varied cases, one core.
//! Target (issue 3): strategy plus compliance at least 1,000,000 cases per second per core, so
//! strategy alone should leave most of that budget to compliance.

use std::time::Instant;

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use recoup_core::case::{CaseFacts, Contactability, DelayReason, Quadrant, Stage, Temperament};
use recoup_core::Fen;
use recoup_strategy::{parse_strategy, PlannedTreatment, Strategy};

const N_CASES: usize = 4_096;

/// Cases spread over the whole ladder: every stage, quadrant, reason and contactability, with
/// a cheap deterministic mix (no RNG dependency in a bench).
fn varied_cases() -> Vec<CaseFacts> {
    let as_of = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap_or_default();
    (0..N_CASES)
        .map(|idx| {
            let mix = (idx as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            let pick = |shift: u32, modulo: u64| ((mix >> shift) % modulo) as usize;
            // Half the book is current (pre-due), the rest spread over 1–200 days past due.
            let dpd = if idx % 2 == 0 {
                0
            } else {
                1 + pick(3, 200) as u32
            };
            let stored = if dpd == 0 {
                Stage::PreDue
            } else {
                [Stage::Early, Stage::Middle, Stage::Late, Stage::Legal][pick(11, 4)]
            };
            CaseFacts {
                case_id: idx as i64 + 1,
                borrower_id: idx as i64 + 1,
                as_of,
                stage: stored,
                dpd,
                bucket: format!("M{}", dpd.div_ceil(30).min(6)),
                days_to_next_due: Some(pick(13, 31) as u32),
                next_due_amount: Fen::from_yuan(3_000),
                total_arrears: Fen::from_yuan(i64::from(dpd) * 100),
                principal_outstanding: Fen::from_yuan(10_000 + pick(17, 200_000) as i64),
                loan_principal: Fen::from_yuan(50_000 + pick(19, 250_000) as i64),
                months_on_book: pick(23, 36) as u32,
                times_delinquent: pick(27, 5) as u32,
                debit_failed_today: pick(29, 10) == 0,
                failed_debits: pick(31, 3) as u32,
                broken_promises: pick(33, 3) as u32,
                promises_kept: pick(35, 3) as u32,
                days_since_last_payment: Some(pick(37, 60) as u32),
                days_since_last_contact: [None, Some(1), Some(4), Some(9)][pick(41, 4)],
                quadrant: [
                    Quadrant::WillingAndAble,
                    Quadrant::WillingNotAble,
                    Quadrant::AbleNotWilling,
                    Quadrant::NeitherWillingNorAble,
                ][pick(43, 4)],
                contactability: if pick(45, 8) == 0 {
                    Contactability::LostContact
                } else {
                    Contactability::Contactable
                },
                delay_reason: [
                    DelayReason::EconomicHardship,
                    DelayReason::DeliberateDefault,
                    DelayReason::Unknown,
                    DelayReason::Unknown,
                    DelayReason::Other,
                ][pick(47, 5)],
                temperament: [
                    Temperament::Unknown,
                    Temperament::Angry,
                    Temperament::Worried,
                ][pick(50, 3)],
                repeated_delinquency: pick(52, 6) == 0,
                risk_score: pick(54, 1000) as u32,
                vehicle_risk: pick(57, 1000) as u32,
                days_in_stage: pick(59, 30) as u32,
            }
        })
        .collect()
}

fn cn_default() -> Option<Strategy> {
    let text = include_str!("../../../strategies/cn-default.toml");
    parse_strategy("cn-default.toml", text).ok()
}

fn evaluate_all(
    strategy: &Strategy,
    cases: &[CaseFacts],
    out: &mut Vec<PlannedTreatment>,
) -> usize {
    let mut n_planned = 0;
    for facts in cases {
        out.clear();
        strategy.treatments(std::hint::black_box(facts), out);
        n_planned += out.len();
    }
    n_planned
}

fn strategy(c: &mut Criterion) {
    let Some(strategy) = cn_default() else {
        eprintln!("cn-default.toml does not parse; run `cargo test -p recoup-strategy`");
        return;
    };
    let cases = varied_cases();
    let mut out = Vec::with_capacity(16);

    // A plain timed run first, so the figure is printed even with criterion's output trimmed.
    let rounds = 200;
    let started = Instant::now();
    let mut n_planned = 0;
    for _ in 0..rounds {
        n_planned += evaluate_all(&strategy, &cases, &mut out);
    }
    let seconds = started.elapsed().as_secs_f64();
    let n_evaluated = (rounds * cases.len()) as f64;
    println!(
        "cn-default: {:.0} cases/s on one core ({:.0} ns per case, {:.2} treatments per case)",
        n_evaluated / seconds,
        seconds * 1e9 / n_evaluated,
        n_planned as f64 / n_evaluated
    );

    let mut group = c.benchmark_group("strategy");
    group.throughput(Throughput::Elements(cases.len() as u64));
    group.bench_function("cn_default_4096_cases", |b| {
        b.iter(|| evaluate_all(&strategy, &cases, &mut out))
    });
    group.finish();
}

criterion_group!(benches, strategy);
criterion_main!(benches);
