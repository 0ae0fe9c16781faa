//! The shared vectors `bridge/vectors/v2.json`: regenerated here from fixed seeds and compared
//! with the committed file (so CI fails when the file is stale). `TRESTLE_BLESS=1` rewrites it.
//!
//! The Foundry tests (`contracts/evm/test/Vectors.t.sol`) and the Solana program tests read the
//! same file and must reach the same answers.

use serde_json::{Value, json};
use trestle_bridge::fee::{self, FeeConfig};
use trestle_bridge::signatures::{HALF_CURVE_ORDER, verify_digest};
use trestle_bridge::{
    Attestation, Body, MAX_BODY_LEN, Message, NATIVE_TOKEN, TokenBucket, TokenTransfer,
    ValidatorSet, token_id, verify_attestation,
};
use trestle_core::chain::{U256, UniversalAddress};
use trestle_core::evm::{EvmAddress, EvmSigner, keccak256};

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/v2.json");

const ORIGIN: u32 = 1;
const DESTINATION: u32 = 2;
const SOLANA_DOMAIN: u32 = 3;

fn h(bytes: impl AsRef<[u8]>) -> String {
    format!("0x{}", hex::encode(bytes))
}

fn evm32(byte: u8) -> UniversalAddress {
    UniversalAddress::from_evm([byte; 20])
}

/// Validator key `i`: `keccak256("trestle-vectors/validator/" || decimal i)`.
fn validator_key(i: u32) -> ([u8; 32], EvmSigner) {
    let sk = keccak256(format!("trestle-vectors/validator/{i}"));
    (sk, EvmSigner::from_private_key(&sk).unwrap())
}

/// The first `n` validator keys, sorted by address.
fn keyset(n: u32) -> Vec<([u8; 32], EvmSigner)> {
    let mut v: Vec<_> = (0..n).map(validator_key).collect();
    v.sort_by_key(|(_, k)| k.address());
    v
}

fn origin_bridge() -> UniversalAddress {
    evm32(0xb1)
}

/// The EVM destination bridge of the vectors (the address its proxy is called at).
fn destination_bridge() -> UniversalAddress {
    evm32(0xb2)
}

/// The Solana destination program id of the vectors.
fn solana_program() -> UniversalAddress {
    UniversalAddress(keccak256("solana program id"))
}

fn message_vector(name: &str, m: &Message) -> Value {
    let mut v = json!({
        "name": name,
        "nonce": m.nonce,
        "origin": m.origin,
        "sender": h(m.sender.as_bytes()),
        "destination": m.destination,
        "recipient": h(m.recipient.as_bytes()),
        "body": h(&m.body),
        "encoded": h(m.encode()),
        "id": h(m.id()),
    });
    match Body::decode(&m.body).unwrap() {
        Body::Message { gas_limit, payload } => {
            v["kind"] = json!("message");
            v["gas_limit"] = json!(gas_limit);
            v["payload"] = json!(h(payload));
        }
        Body::TokenTransfer(t) => {
            v["kind"] = json!("token_transfer");
            v["token_id"] = json!(h(t.token_id));
            v["amount"] = json!(t.amount.to_string());
            v["beneficiary"] = json!(h(t.beneficiary.as_bytes()));
        }
    }
    v
}

fn transfer(token: [u8; 32], amount: U256, beneficiary: UniversalAddress) -> Vec<u8> {
    Body::TokenTransfer(TokenTransfer {
        token_id: token,
        amount,
        beneficiary,
    })
    .encode()
}

fn messages() -> Vec<(String, Message)> {
    let native = token_id(ORIGIN, &NATIVE_TOKEN);
    let erc20 = token_id(ORIGIN, &evm32(0x70));
    let user = evm32(0x5e);
    let dest_bridge = destination_bridge();
    let mk = |nonce, body: Vec<u8>, recipient| {
        Message::new(nonce, ORIGIN, user, DESTINATION, recipient, body).unwrap()
    };
    vec![
        (
            "token_transfer_native".into(),
            mk(
                0,
                transfer(native, U256::from(10u64.pow(18)), evm32(0xbe)),
                dest_bridge,
            ),
        ),
        (
            "token_transfer_erc20_max_amount".into(),
            mk(1, transfer(erc20, U256::MAX, evm32(0xbe)), dest_bridge),
        ),
        (
            "token_transfer_to_solana".into(),
            Message::new(
                u64::MAX,
                ORIGIN,
                user,
                SOLANA_DOMAIN,
                solana_program(),
                transfer(
                    erc20,
                    U256::from(5_000_000_000u64),
                    UniversalAddress(keccak256("solana owner")),
                ),
            )
            .unwrap(),
        ),
        (
            "message_empty_payload".into(),
            mk(2, Body::message(1, vec![]).encode(), evm32(0xca)),
        ),
        (
            "message_small_payload".into(),
            mk(
                3,
                Body::message(200_000, b"hello trestle".to_vec()).encode(),
                evm32(0xca),
            ),
        ),
        (
            "message_max_body".into(),
            mk(
                4,
                Body::message(
                    u64::MAX,
                    (0..MAX_BODY_LEN - 9)
                        .map(|i| (i % 251) as u8)
                        .collect::<Vec<_>>(),
                )
                .encode(),
                evm32(0xca),
            ),
        ),
        (
            "message_to_solana".into(),
            Message::new(
                5,
                ORIGIN,
                user,
                SOLANA_DOMAIN,
                UniversalAddress(keccak256("solana recipient program")),
                Body::message(1_200_000, b"to a program".to_vec()).encode(),
            )
            .unwrap(),
        ),
    ]
}

