//! The timelocked actions on tokens (run by `execute_proposal`; `accounts` here are the ones
//! after its five fixed accounts):
//!
//! - `RegisterToken`: creates the token config PDA `["token", token id]` and, for a home token,
//!   its vault `["vault", mint]` (an SPL token account owned by the authority PDA); a bridged
//!   mint's mint authority must be the authority PDA. Accounts: `token_config` (writable),
//!   `mint`, `vault` (writable; this program id for a bridged token), `authority`,
//!   `token_program`.
//! - `SetTokenLimits`: the token's timelock threshold and delay. Accounts: `token_config`
//!   (writable).
//! - `SetRoute`: creates or updates the route `["route", token id, domain]`: the remote's scale
//!   and maximum, both buckets (created full; an update keeps the level, capped by the new
//!   capacity, as `TokenBucket::reconfigure`) and, on creation, an empty ledger bounding
//!   deliveries (except on a bridged mint's home route) and, for a bridged mint, sends.
//!   Accounts: `token_config`, `route` (writable), `remote` (`["remote", domain]`: the remote
//!   must be configured, `UnknownRemote` otherwise, as EVM `setRoute`).

use pinocchio::{AccountView, Address, cpi::Seed};

use crate::accounts::{self, get};
use crate::bytes;
use crate::checks::{self, TOKEN_PROGRAM_ID};
use crate::cpi;
use crate::discriminator as disc;
use crate::error::BridgeError;
use crate::instructions::action::BucketLimits;
use crate::message::token_id;
use crate::state::{self, route, token};
use crate::token::{Bucket, TOKEN_ACCOUNT_LEN, check_mint, read_info};

/// A `RegisterToken` action.
pub struct Registration {
    /// Home domain.
    pub home_domain: u32,
    /// Home token.
    pub home_token: [u8; 32],
    /// SPL mint here.
    pub mint: [u8; 32],
    /// Scale exponent.
    pub scale_exp: u8,
    /// Whether this bridge's domain is the home.
    pub is_home: bool,
    /// Timelock threshold.
    pub timelock_threshold: u64,
    /// Timelock delay.
    pub timelock_delay: i64,
}

