//! `deliver(message, signatures)`: verifies an M-of-N attestation of `message` (inline, or a
//! staged `SignatureSet` when `signatures` is empty) against the origin remote's validator set
//! and the digest naming this bridge (its domain and program id), creates the receipt PDA
//! `["receipt", origin, origin bridge, nonce]` (its existence is the replay protection; the
//! origin bridge is the remote's current bridge), and executes a token transfer at once or
//! queues it, after taking its amount from the route's ledger: at or above the token's timelock
//! threshold, or above the route's inbound capacity (which no bucket ever holds), it is queued
//! for the timelock (`release_at = now + delay`); else it executes if the inbound bucket holds
//! it, and is queued for the rate limit otherwise. The beneficiary is never zero, this program
//! or its authority PDA (`InvalidBeneficiary`). A token transfer needs an enabled route from its origin (`RouteDisabled`
//! for none, or for one with `remote_max = 0`: the delivery reverts and stays retryable).
//! Arbitrary messages are recorded in the receipt (status `received`, gas limit, payload hash)
//! for `execute_message`. Emits `MessageDelivered`.
//!
//! Accounts: `payer` (signer, writable), `config`, `remote` (`["remote", origin]`: its bridge
//! and validator set), `receipt` (writable), `signature_set` (writable staged set, or this
//! program id), `clock`, `system_program`; token transfers also: `token_config`, `route`
//! (writable, `["route", token id, origin]`), `mint` (writable), `vault` (writable, or this
//! program id for bridged tokens), `beneficiary_token` (writable), `authority`,
//! `token_program`.

use pinocchio::{AccountView, Address, cpi::Seed};

use crate::accounts::{self, get};
use crate::bytes::{self, Reader};
use crate::checks;
use crate::crypto::keccak256;
use crate::discriminator as disc;
use crate::error::BridgeError;
use crate::events;
use crate::message::{Attestation, Message, attestation_digest, message_id};
use crate::payout::Payout;
use crate::route;
use crate::state::{self, config, receipt, route as route_layout, signature_set};
use crate::token::{read_info, to_local_amount};
use crate::validators::verify_signatures;

