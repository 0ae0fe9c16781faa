//! `trestle relayer run` as a process: encrypted keystore with the password from the
//! environment, JSON logs, health and metrics endpoints, graceful shutdown on SIGTERM; killed
//! with SIGKILL mid-flight and restarted (`restart`); started with its RPC down (`rpc_down`);
//! its public and operator listeners (`api`).

mod api;
mod restart;
mod rpc_down;

use std::io::Read;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use trestle_core::wallet::keystore::{self, KdfParams};
use trestle_relayer_harness::daemons::http_get;
use trestle_tests::{Anvil, DEV_ACCOUNTS};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn write_config(dir: &std::path::Path, a: &Anvil, b: &Anvil, port: u16) -> std::path::PathBuf {
    let key = hex::decode(DEV_ACCOUNTS[5].private_key.trim_start_matches("0x")).unwrap();
    let json = keystore::encrypt(
        &key.try_into().unwrap(),
        b"correct horse",
        KdfParams::scrypt_light(),
    )
    .unwrap();
    std::fs::write(dir.join("validator.json"), json).unwrap();
    let text = format!(
        r#"
[store]
url = "sqlite://{store}"

[api]
listen = "127.0.0.1:{port}"

[log]
format = "json"

[[chains]]
name = "a"
domain = 1
chain_id = {chain_a}
rpc_urls = ["{url_a}"]
bridge = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
preset = "anvil"
# No bridge is deployed at that address here: an explicit start (without it a first start
# waits for the bridge's code, logging each poll)
start_block = 0

[[chains]]
name = "b"
domain = 2
chain_id = {chain_b}
rpc_urls = ["{url_b}"]
bridge = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
preset = "anvil"
# No bridge is deployed at that address here: an explicit start (without it a first start
# waits for the bridge's code, logging each poll)
start_block = 0

[[routes]]
from = "a"
to = "b"
epoch = 1
threshold = 2
validators = [
  {{ address = "{v5}", url = "http://127.0.0.1:1" }},
  {{ address = "{v6}", url = "http://127.0.0.1:2" }},
  {{ address = "{v7}", url = "http://127.0.0.1:3" }},
]

[validator]
keystore = "{keystore}"
password_env = "TEST_VALIDATOR_PASSWORD"
"#,
        store = dir.join("store.db").display(),
        chain_a = a.chain_id(),
        chain_b = b.chain_id(),
        url_a = a.url(),
        url_b = b.url(),
        v5 = DEV_ACCOUNTS[5].address,
        v6 = DEV_ACCOUNTS[6].address,
        v7 = DEV_ACCOUNTS[7].address,
        keystore = dir.join("validator.json").display(),
    );
    let path = dir.join("trestle.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_serves_health_and_metrics_and_stops_on_sigterm() {
    let a = Anvil::builder().chain_id(31_337).spawn().unwrap();
    let b = Anvil::builder().chain_id(31_338).spawn().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = write_config(dir.path(), &a, &b, port);
    let bin = assert_cmd::cargo::cargo_bin("trestle");

    // Without the password in the environment it refuses to start and names the variable.
    let out = Command::new(&bin)
        .args(["relayer", "run", "--config"])
        .arg(&config)
        .env_remove("TEST_VALIDATOR_PASSWORD")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("TEST_VALIDATOR_PASSWORD"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let mut child = Command::new(&bin)
        .args(["relayer", "run", "--config"])
        .arg(&config)
        .env("TEST_VALIDATOR_PASSWORD", "correct horse")
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    // Ready once the chains are connected (health answers from the start).
    loop {
        if let Ok(r) = reqwest::get(format!("{base}/readyz")).await
            && r.status().is_success()
        {
            break;
        }
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            panic!("daemon exited with {status}: {err}");
        }
        assert!(Instant::now() < deadline, "the daemon did not come up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(http_get(&format!("{base}/healthz")).await.0, 200);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, metrics) = http_get(&format!("{base}/metrics")).await;
        if metrics.contains("trestle_indexed_height{chain=\"a\"}") {
            break;
        }
        assert!(Instant::now() < deadline, "no indexer metrics: {metrics}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, body) = http_get(&format!("{base}/v1/messages?colour=red")).await;
    assert_eq!(status, 400, "{body}");

    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the daemon did not stop on SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(status.success(), "exit {status}: {err}");
    // JSON logs, one object per line, with the start and the graceful stop.
    let lines: Vec<serde_json::Value> = err
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
        .collect();
    let said = |m: &str| lines.iter().any(|l| l["fields"]["message"] == m);
    assert!(said("daemon started"), "{err}");
    assert!(said("shutdown signal received"), "{err}");
    assert!(said("daemon stopped"), "{err}");
}

/// Human logs written to a pipe or a file (not a terminal) carry no ANSI colour codes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn human_logs_to_a_pipe_have_no_colour_codes() {
    let a = Anvil::builder().chain_id(31_337).spawn().unwrap();
    let b = Anvil::builder().chain_id(31_338).spawn().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = write_config(dir.path(), &a, &b, port);
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("format = \"json\"", "format = \"human\""),
    )
    .unwrap();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("trestle"))
        .args(["relayer", "run", "--config"])
        .arg(&config)
        .env("TEST_VALIDATOR_PASSWORD", "correct horse")
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !reqwest::get(format!("{base}/readyz"))
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the daemon exited early"
        );
        assert!(Instant::now() < deadline, "the daemon did not come up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(child.wait().unwrap().success(), "{err}");
    assert!(err.contains("daemon started"), "{err}");
    assert!(
        !err.contains('\u{1b}'),
        "ANSI escape codes in piped logs: {err:?}"
    );
}
