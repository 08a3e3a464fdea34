//! The npm, yarn and pnpm lockfile catalogers against the real fixtures in
//! shared/data (read in place), plus hand-made malformed inputs.

use std::path::Path;

use crate::common::{
    LOCKFILES, catalog_fixture_in_its_directory, catalog_with, interested_catalogers, package_set, set_of,
};
use kensa_fs::DirectoryFileSystem;

/// The package set of trivy's package-lock fixtures: the same project locked as
/// v1, v2 and v3, with nested duplicates (`debug` 2.6.9 under two parents) and a
/// scoped package.
const TRIVY_NPM_PROJECT: &[&str] = &[
    "@babel/helper-string-parser@7.19.4",
    "asap@2.0.6",
    "body-parser@1.18.3",
    "bytes@3.0.0",
    "content-type@1.0.5",
    "debug@2.5.2",
    "debug@2.6.9",
    "depd@1.1.2",
    "ee-first@1.1.1",
    "encodeurl@1.0.2",
    "escape-html@1.0.3",
    "finalhandler@1.1.1",
    "http-errors@1.6.3",
    "iconv-lite@0.4.23",
    "inherits@2.0.3",
    "media-typer@0.3.0",
    "mime-db@1.52.0",
    "mime-types@2.1.35",
    "ms@0.7.2",
    "ms@1.0.0",
    "ms@2.0.0",
    "on-finished@2.3.0",
    "parseurl@1.3.3",
    "promise@8.3.0",
    "qs@6.5.2",
    "raw-body@2.3.3",
    "safer-buffer@2.1.2",
    "setprototypeof@1.1.0",
    "statuses@1.4.0",
    "type-is@1.6.18",
    "unpipe@1.0.0",
];

/// v1 (nested `dependencies`), v2 and v3 (`packages` keyed by path) of the same
/// project give the same packages, names taken from nested and scoped paths.
#[test]
fn package_lock_versions_agree() {
    for fixture in ["package-lock_v1.json", "package-lock_v2.json", "package-lock_v3.json"] {
        let found =
            catalog_fixture_in_its_directory("npm-package-lock", LOCKFILES, &format!("trivy/nodejs-npm/{fixture}"))
                .unwrap();
        assert_eq!(package_set(&found), set_of(TRIVY_NPM_PROJECT), "{fixture}");
        assert!(found.diagnostics.is_empty(), "{fixture}: {:?}", found.diagnostics);
    }
}

/// Exact package sets of small package-lock fixtures, each proving one rule.
#[test]
fn package_lock_fixtures() {
    let cases: &[(&str, &[&str])] = &[
        // Workspace folders and `link: true` entries are the project's own code; the
        // dependencies nested under a workspace folder are real packages.
        (
            "trivy/nodejs-npm/package-lock_v3_with_workspace.json",
            &["debug@2.5.2", "debug@2.6.9", "ms@0.7.2", "ms@2.0.0"],
        ),
        // A link whose target is a workspace folder yields nothing.
        ("trivy/nodejs-npm/package-lock_v3_broken_link.json", &[]),
        ("trivy/nodejs-npm/package-lock_v3_without_root_deps_field.json", &["debug@2.6.9", "ms@2.0.0"]),
        // A package that is both a dev and a non-dev dependency is reported once.
        (
            "trivy/nodejs-npm/package-lock_v3_with-same-dev-and-non-dev.json",
            &["fsevents@1.2.9", "minimist@0.0.8", "mkdirp@0.5.1", "node-pre-gyp@0.12.0"],
        ),
        (
            "trivy/nodejs-npm/package-lock_v3_with_peer.json",
            &["lodash@4.17.21", "mustache@2.3.2", "triple-beam@1.4.1", "winston-mail@2.0.0", "winston@3.17.0"],
        ),
        // npm-shrinkwrap.json has the same format.
        (
            "osv-scalibr/javascript-packagelockjson/npm-shrinkwrap-only/npm-shrinkwrap.json",
            &["supports-color@5.5.0", "wrappy@1.0.2"],
        ),
        ("osv-scanner/locks-many/package-lock.json", &["ansi-html@0.0.8"]),
        (
            "trivy-integration-repos/npm/package-lock.json",
            &[
                "asap@2.0.6",
                "jquery@3.3.9",
                "js-tokens@4.0.0",
                "loose-envify@1.4.0",
                "object-assign@4.1.1",
                "promise@8.0.3",
                "prop-types@15.7.2",
                "react-is@16.8.6",
                "react@16.8.6",
                "redux@4.0.1",
                "scheduler@0.13.6",
                "symbol-observable@1.2.0",
                "z-lock@1.0.0",
            ],
        ),
    ];
    for (fixture, expected) in cases {
        let found = catalog_fixture_in_its_directory("npm-package-lock", LOCKFILES, fixture).unwrap();
        assert_eq!(package_set(&found), set_of(expected), "{fixture}");
    }
}

