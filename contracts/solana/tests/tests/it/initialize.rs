//! `initialize`: the config PDA, only by the program's upgrade authority, nothing zero or
//! default, and substituted accounts. The validator-set rules (shared vectors) apply to a
//! remote's set (`SetRemote`).

use solana_account::Account;
use solana_instruction::AccountMeta;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

use crate::common::*;

#[test]
fn initializes_the_config_once() {
    let mut env = Env::bare();
    let ix = env.initialize_ix(DOMAIN);
    expect_ok(env.send(std::slice::from_ref(&ix), &[]));
    let data = env.data(&config_pda());
    assert_eq!(data.len(), 118);
    assert_eq!(&data[..8], &account_disc("Config"));
    assert_eq!(u32::from_le_bytes(data[9..13].try_into().unwrap()), DOMAIN);
    assert_eq!(&data[13..45], env.admin.pubkey().as_ref());
    assert_eq!(&data[45..77], env.guardian.pubkey().as_ref());
    assert_eq!(data[77], 0, "not paused");
    assert_eq!(&data[78..86], &[0; 8], "never paused");
    assert_eq!(&data[86..94], &[0; 8], "outbound nonce");
    assert_eq!(
        i64::from_le_bytes(data[94..102].try_into().unwrap()),
        ADMIN_DELAY
    );
    assert_eq!(&data[102..110], &[0; 8], "next proposal");
    assert_eq!(&data[110..118], &[0; 8], "pause count");
    // A second initialize is refused.
    expect_err(env.send(&[ix], &[]), "AlreadyInitialized");
}

#[test]
fn refuses_zero_and_default_values() {
    let mut env = Env::bare();
    let mut ix = env.initialize_ix(0);
    expect_err(env.send(std::slice::from_ref(&ix), &[]), "ZeroValue");
    // admin = 0
    ix = env.initialize_ix(DOMAIN);
    ix.data[12..44].fill(0);
    expect_err(env.send(&[ix], &[]), "ZeroValue");
    // guardian = 0
    ix = env.initialize_ix(DOMAIN);
    ix.data[44..76].fill(0);
    expect_err(env.send(&[ix], &[]), "ZeroValue");
    // admin delay = 0
    ix = env.initialize_ix(DOMAIN);
    ix.data[76..84].fill(0);
    expect_err(env.send(&[ix], &[]), "ZeroValue");
    // admin delay above 30 days
    ix = env.initialize_ix(DOMAIN);
    ix.data[76..84].copy_from_slice(&(30 * 24 * 3600 + 1i64).to_le_bytes());
    expect_err(env.send(&[ix], &[]), "OutOfRange");
    // admin == guardian
    ix = env.initialize_ix(DOMAIN);
    let admin = ix.data[12..44].to_vec();
    ix.data[44..76].copy_from_slice(&admin);
    expect_err(env.send(&[ix], &[]), "SameAdminAndGuardian");
    // trailing bytes (e.g. the validator set initialize took before sets moved to remotes)
    ix = env.initialize_ix(DOMAIN);
    ix.data.push(0);
    expect_err(env.send(&[ix], &[]), "InvalidInstructionData");
    // unknown discriminator
    ix = env.initialize_ix(DOMAIN);
    ix.data[0] ^= 1;
    expect_err(env.send(&[ix], &[]), "InvalidInstructionData");
    assert!(
        env.svm
            .get_account(&config_pda())
            .is_none_or(|a| a.data.is_empty())
    );
}

/// Front-running: someone other than the upgrade authority cannot initialize first.
#[test]
fn only_the_upgrade_authority_initializes() {
    let mut env = Env::bare();
    let attacker = Keypair::new();
    env.svm.airdrop(&attacker.pubkey(), 1_000_000_000).unwrap();
    let mut ix = env.initialize_ix(DOMAIN);
    ix.accounts[0] = AccountMeta::new(attacker.pubkey(), true);
    expect_err(env.send(&[ix], &[&attacker]), "NotUpgradeAuthority");
    // Once the authority is the attacker, the payer is refused instead.
    env.set_upgrade_authority(Some(&attacker.pubkey()));
    expect_err(
        env.send(&[env.initialize_ix(DOMAIN)], &[]),
        "NotUpgradeAuthority",
    );
    let mut ix = env.initialize_ix(DOMAIN);
    ix.accounts[0] = AccountMeta::new(attacker.pubkey(), true);
    expect_ok(env.send(&[ix], &[&attacker]));
}

