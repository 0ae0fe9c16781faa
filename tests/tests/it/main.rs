//! End-to-end tests of the local node harness itself: nodes start side by side, answer, and
//! are gone after drop, after a panic in their test, and after their test process is killed.

// Tests unwrap, expect, panic and index: a failing test is the point (see clippy.toml, which
// does not reach integration-test helpers outside #[test] functions).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a panic is a test failure with its message"
)]

use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use trestle_tests::{Anvil, DEV_ACCOUNTS, Error, SolanaValidator};

/// Any valid base58 public key; it has no account until the airdrop creates one.
const AIRDROP_TARGET: &str = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin";

/// Whether something accepts TCP connections on `127.0.0.1:port`.
fn answers(port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_ok()
}

/// Polls `f` until it is true or `timeout` passes.
fn eventually(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if f() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn hex_u64(v: &Value) -> u64 {
    let s = v.as_str().unwrap();
    u64::from_str_radix(s.trim_start_matches("0x"), 16).unwrap()
}

#[test]
fn two_anvils_and_a_solana_validator_side_by_side() {
    let a = Anvil::builder().chain_id(31_337).spawn().unwrap();
    let b = Anvil::builder().chain_id(8_453).spawn().unwrap();
    let validator = SolanaValidator::spawn().unwrap();

    assert_ne!(a.port(), b.port());
    assert_ne!(a.url(), b.url());
    assert_eq!((a.chain_id(), b.chain_id()), (31_337, 8_453));
    assert_eq!(hex_u64(&a.rpc("eth_chainId", json!([])).unwrap()), 31_337);
    assert_eq!(hex_u64(&b.rpc("eth_chainId", json!([])).unwrap()), 8_453);

    // The dev accounts the harness publishes are the ones anvil funds.
    let accounts = a.rpc("eth_accounts", json!([])).unwrap();
    let accounts: Vec<String> = accounts
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_lowercase())
        .collect();
    let expected: Vec<String> = a
        .dev_accounts()
        .iter()
        .map(|acc| acc.address.to_lowercase())
        .collect();
    assert_eq!(accounts, expected);
    let balance = b
        .rpc("eth_getBalance", json!([DEV_ACCOUNTS[9].address, "latest"]))
        .unwrap();
    assert_eq!(balance, "0x21e19e0c9bab2400000"); // 10,000 ether

    // The chains are independent: a transaction on one does not appear on the other.
    a.rpc(
        "eth_sendTransaction",
        json!([{ "from": DEV_ACCOUNTS[0].address, "to": DEV_ACCOUNTS[1].address, "value": "0x1" }]),
    )
    .unwrap();
    // Automine seals the block just after eth_sendTransaction answers: wait for it.
    assert!(
        eventually(Duration::from_secs(10), || {
            hex_u64(&a.rpc("eth_blockNumber", json!([])).unwrap()) == 1
        }),
        "chain a never mined the transaction"
    );
    assert_eq!(hex_u64(&b.rpc("eth_blockNumber", json!([])).unwrap()), 0);

    assert_eq!(validator.rpc("getHealth", json!([])).unwrap(), "ok");
    let version = validator.rpc("getVersion", json!([])).unwrap();
    assert_eq!(version["solana-core"], "4.2.2", "{version}");
    assert_ne!(validator.rpc_port(), a.port());
    assert_ne!(validator.rpc_port(), b.port());
    assert!(validator.ledger_path().is_dir());

    validator.airdrop(AIRDROP_TARGET, 2_000_000_000).unwrap();
    let balance = validator
        .rpc(
            "getBalance",
            json!([AIRDROP_TARGET, { "commitment": "confirmed" }]),
        )
        .unwrap();
    assert_eq!(balance["value"], 2_000_000_000u64, "{balance}");
}

#[test]
fn anvil_drop_kills_the_process() {
    let anvil = Anvil::spawn().unwrap();
    let port = anvil.port();
    let pid = anvil.pid();
    assert!(answers(port));
    drop(anvil);
    // Drop reaped the process: it is no longer in the process table.
    assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
    assert!(!answers(port), "anvil still answers on {port} after drop");
}

#[test]
fn anvil_is_killed_when_the_owning_test_panics() {
    let (tx, rx) = std::sync::mpsc::channel();
    let outcome = std::panic::catch_unwind(move || {
        let anvil = Anvil::spawn().unwrap();
        tx.send(anvil.port()).unwrap();
        panic!("the test fails while anvil runs");
    });
    assert!(outcome.is_err());
    let port = rx.recv().unwrap();
    assert!(
        !answers(port),
        "anvil still answers on {port} after the panic"
    );
}

