//! The whole demo scenario as a test: every transfer arrives, with the right balance, and is
//! delivered exactly once, also after more relayer passes.

use std::time::Duration;

use trestle_core::chain::U256;
use trestle_localnet::keys;
use trestle_localnet::scenario::{DOMAIN_A, DOMAIN_B, Demo, DemoOptions, ETHER, Progress};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evm_demo_transfers_arrive_exactly_once() {
    let options = DemoOptions {
        solana: false,
        ..Default::default()
    };
    let mut demo = Demo::start(options, Progress::stdout()).await.unwrap();
    let reports = demo.run().await.unwrap();
    assert_eq!(reports.len(), 2);
    assert!(reports.iter().all(|r| r.route == "a -> b"));
    // The large one waited in the timelock and was executed by a second transaction.
    assert!(reports[0].executed_tx.is_none());
    assert!(reports[1].executed_tx.is_some(), "{:?}", reports[1]);

    // After more relayer passes: still exactly one delivery each and the sum on b.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let b = demo.node("b").unwrap();
    for r in &reports {
        assert_eq!(b.delivered_count(r.id).await.unwrap(), 1, "{r:?}");
    }
    let wrapped = demo.evm.wrapped_ether(DOMAIN_A, DOMAIN_B).unwrap();
    assert_eq!(
        b.balance(Some(wrapped), keys::user().address())
            .await
            .unwrap(),
        U256::from(15 * ETHER / 10 + 150 * ETHER)
    );
    demo.daemons.check_running().unwrap();
}
