//! Arbitrary messages: `deliver` records them, `execute_message` calls the recipient program
//! (the example recipient in `contracts/solana/example-recipient`) once, signed by the bridge's
//! messenger PDA; a failing recipient leaves the message retryable.

use solana_instruction::{AccountMeta, Instruction};
use solana_pubkey::Pubkey;

use crate::common::*;

const RECIPIENT: Pubkey = Pubkey::new_from_array([0x77; 32]);

fn messenger_pda() -> Pubkey {
    pda(&[b"messenger"])
}

fn env_with_recipient() -> Env {
    let mut env = Env::new(1, 1);
    let so = program_so().with_file_name("trestle_example_recipient.so");
    env.svm.add_program_from_file(RECIPIENT, so).unwrap();
    env
}

fn execute_message_ix(message: &[u8]) -> Instruction {
    Instruction::new_with_bytes(
        PROGRAM_ID,
        &Borsh::ix("execute_message").bytes(message).0,
        vec![
            AccountMeta::new_readonly(config_pda(), false),
            AccountMeta::new(receipt_pda(&keccak(&[message])), false),
            AccountMeta::new_readonly(messenger_pda(), false),
            AccountMeta::new_readonly(RECIPIENT, false),
        ],
    )
}

fn deliver_message(env: &mut Env, nonce: u64, payload: &[u8]) -> Vec<u8> {
    let mut body = vec![0u8];
    body.extend_from_slice(payload);
    let m = encode_message(
        nonce,
        ORIGIN,
        &[0x5e; 32],
        DOMAIN,
        &RECIPIENT.to_bytes(),
        &body,
    );
    let sigs = env.attest(&m, 1);
    expect_ok(env.send(&[env.deliver_ix(&m, &sigs, None, None)], &[]));
    m
}

#[test]
fn the_recipient_is_called_once_by_the_bridge() {
    let mut env = env_with_recipient();
    let m = deliver_message(&mut env, 0, b"hello solana");
    let meta = expect_ok(env.send(&[execute_message_ix(&m)], &[]));
    let data = program_data(&meta.logs);
    let received = data
        .iter()
        .find(|f| f[0] == b"received")
        .expect("the recipient logged");
    assert_eq!(received[1], ORIGIN.to_le_bytes());
    assert_eq!(received[2], [0x5e; 32]);
    assert_eq!(received[3], b"hello solana");
    println!(
        "CU execute_message (example recipient): {}",
        meta.compute_units_consumed
    );
    assert_eq!(
        env.data(&receipt_pda(&keccak(&[&m])))[9],
        5,
        "message_executed"
    );
    expect_err(env.send(&[execute_message_ix(&m)], &[]), "NotQueued");
}

#[test]
fn a_failing_recipient_can_be_retried() {
    let mut env = env_with_recipient();
    let m = deliver_message(&mut env, 0, b"fail");
    for _ in 0..2 {
        let out = env.send(&[execute_message_ix(&m)], &[]);
        assert_eq!(custom_code(&out), Some(1), "the recipient's own error");
        assert_eq!(
            env.data(&receipt_pda(&keccak(&[&m])))[9],
            4,
            "still received"
        );
    }
    // A later message is not blocked.
    let next = deliver_message(&mut env, 1, b"next");
    expect_ok(env.send(&[execute_message_ix(&next)], &[]));
}

#[test]
fn the_recipient_refuses_calls_not_signed_by_the_bridge() {
    let mut env = env_with_recipient();
    let mut data = crate::common::ix_disc("receive_message").to_vec();
    data.extend_from_slice(&ORIGIN.to_le_bytes());
    data.extend_from_slice(&[1; 32]);
    data.extend_from_slice(&2u32.to_le_bytes());
    data.extend_from_slice(b"hi");
    let ix = Instruction::new_with_bytes(
        RECIPIENT,
        &data,
        vec![AccountMeta::new_readonly(messenger_pda(), false)],
    );
    assert!(env.send(&[ix], &[]).is_err());
}

#[test]
fn substituted_accounts_and_wrong_messages_are_refused() {
    let mut env = env_with_recipient();
    let m = deliver_message(&mut env, 0, b"hello");
    let base = execute_message_ix(&m);
    let forged = Pubkey::new_unique();
    let bytes = env.data(&receipt_pda(&keccak(&[&m])));
    env.put(forged, PROGRAM_ID, bytes);
    let fake_config = Pubkey::new_unique();
    let bytes = env.data(&config_pda());
    env.put(fake_config, PROGRAM_ID, bytes);
    let cases: Vec<(usize, AccountMeta, &str)> = vec![
        (
            0,
            AccountMeta::new_readonly(fake_config, false),
            "WrongAccountAddress",
        ),
        (1, AccountMeta::new(forged, false), "WrongAccountAddress"),
        (
            1,
            AccountMeta::new_readonly(receipt_pda(&keccak(&[&m])), false),
            "NotWritable",
        ),
        (
            2,
            AccountMeta::new_readonly(Pubkey::new_unique(), false),
            "WrongAccountAddress",
        ),
        (
            3,
            AccountMeta::new_readonly(TOKEN_PROGRAM, false),
            "WrongRecipient",
        ),
    ];
    for (index, meta, err) in cases {
        let mut ix = base.clone();
        ix.accounts[index] = meta;
        expect_err(env.send(&[ix], &[]), err);
    }
    // A message that was never delivered has no receipt.
    let other = encode_message(9, ORIGIN, &[1; 32], DOMAIN, &RECIPIENT.to_bytes(), &[0, 1]);
    expect_err(
        env.send(&[execute_message_ix(&other)], &[]),
        "WrongAccountOwner",
    );
    // A token transfer is not an arbitrary message.
    let transfer = encode_message(
        9,
        ORIGIN,
        &[1; 32],
        DOMAIN,
        &PROGRAM_ID.to_bytes(),
        &transfer_body(&[1; 32], 1, &RECIPIENT),
    );
    expect_err(
        env.send(&[execute_message_ix(&transfer)], &[]),
        "UnknownBodyKind",
    );
    // Paused: nothing executes.
    let guardian = env.guardian.insecure_clone();
    expect_ok(env.send(
        &[env.pause_ix(&solana_signer::Signer::pubkey(&guardian))],
        &[&guardian],
    ));
    expect_err(env.send(&[base], &[]), "Paused");
}
