//! Validator sets and the M-of-N signature check, in the order docs/protocol.md fixes.

use crate::crypto::recover_signer;
use crate::error::BridgeError;

/// Most validators in a set (protocol cap).
pub const MAX_VALIDATORS: usize = 255;
/// Bytes of a signature `r || s || v`.
pub const SIGNATURE_LEN: usize = 65;

/// Checks a validator set for configuration: epoch >= 1, non-empty, at most 255, no zero
/// address, strictly ascending, `1 <= threshold <= n`, and `threshold >= ceil(2n/3)`.
/// `validators` is the flat 20-byte list.
pub fn validate_set(epoch: u64, threshold: u8, validators: &[u8]) -> Result<(), BridgeError> {
    if epoch == 0 {
        return Err(BridgeError::ZeroEpoch);
    }
    if validators.is_empty() {
        return Err(BridgeError::EmptyValidatorSet);
    }
    if !validators.len().is_multiple_of(20) {
        return Err(BridgeError::InvalidInstructionData);
    }
    let n = validators.len() / 20;
    if n > MAX_VALIDATORS {
        return Err(BridgeError::TooManyValidators);
    }
    let mut previous: Option<&[u8]> = None;
    for v in validators.chunks_exact(20) {
        if v.iter().all(|b| *b == 0) {
            return Err(BridgeError::ZeroValidator);
        }
        if previous.is_some_and(|p| v <= p) {
            return Err(BridgeError::ValidatorsNotAscending);
        }
        previous = Some(v);
    }
    let t = threshold as usize;
    if t == 0 || t > n {
        return Err(BridgeError::InvalidThreshold);
    }
    if t * 3 < 2 * n {
        return Err(BridgeError::ThresholdBelowTwoThirds);
    }
    Ok(())
}

/// Whether `signer` is in the strictly ascending flat list `validators` (binary search).
pub fn is_member(validators: &[u8], signer: &[u8; 20]) -> bool {
    let n = validators.len() / 20;
    let (mut lo, mut hi) = (0usize, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let Some(v) = validators.get(mid * 20..mid * 20 + 20) else {
            return false;
        };
        match v.cmp(signer.as_slice()) {
            core::cmp::Ordering::Equal => return true,
            core::cmp::Ordering::Less => lo = mid + 1,
            core::cmp::Ordering::Greater => hi = mid,
        }
    }
    false
}

/// Verifies `signatures` (concatenated 65-byte signatures) over `digest`, continuing after
/// `previous` (the last signer already accepted, for staged sets), and calls `accept` with each
/// signer in order. Returns the number of signatures. Order of checks: `bad_length`, then per
/// signature `bad_v`, `high_s`, `recovery_failed`, `duplicate`/`unsorted`, `not_member`.
#[inline(always)]
pub fn verify_signatures(
    digest: &[u8; 32],
    signatures: &[u8],
    validators: &[u8],
    mut previous: Option<[u8; 20]>,
    mut accept: impl FnMut([u8; 20]) -> Result<(), BridgeError>,
) -> Result<usize, BridgeError> {
    if !signatures.len().is_multiple_of(SIGNATURE_LEN) {
        return Err(BridgeError::BadLength);
    }
    let mut count = 0usize;
    for sig in signatures.chunks_exact(SIGNATURE_LEN) {
        let signer = recover_signer(digest, sig)?;
        if let Some(p) = previous {
            if signer == p {
                return Err(BridgeError::Duplicate);
            }
            if signer < p {
                return Err(BridgeError::Unsorted);
            }
        }
        if !is_member(validators, &signer) {
            return Err(BridgeError::NotMember);
        }
        accept(signer)?;
        previous = Some(signer);
        count += 1;
    }
    Ok(count)
}
