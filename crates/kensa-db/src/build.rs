//! `kensa db build`: feed files in, one database file out.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;

use kensa_fs::replace::{Durability, ReplacementFile};

use kensa_model::{Advisory, CveCvss, KnownExploited};

use crate::DbError;
use crate::store::{ADVISORIES, DB_SCHEMA_VERSION, EPSS, KNOWN_EXPLOITED, META, NVD_CVSS, PACKAGES, package_key};

/// Largest single advisory file read (bytes); real ones are a few KiB, the
/// largest OSV records (kernel CVEs) a few MiB.
const ADVISORY_FILE_LIMIT: u64 = 32 * 1024 * 1024;
/// Largest total uncompressed size read from one zip of advisories.
const ARCHIVE_TOTAL_LIMIT: u64 = 8 * 1024 * 1024 * 1024;

/// A file that did not become advisories, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SkippedFile {
    /// Path relative to the build input.
    pub path: String,
    /// Why it was skipped or rejected.
    pub reason: String,
}

/// What a build did.
#[derive(Debug, Clone, Default)]
pub struct BuildReport {
    /// Files read.
    pub files_read: u64,
    /// Advisories stored, after de-duplication.
    pub advisories: u64,
    /// Advisories per feed source.
    pub advisories_per_source: BTreeMap<String, u64>,
    /// Advisories per ecosystem (an advisory naming two ecosystems counts in both).
    pub advisories_per_ecosystem: BTreeMap<String, u64>,
    /// Withdrawn advisories (stored, never matched).
    pub withdrawn: u64,
    /// Informational advisories (warnings).
    pub informational: u64,
    /// CISA KEV entries stored.
    pub known_exploited: u64,
    /// CVEs with NVD CVSS vectors stored.
    pub cve_cvss: u64,
    /// CVEs with an EPSS score stored.
    pub epss: u64,
    /// Ids seen in more than one file; the most recently modified record was
    /// kept, with the packages only the others named added to it.
    pub duplicates: Vec<String>,
    /// Files that are not advisories of a known format or ecosystem (README, schema, unsupported feed).
    pub skipped: Vec<SkippedFile>,
    /// Advisory files that are malformed.
    pub rejected: Vec<SkippedFile>,
    /// Records kept with a part left out (a malformed CVSS vector): the file,
    /// and the record's id with what was left out and why.
    pub notes: Vec<SkippedFile>,
    /// What replacing the previous database changed (everything, when there
    /// was none or it was of another format version).
    pub changes: crate::ChangeSet,
}

/// Builds a database at `output` from every advisory file under `input` (a
/// directory or a zip archive). The new database replaces any old one atomically.
pub fn build_database(input: &Path, output: &Path) -> Result<BuildReport, DbError> {
    let mut builder = DatabaseBuilder::default();
    if input.is_dir() {
        builder.add_directory(input)?;
    } else {
        builder.add_zip(input)?;
    }
    builder.finish(output, &[])
}

/// Feed files in, one database out: what `kensa db build` and a full
/// `kensa db update` share. Files are parsed as they are added; `finish`
/// writes the database beside `output` and renames it over the old one.
#[derive(Default)]
pub struct DatabaseBuilder {
    advisories: BTreeMap<String, Advisory>,
    known_exploited: BTreeMap<String, KnownExploited>,
    cve_cvss: BTreeMap<String, CveCvss>,
    epss: Option<kensa_advisory::EpssCatalog>,
    report: BuildReport,
}

/// What a [`DatabaseBuilder`] read, for changes to an existing database.
#[derive(Debug, Default)]
pub struct BuilderParts {
    /// Advisories, merged per id.
    pub advisories: Vec<Advisory>,
    /// CISA KEV entries.
    pub known_exploited: Vec<KnownExploited>,
    /// NVD CVSS per CVE.
    pub cve_cvss: Vec<CveCvss>,
    /// The EPSS scores read (the newest day's, when several files were).
    pub epss: Option<kensa_advisory::EpssCatalog>,
    /// The report of what was read.
    pub report: BuildReport,
}

