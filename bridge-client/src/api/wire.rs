//! The JSON of the relayer's HTTP API (`relayer/src/api.rs` serves it, [`super::RelayerApi`]
//! and the relayer's collect step read it): one definition for the server and its clients.
//!
//! Byte strings are `0x`-hex text. Readers of these types check them (lengths, that `encoded`
//! hashes to `id`) before trusting them; the types themselves only fix the shape.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The relayer's pipeline state of a message (`state`).
///
/// A relayer newer than this client may serve a state it does not know: that is
/// [`RelayerState::Other`] with the name, never a parse failure.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RelayerState {
    /// Indexed; attestations are being collected.
    Pending,
    /// Enough attestations; waiting to be submitted.
    Ready,
    /// Attested, but what was paid does not cover the relayer's price: waiting for a top-up.
    Underpaid,
    /// A `deliver` transaction was sent.
    Submitted,
    /// Delivered and held by the destination; to be executed.
    Queued,
    /// Executed on the destination.
    Delivered,
    /// Parked after the retry cap.
    Failed,
    /// Taken out by an operator.
    Skipped,
    /// Its origin block was reorganised away.
    Orphaned,
    /// Queued on the destination, then cancelled there by the guardian.
    Cancelled,
    /// Signed by the validator whose daemon answers, which does not relay it (other relayers
    /// collect the signatures and deliver it).
    Signed,
    /// A state this client does not know, by its name.
    Other(String),
}

impl RelayerState {
    /// The states this client knows.
    pub const KNOWN: [RelayerState; 11] = [
        RelayerState::Pending,
        RelayerState::Ready,
        RelayerState::Underpaid,
        RelayerState::Submitted,
        RelayerState::Queued,
        RelayerState::Delivered,
        RelayerState::Failed,
        RelayerState::Skipped,
        RelayerState::Orphaned,
        RelayerState::Cancelled,
        RelayerState::Signed,
    ];

    /// The API's name of the state.
    pub fn as_str(&self) -> &str {
        match self {
            RelayerState::Pending => "pending",
            RelayerState::Ready => "ready",
            RelayerState::Underpaid => "underpaid",
            RelayerState::Submitted => "submitted",
            RelayerState::Queued => "queued",
            RelayerState::Delivered => "delivered",
            RelayerState::Failed => "failed",
            RelayerState::Skipped => "skipped",
            RelayerState::Orphaned => "orphaned",
            RelayerState::Cancelled => "cancelled",
            RelayerState::Signed => "signed",
            RelayerState::Other(name) => name,
        }
    }

    /// The longest state name kept as a relayer sent it.
    pub const MAX_NAME_LEN: usize = 32;

    /// What a state name that is not a name becomes.
    pub const UNRECOGNISED: &str = "unrecognised";

    /// The state named `name`. A well-formed name this client does not know (1 to
    /// [`Self::MAX_NAME_LEN`] of `a-z`, `0-9`, `_` and `-`) is kept as
    /// [`RelayerState::Other`]; anything else becomes `Other("unrecognised")`: a name is shown to
    /// users, so a relayer cannot put arbitrary text (or terminal escapes) into a status line,
    /// and one odd name does not fail a whole answer.
    pub fn parse(name: &str) -> Self {
        if let Some(known) = Self::KNOWN.into_iter().find(|s| s.as_str() == name) {
            return known;
        }
        let well_formed = (1..=Self::MAX_NAME_LEN).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        RelayerState::Other(
            if well_formed {
                name
            } else {
                Self::UNRECOGNISED
            }
            .to_owned(),
        )
    }

    /// Whether the relayer will not move the message again without an operator (`failed`,
    /// `skipped`, `orphaned`).
    pub fn is_stuck(&self) -> bool {
        matches!(
            self,
            RelayerState::Failed | RelayerState::Skipped | RelayerState::Orphaned
        )
    }
}

impl fmt::Display for RelayerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl Serialize for RelayerState {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RelayerState {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Ok(RelayerState::parse(&name))
    }
}

