//! The Solana bridge program from a user's side: send an SPL token (locked into its vault
//! when Solana is its home, burnt when it is a bridged mint), read the message back from the
//! program's `MessageSent` self-CPI event (an inner instruction: never from logs, which the
//! runtime truncates), and ask the program what became of a message (its receipt account).

use std::sync::Arc;

use trestle_bridge::MessageId;
use trestle_bridge::solana::events::{ResolvedInstruction, message_sent_in};
use trestle_bridge::solana::send::{SendParams, TokenKind, send_paying};
use trestle_bridge::solana::state::{self, ReceiptStatus, RemoteKind, TokenConfig};
use trestle_bridge::solana::{BridgeProgram, ReceiptKey};
use trestle_core::chain::{TxId, U256, UniversalAddress};
use trestle_core::solana::address::TOKEN_PROGRAM_ID;
use trestle_core::solana::instruction::get_associated_token_address;
use trestle_core::solana::{SolanaAddress, SolanaSigner};
use trestle_solana::{Commitment, ProgramTransaction, SolanaClient, TransactionRequest};

use crate::arrival::{Arrival, InboundState, predict};
use crate::error::{Error, Result};
use crate::sent::SentMessage;
use crate::status::Stage;

mod relay;

pub use relay::{fits_in_a_packet, transaction_size};

/// The Trestle bridge program on one Solana cluster.
#[derive(Clone)]
pub struct SolanaBridge {
    client: Arc<SolanaClient>,
    program: BridgeProgram,
}

impl std::fmt::Debug for SolanaBridge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SolanaBridge")
            .field("endpoint", &self.client.config().name)
            .field("program", &self.program.id.to_string())
            .finish()
    }
}

impl SolanaBridge {
    /// The program `program_id` on the cluster `client` talks to. Makes no request.
    pub fn new(client: Arc<SolanaClient>, program_id: SolanaAddress) -> Self {
        Self {
            client,
            program: BridgeProgram::new(program_id),
        }
    }

    /// The program `program_id` on the cluster at `rpc_url` (`http://` or `https://`), with
    /// `trestle-solana`'s default commitments and landing policy; `name` names the cluster in
    /// errors. Makes no request.
    pub fn connect(name: &str, rpc_url: &str, program_id: SolanaAddress) -> Result<Self> {
        if !(rpc_url.starts_with("http://") || rpc_url.starts_with("https://")) {
            return Err(Error::input(
                "Solana RPC URL",
                format!("`{rpc_url}` is not an http:// or https:// URL"),
            ));
        }
        let config = trestle_solana::SolanaConfig::new(name, rpc_url);
        Ok(Self::new(Arc::new(SolanaClient::new(config)), program_id))
    }

    /// The client.
    pub fn client(&self) -> &Arc<SolanaClient> {
        &self.client
    }

    /// The program.
    pub fn program(&self) -> BridgeProgram {
        self.program
    }

    pub(crate) fn name(&self) -> &str {
        &self.client.config().name
    }

    /// The data of a program-owned account at the client's read commitment, `None` when it
    /// does not exist. An account at the address owned by another program is refused.
    async fn program_account(
        &self,
        address: &SolanaAddress,
        what: &str,
    ) -> Result<Option<Vec<u8>>> {
        let commitment = self.client.config().commitments.read;
        self.program_account_at(address, what, commitment).await
    }

    /// [`SolanaBridge::program_account`] at `commitment`.
    async fn program_account_at(
        &self,
        address: &SolanaAddress,
        what: &str,
        commitment: Commitment,
    ) -> Result<Option<Vec<u8>>> {
        let Some(account) = self.client.account_at(address, commitment).await? else {
            return Ok(None);
        };
        if account.owner != self.program.id {
            return Err(Error::Chain(trestle_core::Error::MalformedResponse {
                endpoint: self.name().to_owned(),
                reason: format!(
                    "the {what} account {address} is owned by {}, not the bridge program {}",
                    account.owner, self.program.id
                ),
            }));
        }
        Ok(Some(account.data))
    }

