//! The `trestle relayer run` process is killed with SIGKILL while its `deliver` transaction
//! is pending (B mines nothing), and started again on the same SQLite store: every message is
//! delivered exactly once, none is lost, including one sent while it was down.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use alloy_primitives::Address;
use serde_json::json;
use trestle_core::chain::U256;
use trestle_core::wallet::keystore::{self, KdfParams};
use trestle_relayer::Config;
use trestle_relayer::store::{MessageState, Store};
use trestle_relayer_harness::daemons::{
    free_listen, http_get, live_endpoints, messages, start_validators, wait_all_delivered,
};
use trestle_relayer_harness::evm::ETHER;
use trestle_relayer_harness::net::{Net, relayer_config};
use trestle_relayer_harness::wait::wait_until;
use trestle_tests::DEV_ACCOUNTS;

const MINUTE: Duration = Duration::from_secs(60);
pub(super) const PASSWORD_ENV: &str = "TEST_RELAYER_PASSWORD";

/// Writes the relayer's encrypted keystore (dev account 2) and `cfg` as TOML into `dir`.
pub(super) fn write_config(dir: &Path, mut cfg: Config) -> PathBuf {
    let key = hex::decode(DEV_ACCOUNTS[2].private_key.trim_start_matches("0x")).unwrap();
    let json = keystore::encrypt(
        &key.try_into().unwrap(),
        b"kill nine",
        KdfParams::scrypt_light(),
    )
    .unwrap();
    let keystore = dir.join("relayer.json");
    std::fs::write(&keystore, json).unwrap();
    let relayer = cfg.relayer.as_mut().unwrap();
    relayer.keystore = keystore;
    relayer.password_env = PASSWORD_ENV.into();
    let path = dir.join("trestle.toml");
    std::fs::write(&path, toml::to_string(&cfg).unwrap()).unwrap();
    path
}

/// Starts `trestle relayer run --config PATH` with its password, logs to `log`.
pub(super) fn spawn_process(config: &Path, log: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_trestle"))
        .args(["relayer", "run", "--config"])
        .arg(config)
        .env(PASSWORD_ENV, "kill nine")
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap()
}

/// [`spawn_process`], then waits for `/readyz`.
async fn spawn(config: &Path, log: &Path, listen: &str) -> Child {
    let mut child = spawn_process(config, log);
    let deadline = Instant::now() + MINUTE;
    loop {
        if let Ok(r) = reqwest::get(format!("http://{listen}/readyz")).await
            && r.status().is_success()
        {
            return child;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "the relayer exited with {status}: {}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        assert!(
            Instant::now() < deadline,
            "the relayer did not become ready"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relayer_killed_with_sigkill_mid_flight_resumes_and_delivers_each_message_once() {
    let net = Net::start(u128::MAX).await;
    let (validators, _dirs) =
        start_validators(&net.keys, || net.chains(), &net.placeholders()).await;
    let endpoints = live_endpoints(&net.placeholders(), &validators);
    let dir = tempfile::tempdir().unwrap();
    let listen = free_listen();
    let mut cfg = relayer_config(&net, dir.path(), endpoints);
    cfg.api.listen = listen.clone();
    let store_url = cfg.store.url.clone();
    let config = write_config(dir.path(), cfg);

    let mut child = spawn(&config, &dir.path().join("run1.log"), &listen).await;
    net.anvil_b.rpc("evm_setAutomine", json!([false])).unwrap();
    let to = Address::from([0x99; 20]);
    let amounts = [ETHER, 2 * ETHER, 3 * ETHER, 4 * ETHER];
    for amount in &amounts[..3] {
        net.send(*amount, to).await;
    }
    // All three sent to B, none mined: kill it there.
    let store = Store::connect(&store_url, 1).await.unwrap();
    wait_until("three submitted deliveries", MINUTE, || async {
        let list = messages(&store).await;
        list.len() == 3 && list.iter().all(|m| m.state == MessageState::Submitted)
    })
    .await;
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(net.deliveries_on_b().await, 0);

    // One more while it is down; then it starts again on the same store.
    net.send(amounts[3], to).await;
    let mut child = spawn(&config, &dir.path().join("run2.log"), &listen).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    net.anvil_b.rpc("evm_mine", json!([])).unwrap();
    net.anvil_b.rpc("evm_setAutomine", json!([true])).unwrap();
    wait_all_delivered(&store, 4, MINUTE).await;
    let total = U256::from(amounts.iter().sum::<u128>());
    assert_eq!(net.balance(to).await, total);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(net.balance(to).await, total);
    assert_eq!(net.deliveries_on_b().await, 4);
    let (_, body) = http_get(&format!("http://{listen}/v1/messages?state=delivered")).await;
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["messages"].as_array().unwrap().len(), 4, "{body}");

    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "exit {status}");
    store.close().await;
    for v in validators {
        v.shutdown().await;
    }
}
