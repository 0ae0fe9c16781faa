//! Delivery fees (docs/protocol.md "Delivery fees"): `SetFeeConfig` and `SetFeeRoles` through
//! the timelock, the fee oracle's bounded `update_fee_prices`, `send` charging exactly the
//! quote into the fee vault (`max_fee`, `FeeTooLow`, `GasPaid`), `pay_for_gas`, and
//! `withdraw_fees` to the beneficiary; the fee oracle is its own key (`SetFeeRoles` and
//! `SetRoles` both refuse to make it a role's too) and the guardian removes it at once
//! (`clear_fee_oracle`); substituted fee accounts are refused.

use solana_instruction::AccountMeta;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;
use trestle_bridge::FeeConfig;

use crate::common::*;

/// Solana to an EVM chain: 2 gwei per gas, 20 SOL per ether (2 * 10^-8 lamports per wei).
fn to_evm() -> FeeConfig {
    FeeConfig {
        gas_price: 2 * 10u128.pow(18),
        exchange_rate: 2 * 10u128.pow(10),
        fixed_cost: 10u128.pow(12),
        message_gas: 60_000,
        signatures_gas: 20_000,
        transfer_gas: 90_000,
        gas_per_byte: 16,
        last_update: 0,
    }
}

struct Setup {
    env: Env,
    user: Keypair,
    mint: Pubkey,
    user_token: Pubkey,
    token_id: [u8; 32],
}

fn setup() -> Setup {
    let mut env = Env::new(1, 1);
    let user = Keypair::new();
    env.svm.airdrop(&user.pubkey(), 10_000_000_000).unwrap();
    let mint = env.create_mint(&Pubkey::new_unique(), 6);
    let user_token = env.create_token_account(&mint, &user.pubkey(), 1_000_000);
    let token_id = env.register_home_token(&mint, Limits::default());
    Setup {
        env,
        user,
        mint,
        user_token,
        token_id,
    }
}

/// Configures remote 7 (a second destination).
fn remote7(env: &mut Env) {
    let addrs: Vec<[u8; 20]> = env.validators.iter().map(|v| v.address).collect();
    expect_ok(env.set_remote(7, evm_bridge(0x77), 1, 1, &addrs));
}

fn evm(byte: u8) -> [u8; 32] {
    let mut b = [0u8; 32];
    b[12..].fill(byte);
    b
}

fn send_ix(s: &Setup, amount: u64, max_fee: u64) -> solana_instruction::Instruction {
    send_ix_max_fee(
        &s.user.pubkey(),
        &SendArgs {
            destination: ORIGIN,
            token_id: s.token_id,
            beneficiary: evm(0x42),
            amount,
        },
        &s.user_token,
        &s.mint,
        &vault_pda(&s.mint),
        max_fee,
    )
}

fn send(s: &mut Setup, amount: u64, max_fee: u64) -> Outcome {
    let ix = send_ix(s, amount, max_fee);
    let user = s.user.insecure_clone();
    s.env.send(&[ix], &[&user])
}

fn quote_of(c: &FeeConfig) -> u64 {
    u64::try_from(c.quote_transfer().unwrap()).unwrap()
}

#[test]
fn send_charges_exactly_the_quote_into_the_fee_vault() {
    let mut s = setup();
    // Free while unconfigured: the CU of a send without fee.
    let free = expect_ok(send(&mut s, 10, 0));
    let cu_free = free.compute_units_consumed;
    assert_eq!(s.env.lamports(&fee_vault_pda()), 0);

    expect_ok(s.env.set_fee_config(ORIGIN, &to_evm()));
    let fee = quote_of(&to_evm());
    assert!(fee > 0);
    assert_eq!(s.env.quote(ORIGIN, 90_000, 97), Ok(fee));
    let vault_before = s.env.lamports(&fee_vault_pda());
    let user_before = s.env.lamports(&s.user.pubkey());
    let ix = send_ix(&s, 10, fee + 1_000);
    let keys = s.env.account_keys(std::slice::from_ref(&ix));
    let user = s.user.insecure_clone();
    let meta = expect_ok(s.env.send(&[ix], &[&user]));
    assert_eq!(s.env.lamports(&fee_vault_pda()), vault_before + fee);
    assert_eq!(
        s.env.lamports(&s.user.pubkey()),
        user_before - fee,
        "exactly the quote, not max_fee"
    );
    let sent = MessageSent::of(&meta, &keys);
    assert_eq!(
        gas_paid_events(&meta, &keys),
        vec![(sent[0].id, ORIGIN, fee)]
    );
    println!(
        "CU send (home token) without fee: {cu_free} CU, with fee ({fee} lamports): {} CU",
        meta.compute_units_consumed
    );
    // max_fee equal to the quote is enough.
    expect_ok(send(&mut s, 10, fee));
    assert_eq!(s.env.lamports(&fee_vault_pda()), vault_before + 2 * fee);
}

