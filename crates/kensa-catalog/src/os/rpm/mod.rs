//! RPM package databases, read in Rust without librpm, in all three formats
//! rpm has used: SQLite `rpmdb.sqlite` ([`sqlite`], rpm ≥ 4.16: Fedora 33+,
//! RHEL 9, Mariner, Amazon Linux 2023), Berkeley DB hash `Packages` ([`bdb`],
//! RHEL/CentOS 7–8, Amazon Linux 2, older SUSE), and rpm's own ndb
//! `Packages.db` ([`ndb`], SLE 15 SP3+, openSUSE). The format is told by the
//! file's magic, not its name. Each stores one header blob per package
//! ([`header`]).
//!
//! Each package's version is `[epoch:]version-release`. The epoch is written
//! only when the header has a non-zero EPOCH: rpm compares a missing epoch as
//! 0, so `0:1.2-3` and `1.2-3` are the same version, and leaving the zero out
//! keeps versions as people and distro advisories write them. The source
//! package is the name and version-release parsed from `SOURCERPM`
//! (`openssl-3.0.7-24.el9.src.rpm`), with the binary's epoch (a source RPM
//! records none of its own). The ecosystem comes from the detected distro:
//! Red Hat, AlmaLinux, Rocky Linux, SUSE, openSUSE and Mageia have advisory
//! feeds of their own; every other RPM distribution (Fedora, CentOS, Amazon
//! Linux, Mariner/Azure Linux, Photon, Oracle Linux, unknown) is the generic
//! [`Ecosystem::Rpm`]. The files each package owns come from its
//! `BASENAMES`/`DIRNAMES` tags.
//!
//! Untrusted input: every length and offset read from a file is checked
//! before use, page walks keep a visited map so no chain can cycle, a header
//! is capped at 64 MiB and 65,535 entries, and the record data read from one
//! file never exceeds that file's size ([`ReadBudget`]). A database whose
//! structure is broken is a parse error naming the file; one bad record is a
//! diagnostic while the others are read.
//!
//! Deliberately not handled: `gpg-pubkey` pseudo-packages (imported signing
//! keys, skipped), the index databases beside `Packages`, and rows still in
//! an SQLite write-ahead log (a diagnostic says when one is present).

mod bdb;
mod header;
mod ndb;
mod sqlite;

use kensa_fs::FileEntry;
use kensa_model::{Diagnostic, Distro, Ecosystem, Package};

use super::{distro_qualifier, owned_path, root_prefix};
use crate::{BINARY_SIZE_LIMIT, CatalogError, Cataloger, FileInput, Found};

/// Where rpm keeps its database: the classic directory, and the one Fedora
/// and openSUSE moved it to (with `var/lib/rpm` left as a symlink).
const DATABASE_PATHS: [&str; 6] = [
    "var/lib/rpm/rpmdb.sqlite",
    "var/lib/rpm/Packages",
    "var/lib/rpm/Packages.db",
    "usr/lib/sysimage/rpm/rpmdb.sqlite",
    "usr/lib/sysimage/rpm/Packages",
    "usr/lib/sysimage/rpm/Packages.db",
];

/// Imported signing keys appear in the database as packages of this name.
const GPG_PUBKEY_NAME: &str = "gpg-pubkey";

/// Header blobs read from a database, and the records that could not be read.
#[derive(Debug, Default)]
pub(crate) struct DatabaseRecords {
    pub(crate) blobs: Vec<Vec<u8>>,
    pub(crate) problems: Vec<String>,
}

/// Bytes of record data read so far from one file. In a well-formed file every
/// record occupies its own bytes, so the total never exceeds the file's size;
/// records that overlap (cell or slot pointers aimed at the same bytes) could
/// otherwise turn a small hostile file into gigabytes of copies.
#[derive(Debug)]
pub(crate) struct ReadBudget {
    remaining: usize,
}

impl ReadBudget {
    pub(crate) fn for_file(contents: &[u8]) -> ReadBudget {
        ReadBudget { remaining: contents.len() }
    }

    /// Takes `length` bytes from the budget, or says why it cannot.
    pub(crate) fn take(&mut self, length: usize) -> Result<(), String> {
        self.remaining = self.remaining.checked_sub(length).ok_or_else(|| {
            format!("records overlap: {length} more bytes would read more record data than the file holds")
        })?;
        Ok(())
    }
}

/// A database whose structure is broken beyond reading any record.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct CorruptDatabase(pub(crate) String);

/// The on-disk formats, told apart by their magic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DatabaseFormat {
    Sqlite,
    BerkeleyHash,
    Ndb,
}

impl DatabaseFormat {
    fn detect(contents: &[u8]) -> Option<DatabaseFormat> {
        if sqlite::is_sqlite(contents) {
            Some(DatabaseFormat::Sqlite)
        } else if ndb::is_ndb(contents) {
            Some(DatabaseFormat::Ndb)
        } else if bdb::is_berkeley_hash(contents) {
            Some(DatabaseFormat::BerkeleyHash)
        } else {
            None
        }
    }

