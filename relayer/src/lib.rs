//! The Trestle daemon: validators that attest to bridge messages they find final on their
//! origin chain, and relayers that collect those attestations and deliver the messages to
//! their destination.
//!
//! - [`config`]: the TOML configuration (`deny_unknown_fields`, errors that name the key);
//! - [`store`]: persisted state on SQLite (WAL, the default) or PostgreSQL (several instances
//!   sharing work through row claims with `FOR UPDATE SKIP LOCKED`), with migrations.
//!
//! The `trestle relayer ...` commands of the `trestle` binary are a thin layer over this
//! library.

pub mod config;
pub mod error;
pub mod store;

pub use config::Config;
pub use error::{Error, Result};
pub use store::Store;
