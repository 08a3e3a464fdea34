//! Works out which feed format a file is in, from its path and its content.
//!
//! The file extension picks the syntax; the top-level keys of the document (and,
//! where the content is ambiguous, the names of the directories right above the
//! file) pick the feed. Only the last few path components are ever looked at,
//! because callers pass absolute paths whose prefixes mean nothing.
//!
//! Files that are not advisories, and advisory formats without a parser yet, are
//! classified here with a reason, so that every parser module sees only its own
//! format. This module does not validate the advisory itself.

use serde_json::Value as JsonValue;
use serde_yaml_ng::Value as YamlValue;

use crate::AdvisoryError;

/// A feed format that [`crate::parse_file`] has a parser for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FeedFormat {
    /// One OSV record in JSON.
    OsvJson,
    /// One OSV record in YAML (PyPA).
    OsvYaml,
    /// A RustSec Markdown advisory; `toolchain` when it sits under `rust/`.
    RustSec { toolchain: bool },
    /// A RubySec advisory about a gem.
    RubySecGem,
    /// A FriendsOfPHP security-advisories record.
    FriendsOfPhp,
    /// A legacy nodejs/security-wg advisory about an npm package.
    NodejsSecurityWgNpm,
    /// An Alpine-style secdb (Alpine, Wolfi, Chainguard) in JSON.
    ApkSecdbJson,
    /// An Alpine secdb in the archived YAML form.
    ApkSecdbYaml,
    /// The Debian security tracker's JSON export (package → CVE → releases).
    DebianTrackerJson,
    /// The Debian security tracker's DSA or DLA list (`data/DSA/list`).
    DebianAdvisoryList,
    /// One Ubuntu CVE Tracker entry in its text form.
    UbuntuCveTracker,
    /// CISA's Known Exploited Vulnerabilities catalog (enrichment, not advisories).
    KnownExploitedCatalog,
    /// An NVD CVE API 2.0 response (CVSS enrichment, not advisories).
    NvdCveApi,
    /// FIRST's EPSS scores, CSV (enrichment, not advisories).
    EpssCsv,
    /// A yum/dnf repository's `updateinfo.xml` (Amazon Linux ALAS, Rocky, Alma errata).
    YumUpdateInfo,
}

/// The path split into its components, for looking at the directories right
/// above the file.
struct PathParts<'path> {
    components: Vec<&'path str>,
}

impl<'path> PathParts<'path> {
    fn new(path: &'path str) -> PathParts<'path> {
        PathParts { components: path.split(['/', '\\']).filter(|part| !part.is_empty()).collect() }
    }

    fn file_name(&self) -> &'path str {
        self.component_from_end(0).unwrap_or_default()
    }

    /// The component `steps` levels up from the file name (0 is the file name).
    fn component_from_end(&self, steps: usize) -> Option<&'path str> {
        self.components.len().checked_sub(steps + 1).and_then(|index| self.components.get(index).copied())
    }

    fn extension(&self) -> String {
        match self.file_name().rsplit_once('.') {
            Some((stem, extension)) if !stem.is_empty() => extension.to_ascii_lowercase(),
            _ => String::new(),
        }
    }
}

