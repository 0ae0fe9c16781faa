//! Reading a program's transactions in a slot range (`getSignaturesForAddress`, paged with
//! `before`/`until`), decoding their instructions (top-level and inner) for that program and
//! their `Program data:` events; the [`EventSource`] implementation.

use std::collections::HashMap;

use async_trait::async_trait;
use serde_json::{Map, Value, json};
use solana_rpc_client_api::request::RpcRequest;
use solana_rpc_client_api::response::RpcConfirmedTransactionStatusWithSignature;
use solana_transaction_status_client_types::{
    EncodedConfirmedTransactionWithStatusMeta, EncodedTransaction, TransactionBinaryEncoding,
    UiCompiledInstruction, UiConfirmedBlock, UiInstruction, UiLoadedAddresses,
};
use trestle_core::chain::{ChainEvent, EventSource, TxId, UniversalAddress};
use trestle_core::solana::{SolanaAddress, Transaction};

use crate::client::SolanaClient;
use crate::config::{Commitment, MAX_SIGNATURE_PAGE};
use crate::error::{self, Error, Result};
use crate::logs::{ProgramData, parse_logs};

/// One instruction executed by the program of interest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramInstruction {
    /// The program that ran it.
    pub program_id: SolanaAddress,
    /// The accounts it was given, resolved through lookup tables.
    pub accounts: Vec<SolanaAddress>,
    /// Its data.
    pub data: Vec<u8>,
    /// Index of the top-level instruction it is (or runs inside).
    pub top_level_index: usize,
    /// `None` for a top-level instruction; its position among the inner instructions of
    /// `top_level_index` for a cross-program invocation.
    pub inner_index: Option<usize>,
    /// Invocation depth as the node reports it (1 = top level); `None` on old nodes.
    pub stack_height: Option<u32>,
}

/// A transaction that involved a program, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramTransaction {
    /// Its id (first signature).
    pub id: TxId,
    /// The slot it landed in.
    pub slot: u64,
    /// Its position in the block, when the node reports it.
    pub transaction_index: Option<u32>,
    /// Unix time of the block, when known.
    pub block_time: Option<i64>,
    /// `Some(error)` when it failed (its effects and events did not happen).
    pub error: Option<String>,
    /// The instructions the program ran (top-level and inner), in execution order.
    pub instructions: Vec<ProgramInstruction>,
    /// The full log messages.
    pub logs: Vec<String>,
    /// The `Program data:` records the program emitted (not those of other programs), as far
    /// as the logs can be read: logs are a best-effort record (the runtime truncates them past
    /// its budget), so what a bridge must not miss is read from [`Self::instructions`].
    pub events: Vec<ProgramData>,
    /// Why [`Self::events`] may be incomplete: the node truncated the logs, or they do not
    /// parse (then `events` is empty). `None` when the logs were read whole.
    pub log_problem: Option<String>,
}

/// A transaction listed for a program that could not be decoded (the node's answer is
/// malformed): skipped by [`SolanaClient::program_transactions`] instead of failing the range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnparseableTransaction {
    /// Its signature, as listed.
    pub id: TxId,
    /// The slot it is listed in.
    pub slot: u64,
    /// What was wrong with it.
    pub reason: String,
}

/// A transaction of a program as `getSignaturesForAddress` lists it
/// ([`SolanaClient::program_signature_page`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedTransaction {
    /// Its id (first signature).
    pub id: TxId,
    /// The slot it landed in.
    pub slot: u64,
    /// Its position in the block, when the node reports it.
    pub transaction_index: Option<u32>,
    /// Unix time of the block, when known.
    pub block_time: Option<i64>,
    /// `Some(error)` when it failed.
    pub error: Option<String>,
}

/// What [`SolanaClient::program_transactions`] read from a slot range.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProgramTransactions {
    /// The transactions decoded, oldest first (failed ones included, with
    /// [`ProgramTransaction::error`] set).
    pub transactions: Vec<ProgramTransaction>,
    /// The transactions that could not be decoded, oldest first. A reader of a bridge counts
    /// and reports them; one malformed transaction never stops it.
    pub unparseable: Vec<UnparseableTransaction>,
}

