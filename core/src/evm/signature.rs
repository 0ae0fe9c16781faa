//! secp256k1 ECDSA signatures in the `(r, s, yParity)` form the EVM uses.

use std::fmt;

use k256::ecdsa::{RecoveryId, VerifyingKey};

use crate::error::{Error, Result};
use crate::evm::address::EvmAddress;

/// Half the secp256k1 group order, big-endian: `s` above this is "high" and malleable.
const HALF_ORDER: [u8; 32] = [
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
];

/// An ECDSA signature over secp256k1 with the parity of the nonce point's `y`.
///
/// The 65-byte form is `r || s || v` with `v = 27 + yParity`, the form `personal_sign` and
/// `eth_signTypedData_v4` return.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature {
    /// The `r` scalar, big-endian.
    pub r: [u8; 32],
    /// The `s` scalar, big-endian.
    pub s: [u8; 32],
    /// Whether the nonce point's `y` coordinate is odd (the recovery id).
    pub y_parity: bool,
}

impl Signature {
    /// `r || s || v` with `v` = 27 or 28.
    pub fn to_bytes(&self) -> [u8; 65] {
        let mut out = [0u8; 65];
        let (r, rest) = out.split_at_mut(32);
        let (s, v) = rest.split_at_mut(32);
        r.copy_from_slice(&self.r);
        s.copy_from_slice(&self.s);
        if let Some(v) = v.first_mut() {
            *v = 27 + u8::from(self.y_parity);
        }
        out
    }

    /// `0x`-prefixed hex of [`Signature::to_bytes`].
    pub fn to_hex(&self) -> String {
        format!("0x{}", hex::encode(self.to_bytes()))
    }

    /// Parses `r || s || v` (65 bytes) with `v` in {0, 1, 27, 28}. Refuses other lengths and
    /// other `v` values (EIP-155 `v` belongs to transactions, not to this form).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let arr: &[u8; 65] = bytes.try_into().map_err(|_| {
            Error::InvalidSignature(format!(
                "expected 65 bytes (r || s || v), got {}",
                bytes.len()
            ))
        })?;
        let (r, rest) = arr.split_at(32);
        let (s, v) = rest.split_at(32);
        let y_parity = match v.first() {
            Some(0 | 27) => false,
            Some(1 | 28) => true,
            other => {
                return Err(Error::InvalidSignature(format!(
                    "v must be 0, 1, 27 or 28, got {}",
                    other.copied().unwrap_or_default()
                )));
            }
        };
        let mut sig = Self {
            r: [0; 32],
            s: [0; 32],
            y_parity,
        };
        sig.r.copy_from_slice(r);
        sig.s.copy_from_slice(s);
        Ok(sig)
    }

    /// Parses the hex form (`0x` optional) of [`Signature::from_bytes`].
    pub fn from_hex(input: &str) -> Result<Self> {
        let digits = input.strip_prefix("0x").unwrap_or(input);
        let bytes = hex::decode(digits)
            .map_err(|e| Error::InvalidSignature(format!("signature is not hex: {e}")))?;
        Self::from_bytes(&bytes)
    }

    /// Whether `s` is in the upper half of the group order (a malleable signature that
    /// `ecrecover` accepts but wallets never produce).
    pub fn is_high_s(&self) -> bool {
        self.s > HALF_ORDER
    }

    /// Recovers the signer's address from a 32-byte prehash, as `ecrecover` does (high `s` is
    /// accepted). Refuses `r` or `s` that are zero or not below the group order, and signatures
    /// with no valid public key.
    pub fn recover_address(&self, hash: &[u8; 32]) -> Result<EvmAddress> {
        let mut sig = k256::ecdsa::Signature::from_scalars(self.r, self.s).map_err(|_| {
            Error::InvalidSignature("r or s is zero or not below the curve order".into())
        })?;
        let mut parity = self.y_parity;
        // k256 refuses high-s on recovery; its low-s twin recovers to the same key with the
        // opposite parity.
        if let Some(normalized) = sig.normalize_s() {
            sig = normalized;
            parity = !parity;
        }
        let recid = RecoveryId::new(parity, false);
        let key = VerifyingKey::recover_from_prehash(hash, &sig, recid).map_err(|_| {
            Error::InvalidSignature("no public key recovers from this signature".into())
        })?;
        Ok(EvmAddress::from_verifying_key(&key))
    }

    /// Like [`Signature::recover_address`] but refuses high-`s` (malleable) signatures and
    /// checks that the signer is `expected`.
    pub fn verify_address(&self, hash: &[u8; 32], expected: &EvmAddress) -> Result<()> {
        if self.is_high_s() {
            return Err(Error::InvalidSignature(
                "s is in the upper half of the curve order (malleable signature)".into(),
            ));
        }
        let recovered = self.recover_address(hash)?;
        if recovered != *expected {
            return Err(Error::InvalidSignature(format!(
                "signer mismatch: expected {expected}, recovered {recovered}"
            )));
        }
        Ok(())
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signature")
            .field("r", &format_args!("0x{}", hex::encode(self.r)))
            .field("s", &format_args!("0x{}", hex::encode(self.s)))
            .field("y_parity", &self.y_parity)
            .finish()
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip_and_v() {
        let sig = Signature {
            r: [1; 32],
            s: [2; 32],
            y_parity: true,
        };
        let b = sig.to_bytes();
        assert_eq!(b[64], 28);
        assert_eq!(Signature::from_bytes(&b).unwrap(), sig);
        let mut b0 = b;
        b0[64] = 1;
        assert_eq!(Signature::from_bytes(&b0).unwrap(), sig);
        b0[64] = 37;
        assert!(
            Signature::from_bytes(&b0)
                .unwrap_err()
                .to_string()
                .contains("37")
        );
        assert!(Signature::from_bytes(&b[..64]).is_err());
        assert_eq!(Signature::from_hex(&sig.to_hex()).unwrap(), sig);
    }

    #[test]
    fn high_s_detection() {
        let mut sig = Signature {
            r: [1; 32],
            s: HALF_ORDER,
            y_parity: false,
        };
        assert!(!sig.is_high_s());
        sig.s[31] += 1;
        assert!(sig.is_high_s());
    }

    #[test]
    fn zero_r_refused() {
        let sig = Signature {
            r: [0; 32],
            s: [1; 32],
            y_parity: false,
        };
        assert!(sig.recover_address(&[7; 32]).is_err());
    }
}
