//! `trestle governance` and `trestle guardian` on an EVM chain: the real binary against an
//! anvil chain with the Solidity bridge deployed (admin: dev account 0, guardian: dev account
//! 1, admin delay 1 s). A call is proposed, listed with its function and readiness, refused
//! before its delay and executed after it; a proposal is cancelled; the guardian pauses and a
//! stranger cannot; a Safe batch file is written in the Transaction Builder's format; bad
//! input is refused naming it.

use alloy_sol_types::SolCall;
use assert_cmd::Command;
use serde_json::{Value, json};
use trestle_bridge::evm_bindings::Bridge;
use trestle_bridge_client::EvmBridge;
use trestle_evm::EvmSender;
use trestle_relayer_harness::evm::{DOMAIN_B, connect, deploy_bridge, signer};
use trestle_tests::Anvil;

const MNEMONIC: &str = "test test test test test test test test test test test junk";

/// Runs `trestle --json ARGS` as dev account `index` of the mnemonic, off the async runtime:
/// (success, stdout JSON or Null, stderr).
async fn run(args: &[&str], index: Option<u32>) -> (bool, Value, String) {
    let mut args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
    if let Some(index) = index {
        args.extend(["--index".to_owned(), index.to_string()]);
    }
    tokio::task::spawn_blocking(move || {
        let out = Command::cargo_bin("trestle")
            .unwrap()
            .env_remove("TRESTLE_RELAYER_CONFIG")
            .env_remove("TRESTLE_PASSPHRASE")
            .env("TRESTLE_MNEMONIC", MNEMONIC)
            .arg("--json")
            .args(&args)
            .output()
            .unwrap();
        let stdout = String::from_utf8(out.stdout).unwrap();
        let json = serde_json::from_str(stdout.trim()).unwrap_or(Value::Null);
        (
            out.status.success(),
            json,
            String::from_utf8(out.stderr).unwrap(),
        )
    })
    .await
    .unwrap()
}

fn chains_file(dir: &std::path::Path, anvil: &Anvil, bridge: &EvmBridge) -> String {
    let path = dir.join("chains.toml");
    std::fs::write(
        &path,
        format!(
            r#"
[[chains]]
name = "b"
domain = {DOMAIN_B}
chain_id = {}
rpc_urls = ["{}"]
bridge = "{}"
preset = "anvil"
poll_interval_ms = 100
"#,
            anvil.chain_id(),
            anvil.url(),
            bridge.address()
        ),
    )
    .unwrap();
    path.display().to_string()
}

