//! A fault-injecting HTTP proxy on loopback, put in front of a node's JSON-RPC endpoint so
//! that the daemons see a flaky provider. Each connection carries one request (the answer says
//! `connection: close`); for each request the proxy draws one fault at the configured rates:
//!
//! - `drop`: the connection is closed without an answer, half of the time before the request
//!   reaches the node and half of the time after (a transaction sent, its outcome unknown);
//! - `delay`: the request is held up to [`FaultRates::max_delay`] before it is forwarded;
//! - `5xx`: `503 Service Unavailable` without asking the node;
//! - `truncate`: the node's answer is cut after half of its body, the connection closed;
//!
//! otherwise the request is forwarded as is. Only bodies with a `content-length` are read
//! (what JSON-RPC clients send). Faults are counted by kind in [`FaultCounters`], shared by
//! every proxy of a run, and can be switched off ([`FaultProxy::set_enabled`]).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::error::{Error, Result};
use crate::rng::SplitMix;

/// Largest request or response head read (bytes).
const MAX_HEAD: usize = 64 * 1024;
/// Largest body read (bytes).
const MAX_BODY: usize = 64 * 1024 * 1024;
/// How long the node may take to answer one request.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(30);

/// How often each fault is injected: fractions of requests (their sum at most 1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaultRates {
    /// Connections closed without an answer.
    pub drop: f64,
    /// Requests held before they are forwarded.
    pub delay: f64,
    /// Requests answered `503` without reaching the node.
    pub error: f64,
    /// Answers cut after half of their body.
    pub truncate: f64,
    /// The longest delay (each is drawn uniformly up to it).
    pub max_delay: Duration,
}

impl FaultRates {
    /// No faults.
    pub const NONE: Self = Self {
        drop: 0.0,
        delay: 0.0,
        error: 0.0,
        truncate: 0.0,
        max_delay: Duration::ZERO,
    };
}

/// One kind of injected fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// Connection closed without an answer.
    Drop,
    /// Request delayed.
    Delay,
    /// `503` answered.
    Error,
    /// Answer truncated.
    Truncate,
}

impl FaultKind {
    /// Every kind, in report order.
    pub const ALL: [Self; 4] = [Self::Drop, Self::Delay, Self::Error, Self::Truncate];

    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Drop => "dropped connection",
            Self::Delay => "delayed request",
            Self::Error => "HTTP 503",
            Self::Truncate => "truncated body",
        }
    }
}

/// Requests seen and faults injected, by kind, across proxies.
#[derive(Debug, Default)]
pub struct FaultCounters {
    requests: AtomicU64,
    faults: [AtomicU64; 4],
}

impl FaultCounters {
    /// Requests the proxies received.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Faults of `kind` injected.
    pub fn count(&self, kind: FaultKind) -> u64 {
        self.faults
            .get(kind as usize)
            .map_or(0, |c| c.load(Ordering::Relaxed))
    }

    /// Faults of every kind injected.
    pub fn total(&self) -> u64 {
        FaultKind::ALL.iter().map(|k| self.count(*k)).sum()
    }

    fn add(&self, kind: FaultKind) {
        if let Some(c) = self.faults.get(kind as usize) {
            c.fetch_add(1, Ordering::Relaxed);
        }
    }
}

struct Shared {
    upstream: SocketAddr,
    rates: FaultRates,
    enabled: AtomicBool,
    counters: Arc<FaultCounters>,
    rng: Mutex<SplitMix>,
}

impl Shared {
    fn draw(&self) -> (Option<FaultKind>, f64) {
        let (r, extra) = match self.rng.lock() {
            Ok(mut rng) => (rng.unit(), rng.unit()),
            Err(_) => return (None, 0.0),
        };
        if !self.enabled.load(Ordering::Relaxed) {
            return (None, extra);
        }
        let FaultRates {
            drop,
            delay,
            error,
            truncate,
            ..
        } = self.rates;
        let kind = if r < drop {
            Some(FaultKind::Drop)
        } else if r < drop + delay {
            Some(FaultKind::Delay)
        } else if r < drop + delay + error {
            Some(FaultKind::Error)
        } else if r < drop + delay + error + truncate {
            Some(FaultKind::Truncate)
        } else {
            None
        };
        (kind, extra)
    }
}

/// A running proxy; stops accepting on drop.
pub struct FaultProxy {
    url: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for FaultProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultProxy")
            .field("url", &self.url)
            .field("upstream", &self.shared.upstream)
            .finish()
    }
}

