//! Elixir cataloger over the real mix.lock fixtures in shared/data.

use std::path::Path;

use crate::common::{LOCKFILES, catalog_bytes, catalog_fixture, interested_catalogers, listing};
use kensa_catalog::Found;

/// Exact sets: the Hex package name (second tuple element) and version.
#[test]
fn mix_lock_exact_package_sets() {
    for (snapshot, fixture) in [
        ("mix_trivy_happy", "trivy/hex-mix/happy.mix.lock"),
        ("mix_two_packages", "osv-scalibr/erlang-mixlock/two-packages.lock"),
        ("mix_one_package", "osv-scalibr/erlang-mixlock/one-package.lock"),
        ("mix_valid", "osv-scalibr/elixir-mixlock/valid"),
        ("mix_integration", "trivy-integration-repos/mixlock/mix.lock"),
    ] {
        let found = catalog_fixture("elixir-mix-lock", fixture).unwrap();
        assert!(found.diagnostics.is_empty(), "{fixture}: {:?}", found.diagnostics);
        assert!(found.packages.iter().all(|package| package.purl.starts_with("pkg:hex/")));
        insta::assert_snapshot!(snapshot, listing(&found));
    }
}

/// The bigger lockfile: one package per `{:hex, ...}` entry.
#[test]
fn mix_lock_count() {
    let found = catalog_fixture("elixir-mix-lock", "osv-scalibr/erlang-mixlock/many.lock").unwrap();
    assert_eq!(found.packages.len(), 21);
}

/// Git dependencies have no Hex version: unresolved, with URL and revision, never dropped.
#[test]
fn mix_lock_git_dependencies_unresolved() {
    let fixture = "osv-scalibr/erlang-mixlock/git.lock";
    let found = catalog_fixture("elixir-mix-lock", fixture).unwrap();
    assert!(found.packages.is_empty());
    let mut names: Vec<&str> = found.unresolved.iter().map(|dependency| dependency.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["bar", "foe", "foo"]);
    let foo = found.unresolved.iter().find(|dependency| dependency.name == "foo").unwrap();
    assert_eq!(foo.requirement, "git https://github.com/my-org/foo.git#fc94cce7830fa4dc455024bc2a83720afe244531");
    assert_eq!(foo.location, fixture);
    // The trivy fixture mixes one git entry among Hex ones.
    let found = catalog_fixture("elixir-mix-lock", "trivy/hex-mix/happy.mix.lock").unwrap();
    assert_eq!(found.unresolved.len(), 1);
    assert_eq!(found.unresolved[0].name, "esaml");
}

/// `%{}` is an empty lockfile.
#[test]
fn mix_lock_empty() {
    for fixture in
        ["trivy/hex-mix/empty.mix.lock", "osv-scalibr/erlang-mixlock/empty.lock", "osv-scalibr/elixir-mixlock/empty"]
    {
        assert_eq!(catalog_fixture("elixir-mix-lock", fixture).unwrap(), Found::default(), "{fixture}");
    }
}

/// An entry cut short (`{:hex, }`) is a diagnostic; the good entry next to it is still read.
#[test]
fn mix_lock_broken_entry() {
    let fixture = "osv-scalibr/elixir-mixlock/invalid";
    let found = catalog_fixture("elixir-mix-lock", fixture).unwrap();
    assert_eq!(listing(&found), "bunt@1.0.0");
    assert_eq!(found.diagnostics.len(), 1);
    assert!(found.diagnostics[0].message.contains("certifi"), "{}", found.diagnostics[0].message);
}

/// Text that is not an Elixir map is an error naming the file.
#[test]
fn mix_lock_malformed() {
    for (path, contents) in [("mix.lock", &b"%{\"a\": {:hex, :a, \"1\""[..]), ("sub/mix.lock", b"not a map")] {
        let error = catalog_bytes("elixir-mix-lock", Path::new(LOCKFILES), path, contents).unwrap_err();
        assert!(error.to_string().contains(path), "{error}");
    }
}

/// Only mix.lock is claimed.
#[test]
fn elixir_interest() {
    let claimed = |path: &str| interested_catalogers(path).contains(&"elixir-mix-lock");
    assert!(claimed("app/mix.lock"));
    assert!(!claimed("app/mix.exs"));
}
