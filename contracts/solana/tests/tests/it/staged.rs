//! Staged signature sets for validator sets too large for one transaction (13-of-19):
//! `post_signatures` over several transactions, then `deliver` consumes the set.

use solana_instruction::AccountMeta;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

use crate::common::*;
use crate::deliver::Setup;

/// Posts `sigs` in chunks of `per_tx` signatures; returns the CU of each step.
fn post(env: &mut Env, message: &[u8], sigs: &[u8], per_tx: usize) -> Vec<u64> {
    let id = keccak(&[message]);
    sigs.chunks(65 * per_tx)
        .map(|chunk| {
            let ix = env.post_signatures_ix(&id, ORIGIN, chunk);
            let tx = solana_transaction::Transaction::new_signed_with_payer(
                std::slice::from_ref(&ix),
                Some(&env.payer.pubkey()),
                &[&env.payer],
                env.svm.latest_blockhash(),
            );
            let size = wincode::serialize(&tx).unwrap().len();
            assert!(size <= 1232, "post_signatures of {per_tx} is {size} bytes");
            expect_ok(env.send(&[ix], &[])).compute_units_consumed
        })
        .collect()
}

#[test]
fn thirteen_of_nineteen_in_steps() {
    let mut s = Setup::new(19, 13, Limits::default());
    let m = s.transfer(&s.bridged_id.clone(), 2_000_000_000);
    let id = keccak(&[&m]);
    let sigs = s.env.attest(&m, 13);
    // Inline, 13 signatures do not fit one transaction.
    let inline = s
        .env
        .deliver_ix(&m, &sigs, None, Some(&s.bridged_accounts()));
    let tx = solana_transaction::Transaction::new_signed_with_payer(
        &[inline],
        Some(&s.env.payer.pubkey()),
        &[&s.env.payer],
        s.env.svm.latest_blockhash(),
    );
    assert!(wincode::serialize(&tx).unwrap().len() > 1232);

    // 6 signatures per transaction stay well under the default 200k CU limit (about 25k CU
    // per recovery); 7 fit too (~185k) but leave little headroom.
    let steps = post(&mut s.env, &m, &sigs, 6);
    let set = signatures_pda(&id, 1, &s.env.payer.pubkey());
    let data = s.env.data(&set);
    assert_eq!(&data[..8], &account_disc("SignatureSet"));
    assert_eq!(u32::from_le_bytes(data[113..117].try_into().unwrap()), 13);
    let payer_before = s.env.svm.get_balance(&s.env.payer.pubkey()).unwrap();
    let ix = s
        .env
        .deliver_ix(&m, &[], Some(set), Some(&s.bridged_accounts()));
    let meta = expect_ok(s.env.send(&[ix], &[]));
    for (i, cu) in steps.iter().enumerate() {
        println!(
            "CU 13-of-19 post_signatures step {} ({} signatures): {cu} CU",
            i + 1,
            if i < 2 { 6 } else { 1 }
        );
    }
    println!(
        "CU 13-of-19 deliver with the staged set (mint bridged token): {} CU",
        meta.compute_units_consumed
    );
    assert_eq!(s.env.token_balance(&s.bridged_token), 2);
    // The set is closed and its rent returned to the payer.
    assert!(s.env.svm.get_account(&set).is_none_or(|a| a.lamports == 0));
    assert!(s.env.svm.get_balance(&s.env.payer.pubkey()).unwrap() + 10_000 > payer_before);
}

