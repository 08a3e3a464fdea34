//! `kensa scan …`: collect (or read) an inventory, assess it against the
//! database, write the report, decide the exit status.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use kensa_model::Inventory;

use crate::args::{Format, ImageSource, ImageSourceKind, ScanOptions};
use crate::settings;

/// The image an `ImageSource`'s arguments name, with everything needed to
/// reach it: this user's registry logins unless `--username` is given, the
/// engines' sockets as the environment says.
pub(crate) fn image_target(source: &ImageSource) -> Result<kensa_scan::ImageTarget> {
    let platform = source.platform.as_deref().map(kensa_source::Platform::parse).transpose()?;
    let location = match (source.reference.as_deref(), source.input.as_deref()) {
        (_, Some(archive)) => kensa_scan::ImageLocation::Archive(archive.to_path_buf()),
        (Some(reference), None) => match reference.strip_prefix("oci-dir:") {
            Some(directory) => kensa_scan::ImageLocation::OciLayout(PathBuf::from(directory)),
            None => {
                // `docker://` is how skopeo and Syft spell a registry image: the registry only.
                let (reference, kinds) = match reference.strip_prefix("docker://") {
                    Some(reference) => (reference, vec![ImageSourceKind::Remote]),
                    None => (reference, source.image_src.clone()),
                };
                let environment = settings::engine_environment();
                let sources = kinds
                    .iter()
                    .map(|kind| match kind {
                        ImageSourceKind::Docker => engine(kensa_source::DaemonKind::Docker, &environment),
                        ImageSourceKind::Podman => engine(kensa_source::DaemonKind::Podman, &environment),
                        ImageSourceKind::Remote => kensa_scan::ImageSourceKind::Registry,
                    })
                    .collect();
                kensa_scan::ImageLocation::Reference { reference: reference.to_owned(), sources }
            }
        },
        (None, None) => bail!("give an image: REFERENCE, --input FILE or oci-dir:PATH"),
    };
    let auth = match (&source.username, &source.password) {
        (Some(username), Some(password)) => kensa_source::RegistryAuth::Credentials(kensa_source::Credentials {
            username: username.clone(),
            password: password.clone(),
        }),
        _ => kensa_source::RegistryAuth::LocalConfiguration,
    };
    Ok(kensa_scan::ImageTarget {
        location,
        platform,
        registry: kensa_source::RegistryOptions {
            platform: None,
            auth,
            plain_http: source.plain_http,
            ca_file: source.ca_file.clone(),
            proxy: kensa_http::proxy_from_environment(),
        },
        layer_cache: settings::layer_cache_directory(source),
    })
}

fn engine(
    kind: kensa_source::DaemonKind,
    environment: &kensa_source::EngineEnvironment,
) -> kensa_scan::ImageSourceKind {
    kensa_scan::ImageSourceKind::Engine { kind, socket: kensa_source::default_daemon_socket(kind, environment) }
}

