//! `send(destination, token_id, beneficiary, amount, max_fee)`: locks (home token: into the vault) or
//! burns (bridged mint) `amount` local units of a registered token for `beneficiary` on
//! `destination`, with the next outbound nonce, and emits `MessageSent` (self-CPI event and log
//! line). Refused before anything moves, as docs/protocol.md "Sending" lists: an unknown
//! destination or this bridge's own (`UnknownRemote`), no route or a disabled one
//! (`RouteDisabled`), an amount that is zero or not representable at the destination's scale
//! and maximum (`BadAmount`), above the route's outbound bucket (`RateLimited`), for a bridged
//! mint above what the destination's ledger accepts (`-ledger`, `LedgerExceeded`), or a
//! beneficiary the destination can never pay (`InvalidBeneficiary`: zero, the destination
//! bridge itself, or for an EVM destination not a 20-byte address). The local amount is added
//! to the route's ledger.
//!
//! Delivery fee (docs/protocol.md "Delivery fees"): the sender pays exactly the destination's
//! token-transfer quote in lamports into the fee vault (System transfer), refused with
//! `FeeTooLow` (the quote logged before the error) when it is above `max_fee`, and emits
//! `GasPaid { id, destination, amount }` (self-CPI and log line) when it is not 0. A
//! destination without fee config (its PDA not created) is free, and then neither the vault
//! nor the sender's lamports are touched.
//!
//! Accounts: `sender` (signer; writable when a fee is charged), `config` (writable), `remote` (`["remote", destination]`),
//! `token_config` (`["token", token_id]`), `route` (writable, `["route", token_id,
//! destination]`), `sender_token` (writable; the sender's account of the mint), `mint`
//! (writable), `vault` (writable `["vault", mint]`, or this program id for a bridged token),
//! `token_program` (SPL Token), `clock` (sysvar), `event_authority` (`["__event_authority"]`),
//! `program` (this program), `fee_config` (`["fee_config", destination]`, which may not
//! exist), `fee_vault` (writable, `["fee_vault"]`), `system_program`.

use pinocchio::{AccountView, Address};

use crate::accounts::{self, RemoteInfo, get};
use crate::bytes::{self, Reader};
use crate::checks;
use crate::cpi;
use crate::error::BridgeError;
use crate::events::{self, EventAccounts};
use crate::fee;
use crate::message::{encode_token_transfer, message_id};
use crate::route;
use crate::state::{config, remote, route as route_layout};
use crate::token::{
    TokenInfo, check_mint, check_representable, check_token_account, read_info, to_message_amount,
};

/// Refuses a beneficiary `remote` can never pay: zero, the remote's bridge itself (tokens paid
/// to it would be stranded), or for an EVM remote a value whose upper 12 bytes are not zero.
#[inline(always)]
pub fn check_beneficiary(beneficiary: &[u8; 32], remote: &RemoteInfo) -> Result<(), BridgeError> {
    if *beneficiary == [0u8; 32] || *beneficiary == remote.bridge {
        return Err(BridgeError::InvalidBeneficiary);
    }
    if remote.kind == remote::KIND_EVM
        && beneficiary
            .get(..12)
            .is_none_or(|h| h.iter().any(|b| *b != 0))
    {
        return Err(BridgeError::InvalidBeneficiary);
    }
    Ok(())
}

