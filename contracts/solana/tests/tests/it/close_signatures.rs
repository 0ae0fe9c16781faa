//! `close_signatures`: the payer of a staged signature set takes its rent back; nobody else can
//! close it, and every account is checked.

use solana_instruction::AccountMeta;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

use crate::common::*;

/// An env with 5 validators (threshold 4) and 2 signatures of a message staged by the payer.
fn staged() -> (Env, Vec<u8>, Pubkey) {
    let mut env = Env::new(5, 4);
    let message = encode_message(
        3,
        ORIGIN,
        &[7; 32],
        DOMAIN,
        &[9; 32],
        &message_body(1, &[2]),
    );
    let id = keccak(&[&message]);
    let sigs = env.attest(&message, 2);
    expect_ok(env.send(&[env.post_signatures_ix(&id, ORIGIN, &sigs)], &[]));
    let set = signatures_pda(&id, 1, &env.payer.pubkey());
    assert_eq!(&env.data(&set)[..8], &account_disc("SignatureSet"));
    (env, message, set)
}

#[test]
fn the_payer_closes_its_set_and_gets_the_rent_back() {
    let (mut env, message, set) = staged();
    let payer = env.payer.pubkey();
    let rent = env.svm.get_account(&set).unwrap().lamports;
    assert!(rent > 0);
    // Allowed while paused: it only returns rent.
    expect_ok(env.pause());
    let before = env.svm.get_balance(&payer).unwrap();
    let meta = expect_ok(env.send(&[close_signatures_ix(&payer, &set)], &[]));
    println!("CU close_signatures: {}", meta.compute_units_consumed);
    let after = env.svm.get_balance(&payer).unwrap();
    // The rent back, less the fee of one signature.
    assert_eq!(after, before + rent - 5_000);
    assert!(
        env.svm
            .get_account(&set)
            .is_none_or(|a| a.lamports == 0 && a.data.iter().all(|b| *b == 0)),
        "the set is closed"
    );
    // Closed twice: there is nothing left to close.
    expect_err(
        env.send(&[close_signatures_ix(&payer, &set)], &[]),
        "WrongAccountOwner",
    );
    // Staging again starts a fresh set.
    expect_ok(env.govern(&UNPAUSE, vec![]));
    let id = keccak(&[&message]);
    let sigs = env.attest(&message, 4);
    expect_ok(env.send(&[env.post_signatures_ix(&id, ORIGIN, &sigs[65..])], &[]));
    let data = env.data(&set);
    assert_eq!(u32::from_le_bytes(data[113..117].try_into().unwrap()), 3);
}

#[test]
fn nobody_else_closes_it() {
    let (mut env, _, set) = staged();
    let stranger = Keypair::new();
    env.svm.airdrop(&stranger.pubkey(), 1_000_000_000).unwrap();
    // The stranger signs as the payer of the close.
    let ix = close_signatures_ix(&stranger.pubkey(), &set);
    expect_err(env.send(&[ix], &[&stranger]), "NotSignatureSetPayer");
    // The real payer's key without its signature.
    let mut ix = close_signatures_ix(&env.payer.pubkey(), &set);
    ix.accounts[0] = AccountMeta::new(env.payer.pubkey(), false);
    let tx = solana_transaction::Transaction::new_signed_with_payer(
        &[ix],
        Some(&stranger.pubkey()),
        &[&stranger],
        env.svm.latest_blockhash(),
    );
    expect_err(
        env.svm.send_transaction(tx).map_err(Box::new),
        "MissingSignature",
    );
    // The guardian and the admin cannot either.
    for k in [env.guardian.insecure_clone(), env.admin.insecure_clone()] {
        let ix = close_signatures_ix(&k.pubkey(), &set);
        expect_err(env.send(&[ix], &[&k]), "NotSignatureSetPayer");
    }
    assert!(env.svm.get_account(&set).unwrap().lamports > 0);
}

#[test]
fn substituted_accounts_are_refused() {
    let (mut env, message, set) = staged();
    let payer = env.payer.pubkey();
    let bytes = env.data(&set);
    // The set's bytes at another address owned by the program: not the PDA.
    let forged = Pubkey::new_unique();
    env.put(forged, PROGRAM_ID, bytes.clone());
    expect_err(
        env.send(&[close_signatures_ix(&payer, &forged)], &[]),
        "WrongAccountAddress",
    );
    // Owned by another program.
    let foreign = Pubkey::new_unique();
    env.put(foreign, TOKEN_PROGRAM, bytes);
    expect_err(
        env.send(&[close_signatures_ix(&payer, &foreign)], &[]),
        "WrongAccountOwner",
    );
    // Another of the program's accounts (the config): wrong discriminator.
    expect_err(
        env.send(&[close_signatures_ix(&payer, &config_pda())], &[]),
        "WrongAccountData",
    );
    // Read-only set, payer read-only, missing account, trailing bytes.
    let mut ix = close_signatures_ix(&payer, &set);
    ix.accounts[1] = AccountMeta::new_readonly(set, false);
    expect_err(env.send(&[ix], &[]), "NotWritable");
    let mut ix = close_signatures_ix(&payer, &set);
    ix.accounts.truncate(1);
    expect_err(env.send(&[ix], &[]), "NotEnoughAccounts");
    let mut ix = close_signatures_ix(&payer, &set);
    ix.data.push(0);
    expect_err(env.send(&[ix], &[]), "InvalidInstructionData");
    // Still intact and usable by deliver.
    let sigs = env.attest(&message, 4);
    let id = keccak(&[&message]);
    expect_ok(env.send(&[env.post_signatures_ix(&id, ORIGIN, &sigs[130..])], &[]));
    let ix = env.deliver_ix(&message, &[], Some(set), None);
    expect_ok(env.send(&[ix], &[]));
}
