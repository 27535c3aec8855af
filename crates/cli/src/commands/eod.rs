//! `recoup eod [--date D]`: close business dates up to D (default yesterday), in order.

use std::process::ExitCode;
use std::time::Instant;

use recoup_store::{EodOptions, StoreError};

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
    let started = Instant::now();
    let observer = EodBar::new();
    let result = store
        .run_eod_through(
            date,
            &settings.policy,
            &options,
            &observer,
            &settings.now_text(),
        )
        .await;
    drop(observer);
    match result {
        Ok(reports) if reports.is_empty() => {
            match store.last_closed_date().await? {
                Some(last) => {
                    println!("business dates up to {last} are closed; {date} needs nothing")
                }
                None => println!("no business date to close up to {date}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Ok(reports) => {
            let loans: u64 = reports.iter().map(|r| r.loans_processed).sum();
            let events: u64 = reports.iter().map(|r| r.events).sum();
            let first = reports.first().map(|r| r.date).unwrap_or(date);
            println!(
                "closed {} business date(s) {first}..{date}: {loans} loan-days processed, {events} events, {:.1} s",
                reports.len(),
                started.elapsed().as_secs_f64()
            );
            // Collection work is planned for the date closed last: that is today's work.
            println!(
                "{}",
                crate::commands::plan::plan_date(&store, settings, date).await?
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(error @ StoreError::EodRefused { .. }) => {
            eprintln!("error: {error}");
            Ok(ExitCode::from(1))
        }
        Err(other) => Err(other.into()),
    }
}
