//! `kensa db update`: fetches advisory feeds over HTTP and brings the local
//! database up to date.
//!
//! Sources, each behind a base URL that defaults to the public location:
//! - OSV's bucket layout: `ecosystems.txt`, and per ecosystem `all.zip`,
//!   `modified_id.csv` (`<modified>,<id>` lines) and `<id>.json`. The first
//!   update of an ecosystem downloads `all.zip`; later ones read
//!   `modified_id.csv` and fetch only the records modified since the newest
//!   timestamp the last update saw (kept in the database's meta table).
//! - CISA's KEV catalog (JSON) and FIRST's EPSS scores (gzipped CSV),
//!   replaced whole when they changed (conditional GETs);
//! - optionally NVD's CVE API 2.0 (CVSS), paged, then by modification window;
//! - native feeds by URL (Debian tracker JSON, Alpine/Wolfi secdb, yum
//!   `updateinfo.xml.gz` found through `mirror.list` and `repomd.xml`).
//!
//! Nothing is written until everything needed has been downloaded and
//! parsed; then the database is rebuilt (no database yet, or `--full`) or
//! changed incrementally, both by writing beside it and renaming over it
//! (`kensa_db`, which also serialises writers with a lock file), so a failed
//! or killed update leaves the previous database as it was.
//!
//! Every update returns the database's [`kensa_db::ChangeSet`], so a service
//! re-matches only what changed. Downloads retry by `kensa_http`'s one
//! policy, resume cut-off bodies with HTTP Range, and report progress
//! through [`UpdateProgress`] (the library draws nothing).

mod http;
mod mirror;

pub use kensa_model::time::format_utc;
pub use mirror::{MirrorReport, mirror};

use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::path::Path;

use kensa_db::{Changes, DatabaseBuilder, SkippedFile};

use crate::http::{Fetched, HttpClient, Validators};

/// OSV's public bucket.
pub const DEFAULT_OSV_URL: &str = "https://osv-vulnerabilities.storage.googleapis.com";
/// CISA's KEV catalog.
pub const DEFAULT_KEV_URL: &str = "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json";

/// FIRST's daily EPSS scores (gzipped CSV).
pub const DEFAULT_EPSS_URL: &str = "https://epss.empiricalsecurity.com/epss_scores-current.csv.gz";
/// The largest EPSS CSV after gunzip (today's is ~10 MB).
pub(crate) const EPSS_LIMIT: u64 = 512 * 1024 * 1024;

/// The distributions' own feeds `--native-feeds` adds: the Debian security
/// tracker's JSON, Amazon Linux's ALAS errata, and Alpine's secdb for the
/// releases Alpine supports.
pub const DEFAULT_NATIVE_FEEDS: &[&str] = &[
    "https://security-tracker.debian.org/tracker/data/json",
    // Amazon Linux 2 and 2023: their core repositories' errata (ALAS), found
    // through the mirror list, the repository's repomd.xml, then updateinfo.
    "https://cdn.amazonlinux.com/2/core/latest/x86_64/mirror.list",
    "https://cdn.amazonlinux.com/al2023/core/mirrors/latest/x86_64/mirror.list",
    "https://secdb.alpinelinux.org/v3.19/main.json",
    "https://secdb.alpinelinux.org/v3.19/community.json",
    "https://secdb.alpinelinux.org/v3.20/main.json",
    "https://secdb.alpinelinux.org/v3.20/community.json",
    "https://secdb.alpinelinux.org/v3.21/main.json",
    "https://secdb.alpinelinux.org/v3.21/community.json",
    "https://secdb.alpinelinux.org/v3.22/main.json",
    "https://secdb.alpinelinux.org/v3.22/community.json",
];

/// NVD's CVE API 2.0.
pub const DEFAULT_NVD_URL: &str = "https://services.nvd.nist.gov/rest/json/cves/2.0";
/// The longest `lastModStartDate`..`lastModEndDate` range NVD accepts.
const NVD_WINDOW_SECONDS: i64 = 120 * 86_400;
/// The page size NVD allows at most.
const NVD_PAGE_SIZE: u64 = 2000;

/// Where and how to read NVD's CVSS data.
#[derive(Debug, Clone)]
pub struct NvdOptions {
    /// The CVE API 2.0 endpoint.
    pub url: String,
    /// An NVD API key (sent as the `apiKey` header; raises the rate limit).
    pub api_key: Option<String>,
    /// The pause between page requests: NVD asks for 6 s without a key, 0.6 s with one.
    pub request_interval: std::time::Duration,
}

