//! `recoup strategy simulate FILE [--against FILE]`: a simulated book seasoned without
//! collection, then worked for `--days` business dates by each strategy under the configured
//! compliance profile — both on copies of the same seasoned book and bank, so the difference in
//! recovery, cures, contacts and blocks is the strategies' alone.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use recoup_core::contact::Channel;
use recoup_core::Fen;
use recoup_sim::{
    generate_portfolio, run_collections, season, CollectionOutcome, CollectionSpec, PortfolioSpec,
};
use recoup_strategy::Strategy;

use crate::cli::{Format, StrategyCommand};
use crate::config::Settings;
use crate::progress;

pub fn run(settings: &Settings, command: &StrategyCommand) -> anyhow::Result<ExitCode> {
    let StrategyCommand::Simulate {
        file,
        against,
        days,
        seed,
        loans,
        start,
        format,
    } = command
    else {
        return crate::commands::strategy::run(command);
    };
    let mut strategies = Vec::new();
    for path in std::iter::once(file).chain(against.as_ref()) {
        match read_strategy(path) {
            Ok(strategy) => strategies.push(strategy),
            Err(message) => {
                eprintln!("{message}");
                return Ok(ExitCode::from(1));
            }
        }
    }
    if *days == 0 || *loans == 0 {
        eprintln!("error: --days and --loans must be at least 1");
        return Ok(ExitCode::from(1));
    }
    let (_, guard) = crate::commands::plan::load(settings)?;
    let season_until = start.pred_opt().context("--start is too early")?;

    let started = Instant::now();
    let portfolio = generate_portfolio(&PortfolioSpec::new(*loans, *seed, season_until));
    let first_day = portfolio
        .iter()
        .map(|l| l.booked.terms.disbursement_date())
        .min()
        .context("no loans")?;
    let bar = progress::bar(
        (season_until - first_day).num_days().max(0) as u64 + 1,
        "days seasoned",
    );
    let seasoned = season(&portfolio, *seed, season_until, &settings.policy, |_| {
        bar.inc(1)
    })?;
    bar.finish_and_clear();
    eprintln!(
        "simulate: {loans} loans seasoned to {season_until} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let spec = CollectionSpec {
        start: *start,
        days: *days,
        pre_due_days: settings.collections.pre_due_days,
        ledger: settings.policy.clone(),
        time_zone: settings.timezone,
    };
    let mut outcomes = Vec::new();
    for strategy in &strategies {
        let started = Instant::now();
        let bar = progress::bar(u64::from(*days), strategy.name());
        let outcome = run_collections(
            &portfolio,
            &seasoned,
            strategy,
            &guard,
            &spec,
            &mut DayBar(&bar),
        )?;
        bar.finish_and_clear();
        eprintln!(
            "simulate: {} ran {days} days in {:.1} s",
            strategy.name(),
            started.elapsed().as_secs_f64()
        );
        outcomes.push(outcome);
    }
    let header = format!(
        "Strategy simulation: {loans} loans (seed {seed}), {} to {} ({days} days), profile {}",
        start,
        outcomes
            .first()
            .and_then(|o| o.end)
            .map_or_else(|| start.to_string(), |d| d.to_string()),
        guard.profile().name()
    );
    let text = match format {
        Format::Table => table(&header, &outcomes),
        Format::Csv => csv(&outcomes),
        Format::Json => json(&outcomes)?,
    };
    std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes())
        .context("cannot write to standard output")?;
    Ok(ExitCode::SUCCESS)
}

/// Advances the progress bar a day at a time.
struct DayBar<'a>(&'a indicatif::ProgressBar);

impl recoup_sim::CollectionObserver for DayBar<'_> {
    fn day_done(&mut self, _date: chrono::NaiveDate) {
        self.0.inc(1);
    }
}

fn read_strategy(path: &Path) -> Result<Strategy, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("error: cannot read {}: {error}", path.display()))?;
    recoup_strategy::parse_strategy(&path.display().to_string(), &text)
        .map_err(|errors| errors.to_string())
}

