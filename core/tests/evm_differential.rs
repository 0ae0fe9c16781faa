//! Differential and property tests of `trestle_core::evm` against alloy, an independent
//! implementation (a dev-dependency only: nothing in `trestle-core` itself knows alloy).

// Test helpers outside `#[test]` functions may unwrap and index: a failure is the point.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use alloy_consensus::private::alloy_eips::eip2718::{Decodable2718, Encodable2718};
use alloy_consensus::private::alloy_eips::eip2930 as alloy_2930;
use alloy_consensus::{SignableTransaction, TxEnvelope};
use alloy_primitives::{Address, B256, Bytes, TxKind};
use proptest::prelude::*;
use ruint::aliases::U256;
use serde_json::{Value, json};

use trestle_core::evm::eip191::hash_message;
use trestle_core::evm::signer::{recover_hash, recover_message};
use trestle_core::evm::transaction::{
    AccessListItem, Eip1559Transaction, Eip2930Transaction, LegacyTransaction, decode_signed,
};
use trestle_core::evm::{
    EvmAddress, EvmSigner, Signature, TransactionRequest, TypedData, TypedTransaction,
};

fn a_u256(x: U256) -> alloy_primitives::U256 {
    alloy_primitives::U256::from_be_bytes(x.to_be_bytes::<32>())
}

fn a_addr(a: &EvmAddress) -> Address {
    Address::from(*a.as_bytes())
}

fn a_kind(to: Option<EvmAddress>) -> TxKind {
    to.map_or(TxKind::Create, |a| TxKind::Call(a_addr(&a)))
}

fn a_access_list(list: &[AccessListItem]) -> alloy_2930::AccessList {
    alloy_2930::AccessList(
        list.iter()
            .map(|i| alloy_2930::AccessListItem {
                address: a_addr(&i.address),
                storage_keys: i.storage_keys.iter().map(|k| B256::from(*k)).collect(),
            })
            .collect(),
    )
}

fn u128_of(x: U256) -> u128 {
    u128::try_from(x).unwrap()
}

/// alloy's signing hash and signed 2718 encoding of the same transaction and signature.
fn alloy_encode(tx: &TypedTransaction, sig: &Signature) -> (B256, Vec<u8>) {
    let asig = alloy_primitives::Signature::new(
        alloy_primitives::U256::from_be_bytes(sig.r),
        alloy_primitives::U256::from_be_bytes(sig.s),
        sig.y_parity,
    );
    let envelope: TxEnvelope = match tx {
        TypedTransaction::Legacy(t) => {
            let a = alloy_consensus::TxLegacy {
                chain_id: Some(t.chain_id),
                nonce: t.nonce,
                gas_price: u128_of(t.gas_price),
                gas_limit: t.gas_limit,
                to: a_kind(t.to),
                value: a_u256(t.value),
                input: Bytes::from(t.data.clone()),
            };
            let h = a.signature_hash();
            return (h, TxEnvelope::from(a.into_signed(asig)).encoded_2718());
        }
        TypedTransaction::Eip2930(t) => alloy_consensus::TxEip2930 {
            chain_id: t.chain_id,
            nonce: t.nonce,
            gas_price: u128_of(t.gas_price),
            gas_limit: t.gas_limit,
            to: a_kind(t.to),
            value: a_u256(t.value),
            access_list: a_access_list(&t.access_list),
            input: Bytes::from(t.data.clone()),
        }
        .into_signed(asig)
        .into(),
        TypedTransaction::Eip1559(t) => alloy_consensus::TxEip1559 {
            chain_id: t.chain_id,
            nonce: t.nonce,
            gas_limit: t.gas_limit,
            max_fee_per_gas: u128_of(t.max_fee_per_gas),
            max_priority_fee_per_gas: u128_of(t.max_priority_fee_per_gas),
            to: a_kind(t.to),
            value: a_u256(t.value),
            access_list: a_access_list(&t.access_list),
            input: Bytes::from(t.data.clone()),
        }
        .into_signed(asig)
        .into(),
        TypedTransaction::Eip7702(_) => {
            unreachable!("these strategies make types 0 to 2; type 4 is in eip7702_differential.rs")
        }
    };
    let h = match &envelope {
        TxEnvelope::Eip2930(s) => s.signature_hash(),
        TxEnvelope::Eip1559(s) => s.signature_hash(),
        _ => unreachable!(),
    };
    (h, envelope.encoded_2718())
}

// ---- strategies ----

