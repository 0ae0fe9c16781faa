#![doc = include_str!("../README.md")]

pub mod daemons;
mod error;
pub mod evm;
pub mod fault_proxy;
pub mod keys;
mod rng;
pub mod scenario;
pub mod soak;
pub mod solana;
pub mod status;

pub use daemons::{DaemonProcess, Daemons, DaemonsConfig, RelayerKeys, Route};
pub use error::{Error, Result};
pub use evm::{EvmNetwork, EvmNetworkBuilder, EvmNode, SentMessage};
pub use status::{MessageStatus, StatusClient};
