//! Queued inbound transfers, named by their receipt's `(origin, origin bridge, nonce)`:
//!
//! - `execute_queued(origin, origin_bridge, nonce)` (anyone, not while paused, not while the
//!   route is disabled: `RouteDisabled`, and it stays queued): after the timelock
//!   (`release_at`), every queued transfer, whatever its reason, passes the route's
//!   inbound bucket: it consumes the amount, or, if the amount is above the bucket's capacity,
//!   executes only when the bucket is full and empties it (`RateLimited` otherwise, and it stays
//!   queued). Then it pays out. Emits `TransferExecuted`.
//! - `cancel_queued(origin, origin_bridge, nonce)` (guardian, immediately): cancels any queued
//!   transfer until it executes, also while paused and after its release time, and gives its
//!   amount back to the route's ledger. Emits `TransferCancelled`.
//!
//! `execute_queued` accounts: `config`, `receipt` (writable, `["receipt", origin,
//! origin_bridge, nonce]`), `clock`, `token_config` (`["token", receipt.token_id]`), `route`
//! (writable, `["route", receipt.token_id, origin]`), `mint` (writable), `vault` (writable, or
//! this program id), `beneficiary_token` (writable), `authority`, `token_program`.
//! `cancel_queued` accounts: `guardian` (signer), `config`, `receipt` (writable), `route`
//! (writable).

use pinocchio::{AccountView, Address};

use crate::accounts::{self, get};
use crate::bytes::{self, Reader};
use crate::checks;
use crate::discriminator as disc;
use crate::error::BridgeError;
use crate::events;
use crate::payout::Payout;
use crate::route;
use crate::state::{config, receipt, route as route_layout};
use crate::token::read_info;

/// Reads `(origin, origin bridge, nonce)`.
fn read_key(args: &[u8]) -> Result<(u32, [u8; 32], u64), BridgeError> {
    let mut r = Reader::new(args);
    let key = (r.u32()?, r.array()?, r.u64()?);
    r.finish()?;
    Ok(key)
}

/// Checks the receipt of `key` (its address, from the key it stores) and that it is a queued
/// transfer; returns its token id.
pub fn queued_receipt(
    account: &AccountView,
    program_id: &Address,
    key: &(u32, [u8; 32], u64),
) -> Result<[u8; 32], BridgeError> {
    if accounts::receipt(account, program_id)? != *key {
        return Err(BridgeError::WrongAccountAddress);
    }
    let data = account
        .try_borrow()
        .map_err(|_| BridgeError::WrongAccountData)?;
    if bytes::read_u8(&data, receipt::STATUS)? != receipt::STATUS_QUEUED {
        return Err(BridgeError::NotQueued);
    }
    bytes::read(&data, receipt::TOKEN_ID)
}

/// Marks a queued receipt cancelled and gives its amount back to its route's ledger (guardian
/// `cancel_queued`, admin `VoidQueued`). `route_account` is checked here.
pub fn cancel_receipt(
    program_id: &Address,
    receipt_account: &AccountView,
    route_account: &AccountView,
    key: &(u32, [u8; 32], u64),
) -> Result<(), BridgeError> {
    let token_id = queued_receipt(receipt_account, program_id, key)?;
    accounts::route(route_account, program_id, &token_id, key.0)?;
    let mut view = receipt_account.clone();
    let mut data = view
        .try_borrow_mut()
        .map_err(|_| BridgeError::WrongAccountData)?;
    let amount = bytes::read_u64(&data, receipt::AMOUNT)?;
    let id: [u8; 32] = bytes::read(&data, receipt::MESSAGE_ID)?;
    bytes::write(&mut data, receipt::STATUS, &[receipt::STATUS_CANCELLED])?;
    drop(data);
    let mut route_view = route_account.clone();
    let mut route_data = route_view
        .try_borrow_mut()
        .map_err(|_| BridgeError::WrongAccountData)?;
    route::on_cancel(&mut route_data, amount)?;
    events::emit(&disc::TRANSFER_CANCELLED_EVENT, &[&id])
}

/// Runs `execute_queued`.
pub fn execute(
    program_id: &Address,
    accounts: &[AccountView],
    args: &[u8],
) -> Result<(), BridgeError> {
    let key = read_key(args)?;
    let config_account = get(accounts, 0)?;
    let receipt_account = get(accounts, 1)?;
    let clock = get(accounts, 2)?;
    let token_account = get(accounts, 3)?;
    let route_account = get(accounts, 4)?;
    let now = checks::clock_now(clock)?;
    accounts::config(config_account, program_id)?;
    {
        let config_data = config_account
            .try_borrow()
            .map_err(|_| BridgeError::WrongAccountData)?;
        accounts::not_paused(&config_data)?;
    }
    let token_id = queued_receipt(receipt_account, program_id, &key)?;
    let mut receipt_view = receipt_account.clone();
    let mut receipt_data = receipt_view
        .try_borrow_mut()
        .map_err(|_| BridgeError::WrongAccountData)?;
    let beneficiary: [u8; 32] = bytes::read(&receipt_data, receipt::BENEFICIARY)?;
    let amount = bytes::read_u64(&receipt_data, receipt::AMOUNT)?;
    let release_at = bytes::read_i64(&receipt_data, receipt::RELEASE_AT)?;
    let id: [u8; 32] = bytes::read(&receipt_data, receipt::MESSAGE_ID)?;
    if now < release_at {
        return Err(BridgeError::TimelockPending);
    }

    accounts::token_config(token_account, program_id, Some(&token_id))?;
    let info = {
        let token_data = token_account
            .try_borrow()
            .map_err(|_| BridgeError::WrongAccountData)?;
        read_info(&token_data)?
    };
    accounts::route(route_account, program_id, &token_id, key.0)?;
    {
        // A disabled route (`remote_max = 0`): the entry waits, still queued (and cancellable).
        let route_data = route_account
            .try_borrow()
            .map_err(|_| BridgeError::WrongAccountData)?;
        route::check_enabled(&route_data)?;
    }
    let mut payout = Payout {
        mint: get(accounts, 5)?,
        vault: get(accounts, 6)?,
        beneficiary_token: get(accounts, 7)?,
        authority: get(accounts, 8)?,
        token_program: get(accounts, 9)?,
        authority_bump: 0,
    };
    payout.check(program_id, &info, &beneficiary)?;
    {
        let mut route_view = route_account.clone();
        let mut route_data = route_view
            .try_borrow_mut()
            .map_err(|_| BridgeError::WrongAccountData)?;
        let mut inbound = route::inbound(&route_data)?;
        if !inbound.try_consume_queued(amount, now)? {
            return Err(BridgeError::RateLimited);
        }
        inbound.write(&mut route_data, route_layout::INBOUND)?;
    }
    bytes::write(
        &mut receipt_data,
        receipt::STATUS,
        &[receipt::STATUS_EXECUTED],
    )?;
    drop(receipt_data);
    payout.pay(&info, amount)?;
    events::emit(&disc::TRANSFER_EXECUTED_EVENT, &[&id])
}

/// Runs `cancel_queued`.
pub fn cancel(
    program_id: &Address,
    accounts: &[AccountView],
    args: &[u8],
) -> Result<(), BridgeError> {
    let key = read_key(args)?;
    let guardian = get(accounts, 0)?;
    let config_account = get(accounts, 1)?;
    let receipt_account = get(accounts, 2)?;
    let route_account = get(accounts, 3)?;
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
    cancel_receipt(program_id, receipt_account, route_account, &key)
}
