//! The Trestle bridge program for Solana: protocol version 2 of `docs/protocol.md`, written
//! `no_std` on pinocchio, with Anchor's wire conventions (8-byte discriminators, Borsh
//! arguments and accounts, events logged and emitted by self-CPI, errors logged in Anchor's
//! format) and an Anchor IDL (`idl/trestle_bridge.json`). See `contracts/solana/README.md`.
#![no_std]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod accounts;
pub mod bytes;
pub mod checks;
pub mod cpi;
pub mod crypto;
pub mod discriminator;
pub mod error;
pub mod events;
pub mod fee;
pub mod instructions;
pub mod message;
pub mod payout;
pub mod route;
pub mod state;
pub mod token;
pub mod validators;

use pinocchio::{AccountView, Address, ProgramResult, error::ProgramError};

use crate::error::BridgeError;

// Off chain the crate is only type-checked (cargo check/clippy); std supplies a panic handler.
#[cfg(not(target_arch = "bpf"))]
extern crate std;

#[cfg(target_arch = "bpf")]
mod entry {
    pinocchio::program_entrypoint!(crate::process_instruction);
    pinocchio::no_allocator!();
    pinocchio::nostd_panic_handler!();
}

/// Logs `fields` as one "Program data:" line (base64 of each field, space separated).
pub fn log_data(fields: &[&[u8]]) {
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

/// Sets the instruction's return data (`sol_set_return_data`), what `simulateTransaction`
/// reports and a calling program reads with `sol_get_return_data`.
pub fn set_return_data(data: &[u8]) {
    #[cfg(target_arch = "bpf")]
    // SAFETY: the syscall reads `len` bytes at the pointer.
    unsafe {
        solana_define_syscall::definitions::sol_set_return_data(data.as_ptr(), data.len() as u64);
    }
    #[cfg(not(target_arch = "bpf"))]
    let _ = data;
}

/// Logs `message` as one `Program log:` line (`sol_log_`).
pub fn log(message: &[u8]) {
    #[cfg(target_arch = "bpf")]
    // SAFETY: the syscall reads `len` bytes at the pointer.
    unsafe {
        solana_define_syscall::definitions::sol_log_(message.as_ptr(), message.len() as u64);
    }
    #[cfg(not(target_arch = "bpf"))]
    let _ = message;
}

/// Dispatches on the 8-byte Anchor discriminator; a failure is logged in Anchor's format
/// before it is returned as `Custom(code)`.
#[inline(always)]
pub fn process_instruction(
    program_id: &Address,
    accounts: &mut [AccountView],
    data: &[u8],
) -> ProgramResult {
    use crate::discriminator as d;
    use crate::instructions::*;
    let Some((tag, args)) = data.split_first_chunk::<8>() else {
        BridgeError::InvalidInstructionData.log();
        return Err(BridgeError::InvalidInstructionData.into());
    };
    let accounts: &[AccountView] = accounts;
    let result = match *tag {
        d::INITIALIZE => initialize::process(program_id, accounts, args),
        d::SEND => send::process(program_id, accounts, args),
        d::DELIVER => deliver::process(program_id, accounts, args),
        d::POST_SIGNATURES => post_signatures::process(program_id, accounts, args),
        d::EXECUTE_QUEUED => queued::execute(program_id, accounts, args),
        d::CANCEL_QUEUED => queued::cancel(program_id, accounts, args),
        d::PAUSE => governance::pause(program_id, accounts, args),
        d::PROPOSE => governance::propose(program_id, accounts, args),
        d::EXECUTE_PROPOSAL => governance::execute(program_id, accounts, args),
        d::CANCEL_PROPOSAL => governance::cancel(program_id, accounts, args),
        d::APPROVE_PROPOSAL => governance::approve(program_id, accounts, args),
        d::CLOSE_SIGNATURES => close_signatures::process(program_id, accounts, args),
        d::EXECUTE_MESSAGE => execute_message::process(program_id, accounts, args),
        d::UPDATE_FEE_PRICES => fees::update_prices(program_id, accounts, args),
        d::QUOTE => fees::quote(program_id, accounts, args),
        d::PAY_FOR_GAS => fees::pay_for_gas(program_id, accounts, args),
        d::WITHDRAW_FEES => fees::withdraw(program_id, accounts, args),
        d::CLEAR_FEE_ORACLE => fees::clear_oracle(program_id, accounts, args),
        d::EVENT_IX_TAG_LE => events::process_event_instruction(program_id, accounts),
        _ => Err(BridgeError::InvalidInstructionData),
    };
    result.map_err(|e| {
        e.log();
        ProgramError::from(e)
    })
}
