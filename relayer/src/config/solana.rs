//! Solana chains in the configuration: `kind = "solana"` with the bridge program id as
//! `bridge` (base58) and the commitment at which messages are indexed and attested.
//!
//! ```toml
//! [[chains]]
//! name = "solana"
//! kind = "solana"
//! domain = 3
//! rpc_urls = ["http://127.0.0.1:8899", "https://backup.example"]  # failover, in order
//! bridge = "TRESTLEbridge111111111111111111111111111111"
//! commitment = "finalized"      # default; "confirmed" only for local tests
//!
//! [relayer.solana]              # the relayer's fee payer on Solana destinations
//! keystore = "relayer-solana.json"
//! password_env = "TRESTLE_RELAYER_SOLANA_PASSWORD"
//! ```
//!
//! A Solana chain takes one or more `rpc_urls` (each `http://` or `https://`, no two the same):
//! requests go to the one in use and fail over to the next when it cannot answer
//! (`trestle_solana::SolanaClient`).
//!
//! Every `[[chains]]` table is read in this module's [`ChainToml`] form first, then turned into
//! a [`ChainConfig`]: EVM chains as before, Solana chains with [`ChainConfig::solana`] set.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use trestle_core::evm::EvmAddress;
use trestle_core::solana::SolanaAddress;
use trestle_evm::{Finality, Preset};

use super::{ChainConfig, ChainKind, EvmChainConfig, KeyConfig, default_index_batch};
use crate::error::{Error, Result};

/// The Solana settings of a chain with `kind = "solana"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SolanaChainConfig {
    /// The bridge program id (the chain's `bridge`; the origin bridge in attestation digests).
    pub program: SolanaAddress,
    /// The commitment at which the indexer reads the program's transactions and validators
    /// attest them. Default `finalized`.
    pub commitment: SolanaCommitment,
}

/// The commitment at which a Solana origin is read and attested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SolanaCommitment {
    /// Voted on by a supermajority; may still be rolled back in theory. For local tests.
    Confirmed,
    /// Rooted: the bridge's finality rule (default).
    #[default]
    Finalized,
}

impl SolanaCommitment {
    /// The Solana adapter's commitment.
    pub fn to_commitment(self) -> trestle_solana::Commitment {
        match self {
            SolanaCommitment::Confirmed => trestle_solana::Commitment::Confirmed,
            SolanaCommitment::Finalized => trestle_solana::Commitment::Finalized,
        }
    }
}

/// The checks of a Solana chain's `rpc_urls` (`key` names a field of the chain): at least
/// one, each an `http://` or `https://` URL with a host, no two the same. Errors name the
/// entry (`chains[N].rpc_urls[M]`) and never repeat the URL (it may hold an API key).
pub(super) fn validate_rpc_urls(urls: &[String], key: &dyn Fn(&str) -> String) -> Result<()> {
    if urls.is_empty() {
        return Err(Error::config(
            key("rpc_urls"),
            "at least one RPC endpoint is needed",
        ));
    }
    for (i, url) in urls.iter().enumerate() {
        let field = key(&format!("rpc_urls[{i}]"));
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| Error::config(field.clone(), format!("not a URL: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::config(field, "must be an http:// or https:// URL"));
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(Error::config(field, "the URL has no host"));
        }
        if let Some(first) = urls.iter().position(|u| u == url)
            && first < i
        {
            return Err(Error::config(
                field,
                format!("the same endpoint as rpc_urls[{first}]"),
            ));
        }
    }
    Ok(())
}

/// The relayer's key on Solana destinations (`[relayer.solana]`): a Web3 Secret Storage v3
/// file whose secret is the 32-byte ed25519 seed, and the environment variable holding its
/// password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SolanaKeyConfig {
    /// The keystore file.
    pub keystore: PathBuf,
    /// The environment variable holding its password. Default
    /// `TRESTLE_RELAYER_SOLANA_PASSWORD`.
    #[serde(default = "default_solana_password_env")]
    pub password_env: String,
}

fn default_solana_password_env() -> String {
    "TRESTLE_RELAYER_SOLANA_PASSWORD".into()
}

impl SolanaKeyConfig {
    /// The key.
    pub fn key(&self) -> KeyConfig {
        KeyConfig {
            keystore: self.keystore.clone(),
            password_env: self.password_env.clone(),
        }
    }
}

