//! The submit stage: `ready` messages are checked (a message tried before may have been
//! delivered already), their signature sets built from the store, grouped into `deliver` /
//! `deliverBatch` transactions with a learned or estimated gas limit, written ahead
//! (`submitted` without a hash) and sent at once, each recorded as soon as its send returns.

use std::collections::BTreeMap;

use trestle_bridge::body::KIND_TOKEN_TRANSFER;
use trestle_bridge_client::EvmBridge;
use trestle_core::chain::U256;
use trestle_core::evm::EvmAddress;
use trestle_evm::{PendingTx, TxRequest};

use super::concurrent;
use super::{BATCHES_PER_PASS, CLAIM_LEASE, EvmDestination, task_ended};
use crate::config::BatchGas;
use crate::error::{Error, Result};
use crate::store::{MessageRecord, MessageState, SignatureRecord};

/// One delivery transaction to send: messages with their signature sets, and the gas limit
/// (`None`: estimated by the node).
#[derive(Debug)]
struct Batch {
    items: Vec<(MessageRecord, Vec<u8>)>,
    gas_limit: Option<u64>,
    /// Token transfers never attempted before: sent with a learned limit ([`gas`]).
    learned: bool,
}

impl Batch {
    /// The calldata delivering the batch: `deliver` for one message, else `deliverBatch`.
    fn call(&self) -> Vec<u8> {
        match self.items.as_slice() {
            [(record, signatures)] => EvmBridge::deliver_call(&record.encoded, signatures),
            items => EvmBridge::deliver_batch_call(
                items
                    .iter()
                    .map(|(r, s)| (r.encoded.as_slice(), s.as_slice())),
            ),
        }
    }
}

/// The most delivery transactions of the relayer's sender waiting to be mined on one
/// destination before submit waits (`EvmDestination::batches_room`): about three blocks of 64-message
/// batches on a 30M-gas chain, within the 2x base-fee headroom new transactions are priced
/// with.
const MAX_UNMINED_TXS: usize = 32;

/// How often the destination's block gas limit is read again (chains change it slowly).
const BLOCK_GAS_READ: std::time::Duration = std::time::Duration::from_secs(600);

impl EvmDestination {
    /// A submit pass over claimed `ready` messages: prepared, split into batches, written
    /// ahead, sent at once and recorded.
    pub(super) async fn submit_pass(&self, records: Vec<MessageRecord>) -> bool {
        let batch_size = self.lane.settings.batch_size.max(1);
        let items = self.prepare_batch(records).await;
        if items.is_empty() {
            return true;
        }
        let block_gas = self.block_gas().await;
        let mut batches = self.batches(items, batch_size, block_gas);
        self.seed_gas(&mut batches, batch_size, block_gas).await;
        let batches = self.mark_sending(batches).await;
        // Sent at once (each gets its own nonce); each is recorded once its send returns.
        let sent = concurrent::bounded(
            batches
                .iter()
                .map(|batch| {
                    let (sender, bridge) = (self.sender.clone(), self.contract.address());
                    let request = TxRequest {
                        gas_limit: batch.gas_limit,
                        ..TxRequest::call(bridge, batch.call())
                    };
                    async move { sender.send(request).await }
                })
                .collect(),
            BATCHES_PER_PASS,
        )
        .await;
        for (batch, sent) in batches.iter().zip(sent) {
            let sent = match sent {
                Some(sent) => sent.map_err(Error::from),
                None => Err(task_ended("deliver")),
            };
            if let (true, Some(_), Ok(pending)) = (batch.learned, batch.gas_limit, &sent) {
                self.learned
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .sent(pending.hash, batch.items.len());
            }
            self.record_sent(&batch.items, sent).await;
        }
        true
    }

