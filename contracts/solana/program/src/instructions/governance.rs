//! Admin actions behind the timelock: `propose(action)` (admin) creates the PDA
//! `["proposal", id (u64 BE)]` executable at `now + admin_delay`; `execute_proposal(id)`
//! (anyone, after the delay) applies it; `cancel_proposal(id)` (admin or guardian) drops it.
//! Validator-set rotation, remotes, token registration and limits, roles and unpausing all go
//! through here; pausing is immediate (`pause`, guardian).
//!
//! `Action` (Borsh enum): 0 `SetValidatorSet { domain: u32, epoch: u64, threshold: u8,
//! validators: Vec<[u8; 20]> }` (rotates an existing remote's set; the epoch must increase),
//! 1 `SetRemote { domain: u32, bridge: [u8; 32], epoch: u64, threshold: u8, validators:
//! Vec<[u8; 20]> }` (creates a remote, or replaces one with a higher epoch), 2 `RegisterToken {
//! home_domain: u32, home_token: [u8; 32], mint: Pubkey, scale_exp: u8, limits: TokenLimits }`,
//! 3 `SetTokenLimits { token_id: [u8; 32], limits: TokenLimits }`, 4 `Unpause`, 5 `SetRoles {
//! admin: Pubkey, guardian: Pubkey }`. `TokenLimits { timelock_threshold: u64, timelock_delay:
//! i64, inbound_capacity: u64, inbound_refill: u64, outbound_capacity: u64, outbound_refill:
//! u64 }`, all non-zero.
//!
//! `propose` accounts: `admin` (signer, writable), `config` (writable), `proposal` (writable),
//! `clock`, `system_program`.
//! `execute_proposal` accounts: `payer` (signer, writable), `config` (writable), `proposal`
//! (writable), `clock`, `system_program`, then per action: `SetValidatorSet` and `SetRemote`:
//! `remote` (writable);
//! `RegisterToken`: `token_config` (writable), `mint`, `vault` (writable; this program id for a
//! bridged token), `authority`, `token_program`; `SetTokenLimits`: `token_config` (writable).
//! `cancel_proposal` accounts: `authority` (signer: admin or guardian), `config`, `proposal`
//! (writable).

use pinocchio::{AccountView, Address, cpi::Seed};

use crate::accounts::{self, get};
use crate::bytes::{self, Reader};
use crate::checks::{self, TOKEN_PROGRAM_ID};
use crate::cpi;
use crate::discriminator as disc;
use crate::error::BridgeError;
use crate::instructions::remotes::{self, RemoteUpdate};
use crate::message::token_id;
use crate::state::{self, config, proposal, token};
use crate::token::{Bucket, TOKEN_ACCOUNT_LEN, check_mint, pow10};
use crate::validators::validate_set;

/// Token limits of an action.
struct Limits {
    timelock_threshold: u64,
    timelock_delay: i64,
    inbound_capacity: u64,
    inbound_refill: u64,
    outbound_capacity: u64,
    outbound_refill: u64,
}

enum Action<'a> {
    SetValidatorSet {
        domain: u32,
        epoch: u64,
        threshold: u8,
        validators: &'a [u8],
    },
    SetRemote {
        domain: u32,
        bridge: [u8; 32],
        epoch: u64,
        threshold: u8,
        validators: &'a [u8],
    },
    RegisterToken {
        home_domain: u32,
        home_token: [u8; 32],
        mint: [u8; 32],
        scale_exp: u8,
        limits: Limits,
    },
    SetTokenLimits {
        token_id: [u8; 32],
        limits: Limits,
    },
    Unpause,
    SetRoles {
        admin: [u8; 32],
        guardian: [u8; 32],
    },
}

fn read_limits(r: &mut Reader) -> Result<Limits, BridgeError> {
    let limits = Limits {
        timelock_threshold: r.u64()?,
        timelock_delay: r.i64()?,
        inbound_capacity: r.u64()?,
        inbound_refill: r.u64()?,
        outbound_capacity: r.u64()?,
        outbound_refill: r.u64()?,
    };
    if limits.timelock_threshold == 0
        || limits.timelock_delay <= 0
        || limits.inbound_capacity == 0
        || limits.inbound_refill == 0
        || limits.outbound_capacity == 0
        || limits.outbound_refill == 0
    {
        return Err(BridgeError::ZeroValue);
    }
    Ok(limits)
}

