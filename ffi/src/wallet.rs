//! [`Wallet`]: derivation, export and signing with a seed the host keeps in secure storage.

use std::fmt;
use std::sync::Arc;

use trestle_core::evm::{EvmSigner, TransactionRequest, TypedData};
use trestle_core::solana::SolanaSigner;
use trestle_core::wallet::HdWallet;
use trestle_core::wallet::mnemonic::{Mnemonic, Seed};
use trestle_core::wallet::path::DerivationPath;
use zeroize::Zeroizing;

use crate::address::SolanaPathStyle;
use crate::error::{KeyStoreError, Result, TrestleError};
use crate::evm::{EvmTransaction, SignedEvmTransaction};
use crate::mnemonic::Language;
use crate::solana::{
    SignedSolanaTransaction, sign_instructions, sol_transfer, spl_transfer_instructions,
};

/// Length of a BIP39 seed.
const SEED_LEN: usize = 64;

/// The app's secure storage for wallet seeds, implemented by the host: iOS Keychain, Android
/// Keystore-backed storage, or anything else that keeps secrets.
///
/// Trestle calls [`SecureKeyStore::load_seed`] at the start of every operation that needs the
/// keys (deriving an account, signing, exporting), uses the seed, and zeroizes its copy before
/// the call returns. It never stores the seed. The store decides whether to ask the user
/// (biometrics) before answering. It is called synchronously on the thread that called the
/// [`Wallet`] method, never from the network runtime.
#[uniffi::export(with_foreign)]
pub trait SecureKeyStore: Send + Sync {
    /// The 64-byte BIP39 seed stored under `key_id` (see [`crate::mnemonic_to_seed`]).
    fn load_seed(&self, key_id: String) -> Result<Vec<u8>, KeyStoreError>;
}

enum SeedSource {
    Store {
        store: Arc<dyn SecureKeyStore>,
        key_id: String,
    },
    Memory(Seed),
}

/// Public data of an EVM account.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EvmAccount {
    /// The derivation path, canonical form.
    pub path: String,
    /// The address, EIP-55.
    pub address: String,
    /// The uncompressed SEC1 public key (65 bytes, `0x04 || x || y`).
    pub public_key: Vec<u8>,
}

/// Public data of a Solana account.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SolanaAccount {
    /// The derivation path, canonical form.
    pub path: String,
    /// The address (the ed25519 public key), base58.
    pub address: String,
    /// The 32-byte ed25519 public key.
    pub public_key: Vec<u8>,
}

/// An HD wallet: EVM accounts (BIP32/BIP44 secp256k1) and Solana accounts (SLIP-10 ed25519)
/// of one BIP39 seed, and everything they sign.
///
/// Built with [`Wallet::new`] on a host [`SecureKeyStore`] (the seed is fetched per operation
/// and zeroized after it), or with [`Wallet::from_mnemonic`] / [`Wallet::from_seed`], which keep
/// the seed in memory until the object is dropped (onboarding, tests).
///
/// Signing methods take the account's derivation path as returned in
/// [`EvmAccount::path`] / [`SolanaAccount::path`]; private keys leave the library only through
/// the `export_*` methods.
#[derive(uniffi::Object)]
pub struct Wallet {
    source: SeedSource,
}

impl fmt::Debug for Wallet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            SeedSource::Store { key_id, .. } => write!(f, "Wallet(store, key_id = {key_id:?})"),
            SeedSource::Memory(_) => f.write_str("Wallet(<in-memory seed redacted>)"),
        }
    }
}

fn seed_from_bytes(bytes: &[u8]) -> Result<Seed> {
    let mut arr = Zeroizing::new([0u8; SEED_LEN]);
    if bytes.len() != SEED_LEN {
        return Err(TrestleError::InvalidKey(format!(
            "invalid key: a BIP39 seed is {SEED_LEN} bytes, got {}",
            bytes.len()
        )));
    }
    arr.copy_from_slice(bytes);
    Ok(Seed::from_bytes(*arr))
}

fn parse_path(path: &str) -> Result<DerivationPath> {
    Ok(DerivationPath::parse(path)?)
}

fn evm_account(signer: &EvmSigner, path: &DerivationPath) -> EvmAccount {
    EvmAccount {
        path: path.to_string(),
        address: signer.address().to_checksum(),
        public_key: signer.public_key().to_vec(),
    }
}

fn solana_account(signer: &SolanaSigner, path: &DerivationPath) -> SolanaAccount {
    let pubkey = signer.pubkey();
    SolanaAccount {
        path: path.to_string(),
        address: pubkey.to_string(),
        public_key: pubkey.to_bytes().to_vec(),
    }
}

impl Wallet {
    /// Runs `f` with the HD wallet of the seed; the seed is zeroized when `f` returns.
    fn with_hd<T>(&self, f: impl FnOnce(&HdWallet) -> Result<T>) -> Result<T> {
        let hd = match &self.source {
            SeedSource::Store { store, key_id } => {
                let bytes = Zeroizing::new(store.load_seed(key_id.clone())?);
                HdWallet::from_seed(seed_from_bytes(&bytes)?)
            }
            SeedSource::Memory(seed) => HdWallet::from_seed(seed.clone()),
        };
        f(&hd)
    }

