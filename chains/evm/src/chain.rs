//! [`EvmChain`]: one EVM chain behind an endpoint pool, implementing core's [`Chain`],
//! [`Submitter`] and [`EventSource`].

use std::time::{Duration, Instant};

use alloy_primitives::{Address, B256, Bytes, U64, U128};
use alloy_provider::Provider;
use alloy_rpc_types_eth::{BlockNumberOrTag, Filter};
use async_trait::async_trait;
use serde::Deserialize;
use serde_json::json;
use trestle_core::chain::{
    Chain, ChainEvent, ChainInfo, EventSource, FeeSuggestion, FinalityRule, Submitter, TxContext,
    TxId, TxStatus, U256, UniversalAddress,
};
use trestle_core::evm::{EvmAddress, keccak256};
use trestle_core::{ChainKind, Error as CoreError};

use crate::config::{EvmChainConfig, FeeModel};
use crate::erc20::Erc20;
use crate::error::{Error, Result};
use crate::fees::{self, Fees};
use crate::rpc::{Rejection, RpcPool, rejection_of};

/// The parts of a block header the adapter uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockHeader {
    /// Block number.
    pub number: u64,
    /// Block hash.
    pub hash: [u8; 32],
    /// Hash of the parent block.
    pub parent_hash: [u8; 32],
    /// Unix timestamp, seconds.
    pub timestamp: u64,
    /// EIP-1559 base fee, if the chain has one.
    pub base_fee_per_gas: Option<u128>,
    /// The most gas the block's transactions may use together (0 when the node did not say).
    pub gas_limit: u64,
}

/// The parts of a transaction receipt the adapter uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Receipt {
    /// Transaction hash.
    pub transaction_hash: [u8; 32],
    /// The block that included it.
    pub block_number: u64,
    /// Hash of that block.
    pub block_hash: [u8; 32],
    /// Whether execution succeeded (`status == 1`).
    pub success: bool,
    /// Gas used by the transaction.
    pub gas_used: u64,
    /// The price paid per gas (wei; `effectiveGasPrice`, 0 when the node leaves it out), so
    /// that `gas_used * effective_gas_price` is what the transaction cost its sender.
    pub effective_gas_price: u128,
    /// The created contract, for a deployment.
    pub contract_address: Option<EvmAddress>,
}

/// Which logs to read: any of `addresses` (empty = every contract) and, when non-empty, a
/// first topic (event signature) among `topic0`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    /// Emitting contracts; empty matches every contract.
    pub addresses: Vec<EvmAddress>,
    /// Event signatures (topic 0); empty matches every event.
    pub topic0: Vec<[u8; 32]>,
}

impl LogFilter {
    /// Every log of one contract.
    pub fn contract(address: EvmAddress) -> Self {
        Self {
            addresses: vec![address],
            topic0: Vec::new(),
        }
    }

    /// Only events whose signature hash is `topic0`.
    pub fn with_event(mut self, topic0: [u8; 32]) -> Self {
        self.topic0.push(topic0);
        self
    }

