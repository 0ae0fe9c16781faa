//! Monitoring that tells the truth (issue 19), from the HTTP answers of real daemons:
//! `/readyz` fails, naming the chain, once an indexer has not read its chain for longer than
//! its bound, and `trestle_rpc_up` shows the endpoint down; metric labels name chains, never
//! domains; a validator-only daemon's signed messages leave `pending`, so its queue gauge does
//! not grow with history; a `?state=` that names no state is a 400 listing the valid ones.

use std::time::Duration;

use alloy_primitives::Address;
use trestle_relayer::store::MessageState;
use trestle_relayer_harness::daemons::{http_get, start_relayer, start_validators, wait_for_state};
use trestle_relayer_harness::evm::ETHER;
use trestle_relayer_harness::net::{Net, relayer_config};
use trestle_relayer_harness::proxy::Proxy;
use trestle_relayer_harness::wait::wait_until;

const MINUTE: Duration = Duration::from_secs(60);

/// The value of the sample `name{labels}` in a Prometheus text exposition, if present.
fn sample(metrics: &str, name_and_labels: &str) -> Option<f64> {
    metrics.lines().find_map(|line| {
        let value = line.strip_prefix(name_and_labels)?.strip_prefix(' ')?;
        value.trim().parse().ok()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_fails_naming_the_chain_whose_rpc_is_down_and_rpc_up_shows_the_endpoint() {
    let net = Net::start(u128::MAX).await;
    // Chain a (the origin) reached through a proxy that can be cut; no validator answers, so
    // what is sent stays pending in the relayer's queue.
    let mut proxy = Proxy::new(net.anvil_a.url());
    proxy.start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = relayer_config(&net, dir.path(), net.placeholders());
    cfg.chains[0].rpc_urls = vec![proxy.url()];
    let relayer = start_relayer(cfg).await;
    let base = format!("http://{}", relayer.api_addr());
    let up = format!("trestle_rpc_up{{chain=\"a\",endpoint=\"{}\"}}", proxy.url());

    assert_eq!(
        http_get(&format!("{base}/readyz")).await,
        (200, "ready".into())
    );
    net.send(ETHER, Address::from([0x71; 20])).await;
    wait_for_state(relayer.store(), 0, MessageState::Pending, MINUTE).await;
    let metrics = http_get(&format!("{base}/metrics")).await.1;
    assert_eq!(sample(&metrics, &up), Some(1.0), "{metrics}");
    // Chain names in every label, never domain numbers.
    assert_eq!(
        sample(
            &metrics,
            "trestle_queue_depth{destination=\"b\",state=\"pending\"}"
        ),
        Some(1.0),
        "{metrics}"
    );
    for line in metrics.lines().filter(|l| !l.starts_with('#')) {
        assert!(
            !line.contains("=\"1\"") && !line.contains("=\"2\""),
            "a label holds a domain number: {line}"
        );
    }

    // The endpoint goes down: within its bound (3 polls of 100 ms + 5 s) the daemon is not
    // ready, naming the chain, and the endpoint is down in the metrics.
    proxy.stop().await;
    wait_until("/readyz to fail", Duration::from_secs(30), || {
        let url = format!("{base}/readyz");
        async move { http_get(&url).await.0 == 503 }
    })
    .await;
    let (status, body) = http_get(&format!("{base}/readyz")).await;
    assert_eq!(status, 503);
    assert!(body.contains("a: no successful read for"), "{body}");
    assert!(!body.contains("b:"), "{body}");
    let metrics = http_get(&format!("{base}/metrics")).await.1;
    assert_eq!(sample(&metrics, &up), Some(0.0), "{metrics}");
    let age = sample(
        &metrics,
        "trestle_indexer_last_read_age_seconds{chain=\"a\"}",
    )
    .unwrap();
    assert!(age > 5.0, "{metrics}");

    // It comes back: ready again, the endpoint up.
    proxy.start().await;
    wait_until("/readyz to recover", MINUTE, || {
        let url = format!("{base}/readyz");
        async move { http_get(&url).await.0 == 200 }
    })
    .await;
    wait_until("rpc_up to recover", MINUTE, || {
        let url = format!("{base}/metrics");
        let up = up.clone();
        async move { sample(&http_get(&url).await.1, &up) == Some(1.0) }
    })
    .await;
    relayer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_validator_only_daemon_moves_what_it_signed_out_of_pending_and_a_relayer_takes_it_back() {
    let net = Net::start(u128::MAX).await;
    let (validators, dirs) =
        start_validators(&net.keys[..1], || net.chains(), &net.placeholders()).await;
    let validator = &validators[0];
    let base = format!("http://{}", validator.api_addr());
    net.send(ETHER, Address::from([0x72; 20])).await;
    net.send(ETHER, Address::from([0x72; 20])).await;

    // Signed, so not pending: nothing is left for this daemon to do with them.
    let signed = wait_for_state(validator.store(), 1, MessageState::Signed, MINUTE).await;
    wait_for_state(validator.store(), 0, MessageState::Signed, MINUTE).await;
    let (status, body) = http_get(&format!("{base}/v1/messages?state=signed")).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(&hex::encode(signed.id)), "{body}");
    assert!(body.contains("\"signed\""), "{body}");
    let metrics = http_get(&format!("{base}/metrics")).await.1;
    assert!(
        !metrics.contains("trestle_queue_depth{"),
        "a validator-only daemon has no queue once it signed everything: {metrics}"
    );
    assert_eq!(
        sample(&metrics, "trestle_attestations_signed_total"),
        Some(2.0)
    );

    // A `?state=` that names no state: 400, listing the valid ones.
    let (status, body) = http_get(&format!("{base}/v1/messages?state=bogus")).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("unknown state \\\"bogus\\\""), "{body}");
    for state in MessageState::ALL {
        assert!(
            body.contains(state.as_str()),
            "{state:?} not listed: {body}"
        );
    }
    assert!(!body.contains("corrupt"), "{body}");

    // The same store, started later as a relayer's: what was signed is pending for it again.
    let store_dir = dirs[0].path().to_owned();
    let mut validators = validators;
    validators.pop().unwrap().shutdown().await;
    let relayer = start_relayer(relayer_config(&net, &store_dir, net.placeholders())).await;
    for nonce in [0, 1] {
        let m = wait_for_state(relayer.store(), nonce, MessageState::Pending, MINUTE).await;
        assert_eq!(m.state, MessageState::Pending);
    }
    relayer.shutdown().await;
}
