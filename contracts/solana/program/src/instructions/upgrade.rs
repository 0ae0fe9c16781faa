//! The timelocked `Upgrade { buffer, spill }` action (run by `execute_proposal`): calls the
//! upgradeable loader's `Upgrade` for this program, signed by the PDA `["upgrade_authority"]`.
//! It works once the program's upgrade authority has been handed to that PDA (the README's
//! procedure); the loader then also requires the buffer's authority to be the PDA. From then on
//! the program is upgraded only through the admin timelock, and the guardian can veto an
//! upgrade like any other proposal.
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
use crate::checks::{self, BPF_LOADER_UPGRADEABLE_ID, RENT_SYSVAR_ID};
use crate::error::BridgeError;
use crate::state;

/// The loader's `Upgrade` instruction (bincode enum tag 3).
const UPGRADE_IX: [u8; 4] = [3, 0, 0, 0];

/// The buffer and spill accounts the proposal named.
pub struct Target {
    /// The buffer.
    pub buffer: [u8; 32],
    /// The spill account.
    pub spill: [u8; 32],
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
    let seeds: [&[u8]; 1] = [state::SEED_UPGRADE_AUTHORITY];
    let (expected_authority, bump) = checks::find_pda(&seeds, program_id)?;
    checks::address(authority, &expected_authority)?;
    for account in [program_data, program, buffer, spill] {
        checks::writable(account)?;
    }
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