/// Decides which parser handles the file, or why none does.
pub(crate) fn detect_format(path: &str, contents: &[u8]) -> Result<FeedFormat, AdvisoryError> {
    let parts = PathParts::new(path);
    let file_name = parts.file_name();
    let lowercase_name = file_name.to_ascii_lowercase();
    const DOCUMENTATION_PREFIXES: [&str; 7] =
        ["license", "licence", "copying", "readme", "contributing", "notice", "changelog"];
    if DOCUMENTATION_PREFIXES.iter().any(|prefix| lowercase_name.starts_with(prefix)) {
        return Err(AdvisoryError::not_an_advisory(path, "licence or documentation file"));
    }
    if file_name.starts_with('.') {
        return Err(AdvisoryError::not_an_advisory(path, "hidden file (repository bookkeeping)"));
    }
    if contents.starts_with(&[0x1f, 0x8b]) {
        return Err(AdvisoryError::unsupported(
            path,
            "gzip-compressed file: kensa-advisory parses decompressed feeds only",
        ));
    }
    let contents = contents.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(contents);
    let Ok(text) = std::str::from_utf8(contents) else {
        return Err(AdvisoryError::not_an_advisory(path, "binary file (not UTF-8 text)"));
    };
    match parts.extension().as_str() {
        "md" | "markdown" => detect_markdown(path, &parts, text),
        "json" => detect_json(path, &parts, text),
        "yaml" | "yml" => detect_yaml(path, &parts, text),
        "csv" => {
            let first_line = text.lines().next().unwrap_or_default();
            if first_line.starts_with("#model_version") || first_line.starts_with("cve,epss") {
                return Ok(FeedFormat::EpssCsv);
            }
            Err(detect_csv(path, text))
        }
        "xml" => {
            let head: String = text.chars().take(4096).collect();
            if head.contains("<updates") {
                return Ok(FeedFormat::YumUpdateInfo);
            }
            Err(detect_xml(path, text))
        }
        _ => detect_extensionless(path, &parts, text),
    }
}

fn detect_markdown(path: &str, parts: &PathParts<'_>, text: &str) -> Result<FeedFormat, AdvisoryError> {
    let directory_above_package = parts.component_from_end(2);
    let toolchain = directory_above_package == Some("rust");
    if text.trim_start().starts_with("```toml") {
        return Ok(FeedFormat::RustSec { toolchain });
    }
    let looks_like_rustsec =
        toolchain || directory_above_package == Some("crates") || parts.file_name().starts_with("RUSTSEC-");
    if looks_like_rustsec {
        return Err(AdvisoryError::invalid(
            path,
            "RustSec advisory without a ```toml front matter block at the start of the file",
        ));
    }
    Err(AdvisoryError::not_an_advisory(path, "Markdown document without RustSec front matter"))
}

fn detect_json(path: &str, parts: &PathParts<'_>, text: &str) -> Result<FeedFormat, AdvisoryError> {
    let document: JsonValue =
        serde_json::from_str(text).map_err(|error| AdvisoryError::invalid(path, format!("malformed JSON: {error}")))?;
    match &document {
        JsonValue::Object(object) => classify_json_object(path, parts, object),
        JsonValue::Array(items) => Err(classify_json_array(path, items)),
        _ => Err(AdvisoryError::invalid(path, "the JSON document is not an object")),
    }
}