#[test]
fn staged_sets_keep_the_order_and_the_threshold() {
    let mut s = Setup::new(19, 13, Limits::default());
    let m = s.transfer(&s.bridged_id.clone(), 1_000_000_000);
    let id = keccak(&[&m]);
    let all = s.env.attest(&m, 19);
    let sig = |i: usize| all[65 * i..65 * (i + 1)].to_vec();
    // Post signers 0..5, then 3 again (below the last): unsorted; then 4 again: duplicate.
    post(&mut s.env, &m, &all[..65 * 5], 5);
    expect_err(
        s.env
            .send(&[s.env.post_signatures_ix(&id, ORIGIN, &sig(3))], &[]),
        "Unsorted",
    );
    expect_err(
        s.env
            .send(&[s.env.post_signatures_ix(&id, ORIGIN, &sig(4))], &[]),
        "Duplicate",
    );
    // A signature from outside the set.
    let outsider = Validator {
        key: k256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap(),
        address: [0xff; 20],
    };
    let d = digest(ORIGIN, &s.env.origin_bridge, 1, &id);
    expect_err(
        s.env.send(
            &[s.env
                .post_signatures_ix(&id, ORIGIN, &sign(&d, &[&outsider]))],
            &[],
        ),
        "NotMember",
    );
    // 12 signers: below the threshold at deliver.
    post(&mut s.env, &m, &all[65 * 5..65 * 12], 7);
    let set = signatures_pda(&id, 1, &s.env.payer.pubkey());
    let ix = s
        .env
        .deliver_ix(&m, &[], Some(set), Some(&s.bridged_accounts()));
    expect_err(s.env.send(std::slice::from_ref(&ix), &[]), "BelowThreshold");
    // Signatures and a set at once: refused.
    let mut both = s
        .env
        .deliver_ix(&m, &sig(12), Some(set), Some(&s.bridged_accounts()));
    both.accounts = ix.accounts.clone();
    expect_err(s.env.send(&[both], &[]), "InvalidInstructionData");
    post(&mut s.env, &m, &sig(12), 1);
    expect_ok(s.env.send(&[ix], &[]));
}

#[test]
fn a_set_is_bound_to_message_epoch_and_payer() {
    let mut s = Setup::new(19, 13, Limits::default());
    let m = s.transfer(&s.bridged_id.clone(), 1_000_000_000);
    let other = s.transfer(&s.bridged_id.clone(), 1_000_000_000);
    let id = keccak(&[&m]);
    let sigs = s.env.attest(&m, 13);
    post(&mut s.env, &m, &sigs, 7);
    let set = signatures_pda(&id, 1, &s.env.payer.pubkey());
    // For another message: the set's PDA is another address.
    let ix = s
        .env
        .deliver_ix(&other, &[], Some(set), Some(&s.bridged_accounts()));
    expect_err(s.env.send(&[ix], &[]), "WrongAccountAddress");
    // Another payer cannot use it.
    let stranger = Keypair::new();
    s.env
        .svm
        .airdrop(&stranger.pubkey(), 10_000_000_000)
        .unwrap();
    let mut ix = s
        .env
        .deliver_ix(&m, &[], Some(set), Some(&s.bridged_accounts()));
    ix.accounts[0] = AccountMeta::new(stranger.pubkey(), true);
    let tx = solana_transaction::Transaction::new_signed_with_payer(
        &[ix],
        Some(&stranger.pubkey()),
        &[&stranger],
        s.env.svm.latest_blockhash(),
    );
    let out = s.env.svm.send_transaction(tx).map_err(Box::new);
    expect_err(out, "WrongAccountAddress");
    // A forged set (the real bytes at another program-owned address).
    let forged = Pubkey::new_unique();
    let bytes = s.env.data(&set);
    s.env.put(forged, PROGRAM_ID, bytes);
    let ix = s
        .env
        .deliver_ix(&m, &[], Some(forged), Some(&s.bridged_accounts()));
    expect_err(s.env.send(&[ix], &[]), "WrongAccountAddress");
    // A set for epoch 1 after a rotation to epoch 2: refused.
    let addrs: Vec<[u8; 20]> = s.env.validators.iter().map(|v| v.address).collect();
    expect_ok(s.env.rotate(2, 13, &addrs));
    let ix = s
        .env
        .deliver_ix(&m, &[], Some(set), Some(&s.bridged_accounts()));
    expect_err(s.env.send(&[ix], &[]), "WrongAccountAddress");
    // post_signatures with a fake config / remote / wrong system program.
    let mut ix = s.env.post_signatures_ix(&id, ORIGIN, &[]);
    ix.accounts[4] = AccountMeta::new_readonly(TOKEN_PROGRAM, false);
    expect_err(s.env.send(&[ix], &[]), "WrongAccountAddress");
    let mut ix = s.env.post_signatures_ix(&id, ORIGIN, &[]);
    ix.accounts[2] = AccountMeta::new_readonly(remote_pda(9), false);
    expect_err(s.env.send(&[ix], &[]), "UnknownRemote");
    let mut ix = s.env.post_signatures_ix(&id, ORIGIN, &[]);
    ix.accounts[3] = AccountMeta::new(Pubkey::new_unique(), false);
    expect_err(s.env.send(&[ix], &[]), "WrongAccountAddress");
}

