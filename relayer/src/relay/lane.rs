//! What every destination worker holds and does the same way, whatever the chain kind
//! ([`Lane`]): its claims on the store (one lease, [`super::CLAIM_LEASE`]), its failed attempts
//! (one retry policy, [`Attempts`]), what it records once the destination settled a message
//! ([`Ledger`]), the collect pass, the routes with the sets the destination holds (read once a
//! tick) and the relayer's balance there. A chain kind's worker adds only what its chain
//! needs: the EVM worker (`relay.rs`) a sender and its batches, the Solana worker
//! (`relay/solana.rs`) a payer and its landings.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::watch;
use trestle_core::chain::UniversalAddress;

use super::collect::Collect;
use super::destination::{DestinationBridge, Ledger};
use super::fees::FeeQuoter;
use super::routes::{Route, Routes};
use super::{CLAIM_LEASE, backoff};
use crate::config::{ChainConfig, Config, RelayerConfig};
use crate::error::{Error, Result};
use crate::metrics::Metrics;
use crate::store::{MessageRecord, MessageState, Store};

/// The most `underpaid` messages one housekeeping tick sends back to be weighed again: well
/// under a collect pass's claim, so that paid messages always find room beside them.
const UNDERPAID_WAKE: u32 = 8;

/// A destination worker's share of the daemon: the destination, the routes into it, the
/// store, the metrics and the settings.
#[derive(Debug)]
pub(crate) struct Lane {
    /// This worker's name in row claims (`WORKER/CHAIN`).
    pub(crate) worker: String,
    /// The destination's domain.
    pub(crate) domain: u32,
    /// The destination's name (logs, metrics).
    pub(crate) name: String,
    /// The destination's bridge as attestations name it (`destination_bridge`).
    pub(crate) bridge: UniversalAddress,
    /// The routes into the destination, with the sets it holds.
    pub(crate) routes: Routes,
    /// The relayer's settings.
    pub(crate) settings: RelayerConfig,
    /// The relayer's store.
    pub(crate) store: Store,
    /// The daemon's metrics.
    pub(crate) metrics: Arc<Metrics>,
    /// Set by a collect pass that left recently indexed messages waiting for attestations:
    /// the collect stage then pauses `attestation_poll_ms` instead of a whole tick.
    pub(crate) waiting: AtomicBool,
    /// Whether the destination's bridge was paused when last read: the submit and execute
    /// stages then take no message (they would revert) and failures burn no attempt.
    paused: AtomicBool,
    /// The client the validators are asked with.
    http: reqwest::Client,
    /// The origins' delivery fees (shared by every lane of the daemon).
    fees: Arc<FeeQuoter>,

    /// The chain's `low_balance`, in base units.
    low_balance: Option<u128>,
}

