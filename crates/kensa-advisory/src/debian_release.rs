//! What the Debian security tracker's words mean in Kensa's model: release
//! codenames as OSV release strings, urgencies as distro severities, and the
//! tracker's per-release states as [`FixState`]s with their ranges. Shared by the
//! tracker JSON and the DSA/DLA list parsers so both say the same thing about the
//! same data.
//!
//! Deliberately knows nothing about either file format.

use kensa_model::{AffectedPackage, AffectedRange, Ecosystem, FixState, RangeEvent, RangeKind};

/// Codenames with the release numbers OSV writes after `Debian:` (osv.dev names
/// Debian 12 `Debian:12` and woody `Debian:3.0`). The list ends with the
/// announced future releases so data about them keeps its release.
const DEBIAN_CODENAMES: [(&str, &str); 20] = [
    ("buzz", "1.1"),
    ("rex", "1.2"),
    ("bo", "1.3"),
    ("hamm", "2.0"),
    ("slink", "2.1"),
    ("potato", "2.2"),
    ("woody", "3.0"),
    ("sarge", "3.1"),
    ("etch", "4"),
    ("lenny", "5"),
    ("squeeze", "6"),
    ("wheezy", "7"),
    ("jessie", "8"),
    ("stretch", "9"),
    ("buster", "10"),
    ("bullseye", "11"),
    ("bookworm", "12"),
    ("trixie", "13"),
    ("forky", "14"),
    ("duke", "15"),
];

/// The release string of a tracker release name: `bookworm` → `12`.
///
/// `sid` (unstable) has no number and never will; it is kept as `sid`, so
/// its records stay in the database but can never equal a numbered release:
/// a stable host never matches unstable's data. `unstable` is the same suite.
/// Suite suffixes (`-security`, `-lts`) name the same release.
pub(crate) fn release_for_codename(codename: &str) -> Option<&'static str> {
    let codename = codename.trim();
    let base = codename.split_once('-').map_or(codename, |(base, _suffix)| base);
    if base == "sid" || base == "unstable" {
        return Some("sid");
    }
    DEBIAN_CODENAMES.iter().find(|(name, _)| *name == base).map(|(_, number)| *number)
}

/// The tracker's urgency as a distro severity: `high**` → `high` (the tracker
/// marks urgencies it derived from NVD scores with asterisks), and `not yet
/// assigned` → none. `end-of-life` is a state, not a severity (see
/// [`TrackerState`]).
pub(crate) fn severity_from_urgency(urgency: &str) -> Option<String> {
    let urgency = urgency.trim().trim_end_matches('*').trim();
    match urgency {
        "" | "not yet assigned" | "end-of-life" => None,
        other => Some(other.to_owned()),
    }
}

/// What the tracker says about one source package in one release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TrackerState {
    /// Fixed in this version (`0`: never affected).
    Fixed(String),
    /// Affected, no fix yet (`<unfixed>`, JSON status `open`/`undetermined`).
    Unfixed,
    /// The tracker says this release's package is not affected.
    NotAffected,
    /// Affected, and no DSA will be issued: `<no-dsa>`/`<ignored>`.
    WillNotFix,
    /// Affected, fix postponed to a point release: `<postponed>`.
    Postponed,
    /// Affected, but the release (or the package in it) is no longer supported.
    EndOfLife,
}

/// Builds the affected entry for one (release, source package) the way every
/// Debian parser in this crate writes it.
///
/// A fixed version `0` is the tracker's way of saying the release never had a
/// vulnerable version (the CVE predates the package or never applied): it is
/// not-affected, with no range, never a `[0, 0)` range. Affected states get the
/// open range `introduced 0` so that a matcher that only reads ranges still
/// reports them.
pub(crate) fn affected_from_state(
    release: &str,
    source_package: &str,
    state: TrackerState,
    distro_severity: Option<String>,
) -> AffectedPackage {
    let open_range = || {
        vec![AffectedRange::Events { kind: RangeKind::Ecosystem, events: vec![RangeEvent::Introduced("0".to_owned())] }]
    };
    let (ranges, fix_state) = match state {
        TrackerState::Fixed(version) if version == "0" => (Vec::new(), FixState::NotAffected),
        TrackerState::Fixed(version) => (
            vec![AffectedRange::Events {
                kind: RangeKind::Ecosystem,
                events: vec![RangeEvent::Introduced("0".to_owned()), RangeEvent::Fixed(version)],
            }],
            FixState::Fixed,
        ),
        TrackerState::NotAffected => (Vec::new(), FixState::NotAffected),
        TrackerState::Unfixed => (open_range(), FixState::NotFixed),
        TrackerState::WillNotFix => (open_range(), FixState::WillNotFix),
        TrackerState::Postponed => (open_range(), FixState::FixDeferred),
        TrackerState::EndOfLife => (open_range(), FixState::EndOfLife),
    };
    AffectedPackage {
        ecosystem: Ecosystem::Debian,
        release: Some(release.to_owned()),
        name: Ecosystem::Debian.normalize_name(source_package),
        ranges,
        versions: Vec::new(),
        ecosystem_specific: None,
        fix_state: Some(fix_state),
        distro_severity,
    }
}

/// Debian version syntax, loosely: an optional numeric epoch, then an upstream
/// version starting with a digit, using only the characters policy allows.
/// Enough to tell a version from a misplaced word in a hand-edited list.
pub(crate) fn looks_like_debian_version(text: &str) -> bool {
    let without_epoch = match text.split_once(':') {
        Some((epoch, rest)) if !epoch.is_empty() && epoch.chars().all(|character| character.is_ascii_digit()) => rest,
        _ => text,
    };
    without_epoch.starts_with(|character: char| character.is_ascii_digit())
        && without_epoch
            .chars()
            .all(|character| character.is_ascii_alphanumeric() || matches!(character, '.' | '+' | '-' | '~' | ':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Codenames map to OSV's release numbers; sid stays sid; unknown names are refused.
    #[test]
    fn codenames_map_to_release_numbers() {
        assert_eq!(release_for_codename("bookworm"), Some("12"));
        assert_eq!(release_for_codename("woody"), Some("3.0"));
        assert_eq!(release_for_codename("squeeze-lts"), Some("6"));
        assert_eq!(release_for_codename("sid"), Some("sid"));
        assert_eq!(release_for_codename("hurd"), None);
    }

    /// Asterisks and the unassigned marker do not become severities.
    #[test]
    fn urgencies_become_severities() {
        assert_eq!(severity_from_urgency("high**").as_deref(), Some("high"));
        assert_eq!(severity_from_urgency("unimportant").as_deref(), Some("unimportant"));
        assert_eq!(severity_from_urgency("not yet assigned"), None);
        assert_eq!(severity_from_urgency("end-of-life"), None);
    }

    /// Versions with epochs and tildes pass; package names in the version slot do not.
    #[test]
    fn debian_versions_are_told_from_words() {
        assert!(looks_like_debian_version("2:1.20.11-1+deb11u6"));
        assert!(looks_like_debian_version("102.9.0esr-1~deb11u1"));
        assert!(!looks_like_debian_version("kernel-image-2.4.17-ia64"));
        assert!(!looks_like_debian_version("<unfixed>"));
    }
}
