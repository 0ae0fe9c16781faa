//! Where a transfer stands: [`Stage`] and [`TransferStatus`], one vocabulary for what the
//! relayer's status API and the destination chain say.

use std::fmt;

use trestle_bridge::MessageId;

/// How far a message has come, from the user's point of view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    /// Nobody has seen it yet: the relayer has not indexed it (its origin block may not be
    /// final yet) and the destination has no record of it.
    Unknown,
    /// Indexed by the relayer; validators are attesting. `signatures` of `threshold` when
    /// they are known (from the validators' endpoints and the destination's set).
    Attesting {
        /// Attestations seen so far, if the validators were asked.
        signatures: Option<usize>,
        /// Attestations the destination needs, if known.
        threshold: Option<usize>,
    },
    /// Enough attestations; waiting for the relayer to submit it.
    Ready,
    /// Attested, but what was paid for its delivery does not cover the relayer's price: it
    /// waits for a top-up (`payForGas` / `pay_for_gas`), then goes.
    Underpaid {
        /// What was paid and what is needed, as the relayer says.
        reason: Option<String>,
    },
    /// A `deliver` transaction was sent to the destination.
    Submitted {
        /// The destination transaction, if known.
        tx: Option<String>,
    },
    /// Delivered but held by the destination (timelock or rate limit) until `release_at`.
    Queued {
        /// When it can be executed (Unix seconds), if known.
        release_at: Option<u64>,
    },
    /// Executed on the destination: tokens released or minted, or the message handled.
    Delivered,
    /// Recorded on the destination (a Solana message waiting for its recipient program to be
    /// called with `execute_message`).
    Received,
    /// The destination's call into the recipient failed; it can be retried on chain.
    RecipientFailed,
    /// The guardian cancelled the queued transfer.
    Cancelled,
    /// The relayer gave up after its retry cap (an operator may retry it).
    Failed {
        /// The relayer's last error, if any.
        reason: Option<String>,
    },
    /// An operator took it out of the relayer's pipeline.
    Skipped,
    /// Its origin block was reorganised away: the message no longer exists.
    Orphaned,
    /// The relayer reports a state this client does not know (a newer relayer), by name.
    Relaying {
        /// The relayer's name of the state.
        state: String,
    },
}

impl Stage {
    /// Whether nothing more will happen to the message without someone acting (delivered,
    /// cancelled, failed, skipped, orphaned). A queued transfer is not final.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Stage::Delivered
                | Stage::Received
                | Stage::RecipientFailed
                | Stage::Cancelled
                | Stage::Failed { .. }
                | Stage::Skipped
                | Stage::Orphaned
        )
    }

    /// Whether the destination has the message (delivered, queued, received, failed call,
    /// cancelled): the relayer's work is done.
    pub fn reached_destination(&self) -> bool {
        matches!(
            self,
            Stage::Delivered
                | Stage::Received
                | Stage::RecipientFailed
                | Stage::Cancelled
                | Stage::Queued { .. }
        )
    }

    /// A short machine name: `unknown`, `attesting`, `ready`, `underpaid`, `submitted`, `queued`,
    /// `delivered`, `received`, `recipient_failed`, `cancelled`, `failed`, `skipped`,
    /// `orphaned`, `relaying`.
    pub fn name(&self) -> &'static str {
        match self {
            Stage::Unknown => "unknown",
            Stage::Attesting { .. } => "attesting",
            Stage::Ready => "ready",
            Stage::Underpaid { .. } => "underpaid",
            Stage::Submitted { .. } => "submitted",
            Stage::Queued { .. } => "queued",
            Stage::Delivered => "delivered",
            Stage::Received => "received",
            Stage::RecipientFailed => "recipient_failed",
            Stage::Cancelled => "cancelled",
            Stage::Failed { .. } => "failed",
            Stage::Skipped => "skipped",
            Stage::Orphaned => "orphaned",
            Stage::Relaying { .. } => "relaying",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stage::Unknown => f.write_str("not seen yet"),
            Stage::Attesting {
                signatures,
                threshold,
            } => match (signatures, threshold) {
                (Some(k), Some(m)) => write!(f, "attested {k}/{m}"),
                (Some(k), None) => write!(f, "attested {k}"),
                _ => f.write_str("sent, waiting for attestations"),
            },
            Stage::Ready => f.write_str("attested, waiting for submission"),
            Stage::Underpaid {
                reason: Some(reason),
            } => write!(f, "underpaid, waiting for a top-up: {reason}"),
            Stage::Underpaid { reason: None } => f.write_str("underpaid, waiting for a top-up"),
            Stage::Submitted { tx: Some(tx) } => write!(f, "submitted in {tx}"),
            Stage::Submitted { tx: None } => f.write_str("submitted"),
            Stage::Queued {
                release_at: Some(t),
            } => write!(f, "queued until {t} (Unix time)"),
            Stage::Queued { release_at: None } => f.write_str("queued"),
            Stage::Delivered => f.write_str("delivered"),
            Stage::Received => f.write_str("received, waiting for execute_message"),
            Stage::RecipientFailed => f.write_str("delivered, but the recipient call failed"),
            Stage::Cancelled => f.write_str("cancelled by the guardian"),
            Stage::Failed {
                reason: Some(reason),
            } => write!(f, "failed: {reason}"),
            Stage::Failed { reason: None } => f.write_str("failed"),
            Stage::Skipped => f.write_str("skipped by an operator"),
            Stage::Orphaned => f.write_str("orphaned by a reorg on the origin"),
            Stage::Relaying { state } => write!(f, "at the relayer: {state}"),
        }
    }
}

