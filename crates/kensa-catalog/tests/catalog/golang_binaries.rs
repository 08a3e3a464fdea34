//! The `go-binary` cataloger on real Go executables: the demo program built by
//! `.ci/needs/catalog-binaries.sh` as ELF, PE and Mach-O (vendored real
//! dependencies, a module replacement and a local replacement), and Debian's
//! Go-written `docker-registry` and `skopeo`. `go version -m` is the oracle.
//!
//! Missing binaries or a missing `go` command print a notice and pass, unless
//! `KENSA_REQUIRE_FIXTURES=1` (set by CI), when they fail.

// Test helpers outside #[test] functions are not covered by clippy.toml's
// allow-*-in-tests settings; failing loudly is what a test helper should do.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, clippy::print_stderr)]

use std::path::Path;
use std::process::Command;

use crate::common::{
    catalog_binary, elf_header_then_noise, fixture_binary, fixtures_directory, report_missing_fixture,
};
use kensa_catalog::Found;

/// What `go version -m` says a binary holds, turned into Kensa's reporting
/// rules: `stdlib` at the toolchain version, the main module unless `(devel)`,
/// each dep with its `=>` replacement applied, local replacements unresolved.
struct Oracle {
    packages: Vec<(String, String)>,
    unresolved: Vec<String>,
}

fn go_version_m(binary: &Path) -> Option<Oracle> {
    let output = Command::new("go").arg("version").arg("-m").arg(binary).output().ok()?;
    assert!(output.status.success(), "go version -m {}: {:?}", binary.display(), output);
    let text = String::from_utf8(output.stdout).unwrap();
    let mut lines = text.lines();
    let go_version = lines.next().unwrap().rsplit(' ').next().unwrap();
    let mut packages = vec![("stdlib".to_owned(), format!("v{}", go_version.trim_start_matches("go")))];
    let mut unresolved = Vec::new();
    // (is the main module, path, version, replacement path and version)
    type ModuleLine = (bool, String, String, Option<(String, String)>);
    let mut modules: Vec<ModuleLine> = Vec::new();
    for line in lines {
        let fields: Vec<&str> = line.trim_start().split('\t').collect();
        match fields.as_slice() {
            ["mod", path, version, ..] | ["dep", path, version, ..] => {
                modules.push((fields[0] == "mod", (*path).to_owned(), (*version).to_owned(), None));
            }
            ["=>", path, version, ..] => {
                modules.last_mut().unwrap().3 = Some(((*path).to_owned(), (*version).to_owned()));
            }
            _ => {}
        }
    }
    for (is_main, path, version, replacement) in modules {
        match replacement {
            Some((new_path, new_version)) if new_version == "(devel)" => {
                unresolved.push(format!("{path} {version} => {new_path}"))
            }
            Some((new_path, new_version)) => packages.push((new_path, new_version)),
            None if is_main && version == "(devel)" => {}
            None => packages.push((path, version)),
        }
    }
    packages.sort();
    unresolved.sort();
    Some(Oracle { packages, unresolved })
}

fn check_against_oracle(binary: &Path) -> Option<Found> {
    if !binary.is_file() {
        report_missing_fixture(&binary.display().to_string());
        return None;
    }
    let Some(oracle) = go_version_m(binary) else {
        report_missing_fixture("the go command (Debian golang-go)");
        return None;
    };
    let contents = std::fs::read(binary).unwrap();
    let found = catalog_binary("go-binary", "bin/program", &contents).unwrap();
    let mut packages: Vec<(String, String)> =
        found.packages.iter().map(|package| (package.name.clone(), package.version.clone())).collect();
    packages.sort();
    let mut unresolved: Vec<String> =
        found.unresolved.iter().map(|unresolved| format!("{} {}", unresolved.name, unresolved.requirement)).collect();
    unresolved.sort();
    assert_eq!(packages, oracle.packages, "{}", binary.display());
    assert_eq!(unresolved, oracle.unresolved, "{}", binary.display());
    assert!(found.diagnostics.is_empty());
    Some(found)
}

/// The demo program as ELF, PE and Mach-O: the same module list as `go version
/// -m`, namely stdlib, golang.org/x/net v0.7.0, github.com/pkg/errors v0.9.1
/// (the replacement of example.com/kensa/errors), and the locally replaced
/// greeting module as unresolved.
#[test]
fn demo_program_in_three_formats_matches_go_version_m() {
    for file_name in ["godemo-linux-amd64", "godemo-windows-amd64.exe", "godemo-darwin-amd64"] {
        let Some(found) = check_against_oracle(&fixtures_directory().join("go").join(file_name)) else {
            continue;
        };
        let has = |name: &str, version: &str| {
            found.packages.iter().any(|package| package.name == name && package.version == version)
        };
        assert!(has("golang.org/x/net", "v0.7.0"), "{file_name}");
        assert!(has("github.com/pkg/errors", "v0.9.1"), "{file_name}");
        assert!(found.packages.iter().any(|package| package.purl == "pkg:golang/golang.org/x/net@v0.7.0"));
        assert!(!found.packages.iter().any(|package| package.name.starts_with("example.com/kensa")), "{file_name}");
        assert_eq!(found.unresolved.len(), 1, "{file_name}");
        assert_eq!(found.unresolved[0].requirement, "v0.0.0 => ./greeting");
    }
}

