//! Prometheus metrics of the daemon, with bounded label sets (chain, destination, state,
//! reason). Every chain is labelled by its configured name, never its domain number.
//!
//! The metrics also keep what `/readyz` judges the daemon by: when each indexer last read its
//! chain successfully ([`Metrics::watch_indexer`], [`Metrics::stale_indexers`]).

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use trestle_evm::EvmChain;

use crate::store::{MessageState, Store, now_ms};

type Labels = Vec<(&'static str, String)>;

/// Every metric the daemon exports.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// Indexer cursor height, by chain.
    pub indexed_height: Family<Labels, Gauge>,
    /// Final height minus cursor height, by chain.
    pub indexer_lag: Family<Labels, Gauge>,
    /// Transactions an indexer skipped because they could not be parsed, by chain.
    pub indexer_unparseable: Family<Labels, Counter>,
    /// Nonces missing from an origin's sequence after the last check, by chain.
    pub indexer_nonce_gap: Family<Labels, Gauge>,
    /// Re-reads of the blocks around a nonce gap, by chain.
    pub indexer_rescans: Family<Labels, Counter>,
    /// Messages by destination and state (refreshed from the store at each scrape).
    pub queue_depth: Family<Labels, Gauge>,
    /// Attestations this validator signed.
    pub attestations_signed: Counter,
    /// Messages a validator's endpoints disagreed on (some found the message as recorded,
    /// some answered that it is not there), by origin chain.
    pub validator_disagreements: Family<Labels, Counter>,
    /// Signatures collected from validators, by origin chain.
    pub signatures_collected: Family<Labels, Counter>,
    /// Messages delivered, by destination chain.
    pub deliveries: Family<Labels, Counter>,
    /// Failures, by stage and reason.
    pub failures: Family<Labels, Counter>,
    /// Seconds from first seen to delivered.
    pub delivery_latency: Histogram,
    /// Native balance of the relayer's wallet on each destination, in ether.
    pub wallet_balance: Family<Labels, Gauge<f64, AtomicU64>>,
    /// 1 while the destination's bridge is paused (deliveries wait, burning no attempt),
    /// else 0, by destination chain.
    pub destination_paused: Family<Labels, Gauge>,
    /// What the relayer did about a stuck nonce of its own on a destination (a transaction
    /// unmined past twice `replace_after_ms` that no stage was following), by destination
    /// chain and action (`replaced`, `rebroadcast`, `cancelled`).
    pub stuck_transactions: Family<Labels, Counter>,
    /// 1 while the relayer's wallet on a destination holds less than the chain's
    /// `low_balance`, else 0 (only for chains with `low_balance` set).
    pub wallet_balance_low: Family<Labels, Gauge>,
    /// Delivery fees paid on origins (at sends and top-ups) as this daemon indexed them, in
    /// the origin's native token, by origin and destination domain.
    pub fees_paid: Family<Labels, Counter<f64, AtomicU64>>,
    /// What this relayer's deliveries cost it on the destination, in the destination's
    /// native token, by origin and destination domain: on EVM a delivery transaction's fee
    /// shared by the messages it delivered; on Solana the fee (`meta.fee`, no rent) of every
    /// transaction landed for a message (`deliver`, `post_signatures`, `execute_queued`).
    pub delivery_cost: Family<Labels, Counter<f64, AtomicU64>>,
    /// Signature sets the relayer staged on a Solana destination and closed (their rent back)
    /// outside a `deliver`, by destination chain.
    pub solana_signature_sets_closed: Family<Labels, Counter>,
    /// 1 while an RPC endpoint of a chain answers the daemon's calls, 0 after a call to it
    /// failed (until one succeeds), by chain and endpoint (redacted: scheme, host, port).
    pub rpc_up: Family<Labels, Gauge>,
    /// Seconds since each indexer's last successful read of its chain, by chain (refreshed
    /// at each scrape).
    pub indexer_last_read_age: Family<Labels, Gauge<f64, AtomicU64>>,
    /// Chain names by domain, for the labels of metrics that are kept by domain.
    names: BTreeMap<u32, String>,
    /// The EVM chains whose endpoints' health `rpc_up` shows (read at each scrape).
    pools: Mutex<Vec<(String, Arc<EvmChain>)>>,
    /// Each indexer's last successful read, by chain.
    reads: Mutex<BTreeMap<String, LastRead>>,
}

/// When an indexer last read its chain successfully, and how old that may get before the
/// daemon is not ready.
#[derive(Debug, Clone, Copy)]
struct LastRead {
    at: Instant,
    bound: Duration,
}

