//! Solana addresses, messages, transactions, off-chain messages and the ed25519 signer.

// pub mod address;
