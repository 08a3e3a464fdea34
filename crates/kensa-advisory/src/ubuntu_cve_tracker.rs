//! Ubuntu CVE Tracker (UCT) entries: the text files of
//! `ubuntu-cve-tracker/{active,retired,ignored}/CVE-…`, one CVE per file.
//!
//! ```text
//! Candidate: CVE-2020-0034
//! PublicDate: 2020-03-10 20:15:00 UTC
//! References:
//!  https://cve.mitre.org/cgi-bin/cvename.cgi?name=CVE-2020-0034
//! Description:
//!  In vp8_decode_frame of decodeframe.c, there is a possible out of bounds
//! Priority: low
//! CVSS:
//!  nvd: CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N
//!
//! Patches_libvpx:
//! Priority_libvpx: medium
//! upstream_libvpx: released (1.7.0-3)
//! trusty/esm_libvpx: needed
//! bionic_libvpx: not-affected (1.7.0-3ubuntu0.18.04.1)
//! ```
//!
//! Each file becomes one [`Advisory`] `UBUNTU-<CVE>` (the id osv.dev gives
//! Ubuntu's CVE records) with the CVE as alias, and one affected entry per
//! `<release>_<source package>: <status> (<version or note>)` line whose release
//! is an Ubuntu release: code names become OSV's qualifiers (`bionic` →
//! `18.04:LTS`, `eoan` → `19.10`), and the ESM forms (`trusty/esm`,
//! `esm-infra/xenial`, `esm-apps/bionic`) become `Pro:14.04:LTS`, … so the
//! matcher applies them only to Ubuntu Pro hosts. `fips/…` and `fips-updates/…`
//! become `Pro:FIPS:…` and `Pro:FIPS-updates:…` as in the OSV export.
//!
//! Deliberately not kept: `upstream_` and `devel_` lines (upstream is not a
//! release, and `devel` is whichever release is in development when the file
//! was written), release names this module does not know (snap, ROS ESM, …),
//! `DNE` lines (the package does not exist in that release), `Patches_`/`Tags_`
//! blocks, notes, bugs and assignees. Vunnel's normalised JSON form of UCT is
//! not parsed here.

use kensa_model::{Advisory, AffectedPackage, AffectedRange, CvssVector, Ecosystem, FixState, RangeEvent, RangeKind};

use crate::AdvisoryError;
use crate::cvss::valid_cvss_vector_or_note;
use crate::debian_release::looks_like_debian_version;
use crate::normalize::{dedupe_affected, dedupe_keep_order, normalize_aliases, validate_advisory};

/// Ubuntu code names with the release qualifier OSV writes after `Ubuntu:`.
const UBUNTU_CODENAMES: [(&str, &str); 43] = [
    ("warty", "4.10"),
    ("hoary", "5.04"),
    ("breezy", "5.10"),
    ("dapper", "6.06:LTS"),
    ("edgy", "6.10"),
    ("feisty", "7.04"),
    ("gutsy", "7.10"),
    ("hardy", "8.04:LTS"),
    ("intrepid", "8.10"),
    ("jaunty", "9.04"),
    ("karmic", "9.10"),
    ("lucid", "10.04:LTS"),
    ("maverick", "10.10"),
    ("natty", "11.04"),
    ("oneiric", "11.10"),
    ("precise", "12.04:LTS"),
    ("quantal", "12.10"),
    ("raring", "13.04"),
    ("saucy", "13.10"),
    ("trusty", "14.04:LTS"),
    ("utopic", "14.10"),
    ("vivid", "15.04"),
    ("wily", "15.10"),
    ("xenial", "16.04:LTS"),
    ("yakkety", "16.10"),
    ("zesty", "17.04"),
    ("artful", "17.10"),
    ("bionic", "18.04:LTS"),
    ("cosmic", "18.10"),
    ("disco", "19.04"),
    ("eoan", "19.10"),
    ("focal", "20.04:LTS"),
    ("groovy", "20.10"),
    ("hirsute", "21.04"),
    ("impish", "21.10"),
    ("jammy", "22.04:LTS"),
    ("kinetic", "22.10"),
    ("lunar", "23.04"),
    ("mantic", "23.10"),
    ("noble", "24.04:LTS"),
    ("oracular", "24.10"),
    ("plucky", "25.04"),
    ("questing", "25.10"),
];

