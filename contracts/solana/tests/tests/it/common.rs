//! Shared fixtures: the built program in a LiteSVM, instruction builders (Anchor discriminators
//! and Borsh arguments, written by hand so the tests check the wire format rather than reuse the
//! program's code), SPL accounts, validator keys and signatures, events and Anchor error logs.

use std::path::PathBuf;
use std::sync::OnceLock;

use k256::ecdsa::SigningKey;
use litesvm::LiteSVM;
use litesvm::types::{FailedTransactionMetadata, TransactionMetadata};
use serde_json::Value;
use sha2::Digest as _;
use sha3::Keccak256;
use solana_account::Account;
use solana_clock::Clock;
use solana_instruction::error::InstructionError;
use solana_instruction::{AccountMeta, Instruction};
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;

mod instructions;
pub use instructions::*;

/// SPL Token.
pub const TOKEN_PROGRAM: Pubkey =
    Pubkey::from_str_const("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
/// System program.
pub const SYSTEM_PROGRAM: Pubkey = Pubkey::new_from_array([0; 32]);
/// Clock sysvar.
pub const CLOCK: Pubkey = Pubkey::from_str_const("SysvarC1ock11111111111111111111111111111111");
/// The upgradeable BPF loader, owner of the program and its program-data account.
pub const LOADER_V3: Pubkey = Pubkey::from_str_const("BPFLoaderUpgradeab1e11111111111111111111111");
/// The id the tests load the program at.
pub const PROGRAM_ID: Pubkey =
    Pubkey::from_str_const("TRESTLEbridge111111111111111111111111111111");

/// The upgradeable loader's `Rent` sysvar.
pub const RENT: Pubkey = Pubkey::from_str_const("SysvarRent111111111111111111111111111111111");
/// Anchor's `EVENT_IX_TAG` (little-endian), the first 8 bytes of a self-CPI event instruction.
pub const EVENT_IX_TAG: [u8; 8] = 0x1d9a_cb51_2ea5_45e4u64.to_le_bytes();
/// The instructions sysvar.
pub const INSTRUCTIONS: Pubkey =
    Pubkey::from_str_const("Sysvar1nstructions1111111111111111111111111");
/// `sol_remaining_compute_units`'s feature gate (SIMD-0049; not active on mainnet-beta).
pub const REMAINING_CU_FEATURE: Pubkey =
    Pubkey::from_str_const("5TuppMutoyzhUSfuYdhgzD47F92GL1g89KpCZQKqedxP");
/// `execute_message`'s compute overhead constants (program/src/instructions/execute_message.rs).
pub const EXECUTE_MESSAGE_BASE_CU: u64 = 25_000;
/// The compute budget program.
pub const COMPUTE_BUDGET: Pubkey =
    Pubkey::from_str_const("ComputeBudget111111111111111111111111111111");

/// The bridge's domain in most tests (the vectors' `destination`).
pub const DOMAIN: u32 = 2;
/// The remote origin in most tests (the vectors' `origin`).
pub const ORIGIN: u32 = 1;
/// Admin timelock delay.
pub const ADMIN_DELAY: i64 = 3600;
/// Start time of the SVM clock.
pub const T0: i64 = 1_700_000_000;

/// Path of the built program: `$TRESTLE_SOLANA_PROGRAM_SO`, else
/// `${TRESTLE_CACHE:-$HOME/.cache/trestle}/sbf/trestle_bridge.so` (what `build.sh` writes).
pub fn program_so() -> PathBuf {
    if let Some(path) = std::env::var_os("TRESTLE_SOLANA_PROGRAM_SO") {
        return PathBuf::from(path);
    }
    let cache = std::env::var_os("TRESTLE_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME or TRESTLE_CACHE"))
                .join(".cache/trestle")
        });
    let path = cache.join("sbf/trestle_bridge.so");
    assert!(
        path.is_file(),
        "the Solana bridge program is not built: {} is missing; run contracts/solana/build.sh \
         (after scripts/setup-sbf.sh), or contracts/solana/test.sh which does both",
        path.display()
    );
    path
}

/// Another program built by `build.sh` next to the bridge (`trestle_example_recipient.so`,
/// `trestle_test_recipient.so`).
pub fn sibling_so(name: &str) -> PathBuf {
    program_so().with_file_name(name)
}

/// The shared protocol vectors, `bridge/vectors/v2.json`.
pub fn vectors() -> &'static Value {
    static V: OnceLock<Value> = OnceLock::new();
    V.get_or_init(|| {
        let path =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../bridge/vectors/v2.json");
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_json::from_str(&text).unwrap()
    })
}

/// The program's errors, read from its source (`program/src/error.rs`, one per line:
/// `Name = code => "message",`): name, code and message.
pub fn errors() -> &'static Vec<(String, u32, String)> {
    static C: OnceLock<Vec<(String, u32, String)>> = OnceLock::new();
    C.get_or_init(|| {
        include_str!("../../../program/src/error.rs")
            .lines()
            .filter_map(|line| {
                let (name, rest) = line.trim().split_once(" = ")?;
                let (code, msg) = rest.split_once(" => ")?;
                let msg = msg.strip_suffix("\",")?.strip_prefix('"')?;
                name.chars()
                    .all(char::is_alphanumeric)
                    .then(|| (name.to_owned(), code.parse().unwrap(), msg.to_owned()))
            })
            .collect()
    })
}

/// The program's error codes: name and code.
pub fn error_codes() -> Vec<(String, u32)> {
    errors().iter().map(|(n, c, _)| (n.clone(), *c)).collect()
}

