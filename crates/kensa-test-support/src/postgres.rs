//! A real PostgreSQL server for the tests, started by the tests themselves.
//!
//! One cluster serves every test process of a run (nextest runs each test
//! in a process of its own; an `initdb` per test would cost seconds each):
//! it lives in a directory under the system's temporary directory keyed by
//! this build's `target/` (short enough for PostgreSQL's Unix socket path),
//! is created and started under an exclusive lock by the first test that
//! needs it, listens on 127.0.0.1 on a free port, and is left running for
//! the next process. Each test gets a database of its own
//! ([`PostgresDatabase`]), dropped when the value is.
//!
//! `KENSA_TEST_POSTGRES_URL` (e.g. `postgres://user:pass@127.0.0.1:5432`)
//! uses an existing server instead. The server binaries come from Debian's
//! `postgresql` package (`.ci/needs/postgres.sh`) or `KENSA_POSTGRES_BIN`.
//! As root, the cluster runs as the `postgres` system user (PostgreSQL
//! refuses to run as root). With neither a server nor the binaries,
//! [`postgres_database`] returns `None` — unless `KENSA_REQUIRE_FIXTURES` is
//! set, as in CI, where that is a failure.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A database of this test's own on a real PostgreSQL server.
#[derive(Debug)]
pub struct PostgresDatabase {
    /// `postgres://…/NAME`, for `--database` and the store.
    pub url: String,
    server: ServerAddress,
    name: String,
}

#[derive(Debug, Clone)]
struct ServerAddress {
    psql: PathBuf,
    /// The server without a database name.
    base_url: String,
}

impl ServerAddress {
    fn run(&self, sql: &str) -> Result<(), String> {
        let output = Command::new(&self.psql)
            .arg(format!("{}/postgres", self.base_url))
            .args(["-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
            .output()
            .map_err(|error| format!("run {}: {error}", self.psql.display()))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!("psql -c {sql:?}: {}", String::from_utf8_lossy(&output.stderr)))
        }
    }
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        // Best effort: a left-over database only costs disk in a scratch cluster.
        let _ = self.server.run(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
    }
}

/// A fresh, empty database named after `label`; `None` when no PostgreSQL
/// is available and the run does not require one.
pub fn postgres_database(label: &str) -> Option<PostgresDatabase> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let server = match server() {
        Ok(server) => server,
        Err(reason) => {
            assert!(std::env::var_os("KENSA_REQUIRE_FIXTURES").is_none(), "PostgreSQL is required: {reason}");
            eprintln!("skipped: no PostgreSQL ({reason}); run .ci/needs/postgres.sh");
            return None;
        }
    };
    let label: String =
        label.chars().map(|character| if character.is_ascii_alphanumeric() { character } else { '_' }).collect();
    let name = format!(
        "kensa_{}_{}_{}",
        label.to_ascii_lowercase(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    server.run(&format!("CREATE DATABASE {name}")).unwrap_or_else(|error| panic!("{error}"));
    Some(PostgresDatabase { url: format!("{}/{name}", server.base_url), server, name })
}

fn server() -> Result<ServerAddress, String> {
    let binaries = binaries()?;
    let psql = if binaries.join("psql").is_file() { binaries.join("psql") } else { PathBuf::from("psql") };
    if let Some(url) = std::env::var_os("KENSA_TEST_POSTGRES_URL") {
        let base_url = url.to_string_lossy().trim_end_matches('/').to_string();
        return Ok(ServerAddress { psql, base_url });
    }
    let port = cluster(&binaries)?;
    Ok(ServerAddress { psql, base_url: format!("postgres://kensa@127.0.0.1:{port}") })
}

/// The newest `/usr/lib/postgresql/<version>/bin`, or `KENSA_POSTGRES_BIN`.
fn binaries() -> Result<PathBuf, String> {
    if let Some(directory) = std::env::var_os("KENSA_POSTGRES_BIN") {
        return Ok(PathBuf::from(directory));
    }
    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(root)
        .map_err(|error| format!("{}: {error}", root.display()))?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin).ok_or_else(|| format!("no server binaries under {}", root.display()))
}

/// Starts (or finds running) the run's cluster; returns its port.
fn cluster(binaries: &Path) -> Result<u16, String> {
    let key = crate::hash(&crate::cache_root().display().to_string());
    let directory = std::env::temp_dir().join(format!("kensa-postgres-{key}"));
    std::fs::create_dir_all(&directory).map_err(|error| format!("{}: {error}", directory.display()))?;
    let lock_path = directory.join("cluster.lock");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|error| format!("{}: {error}", lock_path.display()))?;
    lock.lock().map_err(|error| format!("lock {}: {error}", lock_path.display()))?;
    let port_file = directory.join("port");
    if let Some(port) = std::fs::read_to_string(&port_file).ok().and_then(|text| text.trim().parse::<u16>().ok())
        && ready(binaries, port)
    {
        return Ok(port);
    }
    // Not running: (re)create it from scratch, which is cheap and never
    // trips over a stale pid file or a half-made directory.
    let data = directory.join("data");
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).map_err(|error| format!("{}: {error}", data.display()))?;
    let as_root = is_root();
    if as_root {
        chown_to_postgres(&directory)?;
    }
    run_as_cluster_owner(
        as_root,
        &binaries.join("initdb"),
        &["-D", &data.to_string_lossy(), "--auth=trust", "--username=kensa", "--encoding=UTF8", "--locale=C"],
    )?;
    let port = free_port()?;
    // fsync off: a test never crashes PostgreSQL itself, only the Kensa
    // server in front of it, and the suite's time matters.
    let options = format!(
        "-c listen_addresses=127.0.0.1 -p {port} -k {} -c fsync=off -c max_connections=400",
        directory.display()
    );
    run_as_cluster_owner(
        as_root,
        &binaries.join("pg_ctl"),
        &[
            "-D",
            &data.to_string_lossy(),
            "-l",
            &directory.join("server.log").to_string_lossy(),
            "-w",
            "-t",
            "60",
            "-o",
            &options,
            "start",
        ],
    )?;
    std::fs::write(&port_file, port.to_string()).map_err(|error| format!("{}: {error}", port_file.display()))?;
    if !ready(binaries, port) {
        return Err(format!("the cluster in {} started but does not answer", directory.display()));
    }
    Ok(port)
}

fn ready(binaries: &Path, port: u16) -> bool {
    Command::new(binaries.join("pg_isready"))
        .args(["-q", "-h", "127.0.0.1", "-p", &port.to_string(), "-U", "kensa", "-d", "postgres"])
        .status()
        .is_ok_and(|status| status.success())
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|output| String::from_utf8_lossy(&output.stdout).trim() == "0")
}

fn chown_to_postgres(directory: &Path) -> Result<(), String> {
    let status = Command::new("chown")
        .args(["-R", "postgres:postgres"])
        .arg(directory)
        .status()
        .map_err(|error| format!("chown: {error}"))?;
    if status.success() { Ok(()) } else { Err(format!("chown -R postgres {} failed", directory.display())) }
}

fn run_as_cluster_owner(as_root: bool, program: &Path, arguments: &[&str]) -> Result<(), String> {
    let mut command = if as_root {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    };
    // The server's working directory must be one the postgres user can read.
    let output = command.args(arguments).current_dir("/").output().map_err(|error| format!("{program:?}: {error}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{} {}: {}{}",
            program.display(),
            arguments.join(" "),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|error| format!("find a free port: {error}"))?;
    listener.local_addr().map(|address| address.port()).map_err(|error| format!("find a free port: {error}"))
}
