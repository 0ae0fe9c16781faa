//! `send`: lock into the vault (home token) or burn (bridged mint), the outbound nonce, the
//! `MessageSent` event (self-CPI inner instruction and log line), the route (exists, enabled,
//! representable at the remote's scale and maximum, outbound bucket, ledger), the beneficiary
//! for the remote's kind, and substituted accounts.

use solana_instruction::{AccountMeta, Instruction};
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

use crate::common::*;

struct Setup {
    env: Env,
    user: Keypair,
    mint: Pubkey,
    user_token: Pubkey,
    token_id: [u8; 32],
}

fn home(limits: Limits) -> Setup {
    let mut env = Env::new(1, 1);
    let user = Keypair::new();
    let mint = env.create_mint(&Pubkey::new_unique(), 6);
    let user_token = env.create_token_account(&mint, &user.pubkey(), 1_000_000);
    let token_id = env.register_home_token(&mint, limits);
    Setup {
        env,
        user,
        mint,
        user_token,
        token_id,
    }
}

/// An EVM beneficiary (upper 12 bytes zero).
fn evm(byte: u8) -> [u8; 32] {
    let mut b = [0u8; 32];
    b[12..].fill(byte);
    b
}

fn args(s: &Setup, destination: u32, beneficiary: [u8; 32], amount: u64) -> SendArgs {
    SendArgs {
        destination,
        token_id: s.token_id,
        beneficiary,
        amount,
    }
}

fn send_to(s: &mut Setup, destination: u32, beneficiary: [u8; 32], amount: u64) -> Outcome {
    let ix = send_ix(
        &s.user.pubkey(),
        &args(s, destination, beneficiary, amount),
        &s.user_token,
        &s.mint,
        &vault_pda(&s.mint),
    );
    let user = s.user.insecure_clone();
    s.env.send(&[ix], &[&user])
}

fn send(s: &mut Setup, amount: u64) -> Outcome {
    send_to(s, ORIGIN, evm(0x42), amount)
}

#[test]
fn locks_home_tokens_and_emits_message_sent() {
    let mut s = home(Limits::default());
    for nonce in 0..2u64 {
        let ix = send_ix(
            &s.user.pubkey(),
            &args(&s, ORIGIN, evm(0x42), 250),
            &s.user_token,
            &s.mint,
            &vault_pda(&s.mint),
        );
        let keys = s.env.account_keys(std::slice::from_ref(&ix));
        let user = s.user.insecure_clone();
        let meta = expect_ok(s.env.send(&[ix], &[&user]));
        let body = transfer_body_to(&s.token_id, 250, &evm(0x42));
        let expected = encode_message(
            nonce,
            DOMAIN,
            &s.user.pubkey().to_bytes(),
            ORIGIN,
            &s.env.origin_bridge,
            &body,
        );
        // One MessageSent, as an inner instruction (the event authority signing) and as the
        // same bytes in a log line.
        let sent = MessageSent::of(&meta, &keys);
        assert_eq!(
            sent,
            vec![MessageSent {
                id: keccak(&[&expected]),
                destination: ORIGIN,
                nonce,
                message: expected,
            }]
        );
        assert_eq!(program_data(&meta.logs).len(), 1, "{:#?}", meta.logs);
        if nonce == 1 {
            println!(
                "CU send (home token, self-CPI event): {} CU",
                meta.compute_units_consumed
            );
        }
    }
    assert_eq!(s.env.token_balance(&vault_pda(&s.mint)), 500);
    assert_eq!(s.env.token_balance(&s.user_token), 1_000_000 - 500);
    assert_eq!(s.env.ledger(&s.token_id, ORIGIN), 500, "the route's ledger");
    let config = s.env.data(&config_pda());
    assert_eq!(
        u64::from_le_bytes(config[86..94].try_into().unwrap()),
        2,
        "outbound nonce"
    );
}

