//! The validator of a Solana origin: for every message the indexer recorded, fetch its
//! transaction again at the chain's commitment (`finalized` by default) and check that it
//! exists, succeeded, landed in the recorded slot and that the bridge program logged exactly
//! this message in it; then sign the same attestation digest as for EVM origins (the origin
//! bridge is the program id as 32 bytes) and persist the signature before anyone can fetch it.
//! The store refuses a second message for one `(origin, nonce)`.
//!
//! Like the EVM validator it follows the destination's current set for this origin
//! ([`crate::remote_set`]): it signs a route's messages only while that set holds its key, and
//! for that set's epoch; a destination it cannot read is left out of the pass. After a
//! rotation that kept it, it signs again, for the new epoch, what it signed under an older one
//! and the destination has not delivered yet.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;
use trestle_bridge::solana::BridgeProgram;
use trestle_bridge::solana::events::sent_messages;
use trestle_core::chain::{TxId, UniversalAddress};
use trestle_core::evm::EvmSigner;
use trestle_evm::EvmChain;
use trestle_solana::SolanaClient;

use crate::attest::{SignedRoute, Signing};
use crate::config::{ChainConfig, Config, SolanaChainConfig};
use crate::error::{Error, Result};
use crate::indexer::pause;
use crate::metrics::Metrics;
use crate::remote_set::DestinationSet;
use crate::store::{MessageRecord, Store};

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
    /// `(destination, epoch)` -> the lowest nonce [`SolanaValidator::resign`] has not settled.
    resign_from: Mutex<BTreeMap<(u32, u64), u64>>,
}

impl SolanaValidator {
    /// The validator of `origin` if some route from it lists the signer's address among its
    /// validators or standby. Whether it signs, and for which epoch, follows the destination's
    /// set at each step; `chains` are the daemon's EVM chains (where EVM destinations are
    /// read).
    pub fn for_chain(
        config: &Config,
        origin: &ChainConfig,
        signer: &EvmSigner,
        client: &Arc<SolanaClient>,
        chains: &BTreeMap<String, Arc<EvmChain>>,
        store: &Store,
        metrics: &Arc<Metrics>,
    ) -> Result<Option<Self>> {
        let mut routes = Vec::new();
        for r in config
            .routes
            .iter()
            .filter(|r| r.from == origin.name)
            .filter(|r| r.endpoint(&signer.address()).is_some())
        {
            let Some(d) = config.chain(&r.to) else {
                continue;
            };
            let set = match &d.solana {
                Some(s) => DestinationSet::Solana {
                    client: super::client(d)?,
                    program: BridgeProgram::new(s.program),
                },
                None => DestinationSet::Evm {
                    chain: chains.get(&d.name).cloned().ok_or_else(|| {
                        Error::config(
                            format!("routes ({} -> {})", r.from, r.to),
                            format!("the EVM chain {} is not connected", d.name),
                        )
                    })?,
                    bridge: d.bridge,
                },
            };
            routes.push(SignedRoute {
                destination: d.domain,
                set,
            });
        }
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
            resign_from: Mutex::new(BTreeMap::new()),
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
        let active = self.signing().active_routes(&self.routes).await;
        let destinations: Vec<u32> = active.iter().map(|(d, _)| *d).collect();
        if destinations.is_empty() {
            return Ok(0);
        }
        let mut signed = 0;
        for &(destination, epoch) in &active {
            match self.resign(destination, epoch).await {
                Ok(n) => signed += n,
                Err(e) => {
                    tracing::warn!(chain = %self.origin.name, destination, error = %e, "cannot sign again for the new epoch now");
                    self.metrics.failure("attest", "retryable");
                }
            }
        }
        let todo = self
            .store
            .unattested(self.origin.domain, &destinations, &signer, 100)
            .await?;
        for record in todo {
            match self.attest(&record, &active).await {
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

    /// After a rotation that kept this validator: signs again, for the new `epoch`, the
    /// messages to `destination` it signed under an older one and that the destination has
    /// not delivered yet (else they would wait for signatures of the new members only).
    /// Delivered ones are passed over; each message is looked at once per epoch.
    async fn resign(&self, destination: u32, epoch: u64) -> Result<usize> {
        let Some(route) = self.routes.iter().find(|r| r.destination == destination) else {
            return Ok(0);
        };
        let from = self
            .resign_from
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&(destination, epoch))
            .copied()
            .unwrap_or(0);
        let todo = self
            .store
            .attested_before_epoch(
                self.origin.domain,
                destination,
                epoch,
                &self.signer.address().0,
                from,
                100,
            )
            .await?;
        let mut settled = from;
        let mut signed = 0;
        for record in todo {
            if !route
                .set
                .delivered(record.origin, record.nonce, &record.id)
                .await?
            {
                match self.attest(&record, &[(destination, epoch)]).await {
                    Ok(n) => {
                        if n > 0 {
                            tracing::info!(chain = %self.origin.name, nonce = record.nonce, epoch, "signed again for the destination's new epoch");
                        }
                        signed += n;
                    }
                    Err(e) => {
                        tracing::warn!(chain = %self.origin.name, nonce = record.nonce, error = %e, "not signed again for the new epoch");
                        break;
                    }
                }
            }
            settled = record.nonce.saturating_add(1);
        }
        self.resign_from
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((destination, epoch), settled);
        Ok(signed)
    }

    /// What signing needs of this validator.
    fn signing(&self) -> Signing<'_> {
        Signing {
            signer: &self.signer,
            store: &self.store,
            metrics: &self.metrics,
            origin_name: &self.origin.name,
            origin_domain: self.origin.domain,
            origin_bridge: UniversalAddress(self.settings.program.0),
        }
    }

    async fn attest(&self, record: &MessageRecord, active: &[(u32, u64)]) -> Result<usize> {
        let message = record.message()?;
        check_on_chain(&self.client, &self.origin, &self.settings, record, &message).await?;
        self.signing().sign(record, &message, active).await
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
