//! The bridge for apps: send a token or a message ([`EvmBridge`], [`SolanaBridge`]) and the
//! status of a transfer by its message id (from the destination chain, or the relayer's
//! status API through [`RelayerApi`]). Thin wrappers of `trestle-bridge-client` with the same
//! names; network calls run on the library's runtime.
//!
//! Keys: a send takes the [`Wallet`] and the account's derivation path, like the signing
//! methods. The seed is fetched from the host's store and the signing key derived before the
//! call goes to the network runtime (the store is never called from the runtime's threads).

use std::sync::Arc;
use std::time::Duration;

use trestle_bridge_client as client;
use trestle_core::chain::UniversalAddress;
use trestle_core::evm::EvmAddress;
use trestle_core::solana::SolanaAddress;
use trestle_evm::EvmSender;

use crate::error::{Result, TrestleError, invalid_argument};
use crate::network::{EvmChain, SolanaClient, on_runtime};
use crate::wallet::Wallet;

/// A message the origin bridge emitted, read back from the chain.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SentMessage {
    /// The message id (`0x` + 64 hex digits): what [`EvmBridge::delivery`],
    /// [`SolanaBridge::delivery`] and [`RelayerApi::status`] take.
    pub id: String,
    /// The origin's outbound nonce.
    pub nonce: u64,
    /// Origin domain.
    pub origin: u32,
    /// Destination domain.
    pub destination: u32,
    /// The sender, as a 32-byte universal address (`0x` hex).
    pub sender: String,
    /// The recipient on the destination (the destination bridge for a token transfer).
    pub recipient: String,
    /// The encoded message.
    pub message: Vec<u8>,
    /// The origin transaction (`0x` hash on EVM, base58 signature on Solana).
    pub origin_tx: String,
    /// Its block number or slot.
    pub origin_height: u64,
}

impl From<client::SentMessage> for SentMessage {
    fn from(s: client::SentMessage) -> Self {
        Self {
            id: s.id_hex(),
            nonce: s.nonce(),
            origin: s.message.origin,
            destination: s.message.destination,
            sender: format!("0x{}", hex::encode(s.message.sender.0)),
            recipient: format!("0x{}", hex::encode(s.message.recipient.0)),
            message: s.encoded(),
            origin_tx: s.origin_tx.to_string(),
            origin_height: s.origin_height,
        }
    }
}

/// How far a transfer has come.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum TransferStage {
    /// Not seen yet by the relayer nor the destination.
    Unknown,
    /// Validators are attesting: `signatures` of `threshold`, when known.
    Attesting {
        /// Attestations seen.
        signatures: Option<u32>,
        /// Attestations needed.
        threshold: Option<u32>,
    },
    /// Attested; waiting for the relayer to submit it.
    Ready,
    /// Attested, but what was paid does not cover the relayer's price: waiting for a top-up.
    Underpaid {
        /// What was paid and what is needed, as the relayer says.
        reason: Option<String>,
    },
    /// Submitted to the destination in `tx`.
    Submitted {
        /// The destination transaction, if known.
        tx: Option<String>,
    },
    /// Held by the destination (timelock or rate limit) until `release_at` (Unix seconds).
    Queued {
        /// When it can be executed, if known.
        release_at: Option<u64>,
    },
    /// Executed on the destination.
    Delivered,
    /// Recorded on a Solana destination, waiting for `execute_message`.
    Received,
    /// Delivered, but the recipient's call failed (retryable on chain).
    RecipientFailed,
    /// Cancelled by the guardian.
    Cancelled,
    /// The relayer gave up after its retries.
    Failed {
        /// Its last error.
        reason: Option<String>,
    },
    /// Taken out of the relayer's pipeline by an operator.
    Skipped,
    /// Its origin block was reorganised away.
    Orphaned,
    /// The relayer reports a state this library does not know (a newer relayer).
    Relaying {
        /// The relayer's name of the state.
        state: String,
    },
}

fn count(n: Option<usize>) -> Option<u32> {
    n.map(|v| u32::try_from(v).unwrap_or(u32::MAX))
}

impl From<client::Stage> for TransferStage {
    fn from(s: client::Stage) -> Self {
        use client::Stage as S;
        match s {
            S::Attesting {
                signatures,
                threshold,
            } => Self::Attesting {
                signatures: count(signatures),
                threshold: count(threshold),
            },
            S::Ready => Self::Ready,
            S::Underpaid { reason } => Self::Underpaid { reason },
            S::Submitted { tx } => Self::Submitted { tx },
            S::Queued { release_at } => Self::Queued { release_at },
            S::Delivered => Self::Delivered,
            S::Received => Self::Received,
            S::RecipientFailed => Self::RecipientFailed,
            S::Cancelled => Self::Cancelled,
            S::Failed { reason } => Self::Failed { reason },
            S::Skipped => Self::Skipped,
            S::Orphaned => Self::Orphaned,
            S::Relaying { state } => Self::Relaying { state },
            S::Unknown => Self::Unknown,
        }
    }
}

