//! Roles and the timelock (docs/protocol.md, "Roles and governance").
//!
//! - `pause()` (guardian, immediate): refuses when already paused (`AlreadyPaused`), records
//!   when the pause began (`Config.paused_at`) and counts it (`Config.pause_count`). Emits
//!   `Paused`.
//! - `propose(action)` (admin): creates the PDA `["proposal", id (u64 LE)]` (`id` is the
//!   config's `next_proposal`), executable from `now + admin_delay` (its ETA) until ETA + 14
//!   days (`GRACE_PERIOD`), recording `created_at` and the config's `pause_count`. A `SetRoles`
//!   that replaces the sitting guardian waits `GUARDIAN_CHANGE_DELAY` (30 days), or the admin
//!   delay if longer, unless the guardian approves it; it never makes the fee oracle the admin
//!   or the guardian (`OutOfRange`, checked when proposed and when executed, the converse of
//!   `SetFeeRoles`' check). An `Unpause` can only be proposed while paused (`NotPaused`). An
//!   `Upgrade` names its buffer as the one extra account: a loader buffer handed to the
//!   upgrade-authority PDA, holding the code of its `code_hash` (`BufferNotHandedOver`,
//!   `CodeHashMismatch`). Emits `ProposalCreated`.
//! - `approve_proposal(proposal_id)` (the sitting guardian): consents to a pending `SetRoles`
//!   that replaces it (`NotGuardianChange` for any other proposal), which then executes from
//!   `created_at + admin_delay` (or now, if that has passed; never later than before), and
//!   records the guardian in `approved_by`. Emits `ProposalApproved`.
//! - `execute_proposal(proposal_id)` (anyone, from the ETA; `ProposalPending` before,
//!   `ProposalExpired` after the grace period): applies the action (see [`super::action`]).
//!   An `Unpause` executes only while still paused and if it was proposed during the current
//!   pause: its pause count is still the config's (`NotPaused`, `StaleUnpause`). A `SetRoles`
//!   that replaces the guardian sitting at execution waits until `created_at + 30 days` unless
//!   that guardian approved it (`ProposalPending`), whatever its ETA says (the guardian may
//!   have changed since it was proposed). Actions run while paused, except `RefundCancelled`
//!   (it sends a message, as `send`). Emits `ProposalExecuted`.
//! - `cancel_proposal(proposal_id)`: the admin cancels any pending proposal; the guardian any
//!   but `SetRoles` and `Unpause` (`GuardianCannotVeto`: it cannot veto its own replacement or
//!   every unpause). Emits `ProposalCancelled`.
//!
//! `pause` accounts: `guardian` (signer), `config` (writable), `clock`.
//! `propose` accounts: `admin` (signer, writable), `config` (writable), `proposal` (writable),
//! `clock`, `system_program`, then per action: `Upgrade`: `buffer` (the action's); `SetRoles`:
//! `fee_roles` (`["fees"]`, which may not exist); any other: none.
//! `approve_proposal` accounts: `guardian` (signer), `config`, `proposal` (writable), `clock`.
//! `execute_proposal` accounts: `payer` (signer, writable), `config` (writable), `proposal`
//! (writable), `clock`, `system_program`, then per action (from the sixth account on):
//! `SetValidatorSet` / `SetRemote`: `remote` (writable); `RegisterToken`: `token_config`
//! (writable), `mint`, `vault` (writable; this program id for a bridged token), `authority`,
//! `token_program`; `SetTokenLimits`: `token_config` (writable); `SetRoute`: `token_config`,
//! `route` (writable), `remote` (of the route's domain); `VoidQueued`: `receipt` (writable),
//! `route` (writable); `RefundCancelled`: `receipt` (writable), `token_config`, `remote` (of
//! the receipt's origin), `event_authority`, `program`; `Upgrade`: `program_data` (writable),
//! `program` (writable), `buffer` (writable), `spill` (writable), `rent` (sysvar),
//! `upgrade_authority` (`["upgrade_authority"]`), `bpf_loader_upgradeable`; `SetFeeConfig`:
//! `fee_config` (writable, `["fee_config", destination]`), `fee_vault` (writable), `remote`
//! (of the destination); `SetFeeRoles`:
//! `fee_roles` (writable, `["fees"]`), `fee_vault` (writable); `SetRoles`: `fee_roles`
//! (`["fees"]`, which may not exist); `Unpause`, `SetAdminDelay`: none.
//! `cancel_proposal` accounts: `authority` (signer: admin or guardian), `config`, `proposal`
//! (writable).

