//! The validator and relayer daemons of the local network, each its own `trestle relayer run`
//! process with its own TOML config, encrypted keystore, SQLite store, HTTP port and log file.
//!
//! Keystore passwords are random per run and reach each process through its environment
//! (`TRESTLE_VALIDATOR_PASSWORD`, `TRESTLE_RELAYER_PASSWORD`,
//! `TRESTLE_RELAYER_SOLANA_PASSWORD`), never its argv. Dropping a
//! [`Daemons`] kills every process.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rand_core::{OsRng, RngCore};
use toml::{Table, Value};
use trestle_core::evm::{EvmAddress, EvmSigner};
use trestle_core::wallet::keystore::{self, KdfParams};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::evm::EvmNode;
use crate::status::StatusClient;

/// Environment variable holding the validator keystore's password in each validator process.
pub const VALIDATOR_PASSWORD_ENV: &str = "TRESTLE_VALIDATOR_PASSWORD";
/// Environment variable holding the relayer keystore's password.
pub const RELAYER_PASSWORD_ENV: &str = "TRESTLE_RELAYER_PASSWORD";
/// Environment variable holding the password of the relayer's Solana keystore.
pub const RELAYER_SOLANA_PASSWORD_ENV: &str = "TRESTLE_RELAYER_SOLANA_PASSWORD";
/// Environment variable that points at the `trestle` binary to run.
pub const BIN_ENV: &str = "TRESTLE_BIN";
/// How long a daemon may take to answer `/readyz`.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// The `trestle` binary: `$TRESTLE_BIN`, else next to the running executable (or one level
/// up, for test binaries in `target/<profile>/deps/`).
pub fn trestle_binary() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os(BIN_ENV) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(Error::BinaryNotFound { looked: vec![path] })
        };
    }
    let mut looked = Vec::new();
    if let Ok(exe) = std::env::current_exe() {
        let mut dir = exe.parent().map(Path::to_path_buf);
        for _ in 0..2 {
            let Some(d) = dir else { break };
            let candidate = d.join("trestle");
            if candidate.is_file() {
                return Ok(candidate);
            }
            looked.push(candidate);
            dir = d.parent().map(Path::to_path_buf);
        }
    }
    Err(Error::BinaryNotFound { looked })
}

/// The `[[chains]]` entry of an EVM chain of the network: its HTTP endpoint, polled every
/// 100 ms, and its WebSocket endpoint (`ws_url`, anvil serves it on the same port), whose
/// new-head notifications wake the daemons' indexers as soon as a block is mined. Remove
/// `ws_url` from the table to measure polling alone.
pub fn evm_chain_table(node: &EvmNode) -> Table {
    let mut t = Table::new();
    t.insert("name".into(), node.name.clone().into());
    t.insert("domain".into(), i64::from(node.domain).into());
    t.insert("chain_id".into(), to_int(node.anvil.chain_id()));
    t.insert(
        "rpc_urls".into(),
        Value::Array(vec![node.anvil.url().into()]),
    );
    t.insert("bridge".into(), node.bridge.to_string().into());
    t.insert("preset".into(), "anvil".into());
    t.insert("poll_interval_ms".into(), 100.into());
    t.insert("ws_url".into(), node.anvil.ws_url().into());
    t
}

fn to_int(v: u64) -> Value {
    Value::Integer(i64::try_from(v).unwrap_or(i64::MAX))
}

/// A route the daemons serve: messages from `from` to `to`, attested by every validator of
/// the network with `threshold` signatures, at validator-set `epoch`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// Origin chain name.
    pub from: String,
    /// Destination chain name.
    pub to: String,
    /// The destination's validator-set epoch for the origin.
    pub epoch: u64,
    /// Signatures needed.
    pub threshold: usize,
    /// The relayer's floor under the origin's fee quote (`[routes.fees] min_paid`, in the
    /// origin's native token), if any.
    pub min_paid: Option<String>,
}

impl Route {
    /// `from -> to`, epoch 1, 2 signatures, the relayer's default fee policy.
    pub fn new(from: &str, to: &str) -> Self {
        Self {
            from: from.into(),
            to: to.into(),
            epoch: 1,
            threshold: 2,
            min_paid: None,
        }
    }

