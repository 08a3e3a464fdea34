//! Parsers that turn vulnerability feed files into validated [`Advisory`] values.
//!
//! Bytes in, advisories out: [`parse_file`] takes one file's path and contents,
//! works out which feed format it is (see `detect`), and maps it onto the one
//! model every matcher uses. Formats parsed today:
//!
//! - OSV 1.x records, JSON or YAML (Go vulndb, PyPA, GitHub advisory database,
//!   AlmaLinux/Ubuntu/Debian/Alpine OSV exports, …), in `osv`;
//! - RustSec's Markdown files with TOML front matter, in `rustsec`;
//! - RubySec's per-gem YAML, in `rubysec`;
//! - FriendsOfPHP security-advisories YAML, in `friendsofphp`;
//! - the legacy nodejs/security-wg npm JSON, in `nodejs_security_wg`;
//! - Alpine-style secdb (Alpine YAML and JSON, Wolfi, Chainguard), in `apk_secdb`;
//! - the Debian security tracker's JSON export and DSA/DLA lists, in
//!   `debian_tracker_json` and `debian_advisory_list` (codenames, urgencies and
//!   states shared in `debian_release`);
//! - Ubuntu CVE Tracker entries (the text form), in `ubuntu_cve_tracker`;
//! - yum `updateinfo.xml` (plain or gzipped: Amazon Linux ALAS, Rocky and
//!   Alma errata), read as a stream, in `yum_updateinfo`;
//! - NVD CVE API 2.0 responses (CVSS enrichment) and FIRST EPSS CSVs.
//!
//! YAML and TOML go through `kensa-parse`, which refuses nesting and
//! dotted-key bombs before the parsers see them; a record keeps at most
//! [`MAXIMUM_ALIASES`] aliases.
//!
//! CISA's KEV catalog is enrichment, not advisories: [`parse_known_exploited`]
//! reads it into `kensa_model::KnownExploited`, and [`parse_file`] reports it as
//! unsupported. The Debian parsers also have entry points
//! ([`parse_debian_advisory_list`], [`parse_debian_tracker_json`]) that return
//! the entries they skipped, with reasons.
//!
//! Every file either yields advisories or a typed reason ([`AdvisoryError`]):
//! a file that is not an advisory at all (licences, READMEs, index listings) is
//! told apart from an advisory format or ecosystem Kensa does not handle yet, and
//! both from a malformed advisory, which is rejected with the reason.
//!
//! This crate deliberately does no I/O (the database builder reads files and
//! decides what to do with each outcome), decompresses only gzipped feeds
//! (bounded), does not score
//! CVSS vectors (that is `kensa-score`) and does not evaluate version ranges
//! (that is `kensa-version`). It only checks that what it stores can later be
//! evaluated: requirement strings parse, events are well formed.

mod apk_secdb;
mod cvss;
mod debian_advisory_list;
mod debian_release;
mod debian_tracker_json;
mod detect;
mod epss;
mod friendsofphp;
mod known_exploited;
mod nodejs_security_wg;
mod normalize;
mod nvd;
mod osv;
mod rubysec;
mod rustsec;
mod ubuntu_cve_tracker;
mod yum_updateinfo;

use kensa_model::Advisory;

pub use epss::{EpssCatalog, parse_epss};
pub use known_exploited::parse_known_exploited;
pub use nvd::parse_nvd_response;
pub use yum_updateinfo::{UpdateInfoLocation, updateinfo_location};

/// Why a file did not produce advisories.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AdvisoryError {
    /// Not an advisory file of a format we know (README.md, LICENSE, schema.json,
    /// index files): skipped, not an error for the user.
    #[error("skipping {path}: not an advisory file: {reason}")]
    NotAnAdvisory {
        /// The path given to [`parse_file`].
        path: String,
        /// What the file is instead.
        reason: String,
    },
    /// An advisory file that is malformed or invalid: reported as rejected with the reason.
    #[error("rejected advisory file {path}: {reason}")]
    Invalid {
        /// The path given to [`parse_file`].
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A real advisory, but of a kind Kensa cannot use yet: a feed format without
    /// a parser (NVD, CVE 5, OVAL, …) or enrichment data
    /// (KEV, EPSS), or an advisory whose only affected packages are in ecosystems
    /// `kensa_model::Ecosystem` does not know (Bitnami, OSS-Fuzz, Git
    /// repositories, …), or one about a
    /// language runtime rather than a package (Rust toolchain, Ruby interpreters,
    /// Node.js core).
    #[error("skipping {path}: unsupported advisory: {reason}")]
    Unsupported {
        /// The path given to [`parse_file`].
        path: String,
        /// What is not supported.
        reason: String,
    },
}

impl AdvisoryError {
    /// The path of the file the error is about.
    pub fn path(&self) -> &str {
        match self {
            AdvisoryError::NotAnAdvisory { path, .. }
            | AdvisoryError::Invalid { path, .. }
            | AdvisoryError::Unsupported { path, .. } => path,
        }
    }

