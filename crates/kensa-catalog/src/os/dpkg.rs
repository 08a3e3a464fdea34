//! dpkg databases (Debian, Ubuntu and their derivatives): `var/lib/dpkg/status`
//! and the distroless form, one file per package under `var/lib/dpkg/status.d/`.
//!
//! Both hold deb822 stanzas (`Field: value` lines, indented continuation lines,
//! blank lines between stanzas). A package is reported when its files are on
//! disk — the third word of `Status:` is `installed`, `unpacked`,
//! `half-configured` or `triggers-*` — whatever the administrator's wish (the
//! first word) is: a package marked `deinstall` but not yet removed still holds
//! vulnerable code. `config-files`, `half-installed` and `not-installed` leave
//! no program behind. Distroless entries have no `Status:` at all and are all
//! installed. `Source: name (version)` gives the source package advisories are
//! keyed by; without its own version the source has the binary's.
//!
//! The files each installed package owns come from `info/<package>.list` (or
//! `<package>:<arch>.list` for `Multi-Arch: same`), and for distroless from
//! `status.d/<file>.md5sums`, so language packages shipped by the OS can be
//! attributed to it.
//!
//! Deliberately not handled: dependency fields, conffiles, and opkg's
//! `usr/lib/opkg/status` (same format, but OpenWrt has no advisory ecosystem).

use kensa_fs::{FileEntry, FileSystem, FsError};
use kensa_model::{Diagnostic, Distro, Ecosystem, Package};

use super::{distro_qualifier, is_like, owned_path, root_prefix};
use crate::{CatalogError, Cataloger, FileInput, Found};

const STATUS_FILE: &str = "var/lib/dpkg/status";
const STATUS_DIRECTORY: &str = "var/lib/dpkg/status.d";
const MD5SUMS_EXTENSION: &str = ".md5sums";
/// A `.list` of a large package (texlive, kernel modules) is a few megabytes.
const FILE_LIST_SIZE_LIMIT: u64 = 64 * 1024 * 1024;

/// Reads dpkg's status database.
pub(crate) struct DpkgCataloger;

impl Cataloger for DpkgCataloger {
    fn name(&self) -> &'static str {
        "dpkg"
    }

    fn is_interested(&self, entry: &FileEntry) -> bool {
        is_status_file(&entry.path) || status_directory_entry(&entry.path).is_some()
    }

    fn catalog(&self, input: &FileInput<'_>) -> Result<Found, CatalogError> {
        let text = String::from_utf8_lossy(input.contents);
        let mut found = Found::default();
        let ecosystem = ecosystem_for(input.distro);
        let qualifier = distro_qualifier(input.distro);
        let owned_files = OwnedFiles::for_database(input.path);
        for stanza in parse_stanzas(&text) {
            let Some(package) = package_from_stanza(&stanza, input.path, ecosystem, qualifier.as_deref(), &mut found)
            else {
                continue;
            };
            owned_files.collect(input.filesystem, &stanza, &package, &mut found);
            found.packages.push(package);
        }
        Ok(found)
    }
}

fn is_status_file(path: &str) -> bool {
    path == STATUS_FILE || path.strip_suffix(STATUS_FILE).is_some_and(|prefix| prefix.ends_with('/'))
}

/// For `…/var/lib/dpkg/status.d/<name>`, the root prefix; `None` for other
/// paths and for the `.md5sums` lists next to the entries.
fn status_directory_entry(path: &str) -> Option<&str> {
    let (directory, file_name) = path.rsplit_once('/')?;
    if file_name.is_empty() || file_name.ends_with(MD5SUMS_EXTENSION) || file_name.starts_with('.') {
        return None;
    }
    let prefix = directory.strip_suffix(STATUS_DIRECTORY)?;
    (prefix.is_empty() || prefix.ends_with('/')).then_some(prefix)
}

/// Ubuntu and its derivatives are keyed as Ubuntu; every other dpkg-based
/// tree, including one whose distribution is unknown, as Debian.
fn ecosystem_for(distro: Option<&Distro>) -> Ecosystem {
    if is_like(distro, "ubuntu") { Ecosystem::Ubuntu } else { Ecosystem::Debian }
}

/// One deb822 stanza: only the fields the cataloger uses, borrowed from the file.
#[derive(Debug, Default)]
struct Stanza<'a> {
    first_line: usize,
    package: Option<&'a str>,
    status: Option<&'a str>,
    version: Option<&'a str>,
    source: Option<&'a str>,
    architecture: Option<&'a str>,
    multi_arch: Option<&'a str>,
    /// vcpkg's status file, in the same format, has a stanza per optional
    /// feature of a port: those are not packages.
    feature: Option<&'a str>,
    /// First line that is neither a field nor a continuation.
    malformed_line: Option<usize>,
}

