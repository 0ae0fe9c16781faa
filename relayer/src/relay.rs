//! The relayer role: one worker per destination chain moves messages through
//! `pending` (collect attestations until the route's threshold) -> `ready` (submit `deliver`,
//! or `deliverBatch` for several) -> `submitted` (confirm on the destination) -> `delivered`,
//! or `queued` (timelock or rate limit) -> execute when executable -> `delivered`.
//!
//! Work is claimed from the store (so several instances on one PostgreSQL share it), every
//! state change is persisted before the next step acts, a failing message is retried with
//! exponential backoff and jitter up to the retry cap and never blocks the others.

mod ask;
pub(crate) mod collect;
mod concurrent;
mod confirm;
pub(crate) mod destination;
mod execute;
mod gas;
mod lane;
pub(crate) mod routes;
pub mod solana;
mod submit;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::watch;
use trestle_bridge_client::EvmBridge;
use trestle_evm::EvmSender;

use crate::config::{Config, RelayerConfig};
use crate::error::{Error, Result};
use crate::metrics::Metrics;
use crate::store::{MessageState, Store, now_ms};
pub(crate) use lane::Attempts;
use lane::Lane;

/// The worker of one destination chain.
#[derive(Debug)]
pub struct Destination {
    /// What every destination worker holds: the destination, its routes, store, metrics.
    lane: Lane,
    /// The destination bridge contract, on the chain the sender sends to.
    contract: EvmBridge,
    sender: Arc<EvmSender>,
    /// Set by a collect pass that left recently indexed messages waiting for attestations:
    /// the worker then pauses `attestation_poll_ms` instead of a whole tick.
    waiting: AtomicBool,
    /// Wake-ups from one stage's loop to the next ([`Destination::run`]).
    kicks: Kicks,
    /// Gas per message of recent delivery transactions ([`gas`]).
    learned: std::sync::Mutex<gas::LearnedGas>,
}

/// The stages of a destination worker, each run as its own loop by [`Destination::run`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Collect,
    Submit,
    Confirm,
    Execute,
}

/// A stage's loop is woken when the stage before it moved messages its way.
#[derive(Debug, Default)]
struct Kicks {
    submit: tokio::sync::Notify,
    confirm: tokio::sync::Notify,
}

/// How long a claimed message stays with the worker that claimed it, in every destination
/// worker: longer than one message's step (a Solana landing with staged signatures, a
/// `deliverBatch` sent and recorded), so that another instance sharing the store does not take
/// up a message still being worked on. (An EVM execute pass works through its queued
/// transfers one after another and can outlast it; a second `executeQueued` is refused by the
/// bridge.) A daemon that stopped without giving its claims back holds them this long: on a
/// shared PostgreSQL store another instance waits that long for them; an embedded SQLite
/// store is released when the daemon starts again.
pub(crate) const CLAIM_LEASE: Duration = Duration::from_secs(300);

/// The most `deliver`/`deliverBatch` transactions one submit pass sends (of `batch_size`
/// messages each), concurrently and without waiting for earlier ones to be mined: the
/// sender's nonce manager gives each its own nonce, and each is recorded as soon as it is
/// sent. The confirm step claims as many messages per pass.
pub(super) const BATCHES_PER_PASS: usize = 4;

impl Destination {
    /// One worker per destination chain that some route ends at. `senders` holds the
    /// relayer's sender on each chain (by name).
    pub fn for_config(
        config: &Config,
        settings: &RelayerConfig,
        senders: &BTreeMap<String, Arc<EvmSender>>,
        store: &Store,
        metrics: &Arc<Metrics>,
        worker: &str,
    ) -> Result<Vec<Destination>> {
        let mut out = Vec::new();
        for dest in &config.chains {
            let Some(evm) = dest.evm() else {
                continue; // a Solana destination has its own worker (`relay::solana`)
            };
            let lane = Lane::new(config, dest, settings, store, metrics, worker)?;
            if lane.routes.is_empty() {
                continue;
            }
            let Some(sender) = senders.get(&dest.name) else {
                continue;
            };
            out.push(Destination {
                lane,
                contract: EvmBridge::new(sender.chain().clone(), evm.bridge),
                sender: sender.clone(),
                waiting: AtomicBool::new(false),
                kicks: Kicks::default(),
                learned: std::sync::Mutex::default(),
            });
        }
        Ok(out)
    }

