//! Landing a transaction: fresh blockhash, compute-unit limit from simulation, priority fee
//! from recent fees, resending the same signed bytes while the blockhash is valid, and
//! rebuilding (new blockhash, new signatures) once it has expired.

use serde_json::json;
use solana_rpc_client_api::request::RpcRequest;
use solana_rpc_client_api::response::{Response, RpcSimulateTransactionResult};
use solana_transaction_error::TransactionError;
use tokio::time::Instant;
use trestle_core::chain::TxId;
use trestle_core::solana::address::COMPUTE_BUDGET_PROGRAM_ID;
use trestle_core::solana::instruction::{set_compute_unit_limit, set_compute_unit_price};
use trestle_core::solana::{
    AddressLookupTableAccount, Instruction, Message, SolanaAddress, SolanaSigner, Transaction,
    V0Message, VersionedMessage,
};

use crate::client::{Blockhash, SolanaClient};
use crate::config::Commitment;
use crate::error::{self, Error, Result};
use crate::fees::{MAX_COMPUTE_UNIT_LIMIT, compute_unit_limit};
use crate::submit::Seen;

/// Instructions to land, who signs them, and how the message is built.
///
/// ```no_run
/// # async fn demo(client: &trestle_solana::SolanaClient, payer: &trestle_core::solana::SolanaSigner)
/// # -> trestle_core::Result<()> {
/// use trestle_core::solana::instruction::memo;
/// use trestle_solana::TransactionRequest;
///
/// let landed = client
///     .land(TransactionRequest::new(payer, vec![memo("hello", &[payer.pubkey()])]))
///     .await?;
/// println!("{} in slot {}", landed.id, landed.slot);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct TransactionRequest<'a> {
    payer: &'a SolanaSigner,
    instructions: Vec<Instruction>,
    signers: Vec<&'a SolanaSigner>,
    lookup_tables: Vec<AddressLookupTableAccount>,
    v0: bool,
    blockhash: Option<Blockhash>,
    compute_unit_limit: Option<u32>,
    priority_fee: Option<u64>,
}

impl<'a> TransactionRequest<'a> {
    /// `instructions` paid for (and signed) by `payer`, as a legacy message.
    pub fn new(payer: &'a SolanaSigner, instructions: Vec<Instruction>) -> Self {
        Self {
            payer,
            instructions,
            signers: Vec::new(),
            lookup_tables: Vec::new(),
            v0: false,
            blockhash: None,
            compute_unit_limit: None,
            priority_fee: None,
        }
    }

    /// Another signer the instructions need (a new account's key, a token authority).
    pub fn signer(mut self, signer: &'a SolanaSigner) -> Self {
        self.signers.push(signer);
        self
    }

    /// Builds a v0 message that loads accounts through these lookup tables.
    pub fn lookup_tables(mut self, tables: Vec<AddressLookupTableAccount>) -> Self {
        self.lookup_tables = tables;
        self.v0 = true;
        self
    }

    /// Builds a v0 message (without lookup tables unless [`Self::lookup_tables`] adds some).
    pub fn v0(mut self) -> Self {
        self.v0 = true;
        self
    }

    /// Signs the first attempt with this blockhash instead of fetching one (for a
    /// transaction prepared earlier). If it has expired, landing rebuilds with a fresh one.
    pub fn blockhash(mut self, blockhash: Blockhash) -> Self {
        self.blockhash = Some(blockhash);
        self
    }

    /// Uses this compute-unit limit instead of simulating to find one.
    pub fn compute_unit_limit(mut self, units: u32) -> Self {
        self.compute_unit_limit = Some(units);
        self
    }

    /// Uses this compute-unit price (micro-lamports) instead of the recent-fee percentile.
    pub fn priority_fee(mut self, micro_lamports: u64) -> Self {
        self.priority_fee = Some(micro_lamports);
        self
    }

    /// The fee payer's address.
    pub fn payer(&self) -> SolanaAddress {
        self.payer.pubkey()
    }

    /// Whether the caller set the compute budget in the instructions themselves; then
    /// landing adds no compute-budget instructions.
    fn has_own_compute_budget(&self) -> bool {
        self.instructions
            .iter()
            .any(|ix| ix.program_id == COMPUTE_BUDGET_PROGRAM_ID)
    }

    /// The accounts the transaction writes (the priority-fee market is per account).
    fn writable_accounts(&self) -> Vec<SolanaAddress> {
        let mut out = vec![self.payer.pubkey()];
        for meta in self.instructions.iter().flat_map(|ix| &ix.accounts) {
            if meta.is_writable && !out.contains(&meta.pubkey) {
                out.push(meta.pubkey);
            }
        }
        out
    }

    /// The unsigned transaction with the given compute budget and blockhash.
    fn build(&self, limit: Option<u32>, price: u64, blockhash: &[u8; 32]) -> Result<Transaction> {
        let mut instructions = Vec::with_capacity(self.instructions.len() + 2);
        if let Some(limit) = limit {
            instructions.push(set_compute_unit_limit(limit));
            if price > 0 {
                instructions.push(set_compute_unit_price(price));
            }
        }
        instructions.extend(self.instructions.iter().cloned());
        let payer = self.payer.pubkey();
        let message: VersionedMessage = if self.v0 {
            V0Message::try_compile(&payer, &instructions, &self.lookup_tables, *blockhash)?.into()
        } else {
            Message::try_compile(&instructions, Some(&payer), *blockhash)?.into()
        };
        Ok(Transaction::new_unsigned(message))
    }

