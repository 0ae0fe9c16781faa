//! A local secp256k1 signer for EVM transactions, messages and typed data, and the matching
//! recovery and verification helpers.

use std::fmt;

use k256::ecdsa::SigningKey;

use crate::error::{Error, Result};
use crate::evm::address::EvmAddress;
use crate::evm::eip191::hash_message;
use crate::evm::eip712::TypedData;
use crate::evm::keccak256;
use crate::evm::signature::Signature;
use crate::evm::transaction::{SignedTransaction, TransactionRequest, TypedTransaction};

/// Signs with one secp256k1 private key.
///
/// The key zeroizes on drop (k256's `SigningKey` does) and never appears in `Debug`, which
/// shows only the address. Signatures are deterministic (RFC 6979) and always low-`s`.
#[derive(Clone)]
pub struct EvmSigner {
    key: SigningKey,
    address: EvmAddress,
}

impl EvmSigner {
    /// Builds a signer from a 32-byte big-endian private key. Refuses zero and values not
    /// below the curve order.
    pub fn from_private_key(bytes: &[u8; 32]) -> Result<Self> {
        let key = SigningKey::from_bytes(bytes.into()).map_err(|_| {
            Error::InvalidKey(
                "secp256k1 private key must be non-zero and below the curve order".into(),
            )
        })?;
        let address = EvmAddress::from_verifying_key(key.verifying_key());
        Ok(Self { key, address })
    }

    /// The signer's address.
    pub fn address(&self) -> EvmAddress {
        self.address
    }

    /// The 65-byte uncompressed SEC1 public key.
    pub fn public_key(&self) -> [u8; 65] {
        let point = self.key.verifying_key().to_encoded_point(false);
        let mut out = [0u8; 65];
        out.copy_from_slice(point.as_bytes());
        out
    }

    /// Signs a 32-byte prehash as is (no prefix). Use this only for digests you computed
    /// yourself: signing an attacker-chosen hash can sign a transaction.
    pub fn sign_hash(&self, hash: &[u8; 32]) -> Result<Signature> {
        let (sig, recid) = self
            .key
            .sign_prehash_recoverable(hash)
            .map_err(|e| Error::InvalidSignature(format!("signing failed: {e}")))?;
        let (r, s) = sig.split_bytes();
        Ok(Signature {
            r: r.into(),
            s: s.into(),
            y_parity: recid.is_y_odd(),
        })
    }

    /// Signs a transaction and returns its raw encoding and hash.
    pub fn sign_transaction(&self, tx: &TypedTransaction) -> Result<SignedTransaction> {
        let signature = self.sign_hash(&tx.signing_hash())?;
        let raw = tx.encode_signed(&signature);
        let hash = keccak256(&raw);
        Ok(SignedTransaction {
            transaction: tx.clone(),
            signature,
            from: self.address,
            raw,
            hash,
        })
    }

    /// Builds and signs the transaction of an `eth_signTransaction` request. Refuses a
    /// request whose `from` is not this signer, and everything
    /// [`TransactionRequest::to_transaction`] refuses.
    pub fn sign_request(&self, request: &TransactionRequest) -> Result<SignedTransaction> {
        if let Some(from) = request.from
            && from != self.address
        {
            return Err(Error::InvalidTransaction {
                field: "from".into(),
                reason: format!("{from} is not the signer's address {}", self.address),
            });
        }
        self.sign_transaction(&request.to_transaction()?)
    }

    /// Signs an EIP-191 `personal_sign` message (the raw message bytes, not their hash).
    pub fn sign_message(&self, message: &[u8]) -> Result<Signature> {
        self.sign_hash(&hash_message(message))
    }

    /// Signs EIP-712 typed data (`eth_signTypedData_v4`).
    pub fn sign_typed_data(&self, data: &TypedData) -> Result<Signature> {
        self.sign_hash(&data.signing_hash())
    }
}

impl fmt::Debug for EvmSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EvmSigner")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

