use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kensa_model::{Advisory, CvssVector, Ecosystem, EpssScore, KnownExploited};
use redb::{ReadableDatabase, ReadableTableMetadata, TableDefinition};

use crate::DbError;

/// Version of the on-disk layout and record encoding (`record.rs`). Bump on
/// any change to the tables or to a stored record's layout: postcard is not
/// self-describing, and a file of another version is refused, never misread.
pub const DB_SCHEMA_VERSION: u32 = 4;

pub(crate) const META: TableDefinition<'_, &str, &str> = TableDefinition::new("meta");
pub(crate) const PACKAGES: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("packages");
pub(crate) const ADVISORIES: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("advisories");
/// NVD CVSS vectors by CVE id (postcard `Vec<CvssVector>`).
pub(crate) const NVD_CVSS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("nvd_cvss");
/// EPSS scores by CVE id (postcard `(probability, percentile)`).
pub(crate) const EPSS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("epss");
/// CISA KEV entries by CVE id (postcard [`KnownExploited`]).
pub(crate) const KNOWN_EXPLOITED: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("known_exploited");

/// The key of a package in the index: ecosystem and normalised name.
pub(crate) fn package_key(ecosystem: Ecosystem, normalized_name: &str) -> String {
    format!("{}\u{0}{normalized_name}", ecosystem.as_str())
}

/// Facts about a database, for `kensa db status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseInfo {
    /// Path of the file.
    pub path: PathBuf,
    /// Format version.
    pub schema_version: String,
    /// When it was built (seconds since the Unix epoch).
    pub built_at: String,
    /// Number of advisories stored.
    pub advisories: u64,
    /// Number of indexed (ecosystem, package) keys.
    pub packages: u64,
    /// Advisory counts per ecosystem.
    pub advisories_per_ecosystem: BTreeMap<String, u64>,
    /// CISA KEV entries.
    pub known_exploited: u64,
    /// CVEs with NVD CVSS vectors.
    pub cve_cvss: u64,
    /// CVEs with an EPSS score.
    pub epss: u64,
}

/// An open, read-only advisory database.
pub struct Database {
    path: PathBuf,
    transaction: redb::ReadTransaction,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Database").field("path", &self.path).finish_non_exhaustive()
    }
}

impl Database {
    /// Opens a database for reading, checking its format version.
    pub fn open(path: &Path) -> Result<Database, DbError> {
        if !path.exists() {
            return Err(DbError::Missing { path: path.display().to_string() });
        }
        let database = redb::ReadOnlyDatabase::open(path).map_err(|error| match error {
            // A read-only open cannot repair: what redb calls "repair aborted"
            // is a file that was cut short or damaged, not a choice of ours.
            redb::DatabaseError::RepairAborted | redb::DatabaseError::Storage(redb::StorageError::Corrupted(_)) => {
                DbError::Damaged { path: path.display().to_string() }
            }
            other => DbError::storage(path, other),
        })?;
        // One read transaction for the life of the scan: a consistent snapshot
        // and no per-lookup transaction cost.
        let transaction = database.begin_read().map_err(|error| DbError::storage(path, error))?;
        let opened = Database { path: path.to_path_buf(), transaction };
        let found = opened.meta("schema_version")?.unwrap_or_default();
        if found != DB_SCHEMA_VERSION.to_string() {
            return Err(DbError::WrongVersion { path: path.display().to_string(), found, expected: DB_SCHEMA_VERSION });
        }
        Ok(opened)
    }

    /// The file this database was opened from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The snapshot this database reads (for comparing it with a newer file
    /// after its own was replaced).
    pub(crate) fn read_transaction(&self) -> &redb::ReadTransaction {
        &self.transaction
    }

    /// Every meta value whose key starts with `prefix` (source states that
    /// `kensa db update` records: `source:osv:PyPI:last_modified`, …).
    pub fn meta_values(&self, prefix: &str) -> Result<BTreeMap<String, String>, DbError> {
        let table = self.transaction.open_table(META).map_err(|error| DbError::storage(&self.path, error))?;
        let mut values = BTreeMap::new();
        for item in table.range(prefix..).map_err(|error| DbError::storage(&self.path, error))? {
            let (key, value) = item.map_err(|error| DbError::storage(&self.path, error))?;
            if !key.value().starts_with(prefix) {
                break;
            }
            values.insert(key.value().to_owned(), value.value().to_owned());
        }
        Ok(values)
    }

    /// The update state: build and update times, each source's resume point.
    pub fn update_state(&self) -> Result<crate::UpdateState, DbError> {
        let mut meta = self.meta_values("source:")?;
        for key in ["built_at", "updated_at"] {
            if let Some(value) = self.meta(key)? {
                meta.insert(key.to_owned(), value);
            }
        }
        Ok(crate::UpdateState::from_meta(&meta))
    }

    fn meta(&self, key: &str) -> Result<Option<String>, DbError> {
        let table = self.transaction.open_table(META).map_err(|error| DbError::storage(&self.path, error))?;
        let value = table.get(key).map_err(|error| DbError::storage(&self.path, error))?;
        Ok(value.map(|value| value.value().to_owned()))
    }

    /// One advisory by id.
    pub fn advisory(&self, id: &str) -> Result<Option<Advisory>, DbError> {
        let table = self.transaction.open_table(ADVISORIES).map_err(|error| DbError::storage(&self.path, error))?;
        let Some(bytes) = table.get(id).map_err(|error| DbError::storage(&self.path, error))? else {
            return Ok(None);
        };
        Ok(Some(crate::record::decode_advisory(bytes.value(), &self.path, id)?))
    }

