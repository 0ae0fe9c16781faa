//! Queued transfers: `execute_queued(message_id)` (anyone, once the timelock has passed or the
//! inbound bucket has refilled) and `cancel_queued(message_id)` (guardian, during the delay).
//!
//! `execute_queued` accounts: `config`, `receipt` (writable), `clock`, `token_config`
//! (writable), `mint` (writable), `vault` (writable, or this program id), `beneficiary_token`
//! (writable), `authority`, `token_program`.
//! `cancel_queued` accounts: `guardian` (signer), `config`, `receipt` (writable).

use pinocchio::{AccountView, Address};

use crate::accounts::{self, get};
use crate::bytes::{self, Reader};
use crate::checks;
use crate::discriminator as disc;
use crate::error::BridgeError;
use crate::payout::Payout;
use crate::state::{self, config, receipt, token};
use crate::token::{Bucket, read_info};

/// Checks a receipt PDA for `id` that is a queued transfer.
fn queued_receipt(
    account: &AccountView,
    program_id: &Address,
    id: &[u8; 32],
) -> Result<(), BridgeError> {
    checks::writable(account)?;
    checks::program_account(account, program_id, &disc::RECEIPT_ACCOUNT, receipt::LEN)?;
    let data = account
        .try_borrow()
        .map_err(|_| BridgeError::WrongAccountData)?;
    checks::pda(
        account,
        &[state::SEED_RECEIPT, id],
        bytes::read_u8(&data, receipt::BUMP)?,
        program_id,
    )?;
    if bytes::read_u8(&data, receipt::STATUS)? != receipt::STATUS_QUEUED {
        return Err(BridgeError::NotQueued);
    }
    Ok(())
}

/// Runs `execute_queued`.
pub fn execute(
    program_id: &Address,
    accounts: &[AccountView],
    args: &[u8],
) -> Result<(), BridgeError> {
    let mut r = Reader::new(args);
    let id: [u8; 32] = r.array()?;
    r.finish()?;
    let config_account = get(accounts, 0)?;
    let receipt_account = get(accounts, 1)?;
    let clock = get(accounts, 2)?;
    let token_account = get(accounts, 3)?;
    let now = checks::clock_now(clock)?;
    accounts::config(config_account, program_id)?;
    {
        let config_data = config_account
            .try_borrow()
            .map_err(|_| BridgeError::WrongAccountData)?;
        accounts::not_paused(&config_data)?;
    }
    queued_receipt(receipt_account, program_id, &id)?;
    let mut receipt_view = receipt_account.clone();
    let mut receipt_data = receipt_view
        .try_borrow_mut()
        .map_err(|_| BridgeError::WrongAccountData)?;
    let token_id: [u8; 32] = bytes::read(&receipt_data, receipt::TOKEN_ID)?;
    let beneficiary: [u8; 32] = bytes::read(&receipt_data, receipt::BENEFICIARY)?;
    let amount = bytes::read_u64(&receipt_data, receipt::AMOUNT)?;
    let release_at = bytes::read_i64(&receipt_data, receipt::RELEASE_AT)?;
    let reason = bytes::read_u8(&receipt_data, receipt::REASON)?;
    if now < release_at {
        return Err(BridgeError::TimelockPending);
    }

    checks::writable(token_account)?;
    accounts::token_config(token_account, program_id, Some(&token_id))?;
    let mut token_view = token_account.clone();
    let mut token_data = token_view
        .try_borrow_mut()
        .map_err(|_| BridgeError::WrongAccountData)?;
    let info = read_info(&token_data)?;
    let mut payout = Payout {
        mint: get(accounts, 4)?,
        vault: get(accounts, 5)?,
        beneficiary_token: get(accounts, 6)?,
        authority: get(accounts, 7)?,
        token_program: get(accounts, 8)?,
        authority_bump: 0,
    };
    payout.check(program_id, &info, &beneficiary)?;
    if reason == receipt::REASON_RATE_LIMIT {
        let mut inbound = Bucket::read(&token_data, token::INBOUND)?;
        if !inbound.try_consume(amount, now)? {
            return Err(BridgeError::RateLimited);
        }
        inbound.write(&mut token_data, token::INBOUND)?;
    }
    drop(token_data);
    bytes::write(
        &mut receipt_data,
        receipt::STATUS,
        &[receipt::STATUS_EXECUTED],
    )?;
    drop(receipt_data);
    payout.pay(&info, amount)?;
    crate::log_data(&[b"executed", &id]);
    Ok(())
}

/// Runs `cancel_queued`.
pub fn cancel(
    program_id: &Address,
    accounts: &[AccountView],
    args: &[u8],
) -> Result<(), BridgeError> {
    let mut r = Reader::new(args);
    let id: [u8; 32] = r.array()?;
    r.finish()?;
    let guardian = get(accounts, 0)?;
    let config_account = get(accounts, 1)?;
    let receipt_account = get(accounts, 2)?;
    checks::signer(guardian)?;
    accounts::config(config_account, program_id)?;
    {
        let config_data = config_account
            .try_borrow()
            .map_err(|_| BridgeError::WrongAccountData)?;
        if bytes::read::<32>(&config_data, config::GUARDIAN)? != *guardian.address().as_array() {
            return Err(BridgeError::NotGuardian);
        }
    }
    queued_receipt(receipt_account, program_id, &id)?;
    let mut view = receipt_account.clone();
    let mut data = view
        .try_borrow_mut()
        .map_err(|_| BridgeError::WrongAccountData)?;
    bytes::write(&mut data, receipt::STATUS, &[receipt::STATUS_CANCELLED])?;
    crate::log_data(&[b"cancelled", &id]);
    Ok(())
}

/// Runs `pause` (guardian, immediate). Accounts: `guardian` (signer), `config` (writable).
pub fn pause(
    program_id: &Address,
    accounts: &[AccountView],
    args: &[u8],
) -> Result<(), BridgeError> {
    Reader::new(args).finish()?;
    let guardian = get(accounts, 0)?;
    let config_account = get(accounts, 1)?;
    checks::signer(guardian)?;
    checks::writable(config_account)?;
    accounts::config(config_account, program_id)?;
    let mut view = config_account.clone();
    let mut data = view
        .try_borrow_mut()
        .map_err(|_| BridgeError::WrongAccountData)?;
    if bytes::read::<32>(&data, config::GUARDIAN)? != *guardian.address().as_array() {
        return Err(BridgeError::NotGuardian);
    }
    bytes::write(&mut data, config::PAUSED, &[1])
}