    /// How many delivery transactions this pass may send: up to [`BATCHES_PER_PASS`], while
    /// fewer than [`MAX_UNMINED_TXS`] of the sender's are waiting to be mined (its next nonce
    /// against its mined count). Every transaction is priced at the base fee when it is sent
    /// (`maxFeePerGas` = base x `base_fee_multiplier_percent` + tip), and the base fee rises
    /// 12.5% per full block: a backlog sent all at once would price its own last
    /// transactions out of the chain before they are reached (measured on anvil: 3,840 of
    /// 4,000 messages delivered in 4 s, the last 160 stuck until replaced a minute later).
    /// When the mined count cannot be read, the pass sends as it would have.
    pub(super) async fn batches_room(&self) -> usize {
        let Some(next) = self.sender.nonces().peek().await else {
            return BATCHES_PER_PASS;
        };
        match self
            .contract
            .chain()
            .latest_nonce(self.sender.address())
            .await
        {
            Ok(mined) => {
                let unmined = usize::try_from(next.saturating_sub(mined)).unwrap_or(usize::MAX);
                MAX_UNMINED_TXS
                    .saturating_sub(unmined)
                    .min(BATCHES_PER_PASS)
            }
            Err(_) => BATCHES_PER_PASS,
        }
    }

    /// Records the outcome of a send: a sent delivery transaction (kept for replacement) and
    /// its hash on its messages, which stay `submitted` and are released to the confirm step;
    /// or, when the send failed, its messages back to `ready` with a counted failure.
    async fn record_sent(&self, items: &[(MessageRecord, Vec<u8>)], sent: Result<PendingTx>) {
        let (to, hash) = match &sent {
            Ok(pending) => {
                tracing::info!(destination = %self.lane.name, tx = %pending.id(), messages = items.len(), nonce = pending.transaction.nonce(), gas_limit = pending.transaction.gas_limit(), "deliver sent");
                if let Err(e) = self
                    .lane
                    .store
                    .record_submission(&pending.hash, &pending.hash, self.lane.domain, &pending.raw)
                    .await
                {
                    tracing::warn!(error = %e, "cannot record the transaction (it will not be replaced if stuck)");
                }
                (MessageState::Submitted, Some(pending.hash))
            }
            Err(_) => (MessageState::Ready, None),
        };
        let ids: Vec<[u8; 32]> = items.iter().map(|(r, _)| r.id).collect();
        if let Err(e) = self
            .lane
            .store
            .transition_many(
                &ids,
                MessageState::Submitted,
                to,
                Some(&self.lane.worker),
                hash,
            )
            .await
        {
            tracing::error!(error = %e, sent = hash.is_some(), "cannot record the outcome of a send; once their claim ends the messages are checked on the destination before any new send");
        }
        if let Err(e) = sent {
            for (record, _) in items {
                self.lane
                    .fail(record, MessageState::Ready, "submit", &e)
                    .await;
            }
        }
    }

    /// Persists that each batch is about to be sent ([`Store::mark_sending`]) before any is;
    /// keeps the messages that were marked (a message another worker moved meanwhile is left
    /// out). Batches whose messages cannot be marked are not sent this pass.
    async fn mark_sending(&self, batches: Vec<Batch>) -> Vec<Batch> {
        let ids: Vec<[u8; 32]> = batches
            .iter()
            .flat_map(|b| b.items.iter().map(|(r, _)| r.id))
            .collect();
        let marked = match self
            .lane
            .store
            .mark_sending(&ids, &self.lane.worker, CLAIM_LEASE)
            .await
        {
            Ok(marked) => marked,
            Err(e) => {
                tracing::warn!(destination = %self.lane.name, error = %e, "cannot record the messages about to be sent; not sending them now");
                return Vec::new();
            }
        };
        let mut marked = marked.into_iter();
        batches
            .into_iter()
            .filter_map(|mut batch| {
                batch.items.retain(|_| marked.next().unwrap_or(false));
                (!batch.items.is_empty()).then_some(batch)
            })
            .collect()
    }