/// Recovers the address that signed a 32-byte prehash (accepts what `ecrecover` accepts,
/// including high-`s`).
pub fn recover_hash(hash: &[u8; 32], signature: &Signature) -> Result<EvmAddress> {
    signature.recover_address(hash)
}

/// Recovers the address that `personal_sign`ed `message`.
pub fn recover_message(message: &[u8], signature: &Signature) -> Result<EvmAddress> {
    signature.recover_address(&hash_message(message))
}

/// Recovers the address that signed typed data with `eth_signTypedData_v4`.
pub fn recover_typed_data(data: &TypedData, signature: &Signature) -> Result<EvmAddress> {
    signature.recover_address(&data.signing_hash())
}

/// Checks that `expected` signed `hash`. Refuses high-`s` (malleable) signatures and names
/// both addresses on a mismatch.
pub fn verify_hash(hash: &[u8; 32], signature: &Signature, expected: &EvmAddress) -> Result<()> {
    signature.verify_address(hash, expected)
}

/// Checks that `expected` `personal_sign`ed `message`; see [`verify_hash`].
pub fn verify_message(message: &[u8], signature: &Signature, expected: &EvmAddress) -> Result<()> {
    signature.verify_address(&hash_message(message), expected)
}

/// Checks that `expected` signed the typed data; see [`verify_hash`].
pub fn verify_typed_data(
    data: &TypedData,
    signature: &Signature,
    expected: &EvmAddress,
) -> Result<()> {
    signature.verify_address(&data.signing_hash(), expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_keys() {
        assert!(matches!(
            EvmSigner::from_private_key(&[0; 32]),
            Err(Error::InvalidKey(_))
        ));
        assert!(matches!(
            EvmSigner::from_private_key(&[0xff; 32]),
            Err(Error::InvalidKey(_))
        ));
    }

    #[test]
    fn debug_shows_only_address() {
        let s = EvmSigner::from_private_key(&[0x46; 32]).unwrap();
        let dbg = format!("{s:?}");
        assert!(dbg.contains(&s.address().to_checksum()), "{dbg}");
        assert!(!dbg.contains("4646"), "{dbg}");
        assert_eq!(
            s.address().to_checksum(),
            "0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F"
        );
    }

    #[test]
    fn message_sign_recover_verify() {
        let s = EvmSigner::from_private_key(&[0x46; 32]).unwrap();
        let sig = s.sign_message(b"hello").unwrap();
        assert!(!sig.is_high_s());
        assert_eq!(recover_message(b"hello", &sig).unwrap(), s.address());
        verify_message(b"hello", &sig, &s.address()).unwrap();
        let other = EvmAddress::ZERO;
        let err = verify_message(b"hello", &sig, &other)
            .unwrap_err()
            .to_string();
        assert!(err.contains(&other.to_checksum()) && err.contains(&s.address().to_checksum()));
        assert_ne!(recover_message(b"hellO", &sig).unwrap(), s.address());

        // The high-s twin recovers to the same signer but does not verify.
        let n = ruint::aliases::U256::from_str_radix(
            "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",
            16,
        )
        .unwrap();
        let high = Signature {
            r: sig.r,
            s: (n - ruint::aliases::U256::from_be_bytes(sig.s)).to_be_bytes(),
            y_parity: !sig.y_parity,
        };
        assert!(high.is_high_s());
        assert_eq!(recover_message(b"hello", &high).unwrap(), s.address());
        assert!(verify_message(b"hello", &high, &s.address()).is_err());
    }

    #[test]
    fn request_from_must_match() {
        let s = EvmSigner::from_private_key(&[0x46; 32]).unwrap();
        let req = TransactionRequest::from_json(
            r#"{"from":"0x0000000000000000000000000000000000000001","chainId":1,"nonce":0,
               "gas":21000,"gasPrice":1}"#,
        )
        .unwrap();
        let err = s.sign_request(&req).unwrap_err();
        assert!(matches!(err, Error::InvalidTransaction { ref field, .. } if field == "from"));
        let mut ok = req.clone();
        ok.from = Some(s.address());
        assert_eq!(s.sign_request(&ok).unwrap().from, s.address());
    }
}
