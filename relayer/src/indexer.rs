//! One indexer per origin chain: reads `MessageSent` logs of final blocks in batches from its
//! persisted cursor, records the messages idempotently, and rolls back on a reorg.
//!
//! After a pass that recorded messages (and every few seconds otherwise) it looks for gaps in
//! the origin's nonces and reads the blocks around each again ([`gaps`]).
//!
//! Between polls it waits `chains[].poll_interval_ms`, or less when the chain has a `ws_url`:
//! a new-head notification from that WebSocket ([`HeadWatcher`]) wakes it at once (at most one
//! early wake per [`MIN_WAKE_GAP`]). The notification only shortens the wait; what is indexed
//! is still read over JSON-RPC, so a socket that is down, drops or lies delays nothing beyond
//! the poll interval and can neither skip nor invent a block.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;
use trestle_bridge_client::EvmBridge;
use trestle_core::chain::{ChainEvent, TxId};
use trestle_evm::{Cursor, Head, HeadWatcher, HeadWatcherConfig, Indexer, IndexerStep};

use crate::config::ChainConfig;
use crate::error::Result;
use crate::metrics::Metrics;
use crate::store::{NewMessage, Store};

pub mod gaps;

use gaps::GapTracker;

/// Sleeps for `d` or until shutdown; returns whether shutdown was asked.
pub(crate) async fn pause(shutdown: &mut watch::Receiver<bool>, d: Duration) -> bool {
    if *shutdown.borrow() {
        return true;
    }
    tokio::select! {
        _ = tokio::time::sleep(d) => *shutdown.borrow(),
        _ = shutdown.changed() => true,
    }
}

/// The shortest time from the start of one poll to a poll woken early by a new-head
/// notification: bounds the polling rate a flood of notifications can cause (50 per second).
pub const MIN_WAKE_GAP: Duration = Duration::from_millis(20);

