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
//!   keeping each page's `before`, newest and oldest signature and length (the newest page
//!   whole). After a read of this process the listing stops at the newest transaction already
//!   read (`until`), so a poll that finds nothing new is one request answered with nothing.
//! - Each page listed must be older than the one before it (slot, then position in the block)
//!   and a listing holds at most [`MAX_LISTED_PAGES`]: a node that answers pages that do not
//!   go back, or never end, is an error naming the chain, never a loop. An empty page below a
//!   full one (the program's history ends there, or the node that answered lacks the `before`
//!   signature: a failover to one with a shorter ledger history, or lagging) is believed only
//!   once the page above it, fetched again, is as listed.
//! - It then reads the listing oldest page first, one page per step, each page fetched again by
//!   its `before` (the ledger below a transaction at the commitment does not change) and
//!   checked against the listing: a page that comes back otherwise (empty, shorter, other
//!   signatures at its ends) fails the read and the next read lists afresh from the persisted
//!   cursor, so no page is skipped. The cursor moves to the slot below the page's newest (that
//!   slot may go on in the next page), then to the slot the listing was made at after the
//!   newest page. A page is given up only once its step is persisted: a step that could not be
//!   recorded is read again.
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

use std::cmp::Ordering;
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
use crate::error::{Error, Result};
use crate::metrics::Metrics;
use crate::origin::indexer::{OriginReader, Read};
use crate::store::{NewMessage, NewPayment, Store};

/// Default poll interval of a Solana chain (about two slots).
pub const DEFAULT_POLL_MS: u64 = 800;

/// The most pages one listing holds besides the newest: 100 million of the program's
/// transactions at 1,000 a page (about 20 MB of listing). A longer listing, or a node that
/// keeps answering pages, is refused naming the chain (start it from a later slot).
pub const MAX_LISTED_PAGES: usize = 100_000;

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
    /// The `until` it was listed with (each page is fetched again with it).
    until: Option<TxId>,
    /// The pages older than the newest that hold transactions above the cursor, newest first:
    /// the last one is read next.
    pages: Vec<Page>,
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
    /// one read, when it is known to be at `cursor`), made at `tip`. With `whole` (a cursor
    /// persisted, or an explicit `start_block`), a listing that ends above the cursor is
    /// believed only when the node's ledger reaches back to the cursor.
    async fn list(&self, cursor: u64, tip: u64, whole: bool) -> Result<Listing> {
        let program = self.chain.solana_settings()?.program;
        let limit = self.page_size();
        let until = self
            .newest
            .as_ref()
            .filter(|(at, _)| *at == cursor)
            .map(|(_, id)| id.clone());
        let mut lister = Lister::new(cursor, limit, MAX_LISTED_PAGES);
        loop {
            let before = lister.before().cloned();
            let page = self
                .client
                .program_signature_page(&program, before.as_ref(), until.as_ref(), limit)
                .await?;
            if page.is_empty()
                && before.is_some()
                && let Some(above) = lister.last()
            {
                // Below a full page: the history ends there, or this node lacks `before`.
                let again = self
                    .client
                    .program_signature_page(&program, above.before.as_ref(), until.as_ref(), limit)
                    .await?;
                above
                    .check(&again)
                    .map_err(|reason| self.unexpected(reason))?;
            }
            match lister.take(page) {
                Ok(true) => {}
                Ok(false) => break,
                Err(Refusal::NotOlder(reason)) => return Err(self.unexpected(reason)),
                Err(Refusal::TooLong) => {
                    return Err(Error::config(
                        format!("chains ({}).start_block", self.chain.name),
                        format!(
                            "more than {MAX_LISTED_PAGES} pages of {limit} of the program's transactions are listed after slot {cursor}: start from a later slot"
                        ),
                    ));
                }
            }
        }
        // (Nothing listed after the newest transaction read is the common idle poll: the
        // node knew that transaction, so its ledger reaches it.)
        let idle = lister.listed_nothing() && until.is_some();
        if whole && !idle && lister.ended_above_cursor() {
            self.check_history(cursor).await?;
        }
        let listing = lister.finish(tip, until);
        if !listing.pages.is_empty() {
            tracing::info!(chain = %self.chain.name, cursor, tip, pages = listing.pages.len() + 1, "listed the program's transactions to read");
        }
        Ok(listing)
    }

    /// A listing that ended above `cursor` is the program's whole history since the cursor
    /// only if the node's ledger reaches back there: one that begins later (a non-archive
    /// node, after the relayer was away longer than its retention) leaves out whatever was
    /// sent in between, and the cursor would move past it for good. Such a listing fails the
    /// read, naming the slots.
    async fn check_history(&self, cursor: u64) -> Result<()> {
        let first = self.client.minimum_ledger_slot().await?;
        if first > cursor.saturating_add(1) {
            return Err(self.unexpected(format!(
                "the endpoint's ledger begins at slot {first}, after the cursor (slot {cursor}): \
                 it cannot list the program's transactions in between; indexing waits for an \
                 endpoint with a longer history (an archive node) in chains[].rpc_urls"
            )));
        }
        Ok(())
    }

    /// An answer about the program's transactions that contradicts the listing, as an error
    /// naming the chain.
    fn unexpected(&self, reason: String) -> Error {
        Error::Chain(trestle_core::Error::MalformedResponse {
            endpoint: self.client.endpoint().to_owned(),
            reason: format!("chain {}: {reason}", self.chain.name),
        })
    }
}

