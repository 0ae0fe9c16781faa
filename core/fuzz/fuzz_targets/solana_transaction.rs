//! Solana wire-format transactions never panic the decoder, and what decodes re-encodes
//! to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trestle_core::solana::Transaction;

fuzz_target!(|data: &[u8]| {
    if let Ok(tx) = Transaction::deserialize(data) {
        assert_eq!(tx.serialize().expect("decoded transaction encodes"), data);
    }
});
