//! Helpers for the Solana bridge program tests: see `tests/it`.
