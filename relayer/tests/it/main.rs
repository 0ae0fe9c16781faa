//! Integration tests of trestle-relayer: the `trestle` command line (the real binary, real
//! processes) and the store on SQLite and on a real PostgreSQL server.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests: a failed unwrap is a failed test"
)]

mod bridge_cli;
mod bridge_cli_solana;
mod config;
mod daemon;
mod e2e;
mod roles;
mod scenarios;
mod solana_cli;
mod solana_e2e;
mod store;
mod store_attest;
mod store_batch;
mod support;
mod wallet;