impl Lane {
    /// The lane of the worker of `chain` (a destination of some route), named after `worker`,
    /// weighing the routes' fee policies with `fees`.
    pub(crate) fn new(
        config: &Config,
        chain: &ChainConfig,
        settings: &RelayerConfig,
        store: &Store,
        metrics: &Arc<Metrics>,
        worker: &str,
        fees: &Arc<FeeQuoter>,
    ) -> Result<Self> {
        Ok(Self {
            fees: fees.clone(),
            worker: format!("{worker}/{}", chain.name),
            domain: chain.domain,
            name: chain.name.clone(),
            bridge: chain.bridge_address(),
            routes: Routes::for_destination(config, chain)?,
            settings: settings.clone(),
            store: store.clone(),
            metrics: metrics.clone(),
            // Short timeouts: an unreachable validator must not hold up the queue. No
            // redirects: a validator's endpoint answers itself or not at all (a redirect could
            // point the relayer anywhere, another validator's endpoint included).
            http: reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(2))
                .timeout(Duration::from_secs(5))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| Error::Io {
                    what: "building the HTTP client".into(),
                    source: std::io::Error::other(e),
                })?,
            low_balance: chain.low_balance_units(),

            waiting: AtomicBool::new(false),
            paused: AtomicBool::new(false),
        })
    }

    /// How often the worker works its queues when idle (`relayer.poll_interval_ms`).
    pub(crate) fn tick(&self) -> Duration {
        Duration::from_millis(self.settings.poll_interval_ms)
    }

    /// The route from `origin` as it is now.
    pub(crate) fn route(&self, origin: u32) -> Result<Route> {
        self.routes.get(origin)
    }

    /// Claims up to `limit` due messages in `state` for this worker, for [`CLAIM_LEASE`];
    /// none when the store cannot be read (logged).
    pub(crate) async fn claim(&self, state: MessageState, limit: u32) -> Vec<MessageRecord> {
        match self
            .store
            .claim(self.domain, state, &self.worker, CLAIM_LEASE, limit)
            .await
        {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(destination = %self.name, error = %e, "cannot claim work");
                Vec::new()
            }
        }
    }

    /// Puts a claimed message back in `state` for `delay`, without counting a failure.
    pub(crate) async fn defer(&self, record: &MessageRecord, state: MessageState, delay: Duration) {
        if let Err(e) = self.store.defer(&record.id, state, delay).await {
            tracing::warn!(error = %e, "cannot defer message");
        }
    }

    /// Where failed attempts are recorded.
    pub(crate) fn attempts(&self) -> Attempts<'_> {
        Attempts {
            store: &self.store,
            metrics: &self.metrics,
            settings: &self.settings,
            destination: &self.name,
        }
    }

    /// Whether the destination's bridge was paused when last read ([`Lane::refresh_paused`]).
    pub(crate) fn is_paused(&self) -> bool {
        self.paused.load(Ordering::Relaxed)
    }

    /// Reads whether the destination's bridge is paused; logs and counts each change. While
    /// it is, deliveries and executions wait without burning attempts; they resume by
    /// themselves once it is unpaused. A bridge that cannot be read keeps the last answer.
    pub(crate) async fn refresh_paused(&self, bridge: &impl DestinationBridge) {
        let paused = match bridge.paused().await {
            Ok(paused) => paused,
            Err(e) => {
                tracing::debug!(destination = %self.name, error = %e, "cannot read whether the bridge is paused");
                return;
            }
        };
        if self.paused.swap(paused, Ordering::Relaxed) != paused {
            if paused {
                tracing::warn!(destination = %self.name, "the destination bridge is paused; deliveries wait until it is unpaused");
            } else {
                tracing::info!(destination = %self.name, "the destination bridge is unpaused; deliveries resume");
            }
        }
        self.metrics
            .destination_paused
            .get_or_create(&vec![("chain", self.name.clone())])
            .set(i64::from(paused));
    }

    /// Records a failed attempt of `record` in `state` at `stage`, with backoff. A message
    /// that failed while `submitted` goes back to `ready` first (submit checks the destination
    /// before it sends anything again); if it is no longer there, nothing is recorded. While
    /// the destination is paused the failure (most likely the pause's revert) is not counted:
    /// the message waits a tick.
    pub(crate) async fn fail(
        &self,
        record: &MessageRecord,
        state: MessageState,
        stage: &'static str,
        e: &Error,
    ) {
        let mut state = state;
        if state == MessageState::Submitted {
            match self
                .store
                .transition(
                    &record.id,
                    state,
                    MessageState::Ready,
                    Some(&self.worker),
                    None,
                )
                .await
            {
                Ok(true) => state = MessageState::Ready,
                _ => return,
            }
        }
        if self.is_paused() {
            tracing::debug!(destination = %self.name, stage, error = %e, "attempt failed while the destination is paused; not counted");
            self.defer(record, state, self.tick()).await;
            return;
        }
        self.attempts().failed(record, state, stage, e).await;
    }

    /// Persists the outcome of one step of `record` in `state`: moved on (returns true), not
    /// yet (deferred `delay`), or a failed attempt ([`Lane::fail`]).
    pub(crate) async fn outcome(
        &self,
        record: &MessageRecord,
        state: MessageState,
        stage: &'static str,
        outcome: Result<bool>,
        delay: Duration,
    ) -> bool {
        match outcome {
            Ok(true) => true,
            Ok(false) => {
                self.defer(record, state, delay).await;
                false
            }
            Err(e) => {
                self.fail(record, state, stage, &e).await;
                false
            }
        }
    }

    /// `ready` -> `pending`: the destination's set changed since `record`'s attestations were
    /// collected (a rotation); they are collected again for the new set. Returns whether it
    /// moved.
    pub(crate) async fn recollect(&self, record: &MessageRecord) -> Result<bool> {
        tracing::info!(destination = %self.name, id = %hex::encode(record.id), "the validator set changed; collecting attestations again");
        self.store
            .transition(
                &record.id,
                MessageState::Ready,
                MessageState::Pending,
                Some(&self.worker),
                None,
            )
            .await
    }

    /// Where settled messages are recorded.
    pub(crate) fn ledger(&self) -> Ledger<'_> {
        Ledger {
            store: &self.store,
            metrics: &self.metrics,
            worker: &self.worker,
            destination: &self.name,
        }
    }

    /// Collects the attestations of claimed `pending` messages ([`Collect`]); returns whether
    /// any moved on.
    pub(crate) async fn collect(&self, records: Vec<MessageRecord>) -> bool {
        let collected = Collect {
            domain: self.domain,
            bridge: self.bridge,
            routes: &self.routes,
            http: &self.http,
            attempts: self.attempts(),
            worker: &self.worker,
            fees: &self.fees,
        }
        .pass(records)
        .await;
        if collected.waiting {
            self.waiting.store(true, Ordering::Relaxed);
        }
        collected.moved
    }

    /// Reads the set the destination holds for every route's origin and adopts it when it
    /// differs (a rotation through the admin timelock): attestations are then collected for
    /// its epoch from its members ([`Routes::refresh`]).
    pub(crate) async fn refresh_sets(&self, bridge: &impl DestinationBridge) {
        self.routes.refresh(bridge).await;
    }

    /// Reads the relayer's balance on the destination into the metrics (a warning when it
    /// drops below `low_balance`).
    pub(crate) async fn refresh_balance(&self, bridge: &impl DestinationBridge) {
        match bridge.balance().await {
            Ok((units, decimals)) => {
                self.metrics
                    .wallet_balance(&self.name, units, decimals, self.low_balance);
            }
            Err(e) => {
                tracing::debug!(destination = %self.name, error = %e, "cannot read the relayer's balance");
            }
        }
    }

    /// Re-reads whether the destination is paused and its validator sets every tick, and the
    /// relayer's balance every 30 ticks, until shutdown.
    pub(crate) async fn housekeeping(
        &self,
        bridge: &impl DestinationBridge,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let mut ticks: u64 = 0;
        loop {
            self.refresh_paused(bridge).await;
            self.refresh_sets(bridge).await;
            bridge.unstick().await;
            if ticks.is_multiple_of(30) {
                self.refresh_balance(bridge).await;
            }
            match self.store.wake_underpaid(self.domain, UNDERPAID_WAKE).await {
                Ok(0) => {}
                Ok(n) => {
                    tracing::debug!(destination = %self.name, messages = n, "underpaid messages weighed again")
                }
                Err(e) => {
                    tracing::warn!(destination = %self.name, error = %e, "cannot wake underpaid messages")
                }
            }
            ticks = ticks.wrapping_add(1);
            if crate::daemon::pause(&mut shutdown, self.tick()).await {
                return;
            }
        }
    }
}

