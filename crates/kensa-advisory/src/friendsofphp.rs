//! FriendsOfPHP security-advisories (`<vendor>/<package>/<name>.yaml`): a title,
//! a link, an optional CVE, a `composer://vendor/package` reference and one
//! branch per maintained line, each with Composer constraints.
//!
//! Mapped to [`AffectedRange::IfRequirements`]: one affected requirement per
//! branch (its constraints joined with `,`, Composer's AND), and as fixed
//! versions the `<X` upper bounds of the branches that have a fix (`time` set; a
//! branch with `time: ~` was never fixed, so its upper bound is just where the
//! branch ends and is not upgrade advice).
//!
//! Identifiers: the feed has none of its own. The id is the CVE when there is
//! one (so findings join with NVD, KEV and EPSS data), otherwise the stable
//! synthesised `FRIENDSOFPHP-<vendor>-<package>-<file stem>`. The same CVE
//! often has one file per affected package, so ids are not unique per file
//! across this feed. GHSA ids found in the title or link become aliases.

use kensa_model::{Advisory, AffectedPackage, AffectedRange, Ecosystem};
use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};

use crate::AdvisoryError;
use crate::normalize::{normalize_aliases, validate_advisory};

#[derive(Deserialize)]
struct PhpAdvisory {
    title: String,
    link: Option<String>,
    cve: Option<String>,
    #[serde(deserialize_with = "deserialize_branches_in_order")]
    branches: Vec<(String, Branch)>,
    reference: String,
}

#[derive(Deserialize)]
struct Branch {
    time: Option<String>,
    versions: Vec<String>,
}

/// Parses one FriendsOfPHP advisory.
pub(crate) fn parse(path: &str, contents: &[u8]) -> Result<Vec<Advisory>, AdvisoryError> {
    let record: PhpAdvisory = kensa_parse::yaml_from_slice(contents)
        .map_err(|error| AdvisoryError::invalid(path, format!("not a valid FriendsOfPHP advisory: {error}")))?;
    let invalid = |reason: String| AdvisoryError::invalid(path, reason);

    let Some(package) = record.reference.trim().strip_prefix("composer://") else {
        return Err(invalid(format!("reference {:?} is not a composer://vendor/package URL", record.reference)));
    };
    let package = Ecosystem::Packagist.normalize_name(package);
    let well_formed_package = package
        .split_once('/')
        .is_some_and(|(vendor, name)| !vendor.is_empty() && !name.is_empty() && !name.contains('/'));
    if !well_formed_package {
        return Err(invalid(format!("reference names {package:?}, not vendor/package")));
    }
    if record.branches.is_empty() {
        return Err(invalid("no branches: nothing says which versions are affected".to_owned()));
    }

    let mut affected_requirements = Vec::with_capacity(record.branches.len());
    let mut fixed_versions = Vec::new();
    for (branch_name, branch) in &record.branches {
        let constraints: Vec<&str> = branch.versions.iter().map(|constraint| constraint.trim()).collect();
        if constraints.is_empty() || constraints.iter().any(|constraint| !is_composer_constraint(constraint)) {
            return Err(invalid(format!(
                "branch {branch_name:?} has constraints {:?}, expected comparisons like \">=1.0\", \"<1.2.3\"",
                branch.versions
            )));
        }
        affected_requirements.push(constraints.join(","));
        let has_fix = branch.time.as_deref().is_some_and(|time| !time.trim().is_empty());
        if has_fix {
            let upper_bounds = constraints.iter().filter_map(|constraint| {
                constraint.strip_prefix('<').filter(|rest| !rest.starts_with('=')).map(str::trim)
            });
            for fixed in upper_bounds {
                if !fixed_versions.iter().any(|known| known == fixed) {
                    fixed_versions.push(fixed.to_owned());
                }
            }
        }
    }

    let cve = record.cve.map(|cve| cve.trim().to_owned()).filter(|cve| !cve.is_empty());
    if let Some(cve) = &cve
        && !cve.starts_with("CVE-")
    {
        return Err(invalid(format!("cve {cve:?} is not a CVE id")));
    }
    let id = match &cve {
        Some(cve) => cve.clone(),
        None => format!("FRIENDSOFPHP-{}-{}", package.replace('/', "-"), file_stem(path)),
    };
    let mut aliases: Vec<String> = cve.into_iter().collect();
    aliases.extend(find_ghsa_ids(&record.title));
    if let Some(link) = &record.link {
        aliases.extend(find_ghsa_ids(link));
    }

    let advisory = Advisory {
        aliases: normalize_aliases(&id, aliases),
        summary: record.title.trim().to_owned(),
        details: String::new(),
        published: None,
        modified: None,
        withdrawn: None,
        cvss: Vec::new(),
        database_severity: None,
        references: record
            .link
            .map(|link| link.trim().to_owned())
            .filter(|link| !link.is_empty())
            .into_iter()
            .collect(),
        informational: None,
        affected: vec![AffectedPackage {
            ecosystem: Ecosystem::Packagist,
            release: None,
            name: package,
            ranges: vec![AffectedRange::IfRequirements { affected: affected_requirements, fixed: fixed_versions }],
            versions: Vec::new(),
            ecosystem_specific: None,
            fix_state: None,
            distro_severity: None,
        }],
        source: "friendsofphp".to_owned(),
        notes: Vec::new(),
        id,
    };
    validate_advisory(&advisory).map_err(|reason| AdvisoryError::invalid(path, reason))?;
    Ok(vec![advisory])
}

