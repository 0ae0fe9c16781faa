//! Inbound transfers that wait: the timelock (amount at or above the token's threshold, or above
//! the route's inbound capacity) and the route's inbound bucket. Every queued transfer passes the bucket when it executes (review
//! finding 2); the guardian cancels any queued transfer until it executes, also while paused
//! and after its release time, the admin voids one through the timelock, and a cancelled
//! transfer is refunded to its origin only by governance (finding 3).

use solana_instruction::AccountMeta;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

use crate::common::*;
use crate::deliver::{Setup, evm_sender, receipt_status};

fn limits() -> Limits {
    Limits {
        timelock_threshold: 1_000,
        timelock_delay: 600,
        inbound_capacity: 100,
        inbound_refill: 10,
        ..Limits::default()
    }
}

/// Delivers `amount` of the bridged token (minted here) and returns the message, its key and
/// the accounts.
fn queue_bridged(s: &mut Setup, amount: u64) -> (Vec<u8>, Key, TokenAccounts) {
    let m = s.transfer(&s.bridged_id.clone(), u128::from(amount) * 1_000_000_000);
    let accounts = s.bridged_accounts();
    expect_ok(s.deliver(&m, &accounts));
    let key = s.env.key(&m);
    (m, key, accounts)
}

#[test]
fn large_transfers_wait_for_the_timelock() {
    let mut s = Setup::new(1, 1, limits());
    let m = s.transfer(&s.home_id.clone(), 1_000);
    let accounts = s.home_accounts();
    expect_ok(s.deliver(&m, &accounts));
    let key = s.env.key(&m);
    assert_eq!(receipt_status(&s.env, &m), (2, 1), "queued by the timelock");
    assert_eq!(s.env.token_balance(&s.home_token), 0);
    // The ledger is taken at delivery, queued or not.
    assert_eq!(s.env.ledger(&s.home_id, ORIGIN), 10_000_000 - 1_000);
    // Replay of a queued message is still refused.
    expect_err(s.deliver(&m, &accounts), "AlreadyDelivered");
    s.env.advance(599);
    expect_err(
        s.env.send(&[execute_queued_ix(&key, &accounts)], &[]),
        "TimelockPending",
    );
    s.env.advance(1);
    // Paid to the beneficiary only: another owner's token account is refused.
    let mut wrong = accounts.clone();
    wrong.beneficiary_token = s
        .env
        .create_token_account(&s.home_mint, &Pubkey::new_unique(), 0);
    expect_err(
        s.env.send(&[execute_queued_ix(&key, &wrong)], &[]),
        "WrongTokenOwner",
    );
    let meta = expect_ok(s.env.send(&[execute_queued_ix(&key, &accounts)], &[]));
    println!(
        "CU execute_queued (release home token): {} CU",
        meta.compute_units_consumed
    );
    assert_eq!(
        logged_events(&meta.logs, "TransferExecuted"),
        vec![keccak(&[&m]).to_vec()]
    );
    assert_eq!(s.env.token_balance(&s.home_token), 1_000);
    assert_eq!(receipt_status(&s.env, &m).0, 1);
    expect_err(
        s.env.send(&[execute_queued_ix(&key, &accounts)], &[]),
        "NotQueued",
    );
}