use pinocchio::{AccountView, Address, cpi::Seed};

use crate::accounts::{self, get};
use crate::bytes::{self, Reader};
use crate::checks;
use crate::discriminator as disc;
use crate::error::BridgeError;
use crate::events;
use crate::instructions::action::{self, Action};
use crate::instructions::remotes::{self, RemoteUpdate};
use crate::instructions::{fees, queued, refund, tokens, upgrade};
use crate::state::{self, config, proposal};

/// Runs `pause`.
pub fn pause(
    program_id: &Address,
    accounts: &[AccountView],
    args: &[u8],
) -> Result<(), BridgeError> {
    Reader::new(args).finish()?;
    let guardian = get(accounts, 0)?;
    let config_account = get(accounts, 1)?;
    let now = checks::clock_now(get(accounts, 2)?)?;
    checks::signer(guardian)?;
    checks::writable(config_account)?;
    accounts::config(config_account, program_id)?;
    let mut view = config_account.clone();
    let mut data = view
        .try_borrow_mut()
        .map_err(|_| BridgeError::WrongAccountData)?;
    if bytes::read::<32>(&data, config::GUARDIAN)? != *guardian.address().as_array() {
        return Err(BridgeError::NotGuardian);
    }
    if bytes::read_u8(&data, config::PAUSED)? != 0 {
        return Err(BridgeError::AlreadyPaused);
    }
    let count = bytes::read_u64(&data, config::PAUSE_COUNT)?
        .checked_add(1)
        .ok_or(BridgeError::Overflow)?;
    bytes::write(&mut data, config::PAUSED, &[1])?;
    bytes::write(&mut data, config::PAUSED_AT, &now.to_le_bytes())?;
    bytes::write(&mut data, config::PAUSE_COUNT, &count.to_le_bytes())?;
    events::emit(&disc::PAUSED_EVENT, &[guardian.address().as_array()])
}

/// Runs `propose`.
pub fn propose(
    program_id: &Address,
    accounts: &[AccountView],
    args: &[u8],
) -> Result<(), BridgeError> {
    let admin = get(accounts, 0)?;
    let config_account = get(accounts, 1)?;
    let proposal_account = get(accounts, 2)?;
    let clock = get(accounts, 3)?;
    let system_program = get(accounts, 4)?;
    checks::signer(admin)?;
    checks::writable(admin)?;
    checks::writable(config_account)?;
    checks::writable(proposal_account)?;
    checks::system_program(system_program)?;
    let now = checks::clock_now(clock)?;
    accounts::config(config_account, program_id)?;
    let mut config_view = config_account.clone();
    let mut config_data = config_view
        .try_borrow_mut()
        .map_err(|_| BridgeError::WrongAccountData)?;
    if bytes::read::<32>(&config_data, config::ADMIN)? != *admin.address().as_array() {
        return Err(BridgeError::NotAdmin);
    }
    let mut delay = bytes::read_i64(&config_data, config::ADMIN_DELAY)?;
    let sitting: [u8; 32] = bytes::read(&config_data, config::GUARDIAN)?;
    let paused = bytes::read_u8(&config_data, config::PAUSED)? != 0;
    match action::parse(args, &config_data)? {
        Action::Unpause if !paused => return Err(BridgeError::NotPaused),
        // Replacing the guardian waits 30 days (or the admin delay, if longer) unless the
        // guardian consents (`approve_proposal`).
        Action::SetRoles { admin, guardian } => {
            // Never the fee oracle (checked again at execution, as `SetFeeRoles` is).
            fees::check_not_oracle(get(accounts, 5)?, program_id, &admin, &guardian)?;
            if guardian != sitting {
                delay = delay.max(state::GUARDIAN_CHANGE_DELAY);
            }
        }
        Action::Upgrade {
            buffer,
            spill,
            code_hash,
        } => {
            let target = upgrade::Target {
                buffer,
                spill,
                code_hash,
            };
            upgrade::check_proposed(program_id, accounts.get(5..).unwrap_or(&[]), &target)?;
        }
        _ => {}
    }
    let id = bytes::read_u64(&config_data, config::NEXT_PROPOSAL)?;
    let pause_count = bytes::read_u64(&config_data, config::PAUSE_COUNT)?;
    let eta = now.checked_add(delay).ok_or(BridgeError::Overflow)?;
    let next = id.checked_add(1).ok_or(BridgeError::Overflow)?;
    bytes::write(&mut config_data, config::NEXT_PROPOSAL, &next.to_le_bytes())?;
    drop(config_data);

    let id_le = id.to_le_bytes();
    let (expected, bump) = checks::find_pda(&[state::SEED_PROPOSAL, &id_le], program_id)?;
    checks::address(proposal_account, &expected)?;
    let bump_seed = [bump];
    let seeds = [
        Seed::from(state::SEED_PROPOSAL),
        Seed::from(&id_le),
        Seed::from(&bump_seed),
    ];
    let space = proposal::ACTION + args.len();
    checks::create_pda_account(
        admin,
        proposal_account,
        system_program,
        &seeds,
        space,
        program_id,
    )?;
    let mut view = proposal_account.clone();
    let mut data = view
        .try_borrow_mut()
        .map_err(|_| BridgeError::WrongAccountData)?;
    bytes::write(&mut data, 0, &disc::PROPOSAL_ACCOUNT)?;
    bytes::write(&mut data, proposal::BUMP, &[bump])?;
    bytes::write(&mut data, proposal::ID, &id_le)?;
    bytes::write(&mut data, proposal::STATUS, &[proposal::PENDING])?;
    bytes::write(&mut data, proposal::ETA, &eta.to_le_bytes())?;
    bytes::write(&mut data, proposal::CREATED_AT, &now.to_le_bytes())?;
    bytes::write(&mut data, proposal::PAUSE_COUNT, &pause_count.to_le_bytes())?;
    bytes::write(&mut data, proposal::APPROVED_BY, &[0u8; 32])?;
    bytes::write(
        &mut data,
        proposal::ACTION_LEN,
        &(args.len() as u32).to_le_bytes(),
    )?;
    bytes::write(&mut data, proposal::ACTION, args)?;
    events::emit(&disc::PROPOSAL_CREATED_EVENT, &[&id_le, &eta.to_le_bytes()])
}

