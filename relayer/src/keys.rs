//! Signing keys of the daemon: Web3 Secret Storage files whose password is read from the
//! environment variable the configuration names (never from the file itself).

use trestle_core::evm::{EvmAddress, EvmSigner};
use trestle_core::wallet::keystore;
use zeroize::Zeroizing;

use crate::config::KeyConfig;
use crate::error::{Error, Result};

/// Decrypts the keystore of `key` with the password in its environment variable. `what`
/// names the key in errors ("validator", "relayer").
pub fn load_signer(what: &str, key: &KeyConfig) -> Result<EvmSigner> {
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
    let private = keystore::decrypt(&json, password.as_bytes()).map_err(|e| {
        secret(format!(
            "keystore {} does not decrypt: {e}",
            key.keystore.display()
        ))
    })?;
    Ok(EvmSigner::from_private_key(&private)?)
}

/// Checks that the keystore of `key` exists and is a well-formed Web3 Secret Storage file,
/// without decrypting it (for `check-config`). Returns the address it declares, if any.
/// Errors name the config key `{what}.keystore`.
pub fn check_keystore(what: &str, key: &KeyConfig) -> Result<Option<EvmAddress>> {
    let field = format!("{what}.keystore");
    let json = std::fs::read_to_string(&key.keystore).map_err(|e| {
        Error::config(
            &field,
            format!("cannot read {}: {e}", key.keystore.display()),
        )
    })?;
    let parsed = keystore::Keystore::parse(&json)
        .map_err(|e| Error::config(&field, format!("{}: {e}", key.keystore.display())))?;
    Ok(parsed.address().map(EvmAddress))
}
