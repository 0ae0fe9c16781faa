//! Cross-program invocations: System (create/allocate/assign/transfer) and SPL Token
//! (transfer, mint_to, burn, initialize_account3).

use pinocchio::{
    AccountView, Address,
    cpi::{Signer, invoke_signed},
    instruction::{InstructionAccount, InstructionView},
};

use crate::checks::{SYSTEM_PROGRAM_ID, TOKEN_PROGRAM_ID};
use crate::error::BridgeError;

#[inline(always)]
fn call<const N: usize>(
    program_id: &Address,
    metas: &[InstructionAccount; N],
    data: &[u8],
    accounts: &[&AccountView; N],
    signers: &[Signer],
) -> Result<(), BridgeError> {
    let ix = InstructionView {
        program_id,
        data,
        accounts: metas,
    };
    invoke_signed(&ix, accounts, signers).map_err(|e| match e {
        pinocchio::error::ProgramError::Custom(c) if c >= 6000 => BridgeError::Overflow,
        _ => BridgeError::WrongAccountData,
    })
}

/// System `CreateAccount`.
#[inline(always)]
pub fn create_account(
    payer: &AccountView,
    target: &AccountView,
    lamports: u64,
    space: u64,
    owner: &Address,
    signers: &[Signer],
) -> Result<(), BridgeError> {
    let mut data = [0u8; 52];
    data[4..12].copy_from_slice(&lamports.to_le_bytes());
    data[12..20].copy_from_slice(&space.to_le_bytes());
    data[20..52].copy_from_slice(owner.as_array());
    let metas = [
        InstructionAccount::writable_signer(payer.address()),
        InstructionAccount::writable_signer(target.address()),
    ];
    call(&SYSTEM_PROGRAM_ID, &metas, &data, &[payer, target], signers)
}

/// System `Transfer` from a signing wallet.
#[inline(always)]
pub fn transfer_lamports(
    from: &AccountView,
    to: &AccountView,
    lamports: u64,
) -> Result<(), BridgeError> {
    let mut data = [0u8; 12];
    data[0] = 2;
    data[4..12].copy_from_slice(&lamports.to_le_bytes());
    let metas = [
        InstructionAccount::writable_signer(from.address()),
        InstructionAccount::writable(to.address()),
    ];
    call(&SYSTEM_PROGRAM_ID, &metas, &data, &[from, to], &[])
}

/// System `Allocate` (PDA signs).
#[inline(always)]
pub fn allocate(target: &AccountView, space: u64, signers: &[Signer]) -> Result<(), BridgeError> {
    let mut data = [0u8; 12];
    data[0] = 8;
    data[4..12].copy_from_slice(&space.to_le_bytes());
    let metas = [InstructionAccount::writable_signer(target.address())];
    call(&SYSTEM_PROGRAM_ID, &metas, &data, &[target], signers)
}

/// System `Assign` (PDA signs).
#[inline(always)]
pub fn assign(
    target: &AccountView,
    owner: &Address,
    signers: &[Signer],
) -> Result<(), BridgeError> {
    let mut data = [0u8; 36];
    data[0] = 1;
    data[4..36].copy_from_slice(owner.as_array());
    let metas = [InstructionAccount::writable_signer(target.address())];
    call(&SYSTEM_PROGRAM_ID, &metas, &data, &[target], signers)
}

#[inline(always)]
fn amount_ix(tag: u8, amount: u64) -> [u8; 9] {
    let mut data = [0u8; 9];
    data[0] = tag;
    data[1..9].copy_from_slice(&amount.to_le_bytes());
    data
}

/// SPL Token `Transfer` (3).
#[inline(always)]
pub fn token_transfer(
    source: &AccountView,
    destination: &AccountView,
    authority: &AccountView,
    amount: u64,
    signers: &[Signer],
) -> Result<(), BridgeError> {
    let metas = [
        InstructionAccount::writable(source.address()),
        InstructionAccount::writable(destination.address()),
        InstructionAccount::readonly_signer(authority.address()),
    ];
    call(
        &TOKEN_PROGRAM_ID,
        &metas,
        &amount_ix(3, amount),
        &[source, destination, authority],
        signers,
    )
}

/// SPL Token `MintTo` (7).
#[inline(always)]
pub fn token_mint_to(
    mint: &AccountView,
    destination: &AccountView,
    authority: &AccountView,
    amount: u64,
    signers: &[Signer],
) -> Result<(), BridgeError> {
    let metas = [
        InstructionAccount::writable(mint.address()),
        InstructionAccount::writable(destination.address()),
        InstructionAccount::readonly_signer(authority.address()),
    ];
    call(
        &TOKEN_PROGRAM_ID,
        &metas,
        &amount_ix(7, amount),
        &[mint, destination, authority],
        signers,
    )
}

/// SPL Token `Burn` (8).
#[inline(always)]
pub fn token_burn(
    account: &AccountView,
    mint: &AccountView,
    authority: &AccountView,
    amount: u64,
) -> Result<(), BridgeError> {
    let metas = [
        InstructionAccount::writable(account.address()),
        InstructionAccount::writable(mint.address()),
        InstructionAccount::readonly_signer(authority.address()),
    ];
    call(
        &TOKEN_PROGRAM_ID,
        &metas,
        &amount_ix(8, amount),
        &[account, mint, authority],
        &[],
    )
}

/// SPL Token `InitializeAccount3` (18): `account` holds `mint` for `owner`.
#[inline(always)]
pub fn token_initialize_account3(
    account: &AccountView,
    mint: &AccountView,
    owner: &Address,
) -> Result<(), BridgeError> {
    let mut data = [0u8; 33];
    data[0] = 18;
    data[1..33].copy_from_slice(owner.as_array());
    let metas = [
        InstructionAccount::writable(account.address()),
        InstructionAccount::readonly(mint.address()),
    ];
    call(&TOKEN_PROGRAM_ID, &metas, &data, &[account, mint], &[])
}