    /// The program's `Config` account.
    pub async fn config(&self) -> Result<state::Config> {
        let data = self
            .program_account(&self.program.config(), "Config")
            .await?
            .ok_or_else(|| {
                Error::input(
                    "bridge program",
                    format!(
                        "{} has no bridge config on {}: is the program initialised?",
                        self.program.id,
                        self.name()
                    ),
                )
            })?;
        Ok(state::Config::decode(&data)?)
    }

    /// The registered token `token_id`; [`Error::UnknownToken`] when it is not registered.
    pub async fn token(&self, token_id: &[u8; 32]) -> Result<TokenConfig> {
        let data = self
            .program_account(&self.program.token(token_id), "TokenConfig")
            .await?
            .ok_or_else(|| Error::UnknownToken {
                chain: self.name().to_owned(),
                token_id: hex::encode(token_id),
            })?;
        Ok(TokenConfig::decode(&data)?)
    }

    /// The program's `Remote` account of `domain`; `None` when it has no remote for it.
    pub async fn remote(&self, domain: u32) -> Result<Option<state::Remote>> {
        self.program_account(&self.program.remote(domain), "Remote")
            .await?
            .map(|data| Ok(state::Remote::decode(&data)?))
            .transpose()
    }

    /// Pays `lamports` more for the delivery of message `id` to `destination`
    /// (`pay_for_gas`) from `signer`, lands the transaction and returns its signature.
    pub async fn pay_for_gas(
        &self,
        signer: &SolanaSigner,
        id: &MessageId,
        destination: u32,
        lamports: u64,
    ) -> Result<TxId> {
        if lamports == 0 {
            return Err(Error::input("amount", "a top-up of 0 pays nothing"));
        }
        if self.remote(destination).await?.is_none() {
            return Err(Error::input(
                "destination",
                format!(
                    "the program on {} has no remote domain {destination}",
                    self.name()
                ),
            ));
        }
        let ix = self
            .program
            .pay_for_gas(&signer.pubkey(), id, destination, lamports);
        let landed = self
            .client
            .land(TransactionRequest::new(signer, vec![ix]))
            .await?;
        Ok(landed.id)
    }

    /// When a transfer of `home_amount` (message units) of `token_id` from domain `origin`
    /// would arrive at this (destination) program, from its accounts now
    /// ([`crate::arrival`]); the bucket's level is refilled to this machine's clock.
    pub async fn arrival(
        &self,
        origin: u32,
        token_id: &[u8; 32],
        home_amount: U256,
    ) -> Result<Arrival> {
        let token = match self.token(token_id).await {
            Ok(t) => t,
            Err(Error::UnknownToken { .. }) => {
                return Ok(Arrival::Refused {
                    reason: format!("the program on {} does not know this token", self.name()),
                });
            }
            Err(e) => return Err(e),
        };
        let paused = self.config().await?.paused;
        let Some(data) = self
            .program_account(&self.program.route(token_id, origin), "Route")
            .await?
        else {
            return Ok(Arrival::Refused {
                reason: format!(
                    "the program on {} has no route for this token from domain {origin}",
                    self.name()
                ),
            });
        };
        let route = state::Route::decode(&data)?;
        let scale = U256::from(10u8).checked_pow(U256::from(token.scale_exp));
        let local = scale.and_then(|s| (home_amount % s).is_zero().then(|| home_amount / s));
        let bucket = &route.inbound;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let elapsed = now.saturating_sub(u64::try_from(bucket.last_update).unwrap_or(0));
        let refilled = u128::from(bucket.level).saturating_add(
            u128::from(elapsed).saturating_mul(u128::from(bucket.refill_per_second)),
        );
        Ok(predict(&InboundState {
            paused,
            local,
            threshold: U256::from(token.timelock_threshold),
            delay: u64::try_from(token.timelock_delay).unwrap_or(0),
            open: route.remote_max != 0,
            capacity: U256::from(bucket.capacity),
            available: U256::from(refilled.min(u128::from(bucket.capacity))),
            refill: U256::from(bucket.refill_per_second),
            ledger_room: route
                .inbound_bounded
                .then(|| U256::from(u128::try_from(route.ledger.max(0)).unwrap_or(0))),
        }))
    }

