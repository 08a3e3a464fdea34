//! Helpers shared by the rpm database tests: running the `rpm-db` cataloger,
//! the plain-text listing both it and the `rpm` oracle are compared in, and
//! the oracle itself (Debian's `rpm`, which reads SQLite and, read-only,
//! Berkeley DB, but not ndb), plus building databases with rpm's own tools.
//!
//! Deliberately no assertions about the cataloger: each test states what it
//! proves.

#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stderr, clippy::indexing_slicing, dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use kensa_catalog::{CatalogError, FileInput, Found, all_catalogers};
use kensa_fs::DirectoryFileSystem;
use kensa_model::Distro;

/// The shared rpm databases, read in place.
pub(crate) const RPMDB: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/targets/rpmdb");

/// rpm's query format for the fields the cataloger reads.
const QUERY_FORMAT: &str =
    "%{NAME}\\t%{EPOCHNUM}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{SOURCERPM}\\t%{MODULARITYLABEL}\\n";

/// Runs the `rpm-db` cataloger on `contents` as the file `path` of a tree
/// rooted at `root`.
pub(crate) fn catalog_at(
    root: &Path,
    path: &str,
    contents: &[u8],
    distro: Option<&Distro>,
) -> Result<Found, CatalogError> {
    let cataloger = all_catalogers().into_iter().find(|cataloger| cataloger.name() == "rpm-db").unwrap();
    let filesystem = DirectoryFileSystem::new(root).unwrap();
    cataloger.catalog(&FileInput { path, contents, filesystem: &filesystem, distro })
}

/// Runs the cataloger on a shared fixture, located at its bare file name.
pub(crate) fn catalog_fixture(relative_path: &str) -> Result<Found, CatalogError> {
    let full_path = Path::new(RPMDB).join(relative_path);
    let contents = std::fs::read(&full_path).unwrap();
    let file_name = full_path.file_name().unwrap().to_str().unwrap();
    catalog_at(full_path.parent().unwrap(), file_name, &contents, None)
}

/// One line per package, sorted: name, version, architecture, the source RPM
/// file name rebuilt from the source package, modularity label. Also checks
/// that each source version carries the binary's epoch.
pub(crate) fn cataloger_listing(found: &Found) -> Vec<String> {
    let mut lines: Vec<String> = found
        .packages
        .iter()
        .map(|package| {
            let binary_epoch = package.version.split_once(':').map(|(epoch, _)| epoch);
            let source_rpm = package.source.as_ref().map_or_else(String::new, |source| {
                let (epoch, version_release) = match source.version.split_once(':') {
                    Some((epoch, rest)) => (Some(epoch), rest),
                    None => (None, source.version.as_str()),
                };
                assert_eq!(epoch, binary_epoch, "{}: the source version carries the binary's epoch", package.name);
                format!("{}-{version_release}.src.rpm", source.name)
            });
            format!(
                "{}\t{}\t{}\t{source_rpm}\t{}",
                package.name,
                package.version,
                package.architecture.as_deref().unwrap_or_default(),
                package.module.as_deref().unwrap_or_default()
            )
        })
        .collect();
    lines.sort();
    lines
}

/// Whether Debian's `rpm` tools are installed. When they are not, the test
/// passes with a notice, except under `KENSA_REQUIRE_ORACLES=1` (CI), where
/// it fails so CI cannot pass by skipping.
pub(crate) fn oracle_available(tool: &str) -> bool {
    let found = Command::new(tool).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok();
    if !found {
        assert!(
            std::env::var("KENSA_REQUIRE_ORACLES").as_deref() != Ok("1"),
            "{tool} is missing: run .ci/needs/os-rpm.sh"
        );
        eprintln!("skipping: {tool} is missing (run .ci/needs/os-rpm.sh)");
    }
    found
}

/// rpm's own listing of the database in `directory`, in the form of
/// [`cataloger_listing`]: `gpg-pubkey` pseudo-packages left out, the epoch
/// written only when non-zero, `(none)` as empty.
pub(crate) fn oracle_listing(directory: &Path, backend: &str) -> Vec<String> {
    let output = rpm_output(&[
        "--dbpath",
        directory.to_str().unwrap(),
        "--define",
        &format!("_db_backend {backend}"),
        "-qa",
        "--qf",
        QUERY_FORMAT,
    ]);
    let mut lines: Vec<String> = output
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split('\t').map(|field| if field == "(none)" { "" } else { field }).collect();
            let [name, epoch, version, release, architecture, source_rpm, module] = fields[..] else {
                panic!("unexpected rpm output line {line:?}");
            };
            if name == "gpg-pubkey" {
                return None;
            }
            let version =
                if epoch == "0" { format!("{version}-{release}") } else { format!("{epoch}:{version}-{release}") };
            Some(format!("{name}\t{version}\t{architecture}\t{source_rpm}\t{module}"))
        })
        .collect();
    lines.sort();
    lines
}

