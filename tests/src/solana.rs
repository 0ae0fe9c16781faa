//! A solana-test-validator on loopback ports of its own.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tempfile::TempDir;

use crate::error::{Error, Result};
use crate::ports::{PortBlock, WIDTH};
use crate::process::NodeProcess;
use crate::rpc::RpcClient;
use crate::tool::Tool;

/// How often readiness and signature status are polled.
const POLL: Duration = Duration::from_millis(50);
/// Timeout of one JSON-RPC request.
const RPC_TIMEOUT: Duration = Duration::from_secs(10);
/// Offsets inside the claimed port block. RPC takes `rpc` and `rpc + 1` (WebSocket).
const RPC_OFFSET: u16 = 0;
const FAUCET_OFFSET: u16 = 2;
const GOSSIP_OFFSET: u16 = 3;
const DYNAMIC_OFFSET: u16 = 10;

/// Options for [`SolanaValidator`]; start with [`SolanaValidator::builder`].
#[derive(Debug, Clone)]
#[must_use]
pub struct SolanaValidatorBuilder {
    binary: Option<PathBuf>,
    programs: Vec<(String, PathBuf)>,
    /// (program id, .so, upgrade authority) loaded with `--upgradeable-program`.
    upgradeable: Vec<(String, PathBuf, String)>,
    startup_timeout: Duration,
    args: Vec<String>,
}

impl Default for SolanaValidatorBuilder {
    fn default() -> Self {
        Self {
            binary: None,
            programs: Vec::new(),
            upgradeable: Vec::new(),
            startup_timeout: Duration::from_secs(90),
            args: Vec::new(),
        }
    }
}

impl SolanaValidatorBuilder {
    /// Deploys the program `so_path` at `program_id` in genesis (`--bpf-program`), not
    /// upgradeable. `program_id` is a base58 address or the path of a keypair file.
    pub fn bpf_program(
        mut self,
        program_id: impl Into<String>,
        so_path: impl Into<PathBuf>,
    ) -> Self {
        self.programs.push((program_id.into(), so_path.into()));
        self
    }

    /// Deploys the program `so_path` at `program_id` in genesis under the upgradeable loader
    /// (`--upgradeable-program`), with `upgrade_authority` (a base58 address, a keypair file, or
    /// `none` for an immutable program) as its upgrade authority: the program account and its
    /// program-data account exist as after `solana program deploy`.
    pub fn upgradeable_program(
        mut self,
        program_id: impl Into<String>,
        so_path: impl Into<PathBuf>,
        upgrade_authority: impl Into<String>,
    ) -> Self {
        self.upgradeable
            .push((program_id.into(), so_path.into(), upgrade_authority.into()));
        self
    }

    /// Use this solana-test-validator binary instead of looking it up (see [`Tool::locate`]).
    pub fn binary(mut self, path: impl Into<PathBuf>) -> Self {
        self.binary = Some(path.into());
        self
    }

    /// How long [`SolanaValidatorBuilder::spawn`] waits for health and a confirmed slot.
    /// Default 90 s.
    pub fn startup_timeout(mut self, timeout: Duration) -> Self {
        self.startup_timeout = timeout;
        self
    }

    /// An extra command-line argument for the validator, after the harness's own.
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Starts the validator with a fresh ledger on loopback ports claimed for it, and returns
    /// once `getHealth` is `ok` and a slot has been confirmed.
    ///
    /// # Errors
    /// [`Error::ToolNotFound`] when the binary is missing, [`Error::InvalidOptions`] when a
    /// program file does not exist, [`Error::NoFreePorts`], [`Error::Spawn`], and
    /// [`Error::Startup`] (with the validator's output) when it exits or is not ready in time.
    pub fn spawn(self) -> Result<SolanaValidator> {
        let tool = Tool::SolanaTestValidator;
        let all_programs = self
            .programs
            .iter()
            .map(|(id, path)| (id, path))
            .chain(self.upgradeable.iter().map(|(id, path, _)| (id, path)));
        for (id, path) in all_programs {
            if !path.is_file() {
                return Err(Error::InvalidOptions {
                    tool: tool.binary_name(),
                    reason: format!("program {id}: {} is not a file", path.display()),
                });
            }
        }
        let binary = match self.binary {
            Some(path) => tool.check(path)?,
            None => tool.locate()?,
        };
        let dir = tempfile::Builder::new()
            .prefix("trestle-solana-")
            .tempdir()
            .map_err(Error::io("creating the validator's temporary directory"))?;
        let ledger = dir.path().join("ledger");
        let ports = PortBlock::claim()?;
        let rpc_port = ports.port(RPC_OFFSET);
        let faucet_port = ports.port(FAUCET_OFFSET);

        let mut command = Command::new(&binary);
        command
            .current_dir(dir.path())
            .arg("--ledger")
            .arg(&ledger)
            .args(["--reset", "--quiet", "--bind-address", "127.0.0.1"])
            .args(["--rpc-port", &rpc_port.to_string()])
            .args(["--faucet-port", &faucet_port.to_string()])
            .args(["--gossip-port", &ports.port(GOSSIP_OFFSET).to_string()])
            .args([
                "--dynamic-port-range",
                &format!(
                    "{}-{}",
                    ports.port(DYNAMIC_OFFSET),
                    // Exclusive end: the last port of the block.
                    ports.port(WIDTH - 1)
                ),
            ]);
        for (id, path) in &self.programs {
            command.arg("--bpf-program").arg(id).arg(path);
        }
        for (id, path, authority) in &self.upgradeable {
            command
                .arg("--upgradeable-program")
                .arg(id)
                .arg(path)
                .arg(authority);
        }
        command.args(&self.args);

        let mut process = NodeProcess::spawn(tool, &binary, command, None)?;
        let rpc = RpcClient::new(format!("http://127.0.0.1:{rpc_port}"), RPC_TIMEOUT);
        let deadline = Instant::now() + self.startup_timeout;
        let mut healthy = false;
        loop {
            let last = if healthy {
                match rpc.call("getSlot", json!([{ "commitment": "confirmed" }])) {
                    Ok(slot) if slot.as_u64().is_some_and(|s| s > 0) => break,
                    Ok(slot) => format!("no confirmed slot yet (getSlot: {slot})"),
                    Err(e) => e.to_string(),
                }
            } else {
                match rpc.call("getHealth", json!([])) {
                    Ok(Value::String(h)) if h == "ok" => {
                        healthy = true;
                        continue;
                    }
                    Ok(other) => format!("getHealth answered {other}"),
                    Err(e) => e.to_string(),
                }
            };
            if process.exited().is_some() || Instant::now() >= deadline {
                return Err(process.startup_error(last));
            }
            std::thread::sleep(POLL);
        }

        Ok(SolanaValidator {
            process,
            rpc,
            rpc_port,
            faucet_port,
            _ports: ports,
            ledger,
            _dir: dir,
        })
    }
}

