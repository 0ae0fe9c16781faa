//! The errors every exported function reports.
//!
//! [`TrestleError`] is a flat enum: the variant says what kind of failure it is, and the message
//! (what Kotlin's `message`, Swift's `localizedDescription`, Python's `str(e)` and JavaScript's
//! `message` show) is the Display text of the underlying Rust error. Like `trestle-core`'s
//! errors, messages never contain mnemonic words, seeds, private keys or passwords.
//!
//! [`KeyStoreError`] is what a host [`crate::SecureKeyStore`] reports; it carries fields so
//! that the host can construct it.

use trestle_core::Error as CoreError;

/// `Result` with [`TrestleError`].
pub type Result<T, E = TrestleError> = std::result::Result<T, E>;

/// Everything an exported function can refuse or fail with.
///
/// The variant names the kind of failure; the message is the precise reason (which word, which
/// field, which endpoint). Network variants (`Rpc`, `MalformedResponse`, `Timeout`,
/// `TransactionRejected`) may succeed when tried again; input variants never do.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum TrestleError {
    /// The phrase does not have 12, 15, 18, 21 or 24 words.
    #[error("{0}")]
    MnemonicWordCount(String),
    /// A word of the phrase is not in the wordlist; the message gives its 1-based position.
    #[error("{0}")]
    MnemonicUnknownWord(String),
    /// Every word is in the wordlist but the BIP39 checksum does not match.
    #[error("{0}")]
    MnemonicChecksum(String),
    /// A word count that cannot be generated.
    #[error("{0}")]
    UnsupportedWordCount(String),
    /// A derivation path that does not parse or does not fit the key type.
    #[error("{0}")]
    InvalidPath(String),
    /// Key material that is not a valid key, or a seed of the wrong length.
    #[error("{0}")]
    InvalidKey(String),
    /// An address that does not parse for its chain.
    #[error("{0}")]
    InvalidAddress(String),
    /// An amount, hex string or other argument that does not parse.
    #[error("{0}")]
    InvalidArgument(String),
    /// An EVM transaction request with a missing, malformed or contradictory field.
    #[error("{0}")]
    InvalidTransaction(String),
    /// EIP-712 typed data that is malformed or inconsistent with its types.
    #[error("{0}")]
    InvalidTypedData(String),
    /// A signature that is malformed or does not verify.
    #[error("{0}")]
    InvalidSignature(String),
    /// A Solana message or transaction that cannot be built or decoded.
    #[error("{0}")]
    InvalidSolanaMessage(String),
    /// The keystore's MAC does not match: wrong password (or an altered file).
    #[error("{0}")]
    KeystoreWrongPassword(String),
    /// A keystore file that is not valid Web3 Secret Storage v3, or KDF parameters out of range.
    #[error("{0}")]
    InvalidKeystore(String),
    /// The host's secure key store could not provide the seed.
    #[error("{0}")]
    KeyStore(String),
    /// An RPC call failed: unreachable endpoint, error answer, or timeout of one request.
    #[error("{0}")]
    Rpc(String),
    /// An RPC answer that does not have the expected shape.
    #[error("{0}")]
    MalformedResponse(String),
    /// A wait that ran out of time.
    #[error("{0}")]
    Timeout(String),
    /// The node rejected a transaction before inclusion.
    #[error("{0}")]
    TransactionRejected(String),
    /// A transaction was included but failed.
    #[error("{0}")]
    TransactionFailed(String),
    /// A chain configuration that is not valid (bad URL, zero chain id, ...).
    #[error("{0}")]
    InvalidConfig(String),
    /// An operation this build or chain does not support.
    #[error("{0}")]
    Unsupported(String),
    /// The bridge does not know the token id (not registered there).
    #[error("{0}")]
    UnknownToken(String),
    /// The relayer's status API does not know the message (not indexed yet, or another id).
    #[error("{0}")]
    NotFound(String),
    /// A failure inside the library (random number generator, async runtime, a task that
    /// panicked). Not caused by the input; please report it.
    #[error("{0}")]
    Internal(String),
}

