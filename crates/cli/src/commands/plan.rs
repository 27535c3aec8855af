//! `recoup plan --date D`: the day's collection work — treatments by channel, queue and stage —
//! and the contacts compliance blocked, by rule. Also the loading of the strategy and the
//! compliance guard that end-of-day plans with.

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use recoup_compliance::{Guard, Profile};
use recoup_store::PlanLine;
use recoup_strategy::Strategy;

use crate::cli::Format;
use crate::commands::open_store;
use crate::config::Settings;

const SHIPPED_STRATEGY: &str = include_str!("../../../../strategies/cn-default.toml");

/// The configured strategy and guard.
pub fn load(settings: &Settings) -> anyhow::Result<(Strategy, Guard)> {
    let strategy = match &settings.collections.strategy {
        None => recoup_strategy::parse_strategy("strategies/cn-default.toml", SHIPPED_STRATEGY)
            .map_err(|errors| anyhow::anyhow!("{errors}"))?,
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read strategy file {}", path.display()))?;
            recoup_strategy::parse_strategy(&path.display().to_string(), &text)
                .map_err(|errors| anyhow::anyhow!("{errors}"))?
        }
    };
    let templates = load_templates(settings)?;
    let mut unusable = Vec::new();
    for arm in strategy.arms() {
        for id in templates.missing(arm.templates()) {
            unusable.push(format!(
                "arm `{}`: template `{id}` is not in the template file",
                arm.name()
            ));
        }
    }
    if !unusable.is_empty() {
        anyhow::bail!(
            "strategy `{}` cannot be used:\n{}",
            strategy.name(),
            unusable.join("\n")
        );
    }
    let name = &settings.collections.profile;
    let profile = match Profile::builtin(name) {
        Ok(profile) => profile,
        Err(_) => Profile::load(std::path::Path::new(name))
            .with_context(|| format!("compliance profile {name}"))?,
    };
    Ok((strategy, Guard::new(profile)))
}

/// The contact templates (`[collections] templates`, or the shipped zh-CN file), each vetted by
/// language QA: a template with a block-tier term makes the file unusable, so it can never be
/// planned or sent.
pub fn load_templates(settings: &Settings) -> anyhow::Result<recoup_qa::TemplateBook> {
    let inspector = recoup_qa::Inspector::shipped().context("the shipped QA lexicons")?;
    let (name, text) = match &settings.collections.templates {
        None => (
            "strategies/templates/zh-CN.toml".to_string(),
            recoup_qa::templates::SHIPPED_ZH_CN.to_string(),
        ),
        Some(path) => (
            path.display().to_string(),
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read template file {}", path.display()))?,
        ),
    };
    recoup_qa::TemplateBook::parse(&name, &text, &inspector)
        .map_err(|errors| anyhow::anyhow!("{errors}"))
}

pub async fn run(
    database_url: &str,
    date: Option<NaiveDate>,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let store = open_store(database_url).await?;
    let Some(date) = (match date {
        Some(d) => Some(d),
        None => store.last_closed_date().await?,
    }) else {
        eprintln!("error: no business date has been closed yet; run `recoup eod` first");
        return Ok(ExitCode::from(1));
    };
    let lines = store.plan_for(date).await?;
    if lines.is_empty() {
        eprintln!("error: no plan for {date}; `recoup eod --date {date}` plans the date it closes");
        return Ok(ExitCode::from(1));
    }
    let text = match format {
        Format::Table => table(date, &lines),
        Format::Csv => csv(date, &lines),
        Format::Json => json(date, &lines),
    };
    std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes())
        .context("cannot write the plan")?;
    Ok(ExitCode::SUCCESS)
}

fn table(date: NaiveDate, lines: &[PlanLine]) -> String {
    let mut out = format!("Plan for {date}\n");
    let _ = writeln!(
        out,
        "  {:<10} {:<28} {:<20} {:<12} {:>8}  rule",
        "decision", "channel", "queue", "stage", "count"
    );
    for line in lines {
        let _ = writeln!(
            out,
            "  {:<10} {:<28} {:<20} {:<12} {:>8}  {}",
            line.decision,
            line.channel,
            line.queue,
            line.stage,
            line.treatments,
            line.rule.as_deref().unwrap_or("")
        );
    }
    out
}

fn csv(date: NaiveDate, lines: &[PlanLine]) -> String {
    let mut out = String::from("date,decision,channel,queue,stage,rule,treatments\n");
    for line in lines {
        let _ = writeln!(
            out,
            "{date},{},{},{},{},{},{}",
            line.decision,
            line.channel,
            line.queue,
            line.stage,
            line.rule.as_deref().unwrap_or(""),
            line.treatments
        );
    }
    out
}

fn json(date: NaiveDate, lines: &[PlanLine]) -> String {
    let rows: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| {
            serde_json::json!({
                "decision": l.decision, "channel": l.channel, "queue": l.queue, "stage": l.stage,
                "rule": l.rule, "treatments": l.treatments,
            })
        })
        .collect();
    let value = serde_json::json!({ "date": date.to_string(), "lines": rows });
    format!(
        "{}\n",
        serde_json::to_string_pretty(&value).unwrap_or_default()
    )
}

/// `recoup compliance report --from D --to D`.
pub async fn compliance_report(
    database_url: &str,
    command: &crate::cli::ComplianceCommand,
) -> anyhow::Result<ExitCode> {
    let crate::cli::ComplianceCommand::Report { from, to, format } = command;
    if from > to {
        eprintln!("error: --from {from} is after --to {to}");
        return Ok(ExitCode::from(1));
    }
    let store = open_store(database_url).await?;
    let rows = store.compliance_counts(*from, *to).await?;
    let permitted: i64 = rows
        .iter()
        .filter(|r| r.0 == "permitted")
        .map(|r| r.3)
        .sum();
    let blocked: i64 = rows.iter().filter(|r| r.0 == "blocked").map(|r| r.3).sum();
    let text = match format {
        Format::Table => {
            let mut out = format!(
                "Contacts planned {from} to {to}: {} checked, {permitted} permitted, {blocked} blocked\n",
                permitted + blocked
            );
            let _ = writeln!(
                out,
                "  {:<10} {:<40} {:<14} {:>8}",
                "decision", "rule", "channel", "count"
            );
            for (decision, rule, channel, count) in &rows {
                let rule = rule.as_deref().unwrap_or("-");
                let _ = writeln!(out, "  {decision:<10} {rule:<40} {channel:<14} {count:>8}");
            }
            out
        }
        Format::Csv => {
            let mut out = String::from("from,to,decision,rule,channel,count\n");
            for (decision, rule, channel, count) in &rows {
                let rule = rule.as_deref().unwrap_or("");
                let _ = writeln!(out, "{from},{to},{decision},{rule},{channel},{count}");
            }
            out
        }
        Format::Json => {
            let lines: Vec<serde_json::Value> = rows
                .iter()
                .map(|(decision, rule, channel, count)| {
                    serde_json::json!({ "decision": decision, "rule": rule, "channel": channel, "count": count })
                })
                .collect();
            let value = serde_json::json!({
                "from": from.to_string(), "to": to.to_string(),
                "permitted": permitted, "blocked": blocked, "lines": lines,
            });
            format!(
                "{}\n",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            )
        }
    };
    std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes())
        .context("cannot write the report")?;
    Ok(ExitCode::SUCCESS)
}
