//! The indexer's reader of a Solana origin: reads the bridge program's transactions slot range by slot
//! range from its persisted cursor (the last slot read), at the chain's commitment
//! (`finalized` by default, so nothing it records can be rolled back), and records the
//! messages the program emitted, idempotently (the message id is unique in the store, a
//! payment's transaction and position too).
//!
//! Messages and delivery-fee payments are read from the program's `MessageSent` and `GasPaid`
//! self-CPI event instructions, which the runtime records in full, never from logs (which it
//! truncates); payments are recorded in the same store transaction as the messages and the
//! cursor. A transaction that cannot be
//! parsed is skipped and counted (`trestle_indexer_unparseable_total`), never a reason to stop;
//! gaps in the origin's nonces are read again ([`crate::origin::indexer::gaps`]).
//!
//! The cursor's hash is unused on Solana (zero): finalized slots are never reorganised.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;
use trestle_bridge::solana::BridgeProgram;
use trestle_bridge::solana::events::{Event, ResolvedInstruction, cpi_events_in};
use trestle_bridge_client::GasPayment;
use trestle_core::chain::TxId;
use trestle_solana::{ProgramTransaction, SolanaClient};

use crate::config::ChainConfig;
use crate::daemon::pause;
use crate::error::Result;
use crate::metrics::Metrics;
use crate::origin::indexer::{OriginReader, Read};
use crate::store::{NewMessage, NewPayment, Store};

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
        let Emitted { messages, payments } =
            emitted_in(&self.client, chain, &self.metrics, from, to).await?;
        Ok(Read::Advanced {
            from,
            to,
            found: messages,
            payments,
            cursor: (to, [0; 32]),
        })
    }

    fn persisted(&mut self, _ok: bool) {
        // Nothing kept between reads: the next one starts from the persisted cursor.
    }

    async fn rescan(&self, from: u64, to: u64) -> Result<Emitted> {
        emitted_in(&self.client, &self.chain, &self.metrics, from, to).await
    }

    async fn wait(&mut self, shutdown: &mut watch::Receiver<bool>, _started: Instant) -> bool {
        let poll = Duration::from_millis(self.chain.poll_interval_ms.unwrap_or(DEFAULT_POLL_MS));
        pause(shutdown, poll).await
    }
}

/// Reads one batch of slots after the cursor and records what it found (the cursor moves in
/// the same store transaction as the messages and payments); returns how many messages were
/// new, `None`
/// when there was nothing new. What the indexer loop ([`crate::origin::indexer::run`]) does once, for tests.
pub async fn step(
    client: &Arc<SolanaClient>,
    chain: &ChainConfig,
    store: &Store,
    metrics: &Arc<Metrics>,
) -> Result<Option<usize>> {
    let mut reader = SolanaReader::new(client.clone(), chain, metrics.clone());
    match reader.read(store).await? {
        Read::Advanced {
            found,
            payments,
            cursor,
            ..
        } => Ok(Some(
            store
                .record_read(&chain.name, cursor.0, cursor.1, &found, &payments)
                .await?,
        )),
        _ => Ok(None),
    }
}

pub use crate::origin::indexer::Emitted;

/// What the bridge program of `chain` emitted in slots `from..=to`, from its self-CPI events
/// (every transaction of the program is read, a `pay_for_gas` without a message included).
/// Transactions that failed carry none; one that cannot be parsed, or whose events do not
/// decode, is skipped, logged and counted, and so is a message that names another origin.
pub async fn emitted_in(
    client: &SolanaClient,
    chain: &ChainConfig,
    metrics: &Metrics,
    from: u64,
    to: u64,
) -> Result<Emitted> {
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
    let mut found = Emitted::default();
    for tx in read.transactions {
        if tx.error.is_some() {
            continue;
        }
        let emitted = match emitted_by(&program, chain.domain, &tx) {
            Ok(e) => e,
            Err(e) => {
                unparseable();
                tracing::error!(chain = %chain.name, tx = %tx.id, error = %e, "skipping a transaction whose bridge program events are malformed");
                continue;
            }
        };
        for new in emitted.messages {
            if new.message.origin != chain.domain {
                unparseable();
                tracing::error!(chain = %chain.name, tx = %tx.id, origin = new.message.origin, "skipping a message whose origin is not this chain's domain");
                continue;
            }
            found.messages.push(new);
        }
        found.payments.extend(emitted.payments);
    }
    Ok(found)
}

