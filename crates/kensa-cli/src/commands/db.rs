//! `kensa db …`: build, update, mirror, export, import, status, show.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use crate::args::DbCommand;
use crate::settings::database_path;

pub(crate) fn run(command: DbCommand) -> Result<ExitCode> {
    match command {
        DbCommand::Build { from, verbose, database } => build_database(&from, &database_path(&database)?, verbose),
        DbCommand::Update {
            sources,
            feeds,
            native_feeds,
            full,
            nvd,
            nvd_url,
            nvd_api_key,
            nvd_interval_ms,
            database,
        } => {
            let nvd = (nvd || nvd_url.is_some()).then(|| {
                let default_interval = if nvd_api_key.is_some() { 600 } else { 6000 };
                kensa_update::NvdOptions {
                    url: nvd_url.unwrap_or_else(|| kensa_update::DEFAULT_NVD_URL.to_owned()),
                    api_key: nvd_api_key,
                    request_interval: std::time::Duration::from_millis(nvd_interval_ms.unwrap_or(default_interval)),
                }
            });
            let options = kensa_update::UpdateOptions {
                full,
                nvd,
                native_feeds: native_feeds
                    .then_some(kensa_update::DEFAULT_NATIVE_FEEDS)
                    .into_iter()
                    .flatten()
                    .map(|url| (*url).to_owned())
                    .chain(feeds)
                    .collect(),
                ..sources.into_options()
            };
            update_database(&database_path(&database)?, &options)
        }
        DbCommand::Mirror { directory, sources } => {
            let options = sources.into_options();
            let report = kensa_update::mirror(&directory, &options)
                .with_context(|| format!("cannot mirror into {}", directory.display()))?;
            let mut stderr = std::io::stderr().lock();
            for (ecosystem, written) in &report.ecosystems {
                writeln!(stderr, "  {ecosystem:<24} {written} records written")?;
            }
            writeln!(
                stderr,
                "mirrored into {}: {} requests, {} bytes",
                directory.display(),
                report.requests,
                report.bytes
            )?;
            Ok(ExitCode::SUCCESS)
        }
        DbCommand::Export { file, database } => {
            let path = database_path(&database)?;
            let info = kensa_db::export_bundle(&path, &file)
                .with_context(|| format!("cannot export {} to {}", path.display(), file.display()))?;
            writeln!(
                std::io::stderr(),
                "exported {} ({} bytes, sha256 {}) to {}",
                path.display(),
                info.database_size,
                info.database_sha256,
                file.display()
            )?;
            Ok(ExitCode::SUCCESS)
        }
        DbCommand::Import { file, database } => {
            let path = database_path(&database)?;
            let imported = kensa_db::import_bundle(&file, &path)
                .with_context(|| format!("cannot import {} into {}", file.display(), path.display()))?;
            writeln!(
                std::io::stderr(),
                "imported {} ({} bytes, sha256 {} verified) into {}: {}",
                file.display(),
                imported.bundle.database_size,
                imported.bundle.database_sha256,
                path.display(),
                describe_changes(&imported.changes)
            )?;
            Ok(ExitCode::SUCCESS)
        }
        DbCommand::Status { database } => database_status(&database_path(&database)?),
        DbCommand::Show { id, package, database } => {
            show_advisories(&database_path(&database)?, id.as_deref(), package.as_deref())
        }
    }
}

