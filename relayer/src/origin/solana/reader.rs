//! The indexer's reader of a Solana origin: reads the bridge program's transactions after its
//! persisted cursor (the last slot read), at the chain's commitment (`finalized` by default,
//! so nothing it records can be rolled back), and records the messages the program emitted,
//! idempotently (the message id is unique in the store, a payment's transaction and position
//! too).
//!
//! The program's transactions are found with `getSignaturesForAddress`, which pages from the
//! newest transaction backwards, so the cost of a read is the number of the program's
//! transactions it lists, never the number of slots (a long-lived cluster is hundreds of
//! millions of slots ahead of 0):
//!
//! - When it has nothing listed, the reader lists the program's transactions once, from the
//!   newest back to the cursor ([`Listing`]): one request per page (up to 1,000 signatures),
//!   keeping each page's `before` (the newest page whole). After a read of this process the
//!   listing stops at the newest transaction already read (`until`), so a poll that finds
//!   nothing new is one request answered with nothing.
//! - It then reads the listing oldest page first, one page per step (each page fetched again by
//!   its `before`: the ledger below a transaction at the commitment does not change), and
//!   moves the cursor to the slot below the page's newest (that slot may go on in the next
//!   page), then to the slot the listing was made at after the newest page. A page is given up
//!   only once its step is persisted: a step that could not be recorded is read again.
//! - On a first start (no cursor) the cursor is `chains[].start_block`: 0 by default, the
//!   program's first transaction the node has.
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
use trestle_solana::{ListedTransaction, ProgramTransaction, ProgramTransactions, SolanaClient};

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
    /// What is listed and not read yet; `None` when the next read lists anew.
    listing: Option<Listing>,
    /// The newest transaction read, with the cursor persisted after it: a listing made from
    /// that cursor stops there.
    newest: Option<(u64, TxId)>,
    /// What the last read moves on to once it is persisted.
    next: Option<Step>,
}

/// The program's transactions above a cursor, listed newest first from the tip.
#[derive(Debug)]
struct Listing {
    /// The persisted cursor the listing is read from (moved on as pages are read).
    cursor: u64,
    /// The slot at the chain's commitment when listed: transactions listed above it are left
    /// to the next listing.
    tip: u64,
    /// The `before` of each page older than the newest, newest first: the last one is read
    /// next.
    pages: Vec<TxId>,
    /// The newest page, as listed.
    head: Vec<ListedTransaction>,
    /// The newest transaction read from this listing, at or below `tip`.
    newest: Option<TxId>,
}

/// What a read moves the reader on to once persisted.
#[derive(Debug)]
struct Step {
    /// The new cursor.
    cursor: u64,
    /// The newest transaction of the step at or below the listing's tip.
    newest: Option<TxId>,
    /// Whether the step read the listing's newest page (the listing is then done).
    head: bool,
}

impl SolanaReader {
    /// The reader of the bridge program of `chain`, through `client`.
    pub fn new(client: Arc<SolanaClient>, chain: &ChainConfig, metrics: Arc<Metrics>) -> Self {
        Self {
            client,
            chain: chain.clone(),
            metrics,
            listing: None,
            newest: None,
            next: None,
        }
    }

    fn page_size(&self) -> usize {
        self.client
            .config()
            .signature_page_size
            .clamp(1, trestle_solana::MAX_SIGNATURE_PAGE)
    }

    /// Lists the program's transactions from the newest back to `cursor` (or to the newest
    /// one read, when it is known to be at `cursor`), made at `tip`.
    async fn list(&self, cursor: u64, tip: u64) -> Result<Listing> {
        let program = self.chain.solana_settings()?.program;
        let limit = self.page_size();
        let until = self
            .newest
            .as_ref()
            .filter(|(at, _)| *at == cursor)
            .map(|(_, id)| id.clone());
        let mut head: Option<Vec<ListedTransaction>> = None;
        let mut pages = Vec::new();
        let mut before: Option<TxId> = None;
        loop {
            let page = self
                .client
                .program_signature_page(&program, before.as_ref(), until.as_ref(), limit)
                .await?;
            let done = page.len() < limit || page.last().is_none_or(|t| t.slot <= cursor);
            let oldest = page.last().map(|t| t.id.clone());
            match (&head, before) {
                (None, _) => head = Some(page),
                (Some(_), Some(b)) => pages.push(b),
                (Some(_), None) => {}
            }
            if done {
                break;
            }
            before = oldest;
        }
        if !pages.is_empty() {
            tracing::info!(chain = %self.chain.name, cursor, tip, pages = pages.len() + 1, "listed the program's transactions to read");
        }
        Ok(Listing {
            cursor,
            tip,
            pages,
            head: head.unwrap_or_default(),
            newest: None,
        })
    }
}

