//! yum/dnf `updateinfo.xml` (plain or gzipped), the errata list RPM
//! repositories publish beside their packages: how Amazon Linux publishes
//! ALAS (Amazon Linux 1, 2, 2022, 2023 — ALAS is in no OSV feed), and how
//! Rocky Linux and AlmaLinux publish their errata.
//!
//! Each `<update type="security">` becomes one advisory: its id (`ALAS2-…`,
//! `RLSA-…`, `ALSA-…`), the CVEs of its `cve` references as aliases, its
//! severity as the distribution's rating, and each package of its `pkglist`
//! as affected below the listed build (`epoch:version-release`; the list says
//! which build fixed it, so every earlier build is taken as affected, as
//! Trivy, Grype and yum's own `--security` do). Bug-fix and enhancement
//! errata are not advisories and are left out.
//!
//! The release an erratum is for comes from its collection (`amazon-linux-2023`),
//! its `<release>` (`Rocky Linux 8`), or its id (`ALAS2023-`, `ALAS2-`, `ALAS-`
//! for Amazon Linux 1), in that order.
//!
//! Read as a stream, one `<update>` at a time: Amazon Linux 2's list is tens of
//! megabytes.

use std::collections::BTreeMap;

use kensa_model::{Advisory, AffectedPackage, AffectedRange, Ecosystem, FixState, RangeEvent, RangeKind, Severity};
use quick_xml::events::{BytesStart, Event};

use crate::AdvisoryError;
use crate::normalize::{dedupe_affected, dedupe_keep_order, normalize_aliases, validate_advisory};

/// The longest text kept from one element (descriptions can be long).
const TEXT_LIMIT: usize = 64 * 1024;

/// One `<update>` as read.
#[derive(Default)]
struct Update {
    kind: String,
    id: String,
    title: String,
    description: String,
    severity: String,
    release_text: String,
    issued: Option<String>,
    updated: Option<String>,
    cves: Vec<String>,
    references: Vec<String>,
    collections: Vec<String>,
    /// The module stream (`ruby:2.6`) of the collection being read.
    module: Option<String>,
    /// (name, `epoch:version-release` as rpm compares it, module stream).
    packages: Vec<(String, String, Option<String>)>,
}

/// Which text element is open.
#[derive(Clone, Copy, PartialEq, Eq)]
enum TextField {
    Id,
    Title,
    Description,
    Severity,
    Release,
}

