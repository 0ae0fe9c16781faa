//! Several endpoints for one cluster: failover from a dead endpoint, from one answering HTTP
//! 503, and from one that dies while a transaction is landing (a TCP proxy in front of the
//! validator, shut down mid-landing); and an error naming every endpoint when all are dead.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinSet;
use trestle_core::Error;
use trestle_core::chain::{Chain, Submitter, TxId, TxStatus};
use trestle_core::solana::SolanaSigner;
use trestle_core::solana::instruction::system_transfer;
use trestle_solana::{Commitment, SolanaClient, SolanaConfig, TransactionRequest};
use trestle_tests::SolanaValidator;

use crate::common::{SOL, funded};

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

fn client(urls: Vec<String>) -> SolanaClient {
    let mut config = SolanaConfig::with_rpc_urls("solana-failover", urls)
        .with_events_commitment(Commitment::Confirmed);
    config.request_timeout = Duration::from_secs(5);
    SolanaClient::new(config)
}

/// An HTTP server answering every request with 503, counting the requests.
async fn unavailable_server() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 8192];
                if let Ok(n) = stream.read(&mut buf).await
                    && n > 0
                {
                    counter.fetch_add(1, Ordering::SeqCst);
                    let body = "unavailable";
                    let answer = format!(
                        "HTTP/1.1 503 Service Unavailable\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(answer.as_bytes()).await;
                }
            });
        }
    });
    (url, count)
}

/// A TCP proxy to `target` (host:port) that can be shut down: then it stops listening and
/// cuts every open connection, as a node that dies does. It tells when it has forwarded a
/// `sendTransaction` request.
struct Proxy {
    url: String,
    sent: Arc<Notify>,
    tasks: Arc<tokio::sync::Mutex<JoinSet<()>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl Proxy {
    async fn start(target: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let tasks = Arc::new(tokio::sync::Mutex::new(JoinSet::new()));
        let sent = Arc::new(Notify::new());
        let (conns, seen) = (tasks.clone(), sent.clone());
        let accept = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let (target, seen) = (target.clone(), seen.clone());
                conns.lock().await.spawn(async move {
                    let Ok(outbound) = TcpStream::connect(&target).await else {
                        return;
                    };
                    let (mut from_client, mut to_client) = inbound.into_split();
                    let (mut from_node, mut to_node) = outbound.into_split();
                    let up = async {
                        let mut buf = vec![0u8; 64 * 1024];
                        loop {
                            let n = from_client.read(&mut buf).await?;
                            if n == 0 {
                                return Ok::<_, std::io::Error>(());
                            }
                            let chunk = &buf[..n];
                            to_node.write_all(chunk).await?;
                            if chunk.windows(15).any(|w| w == b"sendTransaction") {
                                seen.notify_one();
                            }
                        }
                    };
                    let down = tokio::io::copy(&mut from_node, &mut to_client);
                    tokio::select! {
                        _ = up => {}
                        _ = down => {}
                    }
                });
            }
        });
        Self {
            url,
            sent,
            tasks,
            accept,
        }
    }

    async fn shut_down(&self) {
        self.accept.abort();
        self.tasks.lock().await.abort_all();
    }
}

