//! The validator role: for every message the indexer recorded from an origin this validator
//! attests, check it against the chain again, sign the attestation digest of each route it is
//! a member of, and persist the signature before anyone can fetch it. It never signs a message
//! it cannot find on chain, and never two different messages for one `(origin, nonce)` (the
//! store refuses; see [`crate::Store::attest_many`]).
//!
//! One loop, [`Validator`], serves every kind of origin; only the check of a message on its
//! origin chain differs ([`Origin::check`]): an EVM origin
//! ([`crate::origin::evm::EvmOrigin`]: the log is in the canonical block the indexer saw, and
//! that block is final) or a Solana origin ([`crate::origin::solana::SolanaOrigin`]: the
//! transaction succeeded in the recorded slot at the chain's commitment and emitted this
//! message).
//!
//! The validator follows the destination's current set for this origin
//! ([`crate::remote_set`]): it signs a route's messages only while that set holds its key, and
//! for that set's epoch; a destination it cannot read is left out of the pass. After a
//! rotation that kept it, it signs again, for the new epoch, what it signed under an older one
//! and the destination has not delivered yet.
//!
//! A validator does not sign on one RPC endpoint's word: it asks each of the origin's
//! `rpc_urls` (its witnesses, [`Origin::witnesses`]) at once, and signs a message only when at
//! least the chain's `quorum` of them find it as recorded and final (a majority of them
//! unless configured). Endpoints that disagree (some find it, others answer that it is not
//! there) are logged, counted (`trestle_validator_disagreements_total`) and the message is
//! not signed; it is asked about again at the next pass.
//!
//! A pass checks its messages one by one, signs those found, then persists all their
//! attestations in one commit ([`crate::Store::attest_many`]), before any of them can be
//! served.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use trestle_core::evm::EvmSigner;
use trestle_evm::EvmChain;

use crate::attest::{ActiveRoute, Checked, SignedRoute, Signing, signed_routes};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::metrics::Metrics;
use crate::origin::{Found, Origin};
use crate::store::{MessageRecord, Store};

/// How often a pass looks at the origin's whole history for messages it has not attested
/// (otherwise it starts at the lowest nonce the previous passes left unattested).
const FULL_SCAN_EVERY: Duration = Duration::from_secs(10);

/// The most messages one pass takes up (new ones, and per route the ones signed again after a
/// rotation): their attestations are committed together.
const PASS_LIMIT: u32 = 256;

/// The validator of one origin chain, of any kind ([`Validator::for_origin`]).
#[derive(Debug)]
pub struct Validator<O: Origin> {
    signer: EvmSigner,
    origin: O,
    /// `origin` once per endpoint; `quorum` of them must agree on a message.
    witnesses: Vec<O>,
    quorum: usize,
    origin_name: String,
    origin_domain: u32,
    routes: Vec<SignedRoute>,
    store: Store,
    metrics: std::sync::Arc<Metrics>,
    /// `(destination, epoch)` -> the lowest nonce [`Validator::resign`] has not settled yet.
    resign_from: Mutex<BTreeMap<(u32, u64), u64>>,
    /// Where the next pass starts looking for messages not attested yet.
    scan: Mutex<Scan>,
    /// The destinations of its routes this daemon does not relay to: a message to one of them
    /// that this validator signed becomes `signed` ([`Store::mark_signed`]).
    unrelayed: Vec<u32>,
}

/// Where a pass starts looking for messages not attested yet: every message of `destinations`
/// below nonce `from` was attested (or found orphaned) by an earlier pass, so a pass need not
/// scan the validator's whole history. Another set of destinations, or `FULL_SCAN_EVERY`
/// after the last full scan, starts again from nonce 0 (a message revived by a reorg below
/// `from` waits at most that long).
#[derive(Debug)]
struct Scan {
    destinations: Vec<u32>,
    from: u64,
    full_at: Instant,
}

impl Scan {
    /// The nonce the pass over `destinations` starts at, as of `now`.
    fn start(&mut self, destinations: &[u32], now: Instant) -> u64 {
        if self.destinations != destinations || now >= self.full_at {
            self.destinations = destinations.to_vec();
            self.from = 0;
            self.full_at = now + FULL_SCAN_EVERY;
        }
        self.from
    }
}

