//! Arbitrary messages: `deliver` records them, `execute_message` calls the recipient program once,
//! signed by that recipient's own messenger PDA `["messenger", recipient]` (review finding 1:
//! a recipient that forwards the signer to another recipient is refused there), with at least
//! the message's gas limit in compute units; pass-through accounts never sign; the bridge never
//! calls itself, the system program, a token program or a loader; a failing recipient leaves
//! the message retryable.

use solana_instruction::error::InstructionError;
use solana_instruction::{AccountMeta, Instruction};
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

use crate::common::*;

/// The example recipient (`contracts/solana/example-recipient`).
const RECIPIENT: Pubkey = Pubkey::new_from_array([0x77; 32]);
/// The hostile test recipient (`contracts/solana/test-recipient`).
const ATTACKER: Pubkey = Pubkey::new_from_array([0x66; 32]);

fn env_with_recipients() -> Env {
    let mut env = Env::new(1, 1);
    env.add_program(RECIPIENT, "trestle_example_recipient.so");
    env.add_program(ATTACKER, "trestle_test_recipient.so");
    env
}

/// Delivers a message from ORIGIN to `recipient` with `gas_limit` and `payload`.
fn deliver_message(
    env: &mut Env,
    nonce: u64,
    recipient: &Pubkey,
    gas_limit: u64,
    payload: &[u8],
) -> Vec<u8> {
    let m = encode_message(
        nonce,
        ORIGIN,
        &[0x5e; 32],
        DOMAIN,
        &recipient.to_bytes(),
        &message_body(gas_limit, payload),
    );
    let sigs = env.attest(&m, 1);
    expect_ok(env.send(&[env.deliver_ix(&m, &sigs, None, None)], &[]));
    m
}

fn execute(env: &Env, m: &[u8], recipient: &Pubkey, passthrough: Vec<AccountMeta>) -> Instruction {
    execute_message_ix(m, &env.receipt(m), recipient, passthrough)
}

#[test]
fn the_recipient_is_called_once_by_its_messenger() {
    let mut env = env_with_recipients();
    let m = deliver_message(&mut env, 0, &RECIPIENT, 50_000, b"hello solana");
    let meta = expect_ok(env.send(&[execute(&env, &m, &RECIPIENT, vec![])], &[]));
    let data = program_data(&meta.logs);
    let received = data
        .iter()
        .find(|f| f[0] == b"received")
        .expect("the recipient logged");
    assert_eq!(received[1], ORIGIN.to_le_bytes());
    assert_eq!(received[2], [0x5e; 32]);
    assert_eq!(received[3], b"hello solana");
    assert_eq!(
        logged_events(&meta.logs, "MessageExecuted"),
        vec![keccak(&[&m]).to_vec()]
    );
    println!(
        "CU execute_message (example recipient): {}",
        meta.compute_units_consumed
    );
    assert_eq!(env.data(&env.receipt(&m))[9], 5, "message_executed");
    expect_err(
        env.send(&[execute(&env, &m, &RECIPIENT, vec![])], &[]),
        "NotQueued",
    );
}

/// Review finding 1, the regression test: a program that receives a message forwards the
/// messenger signer the bridge lent it to the example recipient. The example recipient accepts
/// only its own messenger PDA, so the forwarded call is refused (and the whole transaction with
/// it); the same recipient still accepts the bridge's own call.
#[test]
fn a_forwarded_messenger_signature_is_refused() {
    let mut env = env_with_recipients();
    let m = deliver_message(&mut env, 0, &ATTACKER, 100_000, b"forward");
    let out = env.send(
        &[execute(
            &env,
            &m,
            &ATTACKER,
            vec![AccountMeta::new_readonly(RECIPIENT, false)],
        )],
        &[],
    );
    let failed = out.expect_err("the forwarded call must be refused");
    assert_eq!(
        failed.err,
        TransactionError::InstructionError(0, InstructionError::MissingRequiredSignature),
        "{:#?}",
        failed.meta.logs
    );
    // Refused by the victim's check: it was invoked (depth 3) with the attacker's messenger
    // as a signer, and failed.
    let logs = failed.meta.logs.join("\n");
    assert!(
        logs.contains(&format!("Program {RECIPIENT} invoke [3]"))
            && logs.contains(&format!("Program {RECIPIENT} failed")),
        "{logs}"
    );
    assert_eq!(env.data(&env.receipt(&m))[9], 4, "still received");
    // The attacker's messenger is not the victim's.
    assert_ne!(messenger_pda(&ATTACKER), messenger_pda(&RECIPIENT));
    // The victim's own messages still go through.
    let ok = deliver_message(&mut env, 1, &RECIPIENT, 50_000, b"hi");
    expect_ok(env.send(&[execute(&env, &ok, &RECIPIENT, vec![])], &[]));
}

