//! The chains of `trestle bridge`: the `[[chains]]`, `[[routes]]` and `[api]` tables of the
//! relayer's configuration file, read with the relayer's own types
//! ([`trestle_relayer::config`]), so that one file serves the daemon and its users and the two
//! cannot read a chain differently. The daemon's other tables (`[store]`, `[log]`,
//! `[validator]`, `[relayer]`) are ignored and no role is required; a `[[chains]]` entry the
//! daemon would refuse (an unknown key, a key of the other chain kind, a malformed bridge
//! address) is refused here too.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};
use serde::Deserialize;
use trestle_bridge_client::{Destination, EvmBridge, RelayerApi, SolanaBridge};
use trestle_core::chain::UniversalAddress;
use trestle_core::evm::EvmAddress;
use trestle_core::solana::SolanaAddress;
use trestle_evm::EvmChain;
use trestle_relayer::config::{ApiConfig, ChainConfig, ChainKind, RouteConfig};

/// The parts of the file `trestle bridge` reads.
#[derive(Debug, Deserialize)]
pub struct ChainsFile {
    #[serde(default)]
    chains: Vec<ChainConfig>,
    #[serde(default)]
    routes: Vec<RouteConfig>,
    #[serde(default)]
    api: Option<ApiConfig>,
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
        let file = Self::parse(&text)
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

    /// Parses the tables `trestle bridge` reads out of a relayer configuration.
    fn parse(text: &str) -> Result<Self, toml::de::Error> {
        toml::from_str(text)
    }

