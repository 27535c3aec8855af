//! The `recoup` command line as a library, so integration tests drive the same code as users.
//!
//! Each subcommand lives in `commands/`; this file only wires the parsed arguments to them.

pub mod cli;
pub mod commands;
pub mod config;
pub mod progress;
pub mod telemetry;

use std::process::ExitCode;

use anyhow::Context;

use crate::cli::{Cli, Command};

/// Runs a parsed command line. `Ok` carries the exit code: 0 success, 1 bad input (the error
/// has been printed), errors of the system itself come back as `Err`.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    // Calculators and checkers need no settings, so a broken recoup.toml does not stop them.
    match &cli.command {
        Command::Schedule(args) => return commands::schedule::run(args),
        Command::Strategy(command @ cli::StrategyCommand::Check { .. }) => {
            return commands::strategy::run(command)
        }
        Command::Qa(command) => return commands::qa::run(command),
        _ => {}
    }
    let settings = match config::Settings::load(cli.config.as_deref()) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("error: {error:#}");
            return Ok(ExitCode::from(1));
        }
    };
    if let Command::Strategy(command @ cli::StrategyCommand::Simulate { .. }) = &cli.command {
        return commands::simulate::run(&settings, command);
    }
    runtime.block_on(async move {
        match cli.command {
            Command::Schedule(args) => commands::schedule::run(&args),
            Command::Import(args) => {
                commands::import::run(&cli.database_url, &settings, args).await
            }
            Command::Eod(args) => commands::eod::run(&cli.database_url, &settings, &args).await,
            Command::Report(args) => {
                commands::report::run(&cli.database_url, &settings, &args).await
            }
            Command::Demo(args) => {
                commands::demo::run(
                    cli.database_url_given.then_some(cli.database_url.as_str()),
                    &settings,
                    &args,
                )
                .await
            }
            Command::Bench(args) => commands::bench::run(&cli.database_url, &settings, &args).await,
            Command::Plan { date, format } => {
                commands::plan::run(&cli.database_url, date, format).await
            }
            Command::Compliance(command) => {
                commands::plan::compliance_report(&cli.database_url, &command).await
            }
            Command::Strategy(command) => {
                commands::strategy::results(&cli.database_url, &command).await
            }
            Command::Qa(command) => commands::qa::run(&command),
            Command::Serve(args) => {
                commands::serve::run(&cli.database_url, &settings, args.listen.as_deref()).await
            }
            Command::User(command) => {
                commands::user::run(&cli.database_url, &settings, &command).await
            }
            Command::Audit(command) => commands::audit::run(&cli.database_url, &command).await,
            Command::Loan(command) => {
                commands::loan::run(&cli.database_url, &settings, &command).await
            }
        }
    })
}
