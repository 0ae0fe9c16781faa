//! The two timelocked actions on remotes (run by `execute_proposal`): `SetRemote` creates or
//! replaces a remote's bridge, kind and validator set, `SetValidatorSet` rotates the set of an
//! existing remote. Both need the remote PDA `["remote", domain (u32 LE)]` (writable) as the
//! sixth account; on an existing remote the epoch must increase, so signatures (and staged
//! sets) of an older set never verify.

use pinocchio::{AccountView, Address, cpi::Seed};

use crate::accounts::{self, get, write_remote_set};
use crate::bytes;
use crate::checks;
use crate::discriminator as disc;
use crate::error::BridgeError;
use crate::state::{self, remote};

/// A new validator set for remote `domain` (validated by the caller), and for `SetRemote` its
/// bridge and kind.
pub struct RemoteUpdate<'a> {
    /// The remote domain.
    pub domain: u32,
    /// `Some((bridge, kind))` for `SetRemote`; `None` for `SetValidatorSet`.
    pub bridge: Option<([u8; 32], u8)>,
    /// The new epoch.
    pub epoch: u64,
    /// The new threshold.
    pub threshold: u8,
    /// The flat 20-byte validator list.
    pub validators: &'a [u8],
}

/// Applies `update` to the remote PDA at `accounts[5]`, creating it (paid by `payer`) for a
/// `SetRemote` of a new domain.
#[inline(always)]
pub fn apply(
    program_id: &Address,
    accounts: &[AccountView],
    payer: &AccountView,
    system_program: &AccountView,
    update: &RemoteUpdate,
) -> Result<(), BridgeError> {
    let remote_account = get(accounts, 5)?;
    checks::writable(remote_account)?;
    let d_le = update.domain.to_le_bytes();
    let Some((bridge, kind)) = update.bridge else {
        // SetValidatorSet: the remote must exist.
        accounts::remote(remote_account, program_id, update.domain)?;
        return write_set(remote_account, update);
    };
    let (expected, bump) = checks::find_pda(&[state::SEED_REMOTE, &d_le], program_id)?;
    checks::address(remote_account, &expected)?;
    if remote_account.is_data_empty() {
        let bump_seed = [bump];
        let seeds = [
            Seed::from(state::SEED_REMOTE),
            Seed::from(&d_le),
            Seed::from(&bump_seed),
        ];
        checks::create_pda_account(
            payer,
            remote_account,
            system_program,
            &seeds,
            remote::LEN,
            program_id,
        )?;
        let mut view = remote_account.clone();
        let mut data = view
            .try_borrow_mut()
            .map_err(|_| BridgeError::WrongAccountData)?;
        bytes::write(&mut data, 0, &disc::REMOTE_ACCOUNT)?;
        bytes::write(&mut data, remote::BUMP, &[bump])?;
        bytes::write(&mut data, remote::DOMAIN, &update.domain.to_le_bytes())?;
        bytes::write(&mut data, remote::EPOCH, &0u64.to_le_bytes())?;
    } else {
        checks::program_account(
            remote_account,
            program_id,
            &disc::REMOTE_ACCOUNT,
            remote::LEN,
        )?;
    }
    {
        let mut view = remote_account.clone();
        let mut data = view
            .try_borrow_mut()
            .map_err(|_| BridgeError::WrongAccountData)?;
        bytes::write(&mut data, remote::BRIDGE, &bridge)?;
        bytes::write(&mut data, remote::KIND, &[kind])?;
    }
    write_set(remote_account, update)
}

/// Writes the set if its epoch is above the stored one (0 for a remote just created).
#[inline(always)]
fn write_set(remote_account: &AccountView, update: &RemoteUpdate) -> Result<(), BridgeError> {
    let mut view = remote_account.clone();
    let mut data = view
        .try_borrow_mut()
        .map_err(|_| BridgeError::WrongAccountData)?;
    if update.epoch <= bytes::read_u64(&data, remote::EPOCH)? {
        return Err(BridgeError::EpochNotIncreasing);
    }
    write_remote_set(&mut data, update.epoch, update.threshold, update.validators)
}
