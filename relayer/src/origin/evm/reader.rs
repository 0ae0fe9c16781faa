//! The indexer's reader of an EVM origin: `MessageSent` and `GasPaid` logs of final blocks through `trestle-evm`'s
//! [`Indexer`] (batched ranges, reorg detection by block-hash continuity).
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

use super::deployment;
use crate::config::ChainConfig;
use crate::error::Result;
use crate::metrics::Metrics;
use crate::origin::indexer::{Emitted, OriginReader, Read};
use crate::store::{NewMessage, NewPayment, Store};

/// The reader of an EVM origin's bridge.
pub struct EvmReader {
    bridge: EvmBridge,
    chain: ChainConfig,
    metrics: Arc<Metrics>,
    /// The log indexer with its reorg window, while it agrees with the persisted cursor.
    indexer: Option<Indexer>,
    /// The indexer after a read whose outcome is not persisted yet.
    unpersisted: Option<Indexer>,
    poll: Duration,
    /// Whether the last read failed.
    failed: bool,
    /// The block a first start (no cursor) begins after, once found
    /// ([`deployment::find`] when `chains[].start_block` is not set): the search is not
    /// repeated while the cursor is still to be persisted.
    start_after: Option<u64>,
    /// Kept alive as long as the reader: its notifications wake [`OriginReader::wait`].
    _watcher: Option<HeadWatcher>,
    heads: Option<watch::Receiver<Option<Head>>>,
}

impl EvmReader {
    /// The reader of `bridge` on `chain` (with a new-head watcher when it has a `ws_url`).
    pub fn new(bridge: EvmBridge, chain: &ChainConfig, metrics: Arc<Metrics>) -> Self {
        let watcher = head_watcher(chain);
        let heads = watcher.as_ref().map(HeadWatcher::subscribe);
        Self {
            poll: bridge.chain().poll_interval(),
            bridge,
            chain: chain.clone(),
            metrics,
            indexer: None,
            unpersisted: None,
            failed: false,
            start_after: None,
            _watcher: watcher,
            heads,
        }
    }

    /// The persisted cursor's block is gone and no older checkpoint is remembered: the block a
    /// batch before the persisted cursor, to roll back to and read forward again from.
    async fn step_back(&self, store: &Store) -> Result<Option<(u64, [u8; 32])>> {
        let Some((height, _)) = store.cursor(&self.chain.name).await? else {
            return Ok(None);
        };
        let back = height.saturating_sub(self.chain.index_batch_blocks);
        Ok(self
            .bridge
            .chain()
            .header(back)
            .await?
            .map(|h| (back, h.hash)))
    }
}

impl OriginReader for EvmReader {
    async fn read(&mut self, store: &Store) -> Result<Read> {
        self.failed = true;
        let mut current = match self.indexer.take() {
            Some(i) => i,
            None => open(&self.bridge, &self.chain, store, &mut self.start_after).await?,
        };
        // Heads announced from here on wake the next wait: this poll may not see them.
        if let Some(rx) = self.heads.as_mut() {
            rx.borrow_and_update();
        }
        let step = current.poll().await;
        self.failed = step.is_err();
        match step {
            Ok(IndexerStep::Advanced {
                from,
                to,
                events,
                cursor,
            }) => {
                let found = found_messages(&events, &self.bridge, &self.chain, &self.metrics);
                let payments = found_payments(&events, &self.bridge, &self.chain, &self.metrics);
                self.unpersisted = Some(current);
                Ok(Read::Advanced {
                    from,
                    to,
                    found,
                    payments,
                    cursor: (cursor.height, cursor.hash),
                })
            }
            Ok(IndexerStep::Reorg { rolled_back_to, .. }) => {
                self.unpersisted = Some(current);
                Ok(Read::Reorg {
                    to: (rolled_back_to.height, rolled_back_to.hash),
                })
            }
            Ok(IndexerStep::Idle { cursor }) => {
                self.indexer = Some(current);
                let lag = match self.bridge.chain().safe_height().await {
                    Ok(safe) => Some(safe.saturating_sub(cursor.height)),
                    Err(_) => None,
                };
                Ok(Read::Idle {
                    cursor: cursor.height,
                    lag,
                })
            }
            Err(e @ trestle_evm::Error::ReorgTooDeep { .. }) => {
                // Rolled back like any reorg, a batch below the persisted cursor; the
                // indexer opens again from there.
                self.metrics.failure("index", "deep_reorg");
                let to = self.step_back(store).await?.ok_or(e)?;
                self.failed = false;
                Ok(Read::Reorg { to })
            }
            Err(e) => {
                self.indexer = Some(current);
                Err(e.into())
            }
        }
    }

