//! Upgrades behind the timelock (LiteSVM; `e2e.rs` does the same on solana-test-validator): the
//! upgrade authority hands the program to the `["upgrade_authority"]` PDA, after which the old
//! key can no longer upgrade and only the timelocked `Upgrade` action can, from a buffer whose
//! authority is the PDA already when it is proposed and whose code hash is the proposal's, when
//! proposed and when executed (the code the guardian reviewed is the code deployed); the
//! guardian can veto it; the program keeps working after it.

use solana_account::Account;
use solana_instruction::error::InstructionError;
use solana_instruction::{AccountMeta, Instruction};
use solana_pubkey::Pubkey;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;
use trestle_bridge::solana::BridgeProgram;
use trestle_bridge::solana::loader::{self, ProgramData};
use trestle_core::solana::SolanaAddress;
use trestle_core::solana::instruction as core_ix;

use crate::client::upgrade_accounts;
use crate::common::*;

fn addr(p: &Pubkey) -> SolanaAddress {
    SolanaAddress(p.to_bytes())
}

fn sdk(ix: core_ix::Instruction) -> Instruction {
    Instruction {
        program_id: Pubkey::new_from_array(ix.program_id.0),
        accounts: ix
            .accounts
            .iter()
            .map(|m| AccountMeta {
                pubkey: Pubkey::new_from_array(m.pubkey.0),
                is_signer: m.is_signer,
                is_writable: m.is_writable,
            })
            .collect(),
        data: ix.data,
    }
}

/// A loader buffer at a new address holding `program`, with `authority`.
fn put_buffer_of(env: &mut Env, authority: &Pubkey, program: &[u8]) -> Pubkey {
    let buffer = Pubkey::new_unique();
    write_buffer(env, &buffer, authority, program);
    buffer
}

/// Sets the buffer account at `buffer` to hold `program` with `authority` (as if it had been
/// closed and created again there).
fn write_buffer(env: &mut Env, buffer: &Pubkey, authority: &Pubkey, program: &[u8]) {
    let data = buffer_data(authority, program);
    let lamports = env.svm.minimum_balance_for_rent_exemption(data.len());
    env.svm
        .set_account(
            *buffer,
            Account {
                lamports,
                data,
                owner: LOADER_V3,
                executable: false,
                rent_epoch: 0,
            },
        )
        .unwrap();
}

/// A loader buffer holding the program, with `authority`.
fn put_buffer(env: &mut Env, authority: &Pubkey) -> Pubkey {
    let so = std::fs::read(program_so()).unwrap();
    put_buffer_of(env, authority, &so)
}

/// The code hash of the program the tests build.
fn so_hash() -> [u8; 32] {
    sha256(&std::fs::read(program_so()).unwrap())
}

fn program_data(env: &Env) -> ProgramData {
    ProgramData::decode(&env.data(&program_data_address())).unwrap()
}