impl DatabaseBuilder {
    /// Parses one feed file (`path` names it in the report and decides its format).
    pub fn add_file(&mut self, path: &str, contents: &[u8]) {
        let report = &mut self.report;
        report.files_read += 1;
        match kensa_advisory::parse_feed_file(path, contents) {
            Ok(kensa_advisory::FeedFile::Advisories(parsed)) => {
                for advisory in parsed {
                    for note in &advisory.notes {
                        let reason = format!("{}: {note}", advisory.id);
                        report.notes.push(SkippedFile { path: path.to_owned(), reason });
                    }
                    keep_newest(&mut self.advisories, advisory, report);
                }
            }
            Ok(kensa_advisory::FeedFile::KnownExploited(entries)) => {
                for entry in entries {
                    self.known_exploited.insert(entry.cve.clone(), entry);
                }
                report.known_exploited = self.known_exploited.len() as u64;
            }
            Ok(kensa_advisory::FeedFile::Cvss(records)) => {
                for record in records {
                    for note in &record.notes {
                        let reason = format!("{}: {note}", record.cve);
                        report.notes.push(SkippedFile { path: path.to_owned(), reason });
                    }
                    // Pages can overlap: the most recently modified record wins.
                    let newer =
                        self.cve_cvss.get(&record.cve).is_none_or(|held| record.last_modified >= held.last_modified);
                    if newer {
                        self.cve_cvss.insert(record.cve.clone(), record);
                    }
                }
                report.cve_cvss = self.cve_cvss.len() as u64;
            }
            Ok(kensa_advisory::FeedFile::Epss(catalog)) => {
                // One day's list replaces another: keep the newest.
                let newer = self.epss.as_ref().is_none_or(|held| catalog.score_date >= held.score_date);
                if newer {
                    report.epss = catalog.scores.len() as u64;
                    self.epss = Some(catalog);
                }
            }
            Ok(_) => {
                report.skipped.push(SkippedFile { path: path.to_owned(), reason: "feed kind not stored".to_owned() });
            }
            Err(kensa_advisory::AdvisoryError::NotAnAdvisory { reason, .. })
            | Err(kensa_advisory::AdvisoryError::Unsupported { reason, .. }) => {
                report.skipped.push(SkippedFile { path: path.to_owned(), reason });
            }
            Err(kensa_advisory::AdvisoryError::Invalid { reason, .. }) => {
                report.rejected.push(SkippedFile { path: path.to_owned(), reason });
            }
            Err(other) => {
                report.rejected.push(SkippedFile { path: path.to_owned(), reason: other.to_string() });
            }
        }
    }

    /// Every file under a directory (zips inside it are read as archives).
    pub fn add_directory(&mut self, input: &Path) -> Result<(), DbError> {
        read_directory(input, self)
    }

    /// Every file in a zip archive on disk.
    pub fn add_zip(&mut self, input: &Path) -> Result<(), DbError> {
        let file = std::fs::File::open(input).map_err(|source| DbError::Io {
            operation: "open",
            path: input.display().to_string(),
            source,
        })?;
        let label = input.file_name().unwrap_or_default().to_string_lossy().into_owned();
        read_zip_labelled(std::io::BufReader::new(file), &input.display().to_string(), &label, self)
    }

    /// Every file in a zip archive read from `reader` (a download held in
    /// memory); `name` labels its entries.
    pub fn add_zip_reader(&mut self, reader: impl Read + std::io::Seek, name: &str) -> Result<(), DbError> {
        read_zip_labelled(reader, name, name, self)
    }

    /// What has been read so far.
    pub fn report(&self) -> &BuildReport {
        &self.report
    }

    /// The advisories and KEV entries read, and the report, without writing a
    /// database: for changes to apply to an existing one.
    pub fn into_parts(self) -> BuilderParts {
        BuilderParts {
            advisories: self.advisories.into_values().collect(),
            known_exploited: self.known_exploited.into_values().collect(),
            cve_cvss: self.cve_cvss.into_values().collect(),
            epss: self.epss,
            report: self.report,
        }
    }

    /// Writes the database (with `meta` pairs added to its meta table) beside
    /// `output` and renames it over any old one.
    pub fn finish(mut self, output: &Path, meta: &[(String, String)]) -> Result<BuildReport, DbError> {
        self.report.known_exploited = self.known_exploited.len() as u64;
        let tables = Tables {
            advisories: &self.advisories,
            known_exploited: &self.known_exploited,
            cve_cvss: &self.cve_cvss,
            epss: self.epss.as_ref(),
        };
        write_database(output, &tables, meta, &mut self.report)?;
        self.report.skipped.sort();
        self.report.rejected.sort();
        self.report.duplicates.sort();
        Ok(self.report)
    }
}

