#![doc = include_str!("../README.md")]

mod error;
mod evm;
mod key;
mod module;
mod pin;
mod point;

pub use error::{Error, Result};
pub use evm::evm_signer;
pub use key::{KeyLocation, Pkcs11Key, Token};
pub use pin::Pin;
pub use point::Curve;
