//! The daemons' configurations and in-process validator and relayer daemons, their HTTP APIs
//! and their stores.

use std::time::Duration;

use trestle_core::evm::{EvmAddress, EvmSigner};
use trestle_evm::Preset;
use trestle_relayer::config::{
    ApiConfig, BatchGas, ChainConfig, ChainKind, Config, EvmChainConfig, LogConfig, RelayerConfig,
    RouteConfig, StoreConfig, ValidatorConfig, ValidatorEndpoint,
};
use trestle_relayer::store::{ListFilter, MessageRecord, MessageState, Store};
use trestle_relayer::{Daemon, Keys};
use trestle_tests::Anvil;

use crate::evm::signer;
use crate::wait::wait_until;

/// The `[[chains]]` entry of the EVM chain `anvil` (anvil preset, 100 ms polls, 50 blocks per
/// indexer step) whose bridge is `bridge`.
pub fn chain_config(name: &str, domain: u32, anvil: &Anvil, bridge: EvmAddress) -> ChainConfig {
    ChainConfig {
        name: name.into(),
        domain,
        rpc_urls: vec![anvil.url().into()],
        quorum: None,
        start_block: None,
        index_batch_blocks: 50,
        low_balance: None,
        poll_interval_ms: Some(100),
        kind: ChainKind::Evm(EvmChainConfig {
            chain_id: anvil.chain_id(),
            bridge,
            preset: Some(Preset::Anvil),
            finality: None,
            ws_url: None,
        }),
    }
}

/// A daemon's configuration: its SQLite store in `dir`, its API on a free loopback port, the
/// route `chains[0] -> chains[1]` (epoch 1, 2-of-`validators`), and the validator and/or the
/// relayer role (100 ms ticks, short backoff). The keystores are placeholders: in-process
/// daemons take their [`Keys`] directly.
pub fn config(
    dir: &std::path::Path,
    chains: Vec<ChainConfig>,
    validators: Vec<ValidatorEndpoint>,
    validator: bool,
    relayer: bool,
) -> Config {
    Config {
        store: StoreConfig {
            url: format!("sqlite://{}", dir.join("store.db").display()),
            max_connections: 4,
            ..StoreConfig::default()
        },
        api: ApiConfig {
            listen: "127.0.0.1:0".into(),
            ..ApiConfig::default()
        },
        log: LogConfig::default(),
        routes: vec![RouteConfig {
            from: chains[0].name.clone(),
            to: chains[1].name.clone(),
            epoch: 1,
            threshold: 2,
            validators,
            standby: Vec::new(),
            fees: trestle_relayer::config::FeePolicy::default(),
        }],
        chains,
        validator: validator.then(|| ValidatorConfig {
            keystore: "unused.json".into(),
            password_env: "UNUSED".into(),
            pkcs11: None,
        }),
        relayer: relayer.then(|| RelayerConfig {
            keystore: "unused.json".into(),
            password_env: "UNUSED".into(),
            pkcs11: None,
            batch_size: 8,
            max_attempts: 8,
            backoff_initial_ms: 200,
            backoff_max_ms: 2_000,
            poll_interval_ms: 100,
            attestation_poll_ms: 25,
            replace_after_ms: 60_000,
            batch_gas: BatchGas::default(),
            solana: None,
        }),
        fee_oracle: None,
    }
}

/// Route members with an address nobody answers on: validators need the route's members in
/// their configuration but never call each other.
pub fn placeholder_endpoints(addrs: &[EvmAddress]) -> Vec<ValidatorEndpoint> {
    addrs
        .iter()
        .map(|a| ValidatorEndpoint {
            address: *a,
            url: "http://127.0.0.1:1".into(),
        })
        .collect()
}

/// Starts one validator daemon per key, each with its own store directory (returned, to be
/// kept alive as long as the daemons).
pub async fn start_validators(
    keys: &[EvmSigner],
    chains: impl Fn() -> Vec<ChainConfig>,
    endpoints: &[ValidatorEndpoint],
) -> (Vec<Daemon>, Vec<tempfile::TempDir>) {
    let mut dirs = Vec::new();
    let mut validators = Vec::new();
    for key in keys {
        let dir = tempfile::tempdir().unwrap();
        let cfg = config(dir.path(), chains(), endpoints.to_vec(), true, false);
        let keys = Keys {
            validator: Some(key.clone()),
            relayer: None,
            relayer_solana: None,
            fee_oracle: None,
            fee_oracle_solana: None,
        };
        validators.push(Daemon::start(cfg, keys, "v").await.unwrap());
        dirs.push(dir);
    }
    (validators, dirs)
}

/// `endpoints` with the first ones pointed at the running `validators`, in order.
pub fn live_endpoints(
    endpoints: &[ValidatorEndpoint],
    validators: &[Daemon],
) -> Vec<ValidatorEndpoint> {
    let mut endpoints = endpoints.to_vec();
    for (endpoint, v) in endpoints.iter_mut().zip(validators) {
        endpoint.url = format!("http://{}", v.api_addr());
    }
    endpoints
}

/// Starts a relayer daemon with dev account 2's key.
pub async fn start_relayer(cfg: Config) -> Daemon {
    Daemon::start(
        cfg,
        Keys {
            validator: None,
            relayer: Some(signer(2)),
            relayer_solana: None,
            fee_oracle: None,
            fee_oracle_solana: None,
        },
        "r",
    )
    .await
    .unwrap()
}

/// GETs `url`: the status code and the body.
pub async fn http_get(url: &str) -> (u16, String) {
    let r = reqwest::get(url).await.unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

/// The status code of a GET, `None` when nothing answers.
pub async fn http_get_status(url: &str) -> Option<u16> {
    reqwest::get(url).await.ok().map(|r| r.status().as_u16())
}

/// A loopback address with a free port, for a daemon API that must keep its address
/// across restarts.
pub fn free_listen() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().to_string()
}

/// Every message of `store`, by nonce.
pub async fn messages(store: &Store) -> Vec<MessageRecord> {
    let mut list = store.list(&ListFilter::default()).await.unwrap();
    list.sort_by_key(|m| m.nonce);
    list
}

/// Waits until the message with `nonce` is in `state` in `store`; returns it.
pub async fn wait_for_state(
    store: &Store,
    nonce: u64,
    state: MessageState,
    timeout: Duration,
) -> MessageRecord {
    wait_until(
        &format!("message {nonce} to be {state}"),
        timeout,
        || async move {
            messages(store)
                .await
                .iter()
                .any(|m| m.nonce == nonce && m.state == state)
        },
    )
    .await;
    messages(store)
        .await
        .into_iter()
        .find(|m| m.nonce == nonce)
        .unwrap()
}

/// Waits until `store` holds `count` messages, all delivered.
pub async fn wait_all_delivered(store: &Store, count: usize, timeout: Duration) {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        let list = messages(store).await;
        if list.len() == count && list.iter().all(|m| m.state == MessageState::Delivered) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not all {count} delivered: {:?}",
            list.iter()
                .map(|m| (m.nonce, m.state, m.attempts, m.last_error.clone()))
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}
