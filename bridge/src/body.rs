//! Body kinds: an arbitrary message (`0x00 || payload`) or a token transfer
//! (`0x01 || token id || amount || beneficiary`, exactly 97 bytes).

use trestle_core::chain::{U256, UniversalAddress};

use crate::error::{Error, Result};
use crate::message::{MAX_BODY_LEN, Reader};

/// Kind byte of an arbitrary message body.
pub const KIND_MESSAGE: u8 = 0x00;
/// Kind byte of a token-transfer body.
pub const KIND_TOKEN_TRANSFER: u8 = 0x01;
/// Exact length of a token-transfer body.
pub const TOKEN_TRANSFER_LEN: usize = 97;
/// The largest payload of an arbitrary message (the body cap less the kind byte).
pub const MAX_PAYLOAD_LEN: usize = MAX_BODY_LEN - 1;

/// A token transfer: `amount` base units (on the token's home chain) of `token_id` for
/// `beneficiary`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenTransfer {
    /// [`crate::token_id`] of the token.
    pub token_id: [u8; 32],
    /// Amount in the token's home-chain base units.
    pub amount: U256,
    /// Who receives the tokens on the destination.
    pub beneficiary: UniversalAddress,
}

/// A decoded message body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// `0x00 || payload`: the destination calls the recipient with
    /// `(origin domain, sender, payload)`.
    Message(Vec<u8>),
    /// `0x01 || token id || amount || beneficiary`.
    TokenTransfer(TokenTransfer),
}

impl Body {
    /// The body bytes. An arbitrary payload over [`MAX_PAYLOAD_LEN`] still encodes, and is
    /// then refused by [`crate::Message::new`].
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Body::Message(payload) => {
                let mut out = Vec::with_capacity(1 + payload.len());
                out.push(KIND_MESSAGE);
                out.extend_from_slice(payload);
                out
            }
            Body::TokenTransfer(t) => {
                let mut out = Vec::with_capacity(TOKEN_TRANSFER_LEN);
                out.push(KIND_TOKEN_TRANSFER);
                out.extend_from_slice(&t.token_id);
                out.extend_from_slice(&t.amount.to_be_bytes::<32>());
                out.extend_from_slice(t.beneficiary.as_bytes());
                out
            }
        }
    }

    /// Decodes a body strictly: refuses an empty body, an unknown kind, a token transfer that
    /// is not exactly 97 bytes, and a body over [`MAX_BODY_LEN`].
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        if bytes.len() > MAX_BODY_LEN {
            return Err(Error::BodyTooLarge {
                len: bytes.len(),
                max: MAX_BODY_LEN,
            });
        }
        let (&kind, rest) = bytes.split_first().ok_or(Error::EmptyBody)?;
        match kind {
            KIND_MESSAGE => Ok(Body::Message(rest.to_vec())),
            KIND_TOKEN_TRANSFER => {
                if bytes.len() != TOKEN_TRANSFER_LEN {
                    return Err(Error::TokenTransferLength {
                        got: bytes.len(),
                        expected: TOKEN_TRANSFER_LEN,
                    });
                }
                let mut r = Reader(rest);
                let token_id = r.array::<32>()?;
                let amount = U256::from_be_bytes(r.array::<32>()?);
                let beneficiary = UniversalAddress(r.array::<32>()?);
                Ok(Body::TokenTransfer(TokenTransfer {
                    token_id,
                    amount,
                    beneficiary,
                }))
            }
            kind => Err(Error::UnknownBodyKind { kind }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_transfer_layout() {
        let t = TokenTransfer {
            token_id: [3; 32],
            amount: U256::from(0x0102u64),
            beneficiary: UniversalAddress([9; 32]),
        };
        let e = Body::TokenTransfer(t).encode();
        assert_eq!(e.len(), 97);
        assert_eq!(e[0], 1);
        assert_eq!(&e[1..33], &[3; 32]);
        assert_eq!(&e[63..65], &[1, 2]);
        assert_eq!(&e[65..97], &[9; 32]);
        assert_eq!(Body::decode(&e), Ok(Body::TokenTransfer(t)));
        assert_eq!(
            Body::decode(&e[..96]),
            Err(Error::TokenTransferLength {
                got: 96,
                expected: 97
            })
        );
        let mut long = e.clone();
        long.push(0);
        assert_eq!(
            Body::decode(&long).unwrap_err().code(),
            "token_transfer_length"
        );
    }

    #[test]
    fn message_kinds() {
        assert_eq!(Body::decode(&[0]), Ok(Body::Message(vec![])));
        assert_eq!(Body::decode(&[]), Err(Error::EmptyBody));
        assert_eq!(
            Body::decode(&[2, 0]),
            Err(Error::UnknownBodyKind { kind: 2 })
        );
        assert_eq!(Body::Message(vec![5, 6]).encode(), vec![0, 5, 6]);
    }
}