    fn to_alloy(&self, from: u64, to: u64) -> Filter {
        let mut filter = Filter::new().from_block(from).to_block(to);
        if !self.addresses.is_empty() {
            filter = filter.address(
                self.addresses
                    .iter()
                    .map(|a| Address::from(a.0))
                    .collect::<Vec<_>>(),
            );
        }
        if !self.topic0.is_empty() {
            filter = filter.event_signature(
                self.topic0
                    .iter()
                    .map(|t| B256::from(*t))
                    .collect::<Vec<_>>(),
            );
        }
        filter
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RpcHeader {
    number: U64,
    hash: B256,
    parent_hash: B256,
    timestamp: U64,
    #[serde(default)]
    base_fee_per_gas: Option<U128>,
    #[serde(default)]
    gas_limit: U64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RpcReceipt {
    transaction_hash: B256,
    block_number: Option<U64>,
    block_hash: Option<B256>,
    #[serde(default)]
    status: Option<U64>,
    gas_used: U128,
    #[serde(default)]
    effective_gas_price: Option<U128>,
    #[serde(default)]
    contract_address: Option<Address>,
    #[serde(default)]
    logs: Vec<alloy_rpc_types_eth::Log>,
}

/// One EVM chain: its configuration, finality rule and endpoint pool.
#[derive(Debug)]
pub struct EvmChain {
    config: EvmChainConfig,
    info: ChainInfo,
    pool: RpcPool,
}

impl EvmChain {
    /// Builds the chain from a validated config without touching the network.
    pub fn new(config: EvmChainConfig) -> Result<Self> {
        config.validate()?;
        let pool = RpcPool::new(&config.name, &config.rpc_urls, &config.rpc)?;
        let info = ChainInfo {
            name: config.name.clone(),
            kind: ChainKind::Evm,
            chain_id: config.chain_id,
            finality: config.finality.into(),
            native_decimals: config.native_decimals,
        };
        Ok(Self { config, info, pool })
    }

    /// Builds the chain and asks every endpoint for its chain id. One that serves another
    /// chain is an error ([`Error::ChainIdMismatch`]): reading events from the wrong chain is
    /// worse than not reading. One that does not answer is demoted and logged (it may come
    /// back); no endpoint answering is an error.
    pub async fn connect(config: EvmChainConfig) -> Result<Self> {
        let chain = Self::new(config)?;
        let answers = chain
            .pool
            .call_each("eth_chainId", |p| async move { p.get_chain_id().await })
            .await;
        let mut last_error = None;
        let mut answered = false;
        for (endpoint, answer) in answers {
            match answer {
                Ok(id) if id == chain.config.chain_id => answered = true,
                Ok(actual) => {
                    return Err(Error::ChainIdMismatch {
                        endpoint,
                        expected: chain.config.chain_id,
                        actual,
                    });
                }
                Err(e) => {
                    tracing::warn!(chain = %chain.config.name, %endpoint, error = %e, "endpoint not reachable at connect");
                    last_error = Some(e);
                }
            }
        }
        match (answered, last_error) {
            (false, Some(e)) => Err(e.into()),
            _ => Ok(chain),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &EvmChainConfig {
        &self.config
    }

    /// The endpoint pool (for health reporting).
    pub fn pool(&self) -> &RpcPool {
        &self.pool
    }

    /// `eth_blockNumber`.
    pub async fn block_number(&self) -> Result<u64, CoreError> {
        self.pool
            .call(
                "eth_blockNumber",
                |p| async move { p.get_block_number().await },
            )
            .await
    }

    /// The header of block `number`, `None` when the node does not have it (yet).
    pub async fn header(&self, number: u64) -> Result<Option<BlockHeader>, CoreError> {
        self.header_by_tag(BlockNumberOrTag::Number(number)).await
    }

    async fn header_by_tag(&self, tag: BlockNumberOrTag) -> Result<Option<BlockHeader>, CoreError> {
        let raw: Option<RpcHeader> = self
            .pool
            .call("eth_getBlockByNumber", |p| async move {
                p.raw_request("eth_getBlockByNumber".into(), (tag, false))
                    .await
            })
            .await?;
        Ok(raw.map(|h| BlockHeader {
            number: h.number.to::<u64>(),
            hash: h.hash.0,
            parent_hash: h.parent_hash.0,
            timestamp: h.timestamp.to::<u64>(),
            base_fee_per_gas: h.base_fee_per_gas.map(|b| b.to::<u128>()),
            gas_limit: h.gas_limit.to::<u64>(),
        }))
    }

    /// The gas limit of the latest block: no transaction asking for more is ever mined.
    pub async fn block_gas_limit(&self) -> Result<u64, CoreError> {
        Ok(self
            .tagged_header(BlockNumberOrTag::Latest)
            .await?
            .gas_limit)
    }

    /// The latest block that is final by the chain's rule.
    pub async fn safe_height(&self) -> Result<u64, CoreError> {
        match self.info.finality {
            FinalityRule::Confirmations(n) => Ok(self.block_number().await?.saturating_sub(n)),
            _ => Ok(self
                .tagged_header(BlockNumberOrTag::Finalized)
                .await?
                .number),
        }
    }

    /// The header of the block `tag` names; an error when the node has none.
    async fn tagged_header(&self, tag: BlockNumberOrTag) -> Result<BlockHeader, CoreError> {
        self.header_by_tag(tag)
            .await?
            .ok_or_else(|| CoreError::MalformedResponse {
                endpoint: self.config.name.clone(),
                reason: format!("eth_getBlockByNumber(\"{tag}\") returned null"),
            })
    }

    /// `eth_getCode` of `address` at block `block`: the contract's runtime bytecode as of
    /// that block, empty when no contract was there (not deployed yet, or an account without
    /// code). A node that no longer holds that block's state (a full node, not an archive
    /// node, asked about an old block) answers an error, as does one that does not have the
    /// block yet.
    pub async fn code_at(&self, address: EvmAddress, block: u64) -> Result<Vec<u8>, CoreError> {
        let addr = Address::from(address.0);
        let code: Bytes = self
            .pool
            .call("eth_getCode", |p| async move {
                p.get_code_at(addr).number(block).await
            })
            .await?;
        Ok(code.to_vec())
    }

    /// The next nonce of `address`, counting pending transactions.
    pub async fn pending_nonce(&self, address: EvmAddress) -> Result<u64, CoreError> {
        let addr = Address::from(address.0);
        self.pool
            .call("eth_getTransactionCount", |p| async move {
                p.get_transaction_count(addr).pending().await
            })
            .await
    }

    /// The nonce of `address` counting only mined transactions.
    pub async fn latest_nonce(&self, address: EvmAddress) -> Result<u64, CoreError> {
        let addr = Address::from(address.0);
        self.pool
            .call("eth_getTransactionCount", |p| async move {
                p.get_transaction_count(addr).latest().await
            })
            .await
    }

    /// Fees for the next transaction by the configured model, ceiling applied, and the base
    /// fee of the next block (0 on legacy chains).
    pub async fn estimate_fees(&self) -> Result<(Fees, u128)> {
        let fc = &self.config.fees;
        match self.config.fee_model {
            FeeModel::Legacy => {
                let price = self
                    .pool
                    .call("eth_gasPrice", |p| async move { p.get_gas_price().await })
                    .await?;
                Ok((fees::legacy_fees(&self.config.name, price, fc)?, 0))
            }
            FeeModel::Eip1559 => {
                let blocks = fc.fee_history_blocks;
                let percentile = [f64::from(fc.priority_fee_percentile)];
                let history = self
                    .pool
                    .call("eth_feeHistory", |p| async move {
                        p.get_fee_history(blocks, BlockNumberOrTag::Latest, &percentile)
                            .await
                    })
                    .await?;
                let next_base = *history.base_fee_per_gas.last().ok_or_else(|| {
                    CoreError::MalformedResponse {
                        endpoint: self.config.name.clone(),
                        reason: "eth_feeHistory has no baseFeePerGas: is this chain pre-EIP-1559? \
                                 configure fee_model = \"legacy\""
                            .into(),
                    }
                })?;
                let rewards: Vec<u128> = history
                    .reward
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|r| r.first().copied())
                    .collect();
                let fees = fees::eip1559_fees(&self.config.name, next_base, &rewards, fc)?;
                Ok((fees, next_base))
            }
        }
    }

    /// `eth_estimateGas` of a call from `from`.
    pub async fn estimate_gas(
        &self,
        from: EvmAddress,
        to: Option<EvmAddress>,
        value: U256,
        data: &[u8],
    ) -> Result<u64, CoreError> {
        let mut req = json!({
            "from": format!("0x{}", hex_of(&from.0)),
            "value": format!("{value:#x}"),
            // Both names: older nodes read only `data`; geth accepts both when they agree.
            "input": format!("0x{}", hex_of(data)),
            "data": format!("0x{}", hex_of(data)),
        });
        if let (Some(to), Some(obj)) = (to, req.as_object_mut()) {
            obj.insert("to".into(), json!(format!("0x{}", hex_of(&to.0))));
        }
        let gas: U64 = self
            .pool
            .call("eth_estimateGas", |p| {
                let req = req.clone();
                async move { p.raw_request("eth_estimateGas".into(), (req,)).await }
            })
            .await?;
        Ok(gas.to::<u64>())
    }

    /// `eth_call` at the latest block; returns the output bytes.
    pub async fn call(&self, to: EvmAddress, data: &[u8]) -> Result<Vec<u8>, CoreError> {
        let req = json!({
            "to": format!("0x{}", hex_of(&to.0)),
            // Both names: older nodes read only `data`; geth accepts both when they agree.
            "input": format!("0x{}", hex_of(data)),
            "data": format!("0x{}", hex_of(data)),
        });
        let out: Bytes = self
            .pool
            .call("eth_call", |p| {
                let req = req.clone();
                async move { p.raw_request("eth_call".into(), (req, "latest")).await }
            })
            .await?;
        Ok(out.to_vec())
    }

    /// `eth_call` at the latest block on every endpoint (no failover), in configuration
    /// order: each endpoint's label and output (for answers that must not rest on one
    /// endpoint's word).
    pub async fn call_each(
        &self,
        to: EvmAddress,
        data: &[u8],
    ) -> Vec<(String, Result<Vec<u8>, CoreError>)> {
        let req = json!({
            "to": format!("0x{}", hex_of(&to.0)),
            "input": format!("0x{}", hex_of(data)),
            "data": format!("0x{}", hex_of(data)),
        });
        self.pool
            .call_each("eth_call", |p| {
                let req = req.clone();
                async move {
                    p.raw_request::<_, Bytes>("eth_call".into(), (req, "latest"))
                        .await
                }
            })
            .await
            .into_iter()
            .map(|(label, out)| (label, out.map(|b| b.to_vec())))
            .collect()
    }

    /// Broadcasts a signed raw transaction and returns its hash (computed locally). A node
    /// that already has the transaction ("already known") counts as success.
    pub async fn send_raw(&self, raw: &[u8]) -> Result<[u8; 32], CoreError> {
        let hash = keccak256(raw);
        let raw = raw.to_vec();
        let sent = self
            .pool
            .call("eth_sendRawTransaction", |p| {
                let raw = raw.clone();
                async move {
                    p.send_raw_transaction(&raw)
                        .await
                        .map(|pending| *pending.tx_hash())
                }
            })
            .await;
        match sent {
            Ok(node_hash) => {
                if node_hash.0 != hash {
                    tracing::warn!(
                        chain = %self.config.name,
                        local = %TxId::Evm(hash),
                        node = %TxId::Evm(node_hash.0),
                        "node reported another hash than the transaction's keccak256"
                    );
                }
                tracing::debug!(chain = %self.config.name, tx = %TxId::Evm(hash), "sent");
                Ok(hash)
            }
            Err(e) if rejection_of(&e) == Some(Rejection::AlreadyKnown) => Ok(hash),
            Err(e) => Err(e),
        }
    }

    /// The receipt of a transaction, `None` while it is not included.
    pub async fn receipt(&self, hash: [u8; 32]) -> Result<Option<Receipt>, CoreError> {
        Ok(self.receipt_with_logs(hash).await?.map(|(r, _)| r))
    }

    /// The receipt of a mined transaction and the logs it emitted (in log-index order, as
    /// chain events), `None` while it is not mined. One `eth_getTransactionReceipt`: a caller
    /// that needs the events of its own transaction reads them here instead of `eth_getLogs`.
    pub async fn receipt_with_logs(
        &self,
        hash: [u8; 32],
    ) -> Result<Option<(Receipt, Vec<ChainEvent>)>, CoreError> {
        let h = B256::from(hash);
        let raw: Option<RpcReceipt> = self
            .pool
            .call("eth_getTransactionReceipt", |p| async move {
                p.raw_request("eth_getTransactionReceipt".into(), (h,))
                    .await
            })
            .await?;
        let Some(r) = raw else { return Ok(None) };
        // A receipt without a block is a pending one (some nodes serve those).
        let (Some(number), Some(block_hash)) = (r.block_number, r.block_hash) else {
            return Ok(None);
        };
        let receipt = Receipt {
            transaction_hash: r.transaction_hash.0,
            block_number: number.to::<u64>(),
            block_hash: block_hash.0,
            // Pre-Byzantium receipts have a root instead of a status; treat them as success.
            success: r.status.is_none_or(|s| s == U64::from(1)),
            gas_used: u64::try_from(r.gas_used.to::<u128>()).unwrap_or(u64::MAX),
            effective_gas_price: r.effective_gas_price.map_or(0, |p| p.to::<u128>()),
            contract_address: r.contract_address.map(|a| EvmAddress(a.0.0)),
        };
        let mut logs = Vec::with_capacity(r.logs.len());
        for log in r.logs {
            if log.removed {
                continue;
            }
            logs.push(self.to_event(log)?);
        }
        logs.sort_by_key(|e| e.index);
        Ok(Some((receipt, logs)))
    }

    /// Whether the node knows the transaction at all (pending or mined).
    pub async fn knows_transaction(&self, hash: [u8; 32]) -> Result<bool, CoreError> {
        let h = B256::from(hash);
        let raw: Option<serde_json::Value> = self
            .pool
            .call("eth_getTransactionByHash", |p| async move {
                p.raw_request("eth_getTransactionByHash".into(), (h,)).await
            })
            .await?;
        Ok(raw.is_some_and(|v| !v.is_null()))
    }

    /// Polls until the transaction has a receipt, for at most `timeout`. A reverted
    /// transaction is returned as a receipt with `success == false`, not as an error.
    pub async fn wait_for_receipt(
        &self,
        hash: [u8; 32],
        timeout: Duration,
    ) -> Result<Receipt, CoreError> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.receipt(hash).await {
                Ok(Some(r)) => return Ok(r),
                Ok(None) => {}
                Err(e) if e.is_retryable() => {
                    tracing::debug!(chain = %self.config.name, error = %e, "receipt poll failed; retrying");
                }
                Err(e) => return Err(e),
            }
            if Instant::now() >= deadline {
                return Err(CoreError::Timeout {
                    what: format!("receipt of {}", TxId::Evm(hash)),
                    after: timeout,
                });
            }
            tokio::time::sleep(self.poll_interval()).await;
        }
    }

    /// The configured poll interval.
    pub fn poll_interval(&self) -> Duration {
        Duration::from_millis(self.config.poll_interval_ms)
    }

    /// Logs matching `filter` in blocks `from..=to`, in chain order, as chain events. Splits
    /// the range into requests of at most `max_block_range` blocks, and halves a request
    /// further when the node refuses it as too large.
    pub async fn logs(
        &self,
        filter: &LogFilter,
        from: u64,
        to: u64,
    ) -> Result<Vec<ChainEvent>, CoreError> {
        let mut out = Vec::new();
        if from > to {
            return Ok(out);
        }
        let mut chunk = self.config.max_block_range.max(1);
        let mut start = from;
        loop {
            let end = start.saturating_add(chunk - 1).min(to);
            let f = filter.to_alloy(start, end);
            let result = self
                .pool
                .call("eth_getLogs", |p| {
                    let f = f.clone();
                    async move { p.get_logs(&f).await }
                })
                .await;
            match result {
                Ok(logs) => {
                    for log in logs {
                        if log.removed {
                            continue;
                        }
                        out.push(self.to_event(log)?);
                    }
                    if end >= to {
                        return Ok(out);
                    }
                    start = end + 1;
                }
                Err(e) if end > start && is_range_refusal(&e) => {
                    chunk = (end - start).div_ceil(2).max(1);
                    tracing::debug!(chain = %self.config.name, chunk, error = %e, "eth_getLogs range refused; halving");
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn to_event(&self, log: alloy_rpc_types_eth::Log) -> Result<ChainEvent, CoreError> {
        let missing = |field: &str| CoreError::MalformedResponse {
            endpoint: self.config.name.clone(),
            reason: format!("eth_getLogs: log without {field}"),
        };
        Ok(ChainEvent {
            height: log.block_number.ok_or_else(|| missing("blockNumber"))?,
            block_hash: log.block_hash.ok_or_else(|| missing("blockHash"))?.0,
            tx_id: TxId::Evm(
                log.transaction_hash
                    .ok_or_else(|| missing("transactionHash"))?
                    .0,
            ),
            index: log.log_index.ok_or_else(|| missing("logIndex"))?,
            emitter: UniversalAddress::from_evm(log.inner.address.0.0),
            topics: log.inner.data.topics().iter().map(|t| t.0).collect(),
            data: log.inner.data.data.to_vec(),
        })
    }

    fn tx_hash(&self, id: &TxId) -> Result<[u8; 32], CoreError> {
        match id {
            TxId::Evm(h) => Ok(*h),
            TxId::Solana(_) => Err(CoreError::InvalidTransaction {
                field: "tx_id".into(),
                reason: format!(
                    "{} is an EVM chain; a Solana signature cannot be on it",
                    self.config.name
                ),
            }),
        }
    }
}

/// Whether a node refused `eth_getLogs` because the range or result was too large.
fn is_range_refusal(e: &CoreError) -> bool {
    let reason = match e {
        CoreError::Rpc { reason, .. } => reason.to_ascii_lowercase(),
        _ => return false,
    };
    [
        "range",
        "more than",
        "too many",
        "limit exceeded",
        "response size",
        "query returned",
    ]
    .iter()
    .any(|needle| reason.contains(needle))
}

fn hex_of(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn evm_address(address: &UniversalAddress) -> Result<EvmAddress, CoreError> {
    address.to_evm().map(EvmAddress)
}

#[async_trait]
impl Chain for EvmChain {
    fn info(&self) -> &ChainInfo {
        &self.info
    }

    async fn latest_height(&self) -> Result<u64, CoreError> {
        self.block_number().await
    }

    async fn finalized_height(&self) -> Result<u64, CoreError> {
        self.safe_height().await
    }

    async fn native_balance(&self, account: &UniversalAddress) -> Result<U256, CoreError> {
        let addr = Address::from(account.to_evm()?);
        self.pool
            .call("eth_getBalance", |p| async move {
                p.get_balance(addr).latest().await
            })
            .await
    }

    async fn token_balance(
        &self,
        token: &UniversalAddress,
        owner: &UniversalAddress,
    ) -> Result<U256, CoreError> {
        Erc20::new(evm_address(token)?)
            .balance_of(self, evm_address(owner)?)
            .await
    }

    async fn tx_context(&self, signer: &UniversalAddress) -> Result<TxContext, CoreError> {
        Ok(TxContext::Evm {
            nonce: self.pending_nonce(evm_address(signer)?).await?,
            chain_id: self.config.chain_id,
        })
    }

    async fn suggest_fees(&self) -> Result<FeeSuggestion, CoreError> {
        let (fees, base) = self.estimate_fees().await?;
        Ok(fees::to_suggestion(fees, base))
    }
}

#[async_trait]
impl Submitter for EvmChain {
    async fn submit_raw(&self, raw: &[u8]) -> Result<TxId, CoreError> {
        Ok(TxId::Evm(self.send_raw(raw).await?))
    }

    async fn status(&self, id: &TxId) -> Result<TxStatus, CoreError> {
        let Some(r) = self.receipt(self.tx_hash(id)?).await? else {
            return Ok(TxStatus::Pending);
        };
        if !r.success {
            return Ok(TxStatus::Failed {
                height: r.block_number,
                reason: "execution reverted".into(),
            });
        }
        if self.safe_height().await? >= r.block_number {
            Ok(TxStatus::Finalized {
                height: r.block_number,
            })
        } else {
            Ok(TxStatus::Included {
                height: r.block_number,
            })
        }
    }

    async fn wait(
        &self,
        id: &TxId,
        until_final: bool,
        timeout: Duration,
    ) -> Result<TxStatus, CoreError> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.status(id).await {
                Ok(TxStatus::Failed { reason, .. }) => {
                    return Err(CoreError::TransactionFailed {
                        tx: id.to_string(),
                        reason,
                    });
                }
                Ok(s @ TxStatus::Finalized { .. }) => return Ok(s),
                Ok(s @ TxStatus::Included { .. }) if !until_final => return Ok(s),
                Ok(_) => {}
                Err(e) if e.is_retryable() => {
                    tracing::debug!(chain = %self.config.name, error = %e, "status poll failed; retrying");
                }
                Err(e) => return Err(e),
            }
            if Instant::now() >= deadline {
                let what = if until_final { "finality" } else { "inclusion" };
                return Err(CoreError::Timeout {
                    what: format!("{what} of {id}"),
                    after: timeout,
                });
            }
            tokio::time::sleep(self.poll_interval()).await;
        }
    }
}

#[async_trait]
impl EventSource for EvmChain {
    async fn events(
        &self,
        emitter: &UniversalAddress,
        from: u64,
        to: u64,
    ) -> Result<Vec<ChainEvent>, CoreError> {
        self.logs(&LogFilter::contract(evm_address(emitter)?), from, to)
            .await
    }

    async fn block_hash(&self, height: u64) -> Result<[u8; 32], CoreError> {
        self.header(height)
            .await?
            .map(|h| h.hash)
            .ok_or_else(|| CoreError::Rpc {
                endpoint: self.config.name.clone(),
                reason: format!("block {height} is not known to the node (yet)"),
                retryable: true,
            })
    }
}
