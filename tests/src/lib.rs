#![doc = include_str!("../README.md")]

mod anvil;
mod error;
mod ports;
pub mod postgres;
mod process;
mod rpc;
pub mod softhsm;
mod solana;
mod tool;

pub use anvil::{Anvil, AnvilBuilder, DEV_ACCOUNTS, DEV_MNEMONIC, DevAccount};
pub use error::{Error, Result};
pub use solana::{SolanaValidator, SolanaValidatorBuilder};
pub use tool::{CACHE_ENV, SETUP_HINT, Tool};
