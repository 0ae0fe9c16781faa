//! The indexer's reader of a Solana origin: reads the bridge program's transactions slot range by slot
//! range from its persisted cursor (the last slot read), at the chain's commitment
//! (`finalized` by default, so nothing it records can be rolled back), and records the
//! messages the program emitted, idempotently (the message id is unique in the store).
//!
//! Messages are read from the program's `MessageSent` self-CPI event instructions, which the
//! runtime records in full, never from logs (which it truncates). A transaction that cannot be
//! parsed is skipped and counted (`trestle_indexer_unparseable_total`), never a reason to stop;
//! gaps in the origin's nonces are read again ([`crate::origin::indexer::gaps`]).
//!
//! The cursor's hash is unused on Solana (zero): finalized slots are never reorganised.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;
use trestle_bridge::solana::BridgeProgram;
use trestle_bridge_client::solana::sent_messages;
use trestle_core::chain::TxId;
use trestle_solana::SolanaClient;

use crate::config::ChainConfig;
use crate::daemon::pause;
use crate::error::Result;
use crate::metrics::Metrics;
use crate::origin::indexer::{OriginReader, Read};
use crate::store::{NewMessage, Store};

/// Default poll interval of a Solana chain (about two slots).
pub const DEFAULT_POLL_MS: u64 = 800;

/// The reader of a Solana origin's bridge program.
pub struct SolanaReader {
    client: Arc<SolanaClient>,
    chain: ChainConfig,
    metrics: Arc<Metrics>,
}

impl SolanaReader {
    /// The reader of the bridge program of `chain`, through `client`.
    pub fn new(client: Arc<SolanaClient>, chain: &ChainConfig, metrics: Arc<Metrics>) -> Self {
        Self {
            client,
            chain: chain.clone(),
            metrics,
        }
    }
}

impl OriginReader for SolanaReader {
    async fn read(&mut self, store: &Store) -> Result<Read> {
        let chain = &self.chain;
        let commitment = chain.solana_settings()?.commitment.to_commitment();
        let tip = self.client.slot(commitment).await?;
        let cursor = match store.cursor(&chain.name).await? {
            Some((slot, _)) => slot,
            None => chain.start_block,
        };
        let from = cursor.saturating_add(1);
        if from > tip {
            return Ok(Read::Idle {
                cursor,
                lag: Some(tip.saturating_sub(cursor)),
            });
        }
        let to = tip.min(from.saturating_add(chain.index_batch_blocks.saturating_sub(1)));
        let found = messages_in(&self.client, chain, &self.metrics, from, to).await?;
        Ok(Read::Advanced {
            from,
            to,
            found,
            payments: Vec::new(),
            cursor: (to, [0; 32]),
        })
    }

    fn persisted(&mut self, _ok: bool) {
        // Nothing kept between reads: the next one starts from the persisted cursor.
    }

    async fn rescan(&self, from: u64, to: u64) -> Result<Vec<NewMessage>> {
        messages_in(&self.client, &self.chain, &self.metrics, from, to).await
    }

    async fn wait(&mut self, shutdown: &mut watch::Receiver<bool>, _started: Instant) -> bool {
        let poll = Duration::from_millis(self.chain.poll_interval_ms.unwrap_or(DEFAULT_POLL_MS));
        pause(shutdown, poll).await
    }
}

/// Reads one batch of slots after the cursor and records what it found (the cursor moves in
/// the same store transaction as the messages); returns how many messages were new, `None`
/// when there was nothing new. What the indexer loop ([`crate::origin::indexer::run`]) does once, for tests.
pub async fn step(
    client: &Arc<SolanaClient>,
    chain: &ChainConfig,
    store: &Store,
    metrics: &Arc<Metrics>,
) -> Result<Option<usize>> {
    let mut reader = SolanaReader::new(client.clone(), chain, metrics.clone());
    match reader.read(store).await? {
        Read::Advanced { found, cursor, .. } => Ok(Some(
            store
                .record_indexed(&chain.name, cursor.0, cursor.1, &found)
                .await?,
        )),
        _ => Ok(None),
    }
}

/// The messages the bridge program of `chain` sent in slots `from..=to`. Transactions that
/// failed carry none; one that cannot be parsed, or whose messages do not decode or name
/// another origin, is skipped, logged and counted.
pub async fn messages_in(
    client: &SolanaClient,
    chain: &ChainConfig,
    metrics: &Metrics,
    from: u64,
    to: u64,
) -> Result<Vec<NewMessage>> {
    let settings = chain.solana_settings()?;
    let read = client
        .program_transactions(&settings.program, from, to)
        .await?;
    let unparseable = || {
        metrics
            .indexer_unparseable
            .get_or_create(&vec![("chain", chain.name.clone())])
            .inc();
    };
    for skipped in &read.unparseable {
        unparseable();
        tracing::warn!(chain = %chain.name, tx = %skipped.id, slot = skipped.slot, reason = %skipped.reason, "skipping a transaction that cannot be parsed");
    }
    let program = BridgeProgram::new(settings.program);
    let mut found = Vec::new();
    for tx in read.transactions {
        if tx.error.is_some() {
            continue;
        }
        let TxId::Solana(signature) = tx.id else {
            continue;
        };
        let messages = match sent_messages(&program, &tx) {
            Ok(m) => m,
            Err(e) => {
                unparseable();
                tracing::error!(chain = %chain.name, tx = %tx.id, error = %e, "skipping a malformed message emitted by the bridge program");
                continue;
            }
        };
        for sent in messages {
            let message = sent.message;
            if message.origin != chain.domain {
                unparseable();
                tracing::error!(chain = %chain.name, tx = %tx.id, origin = message.origin, "skipping a message whose origin is not this chain's domain");
                continue;
            }
            found.push(NewMessage {
                message,
                origin_height: tx.slot,
                origin_block_hash: [0; 32],
                origin_tx: signature.to_vec(),
            });
        }
    }
    Ok(found)
}
