//! The store's records and their row forms.

use serde::Serialize;
use trestle_bridge_client::api::wire::{MessageView, RelayerState, hex0x as hex};

use crate::error::{Error, Result};

/// Where a message is in the pipeline.
///
/// `pending` (indexed; attestations being collected) -> `ready` (threshold met; to submit)
/// -> `submitted` (transaction sent; to confirm) -> `delivered`, or `queued` (the destination
/// holds it behind a timelock or rate limit; to execute) -> `delivered`, or `cancelled` when
/// the destination's guardian cancelled it while queued; `underpaid` instead of `ready` when
/// the route's fee policy wants more than was paid (back to `pending` at a top-up). `failed`
/// after the retry cap,
/// `skipped` by an operator, `orphaned` when a reorg removed its origin block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageState {
    /// Indexed on the origin; attestations are being collected.
    Pending,
    /// Enough attestations; waiting to be submitted.
    Ready,
    /// Attested, but what was paid for its delivery does not cover the route's fee policy:
    /// waits for a top-up (a payment indexed for it sends it back to `pending`).
    Underpaid,
    /// A `deliver` transaction was sent; waiting for its receipt.
    Submitted,
    /// Delivered but held by the destination (timelock or rate limit); to be executed.
    Queued,
    /// Executed on the destination (or found delivered there).
    Delivered,
    /// Gave up after the retry cap; an operator may retry it.
    Failed,
    /// Taken out of the pipeline by an operator.
    Skipped,
    /// Its origin block was reorganised away.
    Orphaned,
    /// Queued on the destination, then cancelled there by the guardian: never executed, and
    /// never tried again.
    Cancelled,
    /// Signed by this daemon's validator, on a daemon that does not relay to the message's
    /// destination: nothing is left for it to do (other relayers collect the signature). A
    /// relayer started on the store later takes them back to `pending`.
    Signed,
}

impl MessageState {
    /// Every state.
    pub const ALL: [MessageState; 11] = [
        MessageState::Pending,
        MessageState::Ready,
        MessageState::Underpaid,
        MessageState::Submitted,
        MessageState::Queued,
        MessageState::Delivered,
        MessageState::Failed,
        MessageState::Skipped,
        MessageState::Orphaned,
        MessageState::Cancelled,
        MessageState::Signed,
    ];

    /// The stored (and displayed) name.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageState::Pending => "pending",
            MessageState::Ready => "ready",
            MessageState::Underpaid => "underpaid",
            MessageState::Submitted => "submitted",
            MessageState::Queued => "queued",
            MessageState::Delivered => "delivered",
            MessageState::Failed => "failed",
            MessageState::Skipped => "skipped",
            MessageState::Orphaned => "orphaned",
            MessageState::Cancelled => "cancelled",
            MessageState::Signed => "signed",
        }
    }

    /// Parses a stored name; refuses anything else.
    pub fn parse(name: &str) -> Result<Self> {
        MessageState::ALL
            .into_iter()
            .find(|s| s.as_str() == name)
            .ok_or_else(|| Error::CorruptRow(format!("unknown message state `{name}`")))
    }
}

impl From<MessageState> for RelayerState {
    /// The API's state of a stored one. Every stored state is one the client library knows
    /// (tested): a state added here must be added to [`RelayerState`] too.
    fn from(state: MessageState) -> Self {
        match state {
            MessageState::Pending => RelayerState::Pending,
            MessageState::Ready => RelayerState::Ready,
            MessageState::Underpaid => RelayerState::Underpaid,
            MessageState::Submitted => RelayerState::Submitted,
            MessageState::Queued => RelayerState::Queued,
            MessageState::Delivered => RelayerState::Delivered,
            MessageState::Failed => RelayerState::Failed,
            MessageState::Skipped => RelayerState::Skipped,
            MessageState::Orphaned => RelayerState::Orphaned,
            MessageState::Cancelled => RelayerState::Cancelled,
            MessageState::Signed => RelayerState::Signed,
        }
    }
}

impl std::fmt::Display for MessageState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A message the indexer found, with where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    /// The decoded message.
    pub message: trestle_bridge::Message,
    /// Origin block number.
    pub origin_height: u64,
    /// Origin block hash.
    pub origin_block_hash: [u8; 32],
    /// The origin transaction (32-byte hash on EVM).
    pub origin_tx: Vec<u8>,
}

