//! Confirmation depth and the `finalized` tag: what counts as final, for status and indexing.

use std::sync::Arc;

use serde_json::json;
use trestle_core::chain::{Chain, Submitter, TxStatus, U256};
use trestle_evm::{Erc20, EvmChain, EvmSender, Finality, Indexer, IndexerStep};

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anvil_confirmation_depth_holds_back_recent_blocks() {
    let anvil = anvil();
    anvil_rpc(&anvil, "anvil_mine", json!([10])).await;
    let mut config = config(vec![anvil.url().to_owned()]);
    config.finality = Finality::Confirmations(3);
    let chain = Arc::new(EvmChain::connect(config).await.unwrap());
    let sender = EvmSender::new(chain.clone(), dev_signer(&anvil, 2));
    let (token_address, deployed_at) = deploy_token(&sender, ether(10)).await;
    let token = Erc20::new(token_address);
    let mut indexer = Indexer::start_after(chain.clone(), token.transfer_filter(), deployed_at - 1)
        .await
        .unwrap();

    anvil_rpc(&anvil, "anvil_mine", json!([5])).await;
    let pending = token
        .transfer(&sender, dev_address(&anvil, 3), U256::from(1u64))
        .await
        .unwrap();
    let included = chain.wait(&pending.id(), false, WAIT).await.unwrap();
    let TxStatus::Included { height } = included else {
        panic!("expected Included, got {included:?}")
    };
    assert_eq!(chain.finalized_height().await.unwrap(), height - 3);

    // The indexer stops three blocks short of the tip: the mint is final, the transfer not yet.
    let mut seen = Vec::new();
    for step in indexer.catch_up().await.unwrap() {
        if let IndexerStep::Advanced { events, .. } = step {
            seen.extend(events);
        }
    }
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(Erc20::decode_transfer(&seen[0]).unwrap().from.0, [0; 20]);
    assert_eq!(indexer.cursor().height, height - 3);

    anvil_rpc(&anvil, "anvil_mine", json!([3])).await;
    assert_eq!(
        chain.status(&pending.id()).await.unwrap(),
        TxStatus::Finalized { height }
    );
    for step in indexer.catch_up().await.unwrap() {
        if let IndexerStep::Advanced { events, .. } = step {
            seen.extend(events);
        }
    }
    assert_eq!(seen.len(), 2, "mint and transfer");
    assert_eq!(indexer.cursor().height, height);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anvil_finalized_tag_is_at_or_below_the_tip() {
    let anvil = anvil();
    anvil_rpc(&anvil, "anvil_mine", json!([100])).await;
    let mut config = config(vec![anvil.url().to_owned()]);
    config.finality = Finality::Finalized;
    let chain = EvmChain::connect(config).await.unwrap();
    let finalized = chain.finalized_height().await.unwrap();
    let latest = chain.latest_height().await.unwrap();
    assert!(
        finalized <= latest,
        "finalized {finalized} > latest {latest}"
    );
}