/// Opens the database and collects the inventory, in the order that wastes
/// least: with a database, it is opened first (a broken one fails before a
/// long pull) and checked for age; without one, the inventory is collected
/// first and only the ecosystems it holds are downloaded (a Python project
/// does not wait for Debian's data; `kensa db update` fills in the rest), unless
/// `--offline`.
pub(crate) fn scan(options: &ScanOptions, collect: impl FnOnce() -> Result<Inventory>) -> Result<ExitCode> {
    if let Some(server) = &options.server {
        let connection = crate::args::ServerConnection {
            server: server.clone(),
            profile: settings::aws_profile(),
            ca_file: options.server_ca_file.clone(),
        };
        let inventory = collect()?;
        let findings = super::client::findings_from_server(
            &connection,
            &inventory,
            options.resource_id.as_deref(),
            &options.tags,
        )?;
        return report_server_findings(&inventory, findings, options);
    }
    let path = settings::database_path(&options.database)?;
    if path.exists() || options.offline {
        let database = kensa_db::Database::open(&path)?;
        warn_if_stale(&database, options.max_db_age)?;
        let inventory = collect()?;
        return report(&inventory, &database, options);
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
    kensa_update::update(&path, &settings::first_download_options(ecosystems))
        .with_context(|| format!("cannot download a first database to {}", path.display()))?;
    let database = kensa_db::Database::open(&path)?;
    report(&inventory, &database, options)
}

/// Warns on standard error when the database was last built or updated more
/// than `max_days` days ago (0: never).
fn warn_if_stale(database: &kensa_db::Database, max_days: u64) -> Result<()> {
    if max_days == 0 {
        return Ok(());
    }
    let state = database.update_state()?;
    let now = u64::try_from(kensa_model::time::now_seconds()).unwrap_or(0);
    let age = now.saturating_sub(state.last_changed_at().unwrap_or(0));
    if age > max_days.saturating_mul(86_400) {
        writeln!(
            std::io::stderr(),
            "warning: the advisory database {} was last updated {} ago (more than {max_days} days); run `kensa db update`",
            database.path().display(),
            super::describe_age(age)
        )?;
    }
    Ok(())
}

/// Assesses the inventory, writes the report in the chosen format and
/// decides the exit status (suppressed findings never fail it).
fn report(inventory: &Inventory, database: &kensa_db::Database, options: &ScanOptions) -> Result<ExitCode> {
    let assess_options = kensa_scan::AssessOptions {
        exposure: options.exposure.exposure(),
        filters: kensa_policy::FindingFilters {
            ignore_unfixed: options.ignore_unfixed,
            severities: options.severity.iter().map(|severity| severity.severity()).collect(),
        },
        policy: load_policy(options)?,
        today: kensa_model::time::date_utc(kensa_model::time::now_seconds()),
    };
    let mut assessment = kensa_scan::assess(inventory, database, &assess_options)?;
    report_policy_outcome(&assessment.policy)?;
    let failed = options.fail_on.is_some_and(|threshold| assessment.fails_at(threshold.severity()));
    // The table is the one format not keeping suppressed findings (marked, with the reason).
    if matches!(options.format, Format::Table) {
        assessment = assessment.without_suppressed();
    }
    write_report(&assessment.report(inventory), options)?;
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// `--server`: the server matched; the local filters and ignore/VEX policy
/// still decide what this report shows and whether it fails.
fn report_server_findings(
    inventory: &Inventory,
    mut findings: Vec<kensa_model::Finding>,
    options: &ScanOptions,
) -> Result<ExitCode> {
    let filters = kensa_policy::FindingFilters {
        ignore_unfixed: options.ignore_unfixed,
        severities: options.severity.iter().map(|severity| severity.severity()).collect(),
    };
    filters.retain(&mut findings);
    let policy = load_policy(options)?;
    let outcome = policy.apply(&mut findings, &kensa_model::time::date_utc(kensa_model::time::now_seconds()));
    report_policy_outcome(&outcome)?;
    let failed = options.fail_on.is_some_and(|threshold| kensa_policy::fails_at(&findings, threshold.severity()));
    if matches!(options.format, Format::Table) {
        findings.retain(|finding| finding.suppressed.is_none());
    }
    let report = kensa_report::Report { inventory, findings: &findings, warnings: &[], match_notes: &[] };
    write_report(&report, options)?;
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// Writes a report in the chosen format, to the chosen output.
fn write_report(report: &kensa_report::Report<'_>, options: &ScanOptions) -> Result<()> {
    let to_terminal = options.output.is_none() && std::io::stdout().is_terminal();
    let colour = to_terminal && settings::colour_allowed();
    let mut writer = super::open_output(options.output.as_deref())?;
    let time = settings::report_time_milliseconds();
    let seconds = i64::try_from(time / 1000).unwrap_or(i64::MAX);
    match options.format {
        Format::Table => kensa_report::write_table(report, colour, &mut writer),
        Format::Json => kensa_report::write_json(report, &mut writer),
        Format::Cyclonedx => kensa_report::write_cyclonedx(report, &mut writer),
        Format::Sarif => kensa_report::write_sarif(report, &mut writer),
        Format::Csv => kensa_report::write_csv(report, &mut writer),
        Format::Html => kensa_report::write_html(report, &mut writer),
        Format::Asff => {
            let target = kensa_report::AsffTarget {
                account_id: options.aws_account_id.clone(),
                region: options.aws_region.clone(),
                created_at: kensa_model::time::rfc3339_utc(seconds),
            };
            kensa_report::write_asff(report, &target, &mut writer)
        }
        Format::Spdx => kensa_report::write_spdx(report, &kensa_model::time::rfc3339_utc(seconds), &mut writer),
        Format::Ocsf => kensa_report::write_ocsf(report, time, &mut writer),
    }
    .and_then(|()| writer.flush())
    .context("cannot write report")
}

/// The ignore file (the given one, else `.kensa-ignore.yaml` when the
/// current directory has one) and the VEX documents, read with the bounds
/// every input has.
fn load_policy(options: &ScanOptions) -> Result<kensa_policy::Policy> {
    let default_ignore = Path::new(".kensa-ignore.yaml");
    let ignore_file = options.ignore_file.as_deref().or_else(|| default_ignore.is_file().then_some(default_ignore));
    let mut policy = kensa_policy::Policy::default();
    if let Some(path) = ignore_file {
        let contents = kensa_scan::read_input_file(path, "ignore file", kensa_scan::INPUT_SIZE_LIMIT)?;
        policy.add_ignore_file(&path.display().to_string(), &contents)?;
    }
    for path in &options.vex {
        let contents = kensa_scan::read_input_file(path, "VEX document", kensa_scan::INPUT_SIZE_LIMIT)?;
        policy.add_vex(&path.display().to_string(), &contents)?;
    }
    Ok(policy)
}

/// Expired rules and the count of suppressed findings, on standard error.
fn report_policy_outcome(outcome: &kensa_policy::PolicyOutcome) -> Result<()> {
    let mut stderr = std::io::stderr().lock();
    for (file, id, expired) in &outcome.expired {
        writeln!(stderr, "warning: the rule for {id} in {file} expired on {expired} and no longer applies")?;
    }
    if outcome.suppressed > 0 {
        writeln!(stderr, "{} findings suppressed by policy (listed, marked, in the JSON report)", outcome.suppressed)?;
    }
    Ok(())
}
