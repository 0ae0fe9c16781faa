//! New-head notifications over anvil's WebSocket endpoint: delivered right after a block is
//! mined, and re-established after the connection drops or the node restarts (through a TCP
//! forwarder that the test can cut and point at another node).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use trestle_evm::{EvmChain, Head, HeadWatcher, HeadWatcherConfig};
use trestle_tests::Anvil;

use crate::common::*;

fn fast() -> HeadWatcherConfig {
    HeadWatcherConfig {
        backoff_initial: Duration::from_millis(50),
        backoff_max: Duration::from_millis(400),
        connect_timeout: Duration::from_secs(5),
    }
}

/// Polls `done` every 10 ms until it holds or `timeout` passes.
async fn wait_for(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Mines one block and returns the head announced for it and how long after `evm_mine` was
/// called it arrived; checks it against the node's own header.
async fn mine_and_expect_head(
    anvil: &Anvil,
    chain: &EvmChain,
    rx: &mut watch::Receiver<Option<Head>>,
) -> (Head, Duration) {
    rx.borrow_and_update();
    let start = Instant::now();
    anvil_rpc(anvil, "evm_mine", json!([])).await;
    tokio::time::timeout(Duration::from_secs(5), rx.changed())
        .await
        .expect("no head announced within 5 s of evm_mine")
        .unwrap();
    let elapsed = start.elapsed();
    let head = rx.borrow_and_update().expect("a head");
    let number = chain.block_number().await.unwrap();
    assert_eq!(head.number, number);
    let header = chain.header(number).await.unwrap().unwrap();
    assert_eq!(head.hash, header.hash);
    (head, elapsed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anvil_head_watcher_announces_a_mined_block_at_once() {
    let anvil = anvil();
    let chain = chain(&anvil).await;
    let watcher = HeadWatcher::spawn("anvil", &anvil.ws_url(), fast()).unwrap();
    assert_eq!(watcher.endpoint(), anvil.ws_url());
    wait_for("the subscription", WAIT, || watcher.is_connected()).await;
    assert_eq!(watcher.connections(), 1);
    let mut rx = watcher.subscribe();
    for _ in 0..3 {
        let (head, elapsed) = mine_and_expect_head(&anvil, &chain, &mut rx).await;
        // Pushed, not polled: well under any poll interval worth configuring.
        assert!(
            elapsed < Duration::from_secs(1),
            "head {} announced {elapsed:?} after evm_mine",
            head.number
        );
        assert_eq!(watcher.latest(), Some(head));
    }
    // Dropping the watcher stops it: the channel's sender goes away with its task.
    drop(watcher);
    tokio::time::timeout(Duration::from_secs(5), async {
        while rx.changed().await.is_ok() {}
    })
    .await
    .expect("the watcher's task stops when it is dropped");
}

/// Forwards a loopback port to a node; its target can be changed and its connections cut.
struct Forwarder {
    port: u16,
    target: Arc<Mutex<u16>>,
    connections: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accepted: Arc<AtomicUsize>,
    accept: JoinHandle<()>,
}

impl Forwarder {
    async fn start(target: u16) -> Forwarder {
        Self::start_cutting(target, None).await
    }

    /// With `cut_after`, every connection is closed that long after it was accepted.
    async fn start_cutting(target: u16, cut_after: Option<Duration>) -> Forwarder {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let target = Arc::new(Mutex::new(target));
        let connections = Arc::new(Mutex::new(Vec::new()));
        let accepted = Arc::new(AtomicUsize::new(0));
        let accept = tokio::spawn({
            let target = target.clone();
            let connections = connections.clone();
            let accepted = accepted.clone();
            async move {
                loop {
                    let Ok((mut client, _)) = listener.accept().await else {
                        return;
                    };
                    accepted.fetch_add(1, Ordering::SeqCst);
                    let to = *target.lock().unwrap();
                    let task = tokio::spawn(async move {
                        // Node down: the client's connection is closed at once.
                        if let Ok(mut upstream) = TcpStream::connect(("127.0.0.1", to)).await {
                            let copy = tokio::io::copy_bidirectional(&mut client, &mut upstream);
                            match cut_after {
                                Some(after) => {
                                    let _ = tokio::time::timeout(after, copy).await;
                                }
                                None => {
                                    let _ = copy.await;
                                }
                            }
                        }
                    });
                    connections.lock().unwrap().push(task);
                }
            }
        });
        Forwarder {
            port,
            target,
            connections,
            accepted,
            accept,
        }
    }

    fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.port)
    }

    /// Connections accepted so far.
    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    fn retarget(&self, port: u16) {
        *self.target.lock().unwrap() = port;
    }

    /// Closes every forwarded connection (both sockets are dropped).
    fn cut(&self) {
        for task in self.connections.lock().unwrap().drain(..) {
            task.abort();
        }
    }
}

impl Drop for Forwarder {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anvil_head_watcher_reconnects_after_a_drop_and_a_node_restart() {
    let first = anvil();
    let chain_first = chain(&first).await;
    let forwarder = Forwarder::start(first.port()).await;
    let watcher = HeadWatcher::spawn("anvil", &forwarder.ws_url(), fast()).unwrap();
    let mut rx = watcher.subscribe();
    wait_for("the first subscription", WAIT, || watcher.is_connected()).await;
    mine_and_expect_head(&first, &chain_first, &mut rx).await;

    // The connection drops (a proxy or load balancer cutting it): the watcher notices,
    // reconnects and subscribes again.
    let mut state = watcher.connection_state();
    forwarder.cut();
    tokio::time::timeout(WAIT, state.wait_for(|connected| !connected))
        .await
        .expect("the drop is noticed")
        .unwrap();
    wait_for("the second subscription", WAIT, || {
        watcher.is_connected() && watcher.connections() == 2
    })
    .await;
    let (before_restart, _) = mine_and_expect_head(&first, &chain_first, &mut rx).await;

    // The node goes away (its connections die with it) and another comes up behind the same
    // address: failed attempts while it is down, then a new subscription to the new node.
    drop(first);
    tokio::time::timeout(WAIT, state.wait_for(|connected| !connected))
        .await
        .expect("the node's death is noticed")
        .unwrap();
    let second = anvil();
    let chain_second = chain(&second).await;
    forwarder.retarget(second.port());
    wait_for("the subscription to the restarted node", WAIT, || {
        watcher.is_connected() && watcher.connections() == 3
    })
    .await;
    let (head, _) = mine_and_expect_head(&second, &chain_second, &mut rx).await;
    assert_eq!(head.number, 1, "the restarted node's first block");
    assert_ne!(head, before_restart);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anvil_head_watcher_subscribes_once_a_node_that_was_down_comes_up() {
    // Nothing listens behind the forwarder yet: every attempt is closed at once.
    let forwarder = Forwarder::start(closed_port()).await;
    let watcher = HeadWatcher::spawn("late", &forwarder.ws_url(), fast()).unwrap();
    wait_for("three failed attempts", WAIT, || forwarder.accepted() >= 3).await;
    assert!(!watcher.is_connected());
    assert_eq!(watcher.connections(), 0);
    assert_eq!(watcher.latest(), None);

    let node = anvil();
    let chain = chain(&node).await;
    forwarder.retarget(node.port());
    let mut rx = watcher.subscribe();
    wait_for("the subscription", WAIT, || watcher.is_connected()).await;
    assert_eq!(watcher.connections(), 1);
    mine_and_expect_head(&node, &chain, &mut rx).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anvil_head_watcher_backs_off_from_an_endpoint_that_drops_every_connection() {
    let node = anvil();
    // Every connection is cut 30 ms after it is accepted, so each subscription is made and
    // then lost at once.
    let forwarder = Forwarder::start_cutting(node.port(), Some(Duration::from_millis(30))).await;
    let watcher = HeadWatcher::spawn("flapping", &forwarder.ws_url(), fast()).unwrap();
    wait_for("a first subscription", WAIT, || watcher.connections() >= 1).await;
    let start = Instant::now();
    let before = forwarder.accepted();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let made = forwarder.accepted() - before;
    // The backoff grows across short-lived connections (50, 100, 200, 400, 400, ... ms, plus
    // 30 ms each): about 6 in 2 s. Reconnecting after every drop without backing off would
    // make about 25.
    assert!(
        (2..=10).contains(&made),
        "{made} connections in {:?}",
        start.elapsed()
    );
}
