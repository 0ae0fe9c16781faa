//! Nonce-gap detection for the indexers of both chain kinds (docs/protocol.md, "Reading
//! Solana messages"): an origin bridge numbers its messages 0, 1, 2, ... in chain order, so a
//! nonce missing between two recorded messages is one the indexer did not see: a node that
//! left a log out of an answer, a transaction that could not be parsed. The blocks between
//! the two neighbours are read again (through another endpoint, if the chain fails over) and
//! what is found is recorded; a gap that stays is reported and re-read after a back-off.

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use crate::error::Result;
use crate::metrics::Metrics;
use crate::store::{NewMessage, NonceGap, Store};

/// How long a gap that a re-read did not close waits before it is read again.
pub const RESCAN_BACKOFF: Duration = Duration::from_secs(30);

/// How often an indexer looks for gaps when it records nothing new (gaps found earlier are
/// re-read on this clock too).
pub const IDLE_CHECK_INTERVAL: Duration = Duration::from_secs(10);

/// The most gaps handled per check.
const GAPS_PER_CHECK: u32 = 16;

/// The gap state of one origin chain's indexer.
#[derive(Debug)]
pub struct GapTracker {
    chain: String,
    origin: u32,
    /// Every nonce below it is known contiguous: checks start here.
    low_water: u64,
    last_check: Option<Instant>,
    /// When each gap (by its first nonce) may be read again.
    next_rescan: HashMap<u64, Instant>,
}

impl GapTracker {
    /// The tracker of the indexer of `chain` (domain `origin`).
    pub fn new(chain: impl Into<String>, origin: u32) -> Self {
        Self {
            chain: chain.into(),
            origin,
            low_water: 0,
            last_check: None,
            next_rescan: HashMap::new(),
        }
    }

    /// Whether a check is due: after a pass that recorded messages (`recorded`), or once per
    /// [`IDLE_CHECK_INTERVAL`] otherwise.
    pub fn due(&self, recorded: bool) -> bool {
        recorded
            || self
                .last_check
                .is_none_or(|at| at.elapsed() >= IDLE_CHECK_INTERVAL)
    }

    /// Looks for gaps and re-reads the heights around each with `rescan(from, to)` (which
    /// returns the messages the origin bridge sent in those blocks or slots, and the payments
    /// made to it), recording what it finds. Returns the gaps still open after the check.
    pub async fn check<F, Fut>(
        &mut self,
        store: &Store,
        metrics: &Metrics,
        mut rescan: F,
    ) -> Result<Vec<NonceGap>>
    where
        F: FnMut(u64, u64) -> Fut,
        Fut: Future<Output = Result<super::Emitted>>,
    {
        self.last_check = Some(Instant::now());
        let labels = vec![("chain", self.chain.clone())];
        let gaps = store
            .nonce_gaps(self.origin, self.low_water, GAPS_PER_CHECK)
            .await?;
        let Some(first) = gaps.first() else {
            if let Some(max) = store.max_nonce(self.origin).await? {
                self.low_water = max;
            }
            self.next_rescan.clear();
            metrics.indexer_nonce_gap.get_or_create(&labels).set(0);
            return Ok(gaps);
        };
        // Everything below the first gap is contiguous.
        self.low_water = first.first.saturating_sub(1);
        let now = Instant::now();
        self.next_rescan
            .retain(|nonce, _| gaps.iter().any(|g| g.first == *nonce));
        for gap in &gaps {
            if self.next_rescan.get(&gap.first).is_some_and(|at| *at > now) {
                continue;
            }
            metrics.indexer_rescans.get_or_create(&labels).inc();
            let found = rescan(gap.from_height, gap.to_height).await?;
            let wanted: Vec<NewMessage> = found
                .messages
                .into_iter()
                .filter(|m| (gap.first..=gap.last).contains(&m.message.nonce))
                .collect();
            // The payments of those blocks too: a node that left out a message's log may
            // have left out its GasPaid as well (each is recorded once).
            let recovered = store.record_found(&wanted, &found.payments).await?;
            tracing::warn!(
                chain = %self.chain,
                first = gap.first,
                last = gap.last,
                from = gap.from_height,
                to = gap.to_height,
                recovered,
                "nonce gap: read the blocks between its neighbours again"
            );
            self.next_rescan.insert(gap.first, now + RESCAN_BACKOFF);
        }
        let open = store
            .nonce_gaps(self.origin, self.low_water, GAPS_PER_CHECK)
            .await?;
        let missing: u64 = open.iter().map(NonceGap::len).sum();
        metrics
            .indexer_nonce_gap
            .get_or_create(&labels)
            .set(i64::try_from(missing).unwrap_or(i64::MAX));
        if !open.is_empty() {
            tracing::error!(
                chain = %self.chain,
                missing,
                gaps = ?open,
                "messages missing from the origin bridge's nonce sequence; they will be read again"
            );
        }
        Ok(open)
    }
}
