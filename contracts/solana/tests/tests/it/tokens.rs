//! Tokens and routes through the timelock: home tokens (vault created), bridged mints (mint
//! authority must be the bridge's PDA), re-registration, the token's timelock, routes (created
//! full, updated with the level carried over, ledger kept; bounded except the bridged mint's
//! home route), and substituted accounts of `execute_proposal`.

use solana_instruction::AccountMeta;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

use crate::common::*;

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
    assert_eq!(config.len(), 160);
    assert_eq!(&config[..8], &account_disc("TokenConfig"));
    assert_eq!(config[73], 1, "is_home");
    assert_eq!(&config[144..152], &1_000_000_000u64.to_le_bytes());
    assert_eq!(&config[152..160], &600i64.to_le_bytes());
    // Registering the same token again is refused.
    let action = register_action(DOMAIN, &mint.to_bytes(), &mint, 0, &Limits::default());
    let accounts = env.register_token_ix_accounts(&id, &mint, vault_pda(&mint));
    expect_err(env.govern(&action, accounts), "BadTokenRegistration");
}

#[test]
fn registrations_refuse_inconsistent_or_zero_values() {
    let mut env = Env::new(1, 1);
    let mint = env.create_mint(&Pubkey::new_unique(), 6);
    let vault = vault_pda(&mint);
    let l = Limits::default();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        // A home token must be its own mint, unscaled.
        (
            register_action(DOMAIN, &[5; 32], &mint, 0, &l),
            "BadTokenRegistration",
        ),
        (
            register_action(DOMAIN, &mint.to_bytes(), &mint, 3, &l),
            "BadTokenRegistration",
        ),
        (register_action(0, &[5; 32], &mint, 0, &l), "ZeroValue"),
        (register_action(ORIGIN, &[0; 32], &mint, 0, &l), "ZeroValue"),
        (register_action(ORIGIN, &[5; 32], &mint, 20, &l), "Overflow"),
        (
            register_action(
                DOMAIN,
                &mint.to_bytes(),
                &mint,
                0,
                &Limits {
                    timelock_delay: 0,
                    ..l
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
                &Limits {
                    timelock_threshold: 0,
                    ..l
                },
            ),
            "ZeroValue",
        ),
        // A token's delay is at most 30 days (second review: MAX_DELAY, as the admin delay).
        (
            register_action(
                DOMAIN,
                &mint.to_bytes(),
                &mint,
                0,
                &Limits {
                    timelock_delay: MAX_DELAY + 1,
                    ..l
                },
            ),
            "OutOfRange",
        ),
    ];
    for (action, err) in cases {
        let id = token_id(DOMAIN, &mint.to_bytes());
        let accounts = env.register_token_ix_accounts(&id, &mint, vault);
        expect_err(env.govern(&action, accounts), err);
    } // 30 days exactly is accepted.
    let id = token_id(DOMAIN, &mint.to_bytes());
    let longest = Limits {
        timelock_delay: MAX_DELAY,
        ..l
    };
    let action = register_action(DOMAIN, &mint.to_bytes(), &mint, 0, &longest);
    expect_ok(env.govern(&action, env.register_token_ix_accounts(&id, &mint, vault)));
    assert_eq!(
        &env.data(&token_pda(&id))[152..160],
        &MAX_DELAY.to_le_bytes()
    );
}

#[test]
fn registration_accounts_are_checked() {
    let mut env = Env::new(1, 1);
    let mint = env.create_mint(&Pubkey::new_unique(), 6);
    let id = token_id(DOMAIN, &mint.to_bytes());
    let l = Limits::default();
    let action = register_action(DOMAIN, &mint.to_bytes(), &mint, 0, &l);
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
    // A foreign-owned account passed as the mint is refused by owner.
    let foreign = env.create_mint(&Pubkey::new_unique(), 6);
    let mut data = env.data(&foreign);
    data[45] = 1;
    env.put(foreign, SYSTEM_PROGRAM, data);
    let action = register_action(DOMAIN, &foreign.to_bytes(), &foreign, 0, &l);
    let accounts = env.register_token_ix_accounts(
        &token_id(DOMAIN, &foreign.to_bytes()),
        &foreign,
        vault_pda(&foreign),
    );
    expect_err(env.govern(&action, accounts), "WrongAccountOwner");
    expect_ok(env.govern(
        &register_action(DOMAIN, &mint.to_bytes(), &mint, 0, &l),
        base,
    ));
}

