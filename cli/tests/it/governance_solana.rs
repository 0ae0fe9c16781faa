//! `trestle governance` and `trestle guardian` on Solana: the real binary against
//! solana-test-validator with the bridge program initialised, its admin and guardian keys of
//! the mnemonic the command line signs with (accounts 0 and 1; admin delay 1 s). Proposals are
//! listed by number with their action and state, executed by anyone once ready and cancelled by
//! the admin; the guardian pauses and a stranger cannot.
//!
//! Starts solana-test-validator: nextest group `solana-validator`.

use std::time::Duration;

use assert_cmd::Command;
use serde_json::{Value, json};
use trestle_bridge::solana::admin::Action;
use trestle_bridge_client::SolanaBridge;
use trestle_core::solana::SolanaSigner;
use trestle_core::wallet::HdWallet;
use trestle_core::wallet::mnemonic::Mnemonic;
use trestle_core::wallet::path::{DerivationPath, SolanaPathStyle};
use trestle_relayer_harness::solana::{DOMAIN_SOL, SolanaNet};

const MNEMONIC: &str = "test test test test test test test test test test test junk";

fn key(index: u32) -> SolanaSigner {
    HdWallet::from_mnemonic(&Mnemonic::parse(MNEMONIC).unwrap(), "")
        .solana_signer(&DerivationPath::solana(index, SolanaPathStyle::Bip44Change).unwrap())
        .unwrap()
}

/// Runs `trestle --json ARGS` (`--index` when given) off the async runtime.
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
        (
            out.status.success(),
            serde_json::from_str(stdout.trim()).unwrap_or(Value::Null),
            String::from_utf8(out.stderr).unwrap(),
        )
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn governance_and_guardian_commands_drive_the_solana_program() {
    let sol = SolanaNet::start_with_roles(key(0), key(1)).await;
    for index in [3, 4] {
        sol.fund(&key(index).pubkey()).await;
    }
    let bridge = SolanaBridge::new(sol.client.clone(), sol.program.id);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("chains.toml");
    std::fs::write(
        &file,
        format!(
            r#"
[[chains]]
name = "sol"
kind = "solana"
domain = {DOMAIN_SOL}
rpc_urls = ["{}"]
bridge = "{}"
"#,
            sol.node.rpc_url(),
            sol.program.id
        ),
    )
    .unwrap();
    let file = file.display().to_string();
    let file = file.as_str();
    let list = || async move {
        let (ok, out, err) = run(
            &["governance", "list", "-c", file, "--chain", "sol", "--all"],
            None,
        )
        .await;
        assert!(ok, "{err}");
        out["proposals"].as_array().unwrap().clone()
    };
    assert!(list().await.is_empty());

    // Two proposals of the admin: listed by number with their action.
    for delay in [5, 7] {
        let id = bridge.config().await.unwrap().next_proposal;
        let ix = sol.program.propose(
            &sol.admin.pubkey(),
            id,
            &Action::SetAdminDelay { admin_delay: delay },
        );
        sol.land(&sol.admin, vec![ix]).await;
    }
    let listed = list().await;
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert_eq!(listed[0]["id"], 0);
    assert_eq!(listed[0]["function"], "SetAdminDelay");

    // The second cancelled by the admin; the first executed by anyone once ready.
    let (ok, _, err) = run(
        &["governance", "cancel", "-c", file, "--chain", "sol", "1"],
        Some(0),
    )
    .await;
    assert!(ok, "{err}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (ok, _, err) = run(
            &["governance", "execute", "-c", file, "--chain", "sol", "0"],
            Some(4),
        )
        .await;
        if ok {
            break;
        }
        // The delay runs on the validator's clock.
        assert!(tokio::time::Instant::now() < deadline, "{err}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(bridge.config().await.unwrap().admin_delay, 5);
    let states: Vec<Value> = list().await.iter().map(|p| p["state"].clone()).collect();
    assert_eq!(states, vec![json!("executed"), json!("cancelled")]);
    let (ok, _, err) = run(
        &["governance", "execute", "-c", file, "--chain", "sol", "1"],
        Some(4),
    )
    .await;
    assert!(!ok, "a cancelled proposal executed: {err}");
    let (ok, _, err) = run(
        &[
            "governance",
            "execute",
            "-c",
            file,
            "--chain",
            "sol",
            "first",
        ],
        Some(4),
    )
    .await;
    assert!(!ok && err.contains("`first`"), "{err}");

    // A transfer queued on Solana is cancelled by its origin and nonce: the origin is asked.
    let unknown = format!("0x{}", "ab".repeat(32));
    let (ok, _, err) = run(
        &[
            "guardian",
            "cancel-queued",
            "-c",
            file,
            "--chain",
            "sol",
            &unknown,
        ],
        Some(1),
    )
    .await;
    assert!(!ok && err.contains("--from"), "{err}");

    // The guardian pauses; a stranger cannot; a Safe is for EVM roles.
    let (ok, _, err) = run(
        &["guardian", "pause", "-c", file, "--chain", "sol"],
        Some(3),
    )
    .await;
    assert!(!ok, "a stranger paused: {err}");
    assert!(!bridge.config().await.unwrap().paused);
    let (ok, _, err) = run(
        &[
            "guardian",
            "pause",
            "-c",
            file,
            "--chain",
            "sol",
            "--safe",
            "0x00000000000000000000000000000000005afe01",
            "--out",
            "/dev/null",
        ],
        Some(1),
    )
    .await;
    assert!(!ok && err.contains("--safe"), "{err}");
    let (ok, paused, err) = run(
        &["guardian", "pause", "-c", file, "--chain", "sol"],
        Some(1),
    )
    .await;
    assert!(ok, "{err}");
    assert_eq!(paused["action"], "pause");
    assert!(bridge.config().await.unwrap().paused);
}