/// Counts for the large real-project lockfiles (checked against an independent
/// count of `node_modules/` keys with a version), with spot checks.
#[test]
fn package_lock_real_projects() {
    let found = catalog_fixture_in_its_directory(
        "npm-package-lock",
        LOCKFILES,
        "real-projects/npm/nodejs-security-wg/package-lock.json",
    )
    .unwrap();
    let packages = package_set(&found);
    assert_eq!(packages.len(), 54);
    assert!(packages.contains("@hapi/hoek@9.3.0"));
    assert!(packages.contains("got@11.8.6"));

    let found = catalog_fixture_in_its_directory(
        "npm-package-lock",
        LOCKFILES,
        "real-projects/npm/osv-scanner-in-place-npm/package-lock.json",
    )
    .unwrap();
    let packages = package_set(&found);
    assert_eq!(packages.len(), 106);
    // Two versions of one package at different nesting levels are both kept.
    assert!(packages.contains("hosted-git-info@1.6.0") && packages.contains("hosted-git-info@2.1.4"));
    assert!(found.packages.iter().all(|package| package.locations == ["package-lock.json"]));
}

/// v1 aliases resolve to the real package; git versions become unresolved; local
/// `file:` dependencies are skipped.
#[test]
fn package_lock_v1_aliases_git_and_files() {
    let lockfile = br#"{"lockfileVersion": 1, "dependencies": {
        "cjs-regex": {"version": "npm:ansi-regex@5.0.1"},
        "mine": {"version": "git+https://github.com/o/mine.git#0123abc"},
        "local": {"version": "file:../local"},
        "wrappy": {"version": "1.0.2", "dependencies": {"inner": {"version": "2.0.0"}}}
    }}"#;
    let filesystem = DirectoryFileSystem::new(Path::new(LOCKFILES)).unwrap();
    let found = catalog_with("npm-package-lock", &filesystem, "package-lock.json", lockfile).unwrap();
    assert_eq!(package_set(&found), set_of(&["ansi-regex@5.0.1", "inner@2.0.0", "wrappy@1.0.2"]));
    assert_eq!(found.unresolved.len(), 1);
    assert_eq!(found.unresolved[0].name, "mine");
    assert_eq!(found.unresolved[0].requirement, "git+https://github.com/o/mine.git#0123abc");
}

