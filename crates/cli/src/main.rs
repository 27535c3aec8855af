//! The `recoup` binary: parses the command line and hands over to [`recoup::run`].

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = recoup::cli::Cli::parse();
    recoup::telemetry::init(cli.verbose);
    match recoup::run(cli) {
        Ok(code) => code,
        // A reader that stops early (`recoup schedule … | head`) is not an error.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .chain()
        .filter_map(|cause| cause.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}
