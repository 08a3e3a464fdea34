//! Alpine-style security databases ("secdb"): Alpine's per-release
//! `main`/`community` files (the archived YAML form and today's JSON form) and
//! the Wolfi and Chainguard `security.json` files written in the same shape.
//!
//! A secdb lists, per source package (`pkg.name`, the aports origin), which
//! package version fixed which vulnerability ids (`secfixes: {version: [ids]}`).
//! It is turned around into one [`Advisory`] per (distribution, vulnerability):
//! id `ALPINE-<CVE>` as osv.dev names Alpine records, `WOLFI-<CVE>` and
//! `CHAINGUARD-<CVE>` for the other two (the `WOLFI-CVE-…` form is the one
//! wolfictl's own OSV export used before CGA ids existed; a secdb carries no CGA
//! id, so Kensa cannot use those), with one affected entry per (release,
//! package, version) that lists it.
//!
//! The version `0` is not a fix: it marks the ids as never affecting that
//! package (see [`NOT_AFFECTED_VERSION`]).
//!
//! Deliberately not handled: the unfixed-vulnerability data from Alpine's
//! secfixes-tracker (a different feed), and the `archs`/`apkurl` fields, which
//! only say where packages are downloaded from.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use kensa_model::{Advisory, AffectedPackage, AffectedRange, Ecosystem, FixState, RangeEvent, RangeKind};
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use crate::AdvisoryError;
use crate::normalize::{dedupe_affected, normalize_aliases, validate_advisory};

/// The secfixes version that means "these ids do not affect this package".
///
/// The primary sources agree that `0` records a rejected vulnerability, not an
/// unfixed one:
/// - wolfictl builds Wolfi's and Chainguard's secdb from advisory data and
///   writes every id whose latest event is a false-positive determination under
///   the key `secdb.NAK = "0"` (wolfi-dev/wolfictl, pkg/advisory/secdb.go and
///   pkg/advisory/secdb/types.go);
/// - Alpine's security team lead described `0` as the way maintainers had to
///   "reject CVEs they deem irrelevant in their packages" before the tracker got
///   a rejection database (ariadne.space, "A slightly-delayed monthly status
///   update", June 2021), and Alpine's secfixes-tracker imports a `0` entry as a
///   fixed state at version `0`, which every published build is at or above, so
///   no build is ever reported vulnerable;
/// - the data says so itself: Alpine v3.8's `db` entry puts CVEs of Oracle's
///   later, closed-source Berkeley DB releases under `"0"` below the comment
///   `# whitelist issues for Oracle Berkeley DB (later closed source releases)`.
///
/// Issue 3 calls it the "not fixed" convention; that reading would report every
/// build of the package as vulnerable, the opposite of what the maintainers
/// declared. Unfixed vulnerabilities are simply absent from a secdb.
pub(crate) const NOT_AFFECTED_VERSION: &str = "0";

/// Which distribution a secdb file belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ApkDistribution {
    Alpine,
    Wolfi,
    Chainguard,
}

impl ApkDistribution {
    fn ecosystem(self) -> Ecosystem {
        match self {
            ApkDistribution::Alpine => Ecosystem::Alpine,
            ApkDistribution::Wolfi => Ecosystem::Wolfi,
            ApkDistribution::Chainguard => Ecosystem::Chainguard,
        }
    }

    fn id_prefix(self) -> &'static str {
        match self {
            ApkDistribution::Alpine => "ALPINE",
            ApkDistribution::Wolfi => "WOLFI",
            ApkDistribution::Chainguard => "CHAINGUARD",
        }
    }

    fn source(self) -> &'static str {
        match self {
            ApkDistribution::Alpine => "alpine-secdb",
            ApkDistribution::Wolfi => "wolfi-secdb",
            ApkDistribution::Chainguard => "chainguard-secdb",
        }
    }
}

#[derive(Deserialize)]
struct RawSecdb {
    distroversion: Option<ScalarText>,
    urlprefix: Option<String>,
    reponame: Option<String>,
    packages: Option<Vec<RawPackageEntry>>,
}

