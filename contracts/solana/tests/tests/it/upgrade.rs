//! Upgrades behind the timelock (LiteSVM; `e2e.rs` does the same on solana-test-validator): the
//! upgrade authority hands the program to the `["upgrade_authority"]` PDA, after which the old
//! key can no longer upgrade and only the timelocked `Upgrade` action can, from a buffer whose
//! authority is the PDA; the guardian can veto it; the program keeps working after it.

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

/// A loader buffer holding the program, with `authority`.
fn put_buffer(env: &mut Env, authority: &Pubkey) -> Pubkey {
    let so = std::fs::read(program_so()).unwrap();
    let mut data = 1u32.to_le_bytes().to_vec();
    data.push(1);
    data.extend_from_slice(authority.as_ref());
    data.extend_from_slice(&so);
    let buffer = Pubkey::new_unique();
    let lamports = env.svm.minimum_balance_for_rent_exemption(data.len());
    env.svm
        .set_account(
            buffer,
            Account {
                lamports,
                data,
                owner: LOADER_V3,
                executable: false,
                rent_epoch: 0,
            },
        )
        .unwrap();
    buffer
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
        &upgrade_action(&early, &spill),
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
    let vetoed = env.propose(&upgrade_action(&buffer, &spill)).unwrap();
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
    let id = env.propose(&upgrade_action(&buffer, &spill)).unwrap();
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
    let meta = expect_ok(env.send(&[env.execute_proposal_ix(id, base)], &[]));
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
