//! Chain-neutral types shared by every Trestle crate.

use std::fmt;

/// The family of chain an address, key or transaction belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChainKind {
    /// Ethereum and every EVM-compatible chain (secp256k1 keys, 20-byte addresses).
    Evm,
    /// Solana (ed25519 keys, 32-byte base58 addresses).
    Solana,
}

impl fmt::Display for ChainKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ChainKind::Evm => "EVM",
            ChainKind::Solana => "Solana",
        })
    }
}