/// Review finding 2: a timelocked transfer passes the inbound bucket when it executes. One
/// above the capacity waits for a full bucket and empties it; one below takes its amount.
#[test]
fn timelocked_transfers_wait_for_the_inbound_bucket() {
    let l = Limits {
        timelock_threshold: 50,
        timelock_delay: 10,
        inbound_capacity: 100,
        inbound_refill: 1,
        ..Limits::default()
    };
    let mut s = Setup::new(1, 1, l);
    // 40 executes at once and leaves 60 in the bucket.
    let small = s.transfer(&s.bridged_id.clone(), 40_000_000_000);
    let accounts = s.bridged_accounts();
    expect_ok(s.deliver(&small, &accounts));
    assert_eq!(s.env.token_balance(&s.bridged_token), 40);
    let (big, big_key, _) = queue_bridged(&mut s, 1_000);
    let (mid, mid_key, _) = queue_bridged(&mut s, 70);
    assert_eq!(receipt_status(&s.env, &big), (2, 1));
    assert_eq!(receipt_status(&s.env, &mid), (2, 1));
    // After the delay the bucket holds 70 of 100: the 1,000 waits for a full bucket.
    s.env.advance(10);
    expect_err(
        s.env.send(&[execute_queued_ix(&big_key, &accounts)], &[]),
        "RateLimited",
    );
    // 70 fits: it executes and takes the bucket to 0.
    expect_ok(s.env.send(&[execute_queued_ix(&mid_key, &accounts)], &[]));
    assert_eq!(s.env.token_balance(&s.bridged_token), 110);
    s.env.advance(99);
    expect_err(
        s.env.send(&[execute_queued_ix(&big_key, &accounts)], &[]),
        "RateLimited",
    );
    s.env.advance(1);
    expect_ok(s.env.send(&[execute_queued_ix(&big_key, &accounts)], &[]));
    assert_eq!(s.env.token_balance(&s.bridged_token), 1_110);
    // It emptied the bucket: a small transfer now queues on the rate limit.
    let after = s.transfer(&s.bridged_id.clone(), 1_000_000_000);
    expect_ok(s.deliver(&after, &accounts));
    assert_eq!(receipt_status(&s.env, &after), (2, 2));
}

/// Second review, M2 (was the PoC `over_capacity_rate_limited_transfers_skip_the_timelock`): a
/// transfer above the route's inbound capacity but below the token's timelock threshold was
/// queued for the rate limit with `release_at = now`, and `execute_queued`'s over-capacity rule
/// paid it at once whenever the bucket was full: up to `threshold - 1` per refill period with no
/// window for the guardian. It is now queued for the timelock (`release_at = now + delay`), and
/// still needs a full bucket when it executes.
#[test]
fn over_capacity_transfers_wait_for_the_timelock() {
    // Capacity 100 per 10 s, threshold 1,000, delay 600 s.
    let mut s = Setup::new(1, 1, limits());
    let accounts = s.bridged_accounts();
    let t0 = s.env.now;
    let (first, key, _) = queue_bridged(&mut s, 999);
    assert_eq!(
        receipt_status(&s.env, &first),
        (2, 1),
        "queued by the timelock"
    );
    let data = s.env.data(&s.env.receipt(&first));
    assert_eq!(&data[200..208], &(t0 + 600).to_le_bytes(), "release_at");
    // Same second, and until the delay has passed: nothing is paid, the guardian can cancel.
    expect_err(
        s.env.send(&[execute_queued_ix(&key, &accounts)], &[]),
        "TimelockPending",
    );
    s.env.advance(599);
    expect_err(
        s.env.send(&[execute_queued_ix(&key, &accounts)], &[]),
        "TimelockPending",
    );
    assert_eq!(s.env.token_balance(&s.bridged_token), 0);
    // Just at the capacity: not over it, so the bucket decides (it holds 100: executed).
    let (at_capacity, _, _) = queue_bridged(&mut s, 100);
    assert_eq!(receipt_status(&s.env, &at_capacity), (1, 0));
    // One more than the capacity: timelocked, whatever the bucket holds.
    s.env.advance(10);
    let (over, over_key, _) = queue_bridged(&mut s, 101);
    assert_eq!(receipt_status(&s.env, &over), (2, 1));
    // After the delay: executes with a full bucket (and empties it), as every queued transfer.
    s.env.advance(1);
    expect_ok(s.env.send(&[execute_queued_ix(&key, &accounts)], &[]));
    assert_eq!(s.env.token_balance(&s.bridged_token), 1_099);
    s.env.advance(600);
    expect_ok(s.env.send(&[execute_queued_ix(&over_key, &accounts)], &[]));
    assert_eq!(s.env.token_balance(&s.bridged_token), 1_200);
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
    let key = s.env.key(&second);
    expect_err(
        s.env.send(&[execute_queued_ix(&key, &accounts)], &[]),
        "RateLimited",
    );
    s.env.advance(3);
    expect_ok(s.env.send(&[execute_queued_ix(&key, &accounts)], &[]));
    assert_eq!(s.env.token_balance(&s.home_token), 130);
}

