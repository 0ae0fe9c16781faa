//! The timelocked `RefundCancelled { origin, origin_bridge, nonce }` action (run by
//! `execute_proposal`, not while paused): sends a cancelled transfer back to its origin as a
//! new, ordinary token-transfer message: same token id and amount (home units), beneficiary =
//! the cancelled message's sender, sender = this program, recipient = the origin's current
//! bridge, with the next outbound nonce. Refused (`WrongRemote`) when the origin's remote is no
//! longer the bridge the cancelled message came from (the receipt's origin bridge: a redeployed
//! bridge never locked those tokens), and (`InvalidBeneficiary`) for a sender the origin can
//! never pay, as `send`. Emits `MessageSent` (self-CPI and log, as `send`) and
//! `TransferRefunded { id, refund_id }`; the receipt becomes `refunded` (once). Nothing leaves
//! this chain, so no bucket or ledger applies. Governance must first check on the origin that
//! the cancelled message was really sent there (docs/protocol.md, "Cancelling, voiding and
//! refunding"): a refund of a forgery would release tokens nobody locked.
//!
//! Accounts (after `execute_proposal`'s five): `receipt` (writable), `token_config` (`["token",
//! receipt.token_id]`), `remote` (`["remote", origin]`), `event_authority`, `program`.

use pinocchio::{AccountView, Address};

use crate::accounts::{self, get};
use crate::bytes;
use crate::discriminator as disc;
use crate::error::BridgeError;
use crate::events::{self, EventAccounts};
use crate::instructions::send::check_beneficiary;
use crate::message::{encode_token_transfer, message_id};
use crate::state::{config, receipt};
use crate::token::{read_info, to_message_amount};

/// Runs `RefundCancelled`; `config_data` is the config's (writable) data.
pub fn refund(
    program_id: &Address,
    accounts: &[AccountView],
    config_data: &mut [u8],
    key: &(u32, [u8; 32], u64),
) -> Result<(), BridgeError> {
    let receipt_account = get(accounts, 0)?;
    let token_account = get(accounts, 1)?;
    let remote_account = get(accounts, 2)?;
    let events_accounts = EventAccounts::check(program_id, get(accounts, 3)?, get(accounts, 4)?)?;
    if accounts::receipt(receipt_account, program_id)? != *key {
        return Err(BridgeError::WrongAccountAddress);
    }
    let mut view = receipt_account.clone();
    let mut data = view
        .try_borrow_mut()
        .map_err(|_| BridgeError::WrongAccountData)?;
    if bytes::read_u8(&data, receipt::STATUS)? != receipt::STATUS_CANCELLED {
        return Err(BridgeError::NotQueued);
    }
    let token_id: [u8; 32] = bytes::read(&data, receipt::TOKEN_ID)?;
    let sender: [u8; 32] = bytes::read(&data, receipt::SENDER)?;
    let amount = bytes::read_u64(&data, receipt::AMOUNT)?;
    let id: [u8; 32] = bytes::read(&data, receipt::MESSAGE_ID)?;

    accounts::token_config(token_account, program_id, Some(&token_id))?;
    let info = {
        let token_data = token_account
            .try_borrow()
            .map_err(|_| BridgeError::WrongAccountData)?;
        read_info(&token_data)?
    };
    let remote = accounts::remote(remote_account, program_id, key.0)?;
    if remote.bridge != key.1 {
        return Err(BridgeError::WrongRemote);
    }
    check_beneficiary(&sender, &remote)?;
    let home_amount = to_message_amount(amount, info.scale_exp)?;

    let domain = bytes::read_u32(config_data, config::DOMAIN)?;
    let nonce = bytes::read_u64(config_data, config::OUTBOUND_NONCE)?;
    let next = nonce.checked_add(1).ok_or(BridgeError::Overflow)?;
    bytes::write(config_data, config::OUTBOUND_NONCE, &next.to_le_bytes())?;

    let message = encode_token_transfer(
        nonce,
        domain,
        program_id.as_array(),
        key.0,
        &remote.bridge,
        &token_id,
        &home_amount,
        &sender,
    );
    let refund_id = message_id(&message);
    bytes::write(&mut data, receipt::STATUS, &[receipt::STATUS_REFUNDED])?;
    bytes::write(&mut data, receipt::REFUND_ID, &refund_id)?;
    drop(data);
    events::message_sent(
        program_id,
        &events_accounts,
        &refund_id,
        key.0,
        nonce,
        &message,
    )?;
    events::emit(&disc::TRANSFER_REFUNDED_EVENT, &[&id, &refund_id])
}
