//! EVM addresses, transactions, EIP-191 messages, EIP-712 typed data and the secp256k1 signer.

// pub mod address;
