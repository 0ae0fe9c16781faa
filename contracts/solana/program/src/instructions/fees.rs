//! Delivery fees (docs/protocol.md, "Delivery fees"): the fee oracle's price updates, the
//! quote, top-ups and the withdrawal to the fee beneficiary; and the two timelocked actions
//! that configure them (run by `execute_proposal`).
//!
//! - `update_fee_prices(destination, gas_price, exchange_rate)` (the fee oracle of
//!   `["fees"]`; `NotFeeOracle` for anyone else or when none is set): sets the two prices of
//!   `destination` within the bounds of `check_price_update` (`FeeNotConfigured` also when the
//!   destination has no fee config, `FeeUpdateTooSoon`, `FeeChangeTooLarge`) and
//!   `last_update` to the clock's time. Accounts: `oracle` (signer), `fee_roles` (`["fees"]`),
//!   `fee_config` (writable, `["fee_config", destination]`), `clock`.
//! - `quote(destination, gas_limit, body_len)`: returns the fee in lamports (u64 LE) through
//!   the return data (`simulateTransaction` reads it); 0 for a destination without fee config;
//!   `FeeOverflow`. Accounts: `fee_config` (`["fee_config", destination]`, which may not exist).
//! - `pay_for_gas(id, destination, lamports)` (anyone, even while paused; `ZeroValue` for 0):
//!   moves `lamports` from `payer` to the fee vault (created if missing) and emits `GasPaid`
//!   (self-CPI and log line). Accounts: `payer` (signer, writable), `fee_vault` (writable,
//!   `["fee_vault"]`), `system_program`, `event_authority`, `program`.
//! - `withdraw_fees()` (anyone): moves everything the fee vault holds above its rent-exempt
//!   minimum to the fee beneficiary of `["fees"]` (`NoFeeBeneficiary` when none is set,
//!   `WrongAccountAddress` for another account, `ZeroValue` when nothing is held) and emits
//!   `FeesWithdrawn { beneficiary, amount }`. Accounts: `fee_roles`, `fee_vault` (writable),
//!   `beneficiary` (writable).
//! - `clear_fee_oracle()` (the guardian, at once, also while paused; `NotGuardian` for anyone
//!   else): sets the oracle of `["fees"]` to none, keeping the beneficiary, so that a stolen
//!   oracle key stops moving prices before governance names another (`SetFeeRoles`); nothing
//!   to write when the roles were never set. Emits `FeeOracleCleared { guardian, oracle }`
//!   (the oracle removed; zero when none was set). Accounts: `guardian` (signer), `config`,
//!   `fee_roles` (writable, `["fees"]`; may not exist).
//!
//! Actions: `SetFeeConfig { destination, config }` writes every field of `FeeConfig` but
//! `last_update` (any values; the oracle's last update time is kept, 0 for a new one) to
//! `["fee_config", destination]`, created if missing, for a configured remote only
//! (`UnknownRemote`); extra accounts `fee_config` (writable), `fee_vault` (writable; created if
//! missing), `remote` (`["remote", destination]`). `SetFeeRoles { oracle,
//! beneficiary }` writes `["fees"]`, created if missing (the oracle is neither the admin nor
//! the guardian: `OutOfRange`, checked when proposed and when executed; a zero key is none);
//! extra accounts `fee_roles` (writable), `fee_vault` (writable; created if missing). The
//! converse, `SetRoles` never making the oracle the admin or the guardian, is
//! [`check_not_oracle`].

use pinocchio::{
    AccountView, Address,
    cpi::Seed,
    sysvars::{Sysvar, rent::Rent},
};

use crate::accounts::get;
use crate::bytes::{self, Reader};
use crate::checks;
use crate::cpi;
use crate::discriminator as disc;
use crate::error::BridgeError;
use crate::events::{self, EventAccounts};
use crate::fee::{self, FeeParams};
use crate::state::{self, config, fee_config, fee_roles, fee_vault};

/// Runs `update_fee_prices`.
pub fn update_prices(
    program_id: &Address,
    accounts: &[AccountView],
    args: &[u8],
) -> Result<(), BridgeError> {
    let mut r = Reader::new(args);
    let destination = r.u32()?;
    let gas_price: [u8; 16] = r.array()?;
    let exchange_rate: [u8; 16] = r.array()?;
    r.finish()?;
    let oracle = get(accounts, 0)?;
    let roles_account = get(accounts, 1)?;
    let config_account = get(accounts, 2)?;
    let now = checks::clock_now(get(accounts, 3)?)?;
    checks::signer(oracle)?;
    match fee::load_roles(roles_account, program_id)? {
        Some(roles)
            if roles.oracle != [0u8; 32] && roles.oracle == *oracle.address().as_array() => {}
        _ => return Err(BridgeError::NotFeeOracle),
    }
    checks::writable(config_account)?;
    let Some(mut params) = fee::load_config(config_account, program_id, destination)? else {
        return Err(BridgeError::FeeNotConfigured);
    };
    // A clock before 1970 is before any last update.
    let now = u64::try_from(now).unwrap_or(0);
    params.check_price_update(&gas_price, &exchange_rate, now)?;
    params.gas_price = gas_price;
    params.exchange_rate = exchange_rate;
    params.last_update = now;
    let mut view = config_account.clone();
    let mut data = view
        .try_borrow_mut()
        .map_err(|_| BridgeError::WrongAccountData)?;
    params.write(&mut data)
}

