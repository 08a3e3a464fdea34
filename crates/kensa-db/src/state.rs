//! What the database knows about its own updates, typed: when it was built
//! and last updated, and each feed source's resume point and HTTP
//! validators. The meta table stores these as `source:<name>:<field>`
//! strings (a stable on-disk layout); nothing outside this crate parses them.

use std::collections::BTreeMap;

/// The update state of a database.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpdateState {
    /// When the file was built (seconds since the Unix epoch).
    pub built_at: Option<u64>,
    /// When `kensa db update` last finished (seconds since the Unix epoch).
    pub updated_at: Option<u64>,
    /// Per source (`osv:PyPI`, `kev`, `epss`, `nvd`, `feed:<url>`), by name.
    pub sources: BTreeMap<String, SourceState>,
}

impl UpdateState {
    /// When the advisories last changed: the later of the build and the last update.
    pub fn last_changed_at(&self) -> Option<u64> {
        self.updated_at.into_iter().chain(self.built_at).max()
    }

    /// Reads the state from the meta table's pairs.
    pub(crate) fn from_meta(meta: &BTreeMap<String, String>) -> UpdateState {
        let mut state = UpdateState {
            built_at: meta.get("built_at").and_then(|value| value.parse().ok()),
            updated_at: meta.get("updated_at").and_then(|value| value.parse().ok()),
            sources: BTreeMap::new(),
        };
        for (key, value) in meta {
            let Some((name, field)) = key.strip_prefix("source:").and_then(|rest| rest.rsplit_once(':')) else {
                continue;
            };
            let source = state.sources.entry(name.to_owned()).or_default();
            match field {
                "updated_at" => source.updated_at = value.parse().ok(),
                "last_modified" => source.newest_record = Some(value.clone()),
                "etag" => source.etag = Some(value.clone()),
                "http_last_modified" => source.http_last_modified = Some(value.clone()),
                _ => {}
            }
            source.values.insert(field.to_owned(), value.clone());
        }
        state
    }
}

/// The state of one feed source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceState {
    /// When it was last brought up to date (seconds since the Unix epoch).
    pub updated_at: Option<u64>,
    /// The modification time of the newest record read (OSV's
    /// `modified_id.csv`), where the next incremental update resumes.
    pub newest_record: Option<String>,
    /// The `ETag` of the last download, for a conditional GET.
    pub etag: Option<String>,
    /// The `Last-Modified` of the last download, for a conditional GET.
    pub http_last_modified: Option<String>,
    /// Every field stored for the source, by field name.
    pub values: BTreeMap<String, String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_names_keep_their_colons() {
        let meta: BTreeMap<String, String> = [
            ("built_at", "100"),
            ("updated_at", "250"),
            ("source:osv:PyPI:updated_at", "200"),
            ("source:osv:PyPI:last_modified", "2024-06-10T08:52:54Z"),
            ("source:osv:PyPI:list:etag", "\"abc\""),
            ("source:feed:https://example.org/a:b.json:etag", "\"x\""),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .collect();
        let state = UpdateState::from_meta(&meta);
        assert_eq!(state.last_changed_at(), Some(250));
        let pypi = &state.sources["osv:PyPI"];
        assert_eq!(pypi.updated_at, Some(200));
        assert_eq!(pypi.newest_record.as_deref(), Some("2024-06-10T08:52:54Z"));
        assert_eq!(state.sources["osv:PyPI:list"].etag.as_deref(), Some("\"abc\""));
        assert_eq!(state.sources["feed:https://example.org/a:b.json"].etag.as_deref(), Some("\"x\""));
    }
}