/// Exact package sets of yarn.lock fixtures, classic (v1) and berry (v2+).
#[test]
fn yarn_lock_fixtures() {
    let cases: &[(&str, &[&str])] = &[
        // One entry, several specifiers, quoted and unquoted.
        (
            "osv-scalibr/javascript-yarnlock/multiple-constraints.v1.lock",
            &["@babel/code-frame@7.12.13", "domelementtype@1.3.1"],
        ),
        // Quoted field names (`"version" "0.0.1"`).
        ("osv-scalibr/javascript-yarnlock/with-quotes.v1.lock", &["concat-map@0.0.1", "concat-stream@1.6.2"]),
        // `alias@npm:real@range` installs the real package, in both formats.
        (
            "osv-scalibr/javascript-yarnlock/with-aliases.v1.lock",
            &["@babel/helper-validator-identifier@7.22.20", "ansi-regex@5.0.1", "ansi-regex@6.0.1"],
        ),
        (
            "osv-scalibr/javascript-yarnlock/with-aliases.v2.lock",
            &["@babel/helper-validator-identifier@7.22.20", "ansi-regex@5.0.1", "ansi-regex@6.0.1"],
        ),
        // `file:` and `link:` entries are local code.
        ("osv-scalibr/javascript-yarnlock/files.v1.lock", &["etag@1.8.1", "lodash@1.3.1"]),
        ("osv-scalibr/javascript-yarnlock/files.v2.lock", &[]),
        // Workspace entries (the project and its members) are not packages.
        ("osv-scalibr/javascript-yarnlock/exclude-root.v2.lock", &["ansi-regex@6.1.0"]),
        ("trivy/nodejs-yarn/yarn_v2_deps_with_protocol.lock", &["debug@4.3.4", "ms@2.1.2"]),
        // A specifier without a range still names its package.
        ("osv-scalibr/javascript-yarnlock/no-version.v1.lock", &["balanced-match@1.0.2"]),
        (
            "osv-scalibr/javascript-yarnlock/with-prerelease.v1.lock",
            &[
                "css-tree@1.0.0-alpha.37",
                "gensync@1.0.0-beta.2",
                "node-fetch@3.0.0-beta.9",
                "resolve@1.20.0",
                "resolve@2.0.0-next.3",
            ],
        ),
        ("trivy/nodejs-yarn/yarn_with_local.lock", &["asap@2.0.6", "jquery@3.4.1", "promise@8.0.3"]),
        ("trivy-integration-repos/yarn/yarn.lock", &["asap@2.0.6", "jquery@3.2.1", "promise@8.0.3"]),
        // Comments only, and berry metadata only: valid, empty lockfiles.
        ("osv-scalibr/javascript-yarnlock/empty.v1.lock", &[]),
        ("osv-scalibr/javascript-yarnlock/empty.v2.lock", &[]),
        ("osv-scalibr/javascript-yarnlock/metadata-only.v2.lock", &[]),
    ];
    for (fixture, expected) in cases {
        let found = catalog_fixture_in_its_directory("yarn-lock", LOCKFILES, fixture).unwrap();
        assert_eq!(package_set(&found), set_of(expected), "{fixture}");
    }
}

/// Berry `patch:` resolutions are the patched registry package at its version;
/// git dependencies keep the version their package.json declares.
#[test]
fn yarn_berry_patches_and_git() {
    let found =
        catalog_fixture_in_its_directory("yarn-lock", LOCKFILES, "trivy/nodejs-yarn/yarn_v2_happy.lock").unwrap();
    let packages = package_set(&found);
    assert_eq!(packages.len(), 17);
    assert!(packages.contains("fsevents@2.1.3"));
    assert!(!packages.iter().any(|package| package.starts_with("code@")), "the workspace root is not a package");

    let found =
        catalog_fixture_in_its_directory("yarn-lock", LOCKFILES, "osv-scalibr/javascript-yarnlock/commits.v2.lock")
            .unwrap();
    assert_eq!(
        package_set(&found),
        set_of(&[
            "@my-scope/my-first-package@0.0.6",
            "@typegoose/typegoose@7.2.0",
            "is-really-great@1.0.0",
            "my-node-sdk@1.1.0",
            "my-second-package@0.2.2",
            "my-third-package@0.16.1-dev",
            "vuejs@2.5.0",
        ])
    );
}