#[test]
fn a_max_fee_below_the_quote_is_refused_and_nothing_moves() {
    let mut s = setup();
    expect_ok(s.env.set_fee_config(ORIGIN, &to_evm()));
    let fee = quote_of(&to_evm());
    let vault = s.env.lamports(&fee_vault_pda());
    let user = s.env.lamports(&s.user.pubkey());
    let out = send(&mut s, 10, fee - 1);
    let logs = out.as_ref().unwrap_err().meta.logs.clone();
    expect_err(out, "FeeTooLow");
    let line = format!(
        "Program log: Fee quote: {fee} lamports, max_fee {}",
        fee - 1
    );
    assert!(logs.contains(&line), "no `{line}` in {logs:#?}");
    assert_eq!(s.env.lamports(&fee_vault_pda()), vault);
    assert_eq!(s.env.lamports(&s.user.pubkey()), user);
    assert_eq!(s.env.token_balance(&s.user_token), 1_000_000);
    assert_eq!(s.env.ledger(&s.token_id, ORIGIN), 0);
    // max_fee 0 as before fees: refused for a configured destination.
    expect_err(send(&mut s, 10, 0), "FeeTooLow");
}

#[test]
fn an_unconfigured_destination_is_free_but_its_fee_config_address_is_checked() {
    let mut s = setup();
    // A configured destination elsewhere: its fee config is not this destination's.
    remote7(&mut s.env);
    let mut env_remote = to_evm();
    env_remote.exchange_rate = 1;
    expect_ok(s.env.set_fee_config(7, &env_remote));
    let base = send_ix(&s, 10, 0);
    let user = s.user.insecure_clone();
    // Another destination's (existing) fee config, a forged copy of it, a random address.
    let forged = Pubkey::new_unique();
    let bytes = s.env.data(&fee_config_pda(7));
    s.env.put(forged, PROGRAM_ID, bytes);
    for (meta, err) in [
        (
            AccountMeta::new_readonly(fee_config_pda(7), false),
            "WrongAccountAddress",
        ),
        (
            AccountMeta::new_readonly(forged, false),
            "WrongAccountAddress",
        ),
        (
            AccountMeta::new_readonly(Pubkey::new_unique(), false),
            "WrongAccountAddress",
        ),
    ] {
        let mut ix = base.clone();
        ix.accounts[12] = meta;
        expect_err(s.env.send(&[ix], &[&user]), err);
    }
    // Too few accounts (the fee accounts missing).
    let mut ix = base.clone();
    ix.accounts.truncate(12);
    expect_err(s.env.send(&[ix], &[&user]), "NotEnoughAccounts");
    // A pre-funded (system-owned) fee config address is still "never created": free.
    s.env
        .svm
        .airdrop(&fee_config_pda(ORIGIN), 1_000_000)
        .unwrap();
    assert_eq!(s.env.quote(ORIGIN, 1, 1), Ok(0));
    expect_ok(s.env.send(std::slice::from_ref(&base), &[&user]));
    // An exchange rate of 0 is free whatever else is set.
    let zero_rate = FeeConfig {
        exchange_rate: 0,
        fixed_cost: u128::MAX,
        gas_price: u128::MAX,
        ..to_evm()
    };
    expect_ok(s.env.set_fee_config(ORIGIN, &zero_rate));
    assert_eq!(s.env.quote(ORIGIN, u64::MAX, u64::MAX), Ok(0));
    expect_ok(s.env.send(&[base], &[&user]));
}

