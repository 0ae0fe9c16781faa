//! A delivery transaction that leaves the destination node's pool unmined (anvil drops a
//! transaction that is invalid when it builds a block; other nodes evict under pressure) is
//! replaced as soon as the relayer sees it gone, not after `replace_after_ms`, and the message
//! is delivered exactly once.

use std::time::{Duration, Instant};

use alloy_primitives::Address;
use serde_json::json;
use trestle_core::chain::U256;
use trestle_relayer::store::MessageState;
use trestle_relayer_harness::daemons::{
    live_endpoints, messages, start_relayer, start_validators, wait_for_state,
};
use trestle_relayer_harness::evm::ETHER;
use trestle_relayer_harness::net::{Net, relayer_config};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_dropped_from_the_pool_is_replaced_at_once_and_delivered_once() {
    let net = Net::start(u128::MAX).await;
    let (validators, _dirs) =
        start_validators(&net.keys, || net.chains(), &net.placeholders()).await;
    let endpoints = live_endpoints(&net.placeholders(), &validators);
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = relayer_config(&net, dir.path(), endpoints);
    // Only the dropped-transaction check can replace it within this test.
    if let Some(relayer) = cfg.relayer.as_mut() {
        relayer.replace_after_ms = 600_000;
    }
    let relayer = start_relayer(cfg).await;
    let store = relayer.store().clone();
    let to = Address::from([0x5e; 20]);

    // B stops mining, so the delivery waits in its pool.
    net.anvil_b.rpc("evm_setAutomine", json!([false])).unwrap();
    net.send(ETHER, to).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let first = loop {
        let all = messages(&store).await;
        if let Some(hash) = all.first().and_then(|m| m.tx_hash) {
            assert_eq!(all[0].state, MessageState::Submitted);
            break hash;
        }
        assert!(Instant::now() < deadline, "never sent: {all:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let pooled = net
        .anvil_b
        .rpc(
            "eth_getTransactionByHash",
            json!([format!("0x{}", hex::encode(first))]),
        )
        .unwrap();
    assert!(!pooled.is_null(), "the delivery is in B's pool");

    // The node drops it unmined, then mines again.
    net.anvil_b
        .rpc(
            "anvil_dropTransaction",
            json!([format!("0x{}", hex::encode(first))]),
        )
        .unwrap();
    let dropped_at = Instant::now();
    net.anvil_b
        .rpc("evm_setIntervalMining", json!([1]))
        .unwrap();

    wait_for_state(&store, 0, MessageState::Delivered, Duration::from_secs(60)).await;
    assert!(
        dropped_at.elapsed() < Duration::from_secs(30),
        "replaced long before replace_after_ms: {:?}",
        dropped_at.elapsed()
    );
    let versions = store.submissions(&first).await.unwrap();
    assert_eq!(
        versions.len(),
        2,
        "the first send and its replacement: {versions:?}"
    );
    let delivered = messages(&store).await;
    assert_eq!(
        delivered[0].tx_hash,
        Some(first),
        "settled under its first send's root"
    );
    assert_eq!(net.balance(to).await, U256::from(ETHER));
    assert_eq!(net.deliveries_on_b().await, 1);

    relayer.shutdown().await;
    for v in validators {
        v.shutdown().await;
    }
}
