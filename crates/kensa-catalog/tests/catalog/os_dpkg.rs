//! The dpkg cataloger over the real status files in shared/data/targets/dpkg
//! (debootstrap bookworm/bullseye, Ubuntu bionic and texlive, syft's and
//! distroless `status.d` entries), hand-made edge cases, the files each
//! package owns, and a real debootstrap root filesystem when one is built.

// Helpers outside #[test] functions fail loudly on a broken fixture, like the tests.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use crate::common::{TARGETS, cataloger_named, fixtures_directory, report_missing_fixture};
use kensa_catalog::{CatalogOptions, FileInput, Found, all_catalogers, catalog_filesystem};
use kensa_fs::DirectoryFileSystem;
use kensa_model::{Distro, Ecosystem, Resource, ResourceKind};

fn dpkg_root() -> PathBuf {
    Path::new(TARGETS).join("dpkg")
}

/// Runs the dpkg cataloger on `contents` as the file `path` of a tree rooted at `root`.
fn catalog_dpkg(root: &Path, path: &str, contents: &[u8], distro: Option<&Distro>) -> Found {
    let filesystem = DirectoryFileSystem::new(root).unwrap();
    cataloger_named("dpkg").catalog(&FileInput { path, contents, filesystem: &filesystem, distro }).unwrap()
}

/// Runs the dpkg cataloger on a fixture under targets/dpkg, located at its
/// path there (no `info/*.list` files exist next to the fixtures).
fn catalog_fixture(relative_path: &str, distro: Option<&Distro>) -> Found {
    let contents = std::fs::read(dpkg_root().join(relative_path)).unwrap();
    catalog_dpkg(&dpkg_root(), relative_path, &contents, distro)
}

fn distro(id: &str, version: &str, id_like: &[&str]) -> Distro {
    Distro {
        id: id.to_owned(),
        version: version.to_owned(),
        id_like: id_like.iter().map(|like| (*like).to_owned()).collect(),
        ..Distro::default()
    }
}

/// `name@version (source@version) arch`, sorted: the form of the reviewed snapshots.
fn listing_with_sources(found: &Found) -> String {
    let mut lines: Vec<String> = found
        .packages
        .iter()
        .map(|package| {
            let source = package.source.as_ref().unwrap();
            let architecture = package.architecture.as_deref().unwrap_or("-");
            format!("{}@{} ({}@{}) {architecture}", package.name, package.version, source.name, source.version)
        })
        .collect();
    lines.sort();
    lines.join("\n")
}

/// The number of stanzas with `Status: install ok installed`, counted
/// independently of the cataloger (what `grep -c` gives).
fn installed_stanza_count(relative_path: &str) -> usize {
    let text = std::fs::read_to_string(dpkg_root().join(relative_path)).unwrap();
    text.lines().filter(|line| *line == "Status: install ok installed").count()
}