#[test]
fn a_charged_send_refuses_a_substituted_vault_or_system_program() {
    let mut s = setup();
    expect_ok(s.env.set_fee_config(ORIGIN, &to_evm()));
    let fee = quote_of(&to_evm());
    let base = send_ix(&s, 10, fee);
    let user = s.user.insecure_clone();
    let forged = Pubkey::new_unique();
    let bytes = s.env.data(&fee_vault_pda());
    s.env.put(forged, PROGRAM_ID, bytes);
    let config_bytes = s.env.data(&config_pda());
    let wrong_type = Pubkey::new_unique();
    s.env.put(wrong_type, PROGRAM_ID, config_bytes);
    for (index, meta, err) in [
        (13, AccountMeta::new(forged, false), "WrongAccountAddress"),
        (13, AccountMeta::new(wrong_type, false), "WrongAccountData"),
        (
            13,
            AccountMeta::new(Pubkey::new_unique(), false),
            "WrongAccountOwner",
        ),
        (
            13,
            AccountMeta::new_readonly(fee_vault_pda(), false),
            "NotWritable",
        ),
        (
            14,
            AccountMeta::new_readonly(TOKEN_PROGRAM, false),
            "WrongAccountAddress",
        ),
        // A forged fee config (the real bytes at another address) would pay less.
        (
            12,
            AccountMeta::new_readonly(Pubkey::new_unique(), false),
            "WrongAccountAddress",
        ),
    ] {
        let mut ix = base.clone();
        ix.accounts[index] = meta;
        expect_err(s.env.send(&[ix], &[&user]), err);
    }
    // The sender must be writable to pay.
    let mut ix = base.clone();
    ix.accounts[0] = AccountMeta::new_readonly(user.pubkey(), true);
    expect_err(s.env.send(&[ix], &[&user]), "NotWritable");
    expect_ok(s.env.send(&[base], &[&user]));
}

#[test]
fn pay_for_gas_tops_up_anyone_any_time_even_paused() {
    let mut env = Env::new(1, 1);
    let payer = Keypair::new();
    env.svm.airdrop(&payer.pubkey(), 1_000_000_000).unwrap();
    expect_ok(env.pause());
    let id = [0x11; 32];
    // The vault is created on the first payment (the payer pays its rent).
    let ix = pay_for_gas_ix(&payer.pubkey(), &id, ORIGIN, 5_000);
    let keys = env.account_keys(std::slice::from_ref(&ix));
    let meta = expect_ok(env.send(&[ix], &[&payer]));
    assert_eq!(gas_paid_events(&meta, &keys), vec![(id, ORIGIN, 5_000)]);
    let rent = env.svm.minimum_balance_for_rent_exemption(9);
    assert_eq!(env.lamports(&fee_vault_pda()), rent + 5_000);
    println!("CU pay_for_gas: {}", meta.compute_units_consumed);
    expect_ok(env.send(
        &[pay_for_gas_ix(&payer.pubkey(), &id, ORIGIN, 7)],
        &[&payer],
    ));
    assert_eq!(env.lamports(&fee_vault_pda()), rent + 5_007);
    expect_err(
        env.send(
            &[pay_for_gas_ix(&payer.pubkey(), &id, ORIGIN, 0)],
            &[&payer],
        ),
        "ZeroValue",
    );
    // Another account as vault; the event authority substituted.
    let mut ix = pay_for_gas_ix(&payer.pubkey(), &id, ORIGIN, 1);
    ix.accounts[1] = AccountMeta::new(Pubkey::new_unique(), false);
    expect_err(env.send(&[ix], &[&payer]), "WrongAccountAddress");
    let mut ix = pay_for_gas_ix(&payer.pubkey(), &id, ORIGIN, 1);
    ix.accounts[3] = AccountMeta::new_readonly(authority_pda(), false);
    expect_err(env.send(&[ix], &[&payer]), "WrongAccountAddress");
}

