//! The validator role: for every message the indexer recorded from an origin this validator
//! attests, check it against the chain again (the log is in the canonical block the indexer
//! saw, and that block is final), sign the attestation digest of each route it is a member of,
//! and persist the signature before anyone can fetch it. It never signs a message it cannot
//! find on chain, and never two different messages for one `(origin, nonce)` (the store
//! refuses; see [`crate::Store::attest`]).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use trestle_bridge::Attestation;
use trestle_core::chain::UniversalAddress;
use trestle_core::evm::EvmSigner;
use trestle_evm::EvmChain;

use crate::bridge::{decode_message_sent, message_sent_filter};
use crate::config::{ChainConfig, Config};
use crate::error::{Error, Result};
use crate::indexer::pause;
use crate::metrics::Metrics;
use crate::store::{AttestOutcome, AttestationRecord, MessageRecord, Store};

/// A route this validator signs for: destination domain and epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SignedRoute {
    destination: u32,
    epoch: u64,
}

/// The validator of one origin chain.
#[derive(Debug)]
pub struct Validator {
    signer: EvmSigner,
    chain: Arc<EvmChain>,
    origin: ChainConfig,
    routes: Vec<SignedRoute>,
    store: Store,
    metrics: Arc<Metrics>,
}

impl Validator {
    /// The validators to run: one per origin chain that has a route whose set contains the
    /// signer's address.
    pub fn for_config(
        config: &Config,
        signer: &EvmSigner,
        chains: &BTreeMap<String, Arc<EvmChain>>,
        store: &Store,
        metrics: &Arc<Metrics>,
    ) -> Vec<Validator> {
        let mut out = Vec::new();
        for origin in &config.chains {
            let routes: Vec<SignedRoute> = config
                .routes
                .iter()
                .filter(|r| r.from == origin.name)
                .filter(|r| r.validators.iter().any(|v| v.address == signer.address()))
                .filter_map(|r| {
                    config.chain(&r.to).map(|d| SignedRoute {
                        destination: d.domain,
                        epoch: r.epoch,
                    })
                })
                .collect();
            if routes.is_empty() {
                continue;
            }
            let Some(chain) = chains.get(&origin.name) else {
                continue;
            };
            out.push(Validator {
                signer: signer.clone(),
                chain: chain.clone(),
                origin: origin.clone(),
                routes,
                store: store.clone(),
                metrics: metrics.clone(),
            });
        }
        out
    }

    /// Attests until shutdown.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let poll = self.chain.poll_interval().max(Duration::from_millis(100));
        loop {
            if let Err(e) = self.step().await {
                tracing::warn!(chain = %self.origin.name, error = %e, "validator step failed");
                self.metrics.failure("attest", "retryable");
            }
            if pause(&mut shutdown, poll).await {
                return;
            }
        }
    }

    /// One pass over the messages not attested yet. Returns how many were signed.
    pub async fn step(&self) -> Result<usize> {
        let signer = self.signer.address().0;
        let destinations: Vec<u32> = self.routes.iter().map(|r| r.destination).collect();
        let todo = self
            .store
            .unattested(self.origin.domain, &destinations, &signer, 100)
            .await?;
        if todo.is_empty() {
            return Ok(0);
        }
        let safe = self.chain.safe_height().await?;
        let mut signed = 0;
        for record in todo {
            if record.origin_height > safe {
                break;
            }
            match self.attest(&record).await {
                Ok(n) => signed += n,
                Err(e @ Error::Equivocation { .. }) => {
                    self.metrics.failure("attest", "equivocation");
                    tracing::error!(chain = %self.origin.name, error = %e, "refused to sign");
                }
                Err(e) => {
                    tracing::warn!(chain = %self.origin.name, nonce = record.nonce, error = %e, "not attested");
                    self.metrics.failure("attest", "not_found");
                }
            }
        }
        Ok(signed)
    }

    async fn attest(&self, record: &MessageRecord) -> Result<usize> {
        let message = record.message()?;
        self.check_on_chain(record, &message).await?;
        let origin_bridge = UniversalAddress::from_evm(self.origin.bridge.0);
        let mut signed = 0;
        for route in self
            .routes
            .iter()
            .filter(|r| r.destination == message.destination)
        {
            let attestation = Attestation {
                origin: message.origin,
                origin_bridge,
                epoch: route.epoch,
                message_id: record.id,
            };
            let signature = self.signer.sign_hash(&attestation.digest())?.to_bytes();
            let outcome = self
                .store
                .attest(&AttestationRecord {
                    message_id: record.id,
                    epoch: route.epoch,
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
                tracing::info!(chain = %self.origin.name, nonce = message.nonce, id = %hex::encode(record.id), epoch = route.epoch, "attested");
            }
        }
        Ok(signed)
    }

    /// The message must be in a `MessageSent` log of the origin bridge in the block (number
    /// and hash) the indexer recorded, and that block must be final and canonical.
    async fn check_on_chain(
        &self,
        record: &MessageRecord,
        message: &trestle_bridge::Message,
    ) -> Result<()> {
        let height = record.origin_height;
        let not_found = |reason: &str| {
            Error::Chain(trestle_core::Error::MalformedResponse {
                endpoint: self.origin.name.clone(),
                reason: format!(
                    "message 0x{} (nonce {}) {reason}",
                    hex::encode(record.id),
                    message.nonce
                ),
            })
        };
        let safe = self.chain.safe_height().await?;
        if height > safe {
            return Err(not_found("is not final yet"));
        }
        let logs = self
            .chain
            .logs(&message_sent_filter(self.origin.bridge), height, height)
            .await?;
        let found = logs.iter().any(|event| {
            event.block_hash == record.origin_block_hash
                && matches!(
                    decode_message_sent(event, self.origin.bridge, self.origin.domain),
                    Ok(Some(ref m)) if m == message
                )
        });
        if !found {
            return Err(not_found(&format!(
                "is not in a MessageSent log of block {height} on chain"
            )));
        }
        Ok(())
    }
}
