//! Web3 Secret Storage v3 keystore files (geth, ethers, MetaMask exports).

use trestle_core::wallet::keystore::{self, KdfParams, Keystore};
use zeroize::Zeroizing;

use crate::error::{Result, TrestleError};

/// How expensive the password-to-key derivation of a new keystore is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum KeystoreKdf {
    /// geth's standard scrypt (`n = 2^18, r = 8, p = 1`, 256 MiB): the default of geth and
    /// ethers. Takes about a second on a phone; run it off the UI thread.
    ScryptStandard,
    /// geth's light scrypt (`n = 2^12, r = 8, p = 6`, 4 MiB).
    ScryptLight,
    /// scrypt with explicit parameters (`n` a power of two; at most 256 MiB of memory).
    Scrypt {
        /// CPU/memory cost, a power of two greater than 1.
        n: u64,
        /// Block size.
        r: u32,
        /// Parallelism.
        p: u32,
    },
    /// PBKDF2-HMAC-SHA256 with `iterations` (1 to 10 million).
    Pbkdf2 {
        /// Iteration count.
        iterations: u32,
    },
}

impl KeystoreKdf {
    fn to_params(self) -> Result<KdfParams> {
        Ok(match self {
            Self::ScryptStandard => KdfParams::scrypt_standard(),
            Self::ScryptLight => KdfParams::scrypt_light(),
            Self::Scrypt { n, r, p } => KdfParams::scrypt(n, r, p)?,
            Self::Pbkdf2 { iterations } => KdfParams::pbkdf2(iterations)?,
        })
    }
}

/// Encrypts a 32-byte secp256k1 private key under `password` (its UTF-8 bytes) into a
/// keystore file (JSON) that geth and ethers open.
///
/// Refuses a key that is not 32 bytes or not a valid secp256k1 scalar (`InvalidKey`) and KDF
/// parameters out of range (`InvalidKeystore`).
#[uniffi::export]
pub fn keystore_encrypt(
    private_key: Vec<u8>,
    password: String,
    kdf: KeystoreKdf,
) -> Result<String> {
    let private_key = Zeroizing::new(private_key);
    let password = Zeroizing::new(password);
    let mut key = Zeroizing::new([0u8; 32]);
    if private_key.len() != 32 {
        return Err(TrestleError::InvalidKey(format!(
            "invalid key: a secp256k1 private key is 32 bytes, got {}",
            private_key.len()
        )));
    }
    key.copy_from_slice(&private_key);
    Ok(keystore::encrypt(
        &key,
        password.as_bytes(),
        kdf.to_params()?,
    )?)
}

/// Decrypts a keystore file with `password` (its UTF-8 bytes) and returns the 32-byte private
/// key. This is a secret: zero the returned bytes when done.
///
/// Refuses a file that is not valid Web3 Secret Storage v3 or asks for more KDF work than the
/// limits (`InvalidKeystore`), and a wrong password (`KeystoreWrongPassword`).
#[uniffi::export]
pub fn keystore_decrypt(json: String, password: String) -> Result<Vec<u8>> {
    let password = Zeroizing::new(password);
    let key = keystore::decrypt(&json, password.as_bytes())?;
    Ok(key.to_vec())
}

/// The address a keystore file declares (EIP-55), without decrypting it; `None` if it declares
/// none. Refuses a file that is not valid Web3 Secret Storage v3 (`InvalidKeystore`).
#[uniffi::export]
pub fn keystore_address(json: String) -> Result<Option<String>> {
    let ks = Keystore::parse(&json)?;
    Ok(ks
        .address()
        .map(|a| trestle_core::evm::EvmAddress::new(a).to_checksum()))
}
