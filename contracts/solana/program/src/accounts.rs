//! Loading this program's own accounts: owner, discriminator, length, then the PDA address
//! re-derived from the stored bump; and the fixed PDAs (authority, event authority, messenger).

use pinocchio::{AccountView, Address};

use crate::bytes;
use crate::checks;
use crate::discriminator as disc;
use crate::error::BridgeError;
use crate::state::{self, config, remote, route, token};

/// The account at `index`, or `NotEnoughAccounts`.
pub fn get(accounts: &[AccountView], index: usize) -> Result<&AccountView, BridgeError> {
    accounts.get(index).ok_or(BridgeError::NotEnoughAccounts)
}

/// Checks the config PDA (owner, discriminator, length, address from its stored bump).
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

/// A remote's bridge and kind.
pub struct RemoteInfo {
    /// The remote's bridge (an EVM address left-padded, or a program id).
    pub bridge: [u8; 32],
    /// What it pays: `remote::KIND_EVM` or `remote::KIND_SOLANA`.
    pub kind: u8,
}

/// Checks a remote PDA for `domain` and returns its bridge and kind. A missing remote (no
/// account of this program at the address) is `UnknownRemote`.
pub fn remote(
    account: &AccountView,
    program_id: &Address,
    domain: u32,
) -> Result<RemoteInfo, BridgeError> {
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
        &[state::SEED_REMOTE, &domain.to_le_bytes()],
        bump,
        program_id,
    )
    .map_err(|_| BridgeError::UnknownRemote)?;
    Ok(RemoteInfo {
        bridge: bytes::read(&data, remote::BRIDGE)?,
        kind: bytes::read_u8(&data, remote::KIND)?,
    })
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

/// Checks the route PDA of (`token_id`, `domain`) (writable: every user of a route updates a
/// bucket or the ledger). A missing route (no account of this program there) is
/// `RouteDisabled`.
pub fn route(
    account: &AccountView,
    program_id: &Address,
    token_id: &[u8; 32],
    domain: u32,
) -> Result<(), BridgeError> {
    checks::writable(account)?;
    checks::program_account(account, program_id, &disc::ROUTE_ACCOUNT, route::LEN)
        .map_err(|_| BridgeError::RouteDisabled)?;
    let data = account
        .try_borrow()
        .map_err(|_| BridgeError::WrongAccountData)?;
    if bytes::read::<32>(&data, route::TOKEN_ID)? != *token_id
        || bytes::read_u32(&data, route::DOMAIN)? != domain
    {
        return Err(BridgeError::RouteDisabled);
    }
    checks::pda(
        account,
        &[state::SEED_ROUTE, token_id, &domain.to_le_bytes()],
        bytes::read_u8(&data, route::BUMP)?,
        program_id,
    )
    .map_err(|_| BridgeError::RouteDisabled)
}

/// The authority PDA (`["authority"]`) and its bump; refuses another account.
pub fn authority(account: &AccountView, program_id: &Address) -> Result<u8, BridgeError> {
    let seeds: [&[u8]; 1] = [state::SEED_AUTHORITY];
    let (expected, bump) = checks::find_pda(&seeds, program_id)?;
    checks::address(account, &expected)?;
    Ok(bump)
}

/// The event authority PDA (`["__event_authority"]`) and its bump; refuses another account.
pub fn event_authority(account: &AccountView, program_id: &Address) -> Result<u8, BridgeError> {
    let seeds: [&[u8]; 1] = [state::SEED_EVENT_AUTHORITY];
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

/// Checks a receipt account (owner, discriminator, length, writable) and its address from the
/// (origin, origin bridge, nonce) it stores and its bump; returns that key.
pub fn receipt(
    account: &AccountView,
    program_id: &Address,
) -> Result<(u32, [u8; 32], u64), BridgeError> {
    use crate::state::receipt as r;
    checks::writable(account)?;
    checks::program_account(account, program_id, &disc::RECEIPT_ACCOUNT, r::LEN)?;
    let data = account
        .try_borrow()
        .map_err(|_| BridgeError::WrongAccountData)?;
    let origin = bytes::read_u32(&data, r::ORIGIN)?;
    let origin_bridge: [u8; 32] = bytes::read(&data, r::ORIGIN_BRIDGE)?;
    let nonce = bytes::read_u64(&data, r::NONCE)?;
    checks::pda(
        account,
        &[
            state::SEED_RECEIPT,
            &origin.to_le_bytes(),
            &origin_bridge,
            &nonce.to_le_bytes(),
        ],
        bytes::read_u8(&data, r::BUMP)?,
        program_id,
    )?;
    Ok((origin, origin_bridge, nonce))
}