/// Exact package sets of pnpm-lock.yaml fixtures across lockfile versions.
#[test]
fn pnpm_lock_fixtures() {
    let cases: &[(&str, &[&str])] = &[
        // v5: `/name/version_peers` keys, peer suffixes (hashes too) stripped.
        (
            "osv-scalibr/javascript-pnpmlock/peer-dependencies-advanced.yaml",
            &[
                "@typescript-eslint/eslint-plugin@5.13.0",
                "@typescript-eslint/parser@5.13.0",
                "@typescript-eslint/type-utils@5.13.0",
                "@typescript-eslint/types@5.13.0",
                "@typescript-eslint/typescript-estree@5.13.0",
                "@typescript-eslint/utils@5.13.0",
                "eslint-utils@3.0.0",
                "eslint@8.10.0",
                "tsutils@3.21.0",
            ],
        ),
        // v6: `/name@version(peer@version)` keys.
        (
            "osv-scalibr/javascript-pnpmlock/peer-dependencies-advanced-v6.yaml",
            &[
                "js-tokens@4.0.0",
                "loose-envify@1.4.0",
                "react-dom@18.3.0-canary-ab31a9ed2-20230824",
                "react@18.3.0-canary-ab31a9ed2-20230824",
                "scheduler@0.24.0-canary-ab31a9ed2-20230824",
            ],
        ),
        // v9: `name@version` keys; the same version with different peers is one package.
        (
            "trivy/nodejs-pnpm/pnpm-lock_v9_same-vers-diff-peers.yaml",
            &[
                "jest-config@30.0.3",
                "jest-pnp-resolver@1.2.3",
                "jest-resolve@27.5.1",
                "jest-resolve@30.0.2",
                "jest-runner@27.5.1",
                "jest-runner@30.0.3",
            ],
        ),
        // Host-prefixed v5 keys are read; keys naming no version are skipped.
        (
            "osv-scalibr/javascript-pnpmlock/exotic.yaml",
            &["@foo/bar@1.0.0", "@foo/bar@1.1.0", "foo@1.0.0", "foo@1.1.0", "foo@1.2.0", "foo@1.3.0", "foo@1.4.0"],
        ),
        // Git and tarball packages carry `name`/`version` fields.
        (
            "osv-scalibr/javascript-pnpmlock/commits.yaml",
            &[
                "@my-scope/my-other-package@1.0.0",
                "@my-scope/my-package@1.0.0",
                "faker-parser@0.0.1",
                "mocks@20.0.1",
                "my-bitbucket-package@1.0.0",
            ],
        ),
        ("osv-scalibr/javascript-pnpmlock/commits.v9.yaml", &["ansi-regex@6.0.1", "is-number@7.0.0"]),
        ("osv-scalibr/javascript-pnpmlock/tarball.yaml", &["@my-org/my-package@3.2.3"]),
        // Local `file:` packages are the project's own code.
        ("osv-scalibr/javascript-pnpmlock/files.yaml", &[]),
        (
            "trivy/nodejs-pnpm/pnpm-lock_archives.yaml",
            &["asynckit@0.4.0", "debug@4.3.4", "is-negative@2.0.1", "ms@2.1.2"],
        ),
        // Dev dependencies are included.
        ("osv-scalibr/javascript-pnpmlock/one-package-dev.v9.yaml", &["acorn@8.11.3"]),
        ("osv-scalibr/javascript-pnpmlock/scoped-packages.yaml", &["@typescript-eslint/types@5.13.0"]),
        // The package manager's own env lockfile (first document) is not the project's.
        ("trivy/nodejs-pnpm/pnpm-lock_v9_multiple_documents.yaml", &["is-number@7.0.0"]),
        ("trivy-integration-repos/pnpm/pnpm-lock.yaml", &["jquery@3.3.9", "lodash@4.17.4"]),
        // Valid lockfiles with nothing locked.
        ("osv-scalibr/javascript-pnpmlock/empty.yaml", &[]),
        ("osv-scalibr/javascript-pnpmlock/missing-packages.yaml", &[]),
        ("osv-scalibr/javascript-pnpmlock/no-packages.v9.yaml", &[]),
    ];
    for (fixture, expected) in cases {
        let found = catalog_fixture_in_its_directory("pnpm-lock", LOCKFILES, fixture).unwrap();
        assert_eq!(package_set(&found), set_of(expected), "{fixture}");
    }
}

