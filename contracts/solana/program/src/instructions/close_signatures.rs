//! `close_signatures()`: the payer who staged a signature set (`post_signatures`) closes it and
//! takes its rent back, e.g. when the message was delivered by someone else or never will be.
//! Allowed while paused (it only returns rent).
//!
//! Accounts: `payer` (signer, writable; the set's stored payer), `signature_set` (writable, PDA
//! `["signatures", message id, epoch (u64 LE), payer]`).

use pinocchio::{AccountView, Address};

use crate::accounts::get;
use crate::bytes::{self, Reader};
use crate::checks;
use crate::discriminator as disc;
use crate::error::BridgeError;
use crate::instructions::deliver::close;
use crate::state::{self, signature_set};

/// Runs `close_signatures`.
pub fn process(
    program_id: &Address,
    accounts: &[AccountView],
    args: &[u8],
) -> Result<(), BridgeError> {
    Reader::new(args).finish()?;
    let payer = get(accounts, 0)?;
    let set_account = get(accounts, 1)?;
    checks::signer(payer)?;
    checks::writable(payer)?;
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
        if bytes::read::<32>(&data, signature_set::PAYER)? != *payer.address().as_array() {
            return Err(BridgeError::NotSignatureSetPayer);
        }
        let id: [u8; 32] = bytes::read(&data, signature_set::MESSAGE_ID)?;
        let epoch = bytes::read_u64(&data, signature_set::EPOCH)?;
        checks::pda(
            set_account,
            &[
                state::SEED_SIGNATURES,
                &id,
                &epoch.to_le_bytes(),
                payer.address().as_array(),
            ],
            bytes::read_u8(&data, signature_set::BUMP)?,
            program_id,
        )?;
    }
    close(set_account, payer)
}
