//! Signatures are not malleable: a genuine 4-of-5 set over a digest taken from the input,
//! changed at positions and by masks taken from the input, verifies only if the bytes are
//! unchanged (flipped `v`, high `s`, tampered `r`/`s`: all refused).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use trestle_bridge::ValidatorSet;
use trestle_bridge::signatures::verify_digest;
use trestle_core::evm::EvmSigner;

fn keys() -> &'static (Vec<EvmSigner>, ValidatorSet) {
    static KEYS: OnceLock<(Vec<EvmSigner>, ValidatorSet)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut signers: Vec<EvmSigner> = (1..=5u8)
            .map(|i| EvmSigner::from_private_key(&[i; 32]).expect("valid key"))
            .collect();
        signers.sort_by_key(|s| s.address());
        let set = ValidatorSet::new_for_configuration(
            1,
            signers.iter().map(|s| s.address()).collect(),
            4,
        )
        .expect("4-of-5 is a legal set");
        (signers, set)
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((digest, edits)) = data.split_first_chunk::<32>() else {
        return;
    };
    let (signers, set) = keys();
    let genuine: Vec<u8> = signers
        .iter()
        .take(4)
        .flat_map(|s| s.sign_hash(digest).expect("signs").to_bytes())
        .collect();
    assert!(
        verify_digest(set, digest, &genuine).is_ok(),
        "the genuine set verifies"
    );
    let mut tampered = genuine.clone();
    for edit in edits.chunks_exact(3).take(8) {
        let pos = usize::from(u16::from_be_bytes([edit[0], edit[1]])) % tampered.len();
        tampered[pos] ^= edit[2];
    }
    if tampered != genuine {
        assert!(
            verify_digest(set, digest, &tampered).is_err(),
            "a tampered set verified"
        );
    }
});
