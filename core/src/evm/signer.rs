//! A secp256k1 signer for EVM transactions, messages and typed data (a local private key, or
//! an [`ExternalSigner`] such as an HSM), and the matching recovery and verification helpers.

use std::fmt;
use std::sync::Arc;

use k256::ecdsa::{RecoveryId, SigningKey, VerifyingKey};

use crate::error::{Error, Result};
use crate::evm::address::EvmAddress;
use crate::evm::eip191::hash_message;
use crate::evm::eip712::TypedData;
use crate::evm::external::ExternalSigner;
use crate::evm::keccak256;
use crate::evm::signature::Signature;
use crate::evm::transaction::{SignedTransaction, TransactionRequest, TypedTransaction};

/// Signs with one secp256k1 key: a private key in memory, or a key held by an
/// [`ExternalSigner`] (an HSM).
///
/// A private key zeroizes on drop (k256's `SigningKey` does) and never appears in `Debug`,
/// which shows only the address (and, for an external key, where it lives). Signatures are
/// always low-`s`; a local key's are deterministic (RFC 6979).
#[derive(Clone)]
pub struct EvmSigner {
    key: Key,
    address: EvmAddress,
}

/// Where the private key is.
#[derive(Clone)]
enum Key {
    /// In memory.
    Local(SigningKey),
    /// Elsewhere; `public` is its public key, read once.
    External {
        signer: Arc<dyn ExternalSigner>,
        public: VerifyingKey,
    },
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
        Ok(Self {
            key: Key::Local(key),
            address,
        })
    }

    /// Builds a signer over a key held elsewhere (an HSM). Reads its public key once and
    /// refuses one that is not a point of secp256k1. Every signature it returns is then
    /// normalised to low `s` and given the recovery id that recovers this public key; one that
    /// recovers to no such key is refused.
    pub fn from_external(signer: Arc<dyn ExternalSigner>) -> Result<Self> {
        let bytes = signer.public_key()?;
        let public = VerifyingKey::from_sec1_bytes(&bytes).map_err(|_| {
            Error::InvalidKey(format!(
                "{}: the public key is not an uncompressed secp256k1 point",
                signer.describe()
            ))
        })?;
        let address = EvmAddress::from_verifying_key(&public);
        Ok(Self {
            key: Key::External { signer, public },
            address,
        })
    }

    /// Whether the key is held by an [`ExternalSigner`] rather than in memory.
    pub fn is_external(&self) -> bool {
        matches!(self.key, Key::External { .. })
    }

    /// The signer's address.
    pub fn address(&self) -> EvmAddress {
        self.address
    }

    /// The 65-byte uncompressed SEC1 public key.
    pub fn public_key(&self) -> [u8; 65] {
        let verifying = match &self.key {
            Key::Local(key) => key.verifying_key(),
            Key::External { public, .. } => public,
        };
        let point = verifying.to_encoded_point(false);
        let mut out = [0u8; 65];
        out.copy_from_slice(point.as_bytes());
        out
    }

    /// Signs a 32-byte prehash as is (no prefix). Use this only for digests you computed
    /// yourself: signing an attacker-chosen hash can sign a transaction.
    pub fn sign_hash(&self, hash: &[u8; 32]) -> Result<Signature> {
        let (sig, recid) = match &self.key {
            Key::Local(key) => key
                .sign_prehash_recoverable(hash)
                .map_err(|e| Error::InvalidSignature(format!("signing failed: {e}")))?,
            Key::External { signer, public } => sign_external(signer.as_ref(), public, hash)?,
        };
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
        let mut f = f.debug_struct("EvmSigner");
        f.field("address", &self.address);
        if let Key::External { signer, .. } = &self.key {
            f.field("key", &signer.describe());
        }
        f.finish_non_exhaustive()
    }
}

