//! Airdrops, chain reads, SOL transfers and SPL tokens.

use std::time::Duration;

use trestle_core::Error;
use trestle_core::chain::{
    Chain, FeeSuggestion, FinalityRule, Submitter, TxContext, TxStatus, U256, UniversalAddress,
};
use trestle_core::solana::address::{TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID};
use trestle_core::solana::instruction::{get_associated_token_address, system_transfer};
use trestle_core::solana::{Message, SolanaSigner, Transaction};
use trestle_solana::{Commitment, TransactionRequest};

use crate::common::{SOL, funded, start};

#[tokio::test]
async fn solana_airdrop_and_chain_reads() {
    let (_validator, client) = start();
    let info = client.info();
    assert_eq!(info.finality, FinalityRule::Finalized);
    assert_eq!(info.native_decimals, 9);

    let who = SolanaSigner::generate().unwrap();
    let account = UniversalAddress(who.pubkey().0);
    assert_eq!(client.native_balance(&account).await.unwrap(), U256::ZERO);
    let id = client.airdrop(&who.pubkey(), 3 * SOL).await.unwrap();
    assert_eq!(
        client.native_balance(&account).await.unwrap(),
        U256::from(3 * SOL)
    );
    assert!(matches!(
        client.status(&id).await.unwrap(),
        TxStatus::Included { .. } | TxStatus::Finalized { .. }
    ));

    let latest = client.latest_height().await.unwrap();
    let finalized = client.finalized_height().await.unwrap();
    assert!(latest > 0 && finalized <= latest, "{finalized} <= {latest}");

    let TxContext::Solana {
        blockhash,
        last_valid_block_height,
    } = client.tx_context(&account).await.unwrap()
    else {
        panic!("not a Solana context")
    };
    assert_ne!(blockhash, [0; 32]);
    let height = client.block_height(Commitment::Confirmed).await.unwrap();
    assert!(
        last_valid_block_height > height,
        "{last_valid_block_height} > {height}"
    );

    let FeeSuggestion::Solana {
        lamports_per_signature,
        compute_unit_price_micro_lamports,
    } = client.suggest_fees().await.unwrap()
    else {
        panic!("not a Solana fee suggestion")
    };
    assert_eq!(lamports_per_signature, 5_000);
    assert!(
        compute_unit_price_micro_lamports
            <= client.config().landing.max_priority_fee_micro_lamports
    );
}

#[tokio::test]
async fn solana_sol_transfer_lands_with_a_simulated_compute_budget() {
    let (_validator, client) = start();
    let payer = funded(&client, 2).await;
    let to = SolanaSigner::generate().unwrap().pubkey();
    let before = client.balance(&payer.pubkey()).await.unwrap();

    let landed = client.transfer_sol(&payer, &to, 1_234_567).await.unwrap();
    assert_eq!(client.balance(&to).await.unwrap(), 1_234_567);
    assert!(landed.commitment >= Commitment::Confirmed);
    assert_eq!(landed.rebuilds, 0);
    assert!(landed.sends >= 1);
    // A transfer costs ~150 CU (+ compute-budget instructions); the limit is simulation
    // plus the margin, far below the 200k default.
    let limit = landed.compute_unit_limit.unwrap();
    assert!((150..10_000).contains(&limit), "limit {limit}");
    let fee = before - 1_234_567 - client.balance(&payer.pubkey()).await.unwrap();
    assert!(fee >= 5_000, "fee {fee}");
    assert!(matches!(
        client.status(&landed.id).await.unwrap(),
        TxStatus::Included { height } | TxStatus::Finalized { height } if height == landed.slot
    ));
}

