//! EVM chains of the local network: anvil nodes with the Solidity bridge deployed and
//! configured through its admin timelock.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use alloy_primitives::{Address, B256, FixedBytes};
use alloy_sol_types::{SolCall, SolConstructor, SolEvent};
use serde_json::json;
use trestle_bridge::evm_bindings::{Bridge, BridgedToken};
use trestle_bridge::{NATIVE_TOKEN, token_id};
use trestle_bridge_client::{BridgeInit, EvmBridge};
use trestle_core::chain::{Chain as _, TxId, U256, UniversalAddress};
use trestle_core::evm::{EvmAddress, EvmSigner};
use trestle_evm::{EvmChain, EvmSender, LogFilter, Preset, Receipt, TxRequest};
use trestle_tests::Anvil;

use crate::error::{Error, Result};
use crate::keys;

/// How long one transaction may take to be mined on anvil.
const TX_TIMEOUT: Duration = Duration::from_secs(30);
/// The admin delay the bridges are deployed with (seconds); [`EvmNode::configure`] moves the
/// chain's clock past it.
pub const ADMIN_DELAY: u64 = 1;
/// Capacity of the rate-limit buckets the builder configures (local units): large enough
/// that no demo or benchmark transfer is limited.
pub const UNLIMITED: u128 = 1_000_000_000 * 10u128.pow(18);
/// Refill of those buckets per second (the contract caps refills at `uint88`).
pub const REFILL: u128 = 1_000_000 * 10u128.pow(18);

/// `bytes32` of an EVM address, left-padded.
pub fn pad(a: EvmAddress) -> B256 {
    B256::from(UniversalAddress::from_evm(a.0).0)
}

fn addr(a: EvmAddress) -> Address {
    Address::from(a.0)
}

/// One anvil chain with a deployed [`Bridge`]. Dropping it stops anvil.
#[derive(Debug)]
pub struct EvmNode {
    /// Name used in daemon configs, logs and the demo's output.
    pub name: String,
    /// Protocol domain.
    pub domain: u32,
    /// The node (its URL, chain id, JSON-RPC).
    pub anvil: Anvil,
    /// A client of the node.
    pub chain: Arc<EvmChain>,
    /// The bridge contract.
    pub bridge: EvmAddress,
    admin: EvmSender,
    salt: AtomicU64,
}

impl EvmNode {
    /// Starts anvil with `chain_id` (a block per transaction and one per second when idle) and
    /// deploys a bridge for `domain` (admin: dev account 0,
    /// guardian: dev account 1, admin delay [`ADMIN_DELAY`]). Nothing is configured yet.
    pub async fn start(name: &str, domain: u32, chain_id: u64) -> Result<Self> {
        // Mixed mining: each transaction is mined at once, and a block comes every second
        // even when idle, so that the chain's clock moves (timelocks expire) as on a real chain.
        let builder = Anvil::builder()
            .chain_id(chain_id)
            .block_time(Some(1))
            .arg("--mixed-mining");
        let anvil = tokio::task::spawn_blocking(move || builder.spawn())
            .await
            .map_err(|e| Error::evm(format!("starting anvil `{name}`"), e))?
            .map_err(Error::node(format!("starting anvil `{name}`")))?;
        let mut config =
            trestle_evm::EvmChainConfig::preset(Preset::Anvil, vec![anvil.url().into()]);
        config.name = name.into();
        config.chain_id = chain_id;
        let chain = Arc::new(
            EvmChain::connect(config)
                .await
                .map_err(|e| Error::evm(format!("connecting to anvil `{name}`"), e))?,
        );
        let admin = EvmSender::new(chain.clone(), keys::admin());
        let init = BridgeInit {
            domain,
            admin: admin.address(),
            guardian: keys::guardian().address(),
            admin_delay: ADMIN_DELAY,
        };
        let bridge = EvmBridge::deploy(&admin, &init, TX_TIMEOUT)
            .await
            .map_err(|e| Error::evm(format!("deploying the bridge on `{name}`"), e))?
            .address();
        Ok(Self {
            name: name.into(),
            domain,
            anvil,
            chain,
            bridge,
            admin,
            salt: AtomicU64::new(0),
        })
    }

