//! Events, as Anchor writes them: `sha256("event:<Name>")[..8]` followed by the Borsh fields.
//!
//! - Every event is logged as one `Program data:` line (Anchor's `emit!`, read by
//!   `EventParser`).
//! - `MessageSent` (from `send` and the `RefundCancelled` action) and `GasPaid` (from `send`
//!   and `pay_for_gas`: relayers add up what was paid for a message) are also emitted as a self-CPI
//!   (Anchor's `emit_cpi!`): an inner instruction to this program whose data is
//!   `EVENT_IX_TAG_LE || event bytes` and whose only account is the event authority PDA
//!   `["__event_authority"]`, signing. Inner instructions are recorded in the transaction's
//!   metadata in full, so indexers and validators read messages there, not from truncatable
//!   logs. [`process_event_instruction`] refuses that instruction unless the PDA signs, which
//!   only this program can do.

use pinocchio::{
    AccountView, Address,
    cpi::{Seed, Signer, invoke_signed},
    instruction::{InstructionAccount, InstructionView},
};

use crate::accounts;
use crate::checks;
use crate::discriminator as disc;
use crate::error::BridgeError;
use crate::state;

/// Largest event (`MessageSent` of a token transfer: 8 + 32 + 4 + 8 + 4 + 178 bytes) with the
/// 8-byte event instruction tag in front.
const MAX_EVENT: usize = 256;

/// An event's bytes: discriminator, then the Borsh fields (already encoded) in order.
struct EventBytes {
    buf: [u8; MAX_EVENT],
    len: usize,
}

impl EventBytes {
    /// `prefix || discriminator || fields...`
    #[inline(always)]
    fn new(prefix: &[u8], discriminator: &[u8; 8], fields: &[&[u8]]) -> Result<Self, BridgeError> {
        let mut out = Self {
            buf: [0u8; MAX_EVENT],
            len: 0,
        };
        out.push(prefix)?;
        out.push(discriminator)?;
        for field in fields {
            out.push(field)?;
        }
        Ok(out)
    }

    #[inline(always)]
    fn push(&mut self, bytes: &[u8]) -> Result<(), BridgeError> {
        let end = self
            .len
            .checked_add(bytes.len())
            .ok_or(BridgeError::Overflow)?;
        self.buf
            .get_mut(self.len..end)
            .ok_or(BridgeError::Overflow)?
            .copy_from_slice(bytes);
        self.len = end;
        Ok(())
    }

    #[inline(always)]
    fn as_slice(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }
}

/// Logs event `discriminator` with `fields` (Borsh-encoded, in order) as one `Program data:`
/// line, as Anchor's `emit!`.
pub fn emit(discriminator: &[u8; 8], fields: &[&[u8]]) -> Result<(), BridgeError> {
    let event = EventBytes::new(&[], discriminator, fields)?;
    crate::log_data(&[event.as_slice()]);
    Ok(())
}

/// The accounts the self-CPI event needs: the event authority PDA and this program's account
/// (the callee of the inner instruction), both checked by address.
pub struct EventAccounts<'a> {
    /// `["__event_authority"]`.
    pub authority: &'a AccountView,
    /// The PDA's bump (from [`EventAccounts::check`]).
    pub bump: u8,
}

impl<'a> EventAccounts<'a> {
    /// Checks the event authority PDA and the program account.
    pub fn check(
        program_id: &Address,
        authority: &'a AccountView,
        program: &AccountView,
    ) -> Result<Self, BridgeError> {
        let bump = accounts::event_authority(authority, program_id)?;
        checks::address(program, program_id)?;
        Ok(Self { authority, bump })
    }
}

/// Emits `MessageSent { id, destination, nonce, message }` as a self-CPI event and as a log
/// line.
pub fn message_sent(
    program_id: &Address,
    events: &EventAccounts,
    id: &[u8; 32],
    destination: u32,
    nonce: u64,
    message: &[u8],
) -> Result<(), BridgeError> {
    let len = u32::try_from(message.len()).map_err(|_| BridgeError::Overflow)?;
    let fields: [&[u8]; 5] = [
        id,
        &destination.to_le_bytes(),
        &nonce.to_le_bytes(),
        &len.to_le_bytes(),
        message,
    ];
    emit_cpi(program_id, events, &disc::MESSAGE_SENT_EVENT, &fields)
}

/// Emits `GasPaid { id, destination, amount }` (lamports paid for delivering message `id`) as
/// a self-CPI event and as a log line.
pub fn gas_paid(
    program_id: &Address,
    events: &EventAccounts,
    id: &[u8; 32],
    destination: u32,
    amount: u64,
) -> Result<(), BridgeError> {
    let fields: [&[u8]; 3] = [id, &destination.to_le_bytes(), &amount.to_le_bytes()];
    emit_cpi(program_id, events, &disc::GAS_PAID_EVENT, &fields)
}

/// Emits event `discriminator` with `fields` (Borsh, in order) as a self-CPI instruction
/// signed by the event authority (Anchor's `emit_cpi!`; logs can be truncated, inner
/// instructions cannot) and as a `Program data:` log line.
pub fn emit_cpi(
    program_id: &Address,
    events: &EventAccounts,
    discriminator: &[u8; 8],
    fields: &[&[u8]],
) -> Result<(), BridgeError> {
    let event = EventBytes::new(&disc::EVENT_IX_TAG_LE, discriminator, fields)?;
    let metas = [InstructionAccount::readonly_signer(
        events.authority.address(),
    )];
    let ix = InstructionView {
        program_id,
        data: event.as_slice(),
        accounts: &metas,
    };
    let bump = [events.bump];
    let seeds = [Seed::from(state::SEED_EVENT_AUTHORITY), Seed::from(&bump)];
    invoke_signed(&ix, &[events.authority], &[Signer::from(&seeds)])
        .map_err(|_| BridgeError::EventAuthority)?;
    let logged = event
        .as_slice()
        .get(disc::EVENT_IX_TAG_LE.len()..)
        .unwrap_or(&[]);
    crate::log_data(&[logged]);
    Ok(())
}

/// The self-CPI event instruction (`EVENT_IX_TAG_LE || event`): accepted only when its first
/// account is the event authority PDA and signs, i.e. when this program emitted it. It does
/// nothing else.
pub fn process_event_instruction(
    program_id: &Address,
    accounts: &[AccountView],
) -> Result<(), BridgeError> {
    let authority = accounts::get(accounts, 0)?;
    if !authority.is_signer() {
        return Err(BridgeError::EventAuthority);
    }
    accounts::event_authority(authority, program_id).map_err(|_| BridgeError::EventAuthority)?;
    Ok(())
}
