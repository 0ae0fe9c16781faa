//! The message envelope: fixed-width big-endian header, then the body.

use trestle_core::chain::UniversalAddress;
use trestle_core::evm::keccak256;

use crate::error::{Error, Result};

/// The protocol version: the first byte of every message (docs/protocol.md, version 2).
pub const VERSION: u8 = 2;
/// Length of the fixed header (version, nonce, origin, sender, destination, recipient).
pub const HEADER_LEN: usize = 81;
/// The largest body a message may carry: 16 KiB.
pub const MAX_BODY_LEN: usize = 16 * 1024;
/// The largest encoded message.
pub const MAX_MESSAGE_LEN: usize = HEADER_LEN + MAX_BODY_LEN;
/// The largest body a Solana destination takes: `deliver` of an arbitrary message must fit one
/// 1,232-byte legacy transaction with its 7 accounts, 1-of-1 inline signatures and the two
/// compute-budget instructions a relayer adds (`499 + 52 + body` bytes). A staged signature
/// set (any threshold) leaves 33 bytes more. Token transfers (97 bytes) always fit. An EVM
/// bridge caps `sendMessage` to a Solana domain at this with `setMaxBody` (docs/protocol.md).
pub const SOLANA_MAX_BODY_LEN: usize = 681;

/// A 32-byte message id: `keccak256` of the encoded message.
pub type MessageId = [u8; 32];

/// A protocol message (version 2).
///
/// Construct with [`Message::new`] (which checks domains and body size) or
/// [`Message::decode`]; the fields are public to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The origin bridge's outbound counter; the first message has nonce 0.
    pub nonce: u64,
    /// The origin domain (never 0).
    pub origin: u32,
    /// The account that called `send` on the origin.
    pub sender: UniversalAddress,
    /// The destination domain (never 0).
    pub destination: u32,
    /// The handler on the destination: the receiving contract/program, or for token transfers
    /// the destination bridge itself.
    pub recipient: UniversalAddress,
    /// The body (first byte: its kind), at most [`MAX_BODY_LEN`] bytes.
    pub body: Vec<u8>,
}

impl Message {
    /// Builds a message. Refuses a zero origin or destination domain and a body over
    /// [`MAX_BODY_LEN`]. The body's kind is not checked here (see [`crate::Body`]).
    pub fn new(
        nonce: u64,
        origin: u32,
        sender: UniversalAddress,
        destination: u32,
        recipient: UniversalAddress,
        body: Vec<u8>,
    ) -> Result<Self> {
        check_domains(origin, destination)?;
        if body.len() > MAX_BODY_LEN {
            return Err(Error::BodyTooLarge {
                len: body.len(),
                max: MAX_BODY_LEN,
            });
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

    /// The wire encoding: `version || nonce || origin || sender || destination || recipient ||
    /// body`, integers big-endian.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + self.body.len());
        out.push(VERSION);
        out.extend_from_slice(&self.nonce.to_be_bytes());
        out.extend_from_slice(&self.origin.to_be_bytes());
        out.extend_from_slice(self.sender.as_bytes());
        out.extend_from_slice(&self.destination.to_be_bytes());
        out.extend_from_slice(self.recipient.as_bytes());
        out.extend_from_slice(&self.body);
        out
    }

    /// `keccak256(self.encode())`.
    pub fn id(&self) -> MessageId {
        keccak256(self.encode())
    }

    /// Decodes the wire form strictly. Refuses input shorter than the header, a version other
    /// than [`VERSION`], a zero domain and a body over [`MAX_BODY_LEN`]. The body's kind is
    /// checked by [`crate::Body::decode`] (or both at once by [`Message::decode_full`]).
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        if bytes.len() < HEADER_LEN {
            return Err(Error::MessageTooShort { len: bytes.len() });
        }
        let mut r = Reader(bytes);
        let version = r.array::<1>()?;
        if version != [VERSION] {
            let [version] = version;
            return Err(Error::UnsupportedVersion { version });
        }
        let nonce = u64::from_be_bytes(r.array()?);
        let origin = u32::from_be_bytes(r.array()?);
        let sender = UniversalAddress(r.array()?);
        let destination = u32::from_be_bytes(r.array()?);
        let recipient = UniversalAddress(r.array()?);
        Self::new(nonce, origin, sender, destination, recipient, r.0.to_vec())
    }

    /// Decodes the message and its body, refusing in the order of docs/protocol.md: the header
    /// rules of [`Message::decode`], then those of [`crate::Body::decode`]. This is what a
    /// bridge accepts.
    pub fn decode_full(bytes: &[u8]) -> Result<(Self, crate::Body)> {
        let message = Self::decode(bytes)?;
        let body = crate::Body::decode(&message.body)?;
        Ok((message, body))
    }
}

/// Reads fixed-size big-endian fields off the front of a slice.
pub(crate) struct Reader<'a>(pub(crate) &'a [u8]);

impl Reader<'_> {
    /// The next `N` bytes. Callers check the total length first; a short read is reported as a
    /// too-short message.
    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let (head, rest) = self
            .0
            .split_first_chunk::<N>()
            .ok_or(Error::MessageTooShort { len: self.0.len() })?;
        self.0 = rest;
        Ok(*head)
    }
}

fn check_domains(origin: u32, destination: u32) -> Result<()> {
    if origin == 0 {
        return Err(Error::ZeroDomain { field: "origin" });
    }
    if destination == 0 {
        return Err(Error::ZeroDomain {
            field: "destination",
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(body: Vec<u8>) -> Message {
        Message::new(
            7,
            1,
            UniversalAddress([0xaa; 32]),
            2,
            UniversalAddress([0xbb; 32]),
            body,
        )
        .unwrap()
    }

    #[test]
    fn layout_is_the_spec_table() {
        let m = sample(vec![0, 1, 2]);
        let e = m.encode();
        assert_eq!(e.len(), 84);
        assert_eq!(e[0], 2);
        assert_eq!(&e[1..9], &7u64.to_be_bytes());
        assert_eq!(&e[9..13], &1u32.to_be_bytes());
        assert_eq!(&e[13..45], &[0xaa; 32]);
        assert_eq!(&e[45..49], &2u32.to_be_bytes());
        assert_eq!(&e[49..81], &[0xbb; 32]);
        assert_eq!(&e[81..], &[0, 1, 2]);
        assert_eq!(Message::decode(&e).unwrap(), m);
        assert_eq!(m.id(), keccak256(&e));
    }

    #[test]
    fn strict_decoding() {
        let e = sample(vec![0]).encode();
        assert_eq!(
            Message::decode(&e[..80]),
            Err(Error::MessageTooShort { len: 80 })
        );
        let mut v1 = e.clone();
        v1[0] = 1;
        assert_eq!(
            Message::decode(&v1),
            Err(Error::UnsupportedVersion { version: 1 })
        );
        let mut zero_origin = e.clone();
        zero_origin[9..13].fill(0);
        assert_eq!(
            Message::decode(&zero_origin).unwrap_err().code(),
            "zero_domain"
        );
        let mut zero_dest = e.clone();
        zero_dest[45..49].fill(0);
        assert_eq!(
            Message::decode(&zero_dest).unwrap_err().code(),
            "zero_domain"
        );
        let mut big = sample(vec![0; MAX_BODY_LEN]).encode();
        assert!(Message::decode(&big).is_ok());
        big.push(0);
        assert_eq!(
            Message::decode(&big),
            Err(Error::BodyTooLarge {
                len: MAX_BODY_LEN + 1,
                max: MAX_BODY_LEN
            })
        );
    }
}