/// The `kind` key of a `[[chains]]` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum KindName {
    /// An EVM chain.
    #[default]
    Evm,
    /// Solana.
    Solana,
}

/// A `[[chains]]` table as written: the union of the EVM and the Solana keys, checked for the
/// chain's kind when it becomes a [`ChainConfig`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainToml {
    name: String,
    domain: u32,
    #[serde(default)]
    kind: KindName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    chain_id: Option<u64>,
    rpc_urls: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    quorum: Option<usize>,
    bridge: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    preset: Option<Preset>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    finality: Option<Finality>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    commitment: Option<SolanaCommitment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    start_block: Option<u64>,
    #[serde(default = "default_index_batch")]
    index_batch_blocks: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    poll_interval_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ws_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    low_balance: Option<String>,
}

impl TryFrom<ChainToml> for ChainConfig {
    type Error = String;

    fn try_from(t: ChainToml) -> Result<Self, String> {
        let only = |key: &str, kind: &str, instead: &str| {
            format!(
                "chain `{}`: `{key}` is not a key of {kind} chains ({instead})",
                t.name
            )
        };
        let kind = match t.kind {
            KindName::Evm => {
                if t.commitment.is_some() {
                    return Err(only(
                        "commitment",
                        "evm",
                        "their finality rule is `finality`",
                    ));
                }
                let bridge = EvmAddress::parse(&t.bridge).map_err(|e| {
                    format!(
                        "chain `{}`: bridge `{}` is not an EVM address: {e}",
                        t.name, t.bridge
                    )
                })?;
                let chain_id = t
                    .chain_id
                    .ok_or_else(|| format!("chain `{}`: missing field `chain_id`", t.name))?;
                ChainKind::Evm(EvmChainConfig {
                    chain_id,
                    bridge,
                    preset: t.preset,
                    finality: t.finality,
                    ws_url: t.ws_url,
                })
            }
            KindName::Solana => {
                for (key, given, instead) in [
                    (
                        "chain_id",
                        t.chain_id.is_some(),
                        "the program id identifies the bridge",
                    ),
                    (
                        "preset",
                        t.preset.is_some(),
                        "their finality rule is `commitment`",
                    ),
                    (
                        "finality",
                        t.finality.is_some(),
                        "their finality rule is `commitment`",
                    ),
                    ("ws_url", t.ws_url.is_some(), "Solana chains are polled"),
                ] {
                    if given {
                        return Err(only(key, "solana", instead));
                    }
                }
                let program = SolanaAddress::parse(&t.bridge).map_err(|e| {
                    format!(
                        "chain `{}`: bridge `{}` is not a Solana program id (base58): {e}",
                        t.name, t.bridge
                    )
                })?;
                ChainKind::Solana(SolanaChainConfig {
                    program,
                    commitment: t.commitment.unwrap_or_default(),
                })
            }
        };
        Ok(ChainConfig {
            name: t.name,
            domain: t.domain,
            rpc_urls: t.rpc_urls,
            quorum: t.quorum,
            start_block: t.start_block,
            index_batch_blocks: t.index_batch_blocks,
            poll_interval_ms: t.poll_interval_ms,
            low_balance: t.low_balance,
            kind,
        })
    }
}