    /// Every advisory indexed under one package.
    pub fn advisories_for_package(
        &self,
        ecosystem: Ecosystem,
        normalized_name: &str,
    ) -> Result<Vec<Advisory>, DbError> {
        let key = package_key(ecosystem, normalized_name);
        let table = self.transaction.open_table(PACKAGES).map_err(|error| DbError::storage(&self.path, error))?;
        let Some(bytes) = table.get(key.as_str()).map_err(|error| DbError::storage(&self.path, error))? else {
            return Ok(Vec::new());
        };
        let ids = crate::record::decode_ids(bytes.value(), &self.path, &key)?;
        let mut advisories = Vec::with_capacity(ids.len());
        for id in ids {
            match self.advisory(&id)? {
                Some(advisory) => advisories.push(advisory),
                None => {
                    return Err(DbError::Corrupt {
                        path: self.path.display().to_string(),
                        key,
                        message: format!("indexes advisory {id}, which is missing"),
                    });
                }
            }
        }
        Ok(advisories)
    }

    /// A record of an enrichment table (KEV, NVD CVSS, EPSS) by CVE id. A
    /// database built without that feed has no such table: `None`.
    fn enrichment<T>(
        &self,
        table: TableDefinition<'_, &str, &[u8]>,
        cve: &str,
        decode: fn(&[u8], &Path, &str) -> Result<T, DbError>,
    ) -> Result<Option<T>, DbError> {
        let table = match self.transaction.open_table(table) {
            Ok(table) => table,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(error) => return Err(DbError::storage(&self.path, error)),
        };
        let Some(bytes) = table.get(cve).map_err(|error| DbError::storage(&self.path, error))? else {
            return Ok(None);
        };
        decode(bytes.value(), &self.path, cve).map(Some)
    }

    /// The number of records of a table that may not exist (0 then).
    fn optional_table_len(&self, table: TableDefinition<'_, &str, &[u8]>) -> Result<u64, DbError> {
        match self.transaction.open_table(table) {
            Ok(table) => table.len().map_err(|error| DbError::storage(&self.path, error)),
            Err(redb::TableError::TableDoesNotExist(_)) => Ok(0),
            Err(error) => Err(DbError::storage(&self.path, error)),
        }
    }

    /// The CISA KEV entry for a CVE id.
    pub fn known_exploited(&self, cve: &str) -> Result<Option<KnownExploited>, DbError> {
        self.enrichment(KNOWN_EXPLOITED, cve, crate::record::decode_known_exploited)
    }

    /// NVD's CVSS vectors for a CVE id, if the database has NVD data for it.
    pub fn cve_cvss(&self, cve: &str) -> Result<Option<Vec<CvssVector>>, DbError> {
        self.enrichment(NVD_CVSS, cve, crate::record::decode_cvss)
    }

    /// The EPSS score of a CVE id, if the database has EPSS data for it.
    pub fn epss(&self, cve: &str) -> Result<Option<EpssScore>, DbError> {
        self.enrichment(EPSS, cve, crate::record::decode_epss)
    }

    /// Counts and build facts.
    pub fn info(&self) -> Result<DatabaseInfo, DbError> {
        let advisories_table =
            self.transaction.open_table(ADVISORIES).map_err(|error| DbError::storage(&self.path, error))?;
        let packages_table =
            self.transaction.open_table(PACKAGES).map_err(|error| DbError::storage(&self.path, error))?;
        let per_ecosystem: BTreeMap<String, u64> = match self.meta("advisories_per_ecosystem")? {
            Some(text) => text
                .lines()
                .filter_map(|line| line.split_once('\t'))
                .map(|(ecosystem, count)| (ecosystem.to_owned(), count.parse().unwrap_or(0)))
                .collect(),
            None => BTreeMap::new(),
        };
        Ok(DatabaseInfo {
            path: self.path.clone(),
            schema_version: self.meta("schema_version")?.unwrap_or_default(),
            built_at: self.meta("built_at")?.unwrap_or_default(),
            advisories: advisories_table.len().map_err(|error| DbError::storage(&self.path, error))?,
            packages: packages_table.len().map_err(|error| DbError::storage(&self.path, error))?,
            advisories_per_ecosystem: per_ecosystem,
            epss: self.optional_table_len(EPSS)?,
            cve_cvss: self.optional_table_len(NVD_CVSS)?,
            known_exploited: self.optional_table_len(KNOWN_EXPLOITED)?,
        })
    }
}

impl kensa_model::AdvisoryLookup for Database {
    type Error = DbError;

    fn advisories_for(&self, ecosystem: Ecosystem, normalized_name: &str) -> Result<Vec<Advisory>, DbError> {
        self.advisories_for_package(ecosystem, normalized_name)
    }

    fn known_exploited(&self, cve: &str) -> Result<Option<KnownExploited>, DbError> {
        Database::known_exploited(self, cve)
    }

    fn cve_cvss(&self, cve: &str) -> Result<Option<Vec<CvssVector>>, DbError> {
        Database::cve_cvss(self, cve)
    }

    fn epss(&self, cve: &str) -> Result<Option<EpssScore>, DbError> {
        Database::epss(self, cve)
    }
}
