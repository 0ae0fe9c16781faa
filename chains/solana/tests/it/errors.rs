//! Malformed answers and unreachable endpoints are typed errors, never panics.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use trestle_core::Error;
use trestle_core::chain::{Chain, EventSource, Submitter, TxId, UniversalAddress};
use trestle_core::solana::SolanaSigner;
use trestle_core::solana::address::MEMO_PROGRAM_ID;
use trestle_core::solana::instruction::memo;
use trestle_solana::{SolanaClient, SolanaConfig, TransactionRequest};

/// A server on a free loopback port that answers every request with `answer`, forever.
fn garbage_server(answer: &'static [u8]) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            thread::spawn(move || serve(&mut stream, answer));
        }
    });
    url
}

fn serve(stream: &mut TcpStream, answer: &[u8]) {
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    // Read the request head and body, roughly: enough that the client sees an answer.
    let mut buf = [0u8; 8192];
    let _ = stream.read(&mut buf);
    let _ = stream.write_all(answer);
    let _ = stream.flush();
}

fn http(body: &'static str) -> &'static [u8] {
    let text = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    Box::leak(text.into_boxed_str()).as_bytes()
}

fn client(url: String) -> SolanaClient {
    let mut config = SolanaConfig::new("garbage", url);
    config.request_timeout = Duration::from_secs(5);
    config.landing.timeout = Duration::from_secs(5);
    SolanaClient::new(config)
}

fn assert_malformed<T: std::fmt::Debug>(result: Result<T, Error>) {
    match result {
        Err(e @ Error::MalformedResponse { .. }) => assert!(e.is_retryable()),
        other => panic!("expected a malformed-answer error, got {other:?}"),
    }
}

#[tokio::test]
async fn solana_malformed_answers_are_typed_errors() {
    let someone = UniversalAddress([7; 32]);
    let id = TxId::Solana([9; 64]);

    // Not JSON at all.
    let c = client(garbage_server(http("this is not json")));
    assert_malformed(c.latest_height().await);
    assert_malformed(c.native_balance(&someone).await);
    assert_malformed(c.status(&id).await);

    // Not HTTP at all.
    let c = client(garbage_server(b"\x00\x01garbage\r\n\r\n\xff\xfe"));
    assert_malformed(c.latest_height().await);
    assert_malformed(c.tx_context(&someone).await);

    // JSON-RPC with results of the wrong shape, for every method.
    let c = client(garbage_server(http(
        r#"{"jsonrpc":"2.0","id":1,"result":{"context":{"slot":1},"value":"zzz"}}"#,
    )));
    assert_malformed(c.latest_height().await);
    assert_malformed(c.native_balance(&someone).await);
    assert_malformed(c.token_balance(&someone, &someone).await);
    assert_malformed(c.tx_context(&someone).await);
    assert_malformed(c.suggest_fees().await);
    assert_malformed(c.status(&id).await);
    assert_malformed(c.events(&someone, 0, 10).await);
    assert_malformed(c.submit_raw(&signed_memo()).await);

    // Well-shaped JSON with bad contents: a blockhash that is not base58, an empty status
    // list (the signature is unknown: pending, not an index panic), an account whose data
    // is not base64.
    let c = client(garbage_server(http(
        r#"{"jsonrpc":"2.0","id":1,"result":{"context":{"slot":1},"value":{"blockhash":"0OIl","lastValidBlockHeight":5}}}"#,
    )));
    assert_malformed(c.tx_context(&someone).await);
    let c = client(garbage_server(http(
        r#"{"jsonrpc":"2.0","id":1,"result":{"context":{"slot":1},"value":[]}}"#,
    )));
    assert_eq!(
        c.status(&id).await.unwrap(),
        trestle_core::chain::TxStatus::Pending
    );
    let c = client(garbage_server(http(
        r#"{"jsonrpc":"2.0","id":1,"result":{"context":{"slot":1},"value":{"lamports":1,"owner":"11111111111111111111111111111111","data":["!!!","base64"],"executable":false,"rentEpoch":0,"space":3}}}"#,
    )));
    assert_malformed(c.account(&SolanaSigner::generate().unwrap().pubkey()).await);
    // Signatures of the wrong length.
    let c = client(garbage_server(http(
        r#"{"jsonrpc":"2.0","id":1,"result":[{"signature":"abc","slot":5,"err":null,"memo":null,"blockTime":null}]}"#,
    )));
    assert_malformed(c.events(&UniversalAddress(MEMO_PROGRAM_ID.0), 0, 10).await);

    // A JSON-RPC error object is an RPC error, not a malformed answer.
    let c = client(garbage_server(http(
        r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid params"}}"#,
    )));
    match c.latest_height().await {
        Err(Error::Rpc {
            retryable, reason, ..
        }) => {
            assert!(!retryable);
            assert!(reason.contains("Invalid params"), "{reason}");
        }
        other => panic!("expected an RPC error, got {other:?}"),
    }

    // Landing against garbage fails cleanly too.
    let payer = SolanaSigner::generate().unwrap();
    let c = client(garbage_server(http("[1,2,3]")));
    let result = c
        .land(TransactionRequest::new(
            &payer,
            vec![memo("x", &[payer.pubkey()])],
        ))
        .await;
    assert!(result.is_err(), "{result:?}");
}

#[tokio::test]
async fn solana_http_errors_and_unreachable_endpoints_are_retryable() {
    // HTTP 503.
    let c = client(garbage_server(
        b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
    ));
    match c.latest_height().await {
        Err(e @ Error::Rpc { .. }) => assert!(e.is_retryable(), "{e}"),
        other => panic!("expected a retryable RPC error, got {other:?}"),
    }

    // Nothing listens: bind a port, then free it.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = client(format!(
        "http://user:secret@127.0.0.1:{port}/?api-key=hunter2"
    ));
    for result in [
        c.latest_height().await.map(|_| ()),
        c.native_balance(&UniversalAddress([1; 32]))
            .await
            .map(|_| ()),
        c.status(&TxId::Solana([1; 64])).await.map(|_| ()),
    ] {
        match result {
            Err(e @ Error::Rpc { .. }) => {
                assert!(e.is_retryable(), "{e}");
                let text = e.to_string();
                assert!(
                    !text.contains("secret") && !text.contains("hunter2"),
                    "{text}"
                );
            }
            other => panic!("expected a retryable RPC error, got {other:?}"),
        }
    }
}

/// A signed memo transaction (never landed).
fn signed_memo() -> Vec<u8> {
    let payer = SolanaSigner::generate().unwrap();
    let message = trestle_core::solana::Message::try_compile(
        &[memo("x", &[payer.pubkey()])],
        Some(&payer.pubkey()),
        [3; 32],
    )
    .unwrap();
    let mut tx = trestle_core::solana::Transaction::new_unsigned(message);
    tx.sign(&[&payer]).unwrap();
    tx.serialize().unwrap()
}