/// Decodes a message and its body: the first error of either, by code.
fn full_decode(bytes: &[u8]) -> Result<(), &'static str> {
    Message::decode_full(bytes).map_err(|e| e.code())?;
    Ok(())
}

fn invalid_messages() -> Vec<Value> {
    let good = messages()[0].1.encode();
    let mut cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("header_only_80_bytes", good[..80].to_vec()),
        ("header_without_body", good[..81].to_vec()),
    ];
    let mut v1 = good.clone();
    v1[0] = 1;
    cases.push(("version_1", v1));
    let mut v3 = good.clone();
    v3[0] = 3;
    cases.push(("version_3", v3));
    let mut v0 = good.clone();
    v0[0] = 0;
    cases.push(("version_0", v0));
    let mut zo = good.clone();
    zo[9..13].fill(0);
    cases.push(("zero_origin", zo));
    let mut zd = good.clone();
    zd[45..49].fill(0);
    cases.push(("zero_destination", zd));
    let mut kind = good.clone();
    kind[81] = 2;
    cases.push(("unknown_body_kind", kind));
    cases.push(("token_transfer_96_bytes", good[..good.len() - 1].to_vec()));
    let mut long = good.clone();
    long.push(0);
    cases.push(("token_transfer_98_bytes", long));
    let mut big = good[..81].to_vec();
    big.push(0);
    big.extend(std::iter::repeat_n(0u8, MAX_BODY_LEN));
    cases.push(("body_over_16_kib", big));
    let message = messages()[4].1.encode(); // message_small_payload
    cases.push(("message_body_1_byte", message[..82].to_vec()));
    cases.push(("message_body_8_bytes", message[..89].to_vec()));
    let mut zero_gas = message.clone();
    zero_gas[82..90].fill(0);
    cases.push(("message_zero_gas_limit", zero_gas));
    let mut zero_gas_empty = message[..90].to_vec();
    zero_gas_empty[82..90].fill(0);
    cases.push(("message_zero_gas_limit_empty_payload", zero_gas_empty));
    cases
        .into_iter()
        .map(|(name, bytes)| {
            json!({
                "name": name,
                "encoded": h(&bytes),
                "error": full_decode(&bytes).unwrap_err(),
            })
        })
        .collect()
}

fn token_ids() -> Vec<Value> {
    [
        ("native_ether_on_1", ORIGIN, NATIVE_TOKEN),
        ("erc20_on_1", ORIGIN, evm32(0x70)),
        (
            "spl_mint_on_3",
            SOLANA_DOMAIN,
            UniversalAddress(keccak256("spl mint")),
        ),
    ]
    .into_iter()
    .map(|(name, domain, token)| {
        json!({
            "name": name,
            "home_domain": domain,
            "home_token": h(token.as_bytes()),
            "token_id": h(token_id(domain, &token)),
        })
    })
    .collect()
}

/// The bridge a message is delivered by: the EVM destination bridge or the Solana program.
fn bridge_of(domain: u32) -> UniversalAddress {
    if domain == SOLANA_DOMAIN {
        solana_program()
    } else {
        destination_bridge()
    }
}