    /// The attestation threshold the program requires for messages from `origin`; `None`
    /// when it has no remote for it.
    pub async fn threshold(&self, origin: u32) -> Result<Option<usize>> {
        Ok(self
            .remote(origin)
            .await?
            .and_then(|r| (r.threshold > 0).then_some(usize::from(r.threshold))))
    }

    /// The program's fee configuration for `destination` (its `FeeConfig` account
    /// `["fee_config", destination]`; all zero when it has none: the destination is free).
    /// An account at that address the program does not own is no configuration, as the
    /// program itself reads it: anyone can send lamports to the address, and that must not
    /// make quoting fail (it stalled every relay from this origin and every send).
    pub async fn fee_config(&self, destination: u32) -> Result<trestle_bridge::FeeConfig> {
        let commitment = self.client.config().commitments.read;
        let address = self.program.fee_config(destination);
        match self.client.account_at(&address, commitment).await? {
            Some(account) if account.owner == self.program.id => {
                Ok(state::FeeConfigAccount::decode(&account.data)?.config)
            }
            _ => Ok(trestle_bridge::FeeConfig::default()),
        }
    }

    /// The delivery fee (lamports) the program charges now for a token transfer to
    /// `destination`: [`trestle_bridge::FeeConfig::quote_transfer`] of its `FeeConfig` account
    /// (`["fee_config", destination]`), 0 when it has none (the destination is free). Refuses
    /// a quote the program refuses too (`FeeOverflow`: above `u64::MAX` lamports).
    pub async fn quote_transfer(&self, destination: u32) -> Result<u64> {
        let fee = self.fee_config(destination).await?.quote_transfer()?;
        u64::try_from(fee).map_err(|_| trestle_bridge::Error::FeeOverflow.into())
    }

    /// Sends `amount` base units of the registered token `token_id` from `signer`'s
    /// associated token account to `beneficiary` on `destination`, lands the transaction
    /// (priority fee, compute budget, resends, rebuild on expiry: `trestle-solana`) and
    /// returns the message the program emitted. Refuses a zero amount, an unknown token or
    /// destination, a beneficiary the destination cannot pay (zero, or not a 20-byte address
    /// for an EVM destination), a token without a route there, and an amount over the sender's
    /// balance before sending. Pays the destination's delivery fee as quoted now
    /// ([`SolanaBridge::quote_transfer`], in lamports from `signer`) as `max_fee`: if the fee
    /// oracle raises the price before the transaction lands, the program refuses it
    /// (`FeeTooLow`) and nothing moves.
    pub async fn send_token(
        &self,
        signer: &SolanaSigner,
        destination: u32,
        token_id: &[u8; 32],
        amount: u64,
        beneficiary: UniversalAddress,
    ) -> Result<SentMessage> {
        if amount == 0 {
            return Err(Error::input("amount", "must not be zero"));
        }
        let config = self.config().await?;
        if config.paused {
            return Err(Error::input(
                "bridge program",
                format!("the bridge on {} is paused", self.name()),
            ));
        }
        let remote = match self.remote(destination).await? {
            Some(remote) if destination != config.domain => remote,
            _ => {
                return Err(Error::input(
                    "destination",
                    format!(
                        "the bridge on {} has no remote for domain {destination}",
                        self.name()
                    ),
                ));
            }
        };
        if beneficiary.0 == [0u8; 32] {
            return Err(Error::input("beneficiary", "must not be the zero address"));
        }
        if remote.kind == RemoteKind::Evm && beneficiary.0[..12] != [0u8; 12] {
            return Err(Error::input(
                "beneficiary",
                "the destination is an EVM chain: it must be a 20-byte address (upper 12 bytes zero)",
            ));
        }
        let token = self.token(token_id).await?;
        let route = self
            .program_account(&self.program.route(token_id, destination), "Route")
            .await?
            .map(|data| state::Route::decode(&data))
            .transpose()?;
        if route.is_none_or(|r| r.remote_max == 0) {
            return Err(Error::input(
                "destination",
                format!(
                    "the bridge on {} has no route for this token to domain {destination}",
                    self.name()
                ),
            ));
        }
        let owner = signer.pubkey();
        let sender_token = get_associated_token_address(&owner, &token.mint, &TOKEN_PROGRAM_ID)?;
        let balance = self.client.token_balance_of(&token.mint, &owner).await?;
        if balance < amount {
            return Err(Error::input(
                "amount",
                format!("{amount} is more than the balance {balance} of {owner}"),
            ));
        }
        let params = SendParams {
            sender: owner,
            token_id: *token_id,
            mint: token.mint,
            sender_token,
            kind: if token.is_home {
                TokenKind::Home
            } else {
                TokenKind::Bridged
            },
            destination,
            beneficiary: beneficiary.0,
            amount,
        };
        let max_fee = self.quote_transfer(destination).await?;
        let ix = send_paying(&self.program, &params, max_fee);
        let landed = self
            .client
            .land(TransactionRequest::new(signer, vec![ix]))
            .await?;
        let TxId::Solana(signature) = landed.id else {
            return Err(Error::NoMessage {
                chain: self.name().to_owned(),
                tx: landed.id.to_string(),
            });
        };
        self.sent_in(&signature, landed.slot).await
    }

