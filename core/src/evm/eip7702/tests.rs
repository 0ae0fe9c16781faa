use ruint::aliases::U256;
use serde_json::json;

use super::*;
use crate::evm::rlp;
use crate::evm::transaction::{TypedTransaction, decode_signed};

/// Writes one RLP field of a hand-made authorization.
type Field<'a> = &'a dyn Fn(&mut Vec<u8>);
/// Changes one member of a request object.
type Edit = Box<dyn Fn(&mut serde_json::Map<String, serde_json::Value>)>;

const DELEGATE: &str = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

fn signer(byte: u8) -> EvmSigner {
    EvmSigner::from_private_key(&[byte; 32]).unwrap()
}

fn auth(chain_id: u64, nonce: u64) -> Authorization {
    Authorization {
        chain_id: U256::from(chain_id),
        address: DELEGATE.parse().unwrap(),
        nonce,
    }
}

/// secp256k1's group order.
fn order() -> U256 {
    U256::from_str_radix(
        "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",
        16,
    )
    .unwrap()
}

#[test]
fn signing_payload_layout() {
    // 0x05 || rlp([1, 0x7099..79c8, 0]): list header 0xd7 (23 bytes), 0x01, 0x94 + 20 bytes, 0x80.
    let a = auth(1, 0);
    let payload = a.signing_payload();
    assert_eq!(
        hex::encode(&payload),
        "05d7019470997970c51812dc3a010c7d01b50e0d17dc79c880"
    );
    assert_eq!(a.signing_hash(), keccak256(&payload));
    // chain id 0 and a large nonce are encoded as RLP integers (0 is the empty string).
    let b = auth(0, 0x0102);
    assert_eq!(
        hex::encode(b.signing_payload()),
        "05d9809470997970c51812dc3a010c7d01b50e0d17dc79c8820102"
    );
}

#[test]
fn sign_and_recover() {
    let s = signer(0x46);
    for (chain, nonce) in [(1, 0), (0, 7), (8453, u64::MAX - 1)] {
        let signed = auth(chain, nonce).sign(&s).unwrap();
        assert!(signed.y_parity <= 1);
        assert!(!signed.signature().unwrap().is_high_s());
        assert_eq!(signed.authority().unwrap(), s.address());
        assert_eq!(signed.recover_authority(chain.max(1)).unwrap(), s.address());
        assert_eq!(
            SignedAuthorization::from_rlp(&signed.to_rlp()).unwrap(),
            signed
        );
        let json = signed.to_json();
        assert_eq!(
            SignedAuthorization::from_json_value(&json, "a").unwrap(),
            signed
        );
    }
    // Chain 0 is valid everywhere; chain 1 only on chain 1.
    let any = auth(0, 0).sign(&s).unwrap();
    assert_eq!(any.recover_authority(10).unwrap(), s.address());
    let mainnet = auth(1, 0).sign(&s).unwrap();
    let err = mainnet.recover_authority(10).unwrap_err().to_string();
    assert!(err.contains("chain 1") && err.contains("chain 10"), "{err}");
    // Nonce 2^64-1 can never be used.
    assert!(auth(1, u64::MAX).sign(&s).is_err());
    let mut max = mainnet;
    max.authorization.nonce = u64::MAX;
    assert!(max.authority().is_err());
}

#[test]
fn refuses_malleable_and_malformed_signatures() {
    let s = signer(0x46);
    let signed = auth(1, 3).sign(&s).unwrap();
    // The high-s twin: ecrecover would accept it; EIP-7702 skips it.
    let mut high = signed;
    high.s = (order() - U256::from_be_bytes(signed.s)).to_be_bytes();
    high.y_parity ^= 1;
    assert_eq!(
        high.signature()
            .unwrap()
            .recover_address(&signed.authorization.signing_hash())
            .unwrap(),
        s.address()
    );
    let err = high.recover_authority(1).unwrap_err().to_string();
    assert!(err.contains("upper half"), "{err}");
    for y in [2u8, 27, 28, 255] {
        let mut bad = signed;
        bad.y_parity = y;
        let err = bad.recover_authority(1).unwrap_err().to_string();
        assert!(err.contains("yParity"), "{err}");
    }
    let mut zero_r = signed;
    zero_r.r = [0; 32];
    assert!(zero_r.recover_authority(1).is_err());
    // A changed field recovers someone else.
    let mut other = signed;
    other.authorization.nonce = 4;
    assert_ne!(other.authority().unwrap(), s.address());
}

