//! The local advisory database: built from feed files, opened read-only by scans.
//!
//! Storage is a single [redb](https://docs.rs/redb) file (see ARCHITECTURE.md for
//! why): one table maps `(ecosystem, normalised package name)` to the ids of the
//! advisories that name it, another maps an id to the advisory (postcard-encoded
//! [`kensa_model::Advisory`]). Opening costs a header read; a lookup is two
//! B-tree searches in memory-cached pages, so 1,000 packages cost milliseconds.
//!
//! A build writes a new file beside the target and renames it over the old one,
//! so a scan never sees a half-written database.
//!
//! Incremental changes (`apply_changes`) copy the file, change the copy in one
//! transaction, and rename it over the original the same way. Downloading is
//! `kensa-update`'s; this crate never touches the network.

mod build;
mod bundle;
mod changes;
mod handle;
mod record;
mod record_read;
mod state;
mod store;
mod update;

pub use build::{BuildReport, BuilderParts, DatabaseBuilder, SkippedFile, build_database};
pub use bundle::{BundleInfo, ImportReport, export_bundle, import_bundle};
pub use changes::{ChangeSet, PackageChanges, PackageKey, diff_databases, diff_from_snapshot};
pub use handle::DatabaseHandle;
pub use state::{SourceState, UpdateState};
pub use store::{DB_SCHEMA_VERSION, Database, DatabaseInfo};
pub use update::{AppliedChanges, Changes, apply_changes};

/// Errors building, opening or reading the database.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    /// An I/O error on a path.
    #[error("cannot {operation} {path}: {source}")]
    Io {
        /// What was being done.
        operation: &'static str,
        /// The path.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The storage engine reported an error.
    #[error("advisory database {path}: {source}")]
    Storage {
        /// The database file.
        path: String,
        /// The cause.
        #[source]
        source: Box<redb::Error>,
    },
    /// No database at the path.
    #[error("no advisory database at {path}; build one with `kensa db build --from DIR`")]
    Missing {
        /// The expected path.
        path: String,
    },
    /// The file is a database of another format version.
    #[error(
        "advisory database {path} has format version {found}, this kensa reads version {expected}; rebuild it with `kensa db build`"
    )]
    WrongVersion {
        /// The database file.
        path: String,
        /// Version in the file.
        found: String,
        /// Version this build reads.
        expected: u32,
    },
    /// The file is damaged or truncated (an interrupted copy, a full disk).
    #[error(
        "advisory database {path} is damaged or truncated; rebuild it (`kensa db build`, `kensa db update --full`) or import a bundle"
    )]
    Damaged {
        /// The database file.
        path: String,
    },
    /// A stored record could not be decoded (corruption).
    #[error("advisory database {path}: record {key:?} is corrupt: {message}")]
    Corrupt {
        /// The database file.
        path: String,
        /// The record's key.
        key: String,
        /// What failed.
        message: String,
    },
    /// A zip archive of advisories could not be read.
    #[error("cannot read advisory archive {path}: {message}")]
    Archive {
        /// The archive.
        path: String,
        /// What failed.
        message: String,
    },
}

impl DbError {
    pub(crate) fn storage(path: &std::path::Path, error: impl Into<redb::Error>) -> DbError {
        DbError::Storage { path: path.display().to_string(), source: Box::new(error.into()) }
    }
}
