//! A hostile recipient of Trestle arbitrary messages, for the bridge program's tests only
//! (built by `../build.sh` as `trestle_test_recipient.so`; never deployed). On
//! `receive_message(origin, sender, payload)` it does what the payload says:
//!
//! - `b"forward"`: the signer-forwarding attack of review finding 1. It calls the program passed
//!   as its second account with `receive_message(origin, sender, b"forwarded")`, passing along
//!   its first account, the messenger PDA the bridge signed with for *this* program, as that
//!   program's messenger. With one messenger PDA for every recipient (protocol v1) the victim
//!   would have accepted the call as coming from the bridge; with one per recipient (v2) it
//!   refuses it.
//! - `b"flags"`: logs `["flags", [is_signer, is_writable] per account]`, so a test can see that
//!   the accounts the bridge passes through never sign and keep their writable flags.
//! - `b"remaining"`: logs `["remaining", compute units left (u64 LE)]` on entry
//!   (`sol_remaining_compute_units`: only where its feature gate is active, which the tests
//!   arrange; mainnet-beta has not activated it), so a test can see the recipient got its gas
//!   limit.
//! - `b"cpi:" || data`: calls the program passed as its second account with `data` and the
//!   accounts after it (none signing, writable as given), e.g. the bridge's own
//!   `execute_message` from inside a recipient.
//! - anything else: accepted without a check (it is not a recipient to copy).
#![no_std]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use pinocchio::{
    AccountView, Address, ProgramResult,
    cpi::invoke,
    error::ProgramError,
    instruction::{InstructionAccount, InstructionView},
};

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

fn log_data(fields: &[&[u8]]) {
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
}

/// Handles `receive_message`.
#[inline(always)]
pub fn process_instruction(
    _program_id: &Address,
    accounts: &mut [AccountView],
    data: &[u8],
) -> ProgramResult {
    let (tag, rest) = data
        .split_first_chunk::<8>()
        .ok_or(ProgramError::InvalidInstructionData)?;
    if *tag != RECEIVE_MESSAGE {
        return Err(ProgramError::InvalidInstructionData);
    }
    let (head, rest) = rest
        .split_first_chunk::<36>()
        .ok_or(ProgramError::InvalidInstructionData)?;
    let (_, payload) = rest
        .split_first_chunk::<4>()
        .ok_or(ProgramError::InvalidInstructionData)?;
    match payload {
        b"forward" => {
            let messenger = accounts.first().ok_or(ProgramError::NotEnoughAccountKeys)?;
            let victim = accounts.get(1).ok_or(ProgramError::NotEnoughAccountKeys)?;
            let mut forwarded = [0u8; 8 + 36 + 4 + 9];
            forwarded[..8].copy_from_slice(&RECEIVE_MESSAGE);
            forwarded[8..44].copy_from_slice(head);
            forwarded[44..48].copy_from_slice(&9u32.to_le_bytes());
            forwarded[48..].copy_from_slice(b"forwarded");
            let metas = [InstructionAccount::readonly_signer(messenger.address())];
            let ix = InstructionView {
                program_id: victim.address(),
                data: &forwarded,
                accounts: &metas,
            };
            invoke(&ix, &[messenger])
        }
        b"remaining" => {
            #[cfg(target_arch = "bpf")]
            // SAFETY: the syscall takes no arguments.
            let left = unsafe { solana_define_syscall::definitions::sol_remaining_compute_units() };
            #[cfg(not(target_arch = "bpf"))]
            let left = 0u64;
            log_data(&[b"remaining", &left.to_le_bytes()]);
            Ok(())
        }
        b"flags" => {
            let mut flags = [0u8; 2 * 32];
            let n = accounts.len().min(32);
            for (pair, account) in flags.chunks_exact_mut(2).zip(accounts.iter()) {
                pair.copy_from_slice(&[
                    u8::from(account.is_signer()),
                    u8::from(account.is_writable()),
                ]);
            }
            log_data(&[b"flags", flags.get(..2 * n).unwrap_or(&[])]);
            Ok(())
        }
        _ => match payload.strip_prefix(b"cpi:") {
            Some(data) => call(accounts, data),
            None => Ok(()),
        },
    }
}

/// Placeholder address of unused CPI account slots.
const ZERO: Address = Address::new_from_array([0; 32]);

/// Calls `accounts[1]` with `data` and `accounts[2..]` (at most 8, none signing).
fn call(accounts: &[AccountView], data: &[u8]) -> ProgramResult {
    let program = accounts.get(1).ok_or(ProgramError::NotEnoughAccountKeys)?;
    let rest = accounts.get(2..).unwrap_or(&[]);
    let mut metas = [const { InstructionAccount::readonly(&ZERO) }; 8];
    let mut views: [&AccountView; 8] = [program; 8];
    if rest.len() > 8 {
        return Err(ProgramError::InvalidArgument);
    }
    for (i, account) in rest.iter().enumerate() {
        if let (Some(meta), Some(view)) = (metas.get_mut(i), views.get_mut(i)) {
            *meta = InstructionAccount::new(account.address(), account.is_writable(), false);
            *view = account;
        }
    }
    let ix = InstructionView {
        program_id: program.address(),
        data,
        accounts: metas.get(..rest.len()).unwrap_or(&[]),
    };
    pinocchio::cpi::invoke_with_bounds::<8, _>(&ix, views.get(..rest.len()).unwrap_or(&[]))
}