    /// Deploys `code` with constructor arguments `args` from the admin account.
    pub async fn deploy(&self, code: &[u8], args: Vec<u8>) -> Result<EvmAddress> {
        let mut init = code.to_vec();
        init.extend(args);
        let receipt = self
            .send(&self.admin, TxRequest::deploy(init), "deploying a contract")
            .await?;
        receipt.contract_address.ok_or_else(|| {
            Error::evm(
                format!("deploying on `{}`", self.name),
                "no contract address in the receipt",
            )
        })
    }

    /// Deploys a [`BridgedToken`] whose minter is this chain's bridge.
    pub async fn deploy_bridged_token(
        &self,
        name: &str,
        symbol: &str,
        decimals: u8,
    ) -> Result<EvmAddress> {
        let args = BridgedToken::constructorCall::new((
            addr(self.bridge),
            name.to_owned(),
            symbol.to_owned(),
            decimals,
        ))
        .abi_encode();
        self.deploy(&BridgedToken::BYTECODE, args).await
    }

    /// Sends `request` from `sender` and waits for a successful receipt; `what` names the
    /// step in the error.
    pub async fn send(
        &self,
        sender: &EvmSender,
        request: TxRequest,
        what: &str,
    ) -> Result<Receipt> {
        let what = || format!("{what} on `{}`", self.name);
        let (_, receipt) = sender
            .send_and_wait(request, TX_TIMEOUT)
            .await
            .map_err(|e| Error::evm(what(), e))?;
        if !receipt.success {
            return Err(Error::evm(
                what(),
                format!(
                    "transaction 0x{} reverted",
                    hex::encode(receipt.transaction_hash)
                ),
            ));
        }
        Ok(receipt)
    }

    /// A sender of transactions from `signer` on this chain.
    pub fn sender(&self, signer: EvmSigner) -> EvmSender {
        EvmSender::new(self.chain.clone(), signer)
    }

    /// Runs admin calls (ABI-encoded `Bridge` calls such as `setRemote`) through the bridge's
    /// timelock: proposes each, moves the chain's clock past the admin delay, executes each in
    /// order.
    pub async fn configure(&self, calls: &[Vec<u8>]) -> Result<()> {
        let first = self.salt.fetch_add(calls.len() as u64, Ordering::Relaxed);
        let salt = |i: usize| B256::from(U256::from(first + i as u64).to_be_bytes::<32>());
        for (i, call) in calls.iter().enumerate() {
            let data = Bridge::proposeCall::new((call.clone().into(), salt(i))).abi_encode();
            self.send(
                &self.admin,
                TxRequest::call(self.bridge, data),
                "proposing an admin call",
            )
            .await?;
        }
        self.anvil
            .rpc("evm_increaseTime", json!([ADMIN_DELAY + 1]))
            .and_then(|_| self.anvil.rpc("evm_mine", json!([])))
            .map_err(Error::node(format!(
                "advancing the clock of `{}`",
                self.name
            )))?;
        for (i, call) in calls.iter().enumerate() {
            let data = Bridge::executeCall::new((call.clone().into(), salt(i))).abi_encode();
            self.send(
                &self.admin,
                TxRequest::call(self.bridge, data),
                "executing an admin call",
            )
            .await?;
        }
        Ok(())
    }

    /// The balance of `owner` in `token` (an ERC-20 / [`BridgedToken`]), or in ether when
    /// `token` is `None`.
    pub async fn balance(&self, token: Option<EvmAddress>, owner: EvmAddress) -> Result<U256> {
        let what = || format!("reading a balance on `{}`", self.name);
        match token {
            None => self
                .chain
                .native_balance(&UniversalAddress::from_evm(owner.0))
                .await
                .map_err(|e| Error::evm(what(), e)),
            Some(token) => {
                let data = BridgedToken::balanceOfCall::new((addr(owner),)).abi_encode();
                let out = self
                    .chain
                    .call(token, &data)
                    .await
                    .map_err(|e| Error::evm(what(), e))?;
                if out.len() != 32 {
                    return Err(Error::evm(
                        what(),
                        format!("balanceOf returned {} bytes", out.len()),
                    ));
                }
                Ok(U256::from_be_slice(&out))
            }
        }
    }

