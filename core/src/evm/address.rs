//! 20-byte EVM addresses with EIP-55 mixed-case checksums.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};
use crate::evm::keccak256;
use crate::types::ChainKind;

/// A 20-byte EVM account address.
///
/// Parsing accepts hex with or without `0x`, in all-lowercase or all-uppercase, or in mixed case
/// when the mixed case is the correct EIP-55 checksum; it refuses anything else. `Display` and
/// serde use the EIP-55 checksummed form.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct EvmAddress(pub [u8; 20]);

impl EvmAddress {
    /// The all-zero address.
    pub const ZERO: Self = Self([0u8; 20]);

    /// Wraps 20 raw bytes.
    pub const fn new(bytes: [u8; 20]) -> Self {
        Self(bytes)
    }

    /// Parses a hex address (`0x` optional).
    ///
    /// Refuses input that is not 40 hex digits, and mixed-case input whose case is not the
    /// EIP-55 checksum (the error shows the correctly checksummed form).
    pub fn parse(input: &str) -> Result<Self> {
        let invalid = |reason: String| Error::InvalidAddress {
            chain: ChainKind::Evm,
            input: input.to_owned(),
            reason,
        };
        let digits = input
            .strip_prefix("0x")
            .or_else(|| input.strip_prefix("0X"))
            .unwrap_or(input);
        if !digits.is_ascii() {
            return Err(invalid("contains non-ASCII characters".into()));
        }
        if digits.len() != 40 {
            return Err(invalid(format!(
                "expected 40 hex digits (20 bytes), got {} characters",
                digits.len()
            )));
        }
        if let Some((pos, c)) = digits.char_indices().find(|(_, c)| !c.is_ascii_hexdigit()) {
            return Err(invalid(format!(
                "character {c:?} at position {pos} is not a hex digit"
            )));
        }
        let mut bytes = [0u8; 20];
        hex::decode_to_slice(digits, &mut bytes).map_err(|e| invalid(format!("not hex: {e}")))?;
        let address = Self(bytes);
        let has_lower = digits.chars().any(|c| c.is_ascii_lowercase());
        let has_upper = digits.chars().any(|c| c.is_ascii_uppercase());
        if has_lower && has_upper {
            let expected = address.to_checksum();
            if expected.get(2..) != Some(digits) {
                return Err(invalid(format!(
                    "wrong EIP-55 checksum (mixed case does not match); the checksummed address \
                     is {expected}"
                )));
            }
        }
        Ok(address)
    }

    /// The EIP-55 checksummed form, with `0x`.
    pub fn to_checksum(&self) -> String {
        let lower = hex::encode(self.0);
        let hash = keccak256(lower.as_bytes());
        let mut out = String::with_capacity(42);
        out.push_str("0x");
        for (i, c) in lower.chars().enumerate() {
            let byte = hash.get(i / 2).copied().unwrap_or(0);
            let nibble = if i % 2 == 0 { byte >> 4 } else { byte & 0x0f };
            if c.is_ascii_alphabetic() && nibble >= 8 {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c);
            }
        }
        out
    }

    /// The address of a secp256k1 public key given as SEC1 bytes (65-byte uncompressed or
    /// 33-byte compressed). Refuses bytes that are not a point on the curve.
    pub fn from_public_key(sec1: &[u8]) -> Result<Self> {
        let key = k256::ecdsa::VerifyingKey::from_sec1_bytes(sec1)
            .map_err(|_| Error::InvalidKey("not a valid secp256k1 public key".into()))?;
        Ok(Self::from_verifying_key(&key))
    }

    /// The address of a k256 verifying key: the last 20 bytes of keccak256 of the 64-byte
    /// uncompressed point.
    pub(crate) fn from_verifying_key(key: &k256::ecdsa::VerifyingKey) -> Self {
        let point = key.to_encoded_point(false);
        let xy = point
            .as_bytes()
            .split_first()
            .map(|(_, xy)| xy)
            .unwrap_or(&[]);
        let hash = keccak256(xy);
        let (_, tail) = hash.split_at(12);
        let mut bytes = [0u8; 20];
        bytes.copy_from_slice(tail);
        Self(bytes)
    }

    /// The 20 raw bytes.
    pub const fn as_bytes(&self) -> &[u8; 20] {
        &self.0
    }

    /// Parses a 20-byte slice; refuses any other length.
    pub fn from_slice(bytes: &[u8]) -> Result<Self> {
        let arr: [u8; 20] = bytes.try_into().map_err(|_| Error::InvalidAddress {
            chain: ChainKind::Evm,
            input: format!("0x{}", hex::encode(bytes)),
            reason: format!("expected 20 bytes, got {}", bytes.len()),
        })?;
        Ok(Self(arr))
    }
}

impl From<[u8; 20]> for EvmAddress {
    fn from(bytes: [u8; 20]) -> Self {
        Self(bytes)
    }
}

impl AsRef<[u8]> for EvmAddress {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Display for EvmAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_checksum())
    }
}

impl fmt::Debug for EvmAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EvmAddress({})", self.to_checksum())
    }
}

impl FromStr for EvmAddress {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

impl serde::Serialize for EvmAddress {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_checksum())
    }
}

impl<'de> serde::Deserialize<'de> for EvmAddress {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test vectors of EIP-55.
    const EIP55: &[&str] = &[
        "0x52908400098527886E0F7030069857D2E4169EE7",
        "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
        "0xde709f2102306220921060314715629080e2fb77",
        "0x27b1fdb04752bbc536007a920d24acb045561c26",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ];

    #[test]
    fn eip55_vectors() {
        for v in EIP55 {
            let a = EvmAddress::parse(v).unwrap();
            assert_eq!(a.to_checksum(), *v);
            assert_eq!(a.to_string(), *v);
            assert_eq!(EvmAddress::parse(&v.to_lowercase()).unwrap(), a);
            assert_eq!(EvmAddress::parse(&v[2..].to_uppercase()).unwrap(), a);
        }
    }

    #[test]
    fn bad_checksum_shows_correct_form() {
        let err = EvmAddress::parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("checksum"), "{msg}");
        assert!(
            msg.contains("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
            "{msg}"
        );
    }

    #[test]
    fn bad_length_and_hex() {
        assert!(
            EvmAddress::parse("0x1234")
                .unwrap_err()
                .to_string()
                .contains("40 hex digits")
        );
        let err = EvmAddress::parse("0xzz908400098527886E0F7030069857D2E4169EE7").unwrap_err();
        assert!(err.to_string().contains("not a hex digit"), "{err}");
        assert!(EvmAddress::parse("0x52908400098527886E0F7030069857D2E4169EÉ").is_err());
        assert!(EvmAddress::parse("").is_err());
    }

    #[test]
    fn serde_round_trip() {
        let a: EvmAddress = EIP55[4].parse().unwrap();
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(json, format!("\"{}\"", EIP55[4]));
        let back: EvmAddress = serde_json::from_str(&json).unwrap();
        assert_eq!(a, back);
    }

    #[test]
    fn from_public_key_known() {
        // Private key 1: G's address.
        let g = k256::ProjectivePoint::GENERATOR.to_affine();
        let vk = k256::ecdsa::VerifyingKey::from_affine(g).unwrap();
        let addr = EvmAddress::from_verifying_key(&vk);
        assert_eq!(
            addr.to_checksum(),
            "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"
        );
        let sec1 = vk.to_encoded_point(false);
        assert_eq!(EvmAddress::from_public_key(sec1.as_bytes()).unwrap(), addr);
        assert!(EvmAddress::from_public_key(&[4u8; 65]).is_err());
    }
}