/// Keys that name no version are reported as diagnostics, and the rest is kept.
#[test]
fn pnpm_unreadable_keys_are_diagnostics() {
    let found =
        catalog_fixture_in_its_directory("pnpm-lock", LOCKFILES, "osv-scalibr/javascript-pnpmlock/invalid-paths.yaml")
            .unwrap();
    assert_eq!(package_set(&found), set_of(&["acorn@8.7.0"]));
    assert_eq!(found.diagnostics.len(), 2);
    assert!(found.diagnostics.iter().all(|diagnostic| diagnostic.path == "invalid-paths.yaml"));
    assert!(found.diagnostics[0].message.contains("invalidpath1"));
}

/// Counts for the large pnpm fixtures equal their number of `resolution:` entries.
#[test]
fn pnpm_large_fixtures() {
    for (fixture, count) in [
        ("trivy/nodejs-pnpm/pnpm-lock_many.yaml", 134),
        ("trivy/nodejs-pnpm/pnpm-lock_with_dev.yaml", 85),
        ("trivy/nodejs-pnpm/pnpm-lock_v6_with_dev.yaml", 85),
    ] {
        let found = catalog_fixture_in_its_directory("pnpm-lock", LOCKFILES, fixture).unwrap();
        assert_eq!(package_set(&found).len(), count, "{fixture}");
    }
}

/// Malformed input is a parse error naming the file, never a panic.
#[test]
fn malformed_lockfiles_are_errors_naming_the_file() {
    let error =
        catalog_fixture_in_its_directory("pnpm-lock", LOCKFILES, "osv-scalibr/javascript-pnpmlock/not-yaml.txt")
            .unwrap_err();
    assert!(error.to_string().contains("not-yaml.txt"), "{error}");

    let filesystem = DirectoryFileSystem::new(Path::new(LOCKFILES)).unwrap();
    let cases: &[(&str, &str, &[u8])] = &[
        ("npm-package-lock", "app/package-lock.json", b"{\"packages\": {"),
        ("npm-package-lock", "app/package-lock.json", b"[1, 2]"),
        ("npm-package-lock", "app/package-lock.json", b"{\"packages\": 3}"),
        ("npm-package-lock", "app/package-lock.json", b"\xff\xfe\x00"),
        ("yarn-lock", "app/yarn.lock", b"this is not a lockfile\n"),
        ("yarn-lock", "app/yarn.lock", b"  version \"1.0.0\"\n"),
        ("yarn-lock", "app/yarn.lock", b"\"unterminated@^1:\n  version \"1\"\n"),
        ("yarn-lock", "app/yarn.lock", b"__metadata:\n  version: 6\n\"a@npm:1\": [\n"),
        ("pnpm-lock", "app/pnpm-lock.yaml", b"lockfileVersion: '9.0'\npackages: [1, 2]\n"),
        ("pnpm-lock", "app/pnpm-lock.yaml", b"packages:\n  a@1: {\n"),
    ];
    for (cataloger, path, contents) in cases {
        let error = catalog_with(cataloger, &filesystem, path, contents).unwrap_err();
        assert!(error.to_string().contains(path), "{cataloger} on {contents:?}: {error}");
    }
}

/// Lockfiles are picked by their real names, and not inside node_modules.
#[test]
fn lockfile_names_select_catalogers() {
    assert_eq!(interested_catalogers("app/package-lock.json"), ["npm-package-lock"]);
    assert_eq!(interested_catalogers("npm-shrinkwrap.json"), ["npm-package-lock"]);
    assert_eq!(interested_catalogers("yarn.lock"), ["yarn-lock"]);
    assert_eq!(interested_catalogers("web/pnpm-lock.yaml"), ["pnpm-lock"]);
    assert!(interested_catalogers("node_modules/dep/package-lock.json").is_empty());
    assert!(interested_catalogers("my-package-lock.json").is_empty());
}