/// Pass-through accounts keep their writable flags and never sign, even the transaction's
/// signers; only the messenger signs.
#[test]
fn pass_through_accounts_never_sign() {
    let mut env = env_with_recipients();
    let m = deliver_message(&mut env, 0, &ATTACKER, 50_000, b"flags");
    let signer = Keypair::new();
    env.svm.airdrop(&signer.pubkey(), 1_000_000_000).unwrap();
    let writable = Pubkey::new_unique();
    env.svm.airdrop(&writable, 1_000_000).unwrap();
    let ix = execute(
        &env,
        &m,
        &ATTACKER,
        vec![
            AccountMeta::new(signer.pubkey(), true),
            AccountMeta::new_readonly(env.payer.pubkey(), true),
            AccountMeta::new(writable, false),
            AccountMeta::new_readonly(CLOCK, false),
        ],
    );
    let meta = expect_ok(env.send(&[ix], &[&signer]));
    let flags = program_data(&meta.logs)
        .into_iter()
        .find(|f| f[0] == b"flags")
        .expect("the recipient logged its accounts");
    // (is_signer, is_writable) of: the messenger (signs), the extra signer, the payer (both
    // writable in the transaction, neither signs here), the writable account, the clock.
    assert_eq!(flags[1], vec![1, 0, 0, 1, 0, 1, 0, 1, 0, 0]);
}

/// The `["remaining", u64 LE]` the test recipient logs.
fn remaining(logs: &[String]) -> u64 {
    let fields = program_data(logs)
        .into_iter()
        .find(|f| f[0] == b"remaining")
        .expect("the recipient logged its compute units");
    u64::from_le_bytes(fields[1].clone().try_into().unwrap())
}

/// The gas limit is in compute units: `execute_message` refuses unless the transaction
/// guarantees them to the recipient (its limit covers the gas and the instruction's own cost,
/// and nothing but compute-budget instructions runs first), so a relayer cannot starve it. The
/// test recipient reports what it got (`sol_remaining_compute_units`, enabled in this SVM).
#[test]
fn the_recipient_gets_its_gas_limit_in_compute_units() {
    let mut env = Env::new_in(svm_with_remaining_compute_units(), 1, 1);
    env.add_program(ATTACKER, "trestle_test_recipient.so");
    let gas = 300_000;
    let m = deliver_message(&mut env, 0, &ATTACKER, gas, b"remaining");
    let required = required_compute_units(gas, &ATTACKER, 0);
    // Without a limit the transaction has 200,000: below the gas limit.
    expect_err(
        env.send(&[execute(&env, &m, &ATTACKER, vec![])], &[]),
        "InsufficientCompute",
    );
    // One unit short.
    let short = [
        compute_limit_ix(required as u32 - 1),
        execute(&env, &m, &ATTACKER, vec![]),
    ];
    expect_err(env.send(&short, &[]), "InsufficientCompute");
    // Another instruction spends the budget first.
    let spender = Keypair::new();
    let mut transfer = vec![2, 0, 0, 0];
    transfer.extend_from_slice(&1_000u64.to_le_bytes());
    let first = [
        compute_limit_ix(1_400_000),
        Instruction::new_with_bytes(
            SYSTEM_PROGRAM,
            &transfer,
            vec![
                AccountMeta::new(env.payer.pubkey(), true),
                AccountMeta::new(spender.pubkey(), false),
            ],
        ),
        execute(&env, &m, &ATTACKER, vec![]),
    ];
    expect_err(env.send(&first, &[]), "InsufficientCompute");
    assert_eq!(env.data(&env.receipt(&m))[9], 4, "still received");
    // The limit it requires: the recipient gets at least its gas limit.
    let enough = [
        compute_limit_ix(required as u32),
        execute(&env, &m, &ATTACKER, vec![]),
    ];
    let meta = expect_ok(env.send(&enough, &[]));
    let left = remaining(&meta.logs);
    assert!(left >= gas, "the recipient got {left} of its {gas}");
    println!(
        "CU execute_message before the recipient: {} (limit {required}, gas {gas}; the recipient got {left}, margin {})",
        required - left,
        left - gas
    );
}

