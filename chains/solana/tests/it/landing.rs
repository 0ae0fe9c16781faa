//! Landing: expired blockhashes are rebuilt; finality is `finalized`.

use std::time::Duration;

use trestle_core::chain::{Submitter, TxStatus};
use trestle_core::solana::SolanaSigner;
use trestle_core::solana::instruction::system_transfer;
use trestle_solana::{Blockhash, Commitment, TransactionRequest};

use crate::common::{funded, start};

#[tokio::test]
async fn solana_expired_blockhash_is_rebuilt_and_lands() {
    let (_validator, client) = start();
    let payer = funded(&client, 1).await;
    let to = SolanaSigner::generate().unwrap().pubkey();
    let height = client.block_height(Commitment::Confirmed).await.unwrap();
    // A blockhash the cluster does not know, whose validity ended at the previous block
    // height: what a transaction prepared too long ago looks like. The first build is signed
    // and sent with it, the node drops it, and landing must rebuild on a fresh blockhash.
    let stale = Blockhash {
        hash: [0x5a; 32],
        last_valid_block_height: height.saturating_sub(1),
    };
    let landed = client
        .land(
            TransactionRequest::new(
                &payer,
                vec![system_transfer(&payer.pubkey(), &to, 2_000_000)],
            )
            .blockhash(stale),
        )
        .await
        .unwrap();
    assert_eq!(landed.rebuilds, 1);
    assert_eq!(landed.expired.len(), 1);
    assert_ne!(landed.expired[0], landed.id);
    assert!(landed.sends >= 2, "sends {}", landed.sends);
    assert_eq!(client.balance(&to).await.unwrap(), 2_000_000);
    // The expired build never landed; the rebuilt one did.
    assert_eq!(
        client.status(&landed.expired[0]).await.unwrap(),
        TxStatus::Pending
    );
    assert!(matches!(
        client.status(&landed.id).await.unwrap(),
        TxStatus::Included { .. } | TxStatus::Finalized { .. }
    ));
}

#[tokio::test]
async fn solana_wait_until_finalized() {
    let (_validator, client) = start();
    let payer = funded(&client, 1).await;
    let to = SolanaSigner::generate().unwrap().pubkey();
    let landed = client.transfer_sol(&payer, &to, 5_000_000).await.unwrap();
    let status = client
        .wait(&landed.id, true, Duration::from_secs(90))
        .await
        .unwrap();
    assert_eq!(
        status,
        TxStatus::Finalized {
            height: landed.slot
        }
    );
    use trestle_core::chain::Chain;
    assert!(client.finalized_height().await.unwrap() >= landed.slot);
}