/// The messages and payments of `program` in the successful transaction `tx` of the chain of
/// `domain`, from its self-CPI events (its inner instructions to the program, signed by the
/// program's event authority: a `GasPaid` of any other program is not read). A payment's index is its event's position
/// among the transaction's self-CPI events. One malformed event fails the transaction.
pub fn emitted_by(
    program: &BridgeProgram,
    domain: u32,
    tx: &ProgramTransaction,
) -> trestle_bridge::Result<Emitted> {
    let mut out = Emitted::default();
    let TxId::Solana(signature) = tx.id else {
        return Ok(out);
    };
    let inner = tx
        .instructions
        .iter()
        .filter(|ix| ix.inner_index.is_some())
        .map(|ix| ResolvedInstruction {
            program_id: &ix.program_id,
            accounts: &ix.accounts,
            data: &ix.data,
        });
    for (index, event) in (0u64..).zip(cpi_events_in(program, inner)?) {
        match event {
            Event::MessageSent(sent) => out.messages.push(NewMessage {
                message: sent.message,
                origin_height: tx.slot,
                origin_block_hash: [0; 32],
                origin_tx: signature.to_vec(),
            }),
            Event::GasPaid {
                id,
                destination,
                amount,
            } => out.payments.push(NewPayment {
                origin: domain,
                origin_tx: signature.to_vec(),
                index,
                origin_height: tx.slot,
                payment: GasPayment {
                    id,
                    destination,
                    amount: u128::from(amount),
                },
            }),
            // `cpi_events_in` yields only the two events the program emits by self-CPI.
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use trestle_bridge::solana::event_discriminator;
    use trestle_bridge::solana::events::EVENT_IX_TAG;
    use trestle_core::solana::SolanaAddress;
    use trestle_solana::ProgramInstruction;

    use super::*;

    const DOMAIN: u32 = 3;

    /// The data of a `GasPaid` self-CPI event instruction.
    fn gas_paid(id: [u8; 32], destination: u32, amount: u64) -> Vec<u8> {
        let mut data = EVENT_IX_TAG.to_le_bytes().to_vec();
        data.extend_from_slice(&event_discriminator("GasPaid"));
        data.extend_from_slice(&id);
        data.extend_from_slice(&destination.to_le_bytes());
        data.extend_from_slice(&amount.to_le_bytes());
        data
    }

    fn inner(
        program_id: SolanaAddress,
        authority: SolanaAddress,
        data: Vec<u8>,
    ) -> ProgramInstruction {
        ProgramInstruction {
            program_id,
            accounts: vec![authority],
            data,
            top_level_index: 0,
            inner_index: Some(0),
            stack_height: Some(2),
        }
    }

    fn tx(instructions: Vec<ProgramInstruction>) -> ProgramTransaction {
        ProgramTransaction {
            id: TxId::Solana([7; 64]),
            slot: 42,
            transaction_index: Some(0),
            block_time: None,
            error: None,
            instructions,
            logs: Vec::new(),
            events: Vec::new(),
            log_problem: None,
        }
    }

    #[test]
    fn records_the_bridge_programs_gas_paid_and_ignores_another_programs() {
        let program = BridgeProgram::new(SolanaAddress([0xbb; 32]));
        let other = BridgeProgram::new(SolanaAddress([0xcc; 32]));
        let id = [9u8; 32];
        // The same event bytes from another program (with its own event authority, or the
        // bridge's), then the bridge's own top-up.
        let read = emitted_by(
            &program,
            DOMAIN,
            &tx(vec![
                inner(
                    other.id,
                    other.event_authority(),
                    gas_paid(id, 1, 1_000_000),
                ),
                inner(
                    other.id,
                    program.event_authority(),
                    gas_paid(id, 1, 1_000_000),
                ),
                inner(
                    program.id,
                    program.event_authority(),
                    gas_paid(id, 1, 5_000),
                ),
            ]),
        )
        .unwrap();
        assert!(read.messages.is_empty());
        assert_eq!(
            read.payments,
            vec![NewPayment {
                origin: DOMAIN,
                origin_tx: vec![7; 64],
                index: 0,
                origin_height: 42,
                payment: GasPayment {
                    id,
                    destination: 1,
                    amount: 5_000,
                },
            }]
        );
        // Only another program's: nothing.
        let foreign = emitted_by(
            &program,
            DOMAIN,
            &tx(vec![inner(
                other.id,
                other.event_authority(),
                gas_paid(id, 1, 1_000_000),
            )]),
        )
        .unwrap();
        assert_eq!(foreign, Emitted::default());
    }

    #[test]
    fn payments_of_one_transaction_have_distinct_indexes() {
        let program = BridgeProgram::new(SolanaAddress([0xbb; 32]));
        let authority = program.event_authority();
        let read = emitted_by(
            &program,
            DOMAIN,
            &tx(vec![
                inner(program.id, authority, gas_paid([1; 32], 1, 10)),
                inner(program.id, authority, gas_paid([1; 32], 1, 10)),
            ]),
        )
        .unwrap();
        let indexes: Vec<u64> = read.payments.iter().map(|p| p.index).collect();
        assert_eq!(indexes, vec![0, 1], "two equal top-ups are two payments");
    }

    #[test]
    fn a_malformed_or_unsigned_gas_paid_fails_its_transaction() {
        let program = BridgeProgram::new(SolanaAddress([0xbb; 32]));
        let mut short = gas_paid([1; 32], 1, 10);
        short.pop();
        assert!(
            emitted_by(
                &program,
                DOMAIN,
                &tx(vec![inner(program.id, program.event_authority(), short)])
            )
            .is_err()
        );
        // An event instruction to the bridge whose account is not its event authority.
        assert!(
            emitted_by(
                &program,
                DOMAIN,
                &tx(vec![inner(
                    program.id,
                    SolanaAddress([1; 32]),
                    gas_paid([1; 32], 1, 10)
                )])
            )
            .is_err()
        );
    }
}
