//! The timelocked `Upgrade { buffer, spill, code_hash }` action (run by `execute_proposal`):
//! calls the upgradeable loader's `Upgrade` for this program, signed by the PDA
//! `["upgrade_authority"]`. It works once the program's upgrade authority has been handed to
//! that PDA (the README's procedure); the loader then also requires the buffer's authority to be
//! the PDA. From then on the program is upgraded only through the admin timelock, and the
//! guardian can veto an upgrade like any other proposal.
//!
//! The code the guardian reviews during the delay is the code deployed: `propose` requires the
//! buffer (its one extra account) to be a loader buffer whose authority is already the PDA, so
//! nobody can write to it any more (`BufferNotHandedOver`), holding the program bytes whose
//! sha256 is `code_hash` (`CodeHashMismatch`); `execute_proposal` checks both again before the
//! loader's `Upgrade` (a buffer closed and created again at the same address is refused).
//! `code_hash` is sha256 of everything in the buffer after its 37-byte header (state tag
//! `Buffer` and the `Option<Pubkey>` authority), which is what the loader deploys.
//!
//! Accounts (after `execute_proposal`'s five; its `clock` is passed on): `program_data`
//! (writable, the loader's PDA `[program id]`), `program` (writable, this program), `buffer`
//! (writable, the action's), `spill` (writable, the action's), `rent` (sysvar),
//! `upgrade_authority` (`["upgrade_authority"]`), `bpf_loader_upgradeable`.

use pinocchio::{
    AccountView, Address,
    cpi::{Seed, Signer, invoke_signed},
    instruction::{InstructionAccount, InstructionView},
};

use crate::accounts::get;
use crate::bytes;
use crate::checks::{self, BPF_LOADER_UPGRADEABLE_ID, RENT_SYSVAR_ID};
use crate::crypto::sha256;
use crate::error::BridgeError;
use crate::state;

/// Bytes of a loader buffer before the program: state tag `Buffer` (u32 LE 1) and the
/// `Option<Pubkey>` authority.
pub const BUFFER_HEADER_LEN: usize = 37;

/// The loader's `Upgrade` instruction (bincode enum tag 3).
const UPGRADE_IX: [u8; 4] = [3, 0, 0, 0];

/// The buffer and spill accounts and the code hash the proposal named.
pub struct Target {
    /// The buffer.
    pub buffer: [u8; 32],
    /// The spill account.
    pub spill: [u8; 32],
    /// sha256 of the buffer's program bytes (after its header).
    pub code_hash: [u8; 32],
}

/// The `["upgrade_authority"]` PDA and its bump.
fn upgrade_authority(program_id: &Address) -> Result<(Address, u8), BridgeError> {
    let seeds: [&[u8]; 1] = [state::SEED_UPGRADE_AUTHORITY];
    checks::find_pda(&seeds, program_id)
}

/// Checks that `buffer` is the loader buffer at `address` whose authority is `authority` (the
/// upgrade-authority PDA: nobody else can write to it) and whose program bytes hash to
/// `code_hash`.
fn check_buffer(
    buffer: &AccountView,
    address: &[u8; 32],
    authority: &Address,
    code_hash: &[u8; 32],
) -> Result<(), BridgeError> {
    checks::address(buffer, &Address::new_from_array(*address))?;
    checks::owner(buffer, &BPF_LOADER_UPGRADEABLE_ID)?;
    let data = buffer
        .try_borrow()
        .map_err(|_| BridgeError::WrongAccountData)?;
    if bytes::read::<4>(&data, 0)? != 1u32.to_le_bytes() {
        return Err(BridgeError::WrongAccountData);
    }
    if bytes::read_u8(&data, 4)? != 1 || bytes::read::<32>(&data, 5)? != *authority.as_array() {
        return Err(BridgeError::BufferNotHandedOver);
    }
    let program = data
        .get(BUFFER_HEADER_LEN..)
        .ok_or(BridgeError::WrongAccountData)?;
    if sha256(&[program]) != *code_hash {
        return Err(BridgeError::CodeHashMismatch);
    }
    Ok(())
}

/// `propose`'s check of an `Upgrade`: its one extra account is the buffer, handed over to the
/// upgrade-authority PDA and holding the code of `target.code_hash`.
pub fn check_proposed(
    program_id: &Address,
    accounts: &[AccountView],
    target: &Target,
) -> Result<(), BridgeError> {
    let (authority, _) = upgrade_authority(program_id)?;
    check_buffer(
        get(accounts, 0)?,
        &target.buffer,
        &authority,
        &target.code_hash,
    )
}

/// Runs `Upgrade`.
pub fn upgrade(
    program_id: &Address,
    accounts: &[AccountView],
    clock: &AccountView,
    target: &Target,
) -> Result<(), BridgeError> {
    let program_data = get(accounts, 0)?;
    let program = get(accounts, 1)?;
    let buffer = get(accounts, 2)?;
    let spill = get(accounts, 3)?;
    let rent = get(accounts, 4)?;
    let authority = get(accounts, 5)?;
    let loader = get(accounts, 6)?;
    checks::address(program, program_id)?;
    let loader_seeds: [&[u8]; 1] = [program_id.as_array()];
    let (expected_data, _) = checks::find_pda(&loader_seeds, &BPF_LOADER_UPGRADEABLE_ID)?;
    checks::address(program_data, &expected_data)?;
    checks::address(buffer, &Address::new_from_array(target.buffer))?;
    checks::address(spill, &Address::new_from_array(target.spill))?;
    checks::address(rent, &RENT_SYSVAR_ID)?;
    checks::address(loader, &BPF_LOADER_UPGRADEABLE_ID)?;
    let (expected_authority, bump) = upgrade_authority(program_id)?;
    checks::address(authority, &expected_authority)?;
    for account in [program_data, program, buffer, spill] {
        checks::writable(account)?;
    }
    check_buffer(
        buffer,
        &target.buffer,
        &expected_authority,
        &target.code_hash,
    )?;
    let metas = [
        InstructionAccount::writable(program_data.address()),
        InstructionAccount::writable(program.address()),
        InstructionAccount::writable(buffer.address()),
        InstructionAccount::writable(spill.address()),
        InstructionAccount::readonly(rent.address()),
        InstructionAccount::readonly(clock.address()),
        InstructionAccount::readonly_signer(authority.address()),
    ];
    let ix = InstructionView {
        program_id: &BPF_LOADER_UPGRADEABLE_ID,
        data: &UPGRADE_IX,
        accounts: &metas,
    };
    let bump_seed = [bump];
    let signer_seeds = [
        Seed::from(state::SEED_UPGRADE_AUTHORITY),
        Seed::from(&bump_seed),
    ];
    invoke_signed(
        &ix,
        &[program_data, program, buffer, spill, rent, clock, authority],
        &[Signer::from(&signer_seeds)],
    )
    .map_err(|_| BridgeError::WrongAccountData)
}
