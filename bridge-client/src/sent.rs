//! [`SentMessage`]: what a send returns.

use trestle_bridge::{Body, Message, MessageId};
use trestle_core::chain::TxId;

/// A message the origin bridge emitted: read back from the chain (the `MessageSent` log on
/// EVM, the program's `Program data:` log on Solana), never reconstructed locally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    /// The message id (`keccak256` of the encoding).
    pub id: MessageId,
    /// The message.
    pub message: Message,
    /// The origin transaction.
    pub origin_tx: TxId,
    /// Its block number or slot.
    pub origin_height: u64,
}

impl SentMessage {
    /// The record of `message`, emitted by `origin_tx` at `origin_height`; the id is computed
    /// from the message.
    pub fn new(message: Message, origin_tx: TxId, origin_height: u64) -> SentMessage {
        SentMessage {
            id: message.id(),
            message,
            origin_tx,
            origin_height,
        }
    }

    /// The origin's outbound nonce of the message.
    pub fn nonce(&self) -> u64 {
        self.message.nonce
    }

    /// The message id as `0x` hex.
    pub fn id_hex(&self) -> String {
        format!("0x{}", hex::encode(self.id))
    }

    /// The encoded message (what `deliver` takes and `statusOf` reads).
    pub fn encoded(&self) -> Vec<u8> {
        self.message.encode()
    }

    /// The token transfer in the body, if the message is one.
    pub fn token_transfer(&self) -> Option<trestle_bridge::TokenTransfer> {
        match Body::decode(&self.message.body) {
            Ok(Body::TokenTransfer(t)) => Some(t),
            _ => None,
        }
    }
}