fn digests() -> Vec<Value> {
    let msgs = messages();
    [0usize, 1, 2, 4, 6]
        .into_iter()
        .zip([1u64, 7, u64::MAX, 2, 3])
        .map(|(i, epoch)| {
            let (name, m) = &msgs[i];
            let a = Attestation {
                origin: m.origin,
                origin_bridge: origin_bridge(),
                destination: m.destination,
                destination_bridge: bridge_of(m.destination),
                epoch,
                message_id: m.id(),
            };
            json!({
                "name": name,
                "origin": a.origin,
                "origin_bridge": h(a.origin_bridge.as_bytes()),
                "destination": a.destination,
                "destination_bridge": h(a.destination_bridge.as_bytes()),
                "epoch": epoch,
                "message_id": h(a.message_id),
                "preimage": h(a.preimage()),
                "inner": h(a.inner_hash()),
                "digest": h(a.digest()),
            })
        })
        .collect()
}

fn validator_sets() -> Vec<Value> {
    let five: Vec<EvmAddress> = keyset(5).iter().map(|(_, k)| k.address()).collect();
    let mut unsorted = five.clone();
    unsorted.swap(0, 1);
    let mut dup = five.clone();
    dup[1] = dup[0];
    let mut with_zero = five.clone();
    with_zero[0] = EvmAddress::ZERO;
    let cases: Vec<(&str, u64, Vec<EvmAddress>, usize)> = vec![
        ("five_threshold_4", 1, five.clone(), 4),
        ("five_threshold_3_below_two_thirds", 1, five.clone(), 3),
        ("five_threshold_5", 1, five.clone(), 5),
        ("one_of_one", 1, five[..1].to_vec(), 1),
        ("two_threshold_1_below_two_thirds", 1, five[..2].to_vec(), 1),
        ("two_threshold_2", 1, five[..2].to_vec(), 2),
        ("zero_epoch", 0, five.clone(), 4),
        ("empty", 1, vec![], 1),
        ("zero_threshold", 1, five.clone(), 0),
        ("threshold_above_len", 1, five.clone(), 6),
        ("unsorted", 1, unsorted, 4),
        ("duplicate", 1, dup, 4),
        ("zero_address", 1, with_zero, 4),
    ];
    cases
        .into_iter()
        .map(|(name, epoch, vals, threshold)| {
            let err = |r: trestle_bridge::Result<ValidatorSet>| match r {
                Ok(_) => Value::Null,
                Err(e) => json!(e.code()),
            };
            json!({
                "name": name,
                "epoch": epoch,
                "validators": vals.iter().map(|v| h(v.0)).collect::<Vec<_>>(),
                "threshold": threshold,
                "error": err(ValidatorSet::new(epoch, vals.clone(), threshold)),
                "config_error": err(ValidatorSet::new_for_configuration(epoch, vals, threshold)),
            })
        })
        .collect()
}

/// The curve order, big-endian.
const N: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
];

/// `N - s` for a low `s` (a high-`s` twin), big-endian.
fn negate_s(s: &[u8]) -> [u8; 32] {
    let a = U256::from_be_bytes(N);
    let b = U256::from_be_slice(s);
    (a - b).to_be_bytes::<32>()
}

struct SigCase {
    name: String,
    set: ValidatorSet,
    /// The destination's view, with the epoch the relayer claims.
    attestation: Attestation,
    signatures: Vec<u8>,
}

fn sign_all(keys: &[&EvmSigner], digest: &[u8; 32]) -> Vec<u8> {
    keys.iter()
        .flat_map(|k| k.sign_hash(digest).unwrap().to_bytes())
        .collect()
}

