//! `deliver`: release (home token) and mint (bridged), replay by (origin, origin bridge, nonce),
//! delivery rules (routes, beneficiary), the per-origin ledger, a digest that names this
//! deployment, arbitrary messages, pre-funded receipts, substituted accounts, compute units.

use solana_instruction::AccountMeta;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

use crate::common::*;

/// A bridge with a home token (vault funded, ORIGIN's ledger as if the vault's funds had been
/// sent there) and a bridged token (home ORIGIN), and a user with token accounts of both.
pub struct Setup {
    pub env: Env,
    pub user: Keypair,
    pub home_mint: Pubkey,
    pub home_id: [u8; 32],
    pub home_token: Pubkey,
    pub bridged_mint: Pubkey,
    pub bridged_id: [u8; 32],
    pub bridged_token: Pubkey,
    pub nonce: u64,
}

pub const VAULT_FUNDS: u64 = 10_000_000;
pub const EVM_TOKEN: [u8; 32] = [0xaa; 32];

/// The sender of the transfers the tests deliver: an EVM address, left-padded.
pub fn evm_sender() -> [u8; 32] {
    let mut sender = [0u8; 32];
    sender[12..].fill(0x5e);
    sender
}

impl Setup {
    pub fn new(n: usize, threshold: u8, limits: Limits) -> Self {
        let mut env = Env::with_written_threshold(n, threshold);
        let user = Keypair::new();
        let home_mint = env.create_mint(&Pubkey::new_unique(), 6);
        let home_id = env.register_home_token(&home_mint, limits);
        env.put(
            vault_pda(&home_mint),
            TOKEN_PROGRAM,
            token_account_data(&home_mint, &authority_pda(), VAULT_FUNDS),
        );
        env.write_ledger(&home_id, ORIGIN, VAULT_FUNDS.into());
        let home_token = env.create_token_account(&home_mint, &user.pubkey(), 0);
        let bridged_mint = env.create_mint(&authority_pda(), 9);
        let bridged_id = env.register_bridged_token(ORIGIN, &EVM_TOKEN, &bridged_mint, 9, limits);
        let bridged_token = env.create_token_account(&bridged_mint, &user.pubkey(), 0);
        Self {
            env,
            user,
            home_mint,
            home_id,
            home_token,
            bridged_mint,
            bridged_id,
            bridged_token,
            nonce: 0,
        }
    }

    /// A token-transfer message from ORIGIN to this bridge for the user.
    pub fn transfer(&mut self, token_id: &[u8; 32], amount: u128) -> Vec<u8> {
        self.transfer_from(ORIGIN, token_id, amount)
    }

    /// A token-transfer message from `origin` to this bridge for the user.
    pub fn transfer_from(&mut self, origin: u32, token_id: &[u8; 32], amount: u128) -> Vec<u8> {
        self.nonce += 1;
        let body = transfer_body(token_id, amount, &self.user.pubkey());
        encode_message(
            self.nonce,
            origin,
            &evm_sender(),
            DOMAIN,
            &PROGRAM_ID.to_bytes(),
            &body,
        )
    }

    pub fn home_accounts(&self) -> TokenAccounts {
        TokenAccounts::home(&self.home_id, &self.home_mint, &self.home_token)
    }

    pub fn bridged_accounts(&self) -> TokenAccounts {
        TokenAccounts::bridged(&self.bridged_id, &self.bridged_mint, &self.bridged_token)
    }

    pub fn deliver(&mut self, message: &[u8], accounts: &TokenAccounts) -> Outcome {
        let sigs = self.env.attest(message, self.env.threshold as usize);
        let ix = self.env.deliver_ix(message, &sigs, None, Some(accounts));
        self.env.send(&[ix], &[])
    }
}

/// (status, queue reason) of `message`'s receipt.
pub fn receipt_status(env: &Env, message: &[u8]) -> (u8, u8) {
    let data = env.data(&env.receipt(message));
    assert_eq!(&data[..8], &account_disc("Receipt"));
    (data[9], data[10])
}

