//! Delivery fees end to end (docs/protocol.md, "Delivery fees"): A charges for deliveries to
//! B, and the relayer's route policy is `paid` with an allow list and a deny list. A message
//! that paid nothing waits `underpaid` (store, status API) until top-ups cover the quote;
//! an allow-listed sender is delivered unpaid; a denied sender never is; a message that paid
//! at its send goes at once.

use std::time::Duration;

use alloy_primitives::Address;
use alloy_sol_types::SolCall;
use trestle_bridge::evm_bindings::Bridge;
use trestle_core::chain::{U256, UniversalAddress};
use trestle_relayer::config::Account;
use trestle_relayer::store::MessageState;
use trestle_relayer_harness::daemons::{
    http_get, live_endpoints, start_relayer, start_validators, wait_for_state,
};
use trestle_relayer_harness::evm::{DOMAIN_B, ETHER, signer};
use trestle_relayer_harness::net::{Net, relayer_config};
use trestle_relayer_harness::wait::wait_until;

const MINUTE: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn underpaid_messages_wait_for_a_top_up_and_the_lists_decide_before_the_payment() {
    let net = Net::start(u128::MAX).await;
    let (allowed, denied) = (signer(4).address(), signer(8).address());
    // Sent while B was free: each paid nothing.
    let to = |b: u8| Address::from([b; 20]);
    net.send(ETHER, to(0xa0)).await; // nonce 0, the user (dev account 3)
    net.send_from(4, ETHER, 0, to(0xa1)).await; // nonce 1, allow-listed
    net.send_from(8, ETHER, 0, to(0xa2)).await; // nonce 2, denied
    // A now charges 1 gwei per gas of B's, ether for ether.
    net.admin_a(vec![
        Bridge::setFeeConfigCall::new((
            DOMAIN_B,
            1_000_000_000_000_000_000u128,
            1_000_000_000_000_000_000u128,
            0u128,
            65_000u64,
            21_000u64,
            110_000u64,
            16u32,
        ))
        .abi_encode(),
    ])
    .await;
    let quote = net.quote_transfer().await;
    assert_eq!(quote, (65_000 + 21_000 + 110_000 + 97 * 16) * 1_000_000_000);
    net.send_from(3, ETHER, quote, to(0xa3)).await; // nonce 3, paid at its send

    let (validators, _dirs) =
        start_validators(&net.keys, || net.chains(), &net.placeholders()).await;
    let endpoints = live_endpoints(&net.placeholders(), &validators);
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = relayer_config(&net, dir.path(), endpoints);
    let account = |a: trestle_core::evm::EvmAddress| Account(UniversalAddress::from_evm(a.0));
    cfg.routes[0].fees.allow_senders = vec![account(allowed)];
    cfg.routes[0].fees.deny_senders = vec![account(denied)];
    let relayer = start_relayer(cfg).await;
    let store = relayer.store().clone();

    wait_for_state(&store, 1, MessageState::Delivered, MINUTE).await;
    wait_for_state(&store, 3, MessageState::Delivered, MINUTE).await;
    let skipped = wait_for_state(&store, 2, MessageState::Skipped, MINUTE).await;
    assert!(
        skipped
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("deny list"),
        "{:?}",
        skipped.last_error
    );
    let unpaid = wait_for_state(&store, 0, MessageState::Underpaid, MINUTE).await;
    let needed = quote * 9 / 10;
    let why = unpaid.last_error.clone().unwrap_or_default();
    assert!(why.contains(&format!("paid 0, needs {needed}")), "{why}");
    let base = format!("http://{}", relayer.api_addr());
    let (status, body) =
        http_get(&format!("{base}/v1/messages/0x{}", hex::encode(unpaid.id))).await;
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["state"], "underpaid", "{body}");
    // Held a few passes later, nothing sent for it.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(net.balance(to(0xa0)).await, U256::ZERO);
    assert_eq!(net.deliveries_on_b().await, 2);

    // Half of what is needed: weighed again, still underpaid.
    net.pay_for_gas(unpaid.id, needed / 2).await;
    wait_until("the first top-up is recorded", MINUTE, || async {
        store
            .paid(&[(unpaid.id, unpaid.origin, unpaid.destination)])
            .await
            .unwrap()
            .get(&unpaid.id)
            == Some(&(needed / 2))
    })
    .await;
    // Weighed again (the message stays underpaid; until then its error is the first weighing's).
    let weighed = format!("paid {}, needs {needed}", needed / 2);
    wait_until("the underpaid message weighed again", MINUTE, || async {
        store.message(&unpaid.id).await.unwrap().is_some_and(|m| {
            m.state == MessageState::Underpaid
                && m.last_error
                    .as_deref()
                    .is_some_and(|e| e.contains(&weighed))
        })
    })
    .await;
    // The rest: delivered, once.
    net.pay_for_gas(unpaid.id, needed - needed / 2).await;
    wait_for_state(&store, 0, MessageState::Delivered, MINUTE).await;
    assert_eq!(net.balance(to(0xa0)).await, U256::from(ETHER));
    assert_eq!(net.balance(to(0xa2)).await, U256::ZERO, "the denied sender");
    assert_eq!(net.deliveries_on_b().await, 3);

    relayer.shutdown().await;
    for v in validators {
        v.shutdown().await;
    }
}

