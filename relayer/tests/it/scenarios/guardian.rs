//! The destination bridge holds, cancels or refuses deliveries: a timelocked transfer the
//! guardian cancels, a transfer over the inbound rate limit, and a paused bridge. The
//! relayer must neither lose a message nor deliver one twice, and stop on what is final.

use std::time::Duration;

use alloy_primitives::{Address, B256};
use alloy_sol_types::{SolCall, SolEvent};
use trestle_bridge::evm_bindings::Bridge;
use trestle_core::chain::U256;
use trestle_evm::LogFilter;
use trestle_relayer::store::MessageState;
use trestle_relayer::{Daemon, Keys};
use trestle_relayer_harness::daemons::{
    http_get, live_endpoints, messages, start_relayer, start_validators, wait_all_delivered,
    wait_for_state,
};
use trestle_relayer_harness::evm::{DOMAIN_A, ETHER, signer};
use trestle_relayer_harness::net::{Net, relayer_config};
use trestle_relayer_harness::wait::wait_until;

const MINUTE: Duration = Duration::from_secs(60);

/// Two timelocked transfers; the guardian cancels one while it waits. After the delay the
/// other is executed by the relayer; the cancelled one never is, the relayer stops working
/// it and shows it `cancelled` (store and status API).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timelocked_transfer_cancelled_by_the_guardian_is_never_executed() {
    // Transfers of 1 ether or more wait an hour on B.
    let net = Net::start(ETHER).await;
    let (validators, _dirs) =
        start_validators(&net.keys, || net.chains(), &net.placeholders()).await;
    let endpoints = live_endpoints(&net.placeholders(), &validators);
    let dir = tempfile::tempdir().unwrap();
    let relayer = start_relayer(relayer_config(&net, dir.path(), endpoints)).await;
    let store = relayer.store().clone();

    let (cancelled_to, executed_to) = (Address::from([0xc1; 20]), Address::from([0xe1; 20]));
    net.send(3 * ETHER, cancelled_to).await;
    net.send(2 * ETHER, executed_to).await;
    let victim = wait_for_state(&store, 0, MessageState::Queued, MINUTE).await;
    wait_for_state(&store, 1, MessageState::Queued, MINUTE).await;

    net.guardian_b(Bridge::cancelQueuedCall::new((B256::from(victim.id),)).abi_encode())
        .await;
    let cancelled = wait_for_state(&store, 0, MessageState::Cancelled, MINUTE).await;
    assert_eq!(cancelled.attempts, 0, "{:?}", cancelled.last_error);

    // The delay passes: the other one executes, the cancelled one stays as it is.
    net.advance_b(3_601);
    wait_for_state(&store, 1, MessageState::Delivered, MINUTE).await;
    assert_eq!(net.balance(executed_to).await, U256::from(2 * ETHER));
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = messages(&store).await;
    assert_eq!(after[0].state, MessageState::Cancelled);
    assert_eq!(after[0].attempts, 0);
    assert_eq!(net.balance(cancelled_to).await, U256::ZERO);
    let head = net.chain_b.block_number().await.unwrap();
    let executed = net
        .chain_b
        .logs(
            &LogFilter::contract(net.d.bridge_b)
                .with_event(Bridge::MessageExecuted::SIGNATURE_HASH.0),
            0,
            head,
        )
        .await
        .unwrap();
    assert_eq!(executed.len(), 1, "only the uncancelled transfer executes");

    let base = format!("http://{}", relayer.api_addr());
    let (status, body) =
        http_get(&format!("{base}/v1/messages/0x{}", hex::encode(victim.id))).await;
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["state"], "cancelled", "{body}");
    let (_, body) = http_get(&format!("{base}/v1/messages?state=cancelled")).await;
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["messages"].as_array().unwrap().len(), 1, "{body}");
    // An operator cannot put it back in the pipeline.
    assert!(store.retry(&victim.id).await.is_err());

    relayer.shutdown().await;
    for v in validators {
        v.shutdown().await;
    }
}