/// Where a destination worker records its messages' failed attempts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Attempts<'a> {
    /// The relayer's store.
    pub(crate) store: &'a Store,
    /// The daemon's metrics.
    pub(crate) metrics: &'a Metrics,
    /// Backoff and retry cap.
    pub(crate) settings: &'a RelayerConfig,
    /// The destination chain's name (for logs).
    pub(crate) destination: &'a str,
}

impl Attempts<'_> {
    /// Records a failed attempt of `record` in `state` at `stage`: counts it by reason, logs
    /// it, and stores it with exponential backoff and jitter; at the retry cap the message is
    /// parked as failed.
    pub(crate) async fn failed(
        &self,
        record: &MessageRecord,
        state: MessageState,
        stage: &'static str,
        e: &Error,
    ) {
        let reason = if e.is_retryable() {
            "retryable"
        } else {
            "permanent"
        };
        self.metrics.failure(stage, reason);
        let delay = backoff(
            record.attempts,
            self.settings.backoff_initial_ms,
            self.settings.backoff_max_ms,
            &record.id,
        );
        tracing::warn!(destination = %self.destination, nonce = record.nonce, origin = record.origin, stage, error = %trestle_core::redact::scrub_urls(&e.to_string()), retry_in_ms = delay.as_millis() as u64, "message attempt failed");
        match self
            .store
            .record_failure(
                &record.id,
                state,
                &e.to_string(),
                delay,
                self.settings.max_attempts,
            )
            .await
        {
            Ok(Some(MessageState::Failed)) => {
                tracing::error!(destination = %self.destination, id = %hex::encode(record.id), "retry cap reached; message parked as failed");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "cannot record failure"),
        }
    }
}
