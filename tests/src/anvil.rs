//! An anvil node on a free loopback port.

use std::path::PathBuf;
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tempfile::TempDir;

use crate::error::{Error, Result};
use crate::process::NodeProcess;
use crate::rpc::RpcClient;
use crate::tool::Tool;

/// The mnemonic anvil derives its dev accounts from when none is given.
pub const DEV_MNEMONIC: &str = "test test test test test test test test test test test junk";

/// One of anvil's funded dev accounts (`m/44'/60'/0'/0/i` of [`DEV_MNEMONIC`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DevAccount {
    /// The EIP-55 checksummed address.
    pub address: &'static str,
    /// The 0x-prefixed secp256k1 private key. Public knowledge: for local chains only.
    pub private_key: &'static str,
}

/// The ten accounts anvil funds with 10,000 ETH each by default.
pub const DEV_ACCOUNTS: [DevAccount; 10] = [
    DevAccount {
        address: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
        private_key: "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    },
    DevAccount {
        address: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        private_key: "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    },
    DevAccount {
        address: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
        private_key: "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    },
    DevAccount {
        address: "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
        private_key: "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    },
    DevAccount {
        address: "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
        private_key: "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    },
    DevAccount {
        address: "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
        private_key: "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    },
    DevAccount {
        address: "0x976EA74026E726554dB657fA54763abd0C3a0aa9",
        private_key: "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
    },
    DevAccount {
        address: "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955",
        private_key: "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
    },
    DevAccount {
        address: "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f",
        private_key: "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
    },
    DevAccount {
        address: "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720",
        private_key: "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
    },
];

/// How often readiness is polled.
const POLL: Duration = Duration::from_millis(25);
/// Timeout of one JSON-RPC request.
const RPC_TIMEOUT: Duration = Duration::from_secs(10);

/// Options for [`Anvil`]; start with [`Anvil::builder`].
#[derive(Debug, Clone)]
#[must_use]
pub struct AnvilBuilder {
    binary: Option<PathBuf>,
    chain_id: u64,
    block_time: Option<u64>,
    no_mining: bool,
    startup_timeout: Duration,
    args: Vec<String>,
}

impl Default for AnvilBuilder {
    fn default() -> Self {
        Self {
            binary: None,
            chain_id: 31_337,
            block_time: None,
            no_mining: false,
            startup_timeout: Duration::from_secs(30),
            args: Vec::new(),
        }
    }
}

impl AnvilBuilder {
    /// The chain id (EIP-155) the node reports and signs for. Default 31337.
    pub fn chain_id(mut self, chain_id: u64) -> Self {
        self.chain_id = chain_id;
        self
    }

    /// Mine a block every `seconds` (`--block-time`); `None` (the default) mines one block per
    /// transaction as it arrives. `Some(0)` is refused by [`AnvilBuilder::spawn`].
    pub fn block_time(mut self, seconds: Option<u64>) -> Self {
        self.block_time = seconds;
        self
    }

    /// Mine only when asked (`evm_mine`, `anvil_mine`): `--no-mining`. Cannot be combined with
    /// [`AnvilBuilder::block_time`].
    pub fn no_mining(mut self, no_mining: bool) -> Self {
        self.no_mining = no_mining;
        self
    }

    /// Use this anvil binary instead of looking it up (see [`Tool::locate`]).
    pub fn binary(mut self, path: impl Into<PathBuf>) -> Self {
        self.binary = Some(path.into());
        self
    }

    /// How long [`AnvilBuilder::spawn`] waits for the node to answer. Default 30 s.
    pub fn startup_timeout(mut self, timeout: Duration) -> Self {
        self.startup_timeout = timeout;
        self
    }

    /// An extra command-line argument for anvil, after the harness's own.
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Starts anvil on `127.0.0.1` with an OS-assigned port and returns once `eth_chainId`
    /// answers with the configured chain id.
    ///
    /// # Errors
    /// [`Error::ToolNotFound`] when the binary is missing, [`Error::InvalidOptions`] for
    /// contradictory options, [`Error::Spawn`] when it cannot be started, and
    /// [`Error::Startup`] (with anvil's output) when it exits or is not ready in time.
    pub fn spawn(self) -> Result<Anvil> {
        let tool = Tool::Anvil;
        let invalid = |reason: &str| Error::InvalidOptions {
            tool: tool.binary_name(),
            reason: reason.to_owned(),
        };
        if self.no_mining && self.block_time.is_some() {
            return Err(invalid("no_mining and block_time exclude each other"));
        }
        if self.block_time == Some(0) {
            return Err(invalid("block_time must be at least one second"));
        }
        let binary = match self.binary {
            Some(path) => tool.check(path)?,
            None => tool.locate()?,
        };
        let dir = tempfile::Builder::new()
            .prefix("trestle-anvil-")
            .tempdir()
            .map_err(Error::io("creating anvil's temporary directory"))?;

        let mut command = Command::new(&binary);
        command
            .current_dir(dir.path())
            .args(["--host", "127.0.0.1", "--port", "0"])
            .args(["--chain-id", &self.chain_id.to_string()])
            .args(["--accounts", "10", "--mnemonic", DEV_MNEMONIC]);
        if let Some(seconds) = self.block_time {
            command.args(["--block-time", &seconds.to_string()]);
        }
        if self.no_mining {
            command.arg("--no-mining");
        }
        command.args(&self.args);

        let (lines_tx, lines_rx) = mpsc::channel();
        let mut process = NodeProcess::spawn(tool, &binary, command, Some(lines_tx))?;
        let deadline = Instant::now() + self.startup_timeout;

        // anvil prints "Listening on 127.0.0.1:PORT" once its socket is bound.
        let port = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines_rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(port) = listening_port(&line) {
                        break port;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    return Err(process.startup_error(format!(
                        "no `Listening on` line within {:?}",
                        self.startup_timeout
                    )));
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(process.startup_error("stdout closed before `Listening on`"));
                }
            }
        };
        drop(lines_rx);

        let rpc = RpcClient::new(format!("http://127.0.0.1:{port}"), RPC_TIMEOUT);
        let expected = format!("0x{:x}", self.chain_id);
        loop {
            let last = match rpc.call("eth_chainId", json!([])) {
                Ok(Value::String(id)) if id == expected => break,
                Ok(other) => format!("eth_chainId answered {other}, expected {expected}"),
                Err(e) => e.to_string(),
            };
            if process.exited().is_some() || Instant::now() >= deadline {
                return Err(process.startup_error(last));
            }
            std::thread::sleep(POLL);
        }

        Ok(Anvil {
            process,
            rpc,
            port,
            chain_id: self.chain_id,
            _dir: dir,
        })
    }
}

/// Parses the port out of anvil's `Listening on 127.0.0.1:PORT` line.
fn listening_port(line: &str) -> Option<u16> {
    let addr = line.trim().strip_prefix("Listening on ")?;
    let addr: std::net::SocketAddr = addr.parse().ok()?;
    Some(addr.port())
}

/// A running anvil node. Dropping it kills and reaps the process.
#[derive(Debug)]
pub struct Anvil {
    // Field order matters: the process is killed before its directory is removed.
    process: NodeProcess,
    rpc: RpcClient,
    port: u16,
    chain_id: u64,
    _dir: TempDir,
}

impl Anvil {
    /// Options for a new node.
    pub fn builder() -> AnvilBuilder {
        AnvilBuilder::default()
    }

    /// Starts a node with the default options (chain id 31337, auto-mining).
    ///
    /// # Errors
    /// As [`AnvilBuilder::spawn`].
    pub fn spawn() -> Result<Self> {
        Self::builder().spawn()
    }

    /// The HTTP JSON-RPC endpoint, `http://127.0.0.1:PORT`.
    #[must_use]
    pub fn url(&self) -> &str {
        self.rpc.url()
    }

    /// The WebSocket endpoint on the same port, `ws://127.0.0.1:PORT`.
    #[must_use]
    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.port)
    }

    /// The loopback port the node listens on.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The chain id the node was started with.
    #[must_use]
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// The node's process id.
    #[must_use]
    pub fn pid(&self) -> u32 {
        self.process.pid()
    }

    /// The ten funded dev accounts (see [`DEV_ACCOUNTS`]).
    #[must_use]
    pub fn dev_accounts(&self) -> &'static [DevAccount] {
        &DEV_ACCOUNTS
    }

    /// Calls a JSON-RPC method and returns its `result`.
    ///
    /// # Errors
    /// [`Error::Rpc`] when the request fails or the node answers with an error.
    pub fn rpc(&self, method: &str, params: Value) -> Result<Value> {
        self.rpc.call(method, params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_listening_line() {
        assert_eq!(listening_port("Listening on 127.0.0.1:45123"), Some(45123));
        assert_eq!(listening_port("Listening on 127.0.0.1:0x1"), None);
        assert_eq!(listening_port("Chain ID: 1"), None);
    }

    #[test]
    fn refuses_contradictory_options_before_looking_for_the_binary() {
        let err = Anvil::builder()
            .block_time(Some(1))
            .no_mining(true)
            .spawn()
            .unwrap_err();
        assert!(matches!(err, Error::InvalidOptions { .. }), "{err}");
        let err = Anvil::builder().block_time(Some(0)).spawn().unwrap_err();
        assert!(matches!(err, Error::InvalidOptions { .. }), "{err}");
    }
}
