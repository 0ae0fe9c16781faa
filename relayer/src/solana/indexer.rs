//! The indexer of a Solana origin: reads the bridge program's transactions slot range by slot
//! range from its persisted cursor (the last slot read), at the chain's commitment
//! (`finalized` by default, so nothing it records can be rolled back), and records the
//! messages the program emitted, idempotently (the message id is unique in the store).
//!
//! Messages are read from the program's `MessageSent` self-CPI event instructions, which the
//! runtime records in full, never from logs (which it truncates). A transaction that cannot be
//! parsed is skipped and counted (`trestle_indexer_unparseable_total`), never a reason to stop;
//! gaps in the origin's nonces are read again ([`crate::indexer::gaps`]).
//!
//! The cursor's hash is unused on Solana (zero): finalized slots are never reorganised.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use trestle_bridge::solana::BridgeProgram;
use trestle_bridge_client::solana::sent_messages;
use trestle_core::chain::TxId;
use trestle_solana::SolanaClient;

use crate::config::ChainConfig;
use crate::error::Result;
use crate::indexer::gaps::GapTracker;
use crate::indexer::pause;
use crate::metrics::Metrics;
use crate::store::{NewMessage, Store};

/// Default poll interval of a Solana chain (about two slots).
pub const DEFAULT_POLL_MS: u64 = 800;

/// What one step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Read slots `from..=to` and recorded `new` messages.
    Advanced {
        /// First slot read.
        from: u64,
        /// Last slot read (the new cursor).
        to: u64,
        /// Messages new to the store.
        new: usize,
    },
    /// Nothing new at the commitment.
    Idle {
        /// The cursor.
        cursor: u64,
        /// The chain's slot at the commitment.
        tip: u64,
    },
}

/// Reads one batch of slots after the cursor and records what it found; the cursor moves in
/// the same store transaction as the messages.
pub async fn step(
    client: &SolanaClient,
    chain: &ChainConfig,
    store: &Store,
    metrics: &Metrics,
) -> Result<Step> {
    let settings = super::settings(chain)?;
    let commitment = settings.commitment.to_commitment();
    let tip = client.slot(commitment).await?;
    let cursor = match store.cursor(&chain.name).await? {
        Some((slot, _)) => slot,
        None => chain.start_block,
    };
    let from = cursor.saturating_add(1);
    if from > tip {
        return Ok(Step::Idle { cursor, tip });
    }
    let to = tip.min(from.saturating_add(chain.index_batch_blocks.saturating_sub(1)));
    let found = messages_in(client, chain, metrics, from, to).await?;
    let new = store
        .record_indexed(&chain.name, to, [0; 32], &found)
        .await?;
    Ok(Step::Advanced { from, to, new })
}

/// The messages the bridge program of `chain` sent in slots `from..=to`. Transactions that
/// failed carry none; one that cannot be parsed, or whose messages do not decode or name
/// another origin, is skipped, logged and counted.
pub async fn messages_in(
    client: &SolanaClient,
    chain: &ChainConfig,
    metrics: &Metrics,
    from: u64,
    to: u64,
) -> Result<Vec<NewMessage>> {
    let settings = super::settings(chain)?;
    let read = client
        .program_transactions(&settings.program, from, to)
        .await?;
    let unparseable = || {
        metrics
            .indexer_unparseable
            .get_or_create(&vec![("chain", chain.name.clone())])
            .inc();
    };
    for skipped in &read.unparseable {
        unparseable();
        tracing::warn!(chain = %chain.name, tx = %skipped.id, slot = skipped.slot, reason = %skipped.reason, "skipping a transaction that cannot be parsed");
    }
    let program = BridgeProgram::new(settings.program);
    let mut found = Vec::new();
    for tx in read.transactions {
        if tx.error.is_some() {
            continue;
        }
        let TxId::Solana(signature) = tx.id else {
            continue;
        };
        let messages = match sent_messages(&program, &tx) {
            Ok(m) => m,
            Err(e) => {
                unparseable();
                tracing::error!(chain = %chain.name, tx = %tx.id, error = %e, "skipping a malformed message emitted by the bridge program");
                continue;
            }
        };
        for sent in messages {
            let message = sent.message;
            if message.origin != chain.domain {
                unparseable();
                tracing::error!(chain = %chain.name, tx = %tx.id, origin = message.origin, "skipping a message whose origin is not this chain's domain");
                continue;
            }
            found.push(NewMessage {
                message,
                origin_height: tx.slot,
                origin_block_hash: [0; 32],
                origin_tx: signature.to_vec(),
            });
        }
    }
    Ok(found)
}

/// Runs the indexer of `chain` until shutdown. Errors are logged, counted and retried after
/// the poll interval from the persisted cursor.
pub async fn run(
    client: Arc<SolanaClient>,
    chain: ChainConfig,
    store: Store,
    metrics: Arc<Metrics>,
    mut shutdown: watch::Receiver<bool>,
) {
    let poll = Duration::from_millis(chain.poll_interval_ms.unwrap_or(DEFAULT_POLL_MS));
    let labels = vec![("chain", chain.name.clone())];
    let mut gaps = GapTracker::new(&chain.name, chain.domain);
    loop {
        if *shutdown.borrow() {
            return;
        }
        let result = step(&client, &chain, &store, &metrics).await;
        let recorded = matches!(result, Ok(Step::Advanced { new, .. }) if new > 0);
        if gaps.due(recorded) {
            let rescan = |from: u64, to: u64| messages_in(&client, &chain, &metrics, from, to);
            if let Err(e) = gaps.check(&store, &metrics, rescan).await {
                tracing::warn!(chain = %chain.name, error = %e, "nonce gap check failed");
                metrics.failure("index", "retryable");
            }
        }
        let idle = match result {
            Ok(Step::Advanced { from, to, new }) => {
                tracing::debug!(chain = %chain.name, from, to, new, "indexed");
                metrics
                    .indexed_height
                    .get_or_create(&labels)
                    .set(i64::try_from(to).unwrap_or(i64::MAX));
                false
            }
            Ok(Step::Idle { cursor, tip }) => {
                metrics
                    .indexed_height
                    .get_or_create(&labels)
                    .set(i64::try_from(cursor).unwrap_or(i64::MAX));
                metrics
                    .indexer_lag
                    .get_or_create(&labels)
                    .set(i64::try_from(tip.saturating_sub(cursor)).unwrap_or(0));
                true
            }
            Err(e) => {
                tracing::warn!(chain = %chain.name, error = %e, "solana indexer step failed");
                metrics.failure("index", "retryable");
                true
            }
        };
        if idle && pause(&mut shutdown, poll).await {
            return;
        }
    }
}
