//! The Debian security tracker's advisory lists (`data/DSA/list`,
//! `data/DLA/list`): one entry per DSA or DLA, each a header line followed by
//! indented annotations.
//!
//! ```text
//! [29 Mar 2023] DSA-5380-1 xorg-server - security update
//!     {CVE-2023-1393}
//!     [bullseye] - xorg-server 2:1.20.11-1+deb11u6
//!     [woody] - mantis <not-affected> (Vulnerable code not present)
//!     NOTE: fixed in testing at time of DSA
//! ```
//!
//! Each entry becomes one [`Advisory`] with the DSA/DLA id, the CVEs as aliases,
//! the header date as publication date, and one affected entry per
//! `[release] - source-package state` line. Entries that fix no package
//! (announcements such as `DSA-4205-1 jessie end-of-life`) and lines that cannot
//! be read are returned as [`SkippedEntry`] values with the reason, never
//! dropped silently.
//!
//! `NOTE:` lines are free text for the security team and are not kept. The CVE
//! list (`data/CVE/list`) uses the same annotations but is not parsed here.

use std::collections::BTreeSet;

use kensa_model::Advisory;

use crate::debian_release::{
    TrackerState, affected_from_state, looks_like_debian_version, release_for_codename, severity_from_urgency,
};
use crate::normalize::{dedupe_affected, normalize_aliases, validate_advisory};
use crate::{AdvisoryError, DebianTrackerParse, SkippedEntry};

/// Advisory ids the tracker's lists use: DSA, DLA, the long-gone DTSA
/// (testing), and ELA (Freexian's extended LTS, in the same format).
const ADVISORY_PREFIXES: [&str; 4] = ["DSA-", "DLA-", "DTSA-", "ELA-"];

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// One entry while its annotation lines are read.
struct EntryInProgress {
    line_number: usize,
    header: String,
    id: String,
    published: String,
    summary: String,
    cves: Vec<String>,
    affected: Vec<kensa_model::AffectedPackage>,
}

/// Parses a whole DSA or DLA list.
pub(crate) fn parse(path: &str, contents: &[u8]) -> Result<DebianTrackerParse, AdvisoryError> {
    let text = std::str::from_utf8(contents)
        .map_err(|error| AdvisoryError::invalid(path, format!("advisory list is not UTF-8: {error}")))?;
    let mut parse = DebianTrackerParse::default();
    let mut current: Option<EntryInProgress> = None;
    // Set after a header that could not be read: its annotations are part of
    // the rejected entry, not separate errors.
    let mut inside_rejected_entry = false;
    for (index, line) in text.lines().enumerate() {
        let line_number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with('[') {
            finish_entry(path, current.take(), &mut parse)?;
            match parse_header(line, line_number) {
                Ok(entry) => {
                    current = Some(entry);
                    inside_rejected_entry = false;
                }
                Err(reason) => {
                    parse.skipped.push(SkippedEntry::at_line(line_number, line, reason));
                    inside_rejected_entry = true;
                }
            }
            continue;
        }
        let Some(entry) = current.as_mut() else {
            if !inside_rejected_entry {
                parse.skipped.push(SkippedEntry::at_line(line_number, line, "annotation before any advisory header"));
            }
            continue;
        };
        if let Err(reason) = read_annotation(line.trim(), entry) {
            parse.skipped.push(SkippedEntry::at_line(line_number, line, reason));
        }
    }
    finish_entry(path, current.take(), &mut parse)?;
    if parse.advisories.is_empty() && !parse.skipped.is_empty() {
        let first = parse.skipped.first().map(|skipped| skipped.to_string()).unwrap_or_default();
        return Err(AdvisoryError::invalid(path, format!("no readable advisory in the list; first problem: {first}")));
    }
    Ok(parse)
}

/// `[29 Mar 2023] DSA-5380-1 xorg-server - security update`
fn parse_header(line: &str, line_number: usize) -> Result<EntryInProgress, String> {
    let (date_part, rest) = line
        .strip_prefix('[')
        .and_then(|after_bracket| after_bracket.split_once(']'))
        .ok_or_else(|| "header without a closing `]` after the date".to_owned())?;
    let published = parse_date(date_part)?;
    let rest = rest.trim();
    let (id, summary) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let has_known_prefix = ADVISORY_PREFIXES.iter().any(|prefix| id.starts_with(prefix));
    let number_part = id.split_once('-').map(|(_, number)| number).unwrap_or_default();
    let number_is_valid = !number_part.is_empty()
        && number_part
            .split('-')
            .all(|part| !part.is_empty() && part.chars().all(|character| character.is_ascii_digit()));
    if !has_known_prefix || !number_is_valid {
        return Err(format!("header without a DSA/DLA id (found {id:?})"));
    }
    Ok(EntryInProgress {
        line_number,
        header: line.to_owned(),
        id: id.to_owned(),
        published,
        summary: summary.split_whitespace().collect::<Vec<_>>().join(" "),
        cves: Vec::new(),
        affected: Vec::new(),
    })
}