/// The status of a transfer.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TransferStatus {
    /// The message id (`0x` hex).
    pub id: String,
    /// Where it stands.
    pub stage: TransferStage,
    /// The stage in words (`attested 1/2`, `queued until ...`), for display.
    pub description: String,
    /// `relayer` or `destination`: who answered.
    pub source: String,
    /// Origin domain, if known.
    pub origin: Option<u32>,
    /// Destination domain, if known.
    pub destination: Option<u32>,
    /// Origin nonce, if known.
    pub nonce: Option<u64>,
    /// The relayer's last error on it (retries in progress), if any.
    pub last_error: Option<String>,
}

impl From<client::TransferStatus> for TransferStatus {
    fn from(s: client::TransferStatus) -> Self {
        Self {
            id: s.id_hex(),
            description: s.stage.to_string(),
            stage: s.stage.into(),
            source: match s.source {
                client::StatusSource::Relayer => "relayer".to_owned(),
                client::StatusSource::Destination => "destination".to_owned(),
            },
            origin: s.origin,
            destination: s.destination,
            nonce: s.nonce,
            last_error: s.last_error,
        }
    }
}

fn parse_id(text: &str) -> Result<[u8; 32]> {
    Ok(client::parse_message_id(text)?)
}

/// A universal (32-byte) address from an EVM address (`0x` + 40 hex, EIP-55 checked when
/// mixed case) or a Solana address (base58).
fn universal(what: &str, text: &str) -> Result<UniversalAddress> {
    if text.starts_with("0x") {
        let a = EvmAddress::parse(text)
            .map_err(|e| TrestleError::InvalidAddress(format!("{what}: {e}")))?;
        return Ok(UniversalAddress::from_evm(a.0));
    }
    let a = SolanaAddress::parse(text)
        .map_err(|e| TrestleError::InvalidAddress(format!("{what}: {e}")))?;
    Ok(UniversalAddress(a.0))
}

/// The bridge token id of a token whose home is `home_domain`: `home_token` is an EVM
/// address, a Solana mint (base58) or `native` (ether). Returns `0x` hex.
#[uniffi::export]
pub fn token_id(home_domain: u32, home_token: String) -> Result<String> {
    let token = if home_token == "native" {
        trestle_bridge::NATIVE_TOKEN
    } else {
        universal("home token", &home_token)?
    };
    Ok(format!(
        "0x{}",
        hex::encode(trestle_bridge::token_id(home_domain, &token))
    ))
}

fn parse_token_id(text: &str) -> Result<[u8; 32]> {
    let digits = text.strip_prefix("0x").unwrap_or(text);
    let bytes = hex::decode(digits).map_err(|e| invalid_argument("token id", e))?;
    <[u8; 32]>::try_from(bytes.as_slice())
        .map_err(|_| invalid_argument("token id", format!("{} bytes, expected 32", bytes.len())))
}

/// A Trestle bridge contract on an EVM chain.
#[derive(Debug, uniffi::Object)]
pub struct EvmBridge {
    inner: client::EvmBridge,
}

#[uniffi::export]
impl EvmBridge {
    /// The bridge at `address` on `chain`. Makes no request. Refuses a malformed address.
    #[uniffi::constructor]
    pub fn new(chain: Arc<EvmChain>, address: String) -> Result<Arc<Self>> {
        let address = EvmAddress::parse(&address)?;
        Ok(Arc::new(Self {
            inner: client::EvmBridge::new(chain.inner(), address),
        }))
    }

    /// The delivery fee (wei, decimal string) this bridge charges now for a token transfer
    /// to domain `destination` ("0" where it charges none). `send_token` pays it on top.
    pub async fn quote_transfer(&self, destination: u32) -> Result<String> {
        let bridge = self.inner.clone();
        on_runtime(async move { Ok(bridge.quote_transfer(destination).await?.to_string()) }).await
    }