    /// Splits the pass's messages into batches of at most `batch_size`, each with the gas
    /// limit to send it with (`None`: estimate it). Token transfers never attempted before go
    /// together and get a limit learned from recent receipts ([`gas`]); the others
    /// (arbitrary messages, retries) are batched apart and estimated.
    fn batches(
        &self,
        items: Vec<(MessageRecord, Vec<u8>)>,
        batch_size: usize,
        block_gas: u64,
    ) -> Vec<Batch> {
        let learned = self.lane.settings.batch_gas == BatchGas::Learned;
        let (plain, other): (Vec<_>, Vec<_>) = items.into_iter().partition(|(r, _)| {
            learned
                && r.attempts == 0
                && r.tx_hash.is_none()
                && r.message()
                    .is_ok_and(|m| m.body.first() == Some(&KIND_TOKEN_TRANSFER))
        });
        let learned = self.learned.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = Vec::new();
        for (group, learn) in [(plain, true), (other, false)] {
            let mut rest = group.into_iter().peekable();
            while rest.peek().is_some() {
                let batch: Vec<_> = rest.by_ref().take(batch_size).collect();
                // Every learned batch gets the limit of a full one: a later transaction of the
                // sender never asks for less gas than an earlier one still waiting. A block
                // builder that skips the earlier one for lack of room then skips the later one
                // too; anvil instead tries the later, smaller one out of nonce order, finds it
                // invalid and drops it with all that follow (measured: the last batches of a
                // backlog dropped, the chain idle two blocks until they were replaced). Only
                // the gas used is paid.
                let limit = if learn {
                    learned.limit(batch_size, block_gas)
                } else {
                    None
                };
                out.push(Batch {
                    items: batch,
                    gas_limit: limit,
                    learned: learn,
                });
            }
        }
        out
    }

    /// Before enough receipts were seen: estimates the first batch to be sent with a learned
    /// limit, takes that estimate as what a token transfer costs until receipts suffice
    /// ([`gas::LearnedGas::seed`]) and gives every such batch of this pass the limit it yields,
    /// instead of the node estimating each of them. When the estimate fails, each is estimated
    /// when it is sent, as before.
    async fn seed_gas(&self, batches: &mut [Batch], batch_size: usize, block_gas: u64) {
        let Some(first) = batches.iter().find(|b| b.learned && b.gas_limit.is_none()) else {
            return;
        };
        if self
            .learned
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .receipts_suffice()
        {
            return; // learned, but too much for a block: each is estimated when sent
        }
        let estimate = self
            .contract
            .chain()
            .estimate_gas(
                self.sender.address(),
                Some(self.contract.address()),
                U256::ZERO,
                &first.call(),
            )
            .await;
        let limit = match estimate {
            Ok(gas) => {
                let mut learned = self.learned.lock().unwrap_or_else(|e| e.into_inner());
                learned.seed(gas, first.items.len());
                learned.limit(batch_size, block_gas)
            }
            Err(e) => {
                tracing::debug!(destination = %self.lane.name, error = %e, "cannot estimate a batch to seed the learned gas; each is estimated when sent");
                None
            }
        };
        for batch in batches.iter_mut().filter(|b| b.learned) {
            batch.gas_limit = limit;
        }
    }

    /// The destination's block gas limit, read again every [`BLOCK_GAS_READ`] (no learned
    /// limit above it is used); unbounded while it cannot be read.
    async fn block_gas(&self) -> u64 {
        let known = *self.block_gas.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((gas, read)) = known
            && read.elapsed() < BLOCK_GAS_READ
        {
            return gas;
        }
        match self.contract.chain().block_gas_limit().await {
            Ok(gas) if gas > 0 => {
                *self.block_gas.lock().unwrap_or_else(|e| e.into_inner()) =
                    Some((gas, std::time::Instant::now()));
                gas
            }
            Ok(_) => u64::MAX,
            Err(e) => {
                tracing::debug!(destination = %self.lane.name, error = %e, "cannot read the block gas limit");
                known.map_or(u64::MAX, |(gas, _)| gas)
            }
        }
    }