/// Review finding 10: logs can be truncated; the inner instruction cannot. With a log budget
/// too small for the event line, the message is still read whole from the inner instruction.
#[test]
fn message_sent_survives_truncated_logs() {
    let mut s = home(Limits::default());
    s.env.svm = std::mem::take(&mut s.env.svm).with_log_bytes_limit(Some(64));
    let ix = send_ix(
        &s.user.pubkey(),
        &args(&s, ORIGIN, evm(0x42), 7),
        &s.user_token,
        &s.mint,
        &vault_pda(&s.mint),
    );
    let keys = s.env.account_keys(std::slice::from_ref(&ix));
    let user = s.user.insecure_clone();
    let meta = expect_ok(s.env.send(&[ix], &[&user]));
    assert!(
        logged_events(&meta.logs, "MessageSent").is_empty()
            && meta.logs.iter().any(|l| l.contains("truncated")),
        "the log line is gone: {:#?}",
        meta.logs
    );
    let events = cpi_events(&meta, &keys);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0][..8], event_disc("MessageSent"));
    let sent = MessageSent::decode(&events[0][8..]);
    assert_eq!(sent.nonce, 0);
    assert_eq!(keccak(&[&sent.message]), sent.id);
}

/// The event instruction is accepted only from the program itself: sent directly, with the
/// event authority not signing or with another signer in its place, it is refused.
#[test]
fn the_event_instruction_needs_the_event_authority_signature() {
    let mut env = Env::new(1, 1);
    let mut data = EVENT_IX_TAG.to_vec();
    data.extend_from_slice(&event_disc("MessageSent"));
    data.extend_from_slice(&[0; 48]);
    let unsigned = Instruction::new_with_bytes(
        PROGRAM_ID,
        &data,
        vec![AccountMeta::new_readonly(event_authority_pda(), false)],
    );
    expect_err(env.send(&[unsigned], &[]), "EventAuthority");
    let impostor = Keypair::new();
    let signed = Instruction::new_with_bytes(
        PROGRAM_ID,
        &data,
        vec![AccountMeta::new_readonly(impostor.pubkey(), true)],
    );
    expect_err(env.send(&[signed], &[&impostor]), "EventAuthority");
    let none = Instruction::new_with_bytes(PROGRAM_ID, &data, vec![]);
    expect_err(env.send(&[none], &[]), "NotEnoughAccounts");
}

#[test]
fn burns_bridged_tokens_with_the_scale() {
    let mut env = Env::new(1, 1);
    let user = Keypair::new();
    let mint = env.create_mint(&authority_pda(), 9);
    let user_token = env.create_token_account(&mint, &user.pubkey(), 1_000);
    let mut mint_data = env.data(&mint);
    mint_data[36..44].copy_from_slice(&1_000u64.to_le_bytes());
    env.put(mint, TOKEN_PROGRAM, mint_data);
    let home_token = [0xaa; 32];
    let id = env.register_bridged_token(ORIGIN, &home_token, &mint, 9, Limits::default());
    let send = SendArgs {
        destination: ORIGIN,
        token_id: id,
        beneficiary: evm(1),
        amount: 7,
    };
    let ix = send_ix(&user.pubkey(), &send, &user_token, &mint, &PROGRAM_ID);
    // Nothing came from the token's home yet: home's ledger would refuse it, so nothing burns.
    expect_err(
        env.send(std::slice::from_ref(&ix), &[&user]),
        "LedgerExceeded",
    );
    assert_eq!(env.token_balance(&user_token), 1_000);
    env.write_ledger(&id, ORIGIN, -1_000);
    let keys = env.account_keys(std::slice::from_ref(&ix));
    let meta = expect_ok(env.send(&[ix], &[&user]));
    let message = &MessageSent::of(&meta, &keys)[0].message;
    let body = transfer_body_to(&id, 7_000_000_000, &evm(1));
    assert_eq!(
        message,
        &encode_message(
            0,
            DOMAIN,
            &user.pubkey().to_bytes(),
            ORIGIN,
            &env.origin_bridge,
            &body
        )
    );
    assert_eq!(env.mint_supply(&mint), 993);
    assert_eq!(env.token_balance(&user_token), 993);
    // Back to the token's home: the ledger counts it.
    assert_eq!(env.ledger(&id, ORIGIN), -993);
    expect_err(
        {
            let ix = send_ix(
                &user.pubkey(),
                &SendArgs {
                    amount: 994,
                    ..send
                },
                &user_token,
                &mint,
                &PROGRAM_ID,
            );
            env.send(&[ix], &[&user])
        },
        "LedgerExceeded",
    );
    // A bridged token has no vault: passing a token account there is refused.
    let other = env.create_token_account(&mint, &authority_pda(), 0);
    let ix = send_ix(&user.pubkey(), &send, &user_token, &mint, &other);
    expect_err(env.send(&[ix], &[&user]), "WrongAccountAddress");
}