#[derive(Deserialize)]
struct RawPackageEntry {
    pkg: RawPackage,
}

#[derive(Deserialize)]
struct RawPackage {
    name: String,
    secfixes: Option<BTreeMap<ScalarText, Option<Vec<ScalarText>>>>,
}

/// A YAML scalar read as the text it was written as. Secdb YAML leaves keys
/// unquoted, so `0:` arrives as an integer; a float would already have lost its
/// spelling (`1.10` reads as 1.1), so floats are refused rather than guessed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct ScalarText(String);

impl<'de> Deserialize<'de> for ScalarText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScalarVisitor;
        impl Visitor<'_> for ScalarVisitor {
            type Value = ScalarText;
            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a string or an integer")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<ScalarText, E> {
                Ok(ScalarText(value.to_owned()))
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<ScalarText, E> {
                Ok(ScalarText(value.to_string()))
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<ScalarText, E> {
                Ok(ScalarText(value.to_string()))
            }
            fn visit_f64<E: de::Error>(self, value: f64) -> Result<ScalarText, E> {
                Err(E::custom(format!(
                    "the unquoted number {value} cannot be used as a version: its spelling is lost (quote it)"
                )))
            }
        }
        deserializer.deserialize_any(ScalarVisitor)
    }
}

/// Parses a secdb written as JSON (Alpine today, Wolfi, Chainguard).
pub(crate) fn parse_json(path: &str, contents: &[u8]) -> Result<Vec<Advisory>, AdvisoryError> {
    let secdb: RawSecdb = serde_json::from_slice(contents)
        .map_err(|error| AdvisoryError::invalid(path, format!("not a valid secdb: {error}")))?;
    convert(path, secdb)
}

/// Parses a secdb written as YAML (Alpine v3.3 to v3.11).
pub(crate) fn parse_yaml(path: &str, contents: &[u8]) -> Result<Vec<Advisory>, AdvisoryError> {
    let secdb: RawSecdb = kensa_parse::yaml_from_slice(contents)
        .map_err(|error| AdvisoryError::invalid(path, format!("not a valid secdb: {error}")))?;
    convert(path, secdb)
}

fn distribution_of(secdb: &RawSecdb) -> Option<ApkDistribution> {
    let url_prefix = secdb.urlprefix.as_deref().unwrap_or_default();
    let repository = secdb.reponame.as_deref().unwrap_or_default();
    if url_prefix.contains("wolfi.dev") {
        Some(ApkDistribution::Wolfi)
    } else if url_prefix.contains("cgr.dev") || repository == "chainguard" {
        Some(ApkDistribution::Chainguard)
    } else if secdb.distroversion.is_some() || url_prefix.contains("alpinelinux.org") {
        Some(ApkDistribution::Alpine)
    } else {
        None
    }
}

/// What one advisory collects while the packages are walked.
#[derive(Default)]
struct AdvisoryParts {
    aliases: BTreeSet<String>,
    affected: Vec<AffectedPackage>,
}

