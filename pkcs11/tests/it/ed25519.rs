//! ed25519 keys on the token (SoftHSM2 2.6 has `CKM_EC_EDWARDS_KEY_PAIR_GEN` and `CKM_EDDSA`).

use ed25519_dalek::{Signature, VerifyingKey};
use trestle_pkcs11::{Curve, Pkcs11Key};

use crate::location;

#[test]
fn ed25519_signatures_verify_strictly() {
    let (loc, pin) = location("solana");
    let key = Pkcs11Key::open(loc, pin, Curve::Ed25519).unwrap();
    let public = VerifyingKey::from_bytes(key.public_key().try_into().unwrap()).unwrap();
    for i in 0..50u8 {
        let message = vec![i; usize::from(i) * 7 + 1];
        let sig = key.sign(&message).unwrap();
        let sig = Signature::from_bytes(sig.as_slice().try_into().unwrap());
        public.verify_strict(&message, &sig).unwrap();
        assert!(public.verify_strict(b"another message", &sig).is_err());
    }
}