#[test]
fn withdraw_pays_everything_above_rent_to_the_beneficiary() {
    let mut env = Env::new(1, 1);
    let beneficiary = Pubkey::new_unique();
    let payer = Keypair::new();
    env.svm.airdrop(&payer.pubkey(), 1_000_000_000).unwrap();
    expect_ok(env.send(
        &[pay_for_gas_ix(&payer.pubkey(), &[1; 32], ORIGIN, 3_000_000)],
        &[&payer],
    ));
    // No roles yet: refused.
    expect_err(
        env.send(&[withdraw_fees_ix(&beneficiary)], &[]),
        "NoFeeBeneficiary",
    );
    // Roles without a beneficiary: refused.
    let oracle = Pubkey::new_unique();
    expect_ok(env.set_fee_roles(&oracle, &Pubkey::default()));
    expect_err(
        env.send(&[withdraw_fees_ix(&beneficiary)], &[]),
        "NoFeeBeneficiary",
    );
    expect_ok(env.set_fee_roles(&oracle, &beneficiary));
    // Another account as the beneficiary; a forged roles account naming it.
    let thief = Pubkey::new_unique();
    expect_err(
        env.send(&[withdraw_fees_ix(&thief)], &[]),
        "WrongAccountAddress",
    );
    let mut forged_roles = env.data(&fee_roles_pda());
    forged_roles[41..73].copy_from_slice(thief.as_ref());
    let forged = Pubkey::new_unique();
    env.put(forged, PROGRAM_ID, forged_roles);
    let mut ix = withdraw_fees_ix(&thief);
    ix.accounts[0] = AccountMeta::new_readonly(forged, false);
    expect_err(env.send(&[ix], &[]), "WrongAccountAddress");
    // Anyone calls it; the beneficiary gets everything above the rent-exempt minimum.
    let rent = env.svm.minimum_balance_for_rent_exemption(9);
    let held = env.lamports(&fee_vault_pda()) - rent;
    assert_eq!(held, 3_000_000);
    let meta = expect_ok(env.send(&[withdraw_fees_ix(&beneficiary)], &[]));
    assert_eq!(env.lamports(&beneficiary), held);
    assert_eq!(env.lamports(&fee_vault_pda()), rent);
    let events = logged_events(&meta.logs, "FeesWithdrawn");
    let mut expected = beneficiary.to_bytes().to_vec();
    expected.extend_from_slice(&held.to_le_bytes());
    assert_eq!(events, vec![expected]);
    // Nothing left to withdraw.
    expect_err(
        env.send(&[withdraw_fees_ix(&beneficiary)], &[]),
        "ZeroValue",
    );
    // The vault named as its own beneficiary: refused (nothing would move).
    expect_ok(env.send(
        &[pay_for_gas_ix(&payer.pubkey(), &[1; 32], ORIGIN, 5)],
        &[&payer],
    ));
    expect_ok(env.set_fee_roles(&oracle, &fee_vault_pda()));
    expect_err(
        env.send(&[withdraw_fees_ix(&fee_vault_pda())], &[]),
        "WrongAccountAddress",
    );
}

#[test]
fn the_oracle_updates_prices_within_bounds_only() {
    let mut env = Env::new(1, 1);
    remote7(&mut env);
    let oracle = Keypair::new();
    let c = to_evm();
    // Unconfigured destination (no fee config).
    expect_ok(env.set_fee_roles(&oracle.pubkey(), &Pubkey::new_unique()));
    let update = |p: u128, r: u128| update_fee_prices_ix(&oracle.pubkey(), ORIGIN, p, r);
    expect_err(
        env.send(&[update(c.gas_price, c.exchange_rate)], &[&oracle]),
        "FeeNotConfigured",
    );
    // A price of 0 set by governance: not configured either.
    expect_ok(env.set_fee_config(ORIGIN, &FeeConfig { gas_price: 0, ..c }));
    expect_err(
        env.send(&[update(1, c.exchange_rate)], &[&oracle]),
        "FeeNotConfigured",
    );
    expect_ok(env.set_fee_config(ORIGIN, &c));
    let (p, r) = (c.gas_price, c.exchange_rate);
    // A non-oracle signer (the admin too).
    let admin = env.admin.insecure_clone();
    let stranger = Keypair::new();
    for who in [&stranger, &admin] {
        let ix = update_fee_prices_ix(&who.pubkey(), ORIGIN, 2 * p, r);
        expect_err(env.send(&[ix], &[who]), "NotFeeOracle");
    }
    // The oracle's key without its signature.
    let mut ix = update(2 * p, r);
    ix.accounts[0].is_signer = false;
    expect_err(env.send(&[ix], &[]), "MissingSignature");
    // Too large, each way and each price; zero.
    for (np, nr) in [
        (2 * p + 1, r),
        (p, r / 2 - 1),
        (0, r),
        (p, 0),
        (p / 2 - 1, r),
    ] {
        expect_err(env.send(&[update(np, nr)], &[&oracle]), "FeeChangeTooLarge");
    }
    // Another destination's fee config for this destination.
    expect_ok(env.set_fee_config(7, &c));
    let mut ix = update(2 * p, r);
    ix.accounts[2] = AccountMeta::new(fee_config_pda(7), false);
    expect_err(env.send(&[ix], &[&oracle]), "WrongAccountAddress");
    // A forged roles account naming a stranger.
    let mut roles = env.data(&fee_roles_pda());
    roles[9..41].copy_from_slice(stranger.pubkey().as_ref());
    let forged = Pubkey::new_unique();
    env.put(forged, PROGRAM_ID, roles);
    let mut ix = update_fee_prices_ix(&stranger.pubkey(), ORIGIN, 2 * p, r);
    ix.accounts[1] = AccountMeta::new_readonly(forged, false);
    expect_err(env.send(&[ix], &[&stranger]), "WrongAccountAddress");
    // Within bounds: double and half; last_update becomes the clock's time.
    let last_update = |env: &Env| {
        let data = env.data(&fee_config_pda(ORIGIN));
        u64::from_le_bytes(data[89..97].try_into().unwrap())
    };
    let now = env.now;
    expect_ok(env.send(&[update(2 * p, r / 2)], &[&oracle]));
    let data = env.data(&fee_config_pda(ORIGIN));
    assert_eq!(u128::from_le_bytes(data[13..29].try_into().unwrap()), 2 * p);
    assert_eq!(u128::from_le_bytes(data[29..45].try_into().unwrap()), r / 2);
    assert_eq!(last_update(&env), u64::try_from(now).unwrap());
    // ...and not again within the minute.
    env.advance(59);
    expect_err(env.send(&[update(p, r)], &[&oracle]), "FeeUpdateTooSoon");
    env.advance(1);
    expect_ok(env.send(&[update(p, r)], &[&oracle]));
    // Governance rewrites the prices, not the oracle's last update time.
    let updated = last_update(&env);
    expect_ok(env.set_fee_config(ORIGIN, &c));
    assert_eq!(last_update(&env), updated);
}

