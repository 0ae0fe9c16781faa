//! M-of-N verification of a signature set, in the exact order of checks every implementation
//! uses (so that all of them name the same first failure).
//!
//! 1. the set is a whole number of 65-byte `r || s || v` signatures ([`Error::BadLength`]);
//! 2. for each signature in order: `v` is 27 or 28 ([`Error::BadV`]); `s <= n/2`
//!    ([`Error::HighS`]); a non-zero signer recovers ([`Error::RecoveryFailed`]); the signer is
//!    above the previous one ([`Error::Duplicate`] if equal, [`Error::Unsorted`] if below); the
//!    signer is in the set ([`Error::NotMember`]);
//! 3. at least `threshold` signatures ([`Error::BelowThreshold`]).
//!
//! [`verify_attestation`] first checks the attestation's epoch against the set's
//! ([`Error::WrongEpoch`]). On chain the epoch is not an input: the bridge builds the digest
//! with its current epoch, so a set signed for another epoch fails at step 2 instead.

use trestle_core::evm::{EvmAddress, Signature};

use crate::attestation::Attestation;
use crate::error::{Error, Result};
use crate::validator_set::ValidatorSet;

/// Length of one signature: `r (32) || s (32) || v (1)`.
pub const SIGNATURE_LEN: usize = 65;

/// `secp256k1n / 2`, big-endian: an `s` above it is refused.
pub const HALF_CURVE_ORDER: [u8; 32] = [
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
];

/// Verifies `signatures` over `attestation` against `set`: the attestation's epoch must be
/// the set's, then [`verify_digest`] with its digest. Returns the signers, ascending.
pub fn verify_attestation(
    set: &ValidatorSet,
    attestation: &Attestation,
    signatures: &[u8],
) -> Result<Vec<EvmAddress>> {
    if attestation.epoch != set.epoch() {
        return Err(Error::WrongEpoch {
            expected: set.epoch(),
            got: attestation.epoch,
        });
    }
    verify_digest(set, &attestation.digest(), signatures)
}

/// Verifies a concatenated signature set over `digest` against `set` (see the module docs
/// for the order of checks). Returns the signers, ascending.
pub fn verify_digest(
    set: &ValidatorSet,
    digest: &[u8; 32],
    signatures: &[u8],
) -> Result<Vec<EvmAddress>> {
    if !signatures.len().is_multiple_of(SIGNATURE_LEN) {
        return Err(Error::BadLength {
            len: signatures.len(),
        });
    }
    let mut signers: Vec<EvmAddress> = Vec::with_capacity(signatures.len() / SIGNATURE_LEN);
    for (index, chunk) in signatures.chunks_exact(SIGNATURE_LEN).enumerate() {
        let signer = recover_strict(index, chunk, digest)?;
        if let Some(previous) = signers.last() {
            if signer == *previous {
                return Err(Error::Duplicate { index, signer });
            }
            if signer < *previous {
                return Err(Error::Unsorted {
                    index,
                    signer,
                    previous: *previous,
                });
            }
        }
        if !set.contains(&signer) {
            return Err(Error::NotMember {
                index,
                signer,
                epoch: set.epoch(),
            });
        }
        signers.push(signer);
    }
    if signers.len() < set.threshold() {
        return Err(Error::BelowThreshold {
            got: signers.len(),
            threshold: set.threshold(),
        });
    }
    Ok(signers)
}

/// Recovers one 65-byte signature as the bridges do: `v` in {27, 28}, low `s`, a non-zero
/// signer. `index` only labels errors.
pub fn recover_strict(index: usize, sig: &[u8], digest: &[u8; 32]) -> Result<EvmAddress> {
    let bytes: &[u8; SIGNATURE_LEN] = sig
        .try_into()
        .map_err(|_| Error::BadLength { len: sig.len() })?;
    let (r, rest) = bytes.split_at(32);
    let (s, v) = rest.split_at(32);
    let y_parity = match v {
        [27] => false,
        [28] => true,
        _ => {
            return Err(Error::BadV {
                index,
                v: v.first().copied().unwrap_or_default(),
            });
        }
    };
    if s > HALF_CURVE_ORDER.as_slice() {
        return Err(Error::HighS { index });
    }
    let mut parsed = Signature {
        r: [0; 32],
        s: [0; 32],
        y_parity,
    };
    parsed.r.copy_from_slice(r);
    parsed.s.copy_from_slice(s);
    match parsed.recover_address(digest) {
        Ok(signer) if signer != EvmAddress::ZERO => Ok(signer),
        _ => Err(Error::RecoveryFailed { index }),
    }
}

#[cfg(test)]
mod tests {
    use trestle_core::evm::EvmSigner;

    use super::*;

    fn signers(n: u8) -> Vec<EvmSigner> {
        let mut v: Vec<_> = (1..=n)
            .map(|i| EvmSigner::from_private_key(&[i; 32]).unwrap())
            .collect();
        v.sort_by_key(|s| s.address());
        v
    }

    #[test]
    fn accepts_sorted_and_refuses_each_case() {
        let keys = signers(3);
        let set = ValidatorSet::new(1, keys.iter().map(|k| k.address()).collect(), 2).unwrap();
        let digest = [7u8; 32];
        let sig = |k: &EvmSigner| k.sign_hash(&digest).unwrap().to_bytes();
        let ok: Vec<u8> = keys.iter().take(2).flat_map(sig).collect();
        assert_eq!(verify_digest(&set, &digest, &ok).unwrap().len(), 2);
        assert_eq!(
            verify_digest(&set, &digest, &ok[..64]).unwrap_err().code(),
            "bad_length"
        );
        let one: Vec<u8> = sig(&keys[0]).to_vec();
        assert_eq!(
            verify_digest(&set, &digest, &one).unwrap_err().code(),
            "below_threshold"
        );
        let rev: Vec<u8> = keys.iter().take(2).rev().flat_map(sig).collect();
        assert_eq!(
            verify_digest(&set, &digest, &rev).unwrap_err().code(),
            "unsorted"
        );
        let dup: Vec<u8> = [sig(&keys[0]), sig(&keys[0])].concat();
        assert_eq!(
            verify_digest(&set, &digest, &dup).unwrap_err().code(),
            "duplicate"
        );
        let mut bad_v = one.clone();
        bad_v[64] = 1;
        assert_eq!(
            verify_digest(&set, &digest, &bad_v).unwrap_err().code(),
            "bad_v"
        );
        let mut high = one.clone();
        high[32] = 0xff;
        assert_eq!(
            verify_digest(&set, &digest, &high).unwrap_err().code(),
            "high_s"
        );
        let mut zero_r = one.clone();
        zero_r[..32].fill(0);
        assert_eq!(
            verify_digest(&set, &digest, &zero_r).unwrap_err().code(),
            "recovery_failed"
        );
        let outsider = EvmSigner::from_private_key(&[99; 32]).unwrap();
        assert_eq!(
            verify_digest(&set, &digest, &sig(&outsider))
                .unwrap_err()
                .code(),
            "not_member"
        );
    }
}
