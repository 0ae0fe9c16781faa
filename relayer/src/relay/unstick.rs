//! Nothing stuck: the relayer's own nonces on an EVM destination keep moving.
//!
//! The confirm stage replaces a delivery it follows (`replace_after_ms` unmined: a fee bump of
//! the same call). Some transactions have nobody following them: an `executeQueued` whose wait
//! ran out, a broadcast that had no answer, a delivery sent just before the process stopped, a
//! transaction sent with the relayer's key from elsewhere. One of them unmined holds every
//! later transaction of the key on that chain, so every delivery behind it.
//!
//! Every transaction the relayer's sender signs is written to the send journal before it is
//! broadcast ([`StoreJournal`], `sent_transactions`; a transaction the node refused is taken
//! out again). Each housekeeping tick the worker reads the key's mined count (`latest`) and
//! what of its own is outstanding (the sender's next nonce, the journal's highest nonce: never
//! a node's pending count); when something is outstanding and the mined count has not moved
//! for `2 x replace_after_ms` — longer than the confirm stage waits, so a delivery it follows
//! is its to replace — while the chain went on making blocks (a chain that stopped is not a
//! stuck transaction), the transaction holding the next nonce is stuck, and:
//!
//! - the journal knows it, and the node has it: it is replaced with a fee bump of the same
//!   call (at the fee ceiling, broadcast again); a delivery's replacement is recorded as a
//!   version of that delivery, so the confirm stage finds its receipt;
//! - the journal knows it, and the node does not (dropped from its pool, or never broadcast):
//!   it is broadcast again, and replaced when the node refuses it;
//! - the journal does not know it (sent from elsewhere, or the journal was lost) and one of
//!   the relayer's own transactions waits behind it: the nonce is freed with a cancellation
//!   (nothing sent to the relayer itself), priced above the current fee estimate by one more
//!   bump at each try (the stuck transaction's fees are unknown), under the sender's nonce
//!   lock and never at the nonce its next send would take.
//!
//! After acting it waits another `2 x replace_after_ms` before acting on the same nonce
//! again. Every action is logged and counted (`trestle_stuck_transactions_total`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use trestle_evm::{Fees, PendingTx, SendJournal, Signed};

use super::EvmDestination;
use crate::store::{SentTransaction, Store, now_ms};

/// Writes every transaction the relayer's sender on one chain signs to the store's send
/// journal before it is broadcast.
#[derive(Debug, Clone)]
pub(crate) struct StoreJournal {
    store: Store,
    domain: u32,
    sender: [u8; 20],
}

impl StoreJournal {
    /// The journal of `sender`'s transactions on the chain of `domain`.
    pub(crate) fn new(store: Store, domain: u32, sender: [u8; 20]) -> Self {
        Self {
            store,
            domain,
            sender,
        }
    }
}

#[async_trait]
impl SendJournal for StoreJournal {
    async fn record(&self, signed: Signed<'_>) -> Result<(), String> {
        self.store
            .record_sent(
                self.domain,
                &self.sender,
                signed.nonce,
                &signed.hash,
                signed.raw,
                signed.replaces.as_ref(),
            )
            .await
            .map_err(|e| e.to_string())
    }

    async fn abandoned(&self, hash: [u8; 32]) -> Result<(), String> {
        self.store
            .abandon_sent(&hash)
            .await
            .map_err(|e| e.to_string())
    }

    async fn highest_nonce(&self) -> Result<Option<u64>, String> {
        self.store
            .highest_sent_nonce(self.domain, &self.sender)
            .await
            .map_err(|e| e.to_string())
    }

    async fn holds(&self, nonce: u64) -> Result<bool, String> {
        self.store
            .latest_sent(self.domain, &self.sender, nonce)
            .await
            .map(|sent| sent.is_some())
            .map_err(|e| e.to_string())
    }
}

/// What the unsticker remembers between ticks.
#[derive(Debug, Default)]
pub(super) struct Watch {
    /// The key's mined count when last seen, since when it has not moved, and the chain's
    /// height then.
    mined: Option<(u64, Instant, u64)>,
    /// Cancellations tried for that nonce (each priced one bump higher).
    cancels: u32,
}

impl EvmDestination {
    /// How long the key's mined count may stand still with something outstanding before the
    /// transaction holding the next nonce is taken as stuck: twice `replace_after_ms`.
    fn stuck_after(&self) -> Duration {
        Duration::from_millis(self.lane.settings.replace_after_ms.saturating_mul(2))
    }

    /// One housekeeping look at the key's nonces on this destination, as the module docs say.
    pub(super) async fn unstick(&self) {
        if let Err(e) = self.try_unstick().await {
            tracing::warn!(destination = %self.lane.name, error = %e, "cannot check the relayer's nonces for a stuck transaction");
        }
    }

