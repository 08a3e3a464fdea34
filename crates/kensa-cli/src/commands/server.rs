//! `kensa server init` and `kensa server run`: the service around
//! `kensa-server`, on a tokio runtime built here (the rest of the CLI is
//! synchronous).

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::args::{ServerCommand, ServerStore};

fn config(store: &ServerStore) -> kensa_server::ServerConfig {
    let mut config = kensa_server::ServerConfig::new(&store.data_dir);
    config.database_url = store.database.clone();
    config
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")
}

pub(crate) fn run(command: ServerCommand) -> Result<ExitCode> {
    match command {
        ServerCommand::Init { store } => {
            let config = config(&store);
            let issued = runtime()?.block_on(kensa_server::init(&config))?;
            let mut stdout = std::io::stdout().lock();
            serde_json::to_writer_pretty(&mut stdout, &issued).context("cannot write the credentials")?;
            writeln!(stdout).context("cannot write the credentials")?;
            Ok(ExitCode::SUCCESS)
        }
        ServerCommand::Run {
            config: _,
            store,
            listen,
            region,
            workers,
            job_lease_seconds,
            db_update_interval,
            no_db_update,
            closed_finding_retention,
            deleted_resource_retention,
            sources,
            feeds,
            native_feeds,
            log_json,
        } => {
            crate::logging::install(log_json);
            let mut config = config(&store);
            config.region = region;
            config.job_lease_seconds = i64::from(job_lease_seconds.max(3));
            config.retention = kensa_server::Retention {
                closed_findings_seconds: closed_finding_retention,
                deleted_resources_seconds: deleted_resource_retention,
            };
            if !no_db_update {
                let options = kensa_update::UpdateOptions {
                    native_feeds: native_feeds
                        .then_some(kensa_update::DEFAULT_NATIVE_FEEDS)
                        .into_iter()
                        .flatten()
                        .map(|url| (*url).to_owned())
                        .chain(feeds)
                        .collect(),
                    // A server logs; it draws no progress bars.
                    progress: None,
                    ..sources.into_options()
                };
                config.updates =
                    Some(kensa_server::DatabaseUpdates { options, interval_seconds: db_update_interval.max(0) });
            }
            if let Some(workers) = workers {
                config.workers = workers.max(1);
            }
            runtime()?.block_on(async move {
                let server = kensa_server::start(config, &listen).await?;
                // The bound address, for scripts that asked for port 0.
                let _ = writeln!(std::io::stderr(), "kensa server listening on http://{}", server.address);
                shutdown_signal().await;
                tracing::info!("shutting down: finishing in-flight requests and jobs");
                server.shutdown().await;
                anyhow::Ok(())
            })?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(_) => {
                let _ = interrupt.await;
                return;
            }
        };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
