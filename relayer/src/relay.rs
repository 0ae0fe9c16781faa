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
mod gas;
pub(crate) mod routes;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::watch;
use trestle_bridge::body::KIND_TOKEN_TRANSFER;
use trestle_bridge_client::{DeliveryStatus, EvmBridge};
use trestle_core::chain::{Chain, UniversalAddress};
use trestle_core::evm::EvmAddress;
use trestle_core::evm::TypedTransaction;
use trestle_evm::{EvmChain, EvmSender, Fees, PendingTx, TxRequest};

use crate::config::{BatchGas, Config, RelayerConfig};
use crate::error::{Error, Result};
use crate::metrics::Metrics;
use crate::remote_set::DestinationSet;
use crate::store::{MessageRecord, MessageState, SignatureRecord, Store, Submission, now_ms};
use routes::{Route, Routes};

/// The worker of one destination chain.
#[derive(Debug)]
pub struct Destination {
    worker: String,
    domain: u32,
    name: String,
    bridge: EvmAddress,
    chain: Arc<EvmChain>,
    /// The destination bridge contract on `chain`.
    contract: EvmBridge,
    sender: Arc<EvmSender>,
    /// The routes into this chain; their sets follow the destination bridge
    /// ([`Destination::refresh_sets`]).
    routes: Routes,
    settings: RelayerConfig,
    store: Store,
    metrics: Arc<Metrics>,
    http: reqwest::Client,
    /// Set by a collect pass that left recently indexed messages waiting for attestations:
    /// the worker then pauses `attestation_poll_ms` instead of a whole tick.
    waiting: AtomicBool,
    /// The chain's `low_balance`, in wei.
    low_balance: Option<u128>,
    /// Wake-ups from one stage's loop to the next ([`Destination::run`]).
    kicks: Kicks,
    /// Gas per message of recent delivery transactions ([`gas`]).
    learned: std::sync::Mutex<gas::LearnedGas>,
}

