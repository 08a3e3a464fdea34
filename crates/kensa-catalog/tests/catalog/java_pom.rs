//! Maven pom.xml cataloger over the real fixtures in shared/data.

use std::path::Path;

use crate::common::{LOCKFILES, catalog_bytes, catalog_fixture, interested_catalogers, listing};
use kensa_catalog::Found;

fn unresolved_listing(found: &Found) -> String {
    let mut lines: Vec<String> =
        found.unresolved.iter().map(|dependency| format!("{} {:?}", dependency.name, dependency.requirement)).collect();
    lines.sort();
    lines.join("\n")
}

/// Exact sets, with packages and unresolved dependencies side by side: literal
/// versions, `${property}` versions and artifactIds, dependencyManagement
/// versions, profile dependencies; build plugin dependencies skipped.
#[test]
fn pom_exact_package_sets() {
    for (snapshot, fixture) in [
        ("pom_two_packages", "osv-scalibr/java-pomxml/two-packages.xml"),
        ("pom_interpolation", "osv-scalibr/java-pomxml/interpolation.xml"),
        ("pom_dependency_management", "osv-scalibr/java-pomxml/with-dependency-management.xml"),
        ("pom_with_parent", "osv-scalibr/java-pomxml/with-parent.xml"),
        ("pom_profiles", "osv-scalibr/java-pomxml/profiles.xml"),
        ("pom_plugin_dependency", "osv-scalibr/java-pomxml/plugin-dependency.xml"),
        ("pom_multi_version", "osv-scalibr/java-pomxml/multi-version.xml"),
        ("pom_classifiers", "osv-scalibr/java-pomxml/with-multiple-classifiers.xml"),
        ("pom_explicit_jar", "osv-scalibr/java-pomxml/explicit-jar.xml"),
        ("pom_latin1", "osv-scalibr/java-pomxml/encoding.xml"),
        ("pom_parent_file", "osv-scalibr/java-pomxml/parent/pom.xml"),
        ("pom_integration", "trivy-integration-repos/pom/pom.xml"),
    ] {
        let found = catalog_fixture("java-pom-xml", fixture).unwrap();
        assert!(found.packages.iter().all(|package| package.purl.starts_with("pkg:maven/")));
        let report = format!("packages:\n{}\nunresolved:\n{}", listing(&found), unresolved_listing(&found));
        insta::assert_snapshot!(snapshot, report);
    }
}

/// `${junit.version}` resolves from the POM's own properties (trivy's log4shell project).
#[test]
fn pom_property_versions() {
    let found = catalog_fixture("java-pom-xml", "trivy-integration-repos/pom/pom.xml").unwrap();
    let junit = found.packages.iter().find(|package| package.name == "org.junit.jupiter:junit-jupiter-api").unwrap();
    assert_eq!(junit.version, "5.7.1");
    assert_eq!(junit.purl, "pkg:maven/org.junit.jupiter/junit-jupiter-api@5.7.1");
}

/// Versions only a parent POM could supply are unresolved, not dropped and not guessed.
#[test]
fn pom_missing_versions_are_unresolved() {
    let found = catalog_fixture("java-pom-xml", "osv-scalibr/java-pomxml/with-parent.xml").unwrap();
    let frank = found.unresolved.iter().find(|dependency| dependency.name == "org.frank:frank").unwrap();
    assert_eq!(frank.requirement, "");
    assert!(found.packages.iter().all(|package| package.name != "org.frank:frank"));
    let chuck = found.packages.iter().find(|package| package.name == "org.chuck:chuck").unwrap();
    assert_eq!(chuck.version, "3.0.0");
}

/// A dependency without a groupId is a diagnostic naming the file.
#[test]
fn pom_dependency_without_group() {
    let fixture = "osv-scalibr/java-pomxml/interpolate-drop.xml";
    let found = catalog_fixture("java-pom-xml", fixture).unwrap();
    assert_eq!(listing(&found), "com.example:actual-artifact@1.0.0");
    assert_eq!(found.diagnostics.len(), 1);
    assert_eq!(found.diagnostics[0].path, fixture);
}

/// A POM without dependencies is empty.
#[test]
fn pom_without_dependencies() {
    assert_eq!(catalog_fixture("java-pom-xml", "osv-scalibr/java-pomxml/empty.xml").unwrap(), Found::default());
}

/// Broken XML and non-POM text are errors naming the file.
#[test]
fn pom_malformed() {
    for fixture in ["osv-scalibr/java-pomxml/invalid-syntax.xml", "osv-scalibr/java-pomxml/not-pom.txt"] {
        let error = catalog_fixture("java-pom-xml", fixture).unwrap_err();
        assert!(error.to_string().contains(fixture), "{error}");
    }
    let error = catalog_bytes("java-pom-xml", Path::new(LOCKFILES), "x/pom.xml", b"<settings/>").unwrap_err();
    assert!(error.to_string().contains("x/pom.xml"), "{error}");
}

/// Only pom.xml is claimed (not repository `.pom` files, which describe what
/// could be downloaded, not what is built).
#[test]
fn pom_interest() {
    let claimed = |path: &str| interested_catalogers(path).contains(&"java-pom-xml");
    assert!(claimed("service/pom.xml"));
    assert!(!claimed("root/.m2/repository/g/a/1/a-1.pom"));
}
