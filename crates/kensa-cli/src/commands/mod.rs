//! What each subcommand does: turns its arguments into library calls and
//! prints the outcome. The pipeline itself is `kensa-scan`'s.

mod cache;
mod client;
mod db;
mod scan;
mod server;

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use crate::args::{
    AdminAccountCommand, AdminCommand, AdminKeyCommand, AdminResourceCommand, CacheCommand, Cli, Command,
    InventoryTarget, ScanTarget,
};

pub(crate) fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Scan { target: ScanTarget::Fs { path, options } } => {
            scan::scan(&options, || Ok(kensa_scan::collect_inventory(&kensa_scan::ScanTarget::Path(path), &budget())?))
        }
        Command::Scan { target: ScanTarget::Image { image, options } } => {
            scan::scan(&options, || Ok(kensa_scan::collect_image_inventory(&scan::image_target(&image)?, &budget())?))
        }
        Command::Scan { target: ScanTarget::Archive { path, options } } => scan::scan(&options, || {
            Ok(kensa_scan::collect_inventory(&kensa_scan::ScanTarget::Bundle(path), &budget())?)
        }),
        Command::Scan { target: ScanTarget::Sbom { file, options } } => scan::scan(&options, || {
            let contents = kensa_scan::read_input_file(&file, "SBOM", kensa_scan::INPUT_SIZE_LIMIT)?;
            Ok(kensa_scan::inventory_from_sbom(&file.display().to_string(), &contents)?)
        }),
        Command::Scan { target: ScanTarget::Inventory { file, options } } => scan::scan(&options, || {
            let contents = kensa_scan::read_input_file(&file, "inventory", kensa_scan::INPUT_SIZE_LIMIT)?;
            Ok(kensa_scan::inventory_from_json(&file.display().to_string(), &contents)?)
        }),
        Command::Inventory { target, path, output } => {
            let inventory = match (target, path) {
                (Some(InventoryTarget::Image { image }), _) => {
                    kensa_scan::collect_image_inventory(&scan::image_target(&image)?, &budget())?
                }
                (Some(InventoryTarget::Archive { path }), _) => {
                    kensa_scan::collect_inventory(&kensa_scan::ScanTarget::Bundle(path), &budget())?
                }
                (None, Some(path)) => kensa_scan::collect_inventory(&kensa_scan::ScanTarget::Path(path), &budget())?,
                (None, None) => bail!("give a path, or `image REFERENCE` or `archive FILE`"),
            };
            let mut writer = open_output(output.as_deref())?;
            serde_json::to_writer_pretty(&mut writer, &inventory).context("cannot write inventory")?;
            writeln!(writer).context("cannot write inventory")?;
            writer.flush().context("cannot write inventory")?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Db { command } => db::run(command),
        Command::Cache { command: CacheCommand::Status { location } } => cache::status(&location, false),
        Command::Cache { command: CacheCommand::Clean { location } } => cache::status(&location, true),
        Command::Server { command } => server::run(command),
        Command::Push { server, resource_id, resource_type, tags, wait, files } => {
            client::push(&server, resource_id.as_deref(), resource_type.as_deref(), &tags, wait, &files)
        }
        Command::Admin { command: AdminCommand::DbUpdate { server } } => client::update_database(&server),
        Command::Admin {
            command: AdminCommand::Resource { command: AdminResourceCommand::Delete { server, resource_id } },
        } => client::delete_resource(&server, &resource_id),
        Command::Admin {
            command: AdminCommand::Resource { command: AdminResourceCommand::History { server, resource_id } },
        } => client::resource_history(&server, &resource_id),
        Command::Admin { command: AdminCommand::Account { command: AdminAccountCommand::Create { server } } } => {
            client::create_account(&server)
        }
        Command::Admin {
            command: AdminCommand::Key { command: AdminKeyCommand::Create { server, account, role } },
        } => client::create_key(&server, account, &role),
    }
}

/// The CLI's scans use the whole machine (cores, at most four per step) and
/// are stopped by the user's Ctrl-C, not a flag.
fn budget() -> kensa_scan::ScanBudget {
    kensa_scan::ScanBudget::default()
}

/// Standard output, or the file `--output` names.
pub(crate) fn open_output(path: Option<&Path>) -> Result<Box<dyn Write>> {
    Ok(match path {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    })
}

/// An age for people: seconds, minutes, hours or days.
pub(crate) fn describe_age(seconds: u64) -> String {
    match seconds {
        0..120 => format!("{seconds} s"),
        120..7_200 => format!("{} min", seconds / 60),
        7_200..172_800 => format!("{} h", seconds / 3600),
        _ => format!("{} days", seconds / 86_400),
    }
}
