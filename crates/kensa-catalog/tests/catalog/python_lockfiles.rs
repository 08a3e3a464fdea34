//! The poetry.lock, Pipfile.lock, uv.lock and pdm.lock catalogers against the
//! real fixtures in shared/data (read in place).

use crate::common::{LOCKFILES, catalog_fixture_in_its_directory, interested_catalogers, package_set, set_of};
use kensa_catalog::CatalogError;

/// Exact package sets of small fixtures, each proving one rule.
#[test]
fn python_lockfile_fixtures() {
    let cases: &[(&str, &str, &[&str])] = &[
        ("poetry-lock", "osv-scalibr/python-poetrylock/one-package.lock", &["numpy@1.23.3"]),
        // Only `[[package]]` tables count, not look-alike keys in strings or subtables.
        (
            "poetry-lock",
            "osv-scalibr/python-poetrylock/names-outside-package-block.lock",
            &["first-pkg@1.0.0", "second-pkg@2.0.0"],
        ),
        // Git sources keep their declared version.
        ("poetry-lock", "osv-scalibr/python-poetrylock/source-git.lock", &["ike@0.2.0"]),
        // Lock format 2.x (poetry 2).
        (
            "poetry-lock",
            "trivy/python-poetry/poetry_v2_flask.lock",
            &[
                "atomicwrites@1.4.1",
                "attrs@25.1.0",
                "click@8.1.8",
                "colorama@0.4.6",
                "flask@1.0.3",
                "itsdangerous@2.2.0",
                "jinja2@3.1.5",
                "markupsafe@3.0.2",
                "more-itertools@10.6.0",
                "packaging@24.2",
                "pluggy@0.13.1",
                "py@1.11.0",
                "pytest@5.4.3",
                "wcwidth@0.2.13",
                "werkzeug@3.1.3",
            ],
        ),
        (
            "poetry-lock",
            "trivy-integration-repos/poetry/poetry.lock",
            &["click@8.1.3", "colorama@0.4.6", "werkzeug@0.14"],
        ),
        // Empty package list, and an empty file: valid lockfiles with nothing locked.
        ("poetry-lock", "osv-scalibr/python-poetrylock/empty.lock", &[]),
        ("poetry-lock", "osv-scalibr/python-poetrylock/empty-file.lock", &[]),
        // `default` and `develop` sections both count; `==` is stripped.
        ("pipfile-lock", "osv-scalibr/python-pipfilelock/one-package-dev.json", &["markupsafe@2.1.1"]),
        (
            "pipfile-lock",
            "osv-scalibr/python-pipfilelock/multiple-packages.json",
            &["itsdangerous@2.1.2", "markupsafe@2.1.1", "pluggy@1.0.0", "pluggy@1.0.1"],
        ),
        ("pipfile-lock", "osv-scalibr/python-pipfilelock/minified.json", &["markupsafe@2.1.1"]),
        ("pipfile-lock", "osv-scalibr/python-pipfilelock/empty.json", &[]),
        (
            "pipfile-lock",
            "trivy/python-pipenv/Pipfile_normal.lock",
            &["certifi@2019.3.9", "chardet@3.0.4", "idna@2.8", "pyyaml@5.1", "requests@2.21.0", "urllib3@1.24.2"],
        ),
        // The project's own virtual roots are skipped.
        ("uv-lock", "trivy/python-uv/uv_multiple_roots.lock", &["asyncio@3.4.3"]),
        ("uv-lock", "osv-scalibr/python-uvlock/source-git.lock", &["ruff@0.8.1"]),
        ("uv-lock", "osv-scanner/locks-scalibr/uv.lock", &["emoji@2.14.0", "protobuf@4.25.5"]),
        ("uv-lock", "trivy-integration-repos/uv/uv.lock", &["click@8.1.3", "colorama@0.4.6", "werkzeug@0.11.1"]),
        ("uv-lock", "osv-scalibr/python-uvlock/empty.lock", &[]),
        ("uv-lock", "osv-scalibr/python-uvlock/no-packages.lock", &[]),
        // Development and optional groups are included.
        (
            "pdm-lock",
            "osv-scalibr/python-pdmlock/dev-dependency.toml",
            &["pyroute2@0.7.11", "toml@0.10.2", "win-inet-pton@1.1.0"],
        ),
        ("pdm-lock", "osv-scalibr/python-pdmlock/git-dependency.toml", &["toml@0.10.2"]),
        ("pdm-lock", "osv-scalibr/python-pdmlock/two-packages.toml", &["six@1.16.0", "toml@0.10.2"]),
        ("pdm-lock", "osv-scalibr/python-pdmlock/empty.toml", &[]),
    ];
    for (cataloger, fixture, expected) in cases {
        let found = catalog_fixture_in_its_directory(cataloger, LOCKFILES, fixture).unwrap();
        assert_eq!(package_set(&found), set_of(expected), "{fixture}");
        assert!(found.diagnostics.is_empty(), "{fixture}: {:?}", found.diagnostics);
    }
}