/// The line the program logs for error `code`, in Anchor's format.
pub fn anchor_error_line(code: u32) -> String {
    let (name, _, msg) = errors()
        .iter()
        .find(|(_, c, _)| *c == code)
        .unwrap_or_else(|| panic!("no error with code {code}"));
    format!(
        "Program log: AnchorError occurred. Error Code: {name}. Error Number: {code}. Error Message: {msg}."
    )
}

/// The code of error `name`, CamelCase (`AlreadyDelivered`) or snake_case (`bad_length`).
pub fn code(name: &str) -> u32 {
    let camel: String = name
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    error_codes()
        .into_iter()
        .find(|(n, _)| *n == camel || n == name)
        .unwrap_or_else(|| panic!("no error named {name} in program/src/error.rs"))
        .1
}

pub fn hex32(s: &str) -> [u8; 32] {
    hex::decode(s.trim_start_matches("0x"))
        .unwrap()
        .try_into()
        .unwrap()
}

pub fn hexv(s: &str) -> Vec<u8> {
    hex::decode(s.trim_start_matches("0x")).unwrap()
}

pub fn keccak(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Keccak256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// The Anchor instruction discriminator.
pub fn ix_disc(name: &str) -> [u8; 8] {
    sha2::Sha256::digest(format!("global:{name}").as_bytes())[..8]
        .try_into()
        .unwrap()
}

/// The Anchor account discriminator.
pub fn account_disc(name: &str) -> [u8; 8] {
    sha2::Sha256::digest(format!("account:{name}").as_bytes())[..8]
        .try_into()
        .unwrap()
}

/// A Borsh encoder for arguments.
#[derive(Default)]
pub struct Borsh(pub Vec<u8>);

impl Borsh {
    pub fn ix(name: &str) -> Self {
        Self(ix_disc(name).to_vec())
    }
    pub fn u8(mut self, v: u8) -> Self {
        self.0.push(v);
        self
    }
    pub fn u32(mut self, v: u32) -> Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    pub fn u128(mut self, v: u128) -> Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    pub fn u64(mut self, v: u64) -> Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    pub fn i64(mut self, v: i64) -> Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    pub fn raw(mut self, v: &[u8]) -> Self {
        self.0.extend_from_slice(v);
        self
    }
    pub fn bytes(self, v: &[u8]) -> Self {
        self.u32(v.len() as u32).raw(v)
    }
    pub fn addrs(self, v: &[[u8; 20]]) -> Self {
        let flat: Vec<u8> = v.iter().flatten().copied().collect();
        self.u32(v.len() as u32).raw(&flat)
    }
}

pub fn pda(seeds: &[&[u8]]) -> Pubkey {
    Pubkey::find_program_address(seeds, &PROGRAM_ID).0
}
/// The program-data account of the program (upgradeable loader).
pub fn program_data_address() -> Pubkey {
    Pubkey::find_program_address(&[PROGRAM_ID.as_ref()], &LOADER_V3).0
}
pub fn config_pda() -> Pubkey {
    pda(&[b"config"])
}
pub fn authority_pda() -> Pubkey {
    pda(&[b"authority"])
}
pub fn event_authority_pda() -> Pubkey {
    pda(&[b"__event_authority"])
}
pub fn upgrade_authority_pda() -> Pubkey {
    pda(&[b"upgrade_authority"])
}
pub fn messenger_pda(recipient: &Pubkey) -> Pubkey {
    pda(&[b"messenger", recipient.as_ref()])
}
pub fn remote_pda(domain: u32) -> Pubkey {
    pda(&[b"remote", &domain.to_le_bytes()])
}
pub fn token_pda(token_id: &[u8; 32]) -> Pubkey {
    pda(&[b"token", token_id])
}
pub fn route_pda(token_id: &[u8; 32], domain: u32) -> Pubkey {
    pda(&[b"route", token_id, &domain.to_le_bytes()])
}
pub fn vault_pda(mint: &Pubkey) -> Pubkey {
    pda(&[b"vault", mint.as_ref()])
}
pub fn receipt_pda(key: &Key) -> Pubkey {
    pda(&[
        b"receipt",
        &key.origin.to_le_bytes(),
        &key.bridge,
        &key.nonce.to_le_bytes(),
    ])
}
pub fn fee_config_pda(destination: u32) -> Pubkey {
    pda(&[b"fee_config", &destination.to_le_bytes()])
}
pub fn fee_roles_pda() -> Pubkey {
    pda(&[b"fees"])
}
pub fn fee_vault_pda() -> Pubkey {
    pda(&[b"fee_vault"])
}
pub fn proposal_pda(id: u64) -> Pubkey {
    pda(&[b"proposal", &id.to_le_bytes()])
}
pub fn signatures_pda(id: &[u8; 32], epoch: u64, payer: &Pubkey) -> Pubkey {
    pda(&[b"signatures", id, &epoch.to_le_bytes(), payer.as_ref()])
}

/// What identifies a delivered message: `(origin, origin bridge, nonce)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    pub origin: u32,
    pub bridge: [u8; 32],
    pub nonce: u64,
}

impl Key {
    /// The key of `message` from an origin whose bridge is `bridge`.
    pub fn of(message: &[u8], bridge: &[u8; 32]) -> Self {
        Self {
            origin: u32::from_be_bytes(message[9..13].try_into().unwrap()),
            bridge: *bridge,
            nonce: u64::from_be_bytes(message[1..9].try_into().unwrap()),
        }
    }