/// A message and its pipeline state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRecord {
    /// Message id.
    pub id: [u8; 32],
    /// Origin domain.
    pub origin: u32,
    /// Origin nonce.
    pub nonce: u64,
    /// Destination domain.
    pub destination: u32,
    /// Sender (32 bytes).
    pub sender: [u8; 32],
    /// Recipient (32 bytes).
    pub recipient: [u8; 32],
    /// The encoded message.
    pub encoded: Vec<u8>,
    /// Origin block number.
    pub origin_height: u64,
    /// Origin block hash.
    pub origin_block_hash: [u8; 32],
    /// Origin transaction.
    pub origin_tx: Vec<u8>,
    /// Pipeline state.
    pub state: MessageState,
    /// Failed attempts in the current state.
    pub attempts: u64,
    /// Not worked on before this time (Unix ms).
    pub next_attempt_at: i64,
    /// The last error.
    pub last_error: Option<String>,
    /// The last destination transaction.
    pub tx_hash: Option<[u8; 32]>,
    /// The worker holding a claim, if any.
    pub claimed_by: Option<String>,
    /// Until when (Unix ms).
    pub claimed_until: Option<i64>,
    /// First seen (Unix ms).
    pub created_at: i64,
    /// Last change (Unix ms).
    pub updated_at: i64,
    /// Delivered (Unix ms).
    pub delivered_at: Option<i64>,
}

impl MessageRecord {
    /// The record as the status API serves it (`GET /v1/messages/{id}`).
    pub fn view(&self) -> MessageView {
        MessageView {
            id: hex(self.id),
            origin: self.origin,
            nonce: self.nonce,
            destination: self.destination,
            sender: hex(self.sender),
            recipient: hex(self.recipient),
            encoded: hex(&self.encoded),
            origin_height: self.origin_height,
            origin_block_hash: hex(self.origin_block_hash),
            origin_tx: hex(&self.origin_tx),
            state: self.state.into(),
            attempts: self.attempts,
            next_attempt_at: self.next_attempt_at,
            last_error: self.last_error.clone(),
            tx_hash: self.tx_hash.map(hex),
            claimed_by: self.claimed_by.clone(),
            claimed_until: self.claimed_until,
            created_at: self.created_at,
            updated_at: self.updated_at,
            delivered_at: self.delivered_at,
        }
    }

    /// The decoded message.
    pub fn message(&self) -> Result<trestle_bridge::Message> {
        Ok(trestle_bridge::Message::decode(&self.encoded)?)
    }
}

/// Filters of [`crate::Store::list`]; `None` matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    /// Only this state.
    pub state: Option<MessageState>,
    /// Only this sender.
    pub sender: Option<[u8; 32]>,
    /// Only this origin domain.
    pub origin: Option<u32>,
    /// Only this destination domain.
    pub destination: Option<u32>,
    /// At most this many (default 100, at most 1,000).
    pub limit: Option<u32>,
}

/// How many messages of a destination are in a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StateCount {
    /// Destination domain.
    pub destination: u32,
    /// State.
    pub state: MessageState,
    /// Count.
    pub count: u64,
}

/// A validator signature the relayer collected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureRecord {
    /// Message id.
    pub message_id: [u8; 32],
    /// Validator-set epoch signed for.
    pub epoch: u64,
    /// The recovered signer.
    pub signer: [u8; 20],
    /// `r || s || v`.
    pub signature: [u8; 65],
}

/// An attestation this validator signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttestationRecord {
    /// Message id.
    pub message_id: [u8; 32],
    /// Validator-set epoch.
    pub epoch: u64,
    /// The validator's address.
    pub signer: [u8; 20],
    /// Origin domain.
    pub origin: u32,
    /// Origin nonce.
    pub nonce: u64,
    /// Destination domain.
    pub destination: u32,
    /// `r || s || v` over the attestation digest.
    pub signature: [u8; 65],
}

/// What [`crate::Store::attest`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttestOutcome {
    /// Newly stored.
    Stored,
    /// The same attestation was stored before.
    AlreadyStored,
}

pub(crate) fn u64_of(value: i64, what: &str) -> Result<u64> {
    u64::try_from(value).map_err(|_| Error::CorruptRow(format!("{what} is negative: {value}")))
}

pub(crate) fn u32_of(value: i64, what: &str) -> Result<u32> {
    u32::try_from(value).map_err(|_| Error::CorruptRow(format!("{what} is not a u32: {value}")))
}

pub(crate) fn hash_of(bytes: &[u8], what: &str) -> Result<[u8; 32]> {
    fixed(bytes, what)
}

fn fixed<const N: usize>(bytes: &[u8], what: &str) -> Result<[u8; N]> {
    bytes
        .try_into()
        .map_err(|_| Error::CorruptRow(format!("{what} has {} bytes, not {N}", bytes.len())))
}

/// A message as inserted.
pub(crate) struct NewRow {
    pub(crate) id: Vec<u8>,
    pub(crate) origin: i64,
    pub(crate) nonce: i64,
    pub(crate) destination: i64,
    pub(crate) sender: Vec<u8>,
    pub(crate) recipient: Vec<u8>,
    pub(crate) encoded: Vec<u8>,
    pub(crate) origin_height: i64,
    pub(crate) origin_block_hash: Vec<u8>,
    pub(crate) origin_tx: Vec<u8>,
}