/// When two files carry the same id, keep the one modified last, and carry over
/// any (package, release) only the other one names. Both cases are real: a GHSA
/// record present in two snapshots (the newer one's ranges win); FriendsOfPHP
/// and RubySec, which file one CVE once per affected package; and Alpine's
/// secdb, one file per release, each naming the CVE for its own release.
fn keep_newest(advisories: &mut BTreeMap<String, Advisory>, advisory: Advisory, report: &mut BuildReport) {
    let Some(existing) = advisories.remove(&advisory.id) else {
        advisories.insert(advisory.id.clone(), advisory);
        return;
    };
    report.duplicates.push(advisory.id.clone());
    let (mut kept, other) =
        if advisory.modified > existing.modified { (advisory, existing) } else { (existing, advisory) };
    for affected in other.affected {
        let already_named = kept.affected.iter().any(|present| {
            present.ecosystem == affected.ecosystem
                && present.name == affected.name
                && present.release == affected.release
        });
        if !already_named {
            kept.affected.push(affected);
        }
    }
    for alias in other.aliases {
        if alias != kept.id && !kept.aliases.contains(&alias) {
            kept.aliases.push(alias);
        }
    }
    kept.aliases.sort();
    advisories.insert(kept.id.clone(), kept);
}

fn read_directory(input: &Path, builder: &mut DatabaseBuilder) -> Result<(), DbError> {
    let walker = walkdir::WalkDir::new(input).follow_links(false).sort_by_file_name();
    for item in walker {
        let entry = item.map_err(|error| DbError::Io {
            operation: "walk",
            path: error.path().unwrap_or(input).display().to_string(),
            source: error.into(),
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let relative = entry.path().strip_prefix(input).unwrap_or(entry.path()).to_string_lossy().replace('\\', "/");
        if entry.file_name().to_str().is_some_and(|name| name.starts_with('.')) {
            continue;
        }
        if entry.path().extension().is_some_and(|extension| extension == "zip") {
            // Feed bundles (OSV's all.zip) may sit inside a mirror directory.
            builder.add_zip(entry.path())?;
            continue;
        }
        let size = entry.metadata().map(|metadata| metadata.len()).unwrap_or(0);
        if size > ADVISORY_FILE_LIMIT {
            builder.report.rejected.push(SkippedFile {
                path: relative,
                reason: format!("{size} bytes is over the {ADVISORY_FILE_LIMIT}-byte limit for one advisory file"),
            });
            continue;
        }
        let contents = std::fs::read(entry.path()).map_err(|source| DbError::Io {
            operation: "read",
            path: entry.path().display().to_string(),
            source,
        })?;
        builder.add_file(&relative, &contents);
    }
    Ok(())
}

fn read_zip_labelled(
    reader: impl Read + std::io::Seek,
    archive_name: &str,
    label: &str,
    builder: &mut DatabaseBuilder,
) -> Result<(), DbError> {
    let archive_error = |message: String| DbError::Archive { path: archive_name.to_owned(), message };
    let mut archive = zip::ZipArchive::new(reader).map_err(|error| archive_error(error.to_string()))?;
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(|error| archive_error(error.to_string()))?;
        if !entry.is_file() {
            continue;
        }
        // Entry names are only used as labels (never as paths to write to), but
        // keep them readable and relative.
        let entry_name = entry.name().map(|name| name.trim_start_matches('/').to_owned()).unwrap_or_default();
        let name = kensa_model::nested_location(label, &entry_name);
        let mut contents = Vec::new();
        // The declared size can lie (zip bombs): read at most the limit plus one byte.
        (&mut entry)
            .take(ADVISORY_FILE_LIMIT + 1)
            .read_to_end(&mut contents)
            .map_err(|error| archive_error(format!("entry {entry_name}: {error}")))?;
        total = total.saturating_add(contents.len() as u64);
        if contents.len() as u64 > ADVISORY_FILE_LIMIT {
            builder.report.rejected.push(SkippedFile {
                path: name,
                reason: format!("over the {ADVISORY_FILE_LIMIT}-byte limit for one advisory file"),
            });
            continue;
        }
        if total > ARCHIVE_TOTAL_LIMIT {
            return Err(archive_error(format!(
                "more than {ARCHIVE_TOTAL_LIMIT} bytes uncompressed; refusing to read further"
            )));
        }
        builder.add_file(&name, &contents);
    }
    Ok(())
}

/// What a build writes.
struct Tables<'a> {
    advisories: &'a BTreeMap<String, Advisory>,
    known_exploited: &'a BTreeMap<String, KnownExploited>,
    cve_cvss: &'a BTreeMap<String, CveCvss>,
    epss: Option<&'a kensa_advisory::EpssCatalog>,
}