/// Review finding 3: the guardian cancels any queued entry until it executes: a rate-limited
/// one, after its release time, while paused. Its amount goes back to the ledger.
#[test]
fn the_guardian_cancels_any_queued_transfer() {
    let mut s = Setup::new(1, 1, limits());
    let accounts = s.home_accounts();
    let guardian = s.env.guardian.insecure_clone();
    // A rate-limited entry (80 then 50 against a bucket of 100), after its release time.
    let first = s.transfer(&s.home_id.clone(), 80);
    expect_ok(s.deliver(&first, &accounts));
    let limited = s.transfer(&s.home_id.clone(), 50);
    expect_ok(s.deliver(&limited, &accounts));
    let key = s.env.key(&limited);
    assert_eq!(receipt_status(&s.env, &limited), (2, 2));
    let route = route_pda(&s.home_id, ORIGIN);
    let ledger = s.env.ledger(&s.home_id, ORIGIN);
    let meta = expect_ok(s.env.send(
        &[cancel_queued_ix(&guardian.pubkey(), &key, &route)],
        &[&guardian],
    ));
    assert_eq!(
        logged_events(&meta.logs, "TransferCancelled"),
        vec![keccak(&[&limited]).to_vec()]
    );
    assert_eq!(receipt_status(&s.env, &limited).0, 3, "cancelled");
    assert_eq!(s.env.ledger(&s.home_id, ORIGIN), ledger + 50);
    s.env.advance(60);
    expect_err(
        s.env.send(&[execute_queued_ix(&key, &accounts)], &[]),
        "NotQueued",
    );

    // A timelocked entry past its release time, while paused.
    let (big, big_key, bridged) = queue_bridged(&mut s, 5_000);
    s.env.advance(601);
    expect_ok(s.env.pause());
    expect_err(
        s.env.send(&[execute_queued_ix(&big_key, &bridged)], &[]),
        "Paused",
    );
    let bridged_route = route_pda(&s.bridged_id, ORIGIN);
    let stranger = Keypair::new();
    let admin = s.env.admin.insecure_clone();
    for who in [&stranger, &admin] {
        expect_err(
            s.env.send(
                &[cancel_queued_ix(&who.pubkey(), &big_key, &bridged_route)],
                &[who],
            ),
            "NotGuardian",
        );
    }
    // The guardian must sign.
    let mut ix = cancel_queued_ix(&guardian.pubkey(), &big_key, &bridged_route);
    ix.accounts[0] = AccountMeta::new_readonly(guardian.pubkey(), false);
    expect_err(s.env.send(&[ix], &[]), "MissingSignature");
    // Another route than the transfer's.
    expect_err(
        s.env.send(
            &[cancel_queued_ix(&guardian.pubkey(), &big_key, &route)],
            &[&guardian],
        ),
        "RouteDisabled",
    );
    expect_ok(s.env.send(
        &[cancel_queued_ix(
            &guardian.pubkey(),
            &big_key,
            &bridged_route,
        )],
        &[&guardian],
    ));
    assert_eq!(receipt_status(&s.env, &big).0, 3);
    assert_eq!(s.env.mint_supply(&s.bridged_mint), 0);
    // Cancelled once.
    expect_err(
        s.env.send(
            &[cancel_queued_ix(
                &guardian.pubkey(),
                &big_key,
                &bridged_route,
            )],
            &[&guardian],
        ),
        "NotQueued",
    );
}

