//! Keystore JSON never panics decryption, whatever its KDF parameters claim.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trestle_core::wallet::keystore;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = keystore::decrypt(text, b"password");
});
