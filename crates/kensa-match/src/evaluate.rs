//! Is one version inside one advisory's affected entry?

use std::cmp::Ordering;

use kensa_model::{AffectedPackage, AffectedRange, RangeEvent, RangeKind};
use kensa_version::VersionScheme;

/// The answer for one package version and one affected entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AffectedVerdict {
    /// The version is affected.
    Affected {
        /// The range (or list) that contains it, readable.
        range: String,
        /// Versions that leave that range, lowest first.
        fixed: Vec<String>,
    },
    /// The version is outside every range.
    NotAffected,
    /// The entry could not be evaluated for this version (unparseable version,
    /// unknown requirement syntax); treated as not affected and reported.
    Undecidable(String),
}

/// Evaluates one affected entry: the version is affected if it is listed in
/// `versions` or inside any range.
pub fn evaluate_affected(scheme: VersionScheme, version: &str, affected: &AffectedPackage) -> AffectedVerdict {
    let mut undecidable = None;
    for range in &affected.ranges {
        match evaluate_range(scheme, version, range) {
            verdict @ AffectedVerdict::Affected { .. } => return verdict,
            AffectedVerdict::Undecidable(message) => undecidable = Some(message),
            AffectedVerdict::NotAffected => {}
        }
    }
    let listed = affected
        .versions
        .iter()
        .any(|listed| listed == version || scheme.compare(listed, version) == Some(Ordering::Equal));
    if listed {
        // The explicit list says nothing about fixes; a range, if any, would have matched above.
        return AffectedVerdict::Affected { range: format!("={version} (listed)"), fixed: Vec::new() };
    }
    undecidable.map_or(AffectedVerdict::NotAffected, AffectedVerdict::Undecidable)
}

fn evaluate_range(scheme: VersionScheme, version: &str, range: &AffectedRange) -> AffectedVerdict {
    match range {
        AffectedRange::Events { kind, events } => {
            let scheme = match kind {
                // Commit ranges cannot be evaluated against a version; OSV records
                // that have them also enumerate `versions`, which are checked.
                RangeKind::Git => return AffectedVerdict::NotAffected,
                RangeKind::Ecosystem => scheme,
                RangeKind::Semver => semver_scheme_for(scheme),
            };
            evaluate_events(scheme, version, events)
        }
        AffectedRange::UnlessRequirements { patched, unaffected } => {
            evaluate_unless(scheme, version, patched, unaffected)
        }
        AffectedRange::IfRequirements { affected, fixed } => evaluate_if(scheme, version, affected, fixed),
    }
}

/// OSV `SEMVER` ranges use SemVer 2.0 ordering; ecosystems whose own scheme is
/// SemVer-based keep theirs (Go's accepts the `v` prefix its versions carry).
fn semver_scheme_for(scheme: VersionScheme) -> VersionScheme {
    match scheme {
        VersionScheme::Go | VersionScheme::Npm | VersionScheme::Hex | VersionScheme::Pub => scheme,
        _ => VersionScheme::Semver,
    }
}

/// One affected interval of an event list.
struct Interval<'a> {
    introduced: &'a str,
    upper: Upper<'a>,
}

