//! [`Net`]: the two anvil chains of [`crate::evm`] with the bridges deployed and three
//! validator keys in B's set, for the operational scenarios.

use std::sync::Arc;

use alloy_primitives::Address;
use alloy_sol_types::{SolCall, SolEvent};
use serde_json::json;
use trestle_bridge::evm_bindings::Bridge;
use trestle_core::chain::U256;
use trestle_core::evm::{EvmAddress, EvmSigner};
use trestle_evm::{EvmChain, EvmSender, LogFilter, TxRequest};
use trestle_relayer::Daemon;
use trestle_relayer::Keys;
use trestle_relayer::config::{ChainConfig, Config, ValidatorEndpoint};
use trestle_tests::Anvil;

use crate::daemons::{chain_config, config, placeholder_endpoints};
use crate::evm::{
    DOMAIN_A, DOMAIN_B, Deployment, balance_of, configure, connect, deploy_bridges, send,
    send_token, signer,
};

/// Two anvil chains, the bridges on both, and three validator keys (dev accounts 5..8) in
/// B's set for origin A (2-of-3, epoch 1).
pub struct Net {
    /// Chain A (chain id 31337).
    pub anvil_a: Anvil,
    /// Chain B (chain id 31338).
    pub anvil_b: Anvil,
    /// The EVM adapter on B.
    pub chain_b: Arc<EvmChain>,
    /// The validators' keys.
    pub keys: Vec<EvmSigner>,
    /// Their addresses.
    pub addrs: Vec<EvmAddress>,
    /// The bridges and the bridged ether.
    pub d: Deployment,
    user: EvmSender,
}

impl Net {
    /// Deploys with transfers of `timelock_threshold_b` wei or more held an hour on B.
    pub async fn start(timelock_threshold_b: u128) -> Net {
        Self::start_with_keys(timelock_threshold_b, (5..8).map(signer).collect()).await
    }

    /// Like [`Net::start`], with `keys` as B's validator set for A (2-of-3: give three),
    /// e.g. keys held in an HSM.
    pub async fn start_with_keys(timelock_threshold_b: u128, keys: Vec<EvmSigner>) -> Net {
        let anvil_a = Anvil::builder().chain_id(31_337).spawn().unwrap();
        let anvil_b = Anvil::builder().chain_id(31_338).spawn().unwrap();
        let chain_a = connect(&anvil_a, "a").await;
        let chain_b = connect(&anvil_b, "b").await;
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
    pub fn chains(&self) -> Vec<ChainConfig> {
        vec![
            chain_config("a", DOMAIN_A, &self.anvil_a, self.d.bridge_a),
            chain_config("b", DOMAIN_B, &self.anvil_b, self.d.bridge_b),
        ]
    }

    /// The three validators with endpoints nobody answers on.
    pub fn placeholders(&self) -> Vec<ValidatorEndpoint> {
        placeholder_endpoints(&self.addrs)
    }

    /// The user sends `amount` wei of ether from A to `beneficiary` on B.
    pub async fn send(&self, amount: u128, beneficiary: Address) {
        send_token(
            &self.user,
            self.d.bridge_a,
            self.d.token,
            amount,
            beneficiary,
        )
        .await;
    }

    /// Dev account `sender` sends `amount` wei of ether from A to `beneficiary` on B, paying
    /// `fee` wei for its delivery on top.
    pub async fn send_from(&self, sender: usize, amount: u128, fee: u128, beneficiary: Address) {
        let from = EvmSender::new(self.user.chain().clone(), signer(sender));
        let data = Bridge::sendTokenCall::new((
            DOMAIN_B,
            alloy_primitives::B256::from(self.d.token),
            U256::from(amount),
            alloy_primitives::FixedBytes::<32>::left_padding_from(beneficiary.as_slice()),
        ))
        .abi_encode();
        let r = send(
            &from,
            TxRequest::call(self.d.bridge_a, data).with_value(U256::from(amount + fee)),
        )
        .await;
        assert!(r.success, "sendToken reverted");
    }

    /// The user pays `amount` wei more for the delivery of message `id` to B (`payForGas`).
    pub async fn pay_for_gas(&self, id: [u8; 32], amount: u128) {
        let data =
            Bridge::payForGasCall::new((alloy_primitives::B256::from(id), DOMAIN_B)).abi_encode();
        let r = send(
            &self.user,
            TxRequest::call(self.d.bridge_a, data).with_value(U256::from(amount)),
        )
        .await;
        assert!(r.success, "payForGas reverted");
    }

    /// Runs `calls` on A through the admin timelock (propose, let the delay pass, execute).
    pub async fn admin_a(&self, calls: Vec<Vec<u8>>) {
        let admin = EvmSender::new(self.user.chain().clone(), signer(0));
        configure(&self.anvil_a, &admin, self.d.bridge_a, calls).await;
    }

    /// The EVM adapter on A.
    pub fn user_chain(&self) -> Arc<EvmChain> {
        self.user.chain().clone()
    }

    /// Bridge A's delivery fee for a token transfer to B now (`quoteTransfer`).
    pub async fn quote_transfer(&self) -> u128 {
        let out = self
            .user
            .chain()
            .call(
                self.d.bridge_a,
                &Bridge::quoteTransferCall::new((DOMAIN_B,)).abi_encode(),
            )
            .await
            .unwrap();
        u128::try_from(U256::from_be_slice(&out)).unwrap()
    }

    /// The bridged-ether balance of `owner` on B.
    pub async fn balance(&self, owner: Address) -> U256 {
        balance_of(&self.chain_b, self.d.wrapped, owner).await
    }

    /// How many `MessageDelivered` events bridge B emitted (one per delivery, whatever its
    /// status).
    pub async fn deliveries_on_b(&self) -> usize {
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
    pub async fn admin_b(&self, calls: Vec<Vec<u8>>) {
        let admin = EvmSender::new(self.chain_b.clone(), signer(0));
        configure(&self.anvil_b, &admin, self.d.bridge_b, calls).await;
    }

    /// A transaction of B's guardian (dev account 1) to bridge B.
    pub async fn guardian_b(&self, data: Vec<u8>) {
        let guardian = EvmSender::new(self.chain_b.clone(), signer(1));
        let r = send(&guardian, TxRequest::call(self.d.bridge_b, data)).await;
        assert!(r.success, "guardian transaction reverted");
    }

    /// Moves B's clock forward and mines a block.
    pub fn advance_b(&self, seconds: u64) {
        self.anvil_b
            .rpc("evm_increaseTime", json!([seconds]))
            .unwrap();
        self.anvil_b.rpc("evm_mine", json!([])).unwrap();
    }

    /// Bridge B's `paused` flag.
    pub async fn paused_b(&self) -> bool {
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
pub fn relayer_config(
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

/// Starts a validator daemon for `key` with its store in `dir`, its API on `listen`, the
/// route's set `endpoints` and `standby`.
pub async fn start_validator(
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
            relayer_solana: None,
            fee_oracle: None,
            fee_oracle_solana: None,
        },
        "v",
    )
    .await
    .unwrap()
}
