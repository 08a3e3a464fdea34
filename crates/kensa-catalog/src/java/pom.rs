//! Maven `pom.xml`: the dependencies a project declares with versions the POM
//! itself pins.
//!
//! Versions may be literal or `${property}` references resolved from the POM's
//! own `<properties>` and the built-in `project.*`/`parent.*` values; a
//! dependency without a version takes it from the POM's own
//! `<dependencyManagement>`. Dependencies of every `<profile>` are read whatever
//! its activation, since a scanner cannot know which profile a build used and
//! missing a vulnerable dependency is worse than listing an inactive one.
//!
//! Deliberately not done: fetching parent POMs or imported BOMs (no network, and
//! the sibling `relativePath` parent is someone else's manifest), version ranges
//! and transitive resolution. Whatever cannot be resolved from this file alone is
//! reported as an [`UnresolvedDependency`], never silently dropped. Build plugins
//! and their dependencies are not part of the built artifact and are skipped.

use std::collections::{BTreeMap, BTreeSet};

use kensa_fs::FileEntry;
use kensa_model::{Diagnostic, Ecosystem, Package, UnresolvedDependency};

use super::xml::{XmlElement, parse_xml_document};
use crate::{CatalogError, Cataloger, FileInput, Found};

const POM_FORMAT: &str = "pom.xml";

/// How many rounds of `${…}` substitution a value may need (properties that
/// refer to properties); beyond this a cycle is assumed.
const MAXIMUM_INTERPOLATION_ROUNDS: usize = 16;

pub(super) struct PomCataloger;

impl Cataloger for PomCataloger {
    fn name(&self) -> &'static str {
        "java-pom-xml"
    }

    fn is_interested(&self, entry: &FileEntry) -> bool {
        entry.file_name() == "pom.xml"
    }

    fn catalog(&self, input: &FileInput<'_>) -> Result<Found, CatalogError> {
        parse_pom(input.path, input.contents)
    }
}

fn parse_pom(path: &str, contents: &[u8]) -> Result<Found, CatalogError> {
    let project = parse_xml_document(contents).map_err(|message| CatalogError::parse(path, POM_FORMAT, message))?;
    if project.name != "project" {
        return Err(CatalogError::parse(
            path,
            POM_FORMAT,
            format!("root element is <{}>, expected <project>", project.name),
        ));
    }
    let properties = collect_properties(&project);
    let interpolate = |text: &str| interpolate(text, &properties);

    let mut managed_versions: BTreeMap<(String, String), String> = BTreeMap::new();
    if let Some(management) =
        project.child("dependencyManagement").and_then(|management| management.child("dependencies"))
    {
        for dependency in management.children_named("dependency") {
            let group = dependency.child_text("groupId").and_then(|group| interpolate(group).ok());
            let artifact = dependency.child_text("artifactId").and_then(|artifact| interpolate(artifact).ok());
            if let (Some(group), Some(artifact), Some(version)) = (group, artifact, dependency.child_text("version")) {
                managed_versions.entry((group, artifact)).or_insert_with(|| version.to_owned());
            }
        }
    }

    let mut declared: Vec<&XmlElement> = Vec::new();
    declared.extend(project.child("dependencies").into_iter().flat_map(|list| list.children_named("dependency")));
    for profile in project.child("profiles").into_iter().flat_map(|profiles| profiles.children_named("profile")) {
        declared.extend(profile.child("dependencies").into_iter().flat_map(|list| list.children_named("dependency")));
    }

    let mut found = Found::default();
    let mut seen_packages = BTreeSet::new();
    let mut seen_unresolved = BTreeSet::new();
    for (index, dependency) in declared.into_iter().enumerate() {
        let raw_group = dependency.child_text("groupId").unwrap_or("");
        let raw_artifact = dependency.child_text("artifactId").unwrap_or("");
        let (Ok(group), Ok(artifact)) = (interpolate(raw_group), interpolate(raw_artifact)) else {
            found.diagnostics.push(Diagnostic {
                path: path.to_owned(),
                message: format!(
                    "dependency {} ({raw_group}:{raw_artifact}) has a groupId or artifactId this POM cannot resolve; skipped",
                    index + 1
                ),
            });
            continue;
        };
        if group.is_empty() || artifact.is_empty() {
            found.diagnostics.push(Diagnostic {
                path: path.to_owned(),
                message: format!("dependency {} has no groupId or artifactId; skipped", index + 1),
            });
            continue;
        }
        let name = format!("{group}:{artifact}");
        let raw_version =
            dependency.child_text("version").or_else(|| managed_versions.get(&(group, artifact)).map(String::as_str));
        let resolved = match raw_version {
            None => Err(String::new()),
            Some(raw_version) => match interpolate(raw_version) {
                Ok(version) if is_version_range(&version) => Err(version),
                Ok(version) if !version.is_empty() => Ok(version),
                Ok(_) | Err(()) => Err(raw_version.to_owned()),
            },
        };
        match resolved {
            Ok(version) => {
                if seen_packages.insert((name.clone(), version.clone())) {
                    found.packages.push(Package::new(Ecosystem::Maven, &name, &version, path));
                }
            }
            Err(requirement) => {
                if seen_unresolved.insert((name.clone(), requirement.clone())) {
                    found.unresolved.push(UnresolvedDependency {
                        ecosystem: Ecosystem::Maven,
                        name,
                        requirement,
                        location: path.to_owned(),
                    });
                }
            }
        }
    }
    Ok(found)
}

