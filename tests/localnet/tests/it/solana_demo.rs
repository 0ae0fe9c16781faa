//! The whole demo scenario as a test, with Solana: every transfer arrives with the right
//! balance and is delivered exactly once, also after more relayer passes. Starts
//! solana-test-validator: nextest group `solana-validator`.

use std::time::Duration;

use trestle_core::chain::U256;
use trestle_localnet::keys;
use trestle_localnet::scenario::{Demo, DemoOptions, ETHER, HOME_SUPPLY, Progress};

const DEMO_UNIT: u64 = 1_000_000_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bridge_demo_with_solana_arrives_exactly_once() {
    let mut demo = Demo::start(DemoOptions::default(), Progress::stdout())
        .await
        .unwrap();
    let reports = demo.run().await.unwrap();
    let routes: Vec<&str> = reports.iter().map(|r| r.route.as_str()).collect();
    assert_eq!(routes, ["a -> b", "solana -> a", "a -> b", "a -> solana"]);
    // Only the large one waited in the timelock, and a second transaction executed it.
    let queued = &reports[2];
    for i in [0, 1, 3] {
        assert!(reports[i].executed_tx.is_none(), "{:?}", reports[i]);
    }
    assert!(queued.executed_tx.is_some(), "{queued:?}");
    assert_ne!(
        queued.executed_tx.as_deref(),
        Some(queued.delivery_tx.as_str())
    );
    assert!(queued.latency >= Duration::from_secs(10), "{queued:?}");

    // After more relayer passes: still exactly one delivery of each and the exact sums.
    tokio::time::sleep(Duration::from_secs(3)).await;
    demo.daemons.check_running().unwrap();
    let user = keys::user().address();
    let a = demo.node("a").unwrap();
    let b = demo.node("b").unwrap();
    for r in [&reports[0], &reports[2]] {
        assert_eq!(b.delivered_count(r.id).await.unwrap(), 1, "{r:?}");
    }
    assert_eq!(b.executions(queued.id).await.unwrap().len(), 1);
    assert_eq!(a.delivered_count(reports[1].id).await.unwrap(), 1);
    let wrapped = demo.evm.wrapped_ether(a.domain, b.domain).unwrap();
    assert_eq!(
        b.balance(Some(wrapped), user).await.unwrap(),
        U256::from(15 * ETHER / 10 + 150 * ETHER)
    );
    let link = demo.solana.as_ref().unwrap();
    // 2 ETH (18 decimals) arrive as 2 * 10^9 units of the 9-decimal mint.
    assert_eq!(
        link.node
            .token_balance(&link.bridged_ether, &link.user.pubkey())
            .await
            .unwrap(),
        2 * DEMO_UNIT
    );
    let key = link.receipt_key(a, reports[3].nonce);
    let receipt = link.node.receipt(&key).await.unwrap().unwrap();
    assert_eq!(
        link.node.receipt_transactions(&key).unwrap(),
        [reports[3].delivery_tx.clone()]
    );
    assert_eq!(receipt.amount, 2 * DEMO_UNIT);
    // 25 DEMO left the user's Solana account for the vault and arrived on a.
    assert_eq!(
        link.node
            .token_balance(&link.home_mint, &link.user.pubkey())
            .await
            .unwrap(),
        HOME_SUPPLY - 25 * DEMO_UNIT
    );
    assert_eq!(
        a.balance(Some(link.home_on_evm), user).await.unwrap(),
        U256::from(25 * DEMO_UNIT)
    );
}
