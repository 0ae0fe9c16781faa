//! A typed client of the relayer's read-only status API (`relayer/src/api.rs`):
//! `GET {base}/v1/messages/{id}`, and of a validator's `GET {base}/v1/attestations/{id}`.
//!
//! The JSON shape is the contract: every field is checked (hex lengths), the encoded message
//! must hash to the id, and the errors name the field. A 404 is
//! [`Error::NotFound`], other error statuses [`Error::Api`] with the server's `error` text.
//!
//! An operator's listener bound off loopback asks for a bearer token
//! ([`RelayerApi::with_token`], [`ApiToken`]). The URL a client is given may hold secrets too
//! (user info, a key in the path or query): errors and [`RelayerApi::url`] show it without
//! them ([`redact_url`]), and an HTTP client's error text, which names the URL, goes through
//! [`scrub_urls`].

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use trestle_bridge::{Message, MessageId};
use trestle_core::redact::{redact_url, scrub_urls};
use zeroize::Zeroizing;

pub mod wire;

pub use wire::RelayerState;
use wire::{AttestationsResponse, MessageView};

use crate::error::{Error, Result};
use crate::status::{Stage, StatusSource, TransferStatus};

/// One message as the relayer's `GET /v1/messages/{id}` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayerMessage {
    /// The message id.
    pub id: MessageId,
    /// The message (decoded from `encoded`; it hashes to `id`).
    pub message: Message,
    /// Origin block number or slot.
    pub origin_height: u64,
    /// Origin transaction (32-byte hash on EVM, 64-byte signature on Solana).
    pub origin_tx: Vec<u8>,
    /// Pipeline state.
    pub state: RelayerState,
    /// Failed attempts in the current state.
    pub attempts: u64,
    /// The last error.
    pub last_error: Option<String>,
    /// The last destination transaction.
    pub tx_hash: Option<[u8; 32]>,
    /// Not worked on before this time (Unix ms).
    pub next_attempt_at: i64,
    /// First seen (Unix ms).
    pub created_at: i64,
    /// Delivered (Unix ms).
    pub delivered_at: Option<i64>,
}

impl RelayerMessage {
    /// The user-facing status: the relayer's state as a [`Stage`]. `signatures`/`threshold`
    /// fill in the attestation progress of a pending message when known.
    pub fn status(&self, signatures: Option<usize>, threshold: Option<usize>) -> TransferStatus {
        let stage = match &self.state {
            RelayerState::Pending | RelayerState::Signed => Stage::Attesting {
                signatures,
                threshold,
            },
            RelayerState::Ready => Stage::Ready,
            RelayerState::Underpaid => Stage::Underpaid {
                reason: self.last_error.clone(),
            },
            RelayerState::Submitted => Stage::Submitted {
                tx: self.tx_hash.map(|h| format!("0x{}", hex::encode(h))),
            },
            RelayerState::Queued => Stage::Queued { release_at: None },
            RelayerState::Delivered => Stage::Delivered,
            RelayerState::Failed => Stage::Failed {
                reason: self.last_error.clone(),
            },
            RelayerState::Skipped => Stage::Skipped,
            RelayerState::Orphaned => Stage::Orphaned,
            RelayerState::Cancelled => Stage::Cancelled,
            RelayerState::Other(name) => Stage::Relaying {
                state: name.clone(),
            },
        };
        TransferStatus {
            id: self.id,
            stage,
            source: StatusSource::Relayer,
            origin: Some(self.message.origin),
            destination: Some(self.message.destination),
            nonce: Some(self.message.nonce),
            last_error: self.last_error.clone(),
        }
    }
}

fn hex_field(field: &str, text: &str) -> std::result::Result<Vec<u8>, String> {
    let digits = text
        .strip_prefix("0x")
        .ok_or_else(|| format!("`{field}` is not 0x-prefixed hex"))?;
    hex::decode(digits).map_err(|e| format!("`{field}` is not hex: {e}"))
}

fn hex32(field: &str, text: &str) -> std::result::Result<[u8; 32], String> {
    let bytes = hex_field(field, text)?;
    <[u8; 32]>::try_from(bytes.as_slice())
        .map_err(|_| format!("`{field}` is {} bytes, expected 32", bytes.len()))
}

