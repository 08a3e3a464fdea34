//! Matching: an inventory and a view of the advisory database in, findings out.
//!
//! Pure: the database is reached through the [`AdvisoryLookup`] trait, so the same
//! function re-matches a stored inventory in the service, a fresh scan in the CLI,
//! and an in-memory set of advisories in tests. Nothing here reads files.
//!
//! Rules:
//! - versions are compared with the package ecosystem's own scheme
//!   ([`scheme_for`]); a version the scheme cannot read never matches, and the
//!   outcome records a note instead of guessing;
//! - withdrawn advisories never match;
//! - advisories that share any identifier (aliases) are one vulnerability and
//!   produce one finding listing all ids;
//! - RustSec informational advisories become warnings, not findings.

mod distro;
mod evaluate;
mod fingerprint;
mod modularity;

use std::collections::BTreeSet;

use kensa_model::{
    Advisory, Distro, Ecosystem, Finding, FixState, Inventory, MatchEvidence, Package, PackageRef, Severity,
};
use kensa_version::VersionScheme;

pub use evaluate::{AffectedVerdict, evaluate_affected};
pub use fingerprint::fingerprint;

pub use kensa_model::AdvisoryLookup;

/// The ordering to compare a package's versions with.
pub fn scheme_for(ecosystem: Ecosystem) -> VersionScheme {
    match ecosystem {
        Ecosystem::CratesIo => VersionScheme::Semver,
        Ecosystem::Npm => VersionScheme::Npm,
        Ecosystem::PyPI => VersionScheme::Pep440,
        Ecosystem::Go => VersionScheme::Go,
        Ecosystem::RubyGems => VersionScheme::RubyGems,
        Ecosystem::Packagist => VersionScheme::Composer,
        Ecosystem::NuGet => VersionScheme::NuGet,
        Ecosystem::Maven => VersionScheme::Maven,
        Ecosystem::Pub => VersionScheme::Pub,
        Ecosystem::Hex => VersionScheme::Hex,
        Ecosystem::Debian | Ecosystem::Ubuntu => VersionScheme::Dpkg,
        Ecosystem::Alpine | Ecosystem::Wolfi | Ecosystem::Chainguard => VersionScheme::Apk,
        Ecosystem::AlmaLinux
        | Ecosystem::RockyLinux
        | Ecosystem::RedHat
        | Ecosystem::Suse
        | Ecosystem::OpenSuse
        | Ecosystem::Mageia
        | Ecosystem::AmazonLinux
        | Ecosystem::Rpm => VersionScheme::Rpm,
    }
}

/// Something matching could not decide, or a part a matched advisory lost
/// when it was read (a malformed CVSS vector), for the report's diagnostics.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct MatchNote {
    /// The package concerned (`name@version`).
    pub package: String,
    /// The advisory concerned.
    pub advisory_id: String,
    /// What could not be decided, or what was left out of the advisory.
    pub message: String,
}

/// The result of matching one inventory.
#[derive(Debug, Clone, Default)]
pub struct MatchOutcome {
    /// Vulnerabilities, sorted by location, Kensa score and severity (highest
    /// first), package, version, id.
    pub findings: Vec<Finding>,
    /// Informational advisories (unmaintained, unsound, notice), same order.
    pub warnings: Vec<Finding>,
    /// Comparisons that could not be made.
    pub notes: Vec<MatchNote>,
    /// Operating-system packages that had distro advisories which were not
    /// matched because the resource's distribution release is unknown.
    pub packages_without_release: usize,
}

/// The (ecosystem, name) keys matching looks advisories up under for an
/// inventory's packages, de-duplicated and sorted: exactly the keys a
/// database change set names ([`kensa_model::Ecosystem::normalize_name`] of
/// the name advisories are indexed by — the source package for Debian,
/// Ubuntu and the apk distributions). A service indexes inventories by these
/// to find the ones a change touches.
pub fn lookup_keys(inventory: &Inventory) -> Vec<(kensa_model::Ecosystem, String)> {
    let mut keys: Vec<(kensa_model::Ecosystem, String)> =
        inventory.packages.iter().map(|package| (package.ecosystem, distro::lookup_key(package).0)).collect();
    keys.sort();
    keys.dedup();
    keys
}

