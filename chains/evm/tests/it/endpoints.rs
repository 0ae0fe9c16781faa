//! Failover, unreachable and silent endpoints, and malformed answers from a local server that
//! misbehaves on purpose: typed errors, never panics.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use trestle_core::Error as CoreError;
use trestle_core::chain::{Chain, U256, UniversalAddress};
use trestle_core::evm::EvmAddress;
use trestle_evm::{Error, EvmChain, EvmSender, LogFilter, TxRequest};

use crate::common::*;

/// How the fake server answers a JSON-RPC request (given its id and method).
type Answer = Arc<dyn Fn(&Value, &str) -> (u16, &'static str, String) + Send + Sync>;

/// A one-request-per-connection HTTP server on a free loopback port.
async fn fake_server(answer: Answer) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let answer = answer.clone();
            tokio::spawn(async move {
                let _ = serve_one(stream, answer).await;
            });
        }
    });
    url
}

async fn serve_one(mut stream: TcpStream, answer: Answer) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let (head_end, content_length) = loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..pos]).to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| {
                    l.strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                })
                .unwrap_or(0);
            break (pos + 4, len);
        }
    };
    while buf.len() < head_end + content_length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let request: Value = serde_json::from_slice(&buf[head_end..]).unwrap_or(Value::Null);
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    let method = request
        .get("method")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let (status, content_type, body) = answer(&id, &method);
    let response = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

fn json_result(id: &Value, result: Value) -> (u16, &'static str, String) {
    (
        200,
        "application/json",
        json!({"jsonrpc": "2.0", "id": id, "result": result}).to_string(),
    )
}