/// B's inbound bucket holds 2 ether and refills 1 ether per 1,000 s. A first 1.5-ether
/// transfer executes at delivery; a second one does not fit and is queued; once the bucket
/// has refilled, the relayer executes it. Each arrives once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfer_over_the_inbound_rate_limit_is_queued_then_executed_when_capacity_returns() {
    let net = Net::start(u128::MAX).await;
    let big = 1_000_000 * ETHER;
    net.admin_b(vec![
        Bridge::setLimitsCall::new((net.d.token, DOMAIN_A, 2 * ETHER, ETHER / 1_000, big, big))
            .abi_encode(),
    ])
    .await;
    let (validators, _dirs) =
        start_validators(&net.keys, || net.chains(), &net.placeholders()).await;
    let endpoints = live_endpoints(&net.placeholders(), &validators);
    let dir = tempfile::tempdir().unwrap();
    let relayer = start_relayer(relayer_config(&net, dir.path(), endpoints)).await;
    let store = relayer.store().clone();

    let to = Address::from([0x4a; 20]);
    let amount = 15 * ETHER / 10;
    net.send(amount, to).await;
    wait_for_state(&store, 0, MessageState::Delivered, MINUTE).await;
    net.send(amount, to).await;
    wait_for_state(&store, 1, MessageState::Queued, MINUTE).await;
    assert_eq!(net.balance(to).await, U256::from(amount));
    // Still held a few relayer passes later: executeQueued would revert (RateLimited).
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(messages(&store).await[1].state, MessageState::Queued);
    assert_eq!(net.balance(to).await, U256::from(amount));

    net.advance_b(1_000);
    wait_for_state(&store, 1, MessageState::Delivered, MINUTE).await;
    assert_eq!(net.balance(to).await, U256::from(2 * amount));
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(net.balance(to).await, U256::from(2 * amount));
    assert_eq!(net.deliveries_on_b().await, 2);

    relayer.shutdown().await;
    for v in validators {
        v.shutdown().await;
    }
}

/// The guardian pauses B: the relayer sees it, sends nothing and burns no attempt (before,
/// every delivery reverted and each message was `failed` after `max_attempts`); after the
/// timelocked unpause it resumes by itself and each transfer arrives exactly once.
async fn paused_destination_scenario(store_url: Option<String>) {
    let net = Net::start(u128::MAX).await;
    let (validators, _dirs) =
        start_validators(&net.keys, || net.chains(), &net.placeholders()).await;
    let endpoints = live_endpoints(&net.placeholders(), &validators);
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = relayer_config(&net, dir.path(), endpoints);
    if let Some(url) = store_url {
        cfg.store.url = url;
    }
    let relayer = Daemon::start(
        cfg,
        Keys {
            validator: None,
            relayer: Some(signer(2)),
            relayer_solana: None,
            fee_oracle: None,
            fee_oracle_solana: None,
        },
        "r",
    )
    .await
    .unwrap();
    let store = relayer.store().clone();

    net.guardian_b(Bridge::pauseCall {}.abi_encode()).await;
    assert!(net.paused_b().await);
    let to = Address::from([0x9a; 20]);
    let amounts = [ETHER / 10, 2 * ETHER / 10, 3 * ETHER / 10];
    let sent = std::time::Instant::now();
    for amount in amounts {
        net.send(amount, to).await;
    }
    // Each is attested and waits, ready, with no attempt spent: for 4 s, 40 of the relayer's
    // ticks (with max_attempts 8 and no pause check, each would have been tried several
    // times).
    wait_until("the transfers ready while paused", MINUTE, || async {
        let list = messages(&store).await;
        list.len() == 3 && list.iter().all(|m| m.state == MessageState::Ready)
    })
    .await;
    let paused_metric = || async {
        let (_, metrics) = http_get(&format!("http://{}/metrics", relayer.api_addr())).await;
        metrics
            .lines()
            .find_map(|l| l.strip_prefix("trestle_destination_paused{chain=\"b\"} "))
            .map(|v| v.trim().to_owned())
    };
    assert_eq!(paused_metric().await.as_deref(), Some("1"));
    let four = Duration::from_secs(4);
    tokio::time::sleep(four.saturating_sub(sent.elapsed())).await;
    for m in messages(&store).await {
        assert_eq!(m.state, MessageState::Ready, "{m:?}");
        assert_eq!(m.attempts, 0, "an attempt was spent while paused: {m:?}");
    }
    assert_eq!(net.deliveries_on_b().await, 0);
    assert_eq!(net.balance(to).await, U256::ZERO);

    net.admin_b(vec![Bridge::unpauseCall {}.abi_encode()]).await;
    assert!(!net.paused_b().await);
    wait_all_delivered(&store, 3, MINUTE).await;
    assert_eq!(paused_metric().await.as_deref(), Some("0"));
    let total = U256::from(amounts.iter().sum::<u128>());
    assert_eq!(net.balance(to).await, total);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(net.balance(to).await, total);
    assert_eq!(net.deliveries_on_b().await, 3);

    relayer.shutdown().await;
    for v in validators {
        v.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paused_destination_is_retried_with_backoff_and_delivered_once_after_unpause() {
    paused_destination_scenario(None).await;
}

/// The same with the relayer's store on PostgreSQL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paused_destination_on_postgres_is_delivered_once_after_unpause() {
    let pg = crate::support::postgres::Postgres::start();
    paused_destination_scenario(Some(pg.url())).await;
}
