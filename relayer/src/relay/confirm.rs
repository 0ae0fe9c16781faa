//! The confirm stage: a submitted message is settled once its transaction (or a fee-bump
//! replacement of it) is in a final destination block, by the destination's `statusOf` of
//! that message: `delivered`, `queued` or `cancelled`; back to `ready` (with a counted
//! failure) when the transaction left it undelivered.
//!
//! A `deliverBatch` transaction carries many messages: its receipt is looked up once per
//! pass, not once per message, and a stuck transaction is replaced once. The receipt's
//! `MessageDelivered` logs of the destination bridge settle the messages they name (the
//! status the bridge recorded in that very transaction); only the others (a batch item that
//! failed, a message delivered by someone else) are asked with `statusOf`, all at once. The
//! safe height is read once per pass, and the moves of one pass are committed together per
//! target state.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use trestle_bridge_client::DeliveryStatus;
use trestle_core::chain::ChainEvent;
use trestle_evm::{PendingTx, Receipt};

use super::concurrent::{self, IN_FLIGHT};
use super::{EvmDestination, task_ended};
use crate::error::{Error, Result};
use crate::store::{MessageRecord, MessageState, Submission, now_ms};

/// How long after its (last) broadcast an unmined delivery transaction is looked for in the
/// node's pool, milliseconds.
const DROPPED_CHECK_MS: i64 = 1_000;

/// The fewest submitted messages one confirm pass claims (more when `batch_size` is larger).
pub(super) const CONFIRM_CLAIM: usize = 32;

/// What one confirm pass read from the destination.
#[derive(Debug, Default)]
struct Pass {
    /// The destination's safe height, read once.
    safe: Option<u64>,
    /// By first-sent transaction hash: the receipt of whichever version was mined and the
    /// status of each message its `MessageDelivered` logs name, or `None`.
    receipts: BTreeMap<[u8; 32], Option<Landed>>,
}

/// A mined delivery transaction.
#[derive(Debug)]
struct Landed {
    receipt: Receipt,
    /// By message id: the status the bridge emitted for it in this transaction.
    outcomes: BTreeMap<[u8; 32], DeliveryStatus>,
}

impl EvmDestination {
    /// A confirm pass over claimed `submitted` messages: each transaction's receipt read once
    /// it is final, the messages settled as the bridge recorded them.
    pub(super) async fn confirm_pass(&self, records: Vec<MessageRecord>) -> bool {
        let mut pass = Pass::default();
        let mut landed: Vec<(MessageRecord, Receipt)> = Vec::new();
        let mut settled: Vec<(MessageRecord, Receipt, DeliveryStatus)> = Vec::new();
        let mut waiting: Vec<[u8; 32]> = Vec::new();
        for record in records {
            match self.final_receipt(&record, &mut pass).await {
                Ok(Some((receipt, Some(status)))) => settled.push((record, receipt, status)),
                Ok(Some((receipt, None))) => landed.push((record, receipt)),
                Ok(None) => waiting.push(record.id),
                Err(e) => self.unconfirmed(&record, &e).await,
            }
        }
        if let Err(e) = self
            .lane
            .store
            .defer_many(&waiting, MessageState::Submitted, self.lane.tick())
            .await
        {
            tracing::warn!(error = %e, "cannot defer messages");
        }
        let statuses = concurrent::bounded(
            landed
                .iter()
                .map(|(r, _)| {
                    let (contract, encoded) = (self.contract.clone(), r.encoded.clone());
                    async move { Ok(contract.status_of(&encoded).await?) }
                })
                .collect(),
            IN_FLIGHT,
        )
        .await;
        let mut moves: Vec<(MessageState, Vec<MessageRecord>)> = Vec::new();
        // Each message's share of its transaction's fee (the messages it delivered share it).
        let mut costs: HashMap<[u8; 32], u128> = HashMap::new();
        let from_logs = settled.into_iter().map(|(r, t, s)| ((r, t), Some(Ok(s))));
        for ((record, receipt), status) in landed.into_iter().zip(statuses).chain(from_logs) {
            let carried = record
                .tx_hash
                .and_then(|h| pass.receipts.get(&h))
                .and_then(Option::as_ref)
                .map_or(1, |l| l.outcomes.len().max(1));
            let fee = u128::from(receipt.gas_used).saturating_mul(receipt.effective_gas_price);
            costs.insert(record.id, fee / carried as u128);
            let status = status.unwrap_or_else(|| Err(task_ended("statusOf")));
            match status.and_then(|s| settled_state(s, &receipt)) {
                Ok(to) => match moves.iter_mut().find(|(state, _)| *state == to) {
                    Some((_, group)) => group.push(record),
                    None => moves.push((to, vec![record])),
                },
                Err(e) => self.unconfirmed(&record, &e).await,
            }
        }
        let mut moved = false;
        for (to, group) in moves {
            match self
                .lane
                .ledger()
                .settle(&group, MessageState::Submitted, to)
                .await
            {
                Ok(done) => {
                    for (record, _) in group.iter().zip(&done).filter(|(_, d)| **d) {
                        let cost = costs.get(&record.id).copied().unwrap_or(0);
                        self.lane.metrics.delivery_cost(
                            record.origin,
                            record.destination,
                            cost,
                            18,
                        );
                    }
                    let count = done.iter().filter(|d| **d).count();
                    if count > 0 {
                        moved = true;
                        tracing::info!(destination = %self.lane.name, messages = count, state = to.as_str(), "confirmed on the destination");
                    }
                }
                Err(e) => {
                    for record in &group {
                        self.unconfirmed(record, &e).await;
                    }
                }
            }
        }
        moved
    }

