//! `kensa db mirror DIR`: keeps a directory in OSV's bucket layout in step
//! with the upstream bucket, so one machine downloads and many update from
//! it (any static HTTP server can serve the directory).
//!
//! The first run downloads each ecosystem's `all.zip` and unpacks its records
//! beside it; later runs compare the upstream `modified_id.csv` with the one
//! mirrored last time and fetch only the records whose time differs. Files
//! are written so that a client reading the mirror mid-run never sees a list
//! naming a record the mirror does not have: records first, then `all.zip`,
//! then `modified_id.csv`, each written beside its final name and renamed.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::http::{Fetched, HttpClient, Validators};
use crate::{DOCUMENT_LIMIT, UpdateError, UpdateOptions, ZIP_LIMIT, bucket_url, parse_modified};

/// What a mirror run did.
#[derive(Debug, Clone, Default)]
pub struct MirrorReport {
    /// Per ecosystem: records written (all of them on a first run).
    pub ecosystems: Vec<(String, u64)>,
    /// HTTP requests made.
    pub requests: u64,
    /// Response bytes received.
    pub bytes: u64,
}

fn io_error(operation: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> UpdateError {
    let path = path.display().to_string();
    move |source| UpdateError::Io { operation, path, source }
}

/// Writes `bytes` beside `path` and renames it into place (synced: a
/// mirror others update from must never serve a torn file).
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), UpdateError> {
    kensa_fs::replace::replace_file(path, bytes, "partial", kensa_fs::replace::Durability::Synced)
        .map_err(io_error("write", path))
}

/// A name from upstream used as a directory or file name: nothing that could
/// leave the mirror directory.
fn safe_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\', '\0']) && !name.starts_with('.')
}

/// Brings `directory` up to date with the bucket at `options.osv_url`, and
/// copies the KEV and EPSS catalogs beside it under their URLs' file names.
pub fn mirror(directory: &Path, options: &UpdateOptions) -> Result<MirrorReport, UpdateError> {
    std::fs::create_dir_all(directory).map_err(io_error("create directory", directory))?;
    let mut client = HttpClient::new(options.ca_file.as_deref(), options.proxy.clone())?;
    client.progress = options.progress.clone();
    let mut report = MirrorReport::default();
    let fetch = |url: &str, limit: u64| -> Result<Vec<u8>, UpdateError> {
        match client.get(url, limit, &Validators::default())? {
            Fetched::Body(body, _) => Ok(body),
            Fetched::NotFound | Fetched::NotModified => {
                Err(UpdateError::Http { url: url.to_owned(), message: "not found (HTTP 404)".to_owned() })
            }
        }
    };
    let base = options.osv_url.trim_end_matches('/');
    let listed_url = format!("{base}/ecosystems.txt");
    let listed = String::from_utf8_lossy(&fetch(&listed_url, DOCUMENT_LIMIT)?).into_owned();
    let mut ecosystems: Vec<String> = listed
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .filter(|line| options.ecosystems.is_empty() || options.ecosystems.iter().any(|wanted| wanted == line))
        .map(str::to_owned)
        .collect();
    ecosystems.retain(|ecosystem| safe_name(ecosystem));
    for ecosystem in &ecosystems {
        let folder = directory.join(ecosystem);
        std::fs::create_dir_all(&folder).map_err(io_error("create directory", &folder))?;
        let csv_url = bucket_url(base, ecosystem, "modified_id.csv");
        let csv = fetch(&csv_url, DOCUMENT_LIMIT)?;
        let upstream = parse_modified(&csv, &csv_url)?;
        let held_path = folder.join("modified_id.csv");
        let zip_path = folder.join("all.zip");
        let written = if zip_path.exists() && held_path.exists() {
            let held_bytes = std::fs::read(&held_path).map_err(io_error("read", &held_path))?;
            let held: BTreeMap<String, i128> = parse_modified(&held_bytes, &held_path.display().to_string())?
                .into_iter()
                .map(|entry| (entry.id, entry.at))
                .collect();
            let mut written = 0;
            for entry in &upstream {
                if held.get(&entry.id) == Some(&entry.at) || !safe_name(&entry.id) {
                    continue;
                }
                let url = bucket_url(base, ecosystem, &format!("{}.json", entry.id));
                let record = fetch(&url, DOCUMENT_LIMIT)?;
                write_atomically(&folder.join(format!("{}.json", entry.id)), &record)?;
                written += 1;
            }
            if written > 0 {
                write_atomically(&zip_path, &zip_records(&folder, &upstream)?)?;
            }
            written
        } else {
            let zip_url = bucket_url(base, ecosystem, "all.zip");
            let zip = fetch(&zip_url, ZIP_LIMIT)?;
            let written = unpack_records(&zip, &folder, &zip_url)?;
            write_atomically(&zip_path, &zip)?;
            written
        };
        write_atomically(&held_path, &csv)?;
        report.ecosystems.push((ecosystem.clone(), written));
    }
    let listed: String = ecosystems.iter().map(|ecosystem| format!("{ecosystem}\n")).collect();
    write_atomically(&directory.join("ecosystems.txt"), listed.as_bytes())?;
    // The catalogs are kept under the file name their URL ends with
    // (`known_exploited_vulnerabilities.json`, `epss_scores-current.csv.gz`).
    for (url, fallback) in [
        (options.kev_url.as_deref(), "known_exploited_vulnerabilities.json"),
        (options.epss_url.as_deref(), "epss_scores-current.csv.gz"),
    ] {
        let Some(url) = url else { continue };
        let name =
            url.rsplit('/').next().map(|last| last.split('?').next().unwrap_or(last)).filter(|name| safe_name(name));
        let catalog = fetch(url, crate::EPSS_LIMIT)?;
        write_atomically(&directory.join(name.unwrap_or(fallback)), &catalog)?;
    }
    report.requests = client.requests.get();
    report.bytes = client.transferred.get();
    Ok(report)
}