    /// Calls `sendToken` from `user` (with `value` wei attached, for ether) and returns the
    /// message the bridge emitted.
    pub async fn send_token(
        &self,
        user: &EvmSender,
        destination: u32,
        token: [u8; 32],
        amount: U256,
        beneficiary: [u8; 32],
        value: U256,
    ) -> Result<SentMessage> {
        let data = Bridge::sendTokenCall::new((
            destination,
            B256::from(token),
            amount,
            FixedBytes::<32>::from(beneficiary),
        ))
        .abi_encode();
        let receipt = self
            .send(
                user,
                TxRequest::call(self.bridge, data).with_value(value),
                "sendToken",
            )
            .await?;
        self.sent_message(&receipt).await
    }

    /// What this node's bridge charges now for delivering a token transfer to `destination`
    /// (wei; `sendToken` takes it on top of the amount).
    pub async fn quote_transfer(&self, destination: u32) -> Result<U256> {
        self.contract()
            .quote_transfer(destination)
            .await
            .map(U256::from)
            .map_err(|e| Error::evm(format!("quoting on `{}`", self.name), e))
    }

    /// Pays `amount` wei more for the delivery of message `id` to `destination`
    /// (`payForGas`, from `payer`); returns the transaction hash.
    pub async fn pay_for_gas(
        &self,
        payer: &EvmSender,
        id: [u8; 32],
        destination: u32,
        amount: U256,
    ) -> Result<Vec<u8>> {
        let data = EvmBridge::pay_for_gas_call(&id, destination);
        let receipt = self
            .send(
                payer,
                TxRequest::call(self.bridge, data).with_value(amount),
                "payForGas",
            )
            .await?;
        Ok(receipt.transaction_hash.to_vec())
    }

    /// This node's bridge through `trestle-bridge-client`.
    pub fn contract(&self) -> EvmBridge {
        EvmBridge::new(self.chain.clone(), self.bridge)
    }

    /// The `MessageSent` event of a mined transaction.
    pub async fn sent_message(&self, receipt: &Receipt) -> Result<SentMessage> {
        let sent = self
            .contract()
            .sent_in(receipt.transaction_hash, receipt.block_number)
            .await
            .map_err(|e| Error::evm(format!("reading MessageSent on `{}`", self.name), e))?;
        Ok(SentMessage {
            id: sent.id,
            nonce: sent.message.nonce,
            tx: receipt.transaction_hash.to_vec(),
        })
    }

    /// When the transfer `id` queued on this bridge can be executed (Unix seconds of the
    /// chain's clock), or `None` when it is not queued (never delivered, executed, cancelled).
    pub async fn queued_until(&self, id: [u8; 32]) -> Result<Option<u64>> {
        let stage = self
            .contract()
            .delivery(&id, None, 0)
            .await
            .map_err(|e| Error::evm(format!("reading the queue of `{}`", self.name), e))?;
        Ok(match stage {
            trestle_bridge_client::Stage::Queued { release_at } => release_at,
            _ => None,
        })
    }

    /// The chain's clock: the latest block's timestamp (Unix seconds).
    pub async fn now(&self) -> Result<u64> {
        let what = || format!("reading the clock of `{}`", self.name);
        let head = self
            .chain
            .block_number()
            .await
            .map_err(|e| Error::evm(what(), e))?;
        let header = self
            .chain
            .header(head)
            .await
            .map_err(|e| Error::evm(what(), e))?;
        header
            .map(|h| h.timestamp)
            .ok_or_else(|| Error::evm(what(), format!("no block {head}")))
    }

    /// The transactions of this bridge that emitted `event` (topic 0) for message `id`
    /// (topic 1), in chain order.
    pub async fn event_txs(&self, event: [u8; 32], id: [u8; 32]) -> Result<Vec<[u8; 32]>> {
        let filter = LogFilter::contract(self.bridge).with_event(event);
        let what = || format!("reading the logs of `{}`", self.name);
        let head = self
            .chain
            .block_number()
            .await
            .map_err(|e| Error::evm(what(), e))?;
        let logs = self
            .chain
            .logs(&filter, 0, head)
            .await
            .map_err(|e| Error::evm(what(), e))?;
        Ok(logs
            .iter()
            .filter(|l| l.topics.get(1) == Some(&id))
            .filter_map(|l| match l.tx_id {
                TxId::Evm(hash) => Some(hash),
                TxId::Solana(_) => None,
            })
            .collect())
    }

    /// The transactions that delivered message `id` here (`MessageDelivered`): exactly one
    /// after a delivery, never more.
    pub async fn deliveries(&self, id: [u8; 32]) -> Result<Vec<[u8; 32]>> {
        self.event_txs(Bridge::MessageDelivered::SIGNATURE_HASH.0, id)
            .await
    }

