//! A relayer with a fresh store (a new instance, a lost database, a second operator) indexes
//! the origin's history again. What the destination already delivered is settled from its
//! `delivered`, not sent again: before, every historical message went out in a `deliverBatch`
//! the bridge skipped as replays, costing the new relayer a transaction per batch.

use std::time::Duration;

use alloy_primitives::Address;
use trestle_core::chain::U256;
use trestle_relayer::store::MessageState;
use trestle_relayer::{Daemon, Keys};
use trestle_relayer_harness::daemons::{
    live_endpoints, start_relayer, start_validators, wait_all_delivered,
};
use trestle_relayer_harness::evm::{ETHER, signer};
use trestle_relayer_harness::net::{Net, relayer_config};

const MINUTE: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_store_settles_the_delivered_history_without_sending_anything() {
    let net = Net::start(u128::MAX).await;
    let (validators, _dirs) =
        start_validators(&net.keys, || net.chains(), &net.placeholders()).await;
    let endpoints = live_endpoints(&net.placeholders(), &validators);
    let to = Address::from([0x4d; 20]);

    let first_dir = tempfile::tempdir().unwrap();
    let first = start_relayer(relayer_config(&net, first_dir.path(), endpoints.clone())).await;
    for n in 1..=3u128 {
        net.send(n * ETHER / 10, to).await;
    }
    wait_all_delivered(first.store(), 3, MINUTE).await;
    first.shutdown().await;

    // A second relayer, its own key and an empty store.
    let key = signer(4);
    let sent_before = net.chain_b.latest_nonce(key.address()).await.unwrap();
    let second_dir = tempfile::tempdir().unwrap();
    let second = Daemon::start(
        relayer_config(&net, second_dir.path(), endpoints),
        Keys {
            validator: None,
            relayer: Some(key.clone()),
            relayer_solana: None,
            fee_oracle: None,
            fee_oracle_solana: None,
        },
        "r2",
    )
    .await
    .unwrap();
    wait_all_delivered(second.store(), 3, MINUTE).await;
    // Let a submit pass that would have sent run its course.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        net.chain_b.latest_nonce(key.address()).await.unwrap(),
        sent_before,
        "the fresh relayer sent a transaction for history the destination had delivered"
    );
    for m in trestle_relayer_harness::daemons::messages(second.store()).await {
        assert_eq!(m.state, MessageState::Delivered, "{m:?}");
        assert!(m.tx_hash.is_none(), "{m:?}");
    }
    assert_eq!(net.balance(to).await, U256::from(6 * ETHER / 10));
    assert_eq!(net.deliveries_on_b().await, 3);

    second.shutdown().await;
    for v in validators {
        v.shutdown().await;
    }
}

/// A destination endpoint that says every message is already delivered, first in the
/// relayer's `rpc_urls` before the honest node: a message this relayer never sent is settled
/// as delivered only when every endpoint says so, so the transfer is sent and arrives (before
/// the one endpoint's word settled it, and nobody ever delivered it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_lying_endpoint_cannot_settle_a_message_nobody_delivered() {
    let net = Net::start(u128::MAX).await;
    let (validators, _dirs) =
        start_validators(&net.keys, || net.chains(), &net.placeholders()).await;
    let endpoints = live_endpoints(&net.placeholders(), &validators);
    let liar = trestle_relayer_harness::forge::ForgingRpc::lying_delivered(net.anvil_b.url()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = relayer_config(&net, dir.path(), endpoints);
    cfg.chains[1].rpc_urls = vec![liar.url().to_owned(), net.anvil_b.url().to_owned()];
    let relayer = start_relayer(cfg).await;
    let to = Address::from([0x4e; 20]);
    net.send(ETHER, to).await;
    wait_all_delivered(relayer.store(), 1, MINUTE).await;
    assert!(liar.forged() > 0, "the lying endpoint was never asked");
    assert_eq!(net.balance(to).await, U256::from(ETHER));
    assert_eq!(net.deliveries_on_b().await, 1);
    relayer.shutdown().await;
    for v in validators {
        v.shutdown().await;
    }
}
