//! The relayer's Solana key: a Web3 Secret Storage v3 file whose secret is the 32-byte ed25519
//! seed, with its password in the environment variable the configuration names.

use trestle_core::solana::SolanaSigner;
use trestle_core::wallet::keystore;
use zeroize::Zeroizing;

use crate::config::{Config, KeyConfig};
use crate::error::{Error, Result};

/// The Solana keys of the enabled roles.
#[derive(Debug, Clone, Default)]
pub struct SolanaKeys {
    /// The relayer's fee payer on Solana destinations (`[relayer.solana]`).
    pub relayer: Option<SolanaSigner>,
}

impl SolanaKeys {
    /// Decrypts the keystores the configuration names (`[relayer.solana]`), with the
    /// passwords from their environment variables.
    pub fn load(config: &Config) -> Result<Self> {
        let relayer = config
            .relayer
            .as_ref()
            .and_then(|r| r.solana.as_ref())
            .map(|k| load_solana_signer("relayer.solana", &k.key()))
            .transpose()?;
        Ok(Self { relayer })
    }
}

/// Decrypts the keystore of `key` (its secret is the ed25519 seed) with the password in its
/// environment variable. `what` names the key in errors.
pub fn load_solana_signer(what: &str, key: &KeyConfig) -> Result<SolanaSigner> {
    let secret = |reason: String| Error::Secret {
        what: what.to_owned(),
        reason,
    };
    let password = Zeroizing::new(std::env::var(&key.password_env).map_err(|_| {
        secret(format!(
            "environment variable {} is not set (it holds the keystore password)",
            key.password_env
        ))
    })?);
    let json = Zeroizing::new(std::fs::read_to_string(&key.keystore).map_err(|e| {
        secret(format!(
            "cannot read keystore {}: {e}",
            key.keystore.display()
        ))
    })?);
    let seed = keystore::decrypt(&json, password.as_bytes()).map_err(|e| {
        secret(format!(
            "keystore {} does not decrypt: {e}",
            key.keystore.display()
        ))
    })?;
    Ok(SolanaSigner::from_secret_key(&seed))
}
