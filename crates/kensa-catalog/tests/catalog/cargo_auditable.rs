//! The `cargo-auditable-binary` cataloger on a real binary built with
//! `cargo auditable build` by `.ci/needs/catalog-binaries.sh` (source in
//! tests/fixtures/auditable-demo), on binaries without audit data, and on
//! damaged copies of the real binary.
//!
//! The binary lives in `$KENSA_FIXTURES_DIR` (default `/tmp/kensa-fixtures`).
//! When it is missing the tests print a notice and pass, unless
//! `KENSA_REQUIRE_FIXTURES=1` (set by CI), when they fail.

use crate::common::{catalog_binary, catalog_file_alone, cataloger_named, elf_header_then_noise, fixture_binary};
use kensa_catalog::Found;
use kensa_fs::FileEntry;

const DEMO_LOCKFILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/auditable-demo/Cargo.lock");

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
    let found = catalog_binary("cargo-auditable-binary", "bin/kensa-auditable-demo", &contents).unwrap();

    let lockfile = std::fs::read(DEMO_LOCKFILE).unwrap();
    let from_lockfile = catalog_file_alone("cargo-lock", "Cargo.lock", &lockfile).unwrap();
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
    assert_eq!(catalog_binary("cargo-auditable-binary", "godemo", &contents).unwrap(), Found::default());
}

/// Damaged inputs never panic: every prefix length of the real binary in coarse
/// steps, and an ELF header followed by noise, give either no packages or an
/// error naming the file.
#[test]
fn damaged_binaries_do_not_panic() {
    let noise = elf_header_then_noise(0x1234_5678);
    for contents in [&noise[..], b"\x7fELF", b"MZ", b""] {
        match catalog_binary("cargo-auditable-binary", "bin/noise", contents) {
            Ok(found) => assert!(found.packages.is_empty()),
            Err(message) => assert!(message.contains("bin/noise"), "{message}"),
        }
    }
    let Some(binary) = fixture_binary("auditable/kensa-auditable-demo") else {
        return;
    };
    let contents = std::fs::read(&binary).unwrap();
    for length in (0..contents.len()).step_by(contents.len() / 64 + 1) {
        if let Err(message) = catalog_binary("cargo-auditable-binary", "bin/cut", &contents[..length]) {
            assert!(message.contains("bin/cut"), "{message}");
        }
    }
}

/// Files are claimed when executable or named like binaries, never by name alone
/// otherwise, and never when too small to be an executable.
#[test]
fn interest_in_executables() {
    let cataloger = cataloger_named("cargo-auditable-binary");
    let entry = |path: &str, size: u64, executable: bool| FileEntry { path: path.to_owned(), size, executable };
    assert!(cataloger.is_interested(&entry("usr/bin/tool", 4096, true)));
    assert!(cataloger.is_interested(&entry("app/tool.exe", 4096, false)));
    assert!(!cataloger.is_interested(&entry("usr/share/doc/README", 4096, false)));
    assert!(!cataloger.is_interested(&entry("usr/bin/tiny", 10, true)));
}
