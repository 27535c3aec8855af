//! `recoup serve`: the HTTP API on a listen address until Ctrl-C or SIGTERM.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use recoup_server::AppState;
use recoup_store::Store;

use crate::commands::open_store;
use crate::config::{Settings, SystemClock};

pub async fn run(
    database_url: &str,
    settings: &Settings,
    listen: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let store = open_store(database_url).await?;
    serve(store, settings, listen).await
}

/// Serves `store` until a shutdown signal; shared with `recoup demo`.
pub async fn serve(
    store: Store,
    settings: &Settings,
    listen: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let listen = listen.unwrap_or(&settings.server.listen);
    let listener = match tokio::net::TcpListener::bind(listen).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("error: cannot listen on {listen}: {error}");
            return Ok(ExitCode::from(1));
        }
    };
    let address = listener
        .local_addr()
        .context("cannot read the listening address")?;
    eprintln!(
        "recoup: serving http://{address}/ (the web UI) — API docs at http://{address}/api/docs; Ctrl-C to stop"
    );
    let config = recoup_server::ServerConfig {
        buckets: settings.policy.buckets.clone(),
        ..settings.server.config.clone()
    };
    let state = AppState::new(store.clone(), Arc::new(SystemClock), config);
    recoup_server::serve(listener, state, recoup_server::shutdown_signal())
        .await
        .context("the server stopped with an error")?;
    store.close().await;
    eprintln!("recoup: stopped");
    Ok(ExitCode::SUCCESS)
}