/// Waits `poll` after a poll that started at `started`, or until a new head is announced on
/// `heads` (but not before `started + MIN_WAKE_GAP`), or until shutdown; returns whether
/// shutdown was asked.
async fn wait_next(
    shutdown: &mut watch::Receiver<bool>,
    poll: Duration,
    heads: Option<&mut watch::Receiver<Option<Head>>>,
    started: Instant,
) -> bool {
    if *shutdown.borrow() {
        return true;
    }
    let announced = async {
        let changed = match heads {
            Some(rx) => rx.changed().await.is_ok(),
            None => false,
        };
        if !changed {
            // No watcher, or (it lives as long as this indexer) its channel closed anyway:
            // only the timer is left.
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        _ = tokio::time::sleep(poll) => *shutdown.borrow(),
        _ = shutdown.changed() => true,
        () = announced => {
            tokio::select! {
                _ = tokio::time::sleep_until(started + MIN_WAKE_GAP) => *shutdown.borrow(),
                _ = shutdown.changed() => true,
            }
        }
    }
}

/// Starts the new-head watcher of a chain with a `ws_url`; `None` (polling only) without one,
/// or if it cannot start (logged).
fn head_watcher(config: &ChainConfig) -> Option<HeadWatcher> {
    let url = config.evm()?.ws_url.as_deref()?;
    match HeadWatcher::spawn(&config.name, url, HeadWatcherConfig::default()) {
        Ok(watcher) => Some(watcher),
        Err(e) => {
            tracing::warn!(chain = %config.name, error = %e, "no new-head notifications: polling only");
            None
        }
    }
}

/// Runs the indexer of `bridge` (the bridge of `config`'s chain) until shutdown. Errors are logged and retried after
/// the poll interval; a reorg deeper than the remembered window restarts from the cursor.
/// With a `ws_url` it also wakes on new-head notifications (see the module docs).
pub async fn run(
    bridge: EvmBridge,
    config: ChainConfig,
    store: Store,
    metrics: Arc<Metrics>,
    mut shutdown: watch::Receiver<bool>,
) {
    let chain = bridge.chain().clone();
    let poll = chain.poll_interval();
    let watcher = head_watcher(&config);
    let mut heads = watcher.as_ref().map(HeadWatcher::subscribe);
    let labels = vec![("chain", config.name.clone())];
    let mut indexer: Option<Indexer> = None;
    let mut gaps = GapTracker::new(&config.name, config.domain);
    loop {
        if *shutdown.borrow() {
            return;
        }
        let current = match indexer.take() {
            Some(i) => i,
            None => match open(&bridge, &config, &store).await {
                Ok(i) => i,
                Err(e) => {
                    tracing::warn!(chain = %config.name, error = %e, "indexer cannot start yet");
                    metrics.failure("index", "retryable");
                    if pause(&mut shutdown, poll).await {
                        return;
                    }
                    continue;
                }
            },
        };
        let mut current = current;
        // Heads announced from here on wake the next wait: this poll may not see them.
        if let Some(rx) = heads.as_mut() {
            rx.borrow_and_update();
        }
        let started = Instant::now();
        let idle = match current.poll().await {
            Ok(IndexerStep::Advanced {
                from,
                to,
                events,
                cursor,
            }) => {
                let found = found_messages(&events, &bridge, &config, &metrics);
                match store
                    .record_indexed(&config.name, cursor.height, cursor.hash, &found)
                    .await
                {
                    Ok(new) => {
                        tracing::debug!(chain = %config.name, from, to, new, "indexed");
                        metrics
                            .indexed_height
                            .get_or_create(&labels)
                            .set(i64::try_from(to).unwrap_or(i64::MAX));
                        indexer = Some(current);
                        check_gaps(&mut gaps, &bridge, &config, &store, &metrics, new > 0).await;
                        false
                    }
                    Err(e) => {
                        // Not persisted: read the batch again from the persisted cursor.
                        tracing::warn!(chain = %config.name, error = %e, "cannot record indexed batch");
                        metrics.failure("index", "store");
                        true
                    }
                }
            }
            Ok(IndexerStep::Reorg { rolled_back_to, .. }) => {
                match store
                    .rollback(
                        &config.name,
                        config.domain,
                        rolled_back_to.height,
                        rolled_back_to.hash,
                    )
                    .await
                {
                    Ok(orphaned) => {
                        tracing::warn!(chain = %config.name, height = rolled_back_to.height, orphaned, "reorg: rolled back");
                        indexer = Some(current);
                    }
                    Err(e) => {
                        tracing::warn!(chain = %config.name, error = %e, "cannot record rollback");
                    }
                }
                false
            }
            Ok(IndexerStep::Idle { cursor }) => {
                check_gaps(&mut gaps, &bridge, &config, &store, &metrics, false).await;
                metrics
                    .indexed_height
                    .get_or_create(&labels)
                    .set(i64::try_from(cursor.height).unwrap_or(i64::MAX));
                if let Ok(safe) = chain.safe_height().await {
                    metrics
                        .indexer_lag
                        .get_or_create(&labels)
                        .set(i64::try_from(safe.saturating_sub(cursor.height)).unwrap_or(0));
                }
                indexer = Some(current);
                true
            }
            Err(trestle_evm::Error::ReorgTooDeep { .. }) => {
                // The persisted cursor's block is gone and no older checkpoint is remembered:
                // step back a batch from the persisted cursor and read forward again.
                metrics.failure("index", "deep_reorg");
                if let Ok(Some((height, _))) = store.cursor(&config.name).await {
                    let back = height.saturating_sub(config.index_batch_blocks);
                    if let Ok(Some(h)) = chain.header(back).await
                        && let Err(e) = store
                            .rollback(&config.name, config.domain, back, h.hash)
                            .await
                    {
                        tracing::warn!(chain = %config.name, error = %e, "cannot record rollback");
                    }
                }
                true
            }
            Err(e) => {
                tracing::warn!(chain = %config.name, error = %e, "indexer poll failed");
                metrics.failure("index", "retryable");
                indexer = Some(current);
                true
            }
        };
        if idle && wait_next(&mut shutdown, poll, heads.as_mut(), started).await {
            return;
        }
    }
}

/// The messages among `events` (`MessageSent` logs of the bridge); a malformed one is counted
/// and skipped.
fn found_messages(
    events: &[ChainEvent],
    bridge: &EvmBridge,
    config: &ChainConfig,
    metrics: &Metrics,
) -> Vec<NewMessage> {
    let mut found = Vec::new();
    for event in events {
        match bridge.decode_message_sent(event, config.domain) {
            Ok(Some(message)) => found.push(NewMessage {
                message,
                origin_height: event.height,
                origin_block_hash: event.block_hash,
                origin_tx: match &event.tx_id {
                    TxId::Evm(h) => h.to_vec(),
                    TxId::Solana(s) => s.to_vec(),
                },
            }),
            Ok(None) => {}
            Err(e) => {
                metrics.failure("index", "malformed_log");
                metrics
                    .indexer_unparseable
                    .get_or_create(&vec![("chain", config.name.clone())])
                    .inc();
                tracing::error!(chain = %config.name, height = event.height, error = %e, "ignoring a malformed MessageSent log");
            }
        }
    }
    found
}

/// Looks for nonce gaps when due and reads the blocks around each again (`recorded`: the
/// pass just recorded messages). Failures are logged; the next check tries again.
async fn check_gaps(
    gaps: &mut GapTracker,
    bridge: &EvmBridge,
    config: &ChainConfig,
    store: &Store,
    metrics: &Metrics,
    recorded: bool,
) {
    if !gaps.due(recorded) {
        return;
    }
    let filter = bridge.message_sent_filter();
    let rescan = |from: u64, to: u64| {
        let filter = &filter;
        async move {
            let events = bridge.chain().logs(filter, from, to).await?;
            Ok(found_messages(&events, bridge, config, metrics))
        }
    };
    if let Err(e) = gaps.check(store, metrics, rescan).await {
        tracing::warn!(chain = %config.name, error = %e, "nonce gap check failed");
        metrics.failure("index", "retryable");
    }
}

async fn open(bridge: &EvmBridge, config: &ChainConfig, store: &Store) -> Result<Indexer> {
    let (chain, filter) = (bridge.chain(), bridge.message_sent_filter());
    let indexer = match store.cursor(&config.name).await? {
        Some((height, hash)) => Indexer::resume(chain.clone(), filter, Cursor { height, hash }),
        None => Indexer::start_after(chain.clone(), filter, config.start_block).await?,
    };
    Ok(indexer.with_batch(config.index_batch_blocks))
}

#[cfg(test)]
mod tests;