async fn list(file: &str) -> Vec<Value> {
    let (ok, out, err) = run(
        &["governance", "list", "-c", file, "--chain", "b", "--all"],
        None,
    )
    .await;
    assert!(ok, "{err}");
    out["proposals"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn governance_and_guardian_commands_drive_an_evm_bridge() {
    let anvil = Anvil::builder().chain_id(31_338).spawn().unwrap();
    let chain = connect(&anvil, "b").await;
    let admin = EvmSender::new(chain.clone(), signer(0));
    let address = deploy_bridge(&admin, DOMAIN_B).await;
    let bridge = EvmBridge::new(chain.clone(), address);
    let dir = tempfile::tempdir().unwrap();
    let file = chains_file(dir.path(), &anvil, &bridge);
    let file = file.as_str();
    assert!(list(file).await.is_empty());

    // Proposed by the admin: listed with its function, pending until the delay has passed.
    let call = format!(
        "0x{}",
        hex::encode(Bridge::setAdminDelayCall { delay: 5 }.abi_encode())
    );
    anvil.rpc("evm_setAutomine", json!([true])).unwrap();
    let (ok, proposed, err) = run(
        &[
            "governance",
            "propose",
            "-c",
            file,
            "--chain",
            "b",
            "--call",
            &call,
        ],
        Some(0),
    )
    .await;
    assert!(ok, "{err}");
    assert_eq!(proposed["function"], "setAdminDelay");
    let id = proposed["proposal"].as_str().unwrap().to_owned();
    let listed = list(file).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], id.as_str());
    assert_eq!(listed[0]["call"], call.as_str());
    assert_eq!(listed[0]["function"], "setAdminDelay");
    let state = listed[0]["state"].as_str().unwrap();
    assert!(state == "pending" || state == "ready", "{state}");

    // Executed by anyone (dev account 4) once the delay has passed.
    anvil.rpc("evm_increaseTime", json!([2])).unwrap();
    anvil.rpc("evm_mine", json!([])).unwrap();
    assert_eq!(list(file).await[0]["state"], "ready");
    let (ok, _, err) = run(
        &["governance", "execute", "-c", file, "--chain", "b", &id],
        Some(4),
    )
    .await;
    assert!(ok, "{err}");
    assert_eq!(bridge.admin_delay().await.unwrap(), 5);
    assert_eq!(list(file).await[0]["state"], "executed");
    let (ok, _, err) = run(
        &["governance", "execute", "-c", file, "--chain", "b", &id],
        Some(4),
    )
    .await;
    assert!(!ok && err.contains("is executed"), "{err}");

    // Another, executed too early (refused by the bridge), then cancelled by the admin.
    let call = format!(
        "0x{}",
        hex::encode(Bridge::setAdminDelayCall { delay: 7 }.abi_encode())
    );
    let (ok, proposed, err) = run(
        &[
            "governance",
            "propose",
            "-c",
            file,
            "--chain",
            "b",
            "--call",
            &call,
        ],
        Some(0),
    )
    .await;
    assert!(ok, "{err}");
    let second = proposed["proposal"].as_str().unwrap().to_owned();
    let (ok, _, err) = run(
        &["governance", "execute", "-c", file, "--chain", "b", &second],
        Some(4),
    )
    .await;
    assert!(!ok, "executed before its delay: {err}");
    let (ok, _, err) = run(
        &["governance", "cancel", "-c", file, "--chain", "b", &second],
        Some(0),
    )
    .await;
    assert!(ok, "{err}");
    let states: Vec<Value> = list(file)
        .await
        .iter()
        .map(|p| p["state"].clone())
        .collect();
    assert_eq!(states, vec![json!("executed"), json!("cancelled")]);
    let (ok, open, err) = run(&["governance", "list", "-c", file, "--chain", "b"], None).await;
    assert!(ok, "{err}");
    assert_eq!(
        open["proposals"],
        json!([]),
        "closed ones are listed with --all only"
    );
    assert_eq!(bridge.admin_delay().await.unwrap(), 5);

    // Only the admin proposes.
    let (ok, _, err) = run(
        &[
            "governance",
            "propose",
            "-c",
            file,
            "--chain",
            "b",
            "--call",
            &call,
        ],
        Some(4),
    )
    .await;
    assert!(!ok, "a stranger proposed: {err}");

    // The guardian pauses at once; a stranger cannot, and a second pause is refused.
    let (ok, _, err) = run(&["guardian", "pause", "-c", file, "--chain", "b"], Some(3)).await;
    assert!(!ok, "a stranger paused: {err}");
    assert!(!bridge.paused().await.unwrap());
    let (ok, paused, err) = run(&["guardian", "pause", "-c", file, "--chain", "b"], Some(1)).await;
    assert!(ok, "{err}");
    assert_eq!(paused["action"], "pause");
    assert!(bridge.paused().await.unwrap());
    let (ok, _, err) = run(&["guardian", "pause", "-c", file, "--chain", "b"], Some(1)).await;
    assert!(!ok, "paused twice: {err}");

    // An unpause for a Safe admin: a Transaction Builder batch, nothing sent.
    let safe = "0x00000000000000000000000000000000005afe01";
    let out = dir.path().join("unpause.json");
    let unpause = format!("0x{}", hex::encode(Bridge::unpauseCall {}.abi_encode()));
    let (ok, written, err) = run(
        &[
            "governance",
            "propose",
            "-c",
            file,
            "--chain",
            "b",
            "--call",
            &unpause,
            "--safe",
            safe,
            "--out",
            out.to_str().unwrap(),
        ],
        Some(0),
    )
    .await;
    assert!(ok, "{err}");
    assert_eq!(written["function"], "unpause");
    let batch: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    check_safe_batch(&batch);
    assert_eq!(batch["chainId"], "31338");
    assert_eq!(
        batch["meta"]["createdFromSafeAddress"]
            .as_str()
            .unwrap()
            .to_lowercase(),
        safe
    );
    let transactions = batch["transactions"].as_array().unwrap();
    assert_eq!(transactions.len(), 1);
    assert_eq!(transactions[0]["to"], address.to_checksum().as_str());
    let zero = [0u8; 32];
    let expected = EvmBridge::propose_call(&Bridge::unpauseCall {}.abi_encode(), &zero);
    assert_eq!(
        transactions[0]["data"],
        format!("0x{}", hex::encode(expected)).as_str()
    );
    assert_eq!(
        list(file).await.len(),
        2,
        "the Safe batch was written, not sent"
    );

    // Bad input, named.
    let (ok, _, err) = run(
        &[
            "governance",
            "propose",
            "-c",
            file,
            "--chain",
            "b",
            "--call",
            "0x12",
        ],
        Some(0),
    )
    .await;
    assert!(!ok && err.contains("--call"), "{err}");
    let (ok, _, err) = run(&["guardian", "pause", "-c", file, "--chain", "z"], Some(1)).await;
    assert!(!ok && err.contains("no chain is named `z`"), "{err}");
    let (ok, _, err) = run(
        &[
            "guardian",
            "cancel-queued",
            "-c",
            file,
            "--chain",
            "b",
            "0x1234",
        ],
        Some(1),
    )
    .await;
    assert!(!ok && err.contains("message id"), "{err}");
}