/// A page of the program's transactions as listed: the request (`before`) and what it
/// answered (its ends and length), to tell the same page when it is fetched again.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Page {
    /// The transaction it is below (`None` for the newest page).
    before: Option<TxId>,
    /// Its newest transaction.
    newest: TxId,
    /// Its oldest transaction.
    oldest: TxId,
    /// How many transactions it held.
    len: usize,
}

impl Page {
    /// Checks that `fetched`, the page below [`Page::before`] asked for again, is the page as
    /// listed; else says how it differs (a node that lacks `before`, lags, or is on another
    /// fork).
    fn check(&self, fetched: &[ListedTransaction]) -> Result<(), String> {
        let same = fetched.len() == self.len
            && fetched.first().is_some_and(|t| t.id == self.newest)
            && fetched.last().is_some_and(|t| t.id == self.oldest);
        if same {
            return Ok(());
        }
        let now = match (fetched.first(), fetched.last()) {
            (Some(newest), Some(oldest)) => {
                format!("{} from {} to {}", fetched.len(), newest.id, oldest.id)
            }
            _ => "none".to_owned(),
        };
        let below = self
            .before
            .as_ref()
            .map_or_else(|| "the tip".to_owned(), ToString::to_string);
        Err(format!(
            "the page of the program's transactions below {below} held {} from {} to {} when listed and {now} when fetched again; listing afresh",
            self.len, self.newest, self.oldest
        ))
    }
}

/// Why a listing is refused.
#[derive(Debug, PartialEq, Eq)]
enum Refusal {
    /// A page is not older than the one before it: the listing would not end.
    NotOlder(String),
    /// More pages than the cap.
    TooLong,
}

/// A listing as it is made, newest page first: checks that each page goes back and counts
/// them.
#[derive(Debug)]
struct Lister {
    /// The persisted cursor listed back to.
    cursor: u64,
    /// The page size asked for: a shorter page is the last.
    limit: usize,
    /// The most pages older than the newest it takes.
    max_pages: usize,
    /// The newest page, once listed.
    head: Option<Vec<ListedTransaction>>,
    /// The older pages to read, newest first.
    pages: Vec<Page>,
    /// The last non-empty page taken.
    last: Option<Page>,
    /// The oldest transaction listed so far: the next page is below it, and older.
    oldest: Option<ListedTransaction>,
}

impl Lister {
    fn new(cursor: u64, limit: usize, max_pages: usize) -> Self {
        Self {
            cursor,
            limit,
            max_pages,
            head: None,
            pages: Vec::new(),
            last: None,
            oldest: None,
        }
    }

    /// Whether the listing ended without reaching the cursor: its oldest transaction is above
    /// the cursor (or nothing was listed), so the node's history ended first.
    fn ended_above_cursor(&self) -> bool {
        self.oldest.as_ref().is_none_or(|t| t.slot > self.cursor)
    }

