//! The stored record: the encoding of advisories and enrichment data in the
//! database, owned by this crate.
//!
//! Records are postcard, which is not self-describing: a field added to a
//! model type, or an enum variant moved, would make old bytes decode into
//! the wrong values without an error. So the database never stores model
//! types directly: each has a record type here, whose enums are spelled as
//! strings (an `Ecosystem`, `Severity` or `FixState` reordered in the model
//! cannot change their meaning) and whose layout changes only together with
//! [`crate::DB_SCHEMA_VERSION`]. A model change that the records do not
//! cover fails to compile here, and `tests::encoding_is_pinned` fails when
//! the bytes change, naming the version to bump: a file of another layout
//! is then refused with "rebuild it", never misread. Advisories and CVSS
//! vectors are read back by `record_read`, which follows this layout
//! exactly while converting as it reads.

use std::path::Path;

use kensa_model::{
    Advisory, AffectedRange, CvssVector, CvssVersion, EpssScore, FixState, KnownExploited, RangeEvent, RangeKind,
    Severity,
};
use serde::{Deserialize, Serialize};

use crate::DbError;

/// A stored advisory, as written: it borrows everything from the model
/// value (postcard encodes `&str` as `String` and `&[T]` as `Vec<T>`), so
/// writing costs no copies. `record_read` reads the same layout back.
#[derive(Debug, Serialize)]
struct AdvisoryRecord<'a> {
    id: &'a str,
    aliases: &'a [String],
    summary: &'a str,
    details: &'a str,
    published: Option<&'a str>,
    modified: Option<&'a str>,
    withdrawn: Option<&'a str>,
    cvss: Vec<CvssRecord<'a>>,
    database_severity: Option<&'a str>,
    references: &'a [String],
    informational: Option<&'a str>,
    affected: Vec<AffectedRecord<'a>>,
    source: &'a str,
    notes: &'a [String],
}

#[derive(Debug, Serialize)]
struct CvssRecord<'a> {
    /// `2`, `3` or `4`.
    version: &'a str,
    vector: &'a str,
}

#[derive(Debug, Serialize)]
struct AffectedRecord<'a> {
    ecosystem: &'a str,
    release: Option<&'a str>,
    name: &'a str,
    ranges: Vec<RangeRecord<'a>>,
    versions: &'a [String],
    ecosystem_specific: Option<&'a str>,
    fix_state: Option<&'a str>,
    distro_severity: Option<&'a str>,
}

/// Variants are only ever appended (postcard stores their index).
#[derive(Debug, Serialize)]
enum RangeRecord<'a> {
    Events { kind: &'a str, events: Vec<EventRecord<'a>> },
    UnlessRequirements { patched: &'a [String], unaffected: &'a [String] },
    IfRequirements { affected: &'a [String], fixed: &'a [String] },
}