    fn with_evm<T>(&self, path: &str, f: impl FnOnce(&EvmSigner) -> Result<T>) -> Result<T> {
        let path = parse_path(path)?;
        self.with_hd(|hd| f(&hd.evm_signer(&path)?))
    }

    fn with_solana<T>(&self, path: &str, f: impl FnOnce(&SolanaSigner) -> Result<T>) -> Result<T> {
        let path = parse_path(path)?;
        self.with_hd(|hd| f(&hd.solana_signer(&path)?))
    }

    /// The EVM signing key at `path`, for a bridge send (the seed is zeroized on return; the
    /// key zeroizes on drop).
    pub(crate) fn evm_signer_at(&self, path: &str) -> Result<EvmSigner> {
        self.with_evm(path, |s| Ok(s.clone()))
    }

    /// The Solana signing key at `path`, for a bridge send.
    pub(crate) fn solana_signer_at(&self, path: &str) -> Result<SolanaSigner> {
        self.with_solana(path, |s| Ok(s.clone()))
    }
}

#[uniffi::export]
impl Wallet {
    /// A wallet whose seed the host keeps in `store` under `key_id`. Makes no call to the store
    /// yet. Refuses an empty `key_id` (`InvalidArgument`).
    #[uniffi::constructor]
    pub fn new(store: Arc<dyn SecureKeyStore>, key_id: String) -> Result<Arc<Self>> {
        if key_id.is_empty() {
            return Err(TrestleError::InvalidArgument(
                "invalid key id: must not be empty".to_owned(),
            ));
        }
        Ok(Arc::new(Self {
            source: SeedSource::Store { store, key_id },
        }))
    }

    /// A wallet of `phrase` (in `language`) and the BIP39 `passphrase` (`""` for none), holding
    /// the seed in memory until dropped. Refuses an invalid mnemonic (see
    /// [`crate::validate_mnemonic`]).
    #[uniffi::constructor]
    pub fn from_mnemonic(
        phrase: String,
        passphrase: String,
        language: Language,
    ) -> Result<Arc<Self>> {
        let phrase = Zeroizing::new(phrase);
        let passphrase = Zeroizing::new(passphrase);
        let m = Mnemonic::parse_in(language.into(), &phrase)?;
        Ok(Arc::new(Self {
            source: SeedSource::Memory(m.to_seed(&passphrase)),
        }))
    }

    /// A wallet of a 64-byte BIP39 seed, held in memory until dropped. Refuses other lengths
    /// (`InvalidKey`).
    #[uniffi::constructor]
    pub fn from_seed(seed: Vec<u8>) -> Result<Arc<Self>> {
        let seed = Zeroizing::new(seed);
        Ok(Arc::new(Self {
            source: SeedSource::Memory(seed_from_bytes(&seed)?),
        }))
    }

    /// The EVM account `index` at `m/44'/60'/0'/0/{index}`. Refuses an index of 2^31 or more
    /// (`InvalidPath`); reports a failing key store (`KeyStore`).
    pub fn evm_account(&self, index: u32) -> Result<EvmAccount> {
        let path = DerivationPath::evm(index)?;
        self.with_hd(|hd| Ok(evm_account(&hd.evm_signer(&path)?, &path)))
    }

    /// The EVM account at any BIP32 `path`. Refuses malformed paths (`InvalidPath`).
    pub fn evm_account_at(&self, path: String) -> Result<EvmAccount> {
        let path = parse_path(&path)?;
        self.with_hd(|hd| Ok(evm_account(&hd.evm_signer(&path)?, &path)))
    }

    /// The Solana account `index` in `style` (`m/44'/501'/{index}'/0'` or `m/44'/501'/{index}'`).
    /// Refuses an index of 2^31 or more (`InvalidPath`).
    pub fn solana_account(&self, index: u32, style: SolanaPathStyle) -> Result<SolanaAccount> {
        let path = DerivationPath::solana(index, style.into())?;
        self.with_hd(|hd| Ok(solana_account(&hd.solana_signer(&path)?, &path)))
    }

    /// The Solana account at `path`; SLIP-10 ed25519 needs every component hardened. Refuses
    /// malformed paths and paths with a non-hardened component (`InvalidPath`).
    pub fn solana_account_at(&self, path: String) -> Result<SolanaAccount> {
        let path = parse_path(&path)?;
        self.with_hd(|hd| Ok(solana_account(&hd.solana_signer(&path)?, &path)))
    }

    /// Exports the 32-byte secp256k1 private key at `path`: only for an explicit user export
    /// (every signing operation works without it). Zero the bytes when done.
    pub fn export_evm_private_key(&self, path: String) -> Result<Vec<u8>> {
        let path = parse_path(&path)?;
        self.with_hd(|hd| Ok(hd.evm_private_key(&path)?.to_vec()))
    }

