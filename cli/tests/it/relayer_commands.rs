//! `trestle relayer check-config` and `trestle relayer messages ...` through the real binary.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;
use trestle_bridge::Message;
use trestle_core::chain::UniversalAddress;
use trestle_relayer::store::{MessageState, NewMessage, Store};

fn config_text(store_url: &str) -> String {
    format!(
        r#"
[store]
url = "{store_url}"

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
threshold = 2
validators = [
  {{ address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", url = "http://127.0.0.1:7001" }},
  {{ address = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", url = "http://127.0.0.1:7002" }},
  {{ address = "0x90F79bf6EB2c4f870365E785982E1f101E93b906", url = "http://127.0.0.1:7003" }},
]

[relayer]
keystore = "relayer.json"
"#
    )
}

/// Writes the config and, beside it, the relayer keystore it names (account 2 of anvil).
fn write(dir: &Path, text: &str) -> std::path::PathBuf {
    let key: [u8; 32] =
        hex::decode("5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a")
            .unwrap()
            .try_into()
            .unwrap();
    let json = trestle_core::wallet::keystore::encrypt(
        &key,
        b"pw",
        trestle_core::wallet::keystore::KdfParams::scrypt_light(),
    )
    .unwrap();
    std::fs::write(dir.join("relayer.json"), json).unwrap();
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
fn check_config_accepts_a_valid_file_and_summarises_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), &config_text("sqlite://x.db"));
    let out = trestle()
        .args(["relayer", "check-config", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(": ok"), "{text}");
    assert!(text.contains("roles: relayer"), "{text}");
    assert!(text.contains("a -> b (2-of-3, epoch 1)"), "{text}");
    assert!(
        text.contains("relayer key: 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"),
        "{text}"
    );

    let out = trestle()
        .args(["--json", "relayer", "check-config", "-c"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["roles"]["relayer"], true);
    assert_eq!(v["roles"]["validator"], false);
    assert_eq!(v["chains"][1]["domain"], 2);
    assert_eq!(
        v["keys"]["relayer"],
        "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
    );

    // A missing or malformed keystore is named by its key.
    std::fs::write(dir.path().join("relayer.json"), "{}").unwrap();
    let out = trestle()
        .args(["relayer", "check-config", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("relayer.keystore"), "{err}");
    std::fs::remove_file(dir.path().join("relayer.json")).unwrap();
    let out = trestle()
        .args(["relayer", "check-config", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("relayer.keystore"));
}

#[test]
fn check_config_names_the_bad_key_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            config_text("sqlite://x.db").replace("domain = 2", "domain = 1"),
            "chains[1].domain",
        ),
        (
            config_text("sqlite://x.db").replace("threshold = 2", "threshold = 1"),
            "routes[0].threshold",
        ),
        (
            config_text("sqlite://x.db").replace("epoch = 1", "epoch = 1\nquorum = 3"),
            "unknown field `quorum`",
        ),
        (
            config_text("sqlite://x.db").replace("[relayer]", "[relayers]"),
            "unknown field `relayers`",
        ),
    ];
    for (text, expected) in cases {
        let path = write(dir.path(), &text);
        let out = trestle()
            .args(["relayer", "check-config", "--config"])
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(expected), "{expected}: {err}");
    }
    let out = trestle()
        .args([
            "relayer",
            "check-config",
            "--config",
            "/nonexistent/trestle.toml",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read config file"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_list_retry_and_skip() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("store.db").display());
    let path = write(dir.path(), &config_text(&url));
    let store = Store::connect(&url, 2).await.unwrap();
    let msgs: Vec<NewMessage> = (0..3u64)
        .map(|n| NewMessage {
            message: Message::new(
                n,
                1,
                UniversalAddress([u8::try_from(n).unwrap() + 1; 32]),
                2,
                UniversalAddress([0xbb; 32]),
                vec![0, 42],
            )
            .unwrap(),
            origin_height: 3,
            origin_block_hash: [3; 32],
            origin_tx: vec![1; 32],
        })
        .collect();
    store.record_indexed("a", 3, [3; 32], &msgs).await.unwrap();
    let id = format!("0x{}", hex::encode(msgs[1].message.id()));

    let run = |args: &[&str]| {
        let out = trestle()
            .arg("--json")
            .args(["relayer", "messages"])
            .args(args)
            .arg("--config")
            .arg(&path)
            .output()
            .unwrap();
        (
            out.status.code(),
            serde_json::from_slice::<Value>(&out.stdout).unwrap_or(Value::Null),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, v, err) = run(&["list"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(v["messages"].as_array().unwrap().len(), 3);

    let (code, v, _) = run(&["skip", &id]);
    assert_eq!(code, Some(0));
    assert_eq!(v["message"]["state"], "skipped");
    assert_eq!(v["message"]["id"], id.as_str());

    let (_, v, _) = run(&["list", "--state", "skipped"]);
    assert_eq!(v["messages"].as_array().unwrap().len(), 1);
    let sender = format!("0x{}", hex::encode([1u8; 32]));
    let (_, v, _) = run(&["list", "--sender", &sender]);
    assert_eq!(v["messages"][0]["nonce"], 0);

    let (code, v, _) = run(&["retry", &id]);
    assert_eq!(code, Some(0));
    assert_eq!(v["message"]["state"], "pending");
    assert_eq!(
        store
            .message(&msgs[1].message.id())
            .await
            .unwrap()
            .unwrap()
            .state,
        MessageState::Pending
    );

    // In bulk: every skipped message (two), then a state retry refuses, then neither an id,
    // a state nor --all.
    for m in [&msgs[0], &msgs[2]] {
        store.skip(&m.message.id()).await.unwrap();
    }
    let (code, v, err) = run(&["retry", "--state", "skipped"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(v["retried"], 2);
    let (_, v, _) = run(&["list", "--state", "pending"]);
    assert_eq!(v["messages"].as_array().unwrap().len(), 3);
    let (code, _, err) = run(&["retry", "--state", "delivered"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("cannot be retried"), "{err}");
    let (code, v, err) = run(&["retry", "--all", "--destination", "2"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(v["retried"], 3);
    let (code, _, err) = run(&["retry"]);
    assert_eq!(code, Some(2), "{err}");

    let (code, _, err) = run(&["retry", "0x1234"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("not 32 bytes"), "{err}");
    let (code, _, err) = run(&["list", "--state", "lost"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("unknown message state"), "{err}");
}