/// The OSV release qualifier of a UCT release name, or `None` for names that
/// are not an Ubuntu release Kensa can match (`upstream`, `devel`, `snap`, …).
pub(crate) fn release_for_tracker_name(name: &str) -> Option<String> {
    let standard = |codename: &str| {
        UBUNTU_CODENAMES.iter().find(|(known, _)| *known == codename).map(|(_, release)| (*release).to_owned())
    };
    // Extended support exists only for LTS releases; an ESM name on anything
    // else is a typo, not data to match.
    let extended = |prefix: &str, codename: &str| {
        standard(codename).filter(|release| release.ends_with(":LTS")).map(|release| format!("{prefix}:{release}"))
    };
    match name.split_once('/') {
        None => standard(name),
        Some((codename, "esm")) => extended("Pro", codename),
        Some(("esm-infra" | "esm-apps" | "esm-infra-legacy", codename)) => extended("Pro", codename),
        Some(("fips", codename)) => extended("Pro:FIPS", codename),
        Some(("fips-updates", codename)) => extended("Pro:FIPS-updates", codename),
        Some(_) => None,
    }
}

/// What one status line says, before it becomes an affected entry.
#[derive(Debug, Clone, PartialEq, Eq)]
enum TrackerStatus {
    Released(String),
    NotFixed,
    Deferred,
    Ignored,
    EndOfLife,
    NotAffected,
    DoesNotExist,
}

/// `released (1.2-3)`, `needed`, `ignored (end of life)`, `not-affected (code not present)`.
fn parse_status(text: &str) -> Result<TrackerStatus, String> {
    let text = text.trim();
    let (word, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    // The note is usually in parentheses; a few hand-edited lines lost the
    // opening one (`not-affected 3.5.18-1ubuntu1.3)`).
    let note = rest.trim().trim_start_matches('(').trim_end_matches(')').trim();
    match word {
        "released" => {
            if note.is_empty() {
                return Err("status `released` without the version that fixed it".to_owned());
            }
            if !looks_like_debian_version(note) {
                return Err(format!("status `released` with {note:?}, which is not a Debian version"));
            }
            Ok(TrackerStatus::Released(note.to_owned()))
        }
        "needed" | "needs-triage" | "pending" | "active" => Ok(TrackerStatus::NotFixed),
        "deferred" => Ok(TrackerStatus::Deferred),
        "ignored" => {
            let words = note.to_ascii_lowercase().replace('-', " ");
            if words.contains("end of life") || words.contains("standard support") {
                Ok(TrackerStatus::EndOfLife)
            } else {
                Ok(TrackerStatus::Ignored)
            }
        }
        "not-affected" => Ok(TrackerStatus::NotAffected),
        "DNE" => Ok(TrackerStatus::DoesNotExist),
        other => Err(format!("unknown status {other:?}")),
    }
}

/// The priority as a distro severity: `untriaged` is the absence of one.
fn severity_from_priority(priority: &str) -> Option<String> {
    let word = priority.split_whitespace().next().unwrap_or_default();
    match word {
        "" | "untriaged" => None,
        other => Some(other.to_owned()),
    }
}

/// The multi-line fields whose indented continuation lines are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Block {
    References,
    Description,
    UbuntuDescription,
    Cvss,
    /// Any other field: its continuation lines are read past.
    Ignored,
}

/// One status line, kept until the priorities (which may come after it) are known.
struct StatusLine {
    release: String,
    release_name: String,
    package: String,
    status: TrackerStatus,
}

#[derive(Default)]
struct Entry {
    candidate: Option<String>,
    public_date: Option<String>,
    references: Vec<String>,
    description: Vec<String>,
    ubuntu_description: Vec<String>,
    priority: Option<String>,
    /// `Priority_<package>` and `Priority_<package>_<release name>` overrides.
    package_priorities: Vec<(String, Option<String>, String)>,
    cvss: Vec<CvssVector>,
    /// CVSS vectors left out, and why.
    notes: Vec<String>,
    statuses: Vec<StatusLine>,
}

