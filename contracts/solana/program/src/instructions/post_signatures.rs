//! `post_signatures(message_id, origin, signatures)`: stages signatures for a set too large for
//! one transaction. Each call verifies its signatures (same checks and order as `deliver`,
//! continuing strictly above the last signer already staged) and appends the signers to the
//! PDA `["signatures", message id, epoch (u64 LE), payer]`, created on the first call. `deliver`
//! then consumes the set.
//!
//! The digest is the one `deliver` checks: this bridge's domain and program id, the origin
//! remote's bridge and current epoch.
//!
//! Accounts: `payer` (signer, writable), `config`, `remote` (`["remote", origin]`: its bridge
//! and validator set), `signature_set` (writable), `system_program`.

use pinocchio::{AccountView, Address, cpi::Seed};

use crate::accounts::{self, get};
use crate::bytes::{self, Reader};
use crate::checks;
use crate::discriminator as disc;
use crate::error::BridgeError;
use crate::message::{Attestation, attestation_digest};
use crate::state::{self, config, signature_set};
use crate::validators::verify_signatures;

/// Runs `post_signatures`.
pub fn process(
    program_id: &Address,
    accounts: &[AccountView],
    args: &[u8],
) -> Result<(), BridgeError> {
    let mut r = Reader::new(args);
    let id: [u8; 32] = r.array()?;
    let origin = r.u32()?;
    let signatures = r.bytes()?;
    r.finish()?;

    let payer = get(accounts, 0)?;
    let config_account = get(accounts, 1)?;
    let remote_account = get(accounts, 2)?;
    let set_account = get(accounts, 3)?;
    let system_program = get(accounts, 4)?;
    checks::signer(payer)?;
    checks::writable(payer)?;
    checks::writable(set_account)?;
    checks::system_program(system_program)?;
    accounts::config(config_account, program_id)?;
    let config_data = config_account
        .try_borrow()
        .map_err(|_| BridgeError::WrongAccountData)?;
    accounts::not_paused(&config_data)?;
    let domain = bytes::read_u32(&config_data, config::DOMAIN)?;
    let origin_bridge = accounts::remote(remote_account, program_id, origin)?.bridge;
    drop(config_data);
    let remote_data = remote_account
        .try_borrow()
        .map_err(|_| BridgeError::WrongAccountData)?;
    let (epoch, _, validators) = accounts::remote_set(&remote_data)?;
    let n = validators.len() / 20;
    let digest = attestation_digest(&Attestation {
        origin,
        origin_bridge: &origin_bridge,
        destination: domain,
        destination_bridge: program_id.as_array(),
        epoch,
        message_id: &id,
    });
    let epoch_le = epoch.to_le_bytes();
    let seeds: [&[u8]; 4] = [
        state::SEED_SIGNATURES,
        &id,
        &epoch_le,
        payer.address().as_array(),
    ];

    if set_account.is_data_empty() && set_account.owned_by(&checks::SYSTEM_PROGRAM_ID) {
        let (expected, bump) = checks::find_pda(&seeds, program_id)?;
        checks::address(set_account, &expected)?;
        let bump_seed = [bump];
        let signer_seeds = [
            Seed::from(state::SEED_SIGNATURES),
            Seed::from(&id),
            Seed::from(&epoch_le),
            Seed::from(payer.address().as_array()),
            Seed::from(&bump_seed),
        ];
        let space = signature_set::SIGNERS + 20 * n;
        checks::create_pda_account(
            payer,
            set_account,
            system_program,
            &signer_seeds,
            space,
            program_id,
        )?;
        let mut view = set_account.clone();
        let mut data = view
            .try_borrow_mut()
            .map_err(|_| BridgeError::WrongAccountData)?;
        bytes::write(&mut data, 0, &disc::SIGNATURE_SET_ACCOUNT)?;
        bytes::write(&mut data, signature_set::BUMP, &[bump])?;
        bytes::write(&mut data, signature_set::EPOCH, &epoch.to_le_bytes())?;
        bytes::write(&mut data, signature_set::MESSAGE_ID, &id)?;
        bytes::write(&mut data, signature_set::DIGEST, &digest)?;
        bytes::write(&mut data, signature_set::PAYER, payer.address().as_array())?;
        bytes::write(&mut data, signature_set::SIGNERS_LEN, &0u32.to_le_bytes())?;
    } else {
        checks::program_account(
            set_account,
            program_id,
            &disc::SIGNATURE_SET_ACCOUNT,
            signature_set::SIGNERS,
        )?;
        let data = set_account
            .try_borrow()
            .map_err(|_| BridgeError::WrongAccountData)?;
        let bump = bytes::read_u8(&data, signature_set::BUMP)?;
        checks::pda(set_account, &seeds, bump, program_id)?;
        if bytes::read::<32>(&data, signature_set::DIGEST)? != digest {
            return Err(BridgeError::SignatureSetMismatch);
        }
    }

    let mut view = set_account.clone();
    let mut data = view
        .try_borrow_mut()
        .map_err(|_| BridgeError::WrongAccountData)?;
    let mut count = bytes::read_u32(&data, signature_set::SIGNERS_LEN)? as usize;
    let previous = match count.checked_sub(1) {
        Some(last) => Some(bytes::read::<20>(
            &data,
            signature_set::SIGNERS + 20 * last,
        )?),
        None => None,
    };
    verify_signatures(&digest, signatures, validators, previous, |signer| {
        bytes::write(&mut data, signature_set::SIGNERS + 20 * count, &signer)?;
        count += 1;
        Ok(())
    })?;
    bytes::write(
        &mut data,
        signature_set::SIGNERS_LEN,
        &(count as u32).to_le_bytes(),
    )
}