/// Every fixture yields exactly its installed packages; corrupt and partial
/// entries become diagnostics naming the file. The counts are `grep -c
/// '^Status: install ok installed'` for the status files, and for syft's
/// status.d entries (which distroless writes without Status) the stanzas that
/// have a Version.
#[test]
fn every_fixture_yields_its_installed_packages() {
    // (fixture, packages, diagnostics)
    let table: &[(&str, usize, usize)] = &[
        ("debootstrap-bookworm/status", 88, 0),
        ("debootstrap-bookworm-host/status", 152, 0),
        ("debootstrap-bullseye/status", 96, 0),
        ("claircore/texlive.status", 357, 0),
        // vcpkg's status (same format): 15 ports; the 9 `Feature:` stanzas
        // describe optional features of a port and are not packages.
        ("claircore/vcpkg.status", 15, 0),
        ("claircore/debian-only.status", 1, 0),
        ("claircore/postgresql.status", 3, 0),
        // 91 stanzas, one of them `deinstall ok config-files` (git).
        ("trivy/ubuntu-bionic.status", 90, 0),
        ("osv-scalibr/valid.status", 7, 0),
        // opkg writes the same format; the parser reads it (OpenWrt has no cataloger).
        ("osv-scalibr/opkg-valid.status", 3, 0),
        ("osv-scanner/status", 1, 0),
        ("syft-distroless-status.d/libsqlite3-0", 1, 0),
        ("syft-status.d/coreutils-relationships", 9, 0),
        ("syft-status.d/single", 1, 0),
        ("syft-status.d/installed-size-4KB", 1, 0),
        // The second stanza is `deinstall ok config-files`.
        ("syft-status.d/deinstall", 1, 0),
        // One installed package and five bare `Package: x` stanzas without a Version.
        ("syft-status.d/libpam-runtime", 1, 5),
        // tzdata and util-linux; an empty `Package:` and a `no-version` stanza.
        ("syft-status.d/multiple", 2, 2),
        // Five versioned examples from the Debian policy manual; eleven bare names.
        ("syft-status.d/doc-examples", 5, 11),
        // `Package:` with no name.
        ("syft-status.d/empty", 0, 1),
        // Misspelled field names (no Package) and a line that is not a field.
        ("syft-status.d/corrupt", 0, 2),
    ];
    for (fixture, packages, diagnostics) in table {
        let found = catalog_fixture(fixture, None);
        assert_eq!(found.packages.len(), *packages, "{fixture}: {:?}", found.diagnostics);
        assert_eq!(found.diagnostics.len(), *diagnostics, "{fixture}: {:#?}", found.diagnostics);
        for diagnostic in &found.diagnostics {
            assert_eq!(diagnostic.path, *fixture);
        }
        if !fixture.starts_with("syft") && !fixture.contains("vcpkg") {
            assert_eq!(found.packages.len(), installed_stanza_count(fixture), "{fixture}");
        }
    }
}

/// Exact packages, sources and architectures of the small fixtures.
#[test]
fn small_fixtures_exact_packages() {
    for (snapshot, fixture) in [
        ("claircore_postgresql", "claircore/postgresql.status"),
        ("claircore_debian_only", "claircore/debian-only.status"),
        ("scalibr_valid", "osv-scalibr/valid.status"),
        ("osv_scanner", "osv-scanner/status"),
        ("syft_coreutils_relationships", "syft-status.d/coreutils-relationships"),
        ("syft_multiple", "syft-status.d/multiple"),
        ("syft_doc_examples", "syft-status.d/doc-examples"),
        ("syft_deinstall", "syft-status.d/deinstall"),
        ("distroless_libsqlite3", "syft-distroless-status.d/libsqlite3-0"),
    ] {
        insta::assert_snapshot!(snapshot, listing_with_sources(&catalog_fixture(fixture, None)));
    }
}

/// The debootstrap bookworm status with its own os-release: Debian packages
/// whose purls carry `distro=debian-12`, binaries attributed to their source.
#[test]
fn bookworm_packages_are_debian_12() {
    let bookworm = distro("debian", "12", &[]);
    let found = catalog_fixture("debootstrap-bookworm/status", Some(&bookworm));
    assert!(found.packages.iter().all(|package| package.ecosystem == Ecosystem::Debian));
    let libc6 = found.packages.iter().find(|package| package.name == "libc6").unwrap();
    assert_eq!(libc6.source.as_ref().unwrap().name, "glibc");
    assert_eq!(libc6.source.as_ref().unwrap().version, libc6.version);
    let encoded_version = libc6.version.replace('+', "%2B");
    assert_eq!(
        libc6.purl,
        format!("pkg:deb/debian/libc6@{encoded_version}?arch=amd64&distro=debian-12&upstream=glibc")
    );
    // `Source: name (version)`: a binNMU's source keeps its own version.
    let with_own_source_version =
        found.packages.iter().filter(|package| package.source.as_ref().unwrap().version != package.version).count();
    let text = std::fs::read_to_string(dpkg_root().join("debootstrap-bookworm/status")).unwrap();
    let source_lines_with_version =
        text.lines().filter(|line| line.starts_with("Source:") && line.contains('(')).count();
    assert_eq!(with_own_source_version, source_lines_with_version);
    assert_eq!(source_lines_with_version, 13);
}

