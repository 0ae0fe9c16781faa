//! The `sol!` bindings agree with the protocol crate: every error code the vectors use is a
//! Solidity custom error of the same (CamelCase) name, and calls and events have the expected
//! selectors.

use alloy_sol_types::{SolCall, SolError, SolEvent, SolInterface};
use trestle_bridge::evm_bindings::{Bridge, BridgedToken};
use trestle_core::evm::keccak256;

const VECTORS: &str = include_str!("../../vectors/v2.json");

fn camel(code: &str) -> String {
    code.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

#[test]
fn every_vector_error_code_is_a_bridge_error() {
    let v: serde_json::Value = serde_json::from_str(VECTORS).unwrap();
    let mut codes = vec![];
    for s in v["signature_sets"].as_array().unwrap() {
        codes.push(s["onchain_expected"].as_str().unwrap().to_owned());
    }
    for s in v["invalid_messages"].as_array().unwrap() {
        codes.push(s["error"].as_str().unwrap().to_owned());
    }
    for s in v["validator_sets"].as_array().unwrap() {
        for k in ["error", "config_error"] {
            if let Some(c) = s[k].as_str() {
                codes.push(c.to_owned());
            }
        }
    }
    let abi: serde_json::Value =
        serde_json::from_str(include_str!("../../../contracts/evm/abi/Bridge.json")).unwrap();
    let names: Vec<&str> = abi["abi"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "error")
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    codes.retain(|c| c != "ok");
    assert!(codes.len() > 20);
    for code in codes {
        assert!(
            names.contains(&camel(&code).as_str()),
            "{code} has no Bridge error"
        );
    }
}

#[test]
fn reverts_decode_into_typed_errors() {
    let err = Bridge::NotMember {
        index: alloy_sol_types::private::U256::from(2u8),
        signer: alloy_sol_types::private::Address::repeat_byte(7),
    };
    let data = err.abi_encode();
    assert_eq!(
        &data[..4],
        &keccak256("NotMember(uint256,address)")[..4],
        "selector"
    );
    match Bridge::BridgeErrors::abi_decode(&data).unwrap() {
        Bridge::BridgeErrors::NotMember(e) => assert_eq!(e, err),
        other => panic!("decoded as {other:?}"),
    }
}

#[test]
fn calls_and_events_have_the_expected_signatures() {
    assert_eq!(
        Bridge::deliverCall::SELECTOR.as_slice(),
        &keccak256("deliver(bytes,bytes)")[..4]
    );
    assert_eq!(
        Bridge::deliverBatchCall::SELECTOR.as_slice(),
        &keccak256("deliverBatch(bytes[],bytes[])")[..4]
    );
    assert_eq!(
        Bridge::sendTokenCall::SELECTOR.as_slice(),
        &keccak256("sendToken(uint32,bytes32,uint256,bytes32)")[..4]
    );
    assert_eq!(
        Bridge::MessageSent::SIGNATURE_HASH.0,
        keccak256("MessageSent(bytes32,uint32,uint64,bytes)")
    );
    let v: serde_json::Value = serde_json::from_str(VECTORS).unwrap();
    let msg = hex::decode(
        v["messages"][0]["encoded"]
            .as_str()
            .unwrap()
            .trim_start_matches("0x"),
    )
    .unwrap();
    let call = Bridge::deliverCall {
        message: msg.clone().into(),
        signatures: vec![0u8; 65].into(),
    };
    let decoded = Bridge::deliverCall::abi_decode(&call.abi_encode()).unwrap();
    assert_eq!(decoded.message.as_ref(), msg.as_slice());
}

#[test]
fn bytecode_is_present_and_deployable() {
    assert!(Bridge::BYTECODE.len() > 1000);
    assert!(BridgedToken::BYTECODE.len() > 100);
    // EIP-170: runtime code above 24,576 bytes cannot be deployed.
    assert!(
        Bridge::DEPLOYED_BYTECODE.len() <= 24_576,
        "{}",
        Bridge::DEPLOYED_BYTECODE.len()
    );
}