#[test]
fn set_fee_roles_refuses_the_admin_or_guardian_as_oracle() {
    let mut env = Env::new(1, 1);
    let admin = env.admin.pubkey();
    let guardian = env.guardian.pubkey();
    for oracle in [admin, guardian] {
        let out = env.try_propose(&set_fee_roles_action(&oracle, &Pubkey::new_unique()));
        expect_err(out, "OutOfRange");
    }
    // A fee config for this bridge's own domain or domain 0.
    expect_err(
        env.try_propose(&set_fee_config_action(DOMAIN, &to_evm())),
        "UnknownRemote",
    );
    expect_err(
        env.try_propose(&set_fee_config_action(0, &to_evm())),
        "ZeroValue",
    );
    // Checked again at execution: the oracle proposed before the admin became it.
    let oracle = Keypair::new();
    let id = env
        .propose(&set_fee_roles_action(
            &oracle.pubkey(),
            &Pubkey::new_unique(),
        ))
        .unwrap();
    let roles = set_roles_action(&oracle.pubkey(), &guardian);
    expect_ok(env.govern(&roles, set_roles_accounts()));
    let execute = env.execute_proposal_ix(id, set_fee_roles_accounts());
    expect_err(env.send(&[execute], &[]), "OutOfRange");
}

#[test]
fn set_fee_config_creates_then_overwrites_and_the_quote_reads_it() {
    let mut env = Env::new(1, 1);
    assert_eq!(env.quote(ORIGIN, 200_000, 100), Ok(0), "unconfigured: free");
    let c = to_evm();
    expect_ok(env.set_fee_config(ORIGIN, &c));
    let data = env.data(&fee_config_pda(ORIGIN));
    assert_eq!(data.len(), 97);
    assert_eq!(&data[..8], &account_disc("FeeConfig"));
    assert_eq!(u32::from_le_bytes(data[9..13].try_into().unwrap()), ORIGIN);
    assert_eq!(
        env.quote(ORIGIN, 200_000, 100),
        Ok(u64::try_from(c.quote(200_000, 100).unwrap()).unwrap())
    );
    let free = FeeConfig::default();
    expect_ok(env.set_fee_config(ORIGIN, &free));
    assert_eq!(env.quote(ORIGIN, 200_000, 100), Ok(0));
    // Only for a configured remote.
    expect_err(env.set_fee_config(9, &c), "UnknownRemote");
    // The substituted fee config of another destination.
    remote7(&mut env);
    expect_ok(env.set_fee_config(7, &c));
    let mut ix = quote_ix(ORIGIN, 1, 1);
    ix.accounts[0] = AccountMeta::new_readonly(fee_config_pda(7), false);
    let out = env.simulate(&[ix], &[]);
    expect_err(out, "WrongAccountAddress");
    // The execution's accounts are checked: another destination's PDA for this one.
    let id = env.propose(&set_fee_config_action(ORIGIN, &c)).unwrap();
    env.advance(ADMIN_DELAY);
    let mut accounts = set_fee_config_accounts(7);
    accounts[2] = AccountMeta::new_readonly(remote_pda(ORIGIN), false);
    let execute = env.execute_proposal_ix(id, accounts);
    expect_err(env.send(&[execute], &[]), "WrongAccountAddress");
    // Another destination's remote for this one.
    let execute = env.execute_proposal_ix(id, set_fee_config_accounts(7));
    expect_err(env.send(&[execute], &[]), "UnknownRemote");
}

