//! Body decoding never panics; what decodes re-encodes to the same bytes; errors name the
//! first failure. Token transfers and payloads built from the input round-trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trestle_bridge::body::{
    KIND_MESSAGE, KIND_TOKEN_TRANSFER, MAX_PAYLOAD_LEN, MESSAGE_PREFIX_LEN, TOKEN_TRANSFER_LEN,
};
use trestle_bridge::{Body, MAX_BODY_LEN, TokenTransfer};
use trestle_core::chain::{U256, UniversalAddress};

fuzz_target!(|data: &[u8]| {
    match Body::decode(data) {
        Ok(body) => {
            assert_eq!(body.encode(), data, "decoded body re-encodes to its bytes");
            match body {
                Body::TokenTransfer(_) => assert_eq!(data.len(), TOKEN_TRANSFER_LEN),
                Body::Message { gas_limit, payload } => {
                    assert_ne!(gas_limit, 0);
                    assert_eq!(payload, data[MESSAGE_PREFIX_LEN..]);
                }
            }
        }
        Err(e) => {
            let expected = if data.len() > MAX_BODY_LEN {
                "body_too_large"
            } else if data.is_empty() {
                "empty_body"
            } else if data[0] == KIND_TOKEN_TRANSFER {
                "token_transfer_length"
            } else if data[0] == KIND_MESSAGE {
                if data.len() < MESSAGE_PREFIX_LEN {
                    "message_body_length"
                } else {
                    assert!(data[1..MESSAGE_PREFIX_LEN].iter().all(|b| *b == 0));
                    "zero_gas_limit"
                }
            } else {
                "unknown_body_kind"
            };
            assert_eq!(e.code(), expected, "{e}");
        }
    }

    // The first 96 bytes as a token transfer's fields.
    if let Some(fields) = data.get(..96) {
        let transfer = TokenTransfer {
            token_id: fields[..32].try_into().expect("32 bytes"),
            amount: U256::from_be_bytes::<32>(fields[32..64].try_into().expect("32 bytes")),
            beneficiary: UniversalAddress(fields[64..96].try_into().expect("32 bytes")),
        };
        let encoded = Body::TokenTransfer(transfer).encode();
        assert_eq!(encoded.len(), TOKEN_TRANSFER_LEN);
        assert_eq!(Body::decode(&encoded), Ok(Body::TokenTransfer(transfer)));
    }
    // The input as a payload, with a gas limit from its length.
    if data.len() <= MAX_PAYLOAD_LEN {
        let body = Body::message(data.len() as u64 + 1, data.to_vec());
        assert_eq!(Body::decode(&body.encode()), Ok(body));
    }
});
