//! `recoup bench …`: benchmarks that print their figures.
//!
//! `bench eod` seasons a book of N simulated loans in memory with the core (the same day step
//! end-of-day runs), loads it into the database, posts the next day's bank file and then times
//! the real end-of-day for that one business date. `bench schedule` times schedule generation.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use chrono::NaiveDate;
use recoup_core::schedule::build_schedule_into;
use recoup_sim::{generate_portfolio, PortfolioSpec};
use recoup_store::{EodOptions, SnapshotLoan};

use crate::cli::BenchCommand;
use crate::commands::open_store;
use crate::config::Settings;
use crate::progress::{self, EodBar};

/// The bench's own database file, recreated on every run.
const BENCH_DATABASE_URL: &str = "sqlite://recoup-bench.db";

pub async fn run(
    database_url: &str,
    settings: &Settings,
    command: &BenchCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        BenchCommand::Schedule { schedules } => bench_schedule(*schedules),
        BenchCommand::Collections { cases, seed } => super::bench_collections::run(*cases, *seed),
        BenchCommand::Eod {
            loans,
            seed,
            chunk_size,
            date,
        } => {
            let url = if database_url == recoup_store::DEFAULT_DATABASE_URL {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("recoup-bench.db{suffix}"));
                }
                BENCH_DATABASE_URL
            } else {
                database_url
            };
            bench_eod(url, settings, *loans, *seed, *chunk_size, *date).await
        }
    }
}

fn bench_schedule(n: usize) -> anyhow::Result<ExitCode> {
    let spec = PortfolioSpec::new(
        1_000,
        1,
        NaiveDate::from_ymd_opt(2026, 11, 1).context("date")?,
    );
    let portfolio = generate_portfolio(&spec);
    let terms: Vec<_> = portfolio.iter().map(|l| l.booked.terms).collect();
    let mut out = Vec::with_capacity(64);
    let started = Instant::now();
    let mut checksum = 0_i64;
    for idx in 0..n {
        build_schedule_into(&terms[idx % terms.len()], &mut out);
        checksum = checksum.wrapping_add(out.last().map(|r| r.principal.get()).unwrap_or(0));
    }
    let secs = started.elapsed().as_secs_f64();
    let periods: usize = (0..n)
        .map(|i| terms[i % terms.len()].term_months() as usize)
        .sum();
    println!(
        "schedules: {n} in {secs:.3} s on one core = {:.0} schedules/s ({:.1} periods avg, {:.0} periods/s; checksum {checksum})",
        n as f64 / secs,
        periods as f64 / n as f64,
        periods as f64 / secs
    );
    Ok(ExitCode::SUCCESS)
}

async fn bench_eod(
    url: &str,
    settings: &Settings,
    n_loans: usize,
    seed: u64,
    chunk_size: usize,
    bench_date: NaiveDate,
) -> anyhow::Result<ExitCode> {
    let season_until = bench_date.pred_opt().context("date")?;
    let store = open_store(url).await?;
    if store.loan_count().await? != 0 {
        anyhow::bail!(
            "{} is not empty; bench eod needs an empty database",
            recoup_store::redact_url(url)
        );
    }
    let policy = &settings.policy;

    let started = Instant::now();
    let portfolio = generate_portfolio(&PortfolioSpec::new(n_loans, seed, bench_date));
    eprintln!(
        "bench: generated {n_loans} loans in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let first_day = portfolio
        .iter()
        .map(|l| l.booked.terms.disbursement_date())
        .min()
        .context("no loans")?;
    let n_days = (season_until - first_day).num_days().max(0) as u64 + 1;
    let bar = progress::bar(n_days, "days");
    let recoup_sim::SeasonedBook { book, mut feed } =
        recoup_sim::season(&portfolio, seed, season_until, policy, |_| bar.inc(1))?;
    bar.finish_and_clear();
    eprintln!(
        "bench: seasoned {} days of history in memory in {:.1} s",
        n_days,
        started.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let recorded_at = settings.now_text();
    let bar = progress::bar(portfolio.len() as u64, "loans");
    let mut states = book.into_states().into_iter();
    for chunk in portfolio.chunks(20_000) {
        let snapshot: Vec<SnapshotLoan> = chunk
            .iter()
            .zip(states.by_ref())
            .map(|(loan, (state, installments))| SnapshotLoan {
                booked: loan.booked.clone(),
                state,
                installments,
            })
            .collect();
        store
            .load_snapshot(&snapshot, &policy.buckets, &recorded_at)
            .await?;
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    store.refresh_statistics().await?;
    eprintln!(
        "bench: loaded the seasoned book into {} in {:.1} s",
        recoup_store::redact_url(url),
        started.elapsed().as_secs_f64()
    );

    // The bank file of the bench date goes through the real posting path.
    let quote = feed.loans_to_quote(bench_date);
    let refs: Vec<&str> = quote.iter().map(String::as_str).collect();
    let owed = store.amounts_owed(bench_date, &refs).await?;
    let records = feed.records_for(bench_date, &owed);
    store.post_bank_records(&records, &recorded_at).await?;

    // The bare reference replays EOD's reads and writes on the database as it is now.
    let before = sqlite_file(url).map(|file| file.with_extension("before.db"));
    if let (Some(file), Some(copy)) = (sqlite_file(url), &before) {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(store.pool())
            .await?;
        std::fs::copy(&file, copy)
            .with_context(|| format!("cannot copy {} for the reference", file.display()))?;
    }
    let observer = EodBar::new();
    let started = Instant::now();
    let report = store
        .close_business_date(
            bench_date,
            policy,
            &EodOptions { chunk_size },
            &observer,
            &recorded_at,
        )
        .await?;
    let secs = started.elapsed().as_secs_f64();
    drop(observer);
    println!(
        "eod: business date {bench_date} over {n_loans} loans ({} active-work loans, {} events, {} bank records) on {:?}: {secs:.1} s",
        report.loans_processed,
        report.events,
        records.len(),
        store.backend()
    );
    if let (Some(file), Some(copy)) = (sqlite_file(url), &before) {
        let reference = super::bench_reference::run(copy, &file, bench_date, chunk_size).await?;
        for suffix in ["", "-wal", "-shm"] {
            let mut name = copy.clone().into_os_string();
            name.push(suffix);
            let _ = std::fs::remove_file(name);
        }
        let ref_secs = reference.elapsed.as_secs_f64();
        println!(
            "reference: the same reads and {} row writes for {} loans with plain prepared statements: {ref_secs:.1} s; recoup's EOD is {:.2}x the reference",
            reference.rows_written,
            reference.loans,
            secs / ref_secs.max(1e-9)
        );
    }
    let (strategy, guard) = crate::commands::plan::load(settings)?;
    let started = Instant::now();
    let plan = store
        .plan_collections(
            bench_date,
            &strategy,
            &guard,
            settings.collections.pre_due_days,
        )
        .await?;
    let plan_secs = started.elapsed().as_secs_f64();
    println!(
        "plan: {} cases, {} contacts permitted, {} blocked, {} internal actions: {plan_secs:.1} s; end-of-day with planning: {:.1} s",
        plan.borrowers,
        plan.permitted,
        plan.blocked,
        plan.internal,
        secs + plan_secs
    );
    Ok(ExitCode::SUCCESS)
}

/// The file of a `sqlite://` URL (without its query), or `None` for another backend.
fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url.strip_prefix("sqlite://")?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then(|| std::path::PathBuf::from(path))
}
