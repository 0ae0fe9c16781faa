//! The daemon's TOML configuration: which chains, which routes between them, which roles
//! (validator, relayer or both), the store, the HTTP API and the logs.
//!
//! [`Config::parse`] refuses unknown keys (every table is `deny_unknown_fields`), then
//! [`Config::validate`] checks every value and names the first bad key
//! (`chains[1].domain`, `routes[0].threshold`, ...). Secrets are never in the file: keystores
//! are encrypted files, their passwords come from the environment variable the file names.
//!
//! ```toml
//! [store]
//! url = "sqlite:///var/lib/trestle/relayer.db"
//!
//! [api]
//! listen = "127.0.0.1:9090"
//!
//! [[chains]]
//! name = "anvil-a"
//! domain = 1
//! chain_id = 31337
//! rpc_urls = ["http://127.0.0.1:8545"]
//! bridge = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
//! finality = { confirmations = 2 }
//!
//! [[chains]]
//! name = "anvil-b"
//! domain = 2
//! chain_id = 31338
//! rpc_urls = ["http://127.0.0.1:8546"]
//! bridge = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
//!
//! [[routes]]
//! from = "anvil-a"
//! to = "anvil-b"
//! epoch = 1
//! threshold = 2
//! validators = [
//!   { address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", url = "http://127.0.0.1:7001" },
//!   { address = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", url = "http://127.0.0.1:7002" },
//!   { address = "0x90F79bf6EB2c4f870365E785982E1f101E93b906", url = "http://127.0.0.1:7003" },
//! ]
//!
//! [validator]
//! keystore = "/etc/trestle/validator.json"
//! password_env = "TRESTLE_VALIDATOR_PASSWORD"
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use trestle_core::evm::EvmAddress;
use trestle_evm::{Finality, Preset};

use crate::error::{Error, Result};

mod fees;
mod low_balance;
mod pkcs11;
mod solana;
mod validate;
pub use fees::{Account, FeePolicy, PaymentPolicy, Verdict};
pub use low_balance::parse_amount;
pub use pkcs11::{EvmKeySource, Pkcs11KeyConfig};
pub use solana::{ChainToml, SolanaChainConfig, SolanaCommitment, SolanaKeyConfig};

/// The whole configuration file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where state lives.
    #[serde(default)]
    pub store: StoreConfig,
    /// The HTTP server (attestations, status API, health, metrics).
    #[serde(default)]
    pub api: ApiConfig,
    /// Logging.
    #[serde(default)]
    pub log: LogConfig,
    /// The chains the daemon talks to (origins and destinations).
    #[serde(default)]
    pub chains: Vec<ChainConfig>,
    /// Which origin delivers to which destination, and who attests it.
    #[serde(default)]
    pub routes: Vec<RouteConfig>,
    /// The validator role: present means enabled.
    #[serde(default)]
    pub validator: Option<ValidatorConfig>,
    /// The relayer role: present means enabled.
    #[serde(default)]
    pub relayer: Option<RelayerConfig>,
    /// The fee-oracle updater role (`[fee_oracle]`): present means enabled.
    #[serde(default)]
    pub fee_oracle: Option<FeeOracleConfig>,
}