    fn name(self) -> &'static str {
        match self {
            DatabaseFormat::Sqlite => "rpm database (SQLite)",
            DatabaseFormat::BerkeleyHash => "rpm database (Berkeley DB)",
            DatabaseFormat::Ndb => "rpm database (ndb)",
        }
    }

    fn read_header_blobs(self, contents: &[u8]) -> Result<DatabaseRecords, CorruptDatabase> {
        match self {
            DatabaseFormat::Sqlite => sqlite::read_header_blobs(contents),
            DatabaseFormat::BerkeleyHash => bdb::read_header_blobs(contents),
            DatabaseFormat::Ndb => ndb::read_header_blobs(contents),
        }
    }
}

/// Reads the installed packages from an rpm database in any of its formats.
pub(crate) struct RpmDatabaseCataloger;

impl Cataloger for RpmDatabaseCataloger {
    fn name(&self) -> &'static str {
        "rpm-db"
    }

    fn is_interested(&self, entry: &FileEntry) -> bool {
        database_suffix(&entry.path).is_some()
    }

    /// A whole system's `Packages` can pass 100 MiB.
    fn size_limit(&self) -> u64 {
        BINARY_SIZE_LIMIT
    }

    fn catalog(&self, input: &FileInput<'_>) -> Result<Found, CatalogError> {
        let format = DatabaseFormat::detect(input.contents).ok_or_else(|| {
            CatalogError::parse(input.path, "rpm database", "not an SQLite, Berkeley DB hash or ndb rpm database")
        })?;
        let records = format
            .read_header_blobs(input.contents)
            .map_err(|error| CatalogError::parse(input.path, format.name(), error))?;
        let mut found = Found::default();
        let diagnostic = |message: String| Diagnostic { path: input.path.to_owned(), message };
        found
            .diagnostics
            .extend(records.problems.into_iter().map(|problem| diagnostic(format!("{}: {problem}", format.name()))));
        if format == DatabaseFormat::Sqlite && sqlite::uses_write_ahead_log(input.contents) {
            note_write_ahead_log(input, &mut found);
        }
        let ecosystem = ecosystem_for(input.distro);
        let qualifier = distro_qualifier(input.distro);
        let owned_files_prefix = database_suffix(input.path).map(|suffix| root_prefix(input.path, suffix));
        for (record, blob) in records.blobs.iter().enumerate() {
            let header = match header::parse_package_header(blob) {
                Ok(header) => header,
                Err(error) => {
                    found.diagnostics.push(diagnostic(format!("{}: record {record}: {error}", format.name())));
                    continue;
                }
            };
            if header.name == GPG_PUBKEY_NAME {
                continue;
            }
            if let Some(prefix) = owned_files_prefix {
                match header::parse_file_paths(blob) {
                    Ok(paths) => found
                        .file_owners
                        .extend(paths.iter().map(|path| (owned_path(prefix, path), header.name.clone()))),
                    Err(error) => found.diagnostics.push(diagnostic(format!(
                        "{}: file list of {}: {error}",
                        format.name(),
                        header.name
                    ))),
                }
            }
            found.packages.push(package_from_header(header, input.path, ecosystem, qualifier.as_deref()));
        }
        Ok(found)
    }
}

fn package_from_header(
    header: header::PackageHeader,
    location: &str,
    ecosystem: Ecosystem,
    distro_qualifier: Option<&str>,
) -> Package {
    let epoch = header.epoch.filter(|epoch| *epoch != 0);
    let version = with_epoch(epoch, &format!("{}-{}", header.version, header.release));
    let mut package = Package::operating_system(
        ecosystem,
        &header.name,
        &version,
        location,
        header.architecture.as_deref(),
        distro_qualifier,
    );
    if let Some((source_name, source_version_release)) = header.source_rpm.as_deref().and_then(parse_source_rpm) {
        package = package.with_source(source_name, &with_epoch(epoch, source_version_release));
    }
    package.module = header.modularity_label.filter(|label| !label.is_empty());
    package
}

fn with_epoch(epoch: Option<u32>, version_release: &str) -> String {
    match epoch {
        Some(epoch) => format!("{epoch}:{version_release}"),
        None => version_release.to_owned(),
    }
}

/// Splits `openssl-3.0.7-24.el9.src.rpm` into `openssl` and `3.0.7-24.el9`.
/// Names may contain dashes; version and release may not, so the last two
/// dashes separate them.
fn parse_source_rpm(file_name: &str) -> Option<(&str, &str)> {
    let without_extension = file_name.strip_suffix(".rpm")?;
    let (name_version_release, _architecture) = without_extension.rsplit_once('.')?;
    let (name_version, release) = name_version_release.rsplit_once('-')?;
    let (name, version) = name_version.rsplit_once('-')?;
    if name.is_empty() || version.is_empty() || release.is_empty() {
        return None;
    }
    name_version_release.get(name.len() + 1..).map(|version_release| (name, version_release))
}

