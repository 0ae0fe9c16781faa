//! The Solana origin's indexer lists the program's transactions, not slots: a first start on a
//! cluster far ahead of slot 0 costs requests in proportion to the program's transactions, each
//! is read once, and a poll with nothing new lists nothing. A page a node answers differently
//! when it is fetched again is listed afresh, not skipped.

use std::sync::Arc;

use trestle_relayer::metrics::Metrics;
use trestle_relayer::origin::indexer::{OriginReader, Read};
use trestle_relayer::origin::solana::SolanaReader;
use trestle_relayer_harness::forge::ForgingRpc;
use trestle_solana::{SolanaClient, SolanaConfig};

use super::*;

const LIST: &str = "getSignaturesForAddress";

/// Sends `amount` of `mint` from `user` to the EVM domain in a transaction of its own.
async fn send_one(sol: &SolanaNet, user: &SolanaSigner, mint: SolanaAddress, amount: u64) {
    let token = token_id(DOMAIN_SOL, &UniversalAddress(mint.0));
    sol.land(
        user,
        vec![send_ix(
            &sol.program,
            &SendParams {
                sender: user.pubkey(),
                token_id: token,
                mint,
                sender_token: get_associated_token_address(
                    &user.pubkey(),
                    &mint,
                    &TOKEN_PROGRAM_ID,
                )
                .unwrap(),
                kind: TokenKind::Home,
                destination: DOMAIN_EVM,
                beneficiary: UniversalAddress::from_evm([9; 20]).0,
                amount,
            },
        )],
    )
    .await;
}

/// Reads and records until the cursor is at `tip` or beyond (as the indexer loop does);
/// returns how many reads it took.
async fn catch_up(reader: &mut SolanaReader, store: &Store, tip: u64) -> usize {
    for reads in 1..=10_000 {
        match reader.read(store).await.unwrap() {
            Read::Advanced {
                found,
                payments,
                cursor,
                ..
            } => {
                store
                    .record_read("sol", cursor.0, cursor.1, &found, &payments)
                    .await
                    .unwrap();
                reader.persisted(true);
                if cursor.0 >= tip {
                    return reads;
                }
            }
            Read::Idle { cursor, .. } if cursor >= tip => return reads,
            Read::Idle { .. } => tokio::time::sleep(Duration::from_millis(100)).await,
            Read::Reorg { .. } => panic!("a reorg on Solana"),
        }
    }
    panic!("not caught up with slot {tip} in 10,000 reads");
}

/// [`catch_up`] through failed reads (the indexer loop logs them and reads again); returns how
/// many reads failed.
async fn catch_up_through_errors(reader: &mut SolanaReader, store: &Store, tip: u64) -> usize {
    let mut failed = 0;
    for _ in 0..10_000 {
        match reader.read(store).await {
            Ok(Read::Advanced {
                found,
                payments,
                cursor,
                ..
            }) => {
                store
                    .record_read("sol", cursor.0, cursor.1, &found, &payments)
                    .await
                    .unwrap();
                reader.persisted(true);
                if cursor.0 >= tip {
                    return failed;
                }
            }
            Ok(Read::Idle { cursor, .. }) if cursor >= tip => return failed,
            Ok(Read::Idle { .. }) => tokio::time::sleep(Duration::from_millis(100)).await,
            Ok(Read::Reorg { .. }) => panic!("a reorg on Solana"),
            Err(e) => {
                failed += 1;
                assert!(failed < 10, "the reader does not recover: {e}");
            }
        }
    }
    panic!("not caught up with slot {tip} in 10,000 reads");
}