/// The fee-oracle updater role: with the fee oracle's keys (the origin bridges'
/// `setFeeRoles` / `SetFeeRoles`), it keeps each route's origin quoting the destination's gas
/// price now. Every `interval_ms` it reads the destination's gas price (an EVM chain's wei per
/// gas, a Solana cluster's micro-lamports per compute unit) and, when it differs from what the
/// origin charges by more than `drift_percent`, updates the origin's price (within the
/// bridge's bounds: at most twice or half per update, one update a minute; a larger move
/// takes several). The exchange rate stays as governance or the last update set it. An EVM
/// origin is updated with `keystore`'s key, a Solana origin with `[fee_oracle.solana]`'s
/// (without it, routes from Solana are left out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeOracleConfig {
    /// The fee oracle's key on EVM origins: a Web3 Secret Storage v3 file.
    pub keystore: PathBuf,
    /// The environment variable holding its password. Default
    /// `TRESTLE_FEE_ORACLE_PASSWORD`.
    #[serde(default = "default_fee_oracle_password_env")]
    pub password_env: String,
    /// Update when the destination's gas price differs from the origin's by more than this
    /// many percent (1..=100; default 10).
    #[serde(default = "default_drift_percent")]
    pub drift_percent: u8,
    /// How often the prices are compared, milliseconds (at least 1,000; default 60,000).
    #[serde(default = "default_oracle_interval_ms")]
    pub interval_ms: u64,
    /// The band an EVM destination's gas price must fall in, in gwei (`"0.01"`, `"500"`):
    /// outside it the price read is not believed (a hostile or broken RPC endpoint), nothing
    /// is updated and a warning is logged. Default: no band.
    #[serde(default)]
    pub min_gwei: Option<String>,
    /// See `min_gwei`.
    #[serde(default)]
    pub max_gwei: Option<String>,
    /// The band a Solana destination's compute-unit price must fall in, micro-lamports per
    /// compute unit, as `min_gwei`/`max_gwei` for EVM destinations. Default: no band.
    #[serde(default)]
    pub min_micro_lamports: Option<u64>,
    /// See `min_micro_lamports`.
    #[serde(default)]
    pub max_micro_lamports: Option<u64>,
    /// The fee oracle's key on Solana origins (`[fee_oracle.solana]`), which signs and pays
    /// for their `update_fee_prices`.
    #[serde(default)]
    pub solana: Option<FeeOracleSolanaKey>,
}

/// `[fee_oracle.solana]`: the fee oracle's key on Solana origins, a Web3 Secret Storage v3
/// file whose secret is the 32-byte ed25519 seed (like `[relayer.solana]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeOracleSolanaKey {
    /// The keystore file.
    pub keystore: PathBuf,
    /// The environment variable holding its password. Default
    /// `TRESTLE_FEE_ORACLE_SOLANA_PASSWORD`.
    #[serde(default = "default_fee_oracle_solana_password_env")]
    pub password_env: String,
}

impl FeeOracleSolanaKey {
    /// The key.
    pub fn key(&self) -> KeyConfig {
        KeyConfig {
            keystore: self.keystore.clone(),
            password_env: self.password_env.clone(),
        }
    }
}

fn default_fee_oracle_solana_password_env() -> String {
    "TRESTLE_FEE_ORACLE_SOLANA_PASSWORD".into()
}

fn default_fee_oracle_password_env() -> String {
    "TRESTLE_FEE_ORACLE_PASSWORD".into()
}

fn default_drift_percent() -> u8 {
    10
}

fn default_oracle_interval_ms() -> u64 {
    60_000
}

impl FeeOracleConfig {
    /// `min_gwei` and `max_gwei` in wei; the error names the field.
    pub fn band(&self) -> std::result::Result<(Option<u128>, Option<u128>), (String, String)> {
        let wei = |field: &str, text: &Option<String>| {
            text.as_deref()
                .map(|t| parse_amount(t, 9))
                .transpose()
                .map_err(|e| (format!("fee_oracle.{field}"), e))
        };
        Ok((
            wei("min_gwei", &self.min_gwei)?,
            wei("max_gwei", &self.max_gwei)?,
        ))
    }

    /// The oracle's key.
    pub fn key(&self) -> KeyConfig {
        KeyConfig {
            keystore: self.keystore.clone(),
            password_env: self.password_env.clone(),
        }
    }
}