impl SolanaClient {
    fn events_commitment(&self) -> Commitment {
        // getSignaturesForAddress and getTransaction accept only confirmed and finalized.
        self.config.commitments.events.max(Commitment::Confirmed)
    }

    /// Signatures of transactions that mention `program`, landed in slots `from..=to`,
    /// oldest first. Pages backwards from the newest with `before`, stopping at the first
    /// signature older than `from` or at `until` (exclusive) when given.
    pub async fn program_signatures(
        &self,
        program: &SolanaAddress,
        from: u64,
        to: u64,
        until: Option<&TxId>,
    ) -> Result<Vec<RpcConfirmedTransactionStatusWithSignature>> {
        let commitment = self.events_commitment();
        let page_size = self.config.signature_page_size.clamp(1, MAX_SIGNATURE_PAGE);
        let mut found = Vec::new();
        let mut before: Option<String> = None;
        loop {
            let mut config = Map::new();
            config.insert("limit".into(), json!(page_size));
            config.insert("commitment".into(), json!(commitment.as_str()));
            if let Some(before) = &before {
                config.insert("before".into(), json!(before));
            }
            if let Some(until) = until {
                config.insert("until".into(), json!(until.to_string()));
            }
            let page: Vec<RpcConfirmedTransactionStatusWithSignature> = self
                .call(
                    RpcRequest::GetSignaturesForAddress,
                    json!([program.to_string(), Value::Object(config)]),
                )
                .await?;
            let full = page.len() >= page_size;
            let mut reached_start = false;
            before = page.last().map(|s| s.signature.clone());
            for entry in page {
                if entry.slot < from {
                    reached_start = true;
                    break;
                }
                if entry.slot <= to {
                    found.push(entry);
                }
            }
            if reached_start || !full || before.is_none() {
                break;
            }
        }
        // Newest first from the node; chain order is slot, then position in the block.
        found.reverse();
        found.sort_by_key(|s| (s.slot, s.transaction_index));
        Ok(found)
    }

    /// One `getSignaturesForAddress` page of `program`'s transactions at the events
    /// commitment, newest first: at most `limit` (1 to [`MAX_SIGNATURE_PAGE`]) transactions
    /// older than `before` (from the newest when `None`), stopping at `until` (exclusive) when
    /// given. The page below a given `before` is the same whenever it is asked for (at a
    /// commitment no fork reaches), so a reader can list pages once and read them later; a
    /// page shorter than `limit` is the last one.
    pub async fn program_signature_page(
        &self,
        program: &SolanaAddress,
        before: Option<&TxId>,
        until: Option<&TxId>,
        limit: usize,
    ) -> Result<Vec<ListedTransaction>> {
        let mut config = Map::new();
        config.insert("limit".into(), json!(limit.clamp(1, MAX_SIGNATURE_PAGE)));
        config.insert(
            "commitment".into(),
            json!(self.events_commitment().as_str()),
        );
        if let Some(before) = before {
            config.insert("before".into(), json!(before.to_string()));
        }
        if let Some(until) = until {
            config.insert("until".into(), json!(until.to_string()));
        }
        let page: Vec<RpcConfirmedTransactionStatusWithSignature> = self
            .call(
                RpcRequest::GetSignaturesForAddress,
                json!([program.to_string(), Value::Object(config)]),
            )
            .await?;
        page.into_iter().map(|entry| self.listed(entry)).collect()
    }

    /// A listing entry, its signature decoded (a listing with a signature that does not decode
    /// is a broken answer about the whole listing).
    fn listed(
        &self,
        entry: RpcConfirmedTransactionStatusWithSignature,
    ) -> Result<ListedTransaction> {
        Ok(ListedTransaction {
            id: TxId::Solana(self.decode_signature(&entry.signature)?),
            slot: entry.slot,
            transaction_index: entry.transaction_index,
            block_time: entry.block_time,
            error: entry.err.map(|e| e.to_string()),
        })
    }

