//! `kensa cache status` and `kensa cache clean`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::args::CacheLocation;

/// Counts (and with `clean`, removes) the layer cache under `--cache-dir` or
/// the per-user cache directory: only its `layers` directory, never the
/// database beside it.
pub(crate) fn status(location: &CacheLocation, clean: bool) -> Result<ExitCode> {
    let root = location
        .cache_dir
        .clone()
        .or_else(crate::settings::user_cache_directory)
        .context("cannot find a cache directory (set --cache-dir, KENSA_CACHE_DIR, XDG_CACHE_HOME or HOME)")?;
    // Cleaning with no cache there reports the (empty) status instead.
    let cleared = if clean { kensa_source::clear_layer_cache(&root)? } else { None };
    let removed = cleared.is_some();
    let usage = cleared.unwrap_or_else(|| kensa_source::layer_cache_usage(&root));
    let size = format!("{:.1} MiB", usage.bytes as f64 / (1024.0 * 1024.0));
    let mut stdout = std::io::stdout().lock();
    if removed {
        writeln!(
            stdout,
            "removed {} cached layers and {} image configs ({size}) from {}",
            usage.layers,
            usage.configs,
            usage.directory.display()
        )?;
    } else {
        writeln!(
            stdout,
            "{}: {} cached layers, {} image configs, {size}",
            usage.directory.display(),
            usage.layers,
            usage.configs
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
