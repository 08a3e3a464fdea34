//! What an update, an import or a rebuild changed, for a service that
//! re-matches only the inventories holding the packages concerned.
//!
//! A change set names package keys (ecosystem, normalised name — the keys of
//! the package index, so a caller finds the inventories to re-match with the
//! same normalisation matching uses) and, per key, the advisory ids that were
//! added, changed or withdrawn there. Enrichment changes (KEV, NVD CVSS,
//! EPSS) are listed apart: they change what findings say, not which exist.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use kensa_model::{Advisory, Ecosystem};
use redb::{ReadableDatabase, ReadableTable};

use crate::DbError;
use crate::record::decode_advisory;
use crate::store::{ADVISORIES, EPSS, KNOWN_EXPLOITED, NVD_CVSS};

/// A key of the package index: ecosystem and normalised package name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PackageKey {
    /// The ecosystem.
    pub ecosystem: Ecosystem,
    /// The name, normalised as [`Ecosystem::normalize_name`] does (for OS
    /// packages, the name advisories are keyed by: the source package for
    /// Debian, Ubuntu and apk).
    pub name: String,
}

/// What changed under one package key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackageChanges {
    /// Advisories that now name the package and did not before (new, or
    /// reinstated after a withdrawal).
    pub added: BTreeSet<String>,
    /// Advisories that named it before and still do, with a changed record
    /// (ranges, severity, aliases, summary…).
    pub changed: BTreeSet<String>,
    /// Advisories that named it and no longer do: withdrawn, deleted, or
    /// no longer listing the package.
    pub withdrawn: BTreeSet<String>,
}

/// What a database change did to the data matching reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeSet {
    /// Per package key, the advisories added, changed or withdrawn there.
    pub packages: BTreeMap<PackageKey, PackageChanges>,
    /// CVEs whose CISA KEV entry was added, changed or removed.
    pub known_exploited: BTreeSet<String>,
    /// CVEs whose NVD CVSS vectors were added or changed.
    pub cve_cvss: BTreeSet<String>,
    /// Whether the EPSS scores changed (a new day's list changes most of them).
    pub epss: bool,
}

impl ChangeSet {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.packages.is_empty() && self.known_exploited.is_empty() && self.cve_cvss.is_empty() && !self.epss
    }

    /// Every advisory id the change set names.
    pub fn advisory_ids(&self) -> BTreeSet<&str> {
        self.packages
            .values()
            .flat_map(|changes| changes.added.iter().chain(&changes.changed).chain(&changes.withdrawn))
            .map(String::as_str)
            .collect()
    }

    /// Records the change of one advisory id from `old` to `new` (`None`:
    /// absent). Equal records change nothing. `apply_changes` calls it for
    /// every record it replaces; a caller holding records of its own can too.
    pub fn record_advisory(&mut self, id: &str, old: Option<&Advisory>, new: Option<&Advisory>) {
        let (old_live, new_live) = (live(old), live(new));
        let old_keys = old_live.map(index_keys).unwrap_or_default();
        let new_keys = new_live.map(index_keys).unwrap_or_default();
        let record_changed = old_live != new_live;
        for key in new_keys.difference(&old_keys) {
            self.entry(key).added.insert(id.to_owned());
        }
        for key in old_keys.difference(&new_keys) {
            self.entry(key).withdrawn.insert(id.to_owned());
        }
        if record_changed {
            for key in old_keys.intersection(&new_keys) {
                self.entry(key).changed.insert(id.to_owned());
            }
        }
    }

    fn entry(&mut self, key: &PackageKey) -> &mut PackageChanges {
        self.packages.entry(key.clone()).or_default()
    }
}

/// The advisory, unless it is withdrawn (withdrawn advisories never match).
fn live(advisory: Option<&Advisory>) -> Option<&Advisory> {
    advisory.filter(|advisory| advisory.withdrawn.is_none())
}

/// The package keys an advisory is indexed under.
pub(crate) fn index_keys(advisory: &Advisory) -> BTreeSet<PackageKey> {
    advisory
        .affected
        .iter()
        .map(|affected| PackageKey { ecosystem: affected.ecosystem, name: affected.name.clone() })
        .collect()
}

/// The change set between two database files of this format version: what
/// replacing `old` by `new` changes. Records are compared as stored bytes
/// (both tables in key order, side by side), so only differing records are
/// decoded. Builds and imports report it; a service can also compare two
/// snapshots it kept.
pub fn diff_databases(old: &Path, new: &Path) -> Result<ChangeSet, DbError> {
    let old_database = redb::ReadOnlyDatabase::open(old).map_err(|error| DbError::storage(old, error))?;
    let old_read = old_database.begin_read().map_err(|error| DbError::storage(old, error))?;
    compare(Some((old, &old_read)), new)
}

/// The change set from an open snapshot to the file at `new`: what a
/// long-running process that held `old` needs after `old`'s file was
/// replaced (renamed over) by `new` — the replaced file is gone from the
/// directory but stays readable through the snapshot.
pub fn diff_from_snapshot(old: &crate::Database, new: &Path) -> Result<ChangeSet, DbError> {
    compare(Some((old.path(), old.read_transaction())), new)
}