#[test]
fn upgrades_go_through_the_timelock_once_handed_over() {
    let p = BridgeProgram::new(addr(&PROGRAM_ID));
    let mut env = Env::new(1, 1);
    let payer = env.payer.pubkey();
    assert_eq!(program_data(&env).upgrade_authority, Some(addr(&payer)));

    let slot0 = env.svm.get_sysvar::<solana_clock::Clock>().slot;
    // Before the hand-over, an Upgrade proposal cannot execute: the PDA is not the authority.
    env.svm.warp_to_slot(slot0 + 10);
    let early = put_buffer(&mut env, &upgrade_authority_pda());
    let spill = Pubkey::new_unique();
    let out = env.govern(
        &upgrade_action(&early, &spill, &so_hash()),
        upgrade_accounts(&early, &spill),
    );
    assert!(
        out.is_err(),
        "the loader refuses a signer that is not the authority"
    );

    // The hand-over.
    expect_ok(env.send(&[sdk(p.hand_over_upgrade_authority(&addr(&payer)))], &[]));
    assert_eq!(
        program_data(&env).upgrade_authority,
        Some(addr(&upgrade_authority_pda()))
    );

    // The old key can no longer upgrade, nor take the authority back.
    let own = put_buffer(&mut env, &payer);
    let direct = sdk(loader::upgrade(
        &addr(&PROGRAM_ID),
        &addr(&own),
        &addr(&spill),
        &addr(&payer),
    ));
    let out = env.send(&[direct], &[]).unwrap_err();
    assert_eq!(
        out.err,
        TransactionError::InstructionError(0, InstructionError::IncorrectAuthority)
    );
    let back = sdk(loader::set_authority(
        &p.program_data(),
        &addr(&payer),
        &addr(&payer),
    ));
    assert!(env.send(&[back], &[]).is_err());

    // The guardian vetoes an upgrade proposal.
    let buffer = put_buffer(&mut env, &upgrade_authority_pda());
    let vetoed = env
        .propose(&upgrade_action(&buffer, &spill, &so_hash()))
        .unwrap();
    let guardian = env.guardian.insecure_clone();
    expect_ok(env.send(
        &[cancel_proposal_ix(&guardian.pubkey(), vetoed)],
        &[&guardian],
    ));
    env.advance(ADMIN_DELAY);
    expect_err(
        env.send(
            &[env.execute_proposal_ix(vetoed, upgrade_accounts(&buffer, &spill))],
            &[],
        ),
        "ProposalNotPending",
    );

    // An Upgrade proposal checks its accounts against the action.
    let id = env
        .propose(&upgrade_action(&buffer, &spill, &so_hash()))
        .unwrap();
    env.advance(ADMIN_DELAY);
    let base = upgrade_accounts(&buffer, &spill);
    let cases: Vec<(usize, AccountMeta, &str)> = vec![
        (
            0,
            AccountMeta::new(Pubkey::new_unique(), false),
            "WrongAccountAddress",
        ),
        (
            1,
            AccountMeta::new(TOKEN_PROGRAM, false),
            "WrongAccountAddress",
        ),
        (2, AccountMeta::new(own, false), "WrongAccountAddress"),
        (
            3,
            AccountMeta::new(Pubkey::new_unique(), false),
            "WrongAccountAddress",
        ),
        (
            4,
            AccountMeta::new_readonly(CLOCK, false),
            "WrongAccountAddress",
        ),
        (
            5,
            AccountMeta::new_readonly(authority_pda(), false),
            "WrongAccountAddress",
        ),
        (
            6,
            AccountMeta::new_readonly(SYSTEM_PROGRAM, false),
            "WrongAccountAddress",
        ),
        (2, AccountMeta::new_readonly(buffer, false), "NotWritable"),
    ];
    for (index, meta, err) in cases {
        let mut accounts = base.clone();
        accounts[index] = meta;
        expect_err(env.send(&[env.execute_proposal_ix(id, accounts)], &[]), err);
    }
    let mut short = base.clone();
    short.truncate(6);
    expect_err(
        env.send(&[env.execute_proposal_ix(id, short)], &[]),
        "NotEnoughAccounts",
    );

    // Executed: the program data was rewritten at this slot, the buffer's lamports went to
    // the spill account.
    env.svm.warp_to_slot(slot0 + 20);
    let before = program_data(&env);
    let buffer_lamports = env.svm.get_balance(&buffer).unwrap();
    let meta = expect_ok(env.send(
        &[compute_limit_ix(400_000), env.execute_proposal_ix(id, base)],
        &[],
    ));
    println!(
        "CU execute_proposal Upgrade: {}",
        meta.compute_units_consumed
    );
    let after = program_data(&env);
    assert_eq!(after.slot, slot0 + 20);
    assert!(before.slot < after.slot);
    assert_eq!(
        after.upgrade_authority,
        Some(addr(&upgrade_authority_pda()))
    );
    assert!(env.svm.get_account(&buffer).is_none_or(|a| a.lamports == 0));
    assert_eq!(env.svm.get_balance(&spill).unwrap(), buffer_lamports);
    // The program still works (from the next slot), with its state.
    env.svm.warp_to_slot(slot0 + 21);
    expect_ok(env.pause());
    let config = env.data(&config_pda());
    assert_eq!(config[77], 1);
}