/// Runs `quote`.
pub fn quote(
    program_id: &Address,
    accounts: &[AccountView],
    args: &[u8],
) -> Result<(), BridgeError> {
    let mut r = Reader::new(args);
    let destination = r.u32()?;
    let gas_limit = r.u64()?;
    let body_len = r.u64()?;
    r.finish()?;
    let fee = match fee::load_config(get(accounts, 0)?, program_id, destination)? {
        Some(params) => params.quote(gas_limit, body_len)?,
        None => 0,
    };
    crate::set_return_data(&fee.to_le_bytes());
    Ok(())
}

/// Runs `pay_for_gas`.
pub fn pay_for_gas(
    program_id: &Address,
    accounts: &[AccountView],
    args: &[u8],
) -> Result<(), BridgeError> {
    let mut r = Reader::new(args);
    let id: [u8; 32] = r.array()?;
    let destination = r.u32()?;
    let lamports = r.u64()?;
    r.finish()?;
    if lamports == 0 {
        return Err(BridgeError::ZeroValue);
    }
    let payer = get(accounts, 0)?;
    let vault = get(accounts, 1)?;
    let system_program = get(accounts, 2)?;
    let events_accounts = EventAccounts::check(program_id, get(accounts, 3)?, get(accounts, 4)?)?;
    checks::signer(payer)?;
    checks::writable(payer)?;
    checks::system_program(system_program)?;
    fee::ensure_vault(payer, vault, system_program, program_id)?;
    cpi::transfer_lamports(payer, vault, lamports)?;
    events::gas_paid(program_id, &events_accounts, &id, destination, lamports)
}

/// Runs `withdraw_fees`.
pub fn withdraw(
    program_id: &Address,
    accounts: &[AccountView],
    args: &[u8],
) -> Result<(), BridgeError> {
    Reader::new(args).finish()?;
    let roles_account = get(accounts, 0)?;
    let vault = get(accounts, 1)?;
    let beneficiary = get(accounts, 2)?;
    let expected = match fee::load_roles(roles_account, program_id)? {
        Some(roles) if roles.beneficiary != [0u8; 32] => roles.beneficiary,
        _ => return Err(BridgeError::NoFeeBeneficiary),
    };
    if *beneficiary.address().as_array() != expected {
        return Err(BridgeError::WrongAccountAddress);
    }
    checks::writable(beneficiary)?;
    fee::check_vault(vault, program_id)?;
    // Governance could name the vault itself: nothing would move.
    if beneficiary.address() == vault.address() {
        return Err(BridgeError::WrongAccountAddress);
    }
    let rent = Rent::get().map_err(|_| BridgeError::WrongAccountData)?;
    let keep = rent
        .try_minimum_balance(fee_vault::LEN)
        .map_err(|_| BridgeError::Overflow)?;
    let held = vault.lamports();
    let amount = held.saturating_sub(keep);
    if amount == 0 {
        return Err(BridgeError::ZeroValue);
    }
    // The vault is this program's account: its lamports move without a CPI. Debited first,
    // so a beneficiary that is the vault itself ends where it began.
    vault.clone().set_lamports(held - amount);
    let credited = beneficiary
        .lamports()
        .checked_add(amount)
        .ok_or(BridgeError::Overflow)?;
    beneficiary.clone().set_lamports(credited);
    events::emit(
        &disc::FEES_WITHDRAWN_EVENT,
        &[&expected, &amount.to_le_bytes()],
    )
}

/// Runs `clear_fee_oracle`.
pub fn clear_oracle(
    program_id: &Address,
    accounts: &[AccountView],
    args: &[u8],
) -> Result<(), BridgeError> {
    Reader::new(args).finish()?;
    let guardian = get(accounts, 0)?;
    let config_account = get(accounts, 1)?;
    let roles_account = get(accounts, 2)?;
    checks::signer(guardian)?;
    crate::accounts::config(config_account, program_id)?;
    {
        let data = config_account
            .try_borrow()
            .map_err(|_| BridgeError::WrongAccountData)?;
        if bytes::read::<32>(&data, config::GUARDIAN)? != *guardian.address().as_array() {
            return Err(BridgeError::NotGuardian);
        }
    }
    checks::writable(roles_account)?;
    let oracle = match fee::load_roles(roles_account, program_id)? {
        Some(roles) => {
            let mut view = roles_account.clone();
            let mut data = view
                .try_borrow_mut()
                .map_err(|_| BridgeError::WrongAccountData)?;
            bytes::write(&mut data, fee_roles::ORACLE, &[0u8; 32])?;
            roles.oracle
        }
        None => [0u8; 32],
    };
    events::emit(
        &disc::FEE_ORACLE_CLEARED_EVENT,
        &[guardian.address().as_array(), &oracle],
    )
}

