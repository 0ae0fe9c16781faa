//! `trestle wallet ...` offline: mnemonics, addresses, every kind of signature, keystores, and
//! refusals that name what is wrong.

use std::io::Write;

use assert_cmd::Command;
use serde_json::Value;
use trestle_core::evm::{self, EvmAddress, Signature, TypedData};
use trestle_core::solana::{SolanaAddress, Transaction};

const ANVIL: &str = "test test test test test test test test test test test junk";
const ANVIL_0: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

fn trestle() -> Command {
    let mut cmd = Command::cargo_bin("trestle").unwrap();
    cmd.env_remove("TRESTLE_MNEMONIC")
        .env_remove("TRESTLE_PASSPHRASE");
    cmd
}

fn with_mnemonic() -> Command {
    let mut cmd = trestle();
    cmd.env("TRESTLE_MNEMONIC", ANVIL);
    cmd
}

fn stdout(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn json(cmd: &mut Command) -> Value {
    serde_json::from_str(&stdout(cmd.arg("--json"))).unwrap()
}

/// Runs a command expected to fail; returns its stderr.
fn fails(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        !out.status.success(),
        "unexpectedly succeeded: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn new_generates_valid_distinct_mnemonics() {
    for words in ["12", "15", "18", "21", "24"] {
        let phrase = stdout(trestle().args(["wallet", "new", "--words", words]));
        assert_eq!(phrase.split(' ').count().to_string(), words);
        trestle_core::wallet::mnemonic::Mnemonic::parse(&phrase).unwrap();
    }
    let a = stdout(trestle().args(["wallet", "new"]));
    let b = stdout(trestle().args(["wallet", "new"]));
    assert_ne!(a, b);
    assert_eq!(a.split(' ').count(), 24, "24 words by default");

    let v = json(trestle().args(["wallet", "new", "--words", "12", "--language", "japanese"]));
    assert_eq!(v["language"], "japanese");
    let phrase = v["mnemonic"].as_str().unwrap();
    trestle_core::wallet::mnemonic::Mnemonic::parse_in(
        trestle_core::wallet::mnemonic::Language::Japanese,
        phrase,
    )
    .unwrap();

    let err = fails(trestle().args(["wallet", "new", "--words", "13"]));
    assert!(err.contains("12, 15, 18, 21 or 24"), "{err}");
}

#[test]
fn address_reads_the_mnemonic_from_env_or_stdin() {
    assert_eq!(
        stdout(with_mnemonic().args(["wallet", "address", "--chain", "evm"])),
        ANVIL_0
    );
    let from_stdin = stdout(
        trestle()
            .args(["wallet", "address", "--chain", "evm"])
            .write_stdin(format!("{ANVIL}\nignored second line\n")),
    );
    assert_eq!(from_stdin, ANVIL_0);

    let v = json(with_mnemonic().args(["wallet", "address", "--chain", "evm", "--index", "1"]));
    assert_eq!(v["address"], "0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    assert_eq!(v["path"], "m/44'/60'/0'/0/1");

    let by_path = stdout(with_mnemonic().args([
        "wallet",
        "address",
        "--chain",
        "evm",
        "--path",
        "m/44h/60h/0h/0/1",
    ]));
    assert_eq!(by_path, "0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
}

#[test]
fn solana_addresses_in_both_path_styles() {
    let v = json(with_mnemonic().args(["wallet", "address", "--chain", "solana", "--index", "3"]));
    assert_eq!(v["path"], "m/44'/501'/3'/0'");
    let default_style = v["address"].as_str().unwrap().to_owned();
    SolanaAddress::parse(&default_style).unwrap();

    let v = json(with_mnemonic().args([
        "wallet",
        "address",
        "--chain",
        "solana",
        "--index",
        "3",
        "--solana-path-style",
        "bip44",
    ]));
    assert_eq!(v["path"], "m/44'/501'/3'");
    assert_ne!(v["address"].as_str().unwrap(), default_style);

    let by_path = stdout(with_mnemonic().args([
        "wallet",
        "address",
        "--chain",
        "solana",
        "--path",
        "m/44'/501'/3'/0'",
    ]));
    assert_eq!(by_path, default_style);

    let err = fails(with_mnemonic().args([
        "wallet",
        "address",
        "--chain",
        "solana",
        "--path",
        "m/44'/501'/0'/0",
    ]));
    assert!(err.contains("hardened"), "{err}");
}

#[test]
fn bad_mnemonics_and_paths_are_named() {
    let err = fails(
        trestle()
            .args(["wallet", "address", "--chain", "evm"])
            .env("TRESTLE_MNEMONIC", "test test junk"),
    );
    assert!(err.contains("3 words"), "{err}");
    let typo = ANVIL.replacen("junk", "junkk", 1);
    let err = fails(
        trestle()
            .args(["wallet", "address", "--chain", "evm"])
            .env("TRESTLE_MNEMONIC", &typo),
    );
    assert!(err.contains("word 12"), "{err}");
    assert!(!err.contains("junkk"), "secret material echoed: {err}");
    let err = fails(trestle().args(["wallet", "address", "--chain", "evm"]).env(
        "TRESTLE_MNEMONIC",
        "test test test test test test test test test test test test",
    ));
    assert!(err.contains("checksum"), "{err}");
    let err = fails(
        trestle()
            .args(["wallet", "address", "--chain", "evm"])
            .write_stdin(""),
    );
    assert!(err.contains("TRESTLE_MNEMONIC"), "{err}");
    let err = fails(with_mnemonic().args([
        "wallet",
        "address",
        "--chain",
        "evm",
        "--path",
        "m/44'/60'/x",
    ]));
    assert!(err.contains("--path") && err.contains('x'), "{err}");

    let v: Value = serde_json::from_str(&fails(
        trestle()
            .args(["wallet", "address", "--chain", "evm", "--json"])
            .env("TRESTLE_MNEMONIC", "test"),
    ))
    .unwrap();
    assert!(v["error"].as_str().unwrap().contains("1 words"), "{v}");
}

#[test]
fn validate_address_exit_codes() {
    let ok = stdout(trestle().args([
        "wallet",
        "validate-address",
        "--chain",
        "evm",
        "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
    ]));
    assert!(
        ok.contains("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
        "{ok}"
    );

    let out = trestle()
        .args([
            "wallet",
            "validate-address",
            "--chain",
            "evm",
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("checksum"));

    let out = trestle()
        .args([
            "wallet",
            "validate-address",
            "--chain",
            "solana",
            "11111111111111111111111111111111",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let out = trestle()
        .args(["wallet", "validate-address", "--chain", "solana", "0OIl"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));

    // A program id is an ordinary keypair address, on the curve; an associated token account
    // is a program-derived address: valid, but off the curve.
    let v = json(trestle().args([
        "wallet",
        "validate-address",
        "--chain",
        "solana",
        "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL",
    ]));
    assert_eq!(
        (v["valid"].clone(), v["on_curve"].clone()),
        (Value::Bool(true), Value::Bool(true))
    );
    let wallet = SolanaAddress::parse("oeYf6KAJkLYhBuR8CiGc6L4D4Xtfepr85fuDgA9kq96").unwrap();
    let mint = SolanaAddress::parse("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v").unwrap();
    let ata = trestle_core::solana::instruction::get_associated_token_address(
        &wallet,
        &mint,
        &trestle_core::solana::address::TOKEN_PROGRAM_ID,
    )
    .unwrap();
    let v = json(trestle().args([
        "wallet",
        "validate-address",
        "--chain",
        "solana",
        &ata.to_string(),
    ]));
    assert_eq!(
        (v["valid"].clone(), v["on_curve"].clone()),
        (Value::Bool(true), Value::Bool(false))
    );
}

#[test]
fn sign_evm_transaction_recovers_to_the_signer() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tx.json");
    std::fs::write(&file, r#"{"type":"0x2","chainId":"0x7a69","nonce":"0x3","to":"0x70997970C51812dc3A010C7d01b50e0d17dc79C8","value":"0x1","gas":"0x5208","maxFeePerGas":"0x3b9aca00","maxPriorityFeePerGas":"0x1","input":"0x"}"#).unwrap();
    let v = json(
        with_mnemonic()
            .args(["wallet", "sign-tx", "--chain", "evm", "--tx"])
            .arg(&file),
    );
    let raw = hex::decode(v["raw"].as_str().unwrap().trim_start_matches("0x")).unwrap();
    assert_eq!(raw[0], 0x02);
    let (_tx, _sig, sender) = evm::transaction::decode_signed(&raw).unwrap();
    assert_eq!(sender.to_string(), ANVIL_0);
    assert_eq!(
        v["hash"].as_str().unwrap(),
        format!("0x{}", hex::encode(evm::keccak256(&raw)))
    );

    std::fs::write(&file, r#"{"chainId":"0x1","nonce":"0x0","gas":"0x5208","maxFeePerGas":"0x1","maxPriorityFeePerGas":"0x2"}"#).unwrap();
    let err = fails(
        with_mnemonic()
            .args(["wallet", "sign-tx", "--chain", "evm", "--tx"])
            .arg(&file),
    );
    assert!(err.contains("maxPriorityFeePerGas"), "{err}");

    let err = fails(with_mnemonic().args([
        "wallet",
        "sign-tx",
        "--chain",
        "evm",
        "--tx",
        "/nonexistent/tx.json",
    ]));
    assert!(err.contains("/nonexistent/tx.json"), "{err}");
}

#[test]
fn sign_messages_verify() {
    let sig = stdout(with_mnemonic().args([
        "wallet",
        "sign-message",
        "--chain",
        "evm",
        "--message",
        "hello trestle",
    ]));
    let sig = Signature::from_bytes(&hex::decode(sig.trim_start_matches("0x")).unwrap()).unwrap();
    let signer = evm::signer::recover_message(b"hello trestle", &sig).unwrap();
    assert_eq!(signer, EvmAddress::parse(ANVIL_0).unwrap());

    let v = json(with_mnemonic().args([
        "wallet",
        "sign-message",
        "--chain",
        "solana",
        "--message",
        "hello trestle",
    ]));
    let pubkey = SolanaAddress::parse(v["address"].as_str().unwrap()).unwrap();
    let sig: [u8; 64] = bs58::decode(v["signature"].as_str().unwrap())
        .into_vec()
        .unwrap()
        .try_into()
        .unwrap();
    trestle_core::solana::SolanaSigner::verify(&pubkey, b"hello trestle", &sig).unwrap();
}

#[test]
fn sign_typed_data_mail() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mail.json");
    let mail = include_str!("../../../scripts/demo/mail.json");
    std::fs::File::create(&file)
        .unwrap()
        .write_all(mail.as_bytes())
        .unwrap();
    let v = json(
        with_mnemonic()
            .args(["wallet", "sign-typed-data", "--file"])
            .arg(&file),
    );
    assert_eq!(
        v["digest"],
        "0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2"
    );
    let typed = TypedData::from_json(mail).unwrap();
    let sig = Signature::from_bytes(
        &hex::decode(v["signature"].as_str().unwrap().trim_start_matches("0x")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        evm::signer::recover_typed_data(&typed, &sig)
            .unwrap()
            .to_string(),
        ANVIL_0
    );

    std::fs::write(
        &file,
        r#"{"types":{"EIP712Domain":[]},"primaryType":"Mail","domain":{},"message":{}}"#,
    )
    .unwrap();
    let err = fails(
        with_mnemonic()
            .args(["wallet", "sign-typed-data", "--file"])
            .arg(&file),
    );
    assert!(err.contains("Mail"), "{err}");
}

#[test]
fn sign_solana_transfer() {
    let to =
        stdout(with_mnemonic().args(["wallet", "address", "--chain", "solana", "--index", "1"]));
    let from = stdout(with_mnemonic().args(["wallet", "address", "--chain", "solana"]));
    let wire = stdout(with_mnemonic().args([
        "wallet",
        "sign-tx",
        "--chain",
        "solana",
        "--transfer",
        "--to",
        &to,
        "--lamports",
        "5000",
        "--blockhash",
        "GHtXQBsoZHVnNFa9YevAzFr17DJjgHXk3ycTKD5xD3Zi",
    ]));
    let tx = Transaction::from_base64(&wire).unwrap();
    tx.verify().unwrap();
    let keys = tx.message.static_account_keys();
    assert_eq!(keys[0].to_string(), from);
    assert!(keys.iter().any(|k| k.to_string() == to));

    let err = fails(with_mnemonic().args([
        "wallet",
        "sign-tx",
        "--chain",
        "solana",
        "--transfer",
        "--to",
        "not-base58-0",
        "--lamports",
        "1",
        "--blockhash",
        "GHtXQBsoZHVnNFa9YevAzFr17DJjgHXk3ycTKD5xD3Zi",
    ]));
    assert!(err.contains("--to"), "{err}");
    let err = fails(with_mnemonic().args([
        "wallet",
        "sign-tx",
        "--chain",
        "solana",
        "--transfer",
        "--to",
        &to,
        "--blockhash",
        "GHtXQBsoZHVnNFa9YevAzFr17DJjgHXk3ycTKD5xD3Zi",
    ]));
    assert!(err.contains("--lamports"), "{err}");
}

#[test]
fn secrets_never_come_from_argv() {
    let err = fails(trestle().args(["wallet", "address", "--chain", "evm", "--mnemonic", ANVIL]));
    assert!(err.contains("--mnemonic"), "{err}");
}

#[test]
fn keystore_export_and_inspect() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("key.json");
    let v = json(
        with_mnemonic()
            .args([
                "wallet",
                "export-keystore",
                "--kdf",
                "scrypt-light",
                "--index",
                "1",
                "--out",
            ])
            .arg(&file)
            .env("TRESTLE_KEYSTORE_PASSWORD", "correct horse"),
    );
    assert_eq!(v["address"], "0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"));

    let addr = stdout(
        trestle()
            .args(["wallet", "inspect-keystore", "--file"])
            .arg(&file)
            .env("TRESTLE_KEYSTORE_PASSWORD", "correct horse"),
    );
    assert_eq!(addr, "0x70997970C51812dc3A010C7d01b50e0d17dc79C8");

    let err = fails(
        trestle()
            .args(["wallet", "inspect-keystore", "--file"])
            .arg(&file)
            .env("TRESTLE_KEYSTORE_PASSWORD", "wrong"),
    );
    assert!(err.contains("wrong keystore password"), "{err}");
    let err = fails(
        trestle()
            .args(["wallet", "inspect-keystore", "--file"])
            .arg(&file),
    );
    assert!(err.contains("TRESTLE_KEYSTORE_PASSWORD"), "{err}");

    let err = fails(
        with_mnemonic()
            .args(["wallet", "export-keystore", "--kdf", "pbkdf2", "--out"])
            .arg(&file)
            .env("TRESTLE_KEYSTORE_PASSWORD", "x"),
    );
    assert!(err.contains("refusing to overwrite"), "{err}");
}

/// `cast wallet sign-auth 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --nonce 7 --chain 31337`
/// with anvil's first key (Foundry 1.7.1): the RLP of the signed authorization, from an
/// implementation independent of Trestle's.
const CAST_AUTHORIZATION: &str = "f85c827a699470997970c51812dc3a010c7d01b50e0d17dc79c80780a0373aa34af40358c7b57baa7940498bad2c1b5cb2ec6675909404bd1ad3386227a03d5523eb41719b507ee51cffbf0cd49a4d6dc66ed84f6c9aef2fe24e747380a5";

#[test]
fn sign_authorization_matches_cast_and_signs_into_a_type_4_transaction() {
    use trestle_core::evm::eip7702::SignedAuthorization;
    use trestle_core::evm::transaction::TypedTransaction;

    let entry = json(with_mnemonic().args([
        "wallet",
        "sign-authorization",
        "--chain-id",
        "31337",
        "--address",
        "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        "--nonce",
        "7",
    ]));
    assert_eq!(entry["chainId"], "0x7a69");
    assert_eq!(entry["nonce"], "0x7");
    let signed = SignedAuthorization::from_json_value(&entry, "output").unwrap();
    assert_eq!(hex::encode(signed.to_rlp()), CAST_AUTHORIZATION);
    assert_eq!(signed.authority().unwrap().to_string(), ANVIL_0);
    // The same from a hex chain id.
    let hex_id = json(with_mnemonic().args([
        "wallet",
        "sign-authorization",
        "--chain-id",
        "0x7a69",
        "--address",
        "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        "--nonce",
        "7",
    ]));
    assert_eq!(hex_id, entry);

    // A type 0x4 transaction carrying it, as eth_signTransaction gives it.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tx.json");
    let request = serde_json::json!({
        "type": "0x4", "chainId": "0x7a69", "nonce": "0x6",
        "to": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "value": "0x0", "gas": "0x186a0",
        "maxFeePerGas": "0x3b9aca00", "maxPriorityFeePerGas": "0x1", "input": "0x",
        "authorizationList": [entry],
    });
    std::fs::write(&file, request.to_string()).unwrap();
    let v = json(
        with_mnemonic()
            .args(["wallet", "sign-tx", "--chain", "evm", "--tx"])
            .arg(&file),
    );
    let raw = hex::decode(v["raw"].as_str().unwrap().trim_start_matches("0x")).unwrap();
    assert_eq!(raw[0], 0x04);
    let (tx, _sig, sender) = evm::transaction::decode_signed(&raw).unwrap();
    assert_eq!(sender.to_string(), ANVIL_0);
    let TypedTransaction::Eip7702(tx) = tx else {
        panic!("not a type 4 transaction: {tx:?}");
    };
    assert_eq!(tx.authorization_list, vec![signed]);

    // Without an authorization list a type 0x4 request is refused, naming the field.
    std::fs::write(
        &file,
        r#"{"type":"0x4","chainId":"0x7a69","nonce":"0x6","to":"0x70997970C51812dc3A010C7d01b50e0d17dc79C8","gas":"0x186a0","maxFeePerGas":"0x1","maxPriorityFeePerGas":"0x1"}"#,
    )
    .unwrap();
    let err = fails(
        with_mnemonic()
            .args(["wallet", "sign-tx", "--chain", "evm", "--tx"])
            .arg(&file),
    );
    assert!(err.contains("authorizationList"), "{err}");

    // Bad arguments are named.
    let err = fails(with_mnemonic().args([
        "wallet",
        "sign-authorization",
        "--chain-id",
        "mainnet",
        "--address",
        "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        "--nonce",
        "0",
    ]));
    assert!(err.contains("--chain-id mainnet"), "{err}");
    let err = fails(with_mnemonic().args([
        "wallet",
        "sign-authorization",
        "--chain-id",
        "1",
        "--address",
        "0x1234",
        "--nonce",
        "0",
    ]));
    assert!(err.contains("--address 0x1234"), "{err}");

    // Chain id 0 (every chain) only when asked for by name.
    let every_chain = |extra: &[&str]| {
        let mut cmd = with_mnemonic();
        cmd.args([
            "wallet",
            "sign-authorization",
            "--chain-id",
            "0",
            "--address",
            "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
            "--nonce",
            "0",
        ])
        .args(extra);
        cmd
    };
    let err = fails(&mut every_chain(&[]));
    assert!(err.contains("--all-chains"), "{err}");
    let entry = json(&mut every_chain(&["--all-chains"]));
    assert_eq!(entry["chainId"], "0x0");
}