/// One Composer comparison: an operator and a version without spaces or commas
/// (they are joined with `,` later, so a comma inside would change the meaning).
fn is_composer_constraint(constraint: &str) -> bool {
    let version = [">=", "<=", "!=", "==", ">", "<", "="]
        .iter()
        .find_map(|operator| constraint.strip_prefix(operator))
        .unwrap_or(constraint)
        .trim();
    !version.is_empty()
        && version
            .chars()
            .all(|character| character.is_ascii_alphanumeric() || matches!(character, '.' | '-' | '_' | '+'))
}

fn file_stem(path: &str) -> &str {
    let file_name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    file_name.strip_suffix(".yaml").or_else(|| file_name.strip_suffix(".yml")).unwrap_or(file_name)
}

/// GHSA ids (`GHSA-xxxx-xxxx-xxxx`) mentioned anywhere in `text`.
fn find_ghsa_ids(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (start, _) in text.match_indices("GHSA-") {
        let candidate: String = text.get(start + 5..).unwrap_or_default().chars().take(14).collect();
        let groups: Vec<&str> = candidate.split('-').collect();
        let well_formed = groups.len() == 3
            && groups
                .iter()
                .all(|group| group.len() == 4 && group.chars().all(|character| character.is_ascii_alphanumeric()));
        if well_formed {
            found.push(format!("GHSA-{}", candidate.to_ascii_lowercase()));
        }
    }
    found
}

/// Keeps branches in the order the file lists them (a map type would sort
/// `10.x` before `9.x`).
fn deserialize_branches_in_order<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<(String, Branch)>, D::Error> {
    struct BranchesVisitor;

    impl<'de> Visitor<'de> for BranchesVisitor {
        type Value = Vec<(String, Branch)>;

        fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            formatter.write_str("a mapping of branch names to {time, versions}")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut branches = Vec::new();
            while let Some((name, branch)) = map.next_entry::<String, Branch>()? {
                branches.push((name, branch));
            }
            Ok(branches)
        }
    }

    deserializer.deserialize_map(BranchesVisitor)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// GHSA ids are found in links and titles and normalised to lower case.
    #[test]
    fn ghsa_ids_are_found_in_text() {
        assert_eq!(
            find_ghsa_ids("https://github.com/amphp/http-client/security/advisories/GHSA-w8gf-g2vq-j2f4"),
            ["GHSA-w8gf-g2vq-j2f4"]
        );
        assert_eq!(find_ghsa_ids("GHSA-47M6-46mj-p235: By-passing"), ["GHSA-47m6-46mj-p235"]);
        assert!(find_ghsa_ids("GHSA-short").is_empty());
    }

    /// Composer comparisons are accepted, prose and comma lists are not.
    #[test]
    fn composer_constraints_are_checked() {
        assert!(is_composer_constraint(">=2.7.0"));
        assert!(is_composer_constraint("<2.7.51"));
        assert!(is_composer_constraint("<=1.0.0-beta1"));
        assert!(!is_composer_constraint(">=1.0,<2.0"));
        assert!(!is_composer_constraint("<"));
    }
}