enum Upper<'a> {
    Fixed(&'a str),
    LastAffected(&'a str),
    Unbounded,
}

fn is_zero(version: &str) -> bool {
    version == "0"
}

fn evaluate_events(scheme: VersionScheme, version: &str, events: &[RangeEvent]) -> AffectedVerdict {
    if scheme.compare(version, version).is_none() {
        return AffectedVerdict::Undecidable(format!("version {version:?} is not a valid {} version", scheme.name()));
    }
    // Sort the events by version as the OSV specification's evaluation requires;
    // an event whose version does not parse makes the whole range undecidable
    // rather than silently shifting the interval.
    let mut sorted: Vec<&RangeEvent> = Vec::with_capacity(events.len());
    for event in events {
        let event_version = event_version(event);
        if !is_zero(event_version)
            && !matches!(event, RangeEvent::Limit(_))
            && scheme.compare(event_version, event_version).is_none()
        {
            return AffectedVerdict::Undecidable(format!(
                "range event version {event_version:?} is not a valid {} version",
                scheme.name()
            ));
        }
        sorted.push(event);
    }
    sorted.sort_by(|left, right| compare_event_versions(scheme, event_version(left), event_version(right)));

    let mut intervals: Vec<Interval<'_>> = Vec::new();
    let mut open: Option<&str> = None;
    for event in sorted {
        match event {
            RangeEvent::Introduced(introduced) => {
                if open.is_none() {
                    open = Some(introduced);
                }
            }
            RangeEvent::Fixed(fixed) => {
                if let Some(introduced) = open.take() {
                    intervals.push(Interval { introduced, upper: Upper::Fixed(fixed) });
                }
            }
            RangeEvent::LastAffected(last) => {
                if let Some(introduced) = open.take() {
                    intervals.push(Interval { introduced, upper: Upper::LastAffected(last) });
                }
            }
            RangeEvent::Limit(_) => {}
        }
    }
    if let Some(introduced) = open {
        intervals.push(Interval { introduced, upper: Upper::Unbounded });
    }

    for interval in &intervals {
        let at_or_above_start = is_zero(interval.introduced)
            || compare_event_versions(scheme, version, interval.introduced) != Ordering::Less;
        if !at_or_above_start {
            continue;
        }
        let below_end = match interval.upper {
            Upper::Fixed(fixed) => compare_event_versions(scheme, version, fixed) == Ordering::Less,
            Upper::LastAffected(last) => compare_event_versions(scheme, version, last) != Ordering::Greater,
            Upper::Unbounded => true,
        };
        if below_end {
            let lower = if is_zero(interval.introduced) { String::new() } else { format!(">={}", interval.introduced) };
            let (upper, fixed) = match interval.upper {
                Upper::Fixed(fixed) => (format!("<{fixed}"), vec![fixed.to_owned()]),
                Upper::LastAffected(last) => (format!("<={last}"), Vec::new()),
                Upper::Unbounded => (String::new(), Vec::new()),
            };
            let range = match (lower.is_empty(), upper.is_empty()) {
                (true, true) => "all versions".to_owned(),
                (false, true) => lower,
                (true, false) => upper,
                (false, false) => format!("{lower}, {upper}"),
            };
            return AffectedVerdict::Affected { range, fixed };
        }
    }
    AffectedVerdict::NotAffected
}

fn event_version(event: &RangeEvent) -> &str {
    match event {
        RangeEvent::Introduced(version)
        | RangeEvent::Fixed(version)
        | RangeEvent::LastAffected(version)
        | RangeEvent::Limit(version) => version,
    }
}

/// `0` is below every version; otherwise the scheme decides (validated above).
fn compare_event_versions(scheme: VersionScheme, left: &str, right: &str) -> Ordering {
    match (is_zero(left), is_zero(right)) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => scheme.compare(left, right).unwrap_or(Ordering::Equal),
    }
}

fn evaluate_unless(scheme: VersionScheme, version: &str, patched: &[String], unaffected: &[String]) -> AffectedVerdict {
    for requirement in patched.iter().chain(unaffected) {
        match scheme.satisfies(version, requirement) {
            Ok(true) => return AffectedVerdict::NotAffected,
            Ok(false) => {}
            Err(error) => return AffectedVerdict::Undecidable(error.to_string()),
        }
    }
    let range = if patched.is_empty() && unaffected.is_empty() {
        "all versions (no patched version)".to_owned()
    } else {
        let mut parts = Vec::new();
        if !patched.is_empty() {
            parts.push(format!("patched: {}", patched.join(" | ")));
        }
        if !unaffected.is_empty() {
            parts.push(format!("unaffected: {}", unaffected.join(" | ")));
        }
        format!("not in ({})", parts.join("; "))
    };
    let fixed = upgrade_candidates(scheme, version, patched);
    AffectedVerdict::Affected { range, fixed }
}

