//! Incremental changes to an existing database: advisories added or replaced
//! by id, the KEV catalog replaced, meta values set.
//!
//! The change is made to a copy beside the database, committed, synced and
//! renamed over it, exactly like a build: a scan that opened the old file
//! keeps reading it, and a crash at any point leaves either the old database
//! or the new one, never a mixture (a leftover copy is removed by the next
//! change).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use kensa_model::{Advisory, CveCvss, KnownExploited};
use redb::ReadableTable;

use crate::ChangeSet;
use crate::DbError;
use crate::build::{WriterLock, commit_replacement, compact, replacement_for, write_epss};
use crate::record::{decode_advisory, decode_ids, encode_advisory, encode_cvss, encode_ids, encode_known_exploited};
use crate::store::{ADVISORIES, KNOWN_EXPLOITED, META, NVD_CVSS, PACKAGES, package_key};

/// What to change.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    /// Advisories to add, or to replace the stored record of the same id.
    pub advisories: Vec<Advisory>,
    /// A new CISA KEV catalog replacing the stored one, when given.
    pub known_exploited: Option<Vec<KnownExploited>>,
    /// NVD CVSS records to add or replace, by CVE.
    pub cve_cvss: Vec<CveCvss>,
    /// A new day of EPSS scores replacing the stored ones, when given.
    pub epss: Option<kensa_advisory::EpssCatalog>,
    /// Meta values to set (source states, update times).
    pub meta: Vec<(String, String)>,
}

/// What a change did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppliedChanges {
    /// Advisories that were not in the database.
    pub added: u64,
    /// Advisories whose stored record was replaced.
    pub replaced: u64,
    /// What the change did to the data matching reads (a record replaced
    /// by an equal one changes nothing).
    pub changes: ChangeSet,
}

/// The (ecosystem, name) keys an advisory is indexed under, and its ecosystems.
fn index_keys(advisory: &Advisory) -> (BTreeSet<String>, BTreeSet<&'static str>) {
    let keys = advisory.affected.iter().map(|affected| package_key(affected.ecosystem, &affected.name)).collect();
    let ecosystems = advisory.affected.iter().map(|affected| affected.ecosystem.as_str()).collect();
    (keys, ecosystems)
}

/// Applies `changes` to the database at `path` (which must exist and be of
/// this version), replacing it atomically.
pub fn apply_changes(path: &Path, changes: &Changes) -> Result<AppliedChanges, DbError> {
    let _lock = WriterLock::acquire(path)?;
    // Refuses a missing database or one of another format version.
    drop(crate::Database::open(path)?);
    let replacement = replacement_for(path)?;
    std::fs::copy(path, replacement.path()).map_err(|source| DbError::Io {
        operation: "copy",
        path: path.display().to_string(),
        source,
    })?;
    let applied = apply_to_copy(replacement.path(), changes)?;
    commit_replacement(replacement, path)?;
    Ok(applied)
}

