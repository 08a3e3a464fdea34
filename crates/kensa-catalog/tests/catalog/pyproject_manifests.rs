//! The `pyproject.toml` cataloger against the real fixtures in shared/data (read
//! in place): declared dependencies become unresolved dependencies, never
//! packages, and only when no lockfile sits beside the manifest.

// Test helpers unwrap freely: a failure there is a broken fixture, and should fail loudly.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::collections::BTreeSet;
use std::path::Path;

use kensa_catalog::{CatalogError, Cataloger, FileInput, Found, all_catalogers};
use kensa_fs::{DirectoryFileSystem, FileEntry};
use kensa_model::Ecosystem;

const LOCKFILES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/targets/lockfiles");

fn pyproject_cataloger() -> Box<dyn Cataloger> {
    all_catalogers().into_iter().find(|cataloger| cataloger.name() == "python-pyproject").unwrap()
}

/// Runs the cataloger on one fixture, with the fixture's real directory as the
/// filesystem (so lockfiles beside it are seen).
fn catalog_fixture(relative_path: &str) -> Result<Found, CatalogError> {
    let full_path = Path::new(LOCKFILES).join(relative_path);
    let contents = std::fs::read(&full_path).unwrap();
    let filesystem = DirectoryFileSystem::new(full_path.parent().unwrap()).unwrap();
    let file_name = full_path.file_name().unwrap().to_str().unwrap();
    pyproject_cataloger().catalog(&FileInput {
        path: file_name,
        contents: &contents,
        filesystem: &filesystem,
        distro: None,
    })
}

/// Runs the cataloger on one fixture's bytes as if it sat alone in an empty tree.
fn catalog_fixture_alone(relative_path: &str) -> Result<Found, CatalogError> {
    let contents = std::fs::read(Path::new(LOCKFILES).join(relative_path)).unwrap();
    let directory = tempfile::tempdir().unwrap();
    let filesystem = DirectoryFileSystem::new(directory.path()).unwrap();
    pyproject_cataloger().catalog(&FileInput {
        path: "pyproject.toml",
        contents: &contents,
        filesystem: &filesystem,
        distro: None,
    })
}

/// `name requirement` of each unresolved dependency.
fn unresolved_set(found: &Found) -> BTreeSet<String> {
    found.unresolved.iter().map(|dependency| format!("{} {}", dependency.name, dependency.requirement)).collect()
}

fn set_of(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|item| (*item).to_owned()).collect()
}

/// Exact declared sets of Trivy's fixtures (no lockfile beside them): Poetry
/// tables, PEP 621 lists with parentheses and extras, optional groups.
#[test]
fn declared_dependencies_of_fixtures() {
    let cases: &[(&str, &[&str])] = &[
        // `python` is the interpreter; a table gives its `version`; several
        // constraints are joined; dev and named groups count.
        (
            "trivy/python-pyproject/happy.toml",
            &[
                "flask ^1.0",
                "pytest 8.3.4",
                "requests 2.28.1",
                "ruff 0.8.3",
                "virtualenv ^20.4.3,!=20.4.5,!=20.4.6 || <20.16.6",
            ],
        ),
        (
            "trivy/python-pyproject/happy_v2.toml",
            &[
                "Flask >=1.0,<2.0",
                "annotated-types ==0.7.0",
                "check-wheel-contents ==0.6.1",
                "pluggy ==0.13.1",
                "pytest 8.3.4",
                "ruamel.yaml >=0.18",
                "typing_extensions >=4",
            ],
        ),
        (
            "trivy/python-pyproject/happy_with_optional.toml",
            &["click >=8.0.0", "pytest >=8.0.0", "requests >=2.32.0", "ruff >=0.1.0"],
        ),
        ("trivy/python-pyproject/happy_with_optional_only.toml", &["pytest >=8.0.0", "ruff >=0.1.0"]),
    ];
    for (fixture, expected) in cases {
        let found = catalog_fixture(fixture).unwrap();
        assert_eq!(unresolved_set(&found), set_of(expected), "{fixture}");
        assert!(found.packages.is_empty(), "{fixture}: a manifest is not an inventory");
        assert!(found.diagnostics.is_empty(), "{fixture}: {:?}", found.diagnostics);
        assert!(found.unresolved.iter().all(|dependency| dependency.ecosystem == Ecosystem::PyPI));
        let file_name = fixture.rsplit('/').next().unwrap();
        assert!(found.unresolved.iter().all(|dependency| dependency.location == file_name), "{fixture}");
    }
}