/// Review: `SetRoles` could make the fee oracle the admin or the guardian (only `SetFeeRoles`
/// checked the keys apart). Refused when proposed and when executed (`OutOfRange`), with the
/// `["fees"]` account required at its address whether or not it exists.
#[test]
fn set_roles_refuses_the_fee_oracle_as_admin_or_guardian() {
    let mut env = Env::new(1, 1);
    let admin = env.admin.pubkey();
    let guardian = env.guardian.pubkey();
    let oracle = Keypair::new();
    expect_ok(env.set_fee_roles(&oracle.pubkey(), &Pubkey::new_unique()));
    for roles in [
        set_roles_action(&oracle.pubkey(), &guardian),
        set_roles_action(&admin, &oracle.pubkey()),
    ] {
        expect_err(env.try_propose(&roles), "OutOfRange");
    }
    // The roles account is required (not optional: its absence cannot prove "no oracle"),
    // and only at its PDA: a copy elsewhere, or another (system) account.
    let roles = set_roles_action(&oracle.pubkey(), &guardian);
    let id = env.next_proposal();
    let mut ix = env.propose_ix(id, &roles);
    ix.accounts.pop();
    expect_err(
        env.send(&[ix], &[&env.admin.insecure_clone()]),
        "NotEnoughAccounts",
    );
    let copy = Pubkey::new_unique();
    env.put(copy, PROGRAM_ID, env.data(&fee_roles_pda()));
    for substitute in [copy, Pubkey::new_unique()] {
        let mut ix = env.propose_ix(id, &roles);
        ix.accounts[5] = AccountMeta::new_readonly(substitute, false);
        expect_err(
            env.send(&[ix], &[&env.admin.insecure_clone()]),
            "WrongAccountAddress",
        );
    }

    // At execution: proposed while the key was no oracle, executed once it is one.
    let next = Keypair::new();
    let to_next = env
        .propose(&set_roles_action(&next.pubkey(), &guardian))
        .unwrap();
    expect_ok(env.set_fee_roles(&next.pubkey(), &Pubkey::new_unique()));
    expect_err(
        env.send(
            &[env.execute_proposal_ix(to_next, set_roles_accounts())],
            &[],
        ),
        "OutOfRange",
    );
    expect_err(
        env.send(&[env.execute_proposal_ix(to_next, vec![])], &[]),
        "NotEnoughAccounts",
    );
    let mut elsewhere = env.data(&fee_roles_pda());
    elsewhere[9..41].fill(0);
    env.put(copy, PROGRAM_ID, elsewhere);
    expect_err(
        env.send(
            &[env.execute_proposal_ix(to_next, vec![AccountMeta::new_readonly(copy, false)])],
            &[],
        ),
        "WrongAccountAddress",
    );
    // Once the guardian removed the oracle, the key may become the admin.
    let g = env.guardian.insecure_clone();
    expect_ok(env.send(&[clear_fee_oracle_ix(&g.pubkey())], &[&g]));
    expect_ok(env.send(
        &[env.execute_proposal_ix(to_next, set_roles_accounts())],
        &[],
    ));
    assert_eq!(&env.data(&config_pda())[13..45], next.pubkey().as_ref());
}

