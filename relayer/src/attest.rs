//! The validator role ([`Validator`]: one loop for every kind of origin), and what it needs
//! once a message has been checked on its origin chain (each kind does that its own way,
//! [`crate::origin::Origin::check`]): which routes it signs for, and for which epoch (the
//! destination's current set, [`crate::remote_set`]), and signing the attestations of a pass
//! and persisting them in one commit.

mod validator;

pub use validator::Validator;

use std::collections::BTreeMap;
use std::sync::Arc;

use trestle_bridge::{Attestation, Message};
use trestle_core::chain::UniversalAddress;
use trestle_core::evm::EvmSigner;
use trestle_evm::EvmChain;

use crate::config::{ChainConfig, Config};
use crate::error::{Error, Result};
use crate::metrics::Metrics;
use crate::remote_set::DestinationSet;
use crate::store::{AttestOutcome, AttestationRecord, MessageRecord, Store};

/// A route a validator may sign for: the destination domain and bridge, and where to read the
/// set the destination holds for the origin (EVM `remote(origin)`, or the Solana program's
/// `Remote` account), whose epoch it signs for while it is a member.
#[derive(Debug, Clone)]
pub(crate) struct SignedRoute {
    /// The destination's domain.
    pub(crate) destination: u32,
    /// The destination bridge the attestation digest names (the EVM bridge's address, or the
    /// Solana program id): a signature for this deployment verifies on no other.
    pub(crate) bridge: UniversalAddress,
    /// Where the destination's set for the origin is read.
    pub(crate) set: DestinationSet,
}

/// A route this validator signs for now: a [`SignedRoute`] whose destination's current set
/// holds it, with that set's epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ActiveRoute {
    /// The destination's domain.
    pub(crate) destination: u32,
    /// The destination bridge.
    pub(crate) bridge: UniversalAddress,
    /// The epoch of the destination's current set for the origin.
    pub(crate) epoch: u64,
}

/// The routes from `origin` whose validators or standby list `signer`, each with where its
/// destination's set is read (`chains`: the daemon's EVM chains). A route whose destination
/// is not configured is left out; one whose destination cannot be reached (an EVM chain not
/// connected, a Solana RPC client that cannot be built) is an error for that route.
pub(crate) fn signed_routes(
    config: &Config,
    origin: &ChainConfig,
    signer: &EvmSigner,
    chains: &BTreeMap<String, Arc<EvmChain>>,
) -> Vec<Result<SignedRoute>> {
    config
        .routes
        .iter()
        .filter(|r| r.from == origin.name)
        .filter(|r| r.endpoint(&signer.address()).is_some())
        .filter_map(|r| {
            let d = config.chain(&r.to)?;
            let bridge = d.bridge_address();
            let set = DestinationSet::for_chain(d, chains);
            Some(set.map(|set| SignedRoute {
                destination: d.domain,
                bridge,
                set,
            }))
        })
        .collect()
}

/// A message checked on its origin chain, to be signed for some routes.
#[derive(Debug)]
pub(crate) struct Checked {
    /// The message as the store holds it.
    pub(crate) record: MessageRecord,
    /// The message itself (decoded from `record`, found on the origin chain).
    pub(crate) message: Message,
    /// The routes to sign it for; only its own destination's count.
    pub(crate) routes: Vec<ActiveRoute>,
    /// Whether this signs again, for a new epoch, a message signed under an older one.
    pub(crate) again: bool,
}

impl Checked {
    /// The routes it is signed for: those to its own destination.
    fn signed_for(&self) -> impl Iterator<Item = &ActiveRoute> + '_ {
        self.routes
            .iter()
            .filter(|r| r.destination == self.message.destination)
    }
}

/// One validator of one origin, as far as signing goes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Signing<'a> {
    /// The validator's key.
    pub(crate) signer: &'a EvmSigner,
    /// Where attestations are persisted (and equivocation refused).
    pub(crate) store: &'a Store,
    /// The daemon's metrics.
    pub(crate) metrics: &'a Metrics,
    /// The origin chain's name (for logs).
    pub(crate) origin_name: &'a str,
    /// The origin chain's domain.
    pub(crate) origin_domain: u32,
    /// The origin bridge as the digest names it (EVM contract padded, or the program id).
    pub(crate) origin_bridge: UniversalAddress,
}

/// From this many signatures on, a pass signs on a blocking thread (k256 signing is CPU
/// work that would otherwise hold a runtime worker from the indexer and the API).
const BLOCKING_SIGNATURES: usize = 16;

