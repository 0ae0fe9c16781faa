//! The chains of `trestle bridge`: the `[[chains]]` (and `[[routes]]`, `[api]`) tables of the
//! relayer's configuration file, read leniently so that one file serves the daemon and its
//! users. Only the keys a user's client needs are read; the daemon's own tables (`[store]`,
//! `[validator]`, `[relayer]`, ...) are ignored, and no role is required.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};
use serde::Deserialize;
use trestle_bridge_client::{Destination, EvmBridge, RelayerApi, SolanaBridge};
use trestle_core::chain::UniversalAddress;
use trestle_core::evm::EvmAddress;
use trestle_core::solana::SolanaAddress;
use trestle_evm::{EvmChain, EvmChainConfig, Preset};

/// The parts of the file `trestle bridge` reads.
#[derive(Debug, Deserialize)]
pub struct ChainsFile {
    #[serde(default)]
    chains: Vec<ChainEntry>,
    #[serde(default)]
    routes: Vec<RouteEntry>,
    #[serde(default)]
    api: Option<ApiEntry>,
}

/// One `[[chains]]` entry.
#[derive(Debug, Clone, Deserialize)]
pub struct ChainEntry {
    /// Unique name.
    pub name: String,
    /// Protocol domain.
    pub domain: u32,
    /// `evm` (default) or `solana`.
    #[serde(default)]
    kind: Kind,
    /// EIP-155 chain id (EVM).
    #[serde(default)]
    chain_id: Option<u64>,
    /// RPC endpoints.
    rpc_urls: Vec<String>,
    /// The bridge contract (EVM) or program id (Solana).
    bridge: String,
    /// EVM preset.
    #[serde(default)]
    preset: Option<Preset>,
    /// EVM poll interval.
    #[serde(default)]
    poll_interval_ms: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    #[default]
    Evm,
    Solana,
}

#[derive(Debug, Clone, Deserialize)]
struct RouteEntry {
    from: String,
    to: String,
    threshold: usize,
    #[serde(default)]
    validators: Vec<ValidatorEntry>,
}

#[derive(Debug, Clone, Deserialize)]
struct ValidatorEntry {
    url: String,
}

#[derive(Debug, Clone, Deserialize)]
struct ApiEntry {
    #[serde(default)]
    listen: Option<String>,
}

/// A chain's bridge, connected.
pub enum Bridge {
    /// EVM.
    Evm(EvmBridge),
    /// Solana.
    Solana(SolanaBridge),
}

impl Bridge {
    /// The destination view of this bridge.
    pub fn destination(&self) -> Destination {
        match self {
            Bridge::Evm(b) => Destination::Evm(b.clone()),
            Bridge::Solana(b) => Destination::Solana(b.clone()),
        }
    }
}

impl ChainsFile {
    /// Reads and parses `path`; refuses a file with no chains or a repeated name.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the chains file {}", path.display()))?;
        let file: ChainsFile = toml::from_str(&text)
            .with_context(|| format!("the chains file {} does not parse", path.display()))?;
        if file.chains.is_empty() {
            bail!("{}: no [[chains]] entry", path.display());
        }
        for (i, c) in file.chains.iter().enumerate() {
            if file.chains.iter().take(i).any(|o| o.name == c.name) {
                bail!("{}: chain `{}` is listed twice", path.display(), c.name);
            }
        }
        Ok(file)
    }

    /// The chain named `name`; the error lists the configured names.
    pub fn chain(&self, name: &str) -> anyhow::Result<&ChainEntry> {
        self.chains
            .iter()
            .find(|c| c.name == name)
            .with_context(|| {
                let names: Vec<&str> = self.chains.iter().map(|c| c.name.as_str()).collect();
                format!(
                    "no chain is named `{name}` (configured: {})",
                    names.join(", ")
                )
            })
    }

    /// The chain of `domain`, if configured.
    pub fn chain_by_domain(&self, domain: u32) -> Option<&ChainEntry> {
        self.chains.iter().find(|c| c.domain == domain)
    }

    /// The relayer API from `[api] listen` (an unspecified address becomes loopback).
    pub fn api_url(&self) -> Option<String> {
        let listen = self.api.as_ref()?.listen.as_ref()?;
        let listen = listen
            .strip_prefix("0.0.0.0:")
            .map(|port| format!("127.0.0.1:{port}"))
            .unwrap_or_else(|| listen.clone());
        Some(format!("http://{listen}"))
    }

    /// The validators' endpoints and threshold of the route `from` -> `to`, if configured.
    pub fn route(&self, from: &str, to: &str) -> anyhow::Result<Option<(Vec<RelayerApi>, usize)>> {
        let Some(r) = self.routes.iter().find(|r| r.from == from && r.to == to) else {
            return Ok(None);
        };
        let apis = r
            .validators
            .iter()
            .map(|v| RelayerApi::new(&v.url))
            .collect::<Result<Vec<_>, _>>()
            .with_context(|| format!("route {from} -> {to}"))?;
        Ok(Some((apis, r.threshold)))
    }
}

impl ChainEntry {
    /// Whether this is a Solana chain.
    pub fn is_solana(&self) -> bool {
        self.kind == Kind::Solana
    }

    /// Parses `text` as an address of this chain (EIP-55 checked EVM address, or base58
    /// Solana address) into a universal address; `what` names the argument in the error.
    pub fn parse_address(&self, what: &str, text: &str) -> anyhow::Result<UniversalAddress> {
        match self.kind {
            Kind::Evm => EvmAddress::parse(text)
                .map(|a| UniversalAddress::from_evm(a.0))
                .with_context(|| format!("{what} `{text}` is not an EVM address of {}", self.name)),
            Kind::Solana => SolanaAddress::parse(text)
                .map(|a| UniversalAddress(a.0))
                .with_context(|| {
                    format!("{what} `{text}` is not a Solana address of {}", self.name)
                }),
        }
    }

    fn first_url(&self) -> anyhow::Result<&str> {
        self.rpc_urls
            .first()
            .map(String::as_str)
            .with_context(|| format!("chain `{}` has no rpc_urls", self.name))
    }

    /// Connects to the chain's bridge (an EVM chain's id is checked against the node).
    pub async fn connect(&self) -> anyhow::Result<Bridge> {
        match self.kind {
            Kind::Evm => {
                let chain_id = self
                    .chain_id
                    .with_context(|| format!("EVM chain `{}` needs chain_id", self.name))?;
                let bridge = EvmAddress::parse(&self.bridge)
                    .with_context(|| format!("chain `{}`: bridge `{}`", self.name, self.bridge))?;
                let preset = self
                    .preset
                    .or_else(|| Preset::from_chain_id(chain_id))
                    .unwrap_or(Preset::Ethereum);
                let mut config = EvmChainConfig::preset(preset, self.rpc_urls.clone());
                config.name = self.name.clone();
                config.chain_id = chain_id;
                if let Some(ms) = self.poll_interval_ms {
                    config.poll_interval_ms = ms;
                }
                let chain = EvmChain::connect(config)
                    .await
                    .with_context(|| format!("connecting to chain `{}`", self.name))?;
                Ok(Bridge::Evm(EvmBridge::new(Arc::new(chain), bridge)))
            }
            Kind::Solana => {
                let program = SolanaAddress::parse(&self.bridge).with_context(|| {
                    format!(
                        "chain `{}`: bridge (program id) `{}`",
                        self.name, self.bridge
                    )
                })?;
                Ok(Bridge::Solana(SolanaBridge::connect(
                    &self.name,
                    self.first_url()?,
                    program,
                )?))
            }
        }
    }
}