    /// Borsh `(origin: u32, origin_bridge: [u8; 32], nonce: u64)`.
    pub fn encode(&self, b: Borsh) -> Borsh {
        b.u32(self.origin).raw(&self.bridge).u64(self.nonce)
    }
}

pub fn token_id(home_domain: u32, home_token: &[u8; 32]) -> [u8; 32] {
    keccak(&[&home_domain.to_be_bytes(), home_token])
}

/// Encodes a protocol v2 message (big-endian header, then body).
pub fn encode_message(
    nonce: u64,
    origin: u32,
    sender: &[u8; 32],
    destination: u32,
    recipient: &[u8; 32],
    body: &[u8],
) -> Vec<u8> {
    let mut m = vec![2u8];
    m.extend_from_slice(&nonce.to_be_bytes());
    m.extend_from_slice(&origin.to_be_bytes());
    m.extend_from_slice(sender);
    m.extend_from_slice(&destination.to_be_bytes());
    m.extend_from_slice(recipient);
    m.extend_from_slice(body);
    m
}

/// An arbitrary message's body: `0x00 || gas limit (u64 BE) || payload`.
pub fn message_body(gas_limit: u64, payload: &[u8]) -> Vec<u8> {
    let mut b = vec![0u8];
    b.extend_from_slice(&gas_limit.to_be_bytes());
    b.extend_from_slice(payload);
    b
}

pub fn transfer_body(token_id: &[u8; 32], amount: u128, beneficiary: &Pubkey) -> Vec<u8> {
    transfer_body_to(token_id, amount, &beneficiary.to_bytes())
}

pub fn transfer_body_to(token_id: &[u8; 32], amount: u128, beneficiary: &[u8; 32]) -> Vec<u8> {
    let mut b = vec![1u8];
    b.extend_from_slice(token_id);
    b.extend_from_slice(&[0u8; 16]);
    b.extend_from_slice(&amount.to_be_bytes());
    b.extend_from_slice(beneficiary);
    b
}

/// What a validator set signs for.
#[derive(Clone, Copy)]
pub struct Attestation {
    pub origin: u32,
    pub origin_bridge: [u8; 32],
    pub destination: u32,
    pub destination_bridge: [u8; 32],
    pub epoch: u64,
}

impl Attestation {
    /// From ORIGIN (vectors' origin bridge) to this bridge (DOMAIN, PROGRAM_ID), epoch 1.
    pub fn to_bridge(origin: u32, origin_bridge: [u8; 32], epoch: u64) -> Self {
        Self {
            origin,
            origin_bridge,
            destination: DOMAIN,
            destination_bridge: PROGRAM_ID.to_bytes(),
            epoch,
        }
    }

    /// The EIP-191 digest of the 120-byte preimage for message `id`.
    pub fn digest(&self, id: &[u8; 32]) -> [u8; 32] {
        let inner = keccak(&[
            b"TRESTLE",
            &[2],
            &self.origin.to_be_bytes(),
            &self.origin_bridge,
            &self.destination.to_be_bytes(),
            &self.destination_bridge,
            &self.epoch.to_be_bytes(),
            id,
        ]);
        keccak(&[b"\x19Ethereum Signed Message:\n32", &inner])
    }
}

/// The digest this bridge (DOMAIN at PROGRAM_ID) checks for a message from `origin`.
pub fn digest(origin: u32, bridge: &[u8; 32], epoch: u64, id: &[u8; 32]) -> [u8; 32] {
    Attestation::to_bridge(origin, *bridge, epoch).digest(id)
}

/// A validator key and its Ethereum address.
#[derive(Clone)]
pub struct Validator {
    pub key: SigningKey,
    pub address: [u8; 20],
}

/// The vectors' validator keys, sorted by address.
pub fn validators(n: usize) -> Vec<Validator> {
    let mut all: Vec<Validator> = vectors()["validator_keys"]
        .as_array()
        .unwrap()
        .iter()
        .take(n)
        .map(|k| Validator {
            key: SigningKey::from_slice(&hexv(k["private_key"].as_str().unwrap())).unwrap(),
            address: hexv(k["address"].as_str().unwrap()).try_into().unwrap(),
        })
        .collect();
    assert_eq!(
        all.len(),
        n,
        "the vectors hold fewer than {n} validator keys"
    );
    all.sort_by_key(|v| v.address);
    all
}

/// 65-byte `r || s || v` signatures of `digest` by `signers`, in the given order.
pub fn sign(digest: &[u8; 32], signers: &[&Validator]) -> Vec<u8> {
    let mut out = Vec::new();
    for v in signers {
        let (sig, rec) = v.key.sign_prehash_recoverable(digest).unwrap();
        let (sig, rec) = match sig.normalize_s() {
            Some(low) => (low, rec.to_byte() ^ 1),
            None => (sig, rec.to_byte()),
        };
        out.extend_from_slice(&sig.to_bytes());
        out.push(27 + rec);
    }
    out
}

/// A token's timelock and its route to ORIGIN, as the tests register them.
#[derive(Clone, Copy)]
pub struct Limits {
    pub timelock_threshold: u64,
    pub timelock_delay: i64,
    pub inbound_capacity: u64,
    pub inbound_refill: u64,
    pub outbound_capacity: u64,
    pub outbound_refill: u64,
    pub remote_exp: u8,
    pub remote_max: u128,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            timelock_threshold: 1_000_000_000,
            timelock_delay: 600,
            inbound_capacity: 100_000_000,
            inbound_refill: 1_000,
            outbound_capacity: 100_000_000,
            outbound_refill: 1_000,
            remote_exp: 0,
            remote_max: u128::MAX,
        }
    }
}

