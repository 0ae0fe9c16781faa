//! The nonce manager under concurrency and after a foreign send.

use std::collections::BTreeSet;
use std::sync::Arc;

use trestle_core::chain::U256;
use trestle_core::evm::EvmAddress;
use trestle_evm::{EvmSender, TxRequest};

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn anvil_twenty_concurrent_sends_get_distinct_nonces_and_all_land() {
    let anvil = anvil();
    let chain = chain(&anvil).await;
    let sender = Arc::new(EvmSender::new(chain.clone(), dev_signer(&anvil, 3)));
    let start = chain.pending_nonce(sender.address()).await.unwrap();

    let tasks: Vec<_> = (0..20u8)
        .map(|i| {
            let sender = sender.clone();
            tokio::spawn(async move {
                // No fixed gas limit: every task estimates, so they really overlap.
                let request = TxRequest {
                    gas_limit: None,
                    ..TxRequest::transfer(EvmAddress([i + 1; 20]), U256::from(u64::from(i) + 1))
                };
                sender.send(request).await.unwrap()
            })
        })
        .collect();
    let mut sent = Vec::new();
    for t in tasks {
        sent.push(t.await.unwrap());
    }
    let nonces: BTreeSet<u64> = sent.iter().map(|p| p.nonce()).collect();
    assert_eq!(nonces.len(), 20, "nonces not distinct: {nonces:?}");
    assert_eq!(nonces, (start..start + 20).collect::<BTreeSet<_>>());
    for p in &sent {
        let receipt = sender.wait(p, WAIT).await.unwrap();
        assert!(receipt.success);
    }
    assert_eq!(
        chain.latest_nonce(sender.address()).await.unwrap(),
        start + 20
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anvil_nonce_too_low_resyncs_from_the_chain() {
    let anvil = anvil();
    let chain = chain(&anvil).await;
    let ours = EvmSender::new(chain.clone(), dev_signer(&anvil, 4));
    // A second manager for the same key stands in for another process using it.
    let foreign = EvmSender::new(chain.clone(), dev_signer(&anvil, 4));

    let (first, _) = ours
        .send_and_wait(
            TxRequest::transfer(EvmAddress([1; 20]), U256::from(1u64)),
            WAIT,
        )
        .await
        .unwrap();
    assert_eq!(ours.nonces().peek().await, Some(first.nonce() + 1));
    let (stolen, _) = foreign
        .send_and_wait(
            TxRequest::transfer(EvmAddress([2; 20]), U256::from(1u64)),
            WAIT,
        )
        .await
        .unwrap();
    assert_eq!(stolen.nonce(), first.nonce() + 1);

    // Our cached nonce is now stale: the node says "nonce too low", the manager resyncs.
    let (next, receipt) = ours
        .send_and_wait(
            TxRequest::transfer(EvmAddress([3; 20]), U256::from(1u64)),
            WAIT,
        )
        .await
        .unwrap();
    assert_eq!(next.nonce(), first.nonce() + 2);
    assert!(receipt.success);
}