fn classify_json_object(
    path: &str,
    parts: &PathParts<'_>,
    object: &serde_json::Map<String, JsonValue>,
) -> Result<FeedFormat, AdvisoryError> {
    let has = |key: &str| object.contains_key(key);
    if has("module_name") && has("vulnerable_versions") {
        return Ok(FeedFormat::NodejsSecurityWgNpm);
    }
    if has("vulnerable") && has("patched") && parts.component_from_end(1) == Some("core") {
        return Err(AdvisoryError::unsupported(
            path,
            "Node.js core advisory from nodejs/security-wg: it is about the node runtime, not an npm package",
        ));
    }
    // An OSV record that lost its id is still OSV: the parser then says what is missing.
    let looks_like_osv = (object.get("id").is_some_and(JsonValue::is_string)
        && (has("affected") || has("modified") || has("schema_version")))
        || (has("affected") && has("modified"));
    if looks_like_osv {
        return Ok(FeedFormat::OsvJson);
    }
    if parts.file_name().eq_ignore_ascii_case("index.json") {
        return Err(AdvisoryError::not_an_advisory(
            path,
            "index file repeating the per-advisory files of its directory",
        ));
    }
    let unsupported = |reason: &str| Err(AdvisoryError::unsupported(path, reason));
    if has("$schema") {
        return Err(AdvisoryError::not_an_advisory(path, "JSON Schema document"));
    }
    if has("catalogVersion") && has("vulnerabilities") {
        return Ok(FeedFormat::KnownExploitedCatalog);
    }
    if has("CVE_Items") {
        return unsupported("NVD JSON 1.1 feed: no parser here yet");
    }
    if has("vulnerabilities") && (has("resultsPerPage") || has("format")) {
        return Ok(FeedFormat::NvdCveApi);
    }
    if has("cveMetadata") || object.get("dataType").and_then(JsonValue::as_str) == Some("CVE_RECORD") {
        return unsupported("CVE JSON 5 record: no parser here yet");
    }
    if object.get("document").is_some_and(|document| document.get("csaf_version").is_some()) {
        return unsupported("CSAF advisory: no parser here yet");
    }
    if has("packages") && (has("apkurl") || has("distroversion") || has("reponame")) {
        return Ok(FeedFormat::ApkSecdbJson);
    }
    if has("@context") && has("statements") {
        return unsupported("OpenVEX document: no parser here yet");
    }
    if has("threat_severity") || has("affected_release") {
        return unsupported("Red Hat Security Data API CVE record: no parser here yet");
    }
    if has("Header") && has("Annotations") {
        return unsupported("Debian security tracker entry (vuln-list layout): no parser here yet");
    }
    if has("patches") && has("priority") {
        return unsupported("Ubuntu CVE Tracker entry (JSON): no parser here yet");
    }
    let keyed_by_cve = !object.is_empty()
        && object.values().all(|value| {
            value.as_object().is_some_and(|inner| {
                !inner.is_empty() && inner.keys().all(|key| key.starts_with("CVE-") || key.starts_with("TEMP-"))
            })
        });
    if keyed_by_cve {
        return Ok(FeedFormat::DebianTrackerJson);
    }
    Err(AdvisoryError::not_an_advisory(
        path,
        format!(
            "JSON object of no advisory format kensa-advisory knows (keys: {})",
            key_list(object.keys().map(String::as_str))
        ),
    ))
}

