//! `initialize(domain, admin, guardian, admin_delay)`: creates the config PDA. Only the program's
//! upgrade authority may call it (no one can initialize a freshly deployed program first).
//! Nothing zero or default is accepted; admin and guardian are different keys; the admin delay
//! is at most 30 days. Validator sets are per remote (`SetRemote` through the timelock).
//!
//! Accounts: `payer` (signer, writable; the upgrade authority), `config` (writable, PDA
//! `["config"]`, must not exist), `system_program`, `program` (this program's account, owned by
//! the upgradeable loader), `program_data` (its program-data account).

use pinocchio::{AccountView, Address, cpi::Seed};

use crate::accounts::get;
use crate::bytes::{self, Reader};
use crate::checks;
use crate::discriminator as disc;
use crate::error::BridgeError;
use crate::state::{self, config};

/// Runs `initialize`.
pub fn process(
    program_id: &Address,
    accounts: &[AccountView],
    args: &[u8],
) -> Result<(), BridgeError> {
    let mut r = Reader::new(args);
    let domain = r.u32()?;
    let admin: [u8; 32] = r.array()?;
    let guardian: [u8; 32] = r.array()?;
    let admin_delay = r.i64()?;
    r.finish()?;

    let payer = get(accounts, 0)?;
    let config_account = get(accounts, 1)?;
    let system_program = get(accounts, 2)?;
    checks::signer(payer)?;
    checks::writable(payer)?;
    checks::writable(config_account)?;
    checks::system_program(system_program)?;
    checks::upgrade_authority(program_id, get(accounts, 3)?, get(accounts, 4)?, payer)?;
    // Not `&[CONST]` (see accounts::config).
    let seeds: [&[u8]; 1] = [state::SEED_CONFIG];
    let (expected, bump) = checks::find_pda(&seeds, program_id)?;
    checks::address(config_account, &expected)?;
    if !config_account.is_data_empty() || !config_account.owned_by(&checks::SYSTEM_PROGRAM_ID) {
        return Err(BridgeError::AlreadyInitialized);
    }

    if domain == 0 || admin == [0u8; 32] || guardian == [0u8; 32] || admin_delay <= 0 {
        return Err(BridgeError::ZeroValue);
    }
    if admin_delay > state::MAX_ADMIN_DELAY {
        return Err(BridgeError::OutOfRange);
    }
    if admin == guardian {
        return Err(BridgeError::SameAdminAndGuardian);
    }

    let bump_seed = [bump];
    let seeds = [Seed::from(state::SEED_CONFIG), Seed::from(&bump_seed)];
    checks::create_pda_account(
        payer,
        config_account,
        system_program,
        &seeds,
        config::LEN,
        program_id,
    )?;

    let mut account = config_account.clone();
    let mut data = account
        .try_borrow_mut()
        .map_err(|_| BridgeError::WrongAccountData)?;
    bytes::write(&mut data, 0, &disc::CONFIG_ACCOUNT)?;
    bytes::write(&mut data, config::BUMP, &[bump])?;
    bytes::write(&mut data, config::DOMAIN, &domain.to_le_bytes())?;
    bytes::write(&mut data, config::ADMIN, &admin)?;
    bytes::write(&mut data, config::GUARDIAN, &guardian)?;
    bytes::write(&mut data, config::PAUSED, &[0])?;
    bytes::write(&mut data, config::PAUSED_AT, &0i64.to_le_bytes())?;
    bytes::write(&mut data, config::OUTBOUND_NONCE, &0u64.to_le_bytes())?;
    bytes::write(&mut data, config::ADMIN_DELAY, &admin_delay.to_le_bytes())?;
    bytes::write(&mut data, config::NEXT_PROPOSAL, &0u64.to_le_bytes())?;
    bytes::write(&mut data, config::PAUSE_COUNT, &0u64.to_le_bytes())
}