fn build_database(from: &Path, path: &Path, verbose: bool) -> Result<ExitCode> {
    let started = std::time::Instant::now();
    let report = kensa_db::build_database(from, path)
        .with_context(|| format!("cannot build the advisory database from {}", from.display()))?;
    let mut stderr = std::io::stderr().lock();
    writeln!(
        stderr,
        "built {} from {}: {} advisories ({} withdrawn, {} informational), {} known-exploited CVEs, from {} files in {:.1}s",
        path.display(),
        from.display(),
        report.advisories,
        report.withdrawn,
        report.informational,
        report.known_exploited,
        report.files_read,
        started.elapsed().as_secs_f64()
    )?;
    for (ecosystem, count) in &report.advisories_per_ecosystem {
        writeln!(stderr, "  {ecosystem:<12} {count}")?;
    }
    if !report.duplicates.is_empty() {
        writeln!(
            stderr,
            "{} ids seen in more than one file (the most recently modified record kept, packages only the others name added)",
            report.duplicates.len()
        )?;
    }
    if !report.rejected.is_empty() {
        writeln!(stderr, "rejected {} malformed files:", report.rejected.len())?;
        for rejected in &report.rejected {
            writeln!(stderr, "  {}: {}", rejected.path, rejected.reason)?;
        }
    }
    write_kept_with_notes(&mut stderr, &report.notes, verbose)?;
    if !report.skipped.is_empty() {
        writeln!(stderr, "skipped {} files that are not advisories Kensa reads:", report.skipped.len())?;
        if verbose {
            for skipped in &report.skipped {
                writeln!(stderr, "  {}: {}", skipped.path, skipped.reason)?;
            }
        } else {
            let mut by_reason: std::collections::BTreeMap<&str, Vec<&str>> = std::collections::BTreeMap::new();
            for skipped in &report.skipped {
                by_reason.entry(skipped.reason.as_str()).or_default().push(skipped.path.as_str());
            }
            for (reason, paths) in by_reason {
                let examples: Vec<&str> = paths.iter().take(3).copied().collect();
                let more = if paths.len() > 3 {
                    format!(", … ({} more; --verbose lists all)", paths.len() - 3)
                } else {
                    String::new()
                };
                writeln!(stderr, "  {} × {reason}: {}{more}", paths.len(), examples.join(", "))?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Records kept with a part left out (malformed CVSS vectors): the first
/// ten, or all of them with `--verbose`.
fn write_kept_with_notes(stderr: &mut dyn Write, notes: &[kensa_db::SkippedFile], verbose: bool) -> Result<()> {
    if notes.is_empty() {
        return Ok(());
    }
    writeln!(stderr, "{} records kept with a part left out:", notes.len())?;
    let shown = if verbose { notes.len() } else { 10 };
    for note in notes.iter().take(shown) {
        writeln!(stderr, "  {}: {}", note.path, note.reason)?;
    }
    if notes.len() > shown {
        writeln!(stderr, "  … {} more (--verbose lists all)", notes.len() - shown)?;
    }
    Ok(())
}

fn update_database(path: &Path, options: &kensa_update::UpdateOptions) -> Result<ExitCode> {
    let started = std::time::Instant::now();
    let report = kensa_update::update(path, options).with_context(|| format!("cannot update {}", path.display()))?;
    let mut stderr = std::io::stderr().lock();
    for (source, how) in &report.sources {
        match how {
            kensa_update::SourceUpdate::Full { records } => {
                writeln!(stderr, "  {source:<24} full download, {records} records")?
            }
            kensa_update::SourceUpdate::Incremental { records } => {
                writeln!(stderr, "  {source:<24} {records} records changed since the last update")?
            }
        }
    }
    for rejected in &report.rejected {
        writeln!(stderr, "  malformed record left out: {}: {}", rejected.path, rejected.reason)?;
    }
    write_kept_with_notes(&mut stderr, &report.notes, false)?;
    writeln!(
        stderr,
        "{} {}: {} advisories added, {} replaced ({}); {} requests, {} bytes, {:.1}s",
        if report.rebuilt { "built" } else { "updated" },
        path.display(),
        report.added,
        report.replaced,
        describe_changes(&report.changes),
        report.requests,
        report.bytes,
        started.elapsed().as_secs_f64()
    )?;
    Ok(ExitCode::SUCCESS)
}

fn show_advisories(path: &Path, id: Option<&str>, package: Option<&str>) -> Result<ExitCode> {
    let database = kensa_db::Database::open(path)?;
    let advisories = match (id, package) {
        (Some(id), _) => database.advisory(id)?.into_iter().collect::<Vec<_>>(),
        (None, Some(package)) => {
            let (ecosystem, name) =
                package.split_once('/').context("--package takes ECOSYSTEM/NAME, e.g. PyPI/requests")?;
            let ecosystem: kensa_model::Ecosystem = ecosystem.parse()?;
            database.advisories_for_package(ecosystem, &ecosystem.normalize_name(name))?
        }
        (None, None) => bail!("give an advisory id or --package ECOSYSTEM/NAME"),
    };
    if advisories.is_empty() {
        bail!("no advisory found in {}", path.display());
    }
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut stdout, &advisories)?;
    writeln!(stdout)?;
    Ok(ExitCode::SUCCESS)
}

fn database_status(path: &Path) -> Result<ExitCode> {
    let database = kensa_db::Database::open(path)?;
    let info = database.info()?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "database:        {}", info.path.display())?;
    writeln!(stdout, "format version:  {}", info.schema_version)?;
    writeln!(stdout, "built at:        {} (unix time)", info.built_at)?;
    writeln!(stdout, "advisories:      {}", info.advisories)?;
    writeln!(stdout, "indexed packages: {}", info.packages)?;
    writeln!(stdout, "known exploited: {} CVEs (CISA KEV)", info.known_exploited)?;
    writeln!(stdout, "NVD CVSS:        {} CVEs", info.cve_cvss)?;
    writeln!(stdout, "EPSS scores:     {} CVEs", info.epss)?;
    for (ecosystem, count) in &info.advisories_per_ecosystem {
        writeln!(stdout, "  {ecosystem:<12} {count}")?;
    }
    let state = database.update_state()?;
    let updated: Vec<_> = state.sources.iter().filter(|(_, source)| source.updated_at.is_some()).collect();
    if !updated.is_empty() {
        let now = u64::try_from(kensa_model::time::now_seconds()).unwrap_or(0);
        writeln!(stdout, "sources (last successful update):")?;
        for (name, source) in updated {
            let age = now.saturating_sub(source.updated_at.unwrap_or(0));
            let resume = source.newest_record.as_ref().map(|at| format!(", newest record {at}")).unwrap_or_default();
            writeln!(stdout, "  {name:<24} {} ago{resume}", super::describe_age(age))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A change set in one phrase: how many packages' advisories changed, and
/// what else did.
fn describe_changes(changes: &kensa_db::ChangeSet) -> String {
    if changes.is_empty() {
        return "nothing changed".to_owned();
    }
    let mut parts =
        vec![format!("{} advisories changed for {} packages", changes.advisory_ids().len(), changes.packages.len())];
    if !changes.known_exploited.is_empty() {
        parts.push(format!("{} KEV entries", changes.known_exploited.len()));
    }
    if !changes.cve_cvss.is_empty() {
        parts.push(format!("{} NVD CVSS records", changes.cve_cvss.len()));
    }
    if changes.epss {
        parts.push("new EPSS scores".to_owned());
    }
    parts.join(", ")
}
