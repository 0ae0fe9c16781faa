//! A throw-away PostgreSQL server for tests: `initdb` in a temporary directory, started on a
//! free loopback port (as the `postgres` user through `runuser` when the tests run as root,
//! since PostgreSQL refuses to run as root), stopped and deleted on drop.
//!
//! It never skips: without PostgreSQL installed it panics with the command that installs it.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const HINT: &str = "PostgreSQL is needed for the relayer's store tests: run scripts/setup-postgres.sh \
     (it installs the Debian package postgresql)";

/// A running server; stopped on drop.
pub struct Postgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    run_as: Option<String>,
    port: u16,
}

impl Postgres {
    /// Initialises and starts a server; panics (naming scripts/setup-postgres.sh) when
    /// PostgreSQL is not installed or does not start.
    pub fn start() -> Self {
        let bin = find_bin_dir().unwrap_or_else(|| panic!("initdb not found. {HINT}"));
        let run_as = is_root().then(|| "postgres".to_owned());
        let dir = tempfile::Builder::new()
            .prefix("trestle-pg-")
            .tempdir()
            .expect("temporary directory");
        if let Some(user) = &run_as {
            let (uid, gid) = user_ids(user).unwrap_or_else(|| {
                panic!("running as root, but there is no `{user}` user to run PostgreSQL. {HINT}")
            });
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).expect("chown temp dir");
        }
        let data = dir.path().join("data");
        let mut pg = Postgres {
            dir,
            bin,
            run_as,
            port: 0,
        };
        let out = pg.run(
            "initdb",
            &[
                "-D",
                path_str(&data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        assert!(
            out.status.success(),
            "initdb failed: {}. {HINT}",
            output_text(&out)
        );
        let mut last = String::new();
        for _ in 0..5 {
            let port = free_port();
            let options = format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=50",
                path_str(pg.dir.path())
            );
            let log = pg.dir.path().join("server.log");
            let out = pg.run(
                "pg_ctl",
                &[
                    "-D",
                    path_str(&data),
                    "-l",
                    path_str(&log),
                    "-o",
                    &options,
                    "-w",
                    "-t",
                    "120",
                    "start",
                ],
            );
            if out.status.success() {
                pg.port = port;
                return pg;
            }
            last = format!(
                "{}; log: {}",
                output_text(&out),
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        panic!("PostgreSQL did not start: {last}. {HINT}");
    }

    /// The URL of database `postgres` (user `postgres`, trust authentication).
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn run(&self, tool: &str, args: &[&str]) -> Output {
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
            .unwrap_or_else(|e| panic!("cannot run {}: {e}. {HINT}", exe.display()))
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if self.port != 0 {
            let data = self.dir.path().join("data");
            let _ = self.run(
                "pg_ctl",
                &["-D", path_str(&data), "-m", "immediate", "-w", "stop"],
            );
        }
    }
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("temporary paths are UTF-8")
}

fn output_text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The directory of `initdb`, `pg_ctl` and `postgres`: from PATH (symlinks resolved) or the
/// newest /usr/lib/postgresql/N/bin.
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

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}