impl<O: Origin> Validator<O> {
    /// The validator of `origin` if some route from it lists the signer's address among its
    /// validators or standby (`None` otherwise). Whether it signs, and for which epoch,
    /// follows the destination's set at each step; `chains` are the daemon's EVM chains
    /// (where EVM destinations' sets are read). A route whose destination cannot be reached
    /// is an error.
    pub fn for_origin(
        origin: O,
        config: &Config,
        signer: &EvmSigner,
        chains: &BTreeMap<String, Arc<EvmChain>>,
        store: &Store,
        metrics: &Arc<Metrics>,
    ) -> Result<Option<Self>> {
        let routes = signed_routes(config, origin.chain(), signer, chains)
            .into_iter()
            .collect::<Result<Vec<_>>>()?;
        if routes.is_empty() {
            return Ok(None);
        }
        let witnesses = origin.witnesses()?;
        let quorum = origin.chain().quorum();
        if !(1..=witnesses.len()).contains(&quorum) {
            return Err(Error::config(
                format!("chains ({}).quorum", origin.chain().name),
                format!("{quorum} of {} endpoints cannot agree", witnesses.len()),
            ));
        }
        tracing::info!(
            chain = %origin.chain().name,
            quorum,
            endpoints = witnesses.len(),
            "the validator signs a message once this many of the chain's RPC endpoints find it final"
        );
        Ok(Some(Self {
            signer: signer.clone(),
            witnesses,
            quorum,
            origin_name: origin.chain().name.clone(),
            origin_domain: origin.chain().domain,
            origin,
            routes,
            store: store.clone(),
            metrics: metrics.clone(),
            resign_from: Mutex::new(BTreeMap::new()),
            scan: Mutex::new(Scan {
                destinations: Vec::new(),
                from: 0,
                full_at: Instant::now(),
            }),
            unrelayed: Vec::new(),
        }))
    }

    /// This validator on a daemon that relays to `relayed` (destination domains) only: the
    /// messages it signed to any other destination of its routes leave `pending` for
    /// `signed`, so that its store's queue holds only what is left to sign (by default every
    /// signed message stays `pending` for the daemon's relayer).
    pub fn relaying_to(mut self, relayed: &[u32]) -> Self {
        self.unrelayed = self
            .routes
            .iter()
            .map(|r| r.destination)
            .filter(|d| !relayed.contains(d))
            .collect();
        self.unrelayed.sort_unstable();
        self.unrelayed.dedup();
        self
    }

