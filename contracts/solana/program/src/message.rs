//! The protocol v2 message (docs/protocol.md): fixed-width big-endian header, then the body;
//! the attestation digest that names origin and destination.

use crate::crypto::keccak256;
use crate::error::BridgeError;

/// Length of the header before the body.
pub const HEADER_LEN: usize = 81;
/// Largest body accepted.
pub const MAX_BODY_LEN: usize = 16 * 1024;
/// Body kind of an arbitrary message.
pub const KIND_MESSAGE: u8 = 0x00;
/// Body kind of a token transfer.
pub const KIND_TOKEN_TRANSFER: u8 = 0x01;
/// Exact length of a token-transfer body.
pub const TOKEN_TRANSFER_LEN: usize = 97;
/// Length of an encoded token-transfer message.
pub const TOKEN_TRANSFER_MESSAGE_LEN: usize = HEADER_LEN + TOKEN_TRANSFER_LEN;
/// The protocol version.
pub const VERSION: u8 = 2;
/// Bytes of an arbitrary message's body before the payload: kind and gas limit (u64 BE).
pub const MESSAGE_PREFIX_LEN: usize = 9;

/// A decoded message, borrowing the encoding.
pub struct Message<'a> {
    /// Outbound counter of the origin bridge.
    pub nonce: u64,
    /// Origin domain (non-zero).
    pub origin: u32,
    /// Who called `send` on the origin.
    pub sender: [u8; 32],
    /// Destination domain (non-zero).
    pub destination: u32,
    /// The destination handler (for token transfers: the destination bridge).
    pub recipient: [u8; 32],
    /// The body, kind byte first (non-empty).
    pub body: &'a [u8],
}

/// A decoded token-transfer body.
pub struct TokenTransfer {
    /// `keccak256(home domain || home token)`.
    pub token_id: [u8; 32],
    /// Amount in home base units, 32 bytes big-endian.
    pub amount: [u8; 32],
    /// Who receives the tokens (on Solana: the owner of the token account).
    pub beneficiary: [u8; 32],
}

#[inline(always)]
fn arr<const N: usize>(data: &[u8], at: usize) -> Result<[u8; N], BridgeError> {
    let mut out = [0u8; N];
    out.copy_from_slice(data.get(at..at + N).ok_or(BridgeError::MessageTooShort)?);
    Ok(out)
}

impl<'a> Message<'a> {
    /// Decodes `data`, refusing in the spec's order: too short, version, zero domain, body too
    /// large, empty body, unknown kind, token-transfer length, message-body length, zero gas
    /// limit.
    pub fn decode(data: &'a [u8]) -> Result<Self, BridgeError> {
        if data.len() < HEADER_LEN {
            return Err(BridgeError::MessageTooShort);
        }
        let version = *data.first().ok_or(BridgeError::MessageTooShort)?;
        if version != VERSION {
            return Err(BridgeError::UnsupportedVersion);
        }
        let nonce = u64::from_be_bytes(arr(data, 1)?);
        let origin = u32::from_be_bytes(arr(data, 9)?);
        let sender = arr(data, 13)?;
        let destination = u32::from_be_bytes(arr(data, 45)?);
        let recipient = arr(data, 49)?;
        if origin == 0 || destination == 0 {
            return Err(BridgeError::ZeroDomain);
        }
        let body = data.get(HEADER_LEN..).ok_or(BridgeError::MessageTooShort)?;
        if body.len() > MAX_BODY_LEN {
            return Err(BridgeError::BodyTooLarge);
        }
        match body.first() {
            None => return Err(BridgeError::EmptyBody),
            Some(&KIND_MESSAGE) => {
                let gas = body
                    .get(1..MESSAGE_PREFIX_LEN)
                    .ok_or(BridgeError::MessageBodyLength)?;
                if gas.iter().all(|b| *b == 0) {
                    return Err(BridgeError::ZeroGasLimit);
                }
            }
            Some(&KIND_TOKEN_TRANSFER) => {
                if body.len() != TOKEN_TRANSFER_LEN {
                    return Err(BridgeError::TokenTransferLength);
                }
            }
            Some(_) => return Err(BridgeError::UnknownBodyKind),
        }
        Ok(Self {
            nonce,
            origin,
            sender,
            destination,
            recipient,
            body,
        })
    }