impl Limits {
    /// Borsh `timelock_threshold: u64, timelock_delay: i64`.
    pub fn timelock(&self, b: Borsh) -> Borsh {
        b.u64(self.timelock_threshold).i64(self.timelock_delay)
    }

    /// Borsh `remote_exp: u8, remote_max: u128, inbound: BucketLimits, outbound:
    /// BucketLimits`.
    pub fn route(&self, b: Borsh) -> Borsh {
        b.u8(self.remote_exp)
            .raw(&self.remote_max.to_le_bytes())
            .u64(self.inbound_capacity)
            .u64(self.inbound_refill)
            .u64(self.outbound_capacity)
            .u64(self.outbound_refill)
    }
}

/// Outcome of a transaction: the metadata, or the custom error code (if any) and the failure.
pub type Outcome = Result<TransactionMetadata, Box<FailedTransactionMetadata>>;

/// The custom error code of a failed transaction.
pub fn custom_code(outcome: &Outcome) -> Option<u32> {
    match outcome {
        Ok(_) => None,
        Err(f) => match &f.err {
            TransactionError::InstructionError(_, InstructionError::Custom(c)) => Some(*c),
            _ => None,
        },
    }
}

/// Asserts that `outcome` failed with error `name`.
#[track_caller]
pub fn expect_err(outcome: Outcome, name: &str) {
    let expected = code(name);
    match &outcome {
        Ok(meta) => panic!(
            "expected {name} ({expected}); the transaction succeeded: {:#?}",
            meta.logs
        ),
        Err(f) => {
            assert_eq!(
                custom_code(&outcome),
                Some(expected),
                "expected {name} ({expected}), got {:?}; logs: {:#?}",
                f.err,
                f.meta.logs
            );
            // Every refusal is logged in Anchor's format, with the IDL's name and message.
            let line = anchor_error_line(expected);
            assert!(
                f.meta.logs.contains(&line),
                "no `{line}` in the logs: {:#?}",
                f.meta.logs
            );
        }
    }
}

/// Asserts success and returns the metadata.
#[track_caller]
pub fn expect_ok(outcome: Outcome) -> TransactionMetadata {
    match outcome {
        Ok(meta) => meta,
        Err(f) => panic!("transaction failed: {:?}; logs: {:#?}", f.err, f.meta.logs),
    }
}

/// A bridge program in a LiteSVM, initialized, with one remote (ORIGIN) configured.
pub struct Env {
    pub svm: LiteSVM,
    pub payer: Keypair,
    pub admin: Keypair,
    pub guardian: Keypair,
    pub validators: Vec<Validator>,
    pub threshold: u8,
    pub epoch: u64,
    pub now: i64,
    pub origin_bridge: [u8; 32],
    next_proposal: u64,
}

impl Env {
    /// A fresh SVM with the program loaded and the payer funded; not initialized.
    pub fn bare() -> Self {
        Self::bare_in(LiteSVM::new())
    }

    /// Like [`Env::bare`], in `svm`.
    pub fn bare_in(svm: LiteSVM) -> Self {
        Self::bare_at_in(svm, PROGRAM_ID)
    }

    /// Like [`Env::bare`], with the program loaded at `program` instead of [`PROGRAM_ID`] (a
    /// deployment elsewhere; the helpers that derive PDAs from [`PROGRAM_ID`] do not apply).
    pub fn bare_at(program: Pubkey) -> Self {
        Self::bare_at_in(LiteSVM::new(), program)
    }

    fn bare_at_in(mut svm: LiteSVM, program: Pubkey) -> Self {
        svm.add_program_from_file(program, program_so()).unwrap();
        let payer = Keypair::new();
        let admin = Keypair::new();
        let guardian = Keypair::new();
        for k in [&payer, &admin, &guardian] {
            svm.airdrop(&k.pubkey(), 100_000_000_000).unwrap();
        }
        let mut env = Self {
            svm,
            payer,
            admin,
            guardian,
            validators: Vec::new(),
            threshold: 0,
            epoch: 1,
            now: T0,
            origin_bridge: hex32(vectors()["origin_bridge"].as_str().unwrap()),
            next_proposal: 0,
        };
        env.set_time(T0);
        let payer = env.payer.pubkey();
        env.write_upgrade_authority(&program, Some(&payer));
        env
    }

    /// Rewrites the program-data account's upgrade authority (LiteSVM loads programs as
    /// upgradeable with none): `None` makes the program immutable.
    pub fn set_upgrade_authority(&mut self, authority: Option<&Pubkey>) {
        self.write_upgrade_authority(&PROGRAM_ID, authority);
    }

    fn write_upgrade_authority(&mut self, program: &Pubkey, authority: Option<&Pubkey>) {
        let program_data = Pubkey::find_program_address(&[program.as_ref()], &LOADER_V3).0;
        let mut account = self.svm.get_account(&program_data).unwrap();
        assert_eq!(account.owner, LOADER_V3);
        assert_eq!(account.data[..4], 3u32.to_le_bytes());
        match authority {
            Some(a) => {
                account.data[12] = 1;
                account.data[13..45].copy_from_slice(a.as_ref());
            }
            None => {
                account.data[12] = 0;
                account.data[13..45].fill(0);
            }
        }
        self.svm.set_account(program_data, account).unwrap();
    }

