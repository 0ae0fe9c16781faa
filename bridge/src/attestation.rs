//! What validators sign: the domain-separated inner hash of a message id and its EIP-191
//! digest.

use trestle_core::chain::UniversalAddress;
use trestle_core::evm::eip191::hash_message;
use trestle_core::evm::keccak256;

use crate::message::{MessageId, VERSION};

/// The 7 ASCII bytes that open every attestation preimage.
pub const PROTOCOL_TAG: &[u8; 7] = b"TRESTLE";

/// The facts a validator attests to: which message, from which origin bridge, under which
/// validator-set epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attestation {
    /// Origin domain of the message.
    pub origin: u32,
    /// The origin bridge (its address left-padded, or its program id).
    pub origin_bridge: UniversalAddress,
    /// Epoch of the validator set that signs (the destination's current set for the origin).
    pub epoch: u64,
    /// [`crate::Message::id`] of the message.
    pub message_id: MessageId,
}

impl Attestation {
    /// The 84-byte preimage: `"TRESTLE" || version || origin || origin bridge || epoch ||
    /// message id`.
    pub fn preimage(&self) -> [u8; 84] {
        let mut out = [0u8; 84];
        let parts: [&[u8]; 6] = [
            PROTOCOL_TAG,
            &[VERSION],
            &self.origin.to_be_bytes(),
            self.origin_bridge.as_bytes(),
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
            epoch: 9,
            message_id: [0x22; 32],
        };
        let p = a.preimage();
        assert_eq!(&p[..7], b"TRESTLE");
        assert_eq!(p[7], 1);
        assert_eq!(&p[8..12], &[1, 2, 3, 4]);
        assert_eq!(&p[12..44], &[0x11; 32]);
        assert_eq!(&p[44..52], &9u64.to_be_bytes());
        assert_eq!(&p[52..84], &[0x22; 32]);
        let mut prefixed = b"\x19Ethereum Signed Message:\n32".to_vec();
        prefixed.extend_from_slice(&a.inner_hash());
        assert_eq!(a.digest(), keccak256(prefixed));
    }
}
