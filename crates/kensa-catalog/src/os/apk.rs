//! apk databases (Alpine, Wolfi, Chainguard): `lib/apk/db/installed`, and
//! `usr/lib/apk/db/installed` where `/lib` is merged into `/usr`.
//!
//! The file is a list of records separated by blank lines, each line one
//! letter, a colon and a value: `P:` name, `V:` version, `A:` architecture,
//! `o:` origin (the source package that secdb advisories are keyed by; it has
//! the binary's version), `F:` a directory and `R:` a file in the last `F:`
//! directory, which give the files each package owns. Every record in the file
//! is installed; one without `P:` or `V:` becomes a diagnostic naming its line
//! while the others are still read.
//!
//! Deliberately not handled: dependencies (`D:`, `p:`), checksums and the
//! repository index (`APKINDEX`), which lists packages available, not installed.

use kensa_fs::FileEntry;
use kensa_model::{Diagnostic, Distro, Ecosystem, Package};

use super::{distro_qualifier, owned_path, root_prefix};
use crate::{CatalogError, Cataloger, FileInput, Found};

// The longer path first: `usr/lib/apk/db/installed` also ends with the shorter one.
const DATABASE_PATHS: [&str; 2] = ["usr/lib/apk/db/installed", "lib/apk/db/installed"];

/// Reads apk's installed database.
pub(crate) struct ApkCataloger;

impl Cataloger for ApkCataloger {
    fn name(&self) -> &'static str {
        "apk"
    }

    fn is_interested(&self, entry: &FileEntry) -> bool {
        database_suffix(&entry.path).is_some()
    }

    fn catalog(&self, input: &FileInput<'_>) -> Result<Found, CatalogError> {
        let text = String::from_utf8_lossy(input.contents);
        let prefix = database_suffix(input.path).map_or("", |suffix| root_prefix(input.path, suffix));
        let ecosystem = ecosystem_for(input.distro);
        let qualifier = distro_qualifier(input.distro);
        let mut found = Found::default();
        let mut record = Record::default();
        for (index, raw_line) in text.lines().enumerate() {
            let line_number = index + 1;
            let line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
            if line.trim().is_empty() {
                record.finish(input.path, ecosystem, qualifier.as_deref(), &mut found);
                continue;
            }
            record.first_line.get_or_insert(line_number);
            let Some((key, value)) = line.split_once(':') else {
                record.malformed_line.get_or_insert(line_number);
                continue;
            };
            match key {
                "P" => record.name = Some(value),
                "V" => record.version = Some(value),
                "A" => record.architecture = Some(value),
                "o" => record.origin = Some(value),
                "F" => record.directory = value,
                "R" => record.files.push(owned_path(prefix, &join_directory(record.directory, value))),
                _ => {}
            }
        }
        record.finish(input.path, ecosystem, qualifier.as_deref(), &mut found);
        Ok(found)
    }
}

/// Which database path `path` ends with, if it is one (at the root or nested
/// under a directory).
fn database_suffix(path: &str) -> Option<&'static str> {
    DATABASE_PATHS
        .into_iter()
        .find(|suffix| path.strip_suffix(suffix).is_some_and(|prefix| prefix.is_empty() || prefix.ends_with('/')))
}

/// Wolfi and Chainguard have their own advisory feeds; every other apk-based
/// tree, including one whose distribution is unknown, is taken as Alpine.
fn ecosystem_for(distro: Option<&Distro>) -> Ecosystem {
    match distro.map(|distro| distro.id.as_str()) {
        Some("wolfi") => Ecosystem::Wolfi,
        Some("chainguard") => Ecosystem::Chainguard,
        _ => Ecosystem::Alpine,
    }
}

fn join_directory(directory: &str, file: &str) -> String {
    if directory.is_empty() { file.to_owned() } else { format!("{directory}/{file}") }
}

/// The record being read, borrowed from the file.
#[derive(Default)]
struct Record<'a> {
    first_line: Option<usize>,
    malformed_line: Option<usize>,
    name: Option<&'a str>,
    version: Option<&'a str>,
    architecture: Option<&'a str>,
    origin: Option<&'a str>,
    directory: &'a str,
    files: Vec<String>,
}

impl Record<'_> {
    /// Turns the record into a package (or a diagnostic) and starts a new one.
    fn finish(&mut self, path: &str, ecosystem: Ecosystem, qualifier: Option<&str>, found: &mut Found) {
        let record = std::mem::take(self);
        let Some(first_line) = record.first_line else { return };
        if let Some(malformed) = record.malformed_line {
            found.diagnostics.push(Diagnostic {
                path: path.to_owned(),
                message: format!("line {malformed} is not a `X:value` line"),
            });
        }
        let name = record.name.filter(|name| !name.is_empty());
        let version = record.version.filter(|version| !version.is_empty());
        let (Some(name), Some(version)) = (name, version) else {
            let missing = match (name, version) {
                (None, None) => "name (P:) and no version (V:)",
                (None, Some(_)) => "name (P:)",
                _ => "version (V:)",
            };
            let which = name.map_or_else(String::new, |name| format!(" for {name:?}"));
            found.diagnostics.push(Diagnostic {
                path: path.to_owned(),
                message: format!("the record{which} at line {first_line} has no {missing}; skipped"),
            });
            return;
        };
        let source = record.origin.filter(|origin| !origin.is_empty()).unwrap_or(name);
        found.packages.push(
            Package::operating_system(ecosystem, name, version, path, record.architecture, qualifier)
                .with_source(source, version),
        );
        found.file_owners.extend(record.files.into_iter().map(|file| (file, name.to_owned())));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both database locations are recognised, at the root and nested.
    #[test]
    fn database_paths() {
        assert_eq!(database_suffix("lib/apk/db/installed"), Some("lib/apk/db/installed"));
        assert_eq!(database_suffix("usr/lib/apk/db/installed"), Some("usr/lib/apk/db/installed"));
        assert_eq!(database_suffix("image/lib/apk/db/installed"), Some("lib/apk/db/installed"));
        assert_eq!(database_suffix("xlib/apk/db/installed"), None);
        assert_eq!(database_suffix("lib/apk/db/installed.old"), None);
    }
}