impl FaultProxy {
    /// Listens on a free loopback port and forwards to `upstream` (`http://HOST:PORT`),
    /// injecting faults at `rates` (from the start) drawn from `seed`, counted in `counters`.
    pub async fn start(
        upstream: &str,
        rates: FaultRates,
        seed: u64,
        counters: Arc<FaultCounters>,
    ) -> Result<Self> {
        let bad = |reason: String| Error::Setup(format!("fault proxy for {upstream}: {reason}"));
        let parsed = url::Url::parse(upstream).map_err(|e| bad(e.to_string()))?;
        let host = parsed.host_str().ok_or_else(|| bad("no host".into()))?;
        let port = parsed
            .port_or_known_default()
            .ok_or_else(|| bad("no port".into()))?;
        let upstream_addr = tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| bad(e.to_string()))?
            .next()
            .ok_or_else(|| bad("no address".into()))?;
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| bad(e.to_string()))?;
        let local = listener.local_addr().map_err(|e| bad(e.to_string()))?;
        let shared = Arc::new(Shared {
            upstream: upstream_addr,
            rates,
            enabled: AtomicBool::new(true),
            counters,
            rng: Mutex::new(SplitMix::new(seed)),
        });
        let accept = shared.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    continue;
                };
                let shared = accept.clone();
                tokio::spawn(async move {
                    // A failed exchange is what the client sees; nothing to report here.
                    let _ = serve(&shared, client).await;
                });
            }
        });
        Ok(Self {
            url: format!("http://{local}"),
            shared,
            task,
        })
    }

    /// `http://127.0.0.1:PORT`: where clients connect.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Turns fault injection on or off (requests are always forwarded when off).
    pub fn set_enabled(&self, on: bool) {
        self.shared.enabled.store(on, Ordering::Relaxed);
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(shared: &Shared, mut client: TcpStream) -> std::io::Result<()> {
    let Some(request) = read_message(&mut client).await? else {
        return Ok(());
    };
    shared.counters.requests.fetch_add(1, Ordering::Relaxed);
    let (fault, extra) = shared.draw();
    if let Some(kind) = fault {
        shared.counters.add(kind);
    }
    match fault {
        Some(FaultKind::Drop) if extra < 0.5 => return Ok(()),
        Some(FaultKind::Error) => {
            let body = "fault proxy: injected 503\n";
            let answer = format!(
                "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            client.write_all(answer.as_bytes()).await?;
            return client.shutdown().await;
        }
        Some(FaultKind::Delay) => {
            let delay = shared.rates.max_delay.mul_f64(extra);
            tokio::time::sleep(delay).await;
        }
        _ => {}
    }
    let response = tokio::time::timeout(UPSTREAM_TIMEOUT, forward(shared.upstream, &request))
        .await
        .map_err(|_| std::io::Error::other("the node did not answer in time"))??;
    match fault {
        Some(FaultKind::Drop) => Ok(()),
        Some(FaultKind::Truncate) => {
            let cut = response.head.len() + response.body.len() / 2;
            let mut bytes = response.head;
            bytes.extend_from_slice(&response.body);
            client
                .write_all(bytes.get(..cut).unwrap_or_default())
                .await?;
            client.shutdown().await
        }
        _ => {
            client.write_all(&response.head).await?;
            client.write_all(&response.body).await?;
            client.shutdown().await
        }
    }
}

/// An HTTP request or response: its head (start line and headers, `connection: close` put in
/// place of any connection header, ending with the blank line) and its body.
struct Message {
    head: Vec<u8>,
    body: Vec<u8>,
}

/// Sends `request` to `upstream` on a new connection and reads the whole answer.
async fn forward(upstream: SocketAddr, request: &Message) -> std::io::Result<Message> {
    let mut node = TcpStream::connect(upstream).await?;
    node.write_all(&request.head).await?;
    node.write_all(&request.body).await?;
    read_message(&mut node)
        .await?
        .ok_or_else(|| std::io::Error::other("the node closed the connection without answering"))
}

/// Reads one HTTP message (head, then a `content-length` body, or everything up to EOF when
/// there is none); `None` when the peer closed before sending anything.
async fn read_message(stream: &mut TcpStream) -> std::io::Result<Option<Message>> {
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > MAX_HEAD {
            return Err(std::io::Error::other("head too large"));
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return if buf.is_empty() {
                Ok(None)
            } else {
                Err(std::io::Error::other("closed inside the head"))
            };
        }
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
    };
    let head_text = String::from_utf8_lossy(buf.get(..head_end).unwrap_or_default()).into_owned();
    let mut lines = head_text.split("\r\n").filter(|l| !l.is_empty());
    let start = lines.next().unwrap_or_default().to_owned();
    let mut length = None;
    let mut head = format!("{start}\r\n");
    for line in lines {
        let (name, value) = line.split_once(':').unwrap_or((line, ""));
        let name_lc = name.trim().to_ascii_lowercase();
        match name_lc.as_str() {
            "connection" | "keep-alive" => continue,
            "content-length" => length = value.trim().parse::<usize>().ok(),
            "transfer-encoding" => {
                return Err(std::io::Error::other("chunked bodies are not supported"));
            }
            _ => {}
        }
        head.push_str(line);
        head.push_str("\r\n");
    }
    head.push_str("connection: close\r\n\r\n");
    let mut body = buf.get(head_end..).unwrap_or_default().to_vec();
    match length {
        Some(len) if len > MAX_BODY => return Err(std::io::Error::other("body too large")),
        Some(len) => {
            while body.len() < len {
                let n = stream.read(&mut chunk).await?;
                if n == 0 {
                    return Err(std::io::Error::other("closed inside the body"));
                }
                body.extend_from_slice(chunk.get(..n).unwrap_or_default());
            }
            body.truncate(len);
        }
        // A request without a body, or an answer delimited by the end of the connection.
        None if start.starts_with("HTTP/") => {
            stream.read_to_end(&mut body).await?;
        }
        None => {}
    }
    Ok(Some(Message {
        head: head.into_bytes(),
        body,
    }))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