/// The ecosystem whose advisories apply, from the os-release `ID`.
fn ecosystem_for(distro: Option<&Distro>) -> Ecosystem {
    let id = distro.map_or("", |distro| distro.id.as_str());
    match id {
        "rhel" => Ecosystem::RedHat,
        "almalinux" => Ecosystem::AlmaLinux,
        "rocky" => Ecosystem::RockyLinux,
        "mageia" => Ecosystem::Mageia,
        "amzn" => Ecosystem::AmazonLinux,
        _ if id.starts_with("opensuse") => Ecosystem::OpenSuse,
        "sles" | "sled" | "suse" => Ecosystem::Suse,
        _ if id.starts_with("sle-") || id.starts_with("sles_") || id.starts_with("suse-") => Ecosystem::Suse,
        _ => Ecosystem::Rpm,
    }
}

/// Which of [`DATABASE_PATHS`] `path` is, allowing the root to be nested in
/// the scanned tree.
fn database_suffix(path: &str) -> Option<&'static str> {
    DATABASE_PATHS
        .into_iter()
        .find(|suffix| path == *suffix || path.strip_suffix(suffix).is_some_and(|prefix| prefix.ends_with('/')))
}

/// rpm checkpoints its write-ahead log when it closes the database; a
/// non-empty log means rpm was interrupted (or is running) and the newest
/// changes are in the log, which this reader does not replay.
fn note_write_ahead_log(input: &FileInput<'_>, found: &mut Found) {
    let log_path = format!("{}-wal", input.path);
    if input.filesystem.entry(&log_path).is_some_and(|entry| entry.size > 0) {
        found.diagnostics.push(Diagnostic {
            path: input.path.to_owned(),
            message: format!(
                "{log_path} holds changes not yet written to the database; packages installed or removed since rpm \
                 last closed it may be missing or still listed"
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Proves source RPM file names split on their last two dashes.
    #[test]
    fn source_rpm_names() {
        assert_eq!(parse_source_rpm("openssl-3.0.7-24.el9.src.rpm"), Some(("openssl", "3.0.7-24.el9")));
        assert_eq!(parse_source_rpm("util-linux-2.32.1-42.el8_8.src.rpm"), Some(("util-linux", "2.32.1-42.el8_8")));
        assert_eq!(parse_source_rpm("kernel-rt-5.14.0-1.nosrc.rpm"), Some(("kernel-rt", "5.14.0-1")));
        assert_eq!(parse_source_rpm("(none)"), None);
        assert_eq!(parse_source_rpm("broken-1.src.rpm"), None);
        assert_eq!(parse_source_rpm(""), None);
    }

    // Proves which distro IDs get their own ecosystem and which fall back to generic rpm.
    #[test]
    fn ecosystems_by_distro_id() {
        let distro = |id: &str| Distro { id: id.to_owned(), ..Distro::default() };
        for (id, ecosystem) in [
            ("rhel", Ecosystem::RedHat),
            ("almalinux", Ecosystem::AlmaLinux),
            ("rocky", Ecosystem::RockyLinux),
            ("sles", Ecosystem::Suse),
            ("sled", Ecosystem::Suse),
            ("sle-micro", Ecosystem::Suse),
            ("opensuse-leap", Ecosystem::OpenSuse),
            ("opensuse-tumbleweed", Ecosystem::OpenSuse),
            ("mageia", Ecosystem::Mageia),
            ("fedora", Ecosystem::Rpm),
            ("centos", Ecosystem::Rpm),
            ("amzn", Ecosystem::AmazonLinux),
            ("mariner", Ecosystem::Rpm),
            ("azurelinux", Ecosystem::Rpm),
            ("ol", Ecosystem::Rpm),
        ] {
            assert_eq!(ecosystem_for(Some(&distro(id))), ecosystem, "{id}");
        }
        assert_eq!(ecosystem_for(None), Ecosystem::Rpm);
    }

    // Proves the database paths are matched at the root or a nested root, never by a similar name.
    #[test]
    fn database_paths() {
        assert_eq!(database_suffix("var/lib/rpm/Packages"), Some("var/lib/rpm/Packages"));
        assert_eq!(
            database_suffix("chroot/usr/lib/sysimage/rpm/rpmdb.sqlite"),
            Some("usr/lib/sysimage/rpm/rpmdb.sqlite")
        );
        assert_eq!(database_suffix("xvar/lib/rpm/Packages"), None);
        assert_eq!(database_suffix("var/lib/rpm/Packages.bak"), None);
        assert_eq!(database_suffix("var/lib/rpm/Name"), None);
    }
}