/// docs/protocol.md, "Routes, buckets and the per-origin ledger": a route with `remote_max = 0`
/// is disabled in both directions, so what its remote queued here does not execute
/// (`RouteDisabled`, still queued, the bucket untouched) until governance enables the route
/// again; the guardian cancels and the admin voids on a disabled route all the same.
#[test]
fn a_disabled_route_holds_queued_transfers_until_enabled() {
    let mut s = Setup::new(1, 1, limits());
    let accounts = s.home_accounts();
    let home_id = s.home_id;
    let m = s.transfer(&home_id, 5_000);
    expect_ok(s.deliver(&m, &accounts));
    let cancelled = s.transfer(&home_id, 2_000);
    expect_ok(s.deliver(&cancelled, &accounts));
    let voided = s.transfer(&home_id, 3_000);
    expect_ok(s.deliver(&voided, &accounts));
    let key = s.env.key(&m);
    let ledger = s.env.ledger(&home_id, ORIGIN);
    let disabled = Limits {
        remote_max: 0,
        ..limits()
    };
    expect_ok(s.env.set_route(&home_id, ORIGIN, &disabled));
    s.env.advance(600);
    let route = route_pda(&home_id, ORIGIN);
    let route_before = s.env.data(&route);
    expect_err(
        s.env.send(&[execute_queued_ix(&key, &accounts)], &[]),
        "RouteDisabled",
    );
    assert_eq!(receipt_status(&s.env, &m), (2, 1), "still queued");
    assert_eq!(s.env.data(&route), route_before, "bucket untouched");
    assert_eq!(s.env.token_balance(&s.home_token), 0);
    // Cancelling and voiding do not need the route enabled.
    let guardian = s.env.guardian.insecure_clone();
    expect_ok(s.env.send(
        &[cancel_queued_ix(
            &guardian.pubkey(),
            &s.env.key(&cancelled),
            &route,
        )],
        &[&guardian],
    ));
    assert_eq!(receipt_status(&s.env, &cancelled).0, 3);
    expect_ok(s.env.govern(
        &void_queued_action(&s.env.key(&voided)),
        vec![
            AccountMeta::new(s.env.receipt(&voided), false),
            AccountMeta::new(route, false),
        ],
    ));
    assert_eq!(receipt_status(&s.env, &voided).0, 3);
    assert_eq!(s.env.ledger(&home_id, ORIGIN), ledger + 5_000);
    // Enabled again: the same entry executes (5,000 above the capacity: a full bucket).
    expect_ok(s.env.set_route(&home_id, ORIGIN, &limits()));
    expect_ok(s.env.send(&[execute_queued_ix(&key, &accounts)], &[]));
    assert_eq!(receipt_status(&s.env, &m).0, 1, "executed");
    assert_eq!(s.env.token_balance(&s.home_token), 5_000);
}

#[test]
fn the_admin_voids_a_queued_transfer_through_the_timelock() {
    let mut s = Setup::new(1, 1, limits());
    let m = s.transfer(&s.home_id.clone(), 5_000);
    let accounts = s.home_accounts();
    expect_ok(s.deliver(&m, &accounts));
    let key = s.env.key(&m);
    let ledger = s.env.ledger(&s.home_id, ORIGIN);
    let route = route_pda(&s.home_id, ORIGIN);
    // While paused too.
    expect_ok(s.env.pause());
    let void = void_queued_action(&key);
    // The wrong route, then the receipt missing.
    let other_route = route_pda(&s.bridged_id, ORIGIN);
    expect_err(
        s.env.govern(
            &void,
            vec![
                AccountMeta::new(s.env.receipt(&m), false),
                AccountMeta::new(other_route, false),
            ],
        ),
        "RouteDisabled",
    );
    expect_err(s.env.govern(&void, vec![]), "NotEnoughAccounts");
    let meta = expect_ok(s.env.govern(
        &void,
        vec![
            AccountMeta::new(s.env.receipt(&m), false),
            AccountMeta::new(route, false),
        ],
    ));
    assert_eq!(
        logged_events(&meta.logs, "TransferCancelled"),
        vec![keccak(&[&m]).to_vec()]
    );
    assert_eq!(receipt_status(&s.env, &m).0, 3);
    assert_eq!(s.env.ledger(&s.home_id, ORIGIN), ledger + 5_000);
    // Voiding twice: the receipt is no longer queued.
    expect_err(
        s.env.govern(
            &void,
            vec![
                AccountMeta::new(s.env.receipt(&m), false),
                AccountMeta::new(route, false),
            ],
        ),
        "NotQueued",
    );
}

/// The extra accounts of `RefundCancelled`.
fn refund_accounts(env: &Env, receipt: Pubkey, token_id: &[u8; 32]) -> Vec<AccountMeta> {
    let mut metas = vec![
        AccountMeta::new(receipt, false),
        AccountMeta::new_readonly(token_pda(token_id), false),
        AccountMeta::new_readonly(remote_pda(ORIGIN), false),
    ];
    metas.extend(event_metas());
    let _ = env;
    metas
}

