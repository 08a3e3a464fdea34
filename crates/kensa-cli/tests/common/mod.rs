//! Helpers every end-to-end test of the `kensa` binary shares: paths into
//! ../shared/data, running the binary, and building a database once per test
//! binary. Each test file is its own crate, so a helper one file does not use
//! is dead code there.

// Test helpers outside #[test] functions are not covered by clippy.toml's test exemptions.
#![allow(clippy::unwrap_used, dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// A path under ../shared/data.
pub(crate) fn shared(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data").join(relative)
}

/// Runs the `kensa` binary built for this test, ignoring any `KENSA_DB` of the caller.
pub(crate) fn kensa(arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kensa")).args(arguments).env_remove("KENSA_DB").output().unwrap()
}

/// Builds a database from a directory under ../shared/data into a new temporary directory.
pub(crate) fn build_database(from: &str) -> (tempfile::TempDir, PathBuf) {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("kensa.redb");
    let output = kensa(&["db", "build", "--from", shared(from).to_str().unwrap(), "--db", path.to_str().unwrap()]);
    assert!(output.status.success(), "db build failed: {}", String::from_utf8_lossy(&output.stderr));
    (directory, path)
}

/// The database built from every feed in ../shared/data/advisories (the input
/// a user gives `kensa db build`), once per test binary.
pub(crate) fn database() -> &'static Path {
    static DATABASE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &DATABASE.get_or_init(|| build_database("advisories")).1
}