/// Matches every package of an inventory, scoring findings for a resource
/// of unknown network exposure.
pub fn match_inventory<L: AdvisoryLookup>(inventory: &Inventory, lookup: &L) -> Result<MatchOutcome, L::Error> {
    match_inventory_with_exposure(inventory, lookup, kensa_model::Exposure::Unknown)
}

/// Matches every package of an inventory; the Kensa score of each finding
/// (and so the order of findings) takes the resource's network `exposure`.
pub fn match_inventory_with_exposure<L: AdvisoryLookup>(
    inventory: &Inventory,
    lookup: &L,
    exposure: kensa_model::Exposure,
) -> Result<MatchOutcome, L::Error> {
    let mut outcome = MatchOutcome::default();
    for package in &inventory.packages {
        let (lookup_name, _) = distro::lookup_key(package);
        let advisories = lookup.advisories_for(package.ecosystem, &lookup_name)?;
        match_package(package, inventory.distro.as_ref(), &advisories, &mut outcome);
    }
    for finding in outcome.findings.iter_mut().chain(outcome.warnings.iter_mut()) {
        for id in std::iter::once(&finding.id).chain(&finding.aliases).filter(|id| id.starts_with("CVE-")) {
            if finding.known_exploited.is_none()
                && let Some(entry) = lookup.known_exploited(id)?
            {
                finding.known_exploited = Some(entry);
            }
            // A vulnerability with several CVE ids takes the highest score.
            if let Some(score) = lookup.epss(id)?
                && finding.epss.is_none_or(|held| score.probability > held.probability)
            {
                finding.epss = Some(score);
            }
        }
        // NVD is the fallback: only a finding none of whose advisories gave
        // a vector or a rating (and no distro rating) takes NVD's severity.
        if finding.severity == kensa_model::Severity::Unknown {
            let cves: Vec<String> = std::iter::once(&finding.id)
                .chain(&finding.aliases)
                .filter(|id| id.starts_with("CVE-"))
                .cloned()
                .collect();
            for cve in cves {
                let Some(vectors) = lookup.cve_cvss(&cve)? else { continue };
                let assessed = kensa_score::assess(&vectors, None);
                if assessed.severity != kensa_model::Severity::Unknown {
                    finding.severity = assessed.severity;
                    finding.severity_source = assessed.source.from_nvd();
                    finding.cvss = vectors;
                    break;
                }
            }
        }
    }
    for finding in outcome.findings.iter_mut().chain(outcome.warnings.iter_mut()) {
        finding.kensa_score = Some(kensa_score::kensa_score(finding, exposure));
    }
    if outcome.packages_without_release > 0 {
        outcome.notes.push(MatchNote {
            package: inventory.resource.name.clone(),
            advisory_id: String::new(),
            message: format!(
                "no distribution release was detected, so distro advisories for {} operating-system packages were not matched",
                outcome.packages_without_release
            ),
        });
    }
    sort_findings(&mut outcome.findings);
    sort_findings(&mut outcome.warnings);
    outcome.notes.sort();
    outcome.notes.dedup();
    Ok(outcome)
}

/// Puts findings in report order: by location, then highest Kensa score,
/// severity, package, version and id (so the order is total and stable).
pub fn sort_findings(findings: &mut [Finding]) {
    let score = |finding: &Finding| finding.kensa_score.as_ref().map_or(0.0, |score| score.score);
    findings.sort_by(|left, right| {
        left.package
            .location
            .cmp(&right.package.location)
            .then_with(|| score(right).total_cmp(&score(left)))
            .then_with(|| right.severity.cmp(&left.severity))
            .then_with(|| left.package.name.cmp(&right.package.name))
            .then_with(|| left.package.version.cmp(&right.package.version))
            .then_with(|| left.id.cmp(&right.id))
    });
}

/// One advisory that matched, with its evidence.
struct Matched<'a> {
    advisory: &'a Advisory,
    evidence: Vec<MatchEvidence>,
    fixed_versions: Vec<String>,
    /// The distribution's decision, from the affected entries that matched.
    fix_state: Option<FixState>,
    distro_severity: Option<String>,
}