#[test]
fn the_timelock_changes_through_the_timelock() {
    let mut env = Env::new(1, 1);
    let mint = env.create_mint(&Pubkey::new_unique(), 6);
    let id = env.register_home_token(&mint, Limits::default());
    let new = Limits {
        timelock_threshold: 77,
        timelock_delay: 5,
        ..Limits::default()
    };
    let accounts = vec![AccountMeta::new(token_pda(&id), false)];
    expect_err(
        env.govern(
            &token_limits_action(
                &id,
                &Limits {
                    timelock_delay: 0,
                    ..new
                },
            ),
            accounts.clone(),
        ),
        "ZeroValue",
    );
    for (delay, err) in [
        (MAX_DELAY + 1, "OutOfRange"),
        (i64::MAX, "OutOfRange"),
        (-1, "ZeroValue"),
    ] {
        let action = token_limits_action(
            &id,
            &Limits {
                timelock_delay: delay,
                ..new
            },
        );
        expect_err(env.govern(&action, accounts.clone()), err);
    }
    // The limits of another token id at this token's config: refused.
    expect_err(
        env.govern(&token_limits_action(&[7; 32], &new), accounts.clone()),
        "TokenNotRegistered",
    );
    expect_ok(env.govern(&token_limits_action(&id, &new), accounts));
    let config = env.data(&token_pda(&id));
    assert_eq!(&config[144..152], &77u64.to_le_bytes());
    assert_eq!(&config[152..160], &5i64.to_le_bytes());
    let longest = Limits {
        timelock_delay: MAX_DELAY,
        ..new
    };
    let accounts = vec![AccountMeta::new(token_pda(&id), false)];
    expect_ok(env.govern(&token_limits_action(&id, &longest), accounts));
    assert_eq!(
        &env.data(&token_pda(&id))[152..160],
        &MAX_DELAY.to_le_bytes()
    );
}

/// The longest token timelock delay: 30 days.
const MAX_DELAY: i64 = 30 * 24 * 60 * 60;

/// An EVM beneficiary.
fn evm(byte: u8) -> [u8; 32] {
    let mut b = [0u8; 32];
    b[12..].fill(byte);
    b
}

/// Route account layout: bump 8, token id 9, domain 41, remote_exp 45, remote_max 46 (u128),
/// ledger 62 (i128), inbound_bounded 78, outbound_bounded 79, inbound 80, outbound 112; 144
/// bytes.
#[test]
fn routes_are_created_and_updated_through_the_timelock() {
    let mut env = Env::new(1, 1);
    let user = Keypair::new();
    let mint = env.create_mint(&Pubkey::new_unique(), 6);
    let user_token = env.create_token_account(&mint, &user.pubkey(), 100_000);
    let l = Limits {
        outbound_capacity: 5_000,
        remote_exp: 3,
        remote_max: 1 << 100,
        ..Limits::default()
    };
    let id = env.register_home_token(&mint, l);
    let route = env.data(&route_pda(&id, ORIGIN));
    assert_eq!(route.len(), 144);
    assert_eq!(&route[..8], &account_disc("Route"));
    assert_eq!(&route[9..41], &id);
    assert_eq!(&route[41..45], &ORIGIN.to_le_bytes());
    assert_eq!(route[45], 3);
    assert_eq!(&route[46..62], &(1u128 << 100).to_le_bytes());
    assert_eq!(&route[62..78], &[0; 16], "empty ledger");
    assert_eq!(
        route[78], 1,
        "deliveries bounded: Solana is the token's home"
    );
    assert_eq!(
        route[79], 0,
        "sends not bounded: the remote mints what comes from home"
    );
    assert_eq!(&route[80..88], &l.inbound_capacity.to_le_bytes());
    assert_eq!(&route[112..120], &5_000u64.to_le_bytes());
    assert_eq!(&route[128..136], &5_000u64.to_le_bytes(), "created full");

    let send = |env: &mut Env, amount: u64| {
        let args = SendArgs {
            destination: ORIGIN,
            token_id: id,
            beneficiary: evm(1),
            amount,
        };
        let ix = send_ix(&user.pubkey(), &args, &user_token, &mint, &vault_pda(&mint));
        env.send(&[ix], &[&user])
    };
    expect_err(send(&mut env, 1_500), "BadAmount");
    expect_err(send(&mut env, 6_000), "RateLimited");
    expect_ok(send(&mut env, 5_000));
    assert_eq!(env.ledger(&id, ORIGIN), 5_000);

    // An update: the scale and the buckets change, the ledger stays; the level refilled under
    // the old rate during the delay and is capped by the new capacity (TokenBucket::reconfigure).
    let new = Limits {
        outbound_capacity: 20_000,
        outbound_refill: 1,
        remote_exp: 0,
        ..l
    };
    expect_ok(env.set_route(&id, ORIGIN, &new));
    let route = env.data(&route_pda(&id, ORIGIN));
    assert_eq!(route[45], 0);
    assert_eq!(env.ledger(&id, ORIGIN), 5_000);
    assert_eq!((route[78], route[79]), (1, 0));
    assert_eq!(&route[112..120], &20_000u64.to_le_bytes());
    assert_eq!(&route[128..136], &5_000u64.to_le_bytes());
    expect_err(send(&mut env, 5_001), "RateLimited");
    expect_ok(send(&mut env, 1));
}

