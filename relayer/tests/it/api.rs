//! The HTTP API's listeners against hostile clients (issue 14): a request head sent too
//! slowly and an idle kept-alive connection are closed, connections past the cap (and past
//! one peer's cap, while other peers are still served) are closed at once, a client that
//! does not read its answer is cut off at the write deadline, a busy kept-alive connection
//! at its lifetime, a client past its rate gets 429, and a failing store's error text stays
//! in the log.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::oneshot;
use trestle_relayer::Store;
use trestle_relayer::api::{self, ApiState, Limits, RateLimit, public_router, router};
use trestle_relayer::metrics::Metrics;

/// A store in `dir` and the handlers' state over it (ready).
async fn state(dir: &tempfile::TempDir) -> ApiState {
    let url = format!("sqlite://{}", dir.path().join("store.db").display());
    ApiState {
        store: Store::connect(&url, 2).await.unwrap(),
        metrics: Arc::new(Metrics::new()),
        ready: Arc::new(AtomicBool::new(true)),
    }
}

/// Serves `app` on a loopback port within `limits` until the returned sender is dropped.
async fn serve(app: axum::Router, limits: Limits) -> (SocketAddr, oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(api::serve(listener, app, limits, async move {
        let _ = stopped.await;
    }));
    (addr, stop)
}

fn limits(max_connections: usize, header_read_timeout: Duration) -> Limits {
    Limits {
        max_connections,
        max_connections_per_peer: max_connections,
        max_connections_per_site: max_connections,
        per_peer_on_loopback: true,
        header_read_timeout,
        write_timeout: Duration::from_secs(10),
        max_lifetime: Duration::from_secs(600),
        shutdown_grace: Duration::from_secs(1),
    }
}

/// A connection to `addr` from the loopback address `from` (127.0.0.1 and 127.0.0.2 are
/// two peers on Linux).
async fn connect_from(from: Ipv4Addr, addr: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(IpAddr::V4(from), 0)).unwrap();
    socket.connect(addr).await.unwrap()
}

/// Whether a connection from `from` is answered (`GET /healthz`, 200) rather than closed
/// unanswered.
async fn answered(from: Ipv4Addr, addr: SocketAddr) -> bool {
    let mut c = connect_from(from, addr).await;
    let _ = c.write_all(HEALTHZ).await;
    let mut got = Vec::new();
    let _ = closed_within(&mut c, Duration::from_secs(2), &mut got).await;
    got.starts_with(b"HTTP/1.1 200")
}

/// Reads until the server closes the connection (end of stream or reset), for at most
/// `limit`: how long that took, or `None` if it stayed open. What it sent is in `received`.
async fn closed_within(
    stream: &mut TcpStream,
    limit: Duration,
    received: &mut Vec<u8>,
) -> Option<Duration> {
    let start = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        let left = limit.checked_sub(start.elapsed())?;
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => return Some(start.elapsed()),
            Ok(Ok(n)) => received.extend_from_slice(&buf[..n]),
        }
    }
}

const HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n";