/// The POM's `<properties>` plus the built-in project and parent coordinates.
/// A project without its own version or groupId inherits the parent's, as Maven does.
fn collect_properties(project: &XmlElement) -> BTreeMap<String, String> {
    let mut properties = BTreeMap::new();
    if let Some(declared) = project.child("properties") {
        for property in &declared.children {
            properties.insert(property.name.clone(), property.text.trim().to_owned());
        }
    }
    let parent = project.child("parent");
    let parent_value = |name: &str| parent.and_then(|parent| parent.child_text(name));
    let coordinates = [
        ("version", project.child_text("version").or_else(|| parent_value("version"))),
        ("groupId", project.child_text("groupId").or_else(|| parent_value("groupId"))),
        ("artifactId", project.child_text("artifactId")),
    ];
    for (name, value) in coordinates {
        if let Some(value) = value {
            for prefix in ["project.", "pom.", ""] {
                properties.entry(format!("{prefix}{name}")).or_insert_with(|| value.to_owned());
            }
        }
    }
    for name in ["version", "groupId", "artifactId"] {
        if let Some(value) = parent_value(name) {
            for prefix in ["project.parent.", "parent."] {
                properties.entry(format!("{prefix}{name}")).or_insert_with(|| value.to_owned());
            }
        }
    }
    properties
}

/// Replaces every `${name}` from `properties`, repeatedly for properties that
/// refer to properties. `Err` when a reference cannot be resolved.
fn interpolate(text: &str, properties: &BTreeMap<String, String>) -> Result<String, ()> {
    let mut current = text.trim().to_owned();
    for _ in 0..MAXIMUM_INTERPOLATION_ROUNDS {
        if !current.contains("${") {
            return Ok(current);
        }
        let mut replaced = String::with_capacity(current.len());
        let mut rest = current.as_str();
        while let Some(start) = rest.find("${") {
            let (before, reference) = rest.split_at(start);
            replaced.push_str(before);
            let Some(end) = reference.find('}') else { return Err(()) };
            let name = reference.get(2..end).unwrap_or("");
            replaced.push_str(properties.get(name).ok_or(())?);
            rest = reference.get(end + 1..).unwrap_or("");
        }
        replaced.push_str(rest);
        current = replaced;
    }
    Err(())
}

/// Maven ranges (`[1.0,2.0)`, `(,1.0]`, `[1.2]`) are requirements, not versions.
fn is_version_range(version: &str) -> bool {
    version.starts_with('[') || version.starts_with('(') || version.contains(',')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Nested properties resolve; unknown and cyclic ones do not.
    #[test]
    fn interpolation() {
        let properties: BTreeMap<String, String> = [("a", "${b}.0"), ("b", "1"), ("loop", "${loop}")]
            .into_iter()
            .map(|(key, value)| (key.to_owned(), value.to_owned()))
            .collect();
        assert_eq!(interpolate("${a}-x", &properties), Ok("1.0-x".to_owned()));
        assert_eq!(interpolate("${missing}", &properties), Err(()));
        assert_eq!(interpolate("${loop}", &properties), Err(()));
        assert_eq!(interpolate("${unterminated", &properties), Err(()));
    }

    /// A parent supplies the version a project leaves out, under every built-in name.
    #[test]
    fn version_inherited_from_parent() {
        let project = parse_xml_document(
            b"<project><parent><groupId>g</groupId><version>7</version></parent><artifactId>a</artifactId></project>",
        )
        .unwrap();
        let properties = collect_properties(&project);
        assert_eq!(properties.get("project.version").map(String::as_str), Some("7"));
        assert_eq!(properties.get("project.parent.version").map(String::as_str), Some("7"));
        assert_eq!(properties.get("project.groupId").map(String::as_str), Some("g"));
    }
}
