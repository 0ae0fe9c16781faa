//! A Solana destination, as the one destination worker (`crate::relay::worker`) drives it:
//! `pending` (collect attestations until the threshold of the set the program holds for the
//! origin, read from its `Remote` account once a tick; the collect pass is the EVM
//! destination's, `crate::relay::collect`) -> `ready` (land `deliver`: inline signatures when
//! the transaction fits a packet, else `post_signatures` in chunks then `deliver` with the
//! staged set; the beneficiary's associated token account is created in the same transaction
//! when missing) -> `submitted` (the `Receipt` account at the chain's commitment says what
//! happened) -> `delivered`, or `queued` -> `execute_queued` once its time has come ->
//! `delivered` (or `cancelled` by the program's guardian). What a status settles a message in,
//! and the execute stage, are every destination's (`crate::relay::destination`).
//!
//! Messages are worked on concurrently, each as its own task, up to a bound per stage
//! (`relayer.batch_size` messages landing at once in `ready`, the worker's message unit):
//! one failing or slow message holds only its own place.
//!
//! Every step is persisted before the next, and every step first reads the receipt PDA: its
//! existence is the program's replay protection, so a crash between landing and recording
//! never delivers twice (a second `deliver` fails with `AlreadyDelivered`, and the receipt
//! moves the message on). `messages.tx_hash` holds the first 32 bytes of the landed
//! transaction's signature (the column is 32 bytes); the full signature is in the logs.
//!
//! A staged `deliver` closes the signature set it used; every other set the payer staged (a
//! message someone else delivered, an epoch rotated away, a run that stopped halfway) is
//! closed with `close_signatures` for its rent (`sets`: as it goes, and a sweep at start and
//! hourly).
//!
//! The fee of every transaction landed for a message (`post_signatures`, `deliver`,
//! `execute_queued`), read back with `getTransaction`, is added to the route's
//! `trestle_delivery_cost_total`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use trestle_bridge::solana::relay::{self as ix, Signatures};
use trestle_bridge::solana::state::{Receipt, ReceiptStatus, SignatureSet};
use trestle_bridge::solana::{BridgeProgram, ReceiptKey};
use trestle_bridge::{Attestation, ValidatorSet, verify_attestation};
use trestle_core::chain::UniversalAddress;
use trestle_core::solana::SolanaSigner;
use trestle_core::solana::instruction::Instruction;
use trestle_solana::{Commitment, Landed, SolanaClient, TransactionRequest};

use trestle_bridge_client::solana::fits_in_a_packet;
use trestle_bridge_client::{DeliveryStatus, SolanaBridge};

mod collect;
mod message;
mod sets;
use super::fees::FeeQuoter;
use crate::config::{ChainConfig, Config, RelayerConfig};
use crate::error::{Error, Result};
use crate::keys::Keys;
use crate::metrics::Metrics;
use crate::relay::destination::{DestinationBridge, settled_state};
use crate::relay::lane::Lane;
use crate::relay::routes::Route;
use crate::relay::worker::{self, Stage, Unit};
use crate::store::{MessageRecord, MessageState, SignatureRecord, Store, now_ms};
use sets::SignatureSets;

/// Signatures per `post_signatures` transaction (6 x ~25,000 CU of recovery, ~400 bytes).
pub const STAGE_CHUNK: usize = 6;
/// A submitted message whose receipt is not visible at the commitment this long after this
/// process first looked goes back to `ready` (where the receipt is checked first).
const CONFIRM_TIMEOUT: Duration = Duration::from_secs(300);

/// The worker of one Solana destination.
#[derive(Debug)]
pub struct SolanaDestination {
    /// What every destination worker holds: the destination, its routes, store, metrics.
    lane: Lane,
    commitment: Commitment,
    program: BridgeProgram,
    client: Arc<SolanaClient>,
    /// The bridge program's accounts, read through `client`.
    bridge: SolanaBridge,
    payer: SolanaSigner,
    /// When this process first looked for the receipt of each submitted message not seen yet.
    waiting: Mutex<HashMap<[u8; 32], Instant>>,
    /// The payer's staged signature sets, closed once they cannot be used.
    sets: Arc<SignatureSets>,
}

