//! JAR, WAR, EAR (and Jenkins `.hpi`/`.jpi`) archives, read in memory.
//!
//! An archive's packages come from every `META-INF/maven/<group>/<artifact>/pom.properties`
//! it holds (a shaded jar holds one per bundled artifact); without any, from its
//! `MANIFEST.MF` and file name (see [`super::metadata::guess_coordinates`]).
//! Archives inside archives (`WEB-INF/lib/*.jar`, `BOOT-INF/lib/*.jar`, an EAR's
//! modules) are followed to a bounded depth; their location is
//! `outer.war!/WEB-INF/lib/inner.jar`.
//!
//! Hostile archives are expected: nothing is extracted to disk, every entry is
//! read through a shared budget of uncompressed bytes and entry count (declared
//! sizes are not trusted), and a nested archive that cannot be read becomes a
//! diagnostic while the rest of the outer archive is still cataloged.
//!
//! Deliberately not done: identifying jars by class-file hashes, or looking up
//! their SHA-1 in a Maven repository.

use std::collections::BTreeSet;
use std::io::{Cursor, Read};

use kensa_fs::{FileEntry, file_name};
use kensa_model::{Diagnostic, Ecosystem, Package};

use super::metadata::{coordinates_from_pom_properties, guess_coordinates, parse_manifest_main_section};
use crate::{BINARY_SIZE_LIMIT, CatalogError, Cataloger, FileInput, Found};

const ARCHIVE_FORMAT: &str = "Java archive";

/// File extensions of zip-based Java archives.
const ARCHIVE_EXTENSIONS: [&str; 6] = [".jar", ".war", ".ear", ".hpi", ".jpi", ".par"];

/// Archives nested deeper than this (counting the outermost as 0) are not opened.
const MAXIMUM_NESTING_DEPTH: usize = 4;

/// Total uncompressed bytes read from all entries of one top-level archive.
const TOTAL_UNCOMPRESSED_BUDGET: u64 = 512 * 1024 * 1024;

/// Total entries listed across one top-level archive and everything nested in it.
const TOTAL_ENTRY_BUDGET: usize = 500_000;

/// Largest `pom.properties` or `MANIFEST.MF` read; real ones are a few KiB.
const METADATA_ENTRY_LIMIT: u64 = 1024 * 1024;

pub(super) struct JavaArchiveCataloger;

impl Cataloger for JavaArchiveCataloger {
    fn name(&self) -> &'static str {
        "java-archive"
    }

    fn is_interested(&self, entry: &FileEntry) -> bool {
        is_java_archive_name(&entry.path)
    }

    fn size_limit(&self) -> u64 {
        BINARY_SIZE_LIMIT
    }

    fn catalog(&self, input: &FileInput<'_>) -> Result<Found, CatalogError> {
        let mut budget = ReadBudget { bytes: TOTAL_UNCOMPRESSED_BUDGET, entries: TOTAL_ENTRY_BUDGET };
        catalog_java_archive(input.path, input.contents, &mut budget)
    }
}

fn is_java_archive_name(path: &str) -> bool {
    let lowercase = file_name(path).to_ascii_lowercase();
    ARCHIVE_EXTENSIONS.iter().any(|extension| lowercase.ends_with(extension) && lowercase.len() > extension.len())
}

/// What may still be read from the archive being cataloged and everything inside it.
pub(super) struct ReadBudget {
    pub(super) bytes: u64,
    pub(super) entries: usize,
}

/// Catalogs one top-level archive. Failing to open it at all is an error; a
/// problem further in is a diagnostic on the nested location.
pub(super) fn catalog_java_archive(
    path: &str,
    contents: &[u8],
    budget: &mut ReadBudget,
) -> Result<Found, CatalogError> {
    let mut walker = ArchiveWalker { found: Found::default(), seen: BTreeSet::new(), budget };
    walker.walk(path, contents, 0).map_err(|message| CatalogError::parse(path, ARCHIVE_FORMAT, message))?;
    Ok(walker.found)
}

struct ArchiveWalker<'a> {
    found: Found,
    seen: BTreeSet<(String, String, String)>,
    budget: &'a mut ReadBudget,
}

