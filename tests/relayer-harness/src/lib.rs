#![doc = include_str!("../README.md")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test support: a failed unwrap is a failed test, reported where it happened"
)]

pub mod daemons;
pub mod evm;
pub mod forge;
pub mod net;
pub mod proxy;
pub mod solana;
pub mod wait;
