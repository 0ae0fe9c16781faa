//! Nothing stuck: transactions holding the relayer's nonces on a destination that no stage is
//! following (here: left out of the node's pool while blocks go on being made) are found
//! and dealt with, and the deliveries behind them go through, exactly once. One the send
//! journal knows (the relayer's own: an `executeQueued` whose wait ran out, a broadcast that
//! had no answer) is broadcast again and lands as it was meant; one it does not know (sent
//! with the relayer's key from elsewhere) is cancelled.

use std::time::Duration;

use alloy_primitives::Address;
use async_trait::async_trait;
use serde_json::json;
use trestle_core::chain::{Chain, U256, UniversalAddress};
use trestle_core::evm::{EvmAddress, TypedTransaction};
use trestle_evm::{EvmSender, SendJournal, Signed, TxRequest};
use trestle_relayer::store::{MessageState, Store};
use trestle_relayer_harness::daemons::{
    http_get, live_endpoints, messages, start_relayer, start_validators, wait_for_state,
};
use trestle_relayer_harness::evm::{DOMAIN_B, ETHER, signer};
use trestle_relayer_harness::net::{Net, relayer_config};

/// Writes to the relayer's send journal, as the relayer's own sender does.
#[derive(Debug)]
struct Journal(Store);

#[async_trait]
impl SendJournal for Journal {
    async fn record(&self, signed: Signed<'_>) -> Result<(), String> {
        let relayer = signer(2).address().0;
        self.0
            .record_sent(
                DOMAIN_B,
                &relayer,
                signed.nonce,
                &signed.hash,
                signed.raw,
                signed.replaces.as_ref(),
            )
            .await
            .map_err(|e| e.to_string())
    }
}