impl From<CoreError> for TrestleError {
    fn from(e: CoreError) -> Self {
        let message = e.to_string();
        match e {
            CoreError::MnemonicWordCount { .. } => Self::MnemonicWordCount(message),
            CoreError::MnemonicUnknownWord { .. } => Self::MnemonicUnknownWord(message),
            CoreError::MnemonicChecksum => Self::MnemonicChecksum(message),
            CoreError::UnsupportedWordCount(_) => Self::UnsupportedWordCount(message),
            CoreError::UnknownLanguage(_) => Self::InvalidArgument(message),
            CoreError::InvalidPath { .. } => Self::InvalidPath(message),
            CoreError::InvalidKey(_) => Self::InvalidKey(message),
            CoreError::InvalidAddress { .. } => Self::InvalidAddress(message),
            CoreError::InvalidTransaction { .. } | CoreError::TransactionDecode(_) => {
                Self::InvalidTransaction(message)
            }
            CoreError::InvalidTypedData(_) => Self::InvalidTypedData(message),
            CoreError::InvalidSignature(_) => Self::InvalidSignature(message),
            CoreError::InvalidSolanaMessage(_)
            | CoreError::InvalidSeeds(_)
            | CoreError::SolanaSignerMismatch { .. } => Self::InvalidSolanaMessage(message),
            CoreError::KeystoreWrongPassword => Self::KeystoreWrongPassword(message),
            CoreError::InvalidKeystore(_) => Self::InvalidKeystore(message),
            CoreError::Rpc { .. } => Self::Rpc(message),
            CoreError::MalformedResponse { .. } => Self::MalformedResponse(message),
            CoreError::Timeout { .. } => Self::Timeout(message),
            CoreError::TransactionFailed { .. } => Self::TransactionFailed(message),
            CoreError::TransactionRejected { .. } => Self::TransactionRejected(message),
            CoreError::Unsupported(_) => Self::Unsupported(message),
            // `Rng` and any variant added to core later.
            _ => Self::Internal(message),
        }
    }
}

impl From<trestle_evm::Error> for TrestleError {
    fn from(e: trestle_evm::Error) -> Self {
        match e {
            trestle_evm::Error::Core(core) => core.into(),
            trestle_evm::Error::Config { .. } | trestle_evm::Error::ChainIdMismatch { .. } => {
                Self::InvalidConfig(e.to_string())
            }
            // Fee ceilings, reorgs and anything added later: report the text.
            _ => Self::Rpc(e.to_string()),
        }
    }
}

impl From<trestle_bridge_client::Error> for TrestleError {
    fn from(e: trestle_bridge_client::Error) -> Self {
        use trestle_bridge_client::Error as E;
        let message = e.to_string();
        match e {
            E::Chain(core) => core.into(),
            E::Evm(evm) => evm.into(),
            E::InvalidInput { .. } | E::Protocol(_) => Self::InvalidArgument(message),
            E::UnknownToken { .. } => Self::UnknownToken(message),
            E::NotFound { .. } => Self::NotFound(message),
            E::Unreachable { .. } | E::Api { .. } => Self::Rpc(message),
            E::MalformedApi { .. } | E::NoMessage { .. } => Self::MalformedResponse(message),
            E::FollowTimeout { .. } => Self::Timeout(message),
            _ => Self::Internal(message),
        }
    }
}

impl From<KeyStoreError> for TrestleError {
    fn from(e: KeyStoreError) -> Self {
        Self::KeyStore(format!("secure key store: {e}"))
    }
}

/// What a host [`crate::SecureKeyStore`] reports when it cannot hand out a seed.
///
/// Kotlin, Swift and TypeScript implementations throw one of these; anything else they throw
/// arrives as [`KeyStoreError::Unexpected`].
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum KeyStoreError {
    /// No seed is stored under this key id.
    #[error("no seed stored under key id {key_id:?}")]
    NotFound {
        /// The key id that was asked for.
        key_id: String,
    },
    /// The user declined (biometric prompt cancelled, device locked, ...).
    #[error("access denied: {reason}")]
    AccessDenied {
        /// The host's explanation, shown to the user. Must not contain secrets.
        reason: String,
    },
    /// The store failed for another reason.
    #[error("unavailable: {reason}")]
    Unavailable {
        /// The host's explanation. Must not contain secrets.
        reason: String,
    },
    /// The host implementation threw something that is not a `KeyStoreError`.
    #[error("unexpected error in the host implementation: {reason}")]
    Unexpected {
        /// What the binding reported.
        reason: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for KeyStoreError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Unexpected { reason: e.reason }
    }
}

/// Maps an argument parse failure to [`TrestleError::InvalidArgument`].
pub(crate) fn invalid_argument(what: &str, reason: impl std::fmt::Display) -> TrestleError {
    TrestleError::InvalidArgument(format!("invalid {what}: {reason}"))
}
