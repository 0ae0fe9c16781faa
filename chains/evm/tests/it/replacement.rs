//! Replacing a stuck transaction with a fee bump, on anvil with mining off.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use trestle_core::chain::{Chain, U256, UniversalAddress};
use trestle_core::evm::EvmAddress;
use trestle_evm::{Error, EvmChain, EvmSender, Fees, LandingPolicy, TxRequest};
use trestle_tests::Anvil;

use crate::common::*;

fn manual_anvil() -> Anvil {
    Anvil::builder().no_mining(true).spawn().unwrap()
}

fn fees_of(fees: Fees) -> (u128, u128) {
    match fees {
        Fees::Eip1559 {
            max_fee_per_gas,
            max_priority_fee_per_gas,
        } => (max_fee_per_gas, max_priority_fee_per_gas),
        Fees::Legacy { gas_price } => (gas_price, gas_price),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anvil_replaced_transaction_lands_and_the_original_does_not() {
    let anvil = manual_anvil();
    let chain = chain(&anvil).await;
    let sender = EvmSender::new(chain.clone(), dev_signer(&anvil, 5));
    let recipient = EvmAddress([0x55; 20]);

    let original = sender
        .send(TxRequest::transfer(recipient, ether(1)))
        .await
        .unwrap();
    // Not mined: stuck.
    assert!(chain.receipt(original.hash).await.unwrap().is_none());
    let replacement = sender.replace(&original).await.unwrap();
    assert_eq!(replacement.nonce(), original.nonce());
    assert_ne!(replacement.hash, original.hash);
    let (old_max, old_tip) = fees_of(original.fees);
    let (new_max, new_tip) = fees_of(replacement.fees);
    assert!(
        new_max * 100 >= old_max * 110,
        "maxFeePerGas {old_max} -> {new_max}"
    );
    assert!(
        new_tip * 100 >= old_tip * 110 && new_tip > old_tip,
        "tip {old_tip} -> {new_tip}"
    );

    anvil_rpc(&anvil, "evm_mine", json!([])).await;
    let receipt = sender.wait(&replacement, WAIT).await.unwrap();
    assert!(receipt.success);
    assert!(
        chain.receipt(original.hash).await.unwrap().is_none(),
        "the original landed too"
    );
    let to = UniversalAddress::from_evm(recipient.0);
    assert_eq!(chain.native_balance(&to).await.unwrap(), ether(1));
    // The nonce manager moved on past the replaced nonce.
    assert_eq!(sender.nonces().peek().await, Some(original.nonce() + 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anvil_replacement_refuses_to_cross_the_ceiling() {
    let anvil = manual_anvil();
    let probe = chain(&anvil).await;
    let (fees, _) = probe.estimate_fees().await.unwrap();
    // A ceiling just above today's estimate: sending works, a +12% bump does not.
    let mut config = config(vec![anvil.url().to_owned()]);
    config.fees.max_fee_per_gas = fees.max_per_gas() + 1;
    let chain = Arc::new(EvmChain::connect(config).await.unwrap());
    let sender = EvmSender::new(chain, dev_signer(&anvil, 6));
    let original = sender
        .send(TxRequest::transfer(EvmAddress([1; 20]), U256::from(1u64)))
        .await
        .unwrap();
    let err = sender.replace(&original).await.unwrap_err();
    assert!(matches!(err, Error::FeeCeiling { .. }), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anvil_land_bumps_until_mined() {
    let anvil = Arc::new(manual_anvil());
    let chain = chain(&anvil).await;
    let sender = EvmSender::new(chain.clone(), dev_signer(&anvil, 7));
    let (before, _) = chain.estimate_fees().await.unwrap();
    let miner = {
        let anvil = anvil.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(1_500)).await;
            anvil_rpc(&anvil, "evm_mine", json!([])).await;
        })
    };
    let policy = LandingPolicy {
        stuck_after: Duration::from_millis(300),
        timeout: WAIT,
    };
    let (landed, receipt) = sender
        .land(
            TxRequest::transfer(EvmAddress([9; 20]), U256::from(9u64)),
            policy,
        )
        .await
        .unwrap();
    miner.await.unwrap();
    assert!(receipt.success);
    let (first_max, _) = fees_of(before);
    let (landed_max, _) = fees_of(landed.fees);
    assert!(
        landed_max > first_max,
        "no bump happened: {first_max} -> {landed_max}"
    );
    assert_eq!(
        chain.latest_nonce(sender.address()).await.unwrap(),
        landed.nonce() + 1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anvil_dropped_transaction_gap_is_refilled() {
    let anvil = manual_anvil();
    let chain = chain(&anvil).await;
    let sender = EvmSender::new(chain.clone(), dev_signer(&anvil, 9));
    let dropped = sender
        .send(TxRequest::transfer(
            EvmAddress([0x77; 20]),
            U256::from(1u64),
        ))
        .await
        .unwrap();
    assert_eq!(sender.nonces().reconcile(&chain).await.unwrap(), None);
    // The node forgets it (as a mempool evicting it would).
    anvil_rpc(
        &anvil,
        "anvil_dropTransaction",
        json!([format!("{}", dropped.id())]),
    )
    .await;
    assert!(!chain.knows_transaction(dropped.hash).await.unwrap());
    assert_eq!(
        sender.nonces().reconcile(&chain).await.unwrap(),
        Some(dropped.nonce())
    );
    let refill = sender
        .send(TxRequest::transfer(
            EvmAddress([0x78; 20]),
            U256::from(2u64),
        ))
        .await
        .unwrap();
    assert_eq!(refill.nonce(), dropped.nonce());
    anvil_rpc(&anvil, "evm_mine", json!([])).await;
    assert!(sender.wait(&refill, WAIT).await.unwrap().success);
    assert!(chain.receipt(dropped.hash).await.unwrap().is_none());
}
