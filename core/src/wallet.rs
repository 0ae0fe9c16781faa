//! The HD wallet: mnemonics, derivation paths, secp256k1 and ed25519 key derivation, keystores.

pub mod bip32;
pub mod hd_wallet;
pub mod keystore;
pub mod mnemonic;
pub mod path;
pub mod slip10;

pub use hd_wallet::HdWallet;
