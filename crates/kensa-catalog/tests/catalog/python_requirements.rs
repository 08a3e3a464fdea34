//! The pip requirements cataloger against the real fixtures in shared/data (read
//! in place): pins become packages, everything else unresolved dependencies or
//! diagnostics, `-r` includes are followed through the filesystem.

use std::collections::BTreeSet;
use std::path::Path;

use crate::common::{LOCKFILES, catalog_fixture_in_its_directory, catalog_with, cataloger_named, package_set, set_of};
use kensa_catalog::Found;
use kensa_fs::{DirectoryFileSystem, FileEntry};

/// `name requirement` of every unresolved dependency, in file order.
fn unresolved_list(found: &Found) -> Vec<String> {
    found.unresolved.iter().map(|dependency| format!("{} {}", dependency.name, dependency.requirement)).collect()
}

/// Exact packages and unresolved dependencies of each fixture.
#[test]
fn requirements_fixtures() {
    let cases: &[(&str, &[&str], &[&str])] = &[
        // Comments, including one after a requirement; names keep their case.
        (
            "osv-scalibr/python-requirements/comments.txt",
            &["GMPY2@1", "PyCrypto@1.2-alpha", "SymPy@1.2", "requests@1.0", "six@1.2"],
            &[],
        ),
        // The pip documentation's example: ranges, bare names, a direct URL, and a
        // `-r` include (other-requirements.txt pins pandas); a local wheel's file
        // name gives its version.
        (
            "osv-scalibr/python-requirements/example.txt",
            &["docopt@0.6.1", "numpy@1.9.2", "pandas@2.2.3", "wxPython_Phoenix@3.0.3.dev1820+49a8884"],
            &[
                "pytest ",
                "pytest-cov ",
                "beautifulsoup4 ",
                "requests >= 2.8.1, == 2.8.*",
                "urllib3 @ https://github.com/urllib3/urllib3/archive/refs/tags/1.26.8.zip",
                "keyring >= 4.1.1",
                "coverage != 3.5",
                "Mopidy-Dirble ~= 1.1",
            ],
        ),
        // Extras, with and without spaces.
        ("osv-scalibr/python-requirements/extras.txt", &["celery@4.4.7", "pyjwt@2.1.0"], &[]),
        ("trivy/python-pip/requirement_exstras.txt", &["celery@4.4.7", "pyjwt@2.1.0"], &[]),
        // An environment variable is not a version.
        ("osv-scalibr/python-requirements/env_var.txt", &["another@1.0", "asdf@1.2"], &["qwert ==${MY_VARIABLE_1}"]),
        // Continuation lines with hashes, comments between requirements.
        ("osv-scalibr/python-requirements/multiline_and_comments.txt", &["pkgA@1.0", "pkgB@2.0"], &[]),
        ("osv-scalibr/python-requirements/trailing_backslash.txt", &["pkg1@1.0"], &[]),
        ("trivy/python-pip/requirements_hash.txt", &["FooProject@1.2", "Jinja2@3.0.0"], &[]),
        // Unpinned names are never dropped.
        ("osv-scalibr/python-requirements/no_version.txt", &[], &["PyCrypto ", "GMPY2 ", "SymPy "]),
        // `===`, dots, underscores, a continued `qwerty \ == 0.1`; wildcards are ranges.
        (
            "osv-scalibr/python-requirements/with_versions.txt",
            &[
                "hy-phen@1.2",
                "nltk@3.2.2",
                "pkg.dot.name@5.0.0",
                "qwerty@0.1",
                "tabulate@0.7.7",
                "under_score@1.3",
                "yolo@1.0",
            ],
            &["newspaper3k >=0.2.2", "asdf ==0.7.*", "combination-._-.also_-._valid >=3.5", "pkg <=1.2.3"],
        ),
        (
            "trivy/python-pip/requirements_compatible.txt",
            &[],
            &[
                "keyring >= 4.1.1",
                "Mopidy-Dirble ~= 1.1",
                "python-gitlab ==2.0.*",
                "django ==5.*.*",
                "django ==4.*.1",
                "pyjwt ==1.*,>=1.2",
                "eventlet !=0.18.3,!=0.20.1,>=0.18.2",
            ],
        ),
        // An unspaced `#comment` after a pin.
        (
            "trivy/python-pip/requirements_comments.txt",
            &["Flask@2.0.0", "Jinja2@3.0.0", "MarkupSafe@2.0.0", "click@8.0.0"],
            &[],
        ),
        // UTF-16LE with a byte-order mark and CRLF line ends.
        ("trivy/python-pip/requirements_utf16le.txt", &["attrs@20.3.0"], &[]),
        // osv-scanner's directory: a transitive include of requirements.txt.
        (
            "osv-scanner/locks-requirements/requirements-transitive.txt",
            &["django@1.11.29", "flask@1.0.0", "numpy@2.3.1", "requests@2.20.0"],
            &[],
        ),
        // pip-compile `# via` comment blocks.
        ("osv-scanner/locks-requirements/requirements.prod.txt", &["django@2.2.24"], &[]),
        (
            "trivy-integration-repos/pip/requirements.txt",
            &[
                "Flask@2.0.0",
                "Jinja2@3.0.0",
                "Werkzeug@0.11",
                "click@8.0.0",
                "itsdangerous@2.0.0",
                "oauth2-client@4.0.0",
                "python-gitlab@2.0.0",
            ],
            &["MarkupSafe >2.0.0"],
        ),
    ];
    for (fixture, packages, unresolved) in cases {
        let found = catalog_fixture_in_its_directory("python-requirements", LOCKFILES, fixture).unwrap();
        assert_eq!(package_set(&found), set_of(packages), "{fixture}");
        assert_eq!(unresolved_list(&found), *unresolved, "{fixture}");
        assert!(found.unresolved.iter().all(|dependency| !dependency.location.is_empty()));
    }
}