    /// Initialized with `n` validators and `threshold` as the set of the remote ORIGIN (an EVM
    /// remote).
    pub fn new(n: usize, threshold: u8) -> Self {
        Self::new_in(LiteSVM::new(), n, threshold)
    }

    /// Like [`Env::new`], in `svm`.
    pub fn new_in(svm: LiteSVM, n: usize, threshold: u8) -> Self {
        let mut env = Self::bare_in(svm);
        env.validators = validators(n);
        env.threshold = threshold;
        let addrs: Vec<[u8; 20]> = env.validators.iter().map(|v| v.address).collect();
        let ix = env.initialize_ix(DOMAIN);
        expect_ok(env.send(&[ix], &[]));
        let bridge = env.origin_bridge;
        expect_ok(env.set_remote(ORIGIN, bridge, 1, threshold, &addrs));
        env
    }

    /// Loads another program built by `build.sh` at `id`.
    pub fn add_program(&mut self, id: Pubkey, so_name: &str) {
        self.svm
            .add_program_from_file(id, sibling_so(so_name))
            .unwrap();
    }

    pub fn set_time(&mut self, t: i64) {
        self.now = t;
        let mut clock: Clock = self.svm.get_sysvar();
        clock.unix_timestamp = t;
        self.svm.set_sysvar(&clock);
    }

    pub fn advance(&mut self, seconds: i64) {
        let t = self.now + seconds;
        self.set_time(t);
    }

    /// Sends `ixs` paid by `payer`, also signed by `extra`.
    pub fn send(&mut self, ixs: &[Instruction], extra: &[&Keypair]) -> Outcome {
        let mut signers: Vec<&Keypair> = vec![&self.payer];
        signers.extend_from_slice(extra);
        let tx = Transaction::new_signed_with_payer(
            ixs,
            Some(&self.payer.pubkey()),
            &signers,
            self.svm.latest_blockhash(),
        );
        let out = self.svm.send_transaction(tx).map_err(Box::new);
        self.svm.expire_blockhash();
        out
    }

    /// Simulates the transaction [`Env::send`] would send (nothing is committed).
    pub fn simulate(&self, ixs: &[Instruction], extra: &[&Keypair]) -> Outcome {
        let mut signers: Vec<&Keypair> = vec![&self.payer];
        signers.extend_from_slice(extra);
        let tx = Transaction::new_signed_with_payer(
            ixs,
            Some(&self.payer.pubkey()),
            &signers,
            self.svm.latest_blockhash(),
        );
        self.svm
            .simulate_transaction(tx)
            .map(|s| s.meta)
            .map_err(Box::new)
    }

    /// The account keys of a transaction of `ixs` paid by the payer (the order inner
    /// instructions index into).
    pub fn account_keys(&self, ixs: &[Instruction]) -> Vec<Pubkey> {
        solana_message::Message::new(ixs, Some(&self.payer.pubkey())).account_keys
    }

    /// The remote `domain`'s bridge as stored (the receipt key of its messages).
    pub fn remote_bridge(&self, domain: u32) -> [u8; 32] {
        let data = self.data(&remote_pda(domain));
        if data.len() < 45 {
            return self.origin_bridge;
        }
        data[13..45].try_into().unwrap()
    }

    /// The key of `message` (its origin's bridge as the remote stores it now).
    pub fn key(&self, message: &[u8]) -> Key {
        let origin = u32::from_be_bytes(message[9..13].try_into().unwrap());
        Key::of(message, &self.remote_bridge(origin))
    }

    /// The receipt of `message`.
    pub fn receipt(&self, message: &[u8]) -> Pubkey {
        receipt_pda(&self.key(message))
    }

    /// `initialize` by the payer (the program's upgrade authority in `bare`).
    pub fn initialize_ix(&self, domain: u32) -> Instruction {
        let data = Borsh::ix("initialize")
            .u32(domain)
            .raw(self.admin.pubkey().as_ref())
            .raw(self.guardian.pubkey().as_ref())
            .i64(ADMIN_DELAY)
            .0;
        Instruction::new_with_bytes(
            PROGRAM_ID,
            &data,
            vec![
                AccountMeta::new(self.payer.pubkey(), true),
                AccountMeta::new(config_pda(), false),
                AccountMeta::new_readonly(SYSTEM_PROGRAM, false),
                AccountMeta::new_readonly(PROGRAM_ID, false),
                AccountMeta::new_readonly(program_data_address(), false),
            ],
        )
    }

    /// `propose(action)` by the admin, with an `Upgrade`'s buffer or a `SetRoles`' fee roles
    /// as its extra account.
    pub fn propose_ix(&self, id: u64, action: &[u8]) -> Instruction {
        let mut accounts = vec![
            AccountMeta::new(self.admin.pubkey(), true),
            AccountMeta::new(config_pda(), false),
            AccountMeta::new(proposal_pda(id), false),
            AccountMeta::new_readonly(CLOCK, false),
            AccountMeta::new_readonly(SYSTEM_PROGRAM, false),
        ];
        if action.first() == Some(&10) && action.len() >= 33 {
            let buffer = Pubkey::new_from_array(action[1..33].try_into().unwrap());
            accounts.push(AccountMeta::new_readonly(buffer, false));
        }
        if action.first() == Some(&5) {
            accounts.extend(set_roles_accounts());
        }
        Instruction::new_with_bytes(PROGRAM_ID, &Borsh::ix("propose").raw(action).0, accounts)
    }

