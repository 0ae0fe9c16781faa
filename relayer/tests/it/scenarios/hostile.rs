//! A validator's public endpoint turned hostile (issue 14): it answers with a 64 MiB body, floods an answer with tens of thousands of bogus signatures, or redirects to
//! another validator. The relayer keeps delivering at full speed from the two honest members,
//! checks at most one signature per message and answer, and never follows the redirect.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use alloy_primitives::Address;
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use trestle_bridge_client::api::wire::{
    AttestationItem, AttestationsBatch, AttestationsQuery, AttestationsResponse,
};
use trestle_relayer::store::MessageState;
use trestle_relayer_harness::daemons::{
    free_listen, http_get, live_endpoints, start_relayer, start_validators, wait_for_state,
};
use trestle_relayer_harness::evm::ETHER;
use trestle_relayer_harness::net::{Net, relayer_config};

/// Bogus signatures in one flooded answer, per message.
const FLOOD: usize = 20_000;

#[derive(Clone)]
struct Hostile {
    /// Requests served, all modes.
    served: Arc<AtomicUsize>,
    /// Where the redirect points: an honest validator's endpoint.
    elsewhere: String,
    /// The set's epoch (flooded items are for it, so each would be checked).
    epoch: u64,
}

async fn attestations(
    State(h): State<Hostile>,
    axum::Json(query): axum::Json<AttestationsQuery>,
) -> Response {
    match h.served.fetch_add(1, Ordering::SeqCst) % 3 {
        0 => {
            // A body far past any sane answer (64 MiB of blanks).
            Response::builder()
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(vec![b' '; 64 << 20]))
                .unwrap()
        }
        1 => {
            let bogus = AttestationItem {
                epoch: h.epoch,
                signer: format!("0x{}", "11".repeat(20)),
                signature: format!("0x{}1b", "22".repeat(64)),
            };
            axum::Json(AttestationsBatch {
                messages: query
                    .ids
                    .into_iter()
                    .map(|id| AttestationsResponse {
                        message_id: id,
                        attestations: vec![bogus.clone(); FLOOD],
                    })
                    .collect(),
            })
            .into_response()
        }
        _ => (
            StatusCode::TEMPORARY_REDIRECT,
            [(header::LOCATION, format!("{}/v1/attestations", h.elsewhere))],
        )
            .into_response(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_validator_endpoint_neither_slows_nor_stops_delivery() {
    let net = Net::start(u128::MAX).await;
    let (validators, _dirs) =
        start_validators(&net.keys, || net.chains(), &net.placeholders()).await;
    let mut endpoints = live_endpoints(&net.placeholders(), &validators);
    // The lowest address is asked first: the hostile one takes its endpoint.
    endpoints.sort_by_key(|v| v.address);
    let served = Arc::new(AtomicUsize::new(0));
    let hostile = Hostile {
        served: served.clone(),
        elsewhere: endpoints[1].url.clone(),
        epoch: 1,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    endpoints[0].url = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let app = Router::new()
            .route("/v1/attestations", post(attestations))
            .with_state(hostile);
        axum::serve(listener, app).await.unwrap();
    });
    let dir = tempfile::tempdir().unwrap();
    let listen = free_listen();
    let mut cfg = relayer_config(&net, dir.path(), endpoints);
    cfg.api.listen = listen.clone();
    let relayer = start_relayer(cfg).await;
    let store = relayer.store().clone();
    let to = Address::from([0x4d; 20]);

    // Until every hostile mode was met at least once.
    let mut nonce = 0;
    while served.load(Ordering::SeqCst) < 4 && nonce < 40 {
        let sent = Instant::now();
        net.send(ETHER, to).await;
        wait_for_state(
            &store,
            nonce,
            MessageState::Delivered,
            Duration::from_secs(60),
        )
        .await;
        // Two honest members answer in milliseconds; the hostile one must not hold up any
        // delivery (reading its body, checking its signatures).
        assert!(
            sent.elapsed() < Duration::from_millis(2_500),
            "message {nonce} took {:?}",
            sent.elapsed()
        );
        nonce += 1;
    }
    let asked = served.load(Ordering::SeqCst);
    assert!(asked >= 4, "the hostile endpoint was asked {asked} times");
    let (_, metrics) = http_get(&format!("http://{listen}/metrics")).await;
    let bad: u64 = metrics
        .lines()
        .filter(|l| l.starts_with("failures_total") && l.contains("bad_signature"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum();
    assert!(
        bad <= asked as u64 * 6,
        "{bad} signatures checked and refused for {asked} hostile answers"
    );

    relayer.shutdown().await;
    for v in validators {
        v.shutdown().await;
    }
    server.abort();
}