    /// Works the queues until shutdown. Each stage runs as its own loop, so that collecting
    /// the next messages' attestations, sending the ready ones and confirming the sent ones
    /// overlap instead of waiting for each other (the states they claim are disjoint). A
    /// stage goes again at once while it moves work; when idle it waits one tick
    /// (`poll_interval_ms`), or until the stage before it hands it work, or, for collect,
    /// `attestation_poll_ms` while recently indexed messages wait for attestations or until
    /// this process's indexer records new messages. The validator sets and the sender's
    /// balance are refreshed every tick and every 30 ticks.
    pub async fn run(self, shutdown: watch::Receiver<bool>) {
        // The sets the destination holds now (a rotation while the daemon was down), before
        // any stage uses them.
        self.lane.refresh_sets(&self).await;
        let this = Arc::new(self);
        tokio::join!(
            this.clone().stage_loop(Stage::Collect, shutdown.clone()),
            this.clone().stage_loop(Stage::Submit, shutdown.clone()),
            this.clone().stage_loop(Stage::Confirm, shutdown.clone()),
            this.clone().stage_loop(Stage::Execute, shutdown.clone()),
            this.lane.housekeeping(&*this, shutdown),
        );
    }

    async fn stage_loop(self: Arc<Self>, stage: Stage, mut shutdown: watch::Receiver<bool>) {
        let tick = self.lane.tick();
        let soon = Duration::from_millis(self.lane.settings.attestation_poll_ms).min(tick);
        let mut indexed = self.lane.store.indexed_signal();
        let kick = match stage {
            Stage::Submit => Some(&self.kicks.submit),
            Stage::Confirm => Some(&self.kicks.confirm),
            Stage::Collect | Stage::Execute => None,
        };
        loop {
            let started = std::time::Instant::now();
            let worked = match stage {
                Stage::Collect => {
                    let moved = self.stage_collect().await;
                    if moved {
                        self.kicks.submit.notify_one();
                    }
                    moved
                }
                Stage::Submit => {
                    let moved = self.stage_submit().await;
                    if moved {
                        self.kicks.confirm.notify_one();
                    }
                    moved
                }
                Stage::Confirm => self.stage_confirm().await,
                Stage::Execute => self.stage_execute().await,
            };
            if *shutdown.borrow() {
                return;
            }
            if worked {
                tracing::debug!(destination = %self.lane.name, stage = ?stage, elapsed_ms = started.elapsed().as_millis() as u64, "stage pass moved messages");
                // Let the other stages' tasks in between passes.
                tokio::task::yield_now().await;
                continue;
            }
            let idle = if stage == Stage::Collect && self.waiting.swap(false, Ordering::Relaxed) {
                soon
            } else {
                tick
            };
            let handed = async {
                match kick {
                    Some(kick) => kick.notified().await,
                    None => std::future::pending().await,
                }
            };
            let new_messages = async {
                if stage == Stage::Collect {
                    if indexed.changed().await.is_err() {
                        std::future::pending::<()>().await;
                    }
                } else {
                    std::future::pending::<()>().await;
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(idle) => {}
                () = handed => {}
                () = new_messages => {}
                _ = shutdown.changed() => return,
            }
        }
    }

    /// Claims pending messages and collects their attestations ([`Lane::collect`]).
    async fn stage_collect(&self) -> bool {
        let limit = collect::claim_limit(self.lane.settings.batch_size, BATCHES_PER_PASS);
        let records = self.lane.claim(MessageState::Pending, limit).await;
        let collected = self.lane.collect(records).await;
        if collected.waiting {
            self.waiting.store(true, Ordering::Relaxed);
        }
        collected.moved
    }
}

/// The error for a concurrent request whose task ended without an answer.
fn task_ended(what: &str) -> Error {
    Error::Io {
        what: format!("the {what} request"),
        source: std::io::Error::other("its task ended without an answer"),
    }
}

/// `initial * 2^attempts`, capped at `max`, with ±25% jitter derived from the message id and
/// the clock (so that messages failing together do not retry together).
pub fn backoff(attempts: u64, initial_ms: u64, max_ms: u64, id: &[u8; 32]) -> Duration {
    let exp = u32::try_from(attempts.min(32)).unwrap_or(32);
    let base = initial_ms.saturating_mul(1u64 << exp).min(max_ms).max(1);
    let mut seed = u64::from_le_bytes(id.first_chunk::<8>().copied().unwrap_or([0; 8]));
    seed ^= u64::try_from(now_ms())
        .unwrap_or(0)
        .wrapping_mul(0x9e37_79b9_7f4a_7c15);
    seed ^= seed >> 33;
    seed = seed.wrapping_mul(0xff51_afd7_ed55_8ccd);
    seed ^= seed >> 33;
    let quarter = base / 4;
    let jitter = if quarter == 0 {
        0
    } else {
        seed % (2 * quarter + 1)
    };
    Duration::from_millis(base - quarter + jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_jitter_and_caps() {
        for attempts in 0..6u64 {
            let base = 1_000u64 << attempts;
            for i in 0..20u8 {
                let d = backoff(attempts, 1_000, 1_000_000, &[i; 32]).as_millis() as u64;
                assert!(d >= base * 3 / 4 && d <= base * 5 / 4, "{attempts}: {d}");
            }
        }
        let d = backoff(40, 1_000, 60_000, &[1; 32]).as_millis() as u64;
        assert!((45_000..=75_000).contains(&d));
        assert!(backoff(0, 1, 1, &[0; 32]) >= Duration::from_millis(1));
    }
}