impl Signing<'_> {
    /// Each route whose destination's current set for this origin holds the signer, with the
    /// set's epoch. A destination that cannot be read is left out of this step: signing for a
    /// stale epoch would use up the message's nonce for nothing.
    pub(crate) async fn active_routes(&self, routes: &[SignedRoute]) -> Vec<ActiveRoute> {
        let me = self.signer.address();
        let mut out = Vec::new();
        for route in routes {
            match route
                .set
                .signing_epoch(self.origin_domain, &self.origin_bridge, &me)
                .await
            {
                Ok(Some(epoch)) => out.push(ActiveRoute {
                    destination: route.destination,
                    bridge: route.bridge,
                    epoch,
                }),
                Ok(None) => {
                    tracing::debug!(chain = %self.origin_name, destination = route.destination, "not in the destination's validator set; not signing for it");
                }
                Err(e) => {
                    tracing::warn!(chain = %self.origin_name, destination = route.destination, error = %e, "cannot read the destination's validator set; not signing for it");
                    self.metrics.failure("attest", "retryable");
                }
            }
        }
        out
    }

    /// Signs each message of `batch` (already checked on its origin chain) for each of its
    /// routes to its destination, then persists all the signatures in one commit
    /// ([`Store::attest_many`]). A refused item (equivocation) is logged and counted and does
    /// not hold back the others. Returns how many attestations were newly stored; an error
    /// means nothing was stored.
    pub(crate) async fn sign(&self, batch: Vec<Checked>) -> Result<usize> {
        let signatures: usize = batch.iter().map(|c| c.signed_for().count()).sum();
        if signatures == 0 {
            return Ok(0);
        }
        let this = OwnedSigner {
            signer: self.signer.clone(),
            origin_bridge: self.origin_bridge,
        };
        let (batch, signed) = if signatures >= BLOCKING_SIGNATURES {
            tokio::task::spawn_blocking(move || {
                let signed = this.sign_all(&batch);
                (batch, signed)
            })
            .await
            .map_err(|e| Error::Io {
                what: "signing attestations".into(),
                source: std::io::Error::other(e),
            })?
        } else {
            let signed = this.sign_all(&batch);
            (batch, signed)
        };
        let mut records = Vec::with_capacity(signed.len());
        let mut of = Vec::with_capacity(signed.len());
        for (index, result) in signed {
            let Some(checked) = batch.get(index) else {
                continue;
            };
            match result {
                Ok(record) => {
                    records.push(record);
                    of.push(checked);
                }
                Err(e) => {
                    tracing::warn!(chain = %self.origin_name, nonce = checked.message.nonce, error = %e, "not attested: signing failed");
                    self.metrics.failure("attest", "retryable");
                }
            }
        }
        let outcomes = self
            .store
            .attest_many(&self.origin_bridge.0, &records)
            .await?;
        let mut stored = 0;
        let mut nonces = (u64::MAX, 0);
        for ((record, checked), outcome) in records.iter().zip(of).zip(outcomes) {
            match outcome {
                Ok(AttestOutcome::Stored) => {
                    stored += 1;
                    nonces = (nonces.0.min(record.nonce), nonces.1.max(record.nonce));
                    self.metrics.attestations_signed.inc();
                    if checked.again {
                        tracing::info!(chain = %self.origin_name, nonce = record.nonce, epoch = record.epoch, "signed again for the destination's new epoch");
                    } else {
                        tracing::debug!(chain = %self.origin_name, nonce = record.nonce, id = %hex::encode(record.message_id), epoch = record.epoch, "attested");
                    }
                }
                Ok(AttestOutcome::AlreadyStored) => {}
                Err(e @ Error::Equivocation { .. }) => {
                    self.metrics.failure("attest", "equivocation");
                    tracing::error!(chain = %self.origin_name, error = %e, "refused to sign");
                }
                Err(e) => {
                    self.metrics.failure("attest", "retryable");
                    tracing::warn!(chain = %self.origin_name, nonce = record.nonce, error = %e, "not attested");
                }
            }
        }
        if stored > 0 {
            tracing::info!(chain = %self.origin_name, attestations = stored, first_nonce = nonces.0, last_nonce = nonces.1, "attested");
        }
        Ok(stored)
    }
}

/// What signing needs, owned, so that it can run on a blocking thread.
struct OwnedSigner {
    signer: EvmSigner,
    origin_bridge: UniversalAddress,
}

impl OwnedSigner {
    /// Each attestation of `batch`, signed, with the index of its item.
    fn sign_all(&self, batch: &[Checked]) -> Vec<(usize, Result<AttestationRecord>)> {
        let mut out = Vec::new();
        for (index, checked) in batch.iter().enumerate() {
            for route in checked.signed_for() {
                out.push((index, self.sign_one(checked, route)));
            }
        }
        out
    }

    fn sign_one(&self, checked: &Checked, route: &ActiveRoute) -> Result<AttestationRecord> {
        let message = &checked.message;
        let epoch = route.epoch;
        let attestation = Attestation {
            origin: message.origin,
            origin_bridge: self.origin_bridge,
            destination: route.destination,
            destination_bridge: route.bridge,
            epoch,
            message_id: checked.record.id,
        };
        let signature = self.signer.sign_hash(&attestation.digest())?.to_bytes();
        Ok(AttestationRecord {
            message_id: checked.record.id,
            epoch,
            signer: self.signer.address().0,
            origin: message.origin,
            nonce: message.nonce,
            destination: message.destination,
            signature,
        })
    }
}
