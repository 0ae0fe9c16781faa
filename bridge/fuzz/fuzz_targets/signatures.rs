//! Signature-set verification never panics on arbitrary bytes, and agrees with a model.
//!
//! The first input byte picks the mode. Raw: the next 32 bytes are the digest, the rest the
//! signature set; whatever verifies has a whole number of signatures, at least the threshold,
//! strictly ascending members that each recover from their own 65 bytes. Signed: each further
//! byte picks a signer (one of the five validators or an outsider) of a genuine signature over
//! a fixed digest, in the input's order; the set verifies iff the picks are strictly
//! ascending by address, all members, and at least the threshold, and otherwise fails with the
//! error the spec's order names first.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use trestle_bridge::ValidatorSet;
use trestle_bridge::signatures::{SIGNATURE_LEN, recover_strict, verify_digest};
use trestle_core::evm::{EvmAddress, EvmSigner};

const THRESHOLD: usize = 4;
const DIGEST: [u8; 32] = [0x5a; 32];

struct Fixture {
    /// Five members (ascending by address), then one outsider.
    signers: Vec<EvmSigner>,
    /// Each signer's signature over `DIGEST`.
    signatures: Vec<[u8; 65]>,
    set: ValidatorSet,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let mut signers: Vec<EvmSigner> = (1..=5u8)
            .map(|i| EvmSigner::from_private_key(&[i; 32]).expect("valid key"))
            .collect();
        signers.sort_by_key(|s| s.address());
        let set = ValidatorSet::new_for_configuration(
            1,
            signers.iter().map(|s| s.address()).collect(),
            THRESHOLD,
        )
        .expect("4-of-5 is a legal set");
        signers.push(EvmSigner::from_private_key(&[0x77; 32]).expect("valid key"));
        let signatures = signers
            .iter()
            .map(|s| s.sign_hash(&DIGEST).expect("signs").to_bytes())
            .collect();
        Fixture {
            signers,
            signatures,
            set,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let f = fixture();
    if mode % 2 == 0 {
        raw(f, rest);
    } else {
        signed(f, rest);
    }
});

fn raw(f: &Fixture, data: &[u8]) {
    let mut digest = [0u8; 32];
    let split = data.len().min(32);
    digest[..split].copy_from_slice(&data[..split]);
    let sigs = &data[split..];
    match verify_digest(&f.set, &digest, sigs) {
        Ok(signers) => {
            assert_eq!(sigs.len() % SIGNATURE_LEN, 0);
            assert_eq!(signers.len(), sigs.len() / SIGNATURE_LEN);
            assert!(signers.len() >= THRESHOLD);
            assert!(
                signers.windows(2).all(|w| w[0] < w[1]),
                "strictly ascending"
            );
            for (i, (signer, chunk)) in signers
                .iter()
                .zip(sigs.chunks_exact(SIGNATURE_LEN))
                .enumerate()
            {
                assert!(f.set.contains(signer));
                assert_eq!(
                    recover_strict(i, chunk, &digest).expect("recovers"),
                    *signer
                );
            }
        }
        Err(e) => {
            if sigs.len() % SIGNATURE_LEN != 0 {
                assert_eq!(e.code(), "bad_length");
            }
        }
    }
}

fn signed(f: &Fixture, picks: &[u8]) {
    let picks: Vec<usize> = picks
        .iter()
        .take(12)
        .map(|p| usize::from(*p) % f.signers.len())
        .collect();
    let sigs: Vec<u8> = picks.iter().flat_map(|&p| f.signatures[p]).collect();
    let result = verify_digest(&f.set, &DIGEST, &sigs);
    // The model: the first failure in the spec's order.
    let address = |p: usize| -> EvmAddress { f.signers[p].address() };
    let mut expected = None;
    for (i, &p) in picks.iter().enumerate() {
        if i > 0 && address(p) == address(picks[i - 1]) {
            expected = Some("duplicate");
        } else if i > 0 && address(p) < address(picks[i - 1]) {
            expected = Some("unsorted");
        } else if !f.set.contains(&address(p)) {
            expected = Some("not_member");
        }
        if expected.is_some() {
            break;
        }
    }
    if expected.is_none() && picks.len() < THRESHOLD {
        expected = Some("below_threshold");
    }
    match (expected, result) {
        (None, Ok(signers)) => {
            let want: Vec<EvmAddress> = picks.iter().map(|&p| address(p)).collect();
            assert_eq!(signers, want);
        }
        (Some(code), Err(e)) => assert_eq!(e.code(), code, "{e}"),
        (None, Err(e)) => panic!("refused a valid set {picks:?}: {e}"),
        (Some(code), Ok(_)) => panic!("accepted {picks:?}, expected {code}"),
    }
}
