#![doc = include_str!("../README.md")]

pub mod api;
mod attest;
pub mod config;
pub mod connect;
pub mod daemon;
pub mod error;
pub mod indexer;
pub mod keys;
pub mod logging;
pub mod metrics;
pub mod relay;
pub mod remote_set;
pub mod solana;
pub mod store;
pub mod validator;

pub use config::Config;
pub use daemon::{Daemon, Keys};
pub use error::{Error, Result};
pub use store::Store;