/// Splits deb822 text into stanzas. Tolerates CRLF, runs of blank lines and
/// whitespace-only separator lines.
fn parse_stanzas(text: &str) -> Vec<Stanza<'_>> {
    let mut stanzas = Vec::new();
    let mut current: Option<Stanza<'_>> = None;
    for (index, raw_line) in text.lines().enumerate() {
        let line_number = index + 1;
        let line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
        if line.trim().is_empty() {
            stanzas.extend(current.take());
            continue;
        }
        let stanza = current.get_or_insert_with(|| Stanza { first_line: line_number, ..Stanza::default() });
        if line.starts_with([' ', '\t']) {
            // Continuation of a multi-line field (Description, Conffiles): unused.
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            stanza.malformed_line.get_or_insert(line_number);
            continue;
        };
        let value = value.trim();
        let slot = match name {
            _ if name.eq_ignore_ascii_case("Package") => &mut stanza.package,
            _ if name.eq_ignore_ascii_case("Status") => &mut stanza.status,
            _ if name.eq_ignore_ascii_case("Version") => &mut stanza.version,
            _ if name.eq_ignore_ascii_case("Source") => &mut stanza.source,
            _ if name.eq_ignore_ascii_case("Architecture") => &mut stanza.architecture,
            _ if name.eq_ignore_ascii_case("Multi-Arch") => &mut stanza.multi_arch,
            _ if name.eq_ignore_ascii_case("Feature") => &mut stanza.feature,
            _ => continue,
        };
        *slot = Some(value);
    }
    stanzas.extend(current);
    stanzas
}

/// Whether a `Status:` value describes a package whose files are on disk.
fn files_are_installed(status: Option<&str>) -> bool {
    // Distroless `status.d` entries carry no Status: they are all installed.
    let Some(status) = status else { return true };
    matches!(
        status.split_whitespace().nth(2),
        Some("installed" | "unpacked" | "half-configured" | "triggers-awaited" | "triggers-pending")
    )
}

fn package_from_stanza(
    stanza: &Stanza<'_>,
    path: &str,
    ecosystem: Ecosystem,
    qualifier: Option<&str>,
    found: &mut Found,
) -> Option<Package> {
    let mut problem = |message: String| {
        found.diagnostics.push(Diagnostic { path: path.to_owned(), message });
    };
    let line = stanza.first_line;
    if let Some(malformed) = stanza.malformed_line {
        problem(format!("line {malformed} is neither a `Field: value` line nor a continuation line"));
    }
    let Some(name) = stanza.package.filter(|name| !name.is_empty()) else {
        problem(format!("the entry at line {line} has no Package name; skipped"));
        return None;
    };
    if !files_are_installed(stanza.status) || stanza.feature.is_some() {
        return None;
    }
    let Some(version) = stanza.version.filter(|version| !version.is_empty()) else {
        problem(format!("package {name:?} at line {line} has no Version; skipped"));
        return None;
    };
    let (source_name, source_version) = match stanza.source.map(parse_source_field) {
        Some((source_name, source_version)) if !source_name.is_empty() => {
            (source_name, source_version.unwrap_or(version))
        }
        _ => (name, version),
    };
    let package = Package::operating_system(ecosystem, name, version, path, stanza.architecture, qualifier)
        .with_source(source_name, source_version);
    Some(package)
}

/// `glibc (2.36-9)` → (`glibc`, `Some("2.36-9")`); `acl` → (`acl`, `None`).
fn parse_source_field(source: &str) -> (&str, Option<&str>) {
    match source.split_once('(') {
        Some((name, rest)) => {
            let version = rest.split_once(')').map_or(rest, |(inside, _)| inside).trim();
            (name.trim(), Some(version).filter(|version| !version.is_empty()))
        }
        None => (source.trim(), None),
    }
}

/// Where the file lists of one database live.
enum OwnedFiles {
    /// `info/<package>.list` next to a `status` file, with the tree's root prefix.
    InfoDirectory {
        info_directory: String,
        prefix: String,
    },
    /// `<entry>.md5sums` next to a distroless `status.d` entry.
    Md5sums {
        md5sums_path: String,
        prefix: String,
    },
    None,
}

impl OwnedFiles {
    fn for_database(path: &str) -> OwnedFiles {
        if is_status_file(path) {
            let prefix = root_prefix(path, STATUS_FILE);
            OwnedFiles::InfoDirectory {
                info_directory: format!("{prefix}var/lib/dpkg/info/"),
                prefix: prefix.to_owned(),
            }
        } else if let Some(prefix) = status_directory_entry(path) {
            OwnedFiles::Md5sums { md5sums_path: format!("{path}{MD5SUMS_EXTENSION}"), prefix: prefix.to_owned() }
        } else {
            OwnedFiles::None
        }
    }

