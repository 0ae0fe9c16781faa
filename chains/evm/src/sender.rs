//! [`EvmSender`]: builds, signs (with core's [`EvmSigner`]) and broadcasts transactions of
//! one signer, with its nonce manager, fee-bump replacement and dropped-transaction recovery.
//!
//! A sender may keep a [`SendJournal`]: every transaction it signs (a first send, a fee-bump
//! replacement, a cancellation) is written there before it is broadcast, so that whoever runs
//! the sender knows every transaction that may hold one of its nonces, even one whose
//! broadcast had no answer or whose process stopped right after sending it.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use trestle_core::Error as CoreError;
use trestle_core::chain::{TxId, U256};
use trestle_core::evm::transaction::{Eip1559Transaction, LegacyTransaction};
use trestle_core::evm::{EvmAddress, EvmSigner, TypedTransaction};

use crate::chain::{EvmChain, Receipt};
use crate::error::{Error, Result};
use crate::fees::{self, Fees};
use crate::nonce::NonceManager;
use crate::rpc::{Rejection, rejection_of};

/// What to send: recipient (none to deploy), value, calldata and optionally a gas limit
/// (estimated with `eth_estimateGas` and the configured margin when absent).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TxRequest {
    /// Recipient; `None` deploys `data` as init code.
    pub to: Option<EvmAddress>,
    /// Wei to transfer.
    pub value: U256,
    /// Calldata or init code.
    pub data: Vec<u8>,
    /// Gas limit; estimated when `None`.
    pub gas_limit: Option<u64>,
}

impl TxRequest {
    /// A plain value transfer.
    pub fn transfer(to: EvmAddress, value: U256) -> Self {
        Self {
            to: Some(to),
            value,
            data: Vec::new(),
            gas_limit: Some(21_000),
        }
    }

    /// A contract call.
    pub fn call(to: EvmAddress, data: Vec<u8>) -> Self {
        Self {
            to: Some(to),
            data,
            ..Self::default()
        }
    }

    /// A contract deployment.
    pub fn deploy(init_code: Vec<u8>) -> Self {
        Self {
            data: init_code,
            ..Self::default()
        }
    }

    /// The same request with a fixed gas limit.
    pub fn with_gas_limit(mut self, gas_limit: u64) -> Self {
        self.gas_limit = Some(gas_limit);
        self
    }

    /// The same request with a value.
    pub fn with_value(mut self, value: U256) -> Self {
        self.value = value;
        self
    }
}

/// A broadcast transaction: what was signed, its raw bytes and hash, and its fees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingTx {
    /// The transaction hash.
    pub hash: [u8; 32],
    /// The signed transaction.
    pub transaction: TypedTransaction,
    /// The raw signed bytes (for rebroadcast).
    pub raw: Vec<u8>,
    /// Its fees.
    pub fees: Fees,
    /// When it was broadcast.
    pub sent_at: Instant,
}

impl PendingTx {
    /// A transaction signed earlier, from its raw bytes (as a [`SendJournal`] keeps them), to
    /// rebroadcast or replace. Only legacy and EIP-1559 transactions (what [`EvmSender`]
    /// sends) are read; `sent_at` is now.
    pub fn from_raw(raw: &[u8]) -> Result<Self> {
        let (transaction, _, _) = trestle_core::evm::transaction::decode_signed(raw)?;
        let fees = match &transaction {
            TypedTransaction::Eip1559(t) => Fees::Eip1559 {
                max_fee_per_gas: t.max_fee_per_gas.try_into().unwrap_or(u128::MAX),
                max_priority_fee_per_gas: t
                    .max_priority_fee_per_gas
                    .try_into()
                    .unwrap_or(u128::MAX),
            },
            TypedTransaction::Legacy(t) => Fees::Legacy {
                gas_price: t.gas_price.try_into().unwrap_or(u128::MAX),
            },
            _ => {
                return Err(CoreError::InvalidTransaction {
                    field: "type".into(),
                    reason: "only legacy and EIP-1559 transactions sent by this sender are read"
                        .into(),
                }
                .into());
            }
        };
        Ok(Self {
            hash: trestle_core::evm::keccak256(raw),
            transaction,
            raw: raw.to_vec(),
            fees,
            sent_at: Instant::now(),
        })
    }

    /// The chain-neutral id.
    pub fn id(&self) -> TxId {
        TxId::Evm(self.hash)
    }

    /// The nonce.
    pub fn nonce(&self) -> u64 {
        self.transaction.nonce()
    }
}

