//! Reading stored advisories straight into the model: the same layout as
//! `record.rs` writes (field for field, variant for variant), but every list
//! is converted element by element as postcard yields it, so decoding an
//! advisory allocates exactly what the model holds and no intermediate
//! record vectors (lookups decode every advisory of a package). A value this
//! version does not know (an ecosystem, a CVSS version, a range kind, a fix
//! state, a severity) is a decoding error, reported as corruption.

use std::fmt;
use std::marker::PhantomData;

use kensa_model::{Advisory, AffectedPackage, AffectedRange, CvssVector, FixState, RangeEvent, Severity};
use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};

std::thread_local! {
    /// What a conversion refused, for the error message: postcard reports a
    /// deserializer's custom error only as "Serde Deserialization Error".
    static REFUSED: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// A conversion's refusal, kept for [`read_advisory`]'s message.
fn refused<E: de::Error>(message: String) -> E {
    let error = E::custom(&message);
    REFUSED.with(|cell| *cell.borrow_mut() = Some(message));
    error
}

/// Postcard's error, or the refusal that caused it.
fn message_of(error: &postcard::Error) -> String {
    REFUSED.with(|cell| cell.borrow_mut().take()).unwrap_or_else(|| error.to_string())
}

/// Converts one stored element into its model value.
trait FromStored<'de>: Sized {
    type Stored: Deserialize<'de>;
    fn from_stored<E: de::Error>(stored: Self::Stored) -> Result<Self, E>;
}

/// A sequence of stored elements read into a `Vec` of model values.
struct ConvertedSeq<T>(PhantomData<T>);

impl<'de, T: FromStored<'de>> Visitor<'de> for ConvertedSeq<T> {
    type Value = Vec<T>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a sequence of stored records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut sequence: A) -> Result<Vec<T>, A::Error> {
        // The length postcard gives is bounded by the record's bytes, but
        // capped anyway: a corrupt length must not reserve gigabytes.
        let mut values = Vec::with_capacity(sequence.size_hint().unwrap_or(0).min(4096));
        while let Some(stored) = sequence.next_element::<T::Stored>()? {
            values.push(T::from_stored(stored)?);
        }
        Ok(values)
    }
}

fn converted<'de, D: Deserializer<'de>, T: FromStored<'de>>(deserializer: D) -> Result<Vec<T>, D::Error> {
    deserializer.deserialize_seq(ConvertedSeq(PhantomData))
}

#[derive(Deserialize)]
struct StoredCvss<'a> {
    version: &'a str,
    vector: String,
}

impl<'de> FromStored<'de> for CvssVector {
    type Stored = StoredCvss<'de>;
    fn from_stored<E: de::Error>(stored: StoredCvss<'de>) -> Result<CvssVector, E> {
        let version = crate::record::CVSS_VERSIONS
            .into_iter()
            .find(|version| crate::record::cvss_version_tag(*version) == stored.version)
            .ok_or_else(|| refused(format!("unknown CVSS version {:?}", stored.version)))?;
        Ok(CvssVector { version, vector: stored.vector })
    }
}

/// Variants in `record.rs`'s order.
#[derive(Deserialize)]
enum StoredEvent {
    Introduced(String),
    Fixed(String),
    LastAffected(String),
    Limit(String),
}

impl FromStored<'_> for RangeEvent {
    type Stored = StoredEvent;
    fn from_stored<E: de::Error>(stored: StoredEvent) -> Result<RangeEvent, E> {
        Ok(match stored {
            StoredEvent::Introduced(version) => RangeEvent::Introduced(version),
            StoredEvent::Fixed(version) => RangeEvent::Fixed(version),
            StoredEvent::LastAffected(version) => RangeEvent::LastAffected(version),
            StoredEvent::Limit(version) => RangeEvent::Limit(version),
        })
    }
}

/// Variants in `record.rs`'s order.
#[derive(Deserialize)]
enum StoredRange<'a> {
    Events {
        kind: &'a str,
        #[serde(deserialize_with = "converted")]
        events: Vec<RangeEvent>,
    },
    UnlessRequirements {
        patched: Vec<String>,
        unaffected: Vec<String>,
    },
    IfRequirements {
        affected: Vec<String>,
        fixed: Vec<String>,
    },
}

