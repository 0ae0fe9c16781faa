//! End-to-end tests of trestle-evm against real anvil nodes (started by `trestle-tests`) and
//! against small local servers that misbehave on purpose.

// Tests may unwrap, expect, panic and index: a failing test is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

mod artifact;
mod code;
mod endpoints;
mod finality;
mod heads;
mod indexer;
mod journal;
mod nonces;
mod replacement;
mod transfers;