/// Matches one package against the advisories indexed under its name, on a
/// resource running `distro` (needed for operating-system packages).
pub fn match_package(package: &Package, distro: Option<&Distro>, advisories: &[Advisory], outcome: &mut MatchOutcome) {
    let scheme = scheme_for(package.ecosystem);
    let (lookup_name, version) = distro::lookup_key(package);
    let mut matched: Vec<Matched<'_>> = Vec::new();
    let mut distro_unknown = false;
    for advisory in advisories {
        if advisory.withdrawn.is_some() {
            continue;
        }
        let mut evidence = Vec::new();
        let mut fixed_versions = Vec::new();
        let mut fix_state = None;
        let mut distro_severity = None;
        for affected in &advisory.affected {
            if affected.ecosystem != package.ecosystem || affected.name != lookup_name {
                continue;
            }
            match distro::release_matches(package.ecosystem, affected.release.as_deref(), distro) {
                distro::ReleaseMatch::Matches => {}
                distro::ReleaseMatch::Differs => continue,
                distro::ReleaseMatch::DistroUnknown => {
                    distro_unknown = true;
                    continue;
                }
            }
            if affected.fix_state == Some(FixState::NotAffected) {
                continue;
            }
            if scheme == VersionScheme::Rpm && !modularity::entry_applies(package, advisory, affected) {
                continue;
            }
            match evaluate_affected(scheme, version, affected) {
                AffectedVerdict::Affected { range, fixed } => {
                    evidence.push(MatchEvidence {
                        advisory_id: advisory.id.clone(),
                        range,
                        fixed_version: fixed.first().cloned(),
                    });
                    fixed_versions.extend(fixed);
                    fix_state = fix_state.or(affected.fix_state);
                    distro_severity = distro_severity.or_else(|| affected.distro_severity.clone());
                }
                AffectedVerdict::NotAffected => {}
                AffectedVerdict::Undecidable(message) => outcome.notes.push(MatchNote {
                    package: format!("{}@{}", package.name, package.version),
                    advisory_id: advisory.id.clone(),
                    message,
                }),
            }
        }
        if !evidence.is_empty() {
            // What the record lost when it was read (a malformed CVSS vector)
            // travels with the finding it yields: its severity may rest on a
            // fallback because of it.
            for note in &advisory.notes {
                outcome.notes.push(MatchNote {
                    package: format!("{}@{}", package.name, package.version),
                    advisory_id: advisory.id.clone(),
                    message: note.clone(),
                });
            }
            matched.push(Matched { advisory, evidence, fixed_versions, fix_state, distro_severity });
        }
    }
    if distro_unknown {
        outcome.packages_without_release += 1;
    }
    let (informational, vulnerabilities): (Vec<_>, Vec<_>) =
        matched.into_iter().partition(|matched| matched.advisory.informational.is_some());
    for vulnerability in group_into_vulnerabilities(&vulnerabilities) {
        for location in &package.locations {
            outcome.findings.push(build_finding(package, location, scheme, &vulnerability));
        }
    }
    for vulnerability in group_into_vulnerabilities(&informational) {
        for location in &package.locations {
            outcome.warnings.push(build_finding(package, location, scheme, &vulnerability));
        }
    }
}

/// One vulnerability to report: its id, its other ids, and the matched
/// advisories that describe it.
struct Vulnerability<'m, 'a> {
    id: String,
    /// What the finding's identity is anchored to ([`kensa_model::finding_identity`]).
    anchor: String,
    aliases: Vec<String>,
    matched: Vec<&'m Matched<'a>>,
}