#[test]
fn an_immutable_program_cannot_be_initialized() {
    let mut env = Env::bare();
    env.set_upgrade_authority(None);
    expect_err(
        env.send(&[env.initialize_ix(DOMAIN)], &[]),
        "NotUpgradeAuthority",
    );
}

#[test]
fn program_and_program_data_are_checked() {
    let mut env = Env::bare();
    let payer = env.payer.pubkey();
    let real = env.svm.get_account(&program_data_address()).unwrap();

    // A forged program-data account naming the payer, owned by the loader, at another address:
    // the program account names the real one.
    let forged = Pubkey::new_unique();
    env.svm.set_account(forged, real.clone()).unwrap();
    let mut ix = env.initialize_ix(DOMAIN);
    ix.accounts[4] = AccountMeta::new_readonly(forged, false);
    expect_err(env.send(&[ix], &[]), "WrongAccountAddress");

    // Another program's account in place of this program's.
    let mut ix = env.initialize_ix(DOMAIN);
    ix.accounts[3] = AccountMeta::new_readonly(TOKEN_PROGRAM, false);
    expect_err(env.send(&[ix], &[]), "WrongAccountAddress");

    // Program data owned by another program than the loader.
    env.svm
        .set_account(
            program_data_address(),
            Account {
                owner: SYSTEM_PROGRAM,
                ..real.clone()
            },
        )
        .unwrap();
    expect_err(
        env.send(&[env.initialize_ix(DOMAIN)], &[]),
        "WrongAccountOwner",
    );
    // Program data that is not in the ProgramData state (tag 3).
    let mut not_program_data = real.clone();
    not_program_data.data[0] = 1;
    env.svm
        .set_account(program_data_address(), not_program_data)
        .unwrap();
    expect_err(
        env.send(&[env.initialize_ix(DOMAIN)], &[]),
        "WrongAccountData",
    );
    // Back to the real one, authority = payer: accepted.
    env.svm.set_account(program_data_address(), real).unwrap();
    env.set_upgrade_authority(Some(&payer));
    expect_ok(env.send(&[env.initialize_ix(DOMAIN)], &[]));
}

#[test]
fn substituted_accounts_are_refused() {
    let mut env = Env::bare();
    // Fake config address (not the PDA).
    let mut ix = env.initialize_ix(DOMAIN);
    ix.accounts[1] = AccountMeta::new(Pubkey::new_unique(), false);
    expect_err(env.send(&[ix], &[]), "WrongAccountAddress");
    // Fake system program.
    let mut ix = env.initialize_ix(DOMAIN);
    ix.accounts[2] = AccountMeta::new_readonly(TOKEN_PROGRAM, false);
    expect_err(env.send(&[ix], &[]), "WrongAccountAddress");
    // Payer not a signer (a second, signing fee payer pays the fee).
    let mut ix = env.initialize_ix(DOMAIN);
    let other = Keypair::new();
    env.svm.airdrop(&other.pubkey(), 1_000_000_000).unwrap();
    ix.accounts[0] = AccountMeta::new(other.pubkey(), false);
    expect_err(env.send(&[ix], &[]), "MissingSignature");
    // Config read-only.
    let mut ix = env.initialize_ix(DOMAIN);
    ix.accounts[1] = AccountMeta::new_readonly(config_pda(), false);
    expect_err(env.send(&[ix], &[]), "NotWritable");
    // Too few accounts (the two loader accounts missing).
    let mut ix = env.initialize_ix(DOMAIN);
    ix.accounts.truncate(3);
    expect_err(env.send(&[ix], &[]), "NotEnoughAccounts");
}
