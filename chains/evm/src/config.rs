//! Typed, serde-deserialisable configuration of one EVM chain, its validation, and presets
//! for the chains Trestle knows.

use serde::{Deserialize, Serialize};
use trestle_core::chain::FinalityRule;

use crate::error::{Error, Result};

const GWEI: u128 = 1_000_000_000;

/// One EVM chain: identity, endpoints, fee model, finality and limits.
///
/// Build it from a [`Preset`] with [`EvmChainConfig::preset`] or deserialise it (unknown
/// fields are refused), then [`EvmChainConfig::validate`] it; [`crate::EvmChain::connect`]
/// validates again and refuses an invalid config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvmChainConfig {
    /// Human-readable name, used in logs and errors ("ethereum", "anvil-a").
    pub name: String,
    /// The EIP-155 chain id. [`crate::EvmChain::connect`] checks it against the first endpoint
    /// that answers, and every signed transaction carries it.
    pub chain_id: u64,
    /// JSON-RPC endpoints (`http://` or `https://`), in order of preference. A failing endpoint
    /// is demoted for a backoff period and the next one is tried.
    pub rpc_urls: Vec<String>,
    /// Which transaction type and fee fields the chain uses.
    #[serde(default)]
    pub fee_model: FeeModel,
    /// When a block counts as final.
    pub finality: Finality,
    /// Fee estimation, ceiling and replacement bump.
    #[serde(default)]
    pub fees: FeeConfig,
    /// Timeouts and endpoint demotion.
    #[serde(default)]
    pub rpc: RpcConfig,
    /// The largest block range one `eth_getLogs` request may cover; longer ranges are split.
    #[serde(default = "default_max_block_range")]
    pub max_block_range: u64,
    /// Decimals of the native currency.
    #[serde(default = "default_native_decimals")]
    pub native_decimals: u8,
    /// How often waits poll for receipts, in milliseconds.
    #[serde(default = "default_poll_interval_ms")]
    pub poll_interval_ms: u64,
}

/// The fee model of a chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeeModel {
    /// EIP-1559 (type 2) transactions, fees from `eth_feeHistory`.
    #[default]
    Eip1559,
    /// Legacy (type 0, EIP-155) transactions, the price from `eth_gasPrice`.
    Legacy,
}

/// When a block counts as final. Serialised as `{ "confirmations": 12 }` or `"finalized"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Finality {
    /// Final once this many blocks are built on top of it.
    Confirmations(u64),
    /// Final once the node's `finalized` block tag covers it.
    Finalized,
}

impl From<Finality> for FinalityRule {
    fn from(f: Finality) -> Self {
        match f {
            Finality::Confirmations(n) => FinalityRule::Confirmations(n),
            Finality::Finalized => FinalityRule::Finalized,
        }
    }
}

/// What to do when an estimated fee is above [`FeeConfig::max_fee_per_gas`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CapPolicy {
    /// Refuse with [`Error::FeeCeiling`]: nothing is sent above the ceiling. The default.
    #[default]
    Error,
    /// Send at the ceiling (`maxFeePerGas` or `gasPrice` clamped, the priority fee clamped
    /// to it too). The transaction may then wait until the base fee falls below the ceiling.
    Clamp,
}

/// Fee estimation, ceiling and replacement settings. Amounts are wei per gas.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeeConfig {
    /// EIP-1559: `maxFeePerGas = nextBaseFee * base_fee_multiplier_percent / 100 + priority`.
    /// At least 100. Default 200 (survives six full blocks of base-fee growth).
    pub base_fee_multiplier_percent: u32,
    /// EIP-1559: the reward percentile asked of `eth_feeHistory`; the priority fee is the
    /// median over the blocks of that percentile. 0..=100, default 50.
    pub priority_fee_percentile: u8,
    /// EIP-1559: how many recent blocks `eth_feeHistory` covers. 1..=1024, default 10.
    pub fee_history_blocks: u64,
    /// EIP-1559: the lowest priority fee suggested (some chains enforce a minimum tip).
    pub min_priority_fee_per_gas: u128,
    /// Legacy: `gasPrice = eth_gasPrice * legacy_gas_price_multiplier_percent / 100`.
    /// At least 100, default 110.
    pub legacy_gas_price_multiplier_percent: u32,
    /// The ceiling on `maxFeePerGas` (EIP-1559) or `gasPrice` (legacy). Non-zero.
    pub max_fee_per_gas: u128,
    /// What an estimate above the ceiling does. Replacements never clamp: a bump that would
    /// cross the ceiling is refused.
    pub on_ceiling: CapPolicy,
    /// The fee bump of a replacement, applied to both `maxFeePerGas` and
    /// `maxPriorityFeePerGas` (or `gasPrice`). At least 10 (what nodes require), default 12.
    pub replacement_bump_percent: u32,
    /// Gas limit = `eth_estimateGas * gas_limit_multiplier_percent / 100`. At least 100,
    /// default 120.
    pub gas_limit_multiplier_percent: u32,
}

