//! Logging: tracing to stderr, quiet by default, `-v` for more, `RUST_LOG` to choose.

use tracing_subscriber::EnvFilter;

pub fn init(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    // sqlx warns about every statement over a second; long reports and end-of-day over a big
    // book have such statements by design, so its notices show only when asked for.
    let quiet_sqlx = if verbose == 0 {
        ",sqlx::query=error"
    } else {
        ""
    };
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("{default}{quiet_sqlx}")));
    // A second init (tests running commands in-process) is harmless; ignore it.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
