//! The indexer: token transfers over split ranges, and reorgs with rollback.

use std::sync::Arc;

use serde_json::json;
use trestle_core::chain::{ChainEvent, U256};
use trestle_evm::{Erc20, EvmChain, EvmSender, Indexer, IndexerStep, LogFilter};

use crate::common::*;

/// Applies indexer steps to a list of events the way a consumer must: append on advance,
/// drop everything above the rollback height on a reorg.
fn apply(events: &mut Vec<ChainEvent>, steps: Vec<IndexerStep>) -> usize {
    let mut reorgs = 0;
    for step in steps {
        match step {
            IndexerStep::Advanced { events: new, .. } => events.extend(new),
            IndexerStep::Reorg {
                rolled_back_to,
                previous,
            } => {
                assert!(rolled_back_to.height <= previous.height);
                events.retain(|e| e.height <= rolled_back_to.height);
                reorgs += 1;
            }
            IndexerStep::Idle { .. } => {}
        }
    }
    reorgs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anvil_indexer_reads_token_transfers_over_split_ranges() {
    let anvil = anvil();
    let mut config = config(vec![anvil.url().to_owned()]);
    config.max_block_range = 3; // many eth_getLogs requests per batch
    let chain = Arc::new(EvmChain::connect(config).await.unwrap());
    let sender = EvmSender::new(chain.clone(), dev_signer(&anvil, 0));
    let (token_address, deployed_at) = deploy_token(&sender, ether(100)).await;
    let token = Erc20::new(token_address);
    let bob = dev_address(&anvil, 1);
    for i in 1..=3u64 {
        anvil_rpc(&anvil, "anvil_mine", json!([4])).await;
        let p = token.transfer(&sender, bob, U256::from(i)).await.unwrap();
        sender.wait(&p, WAIT).await.unwrap();
    }
    // A noise event of another kind from the same contract is filtered out by topic.
    let p = token.approve(&sender, bob, U256::from(1u64)).await.unwrap();
    sender.wait(&p, WAIT).await.unwrap();

    let mut indexer = Indexer::start_after(chain.clone(), token.transfer_filter(), deployed_at - 1)
        .await
        .unwrap()
        .with_batch(7);
    let mut events = Vec::new();
    let steps = indexer.catch_up().await.unwrap();
    assert!(steps.len() > 2, "expected several batches, got {steps:?}");
    assert_eq!(apply(&mut events, steps), 0);
    let transfers: Vec<_> = events
        .iter()
        .map(|e| Erc20::decode_transfer(e).unwrap())
        .collect();
    assert_eq!(transfers.len(), 4, "{transfers:?}");
    assert_eq!(transfers[0].from.0, [0; 20]);
    assert_eq!(transfers[0].value, ether(100));
    for (i, t) in transfers[1..].iter().enumerate() {
        assert_eq!(
            (t.from, t.to, t.value),
            (sender.address(), bob, U256::from(i as u64 + 1))
        );
    }
    assert!(
        events
            .windows(2)
            .all(|w| (w[0].height, w[0].index) < (w[1].height, w[1].index))
    );
    assert_eq!(indexer.cursor().height, chain.block_number().await.unwrap());
    // The EventSource view of the same range includes the Approval too.
    let all = chain
        .logs(
            &LogFilter::contract(token_address),
            deployed_at,
            indexer.cursor().height,
        )
        .await
        .unwrap();
    assert_eq!(all.len(), 5);
    // Nothing new: idle.
    assert!(matches!(
        indexer.poll().await.unwrap(),
        IndexerStep::Idle { .. }
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anvil_reorg_rolls_the_indexer_back() {
    let anvil = anvil();
    let chain = chain(&anvil).await;
    let sender = EvmSender::new(chain.clone(), dev_signer(&anvil, 0));
    let (token_address, deployed_at) = deploy_token(&sender, ether(100)).await;
    let token = Erc20::new(token_address);
    let bob = dev_address(&anvil, 1);
    for i in 1..=4u64 {
        let p = token.transfer(&sender, bob, U256::from(i)).await.unwrap();
        sender.wait(&p, WAIT).await.unwrap();
    }
    let filter = token.transfer_filter();
    // Batches of one block: a checkpoint per block, so the rollback is exact.
    let mut indexer = Indexer::start_after(chain.clone(), filter.clone(), deployed_at - 1)
        .await
        .unwrap()
        .with_batch(1);
    let mut events = Vec::new();
    assert_eq!(apply(&mut events, indexer.catch_up().await.unwrap()), 0);
    assert_eq!(events.len(), 5);
    let tip = indexer.cursor();

    // 1. Reorg of the last two blocks with no new block on top: detected by re-checking the
    //    cursor's own hash.
    anvil_rpc(&anvil, "anvil_reorg", json!([2, []])).await;
    let step = indexer.poll().await.unwrap();
    let IndexerStep::Reorg {
        previous,
        rolled_back_to,
    } = step
    else {
        panic!("expected a reorg, got {step:?}")
    };
    assert_eq!(previous, tip);
    assert_eq!(rolled_back_to.height, tip.height - 2);
    assert_eq!(
        chain
            .header(rolled_back_to.height)
            .await
            .unwrap()
            .unwrap()
            .hash,
        rolled_back_to.hash
    );
    events.retain(|e| e.height <= rolled_back_to.height);
    assert_eq!(apply(&mut events, indexer.catch_up().await.unwrap()), 0);

    // 2. A reorg, then a new block on top: detected by the new block's parentHash.
    let before = indexer.cursor();
    anvil_rpc(&anvil, "anvil_reorg", json!([1, []])).await;
    anvil_rpc(&anvil, "anvil_mine", json!([1])).await;
    let steps = indexer.catch_up().await.unwrap();
    assert!(
        matches!(steps[0], IndexerStep::Reorg { previous, .. } if previous == before),
        "{steps:?}"
    );
    assert_eq!(apply(&mut events, steps), 1);

    // What the indexer holds is exactly what the canonical chain has now.
    let tip = chain.block_number().await.unwrap();
    assert_eq!(indexer.cursor().height, tip);
    let canonical = chain.logs(&filter, deployed_at, tip).await.unwrap();
    assert_eq!(events, canonical);
    for e in &events {
        assert_eq!(
            chain.header(e.height).await.unwrap().unwrap().hash,
            e.block_hash
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anvil_receipt_with_logs_gives_the_transactions_own_events() {
    let anvil = anvil();
    let chain = chain(&anvil).await;
    let sender = EvmSender::new(chain.clone(), dev_signer(&anvil, 0));
    let (token_address, _) = deploy_token(&sender, ether(100)).await;
    let token = Erc20::new(token_address);
    let bob = dev_address(&anvil, 1);
    let p = token
        .transfer(&sender, bob, U256::from(7u64))
        .await
        .unwrap();
    let receipt = sender.wait(&p, WAIT).await.unwrap();

    let (again, logs) = chain.receipt_with_logs(p.hash).await.unwrap().unwrap();
    assert_eq!(again, receipt);
    assert_eq!(chain.receipt(p.hash).await.unwrap(), Some(receipt));
    // The same events `eth_getLogs` returns for that block and contract, nothing else.
    let block = receipt.block_number;
    let listed = chain
        .logs(&LogFilter::contract(token_address), block, block)
        .await
        .unwrap();
    assert_eq!(logs, listed);
    assert_eq!(logs.len(), 1, "{logs:?}");
    let transfer = Erc20::decode_transfer(&logs[0]).unwrap();
    assert_eq!(
        (transfer.from, transfer.to, transfer.value),
        (sender.address(), bob, U256::from(7u64))
    );
    assert_eq!(logs[0].tx_id, trestle_core::chain::TxId::Evm(p.hash));

    // A transaction without events (ether transfer) has a receipt and no logs; an unknown
    // hash has neither.
    let p = sender
        .send(trestle_evm::TxRequest::transfer(bob, U256::from(1u64)))
        .await
        .unwrap();
    sender.wait(&p, WAIT).await.unwrap();
    let (_, none) = chain.receipt_with_logs(p.hash).await.unwrap().unwrap();
    assert!(none.is_empty());
    assert!(chain.receipt_with_logs([9; 32]).await.unwrap().is_none());
}
