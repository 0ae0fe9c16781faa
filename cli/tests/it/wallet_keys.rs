//! `trestle wallet` key files: new keystores (EVM and Solana), Solana `id.json` keypair files
//! exported and imported, and every `sign-*` command signing with `--keystore` exactly as with
//! the mnemonic's account.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

const ANVIL: &str = "test test test test test test test test test test test junk";
const PASSWORD: &str = "correct horse";

/// The account m/44'/501'/0'/0' of ANVIL as @solana/web3.js 1.x sees it:
/// `Keypair.fromSeed(HDKey.fromMasterSeed(mnemonicToSeedSync(ANVIL)).derive(path).privateKey)`
/// (micro-ed25519-hdkey, @scure/bip39), `JSON.stringify(Array.from(kp.secretKey))`, which is
/// also what solana-keygen writes, and `Keypair.fromSecretKey` of it gives back this address.
const WEB3JS_SECRET_KEY: &str = "[160,28,103,239,181,203,143,98,241,89,7,169,252,241,36,199,61,38,149,200,169,163,31,33,192,87,66,163,28,161,220,114,11,243,43,159,13,176,150,114,3,143,234,54,19,155,24,249,138,95,1,73,239,76,224,51,46,68,185,167,126,131,194,45]";
const WEB3JS_ADDRESS: &str = "oeYf6KAJkLYhBuR8CiGc6L4D4Xtfepr85fuDgA9kq96";

fn trestle() -> Command {
    let mut cmd = Command::cargo_bin("trestle").unwrap();
    cmd.env_remove("TRESTLE_MNEMONIC")
        .env_remove("TRESTLE_PASSPHRASE")
        .env_remove("TRESTLE_KEYSTORE_PASSWORD");
    cmd
}

fn with_mnemonic() -> Command {
    let mut cmd = trestle();
    cmd.env("TRESTLE_MNEMONIC", ANVIL);
    cmd
}

