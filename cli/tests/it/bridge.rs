//! `trestle bridge send` / `trestle bridge status`: the real binary against two anvil chains
//! with the Solidity bridge deployed, three validator daemons (2-of-3) and a relayer daemon
//! serving its status API. Ether and an ERC-20 go from A to B; a large transfer is queued by B's
//! timelock and cancelled there by the guardian; the status comes from the relayer API and from
//! the destination chain; bad input is refused with an error that names it.

use std::time::Duration;

use alloy_primitives::{Address, B256};
use alloy_sol_types::{SolCall, SolConstructor};
use assert_cmd::Command;
use serde_json::Value;
use trestle_bridge::evm_bindings::{Bridge, BridgedToken};
use trestle_bridge::token_id;
use trestle_core::chain::{Chain as _, U256, UniversalAddress};
use trestle_core::evm::EvmAddress;
use trestle_evm::{EvmSender, TxRequest};
use trestle_relayer::{Daemon, Keys};
use trestle_relayer_harness::daemons::{
    chain_config, config, http_get, live_endpoints, placeholder_endpoints, start_validators,
};
use trestle_relayer_harness::evm::{
    DOMAIN_A, DOMAIN_B, addr, balance_of, configure, connect, deploy, deploy_bridges, pad, send,
    signer,
};
use trestle_relayer_harness::wait::wait_until;
use trestle_tests::Anvil;

const MNEMONIC: &str = "test test test test test test test test test test test junk";
/// Dev account 3 sends (index 3 of the mnemonic).
const USER_INDEX: &str = "3";
const E18: u128 = 1_000_000_000_000_000_000;

fn trestle() -> Command {
    let mut cmd = Command::cargo_bin("trestle").unwrap();
    cmd.env_remove("TRESTLE_MNEMONIC")
        .env_remove("TRESTLE_PASSPHRASE")
        .env_remove("TRESTLE_API_URL")
        .env_remove("TRESTLE_RELAYER_CONFIG");
    cmd
}