    /// The chain named `name`; the error lists the configured names.
    pub fn chain(&self, name: &str) -> anyhow::Result<&ChainConfig> {
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
    pub fn chain_by_domain(&self, domain: u32) -> Option<&ChainConfig> {
        self.chains.iter().find(|c| c.domain == domain)
    }

    /// The relayer API from `[api] listen` (an unspecified address becomes loopback); none
    /// without an `[api]` table.
    pub fn api_url(&self) -> Option<String> {
        let listen = &self.api.as_ref()?.listen;
        let listen = listen
            .strip_prefix("0.0.0.0:")
            .map(|port| format!("127.0.0.1:{port}"))
            .unwrap_or_else(|| listen.clone());
        Some(format!("http://{listen}"))
    }

    /// The environment variable `[api] token_env` names: where the relayer of this file reads
    /// its operator token from.
    pub fn api_token_env(&self) -> Option<&str> {
        self.api.as_ref()?.token_env.as_deref()
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

/// Whether `chain` is a Solana chain.
pub fn is_solana(chain: &ChainConfig) -> bool {
    chain.solana().is_some()
}

/// Parses `text` as an address of `chain` (EIP-55 checked EVM address, or base58 Solana
/// address) into a universal address; `what` names the argument in the error.
pub fn parse_address(
    chain: &ChainConfig,
    what: &str,
    text: &str,
) -> anyhow::Result<UniversalAddress> {
    if is_solana(chain) {
        SolanaAddress::parse(text)
            .map(|a| UniversalAddress(a.0))
            .with_context(|| format!("{what} `{text}` is not a Solana address of {}", chain.name))
    } else {
        EvmAddress::parse(text)
            .map(|a| UniversalAddress::from_evm(a.0))
            .with_context(|| format!("{what} `{text}` is not an EVM address of {}", chain.name))
    }
}

/// Connects to `chain`'s bridge: an EVM chain with the daemon's settings of it (preset, poll
/// interval; its chain id is checked against the node), a Solana chain through its first RPC
/// endpoint.
pub async fn connect(chain: &ChainConfig) -> anyhow::Result<Bridge> {
    match &chain.kind {
        ChainKind::Evm(settings) => {
            let evm = EvmChain::connect(chain.adapter_config(settings))
                .await
                .with_context(|| format!("connecting to chain `{}`", chain.name))?;
            Ok(Bridge::Evm(EvmBridge::new(Arc::new(evm), settings.bridge)))
        }
        ChainKind::Solana(solana) => {
            let url = chain
                .rpc_urls
                .first()
                .with_context(|| format!("chain `{}` has no rpc_urls", chain.name))?;
            Ok(Bridge::Solana(SolanaBridge::connect(
                &chain.name,
                url,
                solana.program,
            )?))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROGRAM: &str = "TRESTLEbridge111111111111111111111111111111";

    /// A daemon's whole configuration: the tables `trestle bridge` does not read are ignored.
    #[test]
    fn reads_a_relayer_configuration_with_or_without_its_roles() {
        let chains = format!(
            r#"
            [[chains]]
            name = "a"
            domain = 1
            chain_id = 31337
            rpc_urls = ["http://127.0.0.1:8545"]
            bridge = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
            finality = {{ confirmations = 2 }}
            poll_interval_ms = 100
            low_balance = "0.5"

            [[chains]]
            name = "sol"
            kind = "solana"
            domain = 3
            rpc_urls = ["http://127.0.0.1:8899"]
            bridge = "{PROGRAM}"
            commitment = "confirmed"

            [[routes]]
            from = "a"
            to = "sol"
            epoch = 1
            threshold = 1
            validators = [{{ address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", url = "http://127.0.0.1:7001" }}]
            "#
        );
        let daemon = format!(
            "[store]\nurl = \"sqlite://x.db\"\n\n[log]\nformat = \"json\"\n\n[api]\nlisten = \"0.0.0.0:9191\"\n{chains}\n[relayer]\nkeystore = \"r.json\"\n\n[relayer.solana]\nkeystore = \"s.json\"\n\n[validator]\nkeystore = \"v.json\"\n"
        );
        for text in [chains.as_str(), daemon.as_str()] {
            let file = ChainsFile::parse(text).unwrap();
            let a = file.chain("a").unwrap();
            assert!(!is_solana(a));
            assert_eq!(a.evm().unwrap().chain_id, 31_337);
            assert_eq!(a.evm_config().unwrap().poll_interval_ms, 100);
            let sol = file.chain_by_domain(3).unwrap();
            assert!(is_solana(sol));
            assert_eq!(sol.name, "sol");
            assert_eq!(
                parse_address(sol, "--recipient", PROGRAM).unwrap(),
                UniversalAddress(SolanaAddress::parse(PROGRAM).unwrap().0)
            );
            let (validators, threshold) = file.route("a", "sol").unwrap().unwrap();
            assert_eq!((validators.len(), threshold), (1, 1));
            assert!(file.route("sol", "a").unwrap().is_none());
        }
        assert_eq!(ChainsFile::parse(&chains).unwrap().api_url(), None);
        assert_eq!(
            ChainsFile::parse(&daemon).unwrap().api_url().as_deref(),
            Some("http://127.0.0.1:9191")
        );
    }

    /// The daemon's rules for a chain entry, with the chain named.
    #[test]
    fn refuses_a_chain_entry_the_daemon_refuses() {
        let cases = [
            // A key of the other kind.
            (
                format!(
                    "name = \"sol\"\nkind = \"solana\"\ndomain = 3\nchain_id = 0\nrpc_urls = [\"http://127.0.0.1:8899\"]\nbridge = \"{PROGRAM}\""
                ),
                "chain `sol`: `chain_id` is not a key of solana chains",
            ),
            // An EVM chain without its chain id.
            (
                "name = \"a\"\ndomain = 1\nrpc_urls = [\"http://127.0.0.1:8545\"]\nbridge = \"0x5FbDB2315678afecb367f032d93F642f64180aa3\"".to_owned(),
                "chain `a`: missing field `chain_id`",
            ),
            // A bridge that is no EVM address.
            (
                "name = \"a\"\ndomain = 1\nchain_id = 1\nrpc_urls = [\"http://127.0.0.1:8545\"]\nbridge = \"0x1234\"".to_owned(),
                "chain `a`: bridge `0x1234` is not an EVM address",
            ),
            // A key no chain has.
            (
                "name = \"a\"\ndomain = 1\nchain_id = 1\nrpc_urls = [\"http://127.0.0.1:8545\"]\nbridge = \"0x5FbDB2315678afecb367f032d93F642f64180aa3\"\ncolour = \"red\"".to_owned(),
                "unknown field `colour`",
            ),
        ];
        for (entry, expected) in cases {
            let err = ChainsFile::parse(&format!("[[chains]]\n{entry}\n"))
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "expected `{expected}` in {err}");
        }
    }

    #[test]
    fn load_refuses_a_file_without_chains_or_with_a_name_twice() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trestle.toml");
        let entry = "[[chains]]\nname = \"a\"\ndomain = 1\nchain_id = 1\nrpc_urls = [\"http://127.0.0.1:8545\"]\nbridge = \"0x5FbDB2315678afecb367f032d93F642f64180aa3\"\n";
        for (text, expected) in [
            (
                "[store]\nurl = \"sqlite://x.db\"\n".to_owned(),
                "no [[chains]] entry",
            ),
            (format!("{entry}{entry}"), "chain `a` is listed twice"),
            ("[[chains]]\nname = 1\n".to_owned(), "does not parse"),
        ] {
            std::fs::write(&path, text).unwrap();
            let err = format!("{:#}", ChainsFile::load(&path).unwrap_err());
            assert!(err.contains(expected), "expected `{expected}` in {err}");
        }
        let missing = dir.path().join("missing.toml");
        let err = format!("{:#}", ChainsFile::load(&missing).unwrap_err());
        assert!(err.contains("cannot read the chains file"), "{err}");
    }
}