impl NewRow {
    pub(crate) fn of(m: &NewMessage) -> Result<Self> {
        let msg = &m.message;
        let big = |v: u64, what: &str| {
            i64::try_from(v).map_err(|_| Error::CorruptRow(format!("{what} {v} is above 2^63 - 1")))
        };
        Ok(Self {
            id: msg.id().to_vec(),
            origin: i64::from(msg.origin),
            nonce: big(msg.nonce, "nonce")?,
            destination: i64::from(msg.destination),
            sender: msg.sender.as_bytes().to_vec(),
            recipient: msg.recipient.as_bytes().to_vec(),
            encoded: msg.encode(),
            origin_height: big(m.origin_height, "origin height")?,
            origin_block_hash: m.origin_block_hash.to_vec(),
            origin_tx: m.origin_tx.clone(),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct MessageRow {
    id: Vec<u8>,
    origin: i64,
    nonce: i64,
    destination: i64,
    sender: Vec<u8>,
    recipient: Vec<u8>,
    encoded: Vec<u8>,
    origin_height: i64,
    origin_block_hash: Vec<u8>,
    origin_tx: Vec<u8>,
    state: String,
    attempts: i64,
    next_attempt_at: i64,
    last_error: Option<String>,
    tx_hash: Option<Vec<u8>>,
    claimed_by: Option<String>,
    claimed_until: Option<i64>,
    created_at: i64,
    updated_at: i64,
    delivered_at: Option<i64>,
}

impl MessageRow {
    pub(crate) fn into_record(self) -> Result<MessageRecord> {
        Ok(MessageRecord {
            id: fixed(&self.id, "messages.id")?,
            origin: u32_of(self.origin, "messages.origin")?,
            nonce: u64_of(self.nonce, "messages.nonce")?,
            destination: u32_of(self.destination, "messages.destination")?,
            sender: fixed(&self.sender, "messages.sender")?,
            recipient: fixed(&self.recipient, "messages.recipient")?,
            encoded: self.encoded,
            origin_height: u64_of(self.origin_height, "messages.origin_height")?,
            origin_block_hash: fixed(&self.origin_block_hash, "messages.origin_block_hash")?,
            origin_tx: self.origin_tx,
            state: MessageState::parse(&self.state)?,
            attempts: u64_of(self.attempts, "messages.attempts")?,
            next_attempt_at: self.next_attempt_at,
            last_error: self.last_error,
            tx_hash: self
                .tx_hash
                .map(|h| fixed(&h, "messages.tx_hash"))
                .transpose()?,
            claimed_by: self.claimed_by,
            claimed_until: self.claimed_until,
            created_at: self.created_at,
            updated_at: self.updated_at,
            delivered_at: self.delivered_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SignatureRow {
    message_id: Vec<u8>,
    epoch: i64,
    signer: Vec<u8>,
    signature: Vec<u8>,
}

impl SignatureRow {
    pub(crate) fn into_record(self) -> Result<SignatureRecord> {
        Ok(SignatureRecord {
            message_id: fixed(&self.message_id, "signatures.message_id")?,
            epoch: u64_of(self.epoch, "signatures.epoch")?,
            signer: fixed(&self.signer, "signatures.signer")?,
            signature: fixed(&self.signature, "signatures.signature")?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AttestationRow {
    message_id: Vec<u8>,
    epoch: i64,
    signer: Vec<u8>,
    origin: i64,
    nonce: i64,
    destination: i64,
    signature: Vec<u8>,
}

impl AttestationRow {
    pub(crate) fn into_record(self) -> Result<AttestationRecord> {
        Ok(AttestationRecord {
            message_id: fixed(&self.message_id, "attestations.message_id")?,
            epoch: u64_of(self.epoch, "attestations.epoch")?,
            signer: fixed(&self.signer, "attestations.signer")?,
            origin: u32_of(self.origin, "attestations.origin")?,
            nonce: u64_of(self.nonce, "attestations.nonce")?,
            destination: u32_of(self.destination, "attestations.destination")?,
            signature: fixed(&self.signature, "attestations.signature")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The status API's clients know every state the store holds, by the same name (a state
    /// they did not know, `cancelled`, made `trestle bridge status` and the apps fail).
    #[test]
    fn every_stored_state_is_a_state_the_client_knows() {
        for state in MessageState::ALL {
            let served = RelayerState::from(state);
            assert!(RelayerState::KNOWN.contains(&served), "{state}");
            assert_eq!(served.as_str(), state.as_str());
            assert_eq!(RelayerState::parse(state.as_str()), served);
        }
    }
}
