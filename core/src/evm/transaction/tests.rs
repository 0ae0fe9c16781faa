use serde_json::{Value, json};

use super::*;
use crate::error::Error;
use crate::evm::signer::EvmSigner;

fn eip155_tx() -> TypedTransaction {
    TypedTransaction::Legacy(LegacyTransaction {
        chain_id: 1,
        nonce: 9,
        gas_price: U256::from(20_000_000_000u64),
        gas_limit: 21000,
        to: Some(
            "0x3535353535353535353535353535353535353535"
                .parse()
                .unwrap(),
        ),
        value: U256::from(1_000_000_000_000_000_000u64),
        data: vec![],
    })
}

#[test]
fn eip155_spec_example() {
    let tx = eip155_tx();
    assert_eq!(
        hex::encode(tx.signing_payload()),
        "ec098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a764000080018080"
    );
    assert_eq!(
        hex::encode(tx.signing_hash()),
        "daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53"
    );
    let signer = EvmSigner::from_private_key(&[0x46; 32]).unwrap();
    let signed = signer.sign_transaction(&tx).unwrap();
    assert_eq!(
        signed.raw_hex(),
        "0xf86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025\
         a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb70\
         3304b3800ccf555c9f3dc64214b297fb1966a3b6d83"
    );
    assert_eq!(
        U256::from_be_bytes(signed.signature.r).to_string(),
        "18515461264373351373200002665853028612451056578545711640558177340181847433846"
    );
    assert_eq!(
        U256::from_be_bytes(signed.signature.s).to_string(),
        "46948507304638947509940763649030358759909902576025900602547168820602576006531"
    );
    assert_eq!(signed.hash, keccak256(&signed.raw));
    let (decoded, sig, from) = decode_signed(&signed.raw).unwrap();
    assert_eq!(decoded, tx);
    assert_eq!(sig, signed.signature);
    assert_eq!(from, signer.address());
}

#[test]
fn request_to_eip155_tx() {
    let req = TransactionRequest::from_json(
        r#"{"nonce":"0x9","gasPrice":"20000000000","gas":21000,
            "to":"0x3535353535353535353535353535353535353535",
            "value":"0xde0b6b3a7640000","chainId":"0x1"}"#,
    )
    .unwrap();
    assert_eq!(req.resolved_type(), 0);
    assert_eq!(req.to_transaction().unwrap(), eip155_tx());
}

fn field_of(err: Error) -> String {
    match err {
        Error::InvalidTransaction { field, .. } => field,
        other => panic!("unexpected error {other}"),
    }
}

#[test]
fn type_inference() {
    let base = json!({"chainId": 1, "nonce": 0, "gas": "0x5208"});
    let with = |extra: Value| {
        let mut v = base.clone();
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        TransactionRequest::from_value(&v)
    };
    let r = with(json!({"maxFeePerGas": "0x10", "maxPriorityFeePerGas": "0x1"})).unwrap();
    assert_eq!(r.resolved_type(), 2);
    assert!(matches!(
        r.to_transaction().unwrap(),
        TypedTransaction::Eip1559(_)
    ));
    let r = with(json!({"gasPrice": "0x10", "accessList": []})).unwrap();
    assert_eq!(r.resolved_type(), 1);
    let r = with(json!({"gasPrice": "0x10"})).unwrap();
    assert_eq!(r.resolved_type(), 0);
    let t = r.to_transaction().unwrap();
    assert_eq!(t.to(), None, "absent to is contract creation");

    let e = with(
        json!({"type": "0x2", "gasPrice": "0x10", "maxFeePerGas": "0x10",
        "maxPriorityFeePerGas": "0x1"}),
    )
    .unwrap()
    .to_transaction()
    .unwrap_err();
    assert_eq!(field_of(e), "gasPrice");
    let e = with(json!({"maxFeePerGas": "0x1", "maxPriorityFeePerGas": "0x2"}))
        .unwrap()
        .to_transaction()
        .unwrap_err();
    assert_eq!(field_of(e), "maxPriorityFeePerGas");
    let e = with(json!({"type": 0, "gasPrice": "0x1", "accessList": []}))
        .unwrap()
        .to_transaction()
        .unwrap_err();
    assert_eq!(field_of(e), "accessList");
    let e = with(json!({"type": 1, "gasPrice": "0x1", "maxFeePerGas": "0x1"}))
        .unwrap()
        .to_transaction()
        .unwrap_err();
    assert_eq!(field_of(e), "maxFeePerGas");
    let e = with(json!({"type": "0x3"})).unwrap_err();
    assert_eq!(field_of(e), "type");
}

