//! The program's events: the `Program data:` records it logs (`sol_log_data`), as an indexer
//! reads them from a transaction's logs once they are attributed to the program (see
//! `trestle_solana::parse_logs`, which also concatenates the fields of one record).
//!
//! - `send` logs one record with one field: the encoded protocol message (version byte 1
//!   first).
//! - `deliver` logs `["delivered", message id, status]`, `execute_queued` `["executed", id]`,
//!   `cancel_queued` `["cancelled", id]`, `execute_message` `["message_executed", id]`.
//!
//! The tags start with a lower-case letter, a message with its version byte, so a record is one
//! or the other without ambiguity.

use super::state::ReceiptStatus;
use crate::error::Result;
use crate::message::{Message, VERSION};

/// One event of the program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// `send`: a message left this chain.
    Sent(Message),
    /// `deliver`: a message arrived; what became of it.
    Delivered {
        /// The message id.
        id: [u8; 32],
        /// Executed, queued or (arbitrary messages) received.
        status: ReceiptStatus,
    },
    /// `execute_queued`: a queued transfer was paid out.
    Executed {
        /// The message id.
        id: [u8; 32],
    },
    /// `cancel_queued`: the guardian cancelled a queued transfer.
    Cancelled {
        /// The message id.
        id: [u8; 32],
    },
    /// `execute_message`: an arbitrary message was handed to its recipient program.
    MessageExecuted {
        /// The message id.
        id: [u8; 32],
    },
    /// Any other record (governance events, or a record of another shape).
    Other,
}

/// Decodes one `Program data:` record of the program (its fields concatenated).
///
/// A record that starts with the protocol version byte is a sent message and must decode
/// strictly (the error says why it does not); the tagged records are recognised by their tag and
/// exact length; anything else is [`Event::Other`].
pub fn decode_event(data: &[u8]) -> Result<Event> {
    if data.first() == Some(&VERSION) {
        return Ok(Event::Sent(Message::decode(data)?));
    }
    let tagged = |tag: &[u8], extra: usize| -> Option<[u8; 32]> {
        let rest = data.strip_prefix(tag)?;
        if rest.len() != 32 + extra {
            return None;
        }
        rest.first_chunk::<32>().copied()
    };
    if let Some(id) = tagged(b"delivered", 1)
        && let Some(status) = data.last().and_then(|b| ReceiptStatus::from_u8(*b))
    {
        return Ok(Event::Delivered { id, status });
    }
    if let Some(id) = tagged(b"message_executed", 0) {
        return Ok(Event::MessageExecuted { id });
    }
    if let Some(id) = tagged(b"executed", 0) {
        return Ok(Event::Executed { id });
    }
    if let Some(id) = tagged(b"cancelled", 0) {
        return Ok(Event::Cancelled { id });
    }
    Ok(Event::Other)
}

/// The messages among the program's records of one transaction, in log order. Fails on a
/// record that looks like a message but does not decode.
pub fn sent_messages<'a>(records: impl IntoIterator<Item = &'a [u8]>) -> Result<Vec<Message>> {
    let mut out = Vec::new();
    for record in records {
        if let Event::Sent(message) = decode_event(record)? {
            out.push(message);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use trestle_core::chain::UniversalAddress;

    use super::*;
    use crate::body::Body;

    fn message() -> Message {
        Message::new(
            4,
            3,
            UniversalAddress([1; 32]),
            1,
            UniversalAddress([2; 32]),
            Body::message(1, b"payload".to_vec()).encode(),
        )
        .unwrap()
    }

    #[test]
    fn decodes_every_event_of_the_program() {
        let m = message();
        assert_eq!(decode_event(&m.encode()).unwrap(), Event::Sent(m.clone()));
        let id = [7u8; 32];
        let mut delivered = b"delivered".to_vec();
        delivered.extend_from_slice(&id);
        delivered.push(2);
        assert_eq!(
            decode_event(&delivered).unwrap(),
            Event::Delivered {
                id,
                status: ReceiptStatus::Queued
            }
        );
        for (tag, event) in [
            (&b"executed"[..], Event::Executed { id }),
            (b"cancelled", Event::Cancelled { id }),
            (b"message_executed", Event::MessageExecuted { id }),
        ] {
            let mut data = tag.to_vec();
            data.extend_from_slice(&id);
            assert_eq!(decode_event(&data).unwrap(), event);
        }
        let mut proposed = b"proposed".to_vec();
        proposed.extend_from_slice(&9u64.to_le_bytes());
        assert_eq!(decode_event(&proposed).unwrap(), Event::Other);
        // Wrong length or unknown status: not a delivered event.
        assert_eq!(decode_event(&delivered[..40]).unwrap(), Event::Other);
        let mut bad_status = delivered.clone();
        *bad_status.last_mut().unwrap() = 9;
        assert_eq!(decode_event(&bad_status).unwrap(), Event::Other);
    }

    #[test]
    fn a_malformed_message_is_an_error_not_skipped() {
        let mut encoded = message().encode();
        encoded.truncate(60);
        assert!(decode_event(&encoded).is_err());
        let good = message().encode();
        let records: Vec<&[u8]> = vec![b"proposed", &good, &encoded];
        assert!(sent_messages(records).is_err());
        let records: Vec<&[u8]> = vec![b"proposed", &good];
        assert_eq!(sent_messages(records).unwrap(), vec![message()]);
    }
}
