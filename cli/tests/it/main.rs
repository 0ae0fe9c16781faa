//! Integration tests of the `trestle` command line: the real binary, as a process, for every
//! subcommand. `wallet` offline; `bridge` against anvil chains and solana-test-validator with
//! the bridges deployed and in-process daemons (set-up in trestle-relayer-harness); `relayer`:
//! `check-config`, `messages` on a real store, and `run` as a process (keystore passwords from
//! the environment, JSON logs, SIGTERM and SIGKILL).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests: a failed unwrap is a failed test"
)]

mod bridge;
mod bridge_solana;
mod governance;
mod governance_solana;
mod relayer_commands;
mod relayer_hsm;
mod relayer_run;
mod relayer_solana;
mod wallet;
mod wallet_dapp;
mod wallet_keys;
