#![doc = include_str!("../README.md")]

pub mod daemons;
mod error;
pub mod evm;
pub mod keys;
pub mod scenario;
pub mod solana;
pub mod status;

pub use daemons::{DaemonProcess, Daemons, DaemonsConfig, Route};
pub use error::{Error, Result};
pub use evm::{EvmNetwork, EvmNetworkBuilder, EvmNode, SentMessage};
pub use status::{MessageStatus, StatusClient};
