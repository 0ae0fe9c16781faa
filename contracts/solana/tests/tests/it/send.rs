//! `send`: lock into the vault (home token) or burn (bridged mint), the outbound nonce, the
//! emitted message, the outbound bucket, and substituted accounts.

use solana_instruction::AccountMeta;
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

fn send(s: &mut Setup, amount: u64) -> Outcome {
    let ix = send_ix(
        &s.user.pubkey(),
        ORIGIN,
        &[0x42; 32],
        amount,
        &s.token_id,
        &s.user_token,
        &s.mint,
        &vault_pda(&s.mint),
    );
    let user = s.user.insecure_clone();
    s.env.send(&[ix], &[&user])
}

#[test]
fn locks_home_tokens_and_emits_the_message() {
    let mut s = home(Limits::default());
    for nonce in 0..2u64 {
        let meta = expect_ok(send(&mut s, 250));
        let data = program_data(&meta.logs);
        assert_eq!(data.len(), 1, "one Program data line: {:?}", meta.logs);
        let body = transfer_body(&s.token_id, 250, &Pubkey::new_from_array([0x42; 32]));
        let expected = encode_message(
            nonce,
            DOMAIN,
            &s.user.pubkey().to_bytes(),
            ORIGIN,
            &s.env.origin_bridge,
            &body,
        );
        assert_eq!(data[0], vec![expected], "emitted message");
        assert_eq!(s.token_id, token_id(DOMAIN, &s.mint.to_bytes()));
    }
    assert_eq!(s.env.token_balance(&vault_pda(&s.mint)), 500);
    assert_eq!(s.env.token_balance(&s.user_token), 1_000_000 - 500);
    let config = s.env.data(&config_pda());
    assert_eq!(
        u64::from_le_bytes(config[78..86].try_into().unwrap()),
        2,
        "outbound nonce"
    );
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
    let ix = send_ix(
        &user.pubkey(),
        ORIGIN,
        &[1; 32],
        7,
        &id,
        &user_token,
        &mint,
        &PROGRAM_ID,
    );
    let meta = expect_ok(env.send(&[ix], &[&user]));
    let message = &program_data(&meta.logs)[0][0];
    let body = transfer_body(&id, 7_000_000_000, &Pubkey::new_from_array([1; 32]));
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
    // A bridged token has no vault: passing a token account there is refused.
    let other = env.create_token_account(&mint, &authority_pda(), 0);
    let ix = send_ix(
        &user.pubkey(),
        ORIGIN,
        &[1; 32],
        7,
        &id,
        &user_token,
        &mint,
        &other,
    );
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
}

#[test]
fn refuses_zero_unknown_remote_and_paused() {
    let mut s = home(Limits::default());
    expect_err(send(&mut s, 0), "ZeroValue");
    let user = s.user.insecure_clone();
    for destination in [7u32, DOMAIN] {
        let ix = send_ix(
            &user.pubkey(),
            destination,
            &[1; 32],
            1,
            &s.token_id,
            &s.user_token,
            &s.mint,
            &vault_pda(&s.mint),
        );
        expect_err(s.env.send(&[ix], &[&user]), "UnknownRemote");
    }
    let ix = send_ix(
        &user.pubkey(),
        ORIGIN,
        &[0; 32],
        1,
        &s.token_id,
        &s.user_token,
        &s.mint,
        &vault_pda(&s.mint),
    );
    expect_err(s.env.send(&[ix], &[&user]), "ZeroValue");
    let guardian = s.env.guardian.insecure_clone();
    expect_ok(
        s.env
            .send(&[s.env.pause_ix(&guardian.pubkey())], &[&guardian]),
    );
    expect_err(send(&mut s, 1), "Paused");
}

#[test]
fn substituted_accounts_are_refused() {
    let mut s = home(Limits::default());
    let user = s.user.insecure_clone();
    let base = send_ix(
        &user.pubkey(),
        ORIGIN,
        &[1; 32],
        5,
        &s.token_id,
        &s.user_token,
        &s.mint,
        &vault_pda(&s.mint),
    );
    let mut cases: Vec<(usize, AccountMeta, &str)> = Vec::new();
    // Fake vault: a token account of the mint owned by the authority PDA, not the vault PDA.
    let fake_vault = s.env.create_token_account(&s.mint, &authority_pda(), 0);
    cases.push((
        6,
        AccountMeta::new(fake_vault, false),
        "WrongAccountAddress",
    ));
    // Wrong token program.
    cases.push((
        7,
        AccountMeta::new_readonly(SYSTEM_PROGRAM, false),
        "WrongTokenProgram",
    ));
    // Someone else's token account.
    let theirs = s
        .env
        .create_token_account(&s.mint, &Pubkey::new_unique(), 1_000);
    cases.push((4, AccountMeta::new(theirs, false), "WrongTokenOwner"));
    // A token account of another mint.
    let other_mint = s.env.create_mint(&Pubkey::new_unique(), 6);
    let other = s
        .env
        .create_token_account(&other_mint, &user.pubkey(), 1_000);
    cases.push((4, AccountMeta::new(other, false), "WrongMint"));
    cases.push((
        5,
        AccountMeta::new(other_mint, false),
        "WrongAccountAddress",
    ));
    // A forged token config (the real bytes at another program-owned address).
    let forged = Pubkey::new_unique();
    let bytes = s.env.data(&token_pda(&s.token_id));
    s.env.put(forged, PROGRAM_ID, bytes);
    cases.push((3, AccountMeta::new(forged, false), "TokenNotRegistered"));
    // A forged config.
    let fake_config = Pubkey::new_unique();
    let bytes = s.env.data(&config_pda());
    s.env.put(fake_config, PROGRAM_ID, bytes);
    cases.push((
        1,
        AccountMeta::new(fake_config, false),
        "WrongAccountAddress",
    ));
    // A forged remote.
    let fake_remote = Pubkey::new_unique();
    let bytes = s.env.data(&remote_pda(ORIGIN));
    s.env.put(fake_remote, PROGRAM_ID, bytes);
    cases.push((
        2,
        AccountMeta::new_readonly(fake_remote, false),
        "UnknownRemote",
    ));
    // A fake clock.
    let fake_clock = Pubkey::new_unique();
    s.env.put(fake_clock, SYSTEM_PROGRAM, vec![0; 40]);
    cases.push((
        8,
        AccountMeta::new_readonly(fake_clock, false),
        "WrongAccountAddress",
    ));
    // Read-only config.
    cases.push((
        1,
        AccountMeta::new_readonly(config_pda(), false),
        "NotWritable",
    ));
    for (index, meta, err) in cases {
        let mut ix = base.clone();
        ix.accounts[index] = meta;
        expect_err(s.env.send(&[ix], &[&user]), err);
    }
    // The sender does not sign.
    let mut ix = base.clone();
    ix.accounts[0] = AccountMeta::new_readonly(user.pubkey(), false);
    expect_err(s.env.send(&[ix], &[]), "MissingSignature");
    expect_ok(s.env.send(&[base], &[&user]));
}