impl Default for FeeConfig {
    fn default() -> Self {
        Self {
            base_fee_multiplier_percent: 200,
            priority_fee_percentile: 50,
            fee_history_blocks: 10,
            min_priority_fee_per_gas: 0,
            legacy_gas_price_multiplier_percent: 110,
            max_fee_per_gas: 500 * GWEI,
            on_ceiling: CapPolicy::Error,
            replacement_bump_percent: 12,
            gas_limit_multiplier_percent: 120,
        }
    }
}

/// Per-request timeout and endpoint demotion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RpcConfig {
    /// Timeout of one JSON-RPC request to one endpoint, in milliseconds. Default 10,000.
    pub request_timeout_ms: u64,
    /// How long an endpoint is demoted after its first failure, in milliseconds; doubled per
    /// consecutive failure. Default 1,000.
    pub demotion_base_ms: u64,
    /// The longest demotion, in milliseconds. Default 60,000.
    pub demotion_max_ms: u64,
}

impl Default for RpcConfig {
    fn default() -> Self {
        Self {
            request_timeout_ms: 10_000,
            demotion_base_ms: 1_000,
            demotion_max_ms: 60_000,
        }
    }
}

fn default_max_block_range() -> u64 {
    2_000
}

fn default_native_decimals() -> u8 {
    18
}

fn default_poll_interval_ms() -> u64 {
    1_000
}

/// The chains Trestle has presets for. Any other EVM chain works through a hand-written
/// [`EvmChainConfig`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// Ethereum mainnet (1): EIP-1559, final by the `finalized` tag (two epochs, ~13 min).
    Ethereum,
    /// BNB Smart Chain (56): legacy gas price, 15 confirmations (fast finality makes that
    /// well past the point of no return).
    BnbSmartChain,
    /// Polygon PoS (137): EIP-1559 with a 30 gwei minimum tip, final by the `finalized` tag
    /// (Heimdall milestones).
    Polygon,
    /// Arbitrum One (42161): EIP-1559 (the tip is ignored), final by the `finalized` tag,
    /// which follows Ethereum finality of the batch.
    ArbitrumOne,
    /// OP Mainnet (10): EIP-1559, final by the `finalized` tag (L1 finality of the batch).
    OpMainnet,
    /// A local anvil node (31337): EIP-1559, final on inclusion.
    Anvil,
}

impl Preset {
    /// All presets.
    pub const ALL: [Preset; 6] = [
        Preset::Ethereum,
        Preset::BnbSmartChain,
        Preset::Polygon,
        Preset::ArbitrumOne,
        Preset::OpMainnet,
        Preset::Anvil,
    ];

    /// The preset's chain id.
    pub fn chain_id(self) -> u64 {
        match self {
            Preset::Ethereum => 1,
            Preset::BnbSmartChain => 56,
            Preset::Polygon => 137,
            Preset::ArbitrumOne => 42_161,
            Preset::OpMainnet => 10,
            Preset::Anvil => 31_337,
        }
    }

    /// The preset for a chain id, if there is one.
    pub fn from_chain_id(chain_id: u64) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.chain_id() == chain_id)
    }

    /// The preset's default name.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Ethereum => "ethereum",
            Preset::BnbSmartChain => "bsc",
            Preset::Polygon => "polygon",
            Preset::ArbitrumOne => "arbitrum",
            Preset::OpMainnet => "optimism",
            Preset::Anvil => "anvil",
        }
    }
}