    /// How many times message `id` was delivered here.
    pub async fn delivered_count(&self, id: [u8; 32]) -> Result<usize> {
        Ok(self.deliveries(id).await?.len())
    }

    /// The transactions that executed the queued transfer `id` (`MessageExecuted`).
    pub async fn executions(&self, id: [u8; 32]) -> Result<Vec<[u8; 32]>> {
        self.event_txs(Bridge::MessageExecuted::SIGNATURE_HASH.0, id)
            .await
    }
}

/// A message a bridge emitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    /// Its id.
    pub id: [u8; 32],
    /// Its nonce on the origin.
    pub nonce: u64,
    /// The origin transaction (hash, or Solana signature bytes).
    pub tx: Vec<u8>,
}

/// Options of an [`EvmNetwork`]; start with [`EvmNetwork::builder`].
#[derive(Debug, Clone)]
#[must_use]
pub struct EvmNetworkBuilder {
    chains: Vec<(String, u32, u64)>,
    validators: Vec<EvmAddress>,
    threshold: u8,
    timelock_threshold: u128,
    timelock_delay: u64,
}

impl Default for EvmNetworkBuilder {
    fn default() -> Self {
        Self {
            chains: Vec::new(),
            validators: keys::validators().iter().map(EvmSigner::address).collect(),
            threshold: 2,
            timelock_threshold: u128::MAX,
            timelock_delay: 3_600,
        }
    }
}

impl EvmNetworkBuilder {
    /// Adds an anvil chain `name` with protocol `domain` and EIP-155 `chain_id`.
    pub fn chain(mut self, name: &str, domain: u32, chain_id: u64) -> Self {
        self.chains.push((name.into(), domain, chain_id));
        self
    }

    /// The validator set every bridge accepts for every other chain (epoch 1). Default: the
    /// three keys of [`keys::validators`], 2-of-3.
    pub fn validators(mut self, validators: Vec<EvmAddress>, threshold: u8) -> Self {
        self.validators = validators;
        self.threshold = threshold;
        self
    }

    /// Inbound transfers of at least `threshold` local units wait `delay_seconds` in the
    /// destination's timelock. Default: no timelock (threshold `u128::MAX`).
    pub fn timelock(mut self, threshold: u128, delay_seconds: u64) -> Self {
        self.timelock_threshold = threshold;
        self.timelock_delay = delay_seconds;
        self
    }

    /// Starts every chain, deploys a bridge on each and a [`BridgedToken`] of every other
    /// chain's ether, and configures, on every bridge, each other chain as a remote with the
    /// validator set, native ether (home) and the bridged ethers of the others, routes to
    /// send each of them to every other chain, and rate limits of [`UNLIMITED`] refilled at [`REFILL`] per second.
    pub async fn start(self) -> Result<EvmNetwork> {
        let mut nodes = Vec::with_capacity(self.chains.len());
        for (name, domain, chain_id) in &self.chains {
            nodes.push(EvmNode::start(name, *domain, *chain_id).await?);
        }
        let mut wrapped = BTreeMap::new();
        for node in &nodes {
            for home in &nodes {
                if home.domain != node.domain {
                    let token = node
                        .deploy_bridged_token(&format!("Ether from {}", home.name), "tETH", 18)
                        .await?;
                    wrapped.insert((home.domain, node.domain), token);
                }
            }
        }
        let mut sorted = self.validators.clone();
        sorted.sort();
        let set: Vec<Address> = sorted.iter().map(|v| addr(*v)).collect();
        for node in &nodes {
            let mut calls = Vec::new();
            for other in nodes.iter().filter(|o| o.domain != node.domain) {
                calls.push(
                    Bridge::setRemoteCall::new((other.domain, pad(other.bridge), KIND_EVM))
                        .abi_encode(),
                );
                calls.push(
                    Bridge::setValidatorSetCall::new((
                        other.domain,
                        1u64,
                        set.clone(),
                        self.threshold,
                    ))
                    .abi_encode(),
                );
                calls.push(demo_fee_config(other.domain));
            }
            for home in &nodes {
                let token = B256::from(ether_token(home.domain));
                let local = if home.domain == node.domain {
                    addr(EvmAddress(NATIVE_ADDRESS))
                } else {
                    let w = wrapped
                        .get(&(home.domain, node.domain))
                        .copied()
                        .unwrap_or(EvmAddress([0; 20]));
                    addr(w)
                };
                calls.push(
                    Bridge::setTokenCall::new((
                        home.domain,
                        B256::from(NATIVE_TOKEN.0),
                        local,
                        0u8,
                        self.timelock_threshold,
                        self.timelock_delay,
                    ))
                    .abi_encode(),
                );
                for other in nodes.iter().filter(|o| o.domain != node.domain) {
                    calls.push(
                        Bridge::setRouteCall::new((token, other.domain, 0u8, u128::MAX))
                            .abi_encode(),
                    );
                    calls.push(
                        Bridge::setLimitsCall::new((
                            token,
                            other.domain,
                            UNLIMITED,
                            REFILL,
                            UNLIMITED,
                            REFILL,
                        ))
                        .abi_encode(),
                    );
                }
            }
            node.configure(&calls).await?;
        }
        Ok(EvmNetwork { nodes, wrapped })
    }
}