    /// Whether no transaction was listed.
    fn listed_nothing(&self) -> bool {
        self.oldest.is_none()
    }

    /// The `before` of the next page to list (`None`: the newest).
    fn before(&self) -> Option<&TxId> {
        self.oldest.as_ref().map(|t| &t.id)
    }

    /// The last non-empty page taken.
    fn last(&self) -> Option<&Page> {
        self.last.as_ref()
    }

    /// Takes the next page (the one below [`Lister::before`], newest first); returns whether
    /// the listing goes on (the page is full and its oldest is above the cursor).
    fn take(&mut self, page: Vec<ListedTransaction>) -> Result<bool, Refusal> {
        let more = page.len() >= self.limit && page.last().is_some_and(|t| t.slot > self.cursor);
        let before = self.before().cloned();
        if let Some(previous) = &self.oldest
            && let Some(late) = page.iter().find(|t| !older(t, previous))
        {
            return Err(Refusal::NotOlder(format!(
                "the page below {} lists {} (slot {}), which is not older than it (slot {})",
                previous.id, late.id, late.slot, previous.slot
            )));
        }
        let listed = match (page.first(), page.last()) {
            (Some(newest), Some(oldest)) => Some((
                Page {
                    before: before.clone(),
                    newest: newest.id.clone(),
                    oldest: oldest.id.clone(),
                    len: page.len(),
                },
                newest.slot,
                oldest.clone(),
            )),
            _ => None,
        };
        if self.head.is_none() {
            self.head = Some(page);
        } else if let Some((listed, newest_slot, _)) = &listed
            && *newest_slot > self.cursor
        {
            // A page with nothing above the cursor has nothing to read.
            if self.pages.len() >= self.max_pages {
                return Err(Refusal::TooLong);
            }
            self.pages.push(listed.clone());
        }
        if let Some((listed, _, oldest)) = listed {
            self.last = Some(listed);
            self.oldest = Some(oldest);
        }
        Ok(more)
    }

    /// The listing made, at `tip`, with `until`.
    fn finish(self, tip: u64, until: Option<TxId>) -> Listing {
        Listing {
            cursor: self.cursor,
            tip,
            until,
            pages: self.pages,
            head: self.head.unwrap_or_default(),
            newest: None,
        }
    }
}

/// Whether `a` is older than `b` in the chain's order: slot, then position in the block. Of
/// two transactions of one slot without positions (a node that does not report them) only a
/// different one counts as older.
fn older(a: &ListedTransaction, b: &ListedTransaction) -> bool {
    match a.slot.cmp(&b.slot) {
        Ordering::Less => true,
        Ordering::Greater => false,
        Ordering::Equal => match (a.transaction_index, b.transaction_index) {
            (Some(a), Some(b)) => a < b,
            _ => a.id != b.id,
        },
    }
}

impl OriginReader for SolanaReader {
    async fn read(&mut self, store: &Store) -> Result<Read> {
        self.next = None;
        let chain = &self.chain;
        let commitment = chain.solana_settings()?.commitment.to_commitment();
        let program = chain.solana_settings()?.program;
        let persisted = store.cursor(&chain.name).await?;
        // A first start without start_block takes the program's history the node has.
        let whole = persisted.is_some() || chain.start_block.is_some();
        let cursor = match persisted {
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
                self.list(cursor, tip, whole).await?
            }
        };
        let limit = self.page_size();
        // The next page, oldest first (a page's transactions newest first).
        let (page, head) = match listing.pages.last() {
            Some(listed) => {
                let fetched = match self
                    .client
                    .program_signature_page(
                        &program,
                        listed.before.as_ref(),
                        listing.until.as_ref(),
                        limit,
                    )
                    .await
                {
                    Ok(fetched) => fetched,
                    Err(e) => {
                        // Unanswered: the same page next time.
                        self.listing = Some(listing);
                        return Err(e.into());
                    }
                };
                // Not the page listed: dropped with the listing, listed afresh next time.
                listed
                    .check(&fetched)
                    .map_err(|reason| self.unexpected(reason))?;
                (fetched, false)
            }
            None => (listing.head.clone(), true),
        };
        let listing = &*self.listing.insert(listing);
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