/// Runs `RegisterToken`.
pub fn register(
    program_id: &Address,
    accounts: &[AccountView],
    payer: &AccountView,
    system_program: &AccountView,
    reg: &Registration,
) -> Result<(), BridgeError> {
    let id = token_id(reg.home_domain, &reg.home_token);
    let token_account = get(accounts, 0)?;
    let mint_account = get(accounts, 1)?;
    let vault = get(accounts, 2)?;
    let authority = get(accounts, 3)?;
    let token_program = get(accounts, 4)?;
    checks::writable(token_account)?;
    checks::token_program(token_program)?;
    accounts::authority(authority, program_id)?;
    let mint_address = Address::new_from_array(reg.mint);
    check_mint(
        mint_account,
        &mint_address,
        if reg.is_home {
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
    let (vault_address, vault_bump) = if reg.is_home {
        checks::writable(vault)?;
        let (expected, vbump) = checks::find_pda(&[state::SEED_VAULT, &reg.mint], program_id)?;
        checks::address(vault, &expected)?;
        let vbump_seed = [vbump];
        let vseeds = [
            Seed::from(state::SEED_VAULT),
            Seed::from(&reg.mint),
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
    bytes::write(&mut data, token::MINT, &reg.mint)?;
    bytes::write(&mut data, token::IS_HOME, &[u8::from(reg.is_home)])?;
    bytes::write(
        &mut data,
        token::HOME_DOMAIN,
        &reg.home_domain.to_le_bytes(),
    )?;
    bytes::write(&mut data, token::HOME_TOKEN, &reg.home_token)?;
    bytes::write(&mut data, token::SCALE_EXP, &[reg.scale_exp])?;
    bytes::write(&mut data, token::VAULT, vault_address.as_array())?;
    bytes::write(&mut data, token::VAULT_BUMP, &[vault_bump])?;
    write_timelock(&mut data, reg.timelock_threshold, reg.timelock_delay)
}

fn write_timelock(data: &mut [u8], threshold: u64, delay: i64) -> Result<(), BridgeError> {
    bytes::write(data, token::TIMELOCK_THRESHOLD, &threshold.to_le_bytes())?;
    bytes::write(data, token::TIMELOCK_DELAY, &delay.to_le_bytes())
}

/// Runs `SetTokenLimits`.
pub fn set_timelock(
    program_id: &Address,
    accounts: &[AccountView],
    token_id: &[u8; 32],
    threshold: u64,
    delay: i64,
) -> Result<(), BridgeError> {
    let token_account = get(accounts, 0)?;
    checks::writable(token_account)?;
    accounts::token_config(token_account, program_id, Some(token_id))?;
    let mut view = token_account.clone();
    let mut data = view
        .try_borrow_mut()
        .map_err(|_| BridgeError::WrongAccountData)?;
    write_timelock(&mut data, threshold, delay)
}

/// A `SetRoute` action, with the time it executes.
pub struct RouteUpdate {
    /// The token.
    pub token_id: [u8; 32],
    /// The remote.
    pub domain: u32,
    /// Remote exponent.
    pub remote_exp: u8,
    /// Remote maximum, u128 LE.
    pub remote_max: [u8; 16],
    /// Inbound bucket.
    pub inbound: BucketLimits,
    /// Outbound bucket.
    pub outbound: BucketLimits,
    /// Now (unix seconds).
    pub now: i64,
}

/// Runs `SetRoute`.
pub fn set_route(
    program_id: &Address,
    accounts: &[AccountView],
    payer: &AccountView,
    system_program: &AccountView,
    update: &RouteUpdate,
) -> Result<(), BridgeError> {
    let token_account = get(accounts, 0)?;
    let route_account = get(accounts, 1)?;
    let remote_account = get(accounts, 2)?;
    checks::writable(route_account)?;
    accounts::token_config(token_account, program_id, Some(&update.token_id))?;
    // The remote of the route's domain: this program's initialized `Remote` PDA for it.
    accounts::remote(remote_account, program_id, update.domain)?;
    let info = {
        let data = token_account
            .try_borrow()
            .map_err(|_| BridgeError::WrongAccountData)?;
        read_info(&data)?
    };
    let domain_le = update.domain.to_le_bytes();
    let (expected, bump) = checks::find_pda(
        &[state::SEED_ROUTE, &update.token_id, &domain_le],
        program_id,
    )?;
    checks::address(route_account, &expected)?;
    let fresh = route_account.is_data_empty() && route_account.owned_by(&checks::SYSTEM_PROGRAM_ID);
    if fresh {
        let bump_seed = [bump];
        let seeds = [
            Seed::from(state::SEED_ROUTE),
            Seed::from(&update.token_id),
            Seed::from(&domain_le),
            Seed::from(&bump_seed),
        ];
        checks::create_pda_account(
            payer,
            route_account,
            system_program,
            &seeds,
            route::LEN,
            program_id,
        )?;
    } else {
        accounts::route(route_account, program_id, &update.token_id, update.domain)?;
    }
    let mut view = route_account.clone();
    let mut data = view
        .try_borrow_mut()
        .map_err(|_| BridgeError::WrongAccountData)?;
    let (inbound, outbound) = if fresh {
        bytes::write(&mut data, 0, &disc::ROUTE_ACCOUNT)?;
        bytes::write(&mut data, route::BUMP, &[bump])?;
        bytes::write(&mut data, route::TOKEN_ID, &update.token_id)?;
        bytes::write(&mut data, route::DOMAIN, &domain_le)?;
        bytes::write(&mut data, route::LEDGER, &0i128.to_le_bytes())?;
        // As `RouteLedger::new` of `bridge/`.
        let inbound_bounded = info.is_home || update.domain != info.home_domain;
        bytes::write(
            &mut data,
            route::INBOUND_BOUNDED,
            &[u8::from(inbound_bounded)],
        )?;
        bytes::write(
            &mut data,
            route::OUTBOUND_BOUNDED,
            &[u8::from(!info.is_home)],
        )?;
        (
            Bucket::full(update.inbound.capacity, update.inbound.refill, update.now)?,
            Bucket::full(update.outbound.capacity, update.outbound.refill, update.now)?,
        )
    } else {
        (
            Bucket::read(&data, route::INBOUND)?.reconfigure(
                update.inbound.capacity,
                update.inbound.refill,
                update.now,
            )?,
            Bucket::read(&data, route::OUTBOUND)?.reconfigure(
                update.outbound.capacity,
                update.outbound.refill,
                update.now,
            )?,
        )
    };
    bytes::write(&mut data, route::REMOTE_EXP, &[update.remote_exp])?;
    bytes::write(&mut data, route::REMOTE_MAX, &update.remote_max)?;
    inbound.write(&mut data, route::INBOUND)?;
    outbound.write(&mut data, route::OUTBOUND)
}