/// An indexer whose last successful read is older than this is stale: three of its poll
/// intervals plus [`READ_SLACK`].
pub fn stale_after(poll_interval: Duration) -> Duration {
    poll_interval.saturating_mul(3).saturating_add(READ_SLACK)
}

/// What [`stale_after`] adds to the poll intervals: a read that is slow but succeeds (a large
/// range of logs, a busy provider) does not make the daemon unready.
pub const READ_SLACK: Duration = Duration::from_secs(5);

/// An indexer that has not read its chain successfully for longer than its bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleIndexer {
    /// The chain's name.
    pub chain: String,
    /// How long ago its last successful read was (or its start, before any).
    pub age: Duration,
    /// Its bound ([`stale_after`] of its poll interval).
    pub bound: Duration,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A registry with every metric registered under the `trestle_` prefix.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("trestle");
        let indexed_height = Family::<Labels, Gauge>::default();
        let indexer_lag = Family::<Labels, Gauge>::default();
        let indexer_unparseable = Family::<Labels, Counter>::default();
        let indexer_nonce_gap = Family::<Labels, Gauge>::default();
        let indexer_rescans = Family::<Labels, Counter>::default();
        let queue_depth = Family::<Labels, Gauge>::default();
        let attestations_signed = Counter::default();
        let validator_disagreements = Family::<Labels, Counter>::default();
        let signatures_collected = Family::<Labels, Counter>::default();
        let deliveries = Family::<Labels, Counter>::default();
        let failures = Family::<Labels, Counter>::default();
        let delivery_latency = Histogram::new(exponential_buckets(1.0, 2.0, 14));
        let wallet_balance = Family::<Labels, Gauge<f64, AtomicU64>>::default();
        let wallet_balance_low = Family::<Labels, Gauge>::default();
        let destination_paused = Family::<Labels, Gauge>::default();
        let stuck_transactions = Family::<Labels, Counter>::default();
        let fees_paid = Family::<Labels, Counter<f64, AtomicU64>>::default();
        let delivery_cost = Family::<Labels, Counter<f64, AtomicU64>>::default();
        let solana_signature_sets_closed = Family::<Labels, Counter>::default();
        let rpc_up = Family::<Labels, Gauge>::default();
        let indexer_last_read_age = Family::<Labels, Gauge<f64, AtomicU64>>::default();
        registry.register(
            "rpc_up",
            "1 while the chain's RPC endpoint answers the daemon's calls, 0 since a call to it failed",
            rpc_up.clone(),
        );
        registry.register(
            "indexer_last_read_age_seconds",
            "Seconds since the indexer's last successful read of its chain",
            indexer_last_read_age.clone(),
        );
        registry.register(
            "solana_signature_sets_closed",
            "Staged Solana signature sets the relayer closed to get their rent back",
            solana_signature_sets_closed.clone(),
        );
        registry.register(
            "fees_paid",
            "Delivery fees paid on origins (sends and top-ups), in the origin's native token",
            fees_paid.clone(),
        );
        registry.register(
            "delivery_cost",
            "What deliveries cost this relayer on the destination (transaction fees, not rent), in its native token",
            delivery_cost.clone(),
        );
        registry.register(
            "indexed_height",
            "Indexer cursor height",
            indexed_height.clone(),
        );
        registry.register(
            "indexer_lag_blocks",
            "Final height minus indexer cursor height",
            indexer_lag.clone(),
        );
        registry.register(
            "indexer_unparseable",
            "Origin transactions skipped because they could not be parsed",
            indexer_unparseable.clone(),
        );
        registry.register(
            "indexer_nonce_gap",
            "Nonces missing from an origin's message sequence",
            indexer_nonce_gap.clone(),
        );
        registry.register(
            "indexer_rescans",
            "Re-reads of the blocks around a nonce gap",
            indexer_rescans.clone(),
        );
        registry.register(
            "queue_depth",
            "Messages by destination and state",
            queue_depth.clone(),
        );
        registry.register(
            "attestations_signed",
            "Attestations this validator signed",
            attestations_signed.clone(),
        );
        registry.register(
            "validator_disagreements",
            "Messages the validator's RPC endpoints disagreed on",
            validator_disagreements.clone(),
        );
        registry.register(
            "signatures_collected",
            "Validator signatures collected by the relayer",
            signatures_collected.clone(),
        );
        registry.register("deliveries", "Messages delivered", deliveries.clone());
        registry.register("failures", "Failures by stage and reason", failures.clone());
        registry.register(
            "delivery_latency_seconds",
            "Seconds from first seen to delivered",
            delivery_latency.clone(),
        );
        registry.register(
            "wallet_balance_ether",
            "Native balance of the relayer wallet",
            wallet_balance.clone(),
        );
        registry.register(
            "stuck_transactions",
            "Stuck transactions of the relayer's own nonces it replaced, rebroadcast or cancelled",
            stuck_transactions.clone(),
        );
        registry.register(
            "destination_paused",
            "1 while the destination bridge is paused (deliveries wait)",
            destination_paused.clone(),
        );
        registry.register(
            "wallet_balance_low",
            "1 while the relayer wallet holds less than the chain's low_balance",
            wallet_balance_low.clone(),
        );
        Self {
            registry,
            indexed_height,
            indexer_lag,
            indexer_unparseable,
            indexer_nonce_gap,
            indexer_rescans,
            queue_depth,
            attestations_signed,
            validator_disagreements,
            signatures_collected,
            deliveries,
            failures,
            delivery_latency,
            wallet_balance,
            wallet_balance_low,
            destination_paused,
            stuck_transactions,
            fees_paid,
            delivery_cost,
            solana_signature_sets_closed,
            rpc_up,
            indexer_last_read_age,
            names: BTreeMap::new(),
            pools: Mutex::default(),
            reads: Mutex::default(),
        }
    }

    /// These metrics with the chains' names (domain, name): metrics kept by domain (queue
    /// depths, fees) are labelled with the name. An unknown domain is labelled with its
    /// number.
    pub fn with_chain_names(mut self, names: impl IntoIterator<Item = (u32, String)>) -> Self {
        self.names = names.into_iter().collect();
        self
    }

    /// The label of the chain with `domain`: its name, or the number if it has none.
    fn chain_label(&self, domain: u32) -> String {
        self.names
            .get(&domain)
            .cloned()
            .unwrap_or_else(|| domain.to_string())
    }

    /// Shows the health of `chain`'s endpoints in `rpc_up` at every scrape: an endpoint is
    /// up until a call of the daemon's to it fails, and again from its next success
    /// (`trestle_evm`'s pool keeps the count; every call an indexer, validator or relayer
    /// makes through `chain` goes through it).
    pub fn watch_rpc(&self, name: &str, chain: Arc<EvmChain>) {
        lock(&self.pools).push((name.to_owned(), chain));
    }

    /// Records a call to `endpoint` (already redacted) of `chain`: `ok` whether it answered.
    /// For chains whose client keeps no per-endpoint health of its own.
    pub fn rpc_call(&self, chain: &str, endpoint: &str, ok: bool) {
        self.rpc_up
            .get_or_create(&vec![
                ("chain", chain.to_owned()),
                ("endpoint", endpoint.to_owned()),
            ])
            .set(i64::from(ok));
    }

    /// Starts judging the indexer of `chain` for readiness: it is stale once its last
    /// successful read (counted from now until the first) is older than
    /// [`stale_after`]`(poll_interval)`.
    pub fn watch_indexer(&self, chain: &str, poll_interval: Duration) {
        lock(&self.reads).insert(
            chain.to_owned(),
            LastRead {
                at: Instant::now(),
                bound: stale_after(poll_interval),
            },
        );
    }

    /// Records a successful read of `chain` by its indexer (a chain not watched is ignored).
    pub fn indexer_read(&self, chain: &str) {
        if let Some(read) = lock(&self.reads).get_mut(chain) {
            read.at = Instant::now();
        }
    }

    /// The indexers whose last successful read is older than their bound, by chain name.
    pub fn stale_indexers(&self) -> Vec<StaleIndexer> {
        let now = Instant::now();
        lock(&self.reads)
            .iter()
            .map(|(chain, read)| StaleIndexer {
                chain: chain.clone(),
                age: now.saturating_duration_since(read.at),
                bound: read.bound,
            })
            .filter(|s| s.age > s.bound)
            .collect()
    }

    /// Records the relayer wallet's balance on `chain`: `units` base units (wei, lamports) of
    /// a native unit with `decimals` decimals. With a `low` threshold (base units), sets
    /// `wallet_balance_low` and logs once per crossing: a warning when the balance drops
    /// below it, an info when it is back at or above it.
    pub fn wallet_balance(&self, chain: &str, units: u128, decimals: u32, low: Option<u128>) {
        let scale = 10f64.powi(i32::try_from(decimals).unwrap_or(0));
        let label = vec![("chain", chain.to_owned())];
        self.wallet_balance
            .get_or_create(&label)
            .set(units as f64 / scale);
        let Some(low) = low else { return };
        let is_low = units < low;
        let was_low = self
            .wallet_balance_low
            .get_or_create(&label)
            .set(i64::from(is_low))
            == 1;
        let (balance, threshold) = (units as f64 / scale, low as f64 / scale);
        if is_low && !was_low {
            tracing::warn!(
                chain,
                balance,
                low_balance = threshold,
                "relayer wallet balance is below low_balance; top it up"
            );
        } else if was_low && !is_low {
            tracing::info!(
                chain,
                balance,
                low_balance = threshold,
                "relayer wallet balance is back above low_balance"
            );
        }
    }

    /// Adds `units` (base units with `decimals` places) to the fees paid on route
    /// `origin` -> `destination` (domains).
    pub fn fee_paid(&self, origin: u32, destination: u32, units: u128, decimals: u32) {
        self.fees_paid
            .get_or_create(&self.route_labels(origin, destination))
            .inc_by(units as f64 / 10f64.powi(i32::try_from(decimals).unwrap_or(0)));
    }

    /// Adds `units` (base units with `decimals` places) to what delivering on route
    /// `origin` -> `destination` (domains) cost.
    pub fn delivery_cost(&self, origin: u32, destination: u32, units: u128, decimals: u32) {
        self.delivery_cost
            .get_or_create(&self.route_labels(origin, destination))
            .inc_by(units as f64 / 10f64.powi(i32::try_from(decimals).unwrap_or(0)));
    }

    /// Counts a message delivered on `destination` and observes its latency from
    /// `created_at_ms` (when it was indexed).
    pub fn delivered(&self, destination: &str, created_at_ms: i64) {
        self.deliveries
            .get_or_create(&vec![("destination", destination.to_owned())])
            .inc();
        let seconds = (now_ms().saturating_sub(created_at_ms)) as f64 / 1000.0;
        self.delivery_latency.observe(seconds.max(0.0));
    }

    /// Counts an `action` (`replaced`, `rebroadcast`, `cancelled`) on a stuck transaction of
    /// the relayer's on `destination`.
    pub fn stuck_transaction(&self, destination: &str, action: &'static str) {
        self.stuck_transactions
            .get_or_create(&vec![
                ("destination", destination.to_owned()),
                ("action", action.to_owned()),
            ])
            .inc();
    }

    /// Counts a staged signature set closed on the Solana chain `destination`.
    pub fn signature_set_closed(&self, destination: &str) {
        self.solana_signature_sets_closed
            .get_or_create(&vec![("destination", destination.to_owned())])
            .inc();
    }

    /// Counts a failure at `stage` (index, attest, collect, submit, confirm, execute) for a
    /// bounded `reason` (retryable, permanent, equivocation, not_found, reverted, ...).
    pub fn failure(&self, stage: &'static str, reason: &'static str) {
        self.failures
            .get_or_create(&vec![
                ("stage", stage.to_owned()),
                ("reason", reason.to_owned()),
            ])
            .inc();
    }

    /// The text exposition, after refreshing the queue depths from the store, the endpoints'
    /// health and the indexers' read ages.
    pub async fn render(&self, store: &Store) -> String {
        for (name, chain) in lock(&self.pools).iter() {
            for endpoint in chain.pool().endpoints() {
                self.rpc_call(name, &endpoint.endpoint, endpoint.consecutive_failures == 0);
            }
        }
        let now = Instant::now();
        for (chain, read) in lock(&self.reads).iter() {
            self.indexer_last_read_age
                .get_or_create(&vec![("chain", chain.clone())])
                .set(now.saturating_duration_since(read.at).as_secs_f64());
        }
        if let Ok(counts) = store.counts().await {
            self.queue_depth.clear();
            for c in counts {
                if matches!(
                    c.state,
                    MessageState::Delivered | MessageState::Cancelled | MessageState::Signed
                ) {
                    continue;
                }
                self.queue_depth
                    .get_or_create(&vec![
                        ("destination", self.chain_label(c.destination)),
                        ("state", c.state.as_str().to_owned()),
                    ])
                    .set(i64::try_from(c.count).unwrap_or(i64::MAX));
            }
        }
        let mut out = String::new();
        if encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

impl Metrics {
    /// The labels of a route's metrics: its origin and destination chains' names.
    fn route_labels(&self, origin: u32, destination: u32) -> Labels {
        vec![
            ("origin", self.chain_label(origin)),
            ("destination", self.chain_label(destination)),
        ]
    }
}

/// The data behind `mutex`, even if a thread panicked holding it (nothing it guards can be
/// left half-written: each is replaced or pushed whole).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