impl RelayerMessage {
    fn from_wire(w: MessageView) -> std::result::Result<Self, String> {
        let id = hex32("id", &w.id)?;
        let encoded = hex_field("encoded", &w.encoded)?;
        let message =
            Message::decode(&encoded).map_err(|e| format!("`encoded` does not decode: {e}"))?;
        if message.id() != id {
            return Err("`encoded` does not hash to `id`".to_owned());
        }
        if message.origin != w.origin || message.nonce != w.nonce {
            return Err("`origin`/`nonce` differ from the encoded message's".to_owned());
        }
        if message.destination != w.destination {
            return Err("`destination` differs from the encoded message's".to_owned());
        }
        let tx_hash = w
            .tx_hash
            .as_deref()
            .map(|t| hex32("tx_hash", t))
            .transpose()?;
        Ok(Self {
            id,
            message,
            origin_height: w.origin_height,
            origin_tx: hex_field("origin_tx", &w.origin_tx)?,
            state: w.state,
            attempts: w.attempts,
            // In words even from a relayer that stored the hex (`custom error 0x...`).
            last_error: w
                .last_error
                .map(|e| crate::errors::printable(&crate::errors::in_words(&e)).into_owned()),
            tx_hash,
            next_attempt_at: w.next_attempt_at,
            created_at: w.created_at,
            delivered_at: w.delivered_at,
        })
    }
}

/// The bearer token of a relayer's operator API (`Authorization: Bearer ...`, what the daemon
/// reads from its `api.token_env`): zeroized when dropped, never shown (no `Display`; `Debug`
/// prints a redaction).
#[derive(Clone)]
pub struct ApiToken(Arc<Zeroizing<String>>);

impl ApiToken {
    /// The token, without surrounding whitespace (a trailing newline of a secrets file).
    /// Refuses an empty one and one with characters a header cannot carry (controls,
    /// non-ASCII).
    pub fn new(token: &str) -> Result<Self> {
        let token = token.trim();
        if token.is_empty() {
            return Err(Error::input("relayer API token", "is empty"));
        }
        if !token.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
            return Err(Error::input(
                "relayer API token",
                "holds a character an HTTP header cannot carry",
            ));
        }
        Ok(Self(Arc::new(Zeroizing::new(token.to_owned()))))
    }
}

impl std::fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiToken(<redacted>)")
    }
}

/// A client of one relayer's (or validator's) HTTP API.
#[derive(Debug, Clone)]
pub struct RelayerApi {
    base: String,
    /// `base` without its secrets, for messages.
    shown: String,
    http: reqwest::Client,
    token: Option<ApiToken>,
}

/// The HTTP client: a 10 s timeout per request; redirects not followed when a token goes
/// along (it is for the URL the user named, no other).
fn http_client(follow_redirects: bool) -> Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder().timeout(Duration::from_secs(10));
    if !follow_redirects {
        builder = builder.redirect(reqwest::redirect::Policy::none());
    }
    builder
        .build()
        .map_err(|e| Error::input("relayer API URL", scrub_urls(&e.to_string())))
}

impl RelayerApi {
    /// A client of the API at `base_url` (`http://host:port`, a trailing `/` is ignored), with
    /// a 10 s timeout per request. Makes no request. Refuses a URL that is not `http://` or
    /// `https://`.
    pub fn new(base_url: &str) -> Result<Self> {
        let base = base_url.trim().trim_end_matches('/').to_owned();
        let rest = base
            .strip_prefix("http://")
            .or_else(|| base.strip_prefix("https://"));
        if rest.is_none_or(|host| host.is_empty()) {
            return Err(Error::input(
                "relayer API URL",
                format!("`{}` is not an http:// or https:// URL", redact_url(&base)),
            ));
        }
        Ok(Self {
            shown: redact_url(&base),
            base,
            http: http_client(true)?,
            token: None,
        })
    }

    /// This client, sending `token` as `Authorization: Bearer ...` with every request (what
    /// an operator's listener bound off loopback asks for), and following no redirect. Over
    /// `http://` the token crosses the network in clear: off loopback, put TLS in front of
    /// the listener and use `https://`.
    pub fn with_token(mut self, token: ApiToken) -> Result<Self> {
        self.http = http_client(false)?;
        self.token = Some(token);
        Ok(self)
    }

    /// The base URL without its secrets (user info, path, query: [`redact_url`]), as errors
    /// show it.
    pub fn url(&self) -> &str {
        &self.shown
    }

