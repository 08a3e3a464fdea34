//! `kensa`: the command-line front end. Argument parsing, exit codes, and glue
//! between the library crates; the only crate that uses `anyhow`.

mod commands;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = commands::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(error) => {
            // `{:#}` prints the whole context chain on one line: what failed and why.
            let _ = std::io::Write::write_fmt(&mut std::io::stderr(), format_args!("kensa: error: {error:#}\n"));
            ExitCode::from(2)
        }
    }
}