/// rpm's list of owned files, as `(path without the leading /, package name)`, sorted.
pub(crate) fn oracle_file_owners(directory: &Path, backend: &str) -> Vec<(String, String)> {
    let output = rpm_output(&[
        "--dbpath",
        directory.to_str().unwrap(),
        "--define",
        &format!("_db_backend {backend}"),
        "-qa",
        "--qf",
        "[%{FILENAMES}\\t%{=NAME}\\n]",
    ]);
    let mut owners: Vec<(String, String)> = output
        .lines()
        .map(|line| {
            let (path, name) = line.split_once('\t').unwrap();
            (path.trim_start_matches('/').to_owned(), name.to_owned())
        })
        // A package without files prints `(none)` once.
        .filter(|(path, name)| name != "gpg-pubkey" && path != "(none)")
        .collect();
    owners.sort();
    owners
}

fn rpm_output(arguments: &[&str]) -> String {
    let output = Command::new("rpm").args(arguments).output().unwrap();
    assert!(output.status.success(), "rpm {arguments:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// A temporary directory holding a copy of `fixture` named `file_name`, as
/// rpm's `--dbpath` wants it (rpm may write lock files beside it).
pub(crate) fn staged_copy(fixture: &Path, file_name: &str) -> tempfile::TempDir {
    let directory = tempfile::tempdir().unwrap();
    std::fs::copy(fixture, directory.path().join(file_name)).unwrap();
    directory
}

/// The header blobs of a database, as `rpmdb --exportdb` writes them (each
/// behind the 8-byte header magic, which is stripped).
pub(crate) fn exported_blobs(directory: &Path, backend: &str) -> Vec<Vec<u8>> {
    let output = Command::new("rpmdb")
        .args(["--dbpath", directory.to_str().unwrap(), "--define", &format!("_db_backend {backend}"), "--exportdb"])
        .output()
        .unwrap();
    assert!(output.status.success(), "rpmdb --exportdb failed: {}", String::from_utf8_lossy(&output.stderr));
    split_header_stream(&output.stdout)
}

const HEADER_MAGIC: [u8; 8] = [0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0];

fn split_header_stream(stream: &[u8]) -> Vec<Vec<u8>> {
    let mut blobs = Vec::new();
    let mut rest = stream;
    while !rest.is_empty() {
        assert_eq!(rest[..8], HEADER_MAGIC);
        let entries = u32::from_be_bytes(rest[8..12].try_into().unwrap()) as usize;
        let data = u32::from_be_bytes(rest[12..16].try_into().unwrap()) as usize;
        let length = 8 + 16 * entries + data;
        blobs.push(rest[8..8 + length].to_vec());
        rest = &rest[8 + length..];
    }
    blobs
}

/// A new SQLite rpm database in a temporary directory holding `blobs`,
/// imported by `rpmdb --importdb` (which parses and checks each header).
pub(crate) fn imported_database(blobs: &[Vec<u8>]) -> tempfile::TempDir {
    let directory = tempfile::tempdir().unwrap();
    let mut child = Command::new("rpmdb")
        .args(["--dbpath", directory.path().to_str().unwrap(), "--importdb"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for blob in blobs {
        stdin.write_all(&HEADER_MAGIC).unwrap();
        stdin.write_all(blob).unwrap();
    }
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "rpmdb --importdb failed: {}", String::from_utf8_lossy(&output.stderr));
    directory
}

/// Writes a Berkeley DB hash `Packages` holding `blobs` under header numbers
/// 1, 2, … (and rpm's instance counter under key 0) with `db5.3_load`, the
/// way rpm < 4.16 stored them.
pub(crate) fn berkeley_database(blobs: &[Vec<u8>], page_size: usize, path: &Path) {
    let mut dump = format!("VERSION=3\nformat=bytevalue\ntype=hash\ndb_pagesize={page_size}\nHEADER=END\n");
    let hex = |bytes: &[u8]| bytes.iter().map(|byte| format!("{byte:02x}")).collect::<String>();
    dump.push_str(&format!(" {}\n {}\n", hex(&0_u32.to_le_bytes()), hex(&(blobs.len() as u32 + 1).to_le_bytes())));
    for (index, blob) in blobs.iter().enumerate() {
        dump.push_str(&format!(" {}\n {}\n", hex(&(index as u32 + 1).to_le_bytes()), hex(blob)));
    }
    dump.push_str("DATA=END\n");
    let mut child = Command::new("db5.3_load").arg(path).stdin(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(dump.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "db5.3_load failed: {}", String::from_utf8_lossy(&output.stderr));
}

/// The path of `relative_path` under the shared rpm databases.
pub(crate) fn fixture_path(relative_path: &str) -> PathBuf {
    Path::new(RPMDB).join(relative_path)
}