/// The store: a `sqlite://` path (the default, WAL mode) or a `postgres://` URL (several
/// relayer instances sharing work).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// `sqlite://PATH` (created if missing; a relative PATH is beside the configuration
    /// file) or `postgres://user@host:port/db`. Default `sqlite://trestle-relayer.db`, beside
    /// the configuration file. A PostgreSQL server off this machine wants
    /// `?sslmode=verify-full&sslrootcert=/path/to/ca.pem` (TLS, the server's certificate and
    /// name checked against that CA); without it sqlx's default, `prefer`, accepts any
    /// certificate or none, and the store logs a warning at start. `sslmode=verify-ca` is
    /// refused. The password is best given in `PGPASSWORD` or `~/.pgpass`, not here.
    pub url: String,
    /// Connection pool size. 1..=100, default 8.
    pub max_connections: u32,
    /// Days a message the destination settled (delivered, cancelled) is kept, with its
    /// signatures, attestations, payments and transactions; 0 keeps everything. Default 90.
    pub retention_days: u32,
}

/// `url` with its SQLite file taken relative to `dir`, when it is a `sqlite://` URL with a
/// relative path (not an in-memory database); `None` otherwise.
fn sqlite_beside(url: &str, dir: &Path) -> Option<String> {
    let rest = url.strip_prefix("sqlite://")?;
    let (path, query) = rest
        .split_once('?')
        .map_or((rest, None), |(p, q)| (p, Some(q)));
    if path.is_empty() || path.starts_with(':') || Path::new(path).is_absolute() {
        return None;
    }
    let joined = dir.join(path);
    Some(match query {
        Some(q) => format!("sqlite://{}?{q}", joined.display()),
        None => format!("sqlite://{}", joined.display()),
    })
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            url: "sqlite://trestle-relayer.db".into(),
            max_connections: 8,
            retention_days: 90,
        }
    }
}

/// The HTTP servers: the operator's (status, messages, metrics, probes) and, for a
/// validator, the public one other operators' relayers ask for attestations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApiConfig {
    /// The operator's listen address, default `127.0.0.1:9090`. Bound to anything but
    /// loopback, it needs `token_env`. Serves the attestation routes too while
    /// `public_listen` is not set.
    pub listen: String,
    /// The public attestation listener of a validator (`GET`/`POST /v1/attestations`,
    /// `/healthz` only), with a body limit, a request timeout and a cap on requests in
    /// flight. Unset: the attestations are served on `listen`.
    pub public_listen: Option<String>,
    /// The environment variable holding the bearer token the operator's routes require
    /// (`Authorization: Bearer ...`; the probes `/healthz` and `/readyz` excepted).
    pub token_env: Option<String>,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:9090".into(),
            public_listen: None,
            token_env: None,
        }
    }
}

/// Log output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// `human` (default) or `json`.
    pub format: LogFormat,
    /// A `tracing` filter directive such as `info` or `trestle_relayer=debug,info`. The
    /// `RUST_LOG` environment variable overrides it.
    pub level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            format: LogFormat::Human,
            level: "info".into(),
        }
    }
}

/// Log format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// One readable line per event.
    Human,
    /// One JSON object per line.
    Json,
}

/// What a chain is, with the settings only that kind has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainKind {
    /// An EVM chain (`kind = "evm"`, the default).
    Evm(EvmChainConfig),
    /// Solana (`kind = "solana"`): `bridge` is the program id.
    Solana(SolanaChainConfig),
}

/// The settings of an EVM chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvmChainConfig {
    /// EIP-155 chain id (checked against the node at start).
    pub chain_id: u64,
    /// The bridge contract on this chain.
    pub bridge: EvmAddress,
    /// Fee model, fees, poll interval and log range of a known chain; default: the preset of
    /// the chain id if there is one, else Ethereum-like defaults.
    pub preset: Option<Preset>,
    /// When a block is final: `{ confirmations = N }` or `"finalized"`. Default: the preset's.
    pub finality: Option<Finality>,
    /// The chain's WebSocket endpoint (`ws://` or `wss://`), usually the same node as
    /// `rpc_urls`: its new-head notifications (`eth_subscribe("newHeads")`) wake the indexer
    /// as soon as a block is announced instead of at its next poll. Polling stays the source
    /// of truth: a socket that never connects or drops costs at most `poll_interval_ms`.
    /// Only origin chains (those a route starts from) have an indexer; elsewhere it is unused.
    /// Default: none (polling only).
    pub ws_url: Option<String>,
}