    /// The delivery fee (wei, decimal string) of a message to domain `destination` whose
    /// recipient gets `gas_limit` and whose payload is `payload_len` bytes. `send_message`
    /// pays it.
    pub async fn quote_message(
        &self,
        destination: u32,
        gas_limit: u64,
        payload_len: u32,
    ) -> Result<String> {
        let bridge = self.inner.clone();
        on_runtime(async move {
            let len = usize::try_from(payload_len).unwrap_or(usize::MAX);
            Ok(bridge
                .quote_message(destination, gas_limit, len)
                .await?
                .to_string())
        })
        .await
    }

    /// Sends `amount` base units (decimal string; wei for ether) of the token `token_id`
    /// (see [`token_id`]) from the EVM account at `path` of `wallet` to `beneficiary` (an EVM
    /// or Solana address) on domain `destination`: ether as value, a home ERC-20 after an
    /// `approve` when the allowance is short, a bridged token by burning it. Waits for the
    /// receipt at most `timeout_ms` and returns the message read from it. Refuses an unknown
    /// token, a disabled route, an amount the destination cannot represent or over the rate
    /// limit or the balance, before signing anything (`InvalidArgument`, `UnknownToken`).
    /// Pays the delivery fee `quote_transfer` gives now, on top of the amount.
    #[allow(clippy::too_many_arguments)] // Mirrors the Rust call one to one.
    pub async fn send_token(
        &self,
        wallet: Arc<Wallet>,
        path: String,
        destination: u32,
        token_id: String,
        amount: String,
        beneficiary: String,
        timeout_ms: u64,
    ) -> Result<SentMessage> {
        let send = client::TokenSend {
            destination,
            token_id: parse_token_id(&token_id)?,
            amount: client::parse_base_units(&amount)?,
            beneficiary: universal("beneficiary", &beneficiary)?,
        };
        let signer = wallet.evm_signer_at(&path)?;
        let bridge = self.inner.clone();
        on_runtime(async move {
            let sender = EvmSender::new(bridge.chain().clone(), signer);
            let sent = bridge
                .send_token(&sender, &send, Duration::from_millis(timeout_ms))
                .await?;
            Ok(sent.into())
        })
        .await
    }

    /// Sends `payload` to `recipient` (the receiving contract or program, EVM or Solana
    /// address) on domain `destination` from the EVM account at `path`, giving the recipient's
    /// call `gas_limit` (EVM gas, or compute units on Solana; signed into the message, so no
    /// relayer can give it less), and returns the message read from the receipt.
    #[allow(
        clippy::too_many_arguments,
        reason = "one argument per field of the message"
    )]
    pub async fn send_message(
        &self,
        wallet: Arc<Wallet>,
        path: String,
        destination: u32,
        recipient: String,
        gas_limit: u64,
        payload: Vec<u8>,
        timeout_ms: u64,
    ) -> Result<SentMessage> {
        let recipient = universal("recipient", &recipient)?;
        let signer = wallet.evm_signer_at(&path)?;
        let bridge = self.inner.clone();
        on_runtime(async move {
            let sender = EvmSender::new(bridge.chain().clone(), signer);
            let sent = bridge
                .send_message(
                    &sender,
                    destination,
                    recipient,
                    gas_limit,
                    &payload,
                    Duration::from_millis(timeout_ms),
                )
                .await?;
            Ok(sent.into())
        })
        .await
    }

    /// The message this (origin) bridge sent in transaction `tx_hash`.
    pub async fn sent_in(&self, tx_hash: String, block: u64) -> Result<SentMessage> {
        let digits = tx_hash.strip_prefix("0x").unwrap_or(&tx_hash);
        let hash = hex::decode(digits)
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
            .ok_or_else(|| invalid_argument("transaction hash", "expected 32 bytes of hex"))?;
        let bridge = self.inner.clone();
        on_runtime(async move { Ok(bridge.sent_in(hash, block).await?.into()) }).await
    }

    /// What this (destination) bridge did with message `message_id`: its record (queued with
    /// the release time, failed recipient call, cancelled), else `delivered(origin, nonce)`
    /// when both are given, else a search of its `MessageDelivered` logs from block
    /// `search_from`. `Unknown` when none shows it.
    pub async fn delivery(
        &self,
        message_id: String,
        origin: Option<u32>,
        nonce: Option<u64>,
        search_from: u64,
    ) -> Result<TransferStatus> {
        let id = parse_id(&message_id)?;
        let bridge = self.inner.clone();
        on_runtime(async move {
            let stage = bridge.delivery(&id, origin.zip(nonce), search_from).await?;
            Ok(destination_status(id, stage, origin, nonce))
        })
        .await
    }
}

