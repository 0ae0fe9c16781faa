//! EVM addresses, transactions, EIP-191 messages, EIP-712 typed data and the secp256k1 signer
//! (a local key, or an [`ExternalSigner`] such as an HSM).

pub mod address;
pub mod eip191;
pub mod eip712;
pub mod eip7702;
pub mod external;
mod quantity;
mod rlp;
pub mod signature;
pub mod signer;
pub mod siwe;
pub mod transaction;

pub use address::EvmAddress;
pub use eip712::TypedData;
pub use external::ExternalSigner;
pub use signature::Signature;
pub use signer::EvmSigner;
pub use transaction::{SignedTransaction, TransactionRequest, TypedTransaction};

/// Keccak-256 of `data`, the hash every EVM encoding in this module uses.
pub fn keccak256(data: impl AsRef<[u8]>) -> [u8; 32] {
    use sha3::Digest;
    sha3::Keccak256::digest(data.as_ref()).into()
}
