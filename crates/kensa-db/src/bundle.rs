//! `kensa db export` / `kensa db import`: one compressed, checksummed file
//! that carries a database to a machine without network access.
//!
//! The bundle is a gzip-compressed tar of two members, in this order:
//! `kensa-bundle.json` (format, database format version, the database's size
//! and SHA-256, when it was exported) and `advisories.redb`. Import streams
//! the database beside the target while hashing it, checks size, digest and
//! format version, and only then renames it into place, under the same
//! writer lock as a build, so a damaged bundle never replaces a good database.

use std::io::{Read, Write};
use std::path::Path;

use sha2::Digest as _;

use crate::DbError;
use crate::build::{WriterLock, commit_replacement, replacement_for};
use crate::store::DB_SCHEMA_VERSION;

const MANIFEST_NAME: &str = "kensa-bundle.json";
const DATABASE_NAME: &str = "advisories.redb";
const FORMAT: &str = "kensa-db-bundle";
/// The largest database a bundle may carry.
const DATABASE_LIMIT: u64 = 16 * 1024 * 1024 * 1024;

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Manifest {
    format: String,
    format_version: u32,
    database_schema_version: u32,
    database_size: u64,
    database_sha256: String,
    exported_at: u64,
}

/// What an export or import handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleInfo {
    /// Size of the database carried.
    pub database_size: u64,
    /// Its SHA-256, hex.
    pub database_sha256: String,
}

fn io_error(operation: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> DbError {
    let path = path.display().to_string();
    move |source| DbError::Io { operation, path, source }
}

fn bundle_error(path: &Path, message: impl Into<String>) -> DbError {
    DbError::Archive { path: path.display().to_string(), message: message.into() }
}

fn sha256_file(path: &Path) -> Result<(u64, String), DbError> {
    let mut file = std::fs::File::open(path).map_err(io_error("open", path))?;
    let mut hasher = sha2::Sha256::new();
    let mut buffer = vec![0u8; 1024 * 1024];
    let mut size = 0u64;
    loop {
        let read = file.read(&mut buffer).map_err(io_error("read", path))?;
        if read == 0 {
            break;
        }
        hasher.update(buffer.get(..read).unwrap_or_default());
        size = size.saturating_add(read as u64);
    }
    Ok((size, hex(&hasher.finalize())))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Writes the database at `database` as a bundle at `output` (atomically).
pub fn export_bundle(database: &Path, output: &Path) -> Result<BundleInfo, DbError> {
    // Refuses a missing database or one of another format version.
    drop(crate::Database::open(database)?);
    let (database_size, database_sha256) = sha256_file(database)?;
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        format_version: 1,
        database_schema_version: DB_SCHEMA_VERSION,
        database_size,
        database_sha256: database_sha256.clone(),
        exported_at: u64::try_from(kensa_model::time::now_seconds()).unwrap_or(0),
    };
    let manifest_bytes =
        serde_json::to_vec_pretty(&manifest).map_err(|error| bundle_error(output, error.to_string()))?;
    let replacement = replacement_for(output)?;
    let temporary = replacement.path().to_path_buf();
    let write = || -> Result<(), DbError> {
        let file = std::fs::File::create(&temporary).map_err(io_error("create", &temporary))?;
        let encoder = flate2::write::GzEncoder::new(std::io::BufWriter::new(file), flate2::Compression::new(6));
        let mut archive = tar::Builder::new(encoder);
        let mut header = tar::Header::new_gnu();
        header.set_size(manifest_bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        archive
            .append_data(&mut header, MANIFEST_NAME, manifest_bytes.as_slice())
            .map_err(io_error("write", &temporary))?;
        let mut source = std::fs::File::open(database).map_err(io_error("open", database))?;
        let mut header = tar::Header::new_gnu();
        header.set_size(database_size);
        header.set_mode(0o644);
        header.set_cksum();
        archive.append_data(&mut header, DATABASE_NAME, &mut source).map_err(io_error("write", &temporary))?;
        let encoder = archive.into_inner().map_err(io_error("write", &temporary))?;
        let mut writer = encoder.finish().map_err(io_error("write", &temporary))?;
        writer.flush().map_err(io_error("write", &temporary))?;
        Ok(())
    };
    write()?;
    commit_replacement(replacement, output)?;
    Ok(BundleInfo { database_size, database_sha256 })
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// The bundle's database, as its manifest describes it (verified).
    pub bundle: BundleInfo,
    /// What replacing the previous database changed.
    pub changes: crate::ChangeSet,
}

/// Replaces the database at `database` with the one a bundle carries, after
/// checking it whole.
pub fn import_bundle(bundle: &Path, database: &Path) -> Result<ImportReport, DbError> {
    if let Some(parent) = database.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io_error("create directory", parent))?;
    }
    let _lock = WriterLock::acquire(database)?;
    let replacement = replacement_for(database)?;
    let info = unpack(bundle, replacement.path())?;
    // The format version inside must be one this kensa reads.
    drop(crate::Database::open(replacement.path())?);
    let changes = crate::build::changes_replacing(database, replacement.path(), || {
        crate::changes::everything_in(replacement.path())
    })?;
    commit_replacement(replacement, database)?;
    Ok(ImportReport { bundle: info, changes })
}