    fn persisted(&mut self, ok: bool) {
        let indexer = self.unpersisted.take();
        if ok {
            self.indexer = indexer;
        }
    }

    async fn rescan(&self, from: u64, to: u64) -> Result<Emitted> {
        let events = self
            .bridge
            .chain()
            .logs(&self.bridge.origin_filter(), from, to)
            .await?;
        Ok(Emitted {
            messages: found_messages(&events, &self.bridge, &self.chain, &self.metrics),
            payments: found_payments(&events, &self.bridge, &self.chain, &self.metrics),
        })
    }

    async fn wait(&mut self, shutdown: &mut watch::Receiver<bool>, started: Instant) -> bool {
        if self.failed {
            // After a failed read, the whole poll interval: new heads do not hurry retries
            // against a node or store that is failing.
            return crate::daemon::pause(shutdown, self.poll).await;
        }
        wait_next(shutdown, self.poll, self.heads.as_mut(), started).await
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

/// The messages among `events` (`MessageSent` logs of the bridge); a malformed one is counted
/// and skipped.
pub(crate) fn found_messages(
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

/// The delivery-fee payments among `events` (`GasPaid` logs of the bridge); a malformed one
/// is counted and skipped.
pub(crate) fn found_payments(
    events: &[ChainEvent],
    bridge: &EvmBridge,
    config: &ChainConfig,
    metrics: &Metrics,
) -> Vec<NewPayment> {
    let mut found = Vec::new();
    for event in events {
        match bridge.decode_gas_paid(event) {
            Ok(Some(payment)) => found.push(NewPayment {
                origin: config.domain,
                origin_tx: match &event.tx_id {
                    TxId::Evm(h) => h.to_vec(),
                    TxId::Solana(s) => s.to_vec(),
                },
                index: event.index,
                origin_height: event.height,
                payment,
            }),
            Ok(None) => {}
            Err(e) => {
                metrics.failure("index", "malformed_log");
                metrics
                    .indexer_unparseable
                    .get_or_create(&vec![("chain", config.name.clone())])
                    .inc();
                tracing::error!(chain = %config.name, height = event.height, error = %e, "ignoring a malformed GasPaid log");
            }
        }
    }
    found
}

/// Opens the indexer of the bridge's `MessageSent` and `GasPaid` logs at the persisted cursor,
/// or, on a first start, after `chains[].start_block` when it is set, else just before the
/// bridge's deployment block ([`deployment::find`], remembered in `start_after`).
async fn open(
    bridge: &EvmBridge,
    config: &ChainConfig,
    store: &Store,
    start_after: &mut Option<u64>,
) -> Result<Indexer> {
    let (chain, filter) = (bridge.chain(), bridge.origin_filter());
    let indexer = match store.cursor(&config.name).await? {
        Some((height, hash)) => Indexer::resume(chain.clone(), filter, Cursor { height, hash }),
        None => {
            let after = match (config.start_block, *start_after) {
                (Some(block), _) | (None, Some(block)) => block,
                (None, None) => deployment::find(chain, bridge.address(), config)
                    .await?
                    .after(),
            };
            *start_after = Some(after);
            Indexer::start_after(chain.clone(), filter, after).await?
        }
    };
    Ok(indexer.with_batch(config.index_batch_blocks))
}
