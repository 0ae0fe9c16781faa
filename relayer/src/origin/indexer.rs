//! One indexer per origin chain, EVM or Solana: reads the origin bridge's messages in batches
//! from a persisted cursor, records them idempotently (the cursor moves in the same store
//! transaction), and rolls back on a reorg. The loop is the same for every chain kind
//! ([`run`]); what differs is how an origin is read ([`OriginReader`]: [`crate::origin::evm::EvmReader`],
//! [`crate::origin::solana::SolanaReader`]).
//!
//! An indexer never stops on one bad answer: a log or transaction it cannot parse is skipped,
//! logged and counted. After a pass that recorded messages (and every few seconds otherwise)
//! it looks for gaps in the origin's nonces and reads the blocks around each again ([`gaps`]).

use std::future::Future;

use tokio::sync::watch;
use tokio::time::Instant;

use crate::config::ChainConfig;
use crate::error::Result;
use crate::metrics::Metrics;
use crate::store::{NewMessage, NewPayment, Store};

pub mod gaps;

use gaps::GapTracker;

/// What one read of an origin found.
#[derive(Debug)]
pub enum Read {
    /// Blocks (slots) `from..=to` were read: record `found` and move the cursor to `cursor`
    /// (height and block hash; zero on Solana, whose final slots are never reorganised).
    Advanced {
        /// First block read.
        from: u64,
        /// Last block read.
        to: u64,
        /// The messages found.
        found: Vec<NewMessage>,
        /// The delivery-fee payments found.
        payments: Vec<NewPayment>,
        /// The new cursor.
        cursor: (u64, [u8; 32]),
    },
    /// The chain reorganised below the cursor: roll back to this block (height and hash).
    Reorg {
        /// The last block still on the chain.
        to: (u64, [u8; 32]),
    },
    /// Nothing new at the chain's finality.
    Idle {
        /// The cursor.
        cursor: u64,
        /// How far the chain's final tip is ahead of the cursor, when known.
        lag: Option<u64>,
    },
}

/// What an origin bridge emitted in a range of blocks (slots): the messages it sent and the
/// delivery fees paid to it (`GasPaid`, at a send or a top-up).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Emitted {
    /// The messages sent.
    pub messages: Vec<NewMessage>,
    /// The delivery-fee payments.
    pub payments: Vec<NewPayment>,
}

/// An origin chain's bridge as its indexer reads it.
pub trait OriginReader: Send {
    /// Reads what follows the cursor persisted in `store`.
    fn read(&mut self, store: &Store) -> impl Future<Output = Result<Read>> + Send;

    /// Whether the last [`Read::Advanced`] or [`Read::Reorg`] was persisted: a reader that
    /// keeps state between reads (the EVM reorg window) keeps it only then, and otherwise
    /// reads again from the persisted cursor.
    fn persisted(&mut self, ok: bool);

    /// The messages and payments of blocks `from..=to`, read again (the nonce-gap check).
    fn rescan(&self, from: u64, to: u64) -> impl Future<Output = Result<Emitted>> + Send;

    /// Waits after a read that found nothing new (started at `started`); returns whether
    /// shutdown was asked.
    fn wait(
        &mut self,
        shutdown: &mut watch::Receiver<bool>,
        started: Instant,
    ) -> impl Future<Output = bool> + Send;
}

/// Runs the indexer of `chain` over `origin` until shutdown. Errors are logged, counted and
/// retried after the origin's wait from the persisted cursor.
pub async fn run<O: OriginReader>(
    mut origin: O,
    chain: ChainConfig,
    store: Store,
    metrics: std::sync::Arc<Metrics>,
    mut shutdown: watch::Receiver<bool>,
) {
    let labels = vec![("chain", chain.name.clone())];
    let mut gaps = GapTracker::new(&chain.name, chain.domain);
    loop {
        if *shutdown.borrow() {
            return;
        }
        let started = Instant::now();
        let read = origin.read(&store).await;
        if read.is_ok() {
            metrics.indexer_read(&chain.name);
        }
        let idle = match read {
            Ok(Read::Advanced {
                from,
                to,
                found,
                payments,
                cursor,
            }) => match store
                .record_read(&chain.name, cursor.0, cursor.1, &found, &payments)
                .await
            {
                Ok(new) => {
                    origin.persisted(true);
                    for p in &payments {
                        metrics.fee_paid(
                            chain.domain,
                            p.payment.destination,
                            p.payment.amount,
                            chain.native_decimals(),
                        );
                    }
                    tracing::debug!(chain = %chain.name, from, to, new, "indexed");
                    metrics
                        .indexed_height
                        .get_or_create(&labels)
                        .set(i64::try_from(to).unwrap_or(i64::MAX));
                    check_gaps(&mut gaps, &origin, &chain, &store, &metrics, new > 0).await;
                    false
                }
                Err(e) => {
                    // Not persisted: read the batch again from the persisted cursor.
                    origin.persisted(false);
                    tracing::warn!(chain = %chain.name, error = %e, "cannot record indexed batch");
                    metrics.failure("index", "store");
                    true
                }
            },
            Ok(Read::Reorg { to }) => {
                match store.rollback(&chain.name, chain.domain, to.0, to.1).await {
                    Ok(orphaned) => {
                        origin.persisted(true);
                        tracing::warn!(chain = %chain.name, height = to.0, orphaned, "reorg: rolled back");
                    }
                    Err(e) => {
                        origin.persisted(false);
                        tracing::warn!(chain = %chain.name, error = %e, "cannot record rollback");
                    }
                }
                false
            }
            Ok(Read::Idle { cursor, lag }) => {
                check_gaps(&mut gaps, &origin, &chain, &store, &metrics, false).await;
                metrics
                    .indexed_height
                    .get_or_create(&labels)
                    .set(i64::try_from(cursor).unwrap_or(i64::MAX));
                if let Some(lag) = lag {
                    metrics
                        .indexer_lag
                        .get_or_create(&labels)
                        .set(i64::try_from(lag).unwrap_or(i64::MAX));
                }
                true
            }
            Err(e) => {
                tracing::warn!(chain = %chain.name, error = %e, "indexer read failed");
                metrics.failure("index", "retryable");
                check_gaps(&mut gaps, &origin, &chain, &store, &metrics, false).await;
                true
            }
        };
        if idle && origin.wait(&mut shutdown, started).await {
            return;
        }
    }
}

/// Looks for nonce gaps when due and reads the blocks around each again (`recorded`: the
/// pass just recorded messages). Failures are logged; the next check tries again.
async fn check_gaps<O: OriginReader>(
    gaps: &mut GapTracker,
    origin: &O,
    chain: &ChainConfig,
    store: &Store,
    metrics: &Metrics,
    recorded: bool,
) {
    if !gaps.due(recorded) {
        return;
    }
    let rescan = |from: u64, to: u64| origin.rescan(from, to);
    if let Err(e) = gaps.check(store, metrics, rescan).await {
        tracing::warn!(chain = %chain.name, error = %e, "nonce gap check failed");
        metrics.failure("index", "retryable");
    }
}

#[cfg(test)]
mod tests;
