//! RustSec advisories (rustsec/advisory-db): Markdown files that open with a
//! ```` ```toml ```` front matter block (`[advisory]`, `[versions]`, `[affected]`)
//! followed by a `# Title` heading and the description.
//!
//! Versions map to [`AffectedRange::UnlessRequirements`] with cargo-audit's
//! meaning: a version is vulnerable unless it satisfies a `patched` or an
//! `unaffected` requirement. Every requirement must parse as a Cargo
//! `semver::VersionReq`, or the advisory is rejected: one that cannot be evaluated
//! would silently match nothing (or everything).
//!
//! The `[affected]` table (functions, os, arch) is kept verbatim as JSON in
//! `AffectedPackage::ecosystem_specific`; nothing here interprets it.
//! Advisories under `rust/` are about the Rust toolchain (`std`, `cargo`,
//! `rustdoc`), which is not a crates.io package, so they are reported as
//! unsupported rather than filed under crates.io.

use kensa_model::{Advisory, AffectedPackage, AffectedRange, Ecosystem};
use serde::Deserialize;

use crate::AdvisoryError;
use crate::cvss::valid_cvss_vector_or_note;
use crate::normalize::{dedupe_keep_order, normalize_aliases, validate_advisory};

#[derive(Deserialize)]
struct FrontMatter {
    advisory: AdvisoryTable,
    versions: VersionsTable,
    affected: Option<toml::Table>,
}

#[derive(Deserialize)]
struct AdvisoryTable {
    id: String,
    package: String,
    date: DateText,
    url: Option<String>,
    aliases: Option<Vec<String>>,
    cvss: Option<String>,
    informational: Option<String>,
    withdrawn: Option<DateText>,
    references: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct VersionsTable {
    patched: Option<Vec<String>>,
    unaffected: Option<Vec<String>>,
}

/// RustSec writes dates as strings, but TOML also has a date type, and a
/// hand-edited advisory may use it; both mean the same date.
#[derive(Deserialize)]
#[serde(untagged)]
enum DateText {
    Text(String),
    Date(toml::value::Datetime),
}

impl DateText {
    fn into_string(self) -> String {
        match self {
            DateText::Text(text) => text,
            DateText::Date(date) => date.to_string(),
        }
    }
}

/// The parts of a RustSec file.
struct RustSecDocument<'text> {
    front_matter: &'text str,
    /// Byte offset of `front_matter` in the file, for error positions.
    front_matter_offset: usize,
    markdown: &'text str,
}

/// Parses one RustSec advisory file; `toolchain` is set for files under `rust/`.
pub(crate) fn parse(path: &str, contents: &[u8], toolchain: bool) -> Result<Vec<Advisory>, AdvisoryError> {
    let text = std::str::from_utf8(contents)
        .map_err(|error| AdvisoryError::invalid(path, format!("RustSec advisory is not UTF-8 text: {error}")))?;
    let document = split_front_matter(text).map_err(|reason| AdvisoryError::invalid(path, reason))?;
    kensa_parse::check_toml(document.front_matter)
        .map_err(|error| AdvisoryError::invalid(path, format!("invalid RustSec front matter: {error}")))?;
    let front_matter: FrontMatter = toml::from_str(document.front_matter).map_err(|error| {
        let position = error
            .span()
            .map(|span| describe_position(text, document.front_matter_offset + span.start))
            .unwrap_or_default();
        AdvisoryError::invalid(path, format!("invalid RustSec front matter{position}: {}", error.message().trim()))
    })?;
    let id = front_matter.advisory.id.trim().to_owned();
    let invalid = |reason: String| AdvisoryError::invalid(path, format!("{id}: {reason}"));

    let patched = front_matter.versions.patched.unwrap_or_default();
    let unaffected = front_matter.versions.unaffected.unwrap_or_default();
    for requirement in patched.iter().chain(&unaffected) {
        validate_requirement(requirement).map_err(invalid)?;
    }
    if let Some(affected) = &front_matter.affected {
        validate_affected_functions(affected).map_err(invalid)?;
    }
    let package = front_matter.advisory.package.trim().to_owned();
    if toolchain {
        return Err(AdvisoryError::unsupported(
            path,
            format!("Rust toolchain advisory for `{package}`, which is not a crates.io package"),
        ));
    }
    let (summary, details) = split_title(document.markdown).map_err(invalid)?;
    let mut notes = Vec::new();
    let cvss: Vec<_> = front_matter
        .advisory
        .cvss
        .iter()
        .filter_map(|vector| valid_cvss_vector_or_note(vector, "cvss", &mut notes))
        .collect();
    let informational =
        front_matter.advisory.informational.map(|kind| kind.trim().to_owned()).filter(|kind| !kind.is_empty());
    let ecosystem_specific = match &front_matter.affected {
        Some(affected) if !affected.is_empty() => {
            Some(serde_json::to_string(affected).map_err(|error| invalid(format!("[affected] table: {error}")))?)
        }
        _ => None,
    };
    let references = front_matter.advisory.url.into_iter().chain(front_matter.advisory.references.unwrap_or_default());

    let advisory = Advisory {
        aliases: normalize_aliases(&id, front_matter.advisory.aliases.unwrap_or_default()),
        summary,
        details,
        published: Some(front_matter.advisory.date.into_string()),
        modified: None,
        withdrawn: front_matter.advisory.withdrawn.map(DateText::into_string),
        cvss,
        database_severity: None,
        references: dedupe_keep_order(references),
        informational,
        affected: vec![AffectedPackage {
            ecosystem: Ecosystem::CratesIo,
            release: None,
            name: Ecosystem::CratesIo.normalize_name(&package),
            ranges: vec![AffectedRange::UnlessRequirements { patched, unaffected }],
            versions: Vec::new(),
            ecosystem_specific,
            fix_state: None,
            distro_severity: None,
        }],
        source: "rustsec".to_owned(),
        notes,
        id,
    };
    validate_advisory(&advisory).map_err(|reason| AdvisoryError::invalid(path, reason))?;
    Ok(vec![advisory])
}

