//! The Solana ed25519 signer: a secret key that signs messages, transactions and off-chain
//! messages, and strict signature verification.

use std::fmt;

use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use rand_core::{OsRng, RngCore};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::solana::address::SolanaAddress;
use crate::solana::offchain::OffchainMessage;

/// An ed25519 key pair for Solana. The secret is zeroized on drop and never printed: `Debug`
/// shows only the public key.
#[derive(Clone)]
pub struct SolanaSigner {
    key: SigningKey,
}

impl SolanaSigner {
    /// A signer from the 32-byte ed25519 secret key (the seed, as SLIP-10 derivation yields).
    /// Every 32-byte value is a valid seed.
    pub fn from_secret_key(secret: &[u8; 32]) -> Self {
        Self {
            key: SigningKey::from_bytes(secret),
        }
    }

    /// A signer from the 64-byte `secret || public` form that solana-keygen's JSON files and
    /// Phantom's export use. Refuses bytes whose public half is not the secret half's key.
    pub fn from_keypair_bytes(bytes: &[u8; 64]) -> Result<Self> {
        let (secret, public) = bytes.split_at(32);
        let secret: Zeroizing<[u8; 32]> = Zeroizing::new(
            secret
                .try_into()
                .map_err(|_| Error::InvalidKey("keypair is not 64 bytes".to_owned()))?,
        );
        let signer = Self::from_secret_key(&secret);
        if signer.pubkey().as_bytes().as_slice() != public {
            let claimed = public
                .try_into()
                .map(SolanaAddress)
                .map(|a| a.to_string())
                .unwrap_or_default();
            return Err(Error::InvalidKey(format!(
                "keypair's public half {claimed} is not the public key of its secret half \
                 ({})",
                signer.pubkey()
            )));
        }
        Ok(signer)
    }

    /// A signer from the base58 text of the 64-byte `secret || public` keypair (Phantom's and
    /// Solflare's "export private key"). Refuses text that is not base58 of 64 bytes or whose
    /// public half does not match. The error never repeats the text.
    pub fn from_base58_keypair(text: &str) -> Result<Self> {
        // 64 bytes take at most 88 base58 characters; refuse longer text before decoding.
        if text.trim().len() > 88 {
            return Err(Error::InvalidKey(
                "base58 keypair is longer than 88 characters; expected 64 bytes".to_owned(),
            ));
        }
        let mut bytes = Zeroizing::new([0u8; 64]);
        let len = bs58::decode(text.trim())
            .onto(bytes.as_mut_slice())
            .map_err(|_| Error::InvalidKey("keypair text is not base58 of 64 bytes".to_owned()))?;
        if len != 64 {
            return Err(Error::InvalidKey(format!(
                "base58 keypair decodes to {len} bytes, expected 64"
            )));
        }
        Self::from_keypair_bytes(&bytes)
    }

    /// A signer from a solana-keygen JSON keypair file's contents: an array of 64 numbers,
    /// `secret || public`. Refuses anything else without repeating the contents.
    pub fn from_keypair_json(json: &str) -> Result<Self> {
        let numbers: Zeroizing<Vec<u8>> =
            Zeroizing::new(serde_json::from_str(json).map_err(|_| {
                Error::InvalidKey(
                    "keypair JSON is not an array of numbers from 0 to 255".to_owned(),
                )
            })?);
        let bytes: Zeroizing<[u8; 64]> =
            Zeroizing::new(numbers.as_slice().try_into().map_err(|_| {
                Error::InvalidKey(format!(
                    "keypair JSON has {} numbers, expected 64",
                    numbers.len()
                ))
            })?);
        Self::from_keypair_bytes(&bytes)
    }

    /// A new random signer from the operating system's random number generator.
    pub fn generate() -> Result<Self> {
        let mut seed = Zeroizing::new([0u8; 32]);
        OsRng
            .try_fill_bytes(seed.as_mut())
            .map_err(|e| Error::Rng(e.to_string()))?;
        Ok(Self::from_secret_key(&seed))
    }

    /// The 64-byte `secret || public` form (solana-keygen / Phantom export), zeroized on drop.
    pub fn to_keypair_bytes(&self) -> Zeroizing<[u8; 64]> {
        Zeroizing::new(self.key.to_keypair_bytes())
    }

    /// The public key, which is the wallet's address.
    pub fn pubkey(&self) -> SolanaAddress {
        SolanaAddress(self.key.verifying_key().to_bytes())
    }