/// One chain: what every kind has, and its kind's settings. Read from and written to TOML
/// through a private flat table (`kind = "solana"` beside the other keys), which refuses a key
/// the chain's kind does not have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ChainToml", into = "ChainToml")]
pub struct ChainConfig {
    /// Unique name used in routes, logs and metrics.
    pub name: String,
    /// Its protocol domain (never 0, unique).
    pub domain: u32,
    /// RPC endpoints in order of preference (failover).
    pub rpc_urls: Vec<String>,
    /// How many of `rpc_urls` a validator asks about each message from this chain, and
    /// needs to agree (the message there as recorded, final, in the same block) before it
    /// signs: 1..=`rpc_urls.len()`. Default: a majority of them (1 of 1, 2 of 2, 2 of 3,
    /// 3 of 4). Relayers and indexers fail over between the endpoints and ignore it.
    pub quorum: Option<usize>,
    /// The indexer starts after this block (slot on Solana) when it has no cursor yet; an
    /// explicit value is used as is. Default on an EVM chain: the bridge's deployment block,
    /// found by a binary search of `eth_getCode` at the first start (a node without old
    /// state, not an archive node, cannot say: then block 0, with a warning); on Solana,
    /// slot 0, the program's first transaction the node has (a Solana indexer lists the
    /// program's transactions, so a start costs their number, not the slots').
    pub start_block: Option<u64>,
    /// Blocks read per indexer step (EVM). 1..=100,000, default 1,000. A Solana indexer
    /// reads a page of up to 1,000 of the program's transactions per step instead.
    pub index_batch_blocks: u64,
    /// Poll interval of the indexer and receipt waits, in milliseconds. Default: the EVM
    /// preset's, or the Solana default.
    pub poll_interval_ms: Option<u64>,
    /// Warn (log and `trestle_wallet_balance_low{chain} 1`) while the relayer's submitting
    /// key on this destination holds less than this, in the chain's native unit as a decimal
    /// string: ether on EVM chains, SOL on Solana (`"0.5"`). Default: no warning.
    pub low_balance: Option<String>,
    /// EVM or Solana, with that kind's settings.
    pub kind: ChainKind,
}

fn default_index_batch() -> u64 {
    1_000
}

impl ChainConfig {
    /// The EVM settings; `None` for a Solana chain.
    pub fn evm(&self) -> Option<&EvmChainConfig> {
        match &self.kind {
            ChainKind::Evm(evm) => Some(evm),
            ChainKind::Solana(_) => None,
        }
    }

    /// The Solana settings; `None` for an EVM chain.
    pub fn solana(&self) -> Option<&SolanaChainConfig> {
        match &self.kind {
            ChainKind::Evm(_) => None,
            ChainKind::Solana(solana) => Some(solana),
        }
    }

    /// How many of the chain's endpoints must agree on a message before a validator signs it:
    /// `quorum` if set, else a majority of `rpc_urls`.
    pub fn quorum(&self) -> usize {
        self.quorum.unwrap_or(self.rpc_urls.len() / 2 + 1)
    }

    /// The Solana settings, or a configuration error naming the chain.
    pub(crate) fn solana_settings(&self) -> Result<SolanaChainConfig> {
        self.solana().copied().ok_or_else(|| {
            Error::config(
                format!("chains ({})", self.name),
                "not a solana chain (no program id)",
            )
        })
    }

    /// `low_balance` in base units (wei, lamports); `None` when unset or not a valid amount
    /// (which [`Config::validate`] refuses).
    pub fn low_balance_units(&self) -> Option<u128> {
        parse_amount(self.low_balance.as_deref()?, self.native_decimals()).ok()
    }