    /// The route with the relayer's floor `min_paid` (origin's native token, `"0.0003"`).
    pub fn min_paid(mut self, min_paid: &str) -> Self {
        self.min_paid = Some(min_paid.into());
        self
    }
}

/// What the daemons are started with; see [`Daemons::start`].
#[derive(Debug, Default)]
pub struct DaemonsConfig {
    /// `[[chains]]` entries ([`evm_chain_table`], or a Solana chain's table).
    pub chains: Vec<Table>,
    /// The routes.
    pub routes: Vec<Route>,
    /// One validator process per key (the keys are written to encrypted keystores).
    pub validator_keys: Vec<Zeroizing<[u8; 32]>>,
    /// The relayer's EVM key.
    pub relayer_key: Option<Zeroizing<[u8; 32]>>,
    /// Extra keys of the `[relayer]` table (a Solana payer keystore, batch size, ...); they
    /// override the defaults written here.
    pub relayer_extra: Table,
    /// The relayer's fee payer on Solana destinations (its 32-byte ed25519 seed), written to
    /// an encrypted keystore named in `[relayer.solana]`.
    pub relayer_solana_key: Option<Zeroizing<[u8; 32]>>,
    /// More relayer processes (`relayer-2`, ...), each with its own EVM key and Solana fee
    /// payer seed (two instances never share a key: their transactions would share nonces).
    /// They run with the first relayer's settings; give them a shared store in `relayer_store`.
    pub extra_relayers: Vec<RelayerKeys>,
    /// The store of every relayer process (`[store] url`, a `postgres://` URL for several
    /// relayers sharing the work); default: a SQLite file of each daemon's own.
    pub relayer_store: Option<String>,
}

/// The keys of one more relayer process (see [`DaemonsConfig::extra_relayers`]).
#[derive(Debug)]
pub struct RelayerKeys {
    /// Its EVM key.
    pub evm: Zeroizing<[u8; 32]>,
    /// Its fee payer on Solana destinations (an ed25519 seed), if a route ends on Solana.
    pub solana: Option<Zeroizing<[u8; 32]>>,
}

/// One `trestle relayer run` process. Killed on drop; [`DaemonProcess::kill`] and
/// [`DaemonProcess::restart`] stop and start it again with the same config, keystore
/// password and log file (appended to).
#[derive(Debug)]
pub struct DaemonProcess {
    /// `validator-1`, ..., `relayer`.
    pub name: String,
    /// Its config file.
    pub config: PathBuf,
    /// Its log file (stdout and stderr).
    pub log: PathBuf,
    /// Base URL of its HTTP API, `http://127.0.0.1:PORT`.
    pub url: String,
    child: Child,
    bin: PathBuf,
    env: Vec<(&'static str, Zeroizing<String>)>,
}

impl DaemonProcess {
    /// The last `n` lines of its log.
    pub fn log_tail(&self, n: usize) -> String {
        log_tail(&self.log, n)
    }

    /// An error about this daemon, with its log tail.
    pub fn error(&self, reason: impl Into<String>) -> Error {
        Error::Daemon {
            name: self.name.clone(),
            reason: reason.into(),
            log: self.log.clone(),
            tail: self.log_tail(30),
        }
    }