impl EvmChainConfig {
    /// The recommended configuration of a known chain, with the given endpoints.
    pub fn preset(preset: Preset, rpc_urls: Vec<String>) -> Self {
        let base = FeeConfig::default();
        let (fee_model, finality, fees, max_block_range, poll_interval_ms) = match preset {
            Preset::Ethereum => (
                FeeModel::Eip1559,
                Finality::Finalized,
                FeeConfig {
                    min_priority_fee_per_gas: GWEI / 10,
                    max_fee_per_gas: 500 * GWEI,
                    ..base
                },
                2_000,
                2_000,
            ),
            Preset::BnbSmartChain => (
                FeeModel::Legacy,
                Finality::Confirmations(15),
                FeeConfig {
                    max_fee_per_gas: 20 * GWEI,
                    ..base
                },
                1_000,
                1_000,
            ),
            Preset::Polygon => (
                FeeModel::Eip1559,
                Finality::Finalized,
                FeeConfig {
                    min_priority_fee_per_gas: 30 * GWEI,
                    max_fee_per_gas: 5_000 * GWEI,
                    ..base
                },
                2_000,
                1_000,
            ),
            Preset::ArbitrumOne => (
                FeeModel::Eip1559,
                Finality::Finalized,
                FeeConfig {
                    max_fee_per_gas: 100 * GWEI,
                    ..base
                },
                10_000,
                500,
            ),
            Preset::OpMainnet => (
                FeeModel::Eip1559,
                Finality::Finalized,
                FeeConfig {
                    min_priority_fee_per_gas: GWEI / 1_000,
                    max_fee_per_gas: 100 * GWEI,
                    ..base
                },
                10_000,
                1_000,
            ),
            Preset::Anvil => (
                FeeModel::Eip1559,
                Finality::Confirmations(0),
                FeeConfig {
                    max_fee_per_gas: 1_000 * GWEI,
                    ..base
                },
                10_000,
                50,
            ),
        };
        Self {
            name: preset.name().to_owned(),
            chain_id: preset.chain_id(),
            rpc_urls,
            fee_model,
            finality,
            fees,
            rpc: RpcConfig::default(),
            max_block_range,
            native_decimals: 18,
            poll_interval_ms,
        }
    }

    /// Checks every field; the error names the first bad one.
    pub fn validate(&self) -> Result<()> {
        if self.name.trim().is_empty() {
            return Err(Error::config("name", "must not be empty"));
        }
        if self.chain_id == 0 {
            return Err(Error::config("chain_id", "must not be zero"));
        }
        if self.rpc_urls.is_empty() {
            return Err(Error::config("rpc_urls", "at least one endpoint is needed"));
        }
        for (i, raw) in self.rpc_urls.iter().enumerate() {
            parse_rpc_url(raw).map_err(|reason| Error::config(format!("rpc_urls[{i}]"), reason))?;
        }
        let f = &self.fees;
        if f.base_fee_multiplier_percent < 100 {
            return Err(Error::config(
                "fees.base_fee_multiplier_percent",
                "must be at least 100 (the next block's base fee)",
            ));
        }
        if f.priority_fee_percentile > 100 {
            return Err(Error::config(
                "fees.priority_fee_percentile",
                "must be 0..=100",
            ));
        }
        if !(1..=1024).contains(&f.fee_history_blocks) {
            return Err(Error::config("fees.fee_history_blocks", "must be 1..=1024"));
        }
        if f.legacy_gas_price_multiplier_percent < 100 {
            return Err(Error::config(
                "fees.legacy_gas_price_multiplier_percent",
                "must be at least 100",
            ));
        }
        if f.max_fee_per_gas == 0 {
            return Err(Error::config(
                "fees.max_fee_per_gas",
                "the ceiling must not be zero",
            ));
        }
        if f.min_priority_fee_per_gas > f.max_fee_per_gas {
            return Err(Error::config(
                "fees.min_priority_fee_per_gas",
                "must not be above fees.max_fee_per_gas",
            ));
        }
        if f.replacement_bump_percent < 10 {
            return Err(Error::config(
                "fees.replacement_bump_percent",
                "must be at least 10: nodes refuse smaller replacement bumps",
            ));
        }
        if f.gas_limit_multiplier_percent < 100 {
            return Err(Error::config(
                "fees.gas_limit_multiplier_percent",
                "must be at least 100",
            ));
        }
        if self.rpc.request_timeout_ms == 0 {
            return Err(Error::config("rpc.request_timeout_ms", "must not be zero"));
        }
        if self.rpc.demotion_base_ms > self.rpc.demotion_max_ms {
            return Err(Error::config(
                "rpc.demotion_base_ms",
                "must not be above rpc.demotion_max_ms",
            ));
        }
        if self.max_block_range == 0 {
            return Err(Error::config("max_block_range", "must be at least 1"));
        }
        if self.poll_interval_ms == 0 {
            return Err(Error::config("poll_interval_ms", "must not be zero"));
        }
        Ok(())
    }
}

/// Parses an endpoint URL; only `http` and `https` are accepted.
pub(crate) fn parse_rpc_url(raw: &str) -> std::result::Result<url::Url, String> {
    let url = url::Url::parse(raw).map_err(|e| format!("not a URL: {e}"))?;
    match url.scheme() {
        "http" | "https" => Ok(url),
        other => Err(format!(
            "scheme {other:?} is not supported: use http or https"
        )),
    }
}