/// Checks a pending proposal PDA for `id`.
fn pending_proposal(
    account: &AccountView,
    program_id: &Address,
    id: u64,
) -> Result<(), BridgeError> {
    checks::writable(account)?;
    checks::program_account(
        account,
        program_id,
        &disc::PROPOSAL_ACCOUNT,
        proposal::ACTION,
    )?;
    let data = account
        .try_borrow()
        .map_err(|_| BridgeError::WrongAccountData)?;
    checks::pda(
        account,
        &[state::SEED_PROPOSAL, &id.to_le_bytes()],
        bytes::read_u8(&data, proposal::BUMP)?,
        program_id,
    )?;
    if bytes::read_u64(&data, proposal::ID)? != id
        || bytes::read_u8(&data, proposal::STATUS)? != proposal::PENDING
    {
        return Err(BridgeError::ProposalNotPending);
    }
    Ok(())
}

/// The action bytes of a proposal's data.
fn action_bytes(data: &[u8]) -> Result<&[u8], BridgeError> {
    let len = bytes::read_u32(data, proposal::ACTION_LEN)? as usize;
    data.get(proposal::ACTION..proposal::ACTION + len)
        .ok_or(BridgeError::WrongAccountData)
}

/// Runs `cancel_proposal`.
pub fn cancel(
    program_id: &Address,
    accounts: &[AccountView],
    args: &[u8],
) -> Result<(), BridgeError> {
    let mut r = Reader::new(args);
    let id = r.u64()?;
    r.finish()?;
    let authority = get(accounts, 0)?;
    let config_account = get(accounts, 1)?;
    let proposal_account = get(accounts, 2)?;
    checks::signer(authority)?;
    accounts::config(config_account, program_id)?;
    let by_admin = {
        let config_data = config_account
            .try_borrow()
            .map_err(|_| BridgeError::WrongAccountData)?;
        let key = authority.address().as_array();
        if bytes::read::<32>(&config_data, config::ADMIN)? == *key {
            true
        } else if bytes::read::<32>(&config_data, config::GUARDIAN)? == *key {
            false
        } else {
            return Err(BridgeError::NotAdmin);
        }
    };
    pending_proposal(proposal_account, program_id, id)?;
    let mut view = proposal_account.clone();
    let mut data = view
        .try_borrow_mut()
        .map_err(|_| BridgeError::WrongAccountData)?;
    let tag = action::tag(action_bytes(&data)?)?;
    if !by_admin && (tag == action::SET_ROLES || tag == action::UNPAUSE) {
        return Err(BridgeError::GuardianCannotVeto);
    }
    bytes::write(&mut data, proposal::STATUS, &[proposal::CANCELLED])?;
    events::emit(&disc::PROPOSAL_CANCELLED_EVENT, &[&id.to_le_bytes()])
}