#[test]
fn outbound_bucket_refuses_and_refills() {
    let mut s = home(Limits {
        outbound_capacity: 100,
        outbound_refill: 10,
        ..Limits::default()
    });
    expect_err(send(&mut s, 101), "RateLimited");
    expect_ok(send(&mut s, 100));
    expect_err(send(&mut s, 1), "RateLimited");
    s.env.advance(1);
    expect_ok(send(&mut s, 10));
    expect_err(send(&mut s, 1), "RateLimited");
    assert_eq!(s.env.ledger(&s.token_id, ORIGIN), 110);
}

/// Review finding 7: what the destination can never pay is refused at send. A remote with two
/// decimals fewer (`remote_exp` 2) and at most 5 units (`remote_max`): amounts must be
/// multiples of 100 and at most 500; `remote_max` 0 disables the route.
#[test]
fn amounts_must_be_representable_at_the_remote() {
    let limits = Limits {
        remote_exp: 2,
        remote_max: 5,
        ..Limits::default()
    };
    let mut s = home(limits);
    expect_err(send(&mut s, 150), "BadAmount");
    expect_err(send(&mut s, 600), "BadAmount");
    expect_err(send(&mut s, 0), "BadAmount");
    expect_ok(send(&mut s, 500));
    expect_ok(send(&mut s, 100));
    let token_id = s.token_id;
    let disabled = Limits {
        remote_max: 0,
        ..limits
    };
    expect_ok(s.env.set_route(&token_id, ORIGIN, &disabled));
    expect_err(send(&mut s, 100), "RouteDisabled");
    // A bridged token's home amount is local * 10^9; a remote at 10^18 (remote_exp 18 of an
    // 18-decimal home) needs multiples of 10^9 local units, and u64 local amounts fit a u128
    // remote maximum.
    let mut env = Env::new(1, 1);
    let user = Keypair::new();
    let mint = env.create_mint(&authority_pda(), 9);
    let user_token = env.create_token_account(&mint, &user.pubkey(), u64::MAX);
    let mut mint_data = env.data(&mint);
    mint_data[36..44].copy_from_slice(&u64::MAX.to_le_bytes());
    env.put(mint, TOKEN_PROGRAM, mint_data);
    let id = env.register_bridged_token(
        ORIGIN,
        &[0xab; 32],
        &mint,
        9,
        Limits {
            remote_exp: 18,
            outbound_capacity: u64::MAX,
            ..Limits::default()
        },
    );
    env.write_ledger(&id, ORIGIN, -i128::from(u64::MAX));
    let send = |env: &mut Env, amount: u64| {
        let args = SendArgs {
            destination: ORIGIN,
            token_id: id,
            beneficiary: evm(1),
            amount,
        };
        let ix = send_ix(&user.pubkey(), &args, &user_token, &mint, &PROGRAM_ID);
        env.send(&[ix], &[&user])
    };
    expect_err(send(&mut env, 1_500_000_000), "BadAmount");
    expect_ok(send(&mut env, 2_000_000_000));
}

