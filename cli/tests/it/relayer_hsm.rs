//! `trestle relayer check-config` with keys in an HSM (`pkcs11 = {...}`), against a real
//! SoftHSM2 token (`trestle_tests::softhsm`): the key opens and its address is reported; a
//! wrong PIN, a missing key, a missing module and an unset PIN variable are errors naming the
//! config key to fix, never the PIN.

use assert_cmd::Command;
use trestle_tests::softhsm::{self, PIN, TOKEN, WRONG_PIN_TOKEN};

const PIN_ENV: &str = "TRESTLE_TEST_HSM_PIN";

/// A config whose validator key is `key_label` on `token` of `module`.
fn config(module: &str, token: &str, key_label: &str) -> String {
    format!(
        r#"
[[chains]]
name = "a"
domain = 1
chain_id = 31337
rpc_urls = ["http://127.0.0.1:8545"]
bridge = "0x5FbDB2315678afecb367f032d93F642f64180aa3"

[[chains]]
name = "b"
domain = 2
chain_id = 31338
rpc_urls = ["http://127.0.0.1:8546"]
bridge = "0x5FbDB2315678afecb367f032d93F642f64180aa3"

[[routes]]
from = "a"
to = "b"
epoch = 1
threshold = 1
validators = [{{ address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", url = "http://127.0.0.1:7001" }}]

[validator]
pkcs11 = {{ module = "{module}", token_label = "{token}", key_label = "{key_label}", pin_env = "{PIN_ENV}" }}
"#
    )
}

/// Runs check-config on `text` with the PIN variable set to `pin` (unset for `None`):
/// success, and stdout + stderr.
fn check(text: &str, pin: Option<&str>) -> (bool, String) {
    let hsm = softhsm::softhsm().unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trestle.toml");
    std::fs::write(&path, text).unwrap();
    let mut cmd = Command::cargo_bin("trestle").unwrap();
    cmd.env_remove("TRESTLE_RELAYER_CONFIG")
        .env("SOFTHSM2_CONF", hsm.conf())
        .args(["relayer", "check-config", "--config"])
        .arg(&path);
    match pin {
        Some(pin) => cmd.env(PIN_ENV, pin),
        None => cmd.env_remove(PIN_ENV),
    };
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn module() -> String {
    let hsm = softhsm::softhsm().unwrap_or_else(|e| panic!("{e}"));
    hsm.module().display().to_string()
}

#[test]
fn an_hsm_key_opens_and_its_address_is_reported() {
    let (ok, out) = check(&config(&module(), TOKEN, "validator"), Some(PIN));
    assert!(ok, "{out}");
    assert!(out.contains("validator key: 0x"), "{out}");
    // The key is in no route's set here: the usual warning.
    assert!(out.contains("is in no route's validators"), "{out}");
    assert!(!out.contains(PIN), "{out}");
}

#[test]
fn a_wrong_pin_names_the_pin_variable_not_the_pin() {
    let wrong = "wrong-pin-0815";
    let (ok, out) = check(&config(&module(), WRONG_PIN_TOKEN, "evm"), Some(wrong));
    assert!(!ok, "{out}");
    assert!(
        out.contains("validator.pkcs11.pin_env")
            && out.contains(PIN_ENV)
            && out.contains("CKR_PIN_INCORRECT"),
        "{out}"
    );
    assert!(!out.contains(wrong), "{out}");
}

#[test]
fn an_unset_pin_variable_is_named() {
    let (ok, out) = check(&config(&module(), TOKEN, "validator"), None);
    assert!(!ok, "{out}");
    assert!(
        out.contains("validator.pkcs11.pin_env") && out.contains(PIN_ENV),
        "{out}"
    );
}

#[test]
fn a_missing_key_names_the_label() {
    let (ok, out) = check(&config(&module(), TOKEN, "no-such-key"), Some(PIN));
    assert!(!ok, "{out}");
    assert!(
        out.contains("validator.pkcs11.key_label") && out.contains("\"no-such-key\""),
        "{out}"
    );
}

#[test]
fn a_missing_module_and_token_are_named() {
    let (ok, out) = check(
        &config("/nonexistent/libhsm.so", TOKEN, "validator"),
        Some(PIN),
    );
    assert!(!ok, "{out}");
    assert!(
        out.contains("validator.pkcs11.module") && out.contains("/nonexistent/libhsm.so"),
        "{out}"
    );
    let (ok, out) = check(&config(&module(), "no-such-token", "validator"), Some(PIN));
    assert!(!ok, "{out}");
    assert!(
        out.contains("validator.pkcs11.token_label") && out.contains(TOKEN),
        "{out}"
    );
}
