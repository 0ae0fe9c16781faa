//! Operational scenarios end to end on two anvil chains with the Solidity bridge deployed:
//! the destination's guardian and admin at work (timelock cancelled, rate limit, pause,
//! validator-set rotation), validators and RPC endpoints going down, and the relayer killed
//! mid-flight. Validators and relayers are the real daemons (in-process, or the `trestle`
//! binary), every store SQLite unless the test says PostgreSQL.

mod balance;
mod dropped;
mod failures;
mod guardian;
mod proxy;
mod restart;
mod rotation;
mod rpc;

use std::sync::Arc;
use std::time::Duration;

use alloy_primitives::Address;
use alloy_sol_types::{SolCall, SolEvent};
use serde_json::json;
use trestle_bridge::evm_bindings::Bridge;
use trestle_core::chain::U256;
use trestle_core::evm::{EvmAddress, EvmSigner};
use trestle_evm::{EvmChain, EvmSender, LogFilter, TxRequest};
use trestle_relayer::config::{ChainConfig, Config, ValidatorEndpoint};
use trestle_relayer::store::{ListFilter, MessageRecord, MessageState, Store};
use trestle_relayer::{Daemon, Keys};
use trestle_tests::Anvil;

use crate::e2e::{
    DOMAIN_A, DOMAIN_B, Deployment, balance_of, chain_config, config, connect, deploy_bridges,
    placeholder_endpoints, send, signer,
};
use crate::roles::{send_token, wait_until};

/// One ether, in wei.
pub(crate) const ETHER: u128 = 1_000_000_000_000_000_000;

/// Two anvil chains, the bridges on both, and three validator keys (dev accounts 5..8) in
/// B's set for origin A (2-of-3, epoch 1).
pub(crate) struct Net {
    pub(crate) anvil_a: Anvil,
    pub(crate) anvil_b: Anvil,
    pub(crate) chain_b: Arc<EvmChain>,
    pub(crate) keys: Vec<EvmSigner>,
    pub(crate) addrs: Vec<EvmAddress>,
    pub(crate) d: Deployment,
    user: EvmSender,
}

impl Net {
    /// Deploys with transfers of `timelock_threshold_b` wei or more held an hour on B.
    pub(crate) async fn start(timelock_threshold_b: u128) -> Net {
        let anvil_a = Anvil::builder().chain_id(31_337).spawn().unwrap();
        let anvil_b = Anvil::builder().chain_id(31_338).spawn().unwrap();
        let chain_a = connect(&anvil_a, "a").await;
        let chain_b = connect(&anvil_b, "b").await;
        let keys: Vec<EvmSigner> = (5..8).map(signer).collect();
        let addrs: Vec<EvmAddress> = keys.iter().map(|k| k.address()).collect();
        let d = deploy_bridges(
            &anvil_a,
            &anvil_b,
            &chain_a,
            &chain_b,
            &addrs,
            timelock_threshold_b,
        )
        .await;
        let user = EvmSender::new(chain_a.clone(), signer(3));
        Net {
            anvil_a,
            anvil_b,
            chain_b,
            keys,
            addrs,
            d,
            user,
        }
    }

    /// The chain tables of a daemon's configuration.
    pub(crate) fn chains(&self) -> Vec<ChainConfig> {
        vec![
            chain_config("a", DOMAIN_A, &self.anvil_a, self.d.bridge_a),
            chain_config("b", DOMAIN_B, &self.anvil_b, self.d.bridge_b),
        ]
    }

    /// The three validators with endpoints nobody answers on.
    pub(crate) fn placeholders(&self) -> Vec<ValidatorEndpoint> {
        placeholder_endpoints(&self.addrs)
    }

    /// The user sends `amount` wei of ether from A to `beneficiary` on B.
    pub(crate) async fn send(&self, amount: u128, beneficiary: Address) {
        send_token(
            &self.user,
            self.d.bridge_a,
            self.d.token,
            amount,
            beneficiary,
        )
        .await;
    }

    /// The bridged-ether balance of `owner` on B.
    pub(crate) async fn balance(&self, owner: Address) -> U256 {
        balance_of(&self.chain_b, self.d.wrapped, owner).await
    }

