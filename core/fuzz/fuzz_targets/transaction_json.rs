//! eth_signTransaction JSON never panics the parser or the encoder.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trestle_core::evm::{EvmSigner, TransactionRequest};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(request) = TransactionRequest::from_json(text) {
        let signer = EvmSigner::from_private_key(&[7u8; 32]).expect("valid key");
        let _ = signer.sign_request(&request);
    }
});
