//! `execute_message(message)`: calls the recipient program of a delivered arbitrary message
//! (body `0x00 || gas limit || payload`) with `receive_message(origin: u32, sender: [u8; 32],
//! payload: bytes)` (Anchor discriminator `sha256("global:receive_message")[..8]`, Borsh
//! arguments), signed by the **per-recipient** messenger PDA `["messenger", recipient program
//! id]`, passed as the recipient's first account. A recipient accepts the call only when that
//! account signs and is its own messenger PDA, so the authority the bridge lends one recipient
//! proves nothing to any other (a recipient that forwards its signer to another recipient is
//! refused there).
//!
//! Refused: a recipient that is this program, the system program, a token program, the
//! associated token program, the compute budget program or a loader (`ForbiddenRecipient`); a
//! non-executable recipient (`WrongRecipient`). The accounts passed through to the recipient
//! keep their writable flags and never sign (their signer flags are cleared).
//!
//! The recipient gets its gas limit in compute units (`InsufficientCompute` otherwise, before
//! anything changes). `sol_remaining_compute_units` would answer directly, but its feature gate
//! (SIMD-0049) is not active on mainnet-beta, so a program that calls it cannot run there.
//! Instead the program reads the transaction from the instructions sysvar and requires that
//! (1) this `execute_message` is the current top-level instruction (not called through another
//! program), it is the transaction's last instruction, and only compute-budget instructions come
//! before it (nothing else has spent the budget; and since the runtime applies a
//! `SetComputeUnitLimit` wherever it sits, none may follow that the check below would not see),
//! and (2) the transaction's compute-unit limit (its `SetComputeUnitLimit` before this
//! instruction, capped at 1,400,000; without one, the 200,000 every transaction with this
//! instruction gets at least) is at least [`required_compute_units`]: the gas limit plus an
//! upper bound of what this instruction spends before the recipient runs. The remaining units
//! at the call are then at least the gas limit.
//!
//! Anyone may call it; a failing recipient reverts the transaction and leaves the receipt
//! `received`, so the call can be retried and never blocks other messages. It runs once: the
//! receipt then says `message_executed`. Emits `MessageExecuted`.
//!
//! Accounts: `config`, `receipt` (writable, the message's), `messenger` (`["messenger",
//! recipient_program]`), `recipient_program` (the message's recipient, executable),
//! `instructions` (the instructions sysvar), then up to 16 accounts passed to the recipient
//! after the messenger.

use pinocchio::{
    AccountView, Address,
    cpi::{Seed, Signer, invoke_signed_with_bounds},
    instruction::{InstructionAccount, InstructionView},
};

use crate::accounts::{self, get};
use crate::bytes::{self, Reader};
use crate::checks;
use crate::discriminator::{self as disc, EXECUTE_MESSAGE};
use crate::error::BridgeError;
use crate::events;
use crate::message::{Message, message_id};
use crate::state::{self, receipt};

/// Most accounts passed through to the recipient.
pub const MAX_PASSTHROUGH: usize = 16;
/// Largest payload forwarded (a message must fit one transaction anyway).
pub const MAX_PAYLOAD: usize = 1024;
/// `sha256("global:receive_message")[..8]`: the handler every recipient implements.
pub const RECEIVE_MESSAGE: [u8; 8] = [38, 144, 127, 225, 31, 225, 238, 25];

/// The instructions sysvar (`Sysvar1nstructions1111111111111111111111111`).
pub const INSTRUCTIONS_SYSVAR_ID: Address = Address::new_from_array([
    0x06, 0xa7, 0xd5, 0x17, 0x18, 0x7b, 0xd1, 0x66, 0x35, 0xda, 0xd4, 0x04, 0x55, 0xfd, 0xc2, 0xc0,
    0xc1, 0x24, 0xc6, 0x8f, 0x21, 0x56, 0x75, 0xa5, 0xdb, 0xba, 0xcb, 0x5f, 0x08, 0x00, 0x00, 0x00,
]);
/// An upper bound of the compute units this instruction and the compute-budget instructions
/// before it spend before the recipient runs, besides the messenger PDA search and the CPI's
/// account-data charge (measured at about 11,400 by the tests, the CPI's own 1,000 included).
pub const EXECUTE_MESSAGE_BASE_CU: u64 = 25_000;
/// Compute units per bump a PDA search tries (`create_program_address_units`).
pub const PDA_TRY_CU: u64 = 1_500;
/// Bytes of account data a CPI charges one compute unit for (`cpi_bytes_per_unit`).
pub const CPI_BYTES_PER_CU: u64 = 250;
/// The most compute units a transaction can have.
pub const MAX_COMPUTE_UNIT_LIMIT: u64 = 1_400_000;
/// The least a transaction with this instruction gets without `SetComputeUnitLimit` (200,000
/// per instruction of a program that is not a builtin).
pub const DEFAULT_COMPUTE_UNIT_LIMIT: u64 = 200_000;

