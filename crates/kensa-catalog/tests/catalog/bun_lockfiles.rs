//! The Bun `bun.lock` cataloger against the real fixtures in shared/data (read in
//! place), and the binary `bun.lockb` diagnostic.

// Test helpers unwrap freely: a failure there is a broken fixture, and should fail loudly.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use crate::common;

use std::collections::BTreeSet;

use crate::common::{LOCKFILES, package_set, set_of};
use kensa_catalog::{CatalogError, FileInput, Found};
use kensa_fs::{DirectoryFileSystem, FileEntry};
use kensa_model::Ecosystem;

fn bun_cataloger() -> Box<dyn kensa_catalog::Cataloger> {
    common::cataloger_named("bun-lock")
}

/// Runs the cataloger on one fixture under the name `bun.lock` (fixtures have
/// other names; `is_interested` is tested separately).
fn catalog_fixture(relative_path: &str) -> Result<Found, CatalogError> {
    common::catalog_fixture_in_its_directory("bun-lock", LOCKFILES, relative_path)
}

fn unresolved_set(found: &Found) -> BTreeSet<String> {
    found.unresolved.iter().map(|dependency| format!("{} {}", dependency.name, dependency.requirement)).collect()
}

/// Exact package sets of the registry packages in every well-formed fixture.
#[test]
fn bun_lock_fixtures() {
    let cases: &[(&str, &[&str])] = &[
        // Development, optional and peer dependencies all count; one entry has
        // only its `name@version` element.
        (
            "trivy/nodejs-bun/bun_happy.lock",
            &[
                "@types/bun@1.2.13",
                "@types/node@22.15.18",
                "bun-types@1.2.13",
                "typescript@5.8.3",
                "undici-types@6.21.0",
                "zod@3.24.4",
            ],
        ),
        // Workspace members (`name@workspace:path`) are the project's own code.
        ("trivy/nodejs-bun/bun_multiple_ws.lock", &["chalk@5.0.1", "lodash@4.17.21"]),
        (
            "trivy-integration-repos/bun/bun.lock",
            &[
                "@types/bun@1.2.14",
                "@types/node@22.15.21",
                "bun-types@1.2.14",
                "jquery@3.3.1",
                "typescript@5.8.3",
                "undici-types@6.21.0",
            ],
        ),
        ("osv-scanner/locks-insecure/bun.lock", &["has-flag@4.0.0", "wrappy@1.0.2"]),
        // An alias key (`supports-color-old`) installs the package its value names.
        (
            "osv-scalibr/javascript-bunlock/alias.json5",
            &["has-flag@3.0.0", "has-flag@4.0.0", "supports-color@6.1.0", "supports-color@7.2.0"],
        ),
        ("osv-scalibr/javascript-bunlock/empty.json5", &[]),
        // `file:` packages are local.
        ("osv-scalibr/javascript-bunlock/files.json5", &["lodash@1.3.1"]),
        // Nested install paths (`chalk/supports-color/has-flag`) give each version once.
        (
            "osv-scalibr/javascript-bunlock/nested-dependencies.json5",
            &[
                "ansi-styles@4.3.0",
                "chalk@4.1.2",
                "color-convert@2.0.1",
                "color-name@1.1.4",
                "has-flag@2.0.0",
                "has-flag@3.0.0",
                "has-flag@4.0.0",
                "supports-color@5.5.0",
                "supports-color@7.2.0",
            ],
        ),
        (
            "osv-scalibr/javascript-bunlock/nested-dependencies-dup.json5",
            &[
                "ansi-styles@4.3.0",
                "chalk@4.1.2",
                "color-convert@2.0.1",
                "color-name@1.1.4",
                "has-flag@2.0.0",
                "has-flag@4.0.0",
                "supports-color@7.2.0",
            ],
        ),
        ("osv-scalibr/javascript-bunlock/no-packages.json5", &[]),
        ("osv-scalibr/javascript-bunlock/one-package.json5", &["wrappy@1.0.2"]),
        ("osv-scalibr/javascript-bunlock/one-package-dev.json5", &["wrappy@1.0.2"]),
        ("osv-scalibr/javascript-bunlock/optional-package.json5", &["acorn@8.14.0", "fsevents@0.3.8", "nan@2.22.0"]),
        ("osv-scalibr/javascript-bunlock/peer-dependencies-explicit.json5", &["acorn@8.14.0", "acorn-jsx@5.3.2"]),
        ("osv-scalibr/javascript-bunlock/peer-dependencies-implicit.json5", &["acorn@8.14.0", "acorn-jsx@5.3.2"]),
        (
            "osv-scalibr/javascript-bunlock/same-package-different-groups.json5",
            &["has-flag@3.0.0", "supports-color@5.5.0"],
        ),
        (
            "osv-scalibr/javascript-bunlock/scoped-packages-mixed.json5",
            &[
                "@babel/code-frame@7.26.2",
                "@babel/helper-validator-identifier@7.25.9",
                "js-tokens@4.0.0",
                "picocolors@1.1.1",
                "wrappy@1.0.2",
            ],
        ),
        ("osv-scalibr/javascript-bunlock/scoped-packages.json5", &["@typescript-eslint/types@5.62.0"]),
        ("osv-scalibr/javascript-bunlock/two-packages.json5", &["has-flag@4.0.0", "wrappy@1.0.2"]),
    ];
    for (fixture, expected) in cases {
        let found = catalog_fixture(fixture).unwrap();
        assert_eq!(package_set(&found), set_of(expected), "{fixture}");
        assert_eq!(found.packages.len(), expected.len(), "{fixture}: each version once");
        assert!(found.unresolved.is_empty(), "{fixture}: {:?}", found.unresolved);
        assert!(found.diagnostics.is_empty(), "{fixture}: {:?}", found.diagnostics);
        assert!(found.packages.iter().all(|package| package.ecosystem == Ecosystem::Npm));
    }
}

