#![doc = include_str!("../README.md")]

pub mod api;
pub mod arrival;
mod delivery;
mod error;
pub mod errors;
pub mod evm;
pub mod fees;
pub mod governance;
mod sent;
pub mod solana;
pub mod status;
pub mod tracker;
pub mod units;

pub use api::{RelayerApi, RelayerMessage, RelayerState};
pub use arrival::Arrival;
pub use delivery::DeliveryStatus;
pub use error::{Error, Result};
pub use evm::{BridgeInit, EvmBridge, EvmToken, TokenSend};
pub use fees::GasPayment;
pub use sent::SentMessage;
pub use solana::SolanaBridge;
pub use status::{Stage, StatusSource, TransferStatus, parse_message_id};
pub use tracker::{Destination, FollowUntil, Tracker};
pub use units::{format_units, parse_base_units, parse_units};