    /// Back to `ready` with a counted failure: prepare checks the chain before sending again.
    async fn unconfirmed(&self, record: &MessageRecord, e: &Error) {
        self.lane
            .fail(record, MessageState::Submitted, "confirm", e)
            .await;
    }

    /// The receipt of the message's transaction once it is in a final block, with the
    /// message's status if that transaction's logs name it; `None` while it is not mined or
    /// not final yet (a stuck one is replaced with a fee bump here).
    async fn final_receipt(
        &self,
        record: &MessageRecord,
        pass: &mut Pass,
    ) -> Result<Option<(Receipt, Option<DeliveryStatus>)>> {
        let Some(hash) = record.tx_hash else {
            // Marked as being sent, never recorded as sent: the process stopped in between
            // (its claim has ended). Back to `ready`, where it is checked on the destination.
            return Err(Error::Interrupted(
                "the relayer stopped while sending it; the destination is checked before it is sent again"
                    .into(),
            ));
        };
        if let Entry::Vacant(slot) = pass.receipts.entry(hash) {
            let found = self.lookup(&hash).await?.map(|(receipt, logs)| Landed {
                receipt,
                outcomes: self.contract.delivered_outcomes(&logs),
            });
            if let Some(landed) = &found {
                let ran_short = self
                    .learned
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .landed(
                        &hash,
                        landed.receipt.success,
                        landed.receipt.gas_used,
                        landed.outcomes.len(),
                    );
                if ran_short {
                    tracing::warn!(destination = %self.lane.name, tx = %format!("0x{}", hex::encode(hash)), "a batch sent with a learned gas limit left messages undelivered; estimating again");
                }
            }
            slot.insert(found);
        }
        let found = pass
            .receipts
            .get(&hash)
            .and_then(Option::as_ref)
            .map(|l| (l.receipt, l.outcomes.get(&record.id).copied()));
        let Some((receipt, outcome)) = found else {
            let age_ms = now_ms().saturating_sub(record.updated_at);
            // Back to `ready` (sent again under a new nonce) only once no version of it can be
            // mined any more: its nonce went to another transaction. While the nonce is open
            // the transaction is kept replaced here; abandoning it would leave a gap that
            // holds every later transaction of the sender.
            if age_ms > 300_000 && self.nonce_spent(&hash).await? {
                return Err(Error::Chain(trestle_core::Error::Timeout {
                    what: format!("receipt of 0x{}", hex::encode(hash)),
                    after: Duration::from_millis(u64::try_from(age_ms).unwrap_or(0)),
                }));
            }
            return Ok(None);
        };
        let safe = match pass.safe {
            Some(safe) => safe,
            None => {
                let safe = self.contract.chain().safe_height().await?;
                pass.safe = Some(safe);
                safe
            }
        };
        if receipt.block_number > safe {
            return Ok(None);
        }
        Ok(Some((receipt, outcome)))
    }