#[test]
fn releases_home_tokens_once() {
    let mut s = Setup::new(1, 1, Limits::default());
    let m = s.transfer(&s.home_id.clone(), 1_234);
    let accounts = s.home_accounts();
    let meta = expect_ok(s.deliver(&m, &accounts));
    assert_eq!(s.env.token_balance(&s.home_token), 1_234);
    assert_eq!(
        s.env.token_balance(&vault_pda(&s.home_mint)),
        VAULT_FUNDS - 1_234
    );
    assert_eq!(
        s.env.ledger(&s.home_id, ORIGIN),
        i128::from(VAULT_FUNDS - 1_234)
    );
    assert_eq!(receipt_status(&s.env, &m), (1, 0), "executed");
    // MessageDelivered { id, origin, nonce, status }.
    let events = logged_events(&meta.logs, "MessageDelivered");
    let mut expected = keccak(&[&m]).to_vec();
    expected.extend_from_slice(&ORIGIN.to_le_bytes());
    expected.extend_from_slice(&1u64.to_le_bytes());
    expected.push(1);
    assert_eq!(events, vec![expected]);
    // The receipt is keyed by (origin, origin bridge, nonce) and stores them.
    let data = s.env.data(&receipt_pda(&Key::of(&m, &s.env.origin_bridge)));
    assert_eq!(&data[11..43], &keccak(&[&m]));
    assert_eq!(&data[43..47], &ORIGIN.to_le_bytes());
    assert_eq!(&data[47..79], &s.env.origin_bridge);
    assert_eq!(&data[79..87], &1u64.to_le_bytes());
    // Replay: refused, nothing moves.
    expect_err(s.deliver(&m, &accounts), "AlreadyDelivered");
    assert_eq!(s.env.token_balance(&s.home_token), 1_234);
}

#[test]
fn mints_bridged_tokens_at_the_scale() {
    let mut s = Setup::new(1, 1, Limits::default());
    let id = s.bridged_id;
    let m = s.transfer(&id, 5_000_000_000);
    let accounts = s.bridged_accounts();
    expect_ok(s.deliver(&m, &accounts));
    assert_eq!(s.env.token_balance(&s.bridged_token), 5);
    assert_eq!(s.env.mint_supply(&s.bridged_mint), 5);
    // The home route of a bridged mint does not bound minting; it counts what came from home
    // (what may go back there).
    assert_eq!(s.env.ledger(&id, ORIGIN), -5);
    // Not a multiple of 10^9, zero, or above u64 after scaling: refused, never truncated.
    for amount in [
        5_000_000_001u128,
        0,
        (u128::from(u64::MAX) + 1) * 1_000_000_000,
    ] {
        let m = s.transfer(&id, amount);
        expect_err(s.deliver(&m, &accounts), "BadAmount");
    }
}

