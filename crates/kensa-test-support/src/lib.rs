//! What the test suites share.
//!
//! nextest runs every test in a process of its own, so a `OnceLock` in a
//! test binary builds its database once per *test*: the full database was
//! built about 36 times a run. [`cached_database`] builds each one once per
//! run and builder instead, for every process: into a directory under the
//! build's `target/` keyed by the builder executable's identity (path, size,
//! modification time — a rebuilt `kensa` never reads an older build's
//! database) and by the feed directory, under an exclusive lock so
//! concurrent tests wait for the first one instead of building it too, and
//! published by rename so no test ever sees half a file.
//!
//! Tests open the cached file read-only; a test that changes a database
//! copies it first ([`copy_of`]).

// Test support: a failure here is a test failure, with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stderr)]

mod postgres;

use std::path::{Path, PathBuf};
use std::process::Command;

pub use postgres::{PostgresDatabase, postgres_database};

/// A path under `../shared/data` (see its MANIFEST.md), read in place.
pub fn shared_data(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data").join(relative)
}

/// Where cached databases live: `target/kensa-test-cache`, beside the build
/// that made the builders (so `cargo clean` removes it).
fn cache_root() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("kensa-test-cache")
}

/// A short, stable hash (FNV-1a) for cache directory names.
fn hash(text: &str) -> String {
    let mut value: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        value ^= u64::from(byte);
        value = value.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{value:016x}")
}

/// What tells one build of an executable from another.
fn identity(executable: &Path) -> String {
    let metadata = std::fs::metadata(executable)
        .unwrap_or_else(|error| panic!("cannot read the builder {}: {error}", executable.display()));
    let modified = metadata
        .modified()
        .ok()
        .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |elapsed| elapsed.as_nanos());
    format!("{}\u{0}{}\u{0}{modified}", executable.display(), metadata.len())
}

/// The database `kensa` (the executable `kensa`, e.g.
/// `env!("CARGO_BIN_EXE_kensa")`) builds from `../shared/data/<from>`,
/// built once per run for all test processes. Open it read-only.
pub fn cached_database(kensa: &Path, from: &str) -> PathBuf {
    let directory = cache_root().join(hash(&format!("{}\u{0}{from}", identity(kensa))));
    let database = directory.join("kensa.redb");
    if database.is_file() {
        return database;
    }
    std::fs::create_dir_all(&directory).unwrap();
    let lock_path = directory.join("build.lock");
    let lock = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&lock_path).unwrap();
    lock.lock().unwrap();
    // Another process may have built it while this one waited.
    if !database.is_file() {
        let building = directory.join(format!("kensa.redb.building-{}", std::process::id()));
        let output = Command::new(kensa)
            .args(["db", "build", "--from"])
            .arg(shared_data(from))
            .arg("--db")
            .arg(&building)
            .output()
            .unwrap();
        assert!(output.status.success(), "db build --from {from} failed: {}", String::from_utf8_lossy(&output.stderr));
        std::fs::rename(&building, &database).unwrap();
    }
    drop(lock);
    database
}

/// A private copy of a database (for tests that change it), in `directory`.
pub fn copy_of(database: &Path, directory: &Path) -> PathBuf {
    let copy = directory.join("kensa.redb");
    std::fs::copy(database, &copy).unwrap();
    copy
}