#[test]
fn anvil_mining_modes() {
    // Manual mining: transactions wait in the pool until a block is mined on request.
    let manual = Anvil::builder().no_mining(true).spawn().unwrap();
    manual
        .rpc(
            "eth_sendTransaction",
            json!([{ "from": DEV_ACCOUNTS[2].address, "to": DEV_ACCOUNTS[3].address, "value": "0x1" }]),
        )
        .unwrap();
    assert_eq!(
        hex_u64(&manual.rpc("eth_blockNumber", json!([])).unwrap()),
        0
    );
    manual.rpc("evm_mine", json!([])).unwrap();
    assert_eq!(
        hex_u64(&manual.rpc("eth_blockNumber", json!([])).unwrap()),
        1
    );

    // Interval mining: blocks appear without transactions.
    let interval = Anvil::builder().block_time(Some(1)).spawn().unwrap();
    assert!(eventually(Duration::from_secs(10), || {
        hex_u64(&interval.rpc("eth_blockNumber", json!([])).unwrap()) >= 2
    }));
}

#[test]
fn missing_binary_error_names_the_setup_script() {
    let err = Anvil::builder()
        .binary("/nonexistent/anvil")
        .spawn()
        .unwrap_err();
    assert!(matches!(err, Error::ToolNotFound { .. }), "{err}");
    assert!(err.to_string().contains("run `scripts/setup.sh`"), "{err}");

    let err = SolanaValidator::builder()
        .binary("/nonexistent/solana-test-validator")
        .spawn()
        .unwrap_err();
    assert!(matches!(err, Error::ToolNotFound { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("run `scripts/setup.sh`"), "{msg}");
    assert!(msg.contains("TRESTLE_SOLANA_TEST_VALIDATOR"), "{msg}");
}

#[test]
fn solana_validator_drop_and_panic_kill_the_process() {
    let validator = SolanaValidator::builder().spawn().unwrap();
    let port = validator.rpc_port();
    let faucet = validator.faucet_addr().port();
    let ledger = validator.ledger_path().to_path_buf();
    assert!(answers(port) && answers(faucet));
    drop(validator);
    assert!(!answers(port), "validator RPC still answers on {port}");
    assert!(!answers(faucet), "faucet still answers on {faucet}");
    assert!(!ledger.exists(), "ledger {} not deleted", ledger.display());

    let (tx, rx) = std::sync::mpsc::channel();
    let outcome = std::panic::catch_unwind(move || {
        let validator = SolanaValidator::spawn().unwrap();
        tx.send(validator.rpc_port()).unwrap();
        panic!("the test fails while the validator runs");
    });
    assert!(outcome.is_err());
    let port = rx.recv().unwrap();
    assert!(
        !answers(port),
        "validator still answers on {port} after the panic"
    );
}

#[test]
fn solana_validator_refuses_a_missing_program_file() {
    let err = SolanaValidator::builder()
        .bpf_program(AIRDROP_TARGET, "/nonexistent/program.so")
        .spawn()
        .unwrap_err();
    assert!(matches!(err, Error::InvalidOptions { .. }), "{err}");
}

/// Run only as a child of `anvil_dies_with_its_killed_test_process`: starts anvil, reports it
/// and waits to be killed.
#[test]
#[ignore = "helper process for anvil_dies_with_its_killed_test_process"]
fn orphan_helper() {
    if std::env::var_os("TRESTLE_ORPHAN_HELPER").is_none() {
        return;
    }
    let anvil = Anvil::spawn().unwrap();
    println!("ANVIL_PORT={}", anvil.port());
    loop {
        std::thread::sleep(Duration::from_secs(1));
    }
}

#[test]
fn anvil_dies_with_its_killed_test_process() {
    let mut helper = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "orphan_helper", "--ignored", "--nocapture"])
        .env("TRESTLE_ORPHAN_HELPER", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = helper.stdout.take().unwrap();
    let port: u16 = BufReader::new(stdout)
        .lines()
        .map(Result::unwrap)
        .find_map(|line| line.strip_prefix("ANVIL_PORT=").map(|p| p.parse().unwrap()))
        .expect("the helper did not report anvil's port");
    assert!(answers(port));

    // SIGKILL: no destructor runs in the helper; only the parent-death signal stops anvil.
    helper.kill().unwrap();
    helper.wait().unwrap();
    assert!(
        eventually(Duration::from_secs(10), || !answers(port)),
        "anvil outlived its killed test process on port {port}"
    );
}
