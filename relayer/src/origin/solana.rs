//! A Solana origin: the bridge program on a Solana chain. The indexer reads the messages it
//! emitted ([`SolanaReader`]); the validator's check ([`SolanaOrigin`]'s [`Origin::check`]):
//! for every message the indexer recorded, it fetches its transaction again at the chain's
//! commitment (`finalized` by default), through each of its witnesses (one per endpoint), and checks that it exists, succeeded, landed in the
//! recorded slot and that the bridge program emitted exactly this message in it, as a
//! `MessageSent` self-CPI event (an inner instruction the runtime records whole; logs, which it
//! truncates, are never read); then it signs the same attestation digest as for EVM origins
//! (the origin bridge is the program id as 32 bytes) and persists the signature before anyone
//! can fetch it. The store refuses a second message for one `(origin, origin bridge, nonce)`.
//!
//! Like the EVM validator it follows the destination's current set for this origin
//! ([`crate::remote_set`]): it signs a route's messages only while that set holds its key, and
//! for that set's epoch; a destination it cannot read is left out of the pass. After a
//! rotation that kept it, it signs again, for the new epoch, what it signed under an older one
//! and the destination has not delivered yet.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;
use std::time::Duration;

use trestle_bridge::solana::BridgeProgram;
use trestle_bridge_client::solana::sent_messages;
use trestle_core::chain::{TxId, UniversalAddress};
use trestle_solana::{ProgramTransaction, SolanaClient};

use super::{Found, Origin};
use crate::config::{ChainConfig, SolanaChainConfig};
use crate::error::Result;
use crate::metrics::Metrics;
use crate::store::MessageRecord;

mod reader;

pub use reader::{DEFAULT_POLL_MS, SolanaReader, step};

/// A Solana origin: its RPC client and bridge program.
#[derive(Debug)]
pub struct SolanaOrigin {
    client: Arc<SolanaClient>,
    origin: ChainConfig,
    settings: SolanaChainConfig,
}

/// What one pass read from a Solana origin: each transaction fetched, by signature, so that
/// the messages one transaction sent are checked against one read of it.
#[derive(Debug, Default)]
pub struct SolanaPass {
    transactions: HashMap<[u8; 64], Option<ProgramTransaction>>,
    /// The node's slot at the chain's commitment, read at the pass's first check.
    slot: Option<u64>,
}

impl SolanaOrigin {
    /// The origin `config` (a Solana chain), read through `client`.
    pub fn new(client: Arc<SolanaClient>, config: &ChainConfig) -> Result<Self> {
        Ok(Self {
            settings: config.solana_settings()?,
            client,
            origin: config.clone(),
        })
    }
}

impl Origin for SolanaOrigin {
    type Pass = SolanaPass;
    type Reader = SolanaReader;

    fn chain(&self) -> &ChainConfig {
        &self.origin
    }

    fn reader(&self, metrics: Arc<Metrics>) -> SolanaReader {
        SolanaReader::new(self.client.clone(), &self.origin, metrics)
    }

    fn origin_bridge(&self) -> UniversalAddress {
        UniversalAddress(self.settings.program.0)
    }

    fn poll_interval(&self) -> Duration {
        Duration::from_millis(self.origin.poll_interval_ms.unwrap_or(DEFAULT_POLL_MS))
    }

    fn witnesses(&self) -> Result<Vec<Self>> {
        super::per_endpoint(&self.origin)
            .map(|one| Self::new(crate::connect::solana(&one)?, &one))
            .collect()
    }

    /// The message must have been emitted by the bridge program in a successful transaction
    /// the node returns at the chain's commitment, in the slot the indexer recorded, and the
    /// origin must be this chain. A transaction the node does not have is not final yet while
    /// the node's slot at that commitment is below the recorded one, and absent after.
    async fn check(
        &self,
        record: &MessageRecord,
        message: &trestle_bridge::Message,
        pass: &mut SolanaPass,
    ) -> Result<Found> {
        if message.origin != self.origin.domain {
            return Ok(Found::Absent(format!(
                "has origin {}, not this chain's domain {}",
                message.origin, self.origin.domain
            )));
        }
        let Ok(signature) = <[u8; 64]>::try_from(record.origin_tx.as_slice()) else {
            return Ok(Found::Absent(
                "has no Solana transaction signature recorded".into(),
            ));
        };
        let id = TxId::Solana(signature);
        let commitment = self.settings.commitment.to_commitment();
        // Read before any transaction: a transaction missing at the commitment then is absent
        // if its slot was already at or below the node's.
        let slot = match pass.slot {
            Some(slot) => slot,
            None => *pass.slot.insert(self.client.slot(commitment).await?),
        };
        let tx = match pass.transactions.entry(signature) {
            Entry::Occupied(read) => read.into_mut().as_ref(),
            Entry::Vacant(unread) => unread
                .insert(
                    self.client
                        .program_transaction(&id, &self.settings.program)
                        .await?,
                )
                .as_ref(),
        };
        let Some(tx) = tx else {
            return Ok(if slot < record.origin_height {
                Found::NotFinal
            } else {
                Found::Absent(format!(
                    "is not in a transaction the node has at {commitment} commitment ({id}), at slot {slot}"
                ))
            });
        };
        if let Some(e) = &tx.error {
            return Ok(Found::Absent(format!(
                "is in transaction {id}, which failed: {e}"
            )));
        }
        if tx.slot != record.origin_height {
            return Ok(Found::Absent(format!(
                "was recorded at slot {} but transaction {id} is in slot {}",
                record.origin_height, tx.slot
            )));
        }
        let emitted = sent_messages(&BridgeProgram::new(self.settings.program), tx)?;
        Ok(if emitted.iter().any(|sent| sent.message == *message) {
            Found::Final
        } else {
            Found::Absent(format!(
                "is not among the {} message(s) the bridge program emitted in {id}",
                emitted.len()
            ))
        })
    }
}
