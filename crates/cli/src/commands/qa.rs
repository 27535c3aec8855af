//! `recoup qa check [--text T | FILE] [--facts F]`: inspect a template or notes against the
//! shipped lexicons and list every hit; exit status 1 when a block-tier term or rule is found, so
//! compliance officers can test a template before it is used.
//!
//! `recoup qa score CORPUS.tsv…`: how the shipped lexicons score on labelled sentences (recall
//! and false positives per category, tuning rows and the held-out fifth).

use std::process::ExitCode;

use anyhow::Context;

use crate::cli::QaCommand;

pub fn run(command: &QaCommand) -> anyhow::Result<ExitCode> {
    let inspector = match recoup_qa::Inspector::shipped() {
        Ok(inspector) => inspector,
        Err(errors) => anyhow::bail!("the shipped lexicons do not load:\n{errors}"),
    };
    match command {
        QaCommand::Check { text, file, facts } => check(&inspector, text, file, facts),
        QaCommand::Score { files, misses } => score(&inspector, files, *misses),
    }
}

fn check(
    inspector: &recoup_qa::Inspector,
    text: &Option<String>,
    file: &Option<std::path::PathBuf>,
    facts: &str,
) -> anyhow::Result<ExitCode> {
    let facts: recoup_qa::CaseFacts = match facts.parse() {
        Ok(facts) => facts,
        Err(error) => {
            eprintln!("error: --facts: {error}");
            return Ok(ExitCode::from(2));
        }
    };
    let text = match (text, file) {
        (Some(text), _) => text.clone(),
        (None, Some(path)) => match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) => {
                eprintln!("error: cannot read {}: {error}", path.display());
                return Ok(ExitCode::from(1));
            }
        },
        (None, None) => {
            eprintln!("error: give --text TEXT or a FILE to inspect");
            return Ok(ExitCode::from(1));
        }
    };
    let (report, status) = recoup_qa::check_report(inspector, &text, facts);
    std::io::Write::write_all(&mut std::io::stdout().lock(), report.as_bytes())
        .context("cannot write to standard output")?;
    Ok(if status == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn score(
    inspector: &recoup_qa::Inspector,
    files: &[std::path::PathBuf],
    misses: bool,
) -> anyhow::Result<ExitCode> {
    let mut samples = Vec::new();
    let mut failed = false;
    for path in files {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) => {
                eprintln!("error: cannot read {}: {error}", path.display());
                failed = true;
                continue;
            }
        };
        match recoup_qa::corpus::parse(&path.display().to_string(), &text) {
            Ok(mut parsed) => samples.append(&mut parsed),
            Err(errors) => {
                eprintln!("{errors}");
                failed = true;
            }
        }
    }
    if failed {
        return Ok(ExitCode::from(2));
    }
    let card = recoup_qa::corpus::Scorecard::score(inspector, &samples);
    let mut report = card.report();
    if !misses {
        // Keep the tables and rates; replace the list of wrong rows with its count.
        if let Some(at) = report
            .find("\n\n")
            .and_then(|_| report.rfind(" sentence(s) scored wrong:"))
        {
            let at = report[..at].rfind("\n\n").unwrap_or(at);
            report.truncate(at + 1);
            report.push_str(&format!(
                "{} sentence(s) scored wrong (list them with --misses)\n",
                card.misses.len()
            ));
        }
    }
    std::io::Write::write_all(&mut std::io::stdout().lock(), report.as_bytes())
        .context("cannot write to standard output")?;
    Ok(ExitCode::SUCCESS)
}
