//! What the EVM and the Solana validators share once a message has been checked on its
//! origin chain (each does that its own way): which routes they sign for, and for which epoch
//! (the destination's current set, [`crate::remote_set`]), and signing and persisting the
//! attestation of each.

use trestle_bridge::{Attestation, Message};
use trestle_core::chain::UniversalAddress;
use trestle_core::evm::EvmSigner;

use crate::error::Result;
use crate::metrics::Metrics;
use crate::remote_set::DestinationSet;
use crate::store::{AttestOutcome, AttestationRecord, MessageRecord, Store};

/// A route a validator may sign for: the destination domain, and where to read the set the
/// destination holds for the origin (EVM `remote(origin)`, or the Solana program's `Remote`
/// account), whose epoch it signs for while it is a member.
#[derive(Debug, Clone)]
pub(crate) struct SignedRoute {
    /// The destination's domain.
    pub(crate) destination: u32,
    /// Where the destination's set for the origin is read.
    pub(crate) set: DestinationSet,
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

impl Signing<'_> {
    /// `(destination, epoch)` of each route whose destination's current set for this origin
    /// holds the signer. A destination that cannot be read is left out of this step: signing
    /// for a stale epoch would use up the message's nonce for nothing.
    pub(crate) async fn active_routes(&self, routes: &[SignedRoute]) -> Vec<(u32, u64)> {
        let me = self.signer.address();
        let mut out = Vec::new();
        for route in routes {
            match route
                .set
                .signing_epoch(self.origin_domain, &self.origin_bridge, &me)
                .await
            {
                Ok(Some(epoch)) => out.push((route.destination, epoch)),
                Ok(None) => {
                    tracing::debug!(chain = %self.origin_name, destination = route.destination, "not in the destination's validator set; not signing for it");
                }
                Err(e) => {
                    tracing::warn!(chain = %self.origin_name, destination = route.destination, error = %e, "cannot read the destination's validator set; not signing for it now");
                    self.metrics.failure("attest", "retryable");
                }
            }
        }
        out
    }

    /// Signs `message` (already checked on its origin chain) for each active route to its
    /// destination and persists each signature. Returns how many were newly stored.
    pub(crate) async fn sign(
        &self,
        record: &MessageRecord,
        message: &Message,
        active: &[(u32, u64)],
    ) -> Result<usize> {
        let mut signed = 0;
        for &(_, epoch) in active
            .iter()
            .filter(|(destination, _)| *destination == message.destination)
        {
            let attestation = Attestation {
                origin: message.origin,
                origin_bridge: self.origin_bridge,
                epoch,
                message_id: record.id,
            };
            let signature = self.signer.sign_hash(&attestation.digest())?.to_bytes();
            let outcome = self
                .store
                .attest(&AttestationRecord {
                    message_id: record.id,
                    epoch,
                    signer: self.signer.address().0,
                    origin: message.origin,
                    nonce: message.nonce,
                    destination: message.destination,
                    signature,
                })
                .await?;
            if outcome == AttestOutcome::Stored {
                signed += 1;
                self.metrics.attestations_signed.inc();
                tracing::info!(chain = %self.origin_name, nonce = message.nonce, id = %hex::encode(record.id), epoch, "attested");
            }
        }
        Ok(signed)
    }
}
