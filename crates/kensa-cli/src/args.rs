//! The command line: every subcommand, argument and option, as clap reads
//! them. No behaviour lives here beyond turning arguments into the library
//! crates' option types.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use kensa_model::Severity;

/// Kensa: find known vulnerabilities in what is installed.
#[derive(Debug, Parser)]
#[command(name = "kensa", version, about, propagate_version = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Scan something for vulnerable packages.
    Scan {
        #[command(subcommand)]
        target: ScanTarget,
    },
    /// Write the inventory (packages found) of a path, image or bundle as JSON, without matching.
    #[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
    Inventory {
        #[command(subcommand)]
        target: Option<InventoryTarget>,
        /// Directory or file to read.
        #[arg(required = true)]
        path: Option<PathBuf>,
        /// Write to this file instead of standard output.
        #[arg(long, short, global = true)]
        output: Option<PathBuf>,
    },
    /// Manage the local advisory database.
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
    /// Manage the layer cache of image scans.
    Cache {
        #[command(subcommand)]
        command: CacheCommand,
    },
    /// Run the Kensa service: stored inventories, findings kept current, accounts.
    Server {
        #[command(subcommand)]
        command: ServerCommand,
    },
    /// Send inventories written by `kensa inventory` to a server, which matches them.
    Push {
        #[command(flatten)]
        server: ServerConnection,
        /// The resource's id [default: the name the inventory gives its resource].
        #[arg(long, value_name = "ID")]
        resource_id: Option<String>,
        /// Inspector's resource type (AWS_EC2_INSTANCE, AWS_ECR_CONTAINER_IMAGE, AWS_LAMBDA_FUNCTION, CODE_REPOSITORY) [default: from the inventory].
        #[arg(long, value_name = "TYPE")]
        resource_type: Option<String>,
        /// A tag on the resource (repeatable).
        #[arg(long = "tag", value_name = "KEY=VALUE")]
        tags: Vec<String>,
        /// Wait until the server has matched what was pushed.
        #[arg(long)]
        wait: bool,
        /// Inventory files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Administer a running server: accounts and keys.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

// Parsed once per process: the size of the largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub(crate) enum ServerCommand {
    /// Create the store and the administrator account; prints its credentials as JSON.
    Init {
        #[command(flatten)]
        store: ServerStore,
    },
    /// Serve.
    Run {
        /// A TOML file of these options' values (keys: the long option names); flags and environment variables win over it.
        #[arg(long, env = "KENSA_CONFIG", value_name = "FILE")]
        config: Option<PathBuf>,
        #[command(flatten)]
        store: ServerStore,
        /// The address to listen on (port 0: any free port, printed on start).
        #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
        listen: String,
        /// The region finding ARNs name.
        #[arg(long, env = "KENSA_REGION", default_value = "us-east-1")]
        region: String,
        /// Matching workers [default: the number of cores].
        #[arg(long)]
        workers: Option<usize>,
        /// How long a worker's claim on a job (and a replica's on a database update) lasts without renewal (it renews it
        /// every third of that while it works): how soon another replica takes
        /// over the work of one that died.
        #[arg(long, env = "KENSA_JOB_LEASE_SECONDS", default_value_t = 60, value_name = "SECONDS")]
        job_lease_seconds: u32,
        /// How often the server updates its advisory database from the sources below (`30m`, `6h`, `1d`; `0`: only on `kensa admin db-update`). One replica at a time does it.
        #[arg(long, env = "KENSA_DB_UPDATE_INTERVAL", default_value = "6h", value_name = "DURATION", value_parser = parse_duration_seconds)]
        db_update_interval: i64,
        /// How long a closed finding is kept before it is purged (Inspector: 30 days).
        #[arg(long, env = "KENSA_CLOSED_FINDING_RETENTION", default_value = "30d", value_name = "DURATION", value_parser = parse_duration_seconds)]
        closed_finding_retention: i64,
        /// How long a deleted resource's closed findings are kept (Inspector: 3 days).
        #[arg(long, env = "KENSA_DELETED_RESOURCE_RETENTION", default_value = "3d", value_name = "DURATION", value_parser = parse_duration_seconds)]
        deleted_resource_retention: i64,
        /// Never update the advisory database itself: only take up files replaced in the data directory (`kensa db build`/`import`, air-gapped sites).
        #[arg(long)]
        no_db_update: bool,
        #[command(flatten)]
        sources: FeedSources,
        /// Also read a native feed from this URL (repeatable), as `kensa db update --feed`.
        #[arg(long = "feed", value_name = "URL")]
        feeds: Vec<String>,
        /// Also read the distributions' own feeds, as `kensa db update --native-feeds`.
        #[arg(long)]
        native_feeds: bool,
        /// Log as JSON lines instead of text.
        #[arg(long)]
        log_json: bool,
    },
}

