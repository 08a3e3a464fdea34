//! The server's logs: `tracing` to standard error, text or JSON lines,
//! filtered by `KENSA_LOG` (`info` by default).

pub(crate) fn install(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("KENSA_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}
