//! Wall-clock observers: a thread per chain that polls its head (`eth_blockNumber`, or a
//! Solana node's `getSlot`) and records when each block or slot was first seen, and one that
//! polls the destination's `txpool_content` and records when each transaction was first seen
//! there. Both chains are read by the same process with the same poll period, so the
//! observation delay (at most one period) is the same on both sides.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};

use crate::rpc::Rpc;

/// When each block was first seen.
pub type BlockTimes = BTreeMap<u64, Instant>;
/// When each transaction hash was first seen in the pool.
pub type PoolTimes = BTreeMap<String, Instant>;

/// A running observer; [`Watcher::stop`] returns what it saw.
#[derive(Debug)]
pub struct Watcher<T> {
    stop: Arc<AtomicBool>,
    handle: JoinHandle<T>,
}

impl<T> Watcher<T> {
    /// Stops the thread and returns its observations.
    pub fn stop(self) -> Result<T> {
        self.stop.store(true, Ordering::Relaxed);
        self.handle
            .join()
            .map_err(|_| anyhow!("a watcher thread panicked"))
    }
}

/// Records the first-seen instant of every block of `rpc`'s chain.
pub fn blocks(rpc: Rpc, period: Duration) -> Watcher<BlockTimes> {
    heads(period, move || rpc.block_number())
}

/// Records the first-seen instant of every head `head` reports (block numbers, slots),
/// polling it every `period`; a head that jumps marks the heads it skipped seen then too.
pub fn heads<F>(period: Duration, head: F) -> Watcher<BlockTimes>
where
    F: Fn() -> Result<u64> + Send + 'static,
{
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let handle = std::thread::spawn(move || {
        let mut seen = BlockTimes::new();
        let mut last: Option<u64> = None;
        while !flag.load(Ordering::Relaxed) {
            if let Ok(n) = head() {
                let now = Instant::now();
                let from = last.map_or(n, |l| l + 1);
                for b in from..=n {
                    seen.entry(b).or_insert(now);
                }
                last = Some(last.map_or(n, |l| l.max(n)));
            }
            std::thread::sleep(period);
        }
        seen
    });
    Watcher { stop, handle }
}

/// Records the first-seen instant of every transaction in `rpc`'s pool.
pub fn pool(rpc: Rpc, period: Duration) -> Watcher<PoolTimes> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let handle = std::thread::spawn(move || {
        let mut seen = PoolTimes::new();
        while !flag.load(Ordering::Relaxed) {
            if let Ok(hashes) = rpc.pool_hashes() {
                let now = Instant::now();
                for h in hashes {
                    seen.entry(h).or_insert(now);
                }
            }
            std::thread::sleep(period);
        }
        seen
    });
    Watcher { stop, handle }
}
