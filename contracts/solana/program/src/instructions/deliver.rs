//! `deliver(message, signatures)`: verifies an M-of-N attestation of `message` (inline, or a
//! staged `SignatureSet` when `signatures` is empty), creates the message's receipt PDA (its
//! existence is the replay protection), and executes a token transfer at once or queues it
//! (timelock threshold, inbound bucket). Arbitrary messages are recorded in the receipt
//! (status `received`) for the recipient program to read.
//!
//! Accounts: `payer` (signer, writable), `config`, `remote` (PDA of the origin domain: its bridge and validator set),
//! `receipt` (writable, PDA `["receipt", id]`), `signature_set` (writable staged set, or this
//! program id), `clock`, `system_program`; token transfers also: `token_config` (writable),
//! `mint` (writable), `vault` (writable, or this program id for bridged tokens),
//! `beneficiary_token` (writable), `authority`, `token_program`.

use pinocchio::{AccountView, Address, cpi::Seed};

use crate::accounts::{self, get};
use crate::bytes::{self, Reader};
use crate::checks;
use crate::crypto::keccak256;
use crate::discriminator as disc;
use crate::error::BridgeError;
use crate::message::{Message, attestation_digest, message_id};
use crate::payout::Payout;
use crate::state::{self, config, receipt, signature_set, token};
use crate::token::{Bucket, read_info, to_local_amount};
use crate::validators::verify_signatures;

/// Runs `deliver`.
pub fn process(
    program_id: &Address,
    accounts: &[AccountView],
    args: &[u8],
) -> Result<(), BridgeError> {
    let mut r = Reader::new(args);
    let encoded = r.bytes()?;
    let signatures = r.bytes()?;
    r.finish()?;

    let payer = get(accounts, 0)?;
    let config_account = get(accounts, 1)?;
    let remote_account = get(accounts, 2)?;
    let receipt_account = get(accounts, 3)?;
    let set_account = get(accounts, 4)?;
    let clock = get(accounts, 5)?;
    let system_program = get(accounts, 6)?;
    checks::signer(payer)?;
    checks::writable(payer)?;
    checks::writable(receipt_account)?;
    checks::system_program(system_program)?;
    let now = checks::clock_now(clock)?;
    accounts::config(config_account, program_id)?;
    let config_data = config_account
        .try_borrow()
        .map_err(|_| BridgeError::WrongAccountData)?;
    accounts::not_paused(&config_data)?;

    let message = Message::decode(encoded)?;
    let domain = bytes::read_u32(&config_data, config::DOMAIN)?;
    if message.destination != domain {
        return Err(BridgeError::WrongDestination);
    }
    let origin_bridge = accounts::remote(remote_account, program_id, message.origin)?;
    let id = message_id(encoded);

    // Replay: the receipt PDA must not exist yet.
    let (receipt_address, receipt_bump) =
        checks::find_pda(&[state::SEED_RECEIPT, &id], program_id)?;
    checks::address(receipt_account, &receipt_address)?;
    if !receipt_account.owned_by(&checks::SYSTEM_PROGRAM_ID) || !receipt_account.is_data_empty() {
        return Err(BridgeError::AlreadyDelivered);
    }

    // Signatures, against the origin's validator set and epoch.
    let remote_data = remote_account
        .try_borrow()
        .map_err(|_| BridgeError::WrongAccountData)?;
    let (epoch, threshold, validators) = accounts::remote_set(&remote_data)?;
    let digest = attestation_digest(message.origin, &origin_bridge, epoch, &id);
    if set_account.address() == program_id {
        let count = verify_signatures(&digest, signatures, validators, None, |_| Ok(()))?;
        if count < threshold {
            return Err(BridgeError::BelowThreshold);
        }
    } else {
        if !signatures.is_empty() {
            return Err(BridgeError::InvalidInstructionData);
        }
        check_signature_set(
            program_id,
            set_account,
            payer,
            &id,
            epoch,
            &digest,
            threshold,
        )?;
    }
    drop(remote_data);
    drop(config_data);

    // What happens to the message.
    let mut status = receipt::STATUS_RECEIVED;
    let mut reason = receipt::REASON_NONE;
    let mut release_at = now;
    let mut amount = 0u64;
    let mut token_id = [0u8; 32];
    let mut beneficiary = message.recipient;
    let mut payload_hash = [0u8; 32];
    let mut payout = None;
    if let Some(transfer) = message.token_transfer() {
        if message.recipient != *program_id.as_array() {
            return Err(BridgeError::WrongRecipient);
        }
        let token_account = get(accounts, 7)?;
        checks::writable(token_account)?;
        accounts::token_config(token_account, program_id, Some(&transfer.token_id))?;
        let mut token_view = token_account.clone();
        let mut token_data = token_view
            .try_borrow_mut()
            .map_err(|_| BridgeError::WrongAccountData)?;
        let info = read_info(&token_data)?;
        amount = to_local_amount(&transfer.amount, info.scale_exp)?;
        let mut accounts_out = Payout {
            mint: get(accounts, 8)?,
            vault: get(accounts, 9)?,
            beneficiary_token: get(accounts, 10)?,
            authority: get(accounts, 11)?,
            token_program: get(accounts, 12)?,
            authority_bump: 0,
        };
        accounts_out.check(program_id, &info, &transfer.beneficiary)?;
        token_id = transfer.token_id;
        beneficiary = transfer.beneficiary;
        if amount >= info.timelock_threshold {
            status = receipt::STATUS_QUEUED;
            reason = receipt::REASON_TIMELOCK;
            release_at = now
                .checked_add(info.timelock_delay)
                .ok_or(BridgeError::Overflow)?;
        } else {
            let mut inbound = Bucket::read(&token_data, token::INBOUND)?;
            if inbound.try_consume(amount, now)? {
                inbound.write(&mut token_data, token::INBOUND)?;
                status = receipt::STATUS_EXECUTED;
                payout = Some((accounts_out, info));
            } else {
                status = receipt::STATUS_QUEUED;
                reason = receipt::REASON_RATE_LIMIT;
            }
        }
    } else {
        payload_hash = keccak256(&[message.body]);
    }

    let bump_seed = [receipt_bump];
    let seeds = [
        Seed::from(state::SEED_RECEIPT),
        Seed::from(&id),
        Seed::from(&bump_seed),
    ];
    checks::create_pda_account(
        payer,
        receipt_account,
        system_program,
        &seeds,
        receipt::LEN,
        program_id,
    )?;
    {
        let mut view = receipt_account.clone();
        let mut data = view
            .try_borrow_mut()
            .map_err(|_| BridgeError::WrongAccountData)?;
        bytes::write(&mut data, 0, &disc::RECEIPT_ACCOUNT)?;
        bytes::write(&mut data, receipt::BUMP, &[receipt_bump])?;
        bytes::write(&mut data, receipt::STATUS, &[status])?;
        bytes::write(&mut data, receipt::REASON, &[reason])?;
        bytes::write(&mut data, receipt::MESSAGE_ID, &id)?;
        bytes::write(&mut data, receipt::ORIGIN, &message.origin.to_le_bytes())?;
        bytes::write(&mut data, receipt::NONCE, &message.nonce.to_le_bytes())?;
        bytes::write(&mut data, receipt::SENDER, &message.sender)?;
        bytes::write(&mut data, receipt::KIND, &[message.kind()])?;
        bytes::write(&mut data, receipt::TOKEN_ID, &token_id)?;
        bytes::write(&mut data, receipt::AMOUNT, &amount.to_le_bytes())?;
        bytes::write(&mut data, receipt::BENEFICIARY, &beneficiary)?;
        bytes::write(&mut data, receipt::DELIVERED_AT, &now.to_le_bytes())?;
        bytes::write(&mut data, receipt::RELEASE_AT, &release_at.to_le_bytes())?;
        bytes::write(&mut data, receipt::PAYLOAD_HASH, &payload_hash)?;
    }
    if let Some((accounts_out, info)) = payout {
        accounts_out.pay(&info, amount)?;
    }
    // Close a staged set last: moving lamports before a CPI would unbalance the instruction at
    // the CPI boundary (the runtime syncs only the accounts passed to the callee).
    if set_account.address() != program_id {
        close(set_account, payer)?;
    }
    crate::log_data(&[b"delivered", &id, &[status]]);
    Ok(())
}

