//! Starts a fresh network for one scenario through `trestle-localnet`: two anvil chains with
//! the bridges deployed and configured (route a -> b for native ether, 2-of-3 validators),
//! then switched to interval mining (`evm_setIntervalMining`, what `anvil --block-time` sets
//! at start; configuring first on automine keeps the set-up fast), then three validator
//! processes and one relayer process (`trestle relayer run`) with the benchmark's settings
//! (with each chain's `ws_url` for new-head notifications unless `--no-ws`). The EVM -> Solana
//! network is `setup/solana.rs`.

use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use serde_json::json;
use toml::{Table, Value};
use trestle_localnet::daemons::{Daemons, DaemonsConfig, Route, evm_chain_table};
use trestle_localnet::evm::{EvmNetwork, ether_token};
use trestle_localnet::{EvmNode, keys};

use crate::load::Load;
use crate::net::Net;
use crate::rpc::Rpc;

pub mod solana;

/// Dev accounts that send the transfers (the localnet leaves 3, 4, 8 and 9 free).
pub const LOAD_ACCOUNTS: [usize; 4] = [3, 4, 8, 9];
/// Origin block gas limit: large, so that the origin takes a whole flood in a few blocks and
/// its base fee does not climb (the origin is not what is measured).
const ORIGIN_GAS_LIMIT: u64 = 1_000_000_000;
/// Wei per transfer.
pub const AMOUNT: u128 = 1_000_000_000_000;

/// The benchmark's settings of the network.
#[derive(Debug, Clone)]
pub struct Options {
    /// Seconds per block on both chains.
    pub block_time: u64,
    /// Confirmation depth on both chains.
    pub confirmations: u64,
    /// Indexer and receipt poll interval of both chains, ms.
    pub chain_poll_ms: u64,
    /// `relayer.poll_interval_ms`.
    pub relayer_tick_ms: u64,
    /// `relayer.batch_size`.
    pub batch_size: usize,
    /// `relayer.attestation_poll_ms`; `None`: the daemon's default.
    pub attestation_poll_ms: Option<u64>,
    /// `relayer.batch_gas`; `None`: the daemon's default.
    pub batch_gas: Option<String>,
    /// Keep the validators running (false: stopped once ready, so messages stay pending).
    pub validators: bool,
    /// Keep the daemons' directory (configs, stores, logs) after the run instead of deleting it.
    pub keep_dir: bool,
    /// Give the daemons each chain's WebSocket endpoint (`chains[].ws_url`), so that new-head
    /// notifications wake their indexers; false: polling only.
    pub ws: bool,
}

struct Keep {
    _daemons: Daemons,
    _net: EvmNetwork,
    _dir: Option<tempfile::TempDir>,
}

/// Starts the network.
pub async fn start(o: &Options) -> Result<Net> {
    eprintln!("==> starting anvil a and b, deploying and configuring the bridges");
    let net = EvmNetwork::builder()
        .chain("a", 1, 31_337)
        .chain("b", 2, 31_338)
        .start()
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let a = net.node("a").map_err(|e| anyhow!("{e}"))?;
    let b = net.node("b").map_err(|e| anyhow!("{e}"))?;
    a.anvil
        .rpc(
            "evm_setBlockGasLimit",
            json!([format!("0x{ORIGIN_GAS_LIMIT:x}")]),
        )
        .map_err(|e| anyhow!("raising the origin's gas limit: {e}"))?;
    for node in [a, b] {
        node.anvil
            .rpc("evm_setIntervalMining", json!([o.block_time]))
            .map_err(|e| anyhow!("interval mining on {}: {e}", node.name))?;
    }

    let dir = tempfile::tempdir().context("creating the daemons' directory")?;
    eprintln!("==> starting 3 validator processes and 1 relayer process");
    let mut daemons = Daemons::start(
        dir.path(),
        DaemonsConfig {
            chains: vec![evm_chain(a, o), evm_chain(b, o)],
            routes: vec![Route::new("a", "b")],
            validator_keys: keys::VALIDATOR_ACCOUNTS
                .iter()
                .map(|i| keys::dev_secret(*i))
                .collect(),
            relayer_key: Some(keys::dev_secret(keys::RELAYER_ACCOUNT)),
            relayer_extra: relayer_extra(o),
            ..DaemonsConfig::default()
        },
    )
    .await
    .map_err(|e| anyhow!("{e}"))?;
    if !o.validators {
        // Dropping a daemon process kills it: the relayer keeps asking dead endpoints.
        daemons.validators.clear();
    }
    let load = Load::new(
        a.chain.clone(),
        LOAD_ACCOUNTS.iter().map(|i| keys::dev(*i)).collect(),
        a.bridge,
        b.domain,
        ether_token(a.domain),
        AMOUNT,
    )
    .await?;
    let out = Net {
        origin: Rpc::new(a.anvil.url()),
        dest: Rpc::new(b.anvil.url()),
        origin_bridge: a.bridge,
        dest_bridge: b.bridge,
        confirmations: o.confirmations,
        block_time: Duration::from_secs(o.block_time),
        relayer_pid: daemons.relayer.pid(),
        relayer_api: daemons.relayer.url.clone(),
        validator_apis: daemons.validators.iter().map(|v| v.url.clone()).collect(),
        load,
        _keep: Box::new(()),
    };
    Ok(Net {
        _keep: Box::new(Keep {
            _daemons: daemons,
            _net: net,
            _dir: if o.keep_dir {
                eprintln!("    daemons' directory kept: {}", dir.keep().display());
                None
            } else {
                Some(dir)
            },
        }),
        ..out
    })
}

/// The `[[chains]]` entry of an EVM chain with the benchmark's finality and polling.
pub fn evm_chain(node: &EvmNode, o: &Options) -> Table {
    let mut t = evm_chain_table(node);
    let mut finality = Table::new();
    finality.insert("confirmations".into(), int(o.confirmations));
    t.insert("finality".into(), Value::Table(finality));
    t.insert("poll_interval_ms".into(), int(o.chain_poll_ms));
    if !o.ws {
        t.remove("ws_url");
    }
    t
}

/// The benchmark's keys of the relayer's `[relayer]` table.
pub fn relayer_extra(o: &Options) -> Table {
    let mut extra = Table::new();
    extra.insert("batch_size".into(), int(o.batch_size as u64));
    extra.insert("poll_interval_ms".into(), int(o.relayer_tick_ms));
    if let Some(ms) = o.attestation_poll_ms {
        extra.insert("attestation_poll_ms".into(), int(ms));
    }
    if let Some(mode) = &o.batch_gas {
        extra.insert("batch_gas".into(), Value::String(mode.clone()));
    }
    extra
}

fn int(v: u64) -> Value {
    Value::Integer(i64::try_from(v).unwrap_or(i64::MAX))
}
