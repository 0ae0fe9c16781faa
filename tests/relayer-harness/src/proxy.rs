//! A TCP forwarder in front of an RPC endpoint, to make the endpoint "die" (every
//! connection closed, new ones refused) and "come back" on the same address.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// The API keys in [`Proxy::url_with_keys`].
pub const URL_KEYS: [&str; 3] = ["KEYINUSERINFO", "KEYINPATH", "KEYINQUERY"];

/// Forwards `127.0.0.1:port` to `target` while started.
pub struct Proxy {
    port: u16,
    target: SocketAddr,
    accept: Option<JoinHandle<()>>,
    connections: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accepted: Arc<AtomicUsize>,
}

impl Proxy {
    /// A stopped proxy to `target_url` (`http://127.0.0.1:PORT`) on a free port.
    pub fn new(target_url: &str) -> Proxy {
        let target: SocketAddr = target_url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .parse()
            .unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Proxy {
            port,
            target,
            accept: None,
            connections: Arc::new(Mutex::new(Vec::new())),
            accepted: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// How many connections it has accepted so far.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// Its URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The proxy's URL with an API key in each place RPC providers put one, each one of
    /// [`URL_KEYS`]: the user info, the query and, when `in_path`, the path (which anvil
    /// answers with 404, so only for an endpoint that is down). What the daemons must never
    /// show.
    pub fn url_with_keys(&self, in_path: bool) -> String {
        let path = if in_path {
            format!("/v3/{}", URL_KEYS[1])
        } else {
            "/".to_owned()
        };
        format!(
            "http://user:{}@127.0.0.1:{}{path}?apikey={}",
            URL_KEYS[0], self.port, URL_KEYS[2]
        )
    }

    /// Starts listening and forwarding.
    pub async fn start(&mut self) {
        assert!(self.accept.is_none(), "proxy already started");
        let mut tries = 0;
        let listener = loop {
            match TcpListener::bind(("127.0.0.1", self.port)).await {
                Ok(l) => break l,
                Err(e) => {
                    tries += 1;
                    assert!(tries < 50, "cannot bind the proxy port again: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        };
        let target = self.target;
        let connections = self.connections.clone();
        let accepted = self.accepted.clone();
        self.accept = Some(tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                accepted.fetch_add(1, Ordering::SeqCst);
                let handle = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                connections.lock().unwrap().push(handle);
            }
        }));
    }

    /// Closes the listener and every open connection.
    pub async fn stop(&mut self) {
        if let Some(accept) = self.accept.take() {
            accept.abort();
            let _ = accept.await;
        }
        let connections: Vec<JoinHandle<()>> = self.connections.lock().unwrap().drain(..).collect();
        for c in connections {
            c.abort();
            let _ = c.await;
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(accept) = self.accept.take() {
            accept.abort();
        }
        for c in self.connections.lock().unwrap().drain(..) {
            c.abort();
        }
    }
}
