//! The error type of `trestle-pkcs11`.
//!
//! Messages name the module, token and key label involved; never the PIN.

use std::path::PathBuf;

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong opening or using a key in a PKCS#11 token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The PKCS#11 module (the vendor's shared library) does not load or initialise.
    #[error("PKCS#11 module {module}: {reason}")]
    Module {
        /// The module's path.
        module: PathBuf,
        /// Why it does not load.
        reason: String,
    },
    /// No slot holds the token asked for (or several tokens have its label).
    #[error("no token {token}: {reason}")]
    TokenNotFound {
        /// The token as configured (`label "ops"`, `slot 3`).
        token: String,
        /// What was found instead.
        reason: String,
    },
    /// The token refused the PIN.
    #[error("token {token} refused the PIN ({code})")]
    WrongPin {
        /// The token.
        token: String,
        /// The PKCS#11 return code (`CKR_PIN_INCORRECT`, ...).
        code: String,
    },
    /// The token's user PIN is locked after too many wrong attempts.
    #[error(
        "token {token}: the user PIN is locked (CKR_PIN_LOCKED); its security officer must reset it"
    )]
    PinLocked {
        /// The token.
        token: String,
    },
    /// No private key with this label is on the token.
    #[error("token {token} has no private key labelled {label:?}")]
    KeyNotFound {
        /// The token.
        token: String,
        /// The key label asked for.
        label: String,
    },
    /// The key with this label is not usable as asked: several keys share the label, the
    /// key is not on the curve asked for, or its public half is missing or malformed.
    #[error("token {token}, key {label:?}: {reason}")]
    BadKey {
        /// The token.
        token: String,
        /// The key label.
        label: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A PKCS#11 call failed.
    #[error("token {token}, key {label:?}: {function} failed: {code}")]
    Call {
        /// The token.
        token: String,
        /// The key label.
        label: String,
        /// The PKCS#11 function (`C_Sign`, ...).
        function: String,
        /// The return code or the wrapper's error.
        code: String,
        /// Whether a new session (after the device recovers) may succeed.
        retryable: bool,
    },
}

impl Error {
    /// Whether trying again later can succeed: a failed call on a device that went away,
    /// not a wrong PIN, a missing key or a missing module.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Error::Call {
                retryable: true,
                ..
            }
        )
    }
}
