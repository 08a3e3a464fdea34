//! Settings the binary takes from the user's environment: where the database
//! and the layer cache live, where the local engines listen, the report time.
//! The only module that reads environment variables other than through clap;
//! the library crates are handed the values.

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::args::{DatabaseLocation, ImageSource};

/// `kensa` in the per-user cache directory (`$XDG_CACHE_HOME`, else `~/.cache`).
pub(crate) fn user_cache_directory() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|path| path.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .map(|cache| cache.join("kensa"))
}

/// The database path: `--db`, `KENSA_DB`, or the per-user cache directory.
pub(crate) fn database_path(location: &DatabaseLocation) -> Result<PathBuf> {
    if let Some(path) = &location.db {
        return Ok(path.clone());
    }
    let cache =
        user_cache_directory().context("cannot find a cache directory (set --db, KENSA_DB, XDG_CACHE_HOME or HOME)")?;
    Ok(cache.join("advisories.redb"))
}

/// Where image layers are cached: `--cache-dir`, else the per-user cache
/// directory; none with `--no-cache` (or when there is no home to cache in).
pub(crate) fn layer_cache_directory(source: &ImageSource) -> Option<PathBuf> {
    if source.no_cache {
        return None;
    }
    source.cache_dir.clone().or_else(user_cache_directory)
}

/// Where the Docker Engine and Podman listen, as this user's environment says.
pub(crate) fn engine_environment() -> kensa_source::EngineEnvironment {
    kensa_source::EngineEnvironment {
        docker_host: std::env::var("DOCKER_HOST").ok(),
        container_host: std::env::var("CONTAINER_HOST").ok(),
        runtime_directory: std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from),
    }
}

/// The feeds a scan's first download reads: the same variables `kensa db
/// update` takes through its options.
pub(crate) fn first_download_options(ecosystems: Vec<String>) -> kensa_update::UpdateOptions {
    kensa_update::UpdateOptions {
        osv_url: std::env::var("KENSA_OSV_URL").unwrap_or_else(|_| kensa_update::DEFAULT_OSV_URL.to_owned()),
        ecosystems,
        listed_only: true,
        kev_url: Some(std::env::var("KENSA_KEV_URL").unwrap_or_else(|_| kensa_update::DEFAULT_KEV_URL.to_owned())),
        epss_url: Some(std::env::var("KENSA_EPSS_URL").unwrap_or_else(|_| kensa_update::DEFAULT_EPSS_URL.to_owned())),
        ca_file: std::env::var_os("SSL_CERT_FILE").map(PathBuf::from),
        proxy: kensa_http::proxy_from_environment(),
        progress: crate::progress::terminal_progress(),
        ..kensa_update::UpdateOptions::default()
    }
}

/// The time reports that need one are stamped with (SPDX's creation time,
/// ASFF's and OCSF's event times), in milliseconds since the Unix epoch:
/// `SOURCE_DATE_EPOCH` (seconds) when set, as reproducible builds expect, so
/// those outputs too can be byte-identical between runs; else now.
pub(crate) fn report_time_milliseconds() -> u64 {
    let pinned = std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|text| text.trim().parse::<u64>().ok());
    match pinned {
        Some(seconds) => seconds.saturating_mul(1000),
        None => kensa_model::time::now_milliseconds(),
    }
}

/// Whether colour may be used on a terminal (`NO_COLOR` unset).
pub(crate) fn colour_allowed() -> bool {
    std::env::var_os("NO_COLOR").is_none()
}

/// Credentials for a Kensa server, read as AWS tools read them:
/// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`, else the profile (given,
/// `AWS_PROFILE`, or `default`) of `AWS_SHARED_CREDENTIALS_FILE` or
/// `~/.aws/credentials`.
pub(crate) fn server_credentials(profile: Option<&str>) -> anyhow::Result<(String, String)> {
    if profile.is_none()
        && let (Ok(id), Ok(secret)) = (std::env::var("AWS_ACCESS_KEY_ID"), std::env::var("AWS_SECRET_ACCESS_KEY"))
        && !id.is_empty()
    {
        return Ok((id, secret));
    }
    let profile = profile.unwrap_or("default");
    let path = match std::env::var_os("AWS_SHARED_CREDENTIALS_FILE") {
        Some(path) => PathBuf::from(path),
        None => std::env::var_os("HOME")
            .map(|home| PathBuf::from(home).join(".aws").join("credentials"))
            .ok_or_else(|| anyhow::anyhow!("no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"))?,
    };
    let text = std::fs::read_to_string(&path).map_err(|error| {
        anyhow::anyhow!("no credentials: AWS_ACCESS_KEY_ID is not set and {} cannot be read: {error}", path.display())
    })?;
    let (mut id, mut secret, mut inside) = (None, None, false);
    for line in text.lines().map(str::trim) {
        if let Some(section) = line.strip_prefix('[').and_then(|rest| rest.strip_suffix(']')) {
            inside = section.trim() == profile;
        } else if inside && let Some((key, value)) = line.split_once('=') {
            match key.trim() {
                "aws_access_key_id" => id = Some(value.trim().to_string()),
                "aws_secret_access_key" => secret = Some(value.trim().to_string()),
                _ => {}
            }
        }
    }
    match (id, secret) {
        (Some(id), Some(secret)) => Ok((id, secret)),
        _ => anyhow::bail!(
            "profile '{profile}' in {} has no aws_access_key_id and aws_secret_access_key",
            path.display()
        ),
    }
}

/// `KENSA_CONFIG`: the server's configuration file.
pub(crate) fn server_config_file() -> Option<PathBuf> {
    std::env::var_os("KENSA_CONFIG").filter(|path| !path.is_empty()).map(PathBuf::from)
}

/// The AWS-style profile named by `AWS_PROFILE`, for commands without a `--profile`.
pub(crate) fn aws_profile() -> Option<String> {
    std::env::var("AWS_PROFILE").ok().filter(|profile| !profile.is_empty())
}

/// The region requests are signed for: `AWS_REGION`, `AWS_DEFAULT_REGION`, else `us-east-1`.
pub(crate) fn server_region() -> String {
    ["AWS_REGION", "AWS_DEFAULT_REGION"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|value| !value.is_empty()))
        .unwrap_or_else(|| "us-east-1".to_string())
}
