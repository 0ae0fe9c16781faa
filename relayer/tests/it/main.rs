//! Integration tests of trestle-relayer: the daemons in process, end to end on anvil and
//! solana-test-validator (set-up in trestle-relayer-harness), and the store on SQLite and on a
//! real PostgreSQL server. The `trestle` binary (`relayer run` as a process included) is tested
//! in trestle-cli.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests: a failed unwrap is a failed test"
)]

mod api;
mod e2e;
mod monitoring;
mod packaging;
mod roles;
mod scenarios;
mod solana_e2e;
mod store;
mod store_attest;
mod store_batch;
mod store_list;
mod store_tls;
mod support;
