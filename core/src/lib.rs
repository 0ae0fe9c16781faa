#![doc = include_str!("../README.md")]

pub mod chain;
pub mod error;
pub mod evm;
pub mod redact;
pub mod solana;
pub mod types;
pub mod wallet;

pub use error::{Error, Result};
pub use types::ChainKind;