    /// Decimals of the native unit `low_balance` is written in (ether, SOL).
    pub fn native_decimals(&self) -> u32 {
        match self.kind {
            ChainKind::Evm(_) => low_balance::EVM_DECIMALS,
            ChainKind::Solana(_) => low_balance::SOLANA_DECIMALS,
        }
    }

    /// The bridge as a 32-byte universal address (the origin bridge of attestation digests):
    /// the EVM contract left-padded, or the Solana program id.
    pub fn bridge_address(&self) -> trestle_core::chain::UniversalAddress {
        match &self.kind {
            ChainKind::Evm(evm) => trestle_core::chain::UniversalAddress::from_evm(evm.bridge.0),
            ChainKind::Solana(s) => trestle_core::chain::UniversalAddress(s.program.0),
        }
    }

    /// The EVM adapter's configuration of this chain; `None` for a Solana chain.
    pub fn evm_config(&self) -> Option<trestle_evm::EvmChainConfig> {
        self.evm().map(|evm| self.adapter_config(evm))
    }

    /// The EVM adapter's configuration of this chain with its EVM settings `evm`.
    pub fn adapter_config(&self, evm: &EvmChainConfig) -> trestle_evm::EvmChainConfig {
        let preset = evm
            .preset
            .or_else(|| Preset::from_chain_id(evm.chain_id))
            .unwrap_or(Preset::Ethereum);
        let mut config = trestle_evm::EvmChainConfig::preset(preset, self.rpc_urls.clone());
        config.name = self.name.clone();
        config.chain_id = evm.chain_id;
        if let Some(finality) = evm.finality {
            config.finality = finality;
        }
        if let Some(ms) = self.poll_interval_ms {
            config.poll_interval_ms = ms;
        }
        config
    }
}

/// A route: messages from `from` to `to`, attested by `validators` (the destination bridge's
/// set for the origin when the daemon starts).
///
/// The daemon follows the destination bridge: it reads `remote(origin)` there and uses the
/// epoch, threshold and members it holds, so a rotation through the admin timelock takes
/// effect without a restart. `epoch`, `threshold` and `validators` are the set expected at
/// start (a difference is logged, and they are used while the destination cannot be read);
/// the endpoints of `validators` and `standby` are where the members of the current set are
/// asked for attestations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteConfig {
    /// Origin chain name.
    pub from: String,
    /// Destination chain name.
    pub to: String,
    /// Epoch of the destination's validator set for the origin (>= 1).
    pub epoch: u64,
    /// Signatures needed (1..=len, and at least ceil(2n/3) like the contracts).
    pub threshold: usize,
    /// The set, in any order (the relayer sorts signatures by signer).
    pub validators: Vec<ValidatorEndpoint>,
    /// Validators not in the set above that a later set may hold (the next set of a planned
    /// rotation): asked for attestations once the destination's set contains them. A
    /// validator key listed here attests once the destination's set holds it. Default none.
    #[serde(default)]
    pub standby: Vec<ValidatorEndpoint>,
    /// This relayer's delivery-fee policy on the route (`[routes.fees]`; default: deliver
    /// what paid at least 90% of the origin's current quote). Validators ignore it.
    #[serde(default)]
    pub fees: FeePolicy,
}

impl RouteConfig {
    /// The endpoint of a validator of this route (in `validators` or `standby`).
    pub fn endpoint(&self, address: &EvmAddress) -> Option<&ValidatorEndpoint> {
        self.validators
            .iter()
            .chain(&self.standby)
            .find(|v| v.address == *address)
    }
}

/// One validator of a route: its address and where it serves attestations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidatorEndpoint {
    /// The validator's signing address.
    pub address: EvmAddress,
    /// Base URL of its HTTP API (`GET {url}/v1/attestations/{id}`).
    pub url: String,
}