/// A message record: the body of `GET /v1/messages/{id}` and an item of `GET /v1/messages`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    /// `0x`-hex message id.
    pub id: String,
    /// Origin domain.
    pub origin: u32,
    /// Origin nonce.
    pub nonce: u64,
    /// Destination domain.
    pub destination: u32,
    /// `0x`-hex sender (32 bytes).
    pub sender: String,
    /// `0x`-hex recipient (32 bytes).
    pub recipient: String,
    /// `0x`-hex encoded message.
    pub encoded: String,
    /// Origin block number or slot.
    pub origin_height: u64,
    /// `0x`-hex origin block hash.
    pub origin_block_hash: String,
    /// `0x`-hex origin transaction (32-byte hash on EVM, 64-byte signature on Solana).
    pub origin_tx: String,
    /// Pipeline state.
    pub state: RelayerState,
    /// Failed attempts in the current state.
    pub attempts: u64,
    /// Not worked on before this time (Unix ms).
    pub next_attempt_at: i64,
    /// The last error.
    pub last_error: Option<String>,
    /// `0x`-hex last destination transaction.
    pub tx_hash: Option<String>,
    /// The worker holding a claim, if any.
    pub claimed_by: Option<String>,
    /// Until when (Unix ms).
    pub claimed_until: Option<i64>,
    /// First seen (Unix ms).
    pub created_at: i64,
    /// Last change (Unix ms).
    pub updated_at: i64,
    /// Delivered (Unix ms).
    pub delivered_at: Option<i64>,
}

/// The body of `GET /v1/messages`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageList {
    /// The records, newest nonces first (in key order: origin, nonce, id; descending).
    pub messages: Vec<MessageView>,
    /// When there are more: the cursor to ask for the next page with (`after=`; opaque,
    /// `ORIGIN:NONCE:0xID` today). Absent on the last page, and from relayers older than
    /// pagination (which serve one page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// The body of a validator's `GET /v1/attestations/{message_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttestationsResponse {
    /// `0x`-hex message id.
    pub message_id: String,
    /// One per epoch and signer.
    pub attestations: Vec<AttestationItem>,
}

/// One attestation in [`AttestationsResponse`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttestationItem {
    /// Validator-set epoch signed for.
    pub epoch: u64,
    /// `0x`-hex signer address.
    pub signer: String,
    /// `0x`-hex 65-byte `r || s || v`.
    pub signature: String,
}

/// The most message ids one `POST /v1/attestations` may ask for.
pub const MAX_BATCH_IDS: usize = 1024;

/// The body of `POST /v1/attestations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttestationsQuery {
    /// `0x`-hex message ids.
    pub ids: Vec<String>,
}

/// The answer to `POST /v1/attestations`: the messages asked for that have attestations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttestationsBatch {
    /// One per message with at least one attestation, in the order asked.
    pub messages: Vec<AttestationsResponse>,
}

/// The body of every error answer: `{"error": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// What went wrong.
    pub error: String,
}

/// `0x`-hex of `bytes`, the API's form of every byte string.
pub fn hex0x(bytes: impl AsRef<[u8]>) -> String {
    format!("0x{}", hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_list_without_next_is_the_last_page_both_ways() {
        // A relayer older than pagination answers without `next`; a last page omits it.
        let old: MessageList = serde_json::from_str(r#"{"messages":[]}"#).unwrap();
        assert_eq!(old.next, None);
        assert_eq!(serde_json::to_string(&old).unwrap(), r#"{"messages":[]}"#);
        let paged: MessageList =
            serde_json::from_str(r#"{"messages":[],"next":"1:2:0xab"}"#).unwrap();
        assert_eq!(paged.next.as_deref(), Some("1:2:0xab"));
    }

    #[test]
    fn states_round_trip_by_name_and_unknown_names_are_kept() {
        for state in RelayerState::KNOWN {
            let json = serde_json::to_string(&state).unwrap();
            assert_eq!(json, format!("\"{}\"", state.as_str()));
            assert_eq!(serde_json::from_str::<RelayerState>(&json).unwrap(), state);
        }
        let newer: RelayerState = serde_json::from_str("\"awaiting_fee\"").unwrap();
        assert_eq!(newer, RelayerState::Other("awaiting_fee".to_owned()));
        assert_eq!(serde_json::to_string(&newer).unwrap(), "\"awaiting_fee\"");
        assert!(!newer.is_stuck());
    }

    #[test]
    fn a_state_name_that_is_not_a_name_is_shown_as_unrecognised() {
        let long = format!("\"{}\"", "a".repeat(RelayerState::MAX_NAME_LEN + 1));
        for bad in [
            "\"\"",
            "\"Delivered\"",
            "\"\\u001b[31mdelivered\"",
            "\"delivered to you\"",
            long.as_str(),
        ] {
            let state: RelayerState = serde_json::from_str(bad).unwrap();
            assert_eq!(
                state,
                RelayerState::Other("unrecognised".to_owned()),
                "{bad}"
            );
        }
        for good in ["awaiting-fee_2", &"a".repeat(RelayerState::MAX_NAME_LEN)] {
            assert_eq!(
                RelayerState::parse(good),
                RelayerState::Other(good.to_owned())
            );
        }
    }
}