/// Writes every `<id>.json` of an upstream `all.zip` into `folder`.
fn unpack_records(zip: &[u8], folder: &Path, url: &str) -> Result<u64, UpdateError> {
    let invalid = |message: String| UpdateError::Feed { url: url.to_owned(), what: "zip of OSV records", message };
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).map_err(|error| invalid(error.to_string()))?;
    let mut written = 0;
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(|error| invalid(error.to_string()))?;
        let name = entry.name().map(std::borrow::Cow::into_owned).unwrap_or_default();
        if !entry.is_file() || !name.ends_with(".json") || !safe_name(&name) {
            continue;
        }
        let mut bytes = Vec::new();
        (&mut entry)
            .take(DOCUMENT_LIMIT.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|error| invalid(format!("entry {name}: {error}")))?;
        if bytes.len() as u64 > DOCUMENT_LIMIT {
            return Err(invalid(format!("entry {name} is over the {DOCUMENT_LIMIT}-byte limit")));
        }
        write_atomically(&folder.join(&name), &bytes)?;
        written += 1;
    }
    Ok(written)
}

/// A new `all.zip` of the records a list names, from the mirrored files.
fn zip_records(folder: &Path, entries: &[crate::Modified]) -> Result<Vec<u8>, UpdateError> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let zip_error = |error: zip::result::ZipError| UpdateError::Io {
        operation: "write",
        path: folder.join("all.zip").display().to_string(),
        source: std::io::Error::other(error.to_string()),
    };
    let mut ids: Vec<&str> = entries.iter().map(|entry| entry.id.as_str()).filter(|id| safe_name(id)).collect();
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        let path: PathBuf = folder.join(format!("{id}.json"));
        let Ok(bytes) = std::fs::read(&path) else { continue };
        zip.start_file(format!("{id}.json"), zip::write::SimpleFileOptions::default()).map_err(zip_error)?;
        zip.write_all(&bytes).map_err(io_error("write", &path))?;
    }
    Ok(zip.finish().map_err(zip_error)?.into_inner())
}