/// A manifest beside its lockfile (poetry.lock, uv.lock) adds nothing: the
/// lockfile reports the real versions.
#[test]
fn manifests_beside_a_lockfile_are_not_read() {
    for fixture in [
        "trivy-integration-repos/poetry/pyproject.toml",
        "real-projects/poetry/osv.dev/pyproject.toml",
        "real-projects/uv/astral-sh-uv/pyproject.toml",
    ] {
        assert_eq!(catalog_fixture(fixture).unwrap(), Found::default(), "{fixture}");
    }
}

/// The same real manifests, alone: PEP 621 dependencies plus Poetry groups
/// (osv.dev), and PEP 735 dependency groups (uv, which declares no runtime
/// dependencies).
#[test]
fn real_manifests_without_their_lockfile() {
    let found = catalog_fixture_alone("real-projects/poetry/osv.dev/pyproject.toml").unwrap();
    assert_eq!(
        unresolved_set(&found),
        set_of(&[
            "attrs >=23.2",
            "google-cloud-logging >=3.10",
            "google-cloud-ndb >=2.3",
            "google-cloud-pubsub >=2.31.1",
            "google-cloud-storage >=2.17",
            "grpcio >=1.0",
            "grpcio-tools *",
            "hypothesis *",
            "jsonschema >=4.0",
            "mypy-protobuf ^5.0.0",
            "packageurl-python >=0.17.0",
            "packaging-legacy >=23.0.post0",
            "protobuf >=6.33.6,<7.0.0",
            "pygit2 >=1.14.0",
            "pylint *",
            "pyyaml >=6.0",
            "requests >=2.33",
            "semver >=3.0",
            "vcrpy *",
            "yapf *",
        ])
    );

    let found = catalog_fixture_alone("real-projects/uv/astral-sh-uv/pyproject.toml").unwrap();
    let declared = unresolved_set(&found);
    assert!(declared.contains("mkdocs-material >=9.1.18"), "{declared:?}");
    assert!(declared.contains("black >=23.10.0"), "{declared:?}");
    assert!(found.diagnostics.is_empty(), "{:?}", found.diagnostics);
}

/// Broken TOML is an error naming the file.
#[test]
fn malformed_manifest_is_an_error_naming_the_file() {
    let error = catalog_fixture("trivy/python-pyproject/sad.toml").unwrap_err();
    assert!(matches!(error, CatalogError::Parse { .. }), "{error}");
    assert!(error.to_string().contains("sad.toml"), "{error}");
}

/// Hand-made edge cases: a requirement that is not PEP 508 is a diagnostic (the
/// rest is read), PEP 735 `include-group` tables add nothing, Poetry path
/// dependencies are local code, git and URL references keep their pin.
#[test]
fn edge_cases() {
    let text = r#"
[project]
dependencies = ["good>=1", "-e .", "pinned @ https://example.invalid/pinned-1.0.whl ; python_version>'3'"]
[dependency-groups]
test = ["pytest", { include-group = "lint" }]
lint = ["ruff==0.1"]
[tool.poetry.dependencies]
local = { path = "../local", develop = true }
forked = { git = "https://example.invalid/forked.git", rev = "abc123" }
"#;
    let directory = tempfile::tempdir().unwrap();
    let filesystem = DirectoryFileSystem::new(directory.path()).unwrap();
    let found = pyproject_cataloger()
        .catalog(&FileInput {
            path: "app/pyproject.toml",
            contents: text.as_bytes(),
            filesystem: &filesystem,
            distro: None,
        })
        .unwrap();
    assert_eq!(
        unresolved_set(&found),
        set_of(&[
            "forked git+https://example.invalid/forked.git@abc123",
            "good >=1",
            "pinned @ https://example.invalid/pinned-1.0.whl",
            "pytest ",
            "ruff ==0.1",
        ])
    );
    assert_eq!(found.diagnostics.len(), 1, "{:?}", found.diagnostics);
    assert!(found.diagnostics[0].message.contains("-e ."));
    assert_eq!(found.diagnostics[0].path, "app/pyproject.toml");
}

/// Only files named `pyproject.toml` are claimed.
#[test]
fn pyproject_file_names() {
    let entry = |path: &str| FileEntry { path: path.to_owned(), size: 1, executable: false };
    assert!(pyproject_cataloger().is_interested(&entry("svc/pyproject.toml")));
    assert!(!pyproject_cataloger().is_interested(&entry("pyproject.toml.bak")));
}
