//! Property tests: codec round trips, never-panic decoders, validator-set and signature-set
//! rules, token-bucket laws.

use proptest::prelude::*;
use trestle_bridge::rate_limit::{InboundDecision, TokenBucket, inbound_decision};
use trestle_bridge::signatures::verify_digest;
use trestle_bridge::timelock;
use trestle_bridge::{Body, MAX_BODY_LEN, Message, TokenTransfer, ValidatorSet};
use trestle_core::chain::{U256, UniversalAddress};
use trestle_core::evm::{EvmAddress, EvmSigner};

fn addr32() -> impl Strategy<Value = UniversalAddress> {
    any::<[u8; 32]>().prop_map(UniversalAddress)
}

fn body() -> impl Strategy<Value = Body> {
    prop_oneof![
        (1u64.., proptest::collection::vec(any::<u8>(), 0..512))
            .prop_map(|(gas_limit, payload)| Body::Message { gas_limit, payload }),
        (any::<[u8; 32]>(), any::<[u8; 32]>(), addr32()).prop_map(|(t, a, b)| {
            Body::TokenTransfer(TokenTransfer {
                token_id: t,
                amount: U256::from_be_bytes(a),
                beneficiary: b,
            })
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn message_round_trip(
        nonce in any::<u64>(),
        origin in 1u32..,
        destination in 1u32..,
        sender in addr32(),
        recipient in addr32(),
        body in body(),
    ) {
        let m = Message::new(nonce, origin, sender, destination, recipient, body.encode()).unwrap();
        let e = m.encode();
        prop_assert_eq!(e.len(), 81 + m.body.len());
        let d = Message::decode(&e).unwrap();
        prop_assert_eq!(&d, &m);
        prop_assert_eq!(d.id(), m.id());
        prop_assert_eq!(Body::decode(&d.body).unwrap(), body);
    }

    #[test]
    fn message_decode_never_panics_and_reencodes(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(m) = Message::decode(&bytes) {
            prop_assert_eq!(m.encode(), bytes);
        }
    }

    #[test]
    fn message_decode_never_panics_near_header(
        mut bytes in proptest::collection::vec(any::<u8>(), 75..90),
        valid_prefix in any::<bool>(),
    ) {
        if valid_prefix {
            bytes[0] = 1;
        }
        if let Ok(m) = Message::decode(&bytes) {
            prop_assert_eq!(m.encode(), bytes);
        }
    }

    #[test]
    fn body_decode_never_panics_and_reencodes(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(b) = Body::decode(&bytes) {
            prop_assert_eq!(b.encode(), bytes);
        }
    }

    #[test]
    fn signature_set_decoding_never_panics(
        bytes in proptest::collection::vec(any::<u8>(), 0..400),
        digest in any::<[u8; 32]>(),
    ) {
        let set = ValidatorSet::new(1, vec![EvmAddress([1; 20])], 1).unwrap();
        // Random bytes never verify (no signer is the fixed validator), and never panic.
        prop_assert!(verify_digest(&set, &digest, &bytes).is_err());
    }

    #[test]
    fn validator_set_rules(
        raw in proptest::collection::vec(any::<u8>(), 0..12),
        epoch in 0u64..3,
        threshold in 0usize..14,
    ) {
        let validators: Vec<EvmAddress> = raw.iter().map(|b| EvmAddress([*b; 20])).collect();
        let valid = epoch >= 1
            && !validators.is_empty()
            && validators.iter().all(|v| *v != EvmAddress::ZERO)
            && validators.windows(2).all(|w| w[0] < w[1])
            && threshold >= 1
            && threshold <= validators.len();
        prop_assert_eq!(ValidatorSet::new(epoch, validators.clone(), threshold).is_ok(), valid);
        let config_ok = ValidatorSet::new_for_configuration(epoch, validators.clone(), threshold).is_ok();
        let n = validators.len();
        prop_assert_eq!(config_ok, valid && 3 * threshold >= 2 * n);
    }
}

fn keys() -> Vec<EvmSigner> {
    let mut v: Vec<_> = (1..=7u8)
        .map(|i| EvmSigner::from_private_key(&[i; 32]).unwrap())
        .collect();
    v.sort_by_key(|k| k.address());
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn signature_sets_accept_exactly_sorted_member_subsets(
        mask in 0u8..128,
        threshold in 1usize..=7,
        digest in any::<[u8; 32]>(),
        shuffle in any::<bool>(),
    ) {
        let keys = keys();
        let set = ValidatorSet::new(3, keys.iter().map(|k| k.address()).collect(), threshold).unwrap();
        let mut chosen: Vec<&EvmSigner> =
            keys.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, k)| k).collect();
        if shuffle && chosen.len() >= 2 {
            chosen.reverse();
        }
        let sigs: Vec<u8> = chosen
            .iter()
            .flat_map(|k| k.sign_hash(&digest).unwrap().to_bytes())
            .collect();
        let result = verify_digest(&set, &digest, &sigs);
        if shuffle && chosen.len() >= 2 {
            prop_assert_eq!(result.unwrap_err().code(), "unsorted");
        } else if chosen.len() >= threshold {
            let signers = result.unwrap();
            prop_assert_eq!(signers.len(), chosen.len());
        } else {
            prop_assert_eq!(result.unwrap_err().code(), "below_threshold");
        }
    }
}

#[derive(Debug, Clone)]
enum Op {
    Wait(u64),
    Take(u128),
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    proptest::collection::vec(
        prop_oneof![
            (0u64..1_000).prop_map(Op::Wait),
            (0u128..2_000).prop_map(Op::Take),
            any::<u128>().prop_map(Op::Take),
            any::<u64>().prop_map(|w| Op::Wait(w / 4)),
        ],
        0..40,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn bucket_never_exceeds_capacity_never_goes_negative(
        capacity in 1u128..,
        refill in any::<u128>(),
        start in 0u64..1_000_000,
        ops in ops(),
    ) {
        let mut bucket = TokenBucket::full(capacity, refill, start).unwrap();
        let mut now = start;
        for op in ops {
            match op {
                Op::Wait(w) => now = now.saturating_add(w),
                Op::Take(amount) => {
                    let available = bucket.available(now).unwrap();
                    match bucket.consume(amount, now) {
                        Ok(next) => {
                            prop_assert!(amount <= available);
                            prop_assert_eq!(next.level, available - amount);
                            bucket = next;
                        }
                        Err(e) => {
                            prop_assert!(amount > available);
                            prop_assert!(e.is_retryable());
                        }
                    }
                }
            }
            let available = bucket.available(now).unwrap();
            prop_assert!(available <= bucket.capacity);
            prop_assert!(bucket.level <= bucket.capacity);
        }
    }

    #[test]
    fn refill_is_monotone(
        capacity in 1u128..,
        refill in any::<u128>(),
        level_frac in any::<u128>(),
        t0 in 0u64..1_000_000,
        d1 in any::<u32>(),
        d2 in any::<u32>(),
    ) {
        let bucket = TokenBucket { capacity, refill_per_second: refill, level: level_frac % capacity, last_update: t0 };
        let t1 = t0 + u64::from(d1);
        let t2 = t1 + u64::from(d2);
        let a0 = bucket.available(t0).unwrap();
        let a1 = bucket.available(t1).unwrap();
        let a2 = bucket.available(t2).unwrap();
        prop_assert_eq!(a0, bucket.level);
        prop_assert!(a0 <= a1 && a1 <= a2 && a2 <= capacity);
        prop_assert!(bucket.available(t0.saturating_sub(1)).is_err() || t0 == 0);
    }

    #[test]
    fn inbound_decisions_follow_the_spec(
        capacity in 1u128..10_000,
        refill in 0u128..100,
        threshold in 1u128..20_000,
        amount in 0u128..20_000,
        elapsed in 0u64..100,
    ) {
        let bucket = TokenBucket { capacity, refill_per_second: refill, level: capacity / 2, last_update: 10 };
        let now = 10 + elapsed;
        let available = bucket.available(now).unwrap();
        match inbound_decision(&bucket, threshold, amount, now).unwrap() {
            InboundDecision::Execute(next) => {
                prop_assert!(amount < threshold && amount <= capacity && amount <= available);
                prop_assert_eq!(next.level, available - amount);
            }
            InboundDecision::Queue { timelocked, rate_limited } => {
                prop_assert_eq!(timelocked, amount >= threshold || amount > capacity);
                prop_assert_eq!(rate_limited, amount > available);
                prop_assert!(timelocked || rate_limited);
            }
        }
    }

    /// The second review's M2: a transfer above the bucket's capacity is timelocked whatever
    /// the threshold and the bucket's level (a full bucket included), so that `consume_queued`'s
    /// over-capacity rule can never pay it without the token's delay.
    #[test]
    fn over_capacity_transfers_are_always_timelocked(
        capacity in 1u128..1_000_000,
        refill in 0u128..1_000,
        threshold in 1u128..=u128::MAX,
        over in 1u128..1_000_000,
        level_frac in any::<u128>(),
        elapsed in 0u64..1_000_000,
    ) {
        let bucket = TokenBucket {
            capacity,
            refill_per_second: refill,
            level: level_frac % (capacity + 1),
            last_update: 10,
        };
        let amount = capacity + over;
        match inbound_decision(&bucket, threshold, amount, 10 + elapsed).unwrap() {
            InboundDecision::Queue { timelocked, rate_limited } => {
                prop_assert!(timelocked);
                prop_assert!(rate_limited);
            }
            InboundDecision::Execute(_) => prop_assert!(false, "{amount} above {capacity} executed"),
        }
    }

    #[test]
    fn timelock_and_grace_windows(queued in any::<u64>(), delay in any::<u64>(), now in any::<u64>()) {
        match timelock::ready_at(queued, delay) {
            Ok(at) => {
                prop_assert_eq!(timelock::check_executable(now, at).is_ok(), now >= at);
                let proposal = timelock::check_proposal_executable(now, at);
                prop_assert_eq!(
                    proposal.is_ok(),
                    now >= at && now <= at.saturating_add(timelock::GRACE_PERIOD)
                );
            }
            Err(_) => prop_assert!(queued.checked_add(delay).is_none()),
        }
    }

    #[test]
    fn queued_transfers_always_pass_the_bucket(
        capacity in 1u128..10_000,
        refill in 0u128..100,
        level_frac in any::<u128>(),
        amount in 1u128..30_000,
        elapsed in 0u64..1_000,
    ) {
        let bucket = TokenBucket { capacity, refill_per_second: refill, level: level_frac % (capacity + 1), last_update: 10 };
        let now = 10 + elapsed;
        let available = bucket.available(now).unwrap();
        match bucket.consume_queued(amount, now) {
            Ok(next) if amount > capacity => {
                // Over the capacity: only from a full bucket, which it empties.
                prop_assert_eq!(available, capacity);
                prop_assert_eq!(next.level, 0);
            }
            Ok(next) => prop_assert_eq!(next.level, available - amount),
            Err(e) => {
                prop_assert_eq!(e.code(), "rate_limited");
                prop_assert!(amount > available);
                prop_assert!(amount <= capacity || available < capacity);
            }
        }
    }
}

#[test]
fn max_body_boundary() {
    let a = UniversalAddress([1; 32]);
    assert!(Message::new(0, 1, a, 2, a, vec![0; MAX_BODY_LEN]).is_ok());
    assert_eq!(
        Message::new(0, 1, a, 2, a, vec![0; MAX_BODY_LEN + 1])
            .unwrap_err()
            .code(),
        "body_too_large"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn amount_scaling_round_trips_exactly(local in 1u128.., exp in 0u8..=30) {
        use trestle_bridge::amount::{home_to_local, local_to_home};
        let local = U256::from(local);
        let home = local_to_home(local, exp).unwrap();
        prop_assert_eq!(home_to_local(home, exp).unwrap(), local);
        if exp > 0 {
            prop_assert_eq!(home_to_local(home + U256::from(1u8), exp).unwrap_err().code(), "inexact_amount");
        }
    }
}