impl<'de> FromStored<'de> for AffectedRange {
    type Stored = StoredRange<'de>;
    fn from_stored<E: de::Error>(stored: StoredRange<'de>) -> Result<AffectedRange, E> {
        Ok(match stored {
            StoredRange::Events { kind, events } => AffectedRange::Events {
                kind: crate::record::RANGE_KINDS
                    .into_iter()
                    .find(|known| crate::record::range_kind_name(*known) == kind)
                    .ok_or_else(|| refused(format!("unknown range kind {kind:?}")))?,
                events,
            },
            StoredRange::UnlessRequirements { patched, unaffected } => {
                AffectedRange::UnlessRequirements { patched, unaffected }
            }
            StoredRange::IfRequirements { affected, fixed } => AffectedRange::IfRequirements { affected, fixed },
        })
    }
}

fn fix_state<E: de::Error>(text: &str) -> Result<FixState, E> {
    [
        FixState::Fixed,
        FixState::NotFixed,
        FixState::WillNotFix,
        FixState::FixDeferred,
        FixState::EndOfLife,
        FixState::NotAffected,
    ]
    .into_iter()
    .find(|state| state.as_str() == text)
    .ok_or_else(|| refused(format!("unknown fix state {text:?}")))
}

#[derive(Deserialize)]
struct StoredAffected<'a> {
    ecosystem: &'a str,
    release: Option<String>,
    name: String,
    #[serde(deserialize_with = "converted")]
    ranges: Vec<AffectedRange>,
    versions: Vec<String>,
    ecosystem_specific: Option<String>,
    fix_state: Option<&'a str>,
    distro_severity: Option<String>,
}

impl<'de> FromStored<'de> for AffectedPackage {
    type Stored = StoredAffected<'de>;
    fn from_stored<E: de::Error>(stored: StoredAffected<'de>) -> Result<AffectedPackage, E> {
        Ok(AffectedPackage {
            ecosystem: stored
                .ecosystem
                .parse()
                .map_err(|_| refused(format!("unknown ecosystem {:?}", stored.ecosystem)))?,
            release: stored.release,
            name: stored.name,
            ranges: stored.ranges,
            versions: stored.versions,
            ecosystem_specific: stored.ecosystem_specific,
            fix_state: stored.fix_state.map(fix_state).transpose()?,
            distro_severity: stored.distro_severity,
        })
    }
}

/// An advisory as stored, lists converted as they are read.
#[derive(Deserialize)]
struct StoredAdvisory<'a> {
    id: String,
    aliases: Vec<String>,
    summary: String,
    details: String,
    published: Option<String>,
    modified: Option<String>,
    withdrawn: Option<String>,
    #[serde(deserialize_with = "converted")]
    cvss: Vec<CvssVector>,
    #[serde(borrow)]
    database_severity: Option<&'a str>,
    references: Vec<String>,
    informational: Option<String>,
    #[serde(deserialize_with = "converted")]
    affected: Vec<AffectedPackage>,
    source: String,
    notes: Vec<String>,
}

/// An advisory from its stored bytes; the error is postcard's or a
/// conversion's, as text.
pub(crate) fn read_advisory(bytes: &[u8]) -> Result<Advisory, String> {
    REFUSED.with(|cell| cell.borrow_mut().take());
    let stored: StoredAdvisory<'_> = postcard::from_bytes(bytes).map_err(|error| message_of(&error))?;
    let database_severity = match stored.database_severity {
        Some(label) => Some(Severity::from_label(label).ok_or_else(|| format!("unknown severity {label:?}"))?),
        None => None,
    };
    Ok(Advisory {
        id: stored.id,
        aliases: stored.aliases,
        summary: stored.summary,
        details: stored.details,
        published: stored.published,
        modified: stored.modified,
        withdrawn: stored.withdrawn,
        cvss: stored.cvss,
        database_severity,
        references: stored.references,
        informational: stored.informational,
        affected: stored.affected,
        source: stored.source,
        notes: stored.notes,
    })
}

/// NVD's vectors for a CVE from their stored bytes.
pub(crate) fn read_cvss(bytes: &[u8]) -> Result<Vec<CvssVector>, String> {
    struct Vectors(Vec<CvssVector>);
    impl<'de> Deserialize<'de> for Vectors {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Vectors, D::Error> {
            converted(deserializer).map(Vectors)
        }
    }
    REFUSED.with(|cell| cell.borrow_mut().take());
    postcard::from_bytes::<Vectors>(bytes).map(|vectors| vectors.0).map_err(|error| message_of(&error))
}
