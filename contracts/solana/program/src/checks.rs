//! Account checks (owner, address/PDA, signer, writable, discriminator) and PDA creation.
//! The Wormhole 2022 lesson: no account is read before its owner and address are checked.

use pinocchio::{
    AccountView, Address,
    cpi::{Seed, Signer},
    sysvars::{Sysvar, clock::CLOCK_ID, rent::Rent},
};

use crate::{bytes, cpi, error::BridgeError};

/// The System program.
pub const SYSTEM_PROGRAM_ID: Address = Address::new_from_array([0u8; 32]);
/// SPL Token (`TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA`), the only token program accepted.
pub const TOKEN_PROGRAM_ID: Address = Address::new_from_array([
    6, 221, 246, 225, 215, 101, 161, 147, 217, 203, 225, 70, 206, 235, 121, 172, 28, 180, 133, 237,
    95, 91, 55, 145, 58, 140, 245, 133, 126, 255, 0, 169,
]);

/// The upgradeable BPF loader (`BPFLoaderUpgradeab1e11111111111111111111111`).
pub const BPF_LOADER_UPGRADEABLE_ID: Address = Address::new_from_array([
    2, 168, 246, 145, 78, 136, 161, 176, 226, 16, 21, 62, 247, 99, 174, 43, 0, 194, 185, 61, 22,
    193, 36, 210, 192, 83, 122, 16, 4, 128, 0, 0,
]);

/// Refuses `signer` unless it signed and is the upgrade authority of this program: `program` is
/// this program's account (owned by the upgradeable loader, state `Program { programdata_address
/// }`: u32 LE tag 2, then the address) naming `program_data`, which is owned by the same loader
/// with state `ProgramData { slot, upgrade_authority_address }` (tag 3, u64, then
/// `Option<Pubkey>`: 1 byte and 32) whose authority is `Some(signer)`. An immutable program
/// (no authority) cannot be initialized.
pub fn upgrade_authority(
    program_id: &Address,
    program: &AccountView,
    program_data: &AccountView,
    signer_account: &AccountView,
) -> Result<(), BridgeError> {
    signer(signer_account)?;
    address(program, program_id)?;
    owner(program, &BPF_LOADER_UPGRADEABLE_ID)?;
    {
        let data = program
            .try_borrow()
            .map_err(|_| BridgeError::WrongAccountData)?;
        if bytes::read_u32(&data, 0)? != 2 {
            return Err(BridgeError::WrongAccountData);
        }
        if bytes::read::<32>(&data, 4)? != *program_data.address().as_array() {
            return Err(BridgeError::WrongAccountAddress);
        }
    }
    owner(program_data, &BPF_LOADER_UPGRADEABLE_ID)?;
    let data = program_data
        .try_borrow()
        .map_err(|_| BridgeError::WrongAccountData)?;
    if bytes::read_u32(&data, 0)? != 3 {
        return Err(BridgeError::WrongAccountData);
    }
    match bytes::read_u8(&data, 12)? {
        1 if bytes::read::<32>(&data, 13)? == *signer_account.address().as_array() => Ok(()),
        0 | 1 => Err(BridgeError::NotUpgradeAuthority),
        _ => Err(BridgeError::WrongAccountData),
    }
}

/// Refuses a missing signature.
#[inline(always)]
pub fn signer(account: &AccountView) -> Result<(), BridgeError> {
    if account.is_signer() {
        Ok(())
    } else {
        Err(BridgeError::MissingSignature)
    }
}

/// Refuses a read-only account where one is written.
#[inline(always)]
pub fn writable(account: &AccountView) -> Result<(), BridgeError> {
    if account.is_writable() {
        Ok(())
    } else {
        Err(BridgeError::NotWritable)
    }
}

/// Refuses an account at another address.
#[inline(always)]
pub fn address(account: &AccountView, expected: &Address) -> Result<(), BridgeError> {
    if account.address() == expected {
        Ok(())
    } else {
        Err(BridgeError::WrongAccountAddress)
    }
}

/// Refuses an account owned by another program.
#[inline(always)]
pub fn owner(account: &AccountView, expected: &Address) -> Result<(), BridgeError> {
    if account.owned_by(expected) {
        Ok(())
    } else {
        Err(BridgeError::WrongAccountOwner)
    }
}

/// The System program account.
#[inline(always)]
pub fn system_program(account: &AccountView) -> Result<(), BridgeError> {
    address(account, &SYSTEM_PROGRAM_ID)
}

