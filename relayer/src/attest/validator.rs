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
    origin_name: String,
    origin_domain: u32,
    routes: Vec<SignedRoute>,
    store: Store,
    metrics: std::sync::Arc<Metrics>,
    /// `(destination, epoch)` -> the lowest nonce [`Validator::resign`] has not settled yet.
    resign_from: Mutex<BTreeMap<(u32, u64), u64>>,
    /// Where the next pass starts looking for messages not attested yet.
    scan: Mutex<Scan>,
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
        Ok(Some(Self {
            signer: signer.clone(),
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
        }))
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
        let mut pass = O::Pass::default();
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
        pass: &mut O::Pass,
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
        pass: &mut O::Pass,
    ) -> Result<Option<Checked>> {
        let message = record.message()?;
        if message.id() != record.id {
            return Err(Error::CorruptRow(format!(
                "message 0x{} (nonce {}) is stored with the id of another message",
                hex::encode(record.id),
                record.nonce
            )));
        }
        Ok(match self.origin.check(&record, &message, pass).await? {
            Found::Final => Some(Checked {
                record,
                message,
                routes: routes.to_vec(),
                again: false,
            }),
            Found::NotFinal => None,
        })
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

#[cfg(test)]
mod tests {
    use super::*;

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