    /// Whether the nonce of the transaction first sent as `root` is spent on chain (the
    /// sender's mined count is past it). True when no version is recorded (nothing to keep
    /// replacing).
    async fn nonce_spent(&self, root: &[u8; 32]) -> Result<bool> {
        let versions = self.lane.store.submissions(root).await?;
        let Some(latest) = versions.last() else {
            return Ok(true);
        };
        let Ok((transaction, _, _)) = trestle_core::evm::transaction::decode_signed(&latest.raw)
        else {
            return Ok(true);
        };
        let mined = self
            .contract
            .chain()
            .latest_nonce(self.sender.address())
            .await?;
        Ok(mined > transaction.nonce())
    }

    /// The receipt of whichever version of the transaction first sent as `root` was mined
    /// (the first and its fee-bump replacements, newest first). When none is and the latest
    /// has waited `replace_after_ms`, replaces it.
    async fn lookup(&self, root: &[u8; 32]) -> Result<Option<(Receipt, Vec<ChainEvent>)>> {
        let versions = self.lane.store.submissions(root).await?;
        if versions.is_empty() {
            return Ok(self.contract.chain().receipt_with_logs(*root).await?);
        }
        for version in versions.iter().rev() {
            if let Some(r) = self
                .contract
                .chain()
                .receipt_with_logs(version.tx_hash)
                .await?
            {
                return Ok(Some(r));
            }
        }
        if let Some(latest) = versions.last() {
            let waited = now_ms().saturating_sub(latest.created_at);
            let replace_after =
                i64::try_from(self.lane.settings.replace_after_ms).unwrap_or(i64::MAX);
            if waited >= replace_after {
                self.replace(root, latest).await;
            } else if waited >= DROPPED_CHECK_MS
                && !self
                    .contract
                    .chain()
                    .knows_transaction(latest.tx_hash)
                    .await?
            {
                // Gone from the node's pool unmined: priced out by a base fee that rose past
                // its fee cap (anvil drops such transactions when it builds a block), or
                // evicted. Waiting `replace_after_ms` would only hold its messages up; a
                // replacement is priced at the current base fee.
                tracing::warn!(destination = %self.lane.name, tx = %hex::encode(latest.tx_hash), "delivery transaction left the node's pool unmined; replacing it now");
                self.replace(root, latest).await;
            }
        }
        Ok(None)
    }
}

impl EvmDestination {
    /// Replaces the stuck `latest` version of the transaction first sent as `root` with a fee
    /// bump (same nonce) and records the new version; at the fee ceiling, broadcasts it
    /// again instead.
    async fn replace(&self, root: &[u8; 32], latest: &Submission) {
        let pending = match PendingTx::from_raw(&latest.raw) {
            Ok(pending) => pending,
            Err(e) => {
                tracing::error!(error = %e, "stored transaction does not decode; not replacing");
                return;
            }
        };
        match self.sender.replace(&pending).await {
            Ok(next) => {
                tracing::info!(destination = %self.lane.name, old = %pending.id(), new = %next.id(), "stuck deliver replaced with a fee bump");
                self.lane.metrics.failure("submit", "stuck");
                if let Err(e) = self
                    .lane
                    .store
                    .record_submission(root, &next.hash, self.lane.domain, &next.raw)
                    .await
                {
                    tracing::warn!(error = %e, "cannot record the replacement");
                }
            }
            Err(trestle_evm::Error::FeeCeiling { .. }) => {
                if let Err(e) = self.sender.rebroadcast(&pending).await {
                    tracing::warn!(error = %e, "rebroadcast failed");
                }
            }
            Err(e) => {
                // "nonce too low": a version was mined meanwhile; the next pass finds it.
                tracing::info!(destination = %self.lane.name, error = %e, "replacement not sent");
            }
        }
    }
}

/// The state a message settles in given the destination's status of it after its
/// transaction is final; an error when that transaction left it undelivered.
fn settled_state(status: DeliveryStatus, receipt: &Receipt) -> Result<MessageState> {
    super::destination::settled_state(status).ok_or_else(|| {
        Error::Chain(trestle_core::Error::TransactionFailed {
            tx: format!("0x{}", hex::encode(receipt.transaction_hash)),
            reason: if receipt.success {
                "the batch item was not delivered".into()
            } else {
                "execution reverted".into()
            },
        })
    })
}
