//! The committed test-token bytecode is what the committed source compiles to.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::json;

use crate::common::TEST_TOKEN_BIN;

fn solc() -> PathBuf {
    let cache = std::env::var_os("TRESTLE_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache/trestle"));
    let path = cache.join("bin/solc");
    assert!(
        path.exists(),
        "{} is missing: run scripts/setup.sh",
        path.display()
    );
    path
}

#[test]
fn test_token_artifact_matches_source() {
    let source = include_str!("../fixtures/TestToken.sol");
    let input = json!({
        "language": "Solidity",
        "sources": { "TestToken.sol": { "content": source } },
        "settings": {
            "optimizer": { "enabled": true, "runs": 200 },
            "outputSelection": { "*": { "*": ["evm.bytecode.object"] } }
        }
    });
    let mut child = Command::new(solc())
        .arg("--standard-json")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.to_string().as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let output: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors: Vec<_> = output["errors"]
        .as_array()
        .map(|a| a.iter().filter(|e| e["severity"] == "error").collect())
        .unwrap_or_default();
    assert!(errors.is_empty(), "{errors:?}");
    let compiled = output["contracts"]["TestToken.sol"]["TestToken"]["evm"]["bytecode"]["object"]
        .as_str()
        .unwrap();
    assert_eq!(
        compiled,
        TEST_TOKEN_BIN.trim(),
        "tests/fixtures/TestToken.bin is stale: regenerate it from TestToken.sol (see tests/fixtures/README.md)"
    );
}
