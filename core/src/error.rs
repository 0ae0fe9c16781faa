//! The error type of `trestle-core`.
//!
//! Messages name the input that was wrong and why. They never contain secret material:
//! no mnemonic words, seeds, private keys or passwords.

use crate::types::ChainKind;
use crate::wallet::mnemonic::Language;

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in `trestle-core`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ---- mnemonics ----
    /// The phrase does not have 12, 15, 18, 21 or 24 words.
    #[error("mnemonic has {got} words; a BIP39 mnemonic has 12, 15, 18, 21 or 24")]
    MnemonicWordCount {
        /// How many words the phrase had.
        got: usize,
    },
    /// A word is not in the wordlist. The word itself is not repeated: it is secret material.
    #[error("mnemonic word {position} is not in the {language} wordlist")]
    MnemonicUnknownWord {
        /// 1-based position of the word in the phrase.
        position: usize,
        /// The wordlist that was used.
        language: Language,
    },
    /// Every word is in the wordlist but the BIP39 checksum does not match.
    #[error(
        "mnemonic checksum mismatch: every word is in the wordlist, but one is wrong or the order is"
    )]
    MnemonicChecksum,
    /// A word count that cannot be generated.
    #[error("cannot generate a {0}-word mnemonic: choose 12, 15, 18, 21 or 24 words")]
    UnsupportedWordCount(usize),
    /// A wordlist name that is not one of the BIP39 languages.
    #[error(
        "unknown mnemonic language {0:?}: expected one of english, japanese, korean, spanish, \
         chinese-simplified, chinese-traditional, french, italian, czech, portuguese"
    )]
    UnknownLanguage(String),

    // ---- keys and paths ----
    /// A derivation path that does not parse or does not fit the key type.
    #[error("invalid derivation path {path:?}: {reason}")]
    InvalidPath {
        /// The path as given.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Key material that is not a valid key (out of range scalar, wrong length, ...).
    #[error("invalid key: {0}")]
    InvalidKey(String),

    // ---- addresses ----
    /// An address that does not parse for the chain.
    #[error("invalid {chain} address {input:?}: {reason}")]
    InvalidAddress {
        /// The chain family the address was parsed for.
        chain: ChainKind,
        /// The address as given.
        input: String,
        /// What is wrong with it.
        reason: String,
    },

    // ---- EVM ----
    /// A transaction request with a missing, malformed or contradictory field.
    #[error("invalid transaction: field `{field}`: {reason}")]
    InvalidTransaction {
        /// The JSON field name (`maxFeePerGas`, `to`, ...).
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Raw transaction bytes that do not decode.
    #[error("cannot decode transaction: {0}")]
    TransactionDecode(String),
    /// EIP-712 typed data that is malformed or inconsistent with its types.
    #[error("invalid typed data: {0}")]
    InvalidTypedData(String),
    /// A signature that is malformed or does not verify.
    #[error("invalid signature: {0}")]
    InvalidSignature(String),
    /// An EIP-4361 (Sign-In with Ethereum) message that does not follow the EIP's grammar, or
    /// that does not match what the wallet expects (domain, chain id, nonce, validity window).
    #[error("Sign-In with Ethereum message: {field}: {reason}")]
    InvalidSiweMessage {
        /// The message field, as the message names it (`Chain ID`, `Nonce`, `Expiration Time`,
        /// `domain`, `address`, ...).
        field: String,
        /// What is wrong with it.
        reason: String,
    },

    // ---- Solana ----
    /// A Solana message or transaction that cannot be built or decoded.
    #[error("invalid Solana message: {0}")]
    InvalidSolanaMessage(String),
    /// Seeds that cannot derive a Solana program address (too many, too long, no bump works).
    #[error("cannot derive a Solana program address: {0}")]
    InvalidSeeds(String),
    /// The signers given for a Solana transaction do not match the signers it requires.
    #[error("Solana signer {pubkey}: {reason}")]
    SolanaSignerMismatch {
        /// The signer's address, base58.
        pubkey: String,
        /// What is wrong (missing, or not required by the message).
        reason: String,
    },

    // ---- keystores ----
    /// The keystore's MAC does not match: the password is wrong (or the file was altered).
    #[error("wrong keystore password (MAC mismatch)")]
    KeystoreWrongPassword,
    /// A keystore file that is not valid Web3 Secret Storage v3.
    #[error("invalid keystore: {0}")]
    InvalidKeystore(String),

    // ---- chains (RPC) ----
    /// An RPC call failed: the endpoint is unreachable, answered with an error, or timed out.
    #[error("RPC error from {endpoint}: {reason}")]
    Rpc {
        /// The endpoint (URL without credentials) or chain name.
        endpoint: String,
        /// What went wrong.
        reason: String,
        /// Whether trying again (later, or on another endpoint) can help.
        retryable: bool,
    },
    /// An RPC answer that does not have the expected shape.
    #[error("malformed RPC answer from {endpoint}: {reason}")]
    MalformedResponse {
        /// The endpoint or chain name.
        endpoint: String,
        /// What was wrong with the answer.
        reason: String,
    },
    /// A wait that ran out of time.
    #[error("timed out after {after:?} waiting for {what}")]
    Timeout {
        /// What was awaited.
        what: String,
        /// How long it waited.
        after: std::time::Duration,
    },
    /// A transaction was included but failed.
    #[error("transaction {tx} failed: {reason}")]
    TransactionFailed {
        /// The transaction id.
        tx: String,
        /// Revert reason, instruction error or program logs.
        reason: String,
    },
    /// The node rejected a transaction before inclusion (nonce too low, underpriced,
    /// simulation failure, ...).
    #[error("transaction rejected by {endpoint}: {reason}")]
    TransactionRejected {
        /// The endpoint or chain name.
        endpoint: String,
        /// The node's reason (with program logs on Solana).
        reason: String,
        /// Whether resubmitting (with a new nonce, fee or blockhash) can help.
        retryable: bool,
    },
    /// A key held outside this process (an HSM, a KMS) could not sign or be read. The reason
    /// names the device and key; never a PIN or credential.
    #[error("external signer {signer}: {reason}")]
    ExternalSigner {
        /// Where the key lives (`pkcs11 token "ops" key "validator"`).
        signer: String,
        /// What went wrong.
        reason: String,
        /// Whether trying again (after the device or its session recovers) can help.
        retryable: bool,
    },
    /// An optional capability this implementation does not have.
    #[error("unsupported operation: {0}")]
    Unsupported(&'static str),

    // ---- environment ----
    /// The operating system's random number generator failed.
    #[error("the OS random number generator failed: {0}")]
    Rng(String),
}

impl Error {
    /// Whether trying the same operation again (later, or on another endpoint) can succeed.
    /// Input errors and failed transactions are final; unreachable endpoints, timeouts and
    /// transient rejections are not.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Rpc { retryable, .. }
            | Error::TransactionRejected { retryable, .. }
            | Error::ExternalSigner { retryable, .. } => *retryable,
            Error::Timeout { .. } | Error::MalformedResponse { .. } => true,
            _ => false,
        }
    }

    /// The error with every URL in its endpoint and reason text redacted
    /// ([`crate::redact::scrub_urls`]): what a node or an HTTP client said can name the URL it
    /// was asked on, API key included. The chain layers return their RPC errors this way.
    #[must_use]
    pub fn scrubbed(self) -> Self {
        use crate::redact::scrub_urls;
        match self {
            Error::Rpc {
                endpoint,
                reason,
                retryable,
            } => Error::Rpc {
                endpoint: scrub_urls(&endpoint),
                reason: scrub_urls(&reason),
                retryable,
            },
            Error::MalformedResponse { endpoint, reason } => Error::MalformedResponse {
                endpoint: scrub_urls(&endpoint),
                reason: scrub_urls(&reason),
            },
            Error::TransactionRejected {
                endpoint,
                reason,
                retryable,
            } => Error::TransactionRejected {
                endpoint: scrub_urls(&endpoint),
                reason: scrub_urls(&reason),
                retryable,
            },
            Error::TransactionFailed { tx, reason } => Error::TransactionFailed {
                tx,
                reason: scrub_urls(&reason),
            },
            Error::Timeout { what, after } => Error::Timeout {
                what: scrub_urls(&what),
                after,
            },
            other => other,
        }
    }
}