    /// The transaction `id` decoded for `program`, at the events commitment; `None` when the
    /// node does not have it.
    pub async fn program_transaction(
        &self,
        id: &TxId,
        program: &SolanaAddress,
    ) -> Result<Option<ProgramTransaction>> {
        self.program_transaction_at(id, program, self.events_commitment())
            .await
    }

    /// [`SolanaClient::program_transaction`] at `commitment` (`confirmed` or `finalized`), e.g.
    /// `confirmed` to read back a transaction one just landed.
    pub async fn program_transaction_at(
        &self,
        id: &TxId,
        program: &SolanaAddress,
        commitment: Commitment,
    ) -> Result<Option<ProgramTransaction>> {
        self.fetch_transaction(id, commitment)
            .await?
            .map(|tx| self.decode_program_transaction(tx, program))
            .transpose()
    }

    /// `getTransaction` of `id` (base64, at `commitment` but never below `confirmed`, v0
    /// allowed), undecoded.
    async fn fetch_transaction(
        &self,
        id: &TxId,
        commitment: Commitment,
    ) -> Result<Option<EncodedConfirmedTransactionWithStatusMeta>> {
        self.call(
            RpcRequest::GetTransaction,
            json!([id.to_string(), {
                "encoding": "base64",
                "commitment": commitment.max(Commitment::Confirmed).as_str(),
                "maxSupportedTransactionVersion": 0,
            }]),
        )
        .await
    }

    /// The transaction `id` as signed (decoded by `trestle-core`), at the events commitment;
    /// `None` when the node does not have it.
    pub async fn transaction(&self, id: &TxId) -> Result<Option<Transaction>> {
        let tx: Option<EncodedConfirmedTransactionWithStatusMeta> = self
            .call(
                RpcRequest::GetTransaction,
                json!([id.to_string(), {
                    "encoding": "base64",
                    "commitment": self.events_commitment().as_str(),
                    "maxSupportedTransactionVersion": 0,
                }]),
            )
            .await?;
        tx.map(|tx| self.decode_wire(&tx.transaction.transaction))
            .transpose()
    }

    fn decode_wire(&self, encoded: &EncodedTransaction) -> Result<Transaction> {
        let wire = match encoded {
            EncodedTransaction::Binary(text, TransactionBinaryEncoding::Base64) => {
                self.decode_base64(text, "transaction")?
            }
            _ => {
                return Err(error::malformed(
                    self.endpoint(),
                    "getTransaction did not answer in the base64 encoding asked for",
                ));
            }
        };
        Transaction::deserialize(&wire).map_err(|e| {
            error::malformed(self.endpoint(), format!("transaction does not decode: {e}"))
        })
    }

    /// The transactions involving `program` in slots `from..=to`, decoded, oldest first
    /// (failed ones included, with [`ProgramTransaction::error`] set as the listing gives it,
    /// and not fetched: no instructions or logs). A listed transaction
    /// whose answer does not decode (a malformed answer, not a transport failure) is put in
    /// [`ProgramTransactions::unparseable`] and the others are still read; transport and
    /// retryable failures fail the whole range, to be read again.
    pub async fn program_transactions(
        &self,
        program: &SolanaAddress,
        from: u64,
        to: u64,
    ) -> Result<ProgramTransactions> {
        let signatures = self.program_signatures(program, from, to, None).await?;
        let listed = signatures
            .into_iter()
            .map(|entry| self.listed(entry))
            .collect::<Result<Vec<_>>>()?;
        self.listed_program_transactions(program, &listed).await
    }