fn convert(path: &str, secdb: RawSecdb) -> Result<Vec<Advisory>, AdvisoryError> {
    let Some(distribution) = distribution_of(&secdb) else {
        return Err(AdvisoryError::unsupported(
            path,
            format!(
                "apk secdb of a distribution Kensa does not know (urlprefix {:?}, reponame {:?})",
                secdb.urlprefix.as_deref().unwrap_or_default(),
                secdb.reponame.as_deref().unwrap_or_default()
            ),
        ));
    };
    let release = match (distribution, secdb.distroversion) {
        (ApkDistribution::Alpine, Some(ScalarText(version))) if !version.trim().is_empty() => {
            Some(version.trim().to_owned())
        }
        // An Alpine record without its release could match any host release.
        (ApkDistribution::Alpine, _) => {
            return Err(AdvisoryError::invalid(path, "Alpine secdb without a distroversion"));
        }
        // Wolfi and Chainguard are rolling: osv.dev's ecosystems have no release.
        (_, _) => None,
    };
    let ecosystem = distribution.ecosystem();
    let mut by_identifier: BTreeMap<String, AdvisoryParts> = BTreeMap::new();
    for (package_index, entry) in secdb.packages.unwrap_or_default().into_iter().enumerate() {
        let name = ecosystem.normalize_name(&entry.pkg.name);
        if name.is_empty() {
            return Err(AdvisoryError::invalid(path, format!("package entry {package_index} has an empty name")));
        }
        for (ScalarText(version), listed) in entry.pkg.secfixes.unwrap_or_default() {
            let version = version.trim();
            if version.is_empty() || version.chars().any(char::is_whitespace) {
                return Err(AdvisoryError::invalid(
                    path,
                    format!("package {name}: invalid secfixes version {version:?}"),
                ));
            }
            for ScalarText(listed_text) in listed.unwrap_or_default() {
                let Some((keys, other_identifiers)) = identifiers_in_entry(&listed_text) else {
                    return Err(AdvisoryError::invalid(
                        path,
                        format!("package {name} {version}: no vulnerability id in {listed_text:?}"),
                    ));
                };
                for key in keys {
                    let parts = by_identifier.entry(key).or_default();
                    parts.aliases.extend(other_identifiers.iter().cloned());
                    parts.affected.push(affected_entry(ecosystem, release.clone(), &name, version));
                }
            }
        }
    }
    by_identifier
        .into_iter()
        .map(|(primary, parts)| {
            let id = format!("{}-{primary}", distribution.id_prefix());
            let advisory = Advisory {
                aliases: normalize_aliases(&id, std::iter::once(primary).chain(parts.aliases)),
                summary: String::new(),
                details: String::new(),
                published: None,
                modified: None,
                withdrawn: None,
                cvss: Vec::new(),
                database_severity: None,
                references: Vec::new(),
                informational: None,
                affected: dedupe_affected(parts.affected),
                source: distribution.source().to_owned(),
                notes: Vec::new(),
                id,
            };
            validate_advisory(&advisory).map_err(|reason| AdvisoryError::invalid(path, reason))?;
            Ok(advisory)
        })
        .collect()
}

fn affected_entry(ecosystem: Ecosystem, release: Option<String>, name: &str, version: &str) -> AffectedPackage {
    let (ranges, fix_state) = if version == NOT_AFFECTED_VERSION {
        (Vec::new(), FixState::NotAffected)
    } else {
        // A secdb only says which build fixed the issue, not which build
        // introduced it: every earlier build is taken as affected.
        let events = vec![RangeEvent::Introduced("0".to_owned()), RangeEvent::Fixed(version.to_owned())];
        (vec![AffectedRange::Events { kind: RangeKind::Ecosystem, events }], FixState::Fixed)
    };
    AffectedPackage {
        ecosystem,
        release,
        name: name.to_owned(),
        ranges,
        versions: Vec::new(),
        ecosystem_specific: None,
        fix_state: Some(fix_state),
        distro_severity: None,
    }
}

/// The ids one secfixes list item names: the vulnerabilities it is about (each
/// CVE, or without a CVE the first other id such as `XSA-207`), and the other
/// trackers' ids that go with them as aliases.
///
/// Real items carry more than an id: `CVE-2017-8903 XSA-213`, `CVE-2019-1234
/// (+ regression fix)`, `CVE-2017-8073.patch`, `CVE_2019-2426`, `CVE
/// 2018-16859`, `CVE-2017-17434-2` (the second patch for one CVE) and the
/// placeholder `CVE-????-?????` for ids not yet assigned. Parenthesised notes are
/// dropped, spellings normalised and placeholders skipped.
pub(crate) fn identifiers_in_entry(text: &str) -> Option<(Vec<String>, Vec<String>)> {
    let without_note = text.split('(').next().unwrap_or_default();
    let mut tokens: Vec<String> = Vec::new();
    let mut words = without_note.split_whitespace().peekable();
    while let Some(word) = words.next() {
        // `CVE 2018-16859`: the prefix and the number were split by a space.
        let joined_with_next = word.eq_ignore_ascii_case("CVE")
            && words.peek().is_some_and(|next| next.starts_with(|character: char| character.is_ascii_digit()));
        if joined_with_next {
            let number = words.next().unwrap_or_default();
            tokens.push(format!("CVE-{number}"));
        } else {
            tokens.push(word.to_owned());
        }
    }
    let mut cves = Vec::new();
    let mut others = Vec::new();
    for identifier in tokens.iter().filter_map(|token| normalize_identifier(token)) {
        let list = if identifier.starts_with("CVE-") { &mut cves } else { &mut others };
        if !list.contains(&identifier) {
            list.push(identifier);
        }
    }
    if cves.is_empty() {
        if others.is_empty() {
            return None;
        }
        cves.push(others.remove(0));
    }
    Some((cves, others))
}