/// Second review, L1 (was the PoC `compute_limit_placed_after_execute_message_starves_the_recipient`):
/// the runtime applies a `SetComputeUnitLimit` wherever it sits in the transaction, so one
/// placed after `execute_message` lowered the real budget while the check, reading only the
/// instructions before it, assumed the 200,000 default. Now `execute_message` must be the
/// transaction's last instruction: nothing after it, a compute-budget instruction included.
#[test]
fn no_instruction_may_follow_execute_message() {
    let mut env = Env::new_in(svm_with_remaining_compute_units(), 1, 1);
    env.add_program(ATTACKER, "trestle_test_recipient.so");
    let gas = 150_000u64;
    let m = deliver_message(&mut env, 0, &ATTACKER, gas, b"remaining");
    // What the program requires fits the 200,000 default it assumes without a limit.
    let required = required_compute_units(gas, &ATTACKER, 0);
    assert!(required <= 200_000);
    // The instruction does not depend on the state: built once.
    let call = execute(&env, &m, &ATTACKER, vec![]);
    let exec = || call.clone();
    // The honest order: a 40,000 limit before execute_message is refused.
    expect_err(
        env.send(&[compute_limit_ix(40_000), exec()], &[]),
        "InsufficientCompute",
    );
    // The same limit after it: refused too (it used to starve the recipient).
    expect_err(
        env.send(&[exec(), compute_limit_ix(40_000)], &[]),
        "InsufficientCompute",
    );
    // So is a sufficient limit after it, a compute-unit price, or any other instruction.
    let price = Instruction::new_with_bytes(
        COMPUTE_BUDGET,
        &[[3u8].as_slice(), &1u64.to_le_bytes()].concat(),
        vec![],
    );
    let transfer = Instruction::new_with_bytes(
        SYSTEM_PROGRAM,
        &[[2u8, 0, 0, 0].as_slice(), &1_000u64.to_le_bytes()].concat(),
        vec![
            AccountMeta::new(env.payer.pubkey(), true),
            AccountMeta::new(Pubkey::new_unique(), false),
        ],
    );
    let limit = compute_limit_ix(required as u32);
    for tx in [
        vec![exec(), compute_limit_ix(1_400_000)],
        vec![limit.clone(), exec(), price.clone()],
        vec![limit.clone(), exec(), transfer],
    ] {
        expect_err(env.send(&tx, &[]), "InsufficientCompute");
    }
    assert_eq!(env.data(&env.receipt(&m))[9], 4, "still received");
    // Compute-budget instructions before it, and nothing after: the recipient gets its gas.
    let meta = expect_ok(env.send(&[limit, price, exec()], &[]));
    let left = remaining(&meta.logs);
    assert!(left >= gas, "the recipient got {left} of its {gas}");
    assert_eq!(env.data(&env.receipt(&m))[9], 5, "message_executed");
}