fn signature_cases() -> Vec<SigCase> {
    let message_id = messages()[0].1.id();
    let att = |epoch| Attestation {
        origin: ORIGIN,
        origin_bridge: origin_bridge(),
        destination: DESTINATION,
        destination_bridge: destination_bridge(),
        epoch,
        message_id,
    };
    let set_of = |n: u32, threshold: usize| {
        let ks = keyset(n);
        let set =
            ValidatorSet::new(1, ks.iter().map(|(_, k)| k.address()).collect(), threshold).unwrap();
        (ks, set)
    };
    let mut out = Vec::new();
    let mut push = |name: &str, set: &ValidatorSet, attestation: Attestation, sigs: Vec<u8>| {
        out.push(SigCase {
            name: name.into(),
            set: set.clone(),
            attestation,
            signatures: sigs,
        })
    };
    let d1 = att(1).digest();

    let (k1, s1) = set_of(1, 1);
    push("ok_1_of_1", &s1, att(1), sign_all(&[&k1[0].1], &d1));

    let (k5, s5) = set_of(5, 3);
    let refs5: Vec<&EvmSigner> = k5.iter().map(|(_, k)| k).collect();
    push("ok_3_of_5", &s5, att(1), sign_all(&refs5[..3], &d1));
    push(
        "ok_3_of_5_other_subset",
        &s5,
        att(1),
        sign_all(&[refs5[0], refs5[2], refs5[4]], &d1),
    );
    push(
        "ok_extra_5_of_5_threshold_3",
        &s5,
        att(1),
        sign_all(&refs5, &d1),
    );

    let (k19, s19) = set_of(19, 13);
    let refs19: Vec<&EvmSigner> = k19.iter().map(|(_, k)| k).collect();
    push("ok_13_of_19", &s19, att(1), sign_all(&refs19[..13], &d1));
    push(
        "ok_extra_16_of_19",
        &s19,
        att(1),
        sign_all(&refs19[..16], &d1),
    );
    push(
        "below_threshold_12_of_19",
        &s19,
        att(1),
        sign_all(&refs19[..12], &d1),
    );

    let good = sign_all(&refs5[..3], &d1);
    push("empty_set", &s5, att(1), vec![]);
    push(
        "below_threshold_2_of_5",
        &s5,
        att(1),
        sign_all(&refs5[..2], &d1),
    );
    push(
        "bad_length_64_extra_bytes",
        &s5,
        att(1),
        [good.clone(), vec![0; 64]].concat(),
    );
    push(
        "bad_length_one_byte_short",
        &s5,
        att(1),
        good[..good.len() - 1].to_vec(),
    );

    for (name, v) in [("bad_v_0", 0u8), ("bad_v_1", 1), ("bad_v_29", 29)] {
        let mut s = good.clone();
        s[65 + 64] = v;
        push(name, &s5, att(1), s);
    }
    // The high-s twin of signature 1: ecrecover would accept it.
    let mut high = good.clone();
    let twin = negate_s(&high[65 + 32..65 + 64]);
    high[65 + 32..65 + 64].copy_from_slice(&twin);
    high[65 + 64] ^= 27 ^ 28;
    assert!(twin > HALF_CURVE_ORDER);
    push("high_s_twin", &s5, att(1), high);
    let mut zero_r = good.clone();
    zero_r[65..65 + 32].fill(0);
    push("recovery_failed_zero_r", &s5, att(1), zero_r);
    let mut zero_s = good.clone();
    zero_s[65 + 32..65 + 64].fill(0);
    push("recovery_failed_zero_s", &s5, att(1), zero_s);
    let mut r_n = good.clone();
    r_n[65..65 + 32].copy_from_slice(&N);
    push("recovery_failed_r_equals_n", &s5, att(1), r_n);

    push(
        "unsorted",
        &s5,
        att(1),
        sign_all(&[refs5[1], refs5[0], refs5[2]], &d1),
    );
    push(
        "duplicate",
        &s5,
        att(1),
        sign_all(&[refs5[0], refs5[1], refs5[1]], &d1),
    );
    let (_, outsider) = validator_key(1000);
    let mut with_outsider: Vec<&EvmSigner> = vec![refs5[0], refs5[1], refs5[2], &outsider];
    with_outsider.sort_by_key(|k| k.address());
    push("not_member", &s5, att(1), sign_all(&with_outsider, &d1));
    // Signed for epoch 2 while the set is epoch 1.
    push(
        "wrong_epoch",
        &s5,
        att(2),
        sign_all(&refs5[..3], &att(2).digest()),
    );
    // Signed for another origin bridge / another origin domain / another message.
    let other_bridge = Attestation {
        origin_bridge: evm32(0xb9),
        ..att(1)
    };
    push(
        "wrong_origin_bridge",
        &s5,
        att(1),
        sign_all(&refs5[..3], &other_bridge.digest()),
    );
    let other_origin = Attestation {
        origin: 9,
        ..att(1)
    };
    push(
        "wrong_origin_domain",
        &s5,
        att(1),
        sign_all(&refs5[..3], &other_origin.digest()),
    );
    // Signed for another destination deployment (same domains and keys, another bridge) and
    // for another destination domain.
    let other_deployment = Attestation {
        destination_bridge: evm32(0xb8),
        ..att(1)
    };
    push(
        "wrong_destination_bridge",
        &s5,
        att(1),
        sign_all(&refs5[..3], &other_deployment.digest()),
    );
    let other_destination = Attestation {
        destination: 8,
        ..att(1)
    };
    push(
        "wrong_destination_domain",
        &s5,
        att(1),
        sign_all(&refs5[..3], &other_destination.digest()),
    );
    // Signed the bare inner hash (no EIP-191 prefix).
    push(
        "unprefixed_inner_hash",
        &s5,
        att(1),
        sign_all(&refs5[..3], &att(1).inner_hash()),
    );
    out
}

