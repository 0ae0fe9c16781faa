use serde_json::json;

use super::*;
use crate::evm::signer::{EvmSigner, recover_typed_data};

fn mail() -> Value {
    json!({
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"}
            ],
            "Person": [
                {"name": "name", "type": "string"},
                {"name": "wallet", "type": "address"}
            ],
            "Mail": [
                {"name": "from", "type": "Person"},
                {"name": "to", "type": "Person"},
                {"name": "contents", "type": "string"}
            ]
        },
        "primaryType": "Mail",
        "domain": {
            "name": "Ether Mail",
            "version": "1",
            "chainId": 1,
            "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"
        },
        "message": {
            "from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
            "to": {"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
            "contents": "Hello, Bob!"
        }
    })
}

/// eth-sig-util's `signTypedData` V4 test document (arrays of addresses and of structs).
fn v4_arrays() -> Value {
    json!({
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"}
            ],
            "Person": [
                {"name": "name", "type": "string"},
                {"name": "wallets", "type": "address[]"}
            ],
            "Mail": [
                {"name": "from", "type": "Person"},
                {"name": "to", "type": "Person[]"},
                {"name": "contents", "type": "string"}
            ],
            "Group": [
                {"name": "name", "type": "string"},
                {"name": "members", "type": "Person[]"}
            ]
        },
        "domain": {
            "name": "Ether Mail",
            "version": "1",
            "chainId": 1,
            "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"
        },
        "primaryType": "Mail",
        "message": {
            "from": {
                "name": "Cow",
                "wallets": [
                    "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826",
                    "0xDeaDbeefdEAdbeefdEadbEEFdeadbeEFdEaDbeeF"
                ]
            },
            "to": [{
                "name": "Bob",
                "wallets": [
                    "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB",
                    "0xB0BdaBea57B0BDABeA57b0bdABEA57b0BDabEa57",
                    "0xB0B0b0b0b0b0B000000000000000000000000000"
                ]
            }],
            "contents": "Hello, Bob!"
        }
    })
}

fn cow() -> EvmSigner {
    EvmSigner::from_private_key(&keccak256(b"cow")).unwrap()
}

fn h(x: [u8; 32]) -> String {
    format!("0x{}", hex::encode(x))
}

#[test]
fn eip712_mail_example() {
    let data = TypedData::from_value(&mail()).unwrap();
    assert_eq!(
        data.encode_type("Mail").unwrap(),
        "Mail(Person from,Person to,string contents)Person(string name,address wallet)"
    );
    assert_eq!(
        h(data.type_hash("Mail").unwrap()),
        "0xa0cedeb2dc280ba39b857546d74f5549c3a1d7bdc2dd96bf881f76108e23dac2"
    );
    assert_eq!(
        h(data.domain_separator()),
        "0xf2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f"
    );
    assert_eq!(
        h(data.message_hash().unwrap()),
        "0xc52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e"
    );
    assert_eq!(
        h(data.struct_hash("Mail", data.message()).unwrap()),
        "0xc52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e"
    );
    assert_eq!(
        h(data.signing_hash()),
        "0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2"
    );
    let signer = cow();
    assert_eq!(
        signer.address().to_checksum(),
        "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"
    );
    let sig = signer.sign_typed_data(&data).unwrap();
    assert_eq!(
        sig.to_hex(),
        "0x4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b915621c"
    );
    assert_eq!(recover_typed_data(&data, &sig).unwrap(), signer.address());
}

#[test]
fn eth_sig_util_v4_arrays_example() {
    let data = TypedData::from_value(&v4_arrays()).unwrap();
    assert_eq!(
        data.encode_type("Group").unwrap(),
        "Group(string name,Person[] members)Person(string name,address[] wallets)"
    );
    assert_eq!(
        data.encode_type("Mail").unwrap(),
        "Mail(Person from,Person[] to,string contents)Person(string name,address[] wallets)"
    );
    assert_eq!(
        h(data.type_hash("Person").unwrap()),
        "0xfabfe1ed996349fc6027709802be19d047da1aa5d6894ff5f6486d92db2e6860"
    );
    assert_eq!(
        h(data.struct_hash("Person", &data.message()["from"]).unwrap()),
        "0x9b4846dd48b866f0ac54d61b9b21a9e746f921cefa4ee94c4c0a1c49c774f67f"
    );
    assert_eq!(
        h(data
            .struct_hash("Person", &data.message()["to"][0])
            .unwrap()),
        "0xefa62530c7ae3a290f8a13a5fc20450bdb3a6af19d9d9d2542b5a94e631a9168"
    );
    assert_eq!(
        h(data.type_hash("Mail").unwrap()),
        "0x4bd8a9a2b93427bb184aca81e24beb30ffa3c747e2a33d4225ec08bf12e2e753"
    );
    assert_eq!(
        h(data.message_hash().unwrap()),
        "0xeb4221181ff3f1a83ea7313993ca9218496e424604ba9492bb4052c03d5c3df8"
    );
    assert_eq!(
        h(data.signing_hash()),
        "0xa85c2e2b118698e88db68a8105b794a8cc7cec074e89ef991cb4f5f533819cc2"
    );
    let sig = cow().sign_typed_data(&data).unwrap();
    assert_eq!(
        sig.to_hex(),
        "0x65cbd956f2fae28a601bebc9b906cea0191744bd4c4247bcd27cd08f8eb6b71c78efdf7a31dc9abee78f492292721f362d296cf86b4538e07b51303b67f749061b"
    );
}