/// Parses a whole `updateinfo.xml` into advisories.
pub(crate) fn parse(path: &str, contents: &[u8]) -> Result<Vec<Advisory>, AdvisoryError> {
    let mut reader = XmlEvents::new(path, contents, "updateinfo.xml")?;
    let mut advisories = Vec::new();
    let mut current: Option<Update> = None;
    let mut field: Option<TextField> = None;
    let mut saw_updates = false;
    loop {
        let (position, event) = reader.next()?;
        let at = |message: String| AdvisoryError::invalid(path, format!("at byte {position}: {message}"));
        match event {
            Event::Start(ref start) | Event::Empty(ref start) => {
                // Only an element with content can hold text; `<severity/>` sets no field.
                let opens = matches!(event, Event::Start(_));
                let name = start.local_name();
                match (name.as_ref(), current.as_mut()) {
                    ("updates", None) => saw_updates = true,
                    ("update", None) => {
                        let kind = attribute(start, "type").map_err(at)?.unwrap_or_default();
                        current = Some(Update { kind, ..Update::default() });
                        if !opens {
                            // `<update/>`: nothing in it.
                            current = None;
                        }
                    }
                    ("update", Some(_)) => return Err(at("<update> inside <update>".to_owned())),
                    ("id", Some(_)) if opens => field = Some(TextField::Id),
                    ("title", Some(_)) if opens => field = Some(TextField::Title),
                    ("description", Some(_)) if opens => field = Some(TextField::Description),
                    ("severity", Some(_)) if opens => field = Some(TextField::Severity),
                    ("release", Some(_)) if opens => field = Some(TextField::Release),
                    ("issued", Some(update)) => update.issued = attribute(start, "date").map_err(at)?,
                    ("updated", Some(update)) => update.updated = attribute(start, "date").map_err(at)?,
                    ("reference", Some(update)) => {
                        if let Some(href) = attribute(start, "href").map_err(at)? {
                            update.references.push(href);
                        }
                        let kind = attribute(start, "type").map_err(at)?.unwrap_or_default();
                        if kind.eq_ignore_ascii_case("cve")
                            && let Some(id) = attribute(start, "id").map_err(at)?
                        {
                            update.cves.push(id.trim().to_owned());
                        }
                    }
                    ("collection", Some(update)) => {
                        update.module = None;
                        if let Some(short) = attribute(start, "short").map_err(at)? {
                            update.collections.push(short);
                        }
                    }
                    ("module", Some(update)) => {
                        let name = attribute(start, "name").map_err(at)?.unwrap_or_default();
                        let stream = attribute(start, "stream").map_err(at)?.unwrap_or_default();
                        update.module = (!name.is_empty() && !stream.is_empty()).then(|| format!("{name}:{stream}"));
                    }
                    ("package", Some(update)) => {
                        let (name, evr) = package_of(start).map_err(at)?;
                        update.packages.push((name, evr, update.module.clone()));
                    }
                    _ => {}
                }
            }
            Event::Text(content) => {
                if let (Some(field), Some(update)) = (field, current.as_mut()) {
                    push_text(update, field, &content.xml10_content());
                }
            }
            Event::CData(content) => {
                if let (Some(field), Some(update)) = (field, current.as_mut()) {
                    push_text(update, field, &content.xml10_content());
                }
            }
            Event::GeneralRef(reference) => {
                if let (Some(field), Some(update)) = (field, current.as_mut()) {
                    let resolved = match reference.resolve_char_ref() {
                        Ok(Some(character)) => character.to_string(),
                        _ => quick_xml::escape::resolve_predefined_entity(&reference).unwrap_or_default().to_owned(),
                    };
                    push_text(update, field, &resolved);
                }
            }
            Event::End(end) => {
                field = None;
                if end.local_name().as_ref() == "update"
                    && let Some(update) = current.take()
                    && let Some(advisory) = advisory_of(path, update)?
                {
                    advisories.push(advisory);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if current.is_some() {
        return Err(AdvisoryError::invalid(path, "the document ends inside an <update>"));
    }
    if !saw_updates {
        return Err(AdvisoryError::invalid(path, "no <updates> element: not an updateinfo.xml"));
    }
    Ok(advisories)
}

/// The events of an XML document, each with its byte offset, errors naming
/// the file and the offset.
struct XmlEvents<'a> {
    path: &'a str,
    reader: quick_xml::Reader<&'a [u8]>,
}

impl<'a> XmlEvents<'a> {
    fn new(path: &'a str, contents: &'a [u8], what: &str) -> Result<XmlEvents<'a>, AdvisoryError> {
        let text = std::str::from_utf8(contents)
            .map_err(|error| AdvisoryError::invalid(path, format!("{what} is not UTF-8: {error}")))?;
        Ok(XmlEvents { path, reader: quick_xml::Reader::from_str(text) })
    }

    fn next(&mut self) -> Result<(u64, Event<'a>), AdvisoryError> {
        let position = self.reader.buffer_position();
        let event = self
            .reader
            .read_event()
            .map_err(|error| AdvisoryError::invalid(self.path, format!("malformed XML at byte {position}: {error}")))?;
        Ok((position, event))
    }
}

fn push_text(update: &mut Update, field: TextField, text: &str) {
    let target = match field {
        TextField::Id => &mut update.id,
        TextField::Title => &mut update.title,
        TextField::Description => &mut update.description,
        TextField::Severity => &mut update.severity,
        TextField::Release => &mut update.release_text,
    };
    if target.len() < TEXT_LIMIT {
        target.push_str(text);
    }
}

fn attribute(start: &BytesStart<'_>, wanted: &str) -> Result<Option<String>, String> {
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|error| error.to_string())?;
        if attribute.key.local_name().as_ref() == wanted {
            let value =
                attribute.normalized_value(quick_xml::XmlVersion::Implicit1_0).map_err(|error| error.to_string())?;
            return Ok(Some(value.trim().to_owned()));
        }
    }
    Ok(None)
}

