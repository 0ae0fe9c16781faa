//! [`HeadWatcher`]: new-block notifications from a node's WebSocket endpoint
//! (`eth_subscribe("newHeads")`), to wake a polling loop early.
//!
//! The notifications are a hint, never the source of truth: a consumer such as the relayer's
//! indexer still reads blocks and logs over JSON-RPC, and waits for the next notification *or*
//! its poll interval, whichever comes first. So a WebSocket that never connects, drops, stalls
//! or announces blocks that do not exist costs at most the poll interval and can neither skip
//! nor invent a block.
//!
//! The watcher runs as a tokio task: it connects, subscribes, publishes each announced head
//! on a [`tokio::sync::watch`] channel, and when the socket drops it reconnects with an
//! exponential backoff (from [`HeadWatcherConfig::backoff_initial`] doubling up to
//! [`HeadWatcherConfig::backoff_max`]; a connection that held for `backoff_max` starts it
//! afresh). It logs once when a subscription connects (info) and
//! once when it drops (warn), the first failed connection after start once (warn), and every
//! further failed attempt at debug level. URLs are logged without path, query or user info
//! (providers put API keys there).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use alloy_provider::{Provider, ProviderBuilder, RootProvider, WsConnect};
use alloy_pubsub::{ConnectionHandle, PubSubConnect};
use alloy_rpc_types_eth::Header;
use alloy_transport::{TransportErrorKind, TransportResult};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::redact_url;
use crate::error::{Error, Result};

/// A block the node announced: its number and hash as the notification gave them (unchecked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Head {
    /// Block number.
    pub number: u64,
    /// Block hash.
    pub hash: [u8; 32],
}

/// Reconnection and timeout settings of a [`HeadWatcher`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeadWatcherConfig {
    /// Wait before the first reconnection attempt after a failure; doubled per failed attempt.
    /// Default 250 ms.
    pub backoff_initial: Duration,
    /// Longest wait between attempts. Default 30 s.
    pub backoff_max: Duration,
    /// How long one connection plus subscription attempt may take. Default 10 s.
    pub connect_timeout: Duration,
}