    /// The transactions `listed` (of `program`), fetched and decoded in the given order as
    /// [`SolanaClient::program_transactions`] does: failed ones as listed, one that does not
    /// decode in [`ProgramTransactions::unparseable`], a transport failure or a listed
    /// transaction the node does not return failing the whole call.
    pub async fn listed_program_transactions(
        &self,
        program: &SolanaAddress,
        listed: &[ListedTransaction],
    ) -> Result<ProgramTransactions> {
        let mut out = ProgramTransactions::default();
        for entry in listed {
            let id = entry.id.clone();
            // A failed transaction did nothing: it is reported as listed, not fetched (anyone
            // can make failing transactions that name the program, one request each).
            if let Some(err) = &entry.error {
                out.transactions.push(ProgramTransaction {
                    id,
                    slot: entry.slot,
                    transaction_index: entry.transaction_index,
                    block_time: entry.block_time,
                    error: Some(err.clone()),
                    instructions: Vec::new(),
                    logs: Vec::new(),
                    events: Vec::new(),
                    log_problem: None,
                });
                continue;
            }
            // A failure to fetch fails the range (read again later); a transaction fetched
            // that does not decode is skipped.
            let Some(raw) = self
                .fetch_transaction(&id, self.events_commitment())
                .await?
            else {
                return Err(Error::Rpc {
                    endpoint: self.endpoint().to_owned(),
                    reason: format!(
                        "transaction {id} is listed for {program} but the node does not return it"
                    ),
                    retryable: true,
                });
            };
            let mut tx = match self.decode_program_transaction(raw, program) {
                Ok(tx) => tx,
                Err(e) => {
                    out.unparseable.push(UnparseableTransaction {
                        id,
                        slot: entry.slot,
                        reason: e.to_string(),
                    });
                    continue;
                }
            };
            if tx.transaction_index.is_none() {
                tx.transaction_index = entry.transaction_index;
            }
            out.transactions.push(tx);
        }
        Ok(out)
    }

    fn decode_program_transaction(
        &self,
        tx: EncodedConfirmedTransactionWithStatusMeta,
        program: &SolanaAddress,
    ) -> Result<ProgramTransaction> {
        let decoded = self.decode_wire(&tx.transaction.transaction)?;
        let id =
            TxId::Solana(*decoded.signature().ok_or_else(|| {
                error::malformed(self.endpoint(), "transaction without signatures")
            })?);
        let meta = tx.transaction.meta.ok_or_else(|| {
            error::malformed(
                self.endpoint(),
                format!("transaction {id} has no status meta"),
            )
        })?;

        // Account keys: static keys, then loaded writable, then loaded read-only.
        let mut keys: Vec<SolanaAddress> = decoded.message.static_account_keys().to_vec();
        if let Some(loaded) = Option::<UiLoadedAddresses>::from(meta.loaded_addresses) {
            for text in loaded.writable.iter().chain(&loaded.readonly) {
                keys.push(self.parse_address(text, "loaded address")?);
            }
        }
        let resolve = |index: u8| -> Result<SolanaAddress> {
            keys.get(usize::from(index)).copied().ok_or_else(|| {
                error::malformed(
                    self.endpoint(),
                    format!(
                        "transaction {id}: account index {index} out of range ({} keys)",
                        keys.len()
                    ),
                )
            })
        };

        let mut inner_by_index: HashMap<usize, Vec<UiCompiledInstruction>> = HashMap::new();
        if let Some(inner) = Option::<Vec<_>>::from(meta.inner_instructions) {
            for group in inner {
                let list = inner_by_index.entry(usize::from(group.index)).or_default();
                for ix in group.instructions {
                    match ix {
                        UiInstruction::Compiled(c) => list.push(c),
                        UiInstruction::Parsed(_) => {
                            return Err(error::malformed(
                                self.endpoint(),
                                "inner instruction in parsed form; asked for raw",
                            ));
                        }
                    }
                }
            }
        }

        let mut instructions = Vec::new();
        for (top, ix) in decoded.message.instructions().iter().enumerate() {
            let program_id = resolve(ix.program_id_index)?;
            if program_id == *program {
                instructions.push(ProgramInstruction {
                    program_id,
                    accounts: ix
                        .accounts
                        .iter()
                        .map(|i| resolve(*i))
                        .collect::<Result<_>>()?,
                    data: ix.data.clone(),
                    top_level_index: top,
                    inner_index: None,
                    stack_height: Some(1),
                });
            }
            for (n, inner) in inner_by_index.get(&top).into_iter().flatten().enumerate() {
                let inner_program = resolve(inner.program_id_index)?;
                if inner_program != *program {
                    continue;
                }
                let data = bs58::decode(&inner.data).into_vec().map_err(|e| {
                    error::malformed(self.endpoint(), format!("inner instruction data: {e}"))
                })?;
                instructions.push(ProgramInstruction {
                    program_id: inner_program,
                    accounts: inner
                        .accounts
                        .iter()
                        .map(|i| resolve(*i))
                        .collect::<Result<_>>()?,
                    data,
                    top_level_index: top,
                    inner_index: Some(n),
                    stack_height: inner.stack_height,
                });
            }
        }

        let logs = Option::<Vec<String>>::from(meta.log_messages).unwrap_or_default();
        // Logs are best effort: an unbalanced or truncated log (which any transaction can
        // provoke) costs its events, never the transaction.
        let (events, log_problem) = match parse_logs(&logs) {
            Ok(parsed) => (
                parsed
                    .data
                    .into_iter()
                    .filter(|d| d.program == *program)
                    .collect(),
                parsed
                    .truncated
                    .then(|| "the node truncated the logs".to_owned()),
            ),
            Err(reason) => (Vec::new(), Some(format!("logs do not parse: {reason}"))),
        };
        Ok(ProgramTransaction {
            id,
            slot: tx.slot,
            transaction_index: tx.transaction_index,
            block_time: tx.block_time,
            error: meta.err.map(|e| e.to_string()),
            instructions,
            logs,
            events,
            log_problem,
        })
    }