/// Per-requirement options (`--hash`, `--config-settings`, `-C`) are cut off
/// without eating the requirement; an empty pin is unresolved.
#[test]
fn per_requirement_options() {
    let found = catalog_fixture_in_its_directory(
        "python-requirements",
        LOCKFILES,
        "osv-scalibr/python-requirements/per_req_options.txt",
    )
    .unwrap();
    let expected: Vec<String> = [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14]
        .iter()
        .map(|number| format!("foo{number}@1.0"))
        .chain(["foo16-Client@1.0".to_owned(), "foo17--hash@1.0".to_owned(), "foo18-Client@1.0".to_owned()])
        .collect();
    assert_eq!(package_set(&found), expected.into_iter().collect::<BTreeSet<_>>());
    assert_eq!(unresolved_list(&found), ["foo10 ==", "foo15 =="]);
}

/// Lines that are not requirements become diagnostics naming the file and line;
/// the readable lines are still reported.
#[test]
fn invalid_lines_are_diagnostics_naming_the_file() {
    let found = catalog_fixture_in_its_directory(
        "python-requirements",
        LOCKFILES,
        "osv-scalibr/python-requirements/invalid.txt",
    )
    .unwrap();
    assert!(found.packages.is_empty());
    assert_eq!(
        unresolved_list(&found),
        ["asdf ==", "urllib3 @ https://github.com/urllib3/urllib3/archive/refs/tags/==1.26.8.zip"]
    );
    let messages: Vec<&str> = found.diagnostics.iter().map(|diagnostic| diagnostic.message.as_str()).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages[0].starts_with("line 2:") && messages[1].starts_with("line 3:"), "{messages:?}");
    assert!(found.diagnostics.iter().all(|diagnostic| diagnostic.path == "invalid.txt"));

    let found = catalog_fixture_in_its_directory(
        "python-requirements",
        LOCKFILES,
        "trivy/python-pip/requirements_with_templating_engine.txt",
    )
    .unwrap();
    assert!(found.packages.is_empty());
    assert_eq!(found.diagnostics.len(), 4);
}

