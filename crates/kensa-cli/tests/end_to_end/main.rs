//! kensa-cli's end-to-end tests of the `kensa` binary, one test binary:
//! each module was a test crate of its own, which cost a link per file for
//! nothing (the tests share no state; each runs `kensa` as a process).

// What the helper modules need, as each test crate's root allowed it before.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, clippy::print_stderr)]

#[path = "../common/mod.rs"]
mod common;

mod archive_scan;
mod aws_clients;
mod cli;
mod daemon_scan;
mod db_update;
mod formats;
mod html_browser;
mod image_scan;
mod os_scan;
mod registry;
mod rematch;
mod server;
mod server_auth_matrix;
mod server_coverage;
mod server_crash;
mod server_suppression;
mod server_update;
