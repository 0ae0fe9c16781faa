//! Body kinds: an arbitrary message (`0x00 || gas limit (u64) || payload`) or a token transfer
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
/// Length of an arbitrary message's body before its payload: the kind byte and the gas limit.
pub const MESSAGE_PREFIX_LEN: usize = 9;
/// The largest payload of an arbitrary message (the body cap less the kind byte and the gas
/// limit).
pub const MAX_PAYLOAD_LEN: usize = MAX_BODY_LEN - MESSAGE_PREFIX_LEN;
/// The largest recipient gas limit a message to a Solana destination may carry, in compute
/// units: what one transaction (1,400,000 units) leaves after `execute_message` itself. An
/// origin refuses more at send (docs/protocol.md, "Sending").
pub const SOLANA_MAX_GAS_LIMIT: u64 = 1_200_000;

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
    /// `0x00 || gas limit || payload`: the destination calls the recipient with
    /// `(origin domain, sender, payload)`, giving it exactly `gas_limit` (EVM gas, or compute
    /// units on Solana).
    Message {
        /// The gas the recipient's call gets; chosen by the sender, never 0.
        gas_limit: u64,
        /// What the recipient receives.
        payload: Vec<u8>,
    },
    /// `0x01 || token id || amount || beneficiary`.
    TokenTransfer(TokenTransfer),
}

impl Body {
    /// An arbitrary message of `payload` with recipient gas `gas_limit`.
    pub fn message(gas_limit: u64, payload: impl Into<Vec<u8>>) -> Self {
        Body::Message {
            gas_limit,
            payload: payload.into(),
        }
    }

    /// The body bytes. An arbitrary payload over [`MAX_PAYLOAD_LEN`] (or a zero gas limit)
    /// still encodes, and is then refused by [`Body::decode`] (and a body over the cap by
    /// [`crate::Message::new`]).
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Body::Message { gas_limit, payload } => {
                let mut out = Vec::with_capacity(MESSAGE_PREFIX_LEN + payload.len());
                out.push(KIND_MESSAGE);
                out.extend_from_slice(&gas_limit.to_be_bytes());
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

    /// Decodes a body strictly: refuses a body over [`MAX_BODY_LEN`], an empty body, an unknown
    /// kind, a token transfer that is not exactly 97 bytes, a message body shorter than 9
    /// bytes and a zero gas limit (the order of docs/protocol.md).
    ///
    /// ```
    /// use trestle_bridge::Body;
    /// let body = Body::message(50_000, b"hi".to_vec());
    /// assert_eq!(Body::decode(&body.encode()), Ok(body));
    /// assert_eq!(Body::decode(&[0; 9]).unwrap_err().code(), "zero_gas_limit");
    /// ```
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        if bytes.len() > MAX_BODY_LEN {
            return Err(Error::BodyTooLarge {
                len: bytes.len(),
                max: MAX_BODY_LEN,
            });
        }
        let (&kind, rest) = bytes.split_first().ok_or(Error::EmptyBody)?;
        match kind {
            KIND_MESSAGE => {
                let mut r = Reader(rest);
                let gas_limit =
                    u64::from_be_bytes(r.array::<8>().map_err(|_| Error::MessageBodyLength {
                        got: bytes.len(),
                        min: MESSAGE_PREFIX_LEN,
                    })?);
                if gas_limit == 0 {
                    return Err(Error::ZeroGasLimit);
                }
                Ok(Body::Message {
                    gas_limit,
                    payload: r.0.to_vec(),
                })
            }
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
        let empty = [0, 0, 0, 0, 0, 0, 0, 0, 1];
        assert_eq!(Body::decode(&empty), Ok(Body::message(1, vec![])));
        assert_eq!(Body::decode(&[]), Err(Error::EmptyBody));
        assert_eq!(
            Body::decode(&[2, 0]),
            Err(Error::UnknownBodyKind { kind: 2 })
        );
        assert_eq!(
            Body::message(0x0102, vec![5, 6]).encode(),
            vec![0, 0, 0, 0, 0, 0, 0, 1, 2, 5, 6]
        );
    }

    #[test]
    fn message_gas_limit_is_present_and_never_zero() {
        for short in [&[0u8][..], &[0, 0, 0, 0, 0, 0, 0, 1]] {
            assert_eq!(
                Body::decode(short),
                Err(Error::MessageBodyLength {
                    got: short.len(),
                    min: 9
                })
            );
        }
        assert_eq!(Body::decode(&[0; 9]), Err(Error::ZeroGasLimit));
        assert_eq!(Body::decode(&[0; 12]), Err(Error::ZeroGasLimit));
        let max = Body::message(u64::MAX, vec![7]).encode();
        assert_eq!(&max[1..9], &[0xff; 8]);
        assert_eq!(Body::decode(&max), Ok(Body::message(u64::MAX, vec![7])));
    }
}