fn chain_over(urls: Vec<String>, timeout_ms: u64) -> EvmChain {
    let mut c = config(urls);
    c.rpc.request_timeout_ms = timeout_ms;
    EvmChain::new(c).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anvil_fails_over_from_a_dead_endpoint_and_demotes_it() {
    let anvil = anvil();
    let dead = format!("http://127.0.0.1:{}", closed_port());
    let chain = Arc::new(
        EvmChain::connect(config(vec![dead.clone(), anvil.url().to_owned()]))
            .await
            .unwrap(),
    );
    let status = chain.pool().endpoints();
    assert!(
        status[0].demoted && status[0].consecutive_failures == 1,
        "{status:?}"
    );
    assert!(
        !status[1].demoted && status[1].consecutive_failures == 0,
        "{status:?}"
    );

    // Demoted endpoints are tried last: more calls do not hit the dead one again.
    for _ in 0..5 {
        chain.block_number().await.unwrap();
    }
    assert_eq!(chain.pool().endpoints()[0].consecutive_failures, 1);

    let sender = EvmSender::new(chain.clone(), dev_signer(&anvil, 8));
    let (_, receipt) = sender
        .send_and_wait(
            TxRequest::transfer(EvmAddress([8; 20]), U256::from(8u64)),
            WAIT,
        )
        .await
        .unwrap();
    assert!(receipt.success);

    // A malformed endpoint first in line is demoted the same way.
    let garbage = fake_server(Arc::new(|_, _| {
        (200, "text/html", "<html>hello</html>".into())
    }))
    .await;
    let chain = EvmChain::connect(config(vec![garbage, anvil.url().to_owned()]))
        .await
        .unwrap();
    assert_eq!(chain.block_number().await.unwrap(), receipt.block_number);
    assert!(chain.pool().endpoints()[0].demoted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anvil_refuses_a_chain_id_mismatch() {
    let anvil = anvil();
    let mut c = config(vec![anvil.url().to_owned()]);
    c.chain_id = 1;
    let err = EvmChain::connect(c).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::ChainIdMismatch {
                expected: 1,
                actual: 31_337,
                ..
            }
        ),
        "{err}"
    );
    assert!(!err.is_retryable());

    // A second endpoint that serves another chain is refused too, and named.
    let other = trestle_tests::Anvil::builder().chain_id(5).spawn().unwrap();
    let err = EvmChain::connect(config(vec![anvil.url().to_owned(), other.url().to_owned()]))
        .await
        .unwrap_err();
    match err {
        Error::ChainIdMismatch {
            endpoint,
            expected: 31_337,
            actual: 5,
        } => assert_eq!(endpoint, other.url().trim_end_matches('/')),
        other => panic!("expected a chain id mismatch, got {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_endpoints_give_retryable_rpc_errors() {
    let urls = vec![
        format!("http://127.0.0.1:{}", closed_port()),
        format!("http://127.0.0.1:{}", closed_port()),
    ];
    let err = EvmChain::connect(config(urls.clone())).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Core(CoreError::Rpc {
                retryable: true,
                ..
            })
        ),
        "{err}"
    );
    let chain = chain_over(urls, 2_000);
    let err = chain.latest_height().await.unwrap_err();
    assert!(
        matches!(
            err,
            CoreError::Rpc {
                retryable: true,
                ..
            }
        ),
        "{err}"
    );
    assert!(chain.pool().endpoints().iter().all(|e| e.demoted));
    // Still tried (demoted endpoints are a last resort, not removed): same error, no panic.
    let err = chain
        .native_balance(&UniversalAddress::from_evm([1; 20]))
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_endpoint_times_out_per_request() {
    // Accepts connections and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let chain = chain_over(vec![url], 300);
    let started = Instant::now();
    let err = chain.block_number().await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert!(
        matches!(&err, CoreError::Rpc { retryable: true, reason, .. } if reason.contains("timed out")),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_answers_give_typed_errors_never_panics() {
    let cases: Vec<(&str, Answer)> = vec![
        (
            "garbage",
            Arc::new(|_, _| (200, "text/plain", "garbage \u{1} not json".into())),
        ),
        (
            "html",
            Arc::new(|_, _| {
                (
                    200,
                    "text/html",
                    "<!doctype html><html><body>Welcome to nginx</body></html>".into(),
                )
            }),
        ),
        (
            "empty body",
            Arc::new(|_, _| (200, "application/json", String::new())),
        ),
        (
            "truncated json",
            Arc::new(|id, _| {
                (
                    200,
                    "application/json",
                    format!(r#"{{"jsonrpc":"2.0","id":{id},"res"#),
                )
            }),
        ),
        (
            "json array",
            Arc::new(|_, _| (200, "application/json", "[1,2,3]".into())),
        ),
        (
            "wrong shape",
            Arc::new(|id, _| json_result(id, json!({"unexpected": [true]}))),
        ),
        ("bad hex", Arc::new(|id, _| json_result(id, json!("0xZZZ")))),
        (
            "huge number",
            Arc::new(|id, _| {
                json_result(
                    id,
                    json!(
                        "0x1ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
                    ),
                )
            }),
        ),
        (
            "null result",
            Arc::new(|id, _| json_result(id, Value::Null)),
        ),
        (
            "wrong id",
            Arc::new(|_, _| json_result(&json!(987_654), json!("0x1"))),
        ),
        (
            "half-valid objects",
            Arc::new(|id, method| match method {
                "eth_getLogs" => json_result(id, json!([{"address": "nope", "topics": 7}])),
                "eth_feeHistory" => json_result(
                    id,
                    json!({"oldestBlock": "0x1", "baseFeePerGas": [], "gasUsedRatio": []}),
                ),
                "eth_getBlockByNumber" => json_result(id, json!({"number": "0x1", "hash": "0x12"})),
                "eth_getTransactionReceipt" => {
                    json_result(id, json!({"blockNumber": "0x1", "status": {}}))
                }
                _ => json_result(id, json!({"unexpected": true})),
            }),
        ),
    ];
    for (name, answer) in cases {
        let url = fake_server(answer).await;
        let chain = chain_over(vec![url], 2_000);
        let mut outcomes = Vec::new();
        outcomes.push(("eth_blockNumber", chain.block_number().await.map(|_| ())));
        outcomes.push(("eth_getBlockByNumber", chain.header(1).await.map(|_| ())));
        outcomes.push((
            "eth_feeHistory",
            chain
                .estimate_fees()
                .await
                .map(|_| ())
                .map_err(CoreError::from),
        ));
        outcomes.push((
            "eth_getLogs",
            chain.logs(&LogFilter::default(), 1, 5).await.map(|_| ()),
        ));
        outcomes.push((
            "eth_getTransactionReceipt",
            chain.receipt([1; 32]).await.map(|_| ()),
        ));
        outcomes.push((
            "eth_getBalance",
            chain
                .native_balance(&UniversalAddress::from_evm([1; 20]))
                .await
                .map(|_| ()),
        ));
        outcomes.push((
            "eth_sendRawTransaction",
            chain.send_raw(&[2, 0xc0]).await.map(|_| ()),
        ));
        for (call, outcome) in outcomes {
            match outcome {
                Err(CoreError::MalformedResponse { .. }) => {}
                // alloy's HTTP transport pairs an answer with its request by connection, not by
                // id: an answer carrying another id is accepted as is. No panic is all we ask.
                _ if name == "wrong id" => {}
                // "null" is a valid answer where the result is optional (no such block/receipt).
                Ok(())
                    if name == "null result"
                        && matches!(call, "eth_getBlockByNumber" | "eth_getTransactionReceipt") => {
                }
                other => panic!("{name}: {call}: expected MalformedResponse, got {other:?}"),
            }
        }
        assert!(
            name == "wrong id" || chain.pool().endpoints()[0].demoted,
            "{name}: endpoint not demoted"
        );
    }

    // HTTP errors with an HTML body are retryable RPC errors (the endpoint is at fault).
    for status in [404u16, 429, 502, 503] {
        let url = fake_server(Arc::new(move |_, _| {
            (status, "text/html", "<html>nope</html>".into())
        }))
        .await;
        let chain = chain_over(vec![url], 2_000);
        let err = chain.block_number().await.unwrap_err();
        assert!(
            matches!(&err, CoreError::Rpc { retryable: true, reason, .. } if reason.contains(&status.to_string())),
            "HTTP {status}: {err}"
        );
    }

    // A JSON-RPC error answer is the node's verdict: not retryable, endpoint not demoted.
    let url = fake_server(Arc::new(|id, _| {
        (200, "application/json", json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32601, "message": "method not found"}}).to_string())
    }))
    .await;
    let chain = chain_over(vec![url], 2_000);
    let err = chain.block_number().await.unwrap_err();
    assert!(
        matches!(
            err,
            CoreError::Rpc {
                retryable: false,
                ..
            }
        ),
        "{err}"
    );
    assert!(!chain.pool().endpoints()[0].demoted);
}