#[tokio::test]
async fn solana_submit_raw_and_wait() {
    let (_validator, client) = start();
    let payer = funded(&client, 1).await;
    let to = SolanaSigner::generate().unwrap().pubkey();
    let blockhash = client.latest_blockhash().await.unwrap();
    let message = Message::try_compile(
        &[system_transfer(&payer.pubkey(), &to, 1_000_000)],
        Some(&payer.pubkey()),
        blockhash.hash,
    )
    .unwrap();
    let mut tx = Transaction::new_unsigned(message);
    tx.sign(&[&payer]).unwrap();
    let id = client.submit_raw(&tx.serialize().unwrap()).await.unwrap();
    let status = client
        .wait(&id, false, Duration::from_secs(30))
        .await
        .unwrap();
    assert!(matches!(
        status,
        TxStatus::Included { .. } | TxStatus::Finalized { .. }
    ));
    assert_eq!(client.balance(&to).await.unwrap(), 1_000_000);

    // Bytes that are not a transaction are refused before anything is sent.
    assert!(matches!(
        client.submit_raw(&[1, 2, 3]).await,
        Err(Error::InvalidSolanaMessage(_))
    ));
    // A transfer of more than the payer has is rejected in preflight, with the logs.
    let message = Message::try_compile(
        &[system_transfer(&payer.pubkey(), &to, 100 * SOL)],
        Some(&payer.pubkey()),
        blockhash.hash,
    )
    .unwrap();
    let mut tx = Transaction::new_unsigned(message);
    tx.sign(&[&payer]).unwrap();
    match client.submit_raw(&tx.serialize().unwrap()).await {
        Err(Error::TransactionRejected {
            reason, retryable, ..
        }) => {
            assert!(!retryable);
            assert!(reason.contains("program logs"), "{reason}");
            assert!(reason.contains("insufficient lamports"), "{reason}");
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[tokio::test]
async fn solana_spl_mint_and_transfer_create_token_accounts() {
    let (_validator, client) = start();
    let payer = funded(&client, 2).await;
    let alice = SolanaSigner::generate().unwrap();
    let bob = SolanaSigner::generate().unwrap().pubkey();

    for token_program in [TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID] {
        let mint = SolanaSigner::generate().unwrap();
        client
            .create_mint(&payer, &mint, &payer.pubkey(), 6, &token_program)
            .await
            .unwrap();
        assert_eq!(
            client.mint_info(&mint.pubkey()).await.unwrap(),
            (token_program, 6)
        );
        // The payer has no token account yet: mint_to creates it.
        let payer_ata =
            get_associated_token_address(&payer.pubkey(), &mint.pubkey(), &token_program).unwrap();
        assert!(client.account(&payer_ata).await.unwrap().is_none());
        client
            .mint_to(&payer, &mint.pubkey(), &payer, &payer.pubkey(), 1_000_000)
            .await
            .unwrap();
        assert_eq!(
            client
                .token_balance_of(&mint.pubkey(), &payer.pubkey())
                .await
                .unwrap(),
            1_000_000
        );

        // Alice has no token account: the transfer creates it.
        client
            .transfer_tokens(&payer, &mint.pubkey(), &alice.pubkey(), 400_000)
            .await
            .unwrap();
        // Now it exists: a second transfer goes without creation.
        client
            .transfer_tokens(&payer, &mint.pubkey(), &alice.pubkey(), 100_000)
            .await
            .unwrap();
        let token = UniversalAddress(mint.pubkey().0);
        assert_eq!(
            client
                .token_balance(&token, &UniversalAddress(alice.pubkey().0))
                .await
                .unwrap(),
            U256::from(500_000u64)
        );
        assert_eq!(
            client
                .token_balance(&token, &UniversalAddress(payer.pubkey().0))
                .await
                .unwrap(),
            U256::from(500_000u64)
        );
        // Bob never held any: zero, not an error.
        assert_eq!(
            client
                .token_balance(&token, &UniversalAddress(bob.0))
                .await
                .unwrap(),
            U256::ZERO
        );

        // More than the balance: simulation fails, the error carries the token program's logs.
        match client
            .transfer_tokens(&payer, &mint.pubkey(), &bob, 10_000_000)
            .await
        {
            Err(Error::TransactionRejected { reason, .. }) => {
                assert!(reason.contains("insufficient funds"), "{reason}");
                assert!(reason.contains(&token_program.to_string()), "{reason}");
            }
            other => panic!("expected a rejection, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn solana_failed_transaction_reports_its_logs() {
    let (_validator, client) = start();
    let payer = funded(&client, 2).await;
    let mint = SolanaSigner::generate().unwrap();
    client
        .create_mint(&payer, &mint, &payer.pubkey(), 0, &TOKEN_PROGRAM_ID)
        .await
        .unwrap();
    client
        .mint_to(&payer, &mint.pubkey(), &payer, &payer.pubkey(), 10)
        .await
        .unwrap();
    // With the compute budget given, landing does not simulate: the transaction lands and
    // fails on chain, and the error carries the on-chain logs.
    let source =
        get_associated_token_address(&payer.pubkey(), &mint.pubkey(), &TOKEN_PROGRAM_ID).unwrap();
    let ix = trestle_core::solana::instruction::transfer_checked(
        &TOKEN_PROGRAM_ID,
        &source,
        &mint.pubkey(),
        &source,
        &payer.pubkey(),
        11,
        0,
    )
    .unwrap();
    match client
        .land(TransactionRequest::new(&payer, vec![ix]).compute_unit_limit(50_000))
        .await
    {
        Err(Error::TransactionFailed { tx, reason }) => {
            assert!(!tx.is_empty());
            assert!(reason.contains("insufficient funds"), "{reason}");
            assert!(reason.contains("program logs"), "{reason}");
        }
        other => panic!("expected an on-chain failure, got {other:?}"),
    }
}
