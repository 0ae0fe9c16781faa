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

/// Token-2022 (`TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb`): never a message recipient.
pub const TOKEN_2022_PROGRAM_ID: Address = Address::new_from_array([
    6, 221, 246, 225, 238, 117, 143, 222, 24, 66, 93, 188, 228, 108, 205, 218, 182, 26, 252, 77,
    131, 185, 13, 39, 254, 189, 249, 40, 216, 161, 139, 252,
]);
/// The associated token account program (`ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL`).
pub const ASSOCIATED_TOKEN_PROGRAM_ID: Address = Address::new_from_array([
    140, 151, 37, 143, 78, 36, 137, 241, 187, 61, 16, 41, 20, 142, 13, 131, 11, 90, 19, 153, 218,
    255, 16, 132, 4, 142, 123, 216, 219, 233, 248, 89,
]);
/// The first BPF loader (`BPFLoader1111111111111111111111111111111111`).
pub const BPF_LOADER_DEPRECATED_ID: Address = Address::new_from_array([
    2, 168, 246, 145, 78, 136, 161, 107, 189, 35, 149, 133, 95, 100, 4, 217, 180, 244, 86, 183,
    130, 27, 176, 20, 87, 73, 66, 140, 0, 0, 0, 0,
]);
/// BPF loader 2 (`BPFLoader2111111111111111111111111111111111`).
pub const BPF_LOADER_ID: Address = Address::new_from_array([
    2, 168, 246, 145, 78, 136, 161, 110, 57, 90, 225, 40, 148, 143, 250, 105, 86, 147, 55, 104, 24,
    221, 71, 67, 82, 33, 243, 198, 0, 0, 0, 0,
]);
/// Loader v4 (`LoaderV411111111111111111111111111111111111`).
pub const LOADER_V4_ID: Address = Address::new_from_array([
    5, 18, 180, 17, 81, 81, 227, 122, 173, 10, 139, 197, 211, 136, 46, 123, 127, 218, 76, 243, 210,
    192, 40, 200, 207, 131, 54, 24, 0, 0, 0, 0,
]);
/// The native loader (`NativeLoader1111111111111111111111111111111`).
pub const NATIVE_LOADER_ID: Address = Address::new_from_array([
    5, 135, 132, 191, 20, 139, 164, 40, 47, 176, 18, 87, 72, 136, 169, 241, 83, 160, 125, 173, 247,
    101, 192, 69, 92, 154, 151, 3, 128, 0, 0, 0,
]);
/// The compute budget program (`ComputeBudget111111111111111111111111111111`).
pub const COMPUTE_BUDGET_PROGRAM_ID: Address = Address::new_from_array([
    3, 6, 70, 111, 229, 33, 23, 50, 255, 236, 173, 186, 114, 195, 155, 231, 188, 140, 229, 187,
    197, 247, 18, 107, 44, 67, 155, 58, 64, 0, 0, 0,
]);
/// The Rent sysvar (`SysvarRent111111111111111111111111111111111`).
pub const RENT_SYSVAR_ID: Address = Address::new_from_array([
    6, 167, 213, 23, 25, 44, 92, 81, 33, 140, 201, 76, 61, 74, 241, 127, 88, 218, 238, 8, 155, 161,
    253, 68, 227, 219, 217, 138, 0, 0, 0, 0,
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