/// Splits the ```` ```toml ```` block from the Markdown that follows it.
fn split_front_matter(file_text: &str) -> Result<RustSecDocument<'_>, String> {
    let text = file_text.trim_start_matches('\u{feff}').trim_start();
    let Some(after_fence) = text.strip_prefix("```toml") else {
        return Err("RustSec advisory without a ```toml front matter block at the start of the file".to_owned());
    };
    let Some((rest_of_fence_line, body)) = after_fence.split_once('\n') else {
        return Err("the ```toml front matter block is never closed".to_owned());
    };
    if !rest_of_fence_line.trim().is_empty() {
        return Err("unexpected text after ```toml on the opening fence line".to_owned());
    }
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        if line.trim() == "```" {
            let front_matter = body.get(..offset).unwrap_or_default();
            let markdown = body.get(offset + line.len()..).unwrap_or_default();
            let front_matter_offset = file_text.len() - body.len();
            return Ok(RustSecDocument { front_matter, front_matter_offset, markdown });
        }
        offset += line.len();
    }
    Err("the ```toml front matter block is never closed".to_owned())
}

/// The first `# ` heading is the title; everything after it is the description.
fn split_title(markdown: &str) -> Result<(String, String), String> {
    let mut offset = 0;
    for line in markdown.split_inclusive('\n') {
        if let Some(title) = line.trim_end().strip_prefix("# ") {
            let details = markdown.get(offset + line.len()..).unwrap_or_default();
            return Ok((title.trim().to_owned(), details.trim().to_owned()));
        }
        if !line.trim().is_empty() {
            return Err(format!("expected a `# Title` heading after the front matter, found {:?}", line.trim()));
        }
        offset += line.len();
    }
    Err("no `# Title` heading after the front matter".to_owned())
}

/// ` at line L, column C` (1-based) for a byte offset into the file.
fn describe_position(file_text: &str, offset: usize) -> String {
    let before = file_text.get(..offset).unwrap_or(file_text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or_default().chars().count() + 1;
    format!(" at line {line}, column {column}")
}

fn validate_requirement(requirement: &str) -> Result<(), String> {
    semver::VersionReq::parse(requirement)
        .map(|_| ())
        .map_err(|error| format!("version requirement {requirement:?} is not a valid Cargo requirement: {error}"))
}

/// `[affected.functions]` maps function paths to the version requirements in
/// which they are vulnerable; those requirements must parse like the others.
fn validate_affected_functions(affected: &toml::Table) -> Result<(), String> {
    let Some(functions) = affected.get("functions") else {
        return Ok(());
    };
    let Some(functions) = functions.as_table() else {
        return Err("[affected] functions must be a table of function paths".to_owned());
    };
    for (function, requirements) in functions {
        let Some(requirements) = requirements.as_array() else {
            return Err(format!("[affected.functions] {function} must list version requirements"));
        };
        for requirement in requirements {
            let Some(requirement) = requirement.as_str() else {
                return Err(format!("[affected.functions] {function} lists a non-string requirement"));
            };
            validate_requirement(requirement)?;
        }
    }
    Ok(())
}