/// When [`EvmSender::land`] replaces a transaction and when it gives up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LandingPolicy {
    /// Replace with a fee bump when not included this long after the last broadcast.
    pub stuck_after: Duration,
    /// Give up (with [`CoreError::Timeout`]) after this long.
    pub timeout: Duration,
}

/// A transaction [`EvmSender`] signed and is about to broadcast.
#[derive(Debug, Clone, Copy)]
pub struct Signed<'a> {
    /// Its hash.
    pub hash: [u8; 32],
    /// Its nonce.
    pub nonce: u64,
    /// The raw signed bytes.
    pub raw: &'a [u8],
    /// The hash of the transaction it replaces (a fee bump or a cancellation of the same
    /// nonce), if it replaces one the sender knows.
    pub replaces: Option<[u8; 32]>,
}

/// Where an [`EvmSender`] writes each transaction it signs before broadcasting it (a write-ahead
/// record: a transaction whose broadcast failed may be recorded too). An error stops the
/// broadcast, and a first send gives its nonce back.
#[async_trait]
pub trait SendJournal: Send + Sync + fmt::Debug {
    /// Records `signed`, durably, before it is broadcast.
    async fn record(&self, signed: Signed<'_>) -> std::result::Result<(), String>;

    /// The node refused the transaction `hash` recorded before (it was not broadcast, and a
    /// first send's nonce was given back): it holds no nonce. By default kept.
    async fn abandoned(&self, hash: [u8; 32]) -> std::result::Result<(), String> {
        let _ = hash;
        Ok(())
    }

    /// The highest nonce of a transaction recorded (and not abandoned), `None` when nothing
    /// is. A journal that answers bounds the nonce a sender syncs from a node's pending
    /// count; by default a journal does not say (an error), and the pending count is taken
    /// as the node gives it.
    async fn highest_nonce(&self) -> std::result::Result<Option<u64>, String> {
        Err("this journal does not keep nonces".into())
    }

    /// Whether a transaction recorded (and not abandoned) holds `nonce`.
    async fn holds(&self, nonce: u64) -> std::result::Result<bool, String> {
        let _ = nonce;
        Ok(false)
    }
}

/// The most gas a cancellation (a transfer of nothing to oneself) is given, whatever a node
/// estimates: enough for chains that charge an L1 data fee in gas, and an estimate inflated
/// past the key's balance cannot make every cancellation fail.
pub const MAX_CANCEL_GAS: u64 = 500_000;

/// Sends transactions of one signer on one chain.
#[derive(Debug)]
pub struct EvmSender {
    chain: Arc<EvmChain>,
    signer: EvmSigner,
    nonces: NonceManager,
    journal: Option<Arc<dyn SendJournal>>,
}

impl EvmSender {
    /// A sender for `signer` on `chain`, with its own nonce manager. Use one sender per
    /// signer and chain (share it with `Arc`): two managers for one key would hand out the
    /// same nonces.
    pub fn new(chain: Arc<EvmChain>, signer: EvmSigner) -> Self {
        let nonces = NonceManager::new(signer.address());
        Self {
            chain,
            signer,
            nonces,
            journal: None,
        }
    }

    /// The same sender, writing every transaction it signs to `journal` before broadcasting it.
    pub fn with_journal(mut self, journal: Arc<dyn SendJournal>) -> Self {
        self.journal = Some(journal);
        self
    }

    /// Tells the journal that `hash` was refused by the node (never broadcast). A failure is
    /// only logged: the entry then names a transaction no node has, which costs the unsticker
    /// a refused rebroadcast at most.
    async fn journal_abandoned(&self, hash: [u8; 32]) {
        if let Some(journal) = &self.journal
            && let Err(reason) = journal.abandoned(hash).await
        {
            tracing::warn!(chain = %self.chain.config().name, tx = %TxId::Evm(hash), reason, "cannot mark a refused transaction in the send journal");
        }
    }

    /// Takes the nonce lock; an unknown nonce is read from the node's pending count, bounded
    /// (with a journal) by what this sender knows it sent: never above the mined count or
    /// the journal's highest nonce + 1, whichever is higher. A node that reports pending
    /// transactions that are not there cannot make this sender leave a gap of nonces behind
    /// it (every later transaction would wait behind the gap).
    async fn lock_nonce(&self) -> Result<crate::nonce::NonceGuard> {
        Ok(self.nonces.lock_with(|| self.synced_nonce()).await?)
    }