/// Turns matched advisories into vulnerabilities.
///
/// Advisories sharing an id (transitively) describe one vulnerability — a
/// GHSA, a PYSEC and a RUSTSEC record of one CVE are one finding. But a
/// distribution advisory (DSA, DLA, ALSA) bundles every CVE one update fixed:
/// when a connected set names several CVEs, each CVE is its own finding, listing
/// the bundles that cover it, so five fixed bugs are five findings, as the CVE
/// trackers and other scanners count them.
fn group_into_vulnerabilities<'m, 'a>(matched: &'m [Matched<'a>]) -> Vec<Vulnerability<'m, 'a>> {
    let mut vulnerabilities = Vec::new();
    for component in connected_by_shared_ids(matched) {
        let cves: BTreeSet<&str> =
            component.iter().flat_map(|item| item.advisory.all_ids()).filter(|id| id.starts_with("CVE-")).collect();
        if cves.len() <= 1 {
            let ids: BTreeSet<String> =
                component.iter().flat_map(|item| item.advisory.all_ids().map(str::to_owned)).collect();
            let id = primary_id(&ids);
            let aliases = ids.into_iter().filter(|alias| *alias != id).collect();
            // The records' own ids never change; aliases do (a feed adds a
            // CVE to a GHSA-only advisory), so the anchor is a record id.
            let anchor = component.iter().map(|item| item.advisory.id.as_str()).min().unwrap_or_default().to_owned();
            vulnerabilities.push(Vulnerability { id, anchor, aliases, matched: component });
            continue;
        }
        for cve in cves {
            let members: Vec<&Matched<'a>> = component
                .iter()
                .copied()
                .filter(|item| {
                    let mut ids = item.advisory.all_ids();
                    let names_cve = item.advisory.all_ids().any(|id| id == cve);
                    names_cve || !ids.any(|id| id.starts_with("CVE-"))
                })
                .collect();
            let aliases: BTreeSet<String> = members
                .iter()
                .flat_map(|item| item.advisory.all_ids())
                .filter(|id| !id.starts_with("CVE-"))
                .map(str::to_owned)
                .collect();
            vulnerabilities.push(Vulnerability {
                id: cve.to_owned(),
                // One finding per CVE of a bundle: the CVE is what tells them apart.
                anchor: cve.to_owned(),
                aliases: aliases.into_iter().collect(),
                matched: members,
            });
        }
    }
    vulnerabilities
}

