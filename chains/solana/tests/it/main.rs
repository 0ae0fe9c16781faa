//! End-to-end tests of `trestle-solana` against a real `solana-test-validator` (started per
//! test by `trestle-tests`), and against tiny local servers that answer garbage.
//!
//! Every test name contains `solana` so nextest's validator group runs them one at a time.

// Tests may unwrap: a failed unwrap is a failed test, with the error in its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
mod errors;
mod events;
mod failover;
mod landing;
mod lookup;
mod reading;
mod transfers;