/// Everything in `new` as a change from nothing: what a database replacing
/// one of another format version (or none) changes. The same comparison,
/// against no old side.
pub(crate) fn everything_in(new: &Path) -> Result<ChangeSet, DbError> {
    compare(None, new)
}

/// The change set from `old` (a path and a read snapshot, or nothing) to `new`.
fn compare(old: Option<(&Path, &redb::ReadTransaction)>, new: &Path) -> Result<ChangeSet, DbError> {
    let new_database = redb::ReadOnlyDatabase::open(new).map_err(|error| DbError::storage(new, error))?;
    let new_read = new_database.begin_read().map_err(|error| DbError::storage(new, error))?;
    let mut changes = ChangeSet::default();
    let sides = Sides { old, new, new_read: &new_read };
    let old_path = old.map_or(new, |(path, _)| path);
    sides.merge(ADVISORIES, &mut |key, old_bytes, new_bytes| {
        let old_record = old_bytes.map(|bytes| decode_advisory(bytes, old_path, key)).transpose()?;
        let new_record = new_bytes.map(|bytes| decode_advisory(bytes, new, key)).transpose()?;
        changes.record_advisory(key, old_record.as_ref(), new_record.as_ref());
        Ok(true)
    })?;
    sides.merge(KNOWN_EXPLOITED, &mut |key, _, _| {
        changes.known_exploited.insert(key.to_owned());
        Ok(true)
    })?;
    sides.merge(NVD_CVSS, &mut |key, _, new_bytes| {
        if new_bytes.is_some() {
            changes.cve_cvss.insert(key.to_owned());
        }
        Ok(true)
    })?;
    let mut epss = false;
    sides.merge(EPSS, &mut |_, _, _| {
        epss = true;
        Ok(false)
    })?;
    changes.epss = epss;
    Ok(changes)
}

/// Two read snapshots compared table by table; without an old side, every
/// table there is empty.
struct Sides<'a> {
    old: Option<(&'a Path, &'a redb::ReadTransaction)>,
    new: &'a Path,
    new_read: &'a redb::ReadTransaction,
}

type Visit<'v> = dyn FnMut(&str, Option<&[u8]>, Option<&[u8]>) -> Result<bool, DbError> + 'v;

impl Sides<'_> {
    /// Calls `visit` with every key whose bytes differ between the two
    /// tables (absent on one side: `None`), in key order, until it returns
    /// `false`. A table missing on a side is empty there.
    fn merge(&self, definition: redb::TableDefinition<'_, &str, &[u8]>, visit: &mut Visit<'_>) -> Result<(), DbError> {
        let open = |read: &redb::ReadTransaction, path: &Path| match read.open_table(definition) {
            Ok(table) => Ok(Some(table)),
            Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
            Err(error) => Err(DbError::storage(path, error)),
        };
        let old_path = self.old.map_or(self.new, |(path, _)| path);
        let old_table = match self.old {
            Some((path, read)) => open(read, path)?,
            None => None,
        };
        let new_table = open(self.new_read, self.new)?;
        let mut old_items = iterate(old_table.as_ref(), old_path)?.into_iter().flatten().peekable();
        let mut new_items = iterate(new_table.as_ref(), self.new)?.into_iter().flatten().peekable();
        loop {
            let order = match (old_items.peek(), new_items.peek()) {
                (None, None) => return Ok(()),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (Some(Ok((old_key, _))), Some(Ok((new_key, _)))) => old_key.value().cmp(new_key.value()),
                (Some(Err(_)), _) | (_, Some(Err(_))) => std::cmp::Ordering::Equal,
            };
            let go_on = match order {
                std::cmp::Ordering::Less => {
                    let (key, value) = next(&mut old_items, old_path)?;
                    visit(key.value(), Some(value.value()), None)?
                }
                std::cmp::Ordering::Greater => {
                    let (key, value) = next(&mut new_items, self.new)?;
                    visit(key.value(), None, Some(value.value()))?
                }
                std::cmp::Ordering::Equal => {
                    let (key, old_value) = next(&mut old_items, old_path)?;
                    let (_, new_value) = next(&mut new_items, self.new)?;
                    if old_value.value() == new_value.value() {
                        true
                    } else {
                        visit(key.value(), Some(old_value.value()), Some(new_value.value()))?
                    }
                }
            };
            if !go_on {
                return Ok(());
            }
        }
    }
}

fn iterate<'a>(
    table: Option<&'a redb::ReadOnlyTable<&'static str, &'static [u8]>>,
    path: &Path,
) -> Result<Option<redb::Range<'a, &'static str, &'static [u8]>>, DbError> {
    table.map(|table| table.iter().map_err(|error| DbError::storage(path, error))).transpose()
}

type Item<'a> = (redb::AccessGuard<'a, &'static str>, redb::AccessGuard<'a, &'static [u8]>);

fn next<'a>(
    items: &mut impl Iterator<Item = Result<Item<'a>, redb::StorageError>>,
    path: &Path,
) -> Result<Item<'a>, DbError> {
    match items.next() {
        Some(item) => item.map_err(|error| DbError::storage(path, error)),
        None => Err(DbError::Corrupt {
            path: path.display().to_string(),
            key: String::new(),
            message: "a table ended while being compared".to_owned(),
        }),
    }
}
