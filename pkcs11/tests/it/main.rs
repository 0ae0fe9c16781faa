//! `trestle-pkcs11` against a real SoftHSM2 token (`trestle_tests::softhsm`): secp256k1 and
//! ed25519 keys generated on the token, signatures checked with k256 and ed25519-dalek, and
//! every way opening a key can fail.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests: a failed unwrap is a failed test"
)]

mod ed25519;
mod evm;
mod failures;

use trestle_pkcs11::{KeyLocation, Pin, Token};
use trestle_tests::softhsm::{self, PIN, TOKEN};

/// The location of `label` on the test token, and the token's PIN. Fails (it does not skip)
/// when SoftHSM2 is not installed.
fn location(label: &str) -> (KeyLocation, Pin) {
    let hsm = softhsm::softhsm().unwrap_or_else(|e| panic!("{e}"));
    (
        KeyLocation {
            module: hsm.module().to_owned(),
            token: Token::Label(TOKEN.into()),
            key_label: label.into(),
        },
        Pin::new(PIN),
    )
}