#[test]
fn delivery_rules() {
    let mut s = Setup::new(1, 1, Limits::default());
    let accounts = s.home_accounts();
    let body = transfer_body(&s.home_id, 1, &s.user.pubkey());
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            encode_message(1, ORIGIN, &[1; 32], 9, &PROGRAM_ID.to_bytes(), &body),
            "WrongDestination",
        ),
        (
            encode_message(2, 7, &[1; 32], DOMAIN, &PROGRAM_ID.to_bytes(), &body),
            "UnknownRemote",
        ),
        (
            encode_message(3, ORIGIN, &[1; 32], DOMAIN, &[0xb2; 32], &body),
            "WrongRecipient",
        ),
        (
            encode_message(
                4,
                ORIGIN,
                &[1; 32],
                DOMAIN,
                &PROGRAM_ID.to_bytes(),
                &transfer_body(&[9; 32], 1, &s.user.pubkey()),
            ),
            "TokenNotRegistered",
        ),
        (
            encode_message(
                5,
                ORIGIN,
                &[1; 32],
                DOMAIN,
                &PROGRAM_ID.to_bytes(),
                &transfer_body_to(&s.home_id, 1, &[0; 32]),
            ),
            "InvalidBeneficiary",
        ),
    ];
    for (m, err) in cases {
        let sigs = s.env.attest(&m, 1);
        let ix = s.env.deliver_ix(&m, &sigs, None, Some(&accounts));
        expect_err(s.env.send(&[ix], &[]), err);
    }
    // A token transfer for another token's accounts.
    let m = s.transfer(&s.home_id.clone(), 1);
    let wrong = s.bridged_accounts();
    expect_err(s.deliver(&m, &wrong), "TokenNotRegistered");
    // A registered token without a route from the origin: remote 7 has none for it.
    let addrs: Vec<[u8; 20]> = s.env.validators.iter().map(|v| v.address).collect();
    expect_ok(s.env.set_remote(7, evm_bridge(0x77), 1, 1, &addrs));
    let m = s.transfer_from(7, &s.home_id.clone(), 1);
    let from_7 = s.home_accounts().with_origin(&s.home_id, 7);
    expect_err(s.deliver(&m, &from_7), "RouteDisabled");
    // ORIGIN's route passed for remote 7's message: another address than the route of 7.
    expect_err(s.deliver(&m, &accounts), "RouteDisabled");
}

/// Second review, F-6: the bridge is never a beneficiary. A transfer to this program or to its
/// authority PDA (the owner of every vault: a payout "to" it from the vault would move nothing
/// while the ledger counts it paid) is refused, even with token accounts those keys own (the
/// vault itself for the authority), and stays retryable for nobody: `InvalidBeneficiary`.
#[test]
fn the_bridge_is_never_a_beneficiary() {
    let mut s = Setup::new(1, 1, Limits::default());
    let program_token = s.env.create_token_account(&s.home_mint, &PROGRAM_ID, 0);
    let vault = vault_pda(&s.home_mint);
    let authority_token = s
        .env
        .create_token_account(&s.bridged_mint, &authority_pda(), 0);
    let cases = [
        (
            PROGRAM_ID,
            s.home_id,
            TokenAccounts::home(&s.home_id, &s.home_mint, &program_token),
        ),
        (
            authority_pda(),
            s.home_id,
            TokenAccounts::home(&s.home_id, &s.home_mint, &vault),
        ),
        (
            authority_pda(),
            s.bridged_id,
            TokenAccounts::bridged(&s.bridged_id, &s.bridged_mint, &authority_token),
        ),
    ];
    for (n, (beneficiary, token_id, accounts)) in cases.into_iter().enumerate() {
        let amount = if token_id == s.home_id {
            5
        } else {
            5_000_000_000
        };
        let m = encode_message(
            100 + n as u64,
            ORIGIN,
            &evm_sender(),
            DOMAIN,
            &PROGRAM_ID.to_bytes(),
            &transfer_body(&token_id, amount, &beneficiary),
        );
        expect_err(s.deliver(&m, &accounts), "InvalidBeneficiary");
    }
    assert_eq!(s.env.token_balance(&vault), VAULT_FUNDS);
    assert_eq!(s.env.ledger(&s.home_id, ORIGIN), i128::from(VAULT_FUNDS));
}