/// Runs `send`.
pub fn process(
    program_id: &Address,
    accounts: &[AccountView],
    args: &[u8],
) -> Result<(), BridgeError> {
    let mut r = Reader::new(args);
    let destination = r.u32()?;
    let token_id: [u8; 32] = r.array()?;
    let beneficiary: [u8; 32] = r.array()?;
    let amount = r.u64()?;
    let max_fee = r.u64()?;
    r.finish()?;
    if amount == 0 {
        return Err(BridgeError::BadAmount);
    }

    let sender = get(accounts, 0)?;
    let config_account = get(accounts, 1)?;
    let remote_account = get(accounts, 2)?;
    let token_account = get(accounts, 3)?;
    let route_account = get(accounts, 4)?;
    let sender_token = get(accounts, 5)?;
    let mint = get(accounts, 6)?;
    let vault = get(accounts, 7)?;
    let token_program = get(accounts, 8)?;
    let clock = get(accounts, 9)?;
    let events_accounts = EventAccounts::check(program_id, get(accounts, 10)?, get(accounts, 11)?)?;
    let fee_config = get(accounts, 12)?;
    let fee_vault = get(accounts, 13)?;
    let system_program = get(accounts, 14)?;

    checks::signer(sender)?;
    checks::writable(config_account)?;
    checks::writable(sender_token)?;
    checks::writable(mint)?;
    checks::token_program(token_program)?;
    let now = checks::clock_now(clock)?;
    accounts::config(config_account, program_id)?;

    let mut config_view = config_account.clone();
    let mut config_data = config_view
        .try_borrow_mut()
        .map_err(|_| BridgeError::WrongAccountData)?;
    accounts::not_paused(&config_data)?;
    let origin = bytes::read_u32(&config_data, config::DOMAIN)?;
    if destination == origin {
        return Err(BridgeError::UnknownRemote);
    }
    let remote = accounts::remote(remote_account, program_id, destination)?;
    check_beneficiary(&beneficiary, &remote)?;
    accounts::token_config(token_account, program_id, Some(&token_id))?;
    let info = {
        let token_data = token_account
            .try_borrow()
            .map_err(|_| BridgeError::WrongAccountData)?;
        read_info(&token_data)?
    };
    accounts::route(route_account, program_id, &token_id, destination)?;
    check_token_accounts(program_id, &info, sender, sender_token, mint, vault)?;

    // The fee of this destination, checked before anything changes.
    let fee = match fee::load_config(fee_config, program_id, destination)? {
        Some(params) => params.quote_transfer()?,
        None => 0,
    };
    if fee > max_fee {
        fee::log_quote(fee, max_fee);
        return Err(BridgeError::FeeTooLow);
    }
    if fee > 0 {
        checks::writable(sender)?;
        checks::system_program(system_program)?;
        fee::check_vault(fee_vault, program_id)?;
    }

    // The amount must reach the destination whole, then fit the outbound bucket.
    let message_amount = to_message_amount(amount, info.scale_exp)?;
    {
        let mut route_view = route_account.clone();
        let mut route_data = route_view
            .try_borrow_mut()
            .map_err(|_| BridgeError::WrongAccountData)?;
        route::check_enabled(&route_data)?;
        let remote_max: [u8; 16] = bytes::read(&route_data, route_layout::REMOTE_MAX)?;
        let remote_exp = bytes::read_u8(&route_data, route_layout::REMOTE_EXP)?;
        check_representable(&message_amount, remote_exp, &remote_max)?;
        let mut outbound = route::outbound(&route_data)?;
        if !outbound.try_consume(amount, now)? {
            return Err(BridgeError::RateLimited);
        }
        outbound.write(&mut route_data, route_layout::OUTBOUND)?;
        route::on_send(&mut route_data, amount)?;
    }

    let nonce = bytes::read_u64(&config_data, config::OUTBOUND_NONCE)?;
    let next = nonce.checked_add(1).ok_or(BridgeError::Overflow)?;
    bytes::write(
        &mut config_data,
        config::OUTBOUND_NONCE,
        &next.to_le_bytes(),
    )?;
    drop(config_data);

    if info.is_home {
        cpi::token_transfer(sender_token, vault, sender, amount, &[])?;
    } else {
        cpi::token_burn(sender_token, mint, sender, amount)?;
    }

    let message = encode_token_transfer(
        nonce,
        origin,
        sender.address().as_array(),
        destination,
        &remote.bridge,
        &token_id,
        &message_amount,
        &beneficiary,
    );
    let id = message_id(&message);
    events::message_sent(
        program_id,
        &events_accounts,
        &id,
        destination,
        nonce,
        &message,
    )?;
    if fee > 0 {
        cpi::transfer_lamports(sender, fee_vault, fee)?;
        events::gas_paid(program_id, &events_accounts, &id, destination, fee)?;
    }
    Ok(())
}

/// The mint, the sender's token account and the vault (home token) or the program id
/// (bridged).
#[inline(always)]
fn check_token_accounts(
    program_id: &Address,
    info: &TokenInfo,
    sender: &AccountView,
    sender_token: &AccountView,
    mint: &AccountView,
    vault: &AccountView,
) -> Result<(), BridgeError> {
    check_mint(mint, &info.mint, None)?;
    check_token_account(sender_token, &info.mint, sender.address().as_array())?;
    if info.is_home {
        checks::address(vault, &info.vault)?;
        checks::writable(vault)?;
        check_token_account(
            vault,
            &info.mint,
            accounts::authority_address(program_id)?.as_array(),
        )
    } else {
        checks::address(vault, program_id)
    }
}
