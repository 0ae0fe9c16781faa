//! The EVM part of the demo scenario as a test (no solana-test-validator): every transfer
//! arrives with the right balance and is delivered exactly once, also after more relayer
//! passes.

use std::time::Duration;

use trestle_core::chain::U256;
use trestle_localnet::keys;
use trestle_localnet::scenario::{Demo, DemoOptions, ETHER, Progress};

/// The EVM part alone (no solana-test-validator): a -> b, then the timelocked transfer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evm_only_demo_arrives_exactly_once() {
    let options = DemoOptions {
        solana: false,
        ..Default::default()
    };
    let mut demo = Demo::start(options, Progress::stdout()).await.unwrap();
    let reports = demo.run().await.unwrap();
    let routes: Vec<&str> = reports.iter().map(|r| r.route.as_str()).collect();
    assert_eq!(routes, ["a -> b", "a -> b"]);
    assert!(reports[0].executed_tx.is_none());
    assert!(reports[1].executed_tx.is_some(), "{:?}", reports[1]);
    // The first paid a's quote, below the relayer's floor: held underpaid, topped up. The
    // second paid the floor at its send.
    assert_eq!(reports[0].fee.as_deref(), Some("0.000197552 ETH"));
    assert_eq!(reports[0].top_up.as_deref(), Some("0.000102448 ETH"));
    assert_eq!(reports[1].fee.as_deref(), Some("0.0003 ETH"));
    assert_eq!(reports[1].top_up, None);
    // What was paid is held apart on a, for its fee beneficiary.
    let a = demo.node("a").unwrap();
    let held = a
        .contract()
        .chain()
        .call(
            a.bridge,
            &alloy_sol_types::SolCall::abi_encode(
                &trestle_bridge::evm_bindings::Bridge::feesHeldCall {},
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        U256::from_be_slice(&held),
        U256::from(600_000_000_000_000u128)
    );

    tokio::time::sleep(Duration::from_secs(2)).await;
    demo.daemons.check_running().unwrap();
    let b = demo.node("b").unwrap();
    for r in &reports {
        assert_eq!(b.delivered_count(r.id).await.unwrap(), 1, "{r:?}");
    }
    let wrapped = demo.evm.wrapped_ether(1, 2).unwrap();
    assert_eq!(
        b.balance(Some(wrapped), keys::user().address())
            .await
            .unwrap(),
        U256::from(15 * ETHER / 10 + 150 * ETHER)
    );
}
