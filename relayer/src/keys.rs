//! Signing keys of the daemon: Web3 Secret Storage files whose password is read from the
//! environment variable the configuration names (never from the file itself). One loader for
//! every role and chain kind: the file's secret is a secp256k1 private key for the EVM keys
//! (`[validator]`, `[relayer]`, `[fee_oracle]`) and the 32-byte ed25519 seed for the Solana
//! keys (the relayer's fee payer on Solana destinations, `[relayer.solana]`, and the fee
//! oracle's key on Solana origins, `[fee_oracle.solana]`).

use trestle_core::evm::{EvmAddress, EvmSigner};
use trestle_core::solana::{SolanaAddress, SolanaSigner};
use trestle_core::wallet::keystore;
use zeroize::Zeroizing;

use crate::config::{Config, KeyConfig};
use crate::error::{Error, Result};

mod pkcs11;
pub use pkcs11::{check_evm_key, load_evm_key, open_evm_key};

/// The keys of the enabled roles.
#[derive(Debug, Clone, Default)]
pub struct Keys {
    /// The validator's attestation key (`[validator]`).
    pub validator: Option<EvmSigner>,
    /// The relayer's transaction key on EVM destinations (`[relayer]`).
    pub relayer: Option<EvmSigner>,
    /// The relayer's fee payer on Solana destinations (`[relayer.solana]`).
    pub relayer_solana: Option<SolanaSigner>,
    /// The fee oracle's key on EVM origins (`[fee_oracle]`).
    pub fee_oracle: Option<EvmSigner>,
    /// The fee oracle's key on Solana origins (`[fee_oracle.solana]`).
    pub fee_oracle_solana: Option<SolanaSigner>,
}

impl Keys {
    /// Decrypts the keystores the configuration names, with the passwords from their
    /// environment variables.
    pub fn load(config: &Config) -> Result<Self> {
        let relayer = config.relayer.as_ref();
        let keys = Self {
            validator: config
                .validator
                .as_ref()
                .map(|v| load_evm_key("validator", &v.key_source()))
                .transpose()?,
            relayer: relayer
                .map(|r| load_evm_key("relayer", &r.key_source()))
                .transpose()?,
            relayer_solana: relayer
                .and_then(|r| r.solana.as_ref())
                .map(|k| load_solana_signer("relayer.solana", &k.key()))
                .transpose()?,
            fee_oracle: config
                .fee_oracle
                .as_ref()
                .map(|o| load_signer("fee_oracle", &o.key()))
                .transpose()?,
            fee_oracle_solana: config
                .fee_oracle
                .as_ref()
                .and_then(|o| o.solana.as_ref())
                .map(|k| load_solana_signer("fee_oracle.solana", &k.key()))
                .transpose()?,
        };
        keys.check_distinct()?;
        Ok(keys)
    }