/// Parses one UCT entry.
pub(crate) fn parse(path: &str, contents: &[u8]) -> Result<Vec<Advisory>, AdvisoryError> {
    let text = std::str::from_utf8(contents)
        .map_err(|error| AdvisoryError::invalid(path, format!("Ubuntu CVE Tracker entry is not UTF-8: {error}")))?;
    let entry = read_entry(text).map_err(|reason| AdvisoryError::invalid(path, reason))?;
    let advisory = build_advisory(entry).map_err(|reason| AdvisoryError::invalid(path, reason))?;
    // An entry whose packages exist in no Ubuntu release Kensa knows (all
    // `DNE`, or only `upstream`/`devel`) is a valid entry with nothing to match.
    if advisory.affected.is_empty() {
        return Ok(Vec::new());
    }
    validate_advisory(&advisory).map_err(|reason| AdvisoryError::invalid(path, reason))?;
    Ok(vec![advisory])
}

fn read_entry(text: &str) -> Result<Entry, String> {
    let mut entry = Entry::default();
    let mut block: Option<Block> = None;
    for (index, line) in text.lines().enumerate() {
        let line_number = index + 1;
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            let Some(current) = block else {
                return Err(format!("line {line_number}: indented line outside any field"));
            };
            read_continuation(current, line.trim(), &mut entry)
                .map_err(|reason| format!("line {line_number}: {reason}"))?;
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err(format!(
                "line {line_number}: {:?} is neither `Field: value` nor an indented line",
                line.trim()
            ));
        };
        block = Some(
            read_field(key.trim(), value.trim(), &mut entry)
                .map_err(|reason| format!("line {line_number}: {reason}"))?,
        );
    }
    Ok(entry)
}

fn read_continuation(block: Block, text: &str, entry: &mut Entry) -> Result<(), String> {
    match block {
        Block::References => entry.references.push(text.to_owned()),
        Block::Description => entry.description.push(text.to_owned()),
        Block::UbuntuDescription => entry.ubuntu_description.push(text.to_owned()),
        Block::Cvss => {
            // ` nvd: CVSS:3.1/…`: the source, then the vector.
            let (_source, vector) =
                text.split_once(": ").ok_or_else(|| format!("CVSS line {text:?} is not `source: vector`"))?;
            let vector = vector.split_whitespace().next().unwrap_or_default();
            if let Some(vector) = valid_cvss_vector_or_note(vector, "CVSS", &mut entry.notes) {
                entry.cvss.push(vector);
            }
        }
        Block::Ignored => {}
    }
    Ok(())
}

/// Reads one `Field: value` line; returns the block its continuation lines belong to.
fn read_field(key: &str, value: &str, entry: &mut Entry) -> Result<Block, String> {
    let single_line = |field: &mut Option<String>| {
        if !value.is_empty() {
            *field = Some(value.to_owned());
        }
        Block::Ignored
    };
    let with_first_line = |lines: &mut Vec<String>, block: Block| {
        if !value.is_empty() {
            lines.push(value.to_owned());
        }
        block
    };
    match key {
        "Candidate" => return Ok(single_line(&mut entry.candidate)),
        "PublicDate" => return Ok(single_line(&mut entry.public_date)),
        "Priority" => return Ok(single_line(&mut entry.priority)),
        "References" => return Ok(with_first_line(&mut entry.references, Block::References)),
        "Description" => return Ok(with_first_line(&mut entry.description, Block::Description)),
        "Ubuntu-Description" => return Ok(with_first_line(&mut entry.ubuntu_description, Block::UbuntuDescription)),
        "CVSS" => {
            if !value.is_empty() {
                read_continuation(Block::Cvss, value, entry)?;
            }
            return Ok(Block::Cvss);
        }
        _ => {}
    }
    // Release and package names never contain `_`, so the first one splits them.
    let Some((prefix, package_part)) = key.split_once('_') else {
        // Other header fields (Notes, Bugs, Mitigation, CRD, …) are not kept.
        return Ok(Block::Ignored);
    };
    match prefix {
        "Patches" | "Tags" => Ok(Block::Ignored),
        "Priority" => {
            let (package, release_name) = match package_part.split_once('_') {
                Some((package, release_name)) => (package, Some(release_name.to_owned())),
                None => (package_part, None),
            };
            entry.package_priorities.push((package.to_owned(), release_name, value.to_owned()));
            Ok(Block::Ignored)
        }
        release_name => {
            if package_part.is_empty() {
                return Err(format!("status line for release {release_name:?} without a package name"));
            }
            // Lines about what is not a release (upstream's `released (4.4.7 and
            // 5.0.7)`) are free-form and not read at all.
            let Some(release) = release_for_tracker_name(release_name) else {
                return Ok(Block::Ignored);
            };
            let status = parse_status(value).map_err(|reason| format!("{release_name}_{package_part}: {reason}"))?;
            entry.statuses.push(StatusLine {
                release,
                release_name: release_name.to_owned(),
                package: package_part.to_owned(),
                status,
            });
            Ok(Block::Ignored)
        }
    }
}

