//! Gradle: dependency lockfiles (`gradle.lockfile`, `buildscript-gradle.lockfile`,
//! `settings-gradle.lockfile` and the per-configuration files older Gradle wrote
//! under `gradle/dependency-locks/`) and dependency-verification metadata
//! (`gradle/verification-metadata.xml`).
//!
//! A lockfile line is `group:artifact:version=configuration,…`; `#` lines are
//! comments and the final `empty=…` line lists configurations that lock nothing.
//! Every locked module is reported whatever its configurations: a test or build
//! classpath dependency is still worth knowing about. A line that is none of these
//! becomes a diagnostic naming the file and line, and the rest is still read.
//!
//! Verification metadata lists every module Gradle has checksums for, as
//! `<component group=… name=… version=…>`. It is not a lockfile — it may hold
//! modules no configuration resolves any more — but it is what Gradle verified
//! was downloaded, so each component is reported as a package.
//!
//! Not handled: `build.gradle`/`build.gradle.kts` scripts (code, not data) and
//! version catalogs (`libs.versions.toml`, which declare rather than lock).

use std::collections::BTreeSet;

use kensa_fs::FileEntry;
use kensa_model::{Diagnostic, Ecosystem, Package};

use super::xml::parse_xml_document;
use crate::{CatalogError, Cataloger, FileInput, Found};

const LOCKFILE_FORMAT: &str = "gradle.lockfile";
const VERIFICATION_FORMAT: &str = "gradle verification-metadata.xml";

/// Lockfile names Gradle writes at a project's root (the main lock state, the
/// `buildscript {}` classpath and the settings plugins' classpath).
const LOCKFILE_NAMES: &[&str] = &["gradle.lockfile", "buildscript-gradle.lockfile", "settings-gradle.lockfile"];

pub(super) struct GradleLockfileCataloger;

impl Cataloger for GradleLockfileCataloger {
    fn name(&self) -> &'static str {
        "gradle-lockfile"
    }

    fn is_interested(&self, entry: &FileEntry) -> bool {
        let file_name = entry.file_name();
        let directory = kensa_fs::parent(&entry.path);
        let in_dependency_locks =
            directory == "gradle/dependency-locks" || directory.ends_with("/gradle/dependency-locks");
        LOCKFILE_NAMES.contains(&file_name) || (file_name.ends_with(".lockfile") && in_dependency_locks)
    }

    fn catalog(&self, input: &FileInput<'_>) -> Result<Found, CatalogError> {
        let text = std::str::from_utf8(input.contents)
            .map_err(|error| CatalogError::parse(input.path, LOCKFILE_FORMAT, format!("not UTF-8: {error}")))?;
        Ok(parse_gradle_lockfile(input.path, text))
    }
}

/// Reads every line; never fails, since each line stands alone.
fn parse_gradle_lockfile(path: &str, text: &str) -> Found {
    let mut found = Found::default();
    let mut seen = BTreeSet::new();
    for (index, line) in text.lines().enumerate() {
        // Gradle writes no indentation, but hand-edited files (and Trivy's
        // fixtures) have some; a comment is still a comment after spaces.
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with("empty=") {
            continue;
        }
        match parse_lockfile_line(line) {
            Some((name, version)) => {
                if seen.insert((name.clone(), version.to_owned())) {
                    found.packages.push(Package::new(Ecosystem::Maven, &name, version, path));
                }
            }
            None => found.diagnostics.push(Diagnostic {
                path: path.to_owned(),
                message: format!(
                    "{LOCKFILE_FORMAT} line {}: {line:?} is not `group:artifact:version=configurations`; skipped",
                    index + 1
                ),
            }),
        }
    }
    found
}

/// `group:artifact:version=configurations` → (`group:artifact`, `version`).
fn parse_lockfile_line(line: &str) -> Option<(String, &str)> {
    let coordinates = line.split_once('=').map_or(line, |(coordinates, _)| coordinates).trim();
    let mut parts = coordinates.split(':');
    let (group, artifact, version) = (parts.next()?, parts.next()?, parts.next()?);
    let is_part = |part: &str| !part.is_empty() && !part.contains(char::is_whitespace);
    if parts.next().is_some() || !is_part(group) || !is_part(artifact) || !is_part(version) {
        return None;
    }
    Some((format!("{group}:{artifact}"), version))
}