/// Sends one `GET /healthz` on `stream` and reads the answer's status line.
async fn healthz_status(stream: &mut TcpStream) -> String {
    stream.write_all(HEALTHZ).await.unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while !got.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
            .await
            .expect("an answer")
            .unwrap();
        assert!(n > 0, "closed before answering");
        got.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&got)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_head_sent_too_slowly_is_cut_off_and_so_is_an_idle_connection() {
    let dir = tempfile::tempdir().unwrap();
    let timeout = Duration::from_millis(500);
    let (addr, _stop) = serve(router(state(&dir).await, None, None), limits(16, timeout)).await;

    // Slowloris: half a request head, then a byte now and then.
    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();
    let trickle = async {
        for _ in 0..20 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if slow.write_all(b"x").await.is_err() {
                break;
            }
        }
    };
    let mut probe = TcpStream::connect(addr).await.unwrap();
    let mut received = Vec::new();
    // (The trickling client and a silent one: each is cut off at the timeout.)
    let (_, silent) = tokio::join!(
        trickle,
        closed_within(&mut probe, Duration::from_secs(5), &mut received)
    );
    let silent = silent.expect("a connection that sends nothing is closed");
    assert!(silent >= timeout / 2, "closed after {silent:?}");
    let mut rest = Vec::new();
    let slow_closed = closed_within(&mut slow, Duration::from_secs(3), &mut rest).await;
    assert!(
        slow_closed.is_some(),
        "the trickling client is still connected"
    );
    assert!(!rest.starts_with(b"HTTP/1.1 200"), "it was answered");

    // A kept-alive connection is answered, then closed once idle for the timeout.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    assert_eq!(healthz_status(&mut idle).await, "HTTP/1.1 200 OK");
    let mut after = Vec::new();
    let closed = closed_within(&mut idle, Duration::from_secs(5), &mut after)
        .await
        .expect("an idle kept-alive connection is closed");
    assert!(closed >= timeout / 2, "closed after {closed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_past_the_cap_are_closed_until_one_ends() {
    let dir = tempfile::tempdir().unwrap();
    let cap = 4;
    let (addr, _stop) = serve(
        router(state(&dir).await, None, None),
        limits(cap, Duration::from_secs(60)),
    )
    .await;
    // `cap` connections that say nothing hold every slot (each is served: it answers).
    let mut held = Vec::new();
    for _ in 0..cap {
        let mut c = TcpStream::connect(addr).await.unwrap();
        assert_eq!(healthz_status(&mut c).await, "HTTP/1.1 200 OK");
        held.push(c);
    }
    for _ in 0..3 {
        let mut extra = TcpStream::connect(addr).await.unwrap();
        let _ = extra.write_all(HEALTHZ).await;
        let mut got = Vec::new();
        let closed = closed_within(&mut extra, Duration::from_secs(5), &mut got).await;
        assert!(closed.is_some(), "a connection past the cap was kept");
        assert!(got.is_empty(), "a connection past the cap was answered");
    }
    // One ends: its slot is free again (once the server has seen it close).
    drop(held.pop());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut c = TcpStream::connect(addr).await.unwrap();
        c.write_all(HEALTHZ).await.unwrap();
        let mut got = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(2), c.read_buf(&mut got)).await;
        if got.starts_with(b"HTTP/1.1 200") {
            break;
        }
        assert!(Instant::now() < deadline, "the freed slot was never reused");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_peer_past_its_connection_cap_is_refused_while_another_is_still_served() {
    let dir = tempfile::tempdir().unwrap();
    let per_peer = 3;
    let (addr, _stop) = serve(
        router(state(&dir).await, None, None),
        Limits {
            max_connections_per_peer: per_peer,
            ..limits(16, Duration::from_secs(60))
        },
    )
    .await;
    let (greedy, other) = (Ipv4Addr::new(127, 0, 0, 1), Ipv4Addr::new(127, 0, 0, 2));
    // The greedy peer holds its share (each connection is served: it answers).
    let mut held = Vec::new();
    for _ in 0..per_peer {
        let mut c = connect_from(greedy, addr).await;
        assert_eq!(healthz_status(&mut c).await, "HTTP/1.1 200 OK");
        held.push(c);
    }
    // One more of its connections is closed unanswered, however many it tries...
    for _ in 0..3 {
        assert!(
            !answered(greedy, addr).await,
            "a connection past the peer's cap was served"
        );
    }
    // ...while another peer is served, with connections of its own up to its own cap.
    let mut others = Vec::new();
    for _ in 0..per_peer {
        let mut c = connect_from(other, addr).await;
        assert_eq!(healthz_status(&mut c).await, "HTTP/1.1 200 OK");
        others.push(c);
    }
    // One of the greedy peer's connections ends: it may open one again.
    drop(held.pop());
    let deadline = Instant::now() + Duration::from_secs(10);
    while !answered(greedy, addr).await {
        assert!(
            Instant::now() < deadline,
            "the peer's freed slot was never reused"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A route whose answer is larger than every socket buffer between server and client.
const BIG: usize = 32 << 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_does_not_read_its_answer_is_cut_off_at_the_write_deadline() {
    let write_timeout = Duration::from_secs(1);
    let app = axum::Router::new().route("/big", axum::routing::get(|| async { vec![b'x'; BIG] }));
    let (addr, _stop) = serve(
        app,
        Limits {
            write_timeout,
            ..limits(16, Duration::from_secs(60))
        },
    )
    .await;
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut c = socket.connect(addr).await.unwrap();
    c.write_all(b"GET /big HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let asked = Instant::now();
    // The client reads nothing while the server writes; the server gives up at the deadline
    // (not to be observed from here but by what is left to read afterwards).
    tokio::time::sleep(write_timeout * 3).await;
    let mut got = Vec::new();
    let closed = closed_within(&mut c, Duration::from_secs(20), &mut got).await;
    assert!(
        closed.is_some(),
        "the slow reader's connection is still open"
    );
    assert!(got.starts_with(b"HTTP/1.1 200"));
    assert!(
        got.len() < BIG,
        "the whole answer ({} bytes) was sent to a client that did not read for {:?}",
        got.len(),
        asked.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_alive_connection_that_never_idles_is_closed_at_its_lifetime() {
    let dir = tempfile::tempdir().unwrap();
    let max_lifetime = Duration::from_secs(1);
    let (addr, _stop) = serve(
        router(state(&dir).await, None, None),
        Limits {
            max_lifetime,
            ..limits(16, Duration::from_secs(5))
        },
    )
    .await;
    let mut c = TcpStream::connect(addr).await.unwrap();
    let opened = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    // A request every 100 ms, well within the header timeout, each answer read.
    let closed_after = loop {
        assert!(
            opened.elapsed() < Duration::from_secs(10),
            "the connection outlived its lifetime"
        );
        if c.write_all(HEALTHZ).await.is_err() {
            break opened.elapsed();
        }
        match tokio::time::timeout(Duration::from_millis(100), c.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => break opened.elapsed(),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => {}
        }
    };
    assert!(
        closed_after >= max_lifetime,
        "closed after {closed_after:?}"
    );
    // Gracefully: between two requests (an idle kept-alive connection closes at once), not
    // at the grace period's end, and no answer cut short.
    assert!(
        closed_after < max_lifetime + Duration::from_millis(800),
        "closed after {closed_after:?}"
    );
    let text = String::from_utf8_lossy(&got).to_ascii_lowercase();
    let answers = text.matches("http/1.1 200 ok").count();
    assert!(answers >= 5, "{text}");
    assert_eq!(text.matches("\r\n\r\nok").count(), answers, "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_past_its_rate_gets_429_and_the_probe_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let rate = RateLimit {
        per_second: 0.001,
        burst: 3.0,
        max_clients: 16,
        ..RateLimit::PUBLIC
    };
    let (addr, _stop) = serve(
        public_router(state(&dir).await, rate),
        limits(16, Duration::from_secs(5)),
    )
    .await;
    let http = reqwest::Client::new();
    let batch = format!("http://{addr}/v1/attestations");
    for _ in 0..3 {
        let r = http.post(&batch).json(&serde_json::json!({"ids": []}));
        assert_eq!(r.send().await.unwrap().status().as_u16(), 200);
    }
    let refused = http
        .get(format!(
            "http://{addr}/v1/attestations/0x{}",
            "00".repeat(32)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 429);
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1);
    // The liveness probe is outside every limit.
    let probe = http.get(format!("http://{addr}/healthz")).send().await;
    assert_eq!(probe.unwrap().status().as_u16(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_store_is_store_unavailable_and_its_error_text_is_not_served() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir).await;
    let store = state.store.clone();
    let (addr, _stop) = serve(
        router(state, None, None),
        limits(16, Duration::from_secs(5)),
    )
    .await;
    store.close().await;
    let id = "00".repeat(32);
    for path in [
        "/readyz".to_owned(),
        "/v1/messages".to_owned(),
        format!("/v1/messages/0x{id}"),
    ] {
        let r = reqwest::get(format!("http://{addr}{path}")).await.unwrap();
        assert_eq!(r.status().as_u16(), 503, "{path}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["error"], api::STORE_UNAVAILABLE, "{path}");
    }
}

/// The daemon serves both of its listeners within their limits: a client that never finishes
/// its request head is cut off after [`api::PUBLIC_LIMITS`]'s timeout, on either; and the API
/// reads the store through a pool of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemons_listeners_cut_off_a_request_head_that_never_ends_and_read_their_own_pool() {
    use trestle_relayer_harness::daemons::{free_listen, start_relayer};
    use trestle_relayer_harness::net::{Net, relayer_config};

    let net = Net::start(u128::MAX).await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = relayer_config(&net, dir.path(), net.placeholders());
    cfg.api.public_listen = Some(free_listen());
    let daemon = start_relayer(cfg).await;
    let listeners = [daemon.api_addr(), daemon.public_addr().unwrap()];
    let timeout = api::PUBLIC_LIMITS.header_read_timeout;
    assert_eq!(api::OPERATOR_LIMITS.header_read_timeout, timeout);
    let cut_off = listeners.map(|addr| async move {
        let mut c = TcpStream::connect(addr).await.unwrap();
        c.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n")
            .await
            .unwrap();
        let mut got = Vec::new();
        let closed = closed_within(&mut c, timeout + Duration::from_secs(5), &mut got).await;
        (addr, closed, got)
    });
    let [operator, public] = cut_off;
    let (operator, public) = tokio::join!(operator, public);
    for (addr, closed, got) in [operator, public] {
        let closed = closed.unwrap_or_else(|| panic!("{addr}: still open"));
        assert!(closed >= timeout / 2, "{addr}: closed after {closed:?}");
        assert!(!got.starts_with(b"HTTP/1.1 200"), "{addr}: answered");
    }

    // The API reads through a pool of its own: with every connection of the roles' pool
    // gone, it still answers (and so a flood of API requests cannot take the roles').
    daemon.store().close().await;
    let base = format!("http://{}", daemon.api_addr());
    for path in ["/v1/messages", "/readyz"] {
        let r = reqwest::get(format!("{base}{path}")).await.unwrap();
        assert_eq!(r.status().as_u16(), 200, "{path}");
    }
    daemon.shutdown().await;
}

/// `GET /v1/messages` pages: `next` until the last page, each message once; a malformed
/// `after` is a 400.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_message_list_pages_with_next_and_after() {
    use trestle_bridge::Message;
    use trestle_bridge_client::api::wire::MessageList;
    use trestle_core::chain::UniversalAddress;
    use trestle_relayer::store::NewMessage;

    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir).await;
    let msgs: Vec<NewMessage> = (0..25u64)
        .map(|nonce| NewMessage {
            message: Message::new(
                nonce,
                1,
                UniversalAddress([1; 32]),
                2,
                UniversalAddress([2; 32]),
                vec![],
            )
            .unwrap(),
            origin_height: 1,
            origin_block_hash: [1; 32],
            origin_tx: vec![1; 32],
        })
        .collect();
    state
        .store
        .record_indexed("a", 1, [1; 32], &msgs)
        .await
        .unwrap();
    let (addr, _stop) = serve(
        router(state, None, None),
        limits(16, Duration::from_secs(5)),
    )
    .await;
    let mut nonces = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut url = format!("http://{addr}/v1/messages?limit=10");
        if let Some(after) = &after {
            url.push_str(&format!("&after={after}"));
        }
        let page: MessageList = reqwest::get(url).await.unwrap().json().await.unwrap();
        pages += 1;
        nonces.extend(page.messages.iter().map(|m| m.nonce));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(nonces, (0..25).rev().collect::<Vec<u64>>());
    let bad = reqwest::get(format!("http://{addr}/v1/messages?after=1:x"))
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);
}

/// The API's reader ([`Store::connect_reader`]) sees what the roles commit and cannot write.
async fn the_reader_sees_commits_and_refuses_writes(store: Store, url: String) {
    use trestle_bridge::Message;
    use trestle_core::chain::UniversalAddress;
    use trestle_relayer::store::{ListFilter, NewMessage};

    let reader = Store::connect_reader(&url, api::API_STORE_CONNECTIONS)
        .await
        .unwrap();
    let found = |nonce: u64| NewMessage {
        message: Message::new(
            nonce,
            1,
            UniversalAddress([1; 32]),
            2,
            UniversalAddress([2; 32]),
            vec![],
        )
        .unwrap(),
        origin_height: 1,
        origin_block_hash: [1; 32],
        origin_tx: vec![1; 32],
    };
    store
        .record_indexed("a", 1, [1; 32], &[found(0)])
        .await
        .unwrap();
    assert_eq!(reader.list(&ListFilter::default()).await.unwrap().len(), 1);
    let refused = reader
        .record_indexed("a", 2, [2; 32], &[found(1)])
        .await
        .expect_err("the reader wrote")
        .to_string()
        .to_lowercase()
        .replace('-', "");
    assert!(refused.contains("readonly"), "{refused}");
    assert_eq!(store.list(&ListFilter::default()).await.unwrap().len(), 1);
    reader.close().await;
    assert!(
        Store::connect_reader("sqlite::memory:", 1).await.is_err(),
        "an in-memory database opened twice"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_reader_sees_commits_and_refuses_writes() {
    let (_guard, store, url) = crate::store::sqlite_store().await;
    the_reader_sees_commits_and_refuses_writes(store, url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_reader_sees_commits_and_refuses_writes() {
    let (_guard, store, url) = crate::store::postgres_store().await;
    the_reader_sees_commits_and_refuses_writes(store, url).await;
}
