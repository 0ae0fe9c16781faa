//! A throw-away PostgreSQL server for tests: `initdb` in a temporary directory, started on a
//! free loopback port (as the `postgres` user through `runuser` when the tests run as root,
//! since PostgreSQL refuses to run as root), stopped and deleted on drop.
//!
//! [`Postgres::start_tls`] starts one that takes only TLS connections over TCP, with a password.
//!
//! It never skips: without PostgreSQL installed it panics with the command that installs it.
//! Used by the relayer's store tests and the chaos soak (`tests/localnet`).

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test support: a server that does not start is a failed test, reported where it happened"
)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const HINT: &str = "PostgreSQL is needed for the relayer's store tests and the soak: run \
     scripts/setup-postgres.sh (it installs the Debian package postgresql)";

/// What [`Postgres::start_tls`] serves: the server's certificate (PEM, the chain up to but
/// without the root) and private key (PEM), and the password user `postgres` must give.
pub struct Tls<'a> {
    /// The server's certificate chain (PEM).
    pub cert: &'a Path,
    /// The server's private key (PEM).
    pub key: &'a Path,
    /// The password of user `postgres`.
    pub password: &'a str,
}

/// A running server; stopped on drop.
#[derive(Debug)]
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
        Self::start_with(None)
    }

    /// Like [`Postgres::start`], but the server accepts TCP connections only over TLS with
    /// `tls`'s certificate (`hostssl` with scram-sha-256 and `tls.password`, no `host` line:
    /// a plaintext connection is refused); the Unix socket keeps trust authentication.
    pub fn start_tls(tls: &Tls<'_>) -> Self {
        Self::start_with(Some(tls))
    }

    fn start_with(tls: Option<&Tls<'_>>) -> Self {
        let bin = find_bin_dir().unwrap_or_else(|| panic!("initdb not found. {HINT}"));
        let run_as = is_root().then(|| "postgres".to_owned());
        let dir = tempfile::Builder::new()
            .prefix("trestle-pg-")
            .tempdir()
            .expect("temporary directory");
        let owner = run_as.as_ref().map(|user| {
            user_ids(user).unwrap_or_else(|| {
                panic!("running as root, but there is no `{user}` user to run PostgreSQL. {HINT}")
            })
        });
        // The server's files belong to the user it runs as (it refuses a key it does not own).
        let give = |path: &Path| {
            if let Some((uid, gid)) = owner {
                std::os::unix::fs::chown(path, Some(uid), Some(gid))
                    .unwrap_or_else(|e| panic!("chown {}: {e}", path.display()));
            }
        };
        give(dir.path());
        let data = dir.path().join("data");
        let mut pg = Postgres {
            dir,
            bin,
            run_as,
            port: 0,
        };
        let mut initdb = vec![
            "-D",
            path_str(&data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        ];
        let pwfile = pg.dir.path().join("pwfile");
        if let Some(tls) = tls {
            std::fs::write(&pwfile, tls.password).expect("write the password file");
            give(&pwfile);
            initdb.extend(["--pwfile", path_str(&pwfile)]);
        }
        let out = pg.run("initdb", &initdb);
        assert!(
            out.status.success(),
            "initdb failed: {}. {HINT}",
            output_text(&out)
        );
        let mut ssl = String::new();
        if let Some(tls) = tls {
            let cert = pg.dir.path().join("server.crt");
            let key = pg.dir.path().join("server.key");
            std::fs::copy(tls.cert, &cert).expect("copy the server certificate");
            std::fs::copy(tls.key, &key).expect("copy the server key");
            std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600))
                .expect("chmod 600 the server key");
            give(&cert);
            give(&key);
            let hba = data.join("pg_hba.conf");
            std::fs::write(
                &hba,
                "local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256\n",
            )
            .expect("write pg_hba.conf");
            give(&hba);
            ssl = format!(
                " -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
                path_str(&cert),
                path_str(&key)
            );
        }
        let mut last = String::new();
        for _ in 0..5 {
            let port = free_port();
            let options = format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=50{ssl}",
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

    /// Runs `sql` with psql as `postgres` and returns its unaligned output (panics on an
    /// error).
    pub fn psql(&self, sql: &str) -> String {
        let port = self.port.to_string();
        let out = self.run(
            "psql",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-tAc",
                sql,
            ],
        );
        assert!(out.status.success(), "psql failed: {}", output_text(&out));
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// The server's TCP port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
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