    fn collect(&self, filesystem: &dyn FileSystem, stanza: &Stanza<'_>, package: &Package, found: &mut Found) {
        match self {
            OwnedFiles::InfoDirectory { info_directory, prefix } => {
                let plain = format!("{info_directory}{}.list", package.name);
                let qualified = stanza
                    .architecture
                    .map(|architecture| format!("{info_directory}{}:{architecture}.list", package.name));
                // dpkg names the list `<package>:<arch>.list` only for Multi-Arch: same.
                let multi_arch_same = stanza.multi_arch.is_some_and(|value| value.eq_ignore_ascii_case("same"));
                let candidates = if multi_arch_same { [qualified, Some(plain)] } else { [Some(plain), qualified] };
                for candidate in candidates.into_iter().flatten() {
                    match read_if_present(filesystem, &candidate) {
                        Ok(Some(list)) => {
                            add_owned_paths(&list, prefix, &package.name, found, |line| Some(line));
                            return;
                        }
                        Ok(None) => {}
                        Err(error) => {
                            found.diagnostics.push(Diagnostic { path: candidate, message: error.to_string() });
                            return;
                        }
                    }
                }
            }
            OwnedFiles::Md5sums { md5sums_path, prefix } => match read_if_present(filesystem, md5sums_path) {
                // `<md5>  <path relative to the root>`.
                Ok(Some(list)) => add_owned_paths(&list, prefix, &package.name, found, |line| {
                    line.split_once(char::is_whitespace).map(|(_, path)| path.trim_start())
                }),
                Ok(None) => {}
                Err(error) => {
                    found.diagnostics.push(Diagnostic { path: md5sums_path.clone(), message: error.to_string() })
                }
            },
            OwnedFiles::None => {}
        }
    }
}

fn add_owned_paths(
    list: &[u8],
    prefix: &str,
    owner: &str,
    found: &mut Found,
    path_of_line: impl Fn(&str) -> Option<&str>,
) {
    let text = String::from_utf8_lossy(list);
    for line in text.lines() {
        let Some(path) = path_of_line(line.trim_end_matches('\r')) else { continue };
        let path = path.trim_start_matches("./");
        if path.is_empty() || path == "/." || path == "/" {
            continue;
        }
        found.file_owners.push((owned_path(prefix, path), owner.to_owned()));
    }
}

/// Reads a file, or `None` when it does not exist (most packages have only one
/// of the two list names).
fn read_if_present(filesystem: &dyn FileSystem, path: &str) -> Result<Option<Vec<u8>>, FsError> {
    match filesystem.read(path, FILE_LIST_SIZE_LIMIT) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(FsError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Database paths are recognised at the root and nested, md5sums are not entries.
    #[test]
    fn interesting_paths() {
        assert!(is_status_file("var/lib/dpkg/status"));
        assert!(is_status_file("rootfs/var/lib/dpkg/status"));
        assert!(!is_status_file("xvar/lib/dpkg/status"));
        assert!(!is_status_file("var/lib/dpkg/status-old"));
        assert_eq!(status_directory_entry("var/lib/dpkg/status.d/libc6"), Some(""));
        assert_eq!(status_directory_entry("image/var/lib/dpkg/status.d/libc6"), Some("image/"));
        assert_eq!(status_directory_entry("var/lib/dpkg/status.d/libc6.md5sums"), None);
        assert_eq!(status_directory_entry("var/lib/dpkg/status.d/sub/libc6"), None);
    }

    /// `Source:` with and without its own version.
    #[test]
    fn source_field() {
        assert_eq!(parse_source_field("glibc (2.36-9)"), ("glibc", Some("2.36-9")));
        assert_eq!(parse_source_field("acl"), ("acl", None));
        assert_eq!(parse_source_field("gcc ()"), ("gcc", None));
    }

    /// Which Status values leave files on disk.
    #[test]
    fn installed_states() {
        assert!(files_are_installed(Some("install ok installed")));
        assert!(files_are_installed(Some("hold ok installed")));
        assert!(files_are_installed(Some("deinstall ok installed")));
        assert!(files_are_installed(None));
        assert!(!files_are_installed(Some("deinstall ok config-files")));
        assert!(!files_are_installed(Some("install reinstreq half-installed")));
        assert!(!files_are_installed(Some("purge ok not-installed")));
        assert!(!files_are_installed(Some("garbage")));
    }
}