fn normalize_identifier(token: &str) -> Option<String> {
    let token = token.trim_matches(|character: char| matches!(character, ',' | ';' | ':'));
    let token = token.strip_suffix(".patch").unwrap_or(token);
    if let Some(rest) = token.strip_prefix("CVE").or_else(|| token.strip_prefix("cve")) {
        let rest = rest.strip_prefix(['-', '_'])?;
        let mut parts = rest.split('-');
        let year = parts.next()?;
        let number = parts.next()?;
        let is_digits = |part: &str| !part.is_empty() && part.chars().all(|character| character.is_ascii_digit());
        // A third numeric part (`CVE-2017-17434-2`) numbers patches, not CVEs.
        let valid = year.len() == 4 && is_digits(year) && number.len() >= 4 && is_digits(number);
        let rest_is_patch_number = parts.all(is_digits);
        return (valid && rest_is_patch_number).then(|| format!("CVE-{year}-{number}"));
    }
    // Other trackers' ids (XSA-207, TALOS-2017-0123, ZBX-11023, GHSA-…,
    // wnpa-sec-2017-18) look alike: letters, dashes and a number. Words
    // without a digit (`XPTI`) are notes, not ids.
    let looks_like_identifier = token.contains('-')
        && token.chars().any(|character| character.is_ascii_digit())
        && token.starts_with(|character: char| character.is_ascii_alphabetic())
        && token.chars().all(|character| character.is_ascii_alphanumeric() || character == '-');
    looks_like_identifier.then(|| token.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every item spelling seen in the real Alpine secdb gives the intended ids.
    #[test]
    fn secfixes_items_are_cleaned_into_identifiers() {
        // (item, expected (vulnerability keys, other ids))
        type Expected = Option<(&'static [&'static str], &'static [&'static str])>;
        let cases: [(&str, Expected); 10] = [
            ("CVE-2019-1234", Some((&["CVE-2019-1234"], &[]))),
            ("CVE-2017-8903 XSA-213", Some((&["CVE-2017-8903"], &["XSA-213"]))),
            ("CVE-2019-1234 (+ regression fix)", Some((&["CVE-2019-1234"], &[]))),
            ("CVE-2017-8073.patch", Some((&["CVE-2017-8073"], &[]))),
            ("CVE_2019-2426", Some((&["CVE-2019-2426"], &[]))),
            ("CVE 2018-16859", Some((&["CVE-2018-16859"], &[]))),
            ("CVE-2017-17434-2", Some((&["CVE-2017-17434"], &[]))),
            ("CVE-????-?????  XSA-284", Some((&["XSA-284"], &[]))),
            ("CVE-2018-3639 CVE-2018-3640 XSA-263 XPTI", Some((&["CVE-2018-3639", "CVE-2018-3640"], &["XSA-263"]))),
            ("(a note only)", None),
        ];
        let owned =
            |identifiers: &[&str]| identifiers.iter().map(|identifier| (*identifier).to_owned()).collect::<Vec<_>>();
        for (text, expected) in cases {
            let expected = expected.map(|(keys, others)| (owned(keys), owned(others)));
            assert_eq!(identifiers_in_entry(text), expected, "{text}");
        }
    }
}
