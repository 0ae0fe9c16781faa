//! EIP-712 typed-data JSON never panics the parser or the hasher.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trestle_core::evm::TypedData;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(typed) = TypedData::from_json(text) {
        let _ = typed.signing_hash();
    }
});
