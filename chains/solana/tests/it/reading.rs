//! Reading a program's transactions back: instructions (top-level and inner), logs, events.

use trestle_core::chain::{EventSource, UniversalAddress};
use trestle_core::solana::SolanaSigner;
use trestle_core::solana::address::{MEMO_PROGRAM_ID, TOKEN_PROGRAM_ID};
use trestle_core::solana::instruction::memo;
use trestle_solana::{Commitment, SolanaClient, TransactionRequest};

use crate::common::{funded, start};

#[tokio::test]
async fn solana_reads_memo_transactions_in_a_slot_range() {
    let (_validator, client) = start();
    let payer = funded(&client, 1).await;
    let from = client.slot(Commitment::Confirmed).await.unwrap();
    let mut landed = Vec::new();
    for n in 1..=3 {
        let text = format!("trestle-{n}");
        landed.push(
            client
                .land(TransactionRequest::new(
                    &payer,
                    vec![memo(&text, &[payer.pubkey()])],
                ))
                .await
                .unwrap(),
        );
    }
    let to = client.slot(Commitment::Confirmed).await.unwrap();

    let read = client
        .program_transactions(&MEMO_PROGRAM_ID, from, to)
        .await
        .unwrap();
    assert!(read.unparseable.is_empty());
    let txs = read.transactions;
    assert_eq!(txs.len(), 3);
    for (n, (tx, landed)) in txs.iter().zip(&landed).enumerate() {
        let text = format!("trestle-{}", n + 1);
        assert_eq!(tx.id, landed.id);
        assert_eq!(tx.slot, landed.slot);
        assert_eq!(tx.error, None);
        assert_eq!(tx.instructions.len(), 1);
        let ix = &tx.instructions[0];
        assert_eq!(ix.program_id, MEMO_PROGRAM_ID);
        assert_eq!(ix.data, text.as_bytes());
        assert_eq!(ix.accounts, [payer.pubkey()]);
        assert_eq!(ix.inner_index, None);
        // After the compute-budget instructions landing adds (the price only when non-zero).
        let budget = if landed.compute_unit_price > 0 { 2 } else { 1 };
        assert_eq!(ix.top_level_index, budget);
        let expected = format!("Program log: Memo (len {}): \"{text}\"", text.len());
        assert!(tx.logs.contains(&expected), "{:?}", tx.logs);
        assert!(tx.events.is_empty());
    }

    // The same range read two signatures per page: paging with `before` finds all three.
    let mut config = client.config().clone();
    config.signature_page_size = 2;
    let paged = SolanaClient::new(config)
        .program_transactions(&MEMO_PROGRAM_ID, from, to)
        .await
        .unwrap();
    assert_eq!(paged.transactions, txs);

    // A range holding only the second transaction's slot.
    let middle = client
        .program_transactions(&MEMO_PROGRAM_ID, landed[1].slot, landed[1].slot)
        .await
        .unwrap()
        .transactions;
    assert_eq!(middle.len(), 1);
    assert_eq!(middle[0].id, landed[1].id);
    // A range before any of them.
    assert!(
        client
            .program_transactions(&MEMO_PROGRAM_ID, 0, from.saturating_sub(1))
            .await
            .unwrap()
            .transactions
            .is_empty()
    );

    // The Memo program logs no `Program data:`: no events, and no error.
    let emitter = UniversalAddress(MEMO_PROGRAM_ID.0);
    assert!(client.events(&emitter, from, to).await.unwrap().is_empty());
    let hash = client.block_hash(landed[0].slot).await.unwrap();
    assert_ne!(hash, [0; 32]);
    assert_eq!(client.block_hash(landed[0].slot).await.unwrap(), hash);
}

#[tokio::test]
async fn solana_reads_inner_token_instructions() {
    let (_validator, client) = start();
    let payer = funded(&client, 2).await;
    let from = client.slot(Commitment::Confirmed).await.unwrap();
    let mint = SolanaSigner::generate().unwrap();
    let created = client
        .create_mint(&payer, &mint, &payer.pubkey(), 2, &TOKEN_PROGRAM_ID)
        .await
        .unwrap();
    // Creates the payer's associated token account (the ATA program calls the token program)
    // and then mints.
    let minted = client
        .mint_to(&payer, &mint.pubkey(), &payer, &payer.pubkey(), 4_200)
        .await
        .unwrap();
    let to = client.slot(Commitment::Confirmed).await.unwrap();

    let txs = client
        .program_transactions(&TOKEN_PROGRAM_ID, from, to)
        .await
        .unwrap()
        .transactions;
    let ids: Vec<_> = txs.iter().map(|tx| tx.id.clone()).collect();
    assert_eq!(ids, [created.id.clone(), minted.id.clone()]);

    // InitializeMint2, top level.
    let init = &txs[0].instructions;
    assert_eq!(init.len(), 1);
    assert_eq!(init[0].data[0], 20);
    assert_eq!(init[0].accounts, [mint.pubkey()]);

    // The ATA program's calls into the token program are inner instructions (depth 2), then
    // MintToChecked at top level.
    let ixs = &txs[1].instructions;
    let inner: Vec<_> = ixs.iter().filter(|ix| ix.inner_index.is_some()).collect();
    assert!(!inner.is_empty(), "{ixs:?}");
    assert!(
        inner.iter().all(|ix| ix.stack_height == Some(2)),
        "{inner:?}"
    );
    // InitializeAccount3 (18) names the new account and the mint.
    assert!(
        inner
            .iter()
            .any(|ix| ix.data.first() == Some(&18) && ix.accounts.contains(&mint.pubkey())),
        "{inner:?}"
    );
    let top = ixs.last().unwrap();
    assert_eq!(top.inner_index, None);
    assert_eq!(top.data[0], 14);
    assert_eq!(
        u64::from_le_bytes(top.data[1..9].try_into().unwrap()),
        4_200
    );
    assert!(
        inner
            .iter()
            .all(|ix| ix.top_level_index < top.top_level_index)
    );
}