/// Ubuntu status files are Ubuntu packages with `distro=ubuntu-18.04`; so are
/// those of a derivative that declares `ID_LIKE=ubuntu`.
#[test]
fn ubuntu_packages() {
    let bionic = distro("ubuntu", "18.04", &["debian"]);
    let found = catalog_fixture("trivy/ubuntu-bionic.status", Some(&bionic));
    assert!(found.packages.iter().all(|package| package.ecosystem == Ecosystem::Ubuntu));
    let package = found.packages.iter().find(|package| package.name == "util-linux").unwrap();
    assert!(package.purl.starts_with("pkg:deb/ubuntu/util-linux@"), "{}", package.purl);
    assert!(package.purl.ends_with("&distro=ubuntu-18.04"), "{}", package.purl);
    let mint = distro("linuxmint", "21.2", &["ubuntu", "debian"]);
    let found = catalog_fixture("osv-scanner/status", Some(&mint));
    assert_eq!(found.packages[0].ecosystem, Ecosystem::Ubuntu);
    let unknown = distro("vyos", "1.4", &[]);
    assert_eq!(catalog_fixture("osv-scanner/status", Some(&unknown)).packages[0].ecosystem, Ecosystem::Debian);
}

/// Stanza-format edge cases: CRLF, runs of blank lines, whitespace-only
/// separators, every Status state, Source with and without a version.
#[test]
fn stanza_edge_cases() {
    let status = "Package: kept\r\nStatus: install ok installed\r\nVersion: 1.0-1\r\nSource: upstream (0.9-2)\r\n\r\n\r\n\
                  Package: held\nStatus: hold ok installed\nVersion: 2\nArchitecture: all\n \n\
                  Package: removing\nStatus: deinstall ok installed\nVersion: 3\n\n\
                  Package: configs\nStatus: deinstall ok config-files\nVersion: 4\n\n\
                  Package: broken\nStatus: install reinstreq half-installed\nVersion: 5\n\n\
                  Package: gone\nStatus: purge ok not-installed\n\n\
                  Package: unpacked\nStatus: install ok unpacked\nVersion: 6\nDescription: x\n more\n .\n";
    let found = catalog_dpkg(&dpkg_root(), "var/lib/dpkg/status", status.as_bytes(), None);
    assert_eq!(
        listing_with_sources(&found),
        "held@2 (held@2) all\nkept@1.0-1 (upstream@0.9-2) -\nremoving@3 (removing@3) -\nunpacked@6 (unpacked@6) -"
    );
    assert!(found.diagnostics.is_empty(), "{:?}", found.diagnostics);
}

/// An empty file or one of blank lines is no packages and no problem.
#[test]
fn empty_status() {
    for text in ["", "\n\n\n", "\r\n"] {
        assert_eq!(catalog_dpkg(&dpkg_root(), "var/lib/dpkg/status", text.as_bytes(), None), Found::default());
    }
}