    /// The claimed `ready` messages that are to be sent, each with its signature set.
    ///
    /// A message may have been delivered meanwhile, by a transaction of ours that landed late,
    /// by another relayer, or before this store existed (a fresh or separate store indexes
    /// the origin's history again): the destination's `delivered` is asked first for every
    /// message (at once, `concurrent::IN_FLIGHT` at a time), and a delivered one is settled
    /// instead of sent. (`deliverBatch` would skip a replayed item, but the batch would still
    /// cost gas; a relayer catching up on history would pay for all of it.)
    ///
    /// The signature sets come from the store in one query. Their signatures were verified
    /// when collected (each recovered to the member it came from, for the set's epoch), so they
    /// are not recovered again here; the set is taken in the order the bridge requires
    /// (ascending signers, members of the current set, the threshold's worth).
    async fn prepare_batch(&self, records: Vec<MessageRecord>) -> Vec<(MessageRecord, Vec<u8>)> {
        let tried: Vec<&MessageRecord> = records.iter().collect();
        let checks = concurrent::bounded(
            tried
                .iter()
                .map(|r| {
                    let (contract, origin, nonce) = (self.contract.clone(), r.origin, r.nonce);
                    let origin_bridge = self.lane.route(origin).map(|route| route.origin_bridge);
                    // Settled as delivered only on every endpoint's word: one lying endpoint
                    // would otherwise settle messages nobody delivered, which retry refuses.
                    async move {
                        let origin_bridge = origin_bridge?;
                        let delivered = contract.delivered(origin, &origin_bridge, nonce).await?;
                        Ok(delivered
                            && contract
                                .delivered_everywhere(origin, &origin_bridge, nonce)
                                .await?)
                    }
                })
                .collect(),
            concurrent::IN_FLIGHT,
        )
        .await;
        let mut delivered: BTreeMap<[u8; 32], Result<bool>> = tried
            .iter()
            .zip(checks)
            .map(|(r, d)| (r.id, d.unwrap_or_else(|| Err(task_ended("delivered")))))
            .collect();
        let ids: Vec<[u8; 32]> = records.iter().map(|r| r.id).collect();
        let stored = match self.lane.store.signatures_many(&ids).await {
            Ok(stored) => stored,
            Err(e) => {
                for record in &records {
                    self.lane
                        .fail(record, MessageState::Ready, "prepare", &e)
                        .await;
                }
                return Vec::new();
            }
        };
        let mut items = Vec::with_capacity(records.len());
        for record in records {
            let outcome = match delivered.remove(&record.id) {
                Some(Err(e)) => Err(e),
                Some(Ok(true)) => self.settle_delivered(&record).await.map(|()| None),
                Some(Ok(false)) | None => {
                    let have = stored.get(&record.id).map_or(&[][..], Vec::as_slice);
                    self.signature_set(&record, have).await
                }
            };
            match outcome {
                Ok(Some(signatures)) => items.push((record, signatures)),
                Ok(None) => {}
                Err(e) => {
                    self.lane
                        .fail(&record, MessageState::Ready, "prepare", &e)
                        .await
                }
            }
        }
        items
    }

    /// A `ready` message the destination has delivered already (a crash after a send, or
    /// another relayer): recorded as the bridge says, `delivered`, `queued` or `cancelled`.
    async fn settle_delivered(&self, record: &MessageRecord) -> Result<()> {
        let status = self.contract.status_of(&record.encoded).await?;
        let to = super::destination::settled_state(status).ok_or_else(|| {
            Error::CorruptRow(format!(
                "the destination says message 0x{} is delivered but has no record of it",
                hex::encode(record.id)
            ))
        })?;
        self.lane
            .ledger()
            .settle_one(record, MessageState::Ready, to)
            .await?;
        Ok(())
    }

    /// The signature set to send for `record` from `have`, its stored signatures (any epoch);
    /// `None` when the destination's set changed since they were collected (the message goes
    /// back to `pending` to be collected for the new epoch).
    async fn signature_set(
        &self,
        record: &MessageRecord,
        have: &[SignatureRecord],
    ) -> Result<Option<Vec<u8>>> {
        let route = self.lane.route(record.origin)?;
        let (epoch, threshold) = (route.set.epoch(), route.set.threshold());
        let mut signers: Vec<&SignatureRecord> = have
            .iter()
            .filter(|s| s.epoch == epoch && route.set.contains(&EvmAddress(s.signer)))
            .collect();
        signers.sort_by_key(|s| s.signer);
        signers.dedup_by_key(|s| s.signer);
        if signers.len() < threshold {
            // Collected for an older set: the destination rotated since. Collect again.
            self.lane.recollect(record).await?;
            return Ok(None);
        }
        Ok(Some(
            signers
                .iter()
                .take(threshold)
                .flat_map(|s| s.signature)
                .collect(),
        ))
    }
}