impl SolanaDestination {
    /// One worker per Solana chain that some route ends at, paying with the relayer's Solana
    /// key (refused when there is none).
    pub fn for_config(
        config: &Config,
        settings: &RelayerConfig,
        keys: &Keys,
        store: &Store,
        metrics: &Arc<Metrics>,
        worker: &str,
        fees: &Arc<FeeQuoter>,
    ) -> Result<Vec<SolanaDestination>> {
        let mut out = Vec::new();
        for chain in config.chains.iter().filter(|c| c.solana().is_some()) {
            if !config.routes.iter().any(|r| r.to == chain.name) {
                continue;
            }
            let payer = keys.relayer_solana.clone().ok_or_else(|| {
                Error::config(
                    "relayer.solana",
                    format!(
                        "no Solana key loaded for the relayer; {} is a destination",
                        chain.name
                    ),
                )
            })?;
            let lane = Lane::new(config, chain, settings, store, metrics, worker, fees)?;
            let origins = config
                .routes
                .iter()
                .filter(|r| r.to == chain.name)
                .filter_map(|r| config.chain(&r.from))
                .map(|origin| (origin.domain, origin.bridge_address()))
                .collect();
            out.push(Self::new(
                lane,
                chain,
                crate::connect::solana(chain)?,
                payer,
                origins,
            )?);
        }
        Ok(out)
    }

    /// The worker of `chain` (a Solana chain some route ends at), paying with `payer`.
    fn new(
        lane: Lane,
        chain: &ChainConfig,
        client: Arc<SolanaClient>,
        payer: SolanaSigner,
        origins: HashMap<u32, UniversalAddress>,
    ) -> Result<Self> {
        let solana = chain.solana_settings()?;
        let program = BridgeProgram::new(solana.program);
        Ok(Self {
            sets: Arc::new(SignatureSets::new(
                lane.name.clone(),
                client.clone(),
                program,
                payer.clone(),
                lane.store.clone(),
                lane.metrics.clone(),
                origins,
            )),
            lane,
            commitment: solana.commitment.to_commitment(),
            program,
            bridge: SolanaBridge::new(client.clone(), solana.program),
            client,
            payer,
            waiting: Mutex::new(HashMap::new()),
        })
    }

    /// What identifies `record`'s delivery on the program: its origin, the origin's bridge as
    /// configured for the route (the program keys receipts by the remote's bridge), its nonce.
    fn receipt_key(&self, record: &MessageRecord) -> Result<ReceiptKey> {
        Ok(ReceiptKey {
            origin: record.origin,
            origin_bridge: self.lane.route(record.origin)?.origin_bridge.0,
            nonce: record.nonce,
        })
    }

    fn attestation(
        &self,
        route: &Route,
        record: &MessageRecord,
        set: &ValidatorSet,
    ) -> Attestation {
        Attestation {
            origin: record.origin,
            origin_bridge: route.origin_bridge,
            destination: self.lane.domain,
            destination_bridge: UniversalAddress(self.program.id.0),
            epoch: set.epoch(),
            message_id: record.id,
        }
    }

    /// The receipt of `record` at `confirmed` (what the submit and execute steps read first),
    /// `None` when the program has not recorded the message.
    async fn confirmed_receipt(&self, record: &MessageRecord) -> Result<Option<Receipt>> {
        Ok(self
            .bridge
            .receipt(
                &self.receipt_key(record)?,
                &record.id,
                Commitment::Confirmed,
            )
            .await?)
    }

    // ------------------------------------------------------------------ submit

    /// The collected signatures of members of `set`, ascending by signer, `threshold` of them.
    async fn signatures(
        &self,
        record: &MessageRecord,
        set: &ValidatorSet,
    ) -> Result<Vec<SignatureRecord>> {
        let mut sigs: Vec<SignatureRecord> = self
            .lane
            .store
            .signatures(&record.id, set.epoch())
            .await?
            .into_iter()
            .filter(|s| set.contains(&trestle_core::evm::EvmAddress(s.signer)))
            .collect();
        sigs.sort_by_key(|s| s.signer);
        sigs.dedup_by_key(|s| s.signer);
        sigs.truncate(set.threshold());
        Ok(sigs)
    }