fn result_code<T>(r: trestle_bridge::Result<T>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

fn signature_sets() -> Vec<Value> {
    signature_cases()
        .into_iter()
        .map(|c| {
            let onchain = Attestation {
                epoch: c.set.epoch(),
                ..c.attestation
            };
            json!({
                "name": c.name,
                "epoch": c.set.epoch(),
                "validators": c.set.validators().iter().map(|v| h(v.0)).collect::<Vec<_>>(),
                "threshold": c.set.threshold(),
                "origin": c.attestation.origin,
                "origin_bridge": h(c.attestation.origin_bridge.as_bytes()),
                "destination": c.attestation.destination,
                "destination_bridge": h(c.attestation.destination_bridge.as_bytes()),
                "attested_epoch": c.attestation.epoch,
                "message_id": h(c.attestation.message_id),
                "signatures": h(&c.signatures),
                "signature_count": c.signatures.len() / 65,
                "expected": result_code(verify_attestation(&c.set, &c.attestation, &c.signatures)),
                "onchain_digest": h(onchain.digest()),
                "onchain_expected": result_code(verify_digest(&c.set, &onchain.digest(), &c.signatures)),
            })
        })
        .collect()
}

/// Sequences of token-bucket operations with the state after each (docs/protocol.md, "Buckets
/// and the queue"): `consume` is a send or an immediate delivery (refused above `available`),
/// `consume_queued` the execution of a queued transfer (an amount above the capacity passes
/// only from a full bucket, and empties it), `reconfigure` a limit change.
fn bucket_steps() -> Vec<Value> {
    enum Op {
        Consume(u128),
        ConsumeQueued(u128),
        Reconfigure(u128, u128),
    }
    use Op::*;
    /// A named sequence: the full bucket it starts from (capacity, refill, time), then the
    /// operations with their times.
    type Sequence = (&'static str, (u128, u128, u64), Vec<(u64, Op)>);
    let sequences: Vec<Sequence> = vec![
        (
            "consume_refill_and_refuse",
            (100, 2, 1_000),
            vec![
                (1_000, Consume(60)),
                (1_005, Consume(51)),
                (1_005, Consume(50)),
                (1_005, Consume(1)),
                (1_100, Consume(100)),
                (1_101, Consume(2)),
            ],
        ),
        (
            "queued_over_capacity_waits_for_a_full_bucket",
            (100, 1, 50),
            vec![
                (50, Consume(30)),
                (50, ConsumeQueued(250)),
                (79, ConsumeQueued(250)),
                (80, ConsumeQueued(250)),
                (80, ConsumeQueued(1)),
                (81, ConsumeQueued(1)),
                (81, Consume(101)),
                (300, ConsumeQueued(100)),
                (400, ConsumeQueued(101)),
            ],
        ),
        (
            "reconfigure_keeps_the_level_under_the_new_capacity",
            (1_000, 10, 0),
            vec![
                (0, Consume(900)),
                (10, Reconfigure(500, 1)),
                (10, Consume(201)),
                (10, Consume(200)),
                (20, Reconfigure(50, 1)),
                (1_000, Consume(51)),
                (1_000, Consume(50)),
                (1_001, Reconfigure(2_000, 5)),
                (1_001, ConsumeQueued(1_990)),
            ],
        ),
    ];
    sequences
        .into_iter()
        .map(|(name, (capacity, refill, start), ops)| {
            let mut bucket = TokenBucket::full(capacity, refill, start).unwrap();
            let steps: Vec<Value> = ops
                .into_iter()
                .map(|(now, op)| {
                    let (mut step, result) = match op {
                        Consume(amount) => (
                            json!({"op": "consume", "now": now, "amount": amount.to_string()}),
                            bucket.consume(amount, now),
                        ),
                        ConsumeQueued(amount) => (
                            json!({"op": "consume_queued", "now": now, "amount": amount.to_string()}),
                            bucket.consume_queued(amount, now),
                        ),
                        Reconfigure(capacity, refill) => (
                            json!({
                                "op": "reconfigure",
                                "now": now,
                                "capacity": capacity.to_string(),
                                "refill_per_second": refill.to_string(),
                            }),
                            bucket.reconfigure(capacity, refill, now),
                        ),
                    };
                    match result {
                        Ok(next) => {
                            bucket = next;
                            step["expected"] = json!("ok");
                        }
                        Err(e) => step["expected"] = json!(e.code()),
                    }
                    step["level"] = json!(bucket.level.to_string());
                    step["available"] = json!(bucket.available(now).unwrap().to_string());
                    step
                })
                .collect();
            json!({
                "name": name,
                "capacity": capacity.to_string(),
                "refill_per_second": refill.to_string(),
                "start": start,
                "steps": steps,
            })
        })
        .collect()
}

/// A fee configuration as the vectors write it: every number a decimal string.
fn fee_config_json(c: &FeeConfig) -> Value {
    json!({
        "gas_price": c.gas_price.to_string(),
        "exchange_rate": c.exchange_rate.to_string(),
        "fixed_cost": c.fixed_cost.to_string(),
        "message_gas": c.message_gas.to_string(),
        "signatures_gas": c.signatures_gas.to_string(),
        "transfer_gas": c.transfer_gas.to_string(),
        "gas_per_byte": c.gas_per_byte.to_string(),
        "last_update": c.last_update.to_string(),
    })
}

/// The fee configurations of the vectors: EVM to EVM (ether both sides), EVM to Solana (wei
/// per lamport, a fixed cost of signatures and rent), Solana to EVM (lamports per wei), one
/// that rounds at each step, and the largest prices.
fn fee_configs() -> Vec<(&'static str, FeeConfig)> {
    let evm = FeeConfig {
        gas_price: 3 * 10u128.pow(18), // 3 gwei per gas
        exchange_rate: fee::RATE_SCALE,
        fixed_cost: 0,
        message_gas: 65_000,
        signatures_gas: 21_000,
        transfer_gas: 110_000,
        gas_per_byte: 16,
        last_update: 1_700_000_000,
    };
    vec![
        ("evm_to_evm", evm),
        (
            "evm_to_solana",
            FeeConfig {
                gas_price: 5_000_000,                        // 5,000 micro-lamports per CU
                exchange_rate: 45_000_000 * fee::RATE_SCALE, // 4.5e7 wei per lamport
                fixed_cost: 2_044_280,                       // signatures and a receipt's rent
                message_gas: 30_000,
                signatures_gas: 45_000,
                transfer_gas: 75_000,
                gas_per_byte: 0,
                last_update: 1_700_000_000,
            },
        ),
        (
            "solana_to_evm",
            FeeConfig {
                exchange_rate: 22_222_222_222, // 2.2e-8 lamports per wei, times 10^18
                ..evm
            },
        ),
        (
            "rounds_up_at_each_step",
            FeeConfig {
                gas_price: 700_000_001,
                exchange_rate: 1_500_000_000_000_000_001,
                fixed_cost: 0,
                message_gas: 1,
                signatures_gas: 0,
                transfer_gas: 0,
                gas_per_byte: 1,
                last_update: 0,
            },
        ),
        ("unset_is_free", FeeConfig::default()),
        (
            "free_when_the_rate_is_zero",
            FeeConfig {
                gas_price: u128::MAX,
                exchange_rate: 0,
                fixed_cost: u128::MAX,
                message_gas: u64::MAX,
                signatures_gas: u64::MAX,
                transfer_gas: u64::MAX,
                gas_per_byte: u32::MAX,
                last_update: 0,
            },
        ),
        (
            "largest_prices",
            FeeConfig {
                gas_price: u128::MAX,
                exchange_rate: u128::MAX,
                fixed_cost: u128::MAX,
                message_gas: u64::MAX,
                signatures_gas: u64::MAX,
                transfer_gas: u64::MAX,
                gas_per_byte: u32::MAX,
                last_update: u64::MAX,
            },
        ),
        (
            "fixed_cost_at_the_limit",
            FeeConfig {
                fixed_cost: u128::MAX,
                exchange_rate: fee::RATE_SCALE,
                ..FeeConfig::default()
            },
        ),
        (
            "fee_overflows_after_the_exchange",
            FeeConfig {
                fixed_cost: u128::MAX,
                exchange_rate: fee::RATE_SCALE + 1,
                ..FeeConfig::default()
            },
        ),
    ]
}

/// `fee_quotes`: the fee of messages (gas limit, body length) and of a token transfer under
/// each configuration, or the error code.
fn fee_quotes() -> Vec<Value> {
    let cases: [(u64, u64); 4] = [
        (1, 9),
        (200_000, 109),
        (1_200_000, 681),
        (5_000_000, 16_384),
    ];
    let mut out = Vec::new();
    for (name, config) in fee_configs() {
        let mut quote =
            |kind: &str, gas_limit: u64, body_len: u64, r: trestle_bridge::Result<u128>| {
                let mut v = json!({
                    "name": format!("{name}/{kind}"),
                    "config": fee_config_json(&config),
                    "gas_limit": gas_limit.to_string(),
                    "body_len": body_len.to_string(),
                });
                match r {
                    Ok(fee) => v["fee"] = json!(fee.to_string()),
                    Err(e) => v["error"] = json!(e.code()),
                }
                out.push(v);
            };
        for (gas_limit, body_len) in cases {
            quote(
                "message",
                gas_limit,
                body_len,
                config.quote(gas_limit, body_len),
            );
        }
        quote(
            "transfer",
            config.transfer_gas,
            fee::TRANSFER_BODY_LEN,
            config.quote_transfer(),
        );
    }
    out
}

/// `fee_updates`: whether the fee oracle may set new prices at a time, from a configuration.
fn fee_updates() -> Vec<Value> {
    let base = fee_configs()[0].1;
    let (p, r, t) = (base.gas_price, base.exchange_rate, base.last_update);
    let interval = fee::FEE_UPDATE_INTERVAL;
    let cases: Vec<(&str, FeeConfig, u128, u128, u64)> = vec![
        ("unchanged_after_the_interval", base, p, r, t + interval),
        ("double_and_half", base, 2 * p, r / 2, t + interval),
        ("too_soon", base, p, r, t + interval - 1),
        ("gas_price_over_twice", base, 2 * p + 1, r, t + interval),
        ("exchange_rate_under_half", base, p, r / 2 - 1, t + interval),
        ("gas_price_zero", base, 0, r, t + interval),
        (
            "odd_value_halved_rounds_against_the_oracle",
            FeeConfig {
                gas_price: 3,
                ..base
            },
            1,
            r,
            t + interval,
        ),
        (
            "odd_value_halved_up",
            FeeConfig {
                gas_price: 3,
                ..base
            },
            2,
            r,
            t + interval,
        ),
        (
            "never_set_by_governance",
            FeeConfig::default(),
            1,
            1,
            t + interval,
        ),
        (
            "largest_values_double",
            FeeConfig {
                gas_price: u128::MAX / 2,
                exchange_rate: u128::MAX,
                ..base
            },
            u128::MAX - 1,
            u128::MAX,
            t + interval,
        ),
    ];
    cases
        .into_iter()
        .map(|(name, config, gas_price, exchange_rate, now)| {
            let expected = match config.check_price_update(gas_price, exchange_rate, now) {
                Ok(()) => "ok",
                Err(e) => e.code(),
            };
            json!({
                "name": name,
                "config": fee_config_json(&config),
                "gas_price": gas_price.to_string(),
                "exchange_rate": exchange_rate.to_string(),
                "now": now.to_string(),
                "expected": expected,
            })
        })
        .collect()
}

fn generate() -> String {
    let msgs: Vec<Value> = messages()
        .iter()
        .map(|(n, m)| message_vector(n, m))
        .collect();
    let keys: Vec<Value> = (0..19u32)
        .map(|i| {
            let (sk, k) = validator_key(i);
            json!({"index": i, "private_key": h(sk), "address": h(k.address().0)})
        })
        .collect();
    let sig_sets = signature_sets();
    let v = json!({
        "version": 2,
        "description": "Trestle bridge protocol v2 shared test vectors, generated by bridge/tests/it/vectors.rs (TRESTLE_BLESS=1 cargo test -p trestle-bridge --test it vectors). Validator key i is keccak256(\"trestle-vectors/validator/\" + decimal i). Byte strings are 0x-hex, amounts are decimal strings. Digests name the origin and destination domains and bridges (`destination_bridge`: the EVM destination bridge, or the Solana program id for the Solana domain). Signature sets: `expected` is verify_attestation(set, attestation with attested_epoch); `onchain_expected` is what a bridge answers when it builds the digest with its current epoch (`onchain_digest`). Bucket steps: each step's `expected` is ok or the error code, `level` and `available` the bucket after it (unchanged on error). Error codes are trestle_bridge::Error::code().",
        "domains": {"origin": ORIGIN, "destination": DESTINATION, "solana": SOLANA_DOMAIN},
        "origin_bridge": h(origin_bridge().as_bytes()),
        "destination_bridge": h(destination_bridge().as_bytes()),
        "solana_program": h(solana_program().as_bytes()),
        "native_token": h(NATIVE_TOKEN.as_bytes()),
        "validator_keys": keys,
        "message_count": msgs.len(),
        "messages": msgs,
        "invalid_message_count": invalid_messages().len(),
        "invalid_messages": invalid_messages(),
        "token_ids": token_ids(),
        "digest_count": digests().len(),
        "digests": digests(),
        "validator_set_count": validator_sets().len(),
        "validator_sets": validator_sets(),
        "signature_set_count": sig_sets.len(),
        "signature_sets": sig_sets,
        "bucket_steps": bucket_steps(),
        "fee_quotes": fee_quotes(),
        "fee_updates": fee_updates(),
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap();
    s.push('\n');
    s
}

#[test]
fn vectors_are_up_to_date() {
    let fresh = generate();
    if std::env::var_os("TRESTLE_BLESS").is_some() {
        std::fs::write(PATH, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(PATH).unwrap_or_else(|e| {
        panic!("{PATH}: {e}; run TRESTLE_BLESS=1 cargo test -p trestle-bridge --test it vectors")
    });
    assert!(
        committed == fresh,
        "{PATH} is stale: run TRESTLE_BLESS=1 cargo test -p trestle-bridge --test it vectors and commit it"
    );
}

#[test]
fn vectors_say_what_they_claim() {
    let cases = signature_cases();
    let code = |name: &str| {
        let c = cases.iter().find(|c| c.name == name).unwrap();
        result_code(verify_attestation(&c.set, &c.attestation, &c.signatures))
    };
    for name in [
        "ok_1_of_1",
        "ok_3_of_5",
        "ok_13_of_19",
        "ok_extra_5_of_5_threshold_3",
        "ok_extra_16_of_19",
    ] {
        assert_eq!(code(name), "ok", "{name}");
    }
    for (name, expected) in [
        ("empty_set", "below_threshold"),
        ("below_threshold_2_of_5", "below_threshold"),
        ("below_threshold_12_of_19", "below_threshold"),
        ("bad_length_64_extra_bytes", "bad_length"),
        ("bad_length_one_byte_short", "bad_length"),
        ("bad_v_0", "bad_v"),
        ("bad_v_1", "bad_v"),
        ("bad_v_29", "bad_v"),
        ("high_s_twin", "high_s"),
        ("recovery_failed_zero_r", "recovery_failed"),
        ("recovery_failed_zero_s", "recovery_failed"),
        ("recovery_failed_r_equals_n", "recovery_failed"),
        ("unsorted", "unsorted"),
        ("duplicate", "duplicate"),
        ("not_member", "not_member"),
        ("wrong_epoch", "wrong_epoch"),
    ] {
        assert_eq!(code(name), expected, "{name}");
    }
    // Signatures over another origin, bridge, or without the prefix recover to strangers.
    for name in [
        "wrong_origin_bridge",
        "wrong_origin_domain",
        "wrong_destination_bridge",
        "wrong_destination_domain",
        "unprefixed_inner_hash",
    ] {
        assert!(["not_member", "unsorted"].contains(&code(name)), "{name}");
    }
    // The high-s twin recovers to the same signer: only the s rule refuses it.
    let c = cases.iter().find(|c| c.name == "high_s_twin").unwrap();
    let sig = &c.signatures[65..130];
    let sig = trestle_core::evm::Signature::from_bytes(sig).unwrap();
    let ok = cases.iter().find(|c| c.name == "ok_3_of_5").unwrap();
    let orig = trestle_core::evm::Signature::from_bytes(&ok.signatures[65..130]).unwrap();
    let d = ok.attestation.digest();
    assert_eq!(
        sig.recover_address(&d).unwrap(),
        orig.recover_address(&d).unwrap()
    );
    // Every valid message vector decodes; every invalid one fails with its named code.
    for (_, m) in messages() {
        assert_eq!(full_decode(&m.encode()), Ok(()));
    }
    let invalid = invalid_messages();
    let error_of = |name: &str| {
        invalid.iter().find(|v| v["name"] == name).unwrap()["error"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    for (name, expected) in [
        ("version_1", "unsupported_version"),
        ("message_body_1_byte", "message_body_length"),
        ("message_body_8_bytes", "message_body_length"),
        ("message_zero_gas_limit", "zero_gas_limit"),
        ("message_zero_gas_limit_empty_payload", "zero_gas_limit"),
        ("token_transfer_96_bytes", "token_transfer_length"),
    ] {
        assert_eq!(error_of(name), expected, "{name}");
    }
    // The bucket sequences exercise every outcome they are named for.
    let buckets = bucket_steps();
    let outcomes: Vec<&str> = buckets
        .iter()
        .flat_map(|b| b["steps"].as_array().unwrap())
        .map(|s| s["expected"].as_str().unwrap())
        .collect();
    assert!(outcomes.contains(&"ok") && outcomes.contains(&"rate_limited"));
    let over = &buckets[1]["steps"];
    assert_eq!(over[2]["expected"], "rate_limited"); // 99 of 100 after 29 s
    assert_eq!(over[3]["expected"], "ok"); // full: the 250 passes and empties it
    assert_eq!(over[3]["level"], "0");
    let _ = token_id(ORIGIN, &evm32(1));
}
