//! `trestle wallet sign-tx --chain solana --wire` and `trestle wallet sign-in`: a dApp's
//! Solana transactions signed byte-exact in the account's slot, Sign-In With Solana and
//! Sign-In with Ethereum (EIP-4361) messages, and the refusals, each naming what is wrong.

use std::io::Write;

use assert_cmd::Command;
use serde_json::Value;
use trestle_core::solana::instruction::system_transfer;
use trestle_core::solana::sign_in::SignInMessage;
use trestle_core::solana::{
    AccountMeta, AddressLookupTableAccount, Instruction, Message, SolanaAddress, SolanaSigner,
    Transaction, V0Message,
};
use trestle_core::wallet::HdWallet;
use trestle_core::wallet::mnemonic::Mnemonic;
use trestle_core::wallet::path::SolanaPathStyle;

const ANVIL: &str = "test test test test test test test test test test test junk";

fn with_mnemonic() -> Command {
    let mut cmd = Command::cargo_bin("trestle").unwrap();
    cmd.env("TRESTLE_MNEMONIC", ANVIL)
        .env_remove("TRESTLE_PASSPHRASE");
    cmd
}

fn json(cmd: &mut Command) -> Value {
    let out = cmd.arg("--json").output().unwrap();
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn fails(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        !out.status.success(),
        "unexpectedly succeeded: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stderr).unwrap()
}

/// The account `trestle wallet` uses by default: m/44'/501'/0'/0'.
fn wallet_address() -> SolanaAddress {
    let wallet = HdWallet::from_mnemonic(&Mnemonic::parse(ANVIL).unwrap(), "");
    wallet
        .solana_account(0, SolanaPathStyle::Bip44Change)
        .unwrap()
        .pubkey()
}

fn dapp() -> SolanaSigner {
    SolanaSigner::from_secret_key(&[42; 32])
}

/// A v0 transaction paid by the dApp (already signed by it), moving SOL out of the wallet and
/// loading an account from a lookup table.
fn v0_from_dapp(wallet: &SolanaAddress) -> Transaction {
    let loaded = SolanaAddress([3; 32]);
    let table = AddressLookupTableAccount {
        key: SolanaAddress([4; 32]),
        addresses: vec![SolanaAddress([5; 32]), loaded],
    };
    let ixs = [
        system_transfer(wallet, &dapp().pubkey(), 5_000),
        Instruction {
            program_id: SolanaAddress([6; 32]),
            accounts: vec![
                AccountMeta::new_readonly(dapp().pubkey(), true),
                AccountMeta::new(loaded, false),
            ],
            data: vec![9, 9],
        },
    ];
    let message = V0Message::try_compile(&dapp().pubkey(), &ixs, &[table], [7; 32]).unwrap();
    assert_eq!(message.address_table_lookups.len(), 1);
    let mut tx = Transaction::new_unsigned(message);
    tx.partial_sign(&[&dapp()]).unwrap();
    tx
}

#[test]
fn signs_a_dapp_transaction_in_its_slot_byte_exact() {
    let wallet = wallet_address();
    let input = v0_from_dapp(&wallet);
    let wire = input.to_base64().unwrap();
    let v = json(with_mnemonic().args(["wallet", "sign-tx", "--chain", "solana", "--wire", &wire]));
    assert_eq!(v["signer"], wallet.to_string());
    assert_eq!(v["slot"], 1);
    assert_eq!(v["fee_payer"], false);
    assert_eq!(v["fee_payer_address"], dapp().pubkey().to_string());
    assert_eq!(v["version"], "v0");
    assert_eq!(v["signatures"][0]["signed"], true);
    let out = Transaction::from_base64(v["transaction"].as_str().unwrap()).unwrap();
    out.verify().unwrap();
    assert_eq!(out.message, input.message);
    assert_eq!(
        out.signatures[0], input.signatures[0],
        "the dApp's signature"
    );
    assert_eq!(
        bs58::encode(out.signatures[1]).into_string(),
        v["signature"].as_str().unwrap()
    );
    // Byte for byte: only the wallet's slot differs.
    let (a, b) = (input.serialize().unwrap(), out.serialize().unwrap());
    assert_eq!(a.len(), b.len());
    assert_eq!(a[..65], b[..65]);
    assert_eq!(a[129..], b[129..]);

    // Text output: the wire transaction first, then what was signed.
    let out = with_mnemonic()
        .args(["wallet", "sign-tx", "--chain", "solana", "--wire", &wire])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), v["transaction"].as_str());
    assert!(text.contains("slot 1 of 2, writable"), "{text}");
    assert!(text.contains("fee payer: no"), "{text}");
}