    /// Lands `deliver` (staging the signatures first when they do not fit), unless the receipt
    /// shows the message delivered already; then `ready` -> `submitted`.
    async fn submit_one(&self, record: &MessageRecord) -> Result<bool> {
        let route = self.lane.route(record.origin)?;
        let found = self.confirmed_receipt(record).await?;
        if found.is_some() {
            // Delivered by someone else or an earlier attempt: a set this payer staged for it
            // (in this run, or at the current epoch in an earlier one) is of no more use.
            self.sets.release(&record.id, Some(route.set.epoch())).await;
            return self.submitted(record, None).await;
        }
        // Read now, not from the routes' cache: a landing for a set the program no longer
        // holds would be refused and charged an attempt (a rotation since the last tick).
        let set = self
            .bridge
            .validator_set(record.origin, &route.origin_bridge)
            .await?;
        let sigs = self.signatures(record, &set).await?;
        let inline: Vec<u8> = sigs.iter().flat_map(|s| s.signature).collect();
        if sigs.len() < set.threshold() {
            // The set changed since collection (rotation): collect again for the new one.
            return self.lane.recollect(record).await;
        }
        verify_attestation(&set, &self.attestation(&route, record, &set), &inline)?;
        let message = record.message()?;
        let payout = self.bridge.payout_of(&message).await?;
        let payer = self.payer.pubkey();
        let mut prefix: Vec<Instruction> = Vec::new();
        if let Some(p) = &payout {
            prefix.push(p.create_beneficiary_token(&payer)?);
        }
        let mut instructions = prefix.clone();
        instructions.push(ix::deliver(
            &self.program,
            &payer,
            &message,
            &route.origin_bridge.0,
            &Signatures::Inline(inline),
            payout.as_ref(),
        )?);
        let result = if fits_in_a_packet(&payer, &instructions) {
            self.land(instructions, "deliver").await
        } else {
            self.stage(record, &set, &sigs).await?;
            let mut instructions = prefix;
            instructions.push(ix::deliver(
                &self.program,
                &payer,
                &message,
                &route.origin_bridge.0,
                &Signatures::Staged { epoch: set.epoch() },
                payout.as_ref(),
            )?);
            self.land(instructions, "deliver (staged)").await
        };
        match result {
            Ok(landed) => {
                let trestle_core::chain::TxId::Solana(signature) = landed.id else {
                    return Err(Error::CorruptRow("landed a non-Solana transaction".into()));
                };
                tracing::info!(destination = %self.lane.name, tx = %landed.id, slot = landed.slot, id = %hex::encode(record.id), "deliver landed");
                let mut root = [0u8; 32];
                root.copy_from_slice(signature.get(..32).unwrap_or(&[0; 32]));
                // The state first: reading the fee back is one more request.
                let moved = self.submitted(record, Some(root)).await;
                self.record_cost(record, &landed).await;
                moved
            }
            Err(e) => {
                // Someone (another instance, an earlier attempt) may have delivered it.
                if self.confirmed_receipt(record).await?.is_some() {
                    self.sets.release(&record.id, Some(set.epoch())).await;
                    return self.submitted(record, None).await;
                }
                Err(e)
            }
        }
    }

    async fn submitted(&self, record: &MessageRecord, tx: Option<[u8; 32]>) -> Result<bool> {
        self.lane
            .store
            .transition(
                &record.id,
                MessageState::Ready,
                MessageState::Submitted,
                Some(&self.lane.worker),
                tx,
            )
            .await
    }

    /// Stages the signatures above those already in this payer's signature set for the
    /// message, `STAGE_CHUNK` per transaction.
    async fn stage(
        &self,
        record: &MessageRecord,
        set: &ValidatorSet,
        sigs: &[SignatureRecord],
    ) -> Result<()> {
        let payer = self.payer.pubkey();
        self.sets.staging(&record.id, set.epoch()).await;
        let address = self.program.signature_set(&record.id, set.epoch(), &payer);
        let staged = match self.client.account(&address).await? {
            Some(a) if a.owner == self.program.id => SignatureSet::decode(&a.data)?.signers,
            _ => Vec::new(),
        };
        let last = staged.last().copied();
        let todo: Vec<&SignatureRecord> = sigs
            .iter()
            .filter(|s| last.is_none_or(|l| s.signer > l))
            .collect();
        for chunk in todo.chunks(STAGE_CHUNK) {
            let bytes: Vec<u8> = chunk.iter().flat_map(|s| s.signature).collect();
            let post = ix::post_signatures(
                &self.program,
                &payer,
                &record.id,
                record.origin,
                set.epoch(),
                &bytes,
            );
            let landed = self.land(vec![post], "post_signatures").await?;
            self.record_cost(record, &landed).await;
        }
        Ok(())
    }