/// docs/protocol.md, "Routes, buckets and the per-origin ledger": a route with `remote_max = 0`
/// is disabled in both directions. A delivery from its remote reverts `RouteDisabled` (no
/// receipt, nothing paid, the ledger and the bucket untouched) and stays retryable: once
/// governance enables the route again the same message delivers. Both kinds of token.
#[test]
fn a_disabled_route_refuses_deliveries_until_enabled() {
    let limits = Limits::default();
    let mut s = Setup::new(1, 1, limits);
    let disabled = Limits {
        remote_max: 0,
        ..limits
    };
    let home_id = s.home_id;
    let bridged_id = s.bridged_id;
    expect_ok(s.env.set_route(&home_id, ORIGIN, &disabled));
    expect_ok(s.env.set_route(&bridged_id, ORIGIN, &disabled));
    let home = s.transfer(&home_id, 1_234);
    let bridged = s.transfer(&bridged_id, 5_000_000_000);
    let route = route_pda(&home_id, ORIGIN);
    let route_before = s.env.data(&route);
    for (m, accounts) in [(&home, s.home_accounts()), (&bridged, s.bridged_accounts())] {
        expect_err(s.deliver(m, &accounts), "RouteDisabled");
        assert!(s.env.svm.get_account(&s.env.receipt(m)).is_none());
    }
    assert_eq!(
        s.env.data(&route),
        route_before,
        "ledger and bucket untouched"
    );
    assert_eq!(s.env.token_balance(&s.home_token), 0);
    assert_eq!(s.env.mint_supply(&s.bridged_mint), 0);
    // Enabled again: the same messages deliver.
    expect_ok(s.env.set_route(&home_id, ORIGIN, &limits));
    expect_ok(s.env.set_route(&bridged_id, ORIGIN, &limits));
    expect_ok(s.deliver(&home, &s.home_accounts()));
    expect_ok(s.deliver(&bridged, &s.bridged_accounts()));
    assert_eq!(s.env.token_balance(&s.home_token), 1_234);
    assert_eq!(s.env.token_balance(&s.bridged_token), 5);
    assert_eq!(
        s.env.ledger(&home_id, ORIGIN),
        i128::from(VAULT_FUNDS - 1_234)
    );
}

/// Review finding 4: a compromised set of one origin cannot release what was locked for
/// another. The vault holds ORIGIN's collateral; remote 7 (its own validator set) has a route
/// but has been sent nothing, so it can release nothing; once 300 is sent to 7, 7 can bring
/// back 300, not 301.
#[test]
fn an_origin_releases_at_most_what_was_sent_to_it() {
    let mut s = Setup::new(1, 1, Limits::default());
    let addrs: Vec<[u8; 20]> = s.env.validators.iter().map(|v| v.address).collect();
    expect_ok(s.env.set_remote(7, evm_bridge(0x77), 1, 1, &addrs));
    let home_id = s.home_id;
    expect_ok(s.env.set_route(&home_id, 7, &Limits::default()));
    let from_7 = s.home_accounts().with_origin(&home_id, 7);
    let m = s.transfer_from(7, &home_id, 1);
    expect_err(s.deliver(&m, &from_7), "LedgerExceeded");
    let failed = s.deliver(&m, &from_7).unwrap_err();
    assert!(
        failed
            .meta
            .logs
            .iter()
            .any(|l| l == "Program log: Requested: 1")
            && failed
                .meta
                .logs
                .iter()
                .any(|l| l == "Program log: Available: 0"),
        "{:#?}",
        failed.meta.logs
    );
    assert_eq!(s.env.token_balance(&s.home_token), 0);
    assert!(s.env.svm.get_account(&s.env.receipt(&m)).is_none());

    // The user sends 300 to remote 7 (a real send: the ledger of (home, 7) becomes 300).
    let user = s.user.insecure_clone();
    let funded = s
        .env
        .create_token_account(&s.home_mint, &user.pubkey(), 1_000);
    let send = send_ix(
        &user.pubkey(),
        &SendArgs {
            destination: 7,
            token_id: home_id,
            beneficiary: [0x42; 32],
            amount: 300,
        },
        &funded,
        &s.home_mint,
        &vault_pda(&s.home_mint),
    );
    // An EVM remote pays only 20-byte beneficiaries.
    expect_err(
        s.env.send(std::slice::from_ref(&send), &[&user]),
        "InvalidBeneficiary",
    );
    let mut beneficiary = [0u8; 32];
    beneficiary[12..].copy_from_slice(&[0x42; 20]);
    let send = send_ix(
        &user.pubkey(),
        &SendArgs {
            destination: 7,
            token_id: home_id,
            beneficiary,
            amount: 300,
        },
        &funded,
        &s.home_mint,
        &vault_pda(&s.home_mint),
    );
    expect_ok(s.env.send(&[send], &[&user]));
    assert_eq!(s.env.ledger(&home_id, 7), 300);
    assert_eq!(s.env.ledger(&home_id, ORIGIN), i128::from(VAULT_FUNDS));
    let too_much = s.transfer_from(7, &home_id, 301);
    expect_err(s.deliver(&too_much, &from_7), "LedgerExceeded");
    let back = s.transfer_from(7, &home_id, 300);
    expect_ok(s.deliver(&back, &from_7));
    assert_eq!(s.env.token_balance(&s.home_token), 300);
    assert_eq!(s.env.ledger(&home_id, 7), 0);
    // ORIGIN's partition is untouched by 7's traffic, and bounded by it.
    let over = s.transfer(&home_id, u128::from(VAULT_FUNDS) + 1);
    expect_err(s.deliver(&over, &s.home_accounts()), "LedgerExceeded");
}

