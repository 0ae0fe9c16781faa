//! Mnemonic parsing in every wordlist never panics, and what parses round-trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trestle_core::wallet::mnemonic::{Language, Mnemonic};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for language in Language::ALL {
        if let Ok(m) = Mnemonic::parse_in(language, text) {
            let again = Mnemonic::parse_in(language, m.phrase()).expect("canonical phrase parses");
            assert_eq!(again.phrase(), m.phrase());
        }
    }
});
