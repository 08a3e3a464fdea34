use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use kensa_model::{Inventory, Resource, ResourceKind, Severity};

/// Kensa: find known vulnerabilities in what is installed.
#[derive(Debug, Parser)]
#[command(name = "kensa", version, about, propagate_version = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
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
}

#[derive(Debug, Subcommand)]
enum CacheCommand {
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
struct CacheLocation {
    /// The cache directory scans were given with --cache-dir [default: `kensa` in the per-user cache directory].
    #[arg(long, env = "KENSA_CACHE_DIR", value_name = "DIR")]
    cache_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum ScanTarget {
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
enum InventoryTarget {
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
struct FeedSources {
    /// Base URL of an OSV bucket layout (the public bucket, a mirror, or `kensa db mirror`'s output served over HTTP).
    #[arg(long, env = "KENSA_OSV_URL", default_value = kensa_update::DEFAULT_OSV_URL)]
    osv_url: String,
    /// Keep only this OSV ecosystem (repeatable); all of `ecosystems.txt` by default.
    #[arg(long = "ecosystem", value_name = "ECOSYSTEM")]
    ecosystems: Vec<String>,
    /// URL of the CISA KEV catalog (JSON).
    #[arg(long, env = "KENSA_KEV_URL", default_value = kensa_update::DEFAULT_KEV_URL)]
    kev_url: String,
    /// Leave the CISA KEV catalog out (wins over --kev-url).
    #[arg(long)]
    no_kev: bool,
    /// URL of FIRST's EPSS scores (gzipped CSV).
    #[arg(long, env = "KENSA_EPSS_URL", default_value = kensa_update::DEFAULT_EPSS_URL)]
    epss_url: String,
    /// Leave EPSS out (wins over --epss-url).
    #[arg(long)]
    no_epss: bool,
    /// Trust the CA certificates of this PEM bundle instead of the built-in ones (a mirror behind a private CA).
    #[arg(long, env = "SSL_CERT_FILE")]
    ca_file: Option<PathBuf>,
}

impl FeedSources {
    /// The update options these sources give, everything else at its default.
    fn into_options(self) -> kensa_update::UpdateOptions {
        kensa_update::UpdateOptions {
            osv_url: self.osv_url,
            ecosystems: self.ecosystems,
            kev_url: (!self.no_kev).then_some(self.kev_url),
            epss_url: (!self.no_epss).then_some(self.epss_url),
            ca_file: self.ca_file,
            progress: std::io::stderr().is_terminal(),
            ..kensa_update::UpdateOptions::default()
        }
    }
}

/// Where an image comes from, and how to reach its registry.
#[derive(Debug, Args)]
struct ImageSource {
    /// `[REGISTRY/]REPOSITORY[:TAG][@DIGEST]` (Docker Hub when no registry is named), or `oci-dir:PATH` for an OCI image layout directory.
    #[arg(required_unless_present = "input", conflicts_with = "input")]
    reference: Option<String>,
    /// A `docker save` archive or an OCI image archive, plain or gzipped.
    #[arg(long)]
    input: Option<PathBuf>,
    /// The platform to take from a multi-platform image, `OS/ARCH[/VARIANT]` [default: linux/amd64, or the only one].
    #[arg(long)]
    platform: Option<String>,
    /// Registry user name (otherwise Docker's config.json or Podman's auth.json is used).
    #[arg(long, env = "KENSA_REGISTRY_USERNAME", requires = "password")]
    username: Option<String>,
    /// Registry password or token.
    #[arg(long, env = "KENSA_REGISTRY_PASSWORD", hide_env_values = true, requires = "username")]
    password: Option<String>,
    /// Speak plain HTTP to the registry (registries on this machine get plain HTTP unless --ca-file is given).
    #[arg(long)]
    plain_http: bool,
    /// A PEM bundle of CA certificates to trust for the registry instead of the built-in roots (a registry behind an organisation's own CA).
    #[arg(long, env = "KENSA_REGISTRY_CA_FILE", value_name = "PEM")]
    ca_file: Option<PathBuf>,
    /// Where to cache what each layer holds, keyed by layer digest, so images
    /// sharing layers are rescanned without downloading or reading them again
    /// [default: `kensa/layers` in the per-user cache directory]. Safe to delete.
    #[arg(long, env = "KENSA_CACHE_DIR", value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Read every layer, neither using nor filling the layer cache.
    #[arg(long, env = "KENSA_NO_CACHE")]
    no_cache: bool,
    /// Where to look for a REFERENCE, in order: the local Docker Engine, Podman, then the registry.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "docker,podman,remote", env = "KENSA_IMAGE_SRC")]
    image_src: Vec<ImageSourceKind>,
}

/// Where an image reference is looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ImageSourceKind {
    /// The Docker Engine's API socket (`DOCKER_HOST`, else /var/run/docker.sock).
    Docker,
    /// Podman's API socket (`CONTAINER_HOST`, else the user's or the system's podman.sock).
    Podman,
    /// The registry the reference names (Docker Hub when none).
    Remote,
}

#[derive(Debug, Args)]
struct DatabaseLocation {
    /// Advisory database file [default: the per-user cache location]
    #[arg(long, env = "KENSA_DB", global = true)]
    db: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct ScanOptions {
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Exit with status 1 if any finding is at or above this severity.
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
    /// Write the report to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Leave out vulnerabilities that have no fixed version yet (including
    /// those the distribution will not fix or has deferred).
    #[arg(long)]
    ignore_unfixed: bool,
    /// Show only findings of these severities (comma-separated: critical,high,medium,low,unknown).
    #[arg(long, value_enum, value_delimiter = ',')]
    severity: Vec<SeverityArgument>,
    /// Suppression rules (YAML); `.kensa-ignore.yaml` in the current directory is read when present.
    #[arg(long)]
    ignore_file: Option<PathBuf>,
    /// A VEX document (OpenVEX 0.2 or CycloneDX JSON) whose not_affected/fixed statements suppress findings (repeatable).
    #[arg(long)]
    vex: Vec<PathBuf>,
    /// AWS account id for --format asff.
    #[arg(long, env = "AWS_ACCOUNT_ID", default_value = "000000000000")]
    aws_account_id: String,
    /// AWS region for --format asff.
    #[arg(long, env = "AWS_REGION", default_value = "us-east-1")]
    aws_region: String,
    /// How reachable the scanned resource is, for the Kensa score: internet, internal, isolated or unknown.
    #[arg(long, value_enum, default_value_t = ExposureArgument::Unknown)]
    exposure: ExposureArgument,
    /// Never download: without a database, fail instead of fetching the advisories this scan needs.
    #[arg(long, env = "KENSA_OFFLINE")]
    offline: bool,
    /// Warn when the database was last updated more than this many days ago (0: never).
    #[arg(long, env = "KENSA_MAX_DB_AGE", default_value_t = 7, value_name = "DAYS")]
    max_db_age: u64,
    #[command(flatten)]
    database: DatabaseLocation,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
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
enum SeverityArgument {
    Critical,
    High,
    Medium,
    Low,
    Unknown,
}

impl SeverityArgument {
    fn severity(self) -> Severity {
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
enum ExposureArgument {
    Unknown,
    Internet,
    Internal,
    Isolated,
}

impl ExposureArgument {
    fn exposure(self) -> kensa_model::Exposure {
        match self {
            ExposureArgument::Unknown => kensa_model::Exposure::Unknown,
            ExposureArgument::Internet => kensa_model::Exposure::Internet,
            ExposureArgument::Internal => kensa_model::Exposure::Internal,
            ExposureArgument::Isolated => kensa_model::Exposure::Isolated,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FailOn {
    Low,
    Medium,
    High,
    Critical,
}

impl FailOn {
    fn severity(self) -> Severity {
        match self {
            FailOn::Low => Severity::Low,
            FailOn::Medium => Severity::Medium,
            FailOn::High => Severity::High,
            FailOn::Critical => Severity::Critical,
        }
    }
}

#[derive(Debug, Subcommand)]
enum DbCommand {
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

/// `kensa` in the per-user cache directory (`$XDG_CACHE_HOME`, else `~/.cache`).
fn user_cache_directory() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|path| path.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .map(|cache| cache.join("kensa"))
}

/// The database path: `--db`, `KENSA_DB`, or the per-user cache directory.
fn database_path(location: &DatabaseLocation) -> Result<PathBuf> {
    if let Some(path) = &location.db {
        return Ok(path.clone());
    }
    let cache =
        user_cache_directory().context("cannot find a cache directory (set --db, KENSA_DB, XDG_CACHE_HOME or HOME)")?;
    Ok(cache.join("advisories.redb"))
}

/// Counts (and with `clean`, removes) the layer cache under `--cache-dir` or
/// the per-user cache directory: only its `layers` directory, never the
/// database beside it.
fn cache_status(location: &CacheLocation, clean: bool) -> Result<ExitCode> {
    let root = location
        .cache_dir
        .clone()
        .or_else(user_cache_directory)
        .context("cannot find a cache directory (set --cache-dir, KENSA_CACHE_DIR, XDG_CACHE_HOME or HOME)")?;
    let layers = root.join("layers");
    let (mut entries, mut configs, mut bytes) = (0_u64, 0_u64, 0_u64);
    let mut pending = vec![layers.clone()];
    while let Some(directory) = pending.pop() {
        let Ok(listing) = std::fs::read_dir(&directory) else { continue };
        for entry in listing.flatten() {
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => pending.push(entry.path()),
                Ok(_) => {
                    // Image configs (`.blob`) sit beside the layers they name.
                    if entry.path().extension().is_some_and(|extension| extension == "blob") {
                        configs += 1;
                    } else {
                        entries += 1;
                    }
                    bytes += entry.metadata().map_or(0, |metadata| metadata.len());
                }
                Err(_) => {}
            }
        }
    }
    let size = format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0));
    let mut stdout = std::io::stdout().lock();
    if clean && layers.exists() {
        std::fs::remove_dir_all(&layers).with_context(|| format!("cannot remove {}", layers.display()))?;
        writeln!(
            stdout,
            "removed {entries} cached layers and {configs} image configs ({size}) from {}",
            layers.display()
        )?;
    } else {
        writeln!(stdout, "{}: {entries} cached layers, {configs} image configs, {size}", layers.display())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Where image layers are cached: `--cache-dir`, else the per-user cache
/// directory; none with `--no-cache` (or when there is no home to cache in).
fn layer_cache_directory(source: &ImageSource) -> Option<PathBuf> {
    if source.no_cache {
        return None;
    }
    source.cache_dir.clone().or_else(user_cache_directory)
}

pub(crate) fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Scan { target: ScanTarget::Fs { path, options } } => {
            scan_with_database(&options, || collect_inventory(&path))
        }
        Command::Scan { target: ScanTarget::Image { image, options } } => {
            scan_with_database(&options, || collect_image_inventory(&image))
        }
        Command::Scan { target: ScanTarget::Archive { path, options } } => {
            scan_with_database(&options, || collect_archive_inventory(&path))
        }
        Command::Scan { target: ScanTarget::Sbom { file, options } } => scan_with_database(&options, || {
            let contents = std::fs::read(&file).with_context(|| format!("cannot read SBOM {}", file.display()))?;
            kensa_catalog::inventory_from_sbom(&file.display().to_string(), &contents).map_err(anyhow::Error::msg)
        }),
        Command::Scan { target: ScanTarget::Inventory { file, options } } => scan_with_database(&options, || {
            let text = std::fs::read(&file).with_context(|| format!("cannot read inventory {}", file.display()))?;
            let inventory: Inventory = serde_json::from_slice(&text)
                .with_context(|| format!("{} is not a Kensa inventory", file.display()))?;
            if inventory.schema_version != kensa_model::INVENTORY_SCHEMA_VERSION {
                bail!(
                    "{} has inventory schema version {}, this kensa reads version {}",
                    file.display(),
                    inventory.schema_version,
                    kensa_model::INVENTORY_SCHEMA_VERSION
                );
            }
            Ok(inventory)
        }),
        Command::Inventory { target, path, output } => {
            let inventory = match (target, path) {
                (Some(InventoryTarget::Image { image }), _) => collect_image_inventory(&image)?,
                (Some(InventoryTarget::Archive { path }), _) => collect_archive_inventory(&path)?,
                (None, Some(path)) => collect_inventory(&path)?,
                (None, None) => bail!("give a path, or `image REFERENCE` or `archive FILE`"),
            };
            let mut writer = open_output(output.as_deref())?;
            serde_json::to_writer_pretty(&mut writer, &inventory).context("cannot write inventory")?;
            writeln!(writer).context("cannot write inventory")?;
            writer.flush().context("cannot write inventory")?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Db { command: DbCommand::Build { from, verbose, database } } => {
            build_database(&from, &database_path(&database)?, verbose)
        }
        Command::Db {
            command:
                DbCommand::Update {
                    sources,
                    feeds,
                    native_feeds,
                    full,
                    nvd,
                    nvd_url,
                    nvd_api_key,
                    nvd_interval_ms,
                    database,
                },
        } => {
            let nvd = (nvd || nvd_url.is_some()).then(|| {
                let default_interval = if nvd_api_key.is_some() { 600 } else { 6000 };
                kensa_update::NvdOptions {
                    url: nvd_url.unwrap_or_else(|| kensa_update::DEFAULT_NVD_URL.to_owned()),
                    api_key: nvd_api_key,
                    request_interval: std::time::Duration::from_millis(nvd_interval_ms.unwrap_or(default_interval)),
                }
            });
            let options = kensa_update::UpdateOptions {
                full,
                nvd,
                native_feeds: native_feeds
                    .then_some(kensa_update::DEFAULT_NATIVE_FEEDS)
                    .into_iter()
                    .flatten()
                    .map(|url| (*url).to_owned())
                    .chain(feeds)
                    .collect(),
                ..sources.into_options()
            };
            update_database(&database_path(&database)?, &options)
        }
        Command::Db { command: DbCommand::Mirror { directory, sources } } => {
            let options = sources.into_options();
            let report = kensa_update::mirror(&directory, &options)
                .with_context(|| format!("cannot mirror into {}", directory.display()))?;
            let mut stderr = std::io::stderr().lock();
            for (ecosystem, written) in &report.ecosystems {
                writeln!(stderr, "  {ecosystem:<24} {written} records written")?;
            }
            writeln!(
                stderr,
                "mirrored into {}: {} requests, {} bytes",
                directory.display(),
                report.requests,
                report.bytes
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Db { command: DbCommand::Export { file, database } } => {
            let path = database_path(&database)?;
            let info = kensa_db::export_bundle(&path, &file)
                .with_context(|| format!("cannot export {} to {}", path.display(), file.display()))?;
            writeln!(
                std::io::stderr(),
                "exported {} ({} bytes, sha256 {}) to {}",
                path.display(),
                info.database_size,
                info.database_sha256,
                file.display()
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Db { command: DbCommand::Import { file, database } } => {
            let path = database_path(&database)?;
            let info = kensa_db::import_bundle(&file, &path)
                .with_context(|| format!("cannot import {} into {}", file.display(), path.display()))?;
            writeln!(
                std::io::stderr(),
                "imported {} ({} bytes, sha256 {} verified) into {}",
                file.display(),
                info.database_size,
                info.database_sha256,
                path.display()
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Cache { command: CacheCommand::Status { location } } => cache_status(&location, false),
        Command::Cache { command: CacheCommand::Clean { location } } => cache_status(&location, true),
        Command::Db { command: DbCommand::Status { database } } => database_status(&database_path(&database)?),
        Command::Db { command: DbCommand::Show { id, package, database } } => {
            show_advisories(&database_path(&database)?, id.as_deref(), package.as_deref())
        }
    }
}

fn collect_inventory(path: &Path) -> Result<Inventory> {
    let filesystem =
        kensa_fs::DirectoryFileSystem::new(path).with_context(|| format!("cannot scan {}", path.display()))?;
    let kind = if path.is_dir() { ResourceKind::Directory } else { ResourceKind::File };
    let catalogers = kensa_catalog::all_catalogers();
    Ok(kensa_catalog::catalog_filesystem(
        &filesystem,
        &catalogers,
        Resource { kind, name: path.display().to_string() },
        &kensa_catalog::CatalogOptions::default(),
    ))
}

/// The files of an image or bundle the catalogers want: by path, size and
/// mode first, then by contents (an executable that is no Go or
/// cargo-auditable build is dropped as soon as it has streamed by).
struct CatalogersWant<'a>(&'a [Box<dyn kensa_catalog::Cataloger>]);

impl kensa_source::Wanted for CatalogersWant<'_> {
    fn wanted(&self, entry: &kensa_fs::FileEntry) -> bool {
        kensa_catalog::wanted_file(self.0, entry)
    }

    fn keep(&self, entry: &kensa_fs::FileEntry, contents: &[u8]) -> bool {
        kensa_catalog::wanted_contents(self.0, entry, contents)
    }

    /// What the catalogers keep is decided by this very build: its version,
    /// and the size and modification time of the executable, so a rebuilt
    /// binary (whose catalogers may want other files, same version number or
    /// not) never reads another build's cache entries.
    fn cache_identity(&self) -> Option<String> {
        let executable = std::env::current_exe().ok()?;
        let metadata = std::fs::metadata(executable).ok()?;
        let modified = metadata.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
        Some(format!("kensa {} {} {}", env!("CARGO_PKG_VERSION"), metadata.len(), modified.as_nanos()))
    }
}

/// The image `reference` from the first source that has it: a local engine
/// (Docker, Podman) that answers "not here" passes to the next; the registry
/// is the last resort. If no source had the image, each one asked is named.
fn image_from_sources(
    source: &ImageSource,
    reference: &str,
    sources: &[ImageSourceKind],
    platform: Option<kensa_source::Platform>,
    wanted: &CatalogersWant<'_>,
    read_options: &kensa_source::ImageReadOptions,
) -> Result<kensa_source::ImageFileSystem> {
    let mut tried = Vec::new();
    for kind in sources {
        let daemon = match kind {
            ImageSourceKind::Docker => kensa_source::DaemonKind::Docker,
            ImageSourceKind::Podman => kensa_source::DaemonKind::Podman,
            ImageSourceKind::Remote => {
                let credentials = match (&source.username, &source.password) {
                    (Some(username), Some(password)) => {
                        Some(kensa_source::Credentials { username: username.clone(), password: password.clone() })
                    }
                    _ => None,
                };
                let options = kensa_source::RegistryOptions {
                    platform,
                    credentials,
                    plain_http: source.plain_http,
                    ca_file: source.ca_file.clone(),
                };
                let image =
                    kensa_source::ImageFileSystem::from_registry_with(reference, &options, wanted, read_options);
                return image.with_context(|| {
                    let also = if tried.is_empty() { String::new() } else { format!(" ({})", tried.join("; ")) };
                    format!("cannot scan image {reference}{also}")
                });
            }
        };
        let Some(socket) = kensa_source::default_daemon_socket(daemon) else {
            tried.push(format!("no {} socket", daemon.name()));
            continue;
        };
        match kensa_source::ImageFileSystem::from_daemon(daemon, &socket, reference, wanted, read_options) {
            Ok(Some(image)) => return Ok(image),
            Ok(None) => tried.push(format!("not in the {} daemon at {}", daemon.name(), socket.display())),
            Err(error) => tried.push(error.to_string()),
        }
    }
    bail!("image {reference} was found nowhere: {}", tried.join("; "))
}

/// Reads an image, keeping in memory only the files some cataloger could
/// want, and catalogs it like a directory.
fn collect_image_inventory(source: &ImageSource) -> Result<Inventory> {
    let catalogers = kensa_catalog::all_catalogers();
    let wanted = CatalogersWant(&catalogers);
    let platform = source.platform.as_deref().map(kensa_source::Platform::parse).transpose()?;
    let read_options =
        kensa_source::ImageReadOptions { layer_cache: layer_cache_directory(source), ..Default::default() };
    let image = match (source.reference.as_deref(), source.input.as_deref()) {
        (_, Some(archive)) => {
            kensa_source::ImageFileSystem::from_docker_archive_for_platform(archive, platform.as_ref(), &wanted)
                .with_context(|| format!("cannot scan image archive {}", archive.display()))?
        }
        (Some(reference), None) => match reference.strip_prefix("oci-dir:") {
            Some(directory) => kensa_source::ImageFileSystem::from_oci_layout_with(
                Path::new(directory),
                platform.as_ref(),
                &wanted,
                &read_options,
            )
            .with_context(|| format!("cannot scan OCI image layout {directory}"))?,
            None => {
                // `docker://` is how skopeo and Syft spell a registry image: the registry only.
                let (reference, sources) = match reference.strip_prefix("docker://") {
                    Some(reference) => (reference, vec![ImageSourceKind::Remote]),
                    None => (reference, source.image_src.clone()),
                };
                image_from_sources(source, reference, &sources, platform, &wanted, &read_options)?
            }
        },
        (None, None) => bail!("give an image: REFERENCE, --input FILE or oci-dir:PATH"),
    };
    let name = kensa_fs::FileSystem::root_name(&image).to_owned();
    let mut inventory = kensa_catalog::catalog_filesystem(
        &image,
        &catalogers,
        Resource { kind: ResourceKind::Image, name },
        &kensa_catalog::CatalogOptions::default(),
    );
    attribute_layers(&image, &catalogers, &mut inventory);
    let details = image.details();
    inventory.image = Some(kensa_model::ImageMetadata {
        tags: details.tags.clone(),
        os: details.os.clone(),
        architecture: details.architecture.clone(),
        created: details.created.clone(),
        repository_digest: details.repository_digest.clone(),
        config_digest: details.config_digest.clone(),
        layers: image
            .layers()
            .iter()
            .map(|layer| kensa_model::ImageLayer { digest: layer.digest.clone(), created_by: layer.created_by.clone() })
            .collect(),
    });
    Ok(inventory)
}

/// Sets each package's layer: the layer that introduced it, as Inspector and
/// Trivy report it. For a package database that upper layers rewrote (every
/// `apt-get install` rewrites dpkg's status), that is the lowest layer from
/// which on every version of the database lists the package with the same
/// version and architecture; otherwise the layer that wrote the file the
/// package was found in.
fn attribute_layers(
    image: &kensa_source::ImageFileSystem,
    catalogers: &[Box<dyn kensa_catalog::Cataloger>],
    inventory: &mut Inventory,
) {
    type PackageKey = (String, String, Option<String>);
    let distro = inventory.distro.clone();
    // Per database path: each earlier version's layer and the packages it lists.
    let mut earlier: std::collections::HashMap<String, Vec<(String, std::collections::HashSet<PackageKey>)>> =
        std::collections::HashMap::new();
    for package in &mut inventory.packages {
        let Some(path) = package.locations.first().and_then(|location| location.split("!/").next()) else {
            continue;
        };
        let mut layer = image.layer_of(path).map(|layer| layer.digest.clone());
        if package.ecosystem.is_operating_system() {
            let versions = earlier.entry(path.to_owned()).or_insert_with(|| {
                image
                    .earlier_versions(path)
                    .into_iter()
                    .map(|(info, contents)| {
                        let entry = kensa_fs::FileEntry {
                            path: path.to_owned(),
                            size: contents.len() as u64,
                            executable: false,
                        };
                        let listed = kensa_catalog::catalog_contents(catalogers, distro.as_ref(), &entry, contents)
                            .into_iter()
                            .map(|listed| (listed.name, listed.version, listed.architecture))
                            .collect();
                        (info.digest.clone(), listed)
                    })
                    .collect()
            });
            let key = (package.name.clone(), package.version.clone(), package.architecture.clone());
            for (digest, listed) in versions.iter().rev() {
                if !listed.contains(&key) {
                    break;
                }
                layer = Some(digest.clone());
            }
        }
        package.layer = layer;
    }
}

/// Reads a zip or tar bundle, keeping in memory only the files some
/// cataloger could want, and catalogs it like a directory.
fn collect_archive_inventory(path: &Path) -> Result<Inventory> {
    let catalogers = kensa_catalog::all_catalogers();
    let wanted = |entry: &kensa_fs::FileEntry| kensa_catalog::wanted_file(&catalogers, entry);
    let bundle = kensa_source::BundleFileSystem::from_archive(path, &wanted)
        .with_context(|| format!("cannot scan archive {}", path.display()))?;
    let mut inventory = kensa_catalog::catalog_filesystem(
        &bundle,
        &catalogers,
        Resource { kind: ResourceKind::Archive, name: path.display().to_string() },
        &kensa_catalog::CatalogOptions::default(),
    );
    inventory.runtime = kensa_source::detect_runtime(&bundle).map(str::to_owned);
    Ok(inventory)
}

/// Opens the database and collects the inventory, in the order that wastes
/// least: with a database, it is opened first (a broken one fails before a
/// long pull) and checked for age; without one, the inventory is collected
/// first and only the ecosystems it holds are downloaded (a Python project
/// does not wait for Debian's data; `kensa db update` fills in the rest), unless
/// `--offline`.
fn scan_with_database(options: &ScanOptions, collect: impl FnOnce() -> Result<Inventory>) -> Result<ExitCode> {
    let path = database_path(&options.database)?;
    if path.exists() || options.offline {
        let database = kensa_db::Database::open(&path)?;
        warn_if_stale(&database, options.max_db_age)?;
        let inventory = collect()?;
        return scan_inventory(&inventory, &database, options);
    }
    let inventory = collect()?;
    let mut ecosystems: Vec<String> =
        inventory.packages.iter().map(|package| package.ecosystem.as_str().to_owned()).collect();
    ecosystems.sort();
    ecosystems.dedup();
    writeln!(
        std::io::stderr(),
        "no advisory database at {}: downloading the advisories for {} (run `kensa db update` for the rest)",
        path.display(),
        if ecosystems.is_empty() { "no ecosystem".to_owned() } else { ecosystems.join(", ") }
    )?;
    let update = kensa_update::UpdateOptions {
        osv_url: std::env::var("KENSA_OSV_URL").unwrap_or_else(|_| kensa_update::DEFAULT_OSV_URL.to_owned()),
        ecosystems,
        listed_only: true,
        kev_url: Some(std::env::var("KENSA_KEV_URL").unwrap_or_else(|_| kensa_update::DEFAULT_KEV_URL.to_owned())),
        epss_url: Some(std::env::var("KENSA_EPSS_URL").unwrap_or_else(|_| kensa_update::DEFAULT_EPSS_URL.to_owned())),
        ca_file: std::env::var_os("SSL_CERT_FILE").map(PathBuf::from),
        progress: std::io::stderr().is_terminal(),
        ..kensa_update::UpdateOptions::default()
    };
    kensa_update::update(&path, &update)
        .with_context(|| format!("cannot download a first database to {}", path.display()))?;
    let database = kensa_db::Database::open(&path)?;
    scan_inventory(&inventory, &database, options)
}

/// Warns on standard error when the database was last built or updated more
/// than `max_days` days ago (0: never).
fn warn_if_stale(database: &kensa_db::Database, max_days: u64) -> Result<()> {
    if max_days == 0 {
        return Ok(());
    }
    let info = database.info()?;
    let updated = database.meta_values("updated_at")?;
    let last = updated
        .get("updated_at")
        .and_then(|value| value.parse::<u64>().ok())
        .into_iter()
        .chain(info.built_at.parse::<u64>().ok())
        .max()
        .unwrap_or(0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0);
    let age = now.saturating_sub(last);
    if age > max_days.saturating_mul(86_400) {
        writeln!(
            std::io::stderr(),
            "warning: the advisory database {} was last updated {} ago (more than {max_days} days); run `kensa db update`",
            info.path.display(),
            describe_age(age)
        )?;
    }
    Ok(())
}

fn scan_inventory(inventory: &Inventory, database: &kensa_db::Database, options: &ScanOptions) -> Result<ExitCode> {
    let mut outcome = kensa_match::match_inventory_with_exposure(inventory, database, options.exposure.exposure())?;
    if options.ignore_unfixed {
        outcome.findings.retain(|finding| finding.fix_state == kensa_model::FixState::Fixed);
    }
    if !options.severity.is_empty() {
        let wanted: Vec<Severity> = options.severity.iter().map(|severity| severity.severity()).collect();
        outcome.findings.retain(|finding| wanted.contains(&finding.severity));
    }
    apply_policy(options, &mut outcome.findings)?;
    // The exit status leaves suppressed findings out; so does the table, which
    // is the one format not keeping them (marked, with the reason).
    let failed = options.fail_on.is_some_and(|threshold| {
        outcome.findings.iter().any(|finding| finding.suppressed.is_none() && finding.severity >= threshold.severity())
    });
    if matches!(options.format, Format::Table) {
        outcome.findings.retain(|finding| finding.suppressed.is_none());
    }
    let notes: Vec<(String, String)> = outcome
        .notes
        .iter()
        .map(|note| (note.package.clone(), format!("{}: {}", note.advisory_id, note.message)))
        .collect();
    let report = kensa_report::Report {
        inventory,
        findings: &outcome.findings,
        warnings: &outcome.warnings,
        match_notes: &notes,
    };
    let to_terminal = options.output.is_none() && std::io::stdout().is_terminal();
    let colour = to_terminal && std::env::var_os("NO_COLOR").is_none();
    let mut writer = open_output(options.output.as_deref())?;
    match options.format {
        Format::Table => kensa_report::write_table(&report, colour, &mut writer),
        Format::Json => kensa_report::write_json(&report, &mut writer),
        Format::Cyclonedx => kensa_report::write_cyclonedx(&report, &mut writer),
        Format::Sarif => kensa_report::write_sarif(&report, &mut writer),
        Format::Csv => kensa_report::write_csv(&report, &mut writer),
        Format::Html => kensa_report::write_html(&report, &mut writer),
        Format::Asff => {
            let target = kensa_report::AsffTarget {
                account_id: options.aws_account_id.clone(),
                region: options.aws_region.clone(),
                created_at: rfc3339(report_time_milliseconds() / 1000),
            };
            kensa_report::write_asff(&report, &target, &mut writer)
        }
        Format::Spdx => kensa_report::write_spdx(&report, &rfc3339(report_time_milliseconds() / 1000), &mut writer),
        Format::Ocsf => kensa_report::write_ocsf(&report, report_time_milliseconds(), &mut writer),
    }
    .and_then(|()| writer.flush())
    .context("cannot write report")?;
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// Reads the ignore file (the given one, else `.kensa-ignore.yaml` when the
/// current directory has one) and the VEX documents, and marks the findings
/// they suppress; expired rules and the count of suppressed findings go to
/// standard error.
fn apply_policy(options: &ScanOptions, findings: &mut [kensa_model::Finding]) -> Result<()> {
    let default_ignore = Path::new(".kensa-ignore.yaml");
    let ignore_file = options.ignore_file.as_deref().or_else(|| default_ignore.is_file().then_some(default_ignore));
    if ignore_file.is_none() && options.vex.is_empty() {
        return Ok(());
    }
    let mut policy = kensa_policy::Policy::default();
    if let Some(path) = ignore_file {
        let contents = std::fs::read(path).with_context(|| format!("cannot read ignore file {}", path.display()))?;
        policy.add_ignore_file(&path.display().to_string(), &contents)?;
    }
    for path in &options.vex {
        let contents = std::fs::read(path).with_context(|| format!("cannot read VEX document {}", path.display()))?;
        policy.add_vex(&path.display().to_string(), &contents)?;
    }
    let today = kensa_update::format_utc(unix_now());
    let outcome = policy.apply(findings, today.get(..10).unwrap_or_default());
    let mut stderr = std::io::stderr().lock();
    for (file, id, expired) in &outcome.expired {
        writeln!(stderr, "warning: the rule for {id} in {file} expired on {expired} and no longer applies")?;
    }
    if outcome.suppressed > 0 {
        writeln!(stderr, "{} findings suppressed by policy (listed, marked, in the JSON report)", outcome.suppressed)?;
    }
    Ok(())
}

/// Seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ`.
fn rfc3339(seconds: u64) -> String {
    let seconds = i64::try_from(seconds).unwrap_or(i64::MAX);
    format!("{}Z", kensa_update::format_utc(seconds).get(..19).unwrap_or_default())
}

/// The time reports that need one are stamped with (SPDX's creation time,
/// ASFF's and OCSF's event times), in milliseconds since the Unix epoch:
/// `SOURCE_DATE_EPOCH` (seconds) when set, as reproducible builds expect, so
/// those outputs too can be byte-identical between runs; else now.
fn report_time_milliseconds() -> u64 {
    let pinned = std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|text| text.trim().parse::<u64>().ok());
    match pinned {
        Some(seconds) => seconds.saturating_mul(1000),
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0),
    }
}

/// Seconds since the Unix epoch, now.
fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn open_output(path: Option<&Path>) -> Result<Box<dyn Write>> {
    Ok(match path {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    })
}

fn build_database(from: &Path, path: &Path, verbose: bool) -> Result<ExitCode> {
    let started = std::time::Instant::now();
    let report = kensa_db::build_database(from, path)
        .with_context(|| format!("cannot build the advisory database from {}", from.display()))?;
    let mut stderr = std::io::stderr().lock();
    writeln!(
        stderr,
        "built {} from {}: {} advisories ({} withdrawn, {} informational), {} known-exploited CVEs, from {} files in {:.1}s",
        path.display(),
        from.display(),
        report.advisories,
        report.withdrawn,
        report.informational,
        report.known_exploited,
        report.files_read,
        started.elapsed().as_secs_f64()
    )?;
    for (ecosystem, count) in &report.advisories_per_ecosystem {
        writeln!(stderr, "  {ecosystem:<12} {count}")?;
    }
    if !report.duplicates.is_empty() {
        writeln!(
            stderr,
            "{} ids seen in more than one file (the most recently modified record kept, packages only the others name added)",
            report.duplicates.len()
        )?;
    }
    if !report.rejected.is_empty() {
        writeln!(stderr, "rejected {} malformed files:", report.rejected.len())?;
        for rejected in &report.rejected {
            writeln!(stderr, "  {}: {}", rejected.path, rejected.reason)?;
        }
    }
    write_kept_with_notes(&mut stderr, &report.notes, verbose)?;
    if !report.skipped.is_empty() {
        writeln!(stderr, "skipped {} files that are not advisories Kensa reads:", report.skipped.len())?;
        if verbose {
            for skipped in &report.skipped {
                writeln!(stderr, "  {}: {}", skipped.path, skipped.reason)?;
            }
        } else {
            let mut by_reason: std::collections::BTreeMap<&str, Vec<&str>> = std::collections::BTreeMap::new();
            for skipped in &report.skipped {
                by_reason.entry(skipped.reason.as_str()).or_default().push(skipped.path.as_str());
            }
            for (reason, paths) in by_reason {
                let examples: Vec<&str> = paths.iter().take(3).copied().collect();
                let more = if paths.len() > 3 {
                    format!(", … ({} more; --verbose lists all)", paths.len() - 3)
                } else {
                    String::new()
                };
                writeln!(stderr, "  {} × {reason}: {}{more}", paths.len(), examples.join(", "))?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Records kept with a part left out (malformed CVSS vectors): the first
/// ten, or all of them with `--verbose`.
fn write_kept_with_notes(stderr: &mut dyn Write, notes: &[kensa_db::SkippedFile], verbose: bool) -> Result<()> {
    if notes.is_empty() {
        return Ok(());
    }
    writeln!(stderr, "{} records kept with a part left out:", notes.len())?;
    let shown = if verbose { notes.len() } else { 10 };
    for note in notes.iter().take(shown) {
        writeln!(stderr, "  {}: {}", note.path, note.reason)?;
    }
    if notes.len() > shown {
        writeln!(stderr, "  … {} more (--verbose lists all)", notes.len() - shown)?;
    }
    Ok(())
}

fn show_advisories(path: &Path, id: Option<&str>, package: Option<&str>) -> Result<ExitCode> {
    let database = kensa_db::Database::open(path)?;
    let advisories = match (id, package) {
        (Some(id), _) => database.advisory(id)?.into_iter().collect::<Vec<_>>(),
        (None, Some(package)) => {
            let (ecosystem, name) =
                package.split_once('/').context("--package takes ECOSYSTEM/NAME, e.g. PyPI/requests")?;
            let ecosystem: kensa_model::Ecosystem = ecosystem.parse()?;
            database.advisories_for_package(ecosystem, &ecosystem.normalize_name(name))?
        }
        (None, None) => bail!("give an advisory id or --package ECOSYSTEM/NAME"),
    };
    if advisories.is_empty() {
        bail!("no advisory found in {}", path.display());
    }
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut stdout, &advisories)?;
    writeln!(stdout)?;
    Ok(ExitCode::SUCCESS)
}

fn describe_age(seconds: u64) -> String {
    match seconds {
        0..120 => format!("{seconds} s"),
        120..7_200 => format!("{} min", seconds / 60),
        7_200..172_800 => format!("{} h", seconds / 3600),
        _ => format!("{} days", seconds / 86_400),
    }
}

fn update_database(path: &Path, options: &kensa_update::UpdateOptions) -> Result<ExitCode> {
    let started = std::time::Instant::now();
    let report = kensa_update::update(path, options).with_context(|| format!("cannot update {}", path.display()))?;
    let mut stderr = std::io::stderr().lock();
    for (source, how) in &report.sources {
        match how {
            kensa_update::SourceUpdate::Full { records } => {
                writeln!(stderr, "  {source:<24} full download, {records} records")?
            }
            kensa_update::SourceUpdate::Incremental { records } => {
                writeln!(stderr, "  {source:<24} {records} records changed since the last update")?
            }
        }
    }
    for rejected in &report.rejected {
        writeln!(stderr, "  malformed record left out: {}: {}", rejected.path, rejected.reason)?;
    }
    write_kept_with_notes(&mut stderr, &report.notes, false)?;
    writeln!(
        stderr,
        "{} {}: {} advisories added, {} replaced; {} requests, {} bytes, {:.1}s",
        if report.rebuilt { "built" } else { "updated" },
        path.display(),
        report.added,
        report.replaced,
        report.requests,
        report.bytes,
        started.elapsed().as_secs_f64()
    )?;
    Ok(ExitCode::SUCCESS)
}

fn database_status(path: &Path) -> Result<ExitCode> {
    let database = kensa_db::Database::open(path)?;
    let info = database.info()?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "database:        {}", info.path.display())?;
    writeln!(stdout, "format version:  {}", info.schema_version)?;
    writeln!(stdout, "built at:        {} (unix time)", info.built_at)?;
    writeln!(stdout, "advisories:      {}", info.advisories)?;
    writeln!(stdout, "indexed packages: {}", info.packages)?;
    writeln!(stdout, "known exploited: {} CVEs (CISA KEV)", info.known_exploited)?;
    writeln!(stdout, "NVD CVSS:        {} CVEs", info.cve_cvss)?;
    writeln!(stdout, "EPSS scores:     {} CVEs", info.epss)?;
    for (ecosystem, count) in &info.advisories_per_ecosystem {
        writeln!(stdout, "  {ecosystem:<12} {count}")?;
    }
    let sources = database.meta_values("source:")?;
    if !sources.is_empty() {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.as_secs())
            .unwrap_or(0);
        writeln!(stdout, "sources (last successful update):")?;
        for (key, value) in &sources {
            let Some(source) = key.strip_prefix("source:").and_then(|rest| rest.strip_suffix(":updated_at")) else {
                continue;
            };
            let age = value.parse::<u64>().map(|at| now.saturating_sub(at)).unwrap_or(0);
            let resume = sources.get(&format!("source:{source}:last_modified"));
            let resume = resume.map(|at| format!(", newest record {at}")).unwrap_or_default();
            writeln!(stdout, "  {source:<24} {} ago{resume}", describe_age(age))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