    pub fn execute_proposal_ix(&self, id: u64, extra: Vec<AccountMeta>) -> Instruction {
        let mut accounts = vec![
            AccountMeta::new(self.payer.pubkey(), true),
            AccountMeta::new(config_pda(), false),
            AccountMeta::new(proposal_pda(id), false),
            AccountMeta::new_readonly(CLOCK, false),
            AccountMeta::new_readonly(SYSTEM_PROGRAM, false),
        ];
        accounts.extend(extra);
        Instruction::new_with_bytes(
            PROGRAM_ID,
            &Borsh::ix("execute_proposal").u64(id).0,
            accounts,
        )
    }

    /// Proposes `action` (returns its id); the admin signs.
    pub fn propose(&mut self, action: &[u8]) -> Result<u64, Box<FailedTransactionMetadata>> {
        let id = self.next_proposal;
        self.try_propose(action)?;
        Ok(id)
    }

    /// Proposes `action` (the admin signs), as `propose`, returning the transaction's outcome.
    pub fn try_propose(&mut self, action: &[u8]) -> Outcome {
        let admin = self.admin.insecure_clone();
        let meta = self.send(&[self.propose_ix(self.next_proposal, action)], &[&admin])?;
        self.next_proposal += 1;
        Ok(meta)
    }

    /// Proposes `action`, waits out the delay and executes it with `extra` accounts.
    pub fn govern(&mut self, action: &[u8], extra: Vec<AccountMeta>) -> Outcome {
        let id = self.propose(action)?;
        self.advance(ADMIN_DELAY);
        let ix = self.execute_proposal_ix(id, extra);
        self.send(&[ix], &[])
    }

    /// Sets the fee configuration of `destination` through the timelock.
    pub fn set_fee_config(&mut self, destination: u32, c: &trestle_bridge::FeeConfig) -> Outcome {
        self.govern(
            &set_fee_config_action(destination, c),
            set_fee_config_accounts(destination),
        )
    }

    /// Sets the fee roles through the timelock.
    pub fn set_fee_roles(&mut self, oracle: &Pubkey, beneficiary: &Pubkey) -> Outcome {
        self.govern(
            &set_fee_roles_action(oracle, beneficiary),
            set_fee_roles_accounts(),
        )
    }

    /// The fee `quote` of the program (simulated; its return data), or the error code.
    pub fn quote(&self, destination: u32, gas_limit: u64, body_len: u64) -> Result<u64, u32> {
        let out = self.simulate(&[quote_ix(destination, gas_limit, body_len)], &[]);
        match &out {
            Ok(meta) => {
                assert_eq!(meta.return_data.program_id, PROGRAM_ID);
                Ok(u64::from_le_bytes(
                    meta.return_data.data.as_slice().try_into().unwrap(),
                ))
            }
            Err(_) => Err(custom_code(&out).expect("a custom error")),
        }
    }

    /// The lamports at `address` (0 when there is no account).
    pub fn lamports(&self, address: &Pubkey) -> u64 {
        self.svm.get_account(address).map_or(0, |a| a.lamports)
    }

    /// The id the next proposal gets.
    pub fn next_proposal(&self) -> u64 {
        self.next_proposal
    }

    /// Records a proposal created outside `propose`/`govern`.
    pub fn bump_proposal(&mut self) {
        self.next_proposal += 1;
    }

    /// `SetRemote` through the timelock: an EVM remote `domain` with its bridge and set.
    pub fn set_remote(
        &mut self,
        domain: u32,
        bridge: [u8; 32],
        epoch: u64,
        threshold: u8,
        validators: &[[u8; 20]],
    ) -> Outcome {
        self.set_remote_of_kind(domain, bridge, KIND_EVM, epoch, threshold, validators)
    }

    /// `SetRemote` through the timelock, with the remote's kind.
    pub fn set_remote_of_kind(
        &mut self,
        domain: u32,
        bridge: [u8; 32],
        kind: u8,
        epoch: u64,
        threshold: u8,
        validators: &[[u8; 20]],
    ) -> Outcome {
        let action = set_remote_action(domain, &bridge, kind, epoch, threshold, validators);
        self.govern(&action, vec![AccountMeta::new(remote_pda(domain), false)])
    }

    /// `SetValidatorSet` of the remote ORIGIN through the timelock.
    pub fn rotate(&mut self, epoch: u64, threshold: u8, validators: &[[u8; 20]]) -> Outcome {
        let action = rotate_action(ORIGIN, epoch, threshold, validators);
        self.govern(&action, vec![AccountMeta::new(remote_pda(ORIGIN), false)])
    }

    /// `SetRoute` through the timelock for (`token_id`, `domain`) with `limits`.
    pub fn set_route(&mut self, token_id: &[u8; 32], domain: u32, limits: &Limits) -> Outcome {
        let action = set_route_action(token_id, domain, limits);
        self.govern(&action, set_route_accounts(token_id, domain))
    }

    /// Writes an SPL mint with `authority` as mint authority.
    pub fn create_mint(&mut self, authority: &Pubkey, decimals: u8) -> Pubkey {
        let mint = Pubkey::new_unique();
        let mut data = vec![0u8; 82];
        data[0..4].copy_from_slice(&1u32.to_le_bytes());
        data[4..36].copy_from_slice(authority.as_ref());
        data[44] = decimals;
        data[45] = 1;
        self.put(mint, TOKEN_PROGRAM, data);
        mint
    }

