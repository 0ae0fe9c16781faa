//! The check of a message on an EVM origin: it must be in a `MessageSent` log of the origin
//! bridge in the block (number and hash) the indexer recorded, and that block must be final
//! (at or below the chain's safe height) and canonical.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use trestle_bridge::Message;
use trestle_core::chain::UniversalAddress;
use trestle_core::evm::EvmSigner;
use trestle_evm::EvmChain;

use trestle_bridge_client::EvmBridge;

use super::{Found, OriginCheck, Validator};
use crate::attest::signed_routes;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::metrics::Metrics;
use crate::store::{MessageRecord, Store};

/// An EVM origin: its chain and bridge contract.
#[derive(Debug)]
pub struct EvmOrigin {
    chain: Arc<EvmChain>,
    name: String,
    domain: u32,
    bridge: EvmBridge,
}

/// What one pass read from an EVM origin.
#[derive(Debug, Default)]
pub struct EvmPass {
    /// The origin's safe height, read at the first check of the pass.
    safe: Option<u64>,
    /// The messages of the bridge's well-formed `MessageSent` logs of each block checked in
    /// this pass, by height, then by message id, with the hash of the block that logged them.
    logs: HashMap<u64, Logged>,
}

/// The messages a block's `MessageSent` logs carry, by message id, each with the hash of the
/// block that logged it.
type Logged = HashMap<[u8; 32], Vec<([u8; 32], Message)>>;

impl OriginCheck for EvmOrigin {
    type Pass = EvmPass;

    fn origin_bridge(&self) -> UniversalAddress {
        UniversalAddress::from_evm(self.bridge.address().0)
    }

    fn poll_interval(&self) -> Duration {
        self.chain.poll_interval()
    }

    /// The safe height and each block's `MessageSent` logs are read from the chain once per
    /// pass, not once per message, and each log is decoded once: a block with n messages
    /// costs one `eth_getLogs` and n decodings, not n of each.
    async fn check(
        &self,
        record: &MessageRecord,
        message: &Message,
        pass: &mut EvmPass,
    ) -> Result<Found> {
        let height = record.origin_height;
        let safe = match pass.safe {
            Some(safe) => safe,
            None => {
                let safe = self.chain.safe_height().await?;
                pass.safe = Some(safe);
                safe
            }
        };
        if height > safe {
            return Ok(Found::NotFinal);
        }
        let logged = match pass.logs.entry(height) {
            Entry::Occupied(read) => read.into_mut(),
            Entry::Vacant(unread) => {
                let events = self
                    .chain
                    .logs(&self.bridge.message_sent_filter(), height, height)
                    .await?;
                let mut by_id = Logged::new();
                for event in &events {
                    // A log that does not decode is not this message's (the indexer refused it).
                    if let Ok(Some(m)) = self.bridge.decode_message_sent(event, self.domain) {
                        by_id.entry(m.id()).or_default().push((event.block_hash, m));
                    }
                }
                unread.insert(by_id)
            }
        };
        let found = logged.get(&record.id).is_some_and(|logs| {
            logs.iter()
                .any(|(hash, m)| *hash == record.origin_block_hash && m == message)
        });
        if !found {
            return Err(Error::Chain(trestle_core::Error::MalformedResponse {
                endpoint: self.name.clone(),
                reason: format!(
                    "message 0x{} (nonce {}) is not in a MessageSent log of block {height} on chain",
                    hex::encode(record.id),
                    message.nonce
                ),
            }));
        }
        Ok(Found::Final)
    }
}

impl Validator<EvmOrigin> {
    /// The validators to run: one per EVM origin chain (in `chains`) that has a route whose
    /// validators or standby list the signer's address. Whether it signs, and for which
    /// epoch, follows the destination bridge's set at each step. A route whose destination
    /// cannot be reached is logged and left out.
    pub fn for_config(
        config: &Config,
        signer: &EvmSigner,
        chains: &BTreeMap<String, Arc<EvmChain>>,
        store: &Store,
        metrics: &Arc<Metrics>,
    ) -> Vec<Validator> {
        let mut out = Vec::new();
        for origin in &config.chains {
            let (Some(chain), Some(evm)) = (chains.get(&origin.name), origin.evm()) else {
                continue;
            };
            let routes: Vec<_> = signed_routes(config, origin, signer, chains)
                .into_iter()
                .filter_map(|route| {
                    route
                        .map_err(|e| {
                            tracing::warn!(chain = %origin.name, error = %e, "cannot read the destination's validator set; not signing for it");
                        })
                        .ok()
                })
                .collect();
            if routes.is_empty() {
                continue;
            }
            let check = EvmOrigin {
                chain: chain.clone(),
                name: origin.name.clone(),
                domain: origin.domain,
                bridge: EvmBridge::new(chain.clone(), evm.bridge),
            };
            out.push(Validator::new(
                check,
                &origin.name,
                origin.domain,
                signer,
                routes,
                store,
                metrics,
            ));
        }
        out
    }
}