/// Who answered a status query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusSource {
    /// The relayer's status API (`GET /v1/messages/{id}`).
    Relayer,
    /// The destination chain (EVM `records`/`delivered`, Solana receipt account).
    Destination,
}

/// The status of a message: its stage and what is known about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferStatus {
    /// The message id.
    pub id: MessageId,
    /// Where it stands.
    pub stage: Stage,
    /// Who said so last (the destination chain wins when it has a record).
    pub source: StatusSource,
    /// Origin domain, if known.
    pub origin: Option<u32>,
    /// Destination domain, if known.
    pub destination: Option<u32>,
    /// Origin nonce, if known.
    pub nonce: Option<u64>,
    /// The relayer's last error on it, if any (retries in progress).
    pub last_error: Option<String>,
}

impl TransferStatus {
    /// A status with nothing known but the id.
    pub fn unknown(id: MessageId, source: StatusSource) -> Self {
        Self {
            id,
            stage: Stage::Unknown,
            source,
            origin: None,
            destination: None,
            nonce: None,
            last_error: None,
        }
    }

    /// The message id as `0x` hex.
    pub fn id_hex(&self) -> String {
        format!("0x{}", hex::encode(self.id))
    }
}

/// Parses a message id: 32 bytes of hex, with or without `0x`.
pub fn parse_message_id(text: &str) -> crate::Result<MessageId> {
    let t = text.trim();
    let digits = t.strip_prefix("0x").unwrap_or(t);
    let bytes = hex::decode(digits)
        .map_err(|e| crate::Error::input("message id", format!("`{text}` is not hex: {e}")))?;
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
        crate::Error::input(
            "message id",
            format!("`{text}` is {} bytes, expected 32", bytes.len()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_parse_with_or_without_prefix_and_refuse_the_rest() {
        let id = "ab".repeat(32);
        assert_eq!(parse_message_id(&id).unwrap(), [0xab; 32]);
        assert_eq!(parse_message_id(&format!("0x{id}")).unwrap(), [0xab; 32]);
        let e = parse_message_id("0x1234").unwrap_err().to_string();
        assert!(e.contains("2 bytes, expected 32"), "{e}");
        let e = parse_message_id("0xzz").unwrap_err().to_string();
        assert!(e.contains("not hex"), "{e}");
    }

    #[test]
    fn final_stages() {
        assert!(Stage::Delivered.is_final());
        assert!(!Stage::Queued { release_at: None }.is_final());
        assert!(Stage::Queued { release_at: None }.reached_destination());
        assert!(!Stage::Ready.reached_destination());
        assert_eq!(
            Stage::Attesting {
                signatures: Some(1),
                threshold: Some(2)
            }
            .to_string(),
            "attested 1/2"
        );
    }
}