/// Variants are only ever appended (postcard stores their index).
#[derive(Debug, Serialize)]
enum EventRecord<'a> {
    Introduced(&'a str),
    Fixed(&'a str),
    LastAffected(&'a str),
    Limit(&'a str),
}

#[derive(Debug, Serialize, Deserialize)]
struct KnownExploitedRecord {
    cve: String,
    date_added: String,
    due_date: String,
    known_ransomware_use: bool,
    name: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct EpssRecord {
    probability: f64,
    percentile: f64,
}

/// The stored tag of a CVSS version; `record_read` reads tags back through
/// this same function, so each tag is spelled in one place.
pub(crate) fn cvss_version_tag(version: CvssVersion) -> &'static str {
    match version {
        CvssVersion::V2 => "2",
        CvssVersion::V3 => "3",
        CvssVersion::V4 => "4",
    }
}

/// Every CVSS version, for reading tags back.
pub(crate) const CVSS_VERSIONS: [CvssVersion; 3] = [CvssVersion::V2, CvssVersion::V3, CvssVersion::V4];

fn cvss_record(vector: &CvssVector) -> CvssRecord<'_> {
    CvssRecord { version: cvss_version_tag(vector.version), vector: &vector.vector }
}

/// The stored tag of a range kind (read back through it, as above).
pub(crate) fn range_kind_name(kind: RangeKind) -> &'static str {
    match kind {
        RangeKind::Ecosystem => "ecosystem",
        RangeKind::Semver => "semver",
        RangeKind::Git => "git",
    }
}

/// Every range kind, for reading tags back.
pub(crate) const RANGE_KINDS: [RangeKind; 3] = [RangeKind::Ecosystem, RangeKind::Semver, RangeKind::Git];

fn advisory_record(advisory: &Advisory) -> AdvisoryRecord<'_> {
    AdvisoryRecord {
        id: &advisory.id,
        aliases: &advisory.aliases,
        summary: &advisory.summary,
        details: &advisory.details,
        published: advisory.published.as_deref(),
        modified: advisory.modified.as_deref(),
        withdrawn: advisory.withdrawn.as_deref(),
        cvss: advisory.cvss.iter().map(cvss_record).collect(),
        database_severity: advisory.database_severity.map(Severity::as_str),
        references: &advisory.references,
        informational: advisory.informational.as_deref(),
        affected: advisory
            .affected
            .iter()
            .map(|affected| AffectedRecord {
                ecosystem: affected.ecosystem.as_str(),
                release: affected.release.as_deref(),
                name: &affected.name,
                ranges: affected
                    .ranges
                    .iter()
                    .map(|range| match range {
                        AffectedRange::Events { kind, events } => RangeRecord::Events {
                            kind: range_kind_name(*kind),
                            events: events
                                .iter()
                                .map(|event| match event {
                                    RangeEvent::Introduced(version) => EventRecord::Introduced(version),
                                    RangeEvent::Fixed(version) => EventRecord::Fixed(version),
                                    RangeEvent::LastAffected(version) => EventRecord::LastAffected(version),
                                    RangeEvent::Limit(version) => EventRecord::Limit(version),
                                })
                                .collect(),
                        },
                        AffectedRange::UnlessRequirements { patched, unaffected } => {
                            RangeRecord::UnlessRequirements { patched, unaffected }
                        }
                        AffectedRange::IfRequirements { affected, fixed } => {
                            RangeRecord::IfRequirements { affected, fixed }
                        }
                    })
                    .collect(),
                versions: &affected.versions,
                ecosystem_specific: affected.ecosystem_specific.as_deref(),
                fix_state: affected.fix_state.map(FixState::as_str),
                distro_severity: affected.distro_severity.as_deref(),
            })
            .collect(),
        source: &advisory.source,
        notes: &advisory.notes,
    }
}

/// Reading a record back: a value this version does not know is corruption
/// (or a file from a newer kensa), reported against the record's key.
struct Reader<'a> {
    path: &'a Path,
    key: &'a str,
}

impl Reader<'_> {
    fn corrupt(&self, message: String) -> DbError {
        DbError::Corrupt { path: self.path.display().to_string(), key: self.key.to_owned(), message }
    }
}

fn to_bytes<T: Serialize>(value: &T, path: &Path, key: &str) -> Result<Vec<u8>, DbError> {
    postcard::to_allocvec(value).map_err(|error| DbError::Corrupt {
        path: path.display().to_string(),
        key: key.to_owned(),
        message: format!("cannot encode: {error}"),
    })
}

fn from_bytes<'a, T: Deserialize<'a>>(bytes: &'a [u8], reader: &Reader<'_>) -> Result<T, DbError> {
    postcard::from_bytes(bytes).map_err(|error| reader.corrupt(error.to_string()))
}

/// The stored bytes of an advisory.
pub(crate) fn encode_advisory(advisory: &Advisory, path: &Path) -> Result<Vec<u8>, DbError> {
    to_bytes(&advisory_record(advisory), path, &advisory.id)
}