fn address() -> impl Strategy<Value = EvmAddress> {
    any::<[u8; 20]>().prop_map(EvmAddress::new)
}

fn u256() -> impl Strategy<Value = U256> {
    prop_oneof![
        any::<u64>().prop_map(U256::from),
        any::<[u8; 32]>().prop_map(U256::from_be_bytes),
        Just(U256::ZERO),
    ]
}

fn fee() -> impl Strategy<Value = U256> {
    prop_oneof![
        any::<u64>().prop_map(U256::from),
        any::<u128>().prop_map(U256::from)
    ]
}

fn access_list() -> impl Strategy<Value = Vec<AccessListItem>> {
    prop::collection::vec(
        (address(), prop::collection::vec(any::<[u8; 32]>(), 0..3)).prop_map(
            |(address, storage_keys)| AccessListItem {
                address,
                storage_keys,
            },
        ),
        0..3,
    )
}

fn data() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..80)
}

fn transaction() -> impl Strategy<Value = TypedTransaction> {
    let legacy = (
        any::<u64>(),
        any::<u64>(),
        fee(),
        any::<u64>(),
        prop::option::of(address()),
        u256(),
        data(),
    )
        .prop_map(|(chain_id, nonce, gas_price, gas_limit, to, value, data)| {
            TypedTransaction::Legacy(LegacyTransaction {
                chain_id,
                nonce,
                gas_price,
                gas_limit,
                to,
                value,
                data,
            })
        });
    let eip2930 = (
        any::<u64>(),
        any::<u64>(),
        fee(),
        any::<u64>(),
        prop::option::of(address()),
        u256(),
        data(),
        access_list(),
    )
        .prop_map(
            |(chain_id, nonce, gas_price, gas_limit, to, value, data, access_list)| {
                TypedTransaction::Eip2930(Eip2930Transaction {
                    chain_id,
                    nonce,
                    gas_price,
                    gas_limit,
                    to,
                    value,
                    data,
                    access_list,
                })
            },
        );
    let eip1559 = (
        (any::<u64>(), any::<u64>(), fee(), fee(), any::<u64>()),
        (prop::option::of(address()), u256(), data(), access_list()),
    )
        .prop_map(
            |((chain_id, nonce, a, b, gas_limit), (to, value, data, access_list))| {
                TypedTransaction::Eip1559(Eip1559Transaction {
                    chain_id,
                    nonce,
                    max_priority_fee_per_gas: a.min(b),
                    max_fee_per_gas: a.max(b),
                    gas_limit,
                    to,
                    value,
                    data,
                    access_list,
                })
            },
        );
    prop_oneof![legacy, eip2930, eip1559]
}

fn key() -> impl Strategy<Value = EvmSigner> {
    any::<[u8; 32]>().prop_filter_map("valid key", |k| EvmSigner::from_private_key(&k).ok())
}