impl From<ChainConfig> for ChainToml {
    fn from(c: ChainConfig) -> Self {
        let mut t = Self {
            name: c.name,
            domain: c.domain,
            kind: KindName::Evm,
            chain_id: None,
            rpc_urls: c.rpc_urls,
            quorum: c.quorum,
            bridge: String::new(),
            preset: None,
            finality: None,
            commitment: None,
            start_block: c.start_block,
            index_batch_blocks: c.index_batch_blocks,
            poll_interval_ms: c.poll_interval_ms,
            ws_url: None,
            low_balance: c.low_balance,
        };
        match c.kind {
            ChainKind::Evm(evm) => {
                t.chain_id = Some(evm.chain_id);
                t.bridge = evm.bridge.to_checksum();
                t.preset = evm.preset;
                t.finality = evm.finality;
                t.ws_url = evm.ws_url;
            }
            ChainKind::Solana(solana) => {
                t.kind = KindName::Solana;
                t.bridge = solana.program.to_string();
                t.commitment = Some(solana.commitment);
            }
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::super::Config;
    use super::*;

    const PROGRAM: &str = "TRESTLEbridge111111111111111111111111111111";

    fn text(solana_chain: &str, relayer: &str) -> String {
        format!(
            r#"
[[chains]]
name = "anvil"
domain = 1
chain_id = 31337
rpc_urls = ["http://127.0.0.1:8545"]
bridge = "0x5FbDB2315678afecb367f032d93F642f64180aa3"

[[chains]]
{solana_chain}

[[routes]]
from = "anvil"
to = "sol"
epoch = 1
threshold = 1
validators = [{{ address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", url = "http://127.0.0.1:7001" }}]

[relayer]
keystore = "relayer.json"
{relayer}
"#
        )
    }

    fn sol(extra: &str) -> String {
        format!(
            "name = \"sol\"\nkind = \"solana\"\ndomain = 3\nrpc_urls = [\"http://127.0.0.1:8899\"]\nbridge = \"{PROGRAM}\"\n{extra}"
        )
    }

    const SOLANA_KEY: &str = "[relayer.solana]\nkeystore = \"sol.json\"\n";

    fn key_of(text: &str) -> String {
        match Config::parse(text) {
            Err(Error::Config { key, .. }) => key,
            other => panic!("expected a config error, got {other:?}"),
        }
    }

    fn parse_reason(text: &str) -> String {
        match Config::parse(text) {
            Err(Error::ConfigParse { reason }) => reason,
            other => panic!("expected a parse error, got {other:?}"),
        }
    }

    #[test]
    fn a_solana_chain_parses_with_finalized_by_default() {
        let c = Config::parse(&text(&sol(""), SOLANA_KEY)).unwrap();
        let chain = c.chain("sol").unwrap();
        let s = *chain.solana().expect("a solana chain");
        assert_eq!(s.program, SolanaAddress::parse(PROGRAM).unwrap());
        assert_eq!(s.commitment, SolanaCommitment::Finalized);
        assert_eq!(chain.bridge_address().0, s.program.0);
        let key = c.relayer.as_ref().unwrap().solana.as_ref().unwrap();
        assert_eq!(key.password_env, "TRESTLE_RELAYER_SOLANA_PASSWORD");
        // EVM chains keep their left-padded address.
        let evm = c.chain("anvil").unwrap();
        assert!(evm.solana().is_none());
        assert_eq!(evm.bridge_address().0[12..], evm.evm().unwrap().bridge.0);

        let c = Config::parse(&text(&sol("commitment = \"confirmed\""), SOLANA_KEY)).unwrap();
        assert_eq!(
            c.chain("sol").unwrap().solana().unwrap().commitment,
            SolanaCommitment::Confirmed
        );
    }

    #[test]
    fn a_solana_chain_takes_several_rpc_urls_in_order() {
        let chain = sol("").replace(
            "rpc_urls = [\"http://127.0.0.1:8899\"]",
            "rpc_urls = [\"http://127.0.0.1:8899\", \"https://user:pw@rpc.example/x?api-key=k\"]",
        );
        let c = Config::parse(&text(&chain, SOLANA_KEY)).unwrap();
        assert_eq!(
            c.chain("sol").unwrap().rpc_urls,
            vec![
                "http://127.0.0.1:8899".to_owned(),
                "https://user:pw@rpc.example/x?api-key=k".to_owned()
            ]
        );
        let client = crate::connect::solana(c.chain("sol").unwrap()).unwrap();
        assert_eq!(
            client.endpoints(),
            vec!["http://127.0.0.1:8899", "https://rpc.example/…?…"]
        );
    }

    #[test]
    fn solana_keys_are_checked_against_the_kind() {
        for (extra, key) in [
            ("chain_id = 5", "chain_id"),
            ("finality = \"finalized\"", "finality"),
            ("preset = \"anvil\"", "preset"),
        ] {
            let reason = parse_reason(&text(&sol(extra), SOLANA_KEY));
            assert!(
                reason.contains(&format!("`{key}` is not a key of solana")),
                "{reason}"
            );
        }
        let reason = parse_reason(&text(&sol("commitment = \"processed\""), SOLANA_KEY));
        assert!(reason.contains("processed"), "{reason}");
        let reason = parse_reason(&text(&sol("colour = 1"), SOLANA_KEY));
        assert!(reason.contains("unknown field `colour`"), "{reason}");
        // A base58 program id is not an EVM address and the other way round.
        let bad = sol("").replace(PROGRAM, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
        let reason = parse_reason(&text(&bad, SOLANA_KEY));
        assert!(
            reason.contains("bridge") && reason.contains("base58"),
            "{reason}"
        );
        let evm_with_commitment = text(&sol(""), SOLANA_KEY).replace(
            "chain_id = 31337\n",
            "chain_id = 31337\ncommitment = \"finalized\"\n",
        );
        let reason = parse_reason(&evm_with_commitment);
        assert!(
            reason.contains("`commitment` is not a key of evm"),
            "{reason}"
        );
    }

    #[test]
    fn bad_solana_values_name_their_key() {
        let zero = sol("").replace(PROGRAM, "11111111111111111111111111111111");
        assert_eq!(key_of(&text(&zero, SOLANA_KEY)), "chains[1].bridge");
        let urls = |list: &str| {
            sol("").replace(
                "rpc_urls = [\"http://127.0.0.1:8899\"]",
                &format!("rpc_urls = [{list}]"),
            )
        };
        assert_eq!(key_of(&text(&urls(""), SOLANA_KEY)), "chains[1].rpc_urls");
        let ftp = sol("").replace("http://127.0.0.1:8899", "ftp://x");
        assert_eq!(key_of(&text(&ftp, SOLANA_KEY)), "chains[1].rpc_urls[0]");
        // Every entry of a failover list is checked, and named by its index; the URL (it may
        // hold an API key) is not repeated.
        for (list, bad) in [
            (r#""http://a:1", "ftp://b""#, "chains[1].rpc_urls[1]"),
            (
                r#""http://a:1", "http://b:1", "nonsense""#,
                "chains[1].rpc_urls[2]",
            ),
            (
                r#""http://a:1", "https://?key=secret""#,
                "chains[1].rpc_urls[1]",
            ),
            (
                r#""http://a:1", "http://b:1", "http://a:1""#,
                "chains[1].rpc_urls[2]",
            ),
        ] {
            let config = text(&urls(list), SOLANA_KEY);
            assert_eq!(key_of(&config), bad, "{list}");
            let message = Config::parse(&config).unwrap_err().to_string();
            assert!(!message.contains("secret"), "{message}");
        }
        let reason = match Config::parse(&text(
            &urls(r#""http://a:1", "http://b:1", "http://a:1""#),
            SOLANA_KEY,
        )) {
            Err(Error::Config { reason, .. }) => reason,
            other => panic!("{other:?}"),
        };
        assert!(reason.contains("rpc_urls[0]"), "{reason}");
        assert_eq!(
            key_of(&text(&sol("index_batch_blocks = 0"), SOLANA_KEY)),
            "chains[1].index_batch_blocks"
        );
        // A relayer delivering to Solana needs its Solana key, with a valid variable name.
        assert_eq!(key_of(&text(&sol(""), "")), "relayer.solana");
        assert_eq!(
            key_of(&text(
                &sol(""),
                "[relayer.solana]\nkeystore = \"s.json\"\npassword_env = \"A B\"\n"
            )),
            "relayer.solana.password_env"
        );
        let reason = parse_reason(&text(
            &sol(""),
            "[relayer.solana]\nkeystore = \"s.json\"\nprivate_key = \"x\"\n",
        ));
        assert!(reason.contains("unknown field `private_key`"), "{reason}");
    }

    #[test]
    fn solana_low_balance_is_in_sol() {
        let c = Config::parse(&text(&sol("low_balance = \"0.25\""), SOLANA_KEY)).unwrap();
        assert_eq!(
            c.chain("sol").unwrap().low_balance_units(),
            Some(250_000_000)
        );
        assert!(c.summary().contains("low_balance 0.25 SOL"));
        // Lamports have 9 decimals: a 10th is refused, naming the key.
        let bad = text(&sol("low_balance = \"0.0000000001\""), SOLANA_KEY);
        assert_eq!(key_of(&bad), "chains[1].low_balance");
    }

    #[test]
    fn relative_solana_keystores_follow_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("relayer.toml");
        std::fs::write(&path, text(&sol(""), SOLANA_KEY)).unwrap();
        let c = Config::load(&path).unwrap();
        let key = c.relayer.unwrap().solana.unwrap();
        assert_eq!(key.keystore, dir.path().join("sol.json"));
    }
}
