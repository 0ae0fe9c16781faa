//! `send(destination, beneficiary, amount)`: locks (home token: into the vault) or burns
//! (bridged mint) `amount` local units of a registered token, takes the outbound bucket, and
//! emits the encoded message with the next outbound nonce via `sol_log_data` (one field: the
//! message bytes, read by indexers from the "Program data:" log line).
//!
//! Accounts: `sender` (signer), `config` (writable), `remote` (PDA of `destination`),
//! `token_config` (writable), `sender_token` (writable; the sender's account of the mint),
//! `mint` (writable), `vault` (writable; the token's vault, or this program id for a bridged
//! token), `token_program` (SPL Token), `clock` (sysvar).

use pinocchio::{AccountView, Address};

use crate::accounts::{self, get};
use crate::bytes::{self, Reader};
use crate::checks;
use crate::cpi;
use crate::error::BridgeError;
use crate::message::encode_token_transfer;
use crate::state::{config, token};
use crate::token::{Bucket, check_mint, check_token_account, read_info, to_message_amount};

/// Runs `send`.
pub fn process(
    program_id: &Address,
    accounts: &[AccountView],
    args: &[u8],
) -> Result<(), BridgeError> {
    let mut r = Reader::new(args);
    let destination = r.u32()?;
    let beneficiary: [u8; 32] = r.array()?;
    let amount = r.u64()?;
    r.finish()?;
    if destination == 0 || beneficiary == [0u8; 32] || amount == 0 {
        return Err(BridgeError::ZeroValue);
    }

    let sender = get(accounts, 0)?;
    let config_account = get(accounts, 1)?;
    let remote_account = get(accounts, 2)?;
    let token_account = get(accounts, 3)?;
    let sender_token = get(accounts, 4)?;
    let mint = get(accounts, 5)?;
    let vault = get(accounts, 6)?;
    let token_program = get(accounts, 7)?;
    let clock = get(accounts, 8)?;

    checks::signer(sender)?;
    checks::writable(config_account)?;
    checks::writable(token_account)?;
    checks::writable(sender_token)?;
    checks::writable(mint)?;
    checks::token_program(token_program)?;
    let now = checks::clock_now(clock)?;
    accounts::config(config_account, program_id)?;
    let recipient = accounts::remote(remote_account, program_id, destination)?;
    let token_id = accounts::token_config(token_account, program_id, None)?;

    let mut config_view = config_account.clone();
    let mut config_data = config_view
        .try_borrow_mut()
        .map_err(|_| BridgeError::WrongAccountData)?;
    accounts::not_paused(&config_data)?;
    let origin = bytes::read_u32(&config_data, config::DOMAIN)?;
    if destination == origin {
        return Err(BridgeError::UnknownRemote);
    }

    let mut token_view = token_account.clone();
    let mut token_data = token_view
        .try_borrow_mut()
        .map_err(|_| BridgeError::WrongAccountData)?;
    let info = read_info(&token_data)?;
    check_mint(mint, &info.mint, None)?;
    check_token_account(sender_token, &info.mint, sender.address().as_array())?;
    if info.is_home {
        checks::address(vault, &info.vault)?;
        checks::writable(vault)?;
        check_token_account(
            vault,
            &info.mint,
            accounts::authority_address(program_id)?.as_array(),
        )?;
    } else {
        checks::address(vault, program_id)?;
    }

    // The amount in the message must be representable; then the outbound bucket.
    let message_amount = to_message_amount(amount, info.scale_exp)?;
    let mut outbound = Bucket::read(&token_data, token::OUTBOUND)?;
    if !outbound.try_consume(amount, now)? {
        return Err(BridgeError::RateLimited);
    }
    outbound.write(&mut token_data, token::OUTBOUND)?;
    drop(token_data);

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
        &recipient,
        &token_id,
        &message_amount,
        &beneficiary,
    );
    crate::log_data(&[&message]);
    Ok(())
}