fn write_database(
    output: &Path,
    tables: &Tables<'_>,
    meta: &[(String, String)],
    report: &mut BuildReport,
) -> Result<(), DbError> {
    if let Some(parent) = output.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| DbError::Io {
            operation: "create directory",
            path: parent.display().to_string(),
            source,
        })?;
    }
    let _lock = WriterLock::acquire(output)?;
    let replacement = replacement_for(output)?;
    write_tables(replacement.path(), tables, meta, report)?;
    // With nothing readable to compare with, everything is new: known from
    // the records in memory, without reading the new file back.
    report.changes = changes_replacing(output, replacement.path(), || Ok(everything_written(tables)))?;
    commit_replacement(replacement, output)
}

/// The change set of a database written from nothing: every record of it.
fn everything_written(tables: &Tables<'_>) -> crate::ChangeSet {
    let mut changes = crate::ChangeSet::default();
    for (id, advisory) in tables.advisories {
        changes.record_advisory(id, None, Some(advisory));
    }
    changes.known_exploited = tables.known_exploited.keys().cloned().collect();
    changes.cve_cvss = tables.cve_cvss.keys().cloned().collect();
    changes.epss = tables.epss.is_some_and(|catalog| !catalog.scores.is_empty());
    changes
}

/// What publishing `replacement` over `output` will change: a diff against
/// the database there, or, when there is none readable by this version (a
/// "rebuild needed" database is replaced whole), `everything`: the whole of
/// the replacement.
pub(crate) fn changes_replacing(
    output: &Path,
    replacement: &Path,
    everything: impl FnOnce() -> Result<crate::ChangeSet, DbError>,
) -> Result<crate::ChangeSet, DbError> {
    match crate::Database::open(output) {
        Ok(previous) => {
            drop(previous);
            crate::changes::diff_databases(output, replacement)
        }
        Err(_) => everything(),
    }
}

/// A new database file beside `output`, to be written by path (redb opens
/// it itself) and committed over `output` (`kensa_fs::replace`: synced,
/// renamed, the directory synced). Dropped uncommitted, it is removed.
pub(crate) fn replacement_for(output: &Path) -> Result<ReplacementFile, DbError> {
    let mut replacement = ReplacementFile::create(output, LEFTOVER_MARKER, Durability::Synced)
        .map_err(|source| DbError::Io { operation: "create", path: output.display().to_string(), source })?;
    replacement.close();
    Ok(replacement)
}

/// Publishes a finished replacement over `output`. Readers that opened the
/// old file keep reading it.
pub(crate) fn commit_replacement(replacement: ReplacementFile, output: &Path) -> Result<(), DbError> {
    replacement.commit().map_err(|source| DbError::Io {
        operation: "replace",
        path: output.display().to_string(),
        source,
    })
}

/// What names a database being written: `<name>.building-<pid>-<n>`.
const LEFTOVER_MARKER: &str = "building";

/// One writer at a time per database: an exclusive lock on `<name>.lock`
/// beside it, held while the new file is written and renamed (readers never
/// take it). The kernel releases it if the process dies, so a killed writer
/// never blocks the next; the next removes the half-written file it left.
pub(crate) struct WriterLock {
    _file: std::fs::File,
}

impl WriterLock {
    pub(crate) fn acquire(output: &Path) -> Result<WriterLock, DbError> {
        let mut name = output.file_name().unwrap_or_default().to_os_string();
        name.push(".lock");
        let path = output.with_file_name(name);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| DbError::Io { operation: "open", path: path.display().to_string(), source })?;
        file.lock().map_err(|source| DbError::Io { operation: "lock", path: path.display().to_string(), source })?;
        kensa_fs::replace::remove_leftovers(output, LEFTOVER_MARKER);
        Ok(WriterLock { _file: file })
    }
}

