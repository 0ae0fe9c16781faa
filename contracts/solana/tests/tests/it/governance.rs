//! Timelocked administration: propose/execute/cancel, validator-set rotation, remotes, roles,
//! pause (immediate, guardian) and unpause (timelocked), and substituted accounts.

use solana_instruction::{AccountMeta, Instruction};
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

use crate::common::*;

fn cancel_proposal_ix(authority: &Pubkey, id: u64) -> Instruction {
    Instruction::new_with_bytes(
        PROGRAM_ID,
        &Borsh::ix("cancel_proposal").u64(id).0,
        vec![
            AccountMeta::new_readonly(*authority, true),
            AccountMeta::new_readonly(config_pda(), false),
            AccountMeta::new(proposal_pda(id), false),
        ],
    )
}

fn rotate_action(epoch: u64, threshold: u8, validators: &[[u8; 20]]) -> Vec<u8> {
    Borsh::default()
        .u8(0)
        .u64(epoch)
        .u8(threshold)
        .addrs(validators)
        .0
}

#[test]
fn rotation_waits_for_the_timelock_and_changes_the_signers() {
    let mut env = Env::new(3, 2);
    let new_set = validators(5);
    let addrs: Vec<[u8; 20]> = new_set.iter().map(|v| v.address).collect();
    let id = env.next_proposal();
    let admin = env.admin.insecure_clone();
    expect_ok(env.send(
        &[env.propose_ix(id, &rotate_action(2, 4, &addrs))],
        &[&admin],
    ));
    env.bump_proposal();
    // Too early.
    env.advance(ADMIN_DELAY - 1);
    expect_err(
        env.send(&[env.execute_proposal_ix(id, vec![])], &[]),
        "ProposalPending",
    );
    env.advance(1);
    expect_ok(env.send(&[env.execute_proposal_ix(id, vec![])], &[]));
    // Executed once only.
    expect_err(
        env.send(&[env.execute_proposal_ix(id, vec![])], &[]),
        "ProposalNotPending",
    );
    let data = env.data(&config_pda());
    assert_eq!(u64::from_le_bytes(data[102..110].try_into().unwrap()), 2);
    assert_eq!(data[110], 4);

    // A message signed for epoch 1 no longer verifies; one for epoch 2 does.
    let message = encode_message(0, ORIGIN, &[7; 32], DOMAIN, &[9; 32], &[0, 1, 2]);
    let old = env.attest(&message, 2);
    expect_err(
        env.send(&[env.deliver_ix(&message, &old, None, None)], &[]),
        "NotMember",
    );
    env.validators = new_set;
    env.epoch = 2;
    let sigs = env.attest(&message, 4);
    expect_ok(env.send(&[env.deliver_ix(&message, &sigs, None, None)], &[]));
}

#[test]
fn rotation_refuses_a_stale_epoch_and_bad_sets() {
    let mut env = Env::new(3, 2);
    let addrs: Vec<[u8; 20]> = validators(3).iter().map(|v| v.address).collect();
    expect_err(env.rotate(1, 2, &addrs), "EpochNotIncreasing");
    expect_err(env.rotate(2, 0, &addrs), "InvalidThreshold");
    expect_err(env.rotate(2, 1, &addrs), "ThresholdBelowTwoThirds");
    let five: Vec<[u8; 20]> = validators(5).iter().map(|v| v.address).collect();
    expect_err(env.rotate(2, 3, &five), "ThresholdBelowTwoThirds");
    expect_err(env.rotate(2, 1, &[]), "EmptyValidatorSet");
    expect_err(env.rotate(0, 1, &addrs), "ZeroEpoch");
}

#[test]
fn only_the_admin_proposes_and_admin_or_guardian_cancel() {
    let mut env = Env::new(1, 1);
    let stranger = Keypair::new();
    env.svm.airdrop(&stranger.pubkey(), 1_000_000_000).unwrap();
    let addrs: Vec<[u8; 20]> = validators(1).iter().map(|v| v.address).collect();
    let action = rotate_action(2, 1, &addrs);
    let mut ix = env.propose_ix(env.next_proposal(), &action);
    ix.accounts[0] = AccountMeta::new(stranger.pubkey(), true);
    expect_err(env.send(&[ix], &[&stranger]), "NotAdmin");
    // Admin not signing.
    let mut ix = env.propose_ix(env.next_proposal(), &action);
    ix.accounts[0] = AccountMeta::new(env.admin.pubkey(), false);
    expect_err(env.send(&[ix], &[]), "MissingSignature");

    let id = env.next_proposal();
    let admin = env.admin.insecure_clone();
    expect_ok(env.send(&[env.propose_ix(id, &action)], &[&admin]));
    env.bump_proposal();
    expect_err(
        env.send(&[cancel_proposal_ix(&stranger.pubkey(), id)], &[&stranger]),
        "NotAdmin",
    );
    let guardian = env.guardian.insecure_clone();
    expect_ok(env.send(&[cancel_proposal_ix(&guardian.pubkey(), id)], &[&guardian]));
    env.advance(ADMIN_DELAY);
    expect_err(
        env.send(&[env.execute_proposal_ix(id, vec![])], &[]),
        "ProposalNotPending",
    );
}