/// A `<package name= epoch= version= release=>` as (name, EVR): the epoch is
/// written only when it is not 0, as rpm prints versions and as the RPM
/// catalogers store installed ones.
fn package_of(start: &BytesStart<'_>) -> Result<(String, String), String> {
    let required = |name: &str| -> Result<String, String> {
        attribute(start, name)?.filter(|value| !value.is_empty()).ok_or_else(|| format!("<package> without {name}="))
    };
    let name = required("name")?;
    let version = required("version")?;
    let release = required("release")?;
    let epoch = attribute(start, "epoch")?.unwrap_or_default();
    let evr = match epoch.as_str() {
        "" | "0" => format!("{version}-{release}"),
        epoch if epoch.bytes().all(|byte| byte.is_ascii_digit()) => format!("{epoch}:{version}-{release}"),
        other => return Err(format!("package {name}: epoch {other:?} is not a number")),
    };
    Ok((name, evr))
}

/// The distribution and release an erratum is for.
fn distribution_of(update: &Update) -> Option<(Ecosystem, String)> {
    let id = update.id.as_str();
    if let Some(rest) = id.strip_prefix("ALAS") {
        let from_collection = update
            .collections
            .iter()
            .find_map(|short| short.strip_prefix("amazon-linux-"))
            .map(|release| release.split("--").next().unwrap_or(release).to_owned());
        let from_id = if rest.starts_with("2023") {
            "2023"
        } else if rest.starts_with("2022") {
            "2022"
        } else if rest.starts_with('2') {
            // ALAS2-…, and Amazon Linux 2's extras (ALAS2KERNEL-5.10-…, ALAS2NGINX1-…).
            "2"
        } else {
            "1"
        };
        return Some((Ecosystem::AmazonLinux, from_collection.unwrap_or_else(|| from_id.to_owned())));
    }
    let ecosystem = if ["RLSA-", "RLBA-", "RLEA-"].iter().any(|prefix| id.starts_with(prefix)) {
        Ecosystem::RockyLinux
    } else if ["ALSA-", "ALBA-", "ALEA-"].iter().any(|prefix| id.starts_with(prefix)) {
        Ecosystem::AlmaLinux
    } else {
        return None;
    };
    // `<release>Rocky Linux 8</release>`, else the `el8` of a package's release.
    let from_release =
        update.release_text.split_whitespace().last().filter(|word| word.bytes().all(|b| b.is_ascii_digit()));
    let from_package = update.packages.iter().find_map(|(_, evr, _)| {
        let after = &evr[evr.find(".el")? + 3..];
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        (!digits.is_empty()).then_some(digits)
    });
    let release = from_release.map(str::to_owned).or(from_package)?;
    Some((ecosystem, release))
}

/// `2018-01-16 01:28` or `2021-06-29 00:00:00` as RFC 3339.
fn timestamp(date: &str) -> Option<String> {
    let (day, time) = date.trim().split_once(' ').unwrap_or((date.trim(), "00:00"));
    let valid_day = day.len() == 10
        && day.bytes().enumerate().all(|(index, byte)| match index {
            4 | 7 => byte == b'-',
            _ => byte.is_ascii_digit(),
        });
    if !valid_day {
        return None;
    }
    let time = match time.len() {
        5 => format!("{time}:00"),
        8 => time.to_owned(),
        _ => return None,
    };
    Some(format!("{day}T{time}Z"))
}

