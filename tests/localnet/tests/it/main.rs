//! End-to-end tests of the local bridge network (one binary).

mod demo;
mod solana_demo;
