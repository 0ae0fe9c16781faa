#![doc = include_str!("../README.md")]

mod address;
mod bridge;
mod error;
mod evm;
mod keystore;
mod mnemonic;
mod network;
mod solana;
mod wallet;

pub use address::{
    SolanaAddressInfo, SolanaPathStyle, associated_token_address, evm_derivation_path,
    is_valid_evm_address, is_valid_solana_address, parse_derivation_path, parse_evm_address,
    parse_solana_address, solana_derivation_path, spl_token_program_id, token_2022_program_id,
};
pub use bridge::{
    EvmBridge, RelayerApi, SentMessage, SolanaBridge, TransferStage, TransferStatus, token_id,
};
pub use error::{KeyStoreError, Result, TrestleError};
pub use evm::{
    AccessListEntry, EvmTransaction, EvmTransactionType, SignedEvmTransaction,
    recover_message_signer, recover_typed_data_signer, typed_data_hash,
};
pub use keystore::{KeystoreKdf, keystore_address, keystore_decrypt, keystore_encrypt};
pub use mnemonic::{
    Language, generate_mnemonic, language_from_name, languages, mnemonic_to_seed,
    validate_mnemonic, wordlist,
};
pub use network::{EvmChain, FeeSuggestion, SolanaClient, TxStatus};
pub use solana::{
    SignedSolanaTransaction, verify_solana_offchain_message, verify_solana_signature,
};
pub use wallet::{EvmAccount, SecureKeyStore, SolanaAccount, Wallet};

uniffi::setup_scaffolding!();
