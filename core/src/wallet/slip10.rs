//! SLIP-0010 ed25519 key derivation, the scheme Solana wallets use on a BIP39 seed.
//!
//! The master key is `HMAC-SHA512(key = "ed25519 seed", data = seed)`; each child is
//! `HMAC-SHA512(key = c_par, data = 0x00 || k_par || ser32(i))` and must be hardened: ed25519
//! has no non-hardened derivation. The private key is the 32-byte ed25519 secret seed
//! (RFC 8032), and the public key is the one `ed25519-dalek` computes from it.

use std::fmt;

use ed25519_dalek::SigningKey;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::{Error, Result};
use crate::wallet::bip32::hmac_sha512;
use crate::wallet::path::{ChildNumber, DerivationPath, MAX_DEPTH};

/// The HMAC key of the SLIP-10 ed25519 master key.
const MASTER_HMAC_KEY: &[u8] = b"ed25519 seed";

/// The reason given for a non-hardened component.
const HARDENED_ONLY: &str = "ed25519 (SLIP-10) derivation supports hardened components only";

/// An ed25519 private key and chain code derived per SLIP-10.
///
/// Both secrets are zeroized on drop; `Debug` prints only the position in the tree, and there
/// is no `Display`.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Slip10Key {
    private_key: [u8; 32],
    chain_code: [u8; 32],
    #[zeroize(skip)]
    depth: u8,
    #[zeroize(skip)]
    child_number: ChildNumber,
}

impl fmt::Debug for Slip10Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Slip10Key")
            .field("depth", &self.depth)
            .field("child_number", &self.child_number)
            .field("private_key", &"<redacted>")
            .field("chain_code", &"<redacted>")
            .finish()
    }
}

/// Derives the ed25519 key at `path` from a BIP39 seed (for example
/// `m/44'/501'/0'/0'` for the first Solana account).
///
/// Refuses seeds shorter than 16 or longer than 64 bytes, and paths with a non-hardened
/// component ([`Error::InvalidPath`]: "ed25519 (SLIP-10) derivation supports hardened
/// components only", naming the component).
pub fn derive_path(seed: &[u8], path: &DerivationPath) -> Result<Slip10Key> {
    Slip10Key::new_master(seed)?.derive_path(path)
}

impl Slip10Key {
    /// The master key of `seed`: `I_L` of `HMAC-SHA512("ed25519 seed", seed)` is the key and
    /// `I_R` the chain code. Every 32-byte value is a valid ed25519 secret, so only the seed
    /// length can be refused: it must be 16 to 64 bytes.
    pub fn new_master(seed: &[u8]) -> Result<Self> {
        if !(16..=64).contains(&seed.len()) {
            return Err(Error::InvalidKey(format!(
                "a SLIP-10 seed is 16 to 64 bytes, got {}",
                seed.len()
            )));
        }
        let i = hmac_sha512(MASTER_HMAC_KEY, &[seed])?;
        Self::from_hmac(&i, 0, ChildNumber::from_raw(0))
    }

    /// The hardened child `child` of this key. Refuses a non-hardened child (ed25519 has none)
    /// and derivation below depth 255.
    pub fn derive_child(&self, child: ChildNumber) -> Result<Self> {
        if !child.is_hardened() {
            return Err(Error::InvalidPath {
                path: child.to_string(),
                reason: format!("{HARDENED_ONLY}: use {}'", child.index()),
            });
        }
        let depth = self
            .depth
            .checked_add(1)
            .filter(|d| usize::from(*d) <= MAX_DEPTH)
            .ok_or_else(|| Error::InvalidPath {
                path: child.to_string(),
                reason: format!("cannot derive below the maximum depth of {MAX_DEPTH}"),
            })?;
        let i = hmac_sha512(
            &self.chain_code,
            &[&[0u8], &self.private_key, &child.to_raw().to_be_bytes()],
        )?;
        Self::from_hmac(&i, depth, child)
    }

    /// The key at `path`, read relative to this key (`m` is this key itself).
    ///
    /// Checks the whole path before deriving anything: refuses a non-hardened component
    /// (naming it and its 1-based position) and paths deeper than 255 in total.
    pub fn derive_path(&self, path: &DerivationPath) -> Result<Self> {
        if let Some((position, child)) = path
            .iter()
            .enumerate()
            .find(|(_, child)| !child.is_hardened())
        {
            return Err(Error::InvalidPath {
                path: path.to_string(),
                reason: format!(
                    "{HARDENED_ONLY}: component {} ({child}) is not hardened",
                    position + 1
                ),
            });
        }
        if usize::from(self.depth) + path.depth() > MAX_DEPTH {
            return Err(Error::InvalidPath {
                path: path.to_string(),
                reason: format!(
                    "deriving {} levels below depth {} exceeds the maximum depth of {MAX_DEPTH}",
                    path.depth(),
                    self.depth
                ),
            });
        }
        let mut key = self.clone();
        for &child in path {
            key = key.derive_child(child)?;
        }
        Ok(key)
    }

    /// The 32-byte ed25519 secret key (the RFC 8032 seed, not the expanded key), zeroized when
    /// the returned value drops.
    pub fn private_key(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.private_key)
    }

    /// The 32-byte chain code, zeroized when the returned value drops.
    pub fn chain_code(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.chain_code)
    }

    /// The 32-byte ed25519 public key (a Solana address is its base58 form). SLIP-10 prints it
    /// with a `00` prefix; this is the key without that prefix.
    pub fn public_key(&self) -> [u8; 32] {
        self.signing_key().verifying_key().to_bytes()
    }

    /// The `ed25519-dalek` signing key (zeroized on drop), for signing.
    pub fn signing_key(&self) -> SigningKey {
        SigningKey::from_bytes(&self.private_key)
    }

    /// The depth in the tree: 0 for the master key.
    pub fn depth(&self) -> u8 {
        self.depth
    }

    /// The child number this key was derived with (`0` for the master key).
    pub fn child_number(&self) -> ChildNumber {
        self.child_number
    }

    /// Splits `I` into the key (`I_L`) and chain code (`I_R`).
    fn from_hmac(i: &[u8; 64], depth: u8, child_number: ChildNumber) -> Result<Self> {
        let (il, ir) = i
            .split_first_chunk::<32>()
            .ok_or_else(|| Error::InvalidKey("HMAC-SHA512 output is too short".to_owned()))?;
        let ir: &[u8; 32] = ir
            .try_into()
            .map_err(|_| Error::InvalidKey("HMAC-SHA512 output has the wrong length".to_owned()))?;
        Ok(Slip10Key {
            private_key: *il,
            chain_code: *ir,
            depth,
            child_number,
        })
    }
}

#[cfg(test)]
mod tests;