/// Pass-through data makes the call cost more (the runtime charges 1 unit per 250 bytes of
/// account data a CPI passes); the requirement grows with it.
#[test]
fn pass_through_data_raises_the_required_limit() {
    let mut env = Env::new_in(svm_with_remaining_compute_units(), 1, 1);
    env.add_program(ATTACKER, "trestle_test_recipient.so");
    let gas = 300_000;
    let m = deliver_message(&mut env, 0, &ATTACKER, gas, b"remaining");
    let big = Pubkey::new_unique();
    env.put(big, SYSTEM_PROGRAM, vec![0; 1_000_000]);
    let pass = || vec![AccountMeta::new_readonly(big, false)];
    let without = required_compute_units(gas, &ATTACKER, 0);
    let with = required_compute_units(gas, &ATTACKER, 1_000_000);
    assert_eq!(with - without, 4_000);
    let short = [
        compute_limit_ix(without as u32),
        execute(&env, &m, &ATTACKER, pass()),
    ];
    expect_err(env.send(&short, &[]), "InsufficientCompute");
    let enough = [
        compute_limit_ix(with as u32),
        execute(&env, &m, &ATTACKER, pass()),
    ];
    let meta = expect_ok(env.send(&enough, &[]));
    let left = remaining(&meta.logs);
    assert!(left >= gas, "the recipient got {left} of its {gas}");
}

/// `execute_message` called from inside another program is refused: only a top-level
/// `execute_message` can guarantee the compute. (A recipient cannot call back into the bridge
/// at all: the runtime refuses the reentrancy.)
#[test]
fn execute_message_is_top_level_only() {
    let mut env = env_with_recipients();
    let inner = deliver_message(&mut env, 0, &RECIPIENT, 50_000, b"inner");
    let nested = execute(&env, &inner, &RECIPIENT, vec![]);
    // The test recipient, called directly, calls the bridge's execute_message.
    let mut payload = b"cpi:".to_vec();
    payload.extend_from_slice(&nested.data);
    let mut data = ix_disc("receive_message").to_vec();
    data.extend_from_slice(&ORIGIN.to_le_bytes());
    data.extend_from_slice(&[1; 32]);
    data.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    data.extend_from_slice(&payload);
    let mut accounts = vec![
        AccountMeta::new_readonly(env.payer.pubkey(), false),
        AccountMeta::new_readonly(PROGRAM_ID, false),
    ];
    accounts.extend(nested.accounts.clone());
    let wrapper = Instruction::new_with_bytes(ATTACKER, &data, accounts);
    expect_err(
        env.send(&[compute_limit_ix(1_400_000), wrapper], &[]),
        "InsufficientCompute",
    );
    assert_eq!(env.data(&env.receipt(&inner))[9], 4, "still received");
    // From inside the bridge's own call to a recipient: the runtime refuses the reentrancy.
    let mut payload = b"cpi:".to_vec();
    payload.extend_from_slice(&nested.data);
    let outer = deliver_message(&mut env, 1, &ATTACKER, 50_000, &payload);
    let mut passthrough = vec![AccountMeta::new_readonly(PROGRAM_ID, false)];
    passthrough.extend(nested.accounts.clone());
    let ix = execute(&env, &outer, &ATTACKER, passthrough);
    let failed = env
        .send(&[compute_limit_ix(1_400_000), ix], &[])
        .expect_err("reentrancy");
    assert!(
        failed.meta.logs.iter().any(|l| l.contains("reentrancy")),
        "{:#?}",
        failed.meta.logs
    );
    expect_ok(env.send(&[nested], &[]));
}

#[test]
fn a_failing_recipient_can_be_retried() {
    let mut env = env_with_recipients();
    let m = deliver_message(&mut env, 0, &RECIPIENT, 50_000, b"fail");
    for _ in 0..2 {
        let out = env.send(&[execute(&env, &m, &RECIPIENT, vec![])], &[]);
        assert_eq!(custom_code(&out), Some(1), "the recipient's own error");
        assert_eq!(env.data(&env.receipt(&m))[9], 4, "still received");
    }
    // A later message is not blocked.
    let next = deliver_message(&mut env, 1, &RECIPIENT, 50_000, b"next");
    expect_ok(env.send(&[execute(&env, &next, &RECIPIENT, vec![])], &[]));
}