    /// Adds the fee `landed` cost the payer for `record` (`meta.fee`, read back from the
    /// node: signatures and priority fee; rent is not a fee) to the route's
    /// `trestle_delivery_cost_total`, in SOL. A fee the node cannot tell yet is logged and
    /// left out: the metric never blocks a delivery.
    async fn record_cost(&self, record: &MessageRecord, landed: &Landed) {
        match self.client.transaction_fee(&landed.id).await {
            Ok(Some(lamports)) => self.lane.metrics.delivery_cost(
                record.origin,
                self.lane.domain,
                u128::from(lamports),
                9,
            ),
            Ok(None) => {
                tracing::debug!(destination = %self.lane.name, tx = %landed.id, "the node has no fee for a landed transaction yet; its cost is not counted");
            }
            Err(e) => {
                tracing::debug!(destination = %self.lane.name, tx = %landed.id, error = %e, "cannot read a landed transaction's fee; its cost is not counted");
            }
        }
    }

    async fn land(&self, instructions: Vec<Instruction>, what: &'static str) -> Result<Landed> {
        self.land_request(TransactionRequest::new(&self.payer, instructions), what)
            .await
    }

    /// Lands `request` (with its own compute-unit limit, if it sets one).
    async fn land_request(
        &self,
        request: TransactionRequest<'_>,
        what: &'static str,
    ) -> Result<Landed> {
        let landed = self.client.land(request).await?;
        tracing::debug!(destination = %self.lane.name, what, tx = %landed.id, compute_unit_limit = ?landed.compute_unit_limit, sends = landed.sends, "landed");
        Ok(landed)
    }

    // ------------------------------------------------------------------ confirm

    /// Reads the receipt at the chain's commitment: `submitted` -> `delivered` or `queued`.
    async fn confirm_one(&self, record: &MessageRecord) -> Result<bool> {
        let found = self
            .bridge
            .receipt(&self.receipt_key(record)?, &record.id, self.commitment)
            .await?;
        let Some(receipt) = found else {
            let first = *self
                .waiting
                .lock()
                .map_err(|_| Error::CorruptRow("poisoned lock".into()))?
                .entry(record.id)
                .or_insert_with(Instant::now);
            if first.elapsed() > CONFIRM_TIMEOUT {
                self.forget(&record.id);
                return Err(Error::Chain(trestle_core::Error::Timeout {
                    what: format!(
                        "receipt of message 0x{} at {} commitment",
                        hex::encode(record.id),
                        self.commitment
                    ),
                    after: CONFIRM_TIMEOUT,
                }));
            }
            return Ok(false);
        };
        self.forget(&record.id);
        // A staged `deliver` closed the set it used; any other this process staged (an older
        // epoch) is closed now.
        self.sets.release(&record.id, None).await;
        if receipt.status == ReceiptStatus::Received {
            self.execute_message(record).await?;
        }
        let to = settled_state(receipt.status.into()).ok_or_else(|| {
            Error::CorruptRow(format!(
                "receipt status {:?} settles nothing",
                receipt.status
            ))
        })?;
        let moved = self
            .lane
            .ledger()
            .settle_one(record, MessageState::Submitted, to)
            .await?;
        if moved {
            tracing::info!(destination = %self.lane.name, id = %hex::encode(record.id), status = ?receipt.status, "confirmed on solana");
        }
        Ok(moved)
    }

    fn forget(&self, id: &[u8; 32]) {
        if let Ok(mut w) = self.waiting.lock() {
            w.remove(id);
        }
    }

    // ------------------------------------------------------------------ execute queued

    /// The receipt of `record` at `confirmed`, or an error when there is none.
    async fn receipt(&self, record: &MessageRecord) -> Result<Receipt> {
        self.confirmed_receipt(record).await?.ok_or_else(|| {
            Error::Chain(trestle_core::Error::MalformedResponse {
                endpoint: self.lane.name.clone(),
                reason: format!("queued message 0x{} has no receipt", hex::encode(record.id)),
            })
        })
    }
}

impl DestinationBridge for SolanaDestination {
    async fn validator_set(
        &self,
        origin: u32,
        origin_bridge: &UniversalAddress,
    ) -> Result<ValidatorSet> {
        Ok(self.bridge.validator_set(origin, origin_bridge).await?)
    }

    async fn balance(&self) -> Result<(u128, u32)> {
        let lamports = self.client.balance(&self.payer.pubkey()).await?;
        Ok((u128::from(lamports), 9))
    }