/// Checks a staged signature set for this message, epoch, payer and digest, and that it holds
/// at least `threshold` signers. The caller closes it after the CPIs.
#[inline(always)]
fn check_signature_set(
    program_id: &Address,
    set_account: &AccountView,
    payer: &AccountView,
    id: &[u8; 32],
    epoch: u64,
    digest: &[u8; 32],
    threshold: usize,
) -> Result<(), BridgeError> {
    checks::writable(set_account)?;
    checks::program_account(
        set_account,
        program_id,
        &disc::SIGNATURE_SET_ACCOUNT,
        signature_set::SIGNERS,
    )?;
    {
        let data = set_account
            .try_borrow()
            .map_err(|_| BridgeError::WrongAccountData)?;
        let bump = bytes::read_u8(&data, signature_set::BUMP)?;
        checks::pda(
            set_account,
            &[
                state::SEED_SIGNATURES,
                id,
                &epoch.to_be_bytes(),
                payer.address().as_array(),
            ],
            bump,
            program_id,
        )?;
        if bytes::read::<32>(&data, signature_set::DIGEST)? != *digest
            || bytes::read_u64(&data, signature_set::EPOCH)? != epoch
            || bytes::read::<32>(&data, signature_set::MESSAGE_ID)? != *id
        {
            return Err(BridgeError::SignatureSetMismatch);
        }
        let count = bytes::read_u32(&data, signature_set::SIGNERS_LEN)? as usize;
        if count < threshold {
            return Err(BridgeError::BelowThreshold);
        }
    }
    Ok(())
}

/// Closes a program account: lamports to `to`, data zeroed.
pub fn close(account: &AccountView, to: &AccountView) -> Result<(), BridgeError> {
    let mut account = account.clone();
    let mut to = to.clone();
    let lamports = account.lamports();
    let total = to
        .lamports()
        .checked_add(lamports)
        .ok_or(BridgeError::Overflow)?;
    to.set_lamports(total);
    account.set_lamports(0);
    let mut data = account
        .try_borrow_mut()
        .map_err(|_| BridgeError::WrongAccountData)?;
    data.fill(0);
    Ok(())
}