    /// Writes an SPL token account of `mint` owned by `owner` holding `amount`.
    pub fn create_token_account(&mut self, mint: &Pubkey, owner: &Pubkey, amount: u64) -> Pubkey {
        let account = Pubkey::new_unique();
        self.put(
            account,
            TOKEN_PROGRAM,
            token_account_data(mint, owner, amount),
        );
        account
    }

    /// Writes an account with `data` owned by `owner`, rent exempt.
    pub fn put(&mut self, address: Pubkey, owner: Pubkey, data: Vec<u8>) {
        let lamports = self.svm.minimum_balance_for_rent_exemption(data.len());
        self.svm
            .set_account(
                address,
                Account {
                    lamports,
                    data,
                    owner,
                    executable: false,
                    rent_epoch: 0,
                },
            )
            .unwrap();
    }

    pub fn data(&self, address: &Pubkey) -> Vec<u8> {
        self.svm
            .get_account(address)
            .map(|a| a.data)
            .unwrap_or_default()
    }

    pub fn token_balance(&self, account: &Pubkey) -> u64 {
        u64::from_le_bytes(self.data(account)[64..72].try_into().unwrap())
    }

    pub fn mint_supply(&self, mint: &Pubkey) -> u64 {
        u64::from_le_bytes(self.data(mint)[36..44].try_into().unwrap())
    }

    /// A route's ledger: sent to the remote minus received from it (local units).
    pub fn ledger(&self, token_id: &[u8; 32], domain: u32) -> i128 {
        i128::from_le_bytes(
            self.data(&route_pda(token_id, domain))[62..78]
                .try_into()
                .unwrap(),
        )
    }

    /// Writes a route's ledger (test-only state injection: as if that much had been sent to
    /// the remote, or received from it when negative).
    pub fn write_ledger(&mut self, token_id: &[u8; 32], domain: u32, ledger: i128) {
        let address = route_pda(token_id, domain);
        let mut account = self.svm.get_account(&address).unwrap();
        account.data[62..78].copy_from_slice(&ledger.to_le_bytes());
        self.svm.set_account(address, account).unwrap();
    }

    pub fn register_token_ix_accounts(
        &self,
        token_id: &[u8; 32],
        mint: &Pubkey,
        vault: Pubkey,
    ) -> Vec<AccountMeta> {
        vec![
            AccountMeta::new(token_pda(token_id), false),
            AccountMeta::new_readonly(*mint, false),
            vault_meta(&vault),
            AccountMeta::new_readonly(authority_pda(), false),
            AccountMeta::new_readonly(TOKEN_PROGRAM, false),
        ]
    }

    /// Registers an SPL mint whose home is this bridge (locked in a vault), with its route to
    /// ORIGIN. Returns the token id.
    pub fn register_home_token(&mut self, mint: &Pubkey, limits: Limits) -> [u8; 32] {
        let id = token_id(DOMAIN, &mint.to_bytes());
        let action = register_action(DOMAIN, &mint.to_bytes(), mint, 0, &limits);
        let accounts = self.register_token_ix_accounts(&id, mint, vault_pda(mint));
        expect_ok(self.govern(&action, accounts));
        expect_ok(self.set_route(&id, ORIGIN, &limits));
        id
    }

    /// Registers a bridged mint (home elsewhere, minted here) with its route to ORIGIN.
    /// Returns the token id.
    pub fn register_bridged_token(
        &mut self,
        home_domain: u32,
        home_token: &[u8; 32],
        mint: &Pubkey,
        scale_exp: u8,
        limits: Limits,
    ) -> [u8; 32] {
        let id = token_id(home_domain, home_token);
        let action = register_action(home_domain, home_token, mint, scale_exp, &limits);
        let accounts = self.register_token_ix_accounts(&id, mint, PROGRAM_ID);
        expect_ok(self.govern(&action, accounts));
        expect_ok(self.set_route(&id, ORIGIN, &limits));
        id
    }

    /// `deliver` with inline signatures (or a staged set when `set` is given).
    pub fn deliver_ix(
        &self,
        message: &[u8],
        signatures: &[u8],
        set: Option<Pubkey>,
        token: Option<&TokenAccounts>,
    ) -> Instruction {
        let origin = message
            .get(9..13)
            .map_or(ORIGIN, |b| u32::from_be_bytes(b.try_into().unwrap()));
        let receipt = if message.len() >= 13 {
            self.receipt(message)
        } else {
            Pubkey::new_unique()
        };
        let mut accounts = vec![
            AccountMeta::new(self.payer.pubkey(), true),
            AccountMeta::new_readonly(config_pda(), false),
            AccountMeta::new_readonly(remote_pda(origin), false),
            AccountMeta::new(receipt, false),
            match set {
                Some(s) => AccountMeta::new(s, false),
                None => AccountMeta::new_readonly(PROGRAM_ID, false),
            },
            AccountMeta::new_readonly(CLOCK, false),
            AccountMeta::new_readonly(SYSTEM_PROGRAM, false),
        ];
        if let Some(t) = token {
            accounts.extend(t.metas());
        }
        Instruction::new_with_bytes(
            PROGRAM_ID,
            &Borsh::ix("deliver").bytes(message).bytes(signatures).0,
            accounts,
        )
    }

