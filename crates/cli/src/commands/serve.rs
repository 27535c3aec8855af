//! `recoup serve`: the HTTP API on a listen address until Ctrl-C or SIGTERM.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use recoup_server::{AppState, OversightSettings, TemplateFlag};
use recoup_store::Store;

use crate::commands::open_store;
use crate::config::{Settings, SystemClock};

const SHIPPED_STRATEGY: &str = include_str!("../../../../strategies/cn-default.toml");

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
        oversight: oversight(settings),
        ..settings.server.config.clone()
    };
    let outbound = outbound(settings)?;
    let state = AppState::new(store.clone(), Arc::new(SystemClock), config).with_outbound(outbound);
    // The outbox sends the day's planned SMS; it stops (finishing its round) with the server.
    let (stop_outbox, stopped) = tokio::sync::watch::channel(false);
    let outbox = settings.outbound.outbox_interval.map(|interval| {
        eprintln!(
            "recoup: sending planned SMS every {} s (at most {} a round)",
            interval.as_secs(),
            settings.outbound.outbox_batch
        );
        let mut stopped = stopped.clone();
        tokio::spawn(recoup_server::run_outbox(
            state.clone(),
            interval,
            settings.outbound.outbox_batch,
            async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            },
        ))
    });
    let served = recoup_server::serve(listener, state, recoup_server::shutdown_signal()).await;
    let _ = stop_outbox.send(true);
    if let Some(outbox) = outbox {
        if let Err(error) = outbox.await {
            tracing::error!(%error, "the outbox task ended abnormally");
        }
    }
    served.context("the server stopped with an error")?;
    store.close().await;
    eprintln!("recoup: stopped");
    Ok(ExitCode::SUCCESS)
}

/// The guard of the active profile, the templates, the SMS gateway and the dialer, from
/// `[collections]`, `[sms]` and `[dialer]`.
fn outbound(settings: &Settings) -> anyhow::Result<recoup_server::Outbound> {
    use recoup_compliance::{Guard, Profile};
    let name = &settings.collections.profile;
    let profile = match Profile::builtin(name) {
        Ok(profile) => profile,
        Err(_) => Profile::load(std::path::Path::new(name))
            .with_context(|| format!("compliance profile {name}"))?,
    };
    let templates = crate::commands::plan::load_templates(settings)?;
    let outbound = &settings.outbound;
    let sms: Option<Arc<dyn recoup_channels::SmsGateway>> = match &outbound.kannel {
        None => None,
        Some(kannel) => Some(Arc::new(
            recoup_channels::KannelGateway::new(kannel.clone())
                .map_err(|e| anyhow::anyhow!("{e}"))?,
        )),
    };
    let dialer = match &outbound.dialer {
        None => None,
        Some(dialer) => Some(
            recoup_channels::DialerHook::new(dialer.clone()).map_err(|e| anyhow::anyhow!("{e}"))?,
        ),
    };
    Ok(recoup_server::Outbound {
        guard: Guard::new(profile),
        templates,
        templates_source: settings
            .collections
            .templates
            .as_ref()
            .map_or_else(|| "zh-CN".to_string(), |path| path.display().to_string()),
        inspector: recoup_qa::Inspector::shipped().context("the shipped QA lexicons")?,
        sms,
        dlr_token: outbound.dlr_token.clone(),
        lender: outbound.lender.clone(),
        service_phone: outbound.service_phone.clone(),
        dialer,
    })
}

/// What the strategy, compliance and admin pages show: the configured strategy's outline, the
/// `[assignment]` settings and the templates with warn-tier QA terms. A strategy or template
/// file that cannot be read is reported and left out; the server still serves.
fn oversight(settings: &Settings) -> OversightSettings {
    let strategy = match &settings.collections.strategy {
        None => Ok((
            "strategies/cn-default.toml".to_string(),
            SHIPPED_STRATEGY.to_string(),
        )),
        Some(path) => std::fs::read_to_string(path)
            .map(|text| (path.display().to_string(), text))
            .map_err(|error| format!("cannot read strategy file {}: {error}", path.display())),
    }
    .and_then(|(file, text)| {
        recoup_strategy::outline_strategy(&file, &text)
            .map(|outline| Arc::new((file, outline)))
            .map_err(|errors| errors.to_string())
    });
    let strategy = match strategy {
        Ok(strategy) => Some(strategy),
        Err(error) => {
            eprintln!("warning: the strategy page will be empty: {error}");
            None
        }
    };
    let template_flags = match crate::commands::plan::load_templates(settings) {
        Ok(book) => book
            .iter()
            .filter(|(_, template)| !template.warnings.is_empty())
            .map(|(id, template)| TemplateFlag {
                id: id.to_string(),
                channel: template.channel.clone(),
                text: template.text.clone(),
                terms: template.warnings.clone(),
            })
            .collect(),
        Err(error) => {
            eprintln!("warning: template QA flags will be empty: {error:#}");
            Vec::new()
        }
    };
    OversightSettings {
        strategy,
        assignment: settings.assignment.clone(),
        template_flags,
    }
}