    /// How many `MessageDelivered` events bridge B emitted (one per delivery, whatever its
    /// status).
    pub(crate) async fn deliveries_on_b(&self) -> usize {
        let head = self.chain_b.block_number().await.unwrap();
        self.chain_b
            .logs(
                &LogFilter::contract(self.d.bridge_b)
                    .with_event(Bridge::MessageDelivered::SIGNATURE_HASH.0),
                0,
                head,
            )
            .await
            .unwrap()
            .len()
    }

    /// Runs `calls` on B through the admin timelock (propose, let the delay pass, execute).
    pub(crate) async fn admin_b(&self, calls: Vec<Vec<u8>>) {
        let admin = EvmSender::new(self.chain_b.clone(), signer(0));
        crate::e2e::configure(&self.anvil_b, &admin, self.d.bridge_b, calls).await;
    }

    /// A transaction of B's guardian (dev account 1) to bridge B.
    pub(crate) async fn guardian_b(&self, data: Vec<u8>) {
        let guardian = EvmSender::new(self.chain_b.clone(), signer(1));
        let r = send(&guardian, TxRequest::call(self.d.bridge_b, data)).await;
        assert!(r.success, "guardian transaction reverted");
    }

    /// Moves B's clock forward and mines a block.
    pub(crate) fn advance_b(&self, seconds: u64) {
        self.anvil_b
            .rpc("evm_increaseTime", json!([seconds]))
            .unwrap();
        self.anvil_b.rpc("evm_mine", json!([])).unwrap();
    }

    /// Bridge B's `paused` flag.
    pub(crate) async fn paused_b(&self) -> bool {
        let out = self
            .chain_b
            .call(self.d.bridge_b, &Bridge::pausedCall {}.abi_encode())
            .await
            .unwrap();
        out.last() == Some(&1)
    }
}

/// A relayer-only configuration with its SQLite store in `dir`, 100 ms ticks, short
/// backoff and a retry budget that outlasts every scenario.
pub(crate) fn relayer_config(
    net: &Net,
    dir: &std::path::Path,
    endpoints: Vec<ValidatorEndpoint>,
) -> Config {
    let mut cfg = config(dir, net.chains(), endpoints, false, true);
    if let Some(r) = cfg.relayer.as_mut() {
        r.max_attempts = 1_000;
    }
    cfg
}

/// Starts a relayer daemon with dev account 2's key.
pub(crate) async fn start_relayer(cfg: Config) -> Daemon {
    Daemon::start(
        cfg,
        Keys {
            validator: None,
            relayer: Some(signer(2)),
        },
        "r",
    )
    .await
    .unwrap()
}

/// Starts a validator daemon for `key` with its store in `dir`, its API on `listen`, the
/// route's set `endpoints` and `standby`.
pub(crate) async fn start_validator(
    net: &Net,
    key: &EvmSigner,
    dir: &std::path::Path,
    endpoints: Vec<ValidatorEndpoint>,
    standby: Vec<ValidatorEndpoint>,
    listen: &str,
) -> Daemon {
    let mut cfg = config(dir, net.chains(), endpoints, true, false);
    cfg.routes[0].standby = standby;
    cfg.api.listen = listen.into();
    Daemon::start(
        cfg,
        Keys {
            validator: Some(key.clone()),
            relayer: None,
        },
        "v",
    )
    .await
    .unwrap()
}

/// Every message of `store`, by nonce.
pub(crate) async fn messages(store: &Store) -> Vec<MessageRecord> {
    let mut list = store.list(&ListFilter::default()).await.unwrap();
    list.sort_by_key(|m| m.nonce);
    list
}

/// Waits until the message with `nonce` is in `state` in `store`; returns it.
pub(crate) async fn wait_for_state(
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
pub(crate) async fn wait_all_delivered(store: &Store, count: usize, timeout: Duration) {
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

/// A loopback address with a free port, for a daemon API that must keep its address
/// across restarts.
pub(crate) fn free_listen() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().to_string()
}