#[test]
fn signs_several_from_a_file_all_or_nothing() {
    let wallet = wallet_address();
    let paid_by_wallet = {
        let ix = system_transfer(&wallet, &dapp().pubkey(), 1);
        Transaction::new_unsigned(Message::try_compile(&[ix], Some(&wallet), [1; 32]).unwrap())
    };
    let mut file = tempfile::NamedTempFile::new().unwrap();
    writeln!(file, "{}", v0_from_dapp(&wallet).to_base64().unwrap()).unwrap();
    writeln!(file, "{}", paid_by_wallet.to_base64().unwrap()).unwrap();
    let path = file.path().to_str().unwrap().to_owned();
    let v = json(with_mnemonic().args([
        "wallet",
        "sign-tx",
        "--chain",
        "solana",
        "--wire-file",
        &path,
    ]));
    let txs = v["transactions"].as_array().unwrap();
    assert_eq!(txs.len(), 2);
    assert_eq!(txs[1]["fee_payer"], true);
    assert_eq!(txs[1]["slot"], 0);
    for tx in txs {
        Transaction::from_base64(tx["transaction"].as_str().unwrap())
            .unwrap()
            .verify()
            .unwrap();
    }

    // The dApp's own transfer does not need the wallet: refused, naming the account.
    let foreign = {
        let ix = system_transfer(&dapp().pubkey(), &SolanaAddress([8; 32]), 1);
        Transaction::new_unsigned(
            Message::try_compile(&[ix], Some(&dapp().pubkey()), [1; 32]).unwrap(),
        )
    };
    let err = fails(with_mnemonic().args([
        "wallet",
        "sign-tx",
        "--chain",
        "solana",
        "--wire",
        &paid_by_wallet.to_base64().unwrap(),
        "--wire",
        &foreign.to_base64().unwrap(),
    ]));
    assert!(err.contains(&wallet.to_string()), "{err}");
    assert!(err.contains("is not a required signer"), "{err}");
    assert!(err.contains("transaction 2 of 2"), "{err}");
}

#[test]
fn refuses_bad_wire_input_naming_it() {
    let wallet = wallet_address();
    let wire = v0_from_dapp(&wallet).to_base64().unwrap();
    let err =
        fails(with_mnemonic().args(["wallet", "sign-tx", "--chain", "solana", "--wire", "AQID"]));
    assert!(
        err.contains("--wire #1") && err.contains("truncated"),
        "{err}"
    );
    let err =
        fails(with_mnemonic().args(["wallet", "sign-tx", "--chain", "solana", "--wire", "%%%"]));
    assert!(err.contains("not base64"), "{err}");
    let err = fails(with_mnemonic().args(["wallet", "sign-tx", "--chain", "evm", "--wire", &wire]));
    assert!(err.contains("are for --chain solana"), "{err}");
    let err = fails(with_mnemonic().args([
        "wallet",
        "sign-tx",
        "--chain",
        "solana",
        "--wire",
        &wire,
        "--transfer",
    ]));
    assert!(err.contains("sign a dApp's transaction as given"), "{err}");
    // Another account of the mnemonic is not a signer of it.
    let err = fails(with_mnemonic().args([
        "wallet", "sign-tx", "--chain", "solana", "--wire", &wire, "--index", "1",
    ]));
    assert!(err.contains("is not a required signer"), "{err}");
}

#[test]
fn sign_in_with_solana() {
    let wallet = wallet_address();
    let v = json(with_mnemonic().args([
        "wallet",
        "sign-in",
        "--chain",
        "solana",
        "--domain",
        "example.com",
        "--nonce",
        "abcDEF123",
        "--statement",
        "Sign in to Example",
        "--uri",
        "https://example.com/login",
        "--chain-id",
        "mainnet",
        "--issued-at",
        "2026-01-01T00:00:00.000Z",
        "--expiration-time",
        "2026-01-01T01:00:00.000Z",
        "--now",
        "2026-01-01T00:00:30Z",
    ]));
    let text = v["message"].as_str().unwrap();
    assert_eq!(
        text,
        format!(
            "example.com wants you to sign in with your Solana account:\n{wallet}\n\n\
             Sign in to Example\n\nURI: https://example.com/login\nVersion: 1\n\
             Chain ID: mainnet\nNonce: abcDEF123\nIssued At: 2026-01-01T00:00:00.000Z\n\
             Expiration Time: 2026-01-01T01:00:00.000Z"
        )
    );
    let signature: [u8; 64] = bs58::decode(v["signature"].as_str().unwrap())
        .into_vec()
        .unwrap()
        .try_into()
        .unwrap();
    SolanaSigner::verify(&wallet, text.as_bytes(), &signature).unwrap();
    assert_eq!(v["signed_message"], hex::encode(text.as_bytes()));

    // A dApp's text: signed as given when it checks out, refused otherwise.
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(text.as_bytes()).unwrap();
    let path = file.path().to_str().unwrap().to_owned();
    let sign_file = |domain: &str, now: &str| {
        let mut cmd = with_mnemonic();
        cmd.args([
            "wallet",
            "sign-in",
            "--chain",
            "solana",
            "--domain",
            domain,
            "--message-file",
            &path,
            "--now",
            now,
        ]);
        cmd
    };
    let again = json(&mut sign_file("example.com", "2026-01-01T00:59:59Z"));
    assert_eq!(again["signature"], v["signature"]);
    let err = fails(&mut sign_file("evil.example", "2026-01-01T00:00:30Z"));
    assert!(
        err.contains("the request came from \"evil.example\""),
        "{err}"
    );
    let err = fails(&mut sign_file("example.com", "2026-01-01T01:00:00Z"));
    assert!(err.contains("expired at 2026-01-01T01:00:00.000Z"), "{err}");
    let err = fails(with_mnemonic().args([
        "wallet",
        "sign-in",
        "--chain",
        "solana",
        "--message-file",
        &path,
        "--domain",
        "example.com",
        "--index",
        "1",
        "--now",
        "2026-01-01T00:00:30Z",
    ]));
    assert!(err.contains(&format!("signs in account {wallet}")), "{err}");
    let err = fails(with_mnemonic().args([
        "wallet",
        "sign-in",
        "--chain",
        "solana",
        "--domain",
        "example.com",
        "--nonce",
        "short",
    ]));
    assert!(err.contains("at least 8 ASCII letters or digits"), "{err}");
    let err = fails(with_mnemonic().args([
        "wallet",
        "sign-in",
        "--chain",
        "evm",
        "--domain",
        "example.com",
        "--nonce",
        "abcdefgh",
    ]));
    assert!(
        err.contains("--chain-id is required to build an EVM sign-in"),
        "{err}"
    );

    // Issued At defaults to now.
    let v = json(with_mnemonic().args([
        "wallet",
        "sign-in",
        "--chain",
        "solana",
        "--domain",
        "localhost:3000",
        "--nonce",
        "12345678",
    ]));
    let message = SignInMessage::parse(v["message"].as_str().unwrap()).unwrap();
    assert!(message.fields().issued_at.is_some());
}