    /// The message transaction `signature` (landed in `slot`) sent through this program: its
    /// `MessageSent` self-CPI event.
    pub async fn sent_in(&self, signature: &[u8; 64], slot: u64) -> Result<SentMessage> {
        let tx = TxId::Solana(*signature);
        let no_message = || Error::NoMessage {
            chain: self.name().to_owned(),
            tx: tx.to_string(),
        };
        // It just landed: read it at `confirmed`, not at the events commitment (finalized).
        let read = self
            .client
            .program_transaction_at(&tx, &self.program.id, trestle_solana::Commitment::Confirmed)
            .await?
            .ok_or_else(no_message)?;
        if read.error.is_some() {
            return Err(no_message());
        }
        let sent = sent_messages(&self.program, &read)?;
        let first = sent.into_iter().next().ok_or_else(no_message)?;
        Ok(SentMessage::new(first.message, tx, slot))
    }

    /// What the program did with message `id` from `origin` with `nonce` (its receipt
    /// account, keyed by the origin's current bridge): executed, queued with the release time,
    /// cancelled (or voided, or refunded), or received (an arbitrary message not yet
    /// executed). [`Stage::Unknown`] when it has no receipt, or when the origin and nonce are
    /// not known (the receipt's address is made of them) or the program knows no such origin.
    pub async fn delivery(
        &self,
        id: &MessageId,
        origin_nonce: Option<(u32, u64)>,
    ) -> Result<Stage> {
        let Some((origin, nonce)) = origin_nonce else {
            return Ok(Stage::Unknown);
        };
        let Some(remote) = self.remote(origin).await? else {
            return Ok(Stage::Unknown);
        };
        let key = ReceiptKey {
            origin,
            origin_bridge: remote.bridge,
            nonce,
        };
        let commitment = self.client.config().commitments.read;
        let Some(receipt) = self.receipt(&key, id, commitment).await? else {
            return Ok(Stage::Unknown);
        };
        Ok(match receipt.status {
            ReceiptStatus::Executed | ReceiptStatus::MessageExecuted => Stage::Delivered,
            ReceiptStatus::Queued => Stage::Queued {
                release_at: u64::try_from(receipt.release_at).ok(),
            },
            ReceiptStatus::Cancelled | ReceiptStatus::Refunded => Stage::Cancelled,
            ReceiptStatus::Received => Stage::Received,
        })
    }
}

/// The messages `program` sent in the successful transaction `tx`, from its `MessageSent`
/// self-CPI events (its inner instructions to the program).
pub fn sent_messages(
    program: &BridgeProgram,
    tx: &ProgramTransaction,
) -> trestle_bridge::Result<Vec<trestle_bridge::solana::events::MessageSent>> {
    message_sent_in(
        program,
        tx.instructions
            .iter()
            .filter(|ix| ix.inner_index.is_some())
            .map(|ix| ResolvedInstruction {
                program_id: &ix.program_id,
                accounts: &ix.accounts,
                data: &ix.data,
            }),
    )
}