    pub fn post_signatures_ix(&self, id: &[u8; 32], origin: u32, signatures: &[u8]) -> Instruction {
        Instruction::new_with_bytes(
            PROGRAM_ID,
            &Borsh::ix("post_signatures")
                .raw(id)
                .u32(origin)
                .bytes(signatures)
                .0,
            vec![
                AccountMeta::new(self.payer.pubkey(), true),
                AccountMeta::new_readonly(config_pda(), false),
                AccountMeta::new_readonly(remote_pda(origin), false),
                AccountMeta::new(signatures_pda(id, self.epoch, &self.payer.pubkey()), false),
                AccountMeta::new_readonly(SYSTEM_PROGRAM, false),
            ],
        )
    }

    /// Signatures of the first `count` validators over `message` for this bridge.
    pub fn attest(&self, message: &[u8], count: usize) -> Vec<u8> {
        let origin = message
            .get(9..13)
            .map_or(ORIGIN, |b| u32::from_be_bytes(b.try_into().unwrap()));
        let d = digest(
            origin,
            &self.remote_bridge(origin),
            self.epoch,
            &keccak(&[message]),
        );
        let signers: Vec<&Validator> = self.validators.iter().take(count).collect();
        sign(&d, &signers)
    }

    pub fn pause_ix(&self, guardian: &Pubkey) -> Instruction {
        Instruction::new_with_bytes(
            PROGRAM_ID,
            &Borsh::ix("pause").0,
            vec![
                AccountMeta::new_readonly(*guardian, true),
                AccountMeta::new(config_pda(), false),
                AccountMeta::new_readonly(CLOCK, false),
            ],
        )
    }

    /// The guardian pauses the bridge.
    pub fn pause(&mut self) -> Outcome {
        let guardian = self.guardian.insecure_clone();
        self.send(&[self.pause_ix(&guardian.pubkey())], &[&guardian])
    }

    /// Tries to register a bridged mint; `None` when the program refuses (e.g. its mint
    /// authority is not the bridge's authority PDA: `WrongMintAuthority`).
    pub fn register_bridged_token_unchecked(
        &mut self,
        home_domain: u32,
        home_token: &[u8; 32],
        mint: &Pubkey,
    ) -> Option<[u8; 32]> {
        let id = token_id(home_domain, home_token);
        let action = register_action(home_domain, home_token, mint, 9, &Limits::default());
        let accounts = self.register_token_ix_accounts(&id, mint, PROGRAM_ID);
        let out = self.govern(&action, accounts);
        match custom_code(&out) {
            None if out.is_ok() => Some(id),
            Some(c) => {
                assert_eq!(c, code("WrongMintAuthority"));
                None
            }
            None => panic!("unexpected failure {:?}", out.err().map(|e| e.err)),
        }
    }

    /// Like [`Env::new`], then writes `threshold` straight into the remote account. For
    /// verification tests with sets the configuration rule refuses (3-of-5 is below two
    /// thirds): the program's signature check is exercised with the vectors' thresholds.
    pub fn with_written_threshold(n: usize, threshold: u8) -> Self {
        let mut env = Self::new(n, min_threshold(n).max(threshold));
        env.write_threshold(threshold);
        env
    }

    /// Overwrites the remote ORIGIN's threshold byte (test-only state injection).
    pub fn write_threshold(&mut self, threshold: u8) {
        let mut account = self.svm.get_account(&remote_pda(ORIGIN)).unwrap();
        account.data[54] = threshold;
        self.svm.set_account(remote_pda(ORIGIN), account).unwrap();
        self.threshold = threshold;
    }

    /// Serialized size of a transaction with `ixs` paid by the payer.
    pub fn tx_size(&self, ixs: &[Instruction]) -> usize {
        let tx = Transaction::new_signed_with_payer(
            ixs,
            Some(&self.payer.pubkey()),
            &[&self.payer],
            self.svm.latest_blockhash(),
        );
        wincode::serialize(&tx).unwrap().len()
    }
}

/// The smallest threshold configuration accepts for `n` validators: `ceil(2n/3)`.
pub fn min_threshold(n: usize) -> u8 {
    (2 * n).div_ceil(3) as u8
}

/// A `ComputeBudget` `SetComputeUnitLimit` instruction.
pub fn compute_limit_ix(units: u32) -> Instruction {
    Instruction::new_with_bytes(
        COMPUTE_BUDGET,
        &[&[2u8][..], &units.to_le_bytes()].concat(),
        vec![],
    )
}

/// A LiteSVM as `LiteSVM::new()`, with `sol_remaining_compute_units` enabled on top of the
/// mainnet features (so a test recipient can report the compute units it got).
pub fn svm_with_remaining_compute_units() -> LiteSVM {
    let mut features = LiteSVM::mainnet_feature_set();
    features.activate(&REMAINING_CU_FEATURE, 0);
    LiteSVM::default()
        .with_feature_set(features)
        .with_builtins()
        .with_lamports(1_000_000_000_000_000)
        .with_sysvars()
        .with_feature_accounts()
        .with_default_programs()
        .with_sigverify(true)
        .with_blockhash_check(true)
}

/// The compute-unit limit `execute_message` requires for a message with `gas_limit` to
/// `recipient` with pass-through accounts holding `passthrough_data` bytes (the program's
/// `required_compute_units`, recomputed here).
pub fn required_compute_units(gas_limit: u64, recipient: &Pubkey, passthrough_data: u64) -> u64 {
    let bump = Pubkey::find_program_address(&[b"messenger", recipient.as_ref()], &PROGRAM_ID).1;
    gas_limit + EXECUTE_MESSAGE_BASE_CU + 1_500 * (256 - u64::from(bump)) + passthrough_data / 250
}