fn advisory_of(path: &str, update: Update) -> Result<Option<Advisory>, AdvisoryError> {
    if !update.kind.eq_ignore_ascii_case("security") {
        return Ok(None);
    }
    let id = update.id.trim().to_owned();
    let Some((ecosystem, release)) = distribution_of(&update) else {
        return Err(AdvisoryError::unsupported(
            path,
            format!(
                "erratum {id:?}: not Amazon Linux (ALAS), Rocky Linux (RLSA) or AlmaLinux (ALSA), or its release is not given"
            ),
        ));
    };
    if update.packages.is_empty() {
        return Err(AdvisoryError::invalid(path, format!("{id}: security erratum without packages")));
    }
    let severity_text = update.severity.trim().to_ascii_lowercase();
    let distro_severity = (!severity_text.is_empty() && severity_text != "none").then(|| severity_text.clone());
    // Several architectures list the same build; one entry per package name
    // (and module stream: an erratum can fix one package in two streams).
    let mut fixed_by_name: BTreeMap<(String, Option<String>), String> = BTreeMap::new();
    for (name, evr, module) in update.packages {
        fixed_by_name.entry((ecosystem.normalize_name(&name), module)).or_insert(evr);
    }
    let affected = fixed_by_name
        .into_iter()
        .map(|((name, module), fixed)| AffectedPackage {
            ecosystem,
            release: Some(release.clone()),
            name,
            ranges: vec![AffectedRange::Events {
                kind: RangeKind::Ecosystem,
                events: vec![RangeEvent::Introduced("0".to_owned()), RangeEvent::Fixed(fixed)],
            }],
            versions: Vec::new(),
            // The stream travels as OSV's `ecosystem_specific` would carry it; matching reads it.
            ecosystem_specific: module.map(|stream| serde_json::json!({ "module": stream }).to_string()),
            fix_state: Some(FixState::Fixed),
            distro_severity: distro_severity.clone(),
        })
        .collect();
    let description = update.description.trim().to_owned();
    let advisory = Advisory {
        aliases: normalize_aliases(&id, update.cves),
        summary: update.title.trim().to_owned(),
        details: description,
        published: update.issued.as_deref().and_then(timestamp),
        modified: update.updated.as_deref().and_then(timestamp),
        withdrawn: None,
        cvss: Vec::new(),
        database_severity: Severity::from_label(&severity_text).filter(|severity| *severity != Severity::Unknown),
        references: dedupe_keep_order(update.references),
        informational: None,
        affected: dedupe_affected(affected),
        source: "yum-updateinfo".to_owned(),
        notes: Vec::new(),
        id,
    };
    validate_advisory(&advisory).map_err(|reason| AdvisoryError::invalid(path, reason))?;
    Ok(Some(advisory))
}

/// Where a repository's `repomd.xml` says its errata list is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateInfoLocation {
    /// The `location href`, relative to the repository's base
    /// (`repodata/…-updateinfo.xml.gz`).
    pub href: String,
    /// The SHA-256 of that file as stored (compressed), when repomd gives one.
    pub sha256: Option<String>,
}