fn build_advisory(entry: Entry) -> Result<Advisory, String> {
    let cve = entry.candidate.ok_or_else(|| "no `Candidate:` line naming the CVE".to_owned())?;
    let cve_number_is_valid =
        cve.strip_prefix("CVE-").and_then(|rest| rest.split_once('-')).is_some_and(|(year, number)| {
            year.len() == 4
                && number.len() >= 4
                && year.chars().chain(number.chars()).all(|character| character.is_ascii_digit())
        });
    if !cve_number_is_valid {
        return Err(format!("Candidate {cve:?} is not a CVE id"));
    }
    let id = format!("UBUNTU-{cve}");
    let priority = entry.priority.as_deref().and_then(severity_from_priority);
    let mut affected = Vec::new();
    for line in entry.statuses {
        let override_for = |release_specific: bool| {
            entry.package_priorities.iter().rev().find(|(package, release_name, _)| {
                *package == line.package
                    && release_name.as_deref().is_some() == release_specific
                    && (!release_specific || release_name.as_deref() == Some(line.release_name.as_str()))
            })
        };
        let distro_severity = match override_for(true).or_else(|| override_for(false)) {
            Some((_, _, value)) => severity_from_priority(value),
            None => priority.clone(),
        };
        if let Some(package) = affected_package(line, distro_severity) {
            affected.push(package);
        }
    }
    let description = match entry.description.is_empty() {
        false => entry.description.join(" "),
        true => entry.ubuntu_description.join(" "),
    };
    let references = std::iter::once(format!("https://ubuntu.com/security/{cve}")).chain(entry.references);
    Ok(Advisory {
        aliases: normalize_aliases(&id, [cve.clone()]),
        summary: first_sentence(&description),
        details: description,
        published: entry.public_date.as_deref().and_then(published_timestamp),
        modified: None,
        withdrawn: None,
        cvss: entry.cvss,
        database_severity: None,
        references: dedupe_keep_order(references),
        informational: None,
        affected: dedupe_affected(affected),
        source: "ubuntu-cve-tracker".to_owned(),
        notes: entry.notes,
        id,
    })
}

fn affected_package(line: StatusLine, distro_severity: Option<String>) -> Option<AffectedPackage> {
    let events = |fixed: Option<String>| {
        let mut events = vec![RangeEvent::Introduced("0".to_owned())];
        events.extend(fixed.map(RangeEvent::Fixed));
        vec![AffectedRange::Events { kind: RangeKind::Ecosystem, events }]
    };
    let (ranges, fix_state) = match line.status {
        TrackerStatus::DoesNotExist => return None,
        TrackerStatus::Released(version) => (events(Some(version)), FixState::Fixed),
        TrackerStatus::NotFixed => (events(None), FixState::NotFixed),
        TrackerStatus::Deferred => (events(None), FixState::FixDeferred),
        TrackerStatus::Ignored => (events(None), FixState::WillNotFix),
        TrackerStatus::EndOfLife => (events(None), FixState::EndOfLife),
        TrackerStatus::NotAffected => (Vec::new(), FixState::NotAffected),
    };
    Some(AffectedPackage {
        ecosystem: Ecosystem::Ubuntu,
        release: Some(line.release),
        name: Ecosystem::Ubuntu.normalize_name(&line.package),
        ranges,
        versions: Vec::new(),
        ecosystem_specific: None,
        fix_state: Some(fix_state),
        distro_severity,
    })
}

