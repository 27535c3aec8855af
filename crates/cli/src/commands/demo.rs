//! `recoup demo`: builds a realistic portfolio with the simulator and lives through its history
//! day by day through the real code path — booking loans on their disbursement dates, posting
//! each day's bank file, closing each business date — then prints the portfolio summary, creates
//! one demo user per role and serves the API (unless `--no-serve`).

use std::collections::HashMap;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context};
use chrono::{Months, NaiveDate};
use recoup_core::book::BookedLoan;
use recoup_core::Fen;
use recoup_sim::{generate_portfolio, BankFeed, PortfolioSpec};
use recoup_store::{EodOptions, Quiet, Store};

use crate::cli::DemoArgs;
use crate::commands::{open_store, report};
use crate::config::Settings;
use crate::progress;

/// The demo's own database file, recreated on every run.
pub const DEMO_DATABASE_URL: &str = "sqlite://recoup-demo.db";

pub async fn run(
    database_url: Option<&str>,
    settings: &Settings,
    args: &DemoArgs,
) -> anyhow::Result<ExitCode> {
    let as_of = args.as_of.unwrap_or_else(|| settings.today());
    if args.loans == 0 {
        eprintln!("error: --loans must be at least 1");
        return Ok(ExitCode::from(1));
    }
    if args.history_months == 0 || args.history_months > 120 {
        eprintln!("error: --history-months must be 1 to 120");
        return Ok(ExitCode::from(1));
    }
    let url = database_url.unwrap_or(DEMO_DATABASE_URL);
    if database_url.is_none() {
        remove_demo_database()?;
    }
    let store = open_store(url).await?;
    if store.last_closed_date().await?.is_some() || store.loan_count().await? != 0 {
        eprintln!(
            "error: {} already holds a book; the demo needs an empty database (omit --database-url to use {DEMO_DATABASE_URL})",
            recoup_store::redact_url(url)
        );
        return Ok(ExitCode::from(1));
    }
    let started = Instant::now();
    let (summary_day, plan) = build(&store, settings, args, as_of).await?;
    let elapsed = started.elapsed();
    let plan = format!(
        "plan for {summary_day}: {} cases, {} contacts permitted, {} blocked by compliance, {} internal actions",
        plan.borrowers, plan.permitted, plan.blocked, plan.internal
    );
    let Some(day) = store
        .portfolio_on(summary_day, &settings.policy.buckets)
        .await?
    else {
        bail!("the demo closed {summary_day} but finds no portfolio for it");
    };
    std::io::Write::write_all(
        &mut std::io::stdout().lock(),
        report::render(&day, args.format).as_bytes(),
    )?;
    eprintln!("demo: {plan}");
    eprintln!(
        "demo: {} loans, {} months of history through {summary_day}, built in {:.1} s into {}",
        args.loans,
        args.history_months,
        elapsed.as_secs_f64(),
        recoup_store::redact_url(url)
    );
    let users = store.create_demo_users(settings.now()).await?;
    print_users(users);
    // The users exist only now, so the last planned day's cases are handed out here: the
    // collectors, the field agent and the agency get work at once.
    let assigned = store
        .assign_cases(summary_day, &settings.assignment)
        .await?;
    eprintln!(
        "demo: {} case(s) assigned, {} left unassigned (queues no role works)",
        assigned.assigned, assigned.unassigned
    );
    let work =
        crate::commands::demo_work::simulate(&store, settings, summary_day, PLANNED_DAYS).await?;
    eprintln!(
        "demo: collectors logged {} contact(s), took {} promise(s) and wrote {} note(s) over the last {PLANNED_DAYS} days",
        work.contacts, work.promises, work.notes
    );
    if args.no_serve {
        store.close().await;
        return Ok(ExitCode::SUCCESS);
    }
    crate::commands::serve::serve(store, settings, args.listen.as_deref()).await
}

/// The demo users, on stderr so the summary on stdout stays a clean report.
fn print_users(users: &[recoup_store::DemoUser]) {
    eprintln!(
        "demo: users, each with the password {}:",
        recoup_store::DEMO_PASSWORD
    );
    for user in users {
        let agency = user.agency.map(|a| format!(" of {a}")).unwrap_or_default();
        eprintln!(
            "  {:<11} {:<12} {}{agency}",
            user.username,
            user.role.code(),
            user.display_name
        );
    }
}

