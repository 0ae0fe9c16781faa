//! `execute_message(message)`: calls the recipient program of a delivered arbitrary message
//! (body kind `0x00`) with `receive_message(origin: u32, sender: [u8; 32], payload: bytes)`
//! (Anchor discriminator `sha256("global:receive_message")[..8]`, Borsh arguments), signed by
//! the bridge's messenger PDA `["messenger"]` as its first account so the recipient can tell
//! the call comes from the bridge. Anyone may call it; a failing recipient reverts the
//! transaction and leaves the receipt `received`, so the call can be retried and never blocks
//! other messages. It runs once: the receipt then says `message_executed`.
//!
//! Accounts: `config`, `receipt` (writable, PDA `["receipt", id]`), `messenger` (PDA),
//! `recipient_program` (the message's recipient, executable), then up to 16 accounts passed to
//! the recipient after the messenger, with their own signer/writable flags.

use pinocchio::{
    AccountView, Address,
    cpi::{Seed, Signer, invoke_signed_with_bounds},
    instruction::{InstructionAccount, InstructionView},
};

use crate::accounts::{self, get};
use crate::bytes::{self, Reader};
use crate::checks;
use crate::crypto::keccak256;
use crate::discriminator as disc;
use crate::error::BridgeError;
use crate::message::{KIND_MESSAGE, Message, message_id};
use crate::state::{self, receipt};

/// Most accounts passed through to the recipient.
pub const MAX_PASSTHROUGH: usize = 16;
/// Largest payload forwarded (a message must fit one transaction anyway).
pub const MAX_PAYLOAD: usize = 1024;
/// `sha256("global:receive_message")[..8]`: the handler every recipient implements.
pub const RECEIVE_MESSAGE: [u8; 8] = [38, 144, 127, 225, 31, 225, 238, 25];

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
    let passthrough = accounts.get(4..).unwrap_or(&[]);
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
    if message.kind() != KIND_MESSAGE {
        return Err(BridgeError::UnknownBodyKind);
    }
    let payload = message.body.get(1..).unwrap_or(&[]);
    if payload.len() > MAX_PAYLOAD {
        return Err(BridgeError::BodyTooLarge);
    }
    let id = message_id(encoded);

    // The receipt of this very message, delivered and not yet executed.
    checks::writable(receipt_account)?;
    checks::program_account(
        receipt_account,
        program_id,
        &disc::RECEIPT_ACCOUNT,
        receipt::LEN,
    )?;
    {
        let mut view = receipt_account.clone();
        let mut data = view
            .try_borrow_mut()
            .map_err(|_| BridgeError::WrongAccountData)?;
        let bump = bytes::read_u8(&data, receipt::BUMP)?;
        checks::pda(
            receipt_account,
            &[state::SEED_RECEIPT, &id],
            bump,
            program_id,
        )?;
        if bytes::read_u8(&data, receipt::STATUS)? != receipt::STATUS_RECEIVED {
            return Err(BridgeError::NotQueued);
        }
        if bytes::read::<32>(&data, receipt::PAYLOAD_HASH)? != keccak256(&[message.body]) {
            return Err(BridgeError::WrongAccountData);
        }
        bytes::write(
            &mut data,
            receipt::STATUS,
            &[receipt::STATUS_MESSAGE_EXECUTED],
        )?;
    }

    // The recipient named by the message, and the messenger PDA that signs for the bridge.
    if recipient_program.address().as_array() != &message.recipient {
        return Err(BridgeError::WrongRecipient);
    }
    if !recipient_program.executable() {
        return Err(BridgeError::WrongRecipient);
    }
    let seeds: [&[u8]; 1] = [state::SEED_MESSENGER];
    let (expected, bump) = checks::find_pda(&seeds, program_id)?;
    checks::address(messenger, &expected)?;

    let mut data = [0u8; 8 + 4 + 32 + 4 + MAX_PAYLOAD];
    let len = 8 + 4 + 32 + 4 + payload.len();
    bytes::write(&mut data, 0, &RECEIVE_MESSAGE)?;
    bytes::write(&mut data, 8, &message.origin.to_le_bytes())?;
    bytes::write(&mut data, 12, &message.sender)?;
    bytes::write(&mut data, 44, &(payload.len() as u32).to_le_bytes())?;
    bytes::write(&mut data, 48, payload)?;

    // The messenger first (signing for the bridge), then the pass-through accounts as given.
    let mut metas =
        [const { InstructionAccount::readonly(&checks::SYSTEM_PROGRAM_ID) }; MAX_PASSTHROUGH + 1];
    let mut views: [&AccountView; MAX_PASSTHROUGH + 1] = [messenger; MAX_PASSTHROUGH + 1];
    if let Some(first) = metas.first_mut() {
        *first = InstructionAccount::readonly_signer(messenger.address());
    }
    for (i, account) in passthrough.iter().enumerate() {
        if let (Some(meta), Some(view)) = (metas.get_mut(i + 1), views.get_mut(i + 1)) {
            *meta = InstructionAccount::from(account);
            *view = account;
        }
    }
    let count = passthrough.len() + 1;
    let ix = InstructionView {
        program_id: recipient_program.address(),
        data: data.get(..len).ok_or(BridgeError::BodyTooLarge)?,
        accounts: metas.get(..count).ok_or(BridgeError::NotEnoughAccounts)?,
    };
    let bump_seed = [bump];
    let signer_seeds = [Seed::from(state::SEED_MESSENGER), Seed::from(&bump_seed)];
    let signers = [Signer::from(&signer_seeds)];
    invoke_signed_with_bounds::<{ MAX_PASSTHROUGH + 1 }, _>(
        &ix,
        views.get(..count).ok_or(BridgeError::NotEnoughAccounts)?,
        &signers,
    )
    .map_err(|_| BridgeError::RecipientFailed)?;
    crate::log_data(&[b"message_executed", &id]);
    Ok(())
}