/// The compute-unit limit a transaction needs so that a recipient whose messenger PDA has
/// `bump`, given pass-through accounts holding `passthrough_data` bytes, gets `gas_limit`:
/// `gas_limit + EXECUTE_MESSAGE_BASE_CU + PDA_TRY_CU * (256 - bump) + passthrough_data / 250`.
#[inline(always)]
pub fn required_compute_units(gas_limit: u64, bump: u8, passthrough_data: u64) -> u64 {
    let tries = 256 - u64::from(bump);
    gas_limit
        .saturating_add(EXECUTE_MESSAGE_BASE_CU)
        .saturating_add(PDA_TRY_CU * tries)
        .saturating_add(passthrough_data / CPI_BYTES_PER_CU)
}

/// The transaction's compute-unit limit, refusing (`InsufficientCompute`) unless this very
/// instruction (`execute_message` with `args`) is the transaction's current top-level one and
/// its last, with only compute-budget instructions before it.
#[inline(always)]
fn compute_unit_limit(
    sysvar: &AccountView,
    program_id: &Address,
    args: &[u8],
) -> Result<u64, BridgeError> {
    checks::address(sysvar, &INSTRUCTIONS_SYSVAR_ID)?;
    let data = sysvar
        .try_borrow()
        .map_err(|_| BridgeError::WrongAccountData)?;
    let u16_at = |at: usize| -> Result<usize, BridgeError> {
        Ok(usize::from(u16::from_le_bytes(bytes::read(&data, at)?)))
    };
    let count = u16_at(0)?;
    let current = u16_at(
        data.len()
            .checked_sub(2)
            .ok_or(BridgeError::WrongAccountData)?,
    )?;
    if current >= count {
        return Err(BridgeError::WrongAccountData);
    }
    // Nothing after it: a `SetComputeUnitLimit` there would lower the budget unseen.
    if current + 1 != count {
        return Err(BridgeError::InsufficientCompute);
    }
    let mut limit = DEFAULT_COMPUTE_UNIT_LIMIT;
    for index in 0..=current {
        let start = u16_at(2 + 2 * index)?;
        let accounts = u16_at(start)?;
        let at = start + 2 + 33 * accounts;
        let program: [u8; 32] = bytes::read(&data, at)?;
        let len = u16_at(at + 32)?;
        let ix = data
            .get(at + 34..at + 34 + len)
            .ok_or(BridgeError::WrongAccountData)?;
        if index < current {
            if program != *checks::COMPUTE_BUDGET_PROGRAM_ID.as_array() {
                return Err(BridgeError::InsufficientCompute);
            }
            // `SetComputeUnitLimit(u32)`; the runtime refuses a transaction with two.
            if let Some((2, units)) = ix.split_first() {
                let units: [u8; 4] = units
                    .try_into()
                    .map_err(|_| BridgeError::WrongAccountData)?;
                limit = u64::from(u32::from_le_bytes(units));
            }
        } else if program != *program_id.as_array()
            || ix.get(..8) != Some(&EXECUTE_MESSAGE[..])
            || ix.get(8..) != Some(args)
        {
            return Err(BridgeError::InsufficientCompute);
        }
    }
    Ok(limit.min(MAX_COMPUTE_UNIT_LIMIT))
}

/// Programs the bridge never calls on a message's behalf.
#[inline(always)]
fn forbidden(program_id: &Address, recipient: &Address) -> bool {
    let never = [
        &checks::SYSTEM_PROGRAM_ID,
        &checks::TOKEN_PROGRAM_ID,
        &checks::TOKEN_2022_PROGRAM_ID,
        &checks::ASSOCIATED_TOKEN_PROGRAM_ID,
        &checks::COMPUTE_BUDGET_PROGRAM_ID,
        &checks::BPF_LOADER_DEPRECATED_ID,
        &checks::BPF_LOADER_ID,
        &checks::BPF_LOADER_UPGRADEABLE_ID,
        &checks::LOADER_V4_ID,
        &checks::NATIVE_LOADER_ID,
    ];
    recipient == program_id || never.contains(&recipient)
}

