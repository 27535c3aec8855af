//! Schedule generation speed: 36-period schedules for each method, one core.
//! Target (issue 2): at least 1,000,000 schedules per second per core.

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use recoup_core::loan::{LoanTerms, RepaymentMethod};
use recoup_core::schedule::build_schedule_into;
use recoup_core::{AnnualRate, Fen};

fn schedules(c: &mut Criterion) {
    let mut group = c.benchmark_group("schedule_36_periods");
    group.throughput(Throughput::Elements(1));
    for method in RepaymentMethod::ALL {
        let terms = LoanTerms::new(
            Fen::from_yuan(150_000),
            AnnualRate::parse_percent("6.25").unwrap_or(AnnualRate::ZERO),
            36,
            method,
            NaiveDate::from_ymd_opt(2026, 1, 31).unwrap_or_default(),
            31,
        );
        let Ok(terms) = terms else { continue };
        let mut out = Vec::with_capacity(36);
        group.bench_function(method.code(), |b| {
            b.iter(|| {
                build_schedule_into(std::hint::black_box(&terms), &mut out);
                out.len()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, schedules);
criterion_main!(benches);
