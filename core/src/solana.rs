//! Solana addresses, messages, transactions, off-chain messages and the ed25519 signer, and
//! what a wallet signs for dApps: their wire transactions byte-exact ([`wire_transaction`])
//! and Sign-In With Solana messages ([`sign_in`]).
//!
//! Everything here is implemented from the wire formats; nothing depends on the Solana SDK.
//! Messages compile with the account order of solana-message (legacy and v0), so the bytes a
//! wallet signs here are the bytes the Solana SDK would produce; the differential tests in
//! `core/tests/solana_differential.rs` check that on random inputs.
//!
//! ```
//! use trestle_core::solana::address::TOKEN_PROGRAM_ID;
//! use trestle_core::solana::instruction::{set_compute_unit_price, spl_transfer};
//! use trestle_core::solana::{Message, SolanaAddress, SolanaSigner, Transaction};
//!
//! # fn main() -> trestle_core::Result<()> {
//! let wallet = SolanaSigner::from_secret_key(&[7; 32]);
//! let to = SolanaAddress::parse("3h1zGmCwsRJnVk5BuRNMLsPaQu1y2aqXqXDWYCgrp5UG")?;
//! let usdc = SolanaAddress::parse("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v")?;
//! // Priority fee, then create the recipient's token account if missing, then transfer 1 USDC.
//! let mut instructions = vec![set_compute_unit_price(1_000)];
//! instructions.extend(spl_transfer(&wallet.pubkey(), &to, &usdc, 1_000_000, 6, &TOKEN_PROGRAM_ID)?);
//! let blockhash = [1; 32]; // from getLatestBlockhash
//! let message = Message::try_compile(&instructions, Some(&wallet.pubkey()), blockhash)?;
//! let mut tx = Transaction::new_unsigned(message);
//! tx.sign(&[&wallet])?;
//! tx.verify()?;
//! let wire = tx.to_base64()?; // for sendTransaction
//! assert_eq!(Transaction::from_base64(&wire)?, tx);
//! # Ok(())
//! # }
//! ```

pub mod address;
mod compile;
pub mod instruction;
pub mod message;
pub mod offchain;
pub mod sign_in;
pub mod signer;
pub mod transaction;
mod wire;
pub mod wire_transaction;

pub use address::SolanaAddress;
pub use instruction::{AccountMeta, Instruction};
pub use message::{
    AddressLookupTableAccount, CompiledInstruction, Message, MessageAddressTableLookup,
    MessageHeader, V0Message, VersionedMessage,
};
pub use offchain::{MessageFormat, OffchainMessage};
pub use signer::SolanaSigner;
pub use transaction::Transaction;
pub use wire_transaction::{MessageVersion, WireSignature, WireTransaction, sign_all};
