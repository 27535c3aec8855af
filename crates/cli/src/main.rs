//! The `recoup` binary: parses the command line and hands over to [`recoup::run`].

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = recoup::cli::Cli::parse();
    recoup::telemetry::init(cli.verbose);
    match recoup::run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
