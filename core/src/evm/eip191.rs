//! EIP-191 version `0x45` ("personal_sign") message hashing.

use crate::evm::keccak256;

/// The prefix `personal_sign` puts before the message length and the message.
pub const PREFIX: &str = "\x19Ethereum Signed Message:\n";

/// `keccak256("\x19Ethereum Signed Message:\n" || decimal(len(msg)) || msg)`.
///
/// The message is taken as raw bytes: a caller that received `0x`-hex from `personal_sign`
/// decodes it first, as wallets do.
pub fn hash_message(msg: &[u8]) -> [u8; 32] {
    let len = msg.len().to_string();
    let mut buf = Vec::with_capacity(PREFIX.len() + len.len() + msg.len());
    buf.extend_from_slice(PREFIX.as_bytes());
    buf.extend_from_slice(len.as_bytes());
    buf.extend_from_slice(msg);
    keccak256(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_world() {
        // keccak256("\x19Ethereum Signed Message:\n11Hello World"), the value ethers.js
        // `hashMessage("Hello World")` documents.
        assert_eq!(
            hex::encode(hash_message(b"Hello World")),
            "a1de988600a42c4b4ab089b619297c17d53cffae5d5120d82d8a92d0bb3b78f2"
        );
    }
}