/// Package counts of the large real-project lockfiles, checked against an
/// independent count of their versioned, non-local `[[package]]`/section entries.
#[test]
fn python_real_project_counts() {
    let cases = [
        ("poetry-lock", "real-projects/poetry/osv.dev/poetry.lock", 63, "grpcio@1.83.0"),
        // 89 `[[package]]` tables, one of which is uv itself (`editable = "."`).
        ("uv-lock", "real-projects/uv/astral-sh-uv/uv.lock", 88, "anyio@4.13.0"),
        ("pipfile-lock", "real-projects/pipenv/ruby-advisory-db/Pipfile.lock", 5, "pyyaml@5.4.1"),
        ("pipfile-lock", "trivy-integration-repos/trivy-ci-test/Pipfile.lock", 85, "django@2.0.9"),
        ("pipfile-lock", "trivy/python-pipenv/Pipfile_many.lock", 24, "awscli@1.16.147"),
    ];
    for (cataloger, fixture, count, example) in cases {
        let found = catalog_fixture_in_its_directory(cataloger, LOCKFILES, fixture).unwrap();
        let packages = package_set(&found);
        assert_eq!(packages.len(), count, "{fixture}");
        assert!(packages.contains(example), "{fixture} lacks {example}");
    }
    let uv = catalog_fixture_in_its_directory("uv-lock", LOCKFILES, "real-projects/uv/astral-sh-uv/uv.lock").unwrap();
    assert!(!uv.packages.iter().any(|package| package.name == "uv"), "the project itself is not a dependency");
}

/// Pipfile.lock git dependencies have a commit, not a version: unresolved.
#[test]
fn pipfile_git_dependencies_are_unresolved() {
    let found =
        catalog_fixture_in_its_directory("pipfile-lock", LOCKFILES, "osv-scalibr/python-pipfilelock/no-version.json")
            .unwrap();
    assert!(found.packages.is_empty());
    let unresolved: Vec<(&str, &str)> =
        found.unresolved.iter().map(|dependency| (dependency.name.as_str(), dependency.requirement.as_str())).collect();
    assert_eq!(
        unresolved,
        [
            ("markupsafe", "git+https://github.com/pallets/markupsafe@b36054111bc1e8bbadb5d0d60158feb72926f467"),
            ("itsdangerous", "git+https://github.com/pallets/itsdangerous@de09cad488a4d7c7bbcbcdb8e1c2dfde64325f48"),
        ]
    );
    let found = catalog_fixture_in_its_directory(
        "pipfile-lock",
        LOCKFILES,
        "trivy-integration-repos/trivy-ci-test/Pipfile.lock",
    )
    .unwrap();
    assert_eq!(found.unresolved.len(), 1);
    assert_eq!(found.unresolved[0].name, "django-postgres-extra");
}

/// Every malformed fixture is a parse error naming the file.
#[test]
fn malformed_python_lockfiles_are_errors_naming_the_file() {
    let cases = [
        ("poetry-lock", "osv-scalibr/python-poetrylock/not-toml.txt"),
        ("uv-lock", "osv-scalibr/python-uvlock/not-toml.txt"),
        ("pdm-lock", "osv-scalibr/python-pdmlock/not-toml.txt"),
        ("pipfile-lock", "osv-scalibr/python-pipfilelock/not-json.txt"),
        // A zero-byte file is not JSON.
        ("pipfile-lock", "osv-scalibr/python-pipfilelock/empty-file"),
        // Not a lockfile at all: pylock's sad case is a lone `[`.
        ("uv-lock", "trivy/python-pylock/sad.toml"),
        ("poetry-lock", "trivy/python-pyproject/sad.toml"),
    ];
    for (cataloger, fixture) in cases {
        let error = catalog_fixture_in_its_directory(cataloger, LOCKFILES, fixture).unwrap_err();
        let file_name = fixture.rsplit('/').next().unwrap();
        assert!(matches!(error, CatalogError::Parse { .. }), "{fixture}: {error}");
        assert!(error.to_string().contains(file_name), "{fixture}: {error}");
    }
}

/// Lockfiles are picked by their real names.
#[test]
fn python_lockfile_names_select_catalogers() {
    assert_eq!(interested_catalogers("poetry.lock"), ["poetry-lock"]);
    assert_eq!(interested_catalogers("app/Pipfile.lock"), ["pipfile-lock"]);
    assert_eq!(interested_catalogers("uv.lock"), ["uv-lock"]);
    assert_eq!(interested_catalogers("svc/pdm.lock"), ["pdm-lock"]);
    assert!(interested_catalogers("Pipfile").is_empty());
}
