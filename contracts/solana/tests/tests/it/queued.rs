//! Inbound transfers that wait: the timelock (amount at or above the token's threshold, guardian
//! can cancel during the delay) and the inbound token bucket (queued, executes after refill).

use solana_instruction::AccountMeta;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

use crate::common::*;
use crate::deliver::{Setup, receipt_status};

fn limits() -> Limits {
    Limits {
        timelock_threshold: 1_000,
        timelock_delay: 600,
        inbound_capacity: 100,
        inbound_refill: 10,
        ..Limits::default()
    }
}

#[test]
fn large_transfers_wait_for_the_timelock() {
    let mut s = Setup::new(1, 1, limits());
    let m = s.transfer(&s.home_id.clone(), 1_000);
    let id = keccak(&[&m]);
    let accounts = s.home_accounts();
    expect_ok(s.deliver(&m, &accounts));
    assert_eq!(receipt_status(&s.env, &m), (2, 1), "queued by the timelock");
    assert_eq!(s.env.token_balance(&s.home_token), 0);
    // Replay of a queued message is still refused.
    expect_err(s.deliver(&m, &accounts), "AlreadyDelivered");
    s.env.advance(599);
    expect_err(
        s.env.send(&[execute_queued_ix(&id, &accounts)], &[]),
        "TimelockPending",
    );
    s.env.advance(1);
    // Paid to the beneficiary only: another owner's token account is refused.
    let mut wrong = accounts.clone();
    wrong.beneficiary_token = s
        .env
        .create_token_account(&s.home_mint, &Pubkey::new_unique(), 0);
    expect_err(
        s.env.send(&[execute_queued_ix(&id, &wrong)], &[]),
        "WrongTokenOwner",
    );
    expect_ok(s.env.send(&[execute_queued_ix(&id, &accounts)], &[]));
    assert_eq!(s.env.token_balance(&s.home_token), 1_000);
    assert_eq!(receipt_status(&s.env, &m).0, 1);
    expect_err(
        s.env.send(&[execute_queued_ix(&id, &accounts)], &[]),
        "NotQueued",
    );
}

#[test]
fn the_guardian_cancels_during_the_delay() {
    let mut s = Setup::new(1, 1, limits());
    let m = s.transfer(&s.bridged_id.clone(), 5_000_000_000_000);
    let id = keccak(&[&m]);
    let accounts = s.bridged_accounts();
    expect_ok(s.deliver(&m, &accounts));
    assert_eq!(receipt_status(&s.env, &m), (2, 1));
    let stranger = Keypair::new();
    expect_err(
        s.env
            .send(&[cancel_queued_ix(&stranger.pubkey(), &id)], &[&stranger]),
        "NotGuardian",
    );
    let admin = s.env.admin.insecure_clone();
    expect_err(
        s.env
            .send(&[cancel_queued_ix(&admin.pubkey(), &id)], &[&admin]),
        "NotGuardian",
    );
    // The guardian must sign.
    let mut ix = cancel_queued_ix(&s.env.guardian.pubkey(), &id);
    ix.accounts[0] = AccountMeta::new_readonly(s.env.guardian.pubkey(), false);
    expect_err(s.env.send(&[ix], &[]), "MissingSignature");
    let guardian = s.env.guardian.insecure_clone();
    expect_ok(
        s.env
            .send(&[cancel_queued_ix(&guardian.pubkey(), &id)], &[&guardian]),
    );
    assert_eq!(receipt_status(&s.env, &m).0, 3, "cancelled");
    s.env.advance(600);
    expect_err(
        s.env.send(&[execute_queued_ix(&id, &accounts)], &[]),
        "NotQueued",
    );
    assert_eq!(s.env.mint_supply(&s.bridged_mint), 0);
}

