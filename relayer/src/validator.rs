//! The validator role: for every message the indexer recorded from an origin this validator
//! attests, check it against the chain again (the log is in the canonical block the indexer
//! saw, and that block is final), sign the attestation digest of each route it is a member of,
//! and persist the signature before anyone can fetch it. It never signs a message it cannot
//! find on chain, and never two different messages for one `(origin, nonce)` (the store
//! refuses; see [`crate::Store::attest`]).

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::sync::{Arc, Mutex};

use tokio::sync::watch;
use trestle_bridge::solana::BridgeProgram;
use trestle_core::chain::{ChainEvent, UniversalAddress};
use trestle_core::evm::EvmSigner;
use trestle_evm::EvmChain;

use crate::attest::{SignedRoute, Signing};
use crate::bridge::{decode_message_sent, message_sent_filter};
use crate::config::{ChainConfig, Config};
use crate::error::{Error, Result};
use crate::metrics::Metrics;
use crate::remote_set::DestinationSet;
use crate::store::{MessageRecord, Store};

/// The validator of one origin chain.
#[derive(Debug)]
pub struct Validator {
    signer: EvmSigner,
    chain: Arc<EvmChain>,
    origin: ChainConfig,
    routes: Vec<SignedRoute>,
    store: Store,
    metrics: Arc<Metrics>,
    /// `(destination, epoch)` -> the lowest nonce [`Validator::resign`] has not settled yet.
    resign_from: Mutex<BTreeMap<(u32, u64), u64>>,
}

impl Validator {
    /// The validators to run: one per origin chain that has a route whose validators or
    /// standby list the signer's address. Whether it signs, and for which epoch, follows the
    /// destination bridge's set at each step.
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
                .filter(|r| r.endpoint(&signer.address()).is_some())
                .filter_map(|r| {
                    let d = config.chain(&r.to)?;
                    let set = match &d.solana {
                        Some(settings) => match crate::solana::client(d) {
                            Ok(client) => DestinationSet::Solana {
                                client,
                                program: BridgeProgram::new(settings.program),
                            },
                            Err(e) => {
                                tracing::warn!(route = %format!("{} -> {}", r.from, r.to), error = %e, "cannot read the destination's validator set; not signing for it");
                                return None;
                            }
                        },
                        None => DestinationSet::Evm {
                            chain: chains.get(&d.name)?.clone(),
                            bridge: d.bridge,
                        },
                    };
                    Some(SignedRoute {
                        destination: d.domain,
                        set,
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
                resign_from: Mutex::new(BTreeMap::new()),
            });
        }
        out
    }

    /// Attests until shutdown. After a pass that signed something the next one starts at
    /// once (more may be waiting); otherwise it waits the origin chain's poll interval
    /// (`chains[].poll_interval_ms`, the same cadence its indexer reads new blocks at), or
    /// until this process's indexer records new messages, whichever comes first.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let poll = self.chain.poll_interval();
        let mut indexed = self.store.indexed_signal();
        loop {
            let signed = match self.step().await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(chain = %self.origin.name, error = %e, "validator step failed");
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

    /// One pass over the messages not attested yet. Returns how many were signed.
    pub async fn step(&self) -> Result<usize> {
        let signer = self.signer.address().0;
        let active = self.signing().active_routes(&self.routes).await;
        let destinations: Vec<u32> = active.iter().map(|(d, _)| *d).collect();
        let todo = self
            .store
            .unattested(self.origin.domain, &destinations, &signer, 100)
            .await?;
        let mut signed = 0;
        let mut pass = Pass::default();
        for &(destination, epoch) in &active {
            match self.resign(destination, epoch, &mut pass).await {
                Ok(n) => signed += n,
                Err(e) => {
                    tracing::warn!(chain = %self.origin.name, destination, error = %e, "cannot sign again for the new epoch now");
                    self.metrics.failure("attest", "retryable");
                }
            }
        }
        if todo.is_empty() {
            return Ok(signed);
        }
        let safe = self.chain.safe_height().await?;
        pass.safe = Some(safe);
        for record in todo {
            if record.origin_height > safe {
                break;
            }
            match self.attest(&record, &active, &mut pass).await {
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
    async fn resign(&self, destination: u32, epoch: u64, pass: &mut Pass) -> Result<usize> {
        let Some(set) = self
            .routes
            .iter()
            .find(|r| r.destination == destination)
            .map(|r| &r.set)
        else {
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
            let delivered = set
                .delivered(record.origin, record.nonce, &record.id)
                .await?;
            if !delivered {
                match self.attest(&record, &[(destination, epoch)], pass).await {
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
            origin_bridge: UniversalAddress::from_evm(self.origin.bridge.0),
        }
    }

    async fn attest(
        &self,
        record: &MessageRecord,
        active: &[(u32, u64)],
        pass: &mut Pass,
    ) -> Result<usize> {
        let message = record.message()?;
        self.check_on_chain(record, &message, pass).await?;
        self.signing().sign(record, &message, active).await
    }

    /// The message must be in a `MessageSent` log of the origin bridge in the block (number
    /// and hash) the indexer recorded, and that block must be final and canonical.
    ///
    /// The safe height and each block's `MessageSent` logs are read from the chain once per
    /// pass (`pass`), not once per message: a block with n messages costs one `eth_getLogs`,
    /// not n downloads of all n logs. Both are read during this pass, after the messages were
    /// loaded from the store, so the check is as strict as a read per message.
    async fn check_on_chain(
        &self,
        record: &MessageRecord,
        message: &trestle_bridge::Message,
        pass: &mut Pass,
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
        let safe = match pass.safe {
            Some(safe) => safe,
            None => {
                let safe = self.chain.safe_height().await?;
                pass.safe = Some(safe);
                safe
            }
        };
        if height > safe {
            return Err(not_found("is not final yet"));
        }
        let logs = match pass.logs.entry(height) {
            Entry::Occupied(read) => read.into_mut(),
            Entry::Vacant(unread) => unread.insert(
                self.chain
                    .logs(&message_sent_filter(self.origin.bridge), height, height)
                    .await?,
            ),
        };
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

/// What one validator pass read from the origin chain, so that the messages of one block are
/// checked against one read of its logs.
#[derive(Debug, Default)]
struct Pass {
    /// The origin's safe height, read at the first check of the pass.
    safe: Option<u64>,
    /// The bridge's `MessageSent` logs of each block checked in this pass, by height.
    logs: BTreeMap<u64, Vec<ChainEvent>>,
}
