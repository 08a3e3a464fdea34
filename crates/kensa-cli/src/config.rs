//! `kensa server run --config FILE` (or `KENSA_CONFIG`): a TOML file whose
//! keys are `server run`'s long option names, e.g.
//!
//! ```toml
//! data-dir = "/var/lib/kensa"
//! listen = "0.0.0.0:8080"
//! database = "postgres://kensa@db/kensa"
//! db-update-interval = "6h"
//! feed = ["https://security-tracker.debian.org/tracker/data/json"]
//! ```
//!
//! The file's values become the options' defaults, so a flag wins over the
//! environment, which wins over the file, which wins over the built-in
//! default. An unknown key is an error naming it (a typo must not be
//! silently ignored).

use std::ffi::OsString;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::CommandFactory;

/// The command line's parser, with `server run`'s defaults taken from its
/// configuration file when the arguments (or the environment) name one.
pub(crate) fn command(arguments: &[OsString]) -> Result<clap::Command> {
    let command = crate::args::Cli::command();
    let Some(path) = config_path(arguments) else { return Ok(command) };
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let table: toml::Table = toml::from_str(&text).with_context(|| format!("{} is not valid TOML", path.display()))?;
    let run = command
        .find_subcommand("server")
        .and_then(|server| server.find_subcommand("run"))
        .context("no `server run` command")?;
    let mut defaults: Vec<(clap::Id, Vec<String>)> = Vec::new();
    for (key, value) in &table {
        let Some(argument) = run.get_arguments().find(|argument| argument.get_long() == Some(key.as_str())) else {
            let known: Vec<&str> =
                run.get_arguments().filter_map(clap::Arg::get_long).filter(|long| *long != "config").collect();
            bail!("{}: unknown key '{key}' (the keys are server run's options: {})", path.display(), known.join(", "));
        };
        if key == "config" {
            bail!("{}: a configuration file cannot name another", path.display());
        }
        let values = match value {
            toml::Value::String(text) => vec![text.clone()],
            toml::Value::Integer(number) => vec![number.to_string()],
            toml::Value::Boolean(flag) => vec![flag.to_string()],
            toml::Value::Array(items) => items
                .iter()
                .map(|item| match item {
                    toml::Value::String(text) => Ok(text.clone()),
                    toml::Value::Integer(number) => Ok(number.to_string()),
                    _ => bail!("{}: '{key}' must list strings", path.display()),
                })
                .collect::<Result<_>>()?,
            _ => bail!("{}: '{key}' must be a string, a number, true/false or a list", path.display()),
        };
        defaults.push((argument.get_id().clone(), values));
    }
    Ok(command.mut_subcommand("server", |server| {
        server.mut_subcommand("run", |mut run| {
            for (id, values) in defaults {
                run = run.mut_arg(id, |argument| argument.default_values(values));
            }
            run
        })
    }))
}

/// `--config FILE` / `--config=FILE` of a `server run` command line, else
/// `KENSA_CONFIG` for one.
fn config_path(arguments: &[OsString]) -> Option<PathBuf> {
    let words: Vec<&str> = arguments.iter().skip(1).filter_map(|argument| argument.to_str()).collect();
    let positional: Vec<&str> = words.iter().copied().filter(|word| !word.starts_with('-')).take(2).collect();
    if positional != ["server", "run"] {
        return None;
    }
    let mut iterator = words.iter();
    while let Some(word) = iterator.next() {
        if *word == "--config" {
            return iterator.next().map(PathBuf::from);
        }
        if let Some(path) = word.strip_prefix("--config=") {
            return Some(PathBuf::from(path));
        }
    }
    crate::settings::server_config_file()
}
