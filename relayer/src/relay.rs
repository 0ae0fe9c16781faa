//! The relayer role: one worker per destination chain ([`worker`], the same for every chain
//! kind) moves messages through `pending` (collect attestations until the route's threshold)
//! -> `ready` (submit: on an EVM chain `deliver`, or `deliverBatch` for several; on Solana,
//! [`solana`]) -> `submitted` (confirm on the destination) -> `delivered`, or `queued`
//! (timelock or rate limit) -> execute when executable -> `delivered` or `cancelled`.
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
pub mod fees;
mod gas;
mod lane;
pub(crate) mod routes;
pub mod solana;
mod submit;
mod unstick;
pub(crate) mod worker;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use trestle_bridge_client::EvmBridge;
use trestle_evm::EvmSender;

use crate::config::{Config, RelayerConfig};
use crate::error::{Error, Result};
use crate::metrics::Metrics;
use crate::store::{MessageRecord, Store, now_ms};
use fees::FeeQuoter;
pub(crate) use lane::Attempts;
use lane::Lane;
pub(crate) use unstick::journal;
use worker::{Stage, Unit};

/// The worker of one destination chain.
#[derive(Debug)]
pub struct EvmDestination {
    /// What every destination worker holds: the destination, its routes, store, metrics.
    lane: Lane,
    /// The destination bridge contract, on the chain the sender sends to.
    contract: EvmBridge,
    sender: Arc<EvmSender>,
    /// Gas per message of recent delivery transactions ([`gas`]).
    learned: std::sync::Mutex<gas::LearnedGas>,
    /// The destination's block gas limit and when it was read.
    block_gas: std::sync::Mutex<Option<(u64, std::time::Instant)>>,
    /// The unsticker's view of the relayer's nonces on the destination ([`unstick`]).
    unstick: std::sync::Mutex<unstick::Watch>,
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

impl EvmDestination {
    /// One worker per destination chain that some route ends at. `senders` holds the
    /// relayer's sender on each chain (by name).
    pub fn for_config(
        config: &Config,
        settings: &RelayerConfig,
        senders: &BTreeMap<String, Arc<EvmSender>>,
        store: &Store,
        metrics: &Arc<Metrics>,
        worker: &str,
        fees: &Arc<FeeQuoter>,
    ) -> Result<Vec<EvmDestination>> {
        let mut out = Vec::new();
        for dest in &config.chains {
            let Some(evm) = dest.evm() else {
                continue; // a Solana destination has its own worker (`relay::solana`)
            };
            let lane = Lane::new(config, dest, settings, store, metrics, worker, fees)?;
            if lane.routes.is_empty() {
                continue;
            }
            let Some(sender) = senders.get(&dest.name) else {
                continue;
            };
            out.push(EvmDestination {
                lane,
                contract: EvmBridge::new(sender.chain().clone(), evm.bridge),
                sender: sender.clone(),
                learned: std::sync::Mutex::default(),
                block_gas: std::sync::Mutex::default(),
                unstick: std::sync::Mutex::default(),
            });
        }
        Ok(out)
    }

    /// Works the queues until shutdown ([`worker::run`]).
    pub async fn run(self, shutdown: watch::Receiver<bool>) {
        worker::run(self, shutdown).await;
    }
}

impl worker::Destination for EvmDestination {
    fn lane(&self) -> &Lane {
        &self.lane
    }

    /// Every stage by pass: one transaction delivers a batch, a confirm pass reads each
    /// transaction's receipt once for all its messages, and an execute pass sends its
    /// `executeQueued` one after another, each after the one before was mined (each takes
    /// from the inbound bucket: checked against `latest` while others were unmined, they
    /// would revert and be counted as failed attempts).
    fn unit(&self, _stage: Stage) -> Unit {
        Unit::Pass
    }

    async fn room(&self, stage: Stage) -> u32 {
        let batch_size = self.lane.settings.batch_size.max(1);
        let messages = match stage {
            Stage::Submit => batch_size.saturating_mul(self.batches_room().await),
            _ => batch_size
                .saturating_mul(BATCHES_PER_PASS)
                .max(confirm::CONFIRM_CLAIM),
        };
        u32::try_from(messages).unwrap_or(u32::MAX)
    }

    async fn submit(&self, records: Vec<MessageRecord>) -> bool {
        self.submit_pass(records).await
    }

    async fn confirm(&self, records: Vec<MessageRecord>) -> bool {
        self.confirm_pass(records).await
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
