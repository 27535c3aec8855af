//! `recoup strategy check FILE`: parse and type-check a strategy file, printing every error with
//! its line and column, or a summary of what the file defines.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use recoup_core::case::Stage;

use crate::cli::StrategyCommand;

pub fn run(command: &StrategyCommand) -> anyhow::Result<ExitCode> {
    match command {
        StrategyCommand::Check { file } => check(file),
        StrategyCommand::Results { .. } => {
            anyhow::bail!("`strategy results` needs the database; it is run through `results`")
        }
        StrategyCommand::Simulate { .. } => {
            anyhow::bail!("`strategy simulate` needs the settings; it is run through `simulate`")
        }
    }
}

/// `recoup strategy results --from D --to D`: each arm side by side.
pub async fn results(database_url: &str, command: &StrategyCommand) -> anyhow::Result<ExitCode> {
    let StrategyCommand::Results { from, to } = command else {
        return run(command);
    };
    if from > to {
        eprintln!("error: --from {from} is after --to {to}");
        return Ok(ExitCode::from(1));
    }
    let store = crate::commands::open_store(database_url).await?;
    let arms = store.strategy_results(*from, *to).await?;
    if arms.is_empty() {
        eprintln!("error: no cases yet; `recoup eod` plans collection work when it closes a date");
        return Ok(ExitCode::from(1));
    }
    let mut out = format!("Strategy results {from} to {to}\n");
    for arm in &arms {
        let contacts: i64 = arm.contacts.iter().map(|c| c.1).sum();
        let cost: recoup_core::Fen = arm.contacts.iter().map(|c| c.2).sum();
        out.push_str(&format!(
            "  arm {:<12} cases {:>8}  contacts {:>8}  cost {:>14}  blocked {:>6}  cures {:>6}  recovered {:>18}\n",
            arm.arm,
            arm.cases,
            contacts,
            cost.to_grouped_string(),
            arm.blocked,
            arm.cures,
            arm.recovered.to_grouped_string()
        ));
        for (channel, n, channel_cost) in &arm.contacts {
            out.push_str(&format!(
                "      {channel:<14} {n:>8}  {:>14}\n",
                channel_cost.to_grouped_string()
            ));
        }
    }
    std::io::Write::write_all(&mut std::io::stdout().lock(), out.as_bytes())
        .context("cannot write to standard output")?;
    Ok(ExitCode::SUCCESS)
}

fn check(path: &Path) -> anyhow::Result<ExitCode> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("error: cannot read {}: {error}", path.display());
            return Ok(ExitCode::from(1));
        }
    };
    let name = path.display().to_string();
    match recoup_strategy::parse_strategy(&name, &text) {
        Ok(strategy) => {
            let mut out = format!("{name}: strategy `{}` is valid\n", strategy.name());
            let segments: Vec<&str> = strategy.segment_names().collect();
            out.push_str(&format!(
                "  segments ({}): {}\n",
                segments.len(),
                segments.join(", ")
            ));
            for arm in strategy.arms() {
                let treatments: usize = ALL_STAGES
                    .iter()
                    .map(|stage| arm.treatment_count(*stage))
                    .sum();
                out.push_str(&format!(
                    "  arm `{}`: {}% of cases, {treatments} treatment rules across stages\n",
                    arm.name(),
                    arm.share()
                ));
            }
            // Every template the strategy names must exist and pass language QA.
            let inspector = recoup_qa::Inspector::shipped().context("the shipped QA lexicons")?;
            let mut missing = Vec::new();
            for (file, text) in [
                (
                    "strategies/templates/zh-CN.toml",
                    recoup_qa::templates::SHIPPED_ZH_CN,
                ),
                (
                    "strategies/templates/en.toml",
                    recoup_qa::templates::SHIPPED_EN,
                ),
            ] {
                let book = recoup_qa::TemplateBook::parse(file, text, &inspector)
                    .map_err(|errors| anyhow::anyhow!("{errors}"))?;
                for arm in strategy.arms() {
                    for id in book.missing(arm.templates()) {
                        missing.push(format!("{name}: template `{id}` is not in {file}"));
                    }
                }
                let used: std::collections::BTreeSet<&str> =
                    strategy.arms().iter().flat_map(|a| a.templates()).collect();
                out.push_str(&format!(
                    "  templates: {} used, {} in {file}\n",
                    used.len(),
                    book.len()
                ));
            }
            std::io::Write::write_all(&mut std::io::stdout().lock(), out.as_bytes())
                .context("cannot write to standard output")?;
            if missing.is_empty() {
                Ok(ExitCode::SUCCESS)
            } else {
                missing.dedup();
                eprintln!("{}", missing.join("\n"));
                Ok(ExitCode::from(1))
            }
        }
        Err(errors) => {
            eprintln!("{errors}");
            Ok(ExitCode::from(1))
        }
    }
}

const ALL_STAGES: [Stage; 8] = [
    Stage::PreDue,
    Stage::Early,
    Stage::Middle,
    Stage::Late,
    Stage::Legal,
    Stage::AssetPreservation,
    Stage::Agency,
    Stage::WrittenOff,
];