/// The largest `all.zip` downloaded (the biggest OSV ecosystems are a few hundred MB).
pub(crate) const ZIP_LIMIT: u64 = 4 * 1024 * 1024 * 1024;
/// The largest single record, index or catalog downloaded.
pub(crate) const DOCUMENT_LIMIT: u64 = 256 * 1024 * 1024;

/// What to update from.
#[derive(Debug, Clone)]
pub struct UpdateOptions {
    /// Base URL of an OSV bucket layout (the public bucket, a mirror, or a test server).
    pub osv_url: String,
    /// OSV ecosystems to keep; empty means every one `ecosystems.txt` lists.
    pub ecosystems: Vec<String>,
    /// Keep only those of `ecosystems` that `ecosystems.txt` lists (a scan's
    /// first download asks for what it found, and some, like plain RPM, have no feed).
    pub listed_only: bool,
    /// URL of the CISA KEV JSON, or `None` to leave KEV out.
    pub kev_url: Option<String>,
    /// URL of FIRST's EPSS scores (CSV, gzipped or not), or `None` to leave EPSS out.
    pub epss_url: Option<String>,
    /// Download everything again and rebuild, even when an incremental update would do.
    pub full: bool,
    /// NVD's CVSS data, when wanted (a first download is long without an API key).
    pub nvd: Option<NvdOptions>,
    /// URLs of native feed files (Debian tracker JSON, Alpine/Wolfi secdb
    /// JSON, …), each read whole when it changed (conditional GET).
    pub native_feeds: Vec<String>,
    /// A PEM bundle of CA certificates to trust instead of the built-in ones.
    pub ca_file: Option<std::path::PathBuf>,
    /// The proxy to download through (none unless given; the CLI passes
    /// `kensa_http::proxy_from_environment()`).
    pub proxy: Option<ureq::Proxy>,
    /// Where large downloads report their progress (the CLI draws bars on a
    /// terminal; a server logs or ignores it). `None`: not reported.
    pub progress: Option<std::sync::Arc<dyn UpdateProgress>>,
}

impl Default for UpdateOptions {
    fn default() -> UpdateOptions {
        UpdateOptions {
            osv_url: DEFAULT_OSV_URL.to_owned(),
            ecosystems: Vec::new(),
            listed_only: false,
            kev_url: Some(DEFAULT_KEV_URL.to_owned()),
            epss_url: Some(DEFAULT_EPSS_URL.to_owned()),
            full: false,
            nvd: None,
            native_feeds: Vec::new(),
            ca_file: None,
            proxy: None,
            progress: None,
        }
    }
}

/// Progress of large downloads, reported as they arrive. The library draws
/// nothing: the CLI turns these calls into progress bars.
pub trait UpdateProgress: Send + Sync {
    /// A download of `total` bytes began (`already` of them arrived in an
    /// earlier attempt that is being resumed); `label` names it
    /// (`PyPI/all.zip`).
    fn download_started(&self, label: &str, total: u64, already: u64);
    /// `bytes` more arrived.
    fn download_progressed(&self, bytes: u64);
    /// The download ended, complete or not.
    fn download_finished(&self);
}

impl std::fmt::Debug for dyn UpdateProgress {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("UpdateProgress")
    }
}

/// How one source was brought up to date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceUpdate {
    /// Downloaded whole.
    Full {
        /// Records read.
        records: u64,
    },
    /// Only records modified since the last update were fetched.
    Incremental {
        /// Records fetched.
        records: u64,
    },
}

/// What an update did.
#[derive(Debug, Clone, Default)]
pub struct UpdateReport {
    /// Per source (`osv:PyPI`, `kev`): how it was updated.
    pub sources: Vec<(String, SourceUpdate)>,
    /// Whether the database was rebuilt from scratch.
    pub rebuilt: bool,
    /// Advisories added.
    pub added: u64,
    /// Advisories whose stored record was replaced.
    pub replaced: u64,
    /// Downloaded records that are malformed (left out, named with the reason).
    pub rejected: Vec<SkippedFile>,
    /// Downloaded records kept with a part left out (a malformed CVSS vector).
    pub notes: Vec<SkippedFile>,
    /// HTTP requests made, retries included.
    pub requests: u64,
    /// Response bytes received.
    pub bytes: u64,
    /// What the update changed, for re-matching only the inventories
    /// holding the packages concerned.
    pub changes: kensa_db::ChangeSet,
}

