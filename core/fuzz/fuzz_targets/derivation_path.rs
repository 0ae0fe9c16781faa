//! Derivation-path parsing never panics, and Display of a parsed path parses to the same path.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trestle_core::wallet::path::DerivationPath;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(path) = text.parse::<DerivationPath>() {
        let again: DerivationPath = path.to_string().parse().expect("canonical path parses");
        assert_eq!(again, path);
    }
});