/// An encrypted key: a Web3 Secret Storage v3 file and the environment variable that holds
/// its password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyConfig {
    /// The keystore file.
    pub keystore: PathBuf,
    /// The environment variable holding the password.
    pub password_env: String,
}

/// The validator role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidatorConfig {
    /// The signing key: a Web3 Secret Storage v3 file. Give this or `pkcs11`.
    #[serde(default, skip_serializing_if = "path_unset")]
    pub keystore: PathBuf,
    /// The environment variable holding its password. Default `TRESTLE_VALIDATOR_PASSWORD`.
    #[serde(default = "default_validator_password_env")]
    pub password_env: String,
    /// The signing key in an HSM instead (`pkcs11 = { module, token_label or slot,
    /// key_label, pin_env }`): a secp256k1 key pair on a PKCS#11 token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pkcs11: Option<Pkcs11KeyConfig>,
}

/// An unset `keystore` (a role whose key is in an HSM).
fn path_unset(path: &Path) -> bool {
    path.as_os_str().is_empty()
}

/// Whether `name` can name an environment variable (`A-Z`, `0-9`, `_`; not empty).
pub(crate) fn is_env_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn default_validator_password_env() -> String {
    "TRESTLE_VALIDATOR_PASSWORD".into()
}

fn default_relayer_password_env() -> String {
    "TRESTLE_RELAYER_PASSWORD".into()
}

impl ValidatorConfig {
    /// The signing key's keystore (unset when the key is in an HSM: see
    /// [`ValidatorConfig::key_source`]).
    pub fn key(&self) -> KeyConfig {
        KeyConfig {
            keystore: self.keystore.clone(),
            password_env: self.password_env.clone(),
        }
    }

    /// Where the signing key is: the keystore, or the HSM.
    pub fn key_source(&self) -> EvmKeySource {
        match &self.pkcs11 {
            Some(p) => EvmKeySource::Pkcs11(p.clone()),
            None => EvmKeySource::Keystore(self.key()),
        }
    }
}

impl RelayerConfig {
    /// The sending key's keystore (unset when the key is in an HSM: see
    /// [`RelayerConfig::key_source`]).
    pub fn key(&self) -> KeyConfig {
        KeyConfig {
            keystore: self.keystore.clone(),
            password_env: self.password_env.clone(),
        }
    }

    /// Where the sending key is: the keystore, or the HSM.
    pub fn key_source(&self) -> EvmKeySource {
        match &self.pkcs11 {
            Some(p) => EvmKeySource::Pkcs11(p.clone()),
            None => EvmKeySource::Keystore(self.key()),
        }
    }
}