    async fn get(&self, path: &str) -> Result<(u16, String)> {
        let url = format!("{}{path}", self.base);
        let unreachable = |e: reqwest::Error| Error::Unreachable {
            url: self.shown.clone(),
            reason: scrub_urls(&e.to_string()),
        };
        let mut request = self.http.get(&url);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token.0.as_str());
        }
        let response = request.send().await.map_err(unreachable)?;
        let status = response.status().as_u16();
        let body = response.text().await.map_err(unreachable)?;
        Ok((status, body))
    }

    fn error_text(body: &str) -> String {
        let text = serde_json::from_str::<Value>(body)
            .ok()
            .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_owned))
            .unwrap_or_else(|| body.chars().take(200).collect());
        scrub_urls(&text)
    }

    /// `GET /v1/messages/{id}`: the relayer's record of a message.
    pub async fn message(&self, id: &MessageId) -> Result<RelayerMessage> {
        let id_hex = hex::encode(id);
        let (status, body) = self.get(&format!("/v1/messages/0x{id_hex}")).await?;
        match status {
            200 => {}
            404 => {
                return Err(Error::NotFound {
                    url: self.shown.clone(),
                    id: id_hex,
                });
            }
            _ => {
                return Err(Error::Api {
                    url: self.shown.clone(),
                    status,
                    reason: Self::error_text(&body),
                });
            }
        }
        let malformed = |reason: String| Error::MalformedApi {
            url: self.shown.clone(),
            reason: scrub_urls(&reason),
        };
        let wire: MessageView =
            serde_json::from_str(&body).map_err(|e| malformed(e.to_string()))?;
        let message = RelayerMessage::from_wire(wire).map_err(malformed)?;
        if message.id != *id {
            return Err(malformed(format!(
                "asked for 0x{id_hex}, answered 0x{}",
                hex::encode(message.id)
            )));
        }
        Ok(message)
    }

    /// `GET /v1/attestations/{id}` of a validator: how many attestations it serves for the
    /// message (0 when it answers 404: it has not signed it yet).
    pub async fn attestation_count(&self, id: &MessageId) -> Result<usize> {
        let id_hex = hex::encode(id);
        let (status, body) = self.get(&format!("/v1/attestations/0x{id_hex}")).await?;
        match status {
            200 => {}
            404 => return Ok(0),
            _ => {
                return Err(Error::Api {
                    url: self.shown.clone(),
                    status,
                    reason: Self::error_text(&body),
                });
            }
        }
        let answer: AttestationsResponse =
            serde_json::from_str(&body).map_err(|e| Error::MalformedApi {
                url: self.shown.clone(),
                reason: scrub_urls(&e.to_string()),
            })?;
        Ok(answer.attestations.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trestle_core::chain::UniversalAddress;

    fn sample() -> (Message, serde_json::Value) {
        let m = Message::new(
            7,
            1,
            UniversalAddress([1; 32]),
            2,
            UniversalAddress([2; 32]),
            vec![0, 1, 2],
        )
        .unwrap();
        let json = serde_json::json!({
            "id": format!("0x{}", hex::encode(m.id())),
            "origin": 1, "nonce": 7, "destination": 2,
            "sender": format!("0x{}", hex::encode([1u8; 32])),
            "recipient": format!("0x{}", hex::encode([2u8; 32])),
            "encoded": format!("0x{}", hex::encode(m.encode())),
            "origin_height": 10,
            "origin_block_hash": format!("0x{}", hex::encode([3u8; 32])),
            "origin_tx": format!("0x{}", hex::encode([4u8; 32])),
            "state": "submitted", "attempts": 0, "next_attempt_at": 0,
            "last_error": null, "tx_hash": format!("0x{}", hex::encode([5u8; 32])),
            "claimed_by": null, "claimed_until": null,
            "created_at": 1, "updated_at": 2, "delivered_at": null
        });
        (m, json)
    }

    fn parse(v: &serde_json::Value) -> std::result::Result<RelayerMessage, String> {
        let wire: MessageView = serde_json::from_value(v.clone()).map_err(|e| e.to_string())?;
        RelayerMessage::from_wire(wire)
    }

    #[test]
    fn the_relayer_shape_parses_and_maps_to_a_stage() {
        let (m, json) = sample();
        let r = parse(&json).unwrap();
        assert_eq!(r.message, m);
        assert_eq!(r.state, RelayerState::Submitted);
        let s = r.status(None, None);
        assert_eq!(
            s.stage,
            Stage::Submitted {
                tx: Some(format!("0x{}", "05".repeat(32)))
            }
        );
        assert_eq!(
            (s.origin, s.destination, s.nonce),
            (Some(1), Some(2), Some(7))
        );
    }

    /// Regression: a relayer serves `cancelled` for a transfer the guardian cancelled; this
    /// client refused the answer (`state` `cancelled` is not a known state).
    #[test]
    fn a_cancelled_message_is_a_cancelled_stage() {
        let (_, mut json) = sample();
        json["state"] = serde_json::json!("cancelled");
        let r = parse(&json).unwrap();
        assert_eq!(r.state, RelayerState::Cancelled);
        let status = r.status(None, None);
        assert_eq!(status.stage, Stage::Cancelled);
        assert!(status.stage.is_final());
    }

    #[test]
    fn a_state_from_a_newer_relayer_is_kept_by_name() {
        let (_, mut json) = sample();
        json["state"] = serde_json::json!("awaiting_fee");
        let r = parse(&json).unwrap();
        let stage = r.status(None, None).stage;
        assert_eq!(
            stage,
            Stage::Relaying {
                state: "awaiting_fee".to_owned()
            }
        );
        assert!(!stage.is_final() && !stage.reached_destination());
        assert_eq!(stage.to_string(), "at the relayer: awaiting_fee");
    }

    #[test]
    fn malformed_answers_name_the_field() {
        let (_, json) = sample();
        let cases = [
            ("id", serde_json::json!("0x12"), "`id` is 1 bytes"),
            (
                "encoded",
                serde_json::json!("0x00"),
                "`encoded` does not decode",
            ),
            (
                "tx_hash",
                serde_json::json!("zz"),
                "`tx_hash` is not 0x-prefixed",
            ),
            ("nonce", serde_json::json!(8), "`origin`/`nonce` differ"),
            (
                "id",
                serde_json::json!(format!("0x{}", "00".repeat(32))),
                "does not hash",
            ),
        ];
        for (field, value, expected) in cases {
            let mut bad = json.clone();
            bad[field] = value;
            let e = parse(&bad).unwrap_err();
            assert!(e.contains(expected), "{field}: {e}");
        }
        let mut missing = json.clone();
        missing.as_object_mut().unwrap().remove("state");
        assert!(parse(&missing).unwrap_err().contains("state"));
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(f)
    }

    /// Regression (issue 14): the base URL's user info, path and query, and the HTTP client's
    /// error text that repeats the whole URL, were in every error.
    #[test]
    fn errors_show_the_url_without_its_secrets() {
        let api = RelayerApi::new("http://op:pw-SECRET@127.0.0.1:1/v3/KEY-SECRET?token=TOK-SECRET")
            .unwrap();
        assert_eq!(api.url(), "http://127.0.0.1:1/…?…");
        let e = block_on(api.message(&[7; 32])).unwrap_err();
        assert!(matches!(e, Error::Unreachable { .. }), "{e:?}");
        let text = format!("{e} {e:?}");
        assert!(!text.contains("SECRET"), "{text}");
        assert!(text.contains("127.0.0.1:1"), "{text}");
        let e = block_on(api.attestation_count(&[7; 32])).unwrap_err();
        assert!(!format!("{e} {e:?}").contains("SECRET"), "{e:?}");
        let refused = RelayerApi::new("ftp://op:pw-SECRET@host/KEY-SECRET").unwrap_err();
        assert!(!refused.to_string().contains("SECRET"), "{refused}");
    }

    /// A one-shot HTTP server on loopback: answers `status` with `body` and returns the
    /// request head it read.
    fn one_answer(
        status: &'static str,
        body: &'static str,
    ) -> (String, std::thread::JoinHandle<String>) {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap() == 1 {
                head.push(byte[0]);
            }
            let answer = format!(
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\n\
                 content-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(answer.as_bytes()).unwrap();
            String::from_utf8(head).unwrap()
        });
        (url, server)
    }

    #[test]
    fn a_token_goes_as_a_bearer_header_and_is_never_shown() {
        let token = ApiToken::new("  s3cret-operator-token-0123456789\n").unwrap();
        assert_eq!(format!("{token:?}"), "ApiToken(<redacted>)");
        let (url, server) = one_answer("401 Unauthorized", r#"{"error":"needs the token"}"#);
        let api = RelayerApi::new(&url).unwrap().with_token(token).unwrap();
        let e = block_on(api.message(&[7; 32])).unwrap_err();
        assert!(matches!(e, Error::Api { status: 401, .. }), "{e:?}");
        assert!(!format!("{api:?} {e:?}").contains("s3cret"));
        let head = server.join().unwrap().to_ascii_lowercase();
        assert!(
            head.contains("\r\nauthorization: bearer s3cret-operator-token-0123456789\r\n"),
            "{head}"
        );
        // Without a token, no header.
        let (url, server) = one_answer("404 Not Found", r#"{"error":"no such message"}"#);
        let e = block_on(RelayerApi::new(&url).unwrap().message(&[7; 32])).unwrap_err();
        assert!(matches!(e, Error::NotFound { .. }), "{e:?}");
        assert!(
            !server
                .join()
                .unwrap()
                .to_ascii_lowercase()
                .contains("authorization")
        );
        for bad in ["", "  \n", "tok\nen", "tøken"] {
            assert!(ApiToken::new(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn urls_must_be_http() {
        assert!(RelayerApi::new("http://127.0.0.1:9090/").is_ok());
        assert_eq!(
            RelayerApi::new("http://127.0.0.1:9090/").unwrap().url(),
            "http://127.0.0.1:9090"
        );
        for bad in ["127.0.0.1:9090", "ftp://x", "http://"] {
            let e = RelayerApi::new(bad).unwrap_err().to_string();
            assert!(e.contains("not an http:// or https:// URL"), "{bad}: {e}");
        }
    }
}
