//! The Solana bridge program from a user's side: send an SPL token (locked into its vault
//! when Solana is its home, burnt when it is a bridged mint), read the message back from the
//! program's log, and ask the program what became of a message (its receipt account).

use std::sync::Arc;

use trestle_bridge::solana::BridgeProgram;
use trestle_bridge::solana::send::{SendParams, TokenKind, send};
use trestle_bridge::solana::state::{self, ReceiptStatus, TokenConfig};
use trestle_bridge::{Message, MessageId};
use trestle_core::chain::{TxId, UniversalAddress};
use trestle_core::solana::address::TOKEN_PROGRAM_ID;
use trestle_core::solana::instruction::get_associated_token_address;
use trestle_core::solana::{SolanaAddress, SolanaSigner};
use trestle_solana::{SolanaClient, TransactionRequest, parse_logs};

use crate::error::{Error, Result};
use crate::sent::SentMessage;
use crate::status::Stage;

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

    fn name(&self) -> &str {
        &self.client.config().name
    }

    /// The data of a program-owned account, `None` when it does not exist. An account at the
    /// address owned by another program is refused.
    async fn program_account(
        &self,
        address: &SolanaAddress,
        what: &str,
    ) -> Result<Option<Vec<u8>>> {
        let Some(account) = self.client.account(address).await? else {
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

    /// The attestation threshold the program requires for messages from `origin`; `None`
    /// when it has no remote for it.
    pub async fn threshold(&self, origin: u32) -> Result<Option<usize>> {
        match self
            .program_account(&self.program.remote(origin), "Remote")
            .await?
        {
            None => Ok(None),
            Some(data) => {
                let remote = state::Remote::decode(&data)?;
                Ok((remote.threshold > 0).then_some(usize::from(remote.threshold)))
            }
        }
    }

    /// Sends `amount` base units of the registered token `token_id` from `signer`'s
    /// associated token account to `beneficiary` on `destination`, lands the transaction
    /// (priority fee, compute budget, resends, rebuild on expiry: `trestle-solana`) and
    /// returns the message the program logged. Refuses a zero amount or beneficiary, an
    /// unknown token or destination, and an amount over the sender's balance before sending.
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
        if beneficiary.0 == [0u8; 32] {
            return Err(Error::input("beneficiary", "must not be the zero address"));
        }
        let config = self.config().await?;
        if config.paused {
            return Err(Error::input(
                "bridge program",
                format!("the bridge on {} is paused", self.name()),
            ));
        }
        if destination == config.domain
            || self
                .program_account(&self.program.remote(destination), "Remote")
                .await?
                .is_none()
        {
            return Err(Error::input(
                "destination",
                format!(
                    "the bridge on {} has no remote for domain {destination}",
                    self.name()
                ),
            ));
        }
        let token = self.token(token_id).await?;
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
        let ix = send(&self.program, &params);
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

    /// The message transaction `signature` (landed in `slot`) sent through this program: the
    /// `Program data:` record the program logged at the top level.
    pub async fn sent_in(&self, signature: &[u8; 64], slot: u64) -> Result<SentMessage> {
        let tx = TxId::Solana(*signature);
        let logs = self.client.transaction_logs(signature).await?;
        let parsed = parse_logs(&logs).map_err(|reason| {
            Error::Chain(trestle_core::Error::MalformedResponse {
                endpoint: self.name().to_owned(),
                reason: format!("logs of {tx}: {reason}"),
            })
        })?;
        let record = parsed
            .data
            .iter()
            .find(|d| d.program == self.program.id)
            .ok_or_else(|| Error::NoMessage {
                chain: self.name().to_owned(),
                tx: tx.to_string(),
            })?;
        let message = Message::decode(&record.data)?;
        Ok(SentMessage::new(message, tx, slot))
    }

    /// What the program did with message `id` (its receipt account): executed, queued with
    /// the release time, cancelled, or received (an arbitrary message not yet executed).
    /// [`Stage::Unknown`] when it has no receipt.
    pub async fn delivery(&self, id: &MessageId) -> Result<Stage> {
        let Some(data) = self
            .program_account(&self.program.receipt(id), "Receipt")
            .await?
        else {
            return Ok(Stage::Unknown);
        };
        let receipt = state::Receipt::decode(&data)?;
        if receipt.message_id != *id {
            return Err(Error::Chain(trestle_core::Error::MalformedResponse {
                endpoint: self.name().to_owned(),
                reason: "the receipt account holds another message id".to_owned(),
            }));
        }
        Ok(match receipt.status {
            ReceiptStatus::Executed | ReceiptStatus::MessageExecuted => Stage::Delivered,
            ReceiptStatus::Queued => Stage::Queued {
                release_at: u64::try_from(receipt.release_at).ok(),
            },
            ReceiptStatus::Cancelled => Stage::Cancelled,
            ReceiptStatus::Received => Stage::Received,
        })
    }
}