/// The relayer role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelayerConfig {
    /// The key that pays for and sends `deliver` transactions on every EVM destination: a
    /// Web3 Secret Storage v3 file. Give this or `pkcs11`.
    #[serde(default, skip_serializing_if = "path_unset")]
    pub keystore: PathBuf,
    /// The environment variable holding its password. Default `TRESTLE_RELAYER_PASSWORD`.
    #[serde(default = "default_relayer_password_env")]
    pub password_env: String,
    /// That key in an HSM instead (`pkcs11 = { module, token_label or slot, key_label,
    /// pin_env }`): a secp256k1 key pair on a PKCS#11 token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pkcs11: Option<Pkcs11KeyConfig>,
    /// Most messages in one `deliverBatch`. 1..=64, default 8 (1 sends plain `deliver`).
    /// On a Solana destination (no batch transaction): most messages landing at once.
    #[serde(default = "default_batch_size")]
    pub batch_size: usize,
    /// Attempts before a message is parked as failed (an operator may retry it). Default 8.
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// First retry delay in milliseconds, doubled per attempt with jitter. Default 2,000.
    #[serde(default = "default_backoff_initial_ms")]
    pub backoff_initial_ms: u64,
    /// Longest retry delay in milliseconds. Default 300,000.
    #[serde(default = "default_backoff_max_ms")]
    pub backoff_max_ms: u64,
    /// How often the queues are worked, in milliseconds. Default 1,000.
    #[serde(default = "default_tick_ms")]
    pub poll_interval_ms: u64,
    /// How soon a message indexed in the last 10 s whose attestations are not all there yet
    /// is asked for them again (validators usually sign within a poll of finality), in
    /// milliseconds; older ones wait `poll_interval_ms`. Default 10 (one batched request per
    /// validator per poll, for every waiting message; 25 cost 19 ms of reaction p50,
    /// docs/benchmarks.md).
    #[serde(default = "default_attestation_poll_ms")]
    pub attestation_poll_ms: u64,
    /// A `deliver` transaction not mined this long after its last broadcast is replaced with
    /// a fee bump (same nonce), in milliseconds. Default 60,000.
    #[serde(default = "default_replace_after_ms")]
    pub replace_after_ms: u64,
    /// How an EVM destination's `deliverBatch` of token transfers gets its gas limit:
    /// `"learned"` (default) from the gas recent delivery transactions used per message, with
    /// a margin, or `"estimate"`: `eth_estimateGas` for every batch. Batches holding an
    /// arbitrary message, retries, and the first batches of a run are always estimated.
    #[serde(default)]
    pub batch_gas: BatchGas,
    /// The fee payer of `deliver` transactions on Solana destinations (`[relayer.solana]`);
    /// required when a route ends at a Solana chain.
    #[serde(default)]
    pub solana: Option<SolanaKeyConfig>,
}

/// `relayer.batch_gas`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BatchGas {
    /// From recent receipts (see `relay::gas`).
    #[default]
    Learned,
    /// `eth_estimateGas` for every batch.
    Estimate,
}

fn default_attestation_poll_ms() -> u64 {
    10
}

fn default_replace_after_ms() -> u64 {
    60_000
}

fn default_batch_size() -> usize {
    8
}
fn default_max_attempts() -> u32 {
    8
}
fn default_backoff_initial_ms() -> u64 {
    2_000
}
fn default_backoff_max_ms() -> u64 {
    300_000
}
fn default_tick_ms() -> u64 {
    1_000
}