    async fn synced_nonce(&self) -> std::result::Result<u64, CoreError> {
        let address = self.address();
        let pending = self.chain.pending_nonce(address).await?;
        let Some(journal) = &self.journal else {
            return Ok(pending);
        };
        let latest = self.chain.latest_nonce(address).await?;
        if pending <= latest {
            return Ok(pending.max(latest));
        }
        let known = match journal.highest_nonce().await {
            Ok(known) => known,
            Err(reason) => {
                tracing::debug!(chain = %self.chain.config().name, reason, "the send journal does not say its highest nonce: taking the node's pending count");
                return Ok(pending);
            }
        };
        let ceiling = known.map_or(latest, |n| n.saturating_add(1)).max(latest);
        if pending > ceiling {
            tracing::warn!(
                chain = %self.chain.config().name,
                pending,
                mined = latest,
                journaled = ?known,
                next = ceiling,
                "the node reports more pending transactions than this sender sent: sending from the next nonce it knows of"
            );
        }
        Ok(pending.min(ceiling))
    }

    /// Writes `signed` to the journal, if there is one.
    async fn journal(
        &self,
        signed: &trestle_core::evm::SignedTransaction,
        replaces: Option<[u8; 32]>,
    ) -> Result<()> {
        let Some(journal) = &self.journal else {
            return Ok(());
        };
        journal
            .record(Signed {
                hash: signed.hash,
                nonce: signed.transaction.nonce(),
                raw: &signed.raw,
                replaces,
            })
            .await
            .map_err(|reason| Error::Journal {
                chain: self.chain.config().name.clone(),
                reason,
            })
    }

    /// The signer's address.
    pub fn address(&self) -> EvmAddress {
        self.signer.address()
    }

    /// The chain.
    pub fn chain(&self) -> &Arc<EvmChain> {
        &self.chain
    }

    /// The nonce manager.
    pub fn nonces(&self) -> &NonceManager {
        &self.nonces
    }

    /// Estimates fees and gas, takes the next nonce, signs and broadcasts. Concurrent calls
    /// get distinct consecutive nonces. A "nonce too low" answer resyncs the nonce from the
    /// chain and retries (up to three times); any other refusal leaves the nonce unused.
    pub async fn send(&self, request: TxRequest) -> Result<PendingTx> {
        let gas_limit = match request.gas_limit {
            Some(g) => g,
            None => {
                let estimate = self
                    .chain
                    .estimate_gas(self.address(), request.to, request.value, &request.data)
                    .await?;
                let margin = self.chain.config().fees.gas_limit_multiplier_percent;
                u64::try_from(fees::percent_of(u128::from(estimate), margin)).unwrap_or(u64::MAX)
            }
        };
        let (fees, _) = self.chain.estimate_fees().await?;
        let mut attempts = 0;
        loop {
            attempts += 1;
            let guard = self.lock_nonce().await?;
            let tx = self.build(&request, guard.nonce(), gas_limit, fees);
            let signed = self.signer.sign_transaction(&tx)?;
            // Not broadcast unless recorded: the guard dropped gives the nonce back.
            self.journal(&signed, None).await?;
            match self.chain.send_raw(&signed.raw).await {
                Ok(hash) => {
                    guard.commit();
                    tracing::debug!(chain = %self.chain.config().name, tx = %TxId::Evm(hash), nonce = tx.nonce(), "transaction sent");
                    return Ok(PendingTx {
                        hash,
                        transaction: tx,
                        raw: signed.raw,
                        fees,
                        sent_at: Instant::now(),
                    });
                }
                Err(e) if rejection_of(&e) == Some(Rejection::NonceTooLow) && attempts < 3 => {
                    tracing::info!(chain = %self.chain.config().name, nonce = tx.nonce(), "nonce too low; resyncing");
                    self.journal_abandoned(signed.hash).await;
                    guard.invalidate();
                }
                Err(
                    e @ (CoreError::Rpc { .. }
                    | CoreError::MalformedResponse { .. }
                    | CoreError::Timeout { .. }),
                ) => {
                    // The node may have it even though we got no answer: re-read next time.
                    guard.invalidate();
                    return Err(e.into());
                }
                Err(e) => {
                    // Refused outright: never broadcast, so it holds no nonce.
                    self.journal_abandoned(signed.hash).await;
                    if rejection_of(&e) == Some(Rejection::NonceTooLow) {
                        guard.invalidate();
                    }
                    return Err(e.into());
                }
            }
        }
    }