/// A remote domain: not 0, not this bridge's own.
fn check_remote_domain(remote: u32, own: u32) -> Result<(), BridgeError> {
    if remote == 0 {
        return Err(BridgeError::ZeroValue);
    }
    if remote == own {
        return Err(BridgeError::UnknownRemote);
    }
    Ok(())
}

/// Decodes and validates an action against the current config.
fn parse<'a>(bytes_in: &'a [u8], config_data: &[u8]) -> Result<Action<'a>, BridgeError> {
    let mut r = Reader::new(bytes_in);
    let domain = bytes::read_u32(config_data, config::DOMAIN)?;
    let action = match r.u8()? {
        0 => {
            let d = r.u32()?;
            let epoch = r.u64()?;
            let threshold = r.u8()?;
            let validators = r.vec_of::<20>()?;
            check_remote_domain(d, domain)?;
            validate_set(epoch, threshold, validators)?;
            Action::SetValidatorSet {
                domain: d,
                epoch,
                threshold,
                validators,
            }
        }
        1 => {
            let d = r.u32()?;
            let bridge: [u8; 32] = r.array()?;
            let epoch = r.u64()?;
            let threshold = r.u8()?;
            let validators = r.vec_of::<20>()?;
            check_remote_domain(d, domain)?;
            if bridge == [0u8; 32] {
                return Err(BridgeError::ZeroValue);
            }
            validate_set(epoch, threshold, validators)?;
            Action::SetRemote {
                domain: d,
                bridge,
                epoch,
                threshold,
                validators,
            }
        }
        2 => {
            let home_domain = r.u32()?;
            let home_token: [u8; 32] = r.array()?;
            let mint: [u8; 32] = r.array()?;
            let scale_exp = r.u8()?;
            let limits = read_limits(&mut r)?;
            if home_domain == 0 || home_token == [0u8; 32] || mint == [0u8; 32] {
                return Err(BridgeError::ZeroValue);
            }
            pow10(scale_exp)?;
            if home_domain == domain && (home_token != mint || scale_exp != 0) {
                return Err(BridgeError::BadTokenRegistration);
            }
            Action::RegisterToken {
                home_domain,
                home_token,
                mint,
                scale_exp,
                limits,
            }
        }
        3 => {
            let token_id: [u8; 32] = r.array()?;
            let limits = read_limits(&mut r)?;
            Action::SetTokenLimits { token_id, limits }
        }
        4 => Action::Unpause,
        5 => {
            let admin: [u8; 32] = r.array()?;
            let guardian: [u8; 32] = r.array()?;
            if admin == [0u8; 32] || guardian == [0u8; 32] {
                return Err(BridgeError::ZeroValue);
            }
            if admin == guardian {
                return Err(BridgeError::SameAdminAndGuardian);
            }
            Action::SetRoles { admin, guardian }
        }
        _ => return Err(BridgeError::InvalidInstructionData),
    };
    r.finish()?;
    Ok(action)
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
    parse(args, &config_data)?;
    let id = bytes::read_u64(&config_data, config::NEXT_PROPOSAL)?;
    let delay = bytes::read_i64(&config_data, config::ADMIN_DELAY)?;
    let eta = now.checked_add(delay).ok_or(BridgeError::Overflow)?;
    let next = id.checked_add(1).ok_or(BridgeError::Overflow)?;
    bytes::write(&mut config_data, config::NEXT_PROPOSAL, &next.to_le_bytes())?;
    drop(config_data);

    let id_be = id.to_be_bytes();
    let (expected, bump) = checks::find_pda(&[state::SEED_PROPOSAL, &id_be], program_id)?;
    checks::address(proposal_account, &expected)?;
    let bump_seed = [bump];
    let seeds = [
        Seed::from(state::SEED_PROPOSAL),
        Seed::from(&id_be),
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
    bytes::write(&mut data, proposal::ID, &id.to_le_bytes())?;
    bytes::write(&mut data, proposal::STATUS, &[proposal::PENDING])?;
    bytes::write(&mut data, proposal::ETA, &eta.to_le_bytes())?;
    bytes::write(
        &mut data,
        proposal::ACTION_LEN,
        &(args.len() as u32).to_le_bytes(),
    )?;
    bytes::write(&mut data, proposal::ACTION, args)?;
    crate::log_data(&[b"proposed", &id.to_le_bytes()]);
    Ok(())
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
        &[state::SEED_PROPOSAL, &id.to_be_bytes()],
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
    {
        let config_data = config_account
            .try_borrow()
            .map_err(|_| BridgeError::WrongAccountData)?;
        let key = authority.address().as_array();
        if bytes::read::<32>(&config_data, config::ADMIN)? != *key
            && bytes::read::<32>(&config_data, config::GUARDIAN)? != *key
        {
            return Err(BridgeError::NotAdmin);
        }
    }
    pending_proposal(proposal_account, program_id, id)?;
    let mut view = proposal_account.clone();
    let mut data = view
        .try_borrow_mut()
        .map_err(|_| BridgeError::WrongAccountData)?;
    bytes::write(&mut data, proposal::STATUS, &[proposal::CANCELLED])
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
    if now < bytes::read_i64(&proposal_data, proposal::ETA)? {
        return Err(BridgeError::ProposalPending);
    }
    let len = bytes::read_u32(&proposal_data, proposal::ACTION_LEN)? as usize;
    bytes::write(&mut proposal_data, proposal::STATUS, &[proposal::EXECUTED])?;
    let action_bytes = proposal_data
        .get(proposal::ACTION..proposal::ACTION + len)
        .ok_or(BridgeError::WrongAccountData)?;

    let mut config_view = config_account.clone();
    let mut config_data = config_view
        .try_borrow_mut()
        .map_err(|_| BridgeError::WrongAccountData)?;
    let domain = bytes::read_u32(&config_data, config::DOMAIN)?;
    match parse(action_bytes, &config_data)? {
        Action::SetValidatorSet {
            domain: d,
            epoch,
            threshold,
            validators,
        } => {
            let update = RemoteUpdate {
                domain: d,
                bridge: None,
                epoch,
                threshold,
                validators,
            };
            remotes::apply(program_id, accounts, payer, system_program, &update)?;
        }
        Action::Unpause => bytes::write(&mut config_data, config::PAUSED, &[0])?,
        Action::SetRoles { admin, guardian } => {
            bytes::write(&mut config_data, config::ADMIN, &admin)?;
            bytes::write(&mut config_data, config::GUARDIAN, &guardian)?;
        }
        Action::SetRemote {
            domain: d,
            bridge,
            epoch,
            threshold,
            validators,
        } => {
            let update = RemoteUpdate {
                domain: d,
                bridge: Some(bridge),
                epoch,
                threshold,
                validators,
            };
            remotes::apply(program_id, accounts, payer, system_program, &update)?;
        }
        Action::SetTokenLimits {
            token_id: id,
            limits,
        } => {
            let token_account = get(accounts, 5)?;
            checks::writable(token_account)?;
            accounts::token_config(token_account, program_id, Some(&id))?;
            let mut view = token_account.clone();
            let mut data = view
                .try_borrow_mut()
                .map_err(|_| BridgeError::WrongAccountData)?;
            write_limits(&mut data, &limits, now, false)?;
        }
        Action::RegisterToken {
            home_domain,
            home_token,
            mint,
            scale_exp,
            limits,
        } => {
            let id = token_id(home_domain, &home_token);
            let token_account = get(accounts, 5)?;
            let mint_account = get(accounts, 6)?;
            let vault = get(accounts, 7)?;
            let authority = get(accounts, 8)?;
            let token_program = get(accounts, 9)?;
            checks::writable(token_account)?;
            checks::token_program(token_program)?;
            accounts::authority(authority, program_id)?;
            let is_home = home_domain == domain;
            let mint_address = Address::new_from_array(mint);
            check_mint(
                mint_account,
                &mint_address,
                if is_home {
                    None
                } else {
                    Some(authority.address())
                },
            )?;
            let (expected, bump) = checks::find_pda(&[state::SEED_TOKEN, &id], program_id)?;
            checks::address(token_account, &expected)?;
            if !token_account.is_data_empty() {
                return Err(BridgeError::BadTokenRegistration);
            }
            let bump_seed = [bump];
            let seeds = [
                Seed::from(state::SEED_TOKEN),
                Seed::from(&id),
                Seed::from(&bump_seed),
            ];
            checks::create_pda_account(
                payer,
                token_account,
                system_program,
                &seeds,
                token::LEN,
                program_id,
            )?;
            let (vault_address, vault_bump) = if is_home {
                checks::writable(vault)?;
                let (expected, vbump) = checks::find_pda(&[state::SEED_VAULT, &mint], program_id)?;
                checks::address(vault, &expected)?;
                let vbump_seed = [vbump];
                let vseeds = [
                    Seed::from(state::SEED_VAULT),
                    Seed::from(&mint),
                    Seed::from(&vbump_seed),
                ];
                checks::create_pda_account(
                    payer,
                    vault,
                    system_program,
                    &vseeds,
                    TOKEN_ACCOUNT_LEN,
                    &TOKEN_PROGRAM_ID,
                )?;
                cpi::token_initialize_account3(vault, mint_account, authority.address())?;
                (expected, vbump)
            } else {
                checks::address(vault, program_id)?;
                (program_id.clone(), 0)
            };
            let mut view = token_account.clone();
            let mut data = view
                .try_borrow_mut()
                .map_err(|_| BridgeError::WrongAccountData)?;
            bytes::write(&mut data, 0, &disc::TOKEN_CONFIG_ACCOUNT)?;
            bytes::write(&mut data, token::BUMP, &[bump])?;
            bytes::write(&mut data, token::TOKEN_ID, &id)?;
            bytes::write(&mut data, token::MINT, &mint)?;
            bytes::write(&mut data, token::IS_HOME, &[u8::from(is_home)])?;
            bytes::write(&mut data, token::HOME_DOMAIN, &home_domain.to_le_bytes())?;
            bytes::write(&mut data, token::HOME_TOKEN, &home_token)?;
            bytes::write(&mut data, token::SCALE_EXP, &[scale_exp])?;
            bytes::write(&mut data, token::VAULT, vault_address.as_array())?;
            bytes::write(&mut data, token::VAULT_BUMP, &[vault_bump])?;
            write_limits(&mut data, &limits, now, true)?;
        }
    }
    crate::log_data(&[b"executed_proposal", &id.to_le_bytes()]);
    Ok(())
}

/// Writes limits into a token config: fresh full buckets, or reconfigured ones.
fn write_limits(
    data: &mut [u8],
    limits: &Limits,
    now: i64,
    fresh: bool,
) -> Result<(), BridgeError> {
    bytes::write(
        data,
        token::TIMELOCK_THRESHOLD,
        &limits.timelock_threshold.to_le_bytes(),
    )?;
    bytes::write(
        data,
        token::TIMELOCK_DELAY,
        &limits.timelock_delay.to_le_bytes(),
    )?;
    let (inbound, outbound) = if fresh {
        (
            Bucket::full(limits.inbound_capacity, limits.inbound_refill, now)?,
            Bucket::full(limits.outbound_capacity, limits.outbound_refill, now)?,
        )
    } else {
        (
            Bucket::read(data, token::INBOUND)?.reconfigure(
                limits.inbound_capacity,
                limits.inbound_refill,
                now,
            )?,
            Bucket::read(data, token::OUTBOUND)?.reconfigure(
                limits.outbound_capacity,
                limits.outbound_refill,
                now,
            )?,
        )
    };
    inbound.write(data, token::INBOUND)?;
    outbound.write(data, token::OUTBOUND)
}