fn destination_status(
    id: [u8; 32],
    stage: client::Stage,
    origin: Option<u32>,
    nonce: Option<u64>,
) -> TransferStatus {
    let mut status = client::TransferStatus::unknown(id, client::StatusSource::Destination);
    status.stage = stage;
    status.origin = origin;
    status.nonce = nonce;
    status.into()
}

/// The Trestle bridge program on Solana.
#[derive(Debug, uniffi::Object)]
pub struct SolanaBridge {
    inner: client::SolanaBridge,
}

#[uniffi::export]
impl SolanaBridge {
    /// The program `program_id` (base58) on the cluster `client` talks to. Makes no request.
    #[uniffi::constructor]
    pub fn new(client: Arc<SolanaClient>, program_id: String) -> Result<Arc<Self>> {
        let program = SolanaAddress::parse(&program_id)?;
        Ok(Arc::new(Self {
            inner: client::SolanaBridge::new(client.inner(), program),
        }))
    }

    /// The delivery fee (lamports) the program charges now for a token transfer to domain
    /// `destination` (0 where it charges none). `send_token` pays it from the sender.
    pub async fn quote_transfer(&self, destination: u32) -> Result<u64> {
        let bridge = self.inner.clone();
        on_runtime(async move { Ok(bridge.quote_transfer(destination).await?) }).await
    }

    /// Sends `amount` base units of the registered token `token_id` from the associated token
    /// account of the Solana account at `path` to `beneficiary` (EVM or Solana address) on
    /// domain `destination`, lands the transaction and returns the message the program
    /// logged. Refuses a zero amount, an unknown token or destination and an amount over the
    /// balance before signing.
    pub async fn send_token(
        &self,
        wallet: Arc<Wallet>,
        path: String,
        destination: u32,
        token_id: String,
        amount: u64,
        beneficiary: String,
    ) -> Result<SentMessage> {
        let id = parse_token_id(&token_id)?;
        let beneficiary = universal("beneficiary", &beneficiary)?;
        let signer = wallet.solana_signer_at(&path)?;
        let bridge = self.inner.clone();
        on_runtime(async move {
            let sent = bridge
                .send_token(&signer, destination, &id, amount, beneficiary)
                .await?;
            Ok(sent.into())
        })
        .await
    }

    /// What the program did with message `message_id` from domain `origin` with `nonce` (its
    /// receipt account, whose address is made of the origin, the origin's bridge and the
    /// nonce): `Unknown` when it has none.
    pub async fn delivery(
        &self,
        message_id: String,
        origin: u32,
        nonce: u64,
    ) -> Result<TransferStatus> {
        let id = parse_id(&message_id)?;
        let bridge = self.inner.clone();
        on_runtime(async move {
            let stage = bridge.delivery(&id, Some((origin, nonce))).await?;
            Ok(destination_status(id, stage, Some(origin), Some(nonce)))
        })
        .await
    }
}

/// A relayer's read-only status API.
#[derive(Debug, uniffi::Object)]
pub struct RelayerApi {
    inner: client::RelayerApi,
}

#[uniffi::export]
impl RelayerApi {
    /// The API at `url` (`http://host:port`). Makes no request. Refuses other schemes
    /// (`InvalidArgument`).
    #[uniffi::constructor]
    pub fn new(url: String) -> Result<Arc<Self>> {
        Ok(Arc::new(Self {
            inner: client::RelayerApi::new(&url)?,
        }))
    }

    /// The API at `url` sending `token` as `Authorization: Bearer ...` with every request
    /// (what a relayer's operator listener with `api.token_env` set asks for) and following
    /// no redirect (the token is for this URL only). The token is kept zeroized and never
    /// shown; over `http://` it crosses the network in clear, so off loopback use `https://`
    /// behind TLS. An empty token, or one with characters a header cannot carry, is
    /// `InvalidArgument`. Makes no request.
    #[uniffi::constructor]
    pub fn with_token(url: String, token: String) -> Result<Arc<Self>> {
        let token = zeroize::Zeroizing::new(token);
        let token = client::api::ApiToken::new(&token)?;
        Ok(Arc::new(Self {
            inner: client::RelayerApi::new(&url)?.with_token(token)?,
        }))
    }

    /// The status of message `message_id` as the relayer reports it
    /// (`GET /v1/messages/{id}`). A message it does not know is `NotFound`; an answer of the
    /// wrong shape `MalformedResponse`; an unreachable relayer `Rpc`.
    pub async fn status(&self, message_id: String) -> Result<TransferStatus> {
        let id = parse_id(&message_id)?;
        let api = self.inner.clone();
        on_runtime(async move { Ok(api.message(&id).await?.status(None, None).into()) }).await
    }
}