/// What `deliver` records in the receipt.
struct Outcome {
    status: u8,
    reason: u8,
    release_at: i64,
    amount: u64,
    token_id: [u8; 32],
    beneficiary: [u8; 32],
    payload_hash: [u8; 32],
    gas_limit: u64,
}

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
    drop(config_data);
    if message.destination != domain {
        return Err(BridgeError::WrongDestination);
    }
    let origin_bridge = accounts::remote(remote_account, program_id, message.origin)?.bridge;
    let id = message_id(encoded);

    // Replay: the receipt PDA of (origin, origin bridge, nonce) must not exist yet.
    let origin_le = message.origin.to_le_bytes();
    let nonce_le = message.nonce.to_le_bytes();
    let (receipt_address, receipt_bump) = checks::find_pda(
        &[state::SEED_RECEIPT, &origin_le, &origin_bridge, &nonce_le],
        program_id,
    )?;
    checks::address(receipt_account, &receipt_address)?;
    if !receipt_account.owned_by(&checks::SYSTEM_PROGRAM_ID) || !receipt_account.is_data_empty() {
        return Err(BridgeError::AlreadyDelivered);
    }

    // Signatures, against the origin's validator set and epoch, for this bridge.
    {
        let remote_data = remote_account
            .try_borrow()
            .map_err(|_| BridgeError::WrongAccountData)?;
        let (epoch, threshold, validators) = accounts::remote_set(&remote_data)?;
        let digest = attestation_digest(&Attestation {
            origin: message.origin,
            origin_bridge: &origin_bridge,
            destination: domain,
            destination_bridge: program_id.as_array(),
            epoch,
            message_id: &id,
        });
        if set_account.address() == program_id {
            let count = verify_signatures(&digest, signatures, validators, None, |_| Ok(()))?;
            if count < threshold {
                return Err(BridgeError::BelowThreshold);
            }
        } else {
            if !signatures.is_empty() {
                return Err(BridgeError::InvalidInstructionData);
            }
            let staged = Staged {
                id: &id,
                epoch,
                digest: &digest,
                threshold,
            };
            check_signature_set(program_id, set_account, payer, &staged)?;
        }
    }

    // What happens to the message.
    let mut outcome = Outcome {
        status: receipt::STATUS_RECEIVED,
        reason: receipt::REASON_NONE,
        release_at: now,
        amount: 0,
        token_id: [0u8; 32],
        beneficiary: message.recipient,
        payload_hash: [0u8; 32],
        gas_limit: 0,
    };
    let mut payout = None;
    if let Some(transfer) = message.token_transfer() {
        if message.recipient != *program_id.as_array() {
            return Err(BridgeError::WrongRecipient);
        }
        let token_account = get(accounts, 7)?;
        let route_account = get(accounts, 8)?;
        accounts::token_config(token_account, program_id, Some(&transfer.token_id))?;
        let info = {
            let token_data = token_account
                .try_borrow()
                .map_err(|_| BridgeError::WrongAccountData)?;
            read_info(&token_data)?
        };
        accounts::route(
            route_account,
            program_id,
            &transfer.token_id,
            message.origin,
        )?;
        {
            // A disabled route (`remote_max = 0`) refuses deliveries from its remote too; the
            // delivery reverts (no receipt) and stays retryable.
            let route_data = route_account
                .try_borrow()
                .map_err(|_| BridgeError::WrongAccountData)?;
            route::check_enabled(&route_data)?;
        }
        let amount = to_local_amount(&transfer.amount, info.scale_exp)?;
        if transfer.beneficiary == [0u8; 32] {
            return Err(BridgeError::InvalidBeneficiary);
        }
        let mut accounts_out = Payout {
            mint: get(accounts, 9)?,
            vault: get(accounts, 10)?,
            beneficiary_token: get(accounts, 11)?,
            authority: get(accounts, 12)?,
            token_program: get(accounts, 13)?,
            authority_bump: 0,
        };
        accounts_out.check(program_id, &info, &transfer.beneficiary)?;
        outcome.amount = amount;
        outcome.token_id = transfer.token_id;
        outcome.beneficiary = transfer.beneficiary;

        let mut route_view = route_account.clone();
        let mut route_data = route_view
            .try_borrow_mut()
            .map_err(|_| BridgeError::WrongAccountData)?;
        route::on_deliver(&mut route_data, amount)?;
        let mut inbound = route::inbound(&route_data)?;
        // A transfer no bucket can ever hold gives the guardian the token's delay too.
        if amount >= info.timelock_threshold || amount > inbound.capacity {
            outcome.status = receipt::STATUS_QUEUED;
            outcome.reason = receipt::REASON_TIMELOCK;
            outcome.release_at = now
                .checked_add(info.timelock_delay)
                .ok_or(BridgeError::Overflow)?;
        } else if inbound.try_consume(amount, now)? {
            inbound.write(&mut route_data, route_layout::INBOUND)?;
            outcome.status = receipt::STATUS_EXECUTED;
            payout = Some((accounts_out, info));
        } else {
            outcome.status = receipt::STATUS_QUEUED;
            outcome.reason = receipt::REASON_RATE_LIMIT;
        }
    } else if let Some((gas_limit, payload)) = message.arbitrary() {
        outcome.gas_limit = gas_limit;
        outcome.payload_hash = keccak256(&[payload]);
    }

    let bump_seed = [receipt_bump];
    let seeds = [
        Seed::from(state::SEED_RECEIPT),
        Seed::from(&origin_le),
        Seed::from(&origin_bridge),
        Seed::from(&nonce_le),
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
        bytes::write(&mut data, receipt::STATUS, &[outcome.status])?;
        bytes::write(&mut data, receipt::QUEUE_REASON, &[outcome.reason])?;
        bytes::write(&mut data, receipt::MESSAGE_ID, &id)?;
        bytes::write(&mut data, receipt::ORIGIN, &origin_le)?;
        bytes::write(&mut data, receipt::ORIGIN_BRIDGE, &origin_bridge)?;
        bytes::write(&mut data, receipt::NONCE, &nonce_le)?;
        bytes::write(&mut data, receipt::SENDER, &message.sender)?;
        bytes::write(&mut data, receipt::KIND, &[message.kind()])?;
        bytes::write(&mut data, receipt::TOKEN_ID, &outcome.token_id)?;
        bytes::write(&mut data, receipt::AMOUNT, &outcome.amount.to_le_bytes())?;
        bytes::write(&mut data, receipt::BENEFICIARY, &outcome.beneficiary)?;
        bytes::write(&mut data, receipt::DELIVERED_AT, &now.to_le_bytes())?;
        bytes::write(
            &mut data,
            receipt::RELEASE_AT,
            &outcome.release_at.to_le_bytes(),
        )?;
        bytes::write(&mut data, receipt::PAYLOAD_HASH, &outcome.payload_hash)?;
        bytes::write(
            &mut data,
            receipt::GAS_LIMIT,
            &outcome.gas_limit.to_le_bytes(),
        )?;
        bytes::write(&mut data, receipt::REFUND_ID, &[0u8; 32])?;
    }
    if let Some((accounts_out, info)) = payout {
        accounts_out.pay(&info, outcome.amount)?;
    }
    // Close a staged set last: moving lamports before a CPI would unbalance the instruction at
    // the CPI boundary (the runtime syncs only the accounts passed to the callee).
    if set_account.address() != program_id {
        close(set_account, payer)?;
    }
    events::emit(
        &disc::MESSAGE_DELIVERED_EVENT,
        &[&id, &origin_le, &nonce_le, &[outcome.status]],
    )
}

/// A staged signature set's expected contents.
#[derive(Clone, Copy)]
struct Staged<'a> {
    id: &'a [u8; 32],
    epoch: u64,
    digest: &'a [u8; 32],
    threshold: usize,
}

/// Checks a staged signature set for this message, epoch, payer and digest, and that it holds
/// at least `threshold` signers. The caller closes it after the CPIs.
#[inline(always)]
fn check_signature_set(
    program_id: &Address,
    set_account: &AccountView,
    payer: &AccountView,
    staged: &Staged,
) -> Result<(), BridgeError> {
    let Staged {
        id,
        epoch,
        digest,
        threshold,
    } = *staged;
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
                &epoch.to_le_bytes(),
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