fn remove_demo_database() -> anyhow::Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let path = format!("recoup-demo.db{suffix}");
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("cannot remove the previous demo database {path}"))
            }
        }
    }
    Ok(())
}

/// Business dates at the end of the history that are planned (collection work), not only closed.
const PLANNED_DAYS: u64 = 7;

/// Runs the history; returns the last closed business date (the day before `as_of`) and its plan.
async fn build(
    store: &Store,
    settings: &Settings,
    args: &DemoArgs,
    as_of: NaiveDate,
) -> anyhow::Result<(NaiveDate, recoup_store::PlanOutcome)> {
    let spec = PortfolioSpec {
        loans: args.loans,
        seed: args.seed,
        as_of,
        history_months: args.history_months,
    };
    let portfolio = generate_portfolio(&spec);
    let Some(first_day) = portfolio
        .iter()
        .map(|l| l.booked.terms.disbursement_date())
        .min()
    else {
        bail!("the simulator generated no loans");
    };
    let history_start = as_of
        .checked_sub_months(Months::new(args.history_months))
        .unwrap_or(first_day);
    let first_day = first_day.min(history_start);
    let last_day = as_of.pred_opt().unwrap_or(as_of);
    let mut feed = BankFeed::new(&portfolio, args.seed);
    let mut by_day: HashMap<NaiveDate, Vec<BookedLoan>> = HashMap::new();
    for loan in portfolio {
        by_day
            .entry(loan.booked.terms.disbursement_date())
            .or_default()
            .push(loan.booked);
    }

    let n_days = (last_day - first_day).num_days().max(0) as u64 + 1;
    let bar = progress::bar(n_days, "days");
    let recorded_at = settings.now_text();
    let options = EodOptions::default();
    let (strategy, guard) = crate::commands::plan::load(settings)?;
    // The last weeks are planned day by day, as production does, so cases, treatments and
    // strategy results have a history to show; older days are history without collection.
    let plan_from = last_day
        .checked_sub_days(chrono::Days::new(PLANNED_DAYS - 1))
        .unwrap_or(first_day);
    let mut last_plan = recoup_store::PlanOutcome::default();
    let mut date = first_day;
    // Where the demo's time goes, for `-v`: booking, quoting, bank files, end-of-day, planning.
    let mut spent = [std::time::Duration::ZERO; 5];
    while date <= last_day {
        bar.set_message(date.to_string());
        let phase = Instant::now();
        if let Some(loans) = by_day.remove(&date) {
            store
                .book_loans_for(
                    &loans,
                    &settings.products,
                    &settings.policy.buckets,
                    &recorded_at,
                )
                .await?;
        }
        spent[0] += phase.elapsed();
        let phase = Instant::now();
        let to_quote = feed.loans_to_quote(date);
        let owed: HashMap<String, Fen> = if to_quote.is_empty() {
            HashMap::new()
        } else {
            let refs: Vec<&str> = to_quote.iter().map(String::as_str).collect();
            store.amounts_owed(date, &refs).await?
        };
        let records = feed.records_for(date, &owed);
        spent[1] += phase.elapsed();
        let phase = Instant::now();
        if !records.is_empty() {
            store.post_bank_records(&records, &recorded_at).await?;
        }
        spent[2] += phase.elapsed();
        let phase = Instant::now();
        store
            .close_business_date(date, &settings.policy, &options, &Quiet, &recorded_at)
            .await?;
        spent[3] += phase.elapsed();
        if date >= plan_from {
            let phase = Instant::now();
            store.settle_promises(date).await?;
            let plan = store
                .plan_collections(date, &strategy, &guard, settings.collections.pre_due_days)
                .await?;
            spent[4] += phase.elapsed();
            last_plan = plan;
        }
        bar.inc(1);
        let Some(next) = date.succ_opt() else { break };
        date = next;
    }
    bar.finish_and_clear();
    tracing::info!(
        booking_s = spent[0].as_secs_f64(),
        quoting_s = spent[1].as_secs_f64(),
        bank_files_s = spent[2].as_secs_f64(),
        end_of_day_s = spent[3].as_secs_f64(),
        planning_s = spent[4].as_secs_f64(),
        "demo history built"
    );
    Ok((last_day, last_plan))
}