#[test]
fn missing_and_malformed_fields() {
    let missing = |json: Value| {
        field_of(
            TransactionRequest::from_value(&json)
                .unwrap()
                .to_transaction()
                .unwrap_err(),
        )
    };
    assert_eq!(
        missing(json!({"nonce": 0, "gas": 1, "gasPrice": 1})),
        "chainId"
    );
    assert_eq!(
        missing(json!({"chainId": 1, "gas": 1, "gasPrice": 1})),
        "nonce"
    );
    assert_eq!(
        missing(json!({"chainId": 1, "nonce": 0, "gasPrice": 1})),
        "gas"
    );
    assert_eq!(
        missing(json!({"chainId": 1, "nonce": 0, "gas": 1})),
        "gasPrice"
    );

    let bad = |json: Value| field_of(TransactionRequest::from_value(&json).unwrap_err());
    assert_eq!(bad(json!({"value": -1})), "value");
    assert_eq!(bad(json!({"value": "-5"})), "value");
    assert_eq!(
        bad(json!({"value": format!("0x1{}", "0".repeat(64))})),
        "value"
    );
    assert_eq!(bad(json!({"nonce": "0x10000000000000000"})), "nonce");
    assert_eq!(bad(json!({"gas": 1, "gasLimit": 2})), "gasLimit");
    assert_eq!(bad(json!({"data": "0x01", "input": "0x02"})), "input");
    assert_eq!(bad(json!({"data": "0x0"})), "data");
    assert_eq!(bad(json!({"to": "0x1234"})), "to");
    assert_eq!(bad(json!({"authorizationList": []})), "authorizationList");
    assert_eq!(
        bad(
            json!({"accessList": [{"address": "0x3535353535353535353535353535353535353535",
            "storageKeys": ["0x01"]}]})
        ),
        "accessList[0].storageKeys[0]"
    );
    let msg = TransactionRequest::from_value(&json!({"value": -1}))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("value") && msg.contains("negative"), "{msg}");
    assert!(TransactionRequest::from_json("[1]").is_err());
    assert!(TransactionRequest::from_json(&"[".repeat(10_000)).is_err());

    // Same data and input, gasLimit alias, null to.
    let r = TransactionRequest::from_value(&json!({"data": "0xab", "input": "0xab",
        "gasLimit": 5, "to": null}))
    .unwrap();
    assert_eq!(r.data, Some(vec![0xab]));
    assert_eq!(r.gas, Some(5));
    assert_eq!(r.to, None);
}

#[test]
fn typed_round_trip_through_decode() {
    let signer = EvmSigner::from_private_key(&[0x11; 32]).unwrap();
    let req = TransactionRequest::from_value(&json!({
        "chainId": "0x89", "nonce": 7, "gas": "0x30000", "maxFeePerGas": "0x3b9aca00",
        "maxPriorityFeePerGas": "0x1", "to": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "value": "0x0", "input": "0xa9059cbb",
        "accessList": [{"address": "0xde709f2102306220921060314715629080e2fb77",
            "storageKeys": [format!("0x{}", "00".repeat(31) + "01")]}],
    }))
    .unwrap();
    let tx = req.to_transaction().unwrap();
    let signed = signer.sign_transaction(&tx).unwrap();
    assert_eq!(signed.raw[0], 2);
    let (back, sig, from) = decode_signed(&signed.raw).unwrap();
    assert_eq!(back, tx);
    assert_eq!(sig, signed.signature);
    assert_eq!(from, signer.address());

    let mut bad = signed.raw.clone();
    bad.push(0);
    assert!(decode_signed(&bad).is_err());
    assert!(decode_signed(&[0x03, 0xc0]).is_err());
    assert!(decode_signed(&[]).is_err());
}

#[test]
fn decode_rejects_pre_eip155() {
    // A legacy transaction with v = 27.
    let tx = eip155_tx();
    let mut fields = tx.unsigned_fields();
    rlp::encode_u64(&mut fields, 27);
    rlp::encode_u64(&mut fields, 1);
    rlp::encode_u64(&mut fields, 1);
    let mut raw = Vec::new();
    rlp::encode_list(&mut raw, &fields);
    let err = decode_signed(&raw).unwrap_err().to_string();
    assert!(err.contains("EIP-155"), "{err}");
}

/// A JSON number above 2^53 - 1 is a different number to a JavaScript caller: refused, with
/// the field named, rather than signed as the digits.
#[test]
fn unsafe_json_quantities_are_refused() {
    let tx = |value: &str| {
        format!(
            r#"{{"chainId":1,"nonce":0,"gas":21000,"gasPrice":1,"to":"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed","value":{value}}}"#
        )
    };
    assert!(
        TransactionRequest::from_json(&tx("9007199254740991"))
            .unwrap()
            .to_transaction()
            .is_ok()
    );
    assert!(
        TransactionRequest::from_json(&tx("\"0x20000000000001\""))
            .unwrap()
            .to_transaction()
            .is_ok()
    );
    let e = TransactionRequest::from_json(&tx("9007199254740993"))
        .and_then(|r| r.to_transaction())
        .unwrap_err()
        .to_string();
    assert!(e.contains("value") && e.contains("2^53"), "{e}");
}