impl Default for HeadWatcherConfig {
    fn default() -> Self {
        Self {
            backoff_initial: Duration::from_millis(250),
            backoff_max: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// Parses a WebSocket endpoint: `ws://` or `wss://` (the latter needs the `tls` feature).
/// The error says what is wrong, without repeating the URL (it may hold an API key).
pub fn parse_ws_url(raw: &str) -> std::result::Result<url::Url, String> {
    let url = url::Url::parse(raw).map_err(|e| format!("not a URL: {e}"))?;
    match url.scheme() {
        "ws" => {}
        "wss" if cfg!(feature = "tls") => {}
        "wss" => {
            return Err("wss:// needs trestle-evm's `tls` feature".into());
        }
        other => {
            return Err(format!(
                "scheme {other:?} is not supported: use ws:// or wss://"
            ));
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("the URL has no host".into());
    }
    Ok(url)
}

/// The endpoint as it may be shown in logs and summaries: scheme, host and port only (a
/// non-empty path shows as `/…`); the input itself when it is not a URL.
pub fn display_ws_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(url) => redact_url(&url),
        Err(_) => "(not a URL)".into(),
    }
}

/// Subscribes to a node's new heads over WebSocket and keeps the subscription alive.
///
/// Dropping the watcher stops its task and closes the socket.
#[derive(Debug)]
pub struct HeadWatcher {
    heads: watch::Receiver<Option<Head>>,
    connected: watch::Receiver<bool>,
    connections: Arc<AtomicU64>,
    endpoint: String,
    task: JoinHandle<()>,
}

impl HeadWatcher {
    /// Starts watching `ws_url` for the chain named `chain` (used in logs). Returns at once;
    /// the connection is made in the background, and retried with backoff for as long as the
    /// watcher lives. Must be called inside a tokio runtime.
    ///
    /// Refuses a URL that is not `ws://` or `wss://` (`Error::Config` on field `ws_url`).
    pub fn spawn(chain: &str, ws_url: &str, config: HeadWatcherConfig) -> Result<Self> {
        let url = parse_ws_url(ws_url).map_err(|reason| Error::config("ws_url", reason))?;
        let endpoint = redact_url(&url);
        let (heads_tx, heads) = watch::channel(None);
        let (connected_tx, connected) = watch::channel(false);
        let connections = Arc::new(AtomicU64::new(0));
        let task = tokio::spawn(
            Subscriber {
                chain: chain.to_owned(),
                url: url.to_string(),
                endpoint: endpoint.clone(),
                config,
                heads: heads_tx,
                connected: connected_tx,
                connections: connections.clone(),
            }
            .run(),
        );
        Ok(Self {
            heads,
            connected,
            connections,
            endpoint,
            task,
        })
    }

    /// A receiver that is marked changed on every newly announced head
    /// ([`watch::Receiver::changed`] resolves); its value is the latest head.
    pub fn subscribe(&self) -> watch::Receiver<Option<Head>> {
        self.heads.clone()
    }

    /// The latest announced head, if any was announced yet.
    pub fn latest(&self) -> Option<Head> {
        *self.heads.borrow()
    }

    /// Whether a subscription is currently established.
    pub fn is_connected(&self) -> bool {
        *self.connected.borrow()
    }

    /// A receiver of the connection state (`true` while subscribed).
    pub fn connection_state(&self) -> watch::Receiver<bool> {
        self.connected.clone()
    }

    /// How many times a subscription was established since the watcher started (1 after
    /// the first connection, 2 after the first reconnection, ...).
    pub fn connections(&self) -> u64 {
        self.connections.load(Ordering::Relaxed)
    }

    /// The endpoint without path, query or user info, as logged.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }
}

impl Drop for HeadWatcher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The background task of a [`HeadWatcher`].
struct Subscriber {
    chain: String,
    url: String,
    endpoint: String,
    config: HeadWatcherConfig,
    heads: watch::Sender<Option<Head>>,
    connected: watch::Sender<bool>,
    connections: Arc<AtomicU64>,
}

impl Subscriber {
    async fn run(self) {
        let mut delay = self.config.backoff_initial;
        let mut ever_connected = false;
        let mut attempts: u64 = 0;
        loop {
            attempts += 1;
            match self.connect().await {
                Ok((provider, subscription)) => {
                    ever_connected = true;
                    attempts = 0;
                    let n = self.connections.fetch_add(1, Ordering::Relaxed) + 1;
                    self.connected.send_replace(true);
                    tracing::info!(chain = %self.chain, endpoint = %self.endpoint, connection = n, "new-head subscription connected");
                    let since = Instant::now();
                    let reason = self.forward(subscription).await;
                    self.connected.send_replace(false);
                    drop(provider);
                    tracing::warn!(chain = %self.chain, endpoint = %self.endpoint, reason, "new-head subscription dropped; reconnecting (the indexer keeps polling)");
                    // A connection that held a while starts the backoff afresh; one dropped
                    // soon after it was made counts as a failed attempt, so that an endpoint
                    // that accepts and drops at once is not reconnected in a tight loop.
                    if since.elapsed() >= self.config.backoff_max {
                        delay = self.config.backoff_initial;
                    }
                }
                Err(reason) => {
                    if !ever_connected && attempts == 1 {
                        tracing::warn!(chain = %self.chain, endpoint = %self.endpoint, error = %reason, "cannot subscribe to new heads yet; retrying in the background (the indexer polls meanwhile)");
                    } else {
                        tracing::debug!(chain = %self.chain, endpoint = %self.endpoint, attempt = attempts, retry_in_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX), error = %reason, "new-head subscription attempt failed");
                    }
                }
            }
            tokio::time::sleep(delay).await;
            delay = delay.saturating_mul(2).min(self.config.backoff_max);
        }
    }

    /// Connects and subscribes within the connect timeout.
    async fn connect(&self) -> std::result::Result<(RootProvider, Subscription), String> {
        let attempt = async {
            let ws = NoReconnect(WsConnect::new(self.url.clone()));
            let provider = ProviderBuilder::default()
                .connect_pubsub_with(ws)
                .await
                .map_err(|e| trestle_core::redact::scrub_urls(&format!("connect: {e}")))?;
            let subscription = provider.subscribe_blocks().await.map_err(|e| {
                trestle_core::redact::scrub_urls(&format!("eth_subscribe(newHeads): {e}"))
            })?;
            Ok::<_, String>((provider, subscription))
        };
        tokio::time::timeout(self.config.connect_timeout, attempt)
            .await
            .map_err(|_| format!("no subscription within {:?}", self.config.connect_timeout))?
    }

    /// Publishes heads until the subscription ends; returns why it ended.
    async fn forward(&self, mut subscription: Subscription) -> &'static str {
        loop {
            match subscription.recv().await {
                Ok(header) => {
                    let head = Head {
                        number: header.number,
                        hash: header.hash.0,
                    };
                    // A repeated announcement of the same head wakes nobody.
                    self.heads.send_if_modified(|current| {
                        let new = *current != Some(head);
                        *current = Some(head);
                        new
                    });
                }
                // Heads were announced faster than read: the next one is the latest anyway.
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return "the connection closed",
            }
        }
    }
}