    fn build(
        &self,
        request: &TxRequest,
        nonce: u64,
        gas_limit: u64,
        fees: Fees,
    ) -> TypedTransaction {
        let chain_id = self.chain.config().chain_id;
        match fees {
            Fees::Legacy { gas_price } => TypedTransaction::Legacy(LegacyTransaction {
                chain_id,
                nonce,
                gas_price: U256::from(gas_price),
                gas_limit,
                to: request.to,
                value: request.value,
                data: request.data.clone(),
            }),
            Fees::Eip1559 {
                max_fee_per_gas,
                max_priority_fee_per_gas,
            } => TypedTransaction::Eip1559(Eip1559Transaction {
                chain_id,
                nonce,
                max_priority_fee_per_gas: U256::from(max_priority_fee_per_gas),
                max_fee_per_gas: U256::from(max_fee_per_gas),
                gas_limit,
                to: request.to,
                value: request.value,
                data: request.data.clone(),
                access_list: Vec::new(),
            }),
        }
    }

    /// Replaces a pending transaction by the same nonce with fees bumped by at least
    /// [`crate::FeeConfig::replacement_bump_percent`] (10% minimum) on both `maxFeePerGas`
    /// and `maxPriorityFeePerGas` (or `gasPrice`), or to the current estimate when higher.
    /// Refuses with [`Error::FeeCeiling`] above the ceiling. The node answering "nonce too
    /// low" means a transaction of that nonce was mined already.
    pub async fn replace(&self, pending: &PendingTx) -> Result<PendingTx> {
        let current = self.chain.estimate_fees().await.ok().map(|(f, _)| f);
        let config = self.chain.config();
        let fees = fees::replacement_fees(&config.name, pending.fees, current, &config.fees)?;
        let tx = match (&pending.transaction, fees) {
            (TypedTransaction::Legacy(t), Fees::Legacy { gas_price }) => {
                TypedTransaction::Legacy(LegacyTransaction {
                    gas_price: U256::from(gas_price),
                    ..t.clone()
                })
            }
            (
                TypedTransaction::Eip1559(t),
                Fees::Eip1559 {
                    max_fee_per_gas,
                    max_priority_fee_per_gas,
                },
            ) => TypedTransaction::Eip1559(Eip1559Transaction {
                max_fee_per_gas: U256::from(max_fee_per_gas),
                max_priority_fee_per_gas: U256::from(max_priority_fee_per_gas),
                ..t.clone()
            }),
            _ => {
                return Err(CoreError::InvalidTransaction {
                    field: "type".into(),
                    reason:
                        "only legacy and EIP-1559 transactions sent by this sender can be replaced"
                            .into(),
                }
                .into());
            }
        };
        let signed = self.signer.sign_transaction(&tx)?;
        self.journal(&signed, Some(pending.hash)).await?;
        let hash = self.chain.send_raw(&signed.raw).await?;
        tracing::info!(
            chain = %config.name,
            nonce = tx.nonce(),
            old = %TxId::Evm(pending.hash),
            new = %TxId::Evm(hash),
            max_fee_per_gas = fees.max_per_gas(),
            "transaction replaced with a fee bump"
        );
        Ok(PendingTx {
            hash,
            transaction: tx,
            raw: signed.raw,
            fees,
            sent_at: Instant::now(),
        })
    }

    /// Sends a cancellation of whatever holds `nonce`: a transfer of nothing to the signer
    /// itself at `nonce` with `fees`, to free a nonce held by a stuck transaction this sender
    /// cannot replace (one it has no record of). `replaces` names the transaction cancelled
    /// when known. Sent under the nonce manager's lock and refused when the manager's next
    /// nonce is `nonce` or below (a send of this sender would take that nonce: a cancellation
    /// could replace it); the manager itself is left as it was. Its gas limit is estimated
    /// (a chain that charges more than 21,000 for a transfer), with the configured margin.
    pub async fn cancel(
        &self,
        nonce: u64,
        fees: Fees,
        replaces: Option<[u8; 32]>,
    ) -> Result<PendingTx> {
        let me = self.address();
        let gas_limit = match self.chain.estimate_gas(me, Some(me), U256::ZERO, &[]).await {
            Ok(estimate) => {
                let margin = self.chain.config().fees.gas_limit_multiplier_percent;
                u64::try_from(fees::percent_of(u128::from(estimate), margin))
                    .unwrap_or(u64::MAX)
                    .clamp(21_000, MAX_CANCEL_GAS)
            }
            Err(_) => 21_000,
        };
        let guard = self.lock_nonce().await?;
        if guard.nonce() <= nonce {
            return Err(CoreError::InvalidTransaction {
                field: "nonce".into(),
                reason: format!(
                    "nonce {nonce} is this sender's next ({}): its next send fills it, a cancellation could replace that send",
                    guard.nonce()
                ),
            }
            .into());
        }
        // A transaction of ours may have taken the nonce since the caller looked (a send
        // between its look and this lock): a cancellation not naming it would replace it.
        if replaces.is_none()
            && let Some(journal) = &self.journal
            && journal.holds(nonce).await.unwrap_or(true)
        {
            return Err(CoreError::InvalidTransaction {
                field: "nonce".into(),
                reason: format!(
                    "nonce {nonce} is held by a transaction this sender sent (or the journal cannot say): not cancelled"
                ),
            }
            .into());
        }
        let request = TxRequest::transfer(me, U256::ZERO);
        let tx = self.build(&request, nonce, gas_limit, fees);
        let signed = self.signer.sign_transaction(&tx)?;
        self.journal(&signed, replaces).await?;
        let hash = self.chain.send_raw(&signed.raw).await?;
        drop(guard);
        tracing::info!(
            chain = %self.chain.config().name,
            nonce,
            tx = %TxId::Evm(hash),
            max_fee_per_gas = fees.max_per_gas(),
            "nonce freed with a cancellation"
        );
        Ok(PendingTx {
            hash,
            transaction: tx,
            raw: signed.raw,
            fees,
            sent_at: Instant::now(),
        })
    }

