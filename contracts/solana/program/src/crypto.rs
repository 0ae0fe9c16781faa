//! Keccak-256, SHA-256 and secp256k1 public-key recovery through the runtime's syscalls.

use crate::error::BridgeError;

/// `keccak256` of the concatenation of `parts` (`sol_keccak256` hashes a list of slices).
pub fn keccak256(parts: &[&[u8]]) -> [u8; 32] {
    #[allow(unused_mut)]
    let mut out = [0u8; 32];
    #[cfg(target_arch = "bpf")]
    // SAFETY: `parts` is a slice of (pointer, length) fat pointers, the layout the syscall reads;
    // `out` has the 32 bytes the syscall writes.
    unsafe {
        solana_define_syscall::definitions::sol_keccak256(
            parts.as_ptr() as *const u8,
            parts.len() as u64,
            out.as_mut_ptr(),
        );
    }
    #[cfg(not(target_arch = "bpf"))]
    {
        let _ = parts;
    }
    out
}

/// `sha256` of the concatenation of `parts` (`sol_sha256`, a static syscall on sbpf-linker's
/// list). Costs `max(100, len / 2)` compute units per part besides its base of 85.
pub fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    #[allow(unused_mut)]
    let mut out = [0u8; 32];
    #[cfg(target_arch = "bpf")]
    // SAFETY: as `keccak256`: (pointer, length) pairs in, 32 bytes written.
    unsafe {
        solana_define_syscall::definitions::sol_sha256(
            parts.as_ptr() as *const u8,
            parts.len() as u64,
            out.as_mut_ptr(),
        );
    }
    #[cfg(not(target_arch = "bpf"))]
    {
        let _ = parts;
    }
    out
}

/// secp256k1n / 2, big-endian: the largest `s` accepted (no malleable high-s signatures).
const HALF_N: [u8; 32] = [
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
];

/// Recovers the Ethereum address that signed `digest` with the 65-byte `r || s || v`
/// signature, in the protocol's order of checks: `v` in {27, 28} (`bad_v`), `s <= n/2`
/// (`high_s`), a non-zero signer recovers (`recovery_failed`).
pub fn recover_signer(digest: &[u8; 32], sig: &[u8]) -> Result<[u8; 20], BridgeError> {
    let rs = sig.get(..64).ok_or(BridgeError::BadLength)?;
    let v = *sig.get(64).ok_or(BridgeError::BadLength)?;
    let recovery_id = match v {
        27 => 0u64,
        28 => 1u64,
        _ => return Err(BridgeError::BadV),
    };
    let s = rs.get(32..64).ok_or(BridgeError::BadLength)?;
    if s > HALF_N.as_slice() {
        return Err(BridgeError::HighS);
    }
    #[allow(unused_mut)]
    let mut pubkey = [0u8; 64];
    #[cfg(target_arch = "bpf")]
    // SAFETY: the syscall reads 32 bytes of digest and 64 of signature and writes 64 bytes.
    let rc = unsafe {
        solana_define_syscall::definitions::sol_secp256k1_recover(
            digest.as_ptr(),
            recovery_id,
            rs.as_ptr(),
            pubkey.as_mut_ptr(),
        )
    };
    #[cfg(not(target_arch = "bpf"))]
    let rc = {
        let _ = (digest, recovery_id);
        1u64
    };
    if rc != 0 {
        return Err(BridgeError::RecoveryFailed);
    }
    let hash = keccak256(&[&pubkey]);
    let mut signer = [0u8; 20];
    signer.copy_from_slice(hash.get(12..32).ok_or(BridgeError::RecoveryFailed)?);
    if signer == [0u8; 20] {
        return Err(BridgeError::RecoveryFailed);
    }
    Ok(signer)
}