async fn nonces(store: &Store) -> Vec<u64> {
    let mut n: Vec<u64> = states(store).await.iter().map(|m| m.0).collect();
    n.sort();
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_solana_indexer_reads_the_programs_transactions_once_not_every_slot() {
    let sol = SolanaNet::start().await;
    let (user, mint) = a_user_with_a_route(&sol).await;
    for amount in 1..=5 {
        send_one(&sol, &user, mint, amount).await;
    }
    // The program's transactions so far, and a tip well ahead of them (a cluster's slots are
    // many more than a program's transactions).
    let count = || async {
        let tip = sol.client.slot(Commitment::Confirmed).await.unwrap();
        let txs = sol
            .client
            .program_transactions(&sol.program.id, 0, tip)
            .await
            .unwrap()
            .transactions;
        (
            tip,
            txs.len(),
            txs.iter().filter(|t| t.error.is_none()).count(),
        )
    };
    let (tip, program_txs, succeeded) = eventually(120, "the tip far ahead", || async {
        let (tip, all, ok) = count().await;
        (tip > 8 * all as u64).then_some((tip, all, ok))
    })
    .await;

    // A first start (no cursor, no start_block) through an endpoint that counts, reading one
    // slot per step where slots are the unit and two signatures per page.
    let rpc = ForgingRpc::counting(sol.node.rpc_url()).await;
    let mut chain = sol.chain_config("sol", SolanaCommitment::Confirmed);
    chain.rpc_urls = vec![rpc.url().to_owned()];
    chain.index_batch_blocks = 1;
    let mut config = SolanaConfig::with_rpc_urls("sol", [rpc.url().to_owned()])
        .with_events_commitment(Commitment::Confirmed);
    config.signature_page_size = 2;
    let client = Arc::new(SolanaClient::new(config));
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(
        &format!("sqlite://{}", dir.path().join("i.db").display()),
        2,
    )
    .await
    .unwrap();
    let mut reader = SolanaReader::new(client.clone(), &chain, Arc::new(Metrics::new()));
    let reads = catch_up(&mut reader, &store, tip).await;
    assert_eq!(
        nonces(&store).await,
        vec![0, 1, 2, 3, 4],
        "a message missed"
    );
    // Listing: a page per two transactions; reading: each page once more.
    let pages = program_txs.div_ceil(2) + 1;
    assert!(
        rpc.calls(LIST) <= 2 * pages + 2,
        "{} listings for {program_txs} program transactions ({reads} reads to slot {tip})",
        rpc.calls(LIST)
    );
    assert!(reads <= pages + 1, "{reads} reads");
    // Each successful transaction fetched once.
    assert_eq!(rpc.calls("getTransaction"), succeeded);

    // Polls with nothing new list nothing.
    let listed = rpc.results(LIST);
    for _ in 0..3 {
        let now = sol.client.slot(Commitment::Confirmed).await.unwrap();
        eventually(30, "the tip moved", || async {
            (sol.client.slot(Commitment::Confirmed).await.unwrap() > now).then_some(())
        })
        .await;
        catch_up(&mut reader, &store, now + 1).await;
    }
    assert_eq!(
        rpc.results(LIST),
        listed,
        "idle polls listed old transactions"
    );

    // A message sent now is read by the next poll, once.
    send_one(&sol, &user, mint, 6).await;
    let fetched = rpc.calls("getTransaction");
    let now = sol.client.slot(Commitment::Confirmed).await.unwrap();
    catch_up(&mut reader, &store, now).await;
    assert_eq!(nonces(&store).await, vec![0, 1, 2, 3, 4, 5]);
    assert_eq!(rpc.calls("getTransaction"), fetched + 1);

    // Three at once (likely in one slot, which two-signature pages then split): each once.
    tokio::join!(
        send_one(&sol, &user, mint, 7),
        send_one(&sol, &user, mint, 8),
        send_one(&sol, &user, mint, 9),
    );
    let now = sol.client.slot(Commitment::Confirmed).await.unwrap();
    catch_up(&mut reader, &store, now).await;
    assert_eq!(nonces(&store).await, (0..9).collect::<Vec<u64>>());
    assert_eq!(rpc.calls("getTransaction"), fetched + 4);

    // Started again from the persisted cursor (a new process): only what is new is read.
    let mut again = SolanaReader::new(client, &chain, Arc::new(Metrics::new()));
    send_one(&sol, &user, mint, 10).await;
    let now = sol.client.slot(Commitment::Confirmed).await.unwrap();
    catch_up(&mut again, &store, now).await;
    assert_eq!(nonces(&store).await, (0..10).collect::<Vec<u64>>());
    assert_eq!(rpc.calls("getTransaction"), fetched + 5);
}

/// A funded user holding 1,000 of a new mint whose route to the EVM domain is open.
async fn a_user_with_a_route(sol: &SolanaNet) -> (SolanaSigner, SolanaAddress) {
    let (_, validator_addrs) = validator_keys();
    let user = SolanaSigner::generate().unwrap();
    sol.fund(&user.pubkey()).await;
    let mint = sol.create_mint(&sol.payer.pubkey(), 6).await;
    sol.client
        .mint_to(&sol.payer, &mint, &sol.payer, &user.pubkey(), 1_000)
        .await
        .unwrap();
    sol.govern(&[
        set_remote(DOMAIN_EVM, EvmAddress([0x11; 20]), &validator_addrs, 2),
        trestle_relayer_harness::solana::register_token(
            (DOMAIN_SOL, mint.0),
            (mint, 0),
            (u64::MAX / 4, 3_600),
        ),
        trestle_relayer_harness::solana::route_to((DOMAIN_SOL, mint.0), (DOMAIN_EVM, 0)),
    ])
    .await;
    (user, mint)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_answered_empty_when_fetched_again_is_listed_afresh_not_skipped() {
    let sol = SolanaNet::start().await;
    let (user, mint) = a_user_with_a_route(&sol).await;
    // Read from after the governance: with two signatures a page, the listing is the newest
    // page (sends 5 and 4), then 3 and 2, then 1 (with what precedes it at or below the
    // cursor), and the oldest page, fetched again first, holds the first message.
    let start = sol.client.slot(Commitment::Confirmed).await.unwrap();
    for amount in 1..=5 {
        send_one(&sol, &user, mint, amount).await;
    }
    let tip = sol.client.slot(Commitment::Confirmed).await.unwrap();

    // An endpoint that answers the first page fetched again with nothing, as a node that lacks
    // its `before` signature does (a failover to one with a shorter ledger history).
    let rpc = ForgingRpc::empty_page_again(sol.node.rpc_url()).await;
    let mut chain = sol.chain_config("sol", SolanaCommitment::Confirmed);
    chain.rpc_urls = vec![rpc.url().to_owned()];
    chain.start_block = Some(start);
    let mut config = SolanaConfig::with_rpc_urls("sol", [rpc.url().to_owned()])
        .with_events_commitment(Commitment::Confirmed);
    config.signature_page_size = 2;
    let client = Arc::new(SolanaClient::new(config));
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(
        &format!("sqlite://{}", dir.path().join("i.db").display()),
        2,
    )
    .await
    .unwrap();
    let mut reader = SolanaReader::new(client, &chain, Arc::new(Metrics::new()));
    let failed = catch_up_through_errors(&mut reader, &store, tip).await;
    assert_eq!(rpc.forged(), 1, "no page was answered empty");
    assert_eq!(
        nonces(&store).await,
        vec![0, 1, 2, 3, 4],
        "a message skipped"
    );
    // The read that got the empty page failed; the next listed afresh.
    assert_eq!(failed, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_whose_ledger_begins_after_the_cursor_cannot_move_it_past_messages() {
    let sol = SolanaNet::start().await;
    let (user, mint) = a_user_with_a_route(&sol).await;
    let start = sol.client.slot(Commitment::Confirmed).await.unwrap();
    for amount in 1..=2 {
        send_one(&sol, &user, mint, amount).await;
    }
    let between = sol.client.slot(Commitment::Confirmed).await.unwrap();
    for amount in 3..=5 {
        send_one(&sol, &user, mint, amount).await;
    }
    let tip = sol.client.slot(Commitment::Confirmed).await.unwrap();

    let open = |url: String| {
        let mut chain = sol.chain_config("sol", SolanaCommitment::Confirmed);
        chain.rpc_urls = vec![url.clone()];
        chain.start_block = Some(start);
        let config =
            SolanaConfig::with_rpc_urls("sol", [url]).with_events_commitment(Commitment::Confirmed);
        SolanaReader::new(
            Arc::new(SolanaClient::new(config)),
            &chain,
            Arc::new(Metrics::new()),
        )
    };
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(
        &format!("sqlite://{}", dir.path().join("i.db").display()),
        2,
    )
    .await
    .unwrap();

    // An endpoint whose ledger begins after the first two messages lists only the last three:
    // the read fails, naming the slots, and records nothing (the cursor stays).
    let short = ForgingRpc::short_history(sol.node.rpc_url(), between + 1).await;
    let mut reader = open(short.url().to_owned());
    for _ in 0..3 {
        let e = reader
            .read(&store)
            .await
            .expect_err("the short listing was believed");
        assert!(e.to_string().contains("ledger begins at slot"), "{e}");
    }
    assert!(short.forged() > 0, "the lie was never told");
    assert!(nonces(&store).await.is_empty());

    // An endpoint with the whole history then reads every message.
    let mut reader = open(sol.node.rpc_url().to_owned());
    catch_up(&mut reader, &store, tip).await;
    assert_eq!(nonces(&store).await, vec![0, 1, 2, 3, 4]);
}