/// A running solana-test-validator. Dropping it kills and reaps the process, then releases its
/// ports and deletes its ledger.
#[derive(Debug)]
pub struct SolanaValidator {
    // Field order matters: the process is killed before its ports and ledger are released.
    process: NodeProcess,
    rpc: RpcClient,
    rpc_port: u16,
    faucet_port: u16,
    _ports: PortBlock,
    ledger: PathBuf,
    _dir: TempDir,
}

impl SolanaValidator {
    /// Options for a new validator.
    pub fn builder() -> SolanaValidatorBuilder {
        SolanaValidatorBuilder::default()
    }

    /// Starts a validator with the default options (no extra programs).
    ///
    /// # Errors
    /// As [`SolanaValidatorBuilder::spawn`].
    pub fn spawn() -> Result<Self> {
        Self::builder().spawn()
    }

    /// The HTTP JSON-RPC endpoint, `http://127.0.0.1:PORT`.
    #[must_use]
    pub fn rpc_url(&self) -> &str {
        self.rpc.url()
    }

    /// The PubSub WebSocket endpoint (RPC port + 1).
    #[must_use]
    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.rpc_port.saturating_add(1))
    }

    /// The RPC port.
    #[must_use]
    pub fn rpc_port(&self) -> u16 {
        self.rpc_port
    }

    /// The faucet's address, for clients that talk to the faucet directly; `requestAirdrop`
    /// over RPC (see [`SolanaValidator::airdrop`]) uses it too.
    #[must_use]
    pub fn faucet_addr(&self) -> SocketAddr {
        SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, self.faucet_port))
    }

    /// The ledger directory (deleted on drop).
    #[must_use]
    pub fn ledger_path(&self) -> &Path {
        &self.ledger
    }

    /// The validator's process id.
    #[must_use]
    pub fn pid(&self) -> u32 {
        self.process.pid()
    }

    /// Calls a JSON-RPC method and returns its `result`.
    ///
    /// # Errors
    /// [`Error::Rpc`] when the request fails or the node answers with an error.
    pub fn rpc(&self, method: &str, params: Value) -> Result<Value> {
        self.rpc.call(method, params)
    }

    /// Airdrops `lamports` to the base58 address `pubkey` and waits (up to 30 s) until the
    /// transfer is confirmed. Returns the transaction signature.
    ///
    /// # Errors
    /// [`Error::Rpc`] when the faucet refuses (bad address, over its cap), the transaction
    /// fails, or it is not confirmed in time.
    pub fn airdrop(&self, pubkey: &str, lamports: u64) -> Result<String> {
        let signature = self.rpc(
            "requestAirdrop",
            json!([pubkey, lamports, { "commitment": "confirmed" }]),
        )?;
        let signature = signature
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| self.rpc_error("requestAirdrop", format!("answered {signature}")))?;
        self.wait_for_confirmation(&signature, Duration::from_secs(30))?;
        Ok(signature)
    }

    /// Waits until transaction `signature` is confirmed (or finalized).
    ///
    /// # Errors
    /// [`Error::Rpc`] when the transaction failed, the RPC fails, or `timeout` passes first.
    pub fn wait_for_confirmation(&self, signature: &str, timeout: Duration) -> Result<()> {
        const METHOD: &str = "getSignatureStatuses";
        let deadline = Instant::now() + timeout;
        loop {
            let statuses = self.rpc(METHOD, json!([[signature]]))?;
            let status = statuses
                .pointer("/value/0")
                .filter(|status| !status.is_null());
            if let Some(status) = status {
                if let Some(err) = status.get("err").filter(|err| !err.is_null()) {
                    return Err(
                        self.rpc_error(METHOD, format!("transaction {signature} failed: {err}"))
                    );
                }
                let level = status.get("confirmationStatus").and_then(Value::as_str);
                if matches!(level, Some("confirmed" | "finalized")) {
                    return Ok(());
                }
            }
            if Instant::now() >= deadline {
                return Err(self.rpc_error(
                    METHOD,
                    format!("transaction {signature} not confirmed within {timeout:?}"),
                ));
            }
            std::thread::sleep(POLL);
        }
    }

    fn rpc_error(&self, method: &str, reason: String) -> Error {
        Error::Rpc {
            url: self.rpc.url().to_owned(),
            method: method.to_owned(),
            reason,
        }
    }
}