/// The comparison as (metric, one value per strategy) rows.
fn rows(outcomes: &[CollectionOutcome]) -> Vec<(String, Vec<String>)> {
    let count = |f: &dyn Fn(&CollectionOutcome) -> u64| -> Vec<String> {
        outcomes.iter().map(|o| f(o).to_string()).collect()
    };
    let money = |f: &dyn Fn(&CollectionOutcome) -> Fen| -> Vec<String> {
        outcomes.iter().map(|o| f(o).to_grouped_string()).collect()
    };
    let mut rows = vec![
        (
            "loans past due before".to_string(),
            count(&|o| o.overdue_before),
        ),
        (
            "loans past due after".to_string(),
            count(&|o| o.overdue_after),
        ),
        (
            "arrears before (yuan)".to_string(),
            money(&|o| o.arrears_before),
        ),
        (
            "arrears after (yuan)".to_string(),
            money(&|o| o.arrears_after),
        ),
        ("recovered (yuan)".to_string(), money(&|o| o.recovered)),
        ("cases opened".to_string(), count(&|o| o.cases_opened)),
        ("cures".to_string(), count(&|o| o.cures)),
        ("promises to pay".to_string(), count(&|o| o.promises)),
        ("promises kept".to_string(), count(&|o| o.promises_kept)),
        ("contacts made".to_string(), count(&|o| o.contacts_made())),
    ];
    let channels: BTreeSet<Channel> = outcomes
        .iter()
        .flat_map(|o| o.contacts.keys().copied())
        .collect();
    for channel in channels {
        rows.push((
            format!("  {} (reached)", channel.code()),
            outcomes
                .iter()
                .map(|o| {
                    let t = o.contacts.get(&channel).copied().unwrap_or_default();
                    format!("{} ({})", t.made, t.reached)
                })
                .collect(),
        ));
    }
    rows.push(("contact cost (yuan)".to_string(), money(&|o| o.cost())));
    rows.push(("blocked by compliance".to_string(), count(&|o| o.blocks())));
    let rules: BTreeSet<&String> = outcomes.iter().flat_map(|o| o.blocked.keys()).collect();
    for rule in rules {
        rows.push((
            format!("  {rule}"),
            outcomes
                .iter()
                .map(|o| o.blocked.get(rule).copied().unwrap_or(0).to_string())
                .collect(),
        ));
    }
    let internal: BTreeSet<Channel> = outcomes
        .iter()
        .flat_map(|o| o.internal.keys().copied())
        .collect();
    rows.push((
        "internal actions".to_string(),
        count(&|o| o.internal.values().sum()),
    ));
    for channel in internal {
        rows.push((
            format!("  {}", channel.code()),
            count(&|o| o.internal.get(&channel).copied().unwrap_or(0)),
        ));
    }
    rows
}

fn table(header: &str, outcomes: &[CollectionOutcome]) -> String {
    let rows = rows(outcomes);
    let label_width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0) + 2;
    let mut out = format!("{header}\n\n{:<label_width$}", "");
    for o in outcomes {
        out.push_str(&format!("{:>20}", o.strategy));
    }
    out.push('\n');
    for (label, values) in rows {
        out.push_str(&format!("{label:<label_width$}"));
        for v in values {
            out.push_str(&format!("{v:>20}"));
        }
        out.push('\n');
    }
    out
}

fn csv(outcomes: &[CollectionOutcome]) -> String {
    let quote = |s: &str| {
        if s.contains([',', '"']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut out = String::from("metric");
    for o in outcomes {
        out.push(',');
        out.push_str(&quote(&o.strategy));
    }
    out.push('\n');
    for (label, values) in rows(outcomes) {
        out.push_str(&quote(label.trim()));
        for v in values {
            out.push(',');
            out.push_str(&quote(&v));
        }
        out.push('\n');
    }
    out
}

fn json(outcomes: &[CollectionOutcome]) -> anyhow::Result<String> {
    let value: Vec<serde_json::Value> = outcomes
        .iter()
        .map(|o| {
            serde_json::json!({
                "strategy": o.strategy,
                "start": o.start.map(|d| d.to_string()),
                "end": o.end.map(|d| d.to_string()),
                "overdue_before": o.overdue_before,
                "overdue_after": o.overdue_after,
                "arrears_before_fen": o.arrears_before.get(),
                "arrears_after_fen": o.arrears_after.get(),
                "recovered_fen": o.recovered.get(),
                "cases_opened": o.cases_opened,
                "cures": o.cures,
                "promises": o.promises,
                "promises_kept": o.promises_kept,
                "contacts": o.contacts.iter().map(|(c, t)| (c.code().to_string(), serde_json::json!({
                    "made": t.made, "reached": t.reached, "cost_fen": t.cost.get()
                }))).collect::<serde_json::Map<_, _>>(),
                "blocked": o.blocked,
                "internal": o.internal.iter().map(|(c, n)| (c.code().to_string(), serde_json::json!(n))).collect::<serde_json::Map<_, _>>(),
            })
        })
        .collect();
    Ok(serde_json::to_string_pretty(&value)? + "\n")
}
