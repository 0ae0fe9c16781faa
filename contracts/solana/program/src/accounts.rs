//! Loading this program's own accounts: owner, discriminator, length, then the PDA address
//! re-derived from the stored bump.

use pinocchio::{AccountView, Address};

use crate::bytes;
use crate::checks;
use crate::discriminator as disc;
use crate::error::BridgeError;
use crate::state::{self, config, remote, token};

/// The account at `index`, or `NotEnoughAccounts`.
pub fn get(accounts: &[AccountView], index: usize) -> Result<&AccountView, BridgeError> {
    accounts.get(index).ok_or(BridgeError::NotEnoughAccounts)
}

/// Checks the config PDA and returns a copy of its data header fields the caller needs.
pub fn config(account: &AccountView, program_id: &Address) -> Result<(), BridgeError> {
    checks::program_account(account, program_id, &disc::CONFIG_ACCOUNT, config::LEN)?;
    let bump = {
        let data = account
            .try_borrow()
            .map_err(|_| BridgeError::WrongAccountData)?;
        bytes::read_u8(&data, config::BUMP)?
    };
    // A `let` array, not `&[CONST]`: a promoted constant slice-of-slices would hold pointers
    // inside read-only data, which sbpf-linker does not relocate (only code is).
    let seeds: [&[u8]; 1] = [state::SEED_CONFIG];
    checks::pda(account, &seeds, bump, program_id)
}

/// Checks a remote PDA for `domain` and returns its bridge address. A missing remote (no
/// account of this program at the address) is `UnknownRemote`.
pub fn remote(
    account: &AccountView,
    program_id: &Address,
    domain: u32,
) -> Result<[u8; 32], BridgeError> {
    checks::program_account(account, program_id, &disc::REMOTE_ACCOUNT, remote::LEN)
        .map_err(|_| BridgeError::UnknownRemote)?;
    let data = account
        .try_borrow()
        .map_err(|_| BridgeError::WrongAccountData)?;
    let bump = bytes::read_u8(&data, remote::BUMP)?;
    if bytes::read_u32(&data, remote::DOMAIN)? != domain {
        return Err(BridgeError::UnknownRemote);
    }
    checks::pda(
        account,
        &[state::SEED_REMOTE, &domain.to_be_bytes()],
        bump,
        program_id,
    )
    .map_err(|_| BridgeError::UnknownRemote)?;
    bytes::read(&data, remote::BRIDGE)
}

/// The validator set in a remote's data (checked by [`remote`]): its epoch, threshold and the
/// flat 20-byte validator list.
#[inline(always)]
pub fn remote_set(data: &[u8]) -> Result<(u64, usize, &[u8]), BridgeError> {
    let epoch = bytes::read_u64(data, remote::EPOCH)?;
    let threshold = usize::from(bytes::read_u8(data, remote::THRESHOLD)?);
    let n = bytes::read_u32(data, remote::VALIDATORS_LEN)? as usize;
    if n > crate::validators::MAX_VALIDATORS {
        return Err(BridgeError::WrongAccountData);
    }
    let validators = data
        .get(remote::VALIDATORS..remote::VALIDATORS + 20 * n)
        .ok_or(BridgeError::WrongAccountData)?;
    Ok((epoch, threshold, validators))
}

/// Writes a (validated) validator set into a remote's data.
#[inline(always)]
pub fn write_remote_set(
    data: &mut [u8],
    epoch: u64,
    threshold: u8,
    validators: &[u8],
) -> Result<(), BridgeError> {
    bytes::write(data, remote::EPOCH, &epoch.to_le_bytes())?;
    bytes::write(data, remote::THRESHOLD, &[threshold])?;
    let n = (validators.len() / 20) as u32;
    bytes::write(data, remote::VALIDATORS_LEN, &n.to_le_bytes())?;
    bytes::write(data, remote::VALIDATORS, validators)
}

/// Checks a token config PDA (optionally for `token_id`) and returns its token id. A missing
/// one is `TokenNotRegistered`.
pub fn token_config(
    account: &AccountView,
    program_id: &Address,
    token_id: Option<&[u8; 32]>,
) -> Result<[u8; 32], BridgeError> {
    checks::program_account(account, program_id, &disc::TOKEN_CONFIG_ACCOUNT, token::LEN)
        .map_err(|_| BridgeError::TokenNotRegistered)?;
    let data = account
        .try_borrow()
        .map_err(|_| BridgeError::WrongAccountData)?;
    let bump = bytes::read_u8(&data, token::BUMP)?;
    let id: [u8; 32] = bytes::read(&data, token::TOKEN_ID)?;
    if token_id.is_some_and(|expected| &id != expected) {
        return Err(BridgeError::TokenNotRegistered);
    }
    checks::pda(account, &[state::SEED_TOKEN, &id], bump, program_id)
        .map_err(|_| BridgeError::TokenNotRegistered)?;
    Ok(id)
}

/// The authority PDA (`["authority"]`) and its bump; refuses another account.
pub fn authority(account: &AccountView, program_id: &Address) -> Result<u8, BridgeError> {
    let seeds: [&[u8]; 1] = [state::SEED_AUTHORITY];
    let (expected, bump) = checks::find_pda(&seeds, program_id)?;
    checks::address(account, &expected)?;
    Ok(bump)
}

/// Refuses the config if the bridge is paused.
pub fn not_paused(config_data: &[u8]) -> Result<(), BridgeError> {
    if bytes::read_u8(config_data, config::PAUSED)? != 0 {
        return Err(BridgeError::Paused);
    }
    Ok(())
}

/// The authority PDA's address (`["authority"]`).
pub fn authority_address(program_id: &Address) -> Result<Address, BridgeError> {
    let seeds: [&[u8]; 1] = [state::SEED_AUTHORITY];
    Ok(checks::find_pda(&seeds, program_id)?.0)
}