    /// Fails when the process has exited.
    pub fn check_running(&mut self) -> Result<()> {
        match self.child.try_wait() {
            Ok(Some(status)) => Err(self.error(format!("exited ({status})"))),
            Ok(None) => Ok(()),
            Err(e) => Err(self.error(format!("cannot query the process: {e}"))),
        }
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the process with SIGKILL (no chance to clean up, as a crash) and reaps it.
    pub fn kill(&mut self) {
        // An error means the process is already gone, which is what was asked.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Kills the process if it still runs, then starts it again with the same config and
    /// environment; its output is appended to the same log.
    pub fn restart(&mut self) -> Result<()> {
        self.kill();
        let home = self.config.parent().unwrap_or(Path::new(".")).to_path_buf();
        self.child = start_process(
            &self.bin,
            &self.name,
            &home,
            &self.config,
            &self.log,
            &self.env,
        )?;
        Ok(())
    }

    /// Waits until it answers `GET /readyz` with success, or fails after `timeout` (or when
    /// it exits).
    pub async fn wait_ready(&mut self, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        let http = crate::status::http_client()?;
        loop {
            self.check_running()?;
            let ok = http
                .get(format!("{}/readyz", self.url))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if ok {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(self.error(format!(
                    "not ready within {} s (GET {}/readyz)",
                    timeout.as_secs(),
                    self.url
                )));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for DaemonProcess {
    fn drop(&mut self) {
        // Errors mean the process is already gone; nothing else can be done in a drop.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn log_tail(path: &Path, n: usize) -> String {
    let Ok(file) = std::fs::File::open(path) else {
        return "(no log)".into();
    };
    let lines: Vec<String> = BufReader::new(file).lines().map_while(|l| l.ok()).collect();
    lines
        .get(lines.len().saturating_sub(n)..)
        .unwrap_or_default()
        .join("\n")
}

/// The validator and relayer processes of a network.
#[derive(Debug)]
pub struct Daemons {
    /// The validators, in key order.
    pub validators: Vec<DaemonProcess>,
    /// The relayer.
    pub relayer: DaemonProcess,
    /// The other relayers ([`DaemonsConfig::extra_relayers`]), in order: `relayer-2`, ...
    pub extra_relayers: Vec<DaemonProcess>,
    /// Where configs, keystores, stores and logs live.
    pub dir: PathBuf,
}

/// Free loopback ports, all distinct (held open together while chosen).
fn free_ports(n: usize) -> Result<Vec<u16>> {
    let listeners = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<std::io::Result<Vec<_>>>()
        .map_err(Error::io(
            "binding a loopback port",
            Path::new("127.0.0.1:0"),
        ))?;
    listeners
        .iter()
        .map(|l| l.local_addr().map(|a| a.port()))
        .collect::<std::io::Result<Vec<_>>>()
        .map_err(Error::io(
            "reading a loopback port",
            Path::new("127.0.0.1:0"),
        ))
}

fn random_password() -> Zeroizing<String> {
    let mut bytes = Zeroizing::new([0u8; 24]);
    OsRng.fill_bytes(bytes.as_mut());
    Zeroizing::new(hex::encode(bytes.as_ref()))
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    options
        .open(path)
        .and_then(|mut f| f.write_all(bytes))
        .map_err(Error::io("writing", path))
}

fn write_keystore(path: &Path, key: &[u8; 32], password: &str) -> Result<()> {
    let json =
        keystore::encrypt(key, password.as_bytes(), KdfParams::scrypt_light()).map_err(|e| {
            Error::Io {
                what: "encrypting a keystore",
                path: path.to_path_buf(),
                source: std::io::Error::other(e.to_string()),
            }
        })?;
    write_private(path, json.as_bytes())
}

fn address_of(key: &[u8; 32]) -> Result<EvmAddress> {
    EvmSigner::from_private_key(key)
        .map(|s| s.address())
        .map_err(|e| Error::Setup(format!("a daemon key is not a secp256k1 key: {e}")))
}

impl Daemons {
    /// Writes every config and keystore under `dir`, checks each config with `trestle relayer
    /// check-config`, starts the validators then the relayer, and waits until each answers
    /// `/readyz`.
    pub async fn start(dir: &Path, config: DaemonsConfig) -> Result<Self> {
        let bin = trestle_binary()?;
        let n = config.validator_keys.len();
        let ports = free_ports(n + 1 + config.extra_relayers.len())?;
        let addresses = config
            .validator_keys
            .iter()
            .map(|k| address_of(k))
            .collect::<Result<Vec<_>>>()?;
        let endpoints: Vec<Value> = addresses
            .iter()
            .zip(&ports)
            .map(|(a, p)| {
                let mut t = Table::new();
                t.insert("address".into(), a.to_string().into());
                t.insert("url".into(), format!("http://127.0.0.1:{p}").into());
                Value::Table(t)
            })
            .collect();
        let base = |name: &str, port: u16| -> Table {
            let mut doc = Table::new();
            let mut store = Table::new();
            let store_path = dir.join(name).join("store.db");
            let url = match &config.relayer_store {
                Some(url) if name.starts_with("relayer") => url.clone(),
                _ => format!("sqlite://{}", store_path.display()),
            };
            store.insert("url".into(), url.into());
            doc.insert("store".into(), Value::Table(store));
            let mut api = Table::new();
            api.insert("listen".into(), format!("127.0.0.1:{port}").into());
            doc.insert("api".into(), Value::Table(api));
            doc.insert(
                "chains".into(),
                Value::Array(config.chains.iter().cloned().map(Value::Table).collect()),
            );
            let routes = config
                .routes
                .iter()
                .map(|r| {
                    let mut t = Table::new();
                    t.insert("from".into(), r.from.clone().into());
                    t.insert("to".into(), r.to.clone().into());
                    t.insert("epoch".into(), to_int(r.epoch));
                    t.insert("threshold".into(), to_int(r.threshold as u64));
                    t.insert("validators".into(), Value::Array(endpoints.clone()));
                    if let Some(min) = &r.min_paid {
                        let mut fees = Table::new();
                        fees.insert("min_paid".into(), min.clone().into());
                        t.insert("fees".into(), Value::Table(fees));
                    }
                    Value::Table(t)
                })
                .collect();
            doc.insert("routes".into(), Value::Array(routes));
            doc
        };

        let mut validators = Vec::with_capacity(n);
        for (i, (key, port)) in config.validator_keys.iter().zip(&ports).enumerate() {
            let name = format!("validator-{}", i + 1);
            let home = dir.join(&name);
            std::fs::create_dir_all(&home).map_err(Error::io("creating", &home))?;
            let password = random_password();
            write_keystore(&home.join("validator.json"), key, &password)?;
            let mut doc = base(&name, *port);
            let mut role = Table::new();
            role.insert("keystore".into(), "validator.json".into());
            role.insert("password_env".into(), VALIDATOR_PASSWORD_ENV.into());
            doc.insert("validator".into(), Value::Table(role));
            let env = vec![(VALIDATOR_PASSWORD_ENV, password)];
            validators.push(spawn(&bin, &name, &home, &doc, *port, env)?);
        }
        let key = config
            .relayer_key
            .as_ref()
            .ok_or_else(|| Error::Setup("the network needs a relayer key".into()))?;
        let start_relayer = |name: &str,
                             port: u16,
                             key: &[u8; 32],
                             solana_seed: Option<&[u8; 32]>|
         -> Result<DaemonProcess> {
            let home = dir.join(name);
            std::fs::create_dir_all(&home).map_err(Error::io("creating", &home))?;
            let password = random_password();
            write_keystore(&home.join("relayer.json"), key, &password)?;
            let mut doc = base(name, port);
            let mut role = Table::new();
            role.insert("keystore".into(), "relayer.json".into());
            role.insert("password_env".into(), RELAYER_PASSWORD_ENV.into());
            role.insert("poll_interval_ms".into(), 200.into());
            role.insert("backoff_initial_ms".into(), 200.into());
            role.insert("backoff_max_ms".into(), 2_000.into());
            let mut env = vec![(RELAYER_PASSWORD_ENV, password)];
            if let Some(seed) = solana_seed {
                let password = random_password();
                write_keystore(&home.join("relayer-solana.json"), seed, &password)?;
                let mut solana = Table::new();
                solana.insert("keystore".into(), "relayer-solana.json".into());
                solana.insert("password_env".into(), RELAYER_SOLANA_PASSWORD_ENV.into());
                role.insert("solana".into(), Value::Table(solana));
                env.push((RELAYER_SOLANA_PASSWORD_ENV, password));
            }
            for (k, v) in &config.relayer_extra {
                role.insert(k.clone(), v.clone());
            }
            doc.insert("relayer".into(), Value::Table(role));
            spawn(&bin, name, &home, &doc, port, env)
        };
        let relayer_port = ports.get(n).copied().unwrap_or_default();
        let relayer = start_relayer(
            "relayer",
            relayer_port,
            key,
            config.relayer_solana_key.as_deref(),
        )?;
        let mut extra_relayers = Vec::with_capacity(config.extra_relayers.len());
        for (i, keys) in config.extra_relayers.iter().enumerate() {
            let port = ports.get(n + 1 + i).copied().unwrap_or_default();
            let name = format!("relayer-{}", i + 2);
            extra_relayers.push(start_relayer(
                &name,
                port,
                &keys.evm,
                keys.solana.as_deref(),
            )?);
        }
        let mut daemons = Self {
            validators,
            relayer,
            extra_relayers,
            dir: dir.to_path_buf(),
        };
        daemons.wait_ready().await?;
        Ok(daemons)
    }

    /// Every process, validators first, then the relayers.
    pub fn all(&self) -> impl Iterator<Item = &DaemonProcess> {
        self.validators
            .iter()
            .chain(std::iter::once(&self.relayer))
            .chain(&self.extra_relayers)
    }

    /// Every process, mutably, in the order of [`Daemons::all`].
    pub fn all_mut(&mut self) -> impl Iterator<Item = &mut DaemonProcess> {
        self.validators
            .iter_mut()
            .chain(std::iter::once(&mut self.relayer))
            .chain(&mut self.extra_relayers)
    }

    /// Fails when any process has exited.
    pub fn check_running(&mut self) -> Result<()> {
        for d in self.all_mut() {
            d.check_running()?;
        }
        Ok(())
    }

    /// A client of the relayer's status API.
    pub fn status(&self) -> Result<StatusClient> {
        StatusClient::new(&self.relayer.url)
    }

    async fn wait_ready(&mut self) -> Result<()> {
        let deadline = Instant::now() + READY_TIMEOUT;
        for daemon in self.all_mut() {
            let left = deadline.saturating_duration_since(Instant::now());
            daemon.wait_ready(left).await?;
        }
        Ok(())
    }
}

/// Writes `doc` as `home/trestle.toml`, checks it with `check-config`, and starts the daemon.
fn spawn(
    bin: &Path,
    name: &str,
    home: &Path,
    doc: &Table,
    port: u16,
    env: Vec<(&'static str, Zeroizing<String>)>,
) -> Result<DaemonProcess> {
    let config = home.join("trestle.toml");
    let text = toml::to_string(doc).map_err(|e| Error::Io {
        what: "serialising the config",
        path: config.clone(),
        source: std::io::Error::other(e.to_string()),
    })?;
    std::fs::write(&config, text).map_err(Error::io("writing", &config))?;
    let log = home.join("daemon.log");
    let daemon_error = |reason: String, tail: String| Error::Daemon {
        name: name.into(),
        reason,
        log: log.clone(),
        tail,
    };
    let check = Command::new(bin)
        .args(["relayer", "check-config", "--config"])
        .arg(&config)
        .output()
        .map_err(|e| daemon_error(format!("cannot run {}: {e}", bin.display()), String::new()))?;
    if !check.status.success() {
        return Err(daemon_error(
            format!("check-config refused {}", config.display()),
            format!(
                "{}{}",
                String::from_utf8_lossy(&check.stdout),
                String::from_utf8_lossy(&check.stderr)
            ),
        ));
    }
    // A fresh log per network (the directory is new); a restart appends to it.
    std::fs::File::create(&log).map_err(Error::io("creating", &log))?;
    let child = start_process(bin, name, home, &config, &log, &env)?;
    Ok(DaemonProcess {
        name: name.into(),
        config,
        log,
        url: format!("http://127.0.0.1:{port}"),
        child,
        bin: bin.to_path_buf(),
        env,
    })
}

/// Starts `trestle relayer run --config config` in `home` with `env`, its output appended to
/// `log`.
fn start_process(
    bin: &Path,
    name: &str,
    home: &Path,
    config: &Path,
    log: &Path,
    env: &[(&'static str, Zeroizing<String>)],
) -> Result<Child> {
    let out = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(log)
        .map_err(Error::io("opening", log))?;
    let err = out.try_clone().map_err(Error::io("opening", log))?;
    let mut command = Command::new(bin);
    command
        .args(["relayer", "run", "--config"])
        .arg(config)
        .current_dir(home)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err);
    for (k, v) in env {
        command.env(k, v.as_str());
    }
    command.spawn().map_err(|e| Error::Daemon {
        name: name.into(),
        reason: format!("cannot start {}: {e}", bin.display()),
        log: log.to_path_buf(),
        tail: String::new(),
    })
}