#[test]
fn three_of_five_fits_one_transaction() {
    let mut s = Setup::new(5, 3, Limits::default());
    let m = s.transfer(&s.home_id.clone(), 10);
    let sigs = s.env.attest(&m, 3);
    let ix = s.env.deliver_ix(&m, &sigs, None, Some(&s.home_accounts()));
    let tx = solana_transaction::Transaction::new_signed_with_payer(
        &[ix],
        Some(&s.env.payer.pubkey()),
        &[&s.env.payer],
        s.env.svm.latest_blockhash(),
    );
    let size = wincode::serialize(&tx).unwrap().len();
    assert!(size <= 1232, "3-of-5 deliver is {size} bytes");
    expect_ok(s.env.svm.send_transaction(tx).map_err(Box::new));
}

#[test]
fn twelve_signatures_in_one_post_with_a_compute_budget() {
    // By size, one post_signatures transaction carries up to 12 signatures next to a
    // SetComputeUnitLimit instruction (13 are 4 bytes over 1,232): 13-of-19 in two posts.
    let mut s = Setup::new(19, 13, Limits::default());
    let m = s.transfer(&s.bridged_id.clone(), 1_000_000_000);
    let id = keccak(&[&m]);
    let sigs = s.env.attest(&m, 13);
    let budget = solana_instruction::Instruction::new_with_bytes(
        solana_pubkey::Pubkey::from_str_const("ComputeBudget111111111111111111111111111111"),
        &[&[2u8][..], &400_000u32.to_le_bytes()].concat(),
        vec![],
    );
    let over = [budget.clone(), s.env.post_signatures_ix(&id, ORIGIN, &sigs)];
    assert!(s.env.tx_size(&over) > 1232);
    let ixs = [
        budget,
        s.env.post_signatures_ix(&id, ORIGIN, &sigs[..65 * 12]),
    ];
    let size = s.env.tx_size(&ixs);
    assert!(
        size <= 1232,
        "12 signatures and a compute budget: {size} bytes"
    );
    let meta = expect_ok(s.env.send(&ixs, &[]));
    println!(
        "CU 13-of-19 post_signatures of 12 in one transaction (limit raised to 400k): {} CU, tx {size} bytes",
        meta.compute_units_consumed
    );
    let last = expect_ok(s.env.send(
        &[s.env.post_signatures_ix(&id, ORIGIN, &sigs[65 * 12..])],
        &[],
    ));
    println!(
        "CU 13-of-19 post_signatures of the 13th: {} CU",
        last.compute_units_consumed
    );
    let set = signatures_pda(&id, 1, &s.env.payer.pubkey());
    let ix = s
        .env
        .deliver_ix(&m, &[], Some(set), Some(&s.bridged_accounts()));
    expect_ok(s.env.send(&[ix], &[]));
    assert_eq!(s.env.token_balance(&s.bridged_token), 1);
}