/// The SPL Token program account.
#[inline(always)]
pub fn token_program(account: &AccountView) -> Result<(), BridgeError> {
    if account.address() == &TOKEN_PROGRAM_ID {
        Ok(())
    } else {
        Err(BridgeError::WrongTokenProgram)
    }
}

/// The Clock sysvar account (checked by address: a fake sysvar is refused) and its
/// `unix_timestamp`.
#[inline(always)]
pub fn clock_now(account: &AccountView) -> Result<i64, BridgeError> {
    address(account, &CLOCK_ID)?;
    let data = account
        .try_borrow()
        .map_err(|_| BridgeError::WrongAccountData)?;
    // Clock: slot, epoch_start_timestamp, epoch, leader_schedule_epoch, unix_timestamp.
    bytes::read_i64(&data, 32)
}

/// The address of the PDA with `seeds` (the last seed is the bump).
#[inline(always)]
pub fn create_pda(seeds: &[&[u8]], program_id: &Address) -> Result<Address, BridgeError> {
    #[cfg(target_arch = "bpf")]
    return Address::create_program_address(seeds, program_id)
        .map_err(|_| BridgeError::WrongAccountAddress);
    // Off chain (host `cargo check`/clippy only) there is no PDA syscall.
    #[cfg(not(target_arch = "bpf"))]
    {
        let _ = (seeds, program_id);
        Err(BridgeError::WrongAccountAddress)
    }
}

/// The canonical PDA for `seeds` and its bump.
#[inline(always)]
pub fn find_pda(seeds: &[&[u8]], program_id: &Address) -> Result<(Address, u8), BridgeError> {
    #[cfg(target_arch = "bpf")]
    return Address::try_find_program_address(seeds, program_id)
        .ok_or(BridgeError::WrongAccountAddress);
    #[cfg(not(target_arch = "bpf"))]
    {
        let _ = (seeds, program_id);
        Err(BridgeError::WrongAccountAddress)
    }
}

/// Refuses `account` unless it is the PDA of `seeds` + `[bump]`.
#[inline(always)]
pub fn pda(
    account: &AccountView,
    seeds: &[&[u8]],
    bump: u8,
    program_id: &Address,
) -> Result<(), BridgeError> {
    let bump = [bump];
    let mut all: [&[u8]; 5] = [&[]; 5];
    let n = seeds.len();
    if n > 4 {
        return Err(BridgeError::WrongAccountAddress);
    }
    for (slot, s) in all.iter_mut().zip(seeds.iter()) {
        *slot = s;
    }
    if let Some(slot) = all.get_mut(n) {
        *slot = &bump;
    }
    let expected = create_pda(
        all.get(..=n).ok_or(BridgeError::WrongAccountAddress)?,
        program_id,
    )?;
    address(account, &expected)
}

/// Refuses an account that is not one of this program's accounts of kind `discriminator`
/// (owner, length, discriminator); the caller then checks its address.
#[inline(always)]
pub fn program_account(
    account: &AccountView,
    program_id: &Address,
    discriminator: &[u8; 8],
    min_len: usize,
) -> Result<(), BridgeError> {
    owner(account, program_id)?;
    let data = account
        .try_borrow()
        .map_err(|_| BridgeError::WrongAccountData)?;
    if data.len() < min_len || data.get(..8) != Some(discriminator.as_slice()) {
        return Err(BridgeError::WrongAccountData);
    }
    Ok(())
}

/// Creates the PDA `target` (signed with `signer_seeds`, bump included) with `space` bytes owned
/// by this program, paid by `payer`. Works even when someone pre-funded the address (create
/// would fail): tops it up, allocates and assigns instead. Refuses an address that already holds
/// data or belongs to a program.
#[inline(always)]
pub fn create_pda_account(
    payer: &AccountView,
    target: &AccountView,
    system_program: &AccountView,
    signer_seeds: &[Seed],
    space: usize,
    program_id: &Address,
) -> Result<(), BridgeError> {
    let _ = system_program;
    let rent = Rent::get().map_err(|_| BridgeError::WrongAccountData)?;
    let needed = rent
        .try_minimum_balance(space)
        .map_err(|_| BridgeError::Overflow)?;
    let signers = [Signer::from(signer_seeds)];
    let current = target.lamports();
    if current == 0 {
        return cpi::create_account(payer, target, needed, space as u64, program_id, &signers);
    }
    if !target.owned_by(&SYSTEM_PROGRAM_ID) || !target.is_data_empty() {
        return Err(BridgeError::AlreadyDelivered);
    }
    if current < needed {
        cpi::transfer_lamports(payer, target, needed - current)?;
    }
    cpi::allocate(target, space as u64, &signers)?;
    cpi::assign(target, program_id, &signers)
}