/// Runs `trestle --json bridge ARGS` off the async runtime; returns (success, stdout JSON or
/// Null, stderr).
async fn run(args: Vec<String>, mnemonic: bool) -> (bool, Value, String) {
    tokio::task::spawn_blocking(move || {
        let mut cmd = trestle();
        if mnemonic {
            cmd.env("TRESTLE_MNEMONIC", MNEMONIC);
        }
        let out = cmd
            .arg("--json")
            .arg("bridge")
            .args(&args)
            .output()
            .unwrap();
        let stdout = String::from_utf8(out.stdout).unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        let json = serde_json::from_str(stdout.trim()).unwrap_or(Value::Null);
        (out.status.success(), json, stderr)
    })
    .await
    .unwrap()
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn chains_file(
    dir: &std::path::Path,
    anvil_a: &Anvil,
    anvil_b: &Anvil,
    bridges: (EvmAddress, EvmAddress),
    validators: &[String],
) -> String {
    let urls: Vec<String> = validators
        .iter()
        .map(|u| format!("{{ address = \"0x{}\", url = \"{u}\" }}", "11".repeat(20)))
        .collect();
    let text = format!(
        r#"
[[chains]]
name = "a"
domain = {DOMAIN_A}
chain_id = {}
rpc_urls = ["{}"]
bridge = "{}"
preset = "anvil"
poll_interval_ms = 100

[[chains]]
name = "b"
domain = {DOMAIN_B}
chain_id = {}
rpc_urls = ["{}"]
bridge = "{}"
preset = "anvil"
poll_interval_ms = 100

[[routes]]
from = "a"
to = "b"
epoch = 1
threshold = 2
validators = [{}]
"#,
        anvil_a.chain_id(),
        anvil_a.url(),
        bridges.0,
        anvil_b.chain_id(),
        anvil_b.url(),
        bridges.1,
        urls.join(", ")
    );
    let path = dir.join("chains.toml");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bridge_send_and_status_through_a_running_relayer() {
    let anvil_a = Anvil::builder().chain_id(31_337).spawn().unwrap();
    let anvil_b = Anvil::builder().chain_id(31_338).spawn().unwrap();
    let chain_a = connect(&anvil_a, "a").await;
    let chain_b = connect(&anvil_b, "b").await;
    let validator_keys: Vec<_> = (5..8).map(signer).collect();
    let validator_addrs: Vec<EvmAddress> = validator_keys.iter().map(|k| k.address()).collect();
    // B queues inbound transfers of 3 ether or more behind its one-hour timelock.
    let d = deploy_bridges(
        &anvil_a,
        &anvil_b,
        &chain_a,
        &chain_b,
        &validator_addrs,
        3 * E18,
    )
    .await;

    // An ERC-20 whose home is A ("TKN", minted by dev account 0), bridged to B as "bTKN".
    let admin = signer(0);
    let admin_a = EvmSender::new(chain_a.clone(), admin.clone());
    let admin_b = EvmSender::new(chain_b.clone(), admin.clone());
    let ctor = |minter: EvmAddress, name: &str| {
        BridgedToken::constructorCall::new((addr(minter), name.to_owned(), name.to_owned(), 18u8))
            .abi_encode()
    };
    let tkn = deploy(
        &admin_a,
        &BridgedToken::BYTECODE,
        ctor(admin.address(), "TKN"),
    )
    .await;
    let btkn = deploy(&admin_b, &BridgedToken::BYTECODE, ctor(d.bridge_b, "bTKN")).await;
    let user = signer(3);
    let mint =
        BridgedToken::mintCall::new((addr(user.address()), U256::from(10 * E18))).abi_encode();
    send(&admin_a, TxRequest::call(tkn, mint)).await;
    let tkn_id = B256::from(token_id(DOMAIN_A, &UniversalAddress::from_evm(tkn.0)));
    let big = 1_000_000 * E18;
    configure(
        &anvil_a,
        &admin_a,
        d.bridge_a,
        vec![
            Bridge::setTokenCall::new((DOMAIN_A, pad(tkn), addr(tkn), 0u8, big, 3_600u64))
                .abi_encode(),
            Bridge::setRouteCall::new((tkn_id, DOMAIN_B, 0u8, u128::MAX)).abi_encode(),
            Bridge::setLimitsCall::new((tkn_id, DOMAIN_B, big, big, big, big)).abi_encode(),
        ],
    )
    .await;
    configure(
        &anvil_b,
        &admin_b,
        d.bridge_b,
        vec![
            Bridge::setTokenCall::new((DOMAIN_A, pad(tkn), addr(btkn), 0u8, big, 3_600u64))
                .abi_encode(),
            Bridge::setRouteCall::new((tkn_id, DOMAIN_A, 0u8, u128::MAX)).abi_encode(),
            Bridge::setLimitsCall::new((tkn_id, DOMAIN_A, big, big, big, big)).abi_encode(),
        ],
    )
    .await;

    // Validators and a relayer with its status API.
    let chains = || {
        vec![
            chain_config("a", DOMAIN_A, &anvil_a, d.bridge_a),
            chain_config("b", DOMAIN_B, &anvil_b, d.bridge_b),
        ]
    };
    let placeholder = placeholder_endpoints(&validator_addrs);
    let (validators, _dirs) = start_validators(&validator_keys, chains, &placeholder).await;
    let endpoints = live_endpoints(&placeholder, &validators);
    let relayer_dir = tempfile::tempdir().unwrap();
    let relayer = Daemon::start(
        config(relayer_dir.path(), chains(), endpoints.clone(), false, true),
        Keys {
            validator: None,
            relayer: Some(signer(2)),
            relayer_solana: None,
            fee_oracle: None,
            fee_oracle_solana: None,
        },
        "r1",
    )
    .await
    .unwrap();
    let api = format!("http://{}", relayer.api_addr());
    let dir = tempfile::tempdir().unwrap();
    let validator_urls: Vec<String> = endpoints.iter().map(|e| e.url.clone()).collect();
    let file = chains_file(
        dir.path(),
        &anvil_a,
        &anvil_b,
        (d.bridge_a, d.bridge_b),
        &validator_urls,
    );
    let beneficiary = "0x4242424242424242424242424242424242424242";
    let beneficiary_addr = Address::from([0x42; 20]);
    let common = |extra: &[&str]| {
        let mut v = args(&[
            "send", "--config", &file, "--api", &api, "--from", "a", "--to", "b",
        ]);
        v.extend(args(&[
            "--index",
            USER_INDEX,
            "--recipient",
            beneficiary,
            "--timeout",
            "120",
        ]));
        v.extend(args(extra));
        v
    };

    // 1. Ether, followed to delivery.
    let (ok, out, err) = run(
        common(&["--token", "native", "--amount", "1.5", "--wait"]),
        true,
    )
    .await;
    assert!(ok, "{err}");
    assert_eq!(out["nonce"], 0);
    assert_eq!(out["origin"], DOMAIN_A);
    assert_eq!(out["destination"], DOMAIN_B);
    assert_eq!(out["status"]["stage"], "delivered", "{out}");
    let ether_id = out["id"].as_str().unwrap().to_owned();
    assert_eq!(ether_id.len(), 66);
    assert_eq!(
        balance_of(&chain_b, d.wrapped, beneficiary_addr).await,
        U256::from(15 * E18 / 10)
    );
    // Progress lines went to stderr, one JSON object per change, ending delivered.
    let stages: Vec<Value> = err
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert!(!stages.is_empty(), "{err}");
    assert_eq!(stages.last().unwrap()["stage"], "delivered");

    // 2. The ERC-20: approved and locked on A, minted on B.
    let before = balance_of(&chain_a, tkn, addr(user.address())).await;
    let (ok, out, err) = run(
        common(&["--token", &tkn.to_string(), "--amount", "2.5", "--wait"]),
        true,
    )
    .await;
    assert!(ok, "{err}");
    assert_eq!(out["nonce"], 1);
    assert_eq!(out["status"]["stage"], "delivered", "{out}");
    assert_eq!(
        balance_of(&chain_b, btkn, beneficiary_addr).await,
        U256::from(25 * E18 / 10)
    );
    assert_eq!(
        before - balance_of(&chain_a, tkn, addr(user.address())).await,
        U256::from(25 * E18 / 10)
    );
    assert_eq!(
        balance_of(&chain_a, tkn, addr(d.bridge_a)).await,
        U256::from(25 * E18 / 10)
    );

    // 3. 5 ether is over B's timelock threshold: queued there with its release time.
    let (ok, out, err) = run(
        common(&["--token", "native", "--amount", "5", "--wait"]),
        true,
    )
    .await;
    assert!(ok, "{err}");
    assert_eq!(out["status"]["stage"], "queued", "{out}");
    let release_at = out["status"]["release_at"].as_u64().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(
        release_at > now + 3_000 && release_at < now + 4_000,
        "{release_at} vs {now}"
    );
    let queued_id = out["id"].as_str().unwrap().to_owned();

    // 4. Status by id: from the relayer API (which names the destination), and from the
    //    destination chain alone (no API).
    let (ok, out, err) = run(
        args(&["status", &ether_id, "--config", &file, "--api", &api]),
        false,
    )
    .await;
    assert!(ok, "{err}");
    assert_eq!(out["stage"], "delivered");
    assert_eq!(out["nonce"], 0);
    // From the origin alone: its MessageSent log names the destination, which is asked.
    let (ok, out, err) = run(
        args(&["status", &ether_id, "--config", &file, "--from", "a"]),
        false,
    )
    .await;
    assert!(ok, "{err}");
    assert_eq!(out["stage"], "delivered");
    assert_eq!(
        (out["origin"].clone(), out["nonce"].clone()),
        (DOMAIN_A.into(), 0.into())
    );
    let (ok, _, err) = run(
        args(&[
            "status",
            &format!("0x{}", "cd".repeat(32)),
            "--config",
            &file,
            "--from",
            "a",
        ]),
        false,
    )
    .await;
    assert!(!ok);
    assert!(err.contains("was not sent by the bridge of `a`"), "{err}");
    // The same in text, as a person reads it.
    let text = {
        let (file, id) = (file.clone(), ether_id.clone());
        tokio::task::spawn_blocking(move || {
            let out = trestle()
                .args(["bridge", "status", &id, "--config", &file, "--to", "b"])
                .output()
                .unwrap();
            assert!(out.status.success());
            String::from_utf8(out.stdout).unwrap()
        })
        .await
        .unwrap()
    };
    assert_eq!(text.trim(), format!("{ether_id} delivered"));
    let (ok, out, err) = run(
        args(&["status", &ether_id, "--config", &file, "--to", "b"]),
        false,
    )
    .await;
    assert!(ok, "{err}");
    assert_eq!(out["stage"], "delivered");
    assert_eq!(out["source"], "destination");
    let (ok, out, err) = run(
        args(&["status", &queued_id, "--config", &file, "--to", "b"]),
        false,
    )
    .await;
    assert!(ok, "{err}");
    assert_eq!(out["stage"], "queued");
    assert_eq!(out["release_at"].as_u64(), Some(release_at));

    // 4b. The guardian cancels the queued transfer. Once the relayer records it `cancelled`,
    //     `status` without --to (the relayer API names the destination) says so, in JSON and
    //     in text. Regression: the client refused the API's `cancelled` state, so this failed.
    let guardian_b = EvmSender::new(chain_b.clone(), signer(1));
    let cancel = Bridge::cancelQueuedCall::new((queued_id.parse::<B256>().unwrap(),)).abi_encode();
    send(&guardian_b, TxRequest::call(d.bridge_b, cancel)).await;
    let record = format!("{api}/v1/messages/{queued_id}");
    wait_until(
        "the relayer records the cancel",
        Duration::from_secs(60),
        || async {
            let (_, body) = http_get(&record).await;
            body.contains(r#""state":"cancelled""#)
        },
    )
    .await;
    let (ok, out, err) = run(
        args(&["status", &queued_id, "--config", &file, "--api", &api]),
        false,
    )
    .await;
    assert!(ok, "{err}");
    assert_eq!(out["stage"], "cancelled", "{out}");
    let text = {
        let (file, id, api) = (file.clone(), queued_id.clone(), api.clone());
        tokio::task::spawn_blocking(move || {
            let out = trestle()
                .args(["bridge", "status", &id, "--config", &file, "--api", &api])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stdout).unwrap()
        })
        .await
        .unwrap()
    };
    assert_eq!(
        text.trim(),
        format!("{queued_id} cancelled by the guardian")
    );

    // 5. A message sent without --wait, then followed by id until it reaches B.
    let recipient = format!("{}", d.bridge_b);
    let mut message_args = args(&["send", "--config", &file, "--from", "a", "--to", "b"]);
    message_args.extend(args(&[
        "--recipient",
        &recipient,
        "--payload",
        "0x68656c6c6f",
        "--index",
        USER_INDEX,
    ]));
    let (ok, out, err) = run(message_args, true).await;
    assert!(ok, "{err}");
    assert_eq!(out["nonce"], 3);
    assert!(out.get("status").is_none());
    let message_id = out["id"].as_str().unwrap().to_owned();
    let (ok, out, err) = run(
        args(&[
            "status",
            &message_id,
            "--config",
            &file,
            "--api",
            &api,
            "--follow",
            "--timeout",
            "120",
        ]),
        false,
    )
    .await;
    assert!(ok, "{err}");
    let stage = out["stage"].as_str().unwrap();
    assert!(
        stage == "delivered" || stage == "recipient_failed",
        "the message reached B: {out}"
    );

    // 6. An encrypted keystore instead of the mnemonic (password from the environment), and
    //    following without the relayer API: the destination chain and the route's validators.
    let keystore = dir.path().join("user4.json");
    let export = {
        let keystore = keystore.clone();
        tokio::task::spawn_blocking(move || {
            trestle()
                .env("TRESTLE_MNEMONIC", MNEMONIC)
                .env("TRESTLE_KEYSTORE_PASSWORD", "user password")
                .args([
                    "wallet",
                    "export-keystore",
                    "--kdf",
                    "scrypt-light",
                    "--index",
                    "4",
                ])
                .arg("--out")
                .arg(&keystore)
                .output()
                .unwrap()
        })
        .await
        .unwrap()
    };
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    let (ok, out, err) = tokio::task::spawn_blocking({
        let mut v = args(&[
            "send", "--config", &file, "--from", "a", "--to", "b", "--token",
        ]);
        v.extend(args(&[
            "native",
            "--amount",
            "0.25",
            "--recipient",
            beneficiary,
            "--wait",
        ]));
        v.extend(args(&[
            "--keystore",
            &keystore.display().to_string(),
            "--timeout",
            "120",
        ]));
        move || {
            let out = trestle()
                .env("TRESTLE_KEYSTORE_PASSWORD", "user password")
                .arg("--json")
                .arg("bridge")
                .args(&v)
                .output()
                .unwrap();
            let stdout = String::from_utf8(out.stdout).unwrap();
            (
                out.status.success(),
                serde_json::from_str::<Value>(stdout.trim()).unwrap_or(Value::Null),
                String::from_utf8(out.stderr).unwrap(),
            )
        }
    })
    .await
    .unwrap();
    assert!(ok, "{err}");
    assert_eq!(out["nonce"], 4);
    assert_eq!(
        out["sender"],
        format!(
            "0x{}{}",
            "00".repeat(12),
            hex::encode(signer(4).address().0)
        )
    );
    assert_eq!(out["status"]["stage"], "delivered", "{out}");
    assert_eq!(out["status"]["source"], "destination");
    assert_eq!(
        balance_of(&chain_b, d.wrapped, beneficiary_addr).await,
        U256::from(175 * E18 / 100)
    );

    // 7. Errors name what is wrong.
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--from", "nope"],
            "no chain is named `nope` (configured: a, b)",
        ),
        (
            vec!["--recipient", "0x1234"],
            "--recipient `0x1234` is not an EVM address of b",
        ),
        (vec!["--amount", "1.2.3"], "invalid amount: `1.2.3`"),
        (
            vec!["--amount", "0.0000000000000000001"],
            "more than 18 decimal places",
        ),
        (vec!["--amount", "0"], "must not be zero"),
        (vec!["--amount", "100000"], "is more than the balance"),
    ];
    for (overrides, expected) in cases {
        let mut v = args(&[
            "send", "--config", &file, "--to", "b", "--index", USER_INDEX, "--token", "native",
        ]);
        let mut base = vec![
            ("--from", "a"),
            ("--recipient", beneficiary),
            ("--amount", "1"),
        ];
        for pair in overrides.chunks(2) {
            base.retain(|(k, _)| *k != pair[0]);
            base.push((pair[0], pair[1]));
        }
        for (k, val) in base {
            v.push(k.to_owned());
            v.push(val.to_owned());
        }
        let (ok, _, err) = run(v, true).await;
        assert!(!ok, "{expected}: succeeded");
        assert!(err.contains(expected), "expected `{expected}` in {err}");
    }
    let unknown_token = format!("0x{}", "77".repeat(20));
    let (ok, _, err) = run(common(&["--token", &unknown_token, "--amount", "1"]), true).await;
    assert!(!ok);
    assert!(
        err.contains("is not registered on the bridge of a"),
        "{err}"
    );
    let unknown = format!("0x{}", "ab".repeat(32));
    let (ok, out, err) = run(
        args(&[
            "status", &unknown, "--config", &file, "--api", &api, "--to", "b",
        ]),
        false,
    )
    .await;
    assert!(!ok);
    assert_eq!(out, Value::Null);
    assert!(err.contains("is unknown to the relayer at"), "{err}");
    let (ok, _, err) = run(
        args(&["status", "0x1234", "--config", &file, "--api", &api]),
        false,
    )
    .await;
    assert!(!ok);
    assert!(
        err.contains("invalid message id: `0x1234` is 2 bytes, expected 32"),
        "{err}"
    );
    let (ok, _, err) = run(
        args(&["status", &unknown, "--config", &file, "--api", &api]),
        false,
    )
    .await;
    assert!(!ok);
    assert!(
        err.contains(&format!("does not know message {unknown}")),
        "{err}"
    );
    // No mnemonic: refused before anything is sent.
    let (ok, _, err) = run(common(&["--token", "native", "--amount", "1"]), false).await;
    assert!(!ok);
    assert!(err.contains("no mnemonic"), "{err}");

    // 8. Fees and arrival. B is free and 1 ether arrives at once; 5 would wait B's hour.
    let quote = |extra: &[&str]| {
        let mut v = args(&["quote", "--config", &file, "--from", "a", "--to", "b"]);
        v.extend(args(extra));
        v
    };
    let (ok, out, err) = run(quote(&["--token", "native", "--amount", "1"]), false).await;
    assert!(ok, "{err}");
    assert_eq!(out["fee"]["amount"], "0", "{out}");
    assert_eq!(out["arrival"]["kind"], "at_once", "{out}");
    let (ok, out, err) = run(quote(&["--token", "native", "--amount", "5"]), false).await;
    assert!(ok, "{err}");
    assert_eq!(out["arrival"]["kind"], "timelocked", "{out}");
    assert_eq!(out["arrival"]["delay_seconds"], 3_600, "{out}");
    // A charges 2 gwei per gas of B's, ether for ether: the quote, then a send pays it.
    configure(
        &anvil_a,
        &admin_a,
        d.bridge_a,
        vec![
            Bridge::setFeeConfigCall::new((
                DOMAIN_B,
                2 * E18,
                E18,
                0u128,
                65_000u64,
                21_000u64,
                110_000u64,
                16u32,
            ))
            .abi_encode(),
        ],
    )
    .await;
    let fee = (65_000 + 21_000 + 110_000 + 97 * 16) * 2_000_000_000u128;
    let (ok, out, err) = run(quote(&["--token", "native", "--amount", "1"]), false).await;
    assert!(ok, "{err}");
    assert_eq!(out["fee"]["amount"], fee.to_string(), "{out}");
    assert_eq!(out["fee"]["unit"], "wei");
    let (ok, out, err) = run(
        quote(&["--payload", "0x68656c6c6f", "--gas-limit", "50000"]),
        false,
    )
    .await;
    assert!(ok, "{err}");
    let message_fee = (65_000 + 21_000 + 50_000 + (9 + 5) * 16) * 2_000_000_000u128;
    assert_eq!(out["fee"]["amount"], message_fee.to_string(), "{out}");
    let fees_held = || async {
        let out = chain_a
            .call(d.bridge_a, &Bridge::feesHeldCall {}.abi_encode())
            .await
            .unwrap();
        U256::from_be_slice(&out)
    };
    let (ok, out, err) = run(
        common(&["--token", "native", "--amount", "0.5", "--wait"]),
        true,
    )
    .await;
    assert!(ok, "{err}");
    assert_eq!(out["fee"]["amount"], fee.to_string(), "{out}");
    assert_eq!(out["status"]["stage"], "delivered", "{out}");
    assert_eq!(fees_held().await, U256::from(fee));
    // A top-up of a sent message, by anyone.
    let paid_id = out["id"].as_str().unwrap().to_owned();
    let (ok, out, err) = run(
        args(&[
            "pay", &paid_id, "--config", &file, "--from", "a", "--to", "b", "--amount", "0.001",
            "--index", USER_INDEX,
        ]),
        true,
    )
    .await;
    assert!(ok, "{err}");
    assert_eq!(out["amount"], (E18 / 1_000).to_string(), "{out}");
    assert_eq!(fees_held().await, U256::from(fee + E18 / 1_000));
    let (ok, _, err) = run(
        args(&[
            "pay", &paid_id, "--config", &file, "--from", "a", "--to", "b", "--amount", "0",
            "--index", USER_INDEX,
        ]),
        true,
    )
    .await;
    assert!(!ok);
    assert!(err.contains("must not be zero"), "{err}");
    // In text, before it signs: the fee in ether and wei, and when it arrives.
    let text_err = {
        let file = file.clone();
        tokio::task::spawn_blocking(move || {
            let out = trestle()
                .env("TRESTLE_MNEMONIC", MNEMONIC)
                .args([
                    "bridge", "send", "--config", &file, "--from", "a", "--to", "b",
                ])
                .args([
                    "--token", "native", "--amount", "0.1", "--index", USER_INDEX,
                ])
                .args(["--recipient", "0x4242424242424242424242424242424242424242"])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stderr).unwrap()
        })
        .await
        .unwrap()
    };
    assert!(
        text_err.contains(&format!(
            "fee: 0.000395104 ({fee} wei) to the bridge on a, for the delivery on b"
        )),
        "{text_err}"
    );
    assert!(
        text_err.contains("arrival: arrives once delivered"),
        "{text_err}"
    );
    // What was paid goes to the beneficiary governance sets, by anyone's call, and never
    // the ether locked for transfers.
    let treasury = Address::from([0x7e; 20]);
    configure(
        &anvil_a,
        &admin_a,
        d.bridge_a,
        vec![Bridge::setFeeRolesCall::new((Address::ZERO, treasury)).abi_encode()],
    )
    .await;
    let held = fees_held().await;
    assert_eq!(held, U256::from(2 * fee + E18 / 1_000));
    let bridge_a_account = UniversalAddress::from_evm(d.bridge_a.0);
    let locked = chain_a.native_balance(&bridge_a_account).await.unwrap() - held;
    let anyone = EvmSender::new(chain_a.clone(), signer(9));
    send(
        &anyone,
        TxRequest::call(d.bridge_a, Bridge::withdrawFeesCall {}.abi_encode()),
    )
    .await;
    let treasury_account = UniversalAddress::from_evm(treasury.0.0);
    assert_eq!(
        chain_a.native_balance(&treasury_account).await.unwrap(),
        held
    );
    assert_eq!(fees_held().await, U256::ZERO);
    assert_eq!(
        chain_a.native_balance(&bridge_a_account).await.unwrap(),
        locked
    );

    relayer.shutdown().await;
    for v in validators {
        v.shutdown().await;
    }
}