fn apply_to_copy(path: &Path, changes: &Changes) -> Result<AppliedChanges, DbError> {
    let storage = |error: redb::Error| DbError::storage(path, error);
    let mut database = redb::Database::open(path).map_err(|error| storage(error.into()))?;
    let transaction = database.begin_write().map_err(|error| storage(error.into()))?;
    let mut applied = AppliedChanges::default();
    let mut per_ecosystem: BTreeMap<String, u64> = {
        let table = transaction.open_table(META).map_err(|error| storage(error.into()))?;
        let text = table
            .get("advisories_per_ecosystem")
            .map_err(|error| storage(error.into()))?
            .map(|value| value.value().to_owned())
            .unwrap_or_default();
        text.lines()
            .filter_map(|line| line.split_once('\t'))
            .map(|(ecosystem, count)| (ecosystem.to_owned(), count.parse().unwrap_or(0)))
            .collect()
    };
    {
        let mut advisories = transaction.open_table(ADVISORIES).map_err(|error| storage(error.into()))?;
        let mut packages = transaction.open_table(PACKAGES).map_err(|error| storage(error.into()))?;
        // Index entries to rewrite, loaded once each.
        let mut index: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let load = |key: &str,
                    index: &mut BTreeMap<String, BTreeSet<String>>,
                    packages: &redb::Table<'_, &str, &[u8]>|
         -> Result<(), DbError> {
            if !index.contains_key(key) {
                let ids: Vec<String> = match packages.get(key).map_err(|error| storage(error.into()))? {
                    Some(bytes) => decode_ids(bytes.value(), path, key)?,
                    None => Vec::new(),
                };
                index.insert(key.to_owned(), ids.into_iter().collect());
            }
            Ok(())
        };
        for advisory in &changes.advisories {
            let previous = match advisories.get(advisory.id.as_str()).map_err(|error| storage(error.into()))? {
                Some(bytes) => Some(decode_advisory(bytes.value(), path, &advisory.id)?),
                None => None,
            };
            if let Some(previous) = &previous {
                applied.replaced += 1;
                let (keys, ecosystems) = index_keys(previous);
                for key in keys {
                    load(&key, &mut index, &packages)?;
                    if let Some(ids) = index.get_mut(&key) {
                        ids.remove(&advisory.id);
                    }
                }
                for ecosystem in ecosystems {
                    if let Some(count) = per_ecosystem.get_mut(ecosystem) {
                        *count = count.saturating_sub(1);
                    }
                }
            } else {
                applied.added += 1;
            }
            applied.changes.record_advisory(&advisory.id, previous.as_ref(), Some(advisory));
            let (keys, ecosystems) = index_keys(advisory);
            for key in keys {
                load(&key, &mut index, &packages)?;
                if let Some(ids) = index.get_mut(&key) {
                    ids.insert(advisory.id.clone());
                }
            }
            for ecosystem in ecosystems {
                *per_ecosystem.entry(ecosystem.to_owned()).or_default() += 1;
            }
            let bytes = encode_advisory(advisory, path)?;
            advisories.insert(advisory.id.as_str(), bytes.as_slice()).map_err(|error| storage(error.into()))?;
        }
        for (key, ids) in &index {
            if ids.is_empty() {
                packages.remove(key.as_str()).map_err(|error| storage(error.into()))?;
            } else {
                let bytes = encode_ids(ids, path, key)?;
                packages.insert(key.as_str(), bytes.as_slice()).map_err(|error| storage(error.into()))?;
            }
        }
    }
    if let Some(entries) = &changes.known_exploited {
        // The CVEs whose entry differs from the stored catalog's, either way.
        let mut stored: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        {
            let table = transaction.open_table(KNOWN_EXPLOITED).map_err(|error| storage(error.into()))?;
            for item in table.iter().map_err(|error| storage(error.into()))? {
                let (cve, bytes) = item.map_err(|error| storage(error.into()))?;
                stored.insert(cve.value().to_owned(), bytes.value().to_vec());
            }
        }
        // A table that never existed is fine to "delete".
        transaction.delete_table(KNOWN_EXPLOITED).map_err(|error| storage(error.into()))?;
        let mut table = transaction.open_table(KNOWN_EXPLOITED).map_err(|error| storage(error.into()))?;
        for entry in entries {
            let bytes = encode_known_exploited(entry, path)?;
            if stored.remove(&entry.cve).is_none_or(|held| held != bytes) {
                applied.changes.known_exploited.insert(entry.cve.clone());
            }
            table.insert(entry.cve.as_str(), bytes.as_slice()).map_err(|error| storage(error.into()))?;
        }
        applied.changes.known_exploited.extend(stored.into_keys());
    }
    if !changes.cve_cvss.is_empty() {
        let mut table = transaction.open_table(NVD_CVSS).map_err(|error| storage(error.into()))?;
        for record in &changes.cve_cvss {
            let bytes = encode_cvss(&record.vectors, path, &record.cve)?;
            let held = table.get(record.cve.as_str()).map_err(|error| storage(error.into()))?;
            if held.is_none_or(|held| held.value() != bytes.as_slice()) {
                applied.changes.cve_cvss.insert(record.cve.clone());
            }
            table.insert(record.cve.as_str(), bytes.as_slice()).map_err(|error| storage(error.into()))?;
        }
    }
    if let Some(catalog) = &changes.epss {
        write_epss(&transaction, path, catalog)?;
        applied.changes.epss = true;
    }
    {
        let mut table = transaction.open_table(META).map_err(|error| storage(error.into()))?;
        per_ecosystem.retain(|_, count| *count > 0);
        let per_ecosystem: String =
            per_ecosystem.iter().map(|(ecosystem, count)| format!("{ecosystem}\t{count}\n")).collect();
        table.insert("advisories_per_ecosystem", per_ecosystem.as_str()).map_err(|error| storage(error.into()))?;
        for (key, value) in &changes.meta {
            table.insert(key.as_str(), value.as_str()).map_err(|error| storage(error.into()))?;
        }
    }
    transaction.commit().map_err(|error| storage(error.into()))?;
    compact(&mut database, path)?;
    Ok(applied)
}
