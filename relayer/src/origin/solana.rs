//! A Solana origin: the bridge program on a Solana chain. The indexer reads the messages it
//! emitted ([`SolanaReader`]); the validator's check ([`SolanaOrigin`]'s [`Origin::check`]):
//! for every message the indexer recorded, it fetches its transaction again at the chain's
//! commitment (`finalized` by default) and checks that it exists, succeeded, landed in the
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
use crate::error::{Error, Result};
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

    async fn check(
        &self,
        record: &MessageRecord,
        message: &trestle_bridge::Message,
        pass: &mut SolanaPass,
    ) -> Result<Found> {
        check_transaction(
            &self.client,
            &self.origin,
            &self.settings,
            record,
            message,
            Some(pass),
        )
        .await?;
        Ok(Found::Final)
    }
}

/// The message must have been emitted by the bridge program in a successful transaction the
/// node returns at the chain's commitment, in the slot the indexer recorded, and the origin
/// must be this chain.
pub async fn check_on_chain(
    client: &SolanaClient,
    origin: &ChainConfig,
    settings: &SolanaChainConfig,
    record: &MessageRecord,
    message: &trestle_bridge::Message,
) -> Result<()> {
    check_transaction(client, origin, settings, record, message, None).await
}

/// [`check_on_chain`], reusing the transactions `pass` fetched (and keeping those it fetches).
async fn check_transaction(
    client: &SolanaClient,
    origin: &ChainConfig,
    settings: &SolanaChainConfig,
    record: &MessageRecord,
    message: &trestle_bridge::Message,
    pass: Option<&mut SolanaPass>,
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
    let fetched;
    let tx = match pass {
        Some(pass) => match pass.transactions.entry(signature) {
            Entry::Occupied(read) => read.into_mut().as_ref(),
            Entry::Vacant(unread) => unread
                .insert(client.program_transaction(&id, &settings.program).await?)
                .as_ref(),
        },
        None => {
            fetched = client.program_transaction(&id, &settings.program).await?;
            fetched.as_ref()
        }
    };
    let Some(tx) = tx else {
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
    let emitted = sent_messages(&BridgeProgram::new(settings.program), tx)?;
    if !emitted.iter().any(|sent| sent.message == *message) {
        return Err(refuse(format!(
            "is not among the {} message(s) the bridge program emitted in {id}",
            emitted.len()
        )));
    }
    Ok(())
}
