//! `recoup eod [--date D]`: close business dates up to D (default yesterday), in order.

use std::process::ExitCode;
use std::time::Instant;

use recoup_store::{EodOptions, PlanOutcome, StoreError};

use crate::cli::EodArgs;
use crate::commands::open_store;
use crate::config::Settings;
use crate::progress::EodBar;

pub async fn run(
    database_url: &str,
    settings: &Settings,
    args: &EodArgs,
) -> anyhow::Result<ExitCode> {
    let today = settings.today();
    let date = args
        .date
        .unwrap_or_else(|| today.pred_opt().unwrap_or(today));
    if date > today {
        eprintln!(
            "error: --date {date} is in the future (today is {today} in {})",
            settings.timezone
        );
        return Ok(ExitCode::from(1));
    }
    let store = open_store(database_url).await?;
    let options = EodOptions {
        chunk_size: args.chunk_size.max(1),
    };
    let (strategy, guard) = match crate::commands::plan::load(settings) {
        Ok(loaded) => loaded,
        Err(error) => {
            eprintln!("error: {error:#}");
            return Ok(ExitCode::from(1));
        }
    };
    let started = Instant::now();
    // A date closed by a run that died before its case work was done (plans reviewed,
    // promises settled, cases planned and assigned) gets that work first, on its own state.
    // Every step is idempotent, and assignment is one transaction with the date's mark.
    if let Some(last) = store.last_closed_date().await? {
        if last <= date && store.needs_planning(last).await? {
            let plan = case_work(&store, settings, last, &strategy, &guard).await?;
            println!("{}", plan_summary(last, &plan.plan));
        } else if last <= date && store.needs_assignment(last).await? {
            store.assign_cases(last, &settings.assignment).await?;
        }
    }
    let dates = store.dates_to_close(date).await?;
    if dates.is_empty() {
        match store.last_closed_date().await? {
            Some(last) => println!("business dates up to {last} are closed; {date} needs nothing"),
            None => println!("no business date to close up to {date}"),
        }
        return Ok(ExitCode::SUCCESS);
    }
    // Each date is closed and then planned before the next is closed, so every day's plan
    // sees that day's book.
    let observer = EodBar::new();
    let mut loans = 0;
    let mut events = 0;
    let mut plans = PlanOutcome::default();
    let mut last_plan = None;
    let mut promises = recoup_store::SettleOutcome::default();
    let mut assignments = recoup_store::AssignmentOutcome::default();
    for day in &dates {
        let report = match store
            .close_business_date(
                *day,
                &settings.policy,
                &options,
                &observer,
                &settings.now_text(),
            )
            .await
        {
            Ok(report) => report,
            Err(error @ StoreError::EodRefused { .. }) => {
                drop(observer);
                eprintln!("error: {error}");
                return Ok(ExitCode::from(1));
            }
            Err(other) => return Err(other.into()),
        };
        loans += report.loans_processed;
        events += report.events;
        let work = case_work(&store, settings, *day, &strategy, &guard).await?;
        promises.kept += work.promises.kept;
        promises.partly_kept += work.promises.partly_kept;
        promises.broken += work.promises.broken;
        let (plan, assigned) = (work.plan, work.assigned);
        assignments.assigned += assigned.assigned;
        assignments.unassigned = assigned.unassigned;
        plans.borrowers += plan.borrowers;
        plans.permitted += plan.permitted;
        plans.blocked += plan.blocked;
        plans.internal += plan.internal;
        last_plan = Some(plan);
    }
    drop(observer);
    let first = dates.first().copied().unwrap_or(date);
    println!(
        "closed {} business date(s) {first}..{date}: {loans} loan-days processed, {events} events, {:.1} s",
        dates.len(),
        started.elapsed().as_secs_f64()
    );
    if let Some(plan) = last_plan {
        println!("{}", plan_summary(date, &plan));
    }
    println!(
        "promises settled: {} kept, {} partly kept, {} broken; {} assignment(s) made, {} open case(s) unassigned",
        promises.kept,
        promises.partly_kept,
        promises.broken,
        assignments.assigned,
        assignments.unassigned
    );
    if dates.len() > 1 {
        println!(
            "planned {} dates: {} case-days, {} contacts permitted, {} blocked, {} internal actions",
            dates.len(),
            plans.borrowers,
            plans.permitted,
            plans.blocked,
            plans.internal
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn plan_summary(date: chrono::NaiveDate, plan: &PlanOutcome) -> String {
    format!(
        "plan for {date}: {} cases, {} contacts permitted, {} blocked by compliance, {} internal actions",
        plan.borrowers, plan.permitted, plan.blocked, plan.internal
    )
}

/// What one date's case work did.
struct CaseWork {
    promises: recoup_store::SettleOutcome,
    plan: PlanOutcome,
    assigned: recoup_store::AssignmentOutcome,
}

/// The case work of a closed date, in order: plans broken by the close revert (or are kept),
/// promises due are judged on the date's payments, then the date is planned and its cases
/// assigned. Each step is idempotent, so a date whose run died part-way is finished by
/// running this again.
async fn case_work(
    store: &recoup_store::Store,
    settings: &Settings,
    day: chrono::NaiveDate,
    strategy: &recoup_strategy::Strategy,
    guard: &recoup_compliance::Guard,
) -> anyhow::Result<CaseWork> {
    let review = store
        .review_plans(
            day,
            &settings.server.config.plans,
            &settings.policy.buckets,
            settings.now(),
        )
        .await?;
    if review.reverted + review.kept > 0 {
        eprintln!(
            "{day}: {} broken plan(s) reverted, {} kept",
            review.reverted, review.kept
        );
    }
    let promises = store.settle_promises(day).await?;
    let plan = store
        .plan_collections(day, strategy, guard, settings.collections.pre_due_days)
        .await?;
    let assigned = store.assign_cases(day, &settings.assignment).await?;
    Ok(CaseWork {
        promises,
        plan,
        assigned,
    })
}