/// Review: a stolen oracle key halves (or doubles) prices once a minute until the timelocked
/// admin replaces it. The guardian removes the oracle at once, also while paused; the
/// beneficiary and the prices stay, and governance may name an oracle again.
#[test]
fn the_guardian_clears_the_fee_oracle_at_once() {
    let mut env = Env::new(1, 1);
    let guardian = env.guardian.insecure_clone();
    // Without fee roles: nothing to clear, and nothing is created.
    let meta = expect_ok(env.send(&[clear_fee_oracle_ix(&guardian.pubkey())], &[&guardian]));
    let mut event = guardian.pubkey().to_bytes().to_vec();
    event.extend_from_slice(&[0; 32]);
    assert_eq!(
        logged_events(&meta.logs, "FeeOracleCleared"),
        vec![event.clone()]
    );
    assert!(env.svm.get_account(&fee_roles_pda()).is_none());

    let c = to_evm();
    let oracle = Keypair::new();
    let beneficiary = Pubkey::new_unique();
    expect_ok(env.set_fee_config(ORIGIN, &c));
    expect_ok(env.set_fee_roles(&oracle.pubkey(), &beneficiary));
    let update = |p: u128| update_fee_prices_ix(&oracle.pubkey(), ORIGIN, p, c.exchange_rate);
    expect_ok(env.send(&[update(c.gas_price / 2)], &[&oracle]));

    // Only the guardian, signing; the accounts at their addresses.
    let admin = env.admin.insecure_clone();
    let stranger = Keypair::new();
    for who in [&admin, &oracle, &stranger] {
        expect_err(
            env.send(&[clear_fee_oracle_ix(&who.pubkey())], &[who]),
            "NotGuardian",
        );
    }
    let mut unsigned = clear_fee_oracle_ix(&guardian.pubkey());
    unsigned.accounts[0].is_signer = false;
    expect_err(env.send(&[unsigned], &[]), "MissingSignature");
    let forged_roles = Pubkey::new_unique();
    env.put(forged_roles, PROGRAM_ID, env.data(&fee_roles_pda()));
    let forged_config = Pubkey::new_unique();
    env.put(forged_config, PROGRAM_ID, env.data(&config_pda()));
    let cases = [
        (
            1,
            AccountMeta::new_readonly(forged_config, false),
            "WrongAccountAddress",
        ),
        (
            2,
            AccountMeta::new(forged_roles, false),
            "WrongAccountAddress",
        ),
        (
            2,
            AccountMeta::new_readonly(fee_roles_pda(), false),
            "NotWritable",
        ),
    ];
    for (i, meta, error) in cases {
        let mut ix = clear_fee_oracle_ix(&guardian.pubkey());
        ix.accounts[i] = meta;
        expect_err(env.send(&[ix], &[&guardian]), error);
    }
    assert_eq!(&env.data(&fee_roles_pda())[9..41], oracle.pubkey().as_ref());

    // While paused too.
    expect_ok(env.pause());
    let meta = expect_ok(env.send(&[clear_fee_oracle_ix(&guardian.pubkey())], &[&guardian]));
    let mut cleared = guardian.pubkey().to_bytes().to_vec();
    cleared.extend_from_slice(oracle.pubkey().as_ref());
    assert_eq!(logged_events(&meta.logs, "FeeOracleCleared"), vec![cleared]);
    let roles = env.data(&fee_roles_pda());
    assert_eq!(&roles[9..41], &[0; 32], "no oracle");
    assert_eq!(
        &roles[41..73],
        beneficiary.as_ref(),
        "the beneficiary stays"
    );
    env.advance(60);
    expect_err(
        env.send(&[update(c.gas_price / 4)], &[&oracle]),
        "NotFeeOracle",
    );
    let data = env.data(&fee_config_pda(ORIGIN));
    assert_eq!(
        u128::from_le_bytes(data[13..29].try_into().unwrap()),
        c.gas_price / 2,
        "prices kept"
    );
    // Again: nothing left to clear, not an error (a second guardian transaction).
    let meta = expect_ok(env.send(&[clear_fee_oracle_ix(&guardian.pubkey())], &[&guardian]));
    assert_eq!(logged_events(&meta.logs, "FeeOracleCleared"), vec![event]);
    // Governance names an oracle again.
    let next = Keypair::new();
    expect_ok(env.set_fee_roles(&next.pubkey(), &beneficiary));
    let ix = update_fee_prices_ix(&next.pubkey(), ORIGIN, c.gas_price, c.exchange_rate);
    expect_ok(env.send(&[ix], &[&next]));
}