fn hex32(hash: [u8; 32]) -> String {
    format!("0x{}", hex::encode(hash))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stuck_nonces_nobody_follows_are_rebroadcast_or_cancelled_and_deliveries_go_through() {
    let net = Net::start(u128::MAX).await;
    let (validators, _dirs) =
        start_validators(&net.keys, || net.chains(), &net.placeholders()).await;
    let endpoints = live_endpoints(&net.placeholders(), &validators);
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = relayer_config(&net, dir.path(), endpoints);
    if let Some(relayer) = cfg.relayer.as_mut() {
        relayer.replace_after_ms = 1_000; // stuck after 2 s
    }
    let relayer = start_relayer(cfg).await;
    let store = relayer.store().clone();
    let relayer_key = signer(2);
    let relayer_address = relayer_key.address();
    let (meant, foreign_to, beneficiary) = (
        EvmAddress([0x71; 20]),
        EvmAddress([0x72; 20]),
        Address::from([0x73; 20]),
    );

    // B stops mining. The relayer's own transactions (in its journal) take nonces n and
    // n + 2, one sent with its key from elsewhere n + 1, and the relayer's delivery n + 3 (its
    // sender syncs from the pending count, bounded by the journal's highest nonce).
    net.anvil_b.rpc("evm_setAutomine", json!([false])).unwrap();
    let journaled = EvmSender::new(net.chain_b.clone(), relayer_key.clone())
        .with_journal(std::sync::Arc::new(Journal(store.clone())));
    let own = journaled
        .send(TxRequest::transfer(meant, U256::from(1u64)))
        .await
        .unwrap();
    let elsewhere = EvmSender::new(net.chain_b.clone(), relayer_key.clone());
    let foreign = elsewhere
        .send(TxRequest::transfer(foreign_to, U256::from(1u64)))
        .await
        .unwrap();
    assert_eq!(foreign.nonce(), own.nonce() + 1);
    journaled.nonces().resync().await;
    let own_later = journaled
        .send(TxRequest::transfer(meant, U256::from(1u64)))
        .await
        .unwrap();
    assert_eq!(own_later.nonce(), own.nonce() + 2);
    net.send(ETHER, beneficiary).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let all = messages(&store).await;
        if all.first().is_some_and(|m| m.tx_hash.is_some()) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never sent: {all:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let delivery = store
        .latest_sent(DOMAIN_B, &relayer_address.0, own.nonce() + 3)
        .await
        .unwrap()
        .expect("the delivery is in the send journal, behind all three");

    // Both leave the node's pool unmined; blocks go on being made, and nothing of the
    // relayer's can be mined behind the hole.
    for hash in [own.hash, foreign.hash] {
        net.anvil_b
            .rpc("anvil_dropTransaction", json!([hex32(hash)]))
            .unwrap();
    }
    net.anvil_b
        .rpc("evm_setIntervalMining", json!([1]))
        .unwrap();

    wait_for_state(&store, 0, MessageState::Delivered, Duration::from_secs(90)).await;
    assert_eq!(net.balance(beneficiary).await, U256::from(ETHER));
    assert_eq!(net.deliveries_on_b().await, 1);

    // The journal's transaction landed as it was meant; the unknown one never did: its
    // nonce went to a cancellation, nothing sent to the relayer itself.
    assert_eq!(
        net.chain_b
            .receipt(own.hash)
            .await
            .unwrap()
            .map(|r| r.success),
        Some(true),
        "the relayer's own stuck transaction was broadcast again, unchanged"
    );
    let balance = |a: EvmAddress| {
        let chain = net.chain_b.clone();
        async move {
            chain
                .native_balance(&UniversalAddress::from_evm(a.0))
                .await
                .unwrap()
        }
    };
    assert_eq!(balance(meant).await, U256::from(2u64));
    assert_eq!(balance(foreign_to).await, U256::ZERO);
    assert!(net.chain_b.receipt(foreign.hash).await.unwrap().is_none());
    let cancel = store
        .latest_sent(DOMAIN_B, &relayer_address.0, foreign.nonce())
        .await
        .unwrap()
        .expect("the cancellation is journaled");
    let (tx, _, from) = trestle_core::evm::transaction::decode_signed(&cancel.raw).unwrap();
    assert_eq!(from, relayer_address);
    let TypedTransaction::Eip1559(tx) = tx else {
        panic!("cancellation of another type: {tx:?}")
    };
    assert_eq!((tx.to, tx.value), (Some(relayer_address), U256::ZERO));
    assert!(
        net.chain_b
            .receipt(cancel.tx_hash)
            .await
            .unwrap()
            .is_some_and(|r| r.success),
        "the cancellation was mined"
    );
    assert!(delivery.nonce > cancel.nonce);

    let (_, metrics) = http_get(&format!("http://{}/metrics", relayer.api_addr())).await;
    for action in ["rebroadcast", "cancelled"] {
        let line =
            format!("trestle_stuck_transactions_total{{destination=\"b\",action=\"{action}\"}} ");
        assert!(
            metrics.lines().any(|l| l.starts_with(&line)),
            "no {line} in:\n{metrics}"
        );
    }

    relayer.shutdown().await;
    for v in validators {
        v.shutdown().await;
    }
}

/// The `cancelled` count of `trestle_stuck_transactions_total` on destination `b`.
async fn cancellations(relayer: &trestle_relayer::Daemon) -> u64 {
    let (_, metrics) = http_get(&format!("http://{}/metrics", relayer.api_addr())).await;
    metrics
        .lines()
        .find_map(|l| {
            l.strip_prefix(
                "trestle_stuck_transactions_total{destination=\"b\",action=\"cancelled\"} ",
            )
        })
        .map_or(0, |v| v.trim().parse().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_reporting_pending_transactions_that_are_not_there_gets_nothing_cancelled() {
    // Regression (review M1): the unsticker took the node's pending count as what was
    // outstanding, so a node that inflated it had the relayer cancel its next nonce every
    // twice replace_after_ms, for ever.
    let net = Net::start(u128::MAX).await;
    let liar =
        trestle_relayer_harness::forge::ForgingRpc::inflating_pending(net.anvil_b.url()).await;
    let (validators, _dirs) =
        start_validators(&net.keys, || net.chains(), &net.placeholders()).await;
    let endpoints = live_endpoints(&net.placeholders(), &validators);
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = relayer_config(&net, dir.path(), endpoints);
    if let Some(relayer) = cfg.relayer.as_mut() {
        relayer.replace_after_ms = 500; // stuck after 1 s
    }
    for chain in cfg.chains.iter_mut().filter(|c| c.name == "b") {
        chain.rpc_urls = vec![liar.url().to_owned()];
    }
    let relayer = start_relayer(cfg).await;
    let store = relayer.store().clone();
    net.anvil_b
        .rpc("evm_setIntervalMining", json!([1]))
        .unwrap();
    let beneficiary = Address::from([0x74; 20]);
    net.send(ETHER, beneficiary).await;
    wait_for_state(&store, 0, MessageState::Delivered, Duration::from_secs(90)).await;
    assert_eq!(net.deliveries_on_b().await, 1);
    assert!(liar.forged() > 0, "the lie was never told");
    // Regression (review H1 of the second review): the sender synced its nonce from the
    // inflated pending count, sent the delivery 5 nonces ahead, and the unsticker then
    // cancelled the gap one nonce at a time. The delivery is the relayer's first transaction,
    // and nothing was cancelled.
    let relayer_address = signer(2).address();
    assert_eq!(
        (
            cancellations(&relayer).await,
            net.chain_b.latest_nonce(relayer_address).await.unwrap()
        ),
        (0, 1),
        "(cancellations, relayer's mined nonce) after one delivery"
    );

    // Blocks go on being made, nothing of the relayer's is outstanding: for several times the
    // stuck threshold, nothing is cancelled and its nonce stays where it is.
    let before = (
        cancellations(&relayer).await,
        net.chain_b.latest_nonce(relayer_address).await.unwrap(),
    );
    tokio::time::sleep(Duration::from_secs(6)).await;
    let after = (
        cancellations(&relayer).await,
        net.chain_b.latest_nonce(relayer_address).await.unwrap(),
    );
    assert_eq!(
        before, after,
        "(cancellations, relayer's mined nonce) moved"
    );

    relayer.shutdown().await;
    for v in validators {
        v.shutdown().await;
    }
}
