//! Every way opening a key fails, each with an error that names what is wrong and never the
//! PIN.

use trestle_pkcs11::{Curve, Error, Pin, Pkcs11Key, Token, evm_signer};
use trestle_tests::softhsm::{P256_KEY, WRONG_PIN_TOKEN, WRONG_PIN_TOKEN_PIN};

use crate::location;

#[test]
fn a_wrong_pin_is_refused_without_showing_it() {
    let (mut loc, _) = location("evm");
    loc.token = Token::Label(WRONG_PIN_TOKEN.into());
    let wrong = "not-the-pin-4711";
    let err = evm_signer(loc.clone(), Pin::new(wrong)).unwrap_err();
    assert!(matches!(err, Error::WrongPin { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("refused the PIN") && text.contains("CKR_PIN_INCORRECT"),
        "{text}"
    );
    assert!(text.contains(WRONG_PIN_TOKEN), "{text}");
    assert!(
        !text.contains(wrong) && !format!("{err:?}").contains(wrong),
        "{err:?}"
    );
    // The right PIN still works (a wrong one did not lock the token).
    evm_signer(loc, Pin::new(WRONG_PIN_TOKEN_PIN)).unwrap();
}

#[test]
fn a_missing_key_is_named() {
    let (loc, pin) = location("no-such-key");
    let err = evm_signer(loc, pin).unwrap_err();
    assert!(matches!(err, Error::KeyNotFound { .. }), "{err:?}");
    assert!(err.to_string().contains("\"no-such-key\""), "{err}");
}

#[test]
fn a_missing_token_lists_the_tokens_there_are() {
    let (mut loc, pin) = location("evm");
    loc.token = Token::Label("no-such-token".into());
    let err = evm_signer(loc.clone(), pin.clone()).unwrap_err();
    assert!(matches!(err, Error::TokenNotFound { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("no-such-token") && text.contains(trestle_tests::softhsm::TOKEN),
        "{text}"
    );
    loc.token = Token::Slot(987_654_321);
    let err = evm_signer(loc, pin).unwrap_err();
    assert!(err.to_string().contains("slot 987654321"), "{err}");
}

#[test]
fn a_missing_module_is_named() {
    let (mut loc, pin) = location("evm");
    loc.module = "/nonexistent/libvendor-pkcs11.so".into();
    let err = evm_signer(loc, pin).unwrap_err();
    assert!(matches!(err, Error::Module { .. }), "{err:?}");
    assert!(
        err.to_string().contains("/nonexistent/libvendor-pkcs11.so"),
        "{err}"
    );
    assert!(!err.is_retryable());
}

#[test]
fn keys_on_other_curves_are_refused() {
    // An ed25519 key asked for as secp256k1: another key type.
    let (loc, pin) = location("solana");
    let err = evm_signer(loc, pin).unwrap_err().to_string();
    assert!(
        err.contains("\"solana\"") && err.contains("secp256k1"),
        "{err}"
    );
    // A P-256 key: an EC key, on another curve.
    let (loc, pin) = location(P256_KEY);
    let err = evm_signer(loc, pin).unwrap_err().to_string();
    assert!(err.contains("is not on secp256k1"), "{err}");
    // A secp256k1 key asked for as ed25519.
    let (loc, pin) = location("evm");
    let err = Pkcs11Key::open(loc, pin, Curve::Ed25519)
        .unwrap_err()
        .to_string();
    assert!(err.contains("ed25519"), "{err}");
}

#[test]
fn debug_shows_where_the_key_is_not_the_pin() {
    let (loc, pin) = location("evm");
    let key = Pkcs11Key::open(loc.clone(), pin, Curve::Secp256k1).unwrap();
    let debug = format!("{key:?}");
    assert!(
        debug.contains("evm") && debug.contains(trestle_tests::softhsm::TOKEN),
        "{debug}"
    );
    assert!(!debug.contains(trestle_tests::softhsm::PIN), "{debug}");
    let signer = evm_signer(loc, Pin::new(trestle_tests::softhsm::PIN)).unwrap();
    let debug = format!("{signer:?}");
    assert!(debug.contains("pkcs11 token"), "{debug}");
    assert!(!debug.contains(trestle_tests::softhsm::PIN), "{debug}");
}