/// Owned files come from `info/<pkg>.list` and, for Multi-Arch: same,
/// `info/<pkg>:<arch>.list`; lists of packages that are not installed are not
/// read. The driver then marks a Python package whose metadata dpkg owns as
/// installed by that package, and leaves a pip-installed one alone.
#[test]
fn owned_files_and_installed_by() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path();
    let write = |path: &str, text: &str| {
        let full = root.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    };
    write(
        "var/lib/dpkg/status",
        "Package: python3-six\nStatus: install ok installed\nVersion: 1.16.0-4\nArchitecture: all\nSource: six\n\n\
         Package: libfoo1\nStatus: install ok installed\nMulti-Arch: same\nArchitecture: amd64\nVersion: 1.0\n\n\
         Package: removed\nStatus: deinstall ok config-files\nVersion: 1\n",
    );
    write(
        "var/lib/dpkg/info/python3-six.list",
        "/.\n/usr\n/usr/lib/python3/dist-packages\n/usr/lib/python3/dist-packages/six-1.16.0.egg-info\n\
         /usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO\n/usr/lib/python3/dist-packages/six.py\n",
    );
    write("var/lib/dpkg/info/libfoo1:amd64.list", "/usr/lib/x86_64-linux-gnu/libfoo.so.1\n");
    // Must not be read: its package left only configuration files behind.
    write("var/lib/dpkg/info/removed.list", "/usr/bin/removed\n");
    write(
        "usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO",
        "Metadata-Version: 1.2\nName: six\nVersion: 1.16.0\n",
    );
    write(
        "usr/local/lib/python3.11/dist-packages/attrs-23.1.0.dist-info/METADATA",
        "Metadata-Version: 2.1\nName: attrs\nVersion: 23.1.0\n",
    );
    write("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n");

    let status = std::fs::read(root.join("var/lib/dpkg/status")).unwrap();
    let found = catalog_dpkg(root, "var/lib/dpkg/status", &status, None);
    let mut owners: Vec<String> = found.file_owners.iter().map(|(path, owner)| format!("{path} {owner}")).collect();
    owners.sort();
    assert_eq!(
        owners,
        [
            "usr python3-six",
            "usr/lib/python3/dist-packages python3-six",
            "usr/lib/python3/dist-packages/six-1.16.0.egg-info python3-six",
            "usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO python3-six",
            "usr/lib/python3/dist-packages/six.py python3-six",
            "usr/lib/x86_64-linux-gnu/libfoo.so.1 libfoo1",
        ]
    );

    let filesystem = DirectoryFileSystem::new(root).unwrap();
    let resource = Resource { kind: ResourceKind::Directory, name: "rootfs".to_owned() };
    let inventory = catalog_filesystem(&filesystem, &all_catalogers(), resource, &CatalogOptions::default());
    assert_eq!(inventory.distro.as_ref().unwrap().id, "debian");
    let six = inventory.packages.iter().find(|package| package.name == "six").unwrap();
    assert_eq!(six.installed_by.as_deref(), Some("python3-six"));
    let attrs = inventory.packages.iter().find(|package| package.name == "attrs").unwrap();
    assert_eq!(attrs.installed_by, None);
    let python3_six = inventory.packages.iter().find(|package| package.name == "python3-six").unwrap();
    assert_eq!(python3_six.purl, "pkg:deb/debian/python3-six@1.16.0-4?arch=all&distro=debian-12&upstream=six");
}

/// Distroless `status.d/<pkg>` entries own the files in `<pkg>.md5sums`,
/// whose paths have no leading slash; the md5sums files are not entries.
#[test]
fn distroless_status_directory() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path();
    let status_directory = root.join("var/lib/dpkg/status.d");
    std::fs::create_dir_all(&status_directory).unwrap();
    std::fs::copy(dpkg_root().join("syft-distroless-status.d/libsqlite3-0"), status_directory.join("libsqlite3-0"))
        .unwrap();
    std::fs::write(
        status_directory.join("libsqlite3-0.md5sums"),
        "0123456789abcdef0123456789abcdef  usr/lib/aarch64-linux-gnu/libsqlite3.so.0.8.6\n",
    )
    .unwrap();
    let filesystem = DirectoryFileSystem::new(root).unwrap();
    let resource = Resource { kind: ResourceKind::Directory, name: "distroless".to_owned() };
    let inventory = catalog_filesystem(&filesystem, &all_catalogers(), resource, &CatalogOptions::default());
    let packages: Vec<String> =
        inventory.packages.iter().map(|package| format!("{}@{}", package.name, package.version)).collect();
    assert_eq!(packages, ["libsqlite3-0@3.34.1-3"]);
    assert!(inventory.diagnostics.is_empty(), "{:?}", inventory.diagnostics);

    let contents = std::fs::read(status_directory.join("libsqlite3-0")).unwrap();
    let found = catalog_dpkg(root, "var/lib/dpkg/status.d/libsqlite3-0", &contents, None);
    assert_eq!(
        found.file_owners,
        [("usr/lib/aarch64-linux-gnu/libsqlite3.so.0.8.6".to_owned(), "libsqlite3-0".to_owned())]
    );
}