/// Arbitrary JSON, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        "[0-9a-fA-Fx\\-]{0,70}".prop_map(Value::from),
        ".{0,20}".prop_map(Value::from),
        prop_oneof![
            Just("uint8"),
            Just("int256"),
            Just("address"),
            Just("bytes4"),
            Just("bytes"),
            Just("string"),
            Just("bool"),
            Just("A"),
            Just("B"),
            Just("A[]"),
            Just("B[2]"),
            Just("EIP712Domain"),
            Just("0x2"),
            Just("0x"),
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        let key = prop_oneof![
            Just("types".to_owned()),
            Just("primaryType".to_owned()),
            Just("domain".to_owned()),
            Just("message".to_owned()),
            Just("name".to_owned()),
            Just("type".to_owned()),
            Just("A".to_owned()),
            Just("B".to_owned()),
            Just("x".to_owned()),
            Just("to".to_owned()),
            Just("gas".to_owned()),
            Just("chainId".to_owned()),
            Just("accessList".to_owned()),
            Just("maxFeePerGas".to_owned()),
            "[a-zA-Z]{1,6}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(key, inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

// ---- typed data documents for the differential test ----

#[derive(Debug, Clone)]
enum Ty {
    Uint(u16),
    Int(u16),
    Bool,
    Address,
    FixedBytes(u8),
    Bytes,
    String,
}

fn atomic_ty() -> impl Strategy<Value = Ty> {
    prop_oneof![
        (1u16..=32).prop_map(|n| Ty::Uint(n * 8)),
        (1u16..=32).prop_map(|n| Ty::Int(n * 8)),
        Just(Ty::Bool),
        Just(Ty::Address),
        (1u8..=32).prop_map(Ty::FixedBytes),
        Just(Ty::Bytes),
        Just(Ty::String),
    ]
}

fn ty_name(t: &Ty) -> String {
    match t {
        Ty::Uint(n) => format!("uint{n}"),
        Ty::Int(n) => format!("int{n}"),
        Ty::Bool => "bool".into(),
        Ty::Address => "address".into(),
        Ty::FixedBytes(n) => format!("bytes{n}"),
        Ty::Bytes => "bytes".into(),
        Ty::String => "string".into(),
    }
}

/// A value of type `t` in a JSON spelling both implementations accept.
fn value_of(t: &Ty) -> BoxedStrategy<Value> {
    match t.clone() {
        Ty::Uint(n) => any::<[u8; 32]>()
            .prop_map(move |b| {
                let v = U256::from_be_bytes(b) >> (256 - usize::from(n));
                json!(format!("{v}"))
            })
            .boxed(),
        Ty::Int(n) => (any::<[u8; 32]>(), any::<bool>())
            .prop_map(move |(b, neg)| {
                let v = U256::from_be_bytes(b) >> (257 - usize::from(n));
                if neg {
                    json!(format!("-{v}"))
                } else {
                    json!(format!("{v}"))
                }
            })
            .boxed(),
        Ty::Bool => any::<bool>().prop_map(Value::from).boxed(),
        Ty::Address => address().prop_map(|a| json!(a.to_checksum())).boxed(),
        Ty::FixedBytes(n) => prop::collection::vec(any::<u8>(), usize::from(n))
            .prop_map(|b| json!(format!("0x{}", hex::encode(b))))
            .boxed(),
        Ty::Bytes => prop::collection::vec(any::<u8>(), 0..40)
            .prop_map(|b| json!(format!("0x{}", hex::encode(b))))
            .boxed(),
        Ty::String => ".{0,20}".prop_map(Value::from).boxed(),
    }
}

/// A field: an atomic type, possibly in a dynamic or fixed array, with a matching value.
fn field() -> impl Strategy<Value = (String, Value)> {
    (atomic_ty(), 0u8..4).prop_flat_map(|(t, shape)| {
        let name = ty_name(&t);
        let v = value_of(&t);
        match shape {
            0 | 1 => v.prop_map(move |v| (name.clone(), v)).boxed(),
            2 => prop::collection::vec(v, 0..4)
                .prop_map(move |vs| (format!("{name}[]"), Value::Array(vs)))
                .boxed(),
            _ => prop::collection::vec(prop::collection::vec(v, 2), 0..3)
                .prop_map(move |vs| {
                    let vs = vs.into_iter().map(Value::Array).collect();
                    (format!("{name}[2][]"), Value::Array(vs))
                })
                .boxed(),
        }
    })
}

/// `{types: {EIP712Domain, Inner, Outer}, primaryType: Outer, ...}` with Outer holding an
/// Inner, an Inner[] and random fields.
fn typed_document() -> impl Strategy<Value = Value> {
    (
        prop::collection::vec(field(), 1..5),
        prop::collection::vec(prop::collection::vec(field(), 1..4), 1..2),
        0usize..3,
        // A JSON number, so within what every JSON reader carries exactly (2^53 - 1); larger
        // numbers are refused (see eip712 tests) and reach the domain as strings.
        0u64..(1 << 53),
        address(),
    )
        .prop_flat_map(|(outer, inner_sets, inner_count, chain_id, contract)| {
            let inner_fields = inner_sets.into_iter().next().unwrap_or_default();
            let inner_types: Vec<Value> = inner_fields
                .iter()
                .enumerate()
                .map(|(i, (t, _))| json!({"name": format!("i{i}"), "type": t}))
                .collect();
            let inner_value: serde_json::Map<String, Value> = inner_fields
                .iter()
                .enumerate()
                .map(|(i, (_, v))| (format!("i{i}"), v.clone()))
                .collect();
            let mut outer_types: Vec<Value> = outer
                .iter()
                .enumerate()
                .map(|(i, (t, _))| json!({"name": format!("f{i}"), "type": t}))
                .collect();
            outer_types.push(json!({"name": "inner", "type": "Inner"}));
            outer_types.push(json!({"name": "inners", "type": "Inner[]"}));
            let mut message: serde_json::Map<String, Value> = outer
                .iter()
                .enumerate()
                .map(|(i, (_, v))| (format!("f{i}"), v.clone()))
                .collect();
            message.insert("inner".into(), Value::Object(inner_value.clone()));
            message.insert(
                "inners".into(),
                Value::Array(vec![Value::Object(inner_value); inner_count]),
            );
            Just(json!({
                "types": {
                    "EIP712Domain": [
                        {"name": "name", "type": "string"},
                        {"name": "version", "type": "string"},
                        {"name": "chainId", "type": "uint256"},
                        {"name": "verifyingContract", "type": "address"}
                    ],
                    "Inner": inner_types,
                    "Outer": outer_types,
                },
                "primaryType": "Outer",
                "domain": {
                    "name": "Trestle",
                    "version": "1",
                    "chainId": chain_id,
                    "verifyingContract": contract.to_checksum(),
                },
                "message": message,
            }))
        })
}

// ---- known answers, cross-checked ----

#[test]
fn eip712_spec_and_eth_sig_util_examples_match_alloy() {
    for (doc, digest) in [
        (
            include_str!("evm_fixtures/eip712_mail.json"),
            "be609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2",
        ),
        (
            include_str!("evm_fixtures/eip712_v4_arrays.json"),
            "a85c2e2b118698e88db68a8105b794a8cc7cec074e89ef991cb4f5f533819cc2",
        ),
    ] {
        let ours = TypedData::from_json(doc).unwrap();
        let theirs: alloy_dyn_abi::TypedData = serde_json::from_str(doc).unwrap();
        assert_eq!(hex::encode(ours.signing_hash()), digest);
        assert_eq!(ours.signing_hash(), theirs.eip712_signing_hash().unwrap().0);
        assert_eq!(
            ours.encode_type("Mail").unwrap(),
            theirs.encode_type().unwrap()
        );
        assert_eq!(ours.domain_separator(), theirs.domain().separator().0);
    }
}

#[test]
fn eip155_example_matches_alloy() {
    let tx = TypedTransaction::Legacy(LegacyTransaction {
        chain_id: 1,
        nonce: 9,
        gas_price: U256::from(20_000_000_000u64),
        gas_limit: 21000,
        to: Some(
            "0x3535353535353535353535353535353535353535"
                .parse()
                .unwrap(),
        ),
        value: U256::from(10u64).pow(U256::from(18u64)),
        data: vec![],
    });
    let signed = EvmSigner::from_private_key(&[0x46; 32])
        .unwrap()
        .sign_transaction(&tx)
        .unwrap();
    let (hash, raw) = alloy_encode(&tx, &signed.signature);
    assert_eq!(hash.0, tx.signing_hash());
    assert_eq!(raw, signed.raw);
}

// ---- properties ----

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn signed_transactions_match_alloy(tx in transaction(), signer in key()) {
        let signed = signer.sign_transaction(&tx).unwrap();
        let (hash, raw) = alloy_encode(&tx, &signed.signature);
        prop_assert_eq!(hash.0, tx.signing_hash());
        prop_assert_eq!(&raw, &signed.raw);
        prop_assert_eq!(signed.hash, alloy_primitives::keccak256(&raw).0);

        // Our decoder on alloy's bytes, alloy's decoder on ours.
        let (back, sig, from) = decode_signed(&raw).unwrap();
        prop_assert_eq!(&back, &tx);
        prop_assert_eq!(sig, signed.signature);
        prop_assert_eq!(from, signer.address());
        let envelope = TxEnvelope::decode_2718(&mut signed.raw.as_slice()).unwrap();
        prop_assert_eq!(envelope.encoded_2718(), signed.raw.clone());

        // alloy recovers the same signer from our signature.
        let asig = alloy_primitives::Signature::from_raw(&signed.signature.to_bytes()).unwrap();
        let recovered = asig.recover_address_from_prehash(&B256::from(tx.signing_hash())).unwrap();
        prop_assert_eq!(recovered.0.0, *signer.address().as_bytes());
    }

    #[test]
    fn typed_data_matches_alloy(doc in typed_document()) {
        let ours = TypedData::from_value(&doc).unwrap();
        let theirs: alloy_dyn_abi::TypedData = serde_json::from_value(doc.clone()).unwrap();
        prop_assert_eq!(ours.encode_type("Outer").unwrap(), theirs.encode_type().unwrap());
        prop_assert_eq!(ours.domain_separator(), theirs.domain().separator().0);
        prop_assert_eq!(ours.signing_hash(), theirs.eip712_signing_hash().unwrap().0);
    }

    #[test]
    fn addresses_match_alloy(bytes in any::<[u8; 20]>()) {
        let ours = EvmAddress::new(bytes);
        let theirs = Address::from(bytes);
        let checksummed = ours.to_checksum();
        prop_assert_eq!(&checksummed, &theirs.to_checksum(None));
        prop_assert_eq!(EvmAddress::parse(&checksummed).unwrap(), ours);
        prop_assert_eq!(EvmAddress::parse(&checksummed.to_lowercase()).unwrap(), ours);
        prop_assert_eq!(EvmAddress::parse(&checksummed[2..]).unwrap(), ours);
        let pubkey_signer = EvmSigner::from_private_key(&alloy_primitives::keccak256(bytes).0);
        if let Ok(s) = pubkey_signer {
            prop_assert_eq!(EvmAddress::from_public_key(&s.public_key()).unwrap(), s.address());
        }
    }

    #[test]
    fn flipped_case_fails_checksum(bytes in any::<[u8; 20]>(), pos in 0usize..40) {
        let good = EvmAddress::new(bytes).to_checksum();
        let mut chars: Vec<char> = good.chars().collect();
        let c = chars[pos + 2];
        prop_assume!(c.is_ascii_alphabetic());
        chars[pos + 2] = if c.is_ascii_uppercase() { c.to_ascii_lowercase() } else { c.to_ascii_uppercase() };
        let bad: String = chars.into_iter().collect();
        // Still mixed case unless it was the only letter of its case.
        let has_upper = bad[2..].chars().any(|c| c.is_ascii_uppercase());
        let has_lower = bad[2..].chars().any(|c| c.is_ascii_lowercase());
        prop_assume!(has_upper && has_lower);
        let err = EvmAddress::parse(&bad).unwrap_err().to_string();
        prop_assert!(err.contains("checksum") && err.contains(&good), "{}", err);
    }

    #[test]
    fn messages_match_alloy(msg in prop::collection::vec(any::<u8>(), 0..200), signer in key()) {
        prop_assert_eq!(hash_message(&msg), alloy_primitives::eip191_hash_message(&msg).0);
        let sig = signer.sign_message(&msg).unwrap();
        prop_assert!(!sig.is_high_s());
        prop_assert_eq!(recover_message(&msg, &sig).unwrap(), signer.address());
        let asig = alloy_primitives::Signature::from_raw(&sig.to_bytes()).unwrap();
        let theirs = asig.recover_address_from_msg(&msg).unwrap();
        prop_assert_eq!(theirs.0.0, *signer.address().as_bytes());
        prop_assert_eq!(Signature::from_bytes(&sig.to_bytes()).unwrap(), sig);
    }

    #[test]
    fn parsers_never_panic_on_strings(s in ".{0,120}") {
        let _ = EvmAddress::parse(&s);
        let _ = TransactionRequest::from_json(&s);
        let _ = TypedData::from_json(&s);
        let _ = Signature::from_hex(&s);
    }

    #[test]
    fn parsers_never_panic_on_json(v in json_value()) {
        let _ = TransactionRequest::from_value(&v).map(|r| r.to_transaction());
        let _ = TypedData::from_value(&v);
        let text = v.to_string();
        let _ = TypedData::from_json(&text);
    }

    #[test]
    fn typed_data_never_panics_on_random_types(
        fields in prop::collection::vec(("[ABx]", json_value()), 0..6),
        message in json_value(),
    ) {
        // Random struct graphs over a few names, including cycles and unknown types.
        let mut types = serde_json::Map::new();
        for (i, (owner, ty)) in fields.iter().enumerate() {
            let entry = types.entry(owner.clone()).or_insert_with(|| json!([]));
            if let Some(arr) = entry.as_array_mut() {
                arr.push(json!({"name": format!("m{i}"), "type": ty}));
            }
        }
        let doc = json!({"types": types, "primaryType": "A", "domain": {}, "message": message});
        let _ = TypedData::from_value(&doc);
    }

    #[test]
    fn decode_never_panics(raw in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = decode_signed(&raw);
        let mut typed = vec![2u8];
        typed.extend_from_slice(&raw);
        let _ = decode_signed(&typed);
    }

    #[test]
    fn recover_never_panics(bytes in any::<[u8; 65]>(), hash in any::<[u8; 32]>()) {
        if let Ok(sig) = Signature::from_bytes(&bytes) {
            let _ = recover_hash(&hash, &sig);
        }
    }
}