    /// Broadcasts the same signed bytes again (after a node dropped them).
    pub async fn rebroadcast(&self, pending: &PendingTx) -> Result<()> {
        self.chain.send_raw(&pending.raw).await?;
        Ok(())
    }

    /// Waits for the receipt of `pending`; a revert is [`CoreError::TransactionFailed`].
    pub async fn wait(&self, pending: &PendingTx, timeout: Duration) -> Result<Receipt> {
        let receipt = self.chain.wait_for_receipt(pending.hash, timeout).await?;
        if !receipt.success {
            return Err(CoreError::TransactionFailed {
                tx: pending.id().to_string(),
                reason: "execution reverted".into(),
            }
            .into());
        }
        Ok(receipt)
    }

    /// [`EvmSender::send`] then [`EvmSender::wait`].
    pub async fn send_and_wait(
        &self,
        request: TxRequest,
        timeout: Duration,
    ) -> Result<(PendingTx, Receipt)> {
        let pending = self.send(request).await?;
        let receipt = self.wait(&pending, timeout).await?;
        Ok((pending, receipt))
    }

    /// Sends and sees the transaction through: replaces it with a fee bump whenever it has not
    /// been included `stuck_after` its last broadcast, rebroadcasts it when the node forgot it
    /// (dropped from the mempool) or when the next bump would cross the fee ceiling, and returns
    /// the receipt of whichever version landed. A revert is [`CoreError::TransactionFailed`].
    pub async fn land(
        &self,
        request: TxRequest,
        policy: LandingPolicy,
    ) -> Result<(PendingTx, Receipt)> {
        let first = self.send(request).await?;
        let deadline = Instant::now() + policy.timeout;
        let mut versions = vec![first];
        let mut last_broadcast = Instant::now();
        loop {
            for version in versions.iter().rev() {
                if let Some(r) = self.chain.receipt(version.hash).await? {
                    if !r.success {
                        return Err(CoreError::TransactionFailed {
                            tx: version.id().to_string(),
                            reason: "execution reverted".into(),
                        }
                        .into());
                    }
                    return Ok((version.clone(), r));
                }
            }
            if Instant::now() >= deadline {
                return Err(CoreError::Timeout {
                    what: format!(
                        "landing of nonce {}",
                        versions.first().map(|v| v.nonce()).unwrap_or_default()
                    ),
                    after: policy.timeout,
                }
                .into());
            }
            if last_broadcast.elapsed() >= policy.stuck_after
                && let Some(latest) = versions.last().cloned()
            {
                last_broadcast = Instant::now();
                if !self
                    .chain
                    .knows_transaction(latest.hash)
                    .await
                    .unwrap_or(true)
                {
                    tracing::warn!(tx = %latest.id(), "transaction dropped by the node; rebroadcasting");
                    if let Err(e) = self.rebroadcast(&latest).await {
                        tracing::warn!(tx = %latest.id(), error = %e, "rebroadcast failed");
                    }
                    continue;
                }
                match self.replace(&latest).await {
                    Ok(next) => versions.push(next),
                    Err(Error::FeeCeiling { .. }) => {
                        tracing::warn!(tx = %latest.id(), "at the fee ceiling; waiting without a bump");
                    }
                    Err(Error::Core(e)) if rejection_of(&e) == Some(Rejection::NonceTooLow) => {
                        // A version was mined between our receipt check and the replacement.
                        tracing::debug!(tx = %latest.id(), "nonce used meanwhile; checking receipts");
                    }
                    Err(e) => return Err(e),
                }
            }
            tokio::time::sleep(self.chain.poll_interval()).await;
        }
    }
}
