//! The `trestle` binary with a Solana destination: `check-config` checks the `[relayer.solana]`
//! keystore and shows its address (and `[fee_oracle.solana]`'s), keystores made by
//! `trestle wallet new-keystore`, `relayer run` decrypts it with the password from its environment
//! variable and refuses a wrong one before connecting anything.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;
use trestle_core::solana::SolanaSigner;
use trestle_core::wallet::keystore::{self, KdfParams};

const PROGRAM: &str = "TRESTLEbridge111111111111111111111111111111";

fn config_text(with_solana_key: bool) -> String {
    let solana_key = if with_solana_key {
        "[relayer.solana]\nkeystore = \"relayer-solana.json\"\npassword_env = \"SOL_PW\"\n"
    } else {
        ""
    };
    format!(
        r#"
[store]
url = "sqlite://unused.db"

[[chains]]
name = "evm"
domain = 1
chain_id = 31337
rpc_urls = ["http://127.0.0.1:1"]
bridge = "0x5FbDB2315678afecb367f032d93F642f64180aa3"

[[chains]]
name = "sol"
kind = "solana"
domain = 3
rpc_urls = ["http://127.0.0.1:1"]
bridge = "{PROGRAM}"

[[routes]]
from = "evm"
to = "sol"
epoch = 1
threshold = 1
validators = [{{ address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", url = "http://127.0.0.1:7001" }}]

[relayer]
keystore = "relayer.json"
password_env = "EVM_PW"
{solana_key}"#
    )
}

/// Writes the config, the EVM relayer keystore (password `evm`) and the Solana one (the seed
/// of `solana`, password `sol`).
fn write(dir: &Path, text: &str, solana: &SolanaSigner) -> std::path::PathBuf {
    let evm: [u8; 32] =
        hex::decode("5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a")
            .unwrap()
            .try_into()
            .unwrap();
    let json = keystore::encrypt(&evm, b"evm", KdfParams::scrypt_light()).unwrap();
    std::fs::write(dir.join("relayer.json"), json).unwrap();
    let pair = solana.to_keypair_bytes();
    let seed: [u8; 32] = pair[..32].try_into().unwrap();
    let json = keystore::encrypt(&seed, b"sol", KdfParams::scrypt_light()).unwrap();
    std::fs::write(dir.join("relayer-solana.json"), json).unwrap();
    let path = dir.join("trestle.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn trestle() -> Command {
    let mut cmd = Command::cargo_bin("trestle").unwrap();
    cmd.env_remove("TRESTLE_RELAYER_CONFIG");
    cmd
}

#[test]
fn check_config_checks_and_names_the_solana_keystore() {
    let dir = tempfile::tempdir().unwrap();
    let solana = SolanaSigner::generate().unwrap();
    let path = write(dir.path(), &config_text(true), &solana);
    let out = trestle()
        .args(["relayer", "check-config", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A keystore written before the address mark: its address needs the password.
    assert!(
        text.contains("relayer.solana key: keystore") && text.contains("set SOL_PW to show it"),
        "{text}"
    );
    assert!(text.contains("evm -> sol"), "{text}");
    let out = trestle()
        .args(["relayer", "check-config", "--config"])
        .arg(&path)
        .env("SOL_PW", "sol")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!(
            "relayer.solana key: {} (Solana; fund it",
            solana.pubkey()
        )),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = trestle()
        .args(["--json", "relayer", "check-config", "-c"])
        .arg(&path)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["chains"][1]["name"], "sol");

    // A malformed Solana keystore is named by its key.
    std::fs::write(dir.path().join("relayer-solana.json"), "{}").unwrap();
    let out = trestle()
        .args(["relayer", "check-config", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("relayer.solana.keystore"), "{err}");

    // A route to Solana without a Solana key is refused, naming the missing table.
    let path = write(dir.path(), &config_text(false), &solana);
    let out = trestle()
        .args(["relayer", "check-config", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("relayer.solana"), "{err}");
}

#[test]
fn relayer_run_refuses_a_wrong_solana_password_and_a_missing_one() {
    let dir = tempfile::tempdir().unwrap();
    let solana = SolanaSigner::generate().unwrap();
    let path = write(dir.path(), &config_text(true), &solana);
    let out = trestle()
        .args(["relayer", "run", "--config"])
        .arg(&path)
        .env("EVM_PW", "evm")
        .env("SOL_PW", "not-the-password")
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("relayer.solana") && err.contains("does not decrypt"),
        "{err}"
    );
    assert!(!err.contains("not-the-password"), "{err}");

    let out = trestle()
        .args(["relayer", "run", "--config"])
        .arg(&path)
        .env("EVM_PW", "evm")
        .env_remove("SOL_PW")
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("SOL_PW"), "{err}");
}

/// The operator's path: `trestle wallet new-keystore` makes the Solana keys, `check-config`
/// shows the addresses to fund (without their passwords), `relayer run` would load them.
#[test]
fn check_config_shows_the_solana_addresses_to_fund() {
    let dir = tempfile::tempdir().unwrap();
    let new_keystore = |chain: &str, file: &str| -> String {
        let out = trestle()
            .env("TRESTLE_KEYSTORE_PASSWORD", "pw")
            .args([
                "--json",
                "wallet",
                "new-keystore",
                "--kdf",
                "scrypt-light",
                "--chain",
                chain,
                "--out",
            ])
            .arg(dir.path().join(file))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v["address"].as_str().unwrap().to_owned()
    };
    let payer = new_keystore("solana", "relayer-solana.json");
    let oracle = new_keystore("solana", "oracle-solana.json");
    let oracle_evm = new_keystore("evm", "oracle.json");
    // The EVM relayer key as the other tests write it.
    let evm: [u8; 32] =
        hex::decode("5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a")
            .unwrap()
            .try_into()
            .unwrap();
    let json = keystore::encrypt(&evm, b"evm", KdfParams::scrypt_light()).unwrap();
    std::fs::write(dir.path().join("relayer.json"), json).unwrap();
    let text = format!(
        "{}\n[fee_oracle]\nkeystore = \"oracle.json\"\n\n[fee_oracle.solana]\nkeystore = \"oracle-solana.json\"\n",
        config_text(true)
    );
    let path = dir.path().join("trestle.toml");
    std::fs::write(&path, text).unwrap();

    let out = trestle()
        .args(["relayer", "check-config", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains(&format!("relayer.solana key: {payer} (Solana; fund it")),
        "{text}"
    );
    assert!(
        text.contains(&format!("fee_oracle.solana key: {oracle} (Solana; fund it")),
        "{text}"
    );
    assert!(
        text.contains(&format!("fee_oracle key: {oracle_evm}")),
        "{text}"
    );

    let out = trestle()
        .args(["--json", "relayer", "check-config", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["keys"]["relayer.solana"], payer.as_str());
    assert_eq!(v["keys"]["fee_oracle.solana"], oracle.as_str());
    assert_eq!(v["keys"]["fee_oracle"], oracle_evm.as_str());
    assert_eq!(
        v["keys"]["relayer"],
        "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
    );

    // An EVM keystore where a Solana key belongs is named, not taken for a seed: the
    // daemon's loader refuses a keystore marked as the other chain's.
    std::fs::copy(
        dir.path().join("oracle-solana.json"),
        dir.path().join("oracle.json"),
    )
    .unwrap();
    let out = trestle()
        .args(["relayer", "run", "--config"])
        .arg(&path)
        .env("EVM_PW", "evm")
        .env("SOL_PW", "pw")
        .env("TRESTLE_FEE_ORACLE_PASSWORD", "pw")
        .env("TRESTLE_FEE_ORACLE_SOLANA_PASSWORD", "pw")
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("fee_oracle") && err.contains("holds the Solana key"),
        "{err}"
    );
}
