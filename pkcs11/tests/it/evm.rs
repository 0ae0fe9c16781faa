//! secp256k1 keys on the token as EVM signers.

use k256::ecdsa::VerifyingKey;
use k256::ecdsa::signature::hazmat::PrehashVerifier;
use trestle_core::evm::transaction::decode_signed;
use trestle_core::evm::{EvmAddress, TransactionRequest, keccak256, signer::verify_hash};
use trestle_pkcs11::{Curve, Pkcs11Key, Token, evm_signer};

use crate::location;

#[test]
fn signatures_are_low_s_and_recover_to_the_tokens_key() {
    let (loc, pin) = location("evm");
    let signer = evm_signer(loc.clone(), pin.clone()).unwrap();
    assert!(signer.is_external());

    // The address is the public key's, as k256 reads it from the token.
    let key = Pkcs11Key::open(loc, pin, Curve::Secp256k1).unwrap();
    let public = VerifyingKey::from_sec1_bytes(key.public_key()).unwrap();
    // The address by hand: the last 20 bytes of keccak256(x || y).
    let point = public.to_encoded_point(false);
    let by_hand = EvmAddress::from_slice(&keccak256(&point.as_bytes()[1..])[12..]).unwrap();
    assert_eq!(signer.address(), by_hand);
    assert_eq!(signer.public_key().as_slice(), key.public_key());

    // ECDSA nonces are random on the token: about half the raw signatures are high-s, so
    // 200 cover both halves and both recovery ids many times over.
    let (mut high_raw, mut odd) = (0, 0);
    for i in 0..200u32 {
        let hash = keccak256(i.to_be_bytes());
        let raw = key.sign(&hash).unwrap();
        let raw = k256::ecdsa::Signature::from_slice(&raw).unwrap();
        let low = raw.normalize_s();
        high_raw += usize::from(low.is_some());
        // k256 verifies low-s signatures only: the raw one, made low, must verify.
        public
            .verify_prehash(&hash, &low.unwrap_or(raw))
            .expect("the token's raw signature verifies");

        let sig = signer.sign_hash(&hash).unwrap();
        assert!(!sig.is_high_s(), "signature {i} has a high s: {sig:?}");
        odd += usize::from(sig.y_parity);
        assert_eq!(sig.recover_address(&hash).unwrap(), signer.address());
        verify_hash(&hash, &sig, &signer.address()).unwrap();
    }
    assert!(
        high_raw > 0,
        "the token never returned a high s: normalisation untested"
    );
    assert!(odd > 0 && odd < 200, "recovery ids: {odd} of 200 odd");
}

#[test]
fn transactions_decode_to_the_tokens_address() {
    let (loc, pin) = location("evm-2");
    let signer = evm_signer(loc, pin).unwrap();
    for nonce in 0..20u64 {
        let request = TransactionRequest::from_json(&format!(
            r#"{{"chainId":31337,"nonce":{nonce},"gas":21000,"maxFeePerGas":2000000000,
                "maxPriorityFeePerGas":1000000000,"to":"0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
                "value":"0x1"}}"#
        ))
        .unwrap();
        let signed = signer.sign_request(&request).unwrap();
        assert_eq!(signed.from, signer.address());
        let (tx, sig, from) = decode_signed(&signed.raw).unwrap();
        assert_eq!(from, signer.address());
        assert_eq!(tx.nonce(), nonce);
        assert!(!sig.is_high_s());
        assert_eq!(keccak256(&signed.raw), signed.hash);
    }
}

#[test]
fn one_key_signs_from_many_threads() {
    let (loc, pin) = location("oracle");
    let signer = evm_signer(loc, pin).unwrap();
    std::thread::scope(|s| {
        for t in 0..8u8 {
            let signer = &signer;
            s.spawn(move || {
                for i in 0..20u8 {
                    let hash = keccak256([t, i]);
                    let sig = signer.sign_hash(&hash).unwrap();
                    verify_hash(&hash, &sig, &signer.address()).unwrap();
                }
            });
        }
    });
}

#[test]
fn a_token_chosen_by_slot() {
    let (mut loc, pin) = location("relayer");
    let by_label = evm_signer(loc.clone(), pin.clone()).unwrap();
    // SoftHSM2 numbers slots by the token's serial: find it through the module's own listing.
    let out = std::process::Command::new("pkcs11-tool")
        .args(["--module"])
        .arg(&loc.module)
        .arg("--list-token-slots")
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&out.stdout);
    let slot = listing
        .lines()
        .collect::<Vec<_>>()
        .windows(2)
        .find_map(|w| {
            let id = w[0]
                .strip_prefix("Slot ")?
                .split(" (0x")
                .nth(1)?
                .split(')')
                .next()?;
            w[1].contains(trestle_tests::softhsm::TOKEN)
                .then(|| u64::from_str_radix(id, 16).ok())
                .flatten()
        })
        .unwrap_or_else(|| panic!("no slot of the test token in:\n{listing}"));
    loc.token = Token::Slot(slot);
    let by_slot = evm_signer(loc, pin).unwrap();
    assert_eq!(by_slot.address(), by_label.address());
}

/// Signing from async code, as the daemon does: on a multi-threaded runtime the blocking
/// token call is moved off the worker (`block_in_place`), on a current-thread runtime (where
/// that would panic) it runs in place. Both sign, and a task on the runtime goes on meanwhile.
#[test]
fn signs_from_async_code_on_either_runtime_flavour() {
    let (loc, pin) = location("evm-2");
    let signer = evm_signer(loc, pin).unwrap();
    let hash = keccak256(b"async");
    for multi in [true, false] {
        let runtime = if multi {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
        } else {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
        }
        .unwrap();
        let sig = runtime.block_on(async {
            let ticks = tokio::spawn(async {
                for _ in 0..5 {
                    tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                }
            });
            let mut sig = signer.sign_hash(&hash).unwrap();
            for _ in 0..20 {
                sig = signer.sign_hash(&hash).unwrap();
            }
            ticks.await.unwrap();
            sig
        });
        assert_eq!(sig.recover_address(&hash).unwrap(), signer.address());
    }
}