/// A cancelled transfer is refunded by governance: a new token transfer back to the origin
/// (sender = this program, beneficiary = the cancelled message's sender, the amount in home
/// units, the next outbound nonce), once; the guardian can veto it.
#[test]
fn a_cancelled_transfer_is_refunded_once_through_the_timelock() {
    let mut s = Setup::new(1, 1, limits());
    let (m, key, _) = queue_bridged(&mut s, 5_000);
    let receipt = s.env.receipt(&m);
    let bridged_id = s.bridged_id;
    let accounts = refund_accounts(&s.env, receipt, &bridged_id);
    // Not cancelled yet: refused.
    expect_err(
        s.env.govern(&refund_action(&key), accounts.clone()),
        "NotQueued",
    );
    let guardian = s.env.guardian.insecure_clone();
    let route = route_pda(&bridged_id, ORIGIN);
    expect_ok(s.env.send(
        &[cancel_queued_ix(&guardian.pubkey(), &key, &route)],
        &[&guardian],
    ));
    // The guardian vetoes a first refund proposal.
    let vetoed = s.env.propose(&refund_action(&key)).unwrap();
    expect_ok(s.env.send(
        &[cancel_proposal_ix(&guardian.pubkey(), vetoed)],
        &[&guardian],
    ));
    // Not while paused (it sends a message, as `send`): the execution fails and the proposal
    // stays pending; after the unpause the same proposal executes, within its grace period.
    let id = s.env.propose(&refund_action(&key)).unwrap();
    expect_ok(s.env.pause());
    s.env.advance(ADMIN_DELAY);
    expect_err(
        s.env
            .send(&[s.env.execute_proposal_ix(id, accounts.clone())], &[]),
        "Paused",
    );
    assert_eq!(s.env.data(&proposal_pda(id))[17], 0, "still pending");
    let unpause = s.env.propose(&UNPAUSE).unwrap();
    s.env.advance(ADMIN_DELAY);
    expect_ok(
        s.env
            .send(&[s.env.execute_proposal_ix(unpause, vec![])], &[]),
    );

    let ix = s.env.execute_proposal_ix(id, accounts.clone());
    let keys = s.env.account_keys(std::slice::from_ref(&ix));
    let meta = expect_ok(s.env.send(&[ix], &[]));
    let body = transfer_body_to(&bridged_id, 5_000_000_000_000, &evm_sender());
    let expected = encode_message(
        0,
        DOMAIN,
        &PROGRAM_ID.to_bytes(),
        ORIGIN,
        &s.env.origin_bridge,
        &body,
    );
    let refund_id = keccak(&[&expected]);
    assert_eq!(
        MessageSent::of(&meta, &keys),
        vec![MessageSent {
            id: refund_id,
            destination: ORIGIN,
            nonce: 0,
            message: expected,
        }]
    );
    let mut refunded = keccak(&[&m]).to_vec();
    refunded.extend_from_slice(&refund_id);
    assert_eq!(
        logged_events(&meta.logs, "TransferRefunded"),
        vec![refunded]
    );
    let data = s.env.data(&receipt);
    assert_eq!(data[9], 6, "refunded");
    assert_eq!(&data[248..280], &refund_id);
    // No bucket or ledger changes, and the next nonce is taken.
    assert_eq!(s.env.ledger(&bridged_id, ORIGIN), 0);
    let config = s.env.data(&config_pda());
    assert_eq!(u64::from_le_bytes(config[86..94].try_into().unwrap()), 1);
    // Once.
    expect_err(s.env.govern(&refund_action(&key), accounts), "NotQueued");
}

/// Like a send, a refund is refused when the origin could never pay the cancelled message's
/// sender (`InvalidBeneficiary`: zero, or for an EVM origin non-zero upper 12 bytes), as the
/// EVM bridge refuses it.
#[test]
fn a_refund_refuses_a_sender_the_origin_cannot_pay() {
    let mut s = Setup::new(1, 1, limits());
    let bridged_id = s.bridged_id;
    let accounts = s.bridged_accounts();
    let guardian = s.env.guardian.insecure_clone();
    let route = route_pda(&bridged_id, ORIGIN);
    // Zero; not a 20-byte address for an EVM origin; the origin bridge itself (a cancelled
    // refund from it: refunding it would strand the tokens there, second review F-6).
    let origin_bridge = s.env.origin_bridge;
    for (nonce, sender) in [(100u64, [0u8; 32]), (101, [0xff; 32]), (102, origin_bridge)] {
        let body = transfer_body(&bridged_id, 5_000_000_000_000, &s.user.pubkey());
        let m = encode_message(
            nonce,
            ORIGIN,
            &sender,
            DOMAIN,
            &PROGRAM_ID.to_bytes(),
            &body,
        );
        expect_ok(s.deliver(&m, &accounts));
        let key = s.env.key(&m);
        expect_ok(s.env.send(
            &[cancel_queued_ix(&guardian.pubkey(), &key, &route)],
            &[&guardian],
        ));
        let refund = refund_accounts(&s.env, s.env.receipt(&m), &bridged_id);
        expect_err(
            s.env.govern(&refund_action(&key), refund),
            "InvalidBeneficiary",
        );
        assert_eq!(receipt_status(&s.env, &m).0, 3, "still cancelled");
    }
}

