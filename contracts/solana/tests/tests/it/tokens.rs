//! Token registration and limits through the timelock: home tokens (vault created), bridged
//! mints (mint authority must be the bridge's PDA), re-registration, limit changes, and
//! substituted accounts of `execute_proposal`.

use solana_instruction::AccountMeta;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

use crate::common::*;

fn register_action(
    home_domain: u32,
    home_token: &[u8; 32],
    mint: &Pubkey,
    scale: u8,
    limits: Limits,
) -> Vec<u8> {
    limits
        .encode(
            Borsh::default()
                .u8(2)
                .u32(home_domain)
                .raw(home_token)
                .raw(mint.as_ref())
                .u8(scale),
        )
        .0
}

#[test]
fn home_registration_creates_the_vault_once() {
    let mut env = Env::new(1, 1);
    let mint = env.create_mint(&Pubkey::new_unique(), 6);
    let id = env.register_home_token(&mint, Limits::default());
    let vault = env.svm.get_account(&vault_pda(&mint)).unwrap();
    assert_eq!(vault.owner, TOKEN_PROGRAM);
    assert_eq!(&vault.data[0..32], mint.as_ref());
    assert_eq!(&vault.data[32..64], authority_pda().as_ref());
    let config = env.data(&token_pda(&id));
    assert_eq!(&config[..8], &account_disc("TokenConfig"));
    assert_eq!(config[73], 1, "is_home");
    // Registering the same token again is refused.
    let action = register_action(DOMAIN, &mint.to_bytes(), &mint, 0, Limits::default());
    let accounts = env.register_token_ix_accounts(&id, &mint, vault_pda(&mint));
    expect_err(env.govern(&action, accounts), "BadTokenRegistration");
}

#[test]
fn registrations_refuse_inconsistent_or_zero_values() {
    let mut env = Env::new(1, 1);
    let mint = env.create_mint(&Pubkey::new_unique(), 6);
    let vault = vault_pda(&mint);
    let cases: Vec<(Vec<u8>, &str)> = vec![
        // A home token must be its own mint, unscaled.
        (
            register_action(DOMAIN, &[5; 32], &mint, 0, Limits::default()),
            "BadTokenRegistration",
        ),
        (
            register_action(DOMAIN, &mint.to_bytes(), &mint, 3, Limits::default()),
            "BadTokenRegistration",
        ),
        (
            register_action(0, &[5; 32], &mint, 0, Limits::default()),
            "ZeroValue",
        ),
        (
            register_action(ORIGIN, &[0; 32], &mint, 0, Limits::default()),
            "ZeroValue",
        ),
        (
            register_action(ORIGIN, &[5; 32], &mint, 20, Limits::default()),
            "Overflow",
        ),
        (
            register_action(
                DOMAIN,
                &mint.to_bytes(),
                &mint,
                0,
                Limits {
                    timelock_delay: 0,
                    ..Limits::default()
                },
            ),
            "ZeroValue",
        ),
        (
            register_action(
                DOMAIN,
                &mint.to_bytes(),
                &mint,
                0,
                Limits {
                    inbound_capacity: 0,
                    ..Limits::default()
                },
            ),
            "ZeroValue",
        ),
        (
            register_action(
                DOMAIN,
                &mint.to_bytes(),
                &mint,
                0,
                Limits {
                    outbound_refill: 0,
                    ..Limits::default()
                },
            ),
            "ZeroValue",
        ),
    ];
    for (action, err) in cases {
        let id = token_id(DOMAIN, &mint.to_bytes());
        let accounts = env.register_token_ix_accounts(&id, &mint, vault);
        expect_err(env.govern(&action, accounts), err);
    }
}