impl Config {
    /// Parses TOML (unknown keys refused) and validates it.
    pub fn parse(text: &str) -> Result<Self> {
        let config: Config = toml::from_str(text).map_err(|e| Error::ConfigParse {
            reason: e.to_string(),
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Reads, parses and validates a file. Relative keystore paths, and the path of a SQLite
    /// store, are taken relative to the file's directory (not the daemon's working
    /// directory, which a service manager may set anywhere).
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::ConfigRead {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let mut config = Self::parse(&text)?;
        if let Some(dir) = path.parent() {
            if let Some(v) = config.validator.as_mut()
                && v.keystore.is_relative()
                && !path_unset(&v.keystore)
            {
                v.keystore = dir.join(&v.keystore);
            }
            if let Some(r) = config.relayer.as_mut()
                && r.keystore.is_relative()
                && !path_unset(&r.keystore)
            {
                r.keystore = dir.join(&r.keystore);
            }
            if let Some(k) = config.relayer.as_mut().and_then(|r| r.solana.as_mut())
                && k.keystore.is_relative()
            {
                k.keystore = dir.join(&k.keystore);
            }
            if let Some(o) = config.fee_oracle.as_mut()
                && o.keystore.is_relative()
            {
                o.keystore = dir.join(&o.keystore);
            }
            if let Some(k) = config.fee_oracle.as_mut().and_then(|o| o.solana.as_mut())
                && k.keystore.is_relative()
            {
                k.keystore = dir.join(&k.keystore);
            }
            if let Some(url) = sqlite_beside(&config.store.url, dir) {
                config.store.url = url;
            }
        }
        Ok(config)
    }

    /// The API listen address.
    pub fn api_listen(&self) -> Result<SocketAddr> {
        parse_listen("api.listen", &self.api.listen)
    }

    /// The public attestation listener's address, when one is configured.
    pub fn api_public_listen(&self) -> Result<Option<SocketAddr>> {
        self.api
            .public_listen
            .as_deref()
            .map(|listen| parse_listen("api.public_listen", listen))
            .transpose()
    }

    /// The chain with this name.
    pub fn chain(&self, name: &str) -> Option<&ChainConfig> {
        self.chains.iter().find(|c| c.name == name)
    }

    /// The chain with this domain.
    pub fn chain_by_domain(&self, domain: u32) -> Option<&ChainConfig> {
        self.chains.iter().find(|c| c.domain == domain)
    }

    /// A one-paragraph summary for `check-config`.
    pub fn summary(&self) -> String {
        let mut roles = Vec::new();
        if self.validator.is_some() {
            roles.push("validator");
        }
        if self.relayer.is_some() {
            roles.push("relayer");
        }
        if self.fee_oracle.is_some() {
            roles.push("fee oracle");
        }
        let chains: Vec<String> = self
            .chains
            .iter()
            .map(|c| {
                let mut about = format!("domain {}", c.domain);
                if let Some(low) = &c.low_balance {
                    let unit = match c.kind {
                        ChainKind::Evm(_) => "ether",
                        ChainKind::Solana(_) => "SOL",
                    };
                    about.push_str(&format!(", low_balance {low} {unit}"));
                }
                if let Some(url) = c.evm().and_then(|e| e.ws_url.as_ref()) {
                    let shown = trestle_evm::heads::display_ws_url(url);
                    about.push_str(&format!(", new heads from {shown}"));
                }
                format!("{} ({about})", c.name)
            })
            .collect();
        let routes: Vec<String> = self
            .routes
            .iter()
            .map(|r| {
                let standby = if r.standby.is_empty() {
                    String::new()
                } else {
                    format!(", {} standby", r.standby.len())
                };
                format!(
                    "{} -> {} ({}-of-{}, epoch {}{standby})",
                    r.from,
                    r.to,
                    r.threshold,
                    r.validators.len(),
                    r.epoch
                )
            })
            .collect();
        format!(
            "roles: {}\nchains: {}\nroutes: {}\nstore: {}\napi: {}",
            roles.join(", "),
            chains.join(", "),
            routes.join(", "),
            redact_url(&self.store.url),
            self.api.listen
        )
    }

    /// The validator set of a route, sorted, with the contracts' configuration rule on the
    /// threshold (at least two thirds for three or more validators).
    pub fn validator_set(
        &self,
        route: &RouteConfig,
    ) -> std::result::Result<trestle_bridge::ValidatorSet, trestle_bridge::Error> {
        let mut addresses: Vec<EvmAddress> = route.validators.iter().map(|v| v.address).collect();
        addresses.sort();
        trestle_bridge::ValidatorSet::new_for_configuration(route.epoch, addresses, route.threshold)
    }
}

/// `listen` (the value of `field`) as an address.
fn parse_listen(field: &str, listen: &str) -> Result<SocketAddr> {
    listen
        .parse()
        .map_err(|e| Error::config(field, format!("`{listen}` is not an IP:port address: {e}")))
}

/// The store URL with any password replaced by `***` and any query (`?password=...`,
/// `?sslpassword=...`) by `?…`; the user, host and database stay (operators need them).
pub fn redact_url(url: &str) -> String {
    let (url, query) = match url.split_once('?') {
        Some((url, _)) => (url, "?…"),
        None => (url, ""),
    };
    let Some((scheme, rest)) = url.split_once("://") else {
        return format!("{url}{query}");
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return format!("{url}{query}");
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}{query}"),
        None => format!("{url}{query}"),
    }
}

#[cfg(test)]
mod tests;