#[test]
fn pause_is_immediate_and_unpause_is_timelocked() {
    let mut env = Env::new(1, 1);
    let stranger = Keypair::new();
    expect_err(
        env.send(&[env.pause_ix(&stranger.pubkey())], &[&stranger]),
        "NotGuardian",
    );
    let admin = env.admin.insecure_clone();
    expect_err(
        env.send(&[env.pause_ix(&admin.pubkey())], &[&admin]),
        "NotGuardian",
    );
    let guardian = env.guardian.insecure_clone();
    expect_ok(env.send(&[env.pause_ix(&guardian.pubkey())], &[&guardian]));
    let message = encode_message(0, ORIGIN, &[7; 32], DOMAIN, &[9; 32], &[0]);
    let sigs = env.attest(&message, 1);
    expect_err(
        env.send(&[env.deliver_ix(&message, &sigs, None, None)], &[]),
        "Paused",
    );
    // Unpause: through the timelock.
    expect_ok(env.govern(&[4], vec![]));
    expect_ok(env.send(&[env.deliver_ix(&message, &sigs, None, None)], &[]));
}

#[test]
fn roles_change_through_the_timelock() {
    let mut env = Env::new(1, 1);
    let (a, g) = (Keypair::new(), Keypair::new());
    let same = Borsh::default()
        .u8(5)
        .raw(a.pubkey().as_ref())
        .raw(a.pubkey().as_ref())
        .0;
    expect_err(env.govern(&same, vec![]), "SameAdminAndGuardian");
    let zero = Borsh::default()
        .u8(5)
        .raw(&[0; 32])
        .raw(g.pubkey().as_ref())
        .0;
    expect_err(env.govern(&zero, vec![]), "ZeroValue");
    let action = Borsh::default()
        .u8(5)
        .raw(a.pubkey().as_ref())
        .raw(g.pubkey().as_ref())
        .0;
    expect_ok(env.govern(&action, vec![]));
    let data = env.data(&config_pda());
    assert_eq!(&data[13..45], a.pubkey().as_ref());
    assert_eq!(&data[45..77], g.pubkey().as_ref());
}

#[test]
fn remotes_refuse_zero_and_own_domain() {
    let mut env = Env::new(1, 1);
    let zero_bridge = Borsh::default().u8(1).u32(5).raw(&[0; 32]).0;
    expect_err(
        env.govern(&zero_bridge, vec![AccountMeta::new(remote_pda(5), false)]),
        "ZeroValue",
    );
    let own = Borsh::default().u8(1).u32(DOMAIN).raw(&[1; 32]).0;
    expect_err(
        env.govern(&own, vec![AccountMeta::new(remote_pda(DOMAIN), false)]),
        "UnknownRemote",
    );
    // Wrong remote PDA for the domain.
    let ok = Borsh::default().u8(1).u32(5).raw(&[1; 32]).0;
    expect_err(
        env.govern(&ok, vec![AccountMeta::new(remote_pda(6), false)]),
        "WrongAccountAddress",
    );
    // Unknown action tag.
    expect_err(env.govern(&[9], vec![]), "InvalidInstructionData");
}