pub(super) struct GradleVerificationMetadataCataloger;

impl Cataloger for GradleVerificationMetadataCataloger {
    fn name(&self) -> &'static str {
        "gradle-verification-metadata"
    }

    fn is_interested(&self, entry: &FileEntry) -> bool {
        // Gradle only reads it from the `gradle/` folder of the build's root.
        entry.file_name() == "verification-metadata.xml"
            && kensa_fs::file_name(kensa_fs::parent(&entry.path)) == "gradle"
    }

    fn catalog(&self, input: &FileInput<'_>) -> Result<Found, CatalogError> {
        parse_verification_metadata(input.path, input.contents)
    }
}

fn parse_verification_metadata(path: &str, contents: &[u8]) -> Result<Found, CatalogError> {
    let root =
        parse_xml_document(contents).map_err(|message| CatalogError::parse(path, VERIFICATION_FORMAT, message))?;
    if root.name != "verification-metadata" {
        return Err(CatalogError::parse(
            path,
            VERIFICATION_FORMAT,
            format!("root element is <{}>, expected <verification-metadata>", root.name),
        ));
    }
    let mut found = Found::default();
    let mut seen = BTreeSet::new();
    let components = root.child("components").into_iter().flat_map(|components| components.children_named("component"));
    for (index, component) in components.enumerate() {
        let attribute = |name: &str| component.attribute(name).map(str::trim).filter(|value| !value.is_empty());
        match (attribute("group"), attribute("name"), attribute("version")) {
            (Some(group), Some(artifact), Some(version)) => {
                let name = format!("{group}:{artifact}");
                if seen.insert((name.clone(), version.to_owned())) {
                    found.packages.push(Package::new(Ecosystem::Maven, &name, version, path));
                }
            }
            _ => found.diagnostics.push(Diagnostic {
                path: path.to_owned(),
                message: format!(
                    "{VERIFICATION_FORMAT} component #{} lacks a group, name or version; skipped",
                    index + 1
                ),
            }),
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Coordinates need exactly three non-empty parts; configurations are dropped.
    #[test]
    fn lockfile_lines() {
        assert_eq!(
            parse_lockfile_line("junit:junit:4.13.2=testCompileClasspath,testRuntimeClasspath"),
            Some(("junit:junit".to_owned(), "4.13.2"))
        );
        assert_eq!(parse_lockfile_line("a:b:1"), Some(("a:b".to_owned(), "1")));
        assert_eq!(parse_lockfile_line(">>>"), None);
        assert_eq!(parse_lockfile_line("a:b=x"), None);
        assert_eq!(parse_lockfile_line("a:b:c:d=x"), None);
        assert_eq!(parse_lockfile_line("a::1=x"), None);
    }

    /// The per-configuration files of Gradle before 6.8 are read; other
    /// `.lockfile`s are not.
    #[test]
    fn lockfile_names() {
        let entry = |path: &str| FileEntry { path: path.to_owned(), size: 1, executable: false };
        let cataloger = GradleLockfileCataloger;
        assert!(cataloger.is_interested(&entry("app/gradle.lockfile")));
        assert!(cataloger.is_interested(&entry("buildscript-gradle.lockfile")));
        assert!(cataloger.is_interested(&entry("gradle/dependency-locks/compileClasspath.lockfile")));
        assert!(cataloger.is_interested(&entry("app/gradle/dependency-locks/compileClasspath.lockfile")));
        assert!(!cataloger.is_interested(&entry("other/compileClasspath.lockfile")));
        assert!(!cataloger.is_interested(&entry("notgradle/dependency-locks/compileClasspath.lockfile")));
        let verification = GradleVerificationMetadataCataloger;
        assert!(verification.is_interested(&entry("gradle/verification-metadata.xml")));
        assert!(!verification.is_interested(&entry("verification-metadata.xml")));
    }
}
