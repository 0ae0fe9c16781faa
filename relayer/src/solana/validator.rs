//! The validator of a Solana origin: for every message the indexer recorded, fetch its
//! transaction again at the chain's commitment (`finalized` by default) and check that it
//! exists, succeeded, landed in the recorded slot and that the bridge program logged exactly
//! this message in it; then sign the same attestation digest as for EVM origins (the origin
//! bridge is the program id as 32 bytes) and persist the signature before anyone can fetch it.
//! The store refuses a second message for one `(origin, nonce)`.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use trestle_bridge::Attestation;
use trestle_bridge::solana::events::sent_messages;
use trestle_core::chain::{TxId, UniversalAddress};
use trestle_core::evm::EvmSigner;
use trestle_solana::SolanaClient;

use crate::config::{ChainConfig, Config, SolanaChainConfig};
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

/// The validator of one Solana origin.
#[derive(Debug)]
pub struct SolanaValidator {
    signer: EvmSigner,
    client: Arc<SolanaClient>,
    origin: ChainConfig,
    settings: SolanaChainConfig,
    routes: Vec<SignedRoute>,
    store: Store,
    metrics: Arc<Metrics>,
}

impl SolanaValidator {
    /// The validator of `origin` if some route from it lists the signer's address.
    pub fn for_chain(
        config: &Config,
        origin: &ChainConfig,
        signer: &EvmSigner,
        client: &Arc<SolanaClient>,
        store: &Store,
        metrics: &Arc<Metrics>,
    ) -> Result<Option<Self>> {
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
            return Ok(None);
        }
        Ok(Some(Self {
            signer: signer.clone(),
            client: client.clone(),
            origin: origin.clone(),
            settings: super::settings(origin)?,
            routes,
            store: store.clone(),
            metrics: metrics.clone(),
        }))
    }

    /// Attests until shutdown.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let poll = Duration::from_millis(
            self.origin
                .poll_interval_ms
                .unwrap_or(super::indexer::DEFAULT_POLL_MS),
        );
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

    /// One pass over the messages not attested yet. Returns how many attestations were
    /// signed.
    pub async fn step(&self) -> Result<usize> {
        let signer = self.signer.address().0;
        let destinations: Vec<u32> = self.routes.iter().map(|r| r.destination).collect();
        let todo = self
            .store
            .unattested(self.origin.domain, &destinations, &signer, 100)
            .await?;
        let mut signed = 0;
        for record in todo {
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
        check_on_chain(&self.client, &self.origin, &self.settings, record, &message).await?;
        let origin_bridge = UniversalAddress(self.settings.program.0);
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
}

/// The message must have been logged by the bridge program in a successful transaction the
/// node returns at the chain's commitment, in the slot the indexer recorded, and the origin
/// must be this chain.
pub async fn check_on_chain(
    client: &SolanaClient,
    origin: &ChainConfig,
    settings: &SolanaChainConfig,
    record: &MessageRecord,
    message: &trestle_bridge::Message,
) -> Result<()> {
    let refuse = |reason: String| {
        Error::Chain(trestle_core::Error::MalformedResponse {
            endpoint: origin.name.clone(),
            reason: format!(
                "message 0x{} (nonce {}) {reason}",
                hex::encode(record.id),
                message.nonce
            ),
        })
    };
    if message.origin != origin.domain {
        return Err(refuse(format!(
            "has origin {}, not this chain's domain {}",
            message.origin, origin.domain
        )));
    }
    let signature = <[u8; 64]>::try_from(record.origin_tx.as_slice())
        .map_err(|_| refuse("has no Solana transaction signature recorded".into()))?;
    let id = TxId::Solana(signature);
    let Some(tx) = client.program_transaction(&id, &settings.program).await? else {
        return Err(refuse(format!(
            "is not in a transaction the node has at {} commitment ({id})",
            settings.commitment.to_commitment()
        )));
    };
    if let Some(e) = &tx.error {
        return Err(refuse(format!("is in transaction {id}, which failed: {e}")));
    }
    if tx.slot != record.origin_height {
        return Err(refuse(format!(
            "was recorded at slot {} but transaction {id} is in slot {}",
            record.origin_height, tx.slot
        )));
    }
    if tx.logs.iter().any(|l| l == "Log truncated") {
        return Err(refuse(format!(
            "cannot be checked: the logs of {id} are truncated"
        )));
    }
    let logged = sent_messages(tx.events.iter().map(|e| e.data.as_slice()))?;
    if !logged.iter().any(|m| m == message) {
        return Err(refuse(format!(
            "is not among the {} message(s) the bridge program logged in {id}",
            logged.len()
        )));
    }
    Ok(())
}