fn unpack(bundle: &Path, temporary: &Path) -> Result<BundleInfo, DbError> {
    let file = std::fs::File::open(bundle).map_err(io_error("open", bundle))?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(std::io::BufReader::new(file)));
    let damaged = |error: std::io::Error| bundle_error(bundle, format!("damaged or truncated: {error}"));
    let mut entries = archive.entries().map_err(damaged)?;
    let mut manifest_entry = entries.next().ok_or_else(|| bundle_error(bundle, "it is empty"))?.map_err(damaged)?;
    if manifest_entry.path_bytes().as_ref() != MANIFEST_NAME.as_bytes() {
        return Err(bundle_error(bundle, format!("it does not start with {MANIFEST_NAME}: not a kensa bundle")));
    }
    let mut manifest_bytes = Vec::new();
    (&mut manifest_entry).take(1024 * 1024).read_to_end(&mut manifest_bytes).map_err(damaged)?;
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes)
        .map_err(|error| bundle_error(bundle, format!("{MANIFEST_NAME} is not valid: {error}")))?;
    if manifest.format != FORMAT || manifest.format_version != 1 {
        return Err(bundle_error(
            bundle,
            format!("unknown bundle format {} {}", manifest.format, manifest.format_version),
        ));
    }
    if manifest.database_schema_version != DB_SCHEMA_VERSION {
        return Err(DbError::WrongVersion {
            path: bundle.display().to_string(),
            found: manifest.database_schema_version.to_string(),
            expected: DB_SCHEMA_VERSION,
        });
    }
    if manifest.database_size > DATABASE_LIMIT {
        return Err(bundle_error(bundle, format!("it declares a {}-byte database", manifest.database_size)));
    }
    drop(manifest_entry);
    let mut database_entry = entries
        .next()
        .ok_or_else(|| bundle_error(bundle, format!("it holds no {DATABASE_NAME}: truncated")))?
        .map_err(damaged)?;
    if database_entry.path_bytes().as_ref() != DATABASE_NAME.as_bytes() {
        return Err(bundle_error(bundle, format!("its second member is not {DATABASE_NAME}")));
    }
    let mut output = std::fs::File::create(temporary).map_err(io_error("create", temporary))?;
    let mut hasher = sha2::Sha256::new();
    let mut buffer = vec![0u8; 1024 * 1024];
    let mut size = 0u64;
    loop {
        let read = database_entry.read(&mut buffer).map_err(damaged)?;
        if read == 0 {
            break;
        }
        let chunk = buffer.get(..read).unwrap_or_default();
        size = size.saturating_add(read as u64);
        if size > manifest.database_size {
            return Err(bundle_error(bundle, "the database is larger than its manifest says"));
        }
        hasher.update(chunk);
        output.write_all(chunk).map_err(io_error("write", temporary))?;
    }
    drop(database_entry);
    // Read to the end so a damaged gzip trailer (CRC) is noticed too.
    for rest in entries {
        rest.map_err(damaged)?;
    }
    let digest = hex(&hasher.finalize());
    if size != manifest.database_size || digest != manifest.database_sha256 {
        return Err(bundle_error(
            bundle,
            format!(
                "the database does not match its manifest: {size} bytes with SHA-256 {digest}, expected {} bytes with {}",
                manifest.database_size, manifest.database_sha256
            ),
        ));
    }
    Ok(BundleInfo { database_size: size, database_sha256: digest })
}