/// Runs `approve_proposal`.
pub fn approve(
    program_id: &Address,
    accounts: &[AccountView],
    args: &[u8],
) -> Result<(), BridgeError> {
    let mut r = Reader::new(args);
    let id = r.u64()?;
    r.finish()?;
    let guardian = get(accounts, 0)?;
    let config_account = get(accounts, 1)?;
    let proposal_account = get(accounts, 2)?;
    let now = checks::clock_now(get(accounts, 3)?)?;
    checks::signer(guardian)?;
    accounts::config(config_account, program_id)?;
    let config_data = config_account
        .try_borrow()
        .map_err(|_| BridgeError::WrongAccountData)?;
    let sitting: [u8; 32] = bytes::read(&config_data, config::GUARDIAN)?;
    if sitting != *guardian.address().as_array() {
        return Err(BridgeError::NotGuardian);
    }
    pending_proposal(proposal_account, program_id, id)?;
    let mut view = proposal_account.clone();
    let mut data = view
        .try_borrow_mut()
        .map_err(|_| BridgeError::WrongAccountData)?;
    let replaces_guardian = matches!(
        action::parse(action_bytes(&data)?, &config_data)?,
        Action::SetRoles { guardian: next, .. } if next != sitting
    );
    if !replaces_guardian {
        return Err(BridgeError::NotGuardianChange);
    }
    let delay = bytes::read_i64(&config_data, config::ADMIN_DELAY)?;
    let created_at = bytes::read_i64(&data, proposal::CREATED_AT)?;
    let eta = bytes::read_i64(&data, proposal::ETA)?;
    // The admin delay from the proposal (or now, if that has passed: an approval never
    // expires a proposal), never later than the ETA it had.
    let approved = created_at
        .checked_add(delay)
        .ok_or(BridgeError::Overflow)?
        .max(now)
        .min(eta);
    bytes::write(&mut data, proposal::ETA, &approved.to_le_bytes())?;
    bytes::write(&mut data, proposal::APPROVED_BY, &sitting)?;
    events::emit(
        &disc::PROPOSAL_APPROVED_EVENT,
        &[&id.to_le_bytes(), &approved.to_le_bytes()],
    )
}