#[test]
fn transfers_over_the_inbound_bucket_queue_until_it_refills() {
    let mut s = Setup::new(1, 1, limits());
    let accounts = s.home_accounts();
    let first = s.transfer(&s.home_id.clone(), 80);
    expect_ok(s.deliver(&first, &accounts));
    assert_eq!(receipt_status(&s.env, &first), (1, 0));
    let second = s.transfer(&s.home_id.clone(), 50);
    expect_ok(s.deliver(&second, &accounts));
    assert_eq!(
        receipt_status(&s.env, &second),
        (2, 2),
        "queued by the rate limit"
    );
    let id = keccak(&[&second]);
    expect_err(
        s.env.send(&[execute_queued_ix(&id, &accounts)], &[]),
        "RateLimited",
    );
    s.env.advance(3);
    expect_ok(s.env.send(&[execute_queued_ix(&id, &accounts)], &[]));
    assert_eq!(s.env.token_balance(&s.home_token), 130);
}

#[test]
fn paused_bridges_do_not_execute_queued_transfers() {
    let mut s = Setup::new(1, 1, limits());
    let m = s.transfer(&s.home_id.clone(), 5_000);
    let id = keccak(&[&m]);
    let accounts = s.home_accounts();
    expect_ok(s.deliver(&m, &accounts));
    let guardian = s.env.guardian.insecure_clone();
    expect_ok(
        s.env
            .send(&[s.env.pause_ix(&guardian.pubkey())], &[&guardian]),
    );
    s.env.advance(600);
    expect_err(
        s.env.send(&[execute_queued_ix(&id, &accounts)], &[]),
        "Paused",
    );
}

#[test]
fn substituted_accounts_are_refused() {
    let mut s = Setup::new(1, 1, limits());
    let m = s.transfer(&s.home_id.clone(), 5_000);
    let id = keccak(&[&m]);
    let accounts = s.home_accounts();
    expect_ok(s.deliver(&m, &accounts));
    s.env.advance(600);
    let base = execute_queued_ix(&id, &accounts);
    let forged_receipt = Pubkey::new_unique();
    let bytes = s.env.data(&receipt_pda(&id));
    s.env.put(forged_receipt, PROGRAM_ID, bytes);
    let fake_clock = Pubkey::new_unique();
    s.env.put(fake_clock, SYSTEM_PROGRAM, vec![0xff; 40]);
    let fake_vault = s
        .env
        .create_token_account(&s.home_mint, &authority_pda(), VAULT);
    let fake_config = Pubkey::new_unique();
    let bytes = s.env.data(&config_pda());
    s.env.put(fake_config, PROGRAM_ID, bytes);
    let cases: Vec<(usize, AccountMeta, &str)> = vec![
        (
            0,
            AccountMeta::new_readonly(fake_config, false),
            "WrongAccountAddress",
        ),
        (
            1,
            AccountMeta::new(forged_receipt, false),
            "WrongAccountAddress",
        ),
        (
            2,
            AccountMeta::new_readonly(fake_clock, false),
            "WrongAccountAddress",
        ),
        (
            5,
            AccountMeta::new(fake_vault, false),
            "WrongAccountAddress",
        ),
        (
            7,
            AccountMeta::new_readonly(Pubkey::new_unique(), false),
            "WrongAccountAddress",
        ),
        (
            8,
            AccountMeta::new_readonly(SYSTEM_PROGRAM, false),
            "WrongTokenProgram",
        ),
    ];
    for (index, meta, err) in cases {
        let mut ix = base.clone();
        ix.accounts[index] = meta;
        expect_err(s.env.send(&[ix], &[]), err);
    }
    // cancel_queued with a forged receipt.
    let guardian = s.env.guardian.insecure_clone();
    let mut ix = cancel_queued_ix(&guardian.pubkey(), &id);
    ix.accounts[2] = AccountMeta::new(forged_receipt, false);
    expect_err(s.env.send(&[ix], &[&guardian]), "WrongAccountAddress");
    expect_ok(s.env.send(&[base], &[]));
}

const VAULT: u64 = 1_000_000;