/// Without a mnemonic: only the keystore's password.
fn with_password() -> Command {
    let mut cmd = trestle();
    cmd.env("TRESTLE_KEYSTORE_PASSWORD", PASSWORD);
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

#[cfg(unix)]
fn assert_private(file: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{}", file.display());
}
#[cfg(not(unix))]
fn assert_private(_: &Path) {}

#[test]
fn an_exported_keypair_is_the_one_web3js_derives() {
    let dir = tempfile::tempdir().unwrap();
    let id = dir.path().join("id.json");
    let v = json(
        with_mnemonic()
            .args(["wallet", "export-keypair", "--out"])
            .arg(&id),
    );
    assert_eq!(v["address"], WEB3JS_ADDRESS);
    assert_eq!(v["path"], "m/44'/501'/0'/0'");
    assert_eq!(std::fs::read_to_string(&id).unwrap(), WEB3JS_SECRET_KEY);
    assert_private(&id);

    // Never overwritten.
    let err = fails(
        with_mnemonic()
            .args(["wallet", "export-keypair", "--out"])
            .arg(&id),
    );
    assert!(err.contains("refusing to overwrite"), "{err}");
    assert_eq!(std::fs::read_to_string(&id).unwrap(), WEB3JS_SECRET_KEY);

    // Another account is another file.
    let other = dir.path().join("other.json");
    let v = json(
        with_mnemonic()
            .args(["wallet", "export-keypair", "--index", "1", "--out"])
            .arg(&other),
    );
    assert_ne!(v["address"], WEB3JS_ADDRESS);
    let numbers: Vec<u8> = serde_json::from_str(&std::fs::read_to_string(&other).unwrap()).unwrap();
    assert_eq!(numbers.len(), 64);
}

#[test]
fn an_imported_keypair_signs_from_its_keystore_as_the_mnemonic_does() {
    let dir = tempfile::tempdir().unwrap();
    let id = dir.path().join("id.json");
    std::fs::write(&id, WEB3JS_SECRET_KEY).unwrap();
    let store = dir.path().join("sol.json");
    let v = json(
        with_password()
            .args([
                "wallet",
                "import-keypair",
                "--kdf",
                "scrypt-light",
                "--file",
            ])
            .arg(&id)
            .arg("--out")
            .arg(&store),
    );
    assert_eq!(v["address"], WEB3JS_ADDRESS);
    assert_eq!(v["chain"], "solana");
    assert_private(&store);
    let text = std::fs::read_to_string(&store).unwrap();
    assert!(!text.contains("160,28,103"), "{text}");
    let file: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(file["x-trestle"]["address"], WEB3JS_ADDRESS);

    let v = json(
        with_password()
            .args(["wallet", "inspect-keystore", "--file"])
            .arg(&store),
    );
    assert_eq!(v["address"], WEB3JS_ADDRESS);
    assert_eq!(v["chain"], "solana");
    let v = json(
        with_password()
            .args(["wallet", "address", "--chain", "solana", "--keystore"])
            .arg(&store),
    );
    assert_eq!(v["address"], WEB3JS_ADDRESS);
    assert_eq!(v["keystore"], store.display().to_string());

    // Every Solana signature is the mnemonic account's (ed25519 is deterministic).
    let cases: [&[&str]; 3] = [
        &["sign-message", "--chain", "solana", "--message", "hello"],
        &[
            "sign-message",
            "--chain",
            "solana",
            "--offchain",
            "--message",
            "hello",
        ],
        &[
            "sign-tx",
            "--chain",
            "solana",
            "--transfer",
            "--to",
            "4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T",
            "--lamports",
            "1000",
            "--blockhash",
            "GHtXQBsoZHVnNFa9YevAzFr17DJjgHXk3ycTKD5xD3Zi",
        ],
    ];
    for args in cases {
        let from_keystore = json(
            with_password()
                .arg("wallet")
                .args(args)
                .arg("--keystore")
                .arg(&store),
        );
        let from_mnemonic = json(with_mnemonic().arg("wallet").args(args));
        assert_eq!(
            from_keystore["signature"], from_mnemonic["signature"],
            "{args:?}"
        );
        assert!(from_keystore["signature"].is_string(), "{from_keystore}");
    }

    // Exported again from the keystore: the same bytes.
    let back = dir.path().join("back.json");
    let v = json(
        with_password()
            .args(["wallet", "export-keypair", "--keystore"])
            .arg(&store)
            .arg("--out")
            .arg(&back),
    );
    assert_eq!(v["address"], WEB3JS_ADDRESS);
    assert_eq!(std::fs::read_to_string(&back).unwrap(), WEB3JS_SECRET_KEY);
    assert_private(&back);

    // A wrong password opens nothing and writes nothing.
    let none = dir.path().join("none.json");
    let err = fails(
        trestle()
            .env("TRESTLE_KEYSTORE_PASSWORD", "wrong")
            .args(["wallet", "export-keypair", "--keystore"])
            .arg(&store)
            .arg("--out")
            .arg(&none),
    );
    assert!(err.contains("wrong keystore password"), "{err}");
    assert!(!none.exists());
}

#[test]
fn malformed_keypair_files_are_refused_naming_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let good: Vec<u8> = serde_json::from_str(WEB3JS_SECRET_KEY).unwrap();
    let mut swapped = good.clone();
    swapped[63] ^= 1;
    let mut cases = vec![
        (
            serde_json::to_string(&good[..63]).unwrap(),
            "63 numbers, expected 64",
        ),
        (
            serde_json::to_string(&[good.clone(), vec![0]].concat()).unwrap(),
            "65 numbers, expected 64",
        ),
        (
            serde_json::to_string(&swapped).unwrap(),
            "is not the public key of its secret half",
        ),
        (
            WEB3JS_SECRET_KEY.replace("[160,", "[256,"),
            "not an array of numbers from 0 to 255",
        ),
        ("not json".to_owned(), "not an array of numbers"),
    ];
    cases.push((String::new(), "not an array of numbers"));
    // A huge file is refused unread (third review: no reading of /dev/zero or a FIFO).
    cases.push((
        "[".to_owned() + &"1,".repeat(5_000) + "1]",
        "not a regular file of at most",
    ));
    for (i, (content, why)) in cases.into_iter().enumerate() {
        let id = dir.path().join(format!("bad{i}.json"));
        std::fs::write(&id, &content).unwrap();
        let out = dir.path().join(format!("store{i}.json"));
        let err = fails(
            with_password()
                .args([
                    "wallet",
                    "import-keypair",
                    "--kdf",
                    "scrypt-light",
                    "--file",
                ])
                .arg(&id)
                .arg("--out")
                .arg(&out),
        );
        assert!(err.contains(why), "{why}: {err}");
        assert!(err.contains(&id.display().to_string()), "{err}");
        // The secret half is never repeated.
        assert!(!err.contains("160,28") && !err.contains("160, 28"), "{err}");
        assert!(!out.exists());
    }
    let err = fails(
        with_password()
            .args([
                "wallet",
                "import-keypair",
                "--file",
                "/nonexistent/id.json",
                "--out",
            ])
            .arg(dir.path().join("x.json")),
    );
    assert!(err.contains("/nonexistent/id.json"), "{err}");
    let err = fails(
        with_password()
            .args(["wallet", "import-keypair", "--file", "/dev/zero", "--out"])
            .arg(dir.path().join("z.json")),
    );
    assert!(err.contains("not a regular file"), "{err}");
}

