//! `kensa`: the command-line front end. Argument parsing, settings, output and
//! exit codes around `kensa-scan`'s pipeline; the only crate that uses `anyhow`.

mod args;
mod commands;
mod config;
mod logging;
mod progress;
mod settings;

use std::process::ExitCode;

use clap::FromArgMatches;

fn main() -> ExitCode {
    let arguments: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let command = match config::command(&arguments) {
        Ok(command) => command,
        Err(error) => {
            let _ =
                std::io::Write::write_fmt(&mut std::io::stderr(), format_args!("kensa: error: {}\n", one_line(&error)));
            return ExitCode::from(2);
        }
    };
    let cli = match args::Cli::from_arg_matches(&command.get_matches_from(arguments)) {
        Ok(cli) => cli,
        Err(error) => error.exit(),
    };
    match commands::run(cli) {
        Ok(code) => code,
        Err(error) => {
            let _ =
                std::io::Write::write_fmt(&mut std::io::stderr(), format_args!("kensa: error: {}\n", one_line(&error)));
            ExitCode::from(2)
        }
    }
}

/// The whole context chain on one line — what failed and why — without
/// repeating a cause that an outer message already quotes (the library errors
/// name their cause in their own message as well as exposing it as a source).
fn one_line(error: &anyhow::Error) -> String {
    let mut message = error.to_string();
    for cause in error.chain().skip(1) {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
    }
    message
}