/// Reads a `repomd.xml` for its `updateinfo` entry; an error naming `path`
/// when it is not a repomd or lists no errata.
pub fn updateinfo_location(path: &str, contents: &[u8]) -> Result<UpdateInfoLocation, AdvisoryError> {
    let mut reader = XmlEvents::new(path, contents, "repomd.xml")?;
    let (mut saw_repomd, mut in_updateinfo, mut in_checksum) = (false, false, false);
    let (mut href, mut checksum_type, mut checksum) = (None, String::new(), String::new());
    loop {
        let (position, event) = reader.next()?;
        let at = |message: String| AdvisoryError::invalid(path, format!("at byte {position}: {message}"));
        match event {
            Event::Start(ref start) | Event::Empty(ref start) => {
                let opens = matches!(event, Event::Start(_));
                match start.local_name().as_ref() {
                    "repomd" => saw_repomd = true,
                    "data" => {
                        in_updateinfo = opens && attribute(start, "type").map_err(at)?.as_deref() == Some("updateinfo");
                    }
                    "location" if in_updateinfo => href = attribute(start, "href").map_err(at)?,
                    "checksum" if in_updateinfo && opens => {
                        in_checksum = true;
                        checksum_type = attribute(start, "type").map_err(at)?.unwrap_or_default();
                    }
                    _ => {}
                }
            }
            Event::Text(content) if in_checksum => checksum.push_str(content.xml10_content().trim()),
            Event::End(end) => match end.local_name().as_ref() {
                "checksum" => in_checksum = false,
                "data" if in_updateinfo => break,
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_repomd {
        return Err(AdvisoryError::invalid(path, "no <repomd> element: not a repomd.xml"));
    }
    let href = href
        .filter(|href| !href.is_empty())
        .ok_or_else(|| AdvisoryError::invalid(path, "the repository lists no updateinfo (errata) file"))?;
    // The href names a file under the repository, never a path out of it or another host.
    if href.contains("..") || href.starts_with('/') || href.contains("://") {
        return Err(AdvisoryError::invalid(
            path,
            format!("updateinfo location {href:?} is not a path inside the repository"),
        ));
    }
    let sha256 =
        (checksum_type.eq_ignore_ascii_case("sha256") && checksum.len() == 64).then(|| checksum.to_ascii_lowercase());
    Ok(UpdateInfoLocation { href, sha256 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_dates_become_rfc_3339() {
        assert_eq!(timestamp("2018-01-16 01:28").as_deref(), Some("2018-01-16T01:28:00Z"));
        assert_eq!(timestamp("2021-06-29 00:00:00").as_deref(), Some("2021-06-29T00:00:00Z"));
        assert_eq!(timestamp("2021-06-29").as_deref(), Some("2021-06-29T00:00:00Z"));
        assert_eq!(timestamp("yesterday"), None);
    }

    /// Releases from the collection, the `<release>` text, the package builds, or the id.
    #[test]
    fn releases_of_errata() {
        let update = |id: &str, collections: &[&str], release_text: &str, evr: &str| Update {
            id: id.to_owned(),
            collections: collections.iter().map(|short| (*short).to_owned()).collect(),
            release_text: release_text.to_owned(),
            packages: vec![("p".to_owned(), evr.to_owned(), None)],
            ..Update::default()
        };
        let release = |update: Update| distribution_of(&update);
        assert_eq!(
            release(update("ALAS2023-2023-001", &["amazon-linux-2023"], "", "1-1")),
            Some((Ecosystem::AmazonLinux, "2023".to_owned()))
        );
        assert_eq!(release(update("ALAS2-2018-939", &[], "", "1-1")), Some((Ecosystem::AmazonLinux, "2".to_owned())));
        assert_eq!(
            release(update("ALAS2KERNEL-5.10-2022-001", &[], "", "1-1")),
            Some((Ecosystem::AmazonLinux, "2".to_owned()))
        );
        assert_eq!(release(update("ALAS-2018-1058", &[], "", "1-1")), Some((Ecosystem::AmazonLinux, "1".to_owned())));
        assert_eq!(
            release(update("RLSA-2021:2575", &["RL8"], "Rocky Linux 8", "1-1.el8")),
            Some((Ecosystem::RockyLinux, "8".to_owned()))
        );
        assert_eq!(
            release(update("ALSA-2022:1", &[], "", "1:2-3.el9_1")),
            Some((Ecosystem::AlmaLinux, "9".to_owned()))
        );
        assert_eq!(release(update("FEDORA-2022-1", &[], "", "1-1.fc36")), None);
    }

    /// The real repomd samples: Amazon Linux 2's and Rocky 8's updateinfo
    /// entries with their checksums; the empty one refused, and an href
    /// leaving the repository refused.
    #[test]
    fn repomd_names_the_updateinfo_file() {
        let read = |relative: &str| {
            std::fs::read(format!(
                "{}/../../../shared/data/advisories/distro-samples/{relative}",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap()
        };
        let amazon = updateinfo_location("repomd.xml", &read("amazon/updateinfo/repomd_valid.xml")).unwrap();
        assert_eq!(amazon.href, "repodata/updateinfo.xml.gz");
        assert_eq!(amazon.sha256.as_deref(), Some("e6f569f8ed2246a6b06c0fef7cfd71560df02781327e31c38396ed358d591d48"));
        let rocky = updateinfo_location("repomd.xml", &read("rocky/updateinfo/repomd.xml")).unwrap();
        assert_eq!(rocky.href, "repodata/updateinfo.xml.gz");
        assert_eq!(rocky.sha256.as_deref(), Some("c14b2249cc128fa8c565d0b79986daffc4e1c0a430c84a3ebccc1a016d59bda1"));
        let error =
            updateinfo_location("repomd_invalid.xml", &read("amazon/updateinfo/repomd_invalid.xml")).unwrap_err();
        assert!(
            error.to_string().contains("repomd_invalid.xml") && error.to_string().contains("no updateinfo"),
            "{error}"
        );
        let escaping = br#"<repomd><data type="updateinfo"><location href="../../etc/x"/></data></repomd>"#;
        assert!(updateinfo_location("repomd.xml", escaping).is_err());
    }
}