    /// Attests until shutdown. After a pass that signed something the next one starts at
    /// once (more may be waiting); otherwise it waits the origin's poll interval
    /// (`chains[].poll_interval_ms`, the cadence its indexer reads new blocks at), or until
    /// this process's indexer records new messages, whichever comes first.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let poll = self.origin.poll_interval();
        let mut indexed = self.store.indexed_signal();
        loop {
            let signed = match self.step().await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(chain = %self.origin_name, error = %e, "validator step failed");
                    self.metrics.failure("attest", "retryable");
                    0
                }
            };
            if *shutdown.borrow() {
                return;
            }
            if signed == 0 {
                tokio::select! {
                    _ = tokio::time::sleep(poll) => {}
                    Ok(()) = indexed.changed() => {}
                    _ = shutdown.changed() => return,
                }
            }
        }
    }

    /// One pass: the messages to sign again after a rotation, then those not attested yet,
    /// each checked on the origin chain; the ones found are signed and their attestations
    /// committed together. Returns how many attestations were newly stored.
    pub async fn step(&self) -> Result<usize> {
        let signing = self.signing();
        let active = signing.active_routes(&self.routes).await;
        if active.is_empty() {
            return Ok(0);
        }
        let mut pass = self.passes();
        let mut batch = Vec::new();
        let mut settled = Vec::new();
        for route in &active {
            let (destination, epoch) = (route.destination, route.epoch);
            match self.resign(route, &mut pass, &mut batch).await {
                Ok(Some(next)) => settled.push(((destination, epoch), next)),
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(chain = %self.origin_name, destination, error = %e, "cannot sign again for the new epoch now");
                    self.metrics.failure("attest", "retryable");
                }
            }
        }
        let destinations: Vec<u32> = active.iter().map(|r| r.destination).collect();
        let from = self
            .scan
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .start(&destinations, Instant::now());
        let todo = self
            .store
            .unattested_from(
                self.origin_domain,
                &self.origin.origin_bridge().0,
                &destinations,
                &self.signer.address().0,
                from,
                PASS_LIMIT,
            )
            .await?;
        // The lowest nonce this pass leaves unattested: where the next one starts.
        let mut left = todo.last().map(|r| r.nonce.saturating_add(1));
        for record in todo {
            let nonce = record.nonce;
            match self.checked(record, &active, &mut pass).await {
                Ok(Some(checked)) => batch.push(checked),
                Ok(None) => {
                    left = left.map(|l| l.min(nonce));
                    break;
                }
                Err(e) => {
                    left = left.map(|l| l.min(nonce));
                    tracing::warn!(chain = %self.origin_name, error = %e, "not attested");
                    self.metrics.failure("attest", "not_found");
                }
            }
        }
        let signed = signing.sign(batch).await?;
        if let Err(e) = self
            .store
            .mark_signed(
                self.origin_domain,
                &self.origin.origin_bridge().0,
                &self.unrelayed,
                &self.signer.address().0,
            )
            .await
        {
            tracing::warn!(chain = %self.origin_name, error = %e, "cannot mark signed messages");
        }
        // Only now that what they looked at is committed.
        self.resign_from
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(settled);
        if let Some(left) = left {
            let mut scan = self.scan.lock().unwrap_or_else(|e| e.into_inner());
            if scan.destinations == destinations && scan.from == from {
                scan.from = left;
            }
        }
        Ok(signed)
    }

    /// After a rotation that kept this validator: adds to `batch`, for the new `epoch`, the
    /// messages to `destination` it signed under an older one and that the destination has
    /// not delivered yet (else they would wait for signatures of the new members only).
    /// Delivered ones are passed over; each message is looked at once per epoch. Returns the
    /// nonce from which the next pass looks, to be remembered once `batch` is committed.
    async fn resign(
        &self,
        active: &ActiveRoute,
        pass: &mut [O::Pass],
        batch: &mut Vec<Checked>,
    ) -> Result<Option<u64>> {
        let (destination, epoch) = (active.destination, active.epoch);
        let Some(route) = self.routes.iter().find(|r| r.destination == destination) else {
            return Ok(None);
        };
        let from = self
            .resign_from
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&(destination, epoch))
            .copied()
            .unwrap_or(0);
        // Read before the scan: every message attested up to this nonce is seen by the scan,
        // so a scan that reaches its end settles up to here, not only up to its last row (an
        // idle validator would otherwise rescan all it attested since `from` on every pass).
        let attested_up_to = self
            .store
            .max_attested_nonce(
                self.origin_domain,
                &self.origin.origin_bridge().0,
                &self.signer.address().0,
            )
            .await?;
        let todo = self
            .store
            .attested_before_epoch(
                self.origin_domain,
                &self.origin.origin_bridge().0,
                destination,
                epoch,
                &self.signer.address().0,
                from,
                PASS_LIMIT,
            )
            .await?;
        let mut complete = todo.len() < PASS_LIMIT as usize;
        let mut settled = from;
        for record in todo {
            let nonce = record.nonce;
            if !route
                .set
                .delivered(
                    record.origin,
                    &self.origin.origin_bridge(),
                    record.nonce,
                    &record.id,
                )
                .await?
            {
                match self
                    .checked(record, std::slice::from_ref(active), pass)
                    .await
                {
                    Ok(Some(mut checked)) => {
                        checked.again = true;
                        batch.push(checked);
                    }
                    Ok(None) => {
                        complete = false;
                        break;
                    }
                    Err(e) => {
                        tracing::warn!(chain = %self.origin_name, nonce, error = %e, "not signed again for the new epoch");
                        complete = false;
                        break;
                    }
                }
            }
            settled = nonce.saturating_add(1);
        }
        if complete && let Some(up_to) = attested_up_to {
            settled = settled.max(up_to.saturating_add(1));
        }
        Ok(Some(settled))
    }

    /// `record` checked on the origin chain, to be signed for `routes`; `None` if its block
    /// is not final yet.
    async fn checked(
        &self,
        record: MessageRecord,
        routes: &[ActiveRoute],
        pass: &mut [O::Pass],
    ) -> Result<Option<Checked>> {
        let message = record.message()?;
        if message.id() != record.id {
            return Err(Error::CorruptRow(format!(
                "message 0x{} (nonce {}) is stored with the id of another message",
                hex::encode(record.id),
                record.nonce
            )));
        }
        Ok(match self.witnessed(&record, &message, pass).await? {
            Found::Final => Some(Checked {
                record,
                message,
                routes: routes.to_vec(),
                again: false,
            }),
            Found::NotFinal | Found::Absent(_) => None,
        })
    }

    /// A fresh pass of each witness.
    fn passes(&self) -> Vec<O::Pass> {
        self.witnesses.iter().map(|_| O::Pass::default()).collect()
    }

    /// What the witnesses, asked at once, agree on about `message` (stored as `record`):
    /// final when `quorum` of them find it final; not final yet when that many find it final
    /// or not final yet, none absent; otherwise an error, naming what each endpoint said.
    /// Decided as soon as `quorum` found it final: a slow endpoint (one that answers just
    /// before its timeout, on purpose or not) does not hold up what the others agreed on.
    async fn witnessed(
        &self,
        record: &MessageRecord,
        message: &trestle_bridge::Message,
        passes: &mut [O::Pass],
    ) -> Result<Found> {
        use futures_util::StreamExt;
        let mut asked: futures_util::stream::FuturesUnordered<_> =
            self.witnesses
                .iter()
                .zip(passes.iter_mut())
                .enumerate()
                .map(|(i, (witness, pass))| async move {
                    (i, witness.check(record, message, pass).await)
                })
                .collect();
        let mut answers: Vec<Option<Result<Found>>> = self.witnesses.iter().map(|_| None).collect();
        while let Some((i, answer)) = asked.next().await {
            if let Some(slot) = answers.get_mut(i) {
                *slot = Some(answer);
            }
            if Tally::of(answers.iter().flatten()).final_ >= self.quorum {
                break;
            }
        }
        drop(asked);
        let tally = Tally::of(answers.iter().flatten());
        let said = || {
            self.witnesses
                .iter()
                .zip(&answers)
                .map(|(w, answer)| {
                    let what = match answer {
                        Some(Ok(Found::Final)) => "final".to_owned(),
                        Some(Ok(Found::NotFinal)) => "not final yet".to_owned(),
                        Some(Ok(Found::Absent(why))) => format!("absent: {why}"),
                        Some(Err(e)) => format!("no answer: {e}"),
                        None => "not waited for (the quorum had agreed)".to_owned(),
                    };
                    format!("{}: {what}", endpoint_label(w.chain()))
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        let about = || {
            format!(
                "message 0x{} (nonce {})",
                hex::encode(record.id),
                record.nonce
            )
        };
        if tally.absent > 0 && tally.present > 0 {
            self.metrics
                .validator_disagreements
                .get_or_create(&vec![("chain", self.origin_name.clone())])
                .inc();
            tracing::warn!(chain = %self.origin_name, id = %format!("0x{}", hex::encode(record.id)), nonce = record.nonce, endpoints = %said(), "RPC endpoints disagree about a message");
        }
        match tally.decide(self.quorum) {
            Decision::Sign => Ok(Found::Final),
            Decision::Wait => Ok(Found::NotFinal),
            Decision::Refuse => Err(Error::Unconfirmed(format!(
                "{} is not signed: {} of {} endpoints found it final, {} needed ({})",
                about(),
                tally.final_,
                answers.len(),
                self.quorum,
                said()
            ))),
        }
    }

    /// What signing needs of this validator.
    fn signing(&self) -> Signing<'_> {
        Signing {
            signer: &self.signer,
            store: &self.store,
            metrics: &self.metrics,
            origin_name: &self.origin_name,
            origin_domain: self.origin_domain,
            origin_bridge: self.origin.origin_bridge(),
        }
    }
}

/// An endpoint of a witness's chain (it has one), without credentials, path or query.
fn endpoint_label(chain: &crate::config::ChainConfig) -> String {
    chain.rpc_urls.first().map_or_else(
        || chain.name.clone(),
        |url| trestle_core::redact::redact_url(url),
    )
}

/// How many witnesses said what about one message.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Tally {
    /// Found it as recorded, and final.
    final_: usize,
    /// Found it as recorded, or said its block is not final yet.
    present: usize,
    /// Answered that it is not there as recorded.
    absent: usize,
}

