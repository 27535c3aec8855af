//! `recoup report portfolio`: the book on a closed business date — loans and balances by
//! bucket, the NPL ratio and the last month's roll-rate matrix — as a table, CSV or JSON.

use std::fmt::Write as _;
use std::process::ExitCode;

use recoup_core::portfolio::ppm_as_percent;
use recoup_store::PortfolioDay;

use crate::cli::{Format, ReportCommand};
use crate::commands::open_store;
use crate::config::Settings;

pub async fn run(
    database_url: &str,
    settings: &Settings,
    command: &ReportCommand,
) -> anyhow::Result<ExitCode> {
    let ReportCommand::Portfolio { date, format } = command;
    let store = open_store(database_url).await?;
    let Some(date) = (match date {
        Some(d) => Some(*d),
        None => store.last_closed_date().await?,
    }) else {
        eprintln!("error: no business date has been closed yet; run `recoup eod` first");
        return Ok(ExitCode::from(1));
    };
    match store.portfolio_on(date, &settings.policy.buckets).await? {
        Some(day) => {
            std::io::Write::write_all(
                &mut std::io::stdout().lock(),
                render(&day, *format).as_bytes(),
            )?;
            Ok(ExitCode::SUCCESS)
        }
        None => {
            eprintln!(
                "error: business date {date} has not been closed; run `recoup eod --date {date}`"
            );
            Ok(ExitCode::from(1))
        }
    }
}

/// The report in the chosen format.
pub fn render(day: &PortfolioDay, format: Format) -> String {
    match format {
        Format::Table => table(day),
        Format::Csv => csv(day),
        Format::Json => json(day),
    }
}

fn table(day: &PortfolioDay) -> String {
    let s = &day.summary;
    let mut out = String::new();
    let _ = writeln!(out, "Portfolio on {}", day.date);
    let _ = writeln!(out, "  loans                  {:>20}", group(s.loans()));
    let _ = writeln!(
        out,
        "  outstanding principal  {:>20}",
        s.principal_outstanding().to_grouped_string()
    );
    let _ = writeln!(
        out,
        "  NPL ratio (from {:<4})  {:>20}",
        s.buckets.label(s.buckets.npl_from()),
        ppm_as_percent(s.npl_ratio_ppm())
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "  {:<8} {:>10} {:>8} {:>22} {:>18}",
        "bucket", "loans", "share", "principal", "arrears"
    );
    for (idx, line) in s.by_bucket.iter().enumerate() {
        let share = recoup_core::portfolio::ratio_ppm(
            line.principal_outstanding.get(),
            s.principal_outstanding().get(),
        );
        let _ = writeln!(
            out,
            "  {:<8} {:>10} {:>8} {:>22} {:>18}",
            s.buckets.label(idx as u8),
            group(line.loans),
            ppm_as_percent(share),
            line.principal_outstanding.to_grouped_string(),
            line.arrears.to_grouped_string()
        );
    }
    let _ = writeln!(out);
    match &day.roll_rates {
        None => {
            let _ = writeln!(out, "  roll rates: fewer than two month-ends closed yet");
        }
        Some(m) => {
            let _ = writeln!(
                out,
                "  roll rates {} -> {} (share of loans in each bucket at {} month-end)",
                m.from_month, m.to_month, m.from_month
            );
            let mut header = format!("  {:<8}", "from\\to");
            for label in &m.labels {
                let _ = write!(header, " {label:>8}");
            }
            let _ = write!(header, " {:>8} {:>8}", "paid off", "loans");
            let _ = writeln!(out, "{header}");
            for (row_idx, label) in m.labels.iter().enumerate() {
                let mut line = format!("  {label:<8}");
                for col in 0..=m.labels.len() {
                    let _ = write!(line, " {:>8}", ppm_as_percent(m.rate_ppm(row_idx, col)));
                }
                let _ = write!(line, " {:>8}", group(m.row_total(row_idx)));
                let _ = writeln!(out, "{line}");
            }
        }
    }
    out
}

fn csv(day: &PortfolioDay) -> String {
    let s = &day.summary;
    let mut out = String::from("date,bucket,loans,principal_outstanding,arrears\n");
    for (idx, line) in s.by_bucket.iter().enumerate() {
        let _ = writeln!(
            out,
            "{},{},{},{},{}",
            day.date,
            s.buckets.label(idx as u8),
            line.loans,
            line.principal_outstanding,
            line.arrears
        );
    }
    let _ = writeln!(
        out,
        "{},total,{},{},",
        day.date,
        s.loans(),
        s.principal_outstanding()
    );
    out
}

fn json(day: &PortfolioDay) -> String {
    let s = &day.summary;
    let buckets: Vec<serde_json::Value> = s
        .by_bucket
        .iter()
        .enumerate()
        .map(|(idx, line)| {
            serde_json::json!({
                "bucket": s.buckets.label(idx as u8),
                "loans": line.loans,
                "principal_outstanding": line.principal_outstanding.to_string(),
                "arrears": line.arrears.to_string(),
            })
        })
        .collect();
    let roll_rates = day.roll_rates.as_ref().map(|m| {
        let mut columns = m.labels.clone();
        columns.push("paid_off".into());
        serde_json::json!({
            "from_month": m.from_month,
            "to_month": m.to_month,
            "rows": m.labels,
            "columns": columns,
            "counts": m.counts,
        })
    });
    let value = serde_json::json!({
        "date": day.date.to_string(),
        "loans": s.loans(),
        "principal_outstanding": s.principal_outstanding().to_string(),
        "npl_principal": s.npl_principal().to_string(),
        "npl_ratio_ppm": s.npl_ratio_ppm(),
        "buckets": buckets,
        "roll_rates": roll_rates,
    });
    format!(
        "{}\n",
        serde_json::to_string_pretty(&value).unwrap_or_default()
    )
}

/// 1234567 → "1,234,567".
pub fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (idx, ch) in digits.chars().enumerate() {
        if idx > 0 && (digits.len() - idx).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}