/// Signs `hash` with an external key: its `r || s` with `s` made low, and the recovery id
/// under which it recovers `public`. Refuses a signature that recovers to neither parity.
fn sign_external(
    signer: &dyn ExternalSigner,
    public: &VerifyingKey,
    hash: &[u8; 32],
) -> Result<(k256::ecdsa::Signature, RecoveryId)> {
    let raw = signer.sign_prehash(hash)?;
    let mut sig = k256::ecdsa::Signature::from_slice(&raw).map_err(|_| {
        Error::InvalidSignature(format!(
            "{}: returned r or s zero or not below the curve order",
            signer.describe()
        ))
    })?;
    if let Some(low) = sig.normalize_s() {
        sig = low;
    }
    for parity in [false, true] {
        let recid = RecoveryId::new(parity, false);
        if VerifyingKey::recover_from_prehash(hash, &sig, recid).is_ok_and(|k| k == *public) {
            return Ok((sig, recid));
        }
    }
    Err(Error::InvalidSignature(format!(
        "{}: the signature does not verify against the key's public key",
        signer.describe()
    )))
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

    /// A stand-in for an HSM: signs with a local key and returns `r || s` with `s` in the
    /// high half every other time (as a device that does not normalise would).
    struct HighS {
        key: SigningKey,
        flip: std::sync::atomic::AtomicBool,
    }

    impl ExternalSigner for HighS {
        fn public_key(&self) -> Result<[u8; 65]> {
            let point = self.key.verifying_key().to_encoded_point(false);
            Ok(point.as_bytes().try_into().unwrap())
        }
        fn sign_prehash(&self, hash: &[u8; 32]) -> Result<[u8; 64]> {
            use k256::ecdsa::signature::hazmat::PrehashSigner;
            let sig: k256::ecdsa::Signature = self.key.sign_prehash(hash).unwrap();
            let flip = !self
                .flip
                .fetch_xor(true, std::sync::atomic::Ordering::Relaxed);
            let sig = if flip {
                k256::ecdsa::Signature::from_scalars(sig.r(), -*sig.s()).unwrap()
            } else {
                sig
            };
            Ok(sig.to_bytes().into())
        }
        fn describe(&self) -> String {
            "test device".into()
        }
    }

    #[test]
    fn external_signatures_are_low_s_and_recover() {
        let local = EvmSigner::from_private_key(&[0x46; 32]).unwrap();
        let external = EvmSigner::from_external(Arc::new(HighS {
            key: SigningKey::from_bytes(&[0x46; 32].into()).unwrap(),
            flip: false.into(),
        }))
        .unwrap();
        assert!(external.is_external() && !local.is_external());
        assert_eq!(external.address(), local.address());
        assert_eq!(external.public_key(), local.public_key());
        for i in 0..16u8 {
            let hash = keccak256([i]);
            let sig = external.sign_hash(&hash).unwrap();
            assert!(!sig.is_high_s());
            verify_hash(&hash, &sig, &local.address()).unwrap();
            // RFC 6979 on both sides: the same signature once normalised.
            assert_eq!(sig, local.sign_hash(&hash).unwrap());
        }
        let dbg = format!("{external:?}");
        assert!(dbg.contains("test device") && dbg.contains(&local.address().to_checksum()));
    }

    /// A device whose signatures are not by the key it reports.
    struct Liar(HighS);

    impl ExternalSigner for Liar {
        fn public_key(&self) -> Result<[u8; 65]> {
            let other = SigningKey::from_bytes(&[0x47; 32].into()).unwrap();
            Ok(other
                .verifying_key()
                .to_encoded_point(false)
                .as_bytes()
                .try_into()
                .unwrap())
        }
        fn sign_prehash(&self, hash: &[u8; 32]) -> Result<[u8; 64]> {
            self.0.sign_prehash(hash)
        }
        fn describe(&self) -> String {
            "lying device".into()
        }
    }

    #[test]
    fn external_signature_by_another_key_is_refused() {
        let liar = EvmSigner::from_external(Arc::new(Liar(HighS {
            key: SigningKey::from_bytes(&[0x46; 32].into()).unwrap(),
            flip: false.into(),
        })))
        .unwrap();
        let err = liar.sign_hash(&[1; 32]).unwrap_err().to_string();
        assert!(
            err.contains("lying device") && err.contains("does not verify"),
            "{err}"
        );
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
