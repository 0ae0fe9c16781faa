//! Solana off-chain messages (version 0), byte-compatible with the `solana-offchain-message`
//! crate and `solana sign-offchain-message`:
//! `"\xffsolana offchain" || version (0) || format || length (u16 LE) || message`.
//!
//! Raw message signing (Phantom's and Solflare's `signMessage`: ed25519 over the bytes as
//! given) is [`SolanaSigner::sign_message`](crate::solana::signer::SolanaSigner::sign_message).

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::solana::wire::Reader;

/// The prefix of every off-chain message, which no transaction message can start with.
pub const SIGNING_DOMAIN: &[u8; 16] = b"\xffsolana offchain";
/// Signing domain plus version byte.
const HEADER_LEN: usize = SIGNING_DOMAIN.len() + 1;
/// Format byte plus length.
const V0_HEADER_LEN: usize = 3;
/// The longest message body: what fits a u16-length envelope.
pub const MAX_LEN: usize = u16::MAX as usize - HEADER_LEN - V0_HEADER_LEN;
/// The longest body a hardware wallet (ledger) accepts: what fits a 1232-byte packet.
pub const MAX_LEN_LEDGER: usize = 1232 - HEADER_LEN - V0_HEADER_LEN;

/// How the message body is encoded, chosen from its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageFormat {
    /// Printable ASCII (0x20..=0x7e), at most [`MAX_LEN_LEDGER`] bytes.
    RestrictedAscii,
    /// UTF-8, at most [`MAX_LEN_LEDGER`] bytes.
    LimitedUtf8,
    /// UTF-8, at most [`MAX_LEN`] bytes.
    ExtendedUtf8,
}

impl MessageFormat {
    /// The format's byte on the wire.
    pub const fn to_byte(self) -> u8 {
        match self {
            Self::RestrictedAscii => 0,
            Self::LimitedUtf8 => 1,
            Self::ExtendedUtf8 => 2,
        }
    }
}

/// A version-0 off-chain message.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OffchainMessage {
    format: MessageFormat,
    message: Vec<u8>,
}

fn is_printable_ascii(data: &[u8]) -> bool {
    data.iter().all(|b| (0x20..=0x7e).contains(b))
}

fn bad(reason: String) -> Error {
    Error::InvalidSolanaMessage(format!("off-chain message: {reason}"))
}

impl OffchainMessage {
    /// Wraps `message`, choosing the narrowest format that holds it. Refuses an empty
    /// message, one that is not UTF-8, and one longer than [`MAX_LEN`] bytes.
    pub fn new(message: &[u8]) -> Result<Self> {
        let format = if message.is_empty() {
            return Err(bad("the message is empty".to_owned()));
        } else if message.len() <= MAX_LEN_LEDGER {
            if is_printable_ascii(message) {
                MessageFormat::RestrictedAscii
            } else if std::str::from_utf8(message).is_ok() {
                MessageFormat::LimitedUtf8
            } else {
                return Err(bad("the message is not UTF-8".to_owned()));
            }
        } else if message.len() <= MAX_LEN {
            if std::str::from_utf8(message).is_ok() {
                MessageFormat::ExtendedUtf8
            } else {
                return Err(bad("the message is not UTF-8".to_owned()));
            }
        } else {
            return Err(bad(format!(
                "the message is {} bytes long; at most {MAX_LEN} are allowed",
                message.len()
            )));
        };
        Ok(Self {
            format,
            message: message.to_vec(),
        })
    }

    /// The format chosen for the body.
    pub fn format(&self) -> MessageFormat {
        self.format
    }

    /// The body.
    pub fn message(&self) -> &[u8] {
        &self.message
    }