    /// The signed transaction.
    fn build_signed(
        &self,
        limit: Option<u32>,
        price: u64,
        blockhash: &[u8; 32],
    ) -> Result<Transaction> {
        let mut tx = self.build(limit, price, blockhash)?;
        let mut signers: Vec<&SolanaSigner> = vec![self.payer];
        for signer in &self.signers {
            if !signers.iter().any(|s| s.pubkey() == signer.pubkey()) {
                signers.push(signer);
            }
        }
        tx.sign(&signers)?;
        Ok(tx)
    }
}

/// A landed transaction and what it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Landed {
    /// The transaction id (its first signature).
    pub id: TxId,
    /// The slot it landed in.
    pub slot: u64,
    /// The commitment it had reached when landing returned.
    pub commitment: Commitment,
    /// The compute-unit limit it carried (`None` when the caller set the budget).
    pub compute_unit_limit: Option<u32>,
    /// The compute-unit price it paid, micro-lamports.
    pub compute_unit_price: u64,
    /// How many times signed bytes were sent, over all builds.
    pub sends: u32,
    /// How many times it was rebuilt with a new blockhash after one expired.
    pub rebuilds: u32,
    /// The signatures of earlier builds whose blockhash expired before they landed.
    pub expired: Vec<TxId>,
}

/// What a simulation found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Simulation {
    /// Compute units consumed (`None` if the node did not say).
    pub units_consumed: Option<u64>,
    /// The program logs.
    pub logs: Vec<String>,
}

/// How one signed build ended.
enum Outcome {
    Landed { slot: u64, commitment: Commitment },
    Expired,
}

impl SolanaClient {
    /// Simulates `tx` at the simulation commitment without checking signatures and with the
    /// node's latest blockhash in place of the transaction's. A failing transaction is
    /// [`Error::TransactionRejected`] with the transaction error and program logs.
    pub async fn simulate(&self, tx: &Transaction) -> Result<Simulation> {
        let answer: Response<RpcSimulateTransactionResult> = self
            .call(
                RpcRequest::SimulateTransaction,
                json!([tx.to_base64()?, {
                    "encoding": "base64",
                    "sigVerify": false,
                    "replaceRecentBlockhash": true,
                    "commitment": self.simulation_commitment().as_str(),
                }]),
            )
            .await?;
        let sim = answer.value;
        if sim.err.is_some() {
            return Err(error::rejected(
                self.endpoint().to_owned(),
                "transaction simulation failed",
                &sim,
            ));
        }
        Ok(Simulation {
            units_consumed: sim.units_consumed,
            logs: sim.logs.unwrap_or_default(),
        })
    }

    /// Lands `request`: priority fee from recent fees (percentile, capped), compute-unit
    /// limit from a simulation plus the configured margin, signed on a fresh blockhash, sent
    /// and resent (the same bytes) every `resend_interval` until it reaches the inclusion
    /// commitment; once its blockhash has expired (block height past
    /// `last_valid_block_height` and the signature unknown) it is rebuilt on a new blockhash
    /// and signed again, up to `max_rebuilds` times.
    ///
    /// Fails with [`Error::TransactionRejected`] (with program logs) when simulation fails,
    /// [`Error::TransactionFailed`] (with logs) when it lands and fails, and
    /// [`Error::Timeout`] when it has not landed within the landing timeout.
    pub async fn land(&self, request: TransactionRequest<'_>) -> Result<Landed> {
        let landing = &self.config.landing;
        let started = Instant::now();
        let deadline = started + landing.timeout;

        let price = match request.priority_fee {
            Some(price) => price,
            None => self.priority_fee(&request.writable_accounts()).await?,
        };
        let mut blockhash = match request.blockhash {
            Some(blockhash) => blockhash,
            None => self.latest_blockhash().await?,
        };
        let limit = if request.has_own_compute_budget() {
            None
        } else if let Some(limit) = request.compute_unit_limit {
            Some(limit)
        } else {
            let probe = request.build(Some(MAX_COMPUTE_UNIT_LIMIT), price, &blockhash.hash)?;
            let sim = self.simulate(&probe).await?;
            let consumed = sim
                .units_consumed
                .unwrap_or(u64::from(MAX_COMPUTE_UNIT_LIMIT));
            Some(compute_unit_limit(
                consumed,
                landing.compute_unit_margin_percent,
                landing.compute_unit_headroom,
            ))
        };

        let mut sends = 0u32;
        let mut rebuilds = 0u32;
        let mut expired = Vec::new();
        loop {
            let tx = request.build_signed(limit, price, &blockhash.hash)?;
            let signature = *tx.signature().ok_or_else(|| {
                Error::InvalidSolanaMessage("the transaction has no signatures".into())
            })?;
            let wire = tx.serialize()?;
            tracing::debug!(
                signature = %bs58::encode(signature).into_string(),
                last_valid_block_height = blockhash.last_valid_block_height,
                compute_unit_limit = ?limit,
                compute_unit_price = price,
                rebuilds,
                "landing transaction"
            );
            match self
                .drive(&wire, &signature, &blockhash, deadline, &mut sends)
                .await?
            {
                Outcome::Landed { slot, commitment } => {
                    tracing::debug!(
                        signature = %bs58::encode(signature).into_string(),
                        slot,
                        sends,
                        rebuilds,
                        elapsed_ms = started.elapsed().as_millis(),
                        "landed"
                    );
                    return Ok(Landed {
                        id: TxId::Solana(signature),
                        slot,
                        commitment,
                        compute_unit_limit: limit,
                        compute_unit_price: price,
                        sends,
                        rebuilds,
                        expired,
                    });
                }
                Outcome::Expired => {
                    tracing::info!(
                        signature = %bs58::encode(signature).into_string(),
                        last_valid_block_height = blockhash.last_valid_block_height,
                        "blockhash expired before the transaction landed; rebuilding"
                    );
                    expired.push(TxId::Solana(signature));
                    if rebuilds >= landing.max_rebuilds {
                        return Err(Error::Timeout {
                            what: format!(
                                "transaction to land: {} builds expired unlanded",
                                rebuilds + 1
                            ),
                            after: started.elapsed(),
                        });
                    }
                    rebuilds += 1;
                    blockhash = self.fresh_blockhash(&blockhash, deadline).await?;
                }
            }
        }
    }

