//! Validator-set construction from arbitrary bytes never panics, keeps its invariants, and
//! the configuration rule is exactly `ceil(2n/3) <= threshold <= n`.
//! Input: epoch (8 bytes BE), threshold (1 byte), then 20 bytes per validator.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trestle_bridge::{MAX_VALIDATORS, ValidatorSet, min_config_threshold};
use trestle_core::evm::EvmAddress;

fuzz_target!(|data: &[u8]| {
    let Some((head, rest)) = data.split_first_chunk::<9>() else {
        return;
    };
    let epoch = u64::from_be_bytes(head[..8].try_into().expect("8 bytes"));
    let threshold = usize::from(head[8]);
    let validators: Vec<EvmAddress> = rest
        .chunks_exact(20)
        .map(|c| EvmAddress(c.try_into().expect("20 bytes")))
        .collect();
    let n = validators.len();
    let plain = ValidatorSet::new(epoch, validators.clone(), threshold);
    match &plain {
        Ok(set) => {
            assert!(epoch >= 1 && (1..=MAX_VALIDATORS).contains(&n));
            assert!(threshold >= 1 && threshold <= n);
            assert!(
                set.validators().windows(2).all(|w| w[0] < w[1]),
                "strictly ascending"
            );
            assert!(
                set.validators()
                    .iter()
                    .all(|v| *v != EvmAddress::ZERO && set.contains(v))
            );
            assert_eq!(set.epoch(), epoch);
            assert_eq!(set.threshold(), threshold);
        }
        Err(e) => {
            let ascending = validators.windows(2).all(|w| w[0] < w[1]);
            let nonzero = validators.iter().all(|v| *v != EvmAddress::ZERO);
            assert!(
                epoch == 0
                    || n == 0
                    || n > MAX_VALIDATORS
                    || !ascending
                    || !nonzero
                    || threshold == 0
                    || threshold > n,
                "refused a valid set: {e}"
            );
        }
    }
    let min = (2 * n).div_ceil(3);
    assert_eq!(min_config_threshold(n), min);
    let configured = ValidatorSet::new_for_configuration(epoch, validators, threshold);
    match (&plain, &configured) {
        (Ok(_), Ok(_)) => assert!(threshold >= min),
        (Ok(_), Err(e)) => {
            assert!(threshold < min);
            assert_eq!(e.code(), "threshold_below_two_thirds");
        }
        (Err(a), Err(b)) => assert_eq!(a, b, "same first failure"),
        (Err(_), Ok(_)) => panic!("configuration accepted a set the plain check refuses"),
    }
});
