//! The three measurements of the relayer benchmark.

pub mod latency;
pub mod memory;
pub mod throughput;