    /// The reason, without the path.
    pub fn reason(&self) -> &str {
        match self {
            AdvisoryError::NotAnAdvisory { reason, .. }
            | AdvisoryError::Invalid { reason, .. }
            | AdvisoryError::Unsupported { reason, .. } => reason,
        }
    }

    /// The same error about another path (a gzipped file's, for what was found inside it).
    fn for_path(self, path: &str) -> AdvisoryError {
        match self {
            AdvisoryError::NotAnAdvisory { reason, .. } => {
                AdvisoryError::NotAnAdvisory { path: path.to_owned(), reason }
            }
            AdvisoryError::Invalid { reason, .. } => AdvisoryError::Invalid { path: path.to_owned(), reason },
            AdvisoryError::Unsupported { reason, .. } => AdvisoryError::Unsupported { path: path.to_owned(), reason },
        }
    }

    pub(crate) fn not_an_advisory(path: &str, reason: impl Into<String>) -> AdvisoryError {
        AdvisoryError::NotAnAdvisory { path: path.to_owned(), reason: bounded_reason(reason.into()) }
    }

    pub(crate) fn invalid(path: &str, reason: impl Into<String>) -> AdvisoryError {
        AdvisoryError::Invalid { path: path.to_owned(), reason: bounded_reason(reason.into()) }
    }

    pub(crate) fn unsupported(path: &str, reason: impl Into<String>) -> AdvisoryError {
        AdvisoryError::Unsupported { path: path.to_owned(), reason: bounded_reason(reason.into()) }
    }
}

/// Reasons can quote the input (a parser's excerpt of a 100 000-character line,
/// say); they go into logs and reports, so they are kept to one readable line.
fn bounded_reason(reason: String) -> String {
    const MAXIMUM_REASON_CHARACTERS: usize = 500;
    let single_line = reason.split_whitespace().collect::<Vec<_>>().join(" ");
    if single_line.chars().count() <= MAXIMUM_REASON_CHARACTERS {
        return single_line;
    }
    let mut shortened: String = single_line.chars().take(MAXIMUM_REASON_CHARACTERS).collect();
    shortened.push('…');
    shortened
}

/// Parses one feed file. `path` is used for format detection (extension,
/// directory names like `crates/` for RustSec, `gems/` for RubySec) and for
/// messages.
///
/// Most formats hold one advisory per file; the return type leaves room for
/// feeds that bundle several.
pub fn parse_file(path: &str, contents: &[u8]) -> Result<Vec<Advisory>, AdvisoryError> {
    match parse_feed_file(path, contents)? {
        FeedFile::Advisories(advisories) => Ok(advisories),
        FeedFile::KnownExploited(_) => Err(AdvisoryError::unsupported(
            path,
            "CISA Known Exploited Vulnerabilities catalog: enrichment data: use parse_known_exploited",
        )),
        FeedFile::Cvss(_) => Err(AdvisoryError::unsupported(
            path,
            "NVD CVE API 2.0 response: CVSS enrichment data: use parse_nvd_response",
        )),
        FeedFile::Epss(_) => Err(AdvisoryError::unsupported(path, "EPSS scores: enrichment data: use parse_epss")),
    }
}

/// What one feed file holds.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FeedFile {
    /// Advisories.
    Advisories(Vec<Advisory>),
    /// CISA KEV entries, which enrich findings rather than create them.
    KnownExploited(Vec<kensa_model::KnownExploited>),
    /// NVD's CVSS vectors per CVE (enrichment too).
    Cvss(Vec<kensa_model::CveCvss>),
    /// FIRST's EPSS scores (enrichment too).
    Epss(EpssCatalog),
}

/// Parses one feed file of any kind this crate reads: advisories or KEV.
pub fn parse_feed_file(path: &str, contents: &[u8]) -> Result<FeedFile, AdvisoryError> {
    // Repositories publish `updateinfo.xml.gz`: a gzipped feed is read as
    // the file it holds (bounded), named without `.gz`.
    if let (Some(inner_path), true) = (path.strip_suffix(".gz"), contents.starts_with(&[0x1f, 0x8b])) {
        let inflated = gunzip_bounded(path, contents)?;
        // Parsed under the inner name (which decides the format), reported under the file's own.
        return parse_feed_file(inner_path, &inflated).map_err(|error| error.for_path(path));
    }
    // A UTF-8 byte order mark is legal in text files but not in JSON or YAML.
    let contents = contents.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(contents);
    let advisories = match detect::detect_format(path, contents)? {
        detect::FeedFormat::KnownExploitedCatalog => {
            return parse_known_exploited(path, contents).map(FeedFile::KnownExploited);
        }
        detect::FeedFormat::NvdCveApi => return parse_nvd_response(path, contents).map(FeedFile::Cvss),
        detect::FeedFormat::EpssCsv => return parse_epss(path, contents).map(FeedFile::Epss),
        detect::FeedFormat::OsvJson => osv::parse_json(path, contents),
        detect::FeedFormat::OsvYaml => osv::parse_yaml(path, contents),
        detect::FeedFormat::RustSec { toolchain } => rustsec::parse(path, contents, toolchain),
        detect::FeedFormat::RubySecGem => rubysec::parse(path, contents),
        detect::FeedFormat::FriendsOfPhp => friendsofphp::parse(path, contents),
        detect::FeedFormat::NodejsSecurityWgNpm => nodejs_security_wg::parse(path, contents),
        detect::FeedFormat::ApkSecdbJson => apk_secdb::parse_json(path, contents),
        detect::FeedFormat::ApkSecdbYaml => apk_secdb::parse_yaml(path, contents),
        detect::FeedFormat::DebianTrackerJson => {
            debian_tracker_json::parse(path, contents).map(|parse| parse.advisories)
        }
        detect::FeedFormat::DebianAdvisoryList => {
            debian_advisory_list::parse(path, contents).map(|parse| parse.advisories)
        }
        detect::FeedFormat::UbuntuCveTracker => ubuntu_cve_tracker::parse(path, contents),
        detect::FeedFormat::YumUpdateInfo => yum_updateinfo::parse(path, contents),
    };
    advisories.map(|mut advisories| {
        advisories.iter_mut().for_each(bound_aliases);
        FeedFile::Advisories(advisories)
    })
}