/// `SetRoles`: refuses (`OutOfRange`) an `admin` or `guardian` that is the fee oracle of
/// `["fees"]` at `account` (the oracle is its own key, as `SetFeeRoles` checks the other way
/// round). The account is required and its address checked; one that does not exist yet
/// (never set) holds no oracle.
pub fn check_not_oracle(
    account: &AccountView,
    program_id: &Address,
    admin: &[u8; 32],
    guardian: &[u8; 32],
) -> Result<(), BridgeError> {
    match fee::load_roles(account, program_id)? {
        // Neither role is zero (the action refuses it), so a zero oracle, none, never matches.
        Some(roles) if roles.oracle == *admin || roles.oracle == *guardian => {
            Err(BridgeError::OutOfRange)
        }
        _ => Ok(()),
    }
}

/// Reads a `FeeConfig` as the `SetFeeConfig` action encodes it: the account's field order,
/// without `last_update` (0 here; the account's is kept).
pub fn read_params(r: &mut Reader) -> Result<FeeParams, BridgeError> {
    Ok(FeeParams {
        gas_price: r.array()?,
        exchange_rate: r.array()?,
        fixed_cost: r.array()?,
        message_gas: r.u64()?,
        signatures_gas: r.u64()?,
        transfer_gas: r.u64()?,
        gas_per_byte: r.u32()?,
        last_update: 0,
    })
}

/// `SetFeeConfig`: writes `params` (but its `last_update`: the stored one is kept) to the fee
/// config of `destination` at `extra[0]` (created if missing, paid by `payer`), if `extra[2]`
/// is the configured remote of `destination`; creates the fee vault at `extra[1]` if missing.
pub fn set_config(
    program_id: &Address,
    extra: &[AccountView],
    payer: &AccountView,
    system_program: &AccountView,
    destination: u32,
    params: &FeeParams,
) -> Result<(), BridgeError> {
    let account = get(extra, 0)?;
    checks::writable(account)?;
    crate::accounts::remote(get(extra, 2)?, program_id, destination)?;
    let mut params = *params;
    if let Some(current) = fee::load_config(account, program_id, destination)? {
        params.last_update = current.last_update;
    } else {
        let d_le = destination.to_le_bytes();
        let (_, bump) = checks::find_pda(&[state::SEED_FEE_CONFIG, &d_le], program_id)?;
        let bump_seed = [bump];
        let seeds = [
            Seed::from(state::SEED_FEE_CONFIG),
            Seed::from(&d_le),
            Seed::from(&bump_seed),
        ];
        checks::create_pda_account(
            payer,
            account,
            system_program,
            &seeds,
            fee_config::LEN,
            program_id,
        )?;
        let mut view = account.clone();
        let mut data = view
            .try_borrow_mut()
            .map_err(|_| BridgeError::WrongAccountData)?;
        bytes::write(&mut data, 0, &disc::FEE_CONFIG_ACCOUNT)?;
        bytes::write(&mut data, fee_config::BUMP, &[bump])?;
        bytes::write(&mut data, fee_config::DESTINATION, &d_le)?;
    }
    {
        let mut view = account.clone();
        let mut data = view
            .try_borrow_mut()
            .map_err(|_| BridgeError::WrongAccountData)?;
        params.write(&mut data)?;
    }
    fee::ensure_vault(payer, get(extra, 1)?, system_program, program_id)
}

/// `SetFeeRoles`: writes the roles to `["fees"]` at `extra[0]` (created if missing, paid by
/// `payer`), and creates the fee vault at `extra[1]` if missing.
pub fn set_roles(
    program_id: &Address,
    extra: &[AccountView],
    payer: &AccountView,
    system_program: &AccountView,
    oracle: &[u8; 32],
    beneficiary: &[u8; 32],
) -> Result<(), BridgeError> {
    let account = get(extra, 0)?;
    checks::writable(account)?;
    if fee::load_roles(account, program_id)?.is_none() {
        let seeds: [&[u8]; 1] = [state::SEED_FEE_ROLES];
        let (_, bump) = checks::find_pda(&seeds, program_id)?;
        let bump_seed = [bump];
        let signer = [Seed::from(state::SEED_FEE_ROLES), Seed::from(&bump_seed)];
        checks::create_pda_account(
            payer,
            account,
            system_program,
            &signer,
            fee_roles::LEN,
            program_id,
        )?;
        let mut view = account.clone();
        let mut data = view
            .try_borrow_mut()
            .map_err(|_| BridgeError::WrongAccountData)?;
        bytes::write(&mut data, 0, &disc::FEE_ROLES_ACCOUNT)?;
        bytes::write(&mut data, fee_roles::BUMP, &[bump])?;
    }
    {
        let mut view = account.clone();
        let mut data = view
            .try_borrow_mut()
            .map_err(|_| BridgeError::WrongAccountData)?;
        bytes::write(&mut data, fee_roles::ORACLE, oracle)?;
        bytes::write(&mut data, fee_roles::BENEFICIARY, beneficiary)?;
    }
    fee::ensure_vault(payer, get(extra, 1)?, system_program, program_id)
}
