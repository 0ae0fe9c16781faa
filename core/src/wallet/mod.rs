//! The HD wallet: mnemonics, derivation paths, secp256k1 and ed25519 key derivation, keystores.

pub mod mnemonic;
pub mod path;
pub mod bip32;
pub mod slip10;
pub mod keystore;
pub mod hd_wallet;

pub use hd_wallet::HdWallet;
