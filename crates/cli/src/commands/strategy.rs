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
    }
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
            std::io::Write::write_all(&mut std::io::stdout().lock(), out.as_bytes())
                .context("cannot write to standard output")?;
            Ok(ExitCode::SUCCESS)
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