type Subscription = alloy_pubsub::Subscription<Header>;

/// A WebSocket connector whose connection alloy does not re-establish by itself: when the
/// socket drops, alloy's service ends, the subscription closes, and [`Subscriber::run`]
/// reconnects with its own backoff and logging (alloy would retry at once, then give up).
struct NoReconnect(WsConnect);

impl PubSubConnect for NoReconnect {
    fn is_local(&self) -> bool {
        self.0.is_local()
    }

    fn connect(&self) -> impl Future<Output = TransportResult<ConnectionHandle>> + Send {
        self.0.connect()
    }

    fn try_reconnect(&self) -> impl Future<Output = TransportResult<ConnectionHandle>> + Send {
        std::future::ready(Err(TransportErrorKind::non_retryable_str(
            "the head watcher reconnects by itself",
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ws_urls_are_checked() {
        assert!(parse_ws_url("ws://127.0.0.1:8545").is_ok());
        assert!(parse_ws_url("ws://node.example/path?key=1").is_ok());
        #[cfg(feature = "tls")]
        assert!(parse_ws_url("wss://node.example/v2/KEY").is_ok());
        let err = parse_ws_url("http://127.0.0.1:8545").unwrap_err();
        assert!(err.contains("use ws:// or wss://"), "{err}");
        let err = parse_ws_url("127.0.0.1:8545").unwrap_err();
        assert!(
            err.contains("not a URL") || err.contains("not supported"),
            "{err}"
        );
        assert!(parse_ws_url("").unwrap_err().contains("not a URL"));
        // Errors never repeat the URL (an API key may be in it).
        let err = parse_ws_url("ftp://h/SECRETKEY").unwrap_err();
        assert!(!err.contains("SECRETKEY"), "{err}");
    }

    #[test]
    fn displayed_urls_hide_keys() {
        assert_eq!(
            display_ws_url("wss://eth.example/v2/SECRET"),
            "wss://eth.example/…"
        );
        assert_eq!(display_ws_url("ws://127.0.0.1:8545"), "ws://127.0.0.1:8545");
        assert!(!display_ws_url("ws://user:pw@h:1").contains("pw"));
    }

    #[tokio::test]
    async fn spawn_refuses_a_bad_url_naming_the_field() {
        match HeadWatcher::spawn("x", "http://127.0.0.1:1", HeadWatcherConfig::default()) {
            Err(Error::Config { field, .. }) => assert_eq!(field, "ws_url"),
            other => panic!("expected a config error, got {other:?}"),
        }
    }
}
