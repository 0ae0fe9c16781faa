#![doc = include_str!("../README.md")]

pub mod amount;
pub mod attestation;
pub mod body;
pub mod error;
pub mod evm_bindings;
pub mod fee;
pub mod ledger;
pub mod message;
pub mod rate_limit;
pub mod signatures;
pub mod solana;
pub mod timelock;
pub mod token;
pub mod validator_set;

pub use attestation::Attestation;
pub use body::{Body, TokenTransfer};
pub use error::{Error, Result};
pub use fee::FeeConfig;
pub use ledger::RouteLedger;
pub use message::{MAX_BODY_LEN, Message, MessageId, VERSION};
pub use rate_limit::TokenBucket;
pub use signatures::{verify_attestation, verify_digest};
pub use token::{NATIVE_TOKEN, token_id};
pub use validator_set::{MAX_VALIDATORS, ValidatorSet, min_config_threshold};