    /// A blockhash newer than `old` (the node may answer with the same one for a moment).
    async fn fresh_blockhash(&self, old: &Blockhash, deadline: Instant) -> Result<Blockhash> {
        loop {
            let new = self.latest_blockhash().await?;
            if new.hash != old.hash && new.last_valid_block_height > old.last_valid_block_height {
                return Ok(new);
            }
            if Instant::now() >= deadline {
                return Err(Error::Timeout {
                    what: "a new blockhash".into(),
                    after: self.config.landing.timeout,
                });
            }
            tokio::time::sleep(self.config.landing.poll_interval).await;
        }
    }

    /// Sends `wire` and resends it until it lands, fails or its blockhash expires.
    /// Transient RPC errors are logged and retried until the deadline.
    async fn drive(
        &self,
        wire: &[u8],
        signature: &[u8; 64],
        blockhash: &Blockhash,
        deadline: Instant,
        sends: &mut u32,
    ) -> Result<Outcome> {
        let landing = &self.config.landing;
        let inclusion = self.config.commitments.inclusion;
        let mut last_send: Option<Instant> = None;
        let mut last_error: Option<Error> = None;
        loop {
            let now = Instant::now();
            if now >= deadline {
                return Err(Error::Timeout {
                    what: format!(
                        "transaction {} to land{}",
                        bs58::encode(signature).into_string(),
                        last_error
                            .map(|e| format!(" (last error: {e})"))
                            .unwrap_or_default()
                    ),
                    after: landing.timeout,
                });
            }
            if last_send.is_none_or(|at| now.duration_since(at) >= landing.resend_interval) {
                last_send = Some(now);
                match self.send_wire(wire, true, Some(0)).await {
                    Ok(_) => *sends += 1,
                    Err(Error::TransactionRejected { reason, .. })
                        if reason.contains(&TransactionError::AlreadyProcessed.to_string()) => {}
                    Err(Error::TransactionRejected { reason, .. })
                        if reason.contains(&TransactionError::BlockhashNotFound.to_string()) =>
                    {
                        // Unknown blockhash: treat like expiry once the height says so.
                        tracing::debug!(%reason, "node does not know the blockhash");
                    }
                    Err(e) if e.is_retryable() => {
                        tracing::warn!(error = %e, "sending failed; will resend");
                        last_error = Some(e);
                    }
                    Err(e) => return Err(e),
                }
            }
            tokio::time::sleep(landing.poll_interval).await;

            // Height first, then status: a signature still unknown after the height passed
            // the blockhash's last valid height can no longer land.
            let height = match self.block_height(self.config.commitments.blockhash).await {
                Ok(height) => height,
                Err(e) if e.is_retryable() => {
                    tracing::warn!(error = %e, "reading the block height failed");
                    last_error = Some(e);
                    continue;
                }
                Err(e) => return Err(e),
            };
            match self.seen(signature).await {
                Ok(Seen::Landed { slot, commitment }) if commitment >= inclusion => {
                    return Ok(Outcome::Landed { slot, commitment });
                }
                Ok(Seen::Landed { .. }) => {}
                Ok(Seen::Failed { error, .. }) => {
                    return Err(self.failure(signature, &error).await);
                }
                Ok(Seen::NotFound) => {
                    if height > blockhash.last_valid_block_height {
                        return Ok(Outcome::Expired);
                    }
                }
                Err(e) if e.is_retryable() => {
                    tracing::warn!(error = %e, "reading the signature status failed");
                    last_error = Some(e);
                }
                Err(e) => return Err(e),
            }
        }
    }
}