/// Second review, F-5: a refund goes to the origin domain's current remote bridge, so once the
/// remote is pointed at a redeployed bridge (which never locked those tokens), a refund of a
/// transfer from the old one is refused (`WrongRemote`) instead of being addressed to the new
/// one; with the remote back on the bridge the message came from, it is refunded.
#[test]
fn a_refund_goes_only_to_the_bridge_the_message_came_from() {
    let mut s = Setup::new(1, 1, limits());
    let (m, key, _) = queue_bridged(&mut s, 5_000);
    let guardian = s.env.guardian.insecure_clone();
    let bridged_id = s.bridged_id;
    let route = route_pda(&bridged_id, ORIGIN);
    expect_ok(s.env.send(
        &[cancel_queued_ix(&guardian.pubkey(), &key, &route)],
        &[&guardian],
    ));
    let old = s.env.origin_bridge;
    assert_eq!(key.bridge, old);
    // The receipt is keyed by the bridge the message came from (the remote's at delivery).
    let accounts = refund_accounts(&s.env, s.env.receipt(&m), &bridged_id);
    let addrs: Vec<[u8; 20]> = s.env.validators.iter().map(|v| v.address).collect();
    let epoch = u64::from_le_bytes(s.env.data(&remote_pda(ORIGIN))[46..54].try_into().unwrap());
    expect_ok(
        s.env
            .set_remote(ORIGIN, evm_bridge(0x77), epoch + 1, 1, &addrs),
    );
    let id = s.env.propose(&refund_action(&key)).unwrap();
    s.env.advance(ADMIN_DELAY);
    expect_err(
        s.env
            .send(&[s.env.execute_proposal_ix(id, accounts.clone())], &[]),
        "WrongRemote",
    );
    assert_eq!(s.env.data(&accounts[0].pubkey)[9], 3, "still cancelled");
    // The remote back on the bridge the message came from: the same proposal refunds it.
    expect_ok(s.env.set_remote(ORIGIN, old, epoch + 2, 1, &addrs));
    expect_ok(s.env.send(&[s.env.execute_proposal_ix(id, accounts)], &[]));
    assert_eq!(receipt_status(&s.env, &m).0, 6, "refunded");
}

#[test]
fn refund_accounts_are_checked() {
    let mut s = Setup::new(1, 1, limits());
    let (m, key, _) = queue_bridged(&mut s, 5_000);
    let guardian = s.env.guardian.insecure_clone();
    let bridged_id = s.bridged_id;
    let route = route_pda(&bridged_id, ORIGIN);
    expect_ok(s.env.send(
        &[cancel_queued_ix(&guardian.pubkey(), &key, &route)],
        &[&guardian],
    ));
    let base = refund_accounts(&s.env, s.env.receipt(&m), &bridged_id);
    let forged = Pubkey::new_unique();
    let bytes = s.env.data(&s.env.receipt(&m));
    s.env.put(forged, PROGRAM_ID, bytes);
    let cases: Vec<(usize, AccountMeta, &str)> = vec![
        (0, AccountMeta::new(forged, false), "WrongAccountAddress"),
        (
            1,
            AccountMeta::new_readonly(token_pda(&s.home_id), false),
            "TokenNotRegistered",
        ),
        (
            2,
            AccountMeta::new_readonly(remote_pda(7), false),
            "UnknownRemote",
        ),
        (
            3,
            AccountMeta::new_readonly(authority_pda(), false),
            "WrongAccountAddress",
        ),
        (
            4,
            AccountMeta::new_readonly(TOKEN_PROGRAM, false),
            "WrongAccountAddress",
        ),
    ];
    for (index, meta, err) in cases {
        let mut accounts = base.clone();
        accounts[index] = meta;
        expect_err(s.env.govern(&refund_action(&key), accounts), err);
    }
    // Another receipt's key in the action than the receipt passed.
    let other = Key { nonce: 99, ..key };
    expect_err(
        s.env.govern(&refund_action(&other), base.clone()),
        "WrongAccountAddress",
    );
    expect_ok(s.env.govern(&refund_action(&key), base));
}

