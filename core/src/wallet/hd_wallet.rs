//! [`HdWallet`]: a BIP39 seed and the EVM and Solana accounts derived from it.

use std::fmt;

use zeroize::Zeroizing;

use crate::error::Result;
use crate::evm::EvmSigner;
use crate::solana::SolanaSigner;
use crate::wallet::bip32::ExtendedPrivateKey;
use crate::wallet::mnemonic::{Mnemonic, Seed};
use crate::wallet::path::{DerivationPath, SolanaPathStyle};
use crate::wallet::slip10;

/// A hierarchical deterministic wallet: one BIP39 seed, any number of accounts.
///
/// EVM accounts are BIP32/BIP44 secp256k1 keys (default `m/44'/60'/0'/0/i`); Solana accounts
/// are SLIP-10 ed25519 keys (default `m/44'/501'/i'/0'`, or `m/44'/501'/i'` with
/// [`SolanaPathStyle::Bip44`]). The seed is zeroized on drop and never printed.
#[derive(Clone)]
pub struct HdWallet {
    seed: Seed,
}

impl fmt::Debug for HdWallet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HdWallet(<redacted>)")
    }
}

impl HdWallet {
    /// The wallet of `mnemonic` with the BIP39 `passphrase` (`""` for none).
    pub fn from_mnemonic(mnemonic: &Mnemonic, passphrase: &str) -> Self {
        HdWallet {
            seed: mnemonic.to_seed(passphrase),
        }
    }

    /// The wallet of a 64-byte BIP39 seed.
    pub fn from_seed(seed: Seed) -> Self {
        HdWallet { seed }
    }

    /// The EVM signer at `path` (BIP32 secp256k1; any path, hardened or not).
    pub fn evm_signer(&self, path: &DerivationPath) -> Result<EvmSigner> {
        let key = self.evm_private_key(path)?;
        EvmSigner::from_private_key(&key)
    }

    /// The EVM signer of account `index` at `m/44'/60'/0'/0/index`.
    pub fn evm_account(&self, index: u32) -> Result<EvmSigner> {
        self.evm_signer(&DerivationPath::evm(index)?)
    }

    /// Exports the secp256k1 private key at `path`. Only for an explicit user export: every
    /// signing operation is available without it.
    pub fn evm_private_key(&self, path: &DerivationPath) -> Result<Zeroizing<[u8; 32]>> {
        let key = ExtendedPrivateKey::new_master(self.seed.as_bytes())?.derive_path(path)?;
        Ok(key.private_key_bytes())
    }

    /// The Solana signer at `path` (SLIP-10 ed25519; every component must be hardened).
    pub fn solana_signer(&self, path: &DerivationPath) -> Result<SolanaSigner> {
        let key = self.solana_private_key(path)?;
        Ok(SolanaSigner::from_secret_key(&key))
    }

    /// The Solana signer of account `index` in the given path style.
    pub fn solana_account(&self, index: u32, style: SolanaPathStyle) -> Result<SolanaSigner> {
        self.solana_signer(&DerivationPath::solana(index, style)?)
    }

    /// Exports the 32-byte ed25519 secret key at `path`. Only for an explicit user export.
    pub fn solana_private_key(&self, path: &DerivationPath) -> Result<Zeroizing<[u8; 32]>> {
        Ok(slip10::derive_path(self.seed.as_bytes(), path)?.private_key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANVIL: &str = "test test test test test test test test test test test junk";

    #[test]
    fn anvil_accounts() {
        let wallet = HdWallet::from_mnemonic(&Mnemonic::parse(ANVIL).unwrap(), "");
        assert_eq!(
            wallet.evm_account(0).unwrap().address().to_string(),
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
        );
        assert_eq!(
            wallet.evm_account(1).unwrap().address().to_string(),
            "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
        );
    }

    #[test]
    fn passphrase_changes_every_account() {
        let m = Mnemonic::parse(ANVIL).unwrap();
        let plain = HdWallet::from_mnemonic(&m, "");
        let with = HdWallet::from_mnemonic(&m, "TREZOR");
        assert_ne!(
            plain.evm_account(0).unwrap().address(),
            with.evm_account(0).unwrap().address()
        );
        assert_ne!(
            plain
                .solana_account(0, SolanaPathStyle::Bip44Change)
                .unwrap()
                .pubkey(),
            with.solana_account(0, SolanaPathStyle::Bip44Change)
                .unwrap()
                .pubkey()
        );
    }

    #[test]
    fn solana_path_styles_differ_and_reject_soft_paths() {
        let wallet = HdWallet::from_mnemonic(&Mnemonic::parse(ANVIL).unwrap(), "");
        let a = wallet
            .solana_account(0, SolanaPathStyle::Bip44Change)
            .unwrap();
        let b = wallet.solana_account(0, SolanaPathStyle::Bip44).unwrap();
        assert_ne!(a.pubkey(), b.pubkey());
        let soft: DerivationPath = "m/44'/501'/0'/0".parse().unwrap();
        assert!(wallet.solana_signer(&soft).is_err());
    }

    #[test]
    fn debug_is_redacted() {
        let wallet = HdWallet::from_mnemonic(&Mnemonic::parse(ANVIL).unwrap(), "");
        assert_eq!(format!("{wallet:?}"), "HdWallet(<redacted>)");
    }
}