/// Review finding 5: replay is keyed by (origin, origin bridge, nonce). After ORIGIN's remote
/// is pointed at a redeployed bridge (nonces from 0 again), its messages are new keys; the old
/// bridge's receipts stay.
#[test]
fn a_redeployed_origin_bridge_reuses_nonces_without_collision() {
    let mut env = Env::new(1, 1);
    let old_bridge = env.origin_bridge;
    let m = encode_message(
        0,
        ORIGIN,
        &[3; 32],
        DOMAIN,
        &[4; 32],
        &message_body(1, b"a"),
    );
    let sigs = env.attest(&m, 1);
    expect_ok(env.send(&[env.deliver_ix(&m, &sigs, None, None)], &[]));
    let addrs: Vec<[u8; 20]> = env.validators.iter().map(|v| v.address).collect();
    let new_bridge = evm_bridge(0x99);
    expect_ok(env.set_remote(ORIGIN, new_bridge, 2, 1, &addrs));
    env.epoch = 2;
    // The same bytes again, now attested for the new origin bridge: a new key.
    let sigs = env.attest(&m, 1);
    expect_ok(env.send(&[env.deliver_ix(&m, &sigs, None, None)], &[]));
    for bridge in [old_bridge, new_bridge] {
        let data = env.data(&receipt_pda(&Key::of(&m, &bridge)));
        assert_eq!(&data[47..79], &bridge);
    }
    expect_err(
        env.send(&[env.deliver_ix(&m, &sigs, None, None)], &[]),
        "AlreadyDelivered",
    );
}

/// Review finding 8: the digest names the destination domain and bridge. A set signed for
/// another deployment (another program id, or another domain) with the same keys does not
/// verify here.
#[test]
fn a_set_signed_for_another_deployment_is_refused() {
    let mut env = Env::new(1, 1);
    let m = encode_message(
        0,
        ORIGIN,
        &[3; 32],
        DOMAIN,
        &[4; 32],
        &message_body(1, b"a"),
    );
    let id = keccak(&[&m]);
    let here = Attestation::to_bridge(ORIGIN, env.origin_bridge, 1);
    let elsewhere = [
        Attestation {
            destination_bridge: [0xd2; 32],
            ..here
        },
        Attestation {
            destination: DOMAIN + 1,
            ..here
        },
    ];
    for other in elsewhere {
        let sigs = sign(&other.digest(&id), &[&env.validators[0]]);
        expect_err(
            env.send(&[env.deliver_ix(&m, &sigs, None, None)], &[]),
            "NotMember",
        );
    }
    let sigs = sign(&here.digest(&id), &[&env.validators[0]]);
    expect_ok(env.send(&[env.deliver_ix(&m, &sigs, None, None)], &[]));
}

