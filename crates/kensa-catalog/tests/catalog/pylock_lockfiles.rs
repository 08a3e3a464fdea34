//! The PEP 751 `pylock.toml` cataloger against the real fixtures in shared/data
//! (read in place).

// Test helpers unwrap freely: a failure there is a broken fixture, and should fail loudly.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use crate::common;

use crate::common::{LOCKFILES, package_set, set_of};
use kensa_catalog::{CatalogError, FileInput, Found};
use kensa_fs::{DirectoryFileSystem, FileEntry};
use kensa_model::Ecosystem;

fn pylock_cataloger() -> Box<dyn kensa_catalog::Cataloger> {
    common::cataloger_named("python-pylock")
}

/// Runs the cataloger on one fixture (fixtures have non-standard names, so
/// `is_interested` is bypassed here and tested separately).
fn catalog_fixture(relative_path: &str) -> Result<Found, CatalogError> {
    common::catalog_fixture_in_its_directory("python-pylock", LOCKFILES, relative_path)
}

/// Exact package sets of every well-formed fixture.
#[test]
fn pylock_fixtures() {
    let cases: &[(&str, &[&str])] = &[
        // pip's output; the same name at two versions for two platforms gives
        // both, and one name@version locked twice (per marker) is reported once.
        (
            "trivy/python-pylock/pylock.toml",
            &[
                "attrs@25.4.0",
                "certifi@2025.10.5",
                "charset-normalizer@3.4.3",
                "ham@3.0.0",
                "idna@3.10",
                "requests@2.32.5",
                "spam@1.0.0",
                "spam@1.1.0",
                "urllib3@2.5.0",
            ],
        ),
        ("trivy-integration-repos/pylock/pylock.toml", &["click@8.1.3", "colorama@0.4.6", "werkzeug@0.11.1"]),
        // uv's output: a git package with a version keeps it; the editable
        // project itself (`directory`) is not a package.
        (
            "osv-scalibr/python-pylock/commits.toml",
            &[
                "click@8.2.1",
                "mleroc@0.1.0",
                "packaging@24.2",
                "pathspec@0.12.1",
                "python-dateutil@2.9.0.post0",
                "scikit-learn@1.6.1",
                "tqdm@4.67.1",
            ],
        ),
        ("osv-scalibr/python-pylock/empty.toml", &[]),
        // PEP 751's own example (single-quoted strings, attestation tables).
        ("osv-scalibr/python-pylock/example.toml", &["attrs@25.1.0", "cattrs@24.1.2", "numpy@2.2.3"]),
        // Names inside strings, comments and sub-tables are not packages.
        ("osv-scalibr/python-pylock/names-outside-package-block.toml", &["first-pkg@1.0.0", "second-pkg@2.0.0"]),
        // pdm's output: packages for every extra and group, markers not evaluated.
        (
            "osv-scalibr/python-pylock/pdm-full.toml",
            &[
                "certifi@2025.1.31",
                "chardet@3.0.4",
                "charset-normalizer@2.0.12",
                "colorama@0.3.9",
                "idna@2.7",
                "py@1.4.34",
                "pytest@3.2.5",
                "requests@2.27.1",
                "setuptools@39.2.0",
                "urllib3@1.26.20",
            ],
        ),
        (
            "osv-scalibr/python-pylock/pip-full.toml",
            &["annotated-types@0.7.0", "packaging@25.0", "pyproject-toml@0.1.0", "setuptools@80.9.0", "wheel@0.45.1"],
        ),
        // Only the project itself, as an inline array of tables.
        ("osv-scalibr/python-pylock/pip-just-self.toml", &[]),
    ];
    for (fixture, expected) in cases {
        let found = catalog_fixture(fixture).unwrap();
        assert_eq!(package_set(&found), set_of(expected), "{fixture}");
        assert_eq!(found.packages.len(), expected.len(), "{fixture}: each version once");
        assert!(found.unresolved.is_empty(), "{fixture}: {:?}", found.unresolved);
        assert!(found.diagnostics.is_empty(), "{fixture}: {:?}", found.diagnostics);
        assert!(found.packages.iter().all(|package| package.ecosystem == Ecosystem::PyPI));
    }
}

/// Packages are PyPI packages located at the lockfile, with a normalised purl.
#[test]
fn pylock_package_identity() {
    let found = catalog_fixture("trivy/python-pylock/pylock.toml").unwrap();
    let charset = found.packages.iter().find(|package| package.name == "charset-normalizer").unwrap();
    assert_eq!(charset.purl, "pkg:pypi/charset-normalizer@3.4.3");
    assert_eq!(charset.locations, ["pylock.toml"]);
}

/// Broken TOML is an error naming the file.
#[test]
fn malformed_lockfiles_are_errors_naming_the_file() {
    for fixture in ["trivy/python-pylock/sad.toml", "osv-scalibr/python-pylock/not-toml.txt"] {
        let error = catalog_fixture(fixture).unwrap_err();
        assert!(matches!(error, CatalogError::Parse { .. }), "{fixture}: {error}");
        let file_name = fixture.rsplit('/').next().unwrap();
        assert!(error.to_string().contains(file_name), "{fixture}: {error}");
    }
}

/// PEP 751 file names: `pylock.toml` and `pylock.<name>.toml`, anywhere.
#[test]
fn pylock_file_names() {
    let entry = |path: &str| FileEntry { path: path.to_owned(), size: 1, executable: false };
    assert!(pylock_cataloger().is_interested(&entry("pylock.toml")));
    assert!(pylock_cataloger().is_interested(&entry("service/pylock.dev.toml")));
    assert!(!pylock_cataloger().is_interested(&entry("pylock.a.b.toml")));
    assert!(!pylock_cataloger().is_interested(&entry("pyproject.toml")));
}

/// Nesting far deeper than any lockfile is refused as a parse error naming the
/// file, not a stack overflow.
#[test]
fn deeply_nested_input_is_an_error() {
    let depth = 100_000;
    let text = format!("a = {}{}", "[".repeat(depth), "]".repeat(depth));
    let directory = tempfile::tempdir().unwrap();
    let filesystem = DirectoryFileSystem::new(directory.path()).unwrap();
    let error = pylock_cataloger()
        .catalog(&FileInput {
            path: "deep/pylock.toml",
            contents: text.as_bytes(),
            filesystem: &filesystem,
            distro: None,
        })
        .unwrap_err();
    assert!(matches!(error, CatalogError::Parse { .. }), "{error}");
    assert!(error.to_string().contains("deep/pylock.toml"));
}