fn classify_json_array(path: &str, items: &[JsonValue]) -> AdvisoryError {
    let first_keys: Vec<&str> = items
        .first()
        .and_then(JsonValue::as_object)
        .map(|object| object.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let first_has = |key: &str| first_keys.contains(&key);
    if first_has("id") && first_has("modified") && !first_has("affected") {
        return AdvisoryError::not_an_advisory(path, "index listing of OSV ids and modification times");
    }
    if first_has("issues") && first_has("packages") {
        return AdvisoryError::unsupported(path, "Arch Linux security tracker (AVG) JSON: no parser here yet");
    }
    if first_has("updateinfo_id") {
        return AdvisoryError::unsupported(path, "AlmaLinux errata JSON: no parser here yet");
    }
    AdvisoryError::not_an_advisory(path, "JSON array of no advisory format kensa-advisory knows")
}

fn detect_yaml(path: &str, parts: &PathParts<'_>, text: &str) -> Result<FeedFormat, AdvisoryError> {
    let document: YamlValue = kensa_parse::yaml_from_str(text)
        .map_err(|error| AdvisoryError::invalid(path, format!("malformed YAML: {error}")))?;
    let YamlValue::Mapping(mapping) = &document else {
        return Err(AdvisoryError::invalid(
            path,
            format!("the YAML document's top level is {}, not a mapping", yaml_kind(&document)),
        ));
    };
    let has = |key: &str| mapping.contains_key(key);
    let directory_above_package = parts.component_from_end(2);
    if (has("id") && (has("affected") || has("modified"))) || (has("affected") && has("modified")) {
        return Ok(FeedFormat::OsvYaml);
    }
    if has("engine") || directory_above_package == Some("rubies") {
        return Err(AdvisoryError::unsupported(path, "RubySec advisory about a Ruby interpreter (rubies/), not a gem"));
    }
    if has("gem") || directory_above_package == Some("gems") {
        return Ok(FeedFormat::RubySecGem);
    }
    if has("branches") || has("reference") {
        return Ok(FeedFormat::FriendsOfPhp);
    }
    if has("packages") && (has("distroversion") || has("apkurl")) {
        return Ok(FeedFormat::ApkSecdbYaml);
    }
    let keys = mapping.keys().filter_map(YamlValue::as_str);
    Err(AdvisoryError::not_an_advisory(
        path,
        format!("YAML mapping of no advisory format kensa-advisory knows (keys: {})", key_list(keys)),
    ))
}

fn detect_csv(path: &str, text: &str) -> AdvisoryError {
    let first_line = text.lines().next().unwrap_or_default();
    if first_line.starts_with("cveID,") {
        return AdvisoryError::unsupported(
            path,
            "CISA Known Exploited Vulnerabilities catalog (CSV): enrichment data, no parser here yet",
        );
    }
    AdvisoryError::not_an_advisory(path, "CSV file of no advisory format kensa-advisory knows")
}

fn detect_xml(path: &str, text: &str) -> AdvisoryError {
    // Only the start of the document is looked at: the root element comes first.
    let head: String = text.chars().take(4096).collect();
    if head.contains("<oval_definitions") {
        return AdvisoryError::unsupported(path, "OVAL definitions: no parser here yet");
    }
    if head.contains("<rss") {
        return AdvisoryError::unsupported(path, "RSS feed of advisories: no parser here yet");
    }
    if head.contains("<repomd") {
        return AdvisoryError::not_an_advisory(path, "yum repository metadata index (repomd.xml)");
    }
    AdvisoryError::not_an_advisory(path, "XML document of no advisory format kensa-advisory knows")
}

fn detect_extensionless(path: &str, parts: &PathParts<'_>, text: &str) -> Result<FeedFormat, AdvisoryError> {
    let trimmed = text.trim_start();
    let first_lines: Vec<&str> = trimmed.lines().take(20).collect();
    let first_line = first_lines.first().copied().unwrap_or_default();
    let second_line = first_lines.get(1).copied().unwrap_or_default();
    // Checked before JSON: a DSA/DLA list starts with `[`, like a JSON array.
    let is_debian_advisory_list =
        first_line.starts_with('[') && (first_line.contains("] DSA-") || first_line.contains("] DLA-"));
    let is_debian_cve_list = first_line.starts_with("CVE-") && second_line.starts_with('\t');
    if is_debian_advisory_list {
        return Ok(FeedFormat::DebianAdvisoryList);
    }
    if is_debian_cve_list {
        return Err(AdvisoryError::unsupported(path, "Debian security tracker CVE list: no parser here yet"));
    }
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        return detect_json(path, parts, text);
    }
    let is_ubuntu_cve_tracker_entry = first_lines.iter().any(|line| line.starts_with("Candidate:"))
        && first_lines.iter().any(|line| line.starts_with("PublicDate"));
    if is_ubuntu_cve_tracker_entry {
        return Ok(FeedFormat::UbuntuCveTracker);
    }
    let lowercase_head: String = trimmed.chars().take(256).collect::<String>().to_ascii_lowercase();
    if lowercase_head.starts_with("<!doctype html") || lowercase_head.starts_with("<html") {
        return Err(AdvisoryError::unsupported(path, "HTML advisory page: no parser here yet"));
    }
    Err(AdvisoryError::not_an_advisory(path, "file of no advisory format kensa-advisory knows"))
}

fn key_list<'key>(keys: impl Iterator<Item = &'key str>) -> String {
    let mut listed: Vec<&str> = keys.take(8).collect();
    listed.sort_unstable();
    listed.join(", ")
}

fn yaml_kind(value: &YamlValue) -> &'static str {
    match value {
        YamlValue::Null => "empty",
        YamlValue::Bool(_) => "a boolean",
        YamlValue::Number(_) => "a number",
        YamlValue::String(_) => "a string",
        YamlValue::Sequence(_) => "a sequence",
        YamlValue::Mapping(_) => "a mapping",
        YamlValue::Tagged(_) => "a tagged value",
    }
}