/// Git and GitHub packages are pinned to a commit, not a registry version: they
/// are unresolved dependencies carrying that pin, beside the registry packages.
#[test]
fn bun_git_packages_are_unresolved() {
    let found = catalog_fixture("osv-scalibr/javascript-bunlock/commits.json5").unwrap();
    assert_eq!(
        package_set(&found),
        set_of(&[
            "@babel/helper-plugin-utils@7.26.5",
            "@babel/helper-string-parser@7.25.9",
            "@babel/helper-validator-identifier@7.25.9",
            "@babel/parser@7.26.5",
            "@babel/types@7.26.5",
            "jquery@3.7.1",
            "lodash@1.3.1",
            "make-synchronized@0.2.9",
            "php-parser@2.2.0",
            "prettier@3.4.2",
            "stopwords@0.0.1",
        ])
    );
    assert_eq!(
        unresolved_set(&found),
        set_of(&[
            "@prettier/sync github:prettier/prettier-synchronized#527e8ce",
            "babel-preset-php git+ssh://gitlab:kornelski/babel-preset-php#1ae6dc1267500360b411ec711b8aeac8c68b2246",
            "is-number github:jonschlinkert/is-number#98e8ff1",
            "is-number github:jonschlinkert/is-number#b7aef34",
            "is-number github:jonschlinkert/is-number#d5ac058",
            "raven-js github:getsentry/raven-js#91ef2d4",
            "slick-carousel github:brianfryer/slick#fc6f7d8",
        ])
    );

    let found = catalog_fixture("osv-scalibr/javascript-bunlock/blog-sample.json5").unwrap();
    assert!(found.packages.is_empty());
    assert_eq!(unresolved_set(&found), set_of(&["uWebSockets.js github:uNetworking/uWebSockets.js#6609a88"]));
}

