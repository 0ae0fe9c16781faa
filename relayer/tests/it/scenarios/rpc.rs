//! RPC endpoints of the destination failing: the first of two dies mid-run (the relayer
//! fails over to the second), the only one is down (the relayer retries until it returns),
//! and a daemon is started while its only endpoint is down (it waits, not ready, and becomes
//! ready when the endpoint comes up). The same as a `trestle relayer run` process is in
//! trestle-cli's tests (`relayer_run::rpc_down`). An endpoint whose URL carries API keys
//! fails: no key reaches a message's `last_error` or the status API.

use std::time::{Duration, Instant};

use alloy_primitives::Address;
use trestle_core::chain::U256;
use trestle_relayer::store::MessageState;
use trestle_relayer::{Daemon, Keys};
use trestle_relayer_harness::daemons::{
    free_listen, http_get, http_get_status, live_endpoints, messages, start_relayer,
    start_validators, wait_for_state,
};
use trestle_relayer_harness::evm::{ETHER, signer};
use trestle_relayer_harness::net::{Net, relayer_config};
use trestle_relayer_harness::proxy::{Proxy, URL_KEYS};

const MINUTE: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn destination_first_rpc_endpoint_dies_and_the_relayer_fails_over_to_the_second() {
    let net = Net::start(u128::MAX).await;
    let (validators, _dirs) =
        start_validators(&net.keys, || net.chains(), &net.placeholders()).await;
    let endpoints = live_endpoints(&net.placeholders(), &validators);
    let mut proxy = Proxy::new(net.anvil_b.url());
    proxy.start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = relayer_config(&net, dir.path(), endpoints);
    cfg.chains[1].rpc_urls = vec![proxy.url(), net.anvil_b.url().to_owned()];
    let relayer = start_relayer(cfg).await;
    let store = relayer.store().clone();
    let to = Address::from([0x5e; 20]);

    net.send(ETHER, to).await;
    wait_for_state(&store, 0, MessageState::Delivered, MINUTE).await;

    // The first endpoint served the relayer until now; it dies: connections cut, new ones
    // refused.
    assert!(proxy.accepted() > 0);
    proxy.stop().await;
    net.send(2 * ETHER, to).await;
    net.send(3 * ETHER, to).await;
    wait_for_state(&store, 1, MessageState::Delivered, MINUTE).await;
    wait_for_state(&store, 2, MessageState::Delivered, MINUTE).await;
    assert_eq!(net.balance(to).await, U256::from(6 * ETHER));
    assert_eq!(net.deliveries_on_b().await, 3);

    relayer.shutdown().await;
    for v in validators {
        v.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daemon_started_while_its_only_rpc_is_down_waits_then_delivers_and_outlasts_an_outage() {
    let net = Net::start(u128::MAX).await;
    let (validators, _dirs) =
        start_validators(&net.keys, || net.chains(), &net.placeholders()).await;
    let endpoints = live_endpoints(&net.placeholders(), &validators);
    // B's only endpoint for the relayer, down at first.
    let mut proxy = Proxy::new(net.anvil_b.url());
    let dir = tempfile::tempdir().unwrap();
    let listen = free_listen();
    let mut cfg = relayer_config(&net, dir.path(), endpoints);
    cfg.chains[1].rpc_urls = vec![proxy.url()];
    cfg.api.listen = listen.clone();
    let starting = tokio::spawn(Daemon::start(
        cfg,
        Keys {
            validator: None,
            relayer: Some(signer(2)),
            relayer_solana: None,
            fee_oracle: None,
            fee_oracle_solana: None,
        },
        "r",
    ));

    // It keeps trying: alive, not ready, still starting seconds later.
    let deadline = Instant::now() + MINUTE;
    while http_get_status(&format!("http://{listen}/healthz")).await != Some(200) {
        assert!(
            Instant::now() < deadline,
            "no health endpoint while starting"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        !starting.is_finished(),
        "the daemon gave up: {:?}",
        starting.await
    );
    assert_eq!(
        http_get_status(&format!("http://{listen}/readyz")).await,
        Some(503)
    );

    // The endpoint comes up: the daemon finishes starting and is ready.
    proxy.start().await;
    let relayer = tokio::time::timeout(MINUTE, starting)
        .await
        .expect("the daemon did not start once the endpoint was up")
        .unwrap()
        .unwrap();
    assert_eq!(http_get(&format!("http://{listen}/readyz")).await.0, 200);
    let store = relayer.store().clone();
    let to = Address::from([0x6f; 20]);
    net.send(ETHER, to).await;
    wait_for_state(&store, 0, MessageState::Delivered, MINUTE).await;

    // An outage mid-run: nothing can be delivered, nothing is lost; delivered once it ends.
    proxy.stop().await;
    net.send(2 * ETHER, to).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let list = messages(&store).await;
    assert_eq!(list.len(), 2);
    assert_ne!(list[1].state, MessageState::Delivered);
    assert_ne!(list[1].state, MessageState::Failed);
    assert_eq!(net.balance(to).await, U256::from(ETHER));
    proxy.start().await;
    wait_for_state(&store, 1, MessageState::Delivered, MINUTE).await;
    assert_eq!(net.balance(to).await, U256::from(3 * ETHER));
    assert_eq!(net.deliveries_on_b().await, 2);

    relayer.shutdown().await;
    for v in validators {
        v.shutdown().await;
    }
}

/// The destination's only endpoint has API keys in its URL (user info, query) and goes
/// down mid-run: the message's failed attempts keep the error, and neither `last_error` nor
/// the status API nor the metrics show any key (the HTTP client's error names the URL it failed on).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_rpc_urls_api_keys_never_reach_last_error_or_the_status_api() {
    let net = Net::start(u128::MAX).await;
    let (validators, _dirs) =
        start_validators(&net.keys, || net.chains(), &net.placeholders()).await;
    let endpoints = live_endpoints(&net.placeholders(), &validators);
    let mut proxy = Proxy::new(net.anvil_b.url());
    proxy.start().await;
    let dir = tempfile::tempdir().unwrap();
    let listen = free_listen();
    let mut cfg = relayer_config(&net, dir.path(), endpoints);
    cfg.chains[1].rpc_urls = vec![proxy.url_with_keys(false)];
    cfg.api.listen = listen.clone();
    let relayer = tokio::time::timeout(MINUTE, start_relayer(cfg))
        .await
        .expect("the relayer did not start through its keyed URL");
    let store = relayer.store().clone();
    let to = Address::from([0x7a; 20]);
    net.send(ETHER, to).await;
    wait_for_state(&store, 0, MessageState::Delivered, MINUTE).await;

    proxy.stop().await;
    net.send(2 * ETHER, to).await;
    let deadline = Instant::now() + MINUTE;
    let error = loop {
        if let Some(error) = messages(&store)
            .await
            .get(1)
            .and_then(|m| m.last_error.clone())
        {
            break error;
        }
        assert!(Instant::now() < deadline, "no failed attempt recorded");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(error.contains("127.0.0.1"), "{error}");
    let (status, listed) = http_get(&format!("http://{listen}/v1/messages")).await;
    assert_eq!(status, 200);
    assert!(listed.contains("last_error"), "{listed}");
    let (_, metrics) = http_get(&format!("http://{listen}/metrics")).await;
    for key in [URL_KEYS[0], URL_KEYS[2]] {
        assert!(!error.contains(key), "last_error shows {key}: {error}");
        assert!(!listed.contains(key), "/v1/messages shows {key}: {listed}");
        assert!(!metrics.contains(key), "/metrics shows {key}: {metrics}");
    }

    proxy.start().await;
    wait_for_state(&store, 1, MessageState::Delivered, MINUTE).await;
    relayer.shutdown().await;
    for v in validators {
        v.shutdown().await;
    }
}