#[test]
fn substituted_accounts_are_refused() {
    let mut env = Env::new(1, 1);
    let addrs: Vec<[u8; 20]> = validators(1).iter().map(|v| v.address).collect();
    let action = rotate_action(2, 1, &addrs);
    let admin = env.admin.insecure_clone();
    let id = env.next_proposal();

    // A fake config: the real config's bytes at another address owned by the program.
    let fake = Pubkey::new_unique();
    let config_bytes = env.data(&config_pda());
    env.put(fake, PROGRAM_ID, config_bytes.clone());
    let mut ix = env.propose_ix(id, &action);
    ix.accounts[1] = AccountMeta::new(fake, false);
    expect_err(env.send(&[ix], &[&admin]), "WrongAccountAddress");
    // The config's bytes owned by another program at a fresh address.
    let foreign = Pubkey::new_unique();
    env.put(foreign, TOKEN_PROGRAM, config_bytes);
    let mut ix = env.propose_ix(id, &action);
    ix.accounts[1] = AccountMeta::new(foreign, false);
    expect_err(env.send(&[ix], &[&admin]), "WrongAccountOwner");
    // A fake clock sysvar.
    let fake_clock = Pubkey::new_unique();
    env.put(fake_clock, SYSTEM_PROGRAM, vec![0xff; 40]);
    let mut ix = env.propose_ix(id, &action);
    ix.accounts[3] = AccountMeta::new_readonly(fake_clock, false);
    expect_err(env.send(&[ix], &[&admin]), "WrongAccountAddress");
    // A proposal account that is not the next PDA.
    let mut ix = env.propose_ix(id, &action);
    ix.accounts[2] = AccountMeta::new(proposal_pda(id + 1), false);
    expect_err(env.send(&[ix], &[&admin]), "WrongAccountAddress");

    expect_ok(env.send(&[env.propose_ix(id, &action)], &[&admin]));
    env.bump_proposal();
    env.advance(ADMIN_DELAY);
    // Executing with another proposal's PDA / a forged proposal account.
    let forged = Pubkey::new_unique();
    let proposal_bytes = env.data(&proposal_pda(id));
    env.put(forged, PROGRAM_ID, proposal_bytes);
    let mut ix = env.execute_proposal_ix(id, vec![]);
    ix.accounts[2] = AccountMeta::new(forged, false);
    expect_err(env.send(&[ix], &[]), "WrongAccountAddress");
    let mut ix = env.execute_proposal_ix(id, vec![]);
    ix.accounts[4] = AccountMeta::new_readonly(TOKEN_PROGRAM, false);
    expect_err(env.send(&[ix], &[]), "WrongAccountAddress");
    let mut ix = env.execute_proposal_ix(id, vec![]);
    ix.accounts[1] = AccountMeta::new_readonly(config_pda(), false);
    expect_err(env.send(&[ix], &[]), "NotWritable");
    expect_ok(env.send(&[env.execute_proposal_ix(id, vec![])], &[]));
}

#[test]
fn cancel_proposal_checks_its_accounts() {
    let mut env = Env::new(1, 1);
    let addrs: Vec<[u8; 20]> = validators(1).iter().map(|v| v.address).collect();
    let id = env.next_proposal();
    let admin = env.admin.insecure_clone();
    expect_ok(env.send(
        &[env.propose_ix(id, &rotate_action(2, 1, &addrs))],
        &[&admin],
    ));
    env.bump_proposal();
    let forged = Pubkey::new_unique();
    let bytes = env.data(&proposal_pda(id));
    env.put(forged, PROGRAM_ID, bytes);
    let fake_config = Pubkey::new_unique();
    let bytes = env.data(&config_pda());
    env.put(fake_config, PROGRAM_ID, bytes);
    let mut ix = cancel_proposal_ix(&admin.pubkey(), id);
    ix.accounts[2] = AccountMeta::new(forged, false);
    expect_err(env.send(&[ix], &[&admin]), "WrongAccountAddress");
    let mut ix = cancel_proposal_ix(&admin.pubkey(), id);
    ix.accounts[1] = AccountMeta::new_readonly(fake_config, false);
    expect_err(env.send(&[ix], &[&admin]), "WrongAccountAddress");
    let mut ix = cancel_proposal_ix(&admin.pubkey(), id);
    ix.accounts[0] = AccountMeta::new_readonly(admin.pubkey(), false);
    expect_err(env.send(&[ix], &[]), "MissingSignature");
    // Another id than the account's.
    let mut ix = cancel_proposal_ix(&admin.pubkey(), id + 1);
    ix.accounts[2] = AccountMeta::new(proposal_pda(id), false);
    expect_err(env.send(&[ix], &[&admin]), "WrongAccountAddress");
    expect_ok(env.send(&[cancel_proposal_ix(&admin.pubkey(), id)], &[&admin]));
    expect_err(
        env.send(&[cancel_proposal_ix(&admin.pubkey(), id)], &[&admin]),
        "ProposalNotPending",
    );
}
