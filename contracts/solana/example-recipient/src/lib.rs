//! A minimal recipient of Trestle arbitrary messages: implements
//! `receive_message(origin: u32, sender: [u8; 32], payload: bytes)` (Anchor discriminator,
//! Borsh arguments), accepts it only when the first account signs and is **its own** messenger
//! PDA, `["messenger", this program's id]` of [`BRIDGE_ID`] (the bridge derives one messenger per
//! recipient, so a signer lent to another recipient proves nothing here), logs `["received",
//! origin, sender, payload]`, and fails on the payload `b"fail"` (to test that a failing
//! recipient can be retried).
#![no_std]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use pinocchio::{AccountView, Address, ProgramResult, error::ProgramError};

/// The bridge program this recipient trusts (the id the tests load the bridge at).
pub const BRIDGE_ID: Address = Address::new_from_array([
    6, 196, 127, 250, 52, 215, 203, 242, 96, 94, 238, 33, 153, 172, 5, 180, 232, 140, 50, 118, 148,
    228, 147, 120, 88, 110, 81, 186, 192, 0, 0, 0,
]);
/// `sha256("global:receive_message")[..8]`.
pub const RECEIVE_MESSAGE: [u8; 8] = [38, 144, 127, 225, 31, 225, 238, 25];

#[cfg(not(target_arch = "bpf"))]
extern crate std;

#[cfg(target_arch = "bpf")]
mod entry {
    pinocchio::program_entrypoint!(crate::process_instruction);
    pinocchio::no_allocator!();
    pinocchio::nostd_panic_handler!();
}

/// Handles `receive_message`.
#[inline(always)]
pub fn process_instruction(
    program_id: &Address,
    accounts: &mut [AccountView],
    data: &[u8],
) -> ProgramResult {
    let (tag, rest) = data
        .split_first_chunk::<8>()
        .ok_or(ProgramError::InvalidInstructionData)?;
    if *tag != RECEIVE_MESSAGE {
        return Err(ProgramError::InvalidInstructionData);
    }
    let (origin, rest) = rest
        .split_first_chunk::<4>()
        .ok_or(ProgramError::InvalidInstructionData)?;
    let (sender, rest) = rest
        .split_first_chunk::<32>()
        .ok_or(ProgramError::InvalidInstructionData)?;
    let (len, payload) = rest
        .split_first_chunk::<4>()
        .ok_or(ProgramError::InvalidInstructionData)?;
    if u32::from_le_bytes(*len) as usize != payload.len() {
        return Err(ProgramError::InvalidInstructionData);
    }
    let messenger = accounts.first().ok_or(ProgramError::NotEnoughAccountKeys)?;
    let seeds: [&[u8]; 2] = [b"messenger", program_id.as_array()];
    if !messenger.is_signer() || messenger.address() != &find(&seeds)? {
        return Err(ProgramError::MissingRequiredSignature);
    }
    if payload == b"fail" {
        return Err(ProgramError::Custom(1));
    }
    let fields: [&[u8]; 4] = [b"received", origin, sender, payload];
    #[cfg(target_arch = "bpf")]
    // SAFETY: `fields` is a slice of (pointer, length) pairs, the layout the syscall reads.
    unsafe {
        solana_define_syscall::definitions::sol_log_data(
            fields.as_ptr() as *const u8,
            fields.len() as u64,
        );
    }
    #[cfg(not(target_arch = "bpf"))]
    let _ = fields;
    Ok(())
}

#[inline(always)]
fn find(seeds: &[&[u8]]) -> Result<Address, ProgramError> {
    #[cfg(target_arch = "bpf")]
    return Address::try_find_program_address(seeds, &BRIDGE_ID)
        .map(|(a, _)| a)
        .ok_or(ProgramError::InvalidSeeds);
    #[cfg(not(target_arch = "bpf"))]
    {
        let _ = seeds;
        Err(ProgramError::InvalidSeeds)
    }
}
