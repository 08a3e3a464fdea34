//! The two metadata files a Java archive carries about itself: Maven's
//! `pom.properties` and the jar `MANIFEST.MF`, plus the last-resort guess from a
//! file name such as `commons-io-2.11.0.jar`.
//!
//! Only what identifies the artifact is read; class-path, OSGi package lists and
//! signatures are ignored.

use std::collections::BTreeMap;

/// Maven coordinates of one artifact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Coordinates {
    /// `groupId:artifactId`, or the artifact alone when no group could be found.
    pub(super) name: String,
    pub(super) version: String,
}

/// Reads a Java `.properties` file: `key=value`, `key: value` or `key value`,
/// `#`/`!` comments, and lines continued with a trailing backslash. Unicode
/// escapes are left as written; Maven coordinates are ASCII.
pub(super) fn parse_properties(text: &str) -> BTreeMap<String, String> {
    let mut properties = BTreeMap::new();
    let mut logical_line = String::new();
    for raw_line in text.lines() {
        let line = raw_line.trim_start();
        if logical_line.is_empty() && (line.starts_with('#') || line.starts_with('!')) {
            continue;
        }
        if let Some(continued) = line.strip_suffix('\\') {
            logical_line.push_str(continued);
            continue;
        }
        logical_line.push_str(line);
        let entry = std::mem::take(&mut logical_line);
        let entry = entry.trim();
        if entry.is_empty() {
            continue;
        }
        let separator = entry.find(['=', ':', ' ', '\t']).unwrap_or(entry.len());
        let (key, value) = entry.split_at(separator);
        let value = value.trim_start().trim_start_matches(['=', ':']).trim();
        properties.insert(key.trim().to_owned(), value.to_owned());
    }
    properties
}

/// The coordinates a `pom.properties` declares, when all three are present.
pub(super) fn coordinates_from_pom_properties(text: &str) -> Option<Coordinates> {
    let properties = parse_properties(text);
    let field = |name: &str| properties.get(name).map(|value| value.trim()).filter(|value| !value.is_empty());
    let (group, artifact, version) = (field("groupId")?, field("artifactId")?, field("version")?);
    Some(Coordinates { name: format!("{group}:{artifact}"), version: version.to_owned() })
}

/// The main section of a jar manifest: `Name: value` headers up to the first
/// blank line, with continuation lines (starting with one space) joined.
pub(super) fn parse_manifest_main_section(text: &str) -> BTreeMap<String, String> {
    let mut headers: BTreeMap<String, String> = BTreeMap::new();
    let mut last_key: Option<String> = None;
    for raw_line in text.lines() {
        let line = raw_line.trim_end_matches('\r');
        if line.is_empty() {
            break;
        }
        if let Some(continuation) = line.strip_prefix(' ') {
            if let Some(value) = last_key.as_ref().and_then(|key| headers.get_mut(key)) {
                value.push_str(continuation);
            }
            continue;
        }
        if let Some((key, value)) = line.split_once(':') {
            let key = key.trim().to_owned();
            headers.insert(key.clone(), value.trim().to_owned());
            last_key = Some(key);
        }
    }
    headers
}

/// Splits `log4j-core-2.19.0.jar` into `("log4j-core", Some("2.19.0"))`: the
/// version starts at the first `-` followed by a digit. Without one the whole
/// stem is the name.
pub(super) fn split_archive_file_name(file_name: &str) -> (&str, Option<&str>) {
    let stem = file_name.rsplit_once('.').map_or(file_name, |(stem, _)| stem);
    let version_start = stem
        .char_indices()
        .find(|&(index, character)| {
            character == '-'
                && stem.get(index + 1..).and_then(|rest| rest.chars().next()).is_some_and(|next| next.is_ascii_digit())
        })
        .map(|(index, _)| index);
    match version_start {
        Some(index) => (stem.get(..index).unwrap_or(stem), stem.get(index + 1..).filter(|version| !version.is_empty())),
        None => (stem, None),
    }
}

/// Best guess of coordinates from the manifest and the file name, for archives
/// without `pom.properties`:
/// - version: `Implementation-Version`, else `Bundle-Version`, else the file name's;
/// - artifact: the file name without its version (closer to a Maven artifactId
///   than the human-readable `Implementation-Title`), else that title;
/// - group: `Implementation-Vendor-Id`, else a dotted `Bundle-SymbolicName`;
///   without either, the name is the artifact alone.
pub(super) fn guess_coordinates(manifest: Option<&BTreeMap<String, String>>, file_name: &str) -> Option<Coordinates> {
    let header = |name: &str| {
        manifest
            .and_then(|headers| headers.get(name))
            .map(|value| value.split(';').next().unwrap_or(value).trim())
            .filter(|value| !value.is_empty())
    };
    let (file_artifact, file_version) = split_archive_file_name(file_name);
    let version = header("Implementation-Version").or_else(|| header("Bundle-Version")).or(file_version)?;
    let artifact = Some(file_artifact.trim())
        .filter(|artifact| !artifact.is_empty())
        .or_else(|| header("Implementation-Title"))?;
    let group = header("Implementation-Vendor-Id")
        .or_else(|| header("Bundle-SymbolicName").filter(|symbolic| symbolic.contains('.') && *symbolic != artifact));
    let name = match group {
        Some(group) => format!("{group}:{artifact}"),
        None => artifact.to_owned(),
    };
    Some(Coordinates { name, version: version.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// All three separators, comments and continuation lines.
    #[test]
    fn properties() {
        let properties = parse_properties("#c\n! c\ngroupId=org.a\nartifactId: b\nversion 1.\\\n  0\n");
        assert_eq!(properties.get("groupId").map(String::as_str), Some("org.a"));
        assert_eq!(properties.get("artifactId").map(String::as_str), Some("b"));
        assert_eq!(properties.get("version").map(String::as_str), Some("1.0"));
    }

    /// Manifest continuation lines are joined; later sections are ignored.
    #[test]
    fn manifest() {
        let headers = parse_manifest_main_section("A: x\r\nLong: abc\r\n def\r\n\r\nName: other\r\nA: y\r\n");
        assert_eq!(headers.get("Long").map(String::as_str), Some("abcdef"));
        assert_eq!(headers.get("A").map(String::as_str), Some("x"));
        assert!(!headers.contains_key("Name"));
    }

    /// File names split at the first `-digit`.
    #[test]
    fn file_names() {
        assert_eq!(split_archive_file_name("log4j-core-2.19.0.jar"), ("log4j-core", Some("2.19.0")));
        assert_eq!(split_archive_file_name("guava-31.1-jre.jar"), ("guava", Some("31.1-jre")));
        assert_eq!(split_archive_file_name("app.war"), ("app", None));
        assert_eq!(split_archive_file_name("x-.jar"), ("x-", None));
    }

    /// Manifest headers win over the file name; OSGi attributes are cut.
    #[test]
    fn guesses() {
        let manifest: BTreeMap<String, String> =
            [("Implementation-Version", "2.0"), ("Bundle-SymbolicName", "org.example.lib;singleton:=true")]
                .into_iter()
                .map(|(key, value)| (key.to_owned(), value.to_owned()))
                .collect();
        assert_eq!(
            guess_coordinates(Some(&manifest), "lib-1.0.jar"),
            Some(Coordinates { name: "org.example.lib:lib".to_owned(), version: "2.0".to_owned() })
        );
        assert_eq!(
            guess_coordinates(None, "commons-io-2.11.0.jar"),
            Some(Coordinates { name: "commons-io".to_owned(), version: "2.11.0".to_owned() })
        );
        assert_eq!(guess_coordinates(None, "app.war"), None);
    }
}
