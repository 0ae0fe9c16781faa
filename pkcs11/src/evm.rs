//! secp256k1 keys on a token as EVM signers: [`Pkcs11Key`] is an [`ExternalSigner`], and
//! [`evm_signer`] opens one as an [`EvmSigner`] (low `s`, recovery id, address from the
//! token's public key).

use std::sync::Arc;

use trestle_core::evm::{EvmSigner, ExternalSigner};

use crate::error::{Error, Result};
use crate::key::{KeyLocation, Pkcs11Key};
use crate::pin::Pin;
use crate::point::Curve;

/// Opens the secp256k1 key at `location` (see [`Pkcs11Key::open`]) as an [`EvmSigner`].
pub fn evm_signer(location: KeyLocation, pin: Pin) -> Result<EvmSigner> {
    let key = Pkcs11Key::open(location, pin, Curve::Secp256k1)?;
    let (token, label) = (
        key.location().token.to_string(),
        key.location().key_label.clone(),
    );
    EvmSigner::from_external(Arc::new(key)).map_err(|e| Error::BadKey {
        token,
        label,
        reason: e.to_string(),
    })
}

impl ExternalSigner for Pkcs11Key {
    fn public_key(&self) -> trestle_core::Result<[u8; 65]> {
        Pkcs11Key::public_key(self).try_into().map_err(|_| {
            trestle_core::Error::InvalidKey(format!(
                "{}: not a secp256k1 key ({} key)",
                self.describe(),
                self.curve()
            ))
        })
    }

    fn sign_prehash(&self, hash: &[u8; 32]) -> trestle_core::Result<[u8; 64]> {
        if self.curve() != Curve::Secp256k1 {
            return Err(trestle_core::Error::InvalidKey(format!(
                "{}: an {} key does not sign EVM hashes",
                self.describe(),
                self.curve()
            )));
        }
        let signature = off_the_runtime(|| self.sign(hash)).map_err(|e| core_error(self, &e))?;
        signature.as_slice().try_into().map_err(|_| {
            core_error(
                self,
                &Error::BadKey {
                    token: self.location().token.to_string(),
                    label: self.location().key_label.clone(),
                    reason: format!("C_Sign returned {} bytes, expected 64", signature.len()),
                },
            )
        })
    }

    fn describe(&self) -> String {
        Pkcs11Key::describe(self)
    }
}

/// Runs `f`, a blocking call into the token (`C_Sign`, and `C_OpenSession`/`C_Login` after
/// the token lost the session), without parking the async runtime: on a multi-threaded tokio
/// runtime the worker hands its other tasks to the rest first (`block_in_place`), so a slow
/// or hung network HSM holds up the signatures waiting for it, not the daemon's API, indexers
/// and health checks. Elsewhere (no runtime, a current-thread runtime) it just runs.
fn off_the_runtime<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

fn core_error(key: &Pkcs11Key, e: &Error) -> trestle_core::Error {
    trestle_core::Error::ExternalSigner {
        signer: key.describe(),
        reason: e.to_string(),
        retryable: e.is_retryable(),
    }
}
