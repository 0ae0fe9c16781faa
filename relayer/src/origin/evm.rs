//! An EVM origin: the bridge contract on an EVM chain. The indexer reads its `MessageSent`
//! logs ([`EvmReader`]); the validator's check of a message, through each of its witnesses
//! (one per endpoint): it must be in a `MessageSent` log of the origin bridge in the block
//! (number and hash) the indexer recorded, and that block must be final (at or below the
//! endpoint's safe height) and canonical.

mod deployment;
pub(crate) mod reader;

pub use reader::EvmReader;

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;
use std::time::Duration;

use trestle_bridge::Message;
use trestle_core::chain::UniversalAddress;
use trestle_evm::EvmChain;

use trestle_bridge_client::EvmBridge;

use super::{Found, Origin};
use crate::config::ChainConfig;
use crate::error::{Error, Result};
use crate::metrics::Metrics;
use crate::store::MessageRecord;

/// An EVM origin: its chain and bridge contract.
#[derive(Debug)]
pub struct EvmOrigin {
    config: ChainConfig,
    chain: Arc<EvmChain>,
    bridge: EvmBridge,
}

impl EvmOrigin {
    /// The origin `config` (an EVM chain), connected as `chain`.
    pub fn new(chain: Arc<EvmChain>, config: &ChainConfig) -> Result<Self> {
        let evm = config.evm().ok_or_else(|| {
            Error::config(
                format!("chains ({})", config.name),
                "not an EVM chain (no chain_id and bridge)",
            )
        })?;
        Ok(Self {
            bridge: EvmBridge::new(chain.clone(), evm.bridge),
            chain,
            config: config.clone(),
        })
    }
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

impl Origin for EvmOrigin {
    type Pass = EvmPass;
    type Reader = EvmReader;

    fn chain(&self) -> &ChainConfig {
        &self.config
    }

    fn reader(&self, metrics: Arc<Metrics>) -> EvmReader {
        EvmReader::new(self.bridge.clone(), &self.config, metrics)
    }

    fn origin_bridge(&self) -> UniversalAddress {
        UniversalAddress::from_evm(self.bridge.address().0)
    }

    fn witnesses(&self) -> Result<Vec<Self>> {
        super::per_endpoint(&self.config)
            .map(|one| {
                let adapter = one.evm_config().ok_or_else(|| {
                    Error::config(format!("chains ({})", one.name), "not an EVM chain")
                })?;
                Self::new(Arc::new(EvmChain::new(adapter)?), &one)
            })
            .collect()
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
                    if let Ok(Some(m)) = self.bridge.decode_message_sent(event, self.config.domain)
                    {
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
        Ok(if found {
            Found::Final
        } else {
            Found::Absent(format!(
                "not in a MessageSent log of the bridge in block {height} (0x{})",
                hex::encode(record.origin_block_hash)
            ))
        })
    }
}