    async fn status(&self, record: &MessageRecord) -> Result<DeliveryStatus> {
        let receipt = self.confirmed_receipt(record).await?;
        Ok(receipt.map_or(DeliveryStatus::None, |r| r.status.into()))
    }

    async fn paused(&self) -> Result<bool> {
        Ok(self.bridge.config().await?.paused)
    }

    /// Lands `execute_queued` once the receipt's release time has passed on this clock (a
    /// transfer queued by the rate limit is tried until the bucket has refilled).
    async fn execute_queued(&self, record: &MessageRecord) -> Result<bool> {
        let receipt = self.receipt(record).await?;
        if now_ms() / 1000 < receipt.release_at {
            return Ok(false);
        }
        let payout = self
            .bridge
            .payout(receipt.token_id, receipt.beneficiary)
            .await?;
        let instructions = vec![
            payout.create_beneficiary_token(&self.payer.pubkey())?,
            ix::execute_queued(&self.program, &self.receipt_key(record)?, &payout)?,
        ];
        match self.land(instructions, "execute_queued").await {
            Ok(landed) => {
                self.record_cost(record, &landed).await;
                tracing::info!(destination = %self.lane.name, tx = %landed.id, id = %hex::encode(record.id), "queued transfer executed");
                Ok(true)
            }
            Err(Error::Chain(trestle_core::Error::TransactionRejected { reason, .. })) => {
                // Not executable yet (the chain's clock, or the inbound bucket), or cancelled
                // since the status was read (the stage reads it again next time).
                tracing::debug!(destination = %self.lane.name, id = %hex::encode(record.id), %reason, "queued transfer not executable yet");
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }
}

/// Messages of the `submitted` stage (receipt reads; `execute_message` for arbitrary
/// messages) in flight at once.
const CONFIRM_IN_FLIGHT: usize = 32;

impl SolanaDestination {
    /// Works the queues until shutdown ([`worker::run`]).
    pub async fn run(self, shutdown: watch::Receiver<bool>) {
        tracing::info!(destination = %self.lane.name, payer = %self.payer.pubkey(), program = %self.program.id, in_flight = self.lane.settings.batch_size, "solana destination worker started");
        let sets = self.sets.clone();
        tokio::join!(worker::run(self, shutdown.clone()), sets.run(shutdown));
    }

    /// The step of `record` in `state`, its outcome persisted: moved on, deferred a tick (not
    /// yet), or a failed attempt recorded with backoff. Returns whether it moved on.
    async fn work(&self, record: &MessageRecord, stage: Stage) -> bool {
        let outcome = match stage {
            Stage::Submit => self.submit_one(record).await,
            _ => self.confirm_one(record).await,
        };
        self.lane
            .outcome(
                record,
                stage.state(),
                stage.name(),
                outcome,
                self.lane.tick(),
            )
            .await
    }
}

/// Each message is its own task (there is no batch transaction on Solana): up to
/// `relayer.batch_size` landing at once, [`CONFIRM_IN_FLIGHT`] confirming. Each message still
/// goes through its steps in order, each persisted before the next acts on it, and each step
/// reads the receipt PDA first: concurrency is between messages, never within one.
impl worker::Destination for SolanaDestination {
    fn lane(&self) -> &Lane {
        &self.lane
    }

    fn unit(&self, stage: Stage) -> Unit {
        match stage {
            Stage::Submit => Unit::Message(self.lane.settings.batch_size),
            // Each execute_queued is landed (confirmed) before its task reads the receipt
            // again, and one that the bucket refuses is "not yet", not a failed attempt.
            Stage::Execute => Unit::Message(worker::EXECUTE_BATCH),
            _ => Unit::Message(CONFIRM_IN_FLIGHT),
        }
    }

    /// Unused: no stage of this destination works by pass.
    async fn room(&self, _stage: Stage) -> u32 {
        0
    }

    async fn collect(&self, records: Vec<MessageRecord>) -> bool {
        self.collect_deliverable(records).await
    }

    async fn submit(&self, records: Vec<MessageRecord>) -> bool {
        let mut moved = false;
        for record in &records {
            moved |= self.work(record, Stage::Submit).await;
        }
        moved
    }

    async fn confirm(&self, records: Vec<MessageRecord>) -> bool {
        let mut moved = false;
        for record in &records {
            moved |= self.work(record, Stage::Confirm).await;
        }
        moved
    }
}