/// The URL without user info, path, query or fragment (where API keys live: Infura and
/// Alchemy put them in the path), for logs and errors ([`trestle_core::redact::redact_url`]).
pub(crate) fn redact_url(url: &url::Url) -> String {
    trestle_core::redact::redact_url(url.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_validate_and_round_trip() {
        for p in Preset::ALL {
            let c = EvmChainConfig::preset(p, vec!["http://127.0.0.1:8545".into()]);
            c.validate().unwrap();
            assert_eq!(Preset::from_chain_id(c.chain_id), Some(p));
            let json = serde_json::to_string(&c).unwrap();
            let back: EvmChainConfig = serde_json::from_str(&json).unwrap();
            assert_eq!(back, c);
        }
        let bsc = EvmChainConfig::preset(Preset::BnbSmartChain, vec!["https://x.invalid".into()]);
        assert_eq!(bsc.fee_model, FeeModel::Legacy);
        assert_eq!(bsc.finality, Finality::Confirmations(15));
    }

    #[test]
    fn deserialises_a_custom_chain_with_defaults() {
        let c: EvmChainConfig = serde_json::from_str(
            r#"{"name":"base","chain_id":8453,"rpc_urls":["https://base.invalid"],
                "finality":"finalized","fees":{"max_fee_per_gas":100000000000}}"#,
        )
        .unwrap();
        c.validate().unwrap();
        assert_eq!(c.fee_model, FeeModel::Eip1559);
        assert_eq!(c.fees.replacement_bump_percent, 12);
        assert_eq!(c.max_block_range, 2_000);
        let legacy: EvmChainConfig = serde_json::from_str(
            r#"{"name":"x","chain_id":7,"rpc_urls":["http://a"],"fee_model":"legacy",
                "finality":{"confirmations":3}}"#,
        )
        .unwrap();
        assert_eq!(legacy.finality, Finality::Confirmations(3));
        assert_eq!(legacy.fee_model, FeeModel::Legacy);
    }

    #[test]
    fn refuses_unknown_fields() {
        let err = serde_json::from_str::<EvmChainConfig>(
            r#"{"name":"x","chain_id":7,"rpc_urls":["http://a"],"finality":"finalized","gas":1}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("gas"), "{err}");
    }

    #[test]
    fn validation_names_the_field() {
        let good = EvmChainConfig::preset(Preset::Anvil, vec!["http://127.0.0.1:1".into()]);
        type Mutation = Box<dyn Fn(&mut EvmChainConfig)>;
        let cases: Vec<(&str, Mutation)> = vec![
            ("name", Box::new(|c| c.name = " ".into())),
            ("chain_id", Box::new(|c| c.chain_id = 0)),
            ("rpc_urls", Box::new(|c| c.rpc_urls.clear())),
            (
                "rpc_urls[1]",
                Box::new(|c| c.rpc_urls.push("ws://x".into())),
            ),
            (
                "rpc_urls[0]",
                Box::new(|c| c.rpc_urls[0] = "not a url".into()),
            ),
            (
                "fees.base_fee_multiplier_percent",
                Box::new(|c| c.fees.base_fee_multiplier_percent = 99),
            ),
            (
                "fees.priority_fee_percentile",
                Box::new(|c| c.fees.priority_fee_percentile = 101),
            ),
            (
                "fees.fee_history_blocks",
                Box::new(|c| c.fees.fee_history_blocks = 0),
            ),
            (
                "fees.max_fee_per_gas",
                Box::new(|c| c.fees.max_fee_per_gas = 0),
            ),
            (
                "fees.replacement_bump_percent",
                Box::new(|c| c.fees.replacement_bump_percent = 9),
            ),
            (
                "fees.min_priority_fee_per_gas",
                Box::new(|c| c.fees.min_priority_fee_per_gas = u128::MAX),
            ),
            (
                "rpc.request_timeout_ms",
                Box::new(|c| c.rpc.request_timeout_ms = 0),
            ),
            (
                "rpc.demotion_base_ms",
                Box::new(|c| c.rpc.demotion_base_ms = u64::MAX),
            ),
            ("max_block_range", Box::new(|c| c.max_block_range = 0)),
        ];
        for (field, mutate) in cases {
            let mut c = good.clone();
            mutate(&mut c);
            match c.validate() {
                Err(Error::Config { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: expected a config error, got {other:?}"),
            }
        }
    }

    #[test]
    fn redacts_credentials() {
        let url = parse_rpc_url("https://user:secret@rpc.invalid:8443/v3/KEY?apikey=x").unwrap();
        let shown = redact_url(&url);
        assert_eq!(shown, "https://rpc.invalid:8443/…?…");
        assert!(!shown.contains("secret") && !shown.contains("KEY"));
        assert_eq!(
            redact_url(&parse_rpc_url("http://127.0.0.1:8545").unwrap()),
            "http://127.0.0.1:8545"
        );
    }
}
