//! Tests of the Solana bridge program (`contracts/solana/program`), one binary: the built `.so`
//! in LiteSVM for every instruction, rule and rejected input (including a substituted account
//! per instruction, the Wormhole 2022 lesson), the shared protocol vectors
//! (`bridge/vectors/v2.json`), the Anchor IDL, and end to end on solana-test-validator.
//! Build the program first: `contracts/solana/build.sh` (or run `contracts/solana/test.sh`).

// Test helpers outside #[test] functions unwrap and index too: a failure is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod client;
mod close_signatures;
mod common;
mod deliver;
mod e2e;
mod fees;
mod governance;
mod idl;
mod initialize;
mod messages;
mod queued;
mod send;
mod staged;
mod tokens;
mod upgrade;
mod vectors;