/// Groups matched advisories that share an identifier (transitively), each
/// group sorted by advisory id.
fn connected_by_shared_ids<'m, 'a>(matched: &'m [Matched<'a>]) -> Vec<Vec<&'m Matched<'a>>> {
    let mut groups: Vec<(BTreeSet<&'a str>, Vec<&'m Matched<'a>>)> = Vec::new();
    for item in matched {
        let mut merged_ids: BTreeSet<&'a str> = item.advisory.all_ids().collect();
        let mut merged_items = vec![item];
        // Pull in every existing group that shares an id; repeat-free because each
        // absorbed group is removed.
        let mut index = 0;
        while index < groups.len() {
            let overlaps = groups.get(index).is_some_and(|(group_ids, _)| !group_ids.is_disjoint(&merged_ids));
            if overlaps {
                let (group_ids, group_items) = groups.swap_remove(index);
                merged_ids.extend(group_ids);
                merged_items.extend(group_items);
                index = 0;
            } else {
                index += 1;
            }
        }
        groups.push((merged_ids, merged_items));
    }
    let mut groups: Vec<Vec<&Matched<'a>>> = groups.into_iter().map(|(_, items)| items).collect();
    for group in &mut groups {
        group.sort_by(|left, right| left.advisory.id.cmp(&right.advisory.id));
    }
    groups
}

/// The id a finding is known by: a CVE if the vulnerability has one (what most
/// teams track), else a GHSA, else the smallest feed id. Deterministic for a set.
fn primary_id(ids: &BTreeSet<String>) -> String {
    let rank = |id: &str| {
        if id.starts_with("CVE-") {
            0
        } else if id.starts_with("GHSA-") {
            1
        } else {
            2
        }
    };
    ids.iter().min_by_key(|id| (rank(id), (*id).clone())).cloned().unwrap_or_default()
}

fn build_finding(
    package: &Package,
    location: &str,
    scheme: VersionScheme,
    vulnerability: &Vulnerability<'_, '_>,
) -> Finding {
    let group = vulnerability.matched.as_slice();
    let id = vulnerability.id.clone();
    let aliases = vulnerability.aliases.clone();

    let assessments: Vec<kensa_score::SeverityAssessment> = group
        .iter()
        .map(|matched| kensa_score::assess(&matched.advisory.cvss, matched.advisory.database_severity))
        .collect();
    let strongest = assessments
        .iter()
        .max_by(|left, right| left.severity.cmp(&right.severity))
        .cloned()
        .unwrap_or_else(|| kensa_score::assess(&[], None));

    let mut fixed_versions: Vec<String> = group
        .iter()
        .flat_map(|matched| matched.fixed_versions.iter())
        .map(|fixed| spelled_like_installed(package, fixed))
        .collect();
    fixed_versions.sort_by(|left, right| scheme.compare(left, right).unwrap_or_else(|| left.cmp(right)));
    fixed_versions.dedup();

    let distro_severity = group.iter().find_map(|matched| matched.distro_severity.clone());
    // The distribution's rating comes first for its own packages: it judges the
    // build it ships (a backported fix, a disabled feature), CVSS judges upstream.
    let (severity, severity_source) = match distro_severity.as_deref().and_then(Severity::from_label) {
        Some(rating) if rating != Severity::Unknown => (rating, kensa_model::SeveritySource::Distro),
        _ => (strongest.severity, strongest.source),
    };
    let fix_state = if !fixed_versions.is_empty() {
        FixState::Fixed
    } else {
        group.iter().find_map(|matched| matched.fix_state).filter(|state| *state != FixState::Fixed).unwrap_or_default()
    };
    let summary = group
        .iter()
        .map(|matched| matched.advisory.summary.trim())
        .find(|summary| !summary.is_empty())
        .map(str::to_owned)
        .or_else(|| group.iter().map(|matched| first_line(&matched.advisory.details)).find(|line| !line.is_empty()))
        .unwrap_or_default();

    let mut cvss = Vec::new();
    let mut references = Vec::new();
    for matched in group {
        for vector in &matched.advisory.cvss {
            if !cvss.contains(vector) {
                cvss.push(vector.clone());
            }
        }
        for reference in &matched.advisory.references {
            if !references.contains(reference) {
                references.push(reference.clone());
            }
        }
    }
    let evidence: Vec<MatchEvidence> = group.iter().flat_map(|matched| matched.evidence.clone()).collect();
    let informational = group.iter().find_map(|matched| matched.advisory.informational.clone());
    let package_ref = PackageRef {
        name: package.name.clone(),
        version: package.version.clone(),
        ecosystem: package.ecosystem,
        purl: package.purl.clone(),
        location: location.to_owned(),
        layer: package.layer.clone(),
    };
    Finding {
        fingerprint: fingerprint(&package_ref, &id),
        identity_anchor: vulnerability.anchor.clone(),
        id,
        aliases,
        package: package_ref,
        fix_state,
        fixed_versions,
        distro_severity,
        known_exploited: None,
        epss: None,
        kensa_score: None,
        suppressed: None,
        under_investigation: None,
        severity,
        severity_source,
        cvss,
        summary,
        references,
        informational,
        evidence,
    }
}

/// Go advisories write versions without the `v` that Go modules (and `go get`)
/// use; give the user the spelling they would type.
fn spelled_like_installed(package: &Package, fixed: &str) -> String {
    if package.ecosystem == Ecosystem::Go && package.version.starts_with('v') && !fixed.starts_with('v') {
        format!("v{fixed}")
    } else {
        fixed.to_owned()
    }
}

fn first_line(text: &str) -> String {
    text.lines().map(str::trim).find(|line| !line.is_empty()).unwrap_or_default().to_owned()
}

/// An [`AdvisoryLookup`] over advisories held in memory, for tests and for
/// matching against a handful of records without a database.
#[derive(Debug, Default, Clone)]
pub struct InMemoryAdvisories {
    advisories: Vec<Advisory>,
}

impl InMemoryAdvisories {
    /// Wraps a list of advisories.
    pub fn new(advisories: Vec<Advisory>) -> InMemoryAdvisories {
        InMemoryAdvisories { advisories }
    }
}

impl AdvisoryLookup for InMemoryAdvisories {
    type Error = std::convert::Infallible;

    fn advisories_for(&self, ecosystem: Ecosystem, normalized_name: &str) -> Result<Vec<Advisory>, Self::Error> {
        Ok(self
            .advisories
            .iter()
            .filter(|advisory| {
                advisory
                    .affected
                    .iter()
                    .any(|affected| affected.ecosystem == ecosystem && affected.name == normalized_name)
            })
            .cloned()
            .collect())
    }
}