/// What a bridge of the network charges for deliveries to another anvil chain
/// (docs/protocol.md, "Delivery fees"): 1 gwei per gas of the destination's, ether for ether,
/// 65,000 gas per delivery, 21,000 per signature set, 110,000 for a token transfer and 16
/// per body byte: a transfer costs 197,552 gwei.
pub const DEMO_GAS_PRICE: u128 = 1_000_000_000_000_000_000;

/// `setFeeConfig` of `destination` with the network's fees ([`DEMO_GAS_PRICE`]).
fn demo_fee_config(destination: u32) -> Vec<u8> {
    Bridge::setFeeConfigCall::new((
        destination,
        DEMO_GAS_PRICE,
        1_000_000_000_000_000_000u128,
        0u128,
        65_000u64,
        21_000u64,
        110_000u64,
        16u32,
    ))
    .abi_encode()
}

/// The 20-byte native-ether sentinel.
pub const NATIVE_ADDRESS: [u8; 20] = [0xee; 20];

/// `setRemote`'s kind of an EVM remote.
pub const KIND_EVM: u8 = 0;
/// `setRemote`'s kind of a Solana remote.
pub const KIND_SOLANA: u8 = 1;

/// The token id of `home_domain`'s native ether.
pub fn ether_token(home_domain: u32) -> [u8; 32] {
    token_id(home_domain, &NATIVE_TOKEN)
}

/// Several anvil chains with bridges configured toward each other (see
/// [`EvmNetworkBuilder::start`]).
///
/// ```no_run
/// use trestle_core::chain::U256;
/// use trestle_localnet::evm::{EvmNetwork, ether_token};
/// use trestle_localnet::keys;
///
/// # async fn demo() -> trestle_localnet::Result<()> {
/// let net = EvmNetwork::builder()
///     .chain("a", 1, 31_337)
///     .chain("b", 2, 31_338)
///     .start()
///     .await?;
/// let (a, b) = (net.node("a")?, net.node("b")?);
/// let user = a.sender(keys::user());
/// let beneficiary = trestle_localnet::evm::pad(keys::user().address()).0;
/// let amount = U256::from(10u64.pow(18));
/// // The ether sent, and the delivery fee b charges on top.
/// let value = amount + a.quote_transfer(b.domain).await?;
/// let sent = a.send_token(&user, b.domain, ether_token(a.domain), amount, beneficiary, value).await?;
/// println!("message 0x{} waits for the validators and a relayer", hex::encode(sent.id));
/// // Start daemons for it with trestle_localnet::daemons::Daemons.
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct EvmNetwork {
    /// The chains, in the order they were added.
    pub nodes: Vec<EvmNode>,
    wrapped: BTreeMap<(u32, u32), EvmAddress>,
}

impl EvmNetwork {
    /// Options for a new network.
    pub fn builder() -> EvmNetworkBuilder {
        EvmNetworkBuilder::default()
    }

    /// The chain named `name`.
    pub fn node(&self, name: &str) -> Result<&EvmNode> {
        self.nodes
            .iter()
            .find(|n| n.name == name)
            .ok_or_else(|| Error::Setup(format!("no EVM chain named `{name}` in this network")))
    }

    /// The [`BridgedToken`] on chain `on` that stands for the ether of chain `home`.
    pub fn wrapped_ether(&self, home: u32, on: u32) -> Option<EvmAddress> {
        self.wrapped.get(&(home, on)).copied()
    }
}