impl OriginReader for SolanaReader {
    async fn read(&mut self, store: &Store) -> Result<Read> {
        self.next = None;
        let chain = &self.chain;
        let commitment = chain.solana_settings()?.commitment.to_commitment();
        let program = chain.solana_settings()?.program;
        let cursor = match store.cursor(&chain.name).await? {
            Some((slot, _)) => slot,
            None => chain.start_block.unwrap_or(0),
        };
        if self.listing.as_ref().is_some_and(|l| l.cursor != cursor) {
            // Not the cursor this reader left: list again from the persisted one.
            self.listing = None;
        }
        let listing = match self.listing.take() {
            Some(listing) => listing,
            None => {
                let tip = self.client.slot(commitment).await?;
                if cursor >= tip {
                    return Ok(Read::Idle {
                        cursor,
                        lag: Some(tip.saturating_sub(cursor)),
                    });
                }
                self.list(cursor, tip).await?
            }
        };
        let limit = self.page_size();
        let listing = &*self.listing.insert(listing);
        // The next page, oldest first (a page's transactions newest first).
        let (page, head) = match listing.pages.last() {
            Some(before) => (
                self.client
                    .program_signature_page(&program, Some(before), None, limit)
                    .await?,
                false,
            ),
            None => (listing.head.clone(), true),
        };
        let mut batch: Vec<ListedTransaction> = page
            .into_iter()
            .filter(|t| t.slot > listing.cursor && t.slot <= listing.tip)
            .collect();
        batch.sort_by_key(|t| (t.slot, t.transaction_index));
        let to = if head {
            listing.tip
        } else {
            // The page's newest slot may go on in the next page.
            batch
                .last()
                .map_or(listing.cursor, |t| t.slot.saturating_sub(1))
                .max(listing.cursor)
        };
        let read = self
            .client
            .listed_program_transactions(&program, &batch)
            .await?;
        let Emitted { messages, payments } = emitted_from(read, chain, &self.metrics);
        self.next = Some(Step {
            cursor: to,
            newest: batch.last().map(|t| t.id.clone()),
            head,
        });
        Ok(Read::Advanced {
            from: listing.cursor.saturating_add(1),
            to,
            found: messages,
            payments,
            cursor: (to, [0; 32]),
        })
    }

    fn persisted(&mut self, ok: bool) {
        let Some(step) = self.next.take() else {
            return;
        };
        if !ok {
            // Read the same page again from the persisted cursor.
            return;
        }
        let Some(listing) = self.listing.as_mut() else {
            return;
        };
        listing.cursor = step.cursor;
        if step.newest.is_some() {
            listing.newest = step.newest;
        }
        if step.head {
            if let Some(newest) = listing.newest.take() {
                self.newest = Some((step.cursor, newest));
            } else if let Some(known) = self.newest.as_mut() {
                // Nothing newer was read: the newest read is still the last one.
                known.0 = step.cursor;
            }
            self.listing = None;
        } else {
            listing.pages.pop();
        }
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
    Ok(emitted_from(read, chain, metrics))
}

/// What the bridge program of `chain` emitted in the transactions `read` (see
/// [`emitted_in`]).
fn emitted_from(read: ProgramTransactions, chain: &ChainConfig, metrics: &Metrics) -> Emitted {
    let program = match chain.solana() {
        Some(settings) => BridgeProgram::new(settings.program),
        None => return Emitted::default(),
    };
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
    found
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