    /// The body kind byte.
    #[inline(always)]
    pub fn kind(&self) -> u8 {
        self.body.first().copied().unwrap_or(0xff)
    }

    /// The gas limit and payload of an arbitrary message (checked by [`Message::decode`]).
    pub fn arbitrary(&self) -> Option<(u64, &'a [u8])> {
        if self.kind() != KIND_MESSAGE {
            return None;
        }
        let gas = arr::<8>(self.body, 1).ok()?;
        let payload = self.body.get(MESSAGE_PREFIX_LEN..)?;
        Some((u64::from_be_bytes(gas), payload))
    }

    /// The token transfer in the body, if it is one.
    pub fn token_transfer(&self) -> Option<TokenTransfer> {
        if self.kind() != KIND_TOKEN_TRANSFER || self.body.len() != TOKEN_TRANSFER_LEN {
            return None;
        }
        Some(TokenTransfer {
            token_id: arr(self.body, 1).ok()?,
            amount: arr(self.body, 33).ok()?,
            beneficiary: arr(self.body, 65).ok()?,
        })
    }
}

/// Encodes a token-transfer message (what `send` emits).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub fn encode_token_transfer(
    nonce: u64,
    origin: u32,
    sender: &[u8; 32],
    destination: u32,
    recipient: &[u8; 32],
    token_id: &[u8; 32],
    amount: &[u8; 32],
    beneficiary: &[u8; 32],
) -> [u8; TOKEN_TRANSFER_MESSAGE_LEN] {
    let mut out = [0u8; TOKEN_TRANSFER_MESSAGE_LEN];
    let parts: [&[u8]; 10] = [
        &[VERSION],
        &nonce.to_be_bytes(),
        &origin.to_be_bytes(),
        sender,
        &destination.to_be_bytes(),
        recipient,
        &[KIND_TOKEN_TRANSFER],
        token_id,
        amount,
        beneficiary,
    ];
    let mut at = 0usize;
    for part in parts {
        if let Some(dst) = out.get_mut(at..at + part.len()) {
            dst.copy_from_slice(part);
        }
        at += part.len();
    }
    out
}

/// `message id = keccak256(encoded message)`.
pub fn message_id(encoded: &[u8]) -> [u8; 32] {
    keccak256(&[encoded])
}

/// `token id = keccak256(home domain (u32 BE) || home token)`.
pub fn token_id(home_domain: u32, home_token: &[u8; 32]) -> [u8; 32] {
    keccak256(&[&home_domain.to_be_bytes(), home_token])
}

/// What a validator set attests (the 120-byte preimage of docs/protocol.md).
pub struct Attestation<'a> {
    /// Origin domain.
    pub origin: u32,
    /// The origin's bridge (the remote's).
    pub origin_bridge: &'a [u8; 32],
    /// This bridge's domain.
    pub destination: u32,
    /// This program's id.
    pub destination_bridge: &'a [u8; 32],
    /// The remote's validator-set epoch.
    pub epoch: u64,
    /// The message id.
    pub message_id: &'a [u8; 32],
}

/// The attestation digest validators sign:
/// `keccak256("\x19Ethereum Signed Message:\n32" || keccak256("TRESTLE" || 2 || origin ||
/// origin bridge || destination || destination bridge || epoch || message id))`.
pub fn attestation_digest(a: &Attestation) -> [u8; 32] {
    let inner = keccak256(&[
        b"TRESTLE",
        &[VERSION],
        &a.origin.to_be_bytes(),
        a.origin_bridge,
        &a.destination.to_be_bytes(),
        a.destination_bridge,
        &a.epoch.to_be_bytes(),
        a.message_id,
    ]);
    keccak256(&[b"\x19Ethereum Signed Message:\n32", &inner])
}