/// The bridge's contract errors reach the user in words, never as a hex selector: B's route
/// for A's ether is disabled, so the relayer's delivery reverts with `RouteDisabled`, which
/// its status API and plain `trestle bridge status` show with the error's arguments; then A's
/// guardian pauses A and `trestle bridge send` says the bridge is paused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_errors_are_shown_in_words() {
    use trestle_relayer_harness::daemons::{messages, start_relayer};
    use trestle_relayer_harness::net::{Net, relayer_config};

    let net = Net::start(u128::MAX).await;
    net.admin_b(vec![
        Bridge::setRouteCall::new((net.d.token, DOMAIN_A, 0u8, 0u128)).abi_encode(),
    ])
    .await;
    let (validators, _dirs) =
        start_validators(&net.keys, || net.chains(), &net.placeholders()).await;
    let endpoints = live_endpoints(&net.placeholders(), &validators);
    let relayer_dir = tempfile::tempdir().unwrap();
    let relayer = start_relayer(relayer_config(&net, relayer_dir.path(), endpoints.clone())).await;
    let api = format!("http://{}", relayer.api_addr());
    let dir = tempfile::tempdir().unwrap();
    let validator_urls: Vec<String> = endpoints.iter().map(|e| e.url.clone()).collect();
    let file = chains_file(
        dir.path(),
        &net.anvil_a,
        &net.anvil_b,
        (net.d.bridge_a, net.d.bridge_b),
        &validator_urls,
    );

    // The relayer's failed attempts: in words in its store and its status API.
    net.send(E18 / 10, Address::from([0x42; 20])).await;
    let store = relayer.store().clone();
    let record = wait_until_some("a failed delivery attempt", || async {
        messages(&store)
            .await
            .into_iter()
            .find(|m| m.last_error.is_some())
    })
    .await;
    let id = format!("0x{}", hex::encode(record.id));
    let words = format!(
        "RouteDisabled: the token's route with this domain is disabled (tokenId {}, domain {DOMAIN_A})",
        net.d.token
    );
    let last_error = record.last_error.unwrap();
    assert!(last_error.contains(&words), "{last_error}");
    assert!(!last_error.contains("custom error"), "{last_error}");
    let (_, body) = http_get(&format!("{api}/v1/messages/{id}")).await;
    let json: Value = serde_json::from_str(&body).unwrap();
    let served = json["last_error"].as_str().unwrap();
    assert!(served.contains(&words), "{body}");
    assert!(
        !served.contains("custom error") && !served.contains("revert data"),
        "{served}"
    );

    // Plain `bridge status` shows the stage and, on its own line, the last error.
    let text = {
        let (file, id, api) = (file.clone(), id.clone(), api.clone());
        tokio::task::spawn_blocking(move || {
            let out = trestle()
                .args(["bridge", "status", &id, "--config", &file, "--api", &api])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stdout).unwrap()
        })
        .await
        .unwrap()
    };
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with(&id), "{text}");
    let line = lines.next().unwrap_or_default();
    assert!(
        line.starts_with("last error: ") && line.contains(&words),
        "{text}"
    );

    // A paused origin (B's route open again, which `send` checks first): `bridge send` is
    // refused with the words, in JSON and in text.
    net.admin_b(vec![
        Bridge::setRouteCall::new((net.d.token, DOMAIN_A, 0u8, u128::MAX)).abi_encode(),
    ])
    .await;
    let guardian_a = EvmSender::new(net.user_chain(), signer(1));
    send(
        &guardian_a,
        TxRequest::call(net.d.bridge_a, Bridge::pauseCall {}.abi_encode()),
    )
    .await;
    let send_args = args(&[
        "send",
        "--config",
        &file,
        "--from",
        "a",
        "--to",
        "b",
        "--token",
        "native",
        "--amount",
        "0.1",
        "--recipient",
        "0x4242424242424242424242424242424242424242",
        "--index",
        USER_INDEX,
    ]);
    let (ok, _, err) = run(send_args.clone(), true).await;
    assert!(!ok);
    assert!(err.contains("Paused: the bridge is paused"), "{err}");
    assert!(!err.contains("0x9e87fac8"), "{err}");
    let err = tokio::task::spawn_blocking(move || {
        let out = trestle()
            .env("TRESTLE_MNEMONIC", MNEMONIC)
            .arg("bridge")
            .args(&send_args)
            .output()
            .unwrap();
        assert!(!out.status.success());
        String::from_utf8(out.stderr).unwrap()
    })
    .await
    .unwrap();
    assert!(
        err.contains("error: sending from a: ")
            && err.contains("execution reverted: Paused: the bridge is paused"),
        "{err}"
    );
    assert!(!err.contains("custom error"), "{err}");

    relayer.shutdown().await;
    for v in validators {
        v.shutdown().await;
    }
}

/// Polls `f` until it gives a value, for at most a minute.
async fn wait_until_some<T, F, Fut>(what: &str, f: F) -> T
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