    /// Exports the Solana keypair at `path` as the 64 bytes `secret || public` that Phantom,
    /// Solflare and `solana-keygen` import (base58 or JSON array). Only for an explicit user
    /// export. Zero the bytes when done.
    pub fn export_solana_keypair(&self, path: String) -> Result<Vec<u8>> {
        self.with_solana(&path, |s| Ok(s.to_keypair_bytes().to_vec()))
    }

    /// Signs an `eth_signTransaction` request object (JSON text) with the EVM key at `path`.
    ///
    /// The request must be complete (`chainId`, `nonce`, `gas`, and `gasPrice` or the two
    /// EIP-1559 fee fields); a `from` field must be the signer's address. Refuses unknown
    /// fields, malformed quantities and inconsistent fee fields (`InvalidTransaction`).
    pub fn sign_evm_transaction_json(
        &self,
        path: String,
        request_json: String,
    ) -> Result<SignedEvmTransaction> {
        let request = TransactionRequest::from_json(&request_json)?;
        self.with_evm(&path, |s| Ok(s.sign_request(&request)?.into()))
    }

    /// Signs a typed transaction record with the EVM key at `path`. Refuses malformed
    /// amounts or addresses (`InvalidArgument`, `InvalidAddress`) and fields that do not fit
    /// the type (`InvalidTransaction`).
    pub fn sign_evm_transaction(
        &self,
        path: String,
        transaction: EvmTransaction,
    ) -> Result<SignedEvmTransaction> {
        let tx = transaction.to_request()?.to_transaction()?;
        self.with_evm(&path, |s| Ok(s.sign_transaction(&tx)?.into()))
    }

    /// Signs `message` with EIP-191 (`personal_sign`) and returns the 65-byte `r || s || v`
    /// signature in `0x` hex.
    pub fn sign_evm_message(&self, path: String, message: Vec<u8>) -> Result<String> {
        self.with_evm(&path, |s| Ok(s.sign_message(&message)?.to_hex()))
    }

    /// Signs EIP-712 typed data (`eth_signTypedData_v4` JSON) and returns the 65-byte
    /// signature in `0x` hex. Refuses malformed or inconsistent typed data (`InvalidTypedData`).
    pub fn sign_typed_data(&self, path: String, typed_data_json: String) -> Result<String> {
        let data = TypedData::from_json(&typed_data_json)?;
        self.with_evm(&path, |s| Ok(s.sign_typed_data(&data)?.to_hex()))
    }

    /// Signs a transfer of `lamports` from the Solana account at `path` to `to`, with the
    /// base58 `recent_blockhash`; a non-zero `compute_unit_price` (micro-lamports) adds a
    /// priority fee. Refuses malformed addresses (`InvalidAddress`) and blockhashes
    /// (`InvalidSolanaMessage`).
    pub fn sign_sol_transfer(
        &self,
        path: String,
        to: String,
        lamports: u64,
        recent_blockhash: String,
        compute_unit_price: u64,
    ) -> Result<SignedSolanaTransaction> {
        self.with_solana(&path, |s| {
            let ix = sol_transfer(s, &to, lamports)?;
            sign_instructions(s, ix, &recent_blockhash, compute_unit_price)
        })
    }

    /// Signs an SPL token transfer of `amount` base units of `mint` (with its `decimals`) from
    /// the associated token account of the Solana account at `path` to `to_wallet`'s,
    /// creating the recipient's associated token account first if it does not exist
    /// (idempotent; rent paid by the sender). `token_program` is SPL Token or Token-2022.
    /// Refuses malformed addresses (`InvalidAddress`) and other token programs
    /// (`InvalidSolanaMessage`).
    #[allow(clippy::too_many_arguments)] // Mirrors the instruction's inputs one to one.
    pub fn sign_spl_transfer(
        &self,
        path: String,
        to_wallet: String,
        mint: String,
        amount: u64,
        decimals: u8,
        token_program: String,
        recent_blockhash: String,
        compute_unit_price: u64,
    ) -> Result<SignedSolanaTransaction> {
        self.with_solana(&path, |s| {
            let ix =
                spl_transfer_instructions(s, &to_wallet, &mint, amount, decimals, &token_program)?;
            sign_instructions(s, ix, &recent_blockhash, compute_unit_price)
        })
    }

    /// Signs raw bytes with the Solana key at `path` (what Phantom's `signMessage` does) and
    /// returns the 64-byte ed25519 signature in base58.
    pub fn sign_solana_message(&self, path: String, message: Vec<u8>) -> Result<String> {
        self.with_solana(&path, |s| {
            Ok(bs58::encode(s.sign_message(&message)).into_string())
        })
    }

    /// Signs `message` in the Solana off-chain message format (version 0, as
    /// `solana sign-offchain-message`) and returns the signature in base58. Refuses an empty or
    /// too long message (`InvalidSolanaMessage`).
    pub fn sign_solana_offchain_message(&self, path: String, message: String) -> Result<String> {
        self.with_solana(&path, |s| {
            Ok(bs58::encode(s.sign_offchain_message(&message)?).into_string())
        })
    }
}
