//! Solana signing types: signed transactions, transaction building, signature checks.

use base64::Engine as _;
use trestle_core::solana::instruction::{set_compute_unit_price, spl_transfer, system_transfer};
use trestle_core::solana::message::parse_blockhash;
use trestle_core::solana::{Instruction, Message, SolanaAddress, SolanaSigner, Transaction};

use crate::error::{Result, invalid_argument};

/// A signed Solana transaction, ready for `sendTransaction`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SignedSolanaTransaction {
    /// The fee payer's signature in base58: the transaction id explorers show.
    pub signature: String,
    /// The wire bytes.
    pub wire: Vec<u8>,
    /// Base64 of `wire`, the encoding `sendTransaction` takes.
    pub base64: String,
}

/// Compiles `instructions` into a legacy message paid by `signer`, signs and serialises it.
/// A non-zero `compute_unit_price` (micro-lamports) prepends a `SetComputeUnitPrice`.
pub(crate) fn sign_instructions(
    signer: &SolanaSigner,
    mut instructions: Vec<Instruction>,
    recent_blockhash: &str,
    compute_unit_price: u64,
) -> Result<SignedSolanaTransaction> {
    let blockhash = parse_blockhash(recent_blockhash)?;
    if compute_unit_price > 0 {
        instructions.insert(0, set_compute_unit_price(compute_unit_price));
    }
    let payer = signer.pubkey();
    let message = Message::try_compile(&instructions, Some(&payer), blockhash)?;
    let mut tx = Transaction::new_unsigned(message);
    tx.sign(&[signer])?;
    let wire = tx.serialize()?;
    let signature = tx.id().ok_or_else(|| {
        crate::error::TrestleError::Internal("signed transaction has no signature".to_owned())
    })?;
    Ok(SignedSolanaTransaction {
        signature,
        base64: base64::engine::general_purpose::STANDARD.encode(&wire),
        wire,
    })
}

/// The instruction of a SOL transfer from `signer` to `to`.
pub(crate) fn sol_transfer(
    signer: &SolanaSigner,
    to: &str,
    lamports: u64,
) -> Result<Vec<Instruction>> {
    let to = SolanaAddress::parse(to)?;
    Ok(vec![system_transfer(&signer.pubkey(), &to, lamports)])
}

/// The instructions of an SPL transfer from `signer`'s associated token account to
/// `to_wallet`'s, creating the recipient's account first (idempotent, paid by `signer`).
pub(crate) fn spl_transfer_instructions(
    signer: &SolanaSigner,
    to_wallet: &str,
    mint: &str,
    amount: u64,
    decimals: u8,
    token_program: &str,
) -> Result<Vec<Instruction>> {
    Ok(spl_transfer(
        &signer.pubkey(),
        &SolanaAddress::parse(to_wallet)?,
        &SolanaAddress::parse(mint)?,
        amount,
        decimals,
        &SolanaAddress::parse(token_program)?,
    )?)
}

fn parse_signature(signature: &str) -> Result<[u8; 64]> {
    let bytes = bs58::decode(signature.trim())
        .into_vec()
        .map_err(|e| invalid_argument("signature", format!("not base58: {e}")))?;
    <[u8; 64]>::try_from(bytes.as_slice()).map_err(|_| {
        invalid_argument(
            "signature",
            format!("expected 64 bytes, got {}", bytes.len()),
        )
    })
}

/// Checks an ed25519 signature (base58) by `address` over raw `message` bytes, strictly.
/// Refuses a malformed address (`InvalidAddress`) or signature (`InvalidArgument`) and a
/// signature that does not verify (`InvalidSignature`).
#[uniffi::export]
pub fn verify_solana_signature(address: String, message: Vec<u8>, signature: String) -> Result<()> {
    let key = SolanaAddress::parse(&address)?;
    let sig = parse_signature(&signature)?;
    Ok(SolanaSigner::verify(&key, &message, &sig)?)
}

/// Checks a signature made by [`crate::Wallet::sign_solana_offchain_message`] (Solana
/// off-chain message format, version 0). Errors as [`verify_solana_signature`], plus
/// `InvalidSolanaMessage` for an empty or too long message.
#[uniffi::export]
pub fn verify_solana_offchain_message(
    address: String,
    message: String,
    signature: String,
) -> Result<()> {
    let key = SolanaAddress::parse(&address)?;
    let sig = parse_signature(&signature)?;
    Ok(SolanaSigner::verify_offchain_message(&key, &message, &sig)?)
}