/// Runs `execute_proposal`.
pub fn execute(
    program_id: &Address,
    accounts: &[AccountView],
    args: &[u8],
) -> Result<(), BridgeError> {
    let mut r = Reader::new(args);
    let id = r.u64()?;
    r.finish()?;
    let payer = get(accounts, 0)?;
    let config_account = get(accounts, 1)?;
    let proposal_account = get(accounts, 2)?;
    let clock = get(accounts, 3)?;
    let system_program = get(accounts, 4)?;
    checks::signer(payer)?;
    checks::writable(payer)?;
    checks::writable(config_account)?;
    checks::system_program(system_program)?;
    let now = checks::clock_now(clock)?;
    accounts::config(config_account, program_id)?;
    pending_proposal(proposal_account, program_id, id)?;

    let mut proposal_view = proposal_account.clone();
    let mut proposal_data = proposal_view
        .try_borrow_mut()
        .map_err(|_| BridgeError::WrongAccountData)?;
    let eta = bytes::read_i64(&proposal_data, proposal::ETA)?;
    if now < eta {
        return Err(BridgeError::ProposalPending);
    }
    if now > eta.saturating_add(state::GRACE_PERIOD) {
        return Err(BridgeError::ProposalExpired);
    }
    let created_at = bytes::read_i64(&proposal_data, proposal::CREATED_AT)?;
    let pause_count = bytes::read_u64(&proposal_data, proposal::PAUSE_COUNT)?;
    let approved_by: [u8; 32] = bytes::read(&proposal_data, proposal::APPROVED_BY)?;
    bytes::write(&mut proposal_data, proposal::STATUS, &[proposal::EXECUTED])?;
    let action_bytes = action_bytes(&proposal_data)?;

    let mut config_view = config_account.clone();
    let mut config_data = config_view
        .try_borrow_mut()
        .map_err(|_| BridgeError::WrongAccountData)?;
    let action = action::parse(action_bytes, &config_data)?;
    let extra = accounts.get(5..).unwrap_or(&[]);
    match action {
        Action::SetValidatorSet {
            domain,
            epoch,
            threshold,
            validators,
        } => remotes::apply(
            program_id,
            accounts,
            payer,
            system_program,
            &RemoteUpdate {
                domain,
                bridge: None,
                epoch,
                threshold,
                validators,
            },
        )?,
        Action::SetRemote {
            domain,
            bridge,
            kind,
            epoch,
            threshold,
            validators,
        } => remotes::apply(
            program_id,
            accounts,
            payer,
            system_program,
            &RemoteUpdate {
                domain,
                bridge: Some((bridge, kind)),
                epoch,
                threshold,
                validators,
            },
        )?,
        Action::Unpause => {
            if bytes::read_u8(&config_data, config::PAUSED)? == 0 {
                return Err(BridgeError::NotPaused);
            }
            // Proposed during this very pause (not before it, not even in the same second).
            if pause_count != bytes::read_u64(&config_data, config::PAUSE_COUNT)? {
                return Err(BridgeError::StaleUnpause);
            }
            bytes::write(&mut config_data, config::PAUSED, &[0])?;
        }
        Action::SetRoles { admin, guardian } => {
            // Replacing the guardian sitting now needs its consent or 30 days since the
            // proposal, whatever the ETA (it may have been proposed under another guardian).
            let sitting: [u8; 32] = bytes::read(&config_data, config::GUARDIAN)?;
            if guardian != sitting
                && approved_by != sitting
                && now < created_at.saturating_add(state::GUARDIAN_CHANGE_DELAY)
            {
                return Err(BridgeError::ProposalPending);
            }
            fees::check_not_oracle(get(extra, 0)?, program_id, &admin, &guardian)?;
            bytes::write(&mut config_data, config::ADMIN, &admin)?;
            bytes::write(&mut config_data, config::GUARDIAN, &guardian)?;
        }
        Action::SetAdminDelay { admin_delay } => {
            bytes::write(
                &mut config_data,
                config::ADMIN_DELAY,
                &admin_delay.to_le_bytes(),
            )?;
        }
        Action::RegisterToken {
            home_domain,
            home_token,
            mint,
            scale_exp,
            timelock_threshold,
            timelock_delay,
        } => {
            let domain = bytes::read_u32(&config_data, config::DOMAIN)?;
            let registration = tokens::Registration {
                home_domain,
                home_token,
                mint,
                scale_exp,
                is_home: home_domain == domain,
                timelock_threshold,
                timelock_delay,
            };
            tokens::register(program_id, extra, payer, system_program, &registration)?;
        }
        Action::SetTokenLimits {
            token_id,
            timelock_threshold,
            timelock_delay,
        } => tokens::set_timelock(
            program_id,
            extra,
            &token_id,
            timelock_threshold,
            timelock_delay,
        )?,
        Action::SetRoute {
            token_id,
            domain,
            remote_exp,
            remote_max,
            inbound,
            outbound,
        } => {
            let route = tokens::RouteUpdate {
                token_id,
                domain,
                remote_exp,
                remote_max,
                inbound,
                outbound,
                now,
            };
            tokens::set_route(program_id, extra, payer, system_program, &route)?;
        }
        Action::VoidQueued { key } => {
            queued::cancel_receipt(program_id, get(extra, 0)?, get(extra, 1)?, &key)?;
        }
        Action::RefundCancelled { key } => {
            accounts::not_paused(&config_data)?;
            refund::refund(program_id, extra, &mut config_data, &key)?;
        }
        Action::Upgrade {
            buffer,
            spill,
            code_hash,
        } => {
            let target = upgrade::Target {
                buffer,
                spill,
                code_hash,
            };
            upgrade::upgrade(program_id, extra, clock, &target)?;
        }
        Action::SetFeeConfig {
            destination,
            config,
        } => fees::set_config(
            program_id,
            extra,
            payer,
            system_program,
            destination,
            &config,
        )?,
        Action::SetFeeRoles {
            oracle,
            beneficiary,
        } => fees::set_roles(
            program_id,
            extra,
            payer,
            system_program,
            &oracle,
            &beneficiary,
        )?,
    }
    events::emit(&disc::PROPOSAL_EXECUTED_EVENT, &[&id.to_le_bytes()])
}
