//! Addresses of both chains and derivation paths: parse, check, normalise.

use trestle_core::evm::EvmAddress;
use trestle_core::solana::SolanaAddress;
use trestle_core::solana::address::{TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID};
use trestle_core::solana::instruction::get_associated_token_address;
use trestle_core::wallet::path::{DerivationPath, SolanaPathStyle as CoreSolanaPathStyle};

use crate::error::Result;

/// Which of the two Solana derivation layouts in common use to follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, uniffi::Enum)]
pub enum SolanaPathStyle {
    /// `m/44'/501'/{index}'/0'`: Phantom, Solflare, Backpack and `solana-keygen` (the default).
    #[default]
    Bip44Change,
    /// `m/44'/501'/{index}'`: Ledger Live and Trust Wallet.
    Bip44,
}

impl From<SolanaPathStyle> for CoreSolanaPathStyle {
    fn from(s: SolanaPathStyle) -> Self {
        match s {
            SolanaPathStyle::Bip44Change => CoreSolanaPathStyle::Bip44Change,
            SolanaPathStyle::Bip44 => CoreSolanaPathStyle::Bip44,
        }
    }
}

/// A Solana address after parsing.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SolanaAddressInfo {
    /// The address in canonical base58.
    pub address: String,
    /// Whether the 32 bytes are a point on the ed25519 curve: `true` for wallet (keypair)
    /// addresses, `false` for program-derived addresses (token accounts, PDAs), which no key
    /// can sign for. Sending SOL to an off-curve address is usually a mistake.
    pub on_curve: bool,
}

/// Parses an EVM address and returns its EIP-55 checksummed form.
///
/// Accepts `0x` + 40 hex digits; mixed case must be a correct EIP-55 checksum (all-lowercase
/// and all-uppercase are accepted unchecked). Refuses anything else (`InvalidAddress`).
#[uniffi::export]
pub fn parse_evm_address(input: String) -> Result<String> {
    Ok(EvmAddress::parse(&input)?.to_checksum())
}

/// Whether [`parse_evm_address`] accepts `input`.
#[uniffi::export]
pub fn is_valid_evm_address(input: String) -> bool {
    EvmAddress::parse(&input).is_ok()
}

/// Parses a Solana address (base58 of exactly 32 bytes) and says whether it is on the ed25519
/// curve. Refuses anything else (`InvalidAddress`).
#[uniffi::export]
pub fn parse_solana_address(input: String) -> Result<SolanaAddressInfo> {
    let address = SolanaAddress::parse(&input)?;
    Ok(SolanaAddressInfo {
        address: address.to_string(),
        on_curve: address.is_on_curve(),
    })
}

/// Whether [`parse_solana_address`] accepts `input`.
#[uniffi::export]
pub fn is_valid_solana_address(input: String) -> bool {
    SolanaAddress::parse(&input).is_ok()
}

/// The SPL Token program id (`TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA`).
#[uniffi::export]
pub fn spl_token_program_id() -> String {
    TOKEN_PROGRAM_ID.to_string()
}

/// The Token-2022 program id (`TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb`).
#[uniffi::export]
pub fn token_2022_program_id() -> String {
    TOKEN_2022_PROGRAM_ID.to_string()
}

/// The associated token account of `wallet` for `mint` under `token_program` (SPL Token or
/// Token-2022). Refuses malformed addresses (`InvalidAddress`).
#[uniffi::export]
pub fn associated_token_address(
    wallet: String,
    mint: String,
    token_program: String,
) -> Result<String> {
    let ata = get_associated_token_address(
        &SolanaAddress::parse(&wallet)?,
        &SolanaAddress::parse(&mint)?,
        &SolanaAddress::parse(&token_program)?,
    )?;
    Ok(ata.to_string())
}

/// Parses a BIP32 derivation path (`m/44'/60'/0'/0/0`; `'`, `h` or `H` mark hardened
/// components) and returns it in canonical form. Refuses malformed paths (`InvalidPath`).
#[uniffi::export]
pub fn parse_derivation_path(path: String) -> Result<String> {
    Ok(DerivationPath::parse(&path)?.to_string())
}

/// The default EVM path of account `index`: `m/44'/60'/0'/0/{index}`. Refuses an index of
/// 2^31 or more (`InvalidPath`).
#[uniffi::export]
pub fn evm_derivation_path(index: u32) -> Result<String> {
    Ok(DerivationPath::evm(index)?.to_string())
}

/// The Solana path of account `index` in `style`. Refuses an index of 2^31 or more
/// (`InvalidPath`).
#[uniffi::export]
pub fn solana_derivation_path(index: u32, style: SolanaPathStyle) -> Result<String> {
    Ok(DerivationPath::solana(index, style.into())?.to_string())
}