    /// Signs raw bytes with ed25519 (what a transaction signature is over its message, and
    /// what Phantom's and Solflare's `signMessage` do).
    pub fn sign_message(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }

    /// Signs `message` as a Solana off-chain message (version 0), as
    /// `solana sign-offchain-message` does. Refuses an empty or too long message.
    pub fn sign_offchain_message(&self, message: &str) -> Result<[u8; 64]> {
        let bytes = OffchainMessage::new(message.as_bytes())?.serialize();
        Ok(self.sign_message(&bytes))
    }

    /// Checks an ed25519 signature strictly (`verify_strict`: no small-order keys or
    /// non-canonical signatures). The error says whether the key or the signature is wrong.
    pub fn verify(pubkey: &SolanaAddress, message: &[u8], signature: &[u8; 64]) -> Result<()> {
        let key = VerifyingKey::from_bytes(pubkey.as_bytes()).map_err(|_| {
            Error::InvalidSignature(format!("{pubkey} is not an ed25519 public key"))
        })?;
        key.verify_strict(message, &Signature::from_bytes(signature))
            .map_err(|_| {
                Error::InvalidSignature(format!(
                    "the signature {} does not verify for {pubkey}",
                    bs58::encode(signature).into_string()
                ))
            })
    }

    /// Checks a signature made by [`SolanaSigner::sign_offchain_message`].
    pub fn verify_offchain_message(
        pubkey: &SolanaAddress,
        message: &str,
        signature: &[u8; 64],
    ) -> Result<()> {
        let bytes = OffchainMessage::new(message.as_bytes())?.serialize();
        Self::verify(pubkey, &bytes, signature)
    }
}

impl fmt::Debug for SolanaSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SolanaSigner")
            .field("pubkey", &self.pubkey())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keypair_bytes_round_trip_and_mismatch() {
        let signer = SolanaSigner::from_secret_key(&[9; 32]);
        let bytes = signer.to_keypair_bytes();
        let again = SolanaSigner::from_keypair_bytes(&bytes).unwrap();
        assert_eq!(again.pubkey(), signer.pubkey());
        let mut bad = *bytes;
        bad[40] ^= 1;
        let err = SolanaSigner::from_keypair_bytes(&bad).unwrap_err();
        assert!(err.to_string().contains("is not the public key"), "{err}");
    }

    #[test]
    fn keypair_text_formats() {
        let signer = SolanaSigner::from_secret_key(&[5; 32]);
        let bytes = signer.to_keypair_bytes();
        let b58 = bs58::encode(bytes.as_slice()).into_string();
        assert_eq!(
            SolanaSigner::from_base58_keypair(&b58).unwrap().pubkey(),
            signer.pubkey()
        );
        let json = serde_json::to_string(&bytes.to_vec()).unwrap();
        assert_eq!(
            SolanaSigner::from_keypair_json(&json).unwrap().pubkey(),
            signer.pubkey()
        );
        assert!(SolanaSigner::from_keypair_json("[1,2,3]").is_err());
        assert!(SolanaSigner::from_keypair_json("[1,2,300]").is_err());
        assert!(SolanaSigner::from_base58_keypair("0OIl").is_err());
        assert!(SolanaSigner::from_base58_keypair(&b58[..80]).is_err());
        let err = SolanaSigner::from_base58_keypair(&b58[..80])
            .unwrap_err()
            .to_string();
        assert!(!err.contains(&b58[..20]), "{err}");
    }

    #[test]
    fn debug_hides_the_secret() {
        let signer = SolanaSigner::from_secret_key(&[9; 32]);
        let debug = format!("{signer:?}");
        assert!(debug.contains(&signer.pubkey().to_string()));
        assert!(!debug.contains("9, 9"));
    }

    #[test]
    fn sign_and_verify() {
        let signer = SolanaSigner::generate().unwrap();
        let sig = signer.sign_message(b"hello");
        SolanaSigner::verify(&signer.pubkey(), b"hello", &sig).unwrap();
        assert!(SolanaSigner::verify(&signer.pubkey(), b"hellO", &sig).is_err());
        let sig = signer.sign_offchain_message("hello").unwrap();
        SolanaSigner::verify_offchain_message(&signer.pubkey(), "hello", &sig).unwrap();
        assert!(SolanaSigner::verify(&signer.pubkey(), b"hello", &sig).is_err());
    }
}
