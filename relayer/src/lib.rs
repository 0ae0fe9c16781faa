#![doc = include_str!("../README.md")]

pub mod api;
pub mod attest;
pub mod config;
pub mod connect;
pub mod daemon;
pub mod error;
pub mod keys;
pub mod logging;
pub mod metrics;
pub mod oracle;
pub mod origin;
pub mod relay;
pub mod remote_set;
pub mod store;

pub use config::Config;
pub use daemon::{Daemon, Keys};
pub use error::{Error, Result};
pub use store::Store;