/// One delivery transaction to send: messages with their signature sets, and the gas limit
/// (`None`: estimated by the node).
#[derive(Debug)]
struct Batch {
    items: Vec<(MessageRecord, Vec<u8>)>,
    gas_limit: Option<u64>,
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

/// The most delivery transactions of the relayer's sender waiting to be mined on one
/// destination before submit waits ([`Destination::room`]): about three blocks of 64-message
/// batches on a 30M-gas chain, within the 2x base-fee headroom new transactions are priced
/// with.
const MAX_UNMINED_TXS: usize = 32;

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
                continue; // crate::solana delivers to Solana chains
            };
            let routes = Routes::for_destination(config, dest)?;
            if routes.is_empty() {
                continue;
            }
            let Some(sender) = senders.get(&dest.name) else {
                continue;
            };
            out.push(Destination {
                worker: format!("{worker}/{}", dest.name),
                domain: dest.domain,
                name: dest.name.clone(),
                bridge: evm.bridge,
                chain: sender.chain().clone(),
                contract: EvmBridge::new(sender.chain().clone(), evm.bridge),
                sender: sender.clone(),
                routes,
                settings: settings.clone(),
                store: store.clone(),
                metrics: metrics.clone(),
                // Short timeouts: an unreachable validator must not hold up the queue.
                http: reqwest::Client::builder()
                    .connect_timeout(Duration::from_secs(2))
                    .timeout(Duration::from_secs(5))
                    .build()
                    .map_err(|e| Error::Io {
                        what: "building the HTTP client".into(),
                        source: std::io::Error::other(e),
                    })?,
                waiting: AtomicBool::new(false),
                low_balance: dest.low_balance_units(),
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
        self.refresh_sets().await;
        let this = Arc::new(self);
        tokio::join!(
            this.clone().stage_loop(Stage::Collect, shutdown.clone()),
            this.clone().stage_loop(Stage::Submit, shutdown.clone()),
            this.clone().stage_loop(Stage::Confirm, shutdown.clone()),
            this.clone().stage_loop(Stage::Execute, shutdown.clone()),
            this.housekeeping(shutdown),
        );
    }

    async fn stage_loop(self: Arc<Self>, stage: Stage, mut shutdown: watch::Receiver<bool>) {
        let tick = self.tick();
        let soon = Duration::from_millis(self.settings.attestation_poll_ms).min(tick);
        let mut indexed = self.store.indexed_signal();
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
                tracing::debug!(destination = %self.name, stage = ?stage, elapsed_ms = started.elapsed().as_millis() as u64, "stage pass moved messages");
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

    /// Re-reads the destination's validator sets every tick and the sender's balance every
    /// 30 ticks, until shutdown.
    async fn housekeeping(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let mut ticks: u64 = 0;
        loop {
            self.refresh_sets().await;
            if ticks.is_multiple_of(30) {
                self.refresh_balance().await;
            }
            ticks = ticks.wrapping_add(1);
            if crate::indexer::pause(&mut shutdown, self.tick()).await {
                return;
            }
        }
    }

    /// Reads the set the destination bridge holds for every route's origin and adopts it
    /// when it differs (a rotation through the admin timelock): attestations are then
    /// collected for its epoch from its members ([`Routes::refresh`]).
    pub async fn refresh_sets(&self) {
        self.routes
            .refresh(&DestinationSet::Evm(self.contract.clone()))
            .await;
    }

    /// The route from `origin` as it is now.
    fn route(&self, origin: u32) -> Result<Route> {
        self.routes.get(origin)
    }

    /// Claims pending messages and collects their attestations ([`collect::Collect`]).
    async fn stage_collect(&self) -> bool {
        let limit = collect::claim_limit(self.settings.batch_size, BATCHES_PER_PASS);
        let records = self.claim(MessageState::Pending, limit).await;
        let collected = collect::Collect {
            domain: self.domain,
            bridge: UniversalAddress::from_evm(self.bridge.0),
            routes: &self.routes,
            http: &self.http,
            attempts: self.attempts(),
            worker: &self.worker,
        }
        .pass(records)
        .await;
        if collected.waiting {
            self.waiting.store(true, Ordering::Relaxed);
        }
        collected.moved
    }

    fn attempts(&self) -> Attempts<'_> {
        Attempts {
            store: &self.store,
            metrics: &self.metrics,
            settings: &self.settings,
            destination: &self.name,
        }
    }

    async fn claim(&self, state: MessageState, limit: u32) -> Vec<MessageRecord> {
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

    /// Records a failed attempt with backoff; logs and counts it.
    async fn fail(
        &self,
        record: &MessageRecord,
        state: MessageState,
        stage: &'static str,
        e: &Error,
    ) {
        self.attempts().failed(record, state, stage, e).await;
    }

    async fn defer(&self, record: &MessageRecord, state: MessageState, delay: Duration) {
        if let Err(e) = self.store.defer(&record.id, state, delay).await {
            tracing::warn!(error = %e, "cannot defer message");
        }
    }

    fn tick(&self) -> Duration {
        Duration::from_millis(self.settings.poll_interval_ms)
    }

    // ------------------------------------------------------------------ submit

    async fn stage_submit(&self) -> bool {
        let batch_size = self.settings.batch_size.max(1);
        let batches = self.room().await;
        if batches == 0 {
            return false;
        }
        let limit = u32::try_from(batch_size.saturating_mul(batches)).unwrap_or(u32::MAX);
        let records = self.claim(MessageState::Ready, limit).await;
        if records.is_empty() {
            return false;
        }
        let items = self.prepare_batch(records).await;
        if items.is_empty() {
            return true;
        }
        let batches = self.mark_sending(self.batches(items, batch_size)).await;
        // Sent at once (each gets its own nonce); each is recorded once its send returns.
        let sent = concurrent::bounded(
            batches
                .iter()
                .map(
                    |Batch {
                         items: batch,
                         gas_limit,
                     }| {
                        let data = match batch.as_slice() {
                            [(record, signatures)] => {
                                EvmBridge::deliver_call(&record.encoded, signatures)
                            }
                            _ => EvmBridge::deliver_batch_call(
                                batch
                                    .iter()
                                    .map(|(r, s)| (r.encoded.as_slice(), s.as_slice())),
                            ),
                        };
                        let (sender, bridge) = (self.sender.clone(), self.bridge);
                        let request = TxRequest {
                            gas_limit: *gas_limit,
                            ..TxRequest::call(bridge, data)
                        };
                        async move { sender.send(request).await }
                    },
                )
                .collect(),
            BATCHES_PER_PASS,
        )
        .await;
        for (batch, sent) in batches.iter().zip(sent) {
            let sent = match sent {
                Some(sent) => sent.map_err(Error::from),
                None => Err(task_ended("deliver")),
            };
            self.record_sent(&batch.items, sent).await;
        }
        true
    }

    /// How many delivery transactions this pass may send: up to [`BATCHES_PER_PASS`], while
    /// fewer than [`MAX_UNMINED_TXS`] of the sender's are waiting to be mined (its next nonce
    /// against its mined count). Every transaction is priced at the base fee when it is sent
    /// (`maxFeePerGas` = base x `base_fee_multiplier_percent` + tip), and the base fee rises
    /// 12.5% per full block: a backlog sent all at once would price its own last
    /// transactions out of the chain before they are reached (measured on anvil: 3,840 of
    /// 4,000 messages delivered in 4 s, the last 160 stuck until replaced a minute later).
    /// When the mined count cannot be read, the pass sends as it would have.
    async fn room(&self) -> usize {
        let Some(next) = self.sender.nonces().peek().await else {
            return BATCHES_PER_PASS;
        };
        match self.chain.latest_nonce(self.sender.address()).await {
            Ok(mined) => {
                let unmined = usize::try_from(next.saturating_sub(mined)).unwrap_or(usize::MAX);
                MAX_UNMINED_TXS
                    .saturating_sub(unmined)
                    .min(BATCHES_PER_PASS)
            }
            Err(_) => BATCHES_PER_PASS,
        }
    }

    /// Records the outcome of a send: a sent delivery transaction (kept for replacement) and
    /// its hash on its messages, which stay `submitted` and are released to the confirm step;
    /// or, when the send failed, its messages back to `ready` with a counted failure.
    async fn record_sent(&self, items: &[(MessageRecord, Vec<u8>)], sent: Result<PendingTx>) {
        let (to, hash) = match &sent {
            Ok(pending) => {
                tracing::info!(destination = %self.name, tx = %pending.id(), messages = items.len(), nonce = pending.transaction.nonce(), gas_limit = pending.transaction.gas_limit(), "deliver sent");
                if let Err(e) = self
                    .store
                    .record_submission(&pending.hash, &pending.hash, self.domain, &pending.raw)
                    .await
                {
                    tracing::warn!(error = %e, "cannot record the transaction (it will not be replaced if stuck)");
                }
                (MessageState::Submitted, Some(pending.hash))
            }
            Err(_) => (MessageState::Ready, None),
        };
        let ids: Vec<[u8; 32]> = items.iter().map(|(r, _)| r.id).collect();
        if let Err(e) = self
            .store
            .transition_many(&ids, MessageState::Submitted, to, Some(&self.worker), hash)
            .await
        {
            tracing::error!(error = %e, sent = hash.is_some(), "cannot record the outcome of a send; once their claim ends the messages are checked on the destination before any new send");
        }
        if let Err(e) = sent {
            for (record, _) in items {
                self.fail(record, MessageState::Ready, "submit", &e).await;
            }
        }
    }

    /// Persists that each batch is about to be sent ([`Store::mark_sending`]) before any is;
    /// keeps the messages that were marked (a message another worker moved meanwhile is left
    /// out). Batches whose messages cannot be marked are not sent this pass.
    async fn mark_sending(&self, batches: Vec<Batch>) -> Vec<Batch> {
        let ids: Vec<[u8; 32]> = batches
            .iter()
            .flat_map(|b| b.items.iter().map(|(r, _)| r.id))
            .collect();
        let marked = match self
            .store
            .mark_sending(&ids, &self.worker, CLAIM_LEASE)
            .await
        {
            Ok(marked) => marked,
            Err(e) => {
                tracing::warn!(destination = %self.name, error = %e, "cannot record the messages about to be sent; not sending them now");
                return Vec::new();
            }
        };
        let mut marked = marked.into_iter();
        batches
            .into_iter()
            .filter_map(|mut batch| {
                batch.items.retain(|_| marked.next().unwrap_or(false));
                (!batch.items.is_empty()).then_some(batch)
            })
            .collect()
    }

    /// Splits the pass's messages into batches of at most `batch_size`, each with the gas
    /// limit to send it with (`None`: estimate it). Token transfers never attempted before go
    /// together and get a limit learned from recent receipts ([`gas`]); the others
    /// (arbitrary messages, retries) are batched apart and estimated.
    fn batches(&self, items: Vec<(MessageRecord, Vec<u8>)>, batch_size: usize) -> Vec<Batch> {
        let learned = self.settings.batch_gas == BatchGas::Learned;
        let (plain, other): (Vec<_>, Vec<_>) = items.into_iter().partition(|(r, _)| {
            learned
                && r.attempts == 0
                && r.tx_hash.is_none()
                && r.message()
                    .is_ok_and(|m| m.body.first() == Some(&KIND_TOKEN_TRANSFER))
        });
        let learned = self.learned.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = Vec::new();
        for (group, learn) in [(plain, true), (other, false)] {
            let mut rest = group.into_iter().peekable();
            while rest.peek().is_some() {
                let batch: Vec<_> = rest.by_ref().take(batch_size).collect();
                // Every learned batch gets the limit of a full one: a later transaction of the
                // sender never asks for less gas than an earlier one still waiting. A block
                // builder that skips the earlier one for lack of room then skips the later one
                // too; anvil instead tries the later, smaller one out of nonce order, finds it
                // invalid and drops it with all that follow (measured: the last batches of a
                // backlog dropped, the chain idle two blocks until they were replaced). Only
                // the gas used is paid.
                let limit = if learn {
                    learned.limit(batch_size)
                } else {
                    None
                };
                out.push(Batch {
                    items: batch,
                    gas_limit: limit,
                });
            }
        }
        out
    }

    /// The claimed `ready` messages that are to be sent, each with its signature set.
    ///
    /// A message this relayer may have sent before may have been delivered meanwhile, by a
    /// transaction of ours that landed late or by another relayer: the destination's
    /// `delivered` is asked first for those (all at once), and a delivered one is settled
    /// instead of sent. That is every message with a failed attempt or an earlier
    /// transaction, which includes a send cut short by a crash: sends are written ahead
    /// ([`Destination::mark_sending`]), and the confirm step returns such a message here with
    /// a counted failure. A message never sent is not asked (a round trip per message, for a
    /// case that cannot arise short of another relayer racing this one; `deliverBatch` skips
    /// an item the bridge refuses as a replay, and confirm settles it from `statusOf`).
    ///
    /// The signature sets come from the store in one query. Their signatures were verified
    /// when collected (each recovered to the member it came from, for the set's epoch), so they
    /// are not recovered again here; the set is taken in the order the bridge requires
    /// (ascending signers, members of the current set, the threshold's worth).
    async fn prepare_batch(&self, records: Vec<MessageRecord>) -> Vec<(MessageRecord, Vec<u8>)> {
        let tried: Vec<&MessageRecord> = records
            .iter()
            .filter(|r| r.attempts > 0 || r.tx_hash.is_some())
            .collect();
        let checks = concurrent::bounded(
            tried
                .iter()
                .map(|r| {
                    let (contract, origin, nonce) = (self.contract.clone(), r.origin, r.nonce);
                    let origin_bridge = self.route(origin).map(|route| route.origin_bridge);
                    async move { Ok(contract.delivered(origin, &origin_bridge?, nonce).await?) }
                })
                .collect(),
            concurrent::IN_FLIGHT,
        )
        .await;
        let mut delivered: BTreeMap<[u8; 32], Result<bool>> = tried
            .iter()
            .zip(checks)
            .map(|(r, d)| (r.id, d.unwrap_or_else(|| Err(task_ended("delivered")))))
            .collect();
        let ids: Vec<[u8; 32]> = records.iter().map(|r| r.id).collect();
        let stored = match self.store.signatures_many(&ids).await {
            Ok(stored) => stored,
            Err(e) => {
                for record in &records {
                    self.fail(record, MessageState::Ready, "prepare", &e).await;
                }
                return Vec::new();
            }
        };
        let mut items = Vec::with_capacity(records.len());
        for record in records {
            let outcome = match delivered.remove(&record.id) {
                Some(Err(e)) => Err(e),
                Some(Ok(true)) => self.settle_delivered(&record).await.map(|()| None),
                Some(Ok(false)) | None => {
                    let have = stored.get(&record.id).map_or(&[][..], Vec::as_slice);
                    self.signature_set(&record, have).await
                }
            };
            match outcome {
                Ok(Some(signatures)) => items.push((record, signatures)),
                Ok(None) => {}
                Err(e) => self.fail(&record, MessageState::Ready, "prepare", &e).await,
            }
        }
        items
    }

    /// A `ready` message the destination has delivered already (a crash after a send, or
    /// another relayer): recorded as the bridge says, `delivered`, `queued` or `cancelled`.
    async fn settle_delivered(&self, record: &MessageRecord) -> Result<()> {
        let status = self.contract.status_of(&record.encoded).await?;
        let to = match status {
            DeliveryStatus::Queued => MessageState::Queued,
            DeliveryStatus::Cancelled => MessageState::Cancelled,
            _ => MessageState::Delivered,
        };
        let moved = self
            .store
            .transition(
                &record.id,
                MessageState::Ready,
                to,
                Some(&self.worker),
                None,
            )
            .await?;
        if moved && to == MessageState::Delivered {
            self.delivered(record);
        }
        Ok(())
    }

    /// The signature set to send for `record` from `have`, its stored signatures (any epoch);
    /// `None` when the destination's set changed since they were collected (the message goes
    /// back to `pending` to be collected for the new epoch).
    async fn signature_set(
        &self,
        record: &MessageRecord,
        have: &[SignatureRecord],
    ) -> Result<Option<Vec<u8>>> {
        let route = self.route(record.origin)?;
        let (epoch, threshold) = (route.set.epoch(), route.set.threshold());
        let mut signers: Vec<&SignatureRecord> = have
            .iter()
            .filter(|s| s.epoch == epoch && route.set.contains(&EvmAddress(s.signer)))
            .collect();
        signers.sort_by_key(|s| s.signer);
        signers.dedup_by_key(|s| s.signer);
        if signers.len() < threshold {
            // Collected for an older set: the destination rotated since. Collect again.
            tracing::info!(destination = %self.name, id = %hex::encode(record.id), epoch, "the validator set changed; collecting attestations again");
            self.store
                .transition(
                    &record.id,
                    MessageState::Ready,
                    MessageState::Pending,
                    Some(&self.worker),
                    None,
                )
                .await?;
            return Ok(None);
        }
        Ok(Some(
            signers
                .iter()
                .take(threshold)
                .flat_map(|s| s.signature)
                .collect(),
        ))
    }

    fn delivered(&self, record: &MessageRecord) {
        self.metrics
            .deliveries
            .get_or_create(&vec![("destination", self.name.clone())])
            .inc();
        let seconds = (now_ms().saturating_sub(record.created_at)) as f64 / 1000.0;
        self.metrics.delivery_latency.observe(seconds.max(0.0));
    }

    /// Replaces the stuck `latest` version of the transaction first sent as `root` with a fee
    /// bump (same nonce) and records the new version; at the fee ceiling, broadcasts it
    /// again instead.
    async fn replace(&self, root: &[u8; 32], latest: &Submission) {
        let transaction = match trestle_core::evm::transaction::decode_signed(&latest.raw) {
            Ok((tx, _, _)) => tx,
            Err(e) => {
                tracing::error!(error = %e, "stored transaction does not decode; not replacing");
                return;
            }
        };
        let fees = match &transaction {
            TypedTransaction::Eip1559(t) => Fees::Eip1559 {
                max_fee_per_gas: t.max_fee_per_gas.try_into().unwrap_or(u128::MAX),
                max_priority_fee_per_gas: t
                    .max_priority_fee_per_gas
                    .try_into()
                    .unwrap_or(u128::MAX),
            },
            TypedTransaction::Legacy(t) => Fees::Legacy {
                gas_price: t.gas_price.try_into().unwrap_or(u128::MAX),
            },
            _ => {
                tracing::warn!("only legacy and EIP-1559 transactions are replaced");
                return;
            }
        };
        let pending = PendingTx {
            hash: latest.tx_hash,
            transaction,
            raw: latest.raw.clone(),
            fees,
            sent_at: std::time::Instant::now(),
        };
        match self.sender.replace(&pending).await {
            Ok(next) => {
                tracing::info!(destination = %self.name, old = %pending.id(), new = %next.id(), "stuck deliver replaced with a fee bump");
                self.metrics.failure("submit", "stuck");
                if let Err(e) = self
                    .store
                    .record_submission(root, &next.hash, self.domain, &next.raw)
                    .await
                {
                    tracing::warn!(error = %e, "cannot record the replacement");
                }
            }
            Err(trestle_evm::Error::FeeCeiling { .. }) => {
                if let Err(e) = self.sender.rebroadcast(&pending).await {
                    tracing::warn!(error = %e, "rebroadcast failed");
                }
            }
            Err(e) => {
                // "nonce too low": a version was mined meanwhile; the next pass finds it.
                tracing::info!(destination = %self.name, error = %e, "replacement not sent");
            }
        }
    }

    // ------------------------------------------------------------------ execute queued

    async fn stage_execute(&self) -> bool {
        let records = self.claim(MessageState::Queued, 8).await;
        let mut moved = false;
        for record in records {
            match self.execute(&record).await {
                Ok(true) => moved = true,
                Ok(false) => {
                    self.defer(&record, MessageState::Queued, self.tick() * 5)
                        .await
                }
                Err(e) => {
                    self.fail(&record, MessageState::Queued, "execute", &e)
                        .await
                }
            }
        }
        moved
    }

    async fn execute(&self, record: &MessageRecord) -> Result<bool> {
        if self.contract.status_of(&record.encoded).await? == DeliveryStatus::Queued {
            let data = EvmBridge::execute_queued_call(&record.encoded);
            // Not executable yet (timelock pending, bucket empty): the call reverts; wait.
            if self.chain.call(self.bridge, &data).await.is_err() {
                return Ok(false);
            }
            let (pending, _receipt) = self
                .sender
                .send_and_wait(TxRequest::call(self.bridge, data), Duration::from_secs(120))
                .await?;
            tracing::info!(destination = %self.name, tx = %pending.id(), id = %hex::encode(record.id), "queued transfer executed");
        }
        match self.contract.status_of(&record.encoded).await? {
            DeliveryStatus::Queued => Ok(false),
            DeliveryStatus::Cancelled => {
                // The guardian cancelled it: it will never execute; stop trying.
                let moved = self
                    .store
                    .transition(
                        &record.id,
                        MessageState::Queued,
                        MessageState::Cancelled,
                        Some(&self.worker),
                        None,
                    )
                    .await?;
                if moved {
                    tracing::warn!(destination = %self.name, id = %hex::encode(record.id), "queued transfer cancelled by the destination's guardian");
                }
                Ok(moved)
            }
            _ => {
                let moved = self
                    .store
                    .transition(
                        &record.id,
                        MessageState::Queued,
                        MessageState::Delivered,
                        Some(&self.worker),
                        None,
                    )
                    .await?;
                if moved {
                    self.delivered(record);
                }
                Ok(moved)
            }
        }
    }

    async fn refresh_balance(&self) {
        let account = UniversalAddress::from_evm(self.sender.address().0);
        if let Ok(balance) = self.chain.native_balance(&account).await {
            let wei = u128::try_from(balance).unwrap_or(u128::MAX);
            self.metrics
                .wallet_balance(&self.name, wei, 18, self.low_balance);
        }
    }
}

/// The error for a concurrent request whose task ended without an answer.
fn task_ended(what: &str) -> Error {
    Error::Io {
        what: format!("the {what} request"),
        source: std::io::Error::other("its task ended without an answer"),
    }
}

/// Where a destination worker (EVM or Solana) records its messages' failed attempts.
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
        tracing::warn!(destination = %self.destination, nonce = record.nonce, origin = record.origin, stage, error = %e, retry_in_ms = delay.as_millis() as u64, "message attempt failed");
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