#[test]
fn paused_bridges_do_not_execute_queued_transfers() {
    let mut s = Setup::new(1, 1, limits());
    let m = s.transfer(&s.home_id.clone(), 5_000);
    let accounts = s.home_accounts();
    expect_ok(s.deliver(&m, &accounts));
    let key = s.env.key(&m);
    expect_ok(s.env.pause());
    s.env.advance(600);
    expect_err(
        s.env.send(&[execute_queued_ix(&key, &accounts)], &[]),
        "Paused",
    );
}

#[test]
fn substituted_accounts_are_refused() {
    let mut s = Setup::new(1, 1, limits());
    let m = s.transfer(&s.home_id.clone(), 5_000);
    let accounts = s.home_accounts();
    expect_ok(s.deliver(&m, &accounts));
    let key = s.env.key(&m);
    s.env.advance(600);
    let base = execute_queued_ix(&key, &accounts);
    let forged_receipt = Pubkey::new_unique();
    let bytes = s.env.data(&s.env.receipt(&m));
    s.env.put(forged_receipt, PROGRAM_ID, bytes);
    let fake_clock = Pubkey::new_unique();
    s.env.put(fake_clock, SYSTEM_PROGRAM, vec![0xff; 40]);
    let fake_vault = s
        .env
        .create_token_account(&s.home_mint, &authority_pda(), VAULT);
    let fake_config = Pubkey::new_unique();
    let bytes = s.env.data(&config_pda());
    s.env.put(fake_config, PROGRAM_ID, bytes);
    let fake_route = Pubkey::new_unique();
    let bytes = s.env.data(&route_pda(&s.home_id, ORIGIN));
    s.env.put(fake_route, PROGRAM_ID, bytes);
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
            1,
            AccountMeta::new_readonly(s.env.receipt(&m), false),
            "NotWritable",
        ),
        (
            2,
            AccountMeta::new_readonly(fake_clock, false),
            "WrongAccountAddress",
        ),
        (
            3,
            AccountMeta::new_readonly(token_pda(&s.bridged_id), false),
            "TokenNotRegistered",
        ),
        (4, AccountMeta::new(fake_route, false), "RouteDisabled"),
        (
            4,
            AccountMeta::new(route_pda(&s.bridged_id, ORIGIN), false),
            "RouteDisabled",
        ),
        (
            6,
            AccountMeta::new(fake_vault, false),
            "WrongAccountAddress",
        ),
        (
            8,
            AccountMeta::new_readonly(Pubkey::new_unique(), false),
            "WrongAccountAddress",
        ),
        (
            9,
            AccountMeta::new_readonly(SYSTEM_PROGRAM, false),
            "WrongTokenProgram",
        ),
    ];
    for (index, meta, err) in cases {
        let mut ix = base.clone();
        ix.accounts[index] = meta;
        expect_err(s.env.send(&[ix], &[]), err);
    }
    // Another key in the arguments than the receipt's.
    let mut ix = base.clone();
    ix.data[8..12].copy_from_slice(&7u32.to_le_bytes());
    expect_err(s.env.send(&[ix], &[]), "WrongAccountAddress");
    // cancel_queued with a forged receipt / route.
    let guardian = s.env.guardian.insecure_clone();
    let route = route_pda(&s.home_id, ORIGIN);
    let mut ix = cancel_queued_ix(&guardian.pubkey(), &key, &route);
    ix.accounts[2] = AccountMeta::new(forged_receipt, false);
    expect_err(s.env.send(&[ix], &[&guardian]), "WrongAccountAddress");
    let mut ix = cancel_queued_ix(&guardian.pubkey(), &key, &route);
    ix.accounts[3] = AccountMeta::new(fake_route, false);
    expect_err(s.env.send(&[ix], &[&guardian]), "RouteDisabled");
    let mut ix = cancel_queued_ix(&guardian.pubkey(), &key, &route);
    ix.accounts[1] = AccountMeta::new_readonly(fake_config, false);
    expect_err(s.env.send(&[ix], &[&guardian]), "WrongAccountAddress");
    expect_ok(s.env.send(&[base], &[]));
}

const VAULT: u64 = 1_000_000;
