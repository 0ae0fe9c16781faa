//! `deliver`: release (home token) and mint (bridged), replay, delivery rules, arbitrary
//! messages, pre-funded receipts, substituted accounts, compute units.

use solana_instruction::AccountMeta;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

use crate::common::*;

/// A bridge with a home token (vault funded) and a bridged token, and a user with token
/// accounts of both.
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

    /// A token-transfer message to this bridge for the user.
    pub fn transfer(&mut self, token_id: &[u8; 32], amount: u128) -> Vec<u8> {
        self.nonce += 1;
        let body = transfer_body(token_id, amount, &self.user.pubkey());
        encode_message(
            self.nonce,
            ORIGIN,
            &[0x5e; 32],
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

pub fn receipt_status(env: &Env, message: &[u8]) -> (u8, u8) {
    let data = env.data(&receipt_pda(&keccak(&[message])));
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
    assert_eq!(receipt_status(&s.env, &m), (1, 0), "executed");
    let logged = program_data(&meta.logs);
    assert_eq!(logged[0][0], b"delivered");
    assert_eq!(logged[0][1], keccak(&[&m]));
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
    ];
    for (m, err) in cases {
        let origin = u32::from_be_bytes(m[9..13].try_into().unwrap());
        let d = digest(origin, &s.env.origin_bridge, 1, &keccak(&[&m]));
        let sigs = sign(&d, &[&s.env.validators[0]]);
        let ix = s.env.deliver_ix(&m, &sigs, None, Some(&accounts));
        expect_err(s.env.send(&[ix], &[]), err);
    }
    // A token transfer for another token's accounts.
    let m = s.transfer(&s.home_id.clone(), 1);
    let wrong = s.bridged_accounts();
    expect_err(s.deliver(&m, &wrong), "TokenNotRegistered");
}

#[test]
fn records_arbitrary_messages() {
    let mut env = Env::new(3, 2);
    let m = encode_message(0, ORIGIN, &[3; 32], DOMAIN, &[4; 32], &[0, 0xde, 0xad]);
    let sigs = env.attest(&m, 2);
    expect_ok(env.send(&[env.deliver_ix(&m, &sigs, None, None)], &[]));
    let data = env.data(&receipt_pda(&keccak(&[&m])));
    assert_eq!(data[9], 4, "received");
    assert_eq!(&data[128..160], &[4; 32], "recipient");
    assert_eq!(
        &data[176..208],
        &keccak(&[&[0, 0xde, 0xad]]),
        "payload hash"
    );
    expect_err(
        env.send(&[env.deliver_ix(&m, &sigs, None, None)], &[]),
        "AlreadyDelivered",
    );
}

#[test]
fn a_pre_funded_receipt_address_does_not_block_delivery() {
    let mut env = Env::new(1, 1);
    let m = encode_message(0, ORIGIN, &[3; 32], DOMAIN, &[4; 32], &[0]);
    let receipt = receipt_pda(&keccak(&[&m]));
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
    cases.push((
        3,
        AccountMeta::new_readonly(receipt_pda(&keccak(&[&m])), false),
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
    cases.push((7, AccountMeta::new(fake_token, false), "TokenNotRegistered"));
    let other_mint = s.env.create_mint(&authority_pda(), 6);
    cases.push((
        8,
        AccountMeta::new(other_mint, false),
        "WrongAccountAddress",
    ));
    let fake_vault = s
        .env
        .create_token_account(&s.home_mint, &authority_pda(), VAULT_FUNDS);
    cases.push((
        9,
        AccountMeta::new(fake_vault, false),
        "WrongAccountAddress",
    ));
    let theirs = s
        .env
        .create_token_account(&s.home_mint, &Pubkey::new_unique(), 0);
    cases.push((10, AccountMeta::new(theirs, false), "WrongTokenOwner"));
    let other_mint_account = s.env.create_token_account(&other_mint, &s.user.pubkey(), 0);
    cases.push((10, AccountMeta::new(other_mint_account, false), "WrongMint"));
    cases.push((
        11,
        AccountMeta::new_readonly(Pubkey::new_unique(), false),
        "WrongAccountAddress",
    ));
    cases.push((
        12,
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
    ix.accounts.truncate(9);
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
        let tx = solana_transaction::Transaction::new_signed_with_payer(
            &[ix],
            Some(&s.env.payer.pubkey()),
            &[&s.env.payer],
            s.env.svm.latest_blockhash(),
        );
        let size = wincode::serialize(&tx).unwrap().len();
        assert!(
            size <= 1232,
            "{t}-of-{n} deliver is {size} bytes, over the 1232-byte limit"
        );
        let meta = expect_ok(s.env.svm.send_transaction(tx).map_err(Box::new));
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