/// Entries whose first element is not a `name@version` string are diagnostics
/// naming the file and the entry; the good entry beside them is read.
#[test]
fn bun_bad_tuples_are_diagnostics() {
    let found = catalog_fixture("osv-scalibr/javascript-bunlock/bad-tuple.json5").unwrap();
    assert_eq!(package_set(&found), set_of(&["wrappy@1.0.2"]));
    assert_eq!(found.diagnostics.len(), 2, "{:?}", found.diagnostics);
    assert!(found.diagnostics.iter().all(|diagnostic| diagnostic.path == "bad-tuple.json5"));
    assert!(found.diagnostics.iter().any(|diagnostic| diagnostic.message.contains("wrappy-bad1")));
}

/// Not JSON, and a `lockfileVersion` that is not a number, are errors naming the file.
#[test]
fn malformed_lockfiles_are_errors_naming_the_file() {
    for fixture in ["trivy/nodejs-bun/bun_invalid.lock", "osv-scalibr/javascript-bunlock/not-json.txt"] {
        let error = catalog_fixture(fixture).unwrap_err();
        assert!(matches!(error, CatalogError::Parse { .. }), "{fixture}: {error}");
        let file_name = fixture.rsplit('/').next().unwrap();
        assert!(error.to_string().contains(file_name), "{fixture}: {error}");
    }
}

/// A binary `bun.lockb` alone cannot be read and says how to convert it; beside a
/// `bun.lock` (which Bun itself prefers) it is skipped without noise.
#[test]
fn binary_lockfile() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path();
    std::fs::create_dir_all(root.join("old")).unwrap();
    std::fs::create_dir_all(root.join("migrated")).unwrap();
    std::fs::write(root.join("migrated/bun.lock"), "{}").unwrap();
    let filesystem = DirectoryFileSystem::new(root).unwrap();
    let binary: &[u8] = b"#!/usr/bin/env bun\nbun-lockfile-format-v0\n\x02\x00\x00\x00";

    let error = bun_cataloger()
        .catalog(&FileInput { path: "old/bun.lockb", contents: binary, filesystem: &filesystem, distro: None })
        .unwrap_err();
    assert!(matches!(error, CatalogError::Parse { .. }));
    let message = error.to_string();
    assert!(message.contains("old/bun.lockb"), "{message}");
    assert!(message.contains("binary bun.lockb not supported; run `bun install --save-text-lockfile`"), "{message}");

    let found = bun_cataloger()
        .catalog(&FileInput { path: "migrated/bun.lockb", contents: binary, filesystem: &filesystem, distro: None })
        .unwrap();
    assert_eq!(found, Found::default());
}

/// Both Bun lockfile names are claimed, except inside `node_modules`.
#[test]
fn bun_file_names() {
    let entry = |path: &str| FileEntry { path: path.to_owned(), size: 1, executable: false };
    assert!(bun_cataloger().is_interested(&entry("bun.lock")));
    assert!(bun_cataloger().is_interested(&entry("app/bun.lockb")));
    assert!(!bun_cataloger().is_interested(&entry("node_modules/x/bun.lock")));
    assert!(!bun_cataloger().is_interested(&entry("bun.lock.json")));
}

/// Nesting far deeper than any lockfile (here inside a package's dependency
/// object, with trailing commas) is refused as a parse error naming the file,
/// not a stack overflow.
#[test]
fn deeply_nested_input_is_an_error() {
    let depth = 100_000;
    let text = format!(
        "{{\"packages\": {{\"a\": [\"a@1.0.0\", \"\", {}1{}],}},}}",
        "{\"x\": [".repeat(depth),
        "],}".repeat(depth)
    );
    let directory = tempfile::tempdir().unwrap();
    let filesystem = DirectoryFileSystem::new(directory.path()).unwrap();
    let error = bun_cataloger()
        .catalog(&FileInput { path: "deep/bun.lock", contents: text.as_bytes(), filesystem: &filesystem, distro: None })
        .unwrap_err();
    assert!(matches!(error, CatalogError::Parse { .. }), "{error}");
    assert!(error.to_string().contains("deep/bun.lock"));
    assert!(error.to_string().contains("recursion limit"), "{error}");
}
