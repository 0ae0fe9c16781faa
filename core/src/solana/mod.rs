//! Solana addresses, messages, transactions, off-chain messages and the ed25519 signer.
//!
//! Everything here is implemented from the wire formats; nothing depends on the Solana SDK.

pub mod address;
mod compile;
pub mod instruction;
pub mod message;
pub mod offchain;
pub mod signer;
pub mod transaction;
mod wire;

pub use address::SolanaAddress;
pub use instruction::{AccountMeta, Instruction};
pub use message::{
    AddressLookupTableAccount, CompiledInstruction, Message, MessageAddressTableLookup,
    MessageHeader, V0Message, VersionedMessage,
};
pub use offchain::{MessageFormat, OffchainMessage};
pub use signer::SolanaSigner;
pub use transaction::Transaction;
