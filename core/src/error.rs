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

    // ---- Solana ----
    /// A Solana message or transaction that cannot be built or decoded.
    #[error("invalid Solana message: {0}")]
    InvalidSolanaMessage(String),

    // ---- keystores ----
    /// The keystore's MAC does not match: the password is wrong (or the file was altered).
    #[error("wrong keystore password (MAC mismatch)")]
    KeystoreWrongPassword,
    /// A keystore file that is not valid Web3 Secret Storage v3.
    #[error("invalid keystore: {0}")]
    InvalidKeystore(String),

    // ---- environment ----
    /// The operating system's random number generator failed.
    #[error("the OS random number generator failed: {0}")]
    Rng(String),
}