/// Errors updating.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UpdateError {
    /// A download failed (after retries).
    #[error("cannot download {url}: {message}")]
    Http {
        /// The URL.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// A download that is not what the source should serve.
    #[error("{url} is not a valid {what}: {message}")]
    Feed {
        /// The URL.
        url: String,
        /// What it should have been.
        what: &'static str,
        /// Why it is not.
        message: String,
    },
    /// A local file operation failed.
    #[error("cannot {operation} {path}: {source}")]
    Io {
        /// What was being done.
        operation: &'static str,
        /// The path.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Reading or writing the database failed.
    #[error(transparent)]
    Database(#[from] kensa_db::DbError),
    /// The HTTP client could not be set up (an unusable CA bundle).
    #[error(transparent)]
    Client(#[from] kensa_http::HttpConfigError),
}

/// A path segment of a bucket URL: ecosystem names hold spaces and colons
/// (`Red Hat`, `Alpine:v3.20`), ids may hold anything a file name can.
fn url_segment(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~' | b':') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

pub(crate) fn bucket_url(base: &str, ecosystem: &str, file: &str) -> String {
    format!("{}/{}/{}", base.trim_end_matches('/'), url_segment(ecosystem), url_segment(file))
}

fn meta_key(ecosystem: &str, field: &str) -> String {
    format!("source:osv:{ecosystem}:{field}")
}

fn now_seconds() -> String {
    kensa_model::time::now_seconds().to_string()
}

/// One line of `modified_id.csv`: when, and which record.
pub(crate) struct Modified {
    /// The timestamp as written, and parsed.
    pub(crate) text: String,
    pub(crate) at: i128,
    pub(crate) id: String,
}

/// Parses `modified_id.csv`: `<RFC 3339 timestamp>,<id>` per line (the
/// bucket-wide file writes `<ecosystem>/<id>`; the directory part is dropped).
pub(crate) fn parse_modified(bytes: &[u8], url: &str) -> Result<Vec<Modified>, UpdateError> {
    let text = std::str::from_utf8(bytes).map_err(|error| UpdateError::Feed {
        url: url.to_owned(),
        what: "modified_id.csv",
        message: error.to_string(),
    })?;
    let mut entries = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let parsed = line.split_once(',').and_then(|(when, id)| {
            let id = id.trim().rsplit('/').next().unwrap_or_default();
            let valid_id = !id.is_empty() && !id.contains(['\\', '\0']) && id != "." && id != "..";
            Some(Modified {
                text: when.trim().to_owned(),
                at: kensa_model::time::parse_rfc3339_nanoseconds(when)?,
                id: id.to_owned(),
            })
            .filter(|_| valid_id)
        });
        match parsed {
            Some(entry) => entries.push(entry),
            None => {
                return Err(UpdateError::Feed {
                    url: url.to_owned(),
                    what: "modified_id.csv",
                    message: format!("line {} is not `<timestamp>,<id>`: {line:?}", number + 1),
                });
            }
        }
    }
    Ok(entries)
}

/// Inflates a gzip download, at most [`EPSS_LIMIT`] bytes of it.
fn gunzip(bytes: &[u8], url: &str, what: &'static str) -> Result<Vec<u8>, UpdateError> {
    let mut inflated = Vec::new();
    let read = flate2::read::MultiGzDecoder::new(bytes).take(EPSS_LIMIT.saturating_add(1)).read_to_end(&mut inflated);
    match read {
        Ok(_) if inflated.len() as u64 <= EPSS_LIMIT => Ok(inflated),
        Ok(_) => Err(UpdateError::Feed {
            url: url.to_owned(),
            what,
            message: format!("more than {EPSS_LIMIT} bytes uncompressed"),
        }),
        Err(error) => Err(UpdateError::Feed { url: url.to_owned(), what, message: error.to_string() }),
    }
}

/// The newest entry's timestamp text.
fn newest(entries: &[Modified]) -> Option<&Modified> {
    entries.iter().max_by_key(|entry| entry.at)
}

/// The paging fields of an NVD response.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct NvdPage {
    results_per_page: u64,
    total_results: u64,
}

struct Updater<'a> {
    client: HttpClient,
    options: &'a UpdateOptions,
    report: UpdateReport,
}

impl Updater<'_> {
    fn fetch(&self, url: &str, limit: u64) -> Result<Option<Vec<u8>>, UpdateError> {
        match self.client.get(url, limit, &Validators::default())? {
            Fetched::Body(body, _) => Ok(Some(body)),
            Fetched::NotFound | Fetched::NotModified => Ok(None),
        }
    }

    /// A conditional GET with the validators stored under `key` in `state`:
    /// `None` when the stored copy is current; new validators go to `meta`.
    fn fetch_if_changed(
        &self,
        url: &str,
        key: &str,
        state: Option<&BTreeMap<String, String>>,
        meta: &mut Vec<(String, String)>,
    ) -> Result<Option<Vec<u8>>, UpdateError> {
        let stored = |field: &str| state.and_then(|state| state.get(&format!("{key}:{field}"))).cloned();
        let validators = Validators { etag: stored("etag"), last_modified: stored("http_last_modified") };
        match self.client.get(url, DOCUMENT_LIMIT, &validators)? {
            Fetched::Body(body, received) => {
                meta.extend(received.etag.map(|etag| (format!("{key}:etag"), etag)));
                meta.extend(received.last_modified.map(|at| (format!("{key}:http_last_modified"), at)));
                Ok(Some(body))
            }
            Fetched::NotModified => {
                // Keep the validators that still describe the stored copy.
                meta.extend(validators.etag.map(|etag| (format!("{key}:etag"), etag)));
                meta.extend(validators.last_modified.map(|at| (format!("{key}:http_last_modified"), at)));
                Ok(None)
            }
            Fetched::NotFound => {
                Err(UpdateError::Http { url: url.to_owned(), message: "not found (HTTP 404)".to_owned() })
            }
        }
    }

    fn fetch_required(&self, url: &str, limit: u64) -> Result<Vec<u8>, UpdateError> {
        self.fetch(url, limit)?
            .ok_or_else(|| UpdateError::Http { url: url.to_owned(), message: "not found (HTTP 404)".to_owned() })
    }

    /// The ecosystems to update: as configured, else `ecosystems.txt`.
    fn ecosystems(&self) -> Result<Vec<String>, UpdateError> {
        if !self.options.ecosystems.is_empty() && !self.options.listed_only {
            return Ok(self.options.ecosystems.clone());
        }
        let url = format!("{}/ecosystems.txt", self.options.osv_url.trim_end_matches('/'));
        let bytes = self.fetch_required(&url, DOCUMENT_LIMIT)?;
        let text = String::from_utf8(bytes).map_err(|error| UpdateError::Feed {
            url: url.clone(),
            what: "ecosystems.txt",
            message: error.to_string(),
        })?;
        let ecosystems: Vec<String> =
            text.lines().map(str::trim).filter(|line| !line.is_empty()).map(str::to_owned).collect();
        if ecosystems.is_empty() {
            return Err(UpdateError::Feed { url, what: "ecosystems.txt", message: "it lists no ecosystem".to_owned() });
        }
        if self.options.listed_only {
            return Ok(ecosystems.into_iter().filter(|listed| self.options.ecosystems.contains(listed)).collect());
        }
        Ok(ecosystems)
    }

    /// Downloads one ecosystem whole into `builder`; returns the newest
    /// modification time to resume from. `modified_id.csv` is read before
    /// `all.zip`, so anything modified in between is in the zip and is
    /// fetched again next time rather than missed.
    fn download_ecosystem(
        &mut self,
        ecosystem: &str,
        builder: &mut DatabaseBuilder,
        meta: &mut Vec<(String, String)>,
    ) -> Result<Option<String>, UpdateError> {
        let csv_url = bucket_url(&self.options.osv_url, ecosystem, "modified_id.csv");
        let resume_from = match self.client.get(&csv_url, DOCUMENT_LIMIT, &Validators::default())? {
            Fetched::Body(bytes, received) => {
                let key = meta_key(ecosystem, "list");
                meta.extend(received.etag.map(|etag| (format!("{key}:etag"), etag)));
                meta.extend(received.last_modified.map(|at| (format!("{key}:http_last_modified"), at)));
                newest(&parse_modified(&bytes, &csv_url)?).map(|entry| entry.text.clone())
            }
            Fetched::NotFound | Fetched::NotModified => None,
        };
        let zip_url = bucket_url(&self.options.osv_url, ecosystem, "all.zip");
        let zip = self.fetch_required(&zip_url, ZIP_LIMIT)?;
        let before = builder.report().files_read;
        builder.add_zip_reader(Cursor::new(zip), &format!("{ecosystem}/all.zip")).map_err(|error| {
            UpdateError::Feed { url: zip_url.clone(), what: "zip of OSV records", message: error.to_string() }
        })?;
        let records = builder.report().files_read.saturating_sub(before);
        self.report.sources.push((format!("osv:{ecosystem}"), SourceUpdate::Full { records }));
        Ok(resume_from)
    }

    /// Fetches the records of one ecosystem that changed since the last
    /// update: those listed as modified within a day before `since` or later
    /// whose listed time differs from the stored record's. The day of overlap
    /// catches records the bucket exported late (with a modification time
    /// older than the newest it had listed), and the comparison keeps records
    /// already held from being fetched again, however many share a timestamp.
    fn fetch_modified(
        &mut self,
        ecosystem: &str,
        since: &str,
        stored: &kensa_db::Database,
        state: &BTreeMap<String, String>,
        builder: &mut DatabaseBuilder,
        meta: &mut Vec<(String, String)>,
    ) -> Result<Option<String>, UpdateError> {
        const OVERLAP_NANOSECONDS: i128 = 24 * 3600 * 1_000_000_000;
        let csv_url = bucket_url(&self.options.osv_url, ecosystem, "modified_id.csv");
        let Some(csv) = self.fetch_if_changed(&csv_url, &meta_key(ecosystem, "list"), Some(state), meta)? else {
            self.report.sources.push((format!("osv:{ecosystem}"), SourceUpdate::Incremental { records: 0 }));
            return Ok(Some(since.to_owned()));
        };
        let entries = parse_modified(&csv, &csv_url)?;
        let window_start = kensa_model::time::parse_rfc3339_nanoseconds(since)
            .map_or(i128::MIN, |since| since.saturating_sub(OVERLAP_NANOSECONDS));
        let mut records = 0;
        for entry in entries.iter().filter(|entry| entry.at >= window_start) {
            let held = stored.advisory(&entry.id)?.and_then(|advisory| advisory.modified);
            if held.as_deref().and_then(kensa_model::time::parse_rfc3339_nanoseconds) == Some(entry.at) {
                continue;
            }
            let url = bucket_url(&self.options.osv_url, ecosystem, &format!("{}.json", entry.id));
            // A record listed but gone (deleted between the list and now) is skipped.
            if let Some(bytes) = self.fetch(&url, DOCUMENT_LIMIT)? {
                builder.add_file(&format!("{ecosystem}/{}.json", entry.id), &bytes);
                records += 1;
            }
        }
        self.report.sources.push((format!("osv:{ecosystem}"), SourceUpdate::Incremental { records }));
        Ok(newest(&entries).map(|entry| entry.text.clone()).or_else(|| Some(since.to_owned())))
    }

    /// Reads NVD's CVSS data: every CVE the first time, then the CVEs
    /// modified since the last update, in windows of at most 120 days (NVD's
    /// limit), a page of up to 2,000 at a time, pausing between requests as
    /// NVD asks and retrying its 403/429/503 answers.
    fn fetch_nvd(
        &mut self,
        nvd: &NvdOptions,
        builder: &mut DatabaseBuilder,
        state: Option<&BTreeMap<String, String>>,
        meta: &mut Vec<(String, String)>,
    ) -> Result<(), UpdateError> {
        let now = kensa_model::time::now_seconds();
        let since =
            state.and_then(|state| state.get("source:nvd:fetched_until")).and_then(|text| text.parse::<i64>().ok());
        let windows: Vec<Option<(i64, i64)>> = match since {
            None => vec![None],
            Some(start) => {
                let mut windows = Vec::new();
                let mut from = start.min(now);
                loop {
                    let to = from.saturating_add(NVD_WINDOW_SECONDS).min(now);
                    windows.push(Some((from, to)));
                    if to >= now {
                        break;
                    }
                    from = to;
                }
                windows
            }
        };
        let headers: Vec<(&str, &str)> = nvd.api_key.as_deref().map(|key| ("apiKey", key)).into_iter().collect();
        let mut records = 0u64;
        let mut first_request = true;
        for window in &windows {
            let mut start_index = 0u64;
            loop {
                if !first_request {
                    std::thread::sleep(nvd.request_interval);
                }
                first_request = false;
                let mut url = format!(
                    "{}?resultsPerPage={NVD_PAGE_SIZE}&startIndex={start_index}",
                    nvd.url.trim_end_matches('/')
                );
                if let Some((from, to)) = window {
                    url.push_str(&format!(
                        "&lastModStartDate={}%2B00:00&lastModEndDate={}%2B00:00",
                        kensa_model::time::format_utc(*from),
                        kensa_model::time::format_utc(*to)
                    ));
                }
                let bytes =
                    match self.client.get_with(&url, DOCUMENT_LIMIT, &Validators::default(), &headers, &[403])? {
                        Fetched::Body(bytes, _) => bytes,
                        Fetched::NotFound | Fetched::NotModified => {
                            return Err(UpdateError::Http { url, message: "not found (HTTP 404)".to_owned() });
                        }
                    };
                let page: NvdPage = serde_json::from_slice(&bytes).map_err(|error| UpdateError::Feed {
                    url: url.clone(),
                    what: "NVD CVE API 2.0 response",
                    message: error.to_string(),
                })?;
                builder.add_file(&format!("nvd/{start_index}.json"), &bytes);
                records = records.saturating_add(page.results_per_page);
                start_index = start_index.saturating_add(page.results_per_page);
                if page.results_per_page == 0 || start_index >= page.total_results {
                    break;
                }
            }
        }
        meta.push(("source:nvd:fetched_until".to_owned(), now.to_string()));
        meta.push(("source:nvd:updated_at".to_owned(), now.to_string()));
        let how = if since.is_some() { SourceUpdate::Incremental { records } } else { SourceUpdate::Full { records } };
        self.report.sources.push(("nvd".to_owned(), how));
        Ok(())
    }

    /// Reads each native feed file that changed since the last update; its
    /// advisories are added or replace those of the same id.
    fn fetch_native_feeds(
        &mut self,
        builder: &mut DatabaseBuilder,
        state: Option<&BTreeMap<String, String>>,
        meta: &mut Vec<(String, String)>,
    ) -> Result<(), UpdateError> {
        for url in self.options.native_feeds.clone() {
            let key = format!("source:feed:{url}");
            let Some((file_url, bytes)) = self.fetch_native_feed(&url, &key, state, meta)? else {
                self.report.sources.push((format!("feed {url}"), SourceUpdate::Incremental { records: 0 }));
                continue;
            };
            let gzipped = bytes.starts_with(&[0x1f, 0x8b]);
            let bytes = if gzipped { gunzip(&bytes, &file_url, "gzipped feed")? } else { bytes };
            // The parser recognises a feed by its path and contents: the URL's
            // path stands for the path (`v3.20/main.json`), with `.json` added
            // to an extensionless JSON endpoint (the Debian tracker's `…/json`).
            let path = file_url.split_once("://").map_or(file_url.as_str(), |(_, rest)| rest);
            let path = path.split_once('/').map_or("", |(_, path)| path).split('?').next().unwrap_or_default();
            // `…/updateinfo.xml.gz`, inflated above, is parsed as the `updateinfo.xml` it holds.
            let path = if gzipped { path.strip_suffix(".gz").unwrap_or(path) } else { path };
            let last = path.rsplit('/').next().unwrap_or_default();
            let name = if !last.contains('.') && bytes.first() == Some(&b'{') {
                format!("{path}.json")
            } else {
                path.to_owned()
            };
            let rejected_before = builder.report().rejected.len() + builder.report().skipped.len();
            builder.add_file(&name, &bytes);
            let report = builder.report();
            if report.rejected.len() + report.skipped.len() > rejected_before {
                let reason = report
                    .rejected
                    .iter()
                    .chain(&report.skipped)
                    .find(|file| file.path == name)
                    .map(|file| file.reason.clone())
                    .unwrap_or_default();
                return Err(UpdateError::Feed { url, what: "advisory feed", message: reason });
            }
            meta.push((format!("{key}:updated_at"), now_seconds()));
            self.report.sources.push((format!("feed {url}"), SourceUpdate::Full { records: 1 }));
        }
        Ok(())
    }

    /// The bytes of a native feed, and the URL of the file they are: the URL
    /// itself, or for a yum repository (its `repomd.xml`, or Amazon Linux's
    /// `mirror.list` naming the repository) the `updateinfo.xml.gz` its
    /// repomd names, checked against repomd's SHA-256. `None` when the feed
    /// (for a repository: its repomd) is unchanged since the last update.
    fn fetch_native_feed(
        &self,
        url: &str,
        key: &str,
        state: Option<&BTreeMap<String, String>>,
        meta: &mut Vec<(String, String)>,
    ) -> Result<Option<(String, Vec<u8>)>, UpdateError> {
        let address = url.split(['?', '#']).next().unwrap_or_default();
        let repomd_url = if address.ends_with("/mirror.list") {
            // Amazon Linux: one repository URL per line, the first is current.
            let list = self.fetch(url, 64 * 1024)?.ok_or_else(|| UpdateError::Feed {
                url: url.to_owned(),
                what: "mirror list",
                message: "not found".to_owned(),
            })?;
            let text = String::from_utf8_lossy(&list);
            let Some(mirror) = text.lines().map(str::trim).find(|line| !line.is_empty()) else {
                return Err(UpdateError::Feed {
                    url: url.to_owned(),
                    what: "mirror list",
                    message: "it is empty".to_owned(),
                });
            };
            if !(mirror.starts_with("https://") || mirror.starts_with("http://")) {
                return Err(UpdateError::Feed {
                    url: url.to_owned(),
                    what: "mirror list",
                    message: format!("{mirror:?} is not an HTTP(S) URL"),
                });
            }
            format!("{}/repodata/repomd.xml", mirror.trim_end_matches('/'))
        } else if address.ends_with("/repodata/repomd.xml") {
            url.to_owned()
        } else {
            return Ok(self.fetch_if_changed(url, key, state, meta)?.map(|bytes| (url.to_owned(), bytes)));
        };
        // The repomd changes whenever the errata do: a 304 on it means nothing to read.
        let Some(repomd) = self.fetch_if_changed(&repomd_url, key, state, meta)? else { return Ok(None) };
        let location = kensa_advisory::updateinfo_location(&repomd_url, &repomd).map_err(|error| {
            UpdateError::Feed { url: repomd_url.clone(), what: "repomd.xml", message: error.reason().to_owned() }
        })?;
        let base = repomd_url.strip_suffix("repodata/repomd.xml").unwrap_or(&repomd_url);
        let updateinfo_url = format!("{base}{}", location.href);
        let bytes = self.fetch(&updateinfo_url, DOCUMENT_LIMIT)?.ok_or_else(|| UpdateError::Feed {
            url: updateinfo_url.clone(),
            what: "updateinfo.xml",
            message: "named by the repository's repomd.xml, but not found".to_owned(),
        })?;
        if let Some(expected) = &location.sha256 {
            use sha2::Digest as _;
            let actual: String = sha2::Sha256::digest(&bytes).iter().map(|byte| format!("{byte:02x}")).collect();
            if &actual != expected {
                return Err(UpdateError::Feed {
                    url: updateinfo_url,
                    what: "updateinfo.xml",
                    message: format!("its SHA-256 is {actual}, the repository's repomd.xml says {expected}"),
                });
            }
        }
        Ok(Some((updateinfo_url, bytes)))
    }

    /// Reads the day's EPSS scores (skipped when the stored day is current).
    fn fetch_epss(
        &mut self,
        builder: &mut DatabaseBuilder,
        state: Option<&BTreeMap<String, String>>,
        meta: &mut Vec<(String, String)>,
    ) -> Result<(), UpdateError> {
        let Some(url) = self.options.epss_url.clone() else { return Ok(()) };
        let Some(bytes) = self.fetch_if_changed(&url, "source:epss", state, meta)? else {
            self.report.sources.push(("epss".to_owned(), SourceUpdate::Incremental { records: 0 }));
            return Ok(());
        };
        let csv = if bytes.starts_with(&[0x1f, 0x8b]) {
            let mut csv = Vec::new();
            let read = flate2::read::MultiGzDecoder::new(bytes.as_slice())
                .take(EPSS_LIMIT.saturating_add(1))
                .read_to_end(&mut csv);
            match read {
                Ok(_) if csv.len() as u64 <= EPSS_LIMIT => csv,
                Ok(_) => {
                    return Err(UpdateError::Feed {
                        url,
                        what: "EPSS CSV",
                        message: format!("more than {EPSS_LIMIT} bytes uncompressed"),
                    });
                }
                Err(error) => {
                    return Err(UpdateError::Feed { url, what: "gzipped EPSS CSV", message: error.to_string() });
                }
            }
        } else {
            bytes
        };
        let before = builder.report().epss;
        builder.add_file("epss_scores-current.csv", &csv);
        if builder.report().epss == before && builder.report().rejected.iter().any(|file| file.path.starts_with("epss"))
        {
            let reason = builder
                .report()
                .rejected
                .iter()
                .rev()
                .find(|file| file.path.starts_with("epss"))
                .map(|file| file.reason.clone());
            return Err(UpdateError::Feed { url, what: "EPSS CSV", message: reason.unwrap_or_default() });
        }
        let records = builder.report().epss;
        self.report.sources.push(("epss".to_owned(), SourceUpdate::Full { records }));
        meta.push(("source:epss:updated_at".to_owned(), now_seconds()));
        Ok(())
    }

    /// `Ok(false)` when KEV is not wanted or the stored catalog is current.
    fn fetch_known_exploited(
        &mut self,
        builder: &mut DatabaseBuilder,
        state: Option<&BTreeMap<String, String>>,
        meta: &mut Vec<(String, String)>,
    ) -> Result<bool, UpdateError> {
        let Some(url) = self.options.kev_url.clone() else { return Ok(false) };
        let Some(bytes) = self.fetch_if_changed(&url, "source:kev", state, meta)? else {
            self.report.sources.push(("kev".to_owned(), SourceUpdate::Incremental { records: 0 }));
            return Ok(false);
        };
        let before = builder.report().known_exploited;
        builder.add_file("known_exploited_vulnerabilities.json", &bytes);
        let read = builder.report().known_exploited.saturating_sub(before);
        if read == 0 {
            return Err(UpdateError::Feed {
                url,
                what: "CISA KEV catalog",
                message: "it holds no vulnerabilities array".to_owned(),
            });
        }
        self.report.sources.push(("kev".to_owned(), SourceUpdate::Full { records: read }));
        Ok(true)
    }
}