/// Second review, M1 (was the PoC `an_upgrade_buffer_is_rewritten_after_the_guardian_reviewed_it`):
/// an `Upgrade` named its buffer by address only, so a buffer still writable by the proposer's
/// key could be rewritten during the delay and handed over just before execution. Now `propose`
/// refuses a buffer that is not already the PDA's (nobody else can write to it) or whose
/// program bytes do not hash to `code_hash`, and execution checks both again.
#[test]
fn the_reviewed_buffer_is_the_deployed_code() {
    let p = BridgeProgram::new(addr(&PROGRAM_ID));
    let mut env = Env::new(1, 1);
    let payer = env.payer.pubkey();
    let slot0 = env.svm.get_sysvar::<solana_clock::Clock>().slot;
    expect_ok(env.send(&[sdk(p.hand_over_upgrade_authority(&addr(&payer)))], &[]));
    let reviewed = std::fs::read(program_so()).unwrap();
    let hash = sha256(&reviewed);
    let hostile = std::fs::read(sibling_so("trestle_example_recipient.so")).unwrap();
    let spill = Pubkey::new_unique();

    // A buffer the proposer can still write to: refused at propose, whatever it holds.
    let rogue = solana_keypair::Keypair::new();
    env.svm.airdrop(&rogue.pubkey(), 10_000_000_000).unwrap();
    let writable = put_buffer_of(&mut env, &rogue.pubkey(), &reviewed);
    expect_err(
        env.try_propose(&upgrade_action(&writable, &spill, &hash)),
        "BufferNotHandedOver",
    );
    // An immutable buffer (no authority) is not the PDA's either.
    let immutable = put_buffer_of(&mut env, &upgrade_authority_pda(), &reviewed);
    let mut data = env.data(&immutable);
    data[4] = 0;
    env.put(immutable, LOADER_V3, data);
    expect_err(
        env.try_propose(&upgrade_action(&immutable, &spill, &hash)),
        "BufferNotHandedOver",
    );

    // Handed over, the rogue key can no longer write to it ...
    expect_ok(env.send(
        &[sdk(p.hand_over_buffer(
            &addr(&writable),
            &addr(&rogue.pubkey()),
        ))],
        &[&rogue],
    ));
    let write = loader::write(&addr(&writable), &addr(&rogue.pubkey()), 0, &hostile[..64]);
    assert!(env.send(&[sdk(write)], &[&rogue]).is_err());
    // ... and a proposal must name the hash of what it holds.
    expect_err(
        env.try_propose(&upgrade_action(&writable, &spill, &sha256(&hostile))),
        "CodeHashMismatch",
    );

    // The buffer account itself is checked: the action's address, owned by the loader, a
    // buffer, and present.
    let id = env.next_proposal();
    let action = upgrade_action(&writable, &spill, &hash);
    let admin = env.admin.insecure_clone();
    let program_data_account = program_data_address();
    let cases: Vec<(AccountMeta, &str)> = vec![
        (
            AccountMeta::new_readonly(immutable, false),
            "WrongAccountAddress",
        ),
        (
            AccountMeta::new_readonly(Pubkey::new_unique(), false),
            "WrongAccountAddress",
        ),
    ];
    for (meta, err) in cases {
        let mut ix = env.propose_ix(id, &action);
        ix.accounts[5] = meta;
        expect_err(env.send(&[ix], &[&admin]), err);
    }
    let mut short = env.propose_ix(id, &action);
    short.accounts.truncate(5);
    expect_err(env.send(&[short], &[&admin]), "NotEnoughAccounts");
    // Not the loader's (a copy owned by the system program), not a buffer (program data).
    let copy = Pubkey::new_unique();
    env.put(copy, SYSTEM_PROGRAM, env.data(&writable));
    expect_err(
        env.try_propose(&upgrade_action(&copy, &spill, &hash)),
        "WrongAccountOwner",
    );
    expect_err(
        env.try_propose(&upgrade_action(&program_data_account, &spill, &hash)),
        "WrongAccountData",
    );
    // A zero code hash is no hash.
    expect_err(
        env.try_propose(&upgrade_action(&writable, &spill, &[0; 32])),
        "ZeroValue",
    );

    // Proposed with the reviewed code. If the buffer's bytes change before execution (it can
    // only be closed and created again at the same address by an upgrade that consumed it,
    // simulated here), execution refuses; with the reviewed bytes back, it deploys them.
    let meta = expect_ok(env.send(&[env.propose_ix(id, &action)], &[&admin]));
    println!(
        "CU propose Upgrade ({} bytes hashed): {}",
        reviewed.len(),
        meta.compute_units_consumed
    );
    env.bump_proposal();
    env.advance(ADMIN_DELAY);
    env.svm.warp_to_slot(slot0 + 20);
    let mut image = hostile.clone();
    image.resize(reviewed.len(), 0);
    write_buffer(&mut env, &writable, &upgrade_authority_pda(), &image);
    let execute =
        |env: &Env| env.execute_proposal_ix(id, crate::client::upgrade_accounts(&writable, &spill));
    expect_err(
        env.send(&[compute_limit_ix(400_000), execute(&env)], &[]),
        "CodeHashMismatch",
    );
    write_buffer(&mut env, &writable, &rogue.pubkey(), &reviewed);
    expect_err(
        env.send(&[compute_limit_ix(400_000), execute(&env)], &[]),
        "BufferNotHandedOver",
    );
    write_buffer(&mut env, &writable, &upgrade_authority_pda(), &reviewed);
    expect_ok(env.send(&[compute_limit_ix(400_000), execute(&env)], &[]));
    env.svm.warp_to_slot(slot0 + 21);
    let deployed = env.data(&program_data_address());
    assert_eq!(
        &deployed[loader::PROGRAM_DATA_METADATA_LEN..][..reviewed.len()],
        &reviewed[..]
    );
    expect_ok(env.pause());
}