#[test]
fn the_beneficiary_must_be_payable_by_the_remote() {
    let mut s = home(Limits::default());
    // ORIGIN is an EVM remote: only 20-byte addresses.
    expect_err(send_to(&mut s, ORIGIN, [0x42; 32], 1), "InvalidBeneficiary");
    expect_err(send_to(&mut s, ORIGIN, [0; 32], 1), "InvalidBeneficiary");
    let mut upper = evm(0x42);
    upper[0] = 1;
    expect_err(send_to(&mut s, ORIGIN, upper, 1), "InvalidBeneficiary");
    expect_ok(send_to(&mut s, ORIGIN, evm(0x42), 1));
    // A Solana remote pays any non-zero key.
    let addrs: Vec<[u8; 20]> = s.env.validators.iter().map(|v| v.address).collect();
    expect_ok(
        s.env
            .set_remote_of_kind(9, [0x99; 32], KIND_SOLANA, 1, 1, &addrs),
    );
    let token_id = s.token_id;
    expect_ok(s.env.set_route(&token_id, 9, &Limits::default()));
    expect_err(send_to(&mut s, 9, [0; 32], 1), "InvalidBeneficiary");
    expect_ok(send_to(&mut s, 9, [0x42; 32], 1));
    // Second review, F-6: never the destination bridge itself (its tokens would be stranded
    // there), for either kind.
    expect_err(send_to(&mut s, 9, [0x99; 32], 1), "InvalidBeneficiary");
    let origin_bridge = s.env.remote_bridge(ORIGIN);
    assert_eq!(origin_bridge[..12], [0; 12]);
    expect_err(
        send_to(&mut s, ORIGIN, origin_bridge, 1),
        "InvalidBeneficiary",
    );
    // A remote kind other than 0 and 1 is refused.
    let bad = set_remote_action(10, &[1; 32], 2, 1, 1, &addrs);
    expect_err(
        s.env
            .govern(&bad, vec![AccountMeta::new(remote_pda(10), false)]),
        "OutOfRange",
    );
}

#[test]
fn refuses_unknown_remote_missing_route_and_paused() {
    let mut s = home(Limits::default());
    for destination in [7u32, DOMAIN] {
        expect_err(send_to(&mut s, destination, evm(1), 1), "UnknownRemote");
    }
    // A remote without a route for this token.
    let addrs: Vec<[u8; 20]> = s.env.validators.iter().map(|v| v.address).collect();
    expect_ok(s.env.set_remote(7, evm_bridge(0x77), 1, 1, &addrs));
    expect_err(send_to(&mut s, 7, evm(1), 1), "RouteDisabled");
    expect_ok(s.env.pause());
    expect_err(send(&mut s, 1), "Paused");
}