impl ArchiveWalker<'_> {
    fn add(&mut self, location: &str, name: String, version: String) {
        if self.seen.insert((location.to_owned(), name.clone(), version.clone())) {
            self.found.packages.push(Package::new(Ecosystem::Maven, &name, &version, location));
        }
    }

    fn diagnose(&mut self, location: &str, message: String) {
        self.found.diagnostics.push(Diagnostic { path: location.to_owned(), message });
    }

    /// Reads the archive at `location`; `Err` only when it cannot be opened at all.
    fn walk(&mut self, location: &str, contents: &[u8], depth: usize) -> Result<(), String> {
        let mut archive = zip::ZipArchive::new(Cursor::new(contents))
            .map_err(|error| format!("not a readable zip archive: {error}"))?;
        if archive.len() > self.budget.entries {
            return Err(format!(
                "{} entries exceed the remaining budget of {} entries for this archive",
                archive.len(),
                self.budget.entries
            ));
        }
        self.budget.entries -= archive.len();

        let mut pom_properties = Vec::new();
        let mut manifest = None;
        let mut nested = Vec::new();
        for index in 0..archive.len() {
            let Some(Ok(name)) = archive.name_for_index(index) else { continue };
            if name.ends_with('/') {
                continue;
            }
            if is_pom_properties(&name) {
                pom_properties.push((index, name.into_owned()));
            } else if name.eq_ignore_ascii_case("META-INF/MANIFEST.MF") {
                manifest = Some(index);
            } else if is_java_archive_name(&name) {
                nested.push((index, name.into_owned()));
            }
        }

        let mut identified = false;
        for (index, entry_name) in pom_properties {
            match self.read_entry(&mut archive, index, METADATA_ENTRY_LIMIT) {
                Ok(bytes) => match coordinates_from_pom_properties(&String::from_utf8_lossy(&bytes)) {
                    Some(coordinates) => {
                        identified = true;
                        self.add(location, coordinates.name, coordinates.version);
                    }
                    None => {
                        self.diagnose(location, format!("{entry_name} lacks groupId, artifactId or version; skipped"))
                    }
                },
                Err(message) => self.diagnose(location, format!("cannot read {entry_name}: {message}")),
            }
        }
        if !identified {
            let headers = match manifest.map(|index| self.read_entry(&mut archive, index, METADATA_ENTRY_LIMIT)) {
                Some(Ok(bytes)) => Some(parse_manifest_main_section(&String::from_utf8_lossy(&bytes))),
                Some(Err(message)) => {
                    self.diagnose(location, format!("cannot read META-INF/MANIFEST.MF: {message}"));
                    None
                }
                None => None,
            };
            if let Some(coordinates) = guess_coordinates(headers.as_ref(), file_name(location)) {
                self.add(location, coordinates.name, coordinates.version);
            }
        }

        for (index, entry_name) in nested {
            let nested_location = kensa_model::nested_location(location, &entry_name);
            if depth + 1 > MAXIMUM_NESTING_DEPTH {
                self.diagnose(
                    &nested_location,
                    format!("not opened: archives nested more than {MAXIMUM_NESTING_DEPTH} deep"),
                );
                continue;
            }
            let bytes = match self.read_entry(&mut archive, index, BINARY_SIZE_LIMIT) {
                Ok(bytes) => bytes,
                Err(message) => {
                    self.diagnose(&nested_location, format!("cannot read nested archive: {message}"));
                    continue;
                }
            };
            if let Err(message) = self.walk(&nested_location, &bytes, depth + 1) {
                self.diagnose(&nested_location, message);
            }
        }
        Ok(())
    }

    /// Reads one entry whole, charging the budget for what was actually
    /// decompressed; the entry's declared size is not trusted.
    fn read_entry(
        &mut self,
        archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
        index: usize,
        entry_limit: u64,
    ) -> Result<Vec<u8>, String> {
        let limit = entry_limit.min(self.budget.bytes);
        let entry = archive.by_index(index).map_err(|error| error.to_string())?;
        let mut bytes = Vec::new();
        let read = entry.take(limit.saturating_add(1)).read_to_end(&mut bytes);
        self.budget.bytes = self.budget.bytes.saturating_sub(bytes.len() as u64);
        read.map_err(|error| error.to_string())?;
        if bytes.len() as u64 > limit {
            return Err(if limit < entry_limit {
                format!(
                    "decompressing it exceeds the {TOTAL_UNCOMPRESSED_BUDGET}-byte budget for one archive (zip bomb?)"
                )
            } else {
                format!("it decompresses to more than {entry_limit} bytes")
            });
        }
        Ok(bytes)
    }
}

/// `META-INF/maven/<group>/<artifact>/pom.properties`, exactly that deep.
fn is_pom_properties(name: &str) -> bool {
    let parts: Vec<&str> = name.split('/').collect();
    matches!(parts.as_slice(), ["META-INF", "maven", group, artifact, "pom.properties"] if !group.is_empty() && !artifact.is_empty())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn zip_with(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, contents) in entries {
            writer.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
            writer.write_all(contents).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    /// Only the standard pom.properties location counts.
    #[test]
    fn pom_properties_paths() {
        assert!(is_pom_properties("META-INF/maven/org.a/b/pom.properties"));
        assert!(!is_pom_properties("META-INF/maven/b/pom.properties"));
        assert!(!is_pom_properties("x/META-INF/maven/org.a/b/pom.properties"));
    }

    /// A nested archive that decompresses past the shared budget is cut off with a
    /// diagnostic naming it, and the outer archive's own package is still found.
    #[test]
    fn budget_stops_expansion() {
        let zeros = vec![0_u8; 4 * 1024 * 1024];
        let outer = zip_with(&[
            ("META-INF/maven/org.a/outer/pom.properties", b"groupId=org.a\nartifactId=outer\nversion=1\n"),
            ("WEB-INF/lib/inner-1.0.jar", &zeros),
        ]);
        let mut budget = ReadBudget { bytes: 64 * 1024, entries: 100 };
        let found = catalog_java_archive("app.war", &outer, &mut budget).unwrap();
        assert_eq!(found.packages.len(), 1);
        assert_eq!(found.packages[0].name, "org.a:outer");
        assert_eq!(found.diagnostics.len(), 1);
        assert_eq!(found.diagnostics[0].path, "app.war!/WEB-INF/lib/inner-1.0.jar");
        assert!(found.diagnostics[0].message.contains("budget"), "{}", found.diagnostics[0].message);
    }

    /// The entry-count budget refuses archives listing too many entries.
    #[test]
    fn entry_budget() {
        let archive = zip_with(&[("a", b"1"), ("b", b"2"), ("c", b"3")]);
        let mut budget = ReadBudget { bytes: 1024, entries: 2 };
        let error = catalog_java_archive("x.jar", &archive, &mut budget).unwrap_err();
        assert!(error.to_string().contains("x.jar"), "{error}");
    }
}