/// What a validator does with a message, from its witnesses' [`Tally`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    /// Enough endpoints found it final.
    Sign,
    /// Not final yet where it would count: ask again next pass.
    Wait,
    /// Not signed now: endpoints disagree, or too few answered.
    Refuse,
}

impl Tally {
    fn of<'a>(answers: impl IntoIterator<Item = &'a Result<Found>>) -> Self {
        let mut tally = Self::default();
        for answer in answers {
            match answer {
                Ok(Found::Final) => {
                    tally.final_ += 1;
                    tally.present += 1;
                }
                Ok(Found::NotFinal) => tally.present += 1,
                Ok(Found::Absent(_)) => tally.absent += 1,
                Err(_) => {}
            }
        }
        tally
    }

    /// Signed when `quorum` found it final, even with another endpoint disagreeing (that one
    /// is behind or lying, and outvoted). Waited for when, with no endpoint saying it is
    /// absent, `quorum` found it final or not final yet. Refused otherwise.
    fn decide(self, quorum: usize) -> Decision {
        if self.final_ >= quorum {
            Decision::Sign
        } else if self.absent == 0 && self.present >= quorum {
            Decision::Wait
        } else {
            Decision::Refuse
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(answers: &[Result<Found>]) -> Tally {
        Tally::of(answers.iter())
    }

    #[test]
    fn a_message_is_signed_only_when_a_quorum_of_endpoints_find_it_final() {
        let fin = || Ok(Found::Final);
        let wait = || Ok(Found::NotFinal);
        let absent = || Ok(Found::Absent("no such log".into()));
        let down = || Err(Error::Unconfirmed("timed out".into()));
        use Decision::*;
        for (answers, quorum, decision) in [
            (vec![fin()], 1, Sign),
            (vec![wait()], 1, Wait),
            (vec![absent()], 1, Refuse),
            (vec![down()], 1, Refuse),
            // One forged log against an honest endpoint: not signed, whichever is first.
            (vec![fin(), absent()], 2, Refuse),
            (vec![absent(), fin()], 2, Refuse),
            (vec![fin(), down()], 2, Refuse),
            (vec![fin(), fin()], 2, Sign),
            // One endpoint behind: wait for it.
            (vec![fin(), wait()], 2, Wait),
            // Outvoted: two honest endpoints of three sign over a lying or lagging third.
            (vec![fin(), fin(), absent()], 2, Sign),
            (vec![fin(), absent(), down()], 2, Refuse),
            (vec![fin(), wait(), absent()], 2, Refuse),
            (vec![fin(), wait(), down()], 2, Wait),
            // A quorum of one (opted into) signs on any endpoint's word.
            (vec![fin(), absent()], 1, Sign),
        ] {
            let t = tally(&answers);
            assert_eq!(
                t.decide(quorum),
                decision,
                "{answers:?} with quorum {quorum}"
            );
        }
    }

    #[test]
    fn a_scan_restarts_from_zero_for_other_destinations_and_after_the_full_scan_period() {
        let t0 = Instant::now();
        let mut scan = Scan {
            destinations: Vec::new(),
            from: 0,
            full_at: t0,
        };
        assert_eq!(scan.start(&[2], t0), 0);
        scan.from = 40;
        // Same destinations within the period: from where the last pass left off.
        assert_eq!(scan.start(&[2], t0 + Duration::from_secs(1)), 40);
        // Another route became active: its older messages must be seen.
        assert_eq!(scan.start(&[2, 3], t0 + Duration::from_secs(2)), 0);
        scan.from = 50;
        assert_eq!(scan.start(&[2, 3], t0 + Duration::from_secs(3)), 50);
        // The periodic full scan, a period after the last one (a message revived below
        // `from` by a reorg is found).
        let full = t0 + Duration::from_secs(2) + FULL_SCAN_EVERY;
        assert_eq!(scan.start(&[2, 3], full - Duration::from_millis(1)), 50);
        assert_eq!(scan.start(&[2, 3], full), 0);
        scan.from = 60;
        assert_eq!(scan.start(&[2, 3], full + Duration::from_secs(1)), 60);
    }
}