/// `90`, `30s`, `15m`, `6h`, `1d` as seconds.
fn parse_duration_seconds(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let (digits, unit) = match text.char_indices().find(|(_, character)| !character.is_ascii_digit()) {
        Some((index, _)) => text.split_at(index),
        None => (text, "s"),
    };
    let value: i64 = digits.parse().map_err(|_| format!("'{text}' is not a duration such as 30m, 6h or 1d"))?;
    let unit = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => return Err(format!("'{text}': the unit must be s, m, h or d")),
    };
    value.checked_mul(unit).ok_or_else(|| format!("'{text}' is too long"))
}

#[derive(Debug, Args)]
pub(crate) struct ServerStore {
    /// The data directory: server key, advisory database (advisories.redb), SQLite store.
    #[arg(long, env = "KENSA_DATA_DIR", value_name = "DIR")]
    pub(crate) data_dir: PathBuf,
    /// Keep the state in PostgreSQL instead of the SQLite file in the data directory.
    #[arg(long, env = "KENSA_DATABASE_URL", value_name = "postgres://…")]
    pub(crate) database: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ServerConnection {
    /// The server's URL.
    #[arg(long, env = "KENSA_SERVER", value_name = "URL")]
    pub(crate) server: String,
    /// The AWS-style profile to read credentials from when AWS_ACCESS_KEY_ID is not set.
    #[arg(long, env = "AWS_PROFILE", value_name = "NAME")]
    pub(crate) profile: Option<String>,
    /// A PEM bundle of CA certificates to trust for the server.
    #[arg(long, value_name = "FILE")]
    pub(crate) ca_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum AdminCommand {
    /// Accounts.
    Account {
        #[command(subcommand)]
        command: AdminAccountCommand,
    },
    /// Access keys.
    Key {
        #[command(subcommand)]
        command: AdminKeyCommand,
    },
    /// Resources.
    Resource {
        #[command(subcommand)]
        command: AdminResourceCommand,
    },
    /// Update the server's advisory database now, from the sources it runs with; prints what changed as JSON (the re-matches follow within seconds).
    DbUpdate {
        #[command(flatten)]
        server: ServerConnection,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum AdminAccountCommand {
    /// Create a member account of the caller's (administrator) account; prints its administrator key as JSON.
    Create {
        #[command(flatten)]
        server: ServerConnection,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum AdminResourceCommand {
    /// Delete a resource of the caller's account (a terminated host, a deleted image): its findings close now and are purged after the deleted-resource retention.
    Delete {
        #[command(flatten)]
        server: ServerConnection,
        /// The resource's id, as pushed.
        resource_id: String,
    },
    /// Print a resource's inventory history as JSON: each inventory's sequence, arrival time and the packages it added, removed and upgraded, newest first.
    History {
        #[command(flatten)]
        server: ServerConnection,
        /// The resource's id, as pushed.
        resource_id: String,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum AdminKeyCommand {
    /// Create an access key; prints it as JSON.
    Create {
        #[command(flatten)]
        server: ServerConnection,
        /// The account [default: the caller's].
        #[arg(long, value_name = "ID")]
        account: Option<String>,
        /// administrator, read-only or ingest.
        #[arg(long)]
        role: String,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum CacheCommand {
    /// Show how many layers the cache holds and its size.
    Status {
        #[command(flatten)]
        location: CacheLocation,
    },
    /// Remove every cached layer (the advisory database is left alone).
    Clean {
        #[command(flatten)]
        location: CacheLocation,
    },
}

#[derive(Debug, Args)]
pub(crate) struct CacheLocation {
    /// The cache directory scans were given with --cache-dir [default: `kensa` in the per-user cache directory].
    #[arg(long, env = "KENSA_CACHE_DIR", value_name = "DIR")]
    pub(crate) cache_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ScanTarget {
    /// Scan a directory tree or a single file (lockfile, binary, archive).
    Fs {
        /// Directory or file to scan.
        path: PathBuf,
        #[command(flatten)]
        options: ScanOptions,
    },
    /// Scan a container image: `REGISTRY/REPOSITORY[:TAG][@DIGEST]` (pulled through the OCI distribution API), `--input FILE` (a `docker save` archive or an OCI image archive, tar or tar.gz) or `oci-dir:PATH` (an OCI image layout directory).
    Image {
        #[command(flatten)]
        image: ImageSource,
        #[command(flatten)]
        options: ScanOptions,
    },
    /// Scan a function bundle: a zip (Lambda deployment package or layer), tar or tar.gz.
    Archive {
        /// The zip, tar or tar.gz file.
        path: PathBuf,
        #[command(flatten)]
        options: ScanOptions,
    },
    /// Scan an SBOM: CycloneDX (JSON or XML) or SPDX 2.x JSON, matched by its components' purls.
    Sbom {
        /// The SBOM file.
        file: PathBuf,
        #[command(flatten)]
        options: ScanOptions,
    },
    /// Match a stored inventory (written by `kensa inventory`) without touching the scanned system.
    Inventory {
        /// Inventory JSON file.
        file: PathBuf,
        #[command(flatten)]
        options: ScanOptions,
    },
}

/// What `kensa inventory` reads besides a path.
#[derive(Debug, Subcommand)]
pub(crate) enum InventoryTarget {
    /// A container image, given as to `kensa scan image`.
    Image {
        #[command(flatten)]
        image: ImageSource,
    },
    /// A function bundle: zip, tar or tar.gz.
    Archive {
        /// The zip, tar or tar.gz file.
        path: PathBuf,
    },
}

/// The feeds `kensa db update` reads and `kensa db mirror` copies (the
/// catalogs are mirrored under their URLs' file names).
#[derive(Debug, Args)]
pub(crate) struct FeedSources {
    /// Base URL of an OSV bucket layout (the public bucket, a mirror, or `kensa db mirror`'s output served over HTTP).
    #[arg(long, env = "KENSA_OSV_URL", default_value = kensa_update::DEFAULT_OSV_URL)]
    pub(crate) osv_url: String,
    /// Keep only this OSV ecosystem (repeatable); all of `ecosystems.txt` by default.
    #[arg(long = "ecosystem", value_name = "ECOSYSTEM")]
    pub(crate) ecosystems: Vec<String>,
    /// URL of the CISA KEV catalog (JSON).
    #[arg(long, env = "KENSA_KEV_URL", default_value = kensa_update::DEFAULT_KEV_URL)]
    pub(crate) kev_url: String,
    /// Leave the CISA KEV catalog out (wins over --kev-url).
    #[arg(long)]
    pub(crate) no_kev: bool,
    /// URL of FIRST's EPSS scores (gzipped CSV).
    #[arg(long, env = "KENSA_EPSS_URL", default_value = kensa_update::DEFAULT_EPSS_URL)]
    pub(crate) epss_url: String,
    /// Leave EPSS out (wins over --epss-url).
    #[arg(long)]
    pub(crate) no_epss: bool,
    /// Trust the CA certificates of this PEM bundle instead of the built-in ones (a mirror behind a private CA).
    #[arg(long, env = "SSL_CERT_FILE")]
    pub(crate) ca_file: Option<PathBuf>,
}

impl FeedSources {
    /// The update options these sources give, everything else at its default.
    pub(crate) fn into_options(self) -> kensa_update::UpdateOptions {
        kensa_update::UpdateOptions {
            osv_url: self.osv_url,
            ecosystems: self.ecosystems,
            kev_url: (!self.no_kev).then_some(self.kev_url),
            epss_url: (!self.no_epss).then_some(self.epss_url),
            ca_file: self.ca_file,
            proxy: kensa_http::proxy_from_environment(),
            progress: crate::progress::terminal_progress(),
            ..kensa_update::UpdateOptions::default()
        }
    }
}

/// Where an image comes from, and how to reach its registry.
#[derive(Debug, Args)]
pub(crate) struct ImageSource {
    /// `[REGISTRY/]REPOSITORY[:TAG][@DIGEST]` (Docker Hub when no registry is named), or `oci-dir:PATH` for an OCI image layout directory.
    #[arg(required_unless_present = "input", conflicts_with = "input")]
    pub(crate) reference: Option<String>,
    /// A `docker save` archive or an OCI image archive, plain or gzipped.
    #[arg(long)]
    pub(crate) input: Option<PathBuf>,
    /// The platform to take from a multi-platform image, `OS/ARCH[/VARIANT]` [default: linux/amd64, or the only one].
    #[arg(long)]
    pub(crate) platform: Option<String>,
    /// Registry user name (otherwise Docker's config.json or Podman's auth.json is used).
    #[arg(long, env = "KENSA_REGISTRY_USERNAME", requires = "password")]
    pub(crate) username: Option<String>,
    /// Registry password or token.
    #[arg(long, env = "KENSA_REGISTRY_PASSWORD", hide_env_values = true, requires = "username")]
    pub(crate) password: Option<String>,
    /// Speak plain HTTP to the registry (registries on this machine get plain HTTP unless --ca-file is given).
    #[arg(long)]
    pub(crate) plain_http: bool,
    /// A PEM bundle of CA certificates to trust for the registry instead of the built-in roots (a registry behind an organisation's own CA).
    #[arg(long, env = "KENSA_REGISTRY_CA_FILE", value_name = "PEM")]
    pub(crate) ca_file: Option<PathBuf>,
    /// Where to cache what each layer holds, keyed by layer digest, so images
    /// sharing layers are rescanned without downloading or reading them again
    /// [default: `kensa/layers` in the per-user cache directory]. Safe to delete.
    #[arg(long, env = "KENSA_CACHE_DIR", value_name = "DIR")]
    pub(crate) cache_dir: Option<PathBuf>,
    /// Read every layer, neither using nor filling the layer cache.
    #[arg(long, env = "KENSA_NO_CACHE")]
    pub(crate) no_cache: bool,
    /// Where to look for a REFERENCE, in order: the local Docker Engine, Podman, then the registry.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "docker,podman,remote", env = "KENSA_IMAGE_SRC")]
    pub(crate) image_src: Vec<ImageSourceKind>,
}

/// Where an image reference is looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ImageSourceKind {
    /// The Docker Engine's API socket (`DOCKER_HOST`, else /var/run/docker.sock).
    Docker,
    /// Podman's API socket (`CONTAINER_HOST`, else the user's or the system's podman.sock).
    Podman,
    /// The registry the reference names (Docker Hub when none).
    Remote,
}

#[derive(Debug, Args)]
pub(crate) struct DatabaseLocation {
    /// Advisory database file [default: the per-user cache location]
    #[arg(long, env = "KENSA_DB", global = true)]
    pub(crate) db: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct ScanOptions {
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = Format::Table)]
    pub(crate) format: Format,
    /// Exit with status 1 if any finding is at or above this severity.
    #[arg(long, value_enum)]
    pub(crate) fail_on: Option<FailOn>,
    /// Write the report to this file instead of standard output.
    #[arg(long, short)]
    pub(crate) output: Option<PathBuf>,
    /// Leave out vulnerabilities that have no fixed version yet (including
    /// those the distribution will not fix or has deferred).
    #[arg(long)]
    pub(crate) ignore_unfixed: bool,
    /// Show only findings of these severities (comma-separated: critical,high,medium,low,unknown).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub(crate) severity: Vec<SeverityArgument>,
    /// Suppression rules (YAML); `.kensa-ignore.yaml` in the current directory is read when present.
    #[arg(long)]
    pub(crate) ignore_file: Option<PathBuf>,
    /// A VEX document (OpenVEX 0.2 or CycloneDX JSON) whose not_affected/fixed statements suppress findings (repeatable).
    #[arg(long)]
    pub(crate) vex: Vec<PathBuf>,
    /// AWS account id for --format asff.
    #[arg(long, env = "AWS_ACCOUNT_ID", default_value = "000000000000")]
    pub(crate) aws_account_id: String,
    /// AWS region for --format asff.
    #[arg(long, env = "AWS_REGION", default_value = "us-east-1")]
    pub(crate) aws_region: String,
    /// How reachable the scanned resource is, for the Kensa score: internet, internal, isolated or unknown.
    #[arg(long, value_enum, default_value_t = ExposureArgument::Unknown)]
    pub(crate) exposure: ExposureArgument,
    /// Never download: without a database, fail instead of fetching the advisories this scan needs.
    #[arg(long, env = "KENSA_OFFLINE")]
    pub(crate) offline: bool,
    /// Warn when the database was last updated more than this many days ago (0: never).
    #[arg(long, env = "KENSA_MAX_DB_AGE", default_value_t = 7, value_name = "DAYS")]
    pub(crate) max_db_age: u64,
    #[command(flatten)]
    pub(crate) database: DatabaseLocation,
    /// Match on a Kensa server instead of here: push the inventory collected here, wait for its match, and report the server's findings for the resource (credentials as for `kensa push`).
    #[arg(long, value_name = "URL")]
    pub(crate) server: Option<String>,
    /// With --server: the resource's id there [default: what the inventory names].
    #[arg(long, requires = "server", value_name = "ID")]
    pub(crate) resource_id: Option<String>,
    /// With --server: a tag of the resource, KEY=VALUE (repeatable).
    #[arg(long = "tag", requires = "server", value_name = "KEY=VALUE")]
    pub(crate) tags: Vec<String>,
    /// With --server: a PEM bundle of CA certificates to trust for it.
    #[arg(long, requires = "server", value_name = "FILE")]
    pub(crate) server_ca_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Format {
    Table,
    Json,
    /// CycloneDX 1.6 JSON: the SBOM, with the findings as vulnerabilities (suppressed ones as VEX analyses).
    Cyclonedx,
    /// SPDX 2.3 JSON: the SBOM (SPDX 2.3 has no vulnerabilities).
    Spdx,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
    /// CSV, one row per finding.
    Csv,
    /// AWS Security Finding Format, for Security Hub's BatchImportFindings (account and region from --aws-account-id/--aws-region).
    Asff,
    /// OCSF 1.6.0 Vulnerability Finding events (a JSON array), for Security Hub, data lakes and SIEMs.
    Ocsf,
    /// One self-contained HTML page (summary chart, then details) that opens offline.
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SeverityArgument {
    Critical,
    High,
    Medium,
    Low,
    Unknown,
}

impl SeverityArgument {
    pub(crate) fn severity(self) -> Severity {
        match self {
            SeverityArgument::Critical => Severity::Critical,
            SeverityArgument::High => Severity::High,
            SeverityArgument::Medium => Severity::Medium,
            SeverityArgument::Low => Severity::Low,
            SeverityArgument::Unknown => Severity::Unknown,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum ExposureArgument {
    Unknown,
    Internet,
    Internal,
    Isolated,
}

impl ExposureArgument {
    pub(crate) fn exposure(self) -> kensa_model::Exposure {
        match self {
            ExposureArgument::Unknown => kensa_model::Exposure::Unknown,
            ExposureArgument::Internet => kensa_model::Exposure::Internet,
            ExposureArgument::Internal => kensa_model::Exposure::Internal,
            ExposureArgument::Isolated => kensa_model::Exposure::Isolated,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum FailOn {
    Low,
    Medium,
    High,
    Critical,
}

impl FailOn {
    pub(crate) fn severity(self) -> Severity {
        match self {
            FailOn::Low => Severity::Low,
            FailOn::Medium => Severity::Medium,
            FailOn::High => Severity::High,
            FailOn::Critical => Severity::Critical,
        }
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum DbCommand {
    /// Build the database from a directory or zip of advisory files (OSV JSON/YAML, RustSec, RubySec, FriendsOfPHP).
    Build {
        /// Directory or zip archive to read.
        #[arg(long)]
        from: PathBuf,
        /// List every skipped file, not just a summary per reason.
        #[arg(long, short)]
        verbose: bool,
        #[command(flatten)]
        database: DatabaseLocation,
    },
    /// Bring the database up to date from the OSV bucket and CISA KEV (incrementally after the first time).
    Update {
        #[command(flatten)]
        sources: FeedSources,
        /// Also read a native feed from this URL (repeatable): a Debian tracker JSON, an Alpine/Wolfi/Chainguard secdb JSON, a yum updateinfo.xml(.gz), or a yum repository's …/repodata/repomd.xml or Amazon Linux mirror.list (whose errata file is then found and checked).
        #[arg(long = "feed", value_name = "URL")]
        feeds: Vec<String>,
        /// Also read the distributions' own feeds: the Debian security tracker, Amazon Linux 2 and 2023 errata (ALAS), and Alpine's secdb for the supported releases.
        #[arg(long)]
        native_feeds: bool,
        /// Download everything again and rebuild.
        #[arg(long)]
        full: bool,
        /// Also read NVD's CVSS data (the severity of findings whose advisories give none); the first download is long without an API key.
        #[arg(long)]
        nvd: bool,
        /// NVD CVE API 2.0 endpoint (implies --nvd when given).
        #[arg(long, env = "KENSA_NVD_URL")]
        nvd_url: Option<String>,
        /// NVD API key, sent as the `apiKey` header.
        #[arg(long, env = "NVD_API_KEY", hide_env_values = true)]
        nvd_api_key: Option<String>,
        /// Pause between NVD page requests in milliseconds [default: 6000, or 600 with an API key, as NVD asks].
        #[arg(long, env = "KENSA_NVD_INTERVAL_MS")]
        nvd_interval_ms: Option<u64>,
        #[command(flatten)]
        database: DatabaseLocation,
    },
    /// Keep a directory in OSV's bucket layout (plus the KEV and EPSS catalogs) in step with upstream, for other machines' `kensa db update --osv-url`.
    Mirror {
        /// The directory to write.
        directory: PathBuf,
        #[command(flatten)]
        sources: FeedSources,
    },
    /// Write the database as one compressed, checksummed bundle, for machines without network access.
    Export {
        /// The bundle to write.
        file: PathBuf,
        #[command(flatten)]
        database: DatabaseLocation,
    },
    /// Replace the database with the one a bundle (from `kensa db export`) carries, after checking it.
    Import {
        /// The bundle to read.
        file: PathBuf,
        #[command(flatten)]
        database: DatabaseLocation,
    },
    /// Show what the database holds.
    Status {
        #[command(flatten)]
        database: DatabaseLocation,
    },
    /// Print the stored advisories for an id, or for a package (`--package ECOSYSTEM/NAME`), as JSON.
    Show {
        /// Advisory id (`GHSA-…`, `RUSTSEC-…`, `DSA-…`).
        id: Option<String>,
        /// Every advisory indexed under a package, e.g. `Alpine/openssl` or `PyPI/requests`.
        #[arg(long, conflicts_with = "id")]
        package: Option<String>,
        #[command(flatten)]
        database: DatabaseLocation,
    },
}