    /// The blockhash of the block in `slot`, at the events commitment. A skipped slot is an
    /// [`Error::Rpc`] (not retryable).
    pub async fn slot_blockhash(&self, slot: u64) -> Result<[u8; 32]> {
        let block: UiConfirmedBlock = self
            .call(
                RpcRequest::GetBlock,
                json!([slot, {
                    "encoding": "base64",
                    "transactionDetails": "none",
                    "rewards": false,
                    "commitment": self.events_commitment().as_str(),
                    "maxSupportedTransactionVersion": 0,
                }]),
            )
            .await?;
        self.decode_hash(&block.blockhash, "blockhash")
    }
}

#[async_trait]
impl EventSource for SolanaClient {
    /// The `Program data:` events `emitter` (a program) logged in successful transactions
    /// of slots `from..=to`, at the events commitment, in chain order; `index` is the
    /// event's position among the program's events in its transaction. Logs are best effort:
    /// a transaction whose logs are truncated or do not parse, or that does not decode, is
    /// skipped with a warning (its logged events cannot be read completely), never a reason
    /// to fail the range. Readers that must not miss an event read the program's
    /// instructions ([`SolanaClient::program_transactions`]).
    async fn events(
        &self,
        emitter: &UniversalAddress,
        from: u64,
        to: u64,
    ) -> Result<Vec<ChainEvent>> {
        let program = SolanaAddress(emitter.0);
        let mut hashes: HashMap<u64, [u8; 32]> = HashMap::new();
        let mut out = Vec::new();
        let read = self.program_transactions(&program, from, to).await?;
        for skipped in &read.unparseable {
            tracing::warn!(tx = %skipped.id, slot = skipped.slot, reason = %skipped.reason, "skipping a transaction that does not decode");
        }
        for tx in read.transactions {
            if tx.error.is_some() {
                continue;
            }
            if let Some(problem) = &tx.log_problem {
                tracing::warn!(tx = %tx.id, slot = tx.slot, %problem, "skipping the logged events of a transaction");
                continue;
            }
            if tx.events.is_empty() {
                continue;
            }
            let block_hash = match hashes.get(&tx.slot) {
                Some(hash) => *hash,
                None => {
                    let hash = self.slot_blockhash(tx.slot).await?;
                    hashes.insert(tx.slot, hash);
                    hash
                }
            };
            for (index, event) in tx.events.into_iter().enumerate() {
                out.push(ChainEvent {
                    height: tx.slot,
                    block_hash,
                    tx_id: tx.id.clone(),
                    index: index as u64,
                    emitter: *emitter,
                    topics: Vec::new(),
                    data: event.data,
                });
            }
        }
        Ok(out)
    }

    async fn block_hash(&self, height: u64) -> Result<[u8; 32]> {
        self.slot_blockhash(height).await
    }
}