/// `2020-03-10 20:15:00 UTC` → `2020-03-10T20:15:00Z`; a bare date stays a date;
/// anything else (`unknown`, a typo) is no date rather than a wrong one.
fn published_timestamp(text: &str) -> Option<String> {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let is_date = |date: &str| {
        date.len() == 10
            && date.char_indices().all(|(position, character)| match position {
                4 | 7 => character == '-',
                _ => character.is_ascii_digit(),
            })
    };
    let is_time = |time: &str| {
        time.len() == 8
            && time.char_indices().all(|(position, character)| match position {
                2 | 5 => character == ':',
                _ => character.is_ascii_digit(),
            })
    };
    match parts.as_slice() {
        [date] if is_date(date) => Some((*date).to_owned()),
        [date, time] | [date, time, "UTC"] if is_date(date) && is_time(time) => Some(format!("{date}T{time}Z")),
        _ => None,
    }
}

/// UCT descriptions are NVD's text, wrapped at 72 columns: the first sentence
/// reads as a summary, the first wrapped line often stops mid-phrase.
fn first_sentence(description: &str) -> String {
    let end = description.find(". ").map_or(description.len(), |position| position + 1);
    description.get(..end).unwrap_or(description).trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Code names map to OSV's qualifiers; ESM names to `Pro:`; upstream and devel to nothing.
    #[test]
    fn release_names_map_to_osv_qualifiers() {
        assert_eq!(release_for_tracker_name("bionic").as_deref(), Some("18.04:LTS"));
        assert_eq!(release_for_tracker_name("eoan").as_deref(), Some("19.10"));
        assert_eq!(release_for_tracker_name("trusty/esm").as_deref(), Some("Pro:14.04:LTS"));
        assert_eq!(release_for_tracker_name("esm-infra/xenial").as_deref(), Some("Pro:16.04:LTS"));
        assert_eq!(release_for_tracker_name("esm-apps/bionic").as_deref(), Some("Pro:18.04:LTS"));
        assert_eq!(release_for_tracker_name("fips/bionic").as_deref(), Some("Pro:FIPS:18.04:LTS"));
        assert_eq!(release_for_tracker_name("upstream"), None);
        assert_eq!(release_for_tracker_name("devel"), None);
        assert_eq!(release_for_tracker_name("snap"), None);
        assert_eq!(release_for_tracker_name("eoan/esm"), None, "no ESM for a non-LTS release");
    }

    /// Statuses and their notes decide the fix state; end-of-life wording is recognised.
    #[test]
    fn statuses_are_read_with_their_notes() {
        assert_eq!(parse_status("released (1.7.0-3)"), Ok(TrackerStatus::Released("1.7.0-3".to_owned())));
        assert_eq!(parse_status("needs-triage"), Ok(TrackerStatus::NotFixed));
        assert_eq!(parse_status("pending (5.4.0-1007.7)"), Ok(TrackerStatus::NotFixed));
        assert_eq!(parse_status("ignored (out of standard support)"), Ok(TrackerStatus::EndOfLife));
        assert_eq!(parse_status("ignored (was needs-triage now end-of-life)"), Ok(TrackerStatus::EndOfLife));
        assert_eq!(parse_status("ignored (end of life)"), Ok(TrackerStatus::EndOfLife));
        assert_eq!(parse_status("ignored (was needed ESM criteria)"), Ok(TrackerStatus::Ignored));
        assert_eq!(parse_status("not-affected 3.5.18-1ubuntu1.3)"), Ok(TrackerStatus::NotAffected));
        assert_eq!(parse_status("DNE (trusty was not-affected [code not present])"), Ok(TrackerStatus::DoesNotExist));
        assert!(parse_status("released").is_err());
        assert!(parse_status("released (4.4.7 and 5.0.7)").is_err());
        assert!(parse_status("fixed (1.0)").is_err());
    }

    /// UCT timestamps become RFC 3339; words do not become dates.
    #[test]
    fn public_dates_become_timestamps() {
        assert_eq!(published_timestamp("2020-03-10 20:15:00 UTC").as_deref(), Some("2020-03-10T20:15:00Z"));
        assert_eq!(published_timestamp("2020-03-10").as_deref(), Some("2020-03-10"));
        assert_eq!(published_timestamp("unknown"), None);
    }
}