#[test]
fn rlp_decoder_is_strict() {
    let signed = auth(1, 3).sign(&signer(0x46)).unwrap();
    let good = signed.to_rlp();
    let mut trailing = good.clone();
    trailing.push(0);
    assert!(SignedAuthorization::from_rlp(&trailing).is_err());
    // Five fields, seven fields, a 19-byte address, y_parity 256.
    let encode = |fields: &[Field<'_>]| {
        let mut payload = Vec::new();
        for f in fields {
            f(&mut payload);
        }
        let mut out = Vec::new();
        rlp::encode_list(&mut out, &payload);
        out
    };
    let chain = |o: &mut Vec<u8>| rlp::encode_u64(o, 1);
    let addr = |o: &mut Vec<u8>| rlp::encode_bytes(o, &[0x11; 20]);
    let addr19 = |o: &mut Vec<u8>| rlp::encode_bytes(o, &[0x11; 19]);
    let nonce = |o: &mut Vec<u8>| rlp::encode_u64(o, 0);
    let y = |o: &mut Vec<u8>| rlp::encode_u64(o, 1);
    let y256 = |o: &mut Vec<u8>| rlp::encode_u64(o, 256);
    let r = |o: &mut Vec<u8>| rlp::encode_bytes(o, &[0x22; 32]);
    let ok = encode(&[&chain, &addr, &nonce, &y, &r, &r]);
    assert!(SignedAuthorization::from_rlp(&ok).is_ok());
    let five = encode(&[&chain, &addr, &nonce, &y, &r]);
    assert!(
        SignedAuthorization::from_rlp(&five)
            .unwrap_err()
            .to_string()
            .contains("5 fields")
    );
    let seven = encode(&[&chain, &addr, &nonce, &y, &r, &r, &r]);
    assert!(SignedAuthorization::from_rlp(&seven).is_err());
    let short = encode(&[&chain, &addr19, &nonce, &y, &r, &r]);
    assert!(
        SignedAuthorization::from_rlp(&short)
            .unwrap_err()
            .to_string()
            .contains("20 bytes")
    );
    let wide = encode(&[&chain, &addr, &nonce, &y256, &r, &r]);
    assert!(SignedAuthorization::from_rlp(&wide).is_err());
    // Not a list at all.
    assert!(SignedAuthorization::from_rlp(&[0x80]).is_err());
}

fn request(auths: &[SignedAuthorization]) -> serde_json::Value {
    json!({
        "type": "0x4", "chainId": "0x1", "nonce": "0x5", "gas": "0x186a0",
        "to": DELEGATE, "value": "0x0", "data": "0xdeadbeef",
        "maxFeePerGas": "0x3b9aca00", "maxPriorityFeePerGas": "0x1",
        "accessList": [],
        "authorizationList": auths.iter().map(SignedAuthorization::to_json).collect::<Vec<_>>(),
    })
}

#[test]
fn type4_sign_encode_decode() {
    let authority = signer(0x47);
    let sender = signer(0x46);
    let auths = [
        auth(1, 0).sign(&authority).unwrap(),
        auth(0, 9).sign(&signer(0x48)).unwrap(),
    ];
    let req = SignRequest::from_value(&request(&auths)).unwrap();
    assert_eq!(req.resolved_type(), 4);
    let signed = req.sign(&sender).unwrap();
    assert_eq!(signed.raw.first(), Some(&0x04));
    assert_eq!(signed.hash, keccak256(&signed.raw));
    let (tx, sig, from) = decode_signed(&signed.raw).unwrap();
    assert_eq!(tx, signed.transaction);
    assert_eq!(sig, signed.signature);
    assert_eq!(from, sender.address());
    let TypedTransaction::Eip7702(t) = &tx else {
        panic!("not type 4: {tx:?}");
    };
    assert_eq!(t.authorization_list, auths);
    assert_eq!(
        t.authorization_list[0].recover_authority(1).unwrap(),
        authority.address()
    );
    // The signing payload is 0x04 || rlp(the 10 unsigned fields).
    let payload = tx.signing_payload();
    assert_eq!(payload.first(), Some(&0x04));
    let rlp::Item::List(fields) = rlp::decode_exact(&payload[1..]).unwrap() else {
        panic!("not a list")
    };
    assert_eq!(fields.len(), 10);

    // Requests without a type but with a list are type 4; other types stay as they were.
    let mut untyped = request(&auths);
    untyped.as_object_mut().unwrap().remove("type");
    assert_eq!(
        SignRequest::from_value(&untyped)
            .unwrap()
            .to_transaction()
            .unwrap(),
        tx
    );
    let eip1559 = SignRequest::from_json(
        r#"{"chainId":1,"nonce":0,"gas":21000,"maxFeePerGas":2,"maxPriorityFeePerGas":1}"#,
    )
    .unwrap();
    assert_eq!(eip1559.resolved_type(), 2);
    assert!(eip1559.authorization_list.is_none());
}