fn host_port(url: &str) -> String {
    url.trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn solana_fails_over_from_dead_and_unavailable_endpoints_and_stays() {
    let validator = SolanaValidator::spawn().expect("start solana-test-validator");
    let dead = format!("http://127.0.0.1:{}", closed_port());
    let c = client(vec![dead.clone(), validator.rpc_url().to_owned()]);
    assert_eq!(c.current_endpoint(), 0);
    let slot = c.latest_height().await.unwrap();
    assert!(slot > 0);
    assert_eq!(c.current_endpoint(), 1, "the live endpoint is in use");
    assert_eq!(c.endpoint(), validator.rpc_url().trim_end_matches('/'));
    // Landing (fees, blockhash, simulation, send, status polls) runs on the live endpoint.
    let from = funded(&c, 2).await;
    let to = SolanaSigner::generate().unwrap().pubkey();
    let landed = c
        .land(TransactionRequest::new(
            &from,
            vec![system_transfer(&from.pubkey(), &to, SOL / 4)],
        ))
        .await
        .unwrap();
    assert_eq!(c.balance(&to).await.unwrap(), SOL / 4);
    assert!(matches!(
        c.status(&landed.id).await.unwrap(),
        TxStatus::Included { .. } | TxStatus::Finalized { .. }
    ));

    // HTTP 503 first: one request reaches it, then the live endpoint stays in use.
    let (unavailable, hits) = unavailable_server().await;
    let c = client(vec![unavailable, validator.rpc_url().to_owned()]);
    for _ in 0..5 {
        assert_eq!(c.balance(&to).await.unwrap(), SOL / 4);
    }
    assert_eq!(c.current_endpoint(), 1);
    assert_eq!(
        hits.load(Ordering::SeqCst),
        1,
        "the 503 endpoint was asked again"
    );

    // An answer about the request (an account that does not exist, a failing simulation)
    // is not a reason to fail over: with the live endpoint first, the 503 one is never asked.
    let (unavailable, hits) = unavailable_server().await;
    let c = client(vec![validator.rpc_url().to_owned(), unavailable]);
    let nobody = SolanaSigner::generate().unwrap().pubkey();
    assert!(c.account(&nobody).await.unwrap().is_none());
    let broke = SolanaSigner::generate().unwrap();
    let err = c
        .land(TransactionRequest::new(
            &broke,
            vec![system_transfer(&broke.pubkey(), &to, SOL)],
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::TransactionRejected { .. }),
        "a payer without SOL is refused in simulation: {err}"
    );
    assert_eq!(c.current_endpoint(), 0);
    assert_eq!(hits.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn solana_all_endpoints_dead_names_each_endpoint_and_its_error() {
    let a = format!("http://127.0.0.1:{}", closed_port());
    let b = format!(
        "http://user:secret@127.0.0.1:{}/?api-key=hidden",
        closed_port()
    );
    let c = client(vec![a.clone(), b]);
    let err = c.latest_height().await.unwrap_err();
    let text = err.to_string();
    assert!(err.is_retryable(), "{text}");
    assert!(matches!(err, Error::Rpc { .. }), "{text}");
    assert!(text.contains("all 2 endpoints failed"), "{text}");
    assert!(text.contains(&format!("{a}: cannot connect")), "{text}");
    let b_label = c.endpoints()[1].to_owned();
    assert!(
        text.contains(&format!("{b_label}: cannot connect")),
        "{text}"
    );
    assert!(
        !text.contains("secret") && !text.contains("hidden"),
        "credentials leaked: {text}"
    );
    let err = c.status(&TxId::Solana([1; 64])).await.unwrap_err();
    assert!(err.to_string().contains("all 2 endpoints failed"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn solana_endpoint_dying_while_a_transaction_lands_fails_over_and_lands_it_once() {
    let validator = SolanaValidator::spawn().expect("start solana-test-validator");
    let proxy = Proxy::start(host_port(validator.rpc_url())).await;
    let c = Arc::new(client(vec![
        proxy.url.clone(),
        validator.rpc_url().to_owned(),
    ]));
    let from = funded(&c, 2).await;
    assert_eq!(c.current_endpoint(), 0, "the proxy works while it lives");

    let to = SolanaSigner::generate().unwrap().pubkey();
    let landing = {
        let c = c.clone();
        let from = from.clone();
        tokio::spawn(async move {
            c.land(TransactionRequest::new(
                &from,
                vec![system_transfer(&from.pubkey(), &to, SOL / 8)],
            ))
            .await
        })
    };
    // Once the signed transaction went out through the proxy, the proxy dies with its
    // connections: the answer to the send may be lost, and the status is polled every 400 ms
    // until confirmed, through the endpoint that is left.
    tokio::time::timeout(Duration::from_secs(60), proxy.sent.notified())
        .await
        .expect("the transaction was sent through the proxy");
    proxy.shut_down().await;
    let landed = landing.await.unwrap().unwrap();
    assert_eq!(c.current_endpoint(), 1, "failed over to the validator");
    assert_eq!(
        c.balance(&to).await.unwrap(),
        SOL / 8,
        "landed exactly once"
    );
    assert!(matches!(
        c.status(&landed.id).await.unwrap(),
        TxStatus::Included { .. } | TxStatus::Finalized { .. }
    ));
    // Later requests go straight to the live endpoint.
    let from_balance = c.balance(&from.pubkey()).await.unwrap();
    assert!(from_balance < 2 * SOL - SOL / 8);
    assert_eq!(c.current_endpoint(), 1);
}