/// As `RouteLedger::new`: on a bridged mint's chain, deliveries from its home are not bounded
/// (the source of its supply), every send is; on the home chain every delivery is (above).
#[test]
fn route_ledgers_bound_what_the_spec_bounds() {
    let mut env = Env::new(1, 1);
    let mint = env.create_mint(&authority_pda(), 9);
    let id = env.register_bridged_token(ORIGIN, &[0xaa; 32], &mint, 9, Limits::default());
    let home = env.data(&route_pda(&id, ORIGIN));
    assert_eq!((home[78], home[79]), (0, 1), "bridged, from home");
    let set: Vec<[u8; 20]> = validators(1).iter().map(|v| v.address).collect();
    expect_ok(env.set_remote(7, evm_bridge(7), 1, 1, &set));
    expect_ok(env.set_route(&id, 7, &Limits::default()));
    let other = env.data(&route_pda(&id, 7));
    assert_eq!((other[78], other[79]), (1, 1), "bridged, another chain");
}

#[test]
fn routes_refuse_bad_values_and_accounts() {
    let mut env = Env::new(1, 1);
    let mint = env.create_mint(&Pubkey::new_unique(), 6);
    let id = env.register_home_token(&mint, Limits::default());
    let set: Vec<[u8; 20]> = validators(1).iter().map(|v| v.address).collect();
    expect_ok(env.set_remote(7, evm_bridge(7), 1, 1, &set));
    let l = Limits::default();
    let accounts = set_route_accounts;
    let with_remote = |remote: AccountMeta| {
        let mut metas = accounts(&id, 7);
        metas[2] = remote;
        metas
    };
    let bad: Vec<(Vec<u8>, Vec<AccountMeta>, &str)> = vec![
        (
            set_route_action(
                &id,
                7,
                &Limits {
                    inbound_capacity: 0,
                    ..l
                },
            ),
            accounts(&id, 7),
            "ZeroValue",
        ),
        (
            set_route_action(
                &id,
                7,
                &Limits {
                    inbound_refill: 0,
                    ..l
                },
            ),
            accounts(&id, 7),
            "ZeroValue",
        ),
        (
            set_route_action(
                &id,
                7,
                &Limits {
                    outbound_capacity: 0,
                    ..l
                },
            ),
            accounts(&id, 7),
            "ZeroValue",
        ),
        (
            set_route_action(
                &id,
                7,
                &Limits {
                    outbound_refill: 0,
                    ..l
                },
            ),
            accounts(&id, 7),
            "ZeroValue",
        ),
        (set_route_action(&id, 0, &l), accounts(&id, 0), "ZeroValue"),
        (
            set_route_action(&id, DOMAIN, &l),
            accounts(&id, DOMAIN),
            "UnknownRemote",
        ),
        (
            set_route_action(
                &id,
                7,
                &Limits {
                    remote_exp: 78,
                    ..l
                },
            ),
            accounts(&id, 7),
            "OutOfRange",
        ),
        (
            set_route_action(&[7; 32], 7, &l),
            accounts(&[7; 32], 7),
            "TokenNotRegistered",
        ),
        (
            set_route_action(&id, 7, &l),
            vec![
                AccountMeta::new_readonly(token_pda(&id), false),
                AccountMeta::new(route_pda(&id, 8), false),
                AccountMeta::new_readonly(remote_pda(7), false),
            ],
            "WrongAccountAddress",
        ),
        (
            set_route_action(&id, 7, &l),
            vec![
                AccountMeta::new_readonly(token_pda(&id), false),
                AccountMeta::new_readonly(route_pda(&id, 7), false),
                AccountMeta::new_readonly(remote_pda(7), false),
            ],
            "NotWritable",
        ),
        (
            set_route_action(&id, 7, &l),
            accounts(&id, 7)[..2].to_vec(),
            "NotEnoughAccounts",
        ),
        // A remote that is not configured (as EVM `setRoute`: UnknownRemote).
        (
            set_route_action(&id, 8, &l),
            accounts(&id, 8),
            "UnknownRemote",
        ),
        // Another domain's remote in place of the route's.
        (
            set_route_action(&id, 7, &l),
            with_remote(AccountMeta::new_readonly(remote_pda(ORIGIN), false)),
            "UnknownRemote",
        ),
    ];
    for (action, metas, err) in bad {
        expect_err(env.govern(&action, metas), err);
    }
    // Remote 7's bytes at another address of the program, and owned by another program.
    let remote_bytes = env.data(&remote_pda(7));
    let copy = Pubkey::new_unique();
    env.put(copy, PROGRAM_ID, remote_bytes.clone());
    let foreign = Pubkey::new_unique();
    env.put(foreign, TOKEN_PROGRAM, remote_bytes);
    // An empty account at the remote PDA's address of domain 8 (never initialized).
    env.put(remote_pda(8), PROGRAM_ID, vec![0; 5_159]);
    for (domain, remote) in [(7, copy), (7, foreign), (8, remote_pda(8))] {
        let mut metas = accounts(&id, domain);
        metas[2] = AccountMeta::new_readonly(remote, false);
        expect_err(
            env.govern(&set_route_action(&id, domain, &l), metas),
            "UnknownRemote",
        );
    }
    assert!(env.svm.get_account(&route_pda(&id, 7)).is_none());
    expect_ok(env.govern(&set_route_action(&id, 7, &l), accounts(&id, 7)));
    assert_eq!(env.data(&route_pda(&id, 7)).len(), 144);
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
    let mut ix = env.pause_ix(&guardian.pubkey());
    ix.accounts[2] = AccountMeta::new_readonly(SYSTEM_PROGRAM, false);
    expect_err(env.send(&[ix], &[&guardian]), "WrongAccountAddress");
    let mut ix = env.pause_ix(&guardian.pubkey());
    ix.accounts[1] = AccountMeta::new_readonly(config_pda(), false);
    expect_err(env.send(&[ix], &[&guardian]), "NotWritable");
    let key = Key {
        origin: ORIGIN,
        bridge: env.origin_bridge,
        nonce: 1,
    };
    let route = route_pda(&[1; 32], ORIGIN);
    let mut ix = cancel_queued_ix(&guardian.pubkey(), &key, &route);
    ix.accounts[1] = AccountMeta::new_readonly(fake, false);
    expect_err(env.send(&[ix], &[&guardian]), "WrongAccountAddress");
    // Cancelling a receipt that does not exist.
    expect_err(
        env.send(
            &[cancel_queued_ix(&guardian.pubkey(), &key, &route)],
            &[&guardian],
        ),
        "WrongAccountOwner",
    );
    // post_signatures while paused.
    expect_ok(env.pause());
    let ix = env.post_signatures_ix(&[1; 32], ORIGIN, &[]);
    expect_err(env.send(&[ix], &[]), "Paused");
}

/// A probe of the second review (it holds): Token-2022 is refused everywhere a token program or
/// mint is read: a Token-2022 mint cannot be registered (`WrongAccountOwner`), and `send`
/// refuses Token-2022 as its token program (`WrongTokenProgram`).
#[test]
fn token_2022_is_refused() {
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