/// An advisory from its stored bytes (read straight into the model by
/// `record_read`, in this module's layout).
pub(crate) fn decode_advisory(bytes: &[u8], path: &Path, key: &str) -> Result<Advisory, DbError> {
    crate::record_read::read_advisory(bytes).map_err(|message| Reader { path, key }.corrupt(message))
}

/// The stored bytes of a CISA KEV entry.
pub(crate) fn encode_known_exploited(entry: &KnownExploited, path: &Path) -> Result<Vec<u8>, DbError> {
    let record = KnownExploitedRecord {
        cve: entry.cve.clone(),
        date_added: entry.date_added.clone(),
        due_date: entry.due_date.clone(),
        known_ransomware_use: entry.known_ransomware_use,
        name: entry.name.clone(),
    };
    to_bytes(&record, path, &entry.cve)
}

/// A CISA KEV entry from its stored bytes.
pub(crate) fn decode_known_exploited(bytes: &[u8], path: &Path, key: &str) -> Result<KnownExploited, DbError> {
    let record: KnownExploitedRecord = from_bytes(bytes, &Reader { path, key })?;
    Ok(KnownExploited {
        cve: record.cve,
        date_added: record.date_added,
        due_date: record.due_date,
        known_ransomware_use: record.known_ransomware_use,
        name: record.name,
    })
}

/// The stored bytes of NVD's vectors for a CVE.
pub(crate) fn encode_cvss(vectors: &[CvssVector], path: &Path, key: &str) -> Result<Vec<u8>, DbError> {
    let records: Vec<CvssRecord> = vectors.iter().map(cvss_record).collect();
    to_bytes(&records, path, key)
}

/// NVD's vectors for a CVE from their stored bytes.
pub(crate) fn decode_cvss(bytes: &[u8], path: &Path, key: &str) -> Result<Vec<CvssVector>, DbError> {
    crate::record_read::read_cvss(bytes).map_err(|message| Reader { path, key }.corrupt(message))
}

/// The stored bytes of an EPSS score.
pub(crate) fn encode_epss(score: &EpssScore, path: &Path, key: &str) -> Result<Vec<u8>, DbError> {
    to_bytes(&EpssRecord { probability: score.probability, percentile: score.percentile }, path, key)
}

/// An EPSS score from its stored bytes.
pub(crate) fn decode_epss(bytes: &[u8], path: &Path, key: &str) -> Result<EpssScore, DbError> {
    let record: EpssRecord = from_bytes(bytes, &Reader { path, key })?;
    Ok(EpssScore { probability: record.probability, percentile: record.percentile })
}

/// The stored bytes of an index entry: the ids of the advisories naming a package.
pub(crate) fn encode_ids<'a>(
    ids: impl IntoIterator<Item = &'a String>,
    path: &Path,
    key: &str,
) -> Result<Vec<u8>, DbError> {
    let ids: Vec<&String> = ids.into_iter().collect();
    to_bytes(&ids, path, key)
}