fn field_of(err: crate::Error) -> String {
    match err {
        crate::Error::InvalidTransaction { field, .. } => field,
        other => panic!("not a field error: {other}"),
    }
}

#[test]
fn type4_request_refusals_name_the_field() {
    let good = auth(1, 0).sign(&signer(0x47)).unwrap();
    let with = |edit: &dyn Fn(&mut serde_json::Map<String, serde_json::Value>)| {
        let mut v = request(&[good]);
        edit(v.as_object_mut().unwrap());
        SignRequest::from_value(&v).and_then(|r| r.to_transaction())
    };
    let cases: Vec<(&str, Edit)> = vec![
        (
            "to",
            Box::new(|m| {
                m.remove("to");
            }),
        ),
        (
            "authorizationList",
            Box::new(|m| {
                m.insert("authorizationList".into(), json!([]));
            }),
        ),
        (
            "authorizationList",
            Box::new(|m| {
                m.remove("authorizationList");
            }),
        ),
        (
            "authorizationList",
            Box::new(|m| {
                m.insert("type".into(), json!("0x2"));
            }),
        ),
        (
            "gasPrice",
            Box::new(|m| {
                m.insert("gasPrice".into(), json!("0x1"));
            }),
        ),
        (
            "maxFeePerGas",
            Box::new(|m| {
                m.remove("maxFeePerGas");
            }),
        ),
        (
            "authorizationList[0]",
            Box::new(|m| {
                // Signed for chain 1, sent on chain 5.
                m.insert("chainId".into(), json!("0x5"));
            }),
        ),
        (
            "authorizationList[0].yParity",
            Box::new(|m| {
                m["authorizationList"][0]["yParity"] = json!("0x1b");
            }),
        ),
        (
            "authorizationList[0].v",
            Box::new(|m| {
                m["authorizationList"][0]["v"] = json!("0x1b");
            }),
        ),
        (
            "authorizationList[0].address",
            Box::new(|m| {
                m["authorizationList"][0]["address"] = json!("0x1234");
            }),
        ),
        (
            "authorizationList[0].s",
            Box::new(|m| {
                m["authorizationList"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("s");
            }),
        ),
        (
            "blobVersionedHashes",
            Box::new(|m| {
                m.insert("blobVersionedHashes".into(), json!([]));
            }),
        ),
    ];
    for (field, edit) in cases {
        let err = with(edit.as_ref()).unwrap_err();
        assert_eq!(field_of(err), field);
    }
    // A high-s authorization is refused before signing.
    let mut high = good;
    high.s = (order() - U256::from_be_bytes(good.s)).to_be_bytes();
    high.y_parity ^= 1;
    let err = SignRequest::from_value(&request(&[good, high]))
        .unwrap()
        .to_transaction()
        .unwrap_err();
    assert_eq!(field_of(err), "authorizationList[1]");
    // The `from` check.
    let mut v = request(&[good]);
    v["from"] = json!("0x0000000000000000000000000000000000000001");
    let err = SignRequest::from_value(&v)
        .unwrap()
        .sign(&signer(0x46))
        .unwrap_err();
    assert_eq!(field_of(err), "from");
}

/// A signed type-4 transaction with some of its RLP fields replaced.
fn raw_type4(edit: impl Fn(&mut Vec<Vec<u8>>)) -> Vec<u8> {
    let auths = [auth(1, 0).sign(&signer(0x47)).unwrap()];
    let signed = SignRequest::from_value(&request(&auths))
        .unwrap()
        .sign(&signer(0x46))
        .unwrap();
    let rlp::Item::List(items) = rlp::decode_exact(&signed.raw[1..]).unwrap() else {
        panic!("not a list")
    };
    fn reencode(item: &rlp::Item<'_>, out: &mut Vec<u8>) {
        match item {
            rlp::Item::Bytes(b) => rlp::encode_bytes(out, b),
            rlp::Item::List(items) => {
                let mut payload = Vec::new();
                for i in items {
                    reencode(i, &mut payload);
                }
                rlp::encode_list(out, &payload);
            }
        }
    }
    let mut fields: Vec<Vec<u8>> = items
        .iter()
        .map(|i| {
            let mut out = Vec::new();
            reencode(i, &mut out);
            out
        })
        .collect();
    edit(&mut fields);
    let mut out = vec![0x04];
    rlp::encode_list(&mut out, &fields.concat());
    out
}

#[test]
fn decoder_refuses_malformed_type4() {
    assert!(decode_signed(&raw_type4(|_| {})).is_ok());
    let expect = |raw: Vec<u8>, needle: &str| {
        let err = decode_signed(&raw).unwrap_err().to_string();
        assert!(err.contains(needle), "{needle:?} not in {err:?}");
    };
    // No destination.
    expect(raw_type4(|f| f[5] = vec![0x80]), "no destination");
    // Empty authorization list.
    expect(raw_type4(|f| f[9] = vec![0xc0]), "empty");
    // The list is a byte string.
    expect(raw_type4(|f| f[9] = vec![0x80]), "authorizationList");
    // A tuple with a missing field.
    expect(
        raw_type4(|f| {
            let rlp::Item::List(list) = rlp::decode_exact(&f[9]).unwrap() else {
                panic!("not a list")
            };
            let rlp::Item::List(items) = &list[0] else {
                panic!("not a tuple")
            };
            let mut payload = Vec::new();
            for i in &items[..5] {
                let rlp::Item::Bytes(b) = i else { panic!() };
                rlp::encode_bytes(&mut payload, b);
            }
            let mut tuple = Vec::new();
            rlp::encode_list(&mut tuple, &payload);
            let mut list = Vec::new();
            rlp::encode_list(&mut list, &tuple);
            f[9] = list;
        }),
        "5 fields",
    );
    // 12 and 14 fields.
    expect(raw_type4(|f| drop(f.remove(9))), "12 fields");
    expect(raw_type4(|f| f.push(vec![0x80])), "14 fields");
    // A non-canonical integer (leading zero) in the outer nonce.
    expect(raw_type4(|f| f[1] = vec![0x82, 0x00, 0x05]), "leading zero");
    // Trailing bytes after the envelope.
    let mut trailing = raw_type4(|_| {});
    trailing.push(0);
    assert!(decode_signed(&trailing).is_err());
    // A high-s outer signature.
    expect(
        raw_type4(|f| {
            let s = U256::from_be_bytes::<32>(
                f[12][1..].try_into().unwrap_or_else(|_| panic!("33 bytes")),
            );
            let mut out = Vec::new();
            rlp::encode_u256(&mut out, &(order() - s));
            f[12] = out;
        }),
        "upper half",
    );
    // Other types are still refused by name.
    expect(vec![0x03, 0xc0], "0x03");
}

proptest::proptest! {
    #[test]
    fn decode_never_panics(tail in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
        let mut raw = vec![0x04];
        raw.extend(tail);
        let _ = decode_signed(&raw);
    }

    #[test]
    fn round_trip(chain in 0u64..1 << 40, nonce in 0u64..u64::MAX, key in 1u8..=0xfe) {
        let s = signer(key);
        let signed = auth(chain, nonce).sign(&s).unwrap();
        proptest::prop_assert_eq!(SignedAuthorization::from_rlp(&signed.to_rlp()).unwrap(), signed);
        proptest::prop_assert_eq!(signed.authority().unwrap(), s.address());
    }
}