#[test]
fn substituted_accounts_are_refused() {
    let mut s = home(Limits::default());
    let user = s.user.insecure_clone();
    let base = send_ix(
        &user.pubkey(),
        &args(&s, ORIGIN, evm(1), 5),
        &s.user_token,
        &s.mint,
        &vault_pda(&s.mint),
    );
    let mut cases: Vec<(usize, AccountMeta, &str)> = Vec::new();
    let forge = |s: &mut Setup, of: Pubkey| {
        let fake = Pubkey::new_unique();
        let bytes = s.env.data(&of);
        s.env.put(fake, PROGRAM_ID, bytes);
        fake
    };
    // A forged config (the real bytes at another program-owned address), read-only config.
    let fake_config = forge(&mut s, config_pda());
    cases.push((
        1,
        AccountMeta::new(fake_config, false),
        "WrongAccountAddress",
    ));
    cases.push((
        1,
        AccountMeta::new_readonly(config_pda(), false),
        "NotWritable",
    ));
    // A forged remote.
    let fake_remote = forge(&mut s, remote_pda(ORIGIN));
    cases.push((
        2,
        AccountMeta::new_readonly(fake_remote, false),
        "UnknownRemote",
    ));
    // A forged token config.
    let token_config = token_pda(&s.token_id);
    let fake_token = forge(&mut s, token_config);
    cases.push((
        3,
        AccountMeta::new_readonly(fake_token, false),
        "TokenNotRegistered",
    ));
    // A forged route, a read-only route.
    let route = route_pda(&s.token_id, ORIGIN);
    let fake_route = forge(&mut s, route);
    cases.push((4, AccountMeta::new(fake_route, false), "RouteDisabled"));
    cases.push((
        4,
        AccountMeta::new_readonly(route_pda(&s.token_id, ORIGIN), false),
        "NotWritable",
    ));
    // Someone else's token account; a token account of another mint.
    let theirs = s
        .env
        .create_token_account(&s.mint, &Pubkey::new_unique(), 1_000);
    cases.push((5, AccountMeta::new(theirs, false), "WrongTokenOwner"));
    let other_mint = s.env.create_mint(&Pubkey::new_unique(), 6);
    let other = s
        .env
        .create_token_account(&other_mint, &user.pubkey(), 1_000);
    cases.push((5, AccountMeta::new(other, false), "WrongMint"));
    cases.push((
        6,
        AccountMeta::new(other_mint, false),
        "WrongAccountAddress",
    ));
    // Fake vault: a token account of the mint owned by the authority PDA, not the vault PDA.
    let fake_vault = s.env.create_token_account(&s.mint, &authority_pda(), 0);
    cases.push((
        7,
        AccountMeta::new(fake_vault, false),
        "WrongAccountAddress",
    ));
    cases.push((
        8,
        AccountMeta::new_readonly(SYSTEM_PROGRAM, false),
        "WrongTokenProgram",
    ));
    let fake_clock = Pubkey::new_unique();
    s.env.put(fake_clock, SYSTEM_PROGRAM, vec![0; 40]);
    cases.push((
        9,
        AccountMeta::new_readonly(fake_clock, false),
        "WrongAccountAddress",
    ));
    // Another account as event authority, another program in the program's place.
    cases.push((
        10,
        AccountMeta::new_readonly(authority_pda(), false),
        "WrongAccountAddress",
    ));
    cases.push((
        11,
        AccountMeta::new_readonly(TOKEN_PROGRAM, false),
        "WrongAccountAddress",
    ));
    for (index, meta, err) in cases {
        let mut ix = base.clone();
        ix.accounts[index] = meta;
        expect_err(s.env.send(&[ix], &[&user]), err);
    }
    // The sender does not sign; the event accounts are missing.
    let mut ix = base.clone();
    ix.accounts[0] = AccountMeta::new_readonly(user.pubkey(), false);
    expect_err(s.env.send(&[ix], &[]), "MissingSignature");
    let mut ix = base.clone();
    ix.accounts.truncate(10);
    expect_err(s.env.send(&[ix], &[&user]), "NotEnoughAccounts");
    // Another token id in the arguments than the accounts'.
    let mut ix = base.clone();
    ix.data[12..44].copy_from_slice(&[7; 32]);
    expect_err(s.env.send(&[ix], &[&user]), "TokenNotRegistered");
    expect_ok(s.env.send(&[base], &[&user]));
}

/// A probe of the second review (it holds): another program cannot make the bridge accept a
/// `MessageSent` event instruction. The hostile recipient, called directly at top level,
/// invokes the bridge's event instruction with the event authority as its only account: it
/// cannot make the PDA sign, so the bridge refuses (`EventAuthority`) and no such inner
/// instruction can appear in a successful transaction.
#[test]
fn an_event_instruction_cpid_by_another_program_is_refused() {
    let mut env = Env::new(1, 1);
    // The hostile test recipient (`contracts/solana/test-recipient`).
    let attacker = Pubkey::new_from_array([0x66; 32]);
    env.add_program(attacker, "trestle_test_recipient.so");
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
        attacker,
        &data,
        vec![
            AccountMeta::new_readonly(env.payer.pubkey(), false),
            AccountMeta::new_readonly(PROGRAM_ID, false),
            AccountMeta::new_readonly(event_authority_pda(), false),
        ],
    );
    expect_err(env.send(&[wrapper], &[]), "EventAuthority");
}
