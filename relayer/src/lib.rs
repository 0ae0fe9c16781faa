//! The Trestle daemon: validators that attest to bridge messages they find final on their
//! origin chain, and relayers that collect those attestations and deliver the messages to
//! their destination.
//!
//! - [`config`]: the TOML configuration (`deny_unknown_fields`, errors that name the key);
//! - [`store`]: persisted state on SQLite (WAL, the default) or PostgreSQL (several instances
//!   sharing work through row claims with `FOR UPDATE SKIP LOCKED`), with migrations;
//! - [`indexer`]: one per origin chain, persisted cursor, final ranges, reorg roll-back;
//! - [`validator`]: re-checks each message on chain, signs attestations, never equivocates;
//! - [`relay`]: per-destination queues collect -> submit (`deliver`/`deliverBatch`) ->
//!   confirm -> execute queued transfers, with backoff, jitter and a retry cap;
//! - [`api`]: `/v1/attestations/{id}`, the status API, `/healthz`, `/readyz`, `/metrics`;
//! - [`daemon`]: starts and stops all of it.
//!
//! The `trestle relayer ...` commands of the `trestle` binary are a thin layer over this
//! library.

pub mod api;
pub mod bridge;
pub mod config;
pub mod daemon;
pub mod error;
pub mod indexer;
pub mod keys;
pub mod logging;
pub mod metrics;
pub mod relay;
pub mod store;
pub mod validator;

pub use config::Config;
pub use daemon::{Daemon, Keys};
pub use error::{Error, Result};
pub use store::Store;