#[test]
fn sign_in_with_ethereum() {
    use trestle_core::evm::Signature;
    use trestle_core::evm::siwe::{SiweExpectations, verify};

    const ANVIL_0: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
    let v = json(with_mnemonic().args([
        "wallet",
        "sign-in",
        "--chain",
        "evm",
        "--domain",
        "example.com",
        "--uri",
        "https://example.com/login",
        "--chain-id",
        "1",
        "--nonce",
        "abcDEF123",
        "--statement",
        "Sign in to Example",
        "--issued-at",
        "2026-01-01T00:00:00.000Z",
        "--expiration-time",
        "2026-01-01T01:00:00.000Z",
        "--now",
        "2026-01-01T00:00:30Z",
    ]));
    let text = v["message"].as_str().unwrap();
    // EIP-4361's own example layout.
    assert_eq!(
        text,
        format!(
            "example.com wants you to sign in with your Ethereum account:\n{ANVIL_0}\n\n\
             Sign in to Example\n\nURI: https://example.com/login\nVersion: 1\n\
             Chain ID: 1\nNonce: abcDEF123\nIssued At: 2026-01-01T00:00:00.000Z\n\
             Expiration Time: 2026-01-01T01:00:00.000Z"
        )
    );
    assert_eq!(v["address"], ANVIL_0);
    let signature = Signature::from_hex(v["signature"].as_str().unwrap()).unwrap();
    let message = verify(text, &signature, &SiweExpectations::default()).unwrap();
    assert_eq!(message.nonce, "abcDEF123");

    // The dApp's text: signed as given when it checks out, refused naming why otherwise.
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(text.as_bytes()).unwrap();
    let path = file.path().to_str().unwrap().to_owned();
    let sign = |extra: &[&str]| {
        let mut cmd = with_mnemonic();
        cmd.args([
            "wallet",
            "sign-in",
            "--chain",
            "evm",
            "--message-file",
            &path,
        ])
        .args(extra);
        cmd
    };
    let again = json(&mut sign(&[
        "--domain",
        "example.com",
        "--chain-id",
        "1",
        "--now",
        "2026-01-01T00:10:00Z",
    ]));
    assert_eq!(again["signature"], v["signature"]);
    for (extra, named) in [
        (
            ["--domain", "evil.example", "--now", "2026-01-01T00:10:00Z"],
            "domain",
        ),
        (
            ["--domain", "example.com", "--now", "2026-01-01T02:00:00Z"],
            "Expiration Time",
        ),
        (["--domain", "example.com", "--chain-id", "10"], "Chain ID"),
        (["--domain", "example.com", "--nonce", "zzzzzzzz1"], "Nonce"),
    ] {
        let err = fails(&mut sign(&extra));
        assert!(err.contains(named), "{extra:?}: {err}");
    }
    // Another account of the mnemonic is not the message's.
    let err = fails(&mut sign(&[
        "--domain",
        "example.com",
        "--now",
        "2026-01-01T00:10:00Z",
        "--index",
        "1",
    ]));
    assert!(err.contains("address"), "{err}");
}
