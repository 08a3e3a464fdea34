//! The `cargo-auditable-binary` cataloger on a real binary built with
//! `cargo auditable build` by `.ci/needs/catalog-binaries.sh` (source in
//! tests/fixtures/auditable-demo), on binaries without audit data, and on
//! damaged copies of the real binary.
//!
//! The binary lives in `$KENSA_FIXTURES_DIR` (default `/tmp/kensa-fixtures`).
//! When it is missing the tests print a notice and pass, unless
//! `KENSA_REQUIRE_FIXTURES=1` (set by CI), when they fail.

// Test helpers outside #[test] functions are not covered by clippy.toml's
// allow-*-in-tests settings; failing loudly is what a test helper should do.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, clippy::print_stderr)]

use std::path::PathBuf;

use kensa_catalog::{Cataloger, FileInput, Found, all_catalogers};
use kensa_fs::{DirectoryFileSystem, FileEntry};

const DEMO_LOCKFILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/auditable-demo/Cargo.lock");

fn cataloger(name: &str) -> Box<dyn Cataloger> {
    all_catalogers().into_iter().find(|cataloger| cataloger.name() == name).unwrap()
}

/// The fixture binary's path, or `None` (after a notice) when it was not built.
fn fixture_binary(relative: &str) -> Option<PathBuf> {
    let directory = std::env::var("KENSA_FIXTURES_DIR").unwrap_or_else(|_| "/tmp/kensa-fixtures".to_owned());
    let path = PathBuf::from(directory).join(relative);
    if path.is_file() {
        return Some(path);
    }
    assert!(
        std::env::var("KENSA_REQUIRE_FIXTURES").as_deref() != Ok("1"),
        "{} is missing: run .ci/needs/catalog-binaries.sh",
        path.display()
    );
    eprintln!("skipping: {} is missing (run .ci/needs/catalog-binaries.sh)", path.display());
    None
}

fn catalog_bytes(cataloger_name: &str, path: &str, contents: &[u8]) -> Result<Found, String> {
    let filesystem = DirectoryFileSystem::new(std::path::Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
    cataloger(cataloger_name)
        .catalog(&FileInput { path, contents, filesystem: &filesystem })
        .map_err(|error| error.to_string())
}

fn name_versions(found: &Found) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> =
        found.packages.iter().map(|package| (package.name.clone(), package.version.clone())).collect();
    pairs.sort();
    pairs
}

/// The crates embedded in the real binary are exactly the packages of the
/// lockfile it was built from (the `cargo-lock` cataloger is the oracle),
/// including the advisory-bearing smallvec 0.6.12 and base64 0.5.1.
#[test]
fn real_auditable_binary_lists_its_lockfile() {
    let Some(binary) = fixture_binary("auditable/kensa-auditable-demo") else {
        return;
    };
    let contents = std::fs::read(&binary).unwrap();
    let found = catalog_bytes("cargo-auditable-binary", "bin/kensa-auditable-demo", &contents).unwrap();

    let lockfile = std::fs::read(DEMO_LOCKFILE).unwrap();
    let from_lockfile = catalog_bytes("cargo-lock", "Cargo.lock", &lockfile).unwrap();
    assert_eq!(name_versions(&found), name_versions(&from_lockfile));
    assert!(name_versions(&found).contains(&("smallvec".to_owned(), "0.6.12".to_owned())));
    assert!(name_versions(&found).contains(&("base64".to_owned(), "0.5.1".to_owned())));
    assert!(found.packages.iter().all(|package| package.locations == ["bin/kensa-auditable-demo"]));
    assert!(found.packages.iter().any(|package| package.purl == "pkg:cargo/smallvec@0.6.12"));
}

/// A real binary without audit data (a Debian Go program, or the Go demo) is
/// not an error: it has no Rust packages.
#[test]
fn binary_without_audit_data_is_empty() {
    let Some(binary) = fixture_binary("go/godemo-linux-amd64") else {
        return;
    };
    let contents = std::fs::read(&binary).unwrap();
    assert_eq!(catalog_bytes("cargo-auditable-binary", "godemo", &contents).unwrap(), Found::default());
}

/// Damaged inputs never panic: every prefix length of the real binary in coarse
/// steps, and an ELF header followed by noise, give either no packages or an
/// error naming the file.
#[test]
fn damaged_binaries_do_not_panic() {
    let mut noise: Vec<u8> = b"\x7fELF\x02\x01\x01".to_vec();
    let mut state: u32 = 0x1234_5678;
    for _ in 0..100_000 {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        noise.push((state >> 16) as u8);
    }
    for contents in [&noise[..], b"\x7fELF", b"MZ", b""] {
        match catalog_bytes("cargo-auditable-binary", "bin/noise", contents) {
            Ok(found) => assert!(found.packages.is_empty()),
            Err(message) => assert!(message.contains("bin/noise"), "{message}"),
        }
    }
    let Some(binary) = fixture_binary("auditable/kensa-auditable-demo") else {
        return;
    };
    let contents = std::fs::read(&binary).unwrap();
    for length in (0..contents.len()).step_by(contents.len() / 64 + 1) {
        if let Err(message) = catalog_bytes("cargo-auditable-binary", "bin/cut", &contents[..length]) {
            assert!(message.contains("bin/cut"), "{message}");
        }
    }
}

/// Files are claimed when executable or named like binaries, never by name alone
/// otherwise, and never when too small to be an executable.
#[test]
fn interest_in_executables() {
    let cataloger = cataloger("cargo-auditable-binary");
    let entry = |path: &str, size: u64, executable: bool| FileEntry { path: path.to_owned(), size, executable };
    assert!(cataloger.is_interested(&entry("usr/bin/tool", 4096, true)));
    assert!(cataloger.is_interested(&entry("app/tool.exe", 4096, false)));
    assert!(!cataloger.is_interested(&entry("usr/share/doc/README", 4096, false)));
    assert!(!cataloger.is_interested(&entry("usr/bin/tiny", 10, true)));
}