    /// Refuses a fee-oracle key that is also the relayer's or the validator's: its updates
    /// and the relayer's deliveries would share nonces (and the oracle is its own key); on
    /// Solana, one that is also the relayer's fee payer.
    pub fn check_distinct(&self) -> Result<()> {
        if let (Some(oracle), Some(payer)) = (&self.fee_oracle_solana, &self.relayer_solana)
            && oracle.pubkey() == payer.pubkey()
        {
            return Err(Error::config(
                "fee_oracle.solana.keystore",
                format!(
                    "the fee oracle's Solana key is also the relayer's fee payer ({}): give it its own",
                    oracle.pubkey()
                ),
            ));
        }
        let Some(oracle) = &self.fee_oracle else {
            return Ok(());
        };
        for (role, other) in [("relayer", &self.relayer), ("validator", &self.validator)] {
            if other
                .as_ref()
                .is_some_and(|k| k.address() == oracle.address())
            {
                return Err(Error::config(
                    "fee_oracle.keystore",
                    format!(
                        "the fee oracle's key is also the {role}'s ({}): give it its own",
                        oracle.address()
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// Reads and parses the keystore of `key` and the password in its environment variable.
/// `what` names the key in errors ("validator", "relayer", "relayer.solana"); no error holds
/// the password or the secret.
fn open(what: &str, key: &KeyConfig) -> Result<(keystore::Keystore, Zeroizing<String>)> {
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
    let parsed = keystore::Keystore::parse(&json)
        .map_err(|e| secret(format!("keystore {}: {e}", key.keystore.display())))?;
    Ok((parsed, password))
}

/// The error of a keystore that does not decrypt.
fn undecryptable(what: &str, key: &KeyConfig, e: &trestle_core::Error) -> Error {
    Error::Secret {
        what: what.to_owned(),
        reason: format!("keystore {} does not decrypt: {e}", key.keystore.display()),
    }
}

/// Decrypts the keystore of `key` with the password in its environment variable: its secret
/// bytes (a secp256k1 private key). Refuses a keystore marked as a Solana key.
fn decrypt(what: &str, key: &KeyConfig) -> Result<Zeroizing<[u8; 32]>> {
    let (store, password) = open(what, key)?;
    store
        .decrypt(password.as_bytes())
        .map_err(|e| undecryptable(what, key, &e))
}

/// The EVM key in the keystore of `key` (a secp256k1 private key).
pub fn load_signer(what: &str, key: &KeyConfig) -> Result<EvmSigner> {
    Ok(EvmSigner::from_private_key(&*decrypt(what, key)?)?)
}

/// The Solana key in the keystore of `key` (its secret is the ed25519 seed, as
/// `trestle wallet new-keystore --chain solana` writes). Refuses a keystore whose declared
/// Solana address (`x-trestle.address`) is not its seed's.
pub fn load_solana_signer(what: &str, key: &KeyConfig) -> Result<SolanaSigner> {
    let (store, password) = open(what, key)?;
    store
        .decrypt_solana(password.as_bytes())
        .map_err(|e| undecryptable(what, key, &e))
}

/// Checks that the keystore of `key` exists and is a well-formed Web3 Secret Storage file,
/// without decrypting it (for `check-config`). Returns the Solana address it declares
/// (`x-trestle.address`), if any. Errors name the config key `{what}.keystore`.
pub fn check_solana_keystore(what: &str, key: &KeyConfig) -> Result<Option<SolanaAddress>> {
    Ok(parse_keystore(what, key)?.solana_address())
}

/// Checks that the keystore of `key` exists and is a well-formed Web3 Secret Storage file,
/// without decrypting it (for `check-config`). Returns the address it declares, if any.
/// Errors name the config key `{what}.keystore`.
pub fn check_keystore(what: &str, key: &KeyConfig) -> Result<Option<EvmAddress>> {
    Ok(parse_keystore(what, key)?.address().map(EvmAddress))
}

fn parse_keystore(what: &str, key: &KeyConfig) -> Result<keystore::Keystore> {
    let field = format!("{what}.keystore");
    let json = std::fs::read_to_string(&key.keystore).map_err(|e| {
        Error::config(
            &field,
            format!("cannot read {}: {e}", key.keystore.display()),
        )
    })?;
    keystore::Keystore::parse(&json)
        .map_err(|e| Error::config(&field, format!("{}: {e}", key.keystore.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fee_oracle_has_a_key_of_its_own() {
        let key = |b: u8| EvmSigner::from_private_key(&[b; 32]).unwrap();
        let keys = |relayer: u8, validator: u8, oracle: u8| Keys {
            validator: Some(key(validator)),
            relayer: Some(key(relayer)),
            relayer_solana: None,
            fee_oracle: Some(key(oracle)),
            fee_oracle_solana: None,
        };
        assert!(keys(1, 2, 3).check_distinct().is_ok());
        for (k, role) in [(keys(3, 2, 3), "relayer"), (keys(1, 3, 3), "validator")] {
            let e = k.check_distinct().unwrap_err().to_string();
            assert!(e.contains("fee_oracle.keystore") && e.contains(role), "{e}");
        }
        let solana = |b: u8| SolanaSigner::from_secret_key(&[b; 32]);
        let on_solana = |payer: u8, oracle: u8| Keys {
            relayer_solana: Some(solana(payer)),
            fee_oracle_solana: Some(solana(oracle)),
            ..Keys::default()
        };
        assert!(on_solana(1, 2).check_distinct().is_ok());
        let e = on_solana(2, 2).check_distinct().unwrap_err().to_string();
        assert!(e.contains("fee_oracle.solana.keystore"), "{e}");
    }
}