#[test]
fn records_arbitrary_messages() {
    let mut env = Env::new(3, 2);
    let m = encode_message(
        0,
        ORIGIN,
        &[3; 32],
        DOMAIN,
        &[4; 32],
        &message_body(70_000, &[0xde, 0xad]),
    );
    let sigs = env.attest(&m, 2);
    expect_ok(env.send(&[env.deliver_ix(&m, &sigs, None, None)], &[]));
    let data = env.data(&env.receipt(&m));
    assert_eq!(data.len(), 280);
    assert_eq!(data[9], 4, "received");
    assert_eq!(data[119], 0, "kind");
    assert_eq!(&data[160..192], &[4; 32], "recipient");
    assert_eq!(&data[208..240], &keccak(&[&[0xde, 0xad]]), "payload hash");
    assert_eq!(&data[240..248], &70_000u64.to_le_bytes(), "gas limit");
    expect_err(
        env.send(&[env.deliver_ix(&m, &sigs, None, None)], &[]),
        "AlreadyDelivered",
    );
}

#[test]
fn a_pre_funded_receipt_address_does_not_block_delivery() {
    let mut env = Env::new(1, 1);
    let m = encode_message(0, ORIGIN, &[3; 32], DOMAIN, &[4; 32], &message_body(1, &[]));
    let receipt = env.receipt(&m);
    env.svm.airdrop(&receipt, 1_000_000).unwrap();
    let sigs = env.attest(&m, 1);
    expect_ok(env.send(&[env.deliver_ix(&m, &sigs, None, None)], &[]));
    assert_eq!(env.data(&receipt)[9], 4);
}

#[test]
fn substituted_accounts_are_refused() {
    let mut s = Setup::new(1, 1, Limits::default());
    let m = s.transfer(&s.home_id.clone(), 10);
    let sigs = s.env.attest(&m, 1);
    let base = s.env.deliver_ix(&m, &sigs, None, Some(&s.home_accounts()));
    let mut cases: Vec<(usize, AccountMeta, &str)> = Vec::new();
    let forge = |s: &mut Setup, of: Pubkey, owner: Pubkey| {
        let fake = Pubkey::new_unique();
        let bytes = s.env.data(&of);
        s.env.put(fake, owner, bytes);
        fake
    };
    let fake_config = forge(&mut s, config_pda(), PROGRAM_ID);
    cases.push((
        1,
        AccountMeta::new_readonly(fake_config, false),
        "WrongAccountAddress",
    ));
    let foreign_config = forge(&mut s, config_pda(), SYSTEM_PROGRAM);
    cases.push((
        1,
        AccountMeta::new_readonly(foreign_config, false),
        "WrongAccountOwner",
    ));
    let fake_remote = forge(&mut s, remote_pda(ORIGIN), PROGRAM_ID);
    cases.push((
        2,
        AccountMeta::new_readonly(fake_remote, false),
        "UnknownRemote",
    ));
    cases.push((
        3,
        AccountMeta::new(Pubkey::new_unique(), false),
        "WrongAccountAddress",
    ));
    // The receipt of the same nonce under another origin bridge.
    cases.push((
        3,
        AccountMeta::new(receipt_pda(&Key::of(&m, &[0x99; 32])), false),
        "WrongAccountAddress",
    ));
    cases.push((
        3,
        AccountMeta::new_readonly(s.env.receipt(&m), false),
        "NotWritable",
    ));
    let fake_clock = forge(&mut s, CLOCK, SYSTEM_PROGRAM);
    cases.push((
        5,
        AccountMeta::new_readonly(fake_clock, false),
        "WrongAccountAddress",
    ));
    cases.push((
        6,
        AccountMeta::new_readonly(TOKEN_PROGRAM, false),
        "WrongAccountAddress",
    ));
    let home_config = token_pda(&s.home_id);
    let fake_token = forge(&mut s, home_config, PROGRAM_ID);
    cases.push((
        7,
        AccountMeta::new_readonly(fake_token, false),
        "TokenNotRegistered",
    ));
    let home_route = route_pda(&s.home_id, ORIGIN);
    let fake_route = forge(&mut s, home_route, PROGRAM_ID);
    cases.push((8, AccountMeta::new(fake_route, false), "RouteDisabled"));
    cases.push((
        8,
        AccountMeta::new(route_pda(&s.bridged_id, ORIGIN), false),
        "RouteDisabled",
    ));
    cases.push((
        8,
        AccountMeta::new_readonly(home_route, false),
        "NotWritable",
    ));
    let other_mint = s.env.create_mint(&authority_pda(), 6);
    cases.push((
        9,
        AccountMeta::new(other_mint, false),
        "WrongAccountAddress",
    ));
    let fake_vault = s
        .env
        .create_token_account(&s.home_mint, &authority_pda(), VAULT_FUNDS);
    cases.push((
        10,
        AccountMeta::new(fake_vault, false),
        "WrongAccountAddress",
    ));
    let theirs = s
        .env
        .create_token_account(&s.home_mint, &Pubkey::new_unique(), 0);
    cases.push((11, AccountMeta::new(theirs, false), "WrongTokenOwner"));
    let other_mint_account = s.env.create_token_account(&other_mint, &s.user.pubkey(), 0);
    cases.push((11, AccountMeta::new(other_mint_account, false), "WrongMint"));
    cases.push((
        12,
        AccountMeta::new_readonly(Pubkey::new_unique(), false),
        "WrongAccountAddress",
    ));
    cases.push((
        13,
        AccountMeta::new_readonly(SYSTEM_PROGRAM, false),
        "WrongTokenProgram",
    ));
    let fake_set = forge(&mut s, config_pda(), PROGRAM_ID);
    cases.push((
        4,
        AccountMeta::new(fake_set, false),
        "InvalidInstructionData",
    ));
    for (index, meta, err) in cases {
        let mut ix = base.clone();
        ix.accounts[index] = meta;
        expect_err(s.env.send(&[ix], &[]), err);
    }
    // Payer not a signer.
    let other = Keypair::new();
    s.env.svm.airdrop(&other.pubkey(), 1_000_000_000).unwrap();
    let mut ix = base.clone();
    ix.accounts[0] = AccountMeta::new(other.pubkey(), false);
    expect_err(s.env.send(&[ix], &[]), "MissingSignature");
    // Missing token accounts.
    let mut ix = base.clone();
    ix.accounts.truncate(10);
    expect_err(s.env.send(&[ix], &[]), "NotEnoughAccounts");
    expect_ok(s.env.send(&[base], &[]));

    // A bridged mint whose mint authority is not the bridge's authority PDA.
    let rogue_mint = s.env.create_mint(&Pubkey::new_unique(), 9);
    let rogue_id = s
        .env
        .register_bridged_token_unchecked(ORIGIN, &[0xcc; 32], &rogue_mint);
    assert!(
        rogue_id.is_none(),
        "registering a mint the bridge cannot mint is refused"
    );
}