#[test]
fn v4_null_struct_is_zero_and_domain_only() {
    let mut doc = mail();
    doc["message"]["to"] = Value::Null;
    let with_null = TypedData::from_value(&doc).unwrap();
    doc["message"].as_object_mut().unwrap().remove("to");
    let missing = TypedData::from_value(&doc).unwrap();
    assert_eq!(with_null.signing_hash(), missing.signing_hash());
    let from = with_null
        .struct_hash("Person", &doc["message"]["from"])
        .unwrap();
    let mut enc = Vec::new();
    enc.extend_from_slice(&with_null.type_hash("Mail").unwrap());
    enc.extend_from_slice(&from);
    enc.extend_from_slice(&[0u8; 32]);
    enc.extend_from_slice(&keccak256(b"Hello, Bob!"));
    assert_eq!(with_null.message_hash().unwrap(), keccak256(&enc));

    // primaryType EIP712Domain: keccak(0x1901 || domainSeparator).
    let mut doc = mail();
    doc["primaryType"] = json!("EIP712Domain");
    let d = TypedData::from_value(&doc).unwrap();
    let mut pre = vec![0x19, 0x01];
    pre.extend_from_slice(&d.domain_separator());
    assert_eq!(d.signing_hash(), keccak256(&pre));

    // No EIP712Domain in types: an empty struct.
    let mut doc = mail();
    doc["types"].as_object_mut().unwrap().remove("EIP712Domain");
    let d = TypedData::from_value(&doc).unwrap();
    assert_eq!(
        d.domain_separator(),
        keccak256(keccak256(b"EIP712Domain()"))
    );
}

fn error_of(doc: &Value) -> String {
    TypedData::from_value(doc).unwrap_err().to_string()
}

#[test]
fn rejects_bad_documents_with_paths() {
    let mut doc = v4_arrays();
    doc["message"]["from"]["wallets"][1] = json!("0x1234");
    let e = error_of(&doc);
    assert!(e.contains("message.from.wallets[1]"), "{e}");

    let mut doc = mail();
    doc["message"]["from"]
        .as_object_mut()
        .unwrap()
        .remove("wallet");
    let e = error_of(&doc);
    assert!(
        e.contains("message.from.wallet") && e.contains("missing"),
        "{e}"
    );

    let mut doc = mail();
    doc["types"]["Person"][1]["type"] = json!("adress");
    let e = error_of(&doc);
    assert!(e.contains("unknown type") && e.contains("adress"), "{e}");

    let mut doc = mail();
    doc["types"]["Person"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "friend", "type": "Mail[]"}));
    let e = error_of(&doc);
    assert!(e.contains("cyclic"), "{e}");

    let mut doc = mail();
    doc["types"]["Person"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "me", "type": "Person"}));
    assert!(error_of(&doc).contains("cyclic"));

    let mut doc = mail();
    doc["types"]["Person"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "name", "type": "uint8"}));
    assert!(error_of(&doc).contains("duplicate field name name"));

    let mut doc = mail();
    doc["types"]["Person"][0]["name"] = json!("na,me");
    assert!(error_of(&doc).contains("not an identifier"));

    let mut doc = mail();
    doc["primaryType"] = json!("Nope");
    assert!(error_of(&doc).contains("primaryType"));

    let mut doc = mail();
    doc["message"] = json!(null);
    assert!(error_of(&doc).contains("message"));

    assert!(TypedData::from_json("{").is_err());
    assert!(TypedData::from_json(&format!("{}{}", "[".repeat(5000), "]".repeat(5000))).is_err());
}

fn one_field(ty: &str, value: Value) -> Result<TypedData> {
    TypedData::from_value(&json!({
        "types": {"T": [{"name": "x", "type": ty}]},
        "primaryType": "T",
        "domain": {},
        "message": {"x": value}
    }))
}

fn word_of(ty: &str, value: Value) -> [u8; 32] {
    let d = one_field(ty, value).unwrap();
    let field = &d.types["T"][0];
    d.encode_value(&field.ty, d.message().get("x"), "message.x", 0)
        .unwrap()
}