/// An index entry from its stored bytes.
pub(crate) fn decode_ids(bytes: &[u8], path: &Path, key: &str) -> Result<Vec<String>, DbError> {
    from_bytes(bytes, &Reader { path, key })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kensa_model::{AffectedPackage, Ecosystem};

    /// Every field and variant set, so any change to the layout changes the bytes.
    fn full_advisory() -> Advisory {
        Advisory {
            id: "GHSA-xxxx-yyyy-zzzz".into(),
            aliases: vec!["CVE-2024-0001".into()],
            summary: "summary".into(),
            details: "details".into(),
            published: Some("2024-01-01T00:00:00Z".into()),
            modified: Some("2024-02-01T00:00:00Z".into()),
            withdrawn: Some("2024-03-01T00:00:00Z".into()),
            cvss: vec![
                CvssVector { version: CvssVersion::V2, vector: "AV:N/AC:L/Au:N/C:P/I:P/A:P".into() },
                CvssVector { version: CvssVersion::V4, vector: "CVSS:4.0/AV:N".into() },
            ],
            database_severity: Some(Severity::High),
            references: vec!["https://example.org".into()],
            informational: Some("unmaintained".into()),
            affected: vec![AffectedPackage {
                ecosystem: Ecosystem::Debian,
                release: Some("12".into()),
                name: "openssl".into(),
                ranges: vec![
                    AffectedRange::Events {
                        kind: RangeKind::Semver,
                        events: vec![
                            RangeEvent::Introduced("0".into()),
                            RangeEvent::Fixed("1".into()),
                            RangeEvent::LastAffected("2".into()),
                            RangeEvent::Limit("3".into()),
                        ],
                    },
                    AffectedRange::UnlessRequirements {
                        patched: vec![">= 1".into()],
                        unaffected: vec!["< 0.1".into()],
                    },
                    AffectedRange::IfRequirements { affected: vec![">=1,<2".into()], fixed: vec!["2".into()] },
                ],
                versions: vec!["1.0".into()],
                ecosystem_specific: Some("{}".into()),
                fix_state: Some(FixState::WillNotFix),
                distro_severity: Some("low".into()),
            }],
            source: "osv".into(),
            notes: vec!["note".into()],
        }
    }

    #[test]
    fn every_record_round_trips() {
        let path = Path::new("test.redb");
        let advisory = full_advisory();
        let bytes = encode_advisory(&advisory, path).unwrap();
        assert_eq!(decode_advisory(&bytes, path, &advisory.id).unwrap(), advisory);
        let entry = KnownExploited {
            cve: "CVE-1".into(),
            date_added: "2024-01-01".into(),
            due_date: "2024-01-22".into(),
            known_ransomware_use: true,
            name: "n".into(),
        };
        let bytes = encode_known_exploited(&entry, path).unwrap();
        assert_eq!(decode_known_exploited(&bytes, path, "CVE-1").unwrap(), entry);
        let bytes = encode_cvss(&advisory.cvss, path, "CVE-1").unwrap();
        assert_eq!(decode_cvss(&bytes, path, "CVE-1").unwrap(), advisory.cvss);
        let score = EpssScore { probability: 0.5, percentile: 0.25 };
        let bytes = encode_epss(&score, path, "CVE-1").unwrap();
        assert_eq!(decode_epss(&bytes, path, "CVE-1").unwrap(), score);
    }

    /// The stored layout is part of `DB_SCHEMA_VERSION`: when this fails,
    /// the encoding changed, and databases written before would be misread.
    /// Bump `DB_SCHEMA_VERSION` (old files are then refused with "rebuild
    /// it") and update the pinned hash with the version.
    #[test]
    fn encoding_is_pinned() {
        use sha2::Digest as _;
        let bytes = encode_advisory(&full_advisory(), Path::new("test.redb")).unwrap();
        let hash: String = sha2::Sha256::digest(&bytes).iter().take(8).map(|byte| format!("{byte:02x}")).collect();
        assert_eq!(
            (crate::DB_SCHEMA_VERSION, hash.as_str()),
            (4, "9f8318f133814f95"),
            "the advisory record's bytes changed: bump DB_SCHEMA_VERSION and pin the new hash with it"
        );
    }

    #[test]
    fn unknown_values_are_corruption_not_guesses() {
        let path = Path::new("test.redb");
        let advisory = full_advisory();
        let mut record = advisory_record(&advisory);
        record.affected[0].ecosystem = "Plan9";
        let bytes = postcard::to_allocvec(&record).unwrap();
        let error = decode_advisory(&bytes, path, "GHSA-x").unwrap_err();
        assert!(error.to_string().contains("unknown ecosystem \"Plan9\""), "{error}");
    }
}