#[test]
fn compute_units_inline() {
    for (n, t) in [(1usize, 1u8), (5, 3), (5, 4)] {
        let mut s = Setup::new(n, t, Limits::default());
        let m = s.transfer(&s.bridged_id.clone(), 1_000_000_000);
        let sigs = s.env.attest(&m, t as usize);
        let ix = s
            .env
            .deliver_ix(&m, &sigs, None, Some(&s.bridged_accounts()));
        let size = s.env.tx_size(std::slice::from_ref(&ix));
        assert!(
            size <= 1232,
            "{t}-of-{n} deliver is {size} bytes, over the 1232-byte limit"
        );
        let meta = expect_ok(s.env.send(&[ix], &[]));
        println!(
            "CU deliver {t}-of-{n} (inline, mint bridged token): {} CU, tx {size} bytes",
            meta.compute_units_consumed
        );
        let m = s.transfer(&s.home_id.clone(), 1_000);
        let sigs = s.env.attest(&m, t as usize);
        let ix = s.env.deliver_ix(&m, &sigs, None, Some(&s.home_accounts()));
        let meta = expect_ok(s.env.send(&[ix], &[]));
        println!(
            "CU deliver {t}-of-{n} (inline, release home token): {} CU",
            meta.compute_units_consumed
        );
    }
}
