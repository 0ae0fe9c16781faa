//! The curves a key may be on, and their PKCS#11 encodings: `CKA_EC_PARAMS` (the curve) and
//! `CKA_EC_POINT` (the public key, a DER OCTET STRING around the point).

use std::fmt;

use cryptoki::object::KeyType;

/// The curve of a key, which decides the mechanism it signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Curve {
    /// secp256k1 (`CKK_EC`), signing prehashes with `CKM_ECDSA`: EVM keys.
    Secp256k1,
    /// ed25519 (`CKK_EC_EDWARDS`), signing messages with `CKM_EDDSA`: Solana keys.
    Ed25519,
}

/// DER of the OID 1.3.132.0.10 (secp256k1).
const SECP256K1_OID: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a];
/// DER of the OID 1.3.101.112 (Ed25519, RFC 8410).
const ED25519_OID: &[u8] = &[0x06, 0x03, 0x2b, 0x65, 0x70];
/// DER of the PrintableString "edwards25519" (PKCS#11 3.0's curve name, what SoftHSM2 and
/// OpenSC write).
const ED25519_NAME: &[u8] = b"\x13\x0cedwards25519";

impl Curve {
    pub(crate) fn key_type(self) -> KeyType {
        match self {
            Curve::Secp256k1 => KeyType::EC,
            Curve::Ed25519 => KeyType::EC_EDWARDS,
        }
    }

    pub(crate) fn has_params(self, params: &[u8]) -> bool {
        match self {
            Curve::Secp256k1 => params == SECP256K1_OID,
            Curve::Ed25519 => params == ED25519_OID || params == ED25519_NAME,
        }
    }

    pub(crate) fn signature_len(self) -> usize {
        64
    }

    /// The public key in `CKA_EC_POINT`: the DER OCTET STRING around the point, as the
    /// standard says, or the bare point, as some modules return it. 65 bytes (`0x04 || x ||
    /// y`) for secp256k1, 32 for ed25519.
    pub(crate) fn public_key(self, ec_point: &[u8]) -> Option<Vec<u8>> {
        let len = match self {
            Curve::Secp256k1 => 65,
            Curve::Ed25519 => 32,
        };
        let point = match ec_point {
            [0x04, l, rest @ ..] if usize::from(*l) == len && rest.len() == len => rest,
            bare if bare.len() == len => bare,
            _ => return None,
        };
        if self == Curve::Secp256k1 && point.first() != Some(&0x04) {
            return None;
        }
        Some(point.to_vec())
    }
}

impl fmt::Display for Curve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Curve::Secp256k1 => "secp256k1",
            Curve::Ed25519 => "ed25519",
        })
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ec_points_in_both_forms() {
        let mut point = vec![0x04; 1];
        point.extend([7u8; 64]);
        let mut der = vec![0x04, 0x41];
        der.extend(&point);
        assert_eq!(Curve::Secp256k1.public_key(&der), Some(point.clone()));
        assert_eq!(Curve::Secp256k1.public_key(&point), Some(point.clone()));
        assert_eq!(Curve::Secp256k1.public_key(&der[..66]), None);
        let mut compressed = point.clone();
        compressed[0] = 0x02;
        assert_eq!(Curve::Secp256k1.public_key(&compressed), None);

        let mut der = vec![0x04, 0x20];
        der.extend([9u8; 32]);
        assert_eq!(Curve::Ed25519.public_key(&der), Some(vec![9u8; 32]));
        assert_eq!(Curve::Ed25519.public_key(&[9u8; 32]), Some(vec![9u8; 32]));
        assert_eq!(Curve::Ed25519.public_key(&der[..33]), None);
    }

    #[test]
    fn curve_parameters() {
        assert!(Curve::Secp256k1.has_params(SECP256K1_OID));
        // P-256 (1.2.840.10045.3.1.7) is not secp256k1.
        let p256 = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
        assert!(!Curve::Secp256k1.has_params(&p256));
        assert!(Curve::Ed25519.has_params(ED25519_NAME));
        assert!(Curve::Ed25519.has_params(ED25519_OID));
        assert!(!Curve::Ed25519.has_params(SECP256K1_OID));
    }
}
