//! `initialize`: the config PDA, nothing zero or default, the validator-set rules (shared
//! vectors), and substituted accounts.

use solana_instruction::AccountMeta;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

use crate::common::*;

fn addrs(n: usize) -> Vec<[u8; 20]> {
    validators(n).iter().map(|v| v.address).collect()
}

#[test]
fn initializes_the_config_once() {
    let mut env = Env::bare();
    let ix = env.initialize_ix(DOMAIN, 1, 4, &addrs(5));
    expect_ok(env.send(std::slice::from_ref(&ix), &[]));
    let data = env.data(&config_pda());
    assert_eq!(&data[..8], &account_disc("Config"));
    assert_eq!(u32::from_le_bytes(data[9..13].try_into().unwrap()), DOMAIN);
    assert_eq!(&data[13..45], env.admin.pubkey().as_ref());
    assert_eq!(&data[45..77], env.guardian.pubkey().as_ref());
    assert_eq!(u64::from_le_bytes(data[102..110].try_into().unwrap()), 1);
    assert_eq!(data[110], 4);
    assert_eq!(u32::from_le_bytes(data[111..115].try_into().unwrap()), 5);
    // A second initialize is refused.
    expect_err(env.send(&[ix], &[]), "AlreadyInitialized");
}

#[test]
fn refuses_zero_and_default_values() {
    let mut env = Env::bare();
    let good = addrs(5);
    let mut ix = env.initialize_ix(0, 1, 4, &good);
    expect_err(env.send(std::slice::from_ref(&ix), &[]), "ZeroValue");
    // admin = 0
    ix = env.initialize_ix(DOMAIN, 1, 4, &good);
    ix.data[12..44].fill(0);
    expect_err(env.send(&[ix], &[]), "ZeroValue");
    // guardian = 0
    ix = env.initialize_ix(DOMAIN, 1, 4, &good);
    ix.data[44..76].fill(0);
    expect_err(env.send(&[ix], &[]), "ZeroValue");
    // admin delay = 0
    ix = env.initialize_ix(DOMAIN, 1, 4, &good);
    ix.data[76..84].fill(0);
    expect_err(env.send(&[ix], &[]), "ZeroValue");
    // admin == guardian
    ix = env.initialize_ix(DOMAIN, 1, 4, &good);
    let admin = ix.data[12..44].to_vec();
    ix.data[44..76].copy_from_slice(&admin);
    expect_err(env.send(&[ix], &[]), "SameAdminAndGuardian");
    // trailing bytes
    ix = env.initialize_ix(DOMAIN, 1, 4, &good);
    ix.data.push(0);
    expect_err(env.send(&[ix], &[]), "InvalidInstructionData");
    // unknown discriminator
    ix = env.initialize_ix(DOMAIN, 1, 4, &good);
    ix.data[0] ^= 1;
    expect_err(env.send(&[ix], &[]), "InvalidInstructionData");
    assert!(
        env.svm
            .get_account(&config_pda())
            .is_none_or(|a| a.data.is_empty())
    );
}

/// Every validator set of the shared vectors: accepted iff `config_error` is null, else refused
/// with that code (the program applies the configuration-time two-thirds rule).
#[test]
fn validator_set_vectors() {
    let sets = vectors()["validator_sets"].as_array().unwrap();
    assert!(!sets.is_empty());
    for set in sets {
        let name = set["name"].as_str().unwrap();
        let validators: Vec<[u8; 20]> = set["validators"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| hexv(v.as_str().unwrap()).try_into().unwrap())
            .collect();
        let mut env = Env::bare();
        let ix = env.initialize_ix(
            DOMAIN,
            set["epoch"].as_u64().unwrap(),
            set["threshold"].as_u64().unwrap() as u8,
            &validators,
        );
        let out = env.send(&[ix], &[]);
        match set["config_error"].as_str() {
            None => {
                expect_ok(out);
            }
            Some(err) => {
                assert_eq!(
                    custom_code(&out),
                    Some(code(err)),
                    "vector {name}: expected {err}"
                );
            }
        }
    }
}

#[test]
fn refuses_too_many_validators() {
    // 256 ascending non-zero addresses (too large for one transaction anyway: refused either by
    // the program or by the transaction size limit, never accepted).
    let many: Vec<[u8; 20]> = (1..=256u32)
        .map(|i| {
            let mut a = [0u8; 20];
            a[16..].copy_from_slice(&i.to_be_bytes());
            a
        })
        .collect();
    let mut env = Env::bare();
    let ix = env.initialize_ix(DOMAIN, 1, 200, &many);
    let tx = solana_transaction::Transaction::new_signed_with_payer(
        &[ix],
        Some(&env.payer.pubkey()),
        &[&env.payer],
        env.svm.latest_blockhash(),
    );
    assert!(env.svm.send_transaction(tx).is_err());
}

#[test]
fn substituted_accounts_are_refused() {
    let mut env = Env::bare();
    let good = addrs(3);
    // Fake config address (not the PDA).
    let mut ix = env.initialize_ix(DOMAIN, 1, 2, &good);
    ix.accounts[1] = AccountMeta::new(Pubkey::new_unique(), false);
    expect_err(env.send(&[ix], &[]), "WrongAccountAddress");
    // Fake system program.
    let mut ix = env.initialize_ix(DOMAIN, 1, 2, &good);
    ix.accounts[2] = AccountMeta::new_readonly(TOKEN_PROGRAM, false);
    expect_err(env.send(&[ix], &[]), "WrongAccountAddress");
    // Payer not a signer (a second, signing fee payer pays the fee).
    let mut ix = env.initialize_ix(DOMAIN, 1, 2, &good);
    let other = solana_keypair::Keypair::new();
    env.svm.airdrop(&other.pubkey(), 1_000_000_000).unwrap();
    ix.accounts[0] = AccountMeta::new(other.pubkey(), false);
    expect_err(env.send(&[ix], &[]), "MissingSignature");
    // Config read-only.
    let mut ix = env.initialize_ix(DOMAIN, 1, 2, &good);
    ix.accounts[1] = AccountMeta::new_readonly(config_pda(), false);
    expect_err(env.send(&[ix], &[]), "NotWritable");
    // Too few accounts.
    let mut ix = env.initialize_ix(DOMAIN, 1, 2, &good);
    ix.accounts.truncate(2);
    expect_err(env.send(&[ix], &[]), "NotEnoughAccounts");
}
