//! EVM keys in an HSM (`pkcs11 = { ... }` in `[validator]` or `[relayer]`): opened through
//! `trestle-pkcs11`, logged in with the PIN from the environment variable `pin_env` names.
//! Every error names the config key to fix (`validator.pkcs11.pin_env`, `.key_label`,
//! `.module`, `.token_label` or `.slot`); none holds the PIN.

use trestle_core::evm::{EvmAddress, EvmSigner};
use trestle_pkcs11::{Error as HsmError, Pin};

use crate::config::{EvmKeySource, Pkcs11KeyConfig};
use crate::error::{Error, Result};

/// The EVM key of the role `what` (`validator`, `relayer`), from its keystore or its HSM.
pub fn load_evm_key(what: &str, source: &EvmKeySource) -> Result<EvmSigner> {
    match source {
        EvmKeySource::Keystore(key) => super::load_signer(what, key),
        EvmKeySource::Pkcs11(hsm) => open_evm_key(what, hsm, &|name| std::env::var(name).ok()),
    }
}

/// Opens the secp256k1 key `hsm` names, with the PIN `env` gives for its `pin_env` (the
/// daemon passes the process environment). `what` names the role in errors.
pub fn open_evm_key(
    what: &str,
    hsm: &Pkcs11KeyConfig,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<EvmSigner> {
    let pin = env(&hsm.pin_env).map(Pin::new).ok_or_else(|| {
        Error::config(
            format!("{what}.pkcs11.pin_env"),
            format!(
                "environment variable {} is not set (it holds the user PIN of the HSM token)",
                hsm.pin_env
            ),
        )
    })?;
    let signer =
        trestle_pkcs11::evm_signer(hsm.location(), pin).map_err(|e| error(what, hsm, e))?;
    tracing::info!(
        role = what,
        address = %signer.address(),
        token = %hsm.location().token,
        key_label = %hsm.key_label,
        "key in HSM opened"
    );
    Ok(signer)
}

/// For `check-config`: the address of the role's key. A keystore is only parsed (see
/// [`super::check_keystore`]); a key in an HSM is opened, which checks the module, the token,
/// the PIN (from `pin_env`) and the key label.
pub fn check_evm_key(what: &str, source: &EvmKeySource) -> Result<Option<EvmAddress>> {
    match source {
        EvmKeySource::Keystore(key) => super::check_keystore(what, key),
        EvmKeySource::Pkcs11(_) => load_evm_key(what, source).map(|s| Some(s.address())),
    }
}

/// The HSM's error as a configuration error naming the key to fix.
fn error(what: &str, hsm: &Pkcs11KeyConfig, e: HsmError) -> Error {
    let field = |f: &str| format!("{what}.pkcs11.{f}");
    match e {
        HsmError::Module { .. } => Error::config(field("module"), e.to_string()),
        HsmError::TokenNotFound { .. } => Error::config(hsm.token_field(what), e.to_string()),
        HsmError::WrongPin { .. } | HsmError::PinLocked { .. } => Error::config(
            field("pin_env"),
            format!(
                "{e}: the PIN is the value of environment variable {}",
                hsm.pin_env
            ),
        ),
        HsmError::KeyNotFound { .. } | HsmError::BadKey { .. } => {
            Error::config(field("key_label"), e.to_string())
        }
        other => Error::config(format!("{what}.pkcs11"), other.to_string()),
    }
}