/// Brings the database at `database` up to date from the configured sources.
pub fn update(database: &Path, options: &UpdateOptions) -> Result<UpdateReport, UpdateError> {
    if let Some(parent) = database.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| UpdateError::Io {
            operation: "create directory",
            path: parent.display().to_string(),
            source,
        })?;
    }
    let mut client = HttpClient::new(options.ca_file.as_deref(), options.proxy.clone())?;
    client.progress = options.progress.clone();
    let mut updater = Updater { client, options, report: UpdateReport::default() };
    // The stored database, read while downloading (for source states and the
    // modification times of held records); closed before it is replaced.
    let stored = if options.full || !database.exists() { None } else { Some(kensa_db::Database::open(database)?) };
    let existing = match &stored {
        Some(stored) => Some(stored.meta_values("source:")?),
        None => None,
    };
    let ecosystems = updater.ecosystems()?;
    let mut builder = DatabaseBuilder::default();
    let mut meta = Vec::new();
    let updated_at = now_seconds();
    for ecosystem in &ecosystems {
        let since = existing.as_ref().and_then(|state| state.get(&meta_key(ecosystem, "last_modified")));
        let resume_from = match (since, &stored, &existing) {
            (Some(since), Some(stored), Some(state)) => {
                updater.fetch_modified(ecosystem, since, stored, state, &mut builder, &mut meta)?
            }
            _ => updater.download_ecosystem(ecosystem, &mut builder, &mut meta)?,
        };
        if let Some(resume_from) = resume_from {
            meta.push((meta_key(ecosystem, "last_modified"), resume_from));
        }
        meta.push((meta_key(ecosystem, "updated_at"), updated_at.clone()));
    }
    meta.push(("source:osv:url".to_owned(), options.osv_url.clone()));
    let known_exploited_fetched = updater.fetch_known_exploited(&mut builder, existing.as_ref(), &mut meta)?;
    if options.kev_url.is_some() {
        meta.push(("source:kev:updated_at".to_owned(), updated_at.clone()));
    }
    updater.fetch_epss(&mut builder, existing.as_ref(), &mut meta)?;
    updater.fetch_native_feeds(&mut builder, existing.as_ref(), &mut meta)?;
    if let Some(nvd) = &options.nvd {
        updater.fetch_nvd(nvd, &mut builder, existing.as_ref(), &mut meta)?;
    }
    meta.push(("updated_at".to_owned(), updated_at));

    drop(stored);
    let mut report = updater.report;
    report.requests = updater.client.requests.get();
    report.bytes = updater.client.transferred.get();
    match existing {
        None => {
            let built = builder.finish(database, &meta)?;
            report.rebuilt = true;
            report.added = built.advisories;
            report.rejected = built.rejected;
            report.notes = built.notes;
            report.changes = built.changes;
        }
        Some(_) => {
            let parts = builder.into_parts();
            // An unchanged catalog (304) keeps the stored one.
            let changes = Changes {
                advisories: parts.advisories,
                known_exploited: known_exploited_fetched.then_some(parts.known_exploited),
                cve_cvss: parts.cve_cvss,
                epss: parts.epss,
                meta,
            };
            let applied = kensa_db::apply_changes(database, &changes)?;
            report.added = applied.added;
            report.replaced = applied.replaced;
            report.changes = applied.changes;
            report.rejected = parts.report.rejected;
            report.notes = parts.report.notes;
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_urls_encode_spaces_but_keep_colons() {
        assert_eq!(bucket_url("http://h/", "Red Hat", "all.zip"), "http://h/Red%20Hat/all.zip");
        assert_eq!(bucket_url("http://h", "Alpine:v3.20", "CVE-1.json"), "http://h/Alpine:v3.20/CVE-1.json");
        assert_eq!(bucket_url("http://h", "PyPI", "../x.json"), "http://h/PyPI/..%2Fx.json");
    }

    #[test]
    fn modified_lists_parse_and_refuse_garbage() {
        let entries =
            parse_modified(b"2024-06-10T08:52:54Z,PYSEC-1\n2024-06-10T08:52:54.5Z,PyPI/PYSEC-2\n\n", "u").unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[1].id, "PYSEC-2");
        assert_eq!(newest(&entries).unwrap().id, "PYSEC-2");
        assert!(parse_modified(b"yesterday,PYSEC-1\n", "u").is_err());
        assert!(parse_modified(b"2024-06-10T08:52:54Z\n", "u").is_err());
        assert!(parse_modified(b"2024-06-10T08:52:54Z,..\n", "u").is_err());
    }
}