/// The Transaction Builder's batch file, as its import checks it (version 1.0): `version`,
/// `chainId` (decimal string), `createdAt` (ms), `meta` with a `createdFromSafeAddress`, and
/// `transactions`, each with a checksummed `to`, a decimal `value`, and `data` or a
/// `contractMethod` with its inputs.
fn check_safe_batch(batch: &Value) {
    assert_eq!(batch["version"], "1.0");
    assert!(
        batch["chainId"]
            .as_str()
            .is_some_and(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit())),
        "{batch}"
    );
    assert!(batch["createdAt"].as_u64().is_some(), "{batch}");
    let meta = &batch["meta"];
    for key in [
        "name",
        "description",
        "txBuilderVersion",
        "createdFromOwnerAddress",
    ] {
        assert!(meta[key].is_string(), "meta.{key} in {batch}");
    }
    let safe = meta["createdFromSafeAddress"].as_str().unwrap();
    assert_eq!(
        trestle_core::evm::EvmAddress::parse(safe)
            .unwrap()
            .to_checksum(),
        safe
    );
    for tx in batch["transactions"].as_array().unwrap() {
        let to = tx["to"].as_str().unwrap();
        assert_eq!(
            trestle_core::evm::EvmAddress::parse(to)
                .unwrap()
                .to_checksum(),
            to,
            "checksummed"
        );
        assert!(
            tx["value"]
                .as_str()
                .is_some_and(|v| v.bytes().all(|b| b.is_ascii_digit())),
            "{tx}"
        );
        let data = tx["data"].as_str().unwrap();
        assert!(
            data.starts_with("0x") && hex::decode(&data[2..]).is_ok(),
            "{tx}"
        );
        assert!(tx["contractMethod"].is_null() && tx["contractInputsValues"].is_null());
    }
}
