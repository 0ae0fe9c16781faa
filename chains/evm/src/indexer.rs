//! [`Indexer`]: reads the logs of final blocks in batches, keeps a cursor `{height, hash}`,
//! and detects reorgs by parent-hash continuity.
//!
//! Each [`Indexer::poll`] reads at most one batch (`max_block_range` blocks) after the cursor,
//! up to the chain's safe height (latest minus the confirmation depth, or the `finalized`
//! tag). Before reading it checks that the first new block's `parentHash` is the cursor's hash;
//! when nothing is new it checks that the cursor's block is still canonical. On a mismatch it
//! walks back through the batch boundaries it remembers to the newest one still canonical,
//! moves the cursor there and reports [`IndexerStep::Reorg`]: events above that height must be
//! discarded by the consumer and are read again by the following polls. With a confirmation
//! depth larger than any reorg this never happens; on a local chain (depth 0) it does.

use std::collections::VecDeque;
use std::sync::Arc;

use trestle_core::chain::ChainEvent;

use crate::chain::{EvmChain, LogFilter};
use crate::error::{Error, Result};

/// A block the indexer has processed up to and including.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cursor {
    /// Block number.
    pub height: u64,
    /// Block hash.
    pub hash: [u8; 32],
}

/// The outcome of one [`Indexer::poll`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexerStep {
    /// No new final block; the cursor is still canonical.
    Idle {
        /// The unchanged cursor.
        cursor: Cursor,
    },
    /// Blocks `from..=to` were read.
    Advanced {
        /// First block read.
        from: u64,
        /// Last block read (the new cursor height).
        to: u64,
        /// The matching events, in chain order.
        events: Vec<ChainEvent>,
        /// The new cursor.
        cursor: Cursor,
    },
    /// The chain reorganised below the cursor: events above `rolled_back_to.height` are void.
    Reorg {
        /// The cursor before the rollback.
        previous: Cursor,
        /// The newest remembered block that is still canonical; the new cursor.
        rolled_back_to: Cursor,
    },
}

/// Reads the logs matching one filter from one chain, in order, across reorgs.
#[derive(Debug)]
pub struct Indexer {
    chain: Arc<EvmChain>,
    filter: LogFilter,
    /// Batch boundaries, oldest first; the last one is the cursor.
    checkpoints: VecDeque<Cursor>,
    window: usize,
    batch: u64,
}

impl Indexer {
    /// How many batch boundaries are remembered for rollback by default.
    pub const DEFAULT_WINDOW: usize = 256;

    /// Starts after block `height` (whose hash is read from the chain): the first poll reads
    /// `height + 1`.
    pub async fn start_after(chain: Arc<EvmChain>, filter: LogFilter, height: u64) -> Result<Self> {
        let header = chain.header(height).await?.ok_or_else(|| {
            Error::Core(trestle_core::Error::Rpc {
                endpoint: chain.config().name.clone(),
                reason: format!("block {height} is not known to the node"),
                retryable: true,
            })
        })?;
        Ok(Self::resume(
            chain,
            filter,
            Cursor {
                height,
                hash: header.hash,
            },
        ))
    }

    /// Resumes from a persisted cursor.
    pub fn resume(chain: Arc<EvmChain>, filter: LogFilter, cursor: Cursor) -> Self {
        let batch = chain.config().max_block_range.max(1);
        Self {
            chain,
            filter,
            checkpoints: VecDeque::from([cursor]),
            window: Self::DEFAULT_WINDOW,
            batch,
        }
    }

    /// Sets the number of blocks read per poll (default: the chain's `max_block_range`;
    /// longer batches are still split into requests of that size).
    pub fn with_batch(mut self, blocks: u64) -> Self {
        self.batch = blocks.max(1);
        self
    }

    /// Sets how many batch boundaries are remembered for rollback (at least 1).
    pub fn with_window(mut self, window: usize) -> Self {
        self.window = window.max(1);
        self
    }

    /// The cursor: every block up to it has been read.
    pub fn cursor(&self) -> Cursor {
        // The deque is never empty: rollback keeps at least the matching entry and `resume`
        // starts with one.
        self.checkpoints.back().copied().unwrap_or(Cursor {
            height: 0,
            hash: [0; 32],
        })
    }

    /// Reads the next batch, or reports a reorg, or that nothing is new.
    pub async fn poll(&mut self) -> Result<IndexerStep> {
        let cursor = self.cursor();
        let safe = self.chain.safe_height().await?;
        if safe <= cursor.height {
            let current = self.chain.header(cursor.height).await?;
            if current.is_some_and(|h| h.hash == cursor.hash) {
                return Ok(IndexerStep::Idle { cursor });
            }
            return self.rollback(cursor).await;
        }
        let from = cursor.height + 1;
        let to = safe.min(cursor.height.saturating_add(self.batch));
        let Some(first) = self.chain.header(from).await? else {
            return Ok(IndexerStep::Idle { cursor });
        };
        if first.parent_hash != cursor.hash {
            return self.rollback(cursor).await;
        }
        let events = self.chain.logs(&self.filter, from, to).await?;
        let last = if to == from {
            Some(first)
        } else {
            self.chain.header(to).await?
        };
        let Some(last) = last else {
            return Ok(IndexerStep::Idle { cursor });
        };
        // The logs must come from the blocks whose hashes we hold at both ends; otherwise the
        // chain moved while we read and the batch is read again next time.
        let consistent = events.iter().all(|e| {
            (e.height != from || e.block_hash == first.hash)
                && (e.height != to || e.block_hash == last.hash)
        });
        if !consistent {
            tracing::info!(chain = %self.chain.config().name, from, to, "chain moved while reading logs; retrying batch");
            return Ok(IndexerStep::Idle { cursor });
        }
        let next = Cursor {
            height: to,
            hash: last.hash,
        };
        self.checkpoints.push_back(next);
        while self.checkpoints.len() > self.window {
            self.checkpoints.pop_front();
        }
        tracing::debug!(chain = %self.chain.config().name, from, to, events = events.len(), "indexed");
        Ok(IndexerStep::Advanced {
            from,
            to,
            events,
            cursor: next,
        })
    }

    /// Polls until the cursor reaches the safe height, collecting the steps.
    pub async fn catch_up(&mut self) -> Result<Vec<IndexerStep>> {
        let mut steps = Vec::new();
        loop {
            let step = self.poll().await?;
            let idle = matches!(step, IndexerStep::Idle { .. });
            steps.push(step);
            if idle {
                return Ok(steps);
            }
        }
    }

    async fn rollback(&mut self, previous: Cursor) -> Result<IndexerStep> {
        while let Some(candidate) = self.checkpoints.back().copied() {
            let canonical = self.chain.header(candidate.height).await?;
            if canonical.is_some_and(|h| h.hash == candidate.hash) {
                tracing::warn!(
                    chain = %self.chain.config().name,
                    from = previous.height,
                    to = candidate.height,
                    "reorg detected; cursor rolled back"
                );
                return Ok(IndexerStep::Reorg {
                    previous,
                    rolled_back_to: candidate,
                });
            }
            if self.checkpoints.len() == 1 {
                break;
            }
            self.checkpoints.pop_back();
        }
        Err(Error::ReorgTooDeep {
            chain: self.chain.config().name.clone(),
            oldest: self.cursor().height,
        })
    }
}
