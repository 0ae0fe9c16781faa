//! Integration tests of `trestle-bridge`: property tests of every codec and rule, never-panic
//! properties of every decoder, and the shared vectors (`bridge/vectors/v1.json`).

// Test helpers outside #[test] functions unwrap and index too: a failure is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod bindings;
mod props;
mod solana_body_cap;
mod vectors;
