//! Lockfiles built to make a parser slow or huge (issue 11's campaign): each
//! is refused with an error naming the file and the limit, before the YAML
//! or TOML parser sees it. bench/hostile.sh runs them through the binary
//! with time and memory bounds.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use kensa_fs::DirectoryFileSystem;
use kensa_model::{Resource, ResourceKind};

/// Catalogs a directory holding one file, returning the diagnostics.
fn diagnostics_of(name: &str, contents: &str) -> Vec<String> {
    let directory = tempfile::tempdir().unwrap();
    std::fs::write(directory.path().join(name), contents).unwrap();
    let filesystem = DirectoryFileSystem::new(directory.path()).unwrap();
    let inventory = kensa_catalog::catalog_filesystem(
        &filesystem,
        &kensa_catalog::all_catalogers(),
        Resource { kind: ResourceKind::Directory, name: "hostile".to_owned() },
        &kensa_catalog::CatalogOptions::default(),
    );
    assert!(inventory.packages.is_empty());
    inventory.diagnostics.iter().map(|diagnostic| format!("{}: {}", diagnostic.path, diagnostic.message)).collect()
}

/// `[[[[…` in a pnpm lockfile (14 s before) and `{a: {a: …` in pubspec.lock.
#[test]
fn deeply_nested_yaml_lockfiles_are_refused() {
    let pnpm =
        diagnostics_of("pnpm-lock.yaml", &format!("lockfileVersion: '9.0'\npackages: {}\n", "[".repeat(100_000)));
    assert!(
        pnpm.iter().any(|line| line.starts_with("pnpm-lock.yaml: ") && line.contains("recursion limit for YAML")),
        "{pnpm:?}"
    );
    let pubspec = diagnostics_of("pubspec.lock", &format!("packages: {}\n", "{a: ".repeat(50_000)));
    assert!(
        pubspec.iter().any(|line| line.starts_with("pubspec.lock: ") && line.contains("recursion limit")),
        "{pubspec:?}"
    );
}

/// `a.a.a.…b = 1` (about 70 times the file in memory before) in every TOML
/// lockfile and manifest.
#[test]
fn dotted_key_bombs_are_refused_in_every_toml_file() {
    let bomb = format!("{}b = 1\n", "a.".repeat(100_000));
    for name in ["Cargo.lock", "poetry.lock", "uv.lock", "pylock.toml", "pyproject.toml"] {
        let lines = diagnostics_of(name, &bomb);
        assert!(
            lines.iter().any(|line| line.starts_with(&format!("{name}: ")) && line.contains("TOML key limit")),
            "{name}: {lines:?}"
        );
    }
}
