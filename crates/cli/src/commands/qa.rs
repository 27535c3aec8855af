//! `recoup qa check [--text T | FILE]`: inspect a template or notes against the shipped
//! lexicons and list every hit; exit status 1 when a block-tier term is found, so compliance
//! officers can test a template before it is used.

use std::process::ExitCode;

use anyhow::Context;

use crate::cli::QaCommand;

pub fn run(command: &QaCommand) -> anyhow::Result<ExitCode> {
    let QaCommand::Check { text, file } = command;
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
    let inspector = match recoup_qa::Inspector::shipped() {
        Ok(inspector) => inspector,
        Err(errors) => anyhow::bail!("the shipped lexicons do not load:\n{errors}"),
    };
    let (report, status) = recoup_qa::check_report(&inspector, &text);
    std::io::Write::write_all(&mut std::io::stdout().lock(), report.as_bytes())
        .context("cannot write to standard output")?;
    Ok(if status == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