/// A real `debootstrap --variant=minbase bookworm` tree (built by
/// .ci/needs/os-rootfs.sh) scanned end to end: Debian 12, exactly the
/// packages `dpkg-query` lists as installed, with their sources, and every
/// package's files known.
#[test]
fn debootstrap_bookworm_rootfs() {
    let rootfs = fixtures_directory().join("rootfs-bookworm");
    if !rootfs.join("var/lib/dpkg/status").is_file() {
        report_missing_fixture(&format!("{} (run .ci/needs/os-rootfs.sh)", rootfs.display()));
        return;
    }
    let filesystem = DirectoryFileSystem::new(&rootfs).unwrap();
    let resource = Resource { kind: ResourceKind::Directory, name: rootfs.display().to_string() };
    let inventory = catalog_filesystem(&filesystem, &all_catalogers(), resource, &CatalogOptions::default());
    let distro = inventory.distro.as_ref().unwrap();
    assert_eq!((distro.id.as_str(), distro.version.as_str()), ("debian", "12"));
    assert_eq!(distro.codename.as_deref(), Some("bookworm"));
    assert!(inventory.diagnostics.is_empty(), "{:#?}", inventory.diagnostics);

    let mut found: Vec<String> = inventory
        .packages
        .iter()
        .filter(|package| package.ecosystem == Ecosystem::Debian)
        .map(|package| {
            let source = package.source.as_ref().unwrap();
            format!("{} {} {} {}", package.name, package.version, source.name, source.version)
        })
        .collect();
    found.sort();
    let Some(expected) = dpkg_query_installed(&rootfs) else { return };
    assert_eq!(found, expected);

    let source_of = |name: &str| {
        let package = inventory.packages.iter().find(|package| package.name == name).unwrap();
        package.source.as_ref().unwrap().name.clone()
    };
    assert_eq!(source_of("libc6"), "glibc");
    assert_eq!(source_of("libgnutls30"), "gnutls28");
    assert_eq!(source_of("bsdutils"), "util-linux");
    assert_eq!(source_of("bash"), "bash");

    // Owned files, from `info/<pkg>.list` and (Multi-Arch: same) `info/<pkg>:amd64.list`.
    let status = std::fs::read(rootfs.join("var/lib/dpkg/status")).unwrap();
    let found = catalog_dpkg(&rootfs, "var/lib/dpkg/status", &status, None);
    let owner_of =
        |path: &str| found.file_owners.iter().find(|(owned, _)| owned == path).map(|(_, owner)| owner.as_str());
    assert_eq!(owner_of("usr/bin/dpkg"), Some("dpkg"));
    assert_eq!(owner_of("lib/x86_64-linux-gnu/libc.so.6"), Some("libc6"));
    let owners: std::collections::BTreeSet<&str> = found.file_owners.iter().map(|(_, owner)| owner.as_str()).collect();
    assert_eq!(owners.len(), found.packages.len(), "every installed package has a file list");
}

/// `dpkg-query`'s own view of the tree: `package version source-name
/// source-version` for every package whose files are on disk (the states the
/// cataloger reports; a minbase tree has only `installed` ones).
fn dpkg_query_installed(rootfs: &Path) -> Option<Vec<String>> {
    let output = std::process::Command::new("dpkg-query")
        .arg(format!("--admindir={}", rootfs.join("var/lib/dpkg").display()))
        .args(["-W", "-f", "${db:Status-Status} ${Package} ${Version} ${source:Package} ${source:Version}\\n"])
        .output();
    let output = match output {
        Ok(output) if output.status.success() => output,
        _ => {
            report_missing_fixture("dpkg-query");
            return None;
        }
    };
    let mut lines: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter_map(|line| line.split_once(' '))
        .filter(|(status, _)| {
            matches!(*status, "installed" | "unpacked" | "half-configured" | "triggers-awaited" | "triggers-pending")
        })
        .map(|(_, rest)| rest.to_owned())
        .collect();
    lines.sort();
    Some(lines)
}