#[test]
fn the_recipient_refuses_calls_not_signed_by_its_messenger() {
    let mut env = env_with_recipients();
    let mut data = ix_disc("receive_message").to_vec();
    data.extend_from_slice(&ORIGIN.to_le_bytes());
    data.extend_from_slice(&[1; 32]);
    data.extend_from_slice(&2u32.to_le_bytes());
    data.extend_from_slice(b"hi");
    let ix = Instruction::new_with_bytes(
        RECIPIENT,
        &data,
        vec![AccountMeta::new_readonly(messenger_pda(&RECIPIENT), false)],
    );
    assert!(env.send(&[ix], &[]).is_err());
    // A key that signs but is not its messenger PDA.
    let impostor = Keypair::new();
    let ix = Instruction::new_with_bytes(
        RECIPIENT,
        &data,
        vec![AccountMeta::new_readonly(impostor.pubkey(), true)],
    );
    assert!(env.send(&[ix], &[&impostor]).is_err());
}

/// Messages to the bridge itself, the system program, the token programs or a loader are
/// recorded but never executed.
#[test]
fn forbidden_recipients_are_never_called() {
    let mut env = env_with_recipients();
    let forbidden = [
        PROGRAM_ID,
        SYSTEM_PROGRAM,
        TOKEN_PROGRAM,
        Pubkey::from_str_const("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb"),
        LOADER_V3,
        Pubkey::from_str_const("BPFLoader2111111111111111111111111111111111"),
        Pubkey::from_str_const("NativeLoader1111111111111111111111111111111"),
    ];
    for (nonce, recipient) in forbidden.iter().enumerate() {
        let m = deliver_message(&mut env, nonce as u64, recipient, 1, b"x");
        expect_err(
            env.send(&[execute(&env, &m, recipient, vec![])], &[]),
            "ForbiddenRecipient",
        );
    }
    // An account that is no program.
    let wallet = Pubkey::new_unique();
    env.svm.airdrop(&wallet, 1_000_000).unwrap();
    let m = deliver_message(&mut env, 99, &wallet, 1, b"x");
    expect_err(
        env.send(&[execute(&env, &m, &wallet, vec![])], &[]),
        "WrongRecipient",
    );
}

#[test]
fn substituted_accounts_and_wrong_messages_are_refused() {
    let mut env = env_with_recipients();
    let m = deliver_message(&mut env, 0, &RECIPIENT, 50_000, b"hello");
    let other = deliver_message(&mut env, 1, &RECIPIENT, 50_000, b"other");
    let base = execute(&env, &m, &RECIPIENT, vec![]);
    let forged = Pubkey::new_unique();
    let bytes = env.data(&env.receipt(&m));
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
        // Another message's receipt.
        (
            1,
            AccountMeta::new(env.receipt(&other), false),
            "WrongAccountAddress",
        ),
        (
            1,
            AccountMeta::new_readonly(env.receipt(&m), false),
            "NotWritable",
        ),
        // Another recipient's messenger, and protocol v1's single messenger.
        (
            2,
            AccountMeta::new_readonly(messenger_pda(&ATTACKER), false),
            "WrongAccountAddress",
        ),
        (
            2,
            AccountMeta::new_readonly(pda(&[b"messenger"]), false),
            "WrongAccountAddress",
        ),
        (
            3,
            AccountMeta::new_readonly(ATTACKER, false),
            "WrongRecipient",
        ),
    ];
    for (index, meta, err) in cases {
        let mut ix = base.clone();
        ix.accounts[index] = meta;
        expect_err(env.send(&[ix], &[]), err);
    }
    // Too many pass-through accounts.
    let many = (0..17)
        .map(|_| AccountMeta::new_readonly(Pubkey::new_unique(), false))
        .collect();
    expect_err(
        env.send(&[execute(&env, &m, &RECIPIENT, many)], &[]),
        "NotEnoughAccounts",
    );
    // A message that was never delivered has no receipt.
    let never = encode_message(
        9,
        ORIGIN,
        &[1; 32],
        DOMAIN,
        &RECIPIENT.to_bytes(),
        &message_body(1, &[1]),
    );
    expect_err(
        env.send(&[execute(&env, &never, &RECIPIENT, vec![])], &[]),
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
        env.send(&[execute(&env, &transfer, &RECIPIENT, vec![])], &[]),
        "UnknownBodyKind",
    );
    // Paused: nothing executes.
    expect_ok(env.pause());
    expect_err(env.send(&[base], &[]), "Paused");
}