    /// The bytes that are signed.
    pub fn serialize(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + V0_HEADER_LEN + self.message.len());
        out.extend_from_slice(SIGNING_DOMAIN);
        out.push(0);
        out.push(self.format.to_byte());
        // `new` and `deserialize` keep the length within MAX_LEN < u16::MAX.
        let len = u16::try_from(self.message.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&self.message);
        out
    }

    /// Decodes signed bytes. Refuses a wrong signing domain, a version other than 0, an
    /// unknown format, a length that disagrees with the input, and a body that does not
    /// satisfy its format.
    pub fn deserialize(bytes: &[u8]) -> Result<Self> {
        let mut reader = Reader::new(bytes);
        if reader.array::<16>("signing domain")? != *SIGNING_DOMAIN {
            return Err(bad("does not start with the signing domain".to_owned()));
        }
        let version = reader.u8("version")?;
        if version != 0 {
            return Err(bad(format!("version {version} is not supported (only 0)")));
        }
        let format = match reader.u8("format")? {
            0 => MessageFormat::RestrictedAscii,
            1 => MessageFormat::LimitedUtf8,
            2 => MessageFormat::ExtendedUtf8,
            other => return Err(bad(format!("unknown format {other}"))),
        };
        let len = usize::from(u16::from_le_bytes(reader.array("length")?));
        let message = reader.bytes(len, "message body")?;
        reader.finish("off-chain message")?;
        let (limit, ascii_only) = match format {
            MessageFormat::RestrictedAscii => (MAX_LEN_LEDGER, true),
            MessageFormat::LimitedUtf8 => (MAX_LEN_LEDGER, false),
            MessageFormat::ExtendedUtf8 => (MAX_LEN, false),
        };
        if message.is_empty() || message.len() > limit {
            return Err(bad(format!(
                "{format:?} body is {} bytes; it must be 1 to {limit}",
                message.len()
            )));
        }
        let valid = if ascii_only {
            is_printable_ascii(message)
        } else {
            std::str::from_utf8(message).is_ok()
        };
        if !valid {
            return Err(bad(format!(
                "the body does not match its format {format:?}"
            )));
        }
        Ok(Self {
            format,
            message: message.to_vec(),
        })
    }

    /// The SHA-256 of the serialized message.
    pub fn hash(&self) -> [u8; 32] {
        Sha256::digest(self.serialize()).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Vectors from the solana-offchain-message crate's own tests.
    #[test]
    fn known_answers() {
        let m = OffchainMessage::new(b"Test Message").unwrap();
        assert_eq!(m.format(), MessageFormat::RestrictedAscii);
        let bytes = m.serialize();
        assert_eq!(
            bytes,
            [
                255, 115, 111, 108, 97, 110, 97, 32, 111, 102, 102, 99, 104, 97, 105, 110, 0, 0,
                12, 0, 84, 101, 115, 116, 32, 77, 101, 115, 115, 97, 103, 101
            ]
        );
        assert_eq!(
            bs58::encode(m.hash()).into_string(),
            "HG5JydBGjtjTfD3sSn21ys5NTWPpXzmqifiGC2BVUjkD"
        );
        assert_eq!(OffchainMessage::deserialize(&bytes).unwrap(), m);
        let m = OffchainMessage::new("Тестовое сообщение".as_bytes()).unwrap();
        assert_eq!(m.format(), MessageFormat::LimitedUtf8);
        assert_eq!(
            bs58::encode(m.hash()).into_string(),
            "6GXTveatZQLexkX4WeTpJ3E7uk1UojRXpKp43c4ArSun"
        );
    }

    #[test]
    fn limits() {
        assert!(OffchainMessage::new(b"").is_err());
        assert!(OffchainMessage::new(&[0xff]).is_err());
        let ledger = "a".repeat(MAX_LEN_LEDGER);
        assert_eq!(
            OffchainMessage::new(ledger.as_bytes()).unwrap().format(),
            MessageFormat::RestrictedAscii
        );
        let ext = "a".repeat(MAX_LEN_LEDGER + 1);
        assert_eq!(
            OffchainMessage::new(ext.as_bytes()).unwrap().format(),
            MessageFormat::ExtendedUtf8
        );
        assert!(OffchainMessage::new("a".repeat(MAX_LEN).as_bytes()).is_ok());
        assert!(OffchainMessage::new("a".repeat(MAX_LEN + 1).as_bytes()).is_err());
        assert_eq!(MAX_LEN, 65515);
        assert_eq!(MAX_LEN_LEDGER, 1212);
    }
}