/// The fee-oracle updater role: B's gas price jumps tenfold; a daemon with only
/// `[fee_oracle]` (the key A's governance made its fee oracle) moves A's price for B toward
/// it as far as the bridge allows, twice at most, and again a minute later. The exchange rate
/// stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fee_oracle_follows_the_destinations_gas_price_within_the_bridges_bounds() {
    let net = Net::start(u128::MAX).await;
    let oracle = signer(9);
    let one_gwei = 1_000_000_000u128 * 1_000_000_000;
    net.admin_a(vec![
        Bridge::setFeeConfigCall::new((
            DOMAIN_B,
            one_gwei,
            1_000_000_000_000_000_000u128,
            0u128,
            65_000u64,
            21_000u64,
            110_000u64,
            16u32,
        ))
        .abi_encode(),
        Bridge::setFeeRolesCall::new((
            alloy_primitives::Address::from(oracle.address().0),
            Address::ZERO,
        ))
        .abi_encode(),
    ])
    .await;
    // B's base fee now about 10 gwei.
    tokio::task::block_in_place(|| {
        net.anvil_b
            .rpc(
                "anvil_setNextBlockBaseFeePerGas",
                serde_json::json!([format!("0x{:x}", 10_000_000_000u64)]),
            )
            .unwrap();
        net.anvil_b.rpc("evm_mine", serde_json::json!([])).unwrap();
    });

    let dir = tempfile::tempdir().unwrap();
    let mut cfg = trestle_relayer_harness::daemons::config(
        dir.path(),
        net.chains(),
        net.placeholders(),
        false,
        false,
    );
    cfg.fee_oracle = Some(trestle_relayer::config::FeeOracleConfig {
        keystore: "unused.json".into(),
        password_env: "UNUSED".into(),
        drift_percent: 10,
        interval_ms: 1_000,
        min_gwei: None,
        max_gwei: Some("50".into()),
        min_micro_lamports: None,
        max_micro_lamports: None,
        solana: None,
    });
    let daemon = trestle_relayer::Daemon::start(
        cfg,
        trestle_relayer::Keys {
            validator: None,
            relayer: None,
            relayer_solana: None,
            fee_oracle: Some(oracle),
            fee_oracle_solana: None,
        },
        "oracle",
    )
    .await
    .unwrap();
    let a = trestle_bridge_client::EvmBridge::new(net.user_chain(), net.d.bridge_a);
    let price = || async { a.fee_config(DOMAIN_B).await.unwrap() };
    wait_until("the oracle doubles A's price for B", MINUTE, || async {
        price().await.gas_price == 2 * one_gwei
    })
    .await;
    // Not again within the minute the bridge asks between updates.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(price().await.gas_price, 2 * one_gwei);
    assert_eq!(price().await.exchange_rate, 1_000_000_000_000_000_000);
    // A minute later on A: twice again, toward B's price.
    tokio::task::block_in_place(|| {
        net.anvil_a
            .rpc("evm_increaseTime", serde_json::json!([61]))
            .unwrap();
        net.anvil_a.rpc("evm_mine", serde_json::json!([])).unwrap();
    });
    wait_until("the oracle doubles it again", MINUTE, || async {
        price().await.gas_price == 4 * one_gwei
    })
    .await;
    daemon.shutdown().await;
}