/// `29 Mar 2023` → `2023-03-29`.
fn parse_date(text: &str) -> Result<String, String> {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let [day, month, year] = parts.as_slice() else {
        return Err(format!("header date {text:?} is not `DD Mon YYYY`"));
    };
    let month_number = MONTHS.iter().position(|name| name == month);
    let day_number: Option<u32> = day.parse().ok().filter(|day| (1..=31).contains(day));
    let year_is_valid = year.len() == 4 && year.chars().all(|character| character.is_ascii_digit());
    match (month_number, day_number, year_is_valid) {
        (Some(month_index), Some(day_number), true) => Ok(format!("{year}-{:02}-{day_number:02}", month_index + 1)),
        _ => Err(format!("header date {text:?} is not `DD Mon YYYY`")),
    }
}

fn read_annotation(annotation: &str, entry: &mut EntryInProgress) -> Result<(), String> {
    if annotation.starts_with("NOTE:") {
        return Ok(());
    }
    if let Some(inside) = annotation.strip_prefix('{') {
        let Some(identifiers) = inside.strip_suffix('}') else {
            return Err("CVE set without a closing `}`".to_owned());
        };
        for identifier in identifiers.split_whitespace() {
            if !identifier.starts_with("CVE-") {
                return Err(format!("{identifier:?} in the CVE set is not a CVE id"));
            }
            entry.cves.push(identifier.to_owned());
        }
        return Ok(());
    }
    if let Some(after_bracket) = annotation.strip_prefix('[') {
        let (codename, package_part) =
            after_bracket.split_once(']').ok_or_else(|| "release without a closing `]`".to_owned())?;
        let release =
            release_for_codename(codename).ok_or_else(|| format!("unknown Debian release {:?}", codename.trim()))?;
        let package_part = package_part
            .trim_start()
            .strip_prefix("- ")
            .ok_or_else(|| "package annotation without `- ` after the release".to_owned())?;
        let (package, state, severity) = parse_package_annotation(package_part)?;
        entry.affected.push(affected_from_state(release, &package, state, severity));
        return Ok(());
    }
    Err("unrecognised annotation (expected `{CVE…}`, `[release] - package …` or `NOTE:`)".to_owned())
}

/// `xorg-server 2:1.20.11-1+deb11u6`, `mantis <not-affected> (reason)`,
/// `sudo 1.6.8p7-1.4sarge1 (medium)`, `weex 2.6.1-4woody2 (bug #332424; medium)`.
pub(crate) fn parse_package_annotation(text: &str) -> Result<(String, TrackerState, Option<String>), String> {
    let (before_note, note) = match text.split_once('(') {
        Some((before, note)) => (before, Some(note.trim_end().trim_end_matches(')'))),
        None => (text, None),
    };
    let mut words = before_note.split_whitespace();
    let package = words.next().ok_or_else(|| "package annotation without a package name".to_owned())?;
    let state_word = words.next().ok_or_else(|| format!("package {package} has neither a version nor a state"))?;
    if let Some(extra) = words.next() {
        return Err(format!("unexpected {extra:?} after the state of package {package}"));
    }
    let state = match state_word {
        "<not-affected>" => TrackerState::NotAffected,
        "<unfixed>" | "<undetermined>" => TrackerState::Unfixed,
        "<end-of-life>" => TrackerState::EndOfLife,
        "<no-dsa>" | "<ignored>" => TrackerState::WillNotFix,
        "<postponed>" => TrackerState::Postponed,
        version if looks_like_debian_version(version) => TrackerState::Fixed(version.to_owned()),
        other => return Err(format!("{other:?} is neither a Debian version nor a known state of package {package}")),
    };
    // Old entries put the urgency in the note: `(medium)`, `(bug #332424; medium)`.
    let severity = note.and_then(|note| {
        note.split([';', ','])
            .map(str::trim)
            .find(|part| matches!(*part, "low" | "medium" | "high" | "unimportant"))
            .and_then(severity_from_urgency)
    });
    Ok((package.to_owned(), state, severity))
}

fn finish_entry(
    path: &str,
    entry: Option<EntryInProgress>,
    parse: &mut DebianTrackerParse,
) -> Result<(), AdvisoryError> {
    let Some(entry) = entry else {
        return Ok(());
    };
    if entry.affected.is_empty() {
        parse.skipped.push(SkippedEntry::at_line(
            entry.line_number,
            &entry.header,
            "names no package and release (an announcement or notice, not a package advisory)",
        ));
        return Ok(());
    }
    let unique_cves: BTreeSet<String> = entry.cves.into_iter().collect();
    let advisory = Advisory {
        aliases: normalize_aliases(&entry.id, unique_cves),
        summary: entry.summary,
        details: String::new(),
        published: Some(entry.published),
        modified: None,
        withdrawn: None,
        cvss: Vec::new(),
        database_severity: None,
        references: vec![format!("https://security-tracker.debian.org/tracker/{}", entry.id)],
        informational: None,
        affected: dedupe_affected(entry.affected),
        source: "debian-security-tracker".to_owned(),
        notes: Vec::new(),
        id: entry.id,
    };
    validate_advisory(&advisory).map_err(|reason| AdvisoryError::invalid(path, reason))?;
    parse.advisories.push(advisory);
    Ok(())
}