#[test]
fn registration_accounts_are_checked() {
    let mut env = Env::new(1, 1);
    let mint = env.create_mint(&Pubkey::new_unique(), 6);
    let id = token_id(DOMAIN, &mint.to_bytes());
    let action = register_action(DOMAIN, &mint.to_bytes(), &mint, 0, Limits::default());
    let base = env.register_token_ix_accounts(&id, &mint, vault_pda(&mint));
    let fake_mint = env.create_mint(&Pubkey::new_unique(), 6);
    let not_a_mint = Pubkey::new_unique();
    env.put(not_a_mint, SYSTEM_PROGRAM, vec![0; 82]);
    let cases: Vec<(usize, AccountMeta, &str)> = vec![
        (
            0,
            AccountMeta::new(token_pda(&[1; 32]), false),
            "WrongAccountAddress",
        ),
        (
            1,
            AccountMeta::new_readonly(fake_mint, false),
            "WrongAccountAddress",
        ),
        (
            1,
            AccountMeta::new_readonly(not_a_mint, false),
            "WrongAccountAddress",
        ),
        (
            2,
            AccountMeta::new(Pubkey::new_unique(), false),
            "WrongAccountAddress",
        ),
        (
            3,
            AccountMeta::new_readonly(Pubkey::new_unique(), false),
            "WrongAccountAddress",
        ),
        (
            4,
            AccountMeta::new_readonly(SYSTEM_PROGRAM, false),
            "WrongTokenProgram",
        ),
    ];
    for (index, meta, err) in cases {
        let mut accounts = base.clone();
        accounts[index] = meta;
        expect_err(env.govern(&action, accounts), err);
    }
    // A mint owned by another program at the right address cannot exist; a foreign-owned
    // account passed as the mint is refused by owner.
    let foreign = env.create_mint(&Pubkey::new_unique(), 6);
    let mut data = env.data(&foreign);
    data[45] = 1;
    env.put(foreign, SYSTEM_PROGRAM, data);
    let action = register_action(DOMAIN, &foreign.to_bytes(), &foreign, 0, Limits::default());
    let accounts = env.register_token_ix_accounts(
        &token_id(DOMAIN, &foreign.to_bytes()),
        &foreign,
        vault_pda(&foreign),
    );
    expect_err(env.govern(&action, accounts), "WrongAccountOwner");
    expect_ok(env.govern(
        &register_action(DOMAIN, &mint.to_bytes(), &mint, 0, Limits::default()),
        base,
    ));
}

#[test]
fn limits_change_through_the_timelock() {
    let mut env = Env::new(1, 1);
    let user = Keypair::new();
    let mint = env.create_mint(&Pubkey::new_unique(), 6);
    let user_token = env.create_token_account(&mint, &user.pubkey(), 1_000);
    let id = env.register_home_token(
        &mint,
        Limits {
            outbound_capacity: 10,
            ..Limits::default()
        },
    );
    let send = |env: &mut Env, amount: u64| {
        let ix = send_ix(
            &user.pubkey(),
            ORIGIN,
            &[1; 32],
            amount,
            &id,
            &user_token,
            &mint,
            &vault_pda(&mint),
        );
        env.send(&[ix], &[&user])
    };
    expect_err(send(&mut env, 11), "RateLimited");
    let limits = Limits {
        outbound_capacity: 500,
        outbound_refill: 500,
        ..Limits::default()
    };
    let action = limits.encode(Borsh::default().u8(3).raw(&id)).0;
    let zero = Limits {
        outbound_capacity: 0,
        ..limits
    }
    .encode(Borsh::default().u8(3).raw(&id))
    .0;
    expect_err(
        env.govern(&zero, vec![AccountMeta::new(token_pda(&id), false)]),
        "ZeroValue",
    );
    // The limits of another token id at this token's config: refused.
    let other = limits.encode(Borsh::default().u8(3).raw(&[7; 32])).0;
    expect_err(
        env.govern(&other, vec![AccountMeta::new(token_pda(&id), false)]),
        "TokenNotRegistered",
    );
    expect_ok(env.govern(&action, vec![AccountMeta::new(token_pda(&id), false)]));
    // As bridge/'s TokenBucket::reconfigure: the level carries over (10), capped by the new
    // capacity, and refills at the new rate from now.
    expect_err(send(&mut env, 11), "RateLimited");
    env.advance(1);
    expect_ok(send(&mut env, 400));
}

#[test]
fn guardian_instructions_check_the_config() {
    let mut env = Env::new(1, 1);
    let guardian = env.guardian.insecure_clone();
    let fake = Pubkey::new_unique();
    let bytes = env.data(&config_pda());
    env.put(fake, PROGRAM_ID, bytes);
    let mut ix = env.pause_ix(&guardian.pubkey());
    ix.accounts[1] = AccountMeta::new(fake, false);
    expect_err(env.send(&[ix], &[&guardian]), "WrongAccountAddress");
    let mut ix = env.pause_ix(&guardian.pubkey());
    ix.accounts[0] = AccountMeta::new_readonly(guardian.pubkey(), false);
    expect_err(env.send(&[ix], &[]), "MissingSignature");
    let mut ix = cancel_queued_ix(&guardian.pubkey(), &[1; 32]);
    ix.accounts[1] = AccountMeta::new_readonly(fake, false);
    expect_err(env.send(&[ix], &[&guardian]), "WrongAccountAddress");
    // Cancelling a receipt that does not exist.
    expect_err(
        env.send(
            &[cancel_queued_ix(&guardian.pubkey(), &[1; 32])],
            &[&guardian],
        ),
        "WrongAccountOwner",
    );
    // post_signatures while paused.
    expect_ok(env.send(&[env.pause_ix(&guardian.pubkey())], &[&guardian]));
    let ix = env.post_signatures_ix(&[1; 32], ORIGIN, &[]);
    expect_err(env.send(&[ix], &[]), "Paused");
}