    async fn try_unstick(&self) -> crate::error::Result<()> {
        let chain = self.contract.chain();
        let address = self.sender.address();
        let height = chain.block_number().await?;
        let mined = chain.latest_nonce(address).await?;
        // What is outstanding is what this relayer sent (its nonce manager, its journal), not
        // what a node says is pending: a node reporting pending transactions that are not
        // there must not have the relayer cancel anything.
        let ours = self.sender.nonces().peek().await.unwrap_or(0);
        let journaled = self
            .lane
            .store
            .highest_sent_nonce(self.lane.domain, &address.0)
            .await?;
        let outstanding = ours > mined || journaled.is_some_and(|n| n >= mined);
        let stuck_after = self.stuck_after();
        {
            let mut watch = self.unstick.lock().unwrap_or_else(|e| e.into_inner());
            match watch.mined {
                Some((seen, since, then)) if seen == mined && outstanding => {
                    if since.elapsed() < stuck_after || height <= then {
                        return Ok(());
                    }
                }
                _ => {
                    *watch = Watch {
                        mined: Some((mined, Instant::now(), height)),
                        cancels: 0,
                    };
                    return Ok(());
                }
            }
        }
        let known = self
            .lane
            .store
            .latest_sent(self.lane.domain, &address.0, mined)
            .await?;
        if let Some(known) = &known {
            // Replaced recently (the confirm stage, an execute's own landing): not stuck yet.
            let age = now_ms().saturating_sub(known.created_at);
            if u128::try_from(age).unwrap_or(0) < stuck_after.as_millis() {
                return Ok(());
            }
        }
        tracing::warn!(destination = %self.lane.name, nonce = mined, known = known.is_some(), "the relayer's next nonce has not been mined for twice replace_after_ms; unsticking it");
        match known {
            Some(known) => self.replace_known(&known).await?,
            // Cancelled only when one of this relayer's own transactions waits behind it.
            None if journaled.is_some_and(|n| n > mined) => self.cancel(mined).await?,
            None => return Ok(()),
        }
        // Acted: the same nonce waits another `stuck_after` (a failure above is tried again
        // next tick; a cancellation one bump higher).
        let mut watch = self.unstick.lock().unwrap_or_else(|e| e.into_inner());
        watch.mined = Some((mined, Instant::now(), height));
        Ok(())
    }

    /// Broadcasts the journal's `known` transaction again when the node lost it, else
    /// replaces it with a fee bump (again at the fee ceiling).
    async fn replace_known(&self, known: &SentTransaction) -> crate::error::Result<()> {
        let pending = PendingTx::from_raw(&known.raw)?;
        let chain = self.contract.chain();
        if !chain.knows_transaction(known.tx_hash).await? {
            match self.sender.rebroadcast(&pending).await {
                Ok(()) => {
                    tracing::info!(destination = %self.lane.name, tx = %pending.id(), nonce = known.nonce, "stuck transaction was not in the node's pool; broadcast again");
                    self.lane
                        .metrics
                        .stuck_transaction(&self.lane.name, "rebroadcast");
                    return Ok(());
                }
                Err(e) => {
                    // Priced out since (the base fee rose past its cap): replaced below.
                    tracing::info!(destination = %self.lane.name, tx = %pending.id(), error = %e, "stuck transaction refused when broadcast again; replacing it");
                }
            }
        }
        match self.sender.replace(&pending).await {
            Ok(next) => {
                tracing::info!(destination = %self.lane.name, old = %pending.id(), new = %next.id(), nonce = known.nonce, "stuck transaction replaced with a fee bump");
                self.lane
                    .metrics
                    .stuck_transaction(&self.lane.name, "replaced");
                // A delivery's new version is one more version of it for the confirm stage.
                if let Some(root) = self.lane.store.submission_root(&known.tx_hash).await? {
                    self.lane
                        .store
                        .record_submission(&root, &next.hash, self.lane.domain, &next.raw)
                        .await?;
                }
                Ok(())
            }
            Err(trestle_evm::Error::FeeCeiling { .. }) => {
                self.sender.rebroadcast(&pending).await?;
                self.lane
                    .metrics
                    .stuck_transaction(&self.lane.name, "rebroadcast");
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Frees `nonce`, held by a transaction the journal does not know, with a cancellation
    /// priced one bump above the current estimate per try so far.
    async fn cancel(&self, nonce: u64) -> crate::error::Result<()> {
        let chain = self.contract.chain();
        let (estimate, _) = chain.estimate_fees().await?;
        let tries = {
            let mut watch = self.unstick.lock().unwrap_or_else(|e| e.into_inner());
            watch.cancels = watch.cancels.saturating_add(1);
            watch.cancels
        };
        let config = chain.config();
        let mut fees: Fees = estimate;
        for _ in 0..tries {
            match trestle_evm::fees::replacement_fees(&config.name, fees, None, &config.fees) {
                Ok(next) => fees = next,
                Err(_) => break, // at the ceiling: as high as it may go
            }
        }
        let sent = self.sender.cancel(nonce, fees, None).await?;
        tracing::warn!(destination = %self.lane.name, nonce, tx = %sent.id(), "a transaction the relayer has no record of held its next nonce; cancelled it");
        self.lane
            .metrics
            .stuck_transaction(&self.lane.name, "cancelled");
        Ok(())
    }
}

/// The journal for a sender of `address` on the chain of `domain`, shared.
pub(crate) fn journal(store: &Store, domain: u32, address: [u8; 20]) -> Arc<dyn SendJournal> {
    Arc::new(StoreJournal::new(store.clone(), domain, address))
}
