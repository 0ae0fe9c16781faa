//! What validators sign: the domain-separated inner hash of a message id and its EIP-191
//! digest (docs/protocol.md, "Attestation digest").

use trestle_core::chain::UniversalAddress;
use trestle_core::evm::eip191::hash_message;
use trestle_core::evm::keccak256;

use crate::message::{MessageId, VERSION};

/// The 7 ASCII bytes that open every attestation preimage.
pub const PROTOCOL_TAG: &[u8; 7] = b"TRESTLE";

/// Length of the attestation preimage.
pub const PREIMAGE_LEN: usize = 120;

/// The facts a validator attests to: which message, from which origin bridge, for which
/// destination bridge, under which validator-set epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attestation {
    /// Origin domain of the message.
    pub origin: u32,
    /// The origin bridge (its address left-padded, or its program id).
    pub origin_bridge: UniversalAddress,
    /// Destination domain of the message.
    pub destination: u32,
    /// The destination bridge the set is for: the address the EVM bridge is called at (its
    /// proxy), or the Solana program id. A set signed for one deployment does not verify on
    /// another that shares domain ids and keys.
    pub destination_bridge: UniversalAddress,
    /// Epoch of the validator set that signs (the destination's current set for the origin).
    pub epoch: u64,
    /// [`crate::Message::id`] of the message.
    pub message_id: MessageId,
}

impl Attestation {
    /// The 120-byte preimage: `"TRESTLE" || version || origin || origin bridge ||
    /// destination || destination bridge || epoch || message id`.
    pub fn preimage(&self) -> [u8; PREIMAGE_LEN] {
        let mut out = [0u8; PREIMAGE_LEN];
        let parts: [&[u8]; 8] = [
            PROTOCOL_TAG,
            &[VERSION],
            &self.origin.to_be_bytes(),
            self.origin_bridge.as_bytes(),
            &self.destination.to_be_bytes(),
            self.destination_bridge.as_bytes(),
            &self.epoch.to_be_bytes(),
            &self.message_id,
        ];
        let mut rest: &mut [u8] = &mut out;
        for part in parts {
            let (head, tail) = rest.split_at_mut(part.len());
            head.copy_from_slice(part);
            rest = tail;
        }
        out
    }

    /// `keccak256(preimage)`: the 32 bytes validators `personal_sign`.
    pub fn inner_hash(&self) -> [u8; 32] {
        keccak256(self.preimage())
    }

    /// `keccak256("\x19Ethereum Signed Message:\n32" || inner)`: the hash that is signed and
    /// recovered.
    pub fn digest(&self) -> [u8; 32] {
        hash_message(&self.inner_hash())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preimage_layout_and_digest() {
        let a = Attestation {
            origin: 0x0102_0304,
            origin_bridge: UniversalAddress([0x11; 32]),
            destination: 0x0506_0708,
            destination_bridge: UniversalAddress([0x33; 32]),
            epoch: 9,
            message_id: [0x22; 32],
        };
        let p = a.preimage();
        assert_eq!(&p[..7], b"TRESTLE");
        assert_eq!(p[7], 2);
        assert_eq!(&p[8..12], &[1, 2, 3, 4]);
        assert_eq!(&p[12..44], &[0x11; 32]);
        assert_eq!(&p[44..48], &[5, 6, 7, 8]);
        assert_eq!(&p[48..80], &[0x33; 32]);
        assert_eq!(&p[80..88], &9u64.to_be_bytes());
        assert_eq!(&p[88..120], &[0x22; 32]);
        let mut prefixed = b"\x19Ethereum Signed Message:\n32".to_vec();
        prefixed.extend_from_slice(&a.inner_hash());
        assert_eq!(a.digest(), keccak256(prefixed));
    }

    #[test]
    fn every_field_changes_the_digest() {
        let a = Attestation {
            origin: 1,
            origin_bridge: UniversalAddress([1; 32]),
            destination: 2,
            destination_bridge: UniversalAddress([2; 32]),
            epoch: 1,
            message_id: [3; 32],
        };
        let variants = [
            Attestation { origin: 9, ..a },
            Attestation {
                origin_bridge: UniversalAddress([9; 32]),
                ..a
            },
            Attestation {
                destination: 9,
                ..a
            },
            Attestation {
                destination_bridge: UniversalAddress([9; 32]),
                ..a
            },
            Attestation { epoch: 9, ..a },
            Attestation {
                message_id: [9; 32],
                ..a
            },
        ];
        for v in variants {
            assert_ne!(v.digest(), a.digest(), "{v:?}");
        }
    }
}