fn write_tables(
    path: &Path,
    tables: &Tables<'_>,
    meta: &[(String, String)],
    report: &mut BuildReport,
) -> Result<(), DbError> {
    let Tables { advisories, known_exploited, cve_cvss, epss } = *tables;
    let mut database = redb::Database::create(path).map_err(|error| DbError::storage(path, error))?;
    let transaction = database.begin_write().map_err(|error| DbError::storage(path, error))?;
    let mut index: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    {
        let mut table = transaction.open_table(ADVISORIES).map_err(|error| DbError::storage(path, error))?;
        for (id, advisory) in advisories {
            let bytes = crate::record::encode_advisory(advisory, path)?;
            table.insert(id.as_str(), bytes.as_slice()).map_err(|error| DbError::storage(path, error))?;
            *report.advisories_per_source.entry(advisory.source.clone()).or_default() += 1;
            let ecosystems: BTreeSet<&str> =
                advisory.affected.iter().map(|affected| affected.ecosystem.as_str()).collect();
            for ecosystem in ecosystems {
                *report.advisories_per_ecosystem.entry(ecosystem.to_owned()).or_default() += 1;
            }
            if advisory.withdrawn.is_some() {
                report.withdrawn += 1;
            }
            if advisory.informational.is_some() {
                report.informational += 1;
            }
            for affected in &advisory.affected {
                index.entry(package_key(affected.ecosystem, &affected.name)).or_default().insert(id.clone());
            }
        }
    }
    {
        let mut table = transaction.open_table(PACKAGES).map_err(|error| DbError::storage(path, error))?;
        for (key, ids) in &index {
            let bytes = crate::record::encode_ids(ids, path, key)?;
            table.insert(key.as_str(), bytes.as_slice()).map_err(|error| DbError::storage(path, error))?;
        }
    }
    {
        let mut table = transaction.open_table(KNOWN_EXPLOITED).map_err(|error| DbError::storage(path, error))?;
        for (cve, entry) in known_exploited {
            let bytes = crate::record::encode_known_exploited(entry, path)?;
            table.insert(cve.as_str(), bytes.as_slice()).map_err(|error| DbError::storage(path, error))?;
        }
    }
    if !cve_cvss.is_empty() {
        let mut table = transaction.open_table(NVD_CVSS).map_err(|error| DbError::storage(path, error))?;
        for (cve, record) in cve_cvss {
            let bytes = crate::record::encode_cvss(&record.vectors, path, cve)?;
            table.insert(cve.as_str(), bytes.as_slice()).map_err(|error| DbError::storage(path, error))?;
        }
    }
    if let Some(catalog) = epss {
        write_epss(&transaction, path, catalog)?;
    }
    {
        let mut table = transaction.open_table(META).map_err(|error| DbError::storage(path, error))?;
        let built_at = kensa_model::time::now_seconds().to_string();
        let per_ecosystem: String = report
            .advisories_per_ecosystem
            .iter()
            .map(|(ecosystem, count)| format!("{ecosystem}\t{count}\n"))
            .collect();
        let schema_version = DB_SCHEMA_VERSION.to_string();
        for (key, value) in [
            ("schema_version", schema_version.as_str()),
            ("built_at", built_at.as_str()),
            ("advisories_per_ecosystem", per_ecosystem.as_str()),
        ]
        .into_iter()
        .chain(meta.iter().map(|(key, value)| (key.as_str(), value.as_str())))
        {
            table.insert(key, value).map_err(|error| DbError::storage(path, error))?;
        }
    }
    transaction.commit().map_err(|error| DbError::storage(path, error))?;
    report.advisories = advisories.len() as u64;
    compact(&mut database, path)?;
    // Synced once, by the replacement's commit.
    drop(database);
    Ok(())
}

/// Replaces the EPSS table with one day's scores, and records the day.
pub(crate) fn write_epss(
    transaction: &redb::WriteTransaction,
    path: &Path,
    catalog: &kensa_advisory::EpssCatalog,
) -> Result<(), DbError> {
    // A table that never existed is fine to "delete".
    transaction.delete_table(EPSS).map_err(|error| DbError::storage(path, error))?;
    let mut table = transaction.open_table(EPSS).map_err(|error| DbError::storage(path, error))?;
    for (cve, score) in &catalog.scores {
        let bytes = crate::record::encode_epss(score, path, cve)?;
        table.insert(cve.as_str(), bytes.as_slice()).map_err(|error| DbError::storage(path, error))?;
    }
    let mut meta = transaction.open_table(META).map_err(|error| DbError::storage(path, error))?;
    let date = catalog.score_date.clone().unwrap_or_default();
    meta.insert("epss_score_date", date.as_str()).map_err(|error| DbError::storage(path, error))?;
    Ok(())
}

/// Gives back the free pages redb keeps after a large write: a fresh build was
/// three quarters free space before this.
pub(crate) fn compact(database: &mut redb::Database, path: &Path) -> Result<(), DbError> {
    database.compact().map_err(|error| DbError::storage(path, error))?;
    Ok(())
}