fn evaluate_if(scheme: VersionScheme, version: &str, affected: &[String], fixed: &[String]) -> AffectedVerdict {
    let mut undecidable = None;
    for requirement in affected {
        match scheme.satisfies(version, requirement) {
            Ok(true) => {
                // Feeds give fixes as versions (FriendsOfPHP branch ends) or as
                // ranges (`>=1.5.2 || >=1.4.11 <1.5.0`); either way the lower
                // bounds are the versions to upgrade to.
                let fixed = upgrade_candidates(scheme, version, fixed);
                return AffectedVerdict::Affected { range: requirement.clone(), fixed };
            }
            Ok(false) => {}
            Err(error) => undecidable = Some(error.to_string()),
        }
    }
    undecidable.map_or(AffectedVerdict::NotAffected, AffectedVerdict::Undecidable)
}

/// The versions that patched requirements or fix ranges start at, above the
/// installed version, lowest first: `>= 1.2.3`, `^0.5.1`, `~> 4.2.1` and a bare
/// `1.5.2` name 1.2.3, 0.5.1, 4.2.1 and 1.5.2; upper bounds (`< 2.0`) and
/// exclusions name nothing.
fn upgrade_candidates(scheme: VersionScheme, version: &str, requirements: &[String]) -> Vec<String> {
    let mut candidates: Vec<String> = requirements
        .iter()
        .flat_map(|requirement| lower_bounds(requirement))
        .filter(|candidate| scheme.compare(candidate, version) == Some(Ordering::Greater))
        .collect();
    candidates.sort_by(|left, right| scheme.compare(left, right).unwrap_or(Ordering::Equal));
    candidates.dedup();
    candidates
}

/// The inclusive lower bounds written in a requirement of any of the feeds'
/// syntaxes (comparators separated by `||`, `|`, `,` or spaces).
fn lower_bounds(requirement: &str) -> Vec<String> {
    let mut bounds = Vec::new();
    for clause in requirement.split("||").flat_map(|clause| clause.split(['|', ','])) {
        // Rejoin operators written apart from their version (`>= 1.2.3`).
        let mut tokens = clause.split_whitespace().peekable();
        while let Some(token) = tokens.next() {
            let comparator = if token.chars().all(|character| "<>=!~^".contains(character)) {
                match tokens.next() {
                    Some(version) => format!("{token}{version}"),
                    None => break,
                }
            } else {
                token.to_owned()
            };
            let is_lower_bound = !(comparator.starts_with('<')
                || comparator.starts_with("!=")
                || (comparator.starts_with('>') && !comparator.starts_with(">=")));
            if !is_lower_bound {
                continue;
            }
            let candidate = comparator.trim_start_matches(['>', '=', '^', '~']);
            if !candidate.is_empty() {
                bounds.push(candidate.to_owned());
            }
        }
    }
    bounds
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lower bounds are read from every feed's syntax; upper bounds are not fixes.
    #[test]
    fn lower_bounds_of_each_syntax() {
        assert_eq!(lower_bounds(">= 1.2.3"), vec!["1.2.3"]);
        assert_eq!(lower_bounds("^0.5.1, < 0.6"), vec!["0.5.1"]);
        assert_eq!(lower_bounds("~> 4.2.1"), vec!["4.2.1"]);
        assert_eq!(lower_bounds(">=1.5.2 || >=1.4.11 <1.5.0 || >=1.3.2 <1.4.0"), vec!["1.5.2", "1.4.11", "1.3.2"]);
        assert_eq!(lower_bounds("1.5.2"), vec!["1.5.2"]);
        assert!(lower_bounds("<0.0.0").is_empty());
        assert!(lower_bounds("> 2.0").is_empty());
    }

    /// Regression (NSWG-ECO-392, concat-stream 1.5.0): a fix given as a range
    /// yields the versions to upgrade to above the installed one.
    #[test]
    fn fix_ranges_give_upgrade_versions() {
        let fixed = vec![">=1.5.2 || >=1.4.11 <1.5.0 || >=1.3.2 <1.4.0".to_owned()];
        assert_eq!(upgrade_candidates(VersionScheme::Npm, "1.5.0", &fixed), vec!["1.5.2"]);
        assert_eq!(upgrade_candidates(VersionScheme::Npm, "1.4.0", &fixed), vec!["1.4.11", "1.5.2"]);
    }
}