/// The most aliases one record keeps. Distribution advisories that bundle
/// CVEs give one finding per CVE, so a record naming 50,000 aliases would
/// turn one package into 50,000 findings; the largest real ones (kernel
/// DSAs and ALAS errata) name a few hundred.
pub const MAXIMUM_ALIASES: usize = 1_000;

/// Keeps the first [`MAXIMUM_ALIASES`] aliases of a record, with a note
/// saying how many were left out.
fn bound_aliases(advisory: &mut Advisory) {
    if advisory.aliases.len() > MAXIMUM_ALIASES {
        let dropped = advisory.aliases.len() - MAXIMUM_ALIASES;
        advisory.aliases.truncate(MAXIMUM_ALIASES);
        advisory.notes.push(format!(
            "{dropped} aliases left out: a record keeps at most {MAXIMUM_ALIASES} (each may become a finding)"
        ));
    }
}

/// The largest feed file a gzip member may expand to (Amazon Linux 2's
/// `updateinfo.xml` is tens of megabytes; this leaves room and stops bombs).
const GUNZIP_LIMIT: u64 = 1 << 30;

fn gunzip_bounded(path: &str, contents: &[u8]) -> Result<Vec<u8>, AdvisoryError> {
    use std::io::Read as _;
    let mut inflated = Vec::new();
    flate2::read::MultiGzDecoder::new(contents)
        .take(GUNZIP_LIMIT + 1)
        .read_to_end(&mut inflated)
        .map_err(|error| AdvisoryError::invalid(path, format!("not a readable gzip file: {error}")))?;
    if inflated.len() as u64 > GUNZIP_LIMIT {
        return Err(AdvisoryError::invalid(path, format!("expands to more than {GUNZIP_LIMIT} bytes")));
    }
    Ok(inflated)
}

/// What a Debian security tracker file gave: the advisories, and every entry
/// or line that did not become one, with the reason. [`parse_file`] returns
/// only the advisories; the database builder calls the functions below to
/// report the rest.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DebianTrackerParse {
    /// The advisories, in file order (lists) or sorted by id (JSON).
    pub advisories: Vec<Advisory>,
    /// Entries and lines that were not turned into advisory data.
    pub skipped: Vec<SkippedEntry>,
}

/// One entry or line of a tracker file that produced no advisory data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedEntry {
    /// Where it is: `line 12` in a list, `package openssl, CVE-2021-3450, release hurd` in JSON.
    pub location: String,
    /// The entry as written (one line, shortened).
    pub text: String,
    /// Why it was skipped.
    pub reason: String,
}

impl SkippedEntry {
    pub(crate) fn at_line(line_number: usize, text: &str, reason: impl Into<String>) -> SkippedEntry {
        SkippedEntry {
            location: format!("line {line_number}"),
            text: bounded_reason(text.to_owned()),
            reason: reason.into(),
        }
    }
}

impl std::fmt::Display for SkippedEntry {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}: {} ({:?})", self.location, self.reason, self.text)
    }
}

/// Parses a Debian security tracker DSA or DLA list (`data/DSA/list`,
/// `data/DLA/list`), keeping the entries that did not become advisories.
pub fn parse_debian_advisory_list(path: &str, contents: &[u8]) -> Result<DebianTrackerParse, AdvisoryError> {
    debian_advisory_list::parse(path, contents)
}

/// Parses the Debian security tracker's JSON export
/// (`https://security-tracker.debian.org/tracker/data/json`), keeping the
/// entries that did not become affected packages.
pub fn parse_debian_tracker_json(path: &str, contents: &[u8]) -> Result<DebianTrackerParse, AdvisoryError> {
    debian_tracker_json::parse(path, contents)
}
