//! Following messages through the relayer's read-only status API
//! (`GET /v1/messages/{id}`, see `relayer/src/api.rs`).

use std::time::{Duration, Instant};

use trestle_bridge_client::api::wire::{MessageView, RelayerState};

use crate::error::{Error, Result};

/// One HTTP client for loopback calls, with a short timeout.
pub(crate) fn http_client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| Error::Api {
            url: String::new(),
            reason: format!("cannot build an HTTP client: {e}"),
        })
}

/// What the status API says about a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageStatus {
    /// The relayer's state.
    pub state: RelayerState,
    /// The last destination transaction (`0x`-hex), if any.
    pub tx_hash: Option<String>,
    /// The origin transaction (`0x`-hex).
    pub origin_tx: String,
    /// Failed attempts in the current state.
    pub attempts: u64,
    /// The last error.
    pub last_error: Option<String>,
}

impl From<MessageView> for MessageStatus {
    fn from(v: MessageView) -> Self {
        Self {
            state: v.state,
            tx_hash: v.tx_hash,
            origin_tx: v.origin_tx,
            attempts: v.attempts,
            last_error: v.last_error,
        }
    }
}

impl MessageStatus {
    /// Whether the message will not move any more without an operator.
    pub fn is_terminal_failure(&self) -> bool {
        self.state.is_stuck()
    }
}

/// A client of one daemon's status API.
#[derive(Debug, Clone)]
pub struct StatusClient {
    base: String,
    http: reqwest::Client,
}

impl StatusClient {
    /// The API at `base` (`http://127.0.0.1:PORT`).
    pub fn new(base: &str) -> Result<Self> {
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            http: http_client()?,
        })
    }

    /// The message `id`, or `None` while the daemon has not seen it (404).
    pub async fn message(&self, id: &[u8; 32]) -> Result<Option<MessageStatus>> {
        let url = format!("{}/v1/messages/0x{}", self.base, hex::encode(id));
        let api = |reason: String| Error::Api {
            url: url.clone(),
            reason,
        };
        let response = self
            .http
            .get(&url)
            .send()
            .await
            .map_err(|e| api(e.to_string()))?;
        let status = response.status().as_u16();
        let body = response.text().await.map_err(|e| api(e.to_string()))?;
        match status {
            404 => Ok(None),
            200 => {
                let view: MessageView = serde_json::from_str(&body)
                    .map_err(|e| api(format!("not a message record ({e}): {body}")))?;
                Ok(Some(view.into()))
            }
            other => Err(api(format!("HTTP {other}: {body}"))),
        }
    }

    /// Polls message `id` every 100 ms until `done` accepts its status, calling `on_change`
    /// with every new state seen (in order). Fails on a terminal failure state, or when
    /// `timeout` passes (naming the last state).
    pub async fn follow(
        &self,
        id: &[u8; 32],
        timeout: Duration,
        mut on_change: impl FnMut(&MessageStatus, Duration),
        done: impl Fn(&MessageStatus) -> bool,
    ) -> Result<MessageStatus> {
        let start = Instant::now();
        let mut last: Option<MessageStatus> = None;
        loop {
            if let Some(status) = self.message(id).await? {
                let changed = last
                    .as_ref()
                    .is_none_or(|l| l.state != status.state || l.tx_hash != status.tx_hash);
                if changed {
                    on_change(&status, start.elapsed());
                }
                if done(&status) {
                    return Ok(status);
                }
                if status.is_terminal_failure() {
                    return Err(Error::Api {
                        url: format!("{}/v1/messages/0x{}", self.base, hex::encode(id)),
                        reason: format!(
                            "message is {} after {} attempts: {}",
                            status.state,
                            status.attempts,
                            status.last_error.as_deref().unwrap_or("no error recorded")
                        ),
                    });
                }
                last = Some(status);
            }
            if start.elapsed() >= timeout {
                let state = last.map_or_else(
                    || "the relayer has not seen it".to_owned(),
                    |l| {
                        format!(
                            "last state {} (attempts {}, last error {})",
                            l.state,
                            l.attempts,
                            l.last_error.as_deref().unwrap_or("none")
                        )
                    },
                );
                return Err(Error::Timeout {
                    what: format!("message 0x{}: {state}", hex::encode(id)),
                    seconds: timeout.as_secs(),
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
