//! The measurements of the relayer benchmark.

pub mod latency;
pub mod memory;
pub mod solana;
pub mod throughput;