/// Debian's Go programs are built in GOPATH mode: no module list, only the
/// toolchain version, reported as `stdlib` (matching `go version -m`).
#[test]
fn debian_go_programs_match_go_version_m() {
    for binary in ["/usr/bin/docker-registry", "/usr/bin/skopeo"] {
        let Some(found) = check_against_oracle(Path::new(binary)) else {
            continue;
        };
        assert!(found.packages.iter().any(|package| package.name == "stdlib" && package.version.starts_with("v1.")));
    }
}

/// Cut copies of a real Go binary and an ELF header followed by noise never
/// panic: they give packages, nothing, or an error naming the file.
#[test]
fn damaged_binaries_do_not_panic() {
    let noise = elf_header_then_noise(0x9e37_79b9);
    // The magic with an inline flag and an absurd length right after it.
    let mut lying_header = b"\x7fELF".to_vec();
    lying_header.extend_from_slice(&[0; 12]);
    lying_header.extend_from_slice(b"\xff Go buildinf:\x08\x02");
    lying_header.extend_from_slice(&[0; 16]);
    lying_header.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x0f]);
    for contents in [&noise[..], &lying_header[..], b"\x7fELF", b""] {
        if let Err(message) = catalog_binary("go-binary", "bin/noise", contents) {
            assert!(message.contains("bin/noise"), "{message}");
        }
    }
    assert!(catalog_binary("go-binary", "bin/noise", &lying_header).unwrap_err().contains("Go build info"));

    let Some(binary) = fixture_binary("go/godemo-linux-amd64") else {
        return;
    };
    let contents = std::fs::read(&binary).unwrap();
    for length in (0..contents.len()).step_by(contents.len() / 64 + 1) {
        if let Err(message) = catalog_binary("go-binary", "bin/cut", &contents[..length]) {
            assert!(message.contains("bin/cut"), "{message}");
        }
    }
}

/// A non-Go executable (the Rust demo built by the same script) has no Go
/// build info: no packages and no error.
#[test]
fn non_go_binary_is_empty() {
    let Some(binary) = fixture_binary("auditable/kensa-auditable-demo") else {
        return;
    };
    let contents = std::fs::read(&binary).unwrap();
    assert_eq!(catalog_binary("go-binary", "bin/rust", &contents).unwrap(), Found::default());
}

/// `wanted_contents`, the second look image sources take once a file has
/// streamed by, keeps exactly what cataloging can use: the Go demo binary,
/// Debian's Go-built docker-registry and the cargo-auditable demo are kept;
/// a C executable (`/bin/ls`, in every Debian image) and a shell script that
/// both pass the path-and-mode test are dropped; manifests and release files
/// are always kept.
#[test]
fn wanted_contents_keeps_go_and_auditable_binaries_and_drops_other_executables() {
    let catalogers = kensa_catalog::all_catalogers();
    let check = |path: &str, contents: &[u8], executable: bool| {
        let entry = kensa_fs::FileEntry { path: path.to_owned(), size: contents.len() as u64, executable };
        assert!(kensa_catalog::wanted_file(&catalogers, &entry), "{path} should pass the path test");
        kensa_catalog::wanted_contents(&catalogers, &entry, contents)
    };
    for (fixture, path) in [
        ("go/godemo-linux-amd64", "usr/local/bin/godemo"),
        ("auditable/kensa-auditable-demo", "usr/local/bin/auditable-demo"),
    ] {
        let Some(binary) = fixture_binary(fixture) else { return };
        assert!(check(path, &std::fs::read(binary).unwrap(), true), "{fixture} must be kept");
    }
    if let Ok(registry) = std::fs::read("/usr/bin/docker-registry") {
        assert!(check("usr/bin/docker-registry", &registry, true));
    }
    assert!(!check("usr/bin/ls", &std::fs::read("/bin/ls").unwrap(), true), "a C program is no Go build");
    // Large enough for the binary catalogers' size floor: a real installer script.
    let script = format!("#!/bin/sh\n{}exec app\n", "echo preparing the environment\n".repeat(4096));
    assert!(!check("usr/local/bin/install.sh", script.as_bytes(), true));
    assert!(check("app/package-lock.json", b"{}", false));
    assert!(check("etc/os-release", b"ID=debian\n", false));
}