#[test]
fn an_evm_keystore_signs_every_request_as_the_mnemonic_does() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("evm.json");
    let v = json(
        with_mnemonic()
            .env("TRESTLE_KEYSTORE_PASSWORD", PASSWORD)
            .args([
                "wallet",
                "export-keystore",
                "--kdf",
                "scrypt-light",
                "--index",
                "1",
                "--out",
            ])
            .arg(&store),
    );
    assert_eq!(v["address"], "0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    let tx = dir.path().join("tx.json");
    std::fs::write(&tx, r#"{"type":"0x2","chainId":"0x7a69","nonce":"0x3","to":"0x70997970C51812dc3A010C7d01b50e0d17dc79C8","value":"0x1","gas":"0x5208","maxFeePerGas":"0x3b9aca00","maxPriorityFeePerGas":"0x1","input":"0x"}"#).unwrap();
    let typed = dir.path().join("typed.json");
    std::fs::write(
        &typed,
        r#"{"types":{"EIP712Domain":[{"name":"name","type":"string"},{"name":"chainId","type":"uint256"}],"Mail":[{"name":"contents","type":"string"}]},"primaryType":"Mail","domain":{"name":"Trestle","chainId":1},"message":{"contents":"hello"}}"#,
    )
    .unwrap();
    let tx = tx.display().to_string();
    let typed = typed.display().to_string();
    let cases: [(&[&str], &str); 5] = [
        (&["address", "--chain", "evm"], "address"),
        (&["sign-tx", "--chain", "evm", "--tx", &tx], "raw"),
        (
            &["sign-message", "--chain", "evm", "--message", "hello"],
            "signature",
        ),
        (&["sign-typed-data", "--file", &typed], "signature"),
        (
            &[
                "sign-authorization",
                "--chain-id",
                "31337",
                "--address",
                "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
                "--nonce",
                "7",
            ],
            "r",
        ),
    ];
    for (args, field) in cases {
        let from_keystore = json(
            with_password()
                .arg("wallet")
                .args(args)
                .arg("--keystore")
                .arg(&store),
        );
        let from_mnemonic = json(
            with_mnemonic()
                .arg("wallet")
                .args(args)
                .args(["--index", "1"]),
        );
        assert!(
            from_keystore[field].is_string(),
            "{args:?}: {from_keystore}"
        );
        assert_eq!(from_keystore[field], from_mnemonic[field], "{args:?}");
    }

    // The password: from the environment (or a terminal), never argv; never the mnemonic.
    let err = fails(
        trestle()
            .args([
                "wallet",
                "sign-message",
                "--chain",
                "evm",
                "--message",
                "x",
                "--keystore",
            ])
            .arg(&store),
    );
    assert!(err.contains("TRESTLE_KEYSTORE_PASSWORD"), "{err}");
    // A keystore or an account of the mnemonic, not both.
    let err = fails(
        with_password()
            .args([
                "wallet",
                "address",
                "--chain",
                "evm",
                "--index",
                "2",
                "--keystore",
            ])
            .arg(&store),
    );
    assert!(
        err.contains("--keystore") && err.contains("--index"),
        "{err}"
    );
    // An EVM keystore is not a Solana key.
    let err = fails(
        with_password()
            .args([
                "wallet",
                "sign-message",
                "--chain",
                "solana",
                "--message",
                "x",
                "--keystore",
            ])
            .arg(&store),
    );
    assert!(err.contains("not marked as a Solana key"), "{err}");
    assert!(
        err.contains("0x70997970c51812dc3a010c7d01b50e0d17dc79c8"),
        "{err}"
    );
}

#[test]
fn new_keystores_hold_keys_found_nowhere_else() {
    let dir = tempfile::tempdir().unwrap();
    let sol = dir.path().join("sol.json");
    let created = json(
        with_password()
            .args([
                "wallet",
                "new-keystore",
                "--chain",
                "solana",
                "--kdf",
                "scrypt-light",
                "--out",
            ])
            .arg(&sol),
    );
    assert_private(&sol);
    let address = created["address"].as_str().unwrap().to_owned();
    trestle_core::solana::SolanaAddress::parse(&address).unwrap();
    let inspected = json(
        with_password()
            .args(["wallet", "inspect-keystore", "--file"])
            .arg(&sol),
    );
    assert_eq!(inspected["address"], address.as_str());
    assert_eq!(inspected["chain"], "solana");
    // A second one is another key.
    let sol2 = dir.path().join("sol2.json");
    let second = json(
        with_password()
            .args([
                "wallet",
                "new-keystore",
                "--chain",
                "solana",
                "--kdf",
                "pbkdf2",
                "--out",
            ])
            .arg(&sol2),
    );
    assert_ne!(second["address"], address.as_str());
    assert_eq!(second["kdf"], "pbkdf2");
    // A Solana keystore is refused where an EVM key is needed.
    let err = fails(
        with_password()
            .args([
                "wallet",
                "sign-message",
                "--chain",
                "evm",
                "--message",
                "x",
                "--keystore",
            ])
            .arg(&sol),
    );
    assert!(
        err.contains("holds the Solana key") && err.contains(&address),
        "{err}"
    );
    let err = fails(
        with_password()
            .args(["wallet", "inspect-keystore", "--chain", "evm", "--file"])
            .arg(&sol),
    );
    assert!(err.contains("holds a Solana key"), "{err}");

    let evm = dir.path().join("evm.json");
    let created = json(
        with_password()
            .args([
                "wallet",
                "new-keystore",
                "--chain",
                "evm",
                "--kdf",
                "scrypt-light",
                "--out",
            ])
            .arg(&evm),
    );
    let address = created["address"].as_str().unwrap();
    assert!(
        address.starts_with("0x") && address.len() == 42,
        "{address}"
    );
    let inspected = json(
        with_password()
            .args(["wallet", "inspect-keystore", "--file"])
            .arg(&evm),
    );
    assert_eq!(inspected["address"], address);
    assert_eq!(inspected["chain"], "evm");

    // Never over an existing file; no password, no file.
    let err = fails(
        with_password()
            .args(["wallet", "new-keystore", "--chain", "solana", "--out"])
            .arg(&sol),
    );
    assert!(err.contains("refusing to overwrite"), "{err}");
    let nothing = dir.path().join("nothing.json");
    let err = fails(
        trestle()
            .args(["wallet", "new-keystore", "--chain", "solana", "--out"])
            .arg(&nothing),
    );
    assert!(err.contains("TRESTLE_KEYSTORE_PASSWORD"), "{err}");
    assert!(!nothing.exists());
}

#[test]
fn a_solana_account_of_the_mnemonic_exports_to_a_keystore() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("sol.json");
    let v = json(
        with_mnemonic()
            .env("TRESTLE_KEYSTORE_PASSWORD", PASSWORD)
            .args([
                "wallet",
                "export-keystore",
                "--chain",
                "solana",
                "--kdf",
                "scrypt-light",
                "--out",
            ])
            .arg(&store),
    );
    assert_eq!(v["address"], WEB3JS_ADDRESS);
    assert_eq!(v["path"], "m/44'/501'/0'/0'");
    let v = json(
        with_password()
            .args(["wallet", "inspect-keystore", "--file"])
            .arg(&store),
    );
    assert_eq!(v["address"], WEB3JS_ADDRESS);
}
