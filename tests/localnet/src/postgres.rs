//! A throw-away PostgreSQL server for relayers that share a store: `initdb` in a temporary
//! directory, started on a free loopback port with trust authentication (as the `postgres`
//! user through `runuser` when run as root: PostgreSQL refuses to run as root), stopped and
//! deleted on drop. The relayer's store tests have the same server with TLS options
//! (`relayer/tests/it/support/postgres.rs`).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::error::{Error, Result};

const HINT: &str = "run scripts/setup-postgres.sh (it installs the Debian package postgresql)";

/// A running server; stopped (`pg_ctl stop -m immediate`) and deleted on drop.
#[derive(Debug)]
pub struct Postgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    run_as: Option<String>,
    port: u16,
}

fn setup(reason: String) -> Error {
    Error::Setup(format!("PostgreSQL: {reason}; {HINT}"))
}

impl Postgres {
    /// Initialises and starts a server (fsync off: its data lives as long as the run).
    pub fn start() -> Result<Self> {
        let bin = find_bin_dir().ok_or_else(|| setup("initdb not found".into()))?;
        let run_as = is_root().then(|| "postgres".to_owned());
        let dir = tempfile::Builder::new()
            .prefix("trestle-pg-")
            .tempdir()
            .map_err(Error::io("creating a directory", Path::new("/tmp")))?;
        if let Some(user) = &run_as {
            let (uid, gid) = user_ids(user)
                .ok_or_else(|| setup(format!("running as root, but there is no `{user}` user")))?;
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))
                .map_err(Error::io("chown", dir.path()))?;
        }
        let mut pg = Self {
            dir,
            bin,
            run_as,
            port: 0,
        };
        let data = pg.data();
        let out = pg.run(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        )?;
        if !out.status.success() {
            return Err(setup(format!("initdb failed: {}", output_text(&out))));
        }
        let log = pg.dir.path().join("server.log").display().to_string();
        let mut last = String::new();
        for _ in 0..5 {
            let port = free_port()?;
            let options = format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=100",
                pg.dir.path().display()
            );
            let out = pg.run(
                "pg_ctl",
                &[
                    "-D", &data, "-l", &log, "-o", &options, "-w", "-t", "120", "start",
                ],
            )?;
            if out.status.success() {
                pg.port = port;
                return Ok(pg);
            }
            last = format!(
                "{}; log: {}",
                output_text(&out),
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        Err(setup(format!("the server did not start: {last}")))
    }

    /// The URL of database `postgres` (user `postgres`, trust authentication, loopback).
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn run(&self, tool: &str, args: &[&str]) -> Result<Output> {
        let exe = self.bin.join(tool);
        let mut cmd = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&exe);
                c
            }
            None => Command::new(&exe),
        };
        cmd.args(args)
            .current_dir(self.dir.path())
            .output()
            .map_err(Error::io("running", &exe))
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if self.port != 0 {
            let data = self.data();
            // Nothing more can be done in a drop; the directory goes either way.
            let _ = self.run("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
        }
    }
}

fn output_text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The directory of `initdb` and `pg_ctl`: from PATH (symlinks resolved) or the newest
/// /usr/lib/postgresql/N/bin.
fn find_bin_dir() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join("initdb");
            if candidate.is_file() {
                let real = std::fs::canonicalize(&candidate).ok()?;
                return real.parent().map(Path::to_path_buf);
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| {
            let e = e.ok()?;
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn user_ids(user: &str) -> Option<(u32, u32)> {
    let id = |flag: &str| -> Option<u32> {
        let out = Command::new("id").args([flag, user]).output().ok()?;
        if !out.status.success() {
            return None;
        }
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    };
    Some((id("-u")?, id("-g")?))
}

fn free_port() -> Result<u16> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(Error::io(
            "binding a loopback port",
            Path::new("127.0.0.1:0"),
        ))
}