#[test]
fn atomic_values_and_ranges() {
    let mut minus_one = [0xffu8; 32];
    assert_eq!(word_of("int8", json!(-1)), minus_one);
    assert_eq!(word_of("int256", json!("-1")), minus_one);
    minus_one[31] = 0x80;
    assert_eq!(word_of("int8", json!(-128)), minus_one);
    assert!(one_field("int8", json!(128)).is_err());
    assert!(one_field("int8", json!(-129)).is_err());
    assert!(
        one_field("uint8", json!(256))
            .unwrap_err()
            .to_string()
            .contains("message.x")
    );
    assert!(one_field("uint8", json!(-1)).is_err());
    assert!(one_field("uint256", json!("-5")).is_err());
    let mut w = [0u8; 32];
    w[31] = 255;
    assert_eq!(word_of("uint8", json!("0xff")), w);
    assert_eq!(word_of("uint8", json!("255")), w);
    assert_eq!(word_of("uint8", json!(255)), w);
    assert!(one_field("uint256", json!(1.5)).is_err());
    assert!(one_field("uint256", json!(format!("0x1{}", "0".repeat(64)))).is_err());

    let mut b4 = [0u8; 32];
    b4[..4].copy_from_slice(&[1, 2, 3, 4]);
    assert_eq!(word_of("bytes4", json!("0x01020304")), b4);
    assert!(one_field("bytes4", json!("0x0102030405")).is_err());
    assert!(one_field("bytes4", json!("0xzz")).is_err());
    assert!(one_field("bytes33", json!("0x01")).is_err());
    assert!(one_field("uint7", json!(1)).is_err());
    assert!(one_field("uint", json!(1)).is_err());

    assert_eq!(
        word_of("bytes", json!("0xdeadbeef")),
        keccak256([0xde, 0xad, 0xbe, 0xef])
    );
    assert_eq!(word_of("string", json!("hi")), keccak256(b"hi"));
    assert_eq!(word_of("string", Value::Null), keccak256(b""));
    assert!(one_field("string", json!({})).is_err());
    let mut t = [0u8; 32];
    t[31] = 1;
    assert_eq!(word_of("bool", json!(true)), t);
    assert!(one_field("bool", json!("false")).is_err());
    assert!(one_field("address", json!("0x12")).is_err());
    assert!(one_field("address", json!(5)).is_err());
    assert!(one_field("uint256", Value::Null).is_err());

    // Fixed and nested arrays.
    assert!(one_field("uint8[2]", json!([1, 2])).is_ok());
    assert!(one_field("uint8[2]", json!([1])).is_err());
    assert!(one_field("uint8[0]", json!([])).is_err());
    let nested = word_of("uint8[][2]", json!([[1], []]));
    let mut one = [0u8; 32];
    one[31] = 1;
    let mut inner = Vec::new();
    inner.extend_from_slice(&keccak256(one));
    inner.extend_from_slice(&keccak256([]));
    assert_eq!(nested, keccak256(inner));
    assert!(one_field("uint8[]", json!("0x01")).is_err());
}

#[test]
fn resource_limits() {
    let big: Vec<Value> = (0..20_000)
        .map(|i| json!({"name": format!("field{i}"), "type": "uint256"}))
        .collect();
    let doc = json!({
        "types": {"Big": big, "T": [{"name": "b", "type": "Big"}]},
        "primaryType": "T",
        "domain": {},
        "message": {}
    });
    let e = error_of(&doc);
    assert!(e.contains("encodeType"), "{e}");

    let mut types = serde_json::Map::new();
    for i in 0..300 {
        types.insert(format!("T{i}"), json!([]));
    }
    let doc = json!({"types": types, "primaryType": "T0", "domain": {}, "message": {}});
    assert!(error_of(&doc).contains("at most 256"));

    // A long chain of struct types with deeply nested values is refused, not a stack overflow.
    let mut types = serde_json::Map::new();
    for i in 0..200 {
        types.insert(
            format!("T{i}"),
            json!([{"name": "n", "type": format!("T{}", i + 1)}]),
        );
    }
    types.insert("T200".into(), json!([{"name": "x", "type": "uint8"}]));
    let mut message = json!({"x": 1});
    for _ in 0..200 {
        message = json!({ "n": message });
    }
    let doc = json!({"types": types, "primaryType": "T0", "domain": {}, "message": message});
    let e = error_of(&doc);
    assert!(e.contains("nested deeper"), "{e}");
}

#[test]
fn deserializes_from_object_or_string() {
    let direct: TypedData = serde_json::from_value(mail()).unwrap();
    let as_string: TypedData = serde_json::from_value(Value::String(mail().to_string())).unwrap();
    assert_eq!(direct, as_string);
    assert_eq!(
        direct.signing_hash(),
        TypedData::from_value(&mail()).unwrap().signing_hash()
    );
    assert!(serde_json::from_value::<TypedData>(json!(5)).is_err());
}

/// JSON numbers above 2^53 - 1 mean a different (rounded) number to MetaMask and to the dapp
/// that wrote them: refuse them instead of signing a value the user never saw.
#[test]
fn unsafe_json_integers_are_refused() {
    let doc = |v: &str| {
        format!(
            r#"{{"types":{{"EIP712Domain":[],"M":[{{"name":"v","type":"uint256"}}]}},"primaryType":"M","domain":{{}},"message":{{"v":{v}}}}}"#
        )
    };
    assert!(TypedData::from_json(&doc("9007199254740991")).is_ok());
    assert!(TypedData::from_json(&doc("\"9007199254740993\"")).is_ok());
    for v in ["9007199254740993", "18446744073709551615", "1e300"] {
        let e = TypedData::from_json(&doc(v)).unwrap_err().to_string();
        assert!(e.contains("message.v") && e.contains("2^53"), "{v}: {e}");
    }
}