/// Runs `execute_message`.
#[inline(never)]
pub fn process(
    program_id: &Address,
    accounts: &[AccountView],
    args: &[u8],
) -> Result<(), BridgeError> {
    let mut r = Reader::new(args);
    let encoded = r.bytes()?;
    r.finish()?;

    let config_account = get(accounts, 0)?;
    let receipt_account = get(accounts, 1)?;
    let messenger = get(accounts, 2)?;
    let recipient_program = get(accounts, 3)?;
    let instructions = get(accounts, 4)?;
    let passthrough = accounts.get(5..).unwrap_or(&[]);
    if passthrough.len() > MAX_PASSTHROUGH {
        return Err(BridgeError::NotEnoughAccounts);
    }
    accounts::config(config_account, program_id)?;
    {
        let config_data = config_account
            .try_borrow()
            .map_err(|_| BridgeError::WrongAccountData)?;
        accounts::not_paused(&config_data)?;
    }
    let message = Message::decode(encoded)?;
    let Some((gas_limit, payload)) = message.arbitrary() else {
        return Err(BridgeError::UnknownBodyKind);
    };
    if payload.len() > MAX_PAYLOAD {
        return Err(BridgeError::BodyTooLarge);
    }
    let id = message_id(encoded);

    // The receipt of this very message, delivered and not yet executed.
    accounts::receipt(receipt_account, program_id)?;
    {
        let mut view = receipt_account.clone();
        let mut data = view
            .try_borrow_mut()
            .map_err(|_| BridgeError::WrongAccountData)?;
        if bytes::read::<32>(&data, receipt::MESSAGE_ID)? != id {
            return Err(BridgeError::WrongAccountAddress);
        }
        if bytes::read_u8(&data, receipt::STATUS)? != receipt::STATUS_RECEIVED {
            return Err(BridgeError::NotQueued);
        }
        bytes::write(
            &mut data,
            receipt::STATUS,
            &[receipt::STATUS_MESSAGE_EXECUTED],
        )?;
    }

    // The recipient named by the message, and its own messenger PDA that signs for the bridge.
    if recipient_program.address().as_array() != &message.recipient {
        return Err(BridgeError::WrongRecipient);
    }
    if forbidden(program_id, recipient_program.address()) {
        return Err(BridgeError::ForbiddenRecipient);
    }
    if !recipient_program.executable() {
        return Err(BridgeError::WrongRecipient);
    }
    let seeds: [&[u8]; 2] = [
        state::SEED_MESSENGER,
        recipient_program.address().as_array(),
    ];
    let (expected, bump) = checks::find_pda(&seeds, program_id)?;
    checks::address(messenger, &expected)?;

    // The recipient gets at least its gas limit: no relayer can starve it with a low
    // compute-unit limit or with instructions that spend the budget first.
    let passthrough_data = passthrough
        .iter()
        .fold(0u64, |sum, a| sum.saturating_add(a.data_len() as u64));
    if compute_unit_limit(instructions, program_id, args)?
        < required_compute_units(gas_limit, bump, passthrough_data)
    {
        return Err(BridgeError::InsufficientCompute);
    }

    let mut data = [0u8; 8 + 4 + 32 + 4 + MAX_PAYLOAD];
    let len = 8 + 4 + 32 + 4 + payload.len();
    bytes::write(&mut data, 0, &RECEIVE_MESSAGE)?;
    bytes::write(&mut data, 8, &message.origin.to_le_bytes())?;
    bytes::write(&mut data, 12, &message.sender)?;
    bytes::write(&mut data, 44, &(payload.len() as u32).to_le_bytes())?;
    bytes::write(&mut data, 48, payload)?;

    // The messenger first (signing for the bridge), then the pass-through accounts: writable as
    // given, never signing.
    let mut metas =
        [const { InstructionAccount::readonly(&checks::SYSTEM_PROGRAM_ID) }; MAX_PASSTHROUGH + 1];
    let mut views: [&AccountView; MAX_PASSTHROUGH + 1] = [messenger; MAX_PASSTHROUGH + 1];
    if let Some(first) = metas.first_mut() {
        *first = InstructionAccount::readonly_signer(messenger.address());
    }
    for (i, account) in passthrough.iter().enumerate() {
        if let (Some(meta), Some(view)) = (metas.get_mut(i + 1), views.get_mut(i + 1)) {
            *meta = InstructionAccount::new(account.address(), account.is_writable(), false);
            *view = account;
        }
    }
    let count = passthrough.len() + 1;
    let ix = InstructionView {
        program_id: recipient_program.address(),
        data: data.get(..len).ok_or(BridgeError::BodyTooLarge)?,
        accounts: metas.get(..count).ok_or(BridgeError::NotEnoughAccounts)?,
    };
    let recipient_key = *recipient_program.address().as_array();
    let bump_seed = [bump];
    let signer_seeds = [
        Seed::from(state::SEED_MESSENGER),
        Seed::from(&recipient_key),
        Seed::from(&bump_seed),
    ];
    let signers = [Signer::from(&signer_seeds)];
    invoke_signed_with_bounds::<{ MAX_PASSTHROUGH + 1 }, _>(
        &ix,
        views.get(..count).ok_or(BridgeError::NotEnoughAccounts)?,
        &signers,
    )
    .map_err(|_| BridgeError::RecipientFailed)?;
    events::emit(&disc::MESSAGE_EXECUTED_EVENT, &[&id])
}