/// `-r` loops end (each file is read once), a missing include is a diagnostic, and
/// an include chain deeper than the limit stops with a diagnostic.
#[test]
fn includes_are_bounded() {
    let found =
        catalog_fixture_in_its_directory("python-requirements", LOCKFILES, "osv-scalibr/python-requirements/loop.txt")
            .unwrap();
    assert!(found.packages.is_empty() && found.diagnostics.is_empty());

    let directory = tempfile::tempdir().unwrap();
    std::fs::create_dir(directory.path().join("requirements")).unwrap();
    std::fs::write(directory.path().join("requirements/base.txt"), "six==1.16.0\n-r ../missing.txt\n").unwrap();
    for level in 0..15 {
        std::fs::write(directory.path().join(format!("chain{level}.txt")), format!("-r chain{}.txt\n", level + 1))
            .unwrap();
    }
    std::fs::write(directory.path().join("chain15.txt"), "deep==1.0\n").unwrap();
    let filesystem = DirectoryFileSystem::new(directory.path()).unwrap();

    let found = catalog_with(
        "python-requirements",
        &filesystem,
        "requirements.txt",
        b"-r requirements/base.txt\nflask==2.0.0\n",
    )
    .unwrap();
    assert_eq!(package_set(&found), set_of(&["flask@2.0.0", "six@1.16.0"]));
    let six = found.packages.iter().find(|package| package.name == "six").unwrap();
    assert_eq!(six.locations, ["requirements/base.txt"], "packages are located in the file that pins them");
    assert_eq!(found.diagnostics.len(), 1);
    assert_eq!(found.diagnostics[0].path, "requirements/base.txt");
    assert!(found.diagnostics[0].message.contains("missing.txt"));

    let found = catalog_with("python-requirements", &filesystem, "chain0.txt", b"-r chain1.txt\n").unwrap();
    assert!(found.packages.is_empty(), "the chain is deeper than the limit");
    assert_eq!(found.diagnostics.len(), 1);
    assert!(found.diagnostics[0].message.contains("deep"), "{:?}", found.diagnostics);

    let found =
        catalog_with("python-requirements", &filesystem, "requirements.txt", b"-r ../../etc/passwd\n-r /etc/passwd\n")
            .unwrap();
    assert_eq!(found.diagnostics.len(), 2, "includes outside the tree are refused");
}

/// Editable and VCS lines with `#egg=` are unresolved dependencies; options that
/// install nothing are ignored.
#[test]
fn editable_and_option_lines() {
    let filesystem = DirectoryFileSystem::new(Path::new(LOCKFILES)).unwrap();
    let text = b"--index-url https://example.org/simple\n-c constraints.txt\n\
        -e git+https://github.com/o/tool.git@v1#egg=tool\n\
        git+https://github.com/o/lib.git#egg=lib\n-e ./local-dir\nrequests[socks]==2.31.0 ; python_version >= \"3.8\"\n";
    let found = catalog_with("python-requirements", &filesystem, "requirements.txt", text).unwrap();
    assert_eq!(package_set(&found), set_of(&["requests@2.31.0"]));
    assert_eq!(
        unresolved_list(&found),
        ["tool git+https://github.com/o/tool.git@v1#egg=tool", "lib git+https://github.com/o/lib.git#egg=lib"]
    );
    assert_eq!(found.diagnostics.len(), 1, "the nameless editable directory is reported");
}

/// Which files the cataloger wants.
#[test]
fn requirements_file_names() {
    let cataloger = cataloger_named("python-requirements");
    let wants = |path: &str| cataloger.is_interested(&FileEntry { path: path.to_owned(), size: 1, executable: false });
    assert!(wants("requirements.txt"));
    assert!(wants("app/requirements-dev.txt"));
    assert!(wants("the_requirements_for_test.txt"));
    assert!(wants("requirements/prod.txt"));
    assert!(!wants("requirements.in"));
    assert!(!wants("notes.txt"));
    assert!(!wants("lib/python3.11/site-packages/pkg/requirements.txt"));
}
