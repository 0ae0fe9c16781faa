//! Message decoding never panics; what decodes re-encodes to the same bytes and id, rebuilds
//! through `Message::new`, and a body that decodes re-encodes too. Errors name the first
//! failure in the spec's order. The input's bytes, read as a message's fields, round-trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trestle_bridge::message::HEADER_LEN;
use trestle_bridge::{Body, MAX_BODY_LEN, Message, VERSION};
use trestle_core::chain::UniversalAddress;
use trestle_core::evm::keccak256;

fuzz_target!(|data: &[u8]| {
    match Message::decode(data) {
        Ok(m) => {
            assert_eq!(m.encode(), data, "decoded message re-encodes to its bytes");
            assert_eq!(m.id(), keccak256(data), "id is keccak256 of the encoding");
            assert_eq!(data.len(), HEADER_LEN + m.body.len());
            assert!(m.origin != 0 && m.destination != 0 && m.body.len() <= MAX_BODY_LEN);
            let again = Message::new(
                m.nonce,
                m.origin,
                m.sender,
                m.destination,
                m.recipient,
                m.body.clone(),
            )
            .expect("decoded fields rebuild");
            assert_eq!(again, m);
            if let Ok(body) = Body::decode(&m.body) {
                assert_eq!(
                    body.encode(),
                    m.body,
                    "decoded body re-encodes to its bytes"
                );
            }
        }
        Err(e) => {
            // The first failure, in the order docs/protocol.md gives.
            let expected = if data.len() < HEADER_LEN {
                "message_too_short"
            } else if data[0] != VERSION {
                "unsupported_version"
            } else if data[9..13] == [0; 4] || data[45..49] == [0; 4] {
                "zero_domain"
            } else {
                "body_too_large"
            };
            assert_eq!(e.code(), expected, "{e}");
        }
    }

    // Structured round trip: the input's bytes as nonce, domains, addresses and body.
    if let (Some(fields), Some(rest)) = (data.get(..80), data.get(80..)) {
        let nonce = u64::from_be_bytes(fields[..8].try_into().expect("8 bytes"));
        let origin = u32::from_be_bytes(fields[8..12].try_into().expect("4 bytes"));
        let sender = UniversalAddress(fields[12..44].try_into().expect("32 bytes"));
        let destination = u32::from_be_bytes(fields[44..48].try_into().expect("4 bytes"));
        let recipient = UniversalAddress(fields[48..80].try_into().expect("32 bytes"));
        let body = rest.to_vec();
        match Message::new(nonce, origin, sender, destination, recipient, body) {
            Ok(m) => {
                let encoded = m.encode();
                assert_eq!(
                    Message::decode(&encoded).expect("encoded message decodes"),
                    m
                );
                assert_eq!(encoded[0], VERSION);
            }
            Err(e) => assert!(
                origin == 0 || destination == 0 || rest.len() > MAX_BODY_LEN,
                "refused a valid message: {e}"
            ),
        }
    }
});
