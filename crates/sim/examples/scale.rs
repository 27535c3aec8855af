//! Measures the simulator at scale: generating a book of N loans (default 1,000,000) and running
//! the bank feed day by day up to the book's as-of date, reporting the time of the busiest days.
//!
//! Run in release mode: `cargo run --release -p recoup-sim --example scale -- 1000000`; add
//! `book-only` after the count to time generation alone.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate};
use recoup_core::Fen;
use recoup_sim::{generate_portfolio, BankFeed, PortfolioSpec};

/// Peak resident memory of this process, from /proc (Linux only; 0 elsewhere).
fn peak_rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

fn main() {
    let loans: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let Some(as_of) = NaiveDate::from_ymd_opt(2025, 6, 30) else {
        return;
    };
    let spec = PortfolioSpec::new(loans, 20250630, as_of);

    let started = Instant::now();
    let book = generate_portfolio(&spec);
    println!(
        "generate_portfolio({loans}): {:.2?}, peak RSS {} MiB",
        started.elapsed(),
        peak_rss_mib()
    );

    if std::env::args().nth(2).as_deref() == Some("book-only") {
        return;
    }

    let started = Instant::now();
    let mut feed = BankFeed::new(&book, 7);
    println!("BankFeed::new: {:.2?}", started.elapsed());

    // A stand-in ledger: every quoted loan owes 3,000 yuan. Timing covers the feed only.
    let Some(mut date) = feed.next_event_date() else {
        return;
    };
    let mut days: Vec<(NaiveDate, usize, usize, Duration)> = Vec::new();
    let mut total = Duration::ZERO;
    while date <= as_of {
        let t0 = Instant::now();
        let quoted = feed.loans_to_quote(date);
        let mut elapsed = t0.elapsed();
        let owed: HashMap<String, Fen> = quoted
            .iter()
            .map(|no| (no.clone(), Fen::from_yuan(3_000)))
            .collect();
        let t1 = Instant::now();
        let records = feed.records_for(date, &owed);
        elapsed += t1.elapsed();
        total += elapsed;
        days.push((date, quoted.len(), records.len(), elapsed));
        let Some(next) = date.checked_add_days(Days::new(1)) else {
            break;
        };
        date = next;
    }
    days.sort_by_key(|d| std::cmp::Reverse(d.3));
    println!(
        "feed over {} days up to {as_of}: {:.2?} in all, peak RSS {} MiB; busiest days:",
        days.len(),
        total,
        peak_rss_mib()
    );
    for (date, quoted, records, elapsed) in days.iter().take(5) {
        println!("  {date}: {quoted} loans quoted, {records} records, {elapsed:.2?}");
    }
}
