//! The store's test suite, run against SQLite and against a real PostgreSQL server started
//! for each test (see `support::postgres`).

use std::collections::HashSet;
use std::time::Duration;

use trestle_bridge::Message;
use trestle_core::chain::UniversalAddress;
use trestle_relayer::Error;
use trestle_relayer::store::{
    AttestOutcome, AttestationRecord, ListFilter, MessageState, NewMessage, NewPayment, NonceGap,
    SignatureRecord, Store, now_ms,
};

use crate::support::postgres::Postgres;

/// The origin bridge the validator attests messages of.
const ORIGIN_BRIDGE: [u8; 32] = [0xb1; 32];

/// Keeps the backing database alive for the test.
#[allow(dead_code, reason = "held for its Drop")]
pub enum Guard {
    Sqlite(tempfile::TempDir),
    Postgres(Postgres),
}

pub async fn sqlite_store() -> (Guard, Store, String) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("store.db").display());
    let store = Store::connect(&url, 4).await.unwrap();
    assert_eq!(store.backend(), "sqlite");
    (Guard::Sqlite(dir), store, url)
}

pub async fn postgres_store() -> (Guard, Store, String) {
    let pg = Postgres::start();
    let url = pg.url();
    let store = Store::connect(&url, 4).await.unwrap();
    assert_eq!(store.backend(), "postgres");
    (Guard::Postgres(pg), store, url)
}

/// Runs each `case(store)` on SQLite and on PostgreSQL (one test per backend), for the suites
/// that need only the store.
macro_rules! backend_suite {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let (_guard, store, _url) = crate::store::sqlite_store().await;
                    super::$case(store).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let (_guard, store, _url) = crate::store::postgres_store().await;
                    super::$case(store).await;
                }
            )*
        }
    };
}
pub(crate) use backend_suite;

macro_rules! store_suite {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let (_guard, store, url) = super::sqlite_store().await;
                    super::$case(store, url).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let (_guard, store, url) = super::postgres_store().await;
                    super::$case(store, url).await;
                }
            )*
        }
    };
}

store_suite!(
    migrations_apply_once_and_reopen,
    indexing_is_idempotent_and_moves_the_cursor,
    list_filters_by_state_sender_and_domain,
    claims_are_exclusive_and_expire,
    concurrent_claims_never_share_a_message,
    transitions_failures_and_the_retry_cap,
    operator_retry_and_skip,
    operator_retry_all_by_state_and_destination,
    claims_take_the_longest_due_first_whatever_the_origin,
    retention_prunes_a_settled_prefix_of_each_origin,
    retention_keeps_open_gaps_and_passes_orphaned_messages,
    reorg_rollback_orphans_unsubmitted_messages,
    attestations_refuse_equivocation,
    signatures_are_kept_once_in_signer_order,
    unattested_lists_what_the_signer_has_not_signed,
    submissions_keep_every_version_of_a_transaction,
    the_send_journal_knows_the_latest_transaction_of_each_nonce,
    nonce_gaps_name_the_missing_nonces_and_their_heights,
    release_all_claims_frees_a_dead_runs_claims,
    a_claim_is_not_a_change,
    payments_count_once_on_their_own_route_and_wake_what_they_pay_for,
);

fn message(nonce: u64, origin: u32, destination: u32, sender: u8) -> Message {
    Message::new(
        nonce,
        origin,
        UniversalAddress([sender; 32]),
        destination,
        UniversalAddress([0xbb; 32]),
        vec![0, 1, 2, u8::try_from(nonce % 256).unwrap()],
    )
    .unwrap()
}

fn found(message: Message, height: u64) -> NewMessage {
    NewMessage {
        message,
        origin_height: height,
        origin_block_hash: [u8::try_from(height % 256).unwrap(); 32],
        origin_tx: vec![0x77; 32],
    }
}

async fn seed(store: &Store, count: u64) -> Vec<[u8; 32]> {
    let msgs: Vec<NewMessage> = (0..count)
        .map(|n| found(message(n, 1, 2, 0x5e), 10 + n))
        .collect();
    let ids = msgs.iter().map(|m| m.message.id()).collect();
    store
        .record_indexed("a", 10 + count, [9; 32], &msgs)
        .await
        .unwrap();
    ids
}

async fn migrations_apply_once_and_reopen(store: Store, url: String) {
    seed(&store, 2).await;
    store.ping().await.unwrap();
    store.close().await;
    // Reopening runs the migrator again: nothing to apply, the data is still there.
    let again = Store::connect(&url, 2).await.unwrap();
    assert_eq!(again.list(&ListFilter::default()).await.unwrap().len(), 2);
    assert_eq!(again.cursor("a").await.unwrap(), Some((12, [9; 32])));
}

async fn indexing_is_idempotent_and_moves_the_cursor(store: Store, _url: String) {
    assert_eq!(store.cursor("a").await.unwrap(), None);
    let m = found(message(0, 1, 2, 0x5e), 7);
    let n = store
        .record_indexed("a", 7, [7; 32], std::slice::from_ref(&m))
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(store.cursor("a").await.unwrap(), Some((7, [7; 32])));
    // The same message again (a re-read after a restart): not new, cursor moves on.
    let n = store
        .record_indexed("a", 9, [8; 32], std::slice::from_ref(&m))
        .await
        .unwrap();
    assert_eq!(n, 0);
    assert_eq!(store.cursor("a").await.unwrap(), Some((9, [8; 32])));
    // A batch without messages moves the cursor too.
    store.record_indexed("a", 11, [1; 32], &[]).await.unwrap();
    assert_eq!(store.cursor("a").await.unwrap(), Some((11, [1; 32])));
    assert_eq!(store.cursor("b").await.unwrap(), None);

    let r = store.message(&m.message.id()).await.unwrap().unwrap();
    assert_eq!(r.state, MessageState::Pending);
    assert_eq!(r.message().unwrap(), m.message);
    assert_eq!(r.encoded, m.message.encode());
    assert_eq!((r.origin, r.nonce, r.destination), (1, 0, 2));
    assert_eq!(r.origin_height, 7);
    assert_eq!(r.origin_block_hash, [7; 32]);
    assert_eq!(r.origin_tx, vec![0x77; 32]);
    assert_eq!(r.attempts, 0);
    assert!(store.message(&[0; 32]).await.unwrap().is_none());
}

async fn list_filters_by_state_sender_and_domain(store: Store, _url: String) {
    let msgs = vec![
        found(message(0, 1, 2, 0x01), 1),
        found(message(1, 1, 2, 0x02), 1),
        found(message(2, 1, 3, 0x01), 2),
        found(message(0, 4, 2, 0x01), 2),
    ];
    store.record_indexed("a", 2, [2; 32], &msgs).await.unwrap();
    let first = msgs[0].message.id();
    assert!(
        store
            .transition(
                &first,
                MessageState::Pending,
                MessageState::Ready,
                None,
                None
            )
            .await
            .unwrap()
    );
    let list = |f: ListFilter| {
        let store = store.clone();
        async move { store.list(&f).await.unwrap() }
    };
    assert_eq!(list(ListFilter::default()).await.len(), 4);
    let by_sender = list(ListFilter {
        sender: Some([0x01; 32]),
        ..Default::default()
    })
    .await;
    assert_eq!(by_sender.len(), 3);
    let ready = list(ListFilter {
        state: Some(MessageState::Ready),
        ..Default::default()
    })
    .await;
    assert_eq!(ready.len(), 1);
    assert_eq!(ready[0].id, first);
    let to_2_from_1 = list(ListFilter {
        origin: Some(1),
        destination: Some(2),
        ..Default::default()
    })
    .await;
    assert_eq!(to_2_from_1.len(), 2);
    let limited = list(ListFilter {
        limit: Some(1),
        ..Default::default()
    })
    .await;
    assert_eq!(limited.len(), 1);
    let combined = list(ListFilter {
        state: Some(MessageState::Pending),
        sender: Some([0x01; 32]),
        origin: Some(1),
        destination: Some(3),
        limit: Some(10),
    })
    .await;
    assert_eq!(combined.len(), 1);
    assert_eq!(combined[0].nonce, 2);

    let counts = store.counts().await.unwrap();
    let count = |d: u32, s: MessageState| {
        counts
            .iter()
            .find(|c| c.destination == d && c.state == s)
            .map_or(0, |c| c.count)
    };
    assert_eq!(count(2, MessageState::Pending), 2);
    assert_eq!(count(2, MessageState::Ready), 1);
    assert_eq!(count(3, MessageState::Pending), 1);
}

async fn claims_are_exclusive_and_expire(store: Store, _url: String) {
    let ids = seed(&store, 5).await;
    let lease = Duration::from_secs(60);
    let a = store
        .claim(2, MessageState::Pending, "a", lease, 3)
        .await
        .unwrap();
    assert_eq!(a.len(), 3);
    // Lowest nonces first.
    assert_eq!(a.iter().map(|r| r.nonce).collect::<Vec<_>>(), vec![0, 1, 2]);
    assert!(a.iter().all(|r| r.claimed_by.as_deref() == Some("a")));
    let b = store
        .claim(2, MessageState::Pending, "b", lease, 10)
        .await
        .unwrap();
    assert_eq!(b.iter().map(|r| r.nonce).collect::<Vec<_>>(), vec![3, 4]);
    assert!(
        store
            .claim(2, MessageState::Pending, "c", lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // Other destinations and states are not touched.
    assert!(
        store
            .claim(3, MessageState::Pending, "c", lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .claim(2, MessageState::Ready, "c", lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // A transition by a worker that does not hold the claim does nothing.
    assert!(
        !store
            .transition(
                &ids[0],
                MessageState::Pending,
                MessageState::Ready,
                Some("b"),
                None
            )
            .await
            .unwrap()
    );
    assert!(
        store
            .transition(
                &ids[0],
                MessageState::Pending,
                MessageState::Ready,
                Some("a"),
                None
            )
            .await
            .unwrap()
    );
    // Released claims can be taken again; expired ones too.
    store.release(&ids[1], "a").await.unwrap();
    let c = store
        .claim(2, MessageState::Pending, "c", Duration::ZERO, 10)
        .await
        .unwrap();
    assert_eq!(c.iter().map(|r| r.nonce).collect::<Vec<_>>(), vec![1]);
    tokio::time::sleep(Duration::from_millis(5)).await;
    let d = store
        .claim(2, MessageState::Pending, "d", lease, 10)
        .await
        .unwrap();
    assert_eq!(d.iter().map(|r| r.nonce).collect::<Vec<_>>(), vec![1]);
}

async fn concurrent_claims_never_share_a_message(store: Store, _url: String) {
    seed(&store, 40).await;
    let mut tasks = Vec::new();
    for worker in 0..6 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let got = store
                    .claim(
                        2,
                        MessageState::Pending,
                        &format!("w{worker}"),
                        Duration::from_secs(60),
                        3,
                    )
                    .await
                    .unwrap();
                if got.is_empty() {
                    return mine;
                }
                mine.extend(got.into_iter().map(|r| r.id));
            }
        }));
    }
    let mut seen = HashSet::new();
    let mut total = 0;
    for t in tasks {
        for id in t.await.unwrap() {
            total += 1;
            assert!(seen.insert(id), "a message was claimed twice");
        }
    }
    assert_eq!(total, 40);
}

async fn transitions_failures_and_the_retry_cap(store: Store, _url: String) {
    let ids = seed(&store, 2).await;
    let id = ids[0];
    assert!(
        store
            .transition(&id, MessageState::Pending, MessageState::Ready, None, None)
            .await
            .unwrap()
    );
    // From the wrong state: no change.
    assert!(
        !store
            .transition(&id, MessageState::Pending, MessageState::Ready, None, None)
            .await
            .unwrap()
    );
    // Failures count and push the next attempt out; the cap parks the message.
    let state = store
        .record_failure(
            &id,
            MessageState::Ready,
            "rpc down",
            Duration::from_secs(60),
            3,
        )
        .await
        .unwrap();
    assert_eq!(state, Some(MessageState::Ready));
    let r = store.message(&id).await.unwrap().unwrap();
    assert_eq!(r.attempts, 1);
    assert_eq!(r.last_error.as_deref(), Some("rpc down"));
    assert!(r.next_attempt_at > trestle_relayer::store::now_ms() + 50_000);
    // Not due: not claimable.
    assert!(
        store
            .claim(2, MessageState::Ready, "w", Duration::from_secs(5), 10)
            .await
            .unwrap()
            .is_empty()
    );
    store
        .record_failure(&id, MessageState::Ready, "again", Duration::ZERO, 3)
        .await
        .unwrap();
    let state = store
        .record_failure(&id, MessageState::Ready, "third", Duration::ZERO, 3)
        .await
        .unwrap();
    assert_eq!(state, Some(MessageState::Failed));
    let r = store.message(&id).await.unwrap().unwrap();
    assert_eq!((r.state, r.attempts), (MessageState::Failed, 3));
    // A failure recorded against the wrong state changes nothing.
    assert_eq!(
        store
            .record_failure(&id, MessageState::Ready, "late", Duration::ZERO, 3)
            .await
            .unwrap(),
        None
    );
    // The other message is not blocked by this one.
    let other = store
        .claim(2, MessageState::Pending, "w", Duration::from_secs(5), 10)
        .await
        .unwrap();
    assert_eq!(other.len(), 1);
    assert_eq!(other[0].id, ids[1]);
    // Submit and deliver the other one: the tx hash and delivery time are kept.
    assert!(
        store
            .transition(
                &ids[1],
                MessageState::Pending,
                MessageState::Submitted,
                Some("w"),
                Some([0xaa; 32])
            )
            .await
            .unwrap()
    );
    assert!(
        store
            .transition(
                &ids[1],
                MessageState::Submitted,
                MessageState::Delivered,
                None,
                None
            )
            .await
            .unwrap()
    );
    let r = store.message(&ids[1]).await.unwrap().unwrap();
    assert_eq!(r.state, MessageState::Delivered);
    assert_eq!(r.tx_hash, Some([0xaa; 32]));
    assert!(r.delivered_at.is_some());
    assert!(r.claimed_by.is_none());
}

async fn operator_retry_and_skip(store: Store, _url: String) {
    let ids = seed(&store, 2).await;
    let id = ids[0];
    for _ in 0..2 {
        store
            .record_failure(&id, MessageState::Pending, "boom", Duration::ZERO, 2)
            .await
            .unwrap();
    }
    assert_eq!(
        store.message(&id).await.unwrap().unwrap().state,
        MessageState::Failed
    );
    let r = store.retry(&id).await.unwrap();
    assert_eq!((r.state, r.attempts), (MessageState::Pending, 0));
    let r = store.skip(&id).await.unwrap();
    assert_eq!(r.state, MessageState::Skipped);
    assert!(matches!(
        store.skip(&id).await,
        Err(Error::InvalidTransition { .. })
    ));
    let skipped = store
        .claim(2, MessageState::Pending, "w", Duration::from_secs(5), 10)
        .await
        .unwrap();
    assert_eq!(skipped.len(), 1, "the skipped message is not worked on");
    assert_eq!(store.retry(&id).await.unwrap().state, MessageState::Pending);
    // Delivered messages are final.
    assert!(
        store
            .transition(
                &ids[1],
                MessageState::Pending,
                MessageState::Delivered,
                Some("w"),
                None
            )
            .await
            .unwrap()
    );
    assert!(matches!(
        store.retry(&ids[1]).await,
        Err(Error::InvalidTransition { .. })
    ));
    assert!(matches!(
        store.skip(&ids[1]).await,
        Err(Error::InvalidTransition { .. })
    ));
    assert!(matches!(
        store.retry(&[3; 32]).await,
        Err(Error::UnknownMessage(_))
    ));
    // In flight, on the destination or gone from the origin: not the operator's to restart.
    let more = seed(&store, 6).await;
    for (id, state) in more.iter().skip(2).zip([
        MessageState::Submitted,
        MessageState::Queued,
        MessageState::Orphaned,
    ]) {
        assert!(
            store
                .transition(id, MessageState::Pending, state, None, None)
                .await
                .unwrap()
        );
        assert!(
            matches!(store.retry(id).await, Err(Error::InvalidTransition { .. })),
            "retry from {state:?}"
        );
    }
    assert!(matches!(
        store.skip(&more[2]).await,
        Err(Error::InvalidTransition { .. })
    ));
    assert_eq!(
        store.retry(&more[5]).await.unwrap().state,
        MessageState::Pending,
        "a pending message gets a fresh attempt budget"
    );
}

async fn operator_retry_all_by_state_and_destination(store: Store, _url: String) {
    // Six messages to destination 2 and two to destination 3.
    let mut msgs: Vec<NewMessage> = (0..6)
        .map(|n| found(message(n, 1, 2, 0x5e), 10 + n))
        .collect();
    msgs.extend((6..8).map(|n| found(message(n, 1, 3, 0x5e), 10 + n)));
    let ids: Vec<[u8; 32]> = msgs.iter().map(|m| m.message.id()).collect();
    store.record_indexed("a", 20, [9; 32], &msgs).await.unwrap();
    let fail = |id: [u8; 32]| {
        let store = &store;
        async move {
            store
                .record_failure(&id, MessageState::Pending, "paused", Duration::ZERO, 1)
                .await
                .unwrap()
        }
    };
    for id in [ids[0], ids[1], ids[6]] {
        assert_eq!(fail(id).await, Some(MessageState::Failed));
    }
    store.skip(&ids[2]).await.unwrap();
    assert!(
        store
            .transition(
                &ids[3],
                MessageState::Pending,
                MessageState::Submitted,
                None,
                None
            )
            .await
            .unwrap()
    );
    let state = |id: [u8; 32]| {
        let store = &store;
        async move { store.message(&id).await.unwrap().unwrap() }
    };

    // A state retry refuses is refused as a whole.
    assert!(matches!(
        store.retry_all(Some(MessageState::Submitted), None).await,
        Err(Error::InvalidTransition { .. })
    ));
    // Failed ones to destination 2 only.
    assert_eq!(
        store
            .retry_all(Some(MessageState::Failed), Some(2))
            .await
            .unwrap(),
        2
    );
    for id in [ids[0], ids[1]] {
        let r = state(id).await;
        assert_eq!((r.state, r.attempts), (MessageState::Pending, 0));
    }
    assert_eq!(state(ids[6]).await.state, MessageState::Failed);
    assert_eq!(state(ids[2]).await.state, MessageState::Skipped);

    // A message a worker holds now is left alone, even by --all.
    let claimed = store
        .claim(2, MessageState::Pending, "w", Duration::from_secs(60), 1)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    // --all: the failed one to 3, the skipped one and the four pending ones not claimed
    // (nonces 0, 1, 4, 5 and 7, less the claimed one); never the submitted or claimed one.
    assert_eq!(store.retry_all(None, None).await.unwrap(), 6);
    assert_eq!(state(ids[6]).await.state, MessageState::Pending);
    assert_eq!(state(ids[2]).await.state, MessageState::Pending);
    assert_eq!(state(ids[3]).await.state, MessageState::Submitted);
    let r = state(claimed[0].id).await;
    assert_eq!(r.claimed_by.as_deref(), Some("w"), "{r:?}");
}

async fn claims_take_the_longest_due_first_whatever_the_origin(store: Store, _url: String) {
    // Origin 9's message is indexed first; then a flood from origin 1 (a lower domain).
    let early = found(message(0, 9, 2, 0x5e), 5);
    store
        .record_indexed("nine", 5, [5; 32], std::slice::from_ref(&early))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let flood: Vec<NewMessage> = (0..10)
        .map(|n| found(message(n, 1, 2, 0x5e), 10 + n))
        .collect();
    store
        .record_indexed("one", 20, [9; 32], &flood)
        .await
        .unwrap();
    // Before, claims went by origin then nonce: origin 1's flood first, origin 9 starved.
    let claimed = store
        .claim(2, MessageState::Pending, "w", Duration::from_secs(60), 2)
        .await
        .unwrap();
    assert!(
        claimed.iter().any(|r| r.id == early.message.id()),
        "the message due longest is claimed first: {claimed:?}"
    );
    // One retried with backoff goes behind the others.
    let first = flood[0].message.id();
    store
        .defer(&first, MessageState::Pending, Duration::ZERO)
        .await
        .unwrap();
    store
        .record_failure(
            &first,
            MessageState::Pending,
            "boom",
            Duration::from_millis(30),
            8,
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(40)).await;
    let next = store
        .claim(2, MessageState::Pending, "w", Duration::from_secs(60), 9)
        .await
        .unwrap();
    assert_eq!(next.len(), 9);
    assert!(!next.iter().any(|r| r.id == first), "{next:?}");
}

async fn retention_prunes_a_settled_prefix_of_each_origin(store: Store, _url: String) {
    // Origin 1: nonces 0..=5; origin 3: nonces 0..=1.
    let mut msgs: Vec<NewMessage> = (0..6)
        .map(|n| found(message(n, 1, 2, 0x5e), 10 + n))
        .collect();
    msgs.extend((0..2).map(|n| found(message(n, 3, 2, 0x5e), 30 + n)));
    let ids: Vec<[u8; 32]> = msgs.iter().map(|m| m.message.id()).collect();
    store.record_indexed("a", 40, [9; 32], &msgs).await.unwrap();
    let root = [0x71; 32];
    // Delivered (one transaction for the first two), cancelled, pending (nonce 3), delivered.
    for (i, to) in [
        (0, MessageState::Delivered),
        (1, MessageState::Delivered),
        (2, MessageState::Cancelled),
        (4, MessageState::Delivered),
        (5, MessageState::Delivered),
        (6, MessageState::Delivered),
        (7, MessageState::Delivered),
    ] {
        let tx = (i < 2).then_some(root);
        assert!(
            store
                .transition(&ids[i], MessageState::Pending, to, None, tx)
                .await
                .unwrap()
        );
    }
    store
        .record_submission(&root, &root, 2, &[1, 2, 3])
        .await
        .unwrap();
    store
        .add_signatures(&[SignatureRecord {
            message_id: ids[0],
            epoch: 1,
            signer: [7; 20],
            signature: [1; 65],
        }])
        .await
        .unwrap();
    let gone = |id: [u8; 32]| {
        let store = &store;
        async move { store.message(&id).await.unwrap().is_none() }
    };

    // Settled within the retention period: nothing goes.
    assert_eq!(store.prune(now_ms() - 60_000, 100).await.unwrap(), 0);
    // All settled before the cut-off: origin 1's prefix below its pending nonce 3 (0, 1, 2),
    // and origin 3's nonce 0 (its last nonce stays), in rounds of 3.
    let cut = now_ms() + 1_000;
    assert_eq!(store.prune(cut, 3).await.unwrap(), 3);
    assert_eq!(store.prune(cut, 3).await.unwrap(), 1);
    assert_eq!(store.prune(cut, 3).await.unwrap(), 0);
    for i in [0, 1, 2, 6] {
        assert!(gone(ids[i]).await, "nonce of message {i} kept");
    }
    for i in [3, 4, 5, 7] {
        assert!(!gone(ids[i]).await, "message {i} pruned");
    }
    assert!(store.signatures(&ids[0], 1).await.unwrap().is_empty());
    assert!(store.submissions(&root).await.unwrap().is_empty());
    // No hole for the indexer's gap check to read history again for.
    assert!(store.nonce_gaps(1, 0, 10).await.unwrap().is_empty());
    assert!(store.nonce_gaps(3, 0, 10).await.unwrap().is_empty());
}

async fn retention_keeps_open_gaps_and_passes_orphaned_messages(store: Store, _url: String) {
    // Origin 5: nonces 0, 1, 3, 4 (2 not seen yet). Origin 6: nonces 0..=3, nonce 1 seen
    // twice: first in a block reorganised away (orphaned), then in its new block.
    let mut msgs: Vec<NewMessage> = [0, 1, 3, 4]
        .into_iter()
        .map(|n| found(message(n, 5, 2, 0x5e), 10 + n))
        .collect();
    msgs.extend((0..4).map(|n| found(message(n, 6, 2, 0x5e), 20 + n)));
    let orphan = found(message(1, 6, 2, 0x6f), 21);
    let ids: Vec<[u8; 32]> = msgs.iter().map(|m| m.message.id()).collect();
    let orphan_id = orphan.message.id();
    store
        .record_indexed("a", 30, [9; 32], &[orphan])
        .await
        .unwrap();
    assert!(
        store
            .transition(
                &orphan_id,
                MessageState::Pending,
                MessageState::Orphaned,
                None,
                None
            )
            .await
            .unwrap()
    );
    store.record_indexed("a", 40, [9; 32], &msgs).await.unwrap();
    for id in &ids {
        assert!(
            store
                .transition(
                    id,
                    MessageState::Pending,
                    MessageState::Delivered,
                    None,
                    None
                )
                .await
                .unwrap()
        );
    }
    let cut = now_ms() + 1_000;
    // Origin 5: only nonce 0; nonce 1 stays as the gap's lower neighbour. Origin 6: nonces 0,
    // 1 (both messages) and 2; its last stays.
    assert_eq!(store.prune(cut, 100).await.unwrap(), 5);
    assert_eq!(store.prune(cut, 100).await.unwrap(), 0);
    let kept = |id: [u8; 32]| {
        let store = &store;
        async move { store.message(&id).await.unwrap().is_some() }
    };
    let expected = [false, true, true, true, false, false, false, true];
    for (i, keep) in expected.into_iter().enumerate() {
        assert_eq!(kept(ids[i]).await, keep, "message {i}");
    }
    assert!(
        !kept(orphan_id).await,
        "the orphaned message held the prefix back"
    );
    let gaps = store.nonce_gaps(5, 0, 10).await.unwrap();
    assert_eq!(
        gaps.iter().map(|g| (g.first, g.last)).collect::<Vec<_>>(),
        vec![(2, 2)],
        "the open gap is still seen"
    );
}

async fn the_send_journal_knows_the_latest_transaction_of_each_nonce(store: Store, _url: String) {
    let (me, other) = ([0xa1; 20], [0xa2; 20]);
    assert_eq!(store.latest_sent(2, &me, 7).await.unwrap(), None);
    store
        .record_sent(2, &me, 7, &[1; 32], &[0xf1], None)
        .await
        .unwrap();
    // Recorded twice (a retried write): kept once.
    store
        .record_sent(2, &me, 7, &[1; 32], &[0xf1], None)
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    store
        .record_sent(2, &me, 7, &[2; 32], &[0xf2], Some(&[1; 32]))
        .await
        .unwrap();
    // Another nonce, another sender, another chain: none of them is nonce 7's.
    store
        .record_sent(2, &me, 8, &[3; 32], &[0xf3], None)
        .await
        .unwrap();
    store
        .record_sent(2, &other, 7, &[4; 32], &[0xf4], None)
        .await
        .unwrap();
    store
        .record_sent(5, &me, 7, &[5; 32], &[0xf5], None)
        .await
        .unwrap();
    let latest = store.latest_sent(2, &me, 7).await.unwrap().unwrap();
    assert_eq!(
        (latest.tx_hash, latest.nonce, latest.raw, latest.replaces),
        ([2; 32], 7, vec![0xf2], Some([1; 32]))
    );
    assert_eq!(
        store
            .latest_sent(2, &other, 7)
            .await
            .unwrap()
            .unwrap()
            .tx_hash,
        [4; 32]
    );
    assert_eq!(store.highest_sent_nonce(2, &me).await.unwrap(), Some(8));
    assert_eq!(store.highest_sent_nonce(3, &me).await.unwrap(), None);
    // A transaction the node refused holds no nonce.
    store.abandon_sent(&[3; 32]).await.unwrap();
    assert_eq!(store.highest_sent_nonce(2, &me).await.unwrap(), Some(7));
    store
        .record_sent(2, &me, 8, &[3; 32], &[0xf3], None)
        .await
        .unwrap();
    // A delivery's versions are found from any of them.
    store
        .record_submission(&[1; 32], &[1; 32], 2, &[0xf1])
        .await
        .unwrap();
    store
        .record_submission(&[1; 32], &[2; 32], 2, &[0xf2])
        .await
        .unwrap();
    assert_eq!(
        store.submission_root(&[2; 32]).await.unwrap(),
        Some([1; 32])
    );
    assert_eq!(store.submission_root(&[3; 32]).await.unwrap(), None);
    // Retention takes the journal's old entries.
    store.prune(now_ms() - 60_000, 10).await.unwrap();
    assert!(store.latest_sent(2, &me, 8).await.unwrap().is_some());
    store.prune(now_ms() + 1_000, 10).await.unwrap();
    for (sender, domain, nonce) in [(me, 2, 7), (me, 2, 8), (other, 2, 7), (me, 5, 7)] {
        assert_eq!(
            store.latest_sent(domain, &sender, nonce).await.unwrap(),
            None
        );
    }
}

async fn reorg_rollback_orphans_unsubmitted_messages(store: Store, _url: String) {
    let msgs: Vec<NewMessage> = (0..4)
        .map(|n| found(message(n, 1, 2, 0x5e), 5 + n))
        .collect();
    store.record_indexed("a", 8, [8; 32], &msgs).await.unwrap();
    // nonce 2 (height 7) was already submitted: a reorg does not take it back.
    let submitted = msgs[2].message.id();
    assert!(
        store
            .transition(
                &submitted,
                MessageState::Pending,
                MessageState::Submitted,
                None,
                None
            )
            .await
            .unwrap()
    );
    // Another origin at the same heights is untouched.
    let other = found(message(0, 9, 2, 0x5e), 8);
    store
        .record_indexed("z", 8, [8; 32], std::slice::from_ref(&other))
        .await
        .unwrap();
    let n = store.rollback("a", 1, 5, [5; 32]).await.unwrap();
    assert_eq!(n, 2, "heights 6 and 8 are orphaned");
    assert_eq!(store.cursor("a").await.unwrap(), Some((5, [5; 32])));
    let state = |i: usize| {
        let store = store.clone();
        let id = msgs[i].message.id();
        async move { store.message(&id).await.unwrap().unwrap().state }
    };
    assert_eq!(state(0).await, MessageState::Pending);
    assert_eq!(state(1).await, MessageState::Orphaned);
    assert_eq!(state(2).await, MessageState::Submitted);
    assert_eq!(state(3).await, MessageState::Orphaned);
    assert_eq!(
        store
            .message(&other.message.id())
            .await
            .unwrap()
            .unwrap()
            .state,
        MessageState::Pending
    );
    assert_eq!(store.cursor("z").await.unwrap(), Some((8, [8; 32])));
    // The canonical chain includes nonce 1 again, in another block: pending again there.
    let again = found(msgs[1].message.clone(), 9);
    let n = store
        .record_indexed("a", 9, [9; 32], std::slice::from_ref(&again))
        .await
        .unwrap();
    assert_eq!(n, 1);
    let r = store.message(&again.message.id()).await.unwrap().unwrap();
    assert_eq!(
        (r.state, r.origin_height, r.origin_block_hash),
        (MessageState::Pending, 9, [9; 32])
    );
    // Re-reading a live message changes nothing.
    let n = store
        .record_indexed("a", 9, [9; 32], std::slice::from_ref(&msgs[0]))
        .await
        .unwrap();
    assert_eq!(n, 0);
    assert_eq!(state(3).await, MessageState::Orphaned);
}

async fn attestations_refuse_equivocation(store: Store, _url: String) {
    let m1 = message(7, 1, 2, 0x01);
    let m2 = message(7, 1, 2, 0x02);
    assert_ne!(m1.id(), m2.id());
    let att = |m: &Message, signer: u8, epoch: u64| AttestationRecord {
        message_id: m.id(),
        epoch,
        signer: [signer; 20],
        origin: m.origin,
        nonce: m.nonce,
        destination: m.destination,
        signature: [signer; 65],
    };
    assert_eq!(
        store.attest(&ORIGIN_BRIDGE, &att(&m1, 1, 1)).await.unwrap(),
        AttestOutcome::Stored
    );
    assert_eq!(
        store.attest(&ORIGIN_BRIDGE, &att(&m1, 1, 1)).await.unwrap(),
        AttestOutcome::AlreadyStored
    );
    // The same message under a new epoch is fine.
    assert_eq!(
        store.attest(&ORIGIN_BRIDGE, &att(&m1, 1, 2)).await.unwrap(),
        AttestOutcome::Stored
    );
    // Another message for the same (origin, nonce) by the same signer: refused, whatever
    // the epoch.
    for epoch in [1, 2, 3] {
        match store.attest(&ORIGIN_BRIDGE, &att(&m2, 1, epoch)).await {
            Err(Error::Equivocation {
                origin: 1,
                nonce: 7,
                signed,
                new,
            }) => {
                assert_eq!(signed, hex::encode(m1.id()));
                assert_eq!(new, hex::encode(m2.id()));
            }
            other => panic!("expected equivocation, got {other:?}"),
        }
    }
    // A different signer (another validator sharing the database) is its own history.
    assert_eq!(
        store.attest(&ORIGIN_BRIDGE, &att(&m2, 2, 1)).await.unwrap(),
        AttestOutcome::Stored
    );
    let stored = store.attestations(&m1.id()).await.unwrap();
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0], att(&m1, 1, 1));
    assert_eq!(stored[1].epoch, 2);
    assert!(
        store
            .attestations(&m2.id())
            .await
            .unwrap()
            .iter()
            .all(|a| a.signer == [2; 20])
    );
    assert_eq!(store.attestation_count().await.unwrap(), 3);
}

async fn signatures_are_kept_once_in_signer_order(store: Store, _url: String) {
    let id = [4u8; 32];
    let sig = |signer: u8, epoch: u64| SignatureRecord {
        message_id: id,
        epoch,
        signer: [signer; 20],
        signature: [signer; 65],
    };
    for s in [sig(9, 1), sig(3, 1), sig(9, 1), sig(5, 1), sig(3, 2)] {
        store.add_signature(&s).await.unwrap();
    }
    let got = store.signatures(&id, 1).await.unwrap();
    assert_eq!(got, vec![sig(3, 1), sig(5, 1), sig(9, 1)]);
    assert_eq!(store.signatures(&id, 2).await.unwrap(), vec![sig(3, 2)]);
    assert!(store.signatures(&[0; 32], 1).await.unwrap().is_empty());
}

async fn unattested_lists_what_the_signer_has_not_signed(store: Store, _url: String) {
    let msgs = vec![
        found(message(0, 1, 2, 0x01), 1),
        found(message(1, 1, 2, 0x01), 1),
        found(message(2, 1, 3, 0x01), 2),
        found(message(3, 1, 2, 0x01), 9),
        found(message(0, 4, 2, 0x01), 2),
    ];
    store.record_indexed("a", 9, [9; 32], &msgs).await.unwrap();
    let nonces = |v: Vec<trestle_relayer::store::MessageRecord>| {
        v.iter().map(|r| r.nonce).collect::<Vec<_>>()
    };
    let signer = [1u8; 20];
    assert_eq!(
        nonces(
            store
                .unattested(1, &ORIGIN_BRIDGE, &[2], &signer, 10)
                .await
                .unwrap()
        ),
        vec![0, 1, 3]
    );
    assert_eq!(
        nonces(
            store
                .unattested(1, &ORIGIN_BRIDGE, &[2, 3], &signer, 2)
                .await
                .unwrap()
        ),
        vec![0, 1]
    );
    assert!(
        store
            .unattested(1, &ORIGIN_BRIDGE, &[], &signer, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // Attested nonces drop out for that signer only, whichever message was attested.
    let m = &msgs[0].message;
    store
        .attest(
            &ORIGIN_BRIDGE,
            &AttestationRecord {
                message_id: m.id(),
                epoch: 1,
                signer,
                origin: 1,
                nonce: 0,
                destination: 2,
                signature: [1; 65],
            },
        )
        .await
        .unwrap();
    assert_eq!(
        nonces(
            store
                .unattested(1, &ORIGIN_BRIDGE, &[2], &signer, 10)
                .await
                .unwrap()
        ),
        vec![1, 3]
    );
    assert_eq!(
        nonces(
            store
                .unattested(1, &ORIGIN_BRIDGE, &[2], &[2u8; 20], 10)
                .await
                .unwrap()
        ),
        vec![0, 1, 3]
    );
    // Orphaned messages are never attested.
    store.rollback("a", 1, 5, [5; 32]).await.unwrap();
    assert_eq!(
        nonces(
            store
                .unattested(1, &ORIGIN_BRIDGE, &[2], &signer, 10)
                .await
                .unwrap()
        ),
        vec![1]
    );
}

async fn submissions_keep_every_version_of_a_transaction(store: Store, _url: String) {
    let root = [1u8; 32];
    store
        .record_submission(&root, &root, 2, &[0xaa; 100])
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(3)).await;
    store
        .record_submission(&root, &[2; 32], 2, &[0xbb; 100])
        .await
        .unwrap();
    store
        .record_submission(&root, &[2; 32], 2, &[0xbb; 100])
        .await
        .unwrap();
    store
        .record_submission(&[9; 32], &[9; 32], 2, &[0xcc; 1])
        .await
        .unwrap();
    let versions = store.submissions(&root).await.unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0].tx_hash, root);
    assert_eq!(versions[1].tx_hash, [2; 32]);
    assert_eq!(versions[1].raw, vec![0xbb; 100]);
    assert!(versions.iter().all(|v| v.root == root));
    assert!(store.submissions(&[5; 32]).await.unwrap().is_empty());
}

/// What an indexer's gap check reads: the runs of nonces missing between recorded messages,
/// with the heights of their neighbours (where to read again); orphaned messages do not count
/// as seen; filling a gap without moving the cursor closes it.
async fn nonce_gaps_name_the_missing_nonces_and_their_heights(store: Store, _url: String) {
    assert_eq!(store.nonce_gaps(1, 0, 16).await.unwrap(), vec![]);
    assert_eq!(store.max_nonce(1).await.unwrap(), None);
    let at = |n: u64| found(message(n, 1, 2, 0x5e), 100 + 10 * n);
    let seen: Vec<NewMessage> = [0, 1, 3, 4, 7].into_iter().map(at).collect();
    store
        .record_indexed("a", 200, [2; 32], &seen)
        .await
        .unwrap();
    // Another origin's messages are not this origin's sequence.
    store
        .record_indexed("b", 50, [5; 32], &[found(message(9, 4, 2, 0x5e), 40)])
        .await
        .unwrap();
    let gap = |first, last, from_height, to_height| NonceGap {
        first,
        last,
        from_height,
        to_height,
    };
    assert_eq!(
        store.nonce_gaps(1, 0, 16).await.unwrap(),
        vec![gap(2, 2, 110, 130), gap(5, 6, 140, 170)]
    );
    assert_eq!(
        store.nonce_gaps(1, 0, 1).await.unwrap(),
        vec![gap(2, 2, 110, 130)]
    );
    assert_eq!(
        store.nonce_gaps(1, 3, 16).await.unwrap(),
        vec![gap(5, 6, 140, 170)]
    );
    assert_eq!(store.nonce_gaps(4, 0, 16).await.unwrap(), vec![]);
    assert_eq!(store.max_nonce(1).await.unwrap(), Some(7));
    // A reorg orphans nonce 7: the gap above 4 is no gap until something follows it.
    store.rollback("a", 1, 160, [6; 32]).await.unwrap();
    assert_eq!(
        store.nonce_gaps(1, 0, 16).await.unwrap(),
        vec![gap(2, 2, 110, 130)]
    );
    assert_eq!(store.max_nonce(1).await.unwrap(), Some(4));
    // A re-read finds nonce 2: recorded, the cursor stays where the indexer left it.
    assert_eq!(store.record_found(&[at(2)], &[]).await.unwrap(), 1);
    assert_eq!(store.record_found(&[at(2)], &[]).await.unwrap(), 0);
    assert_eq!(store.nonce_gaps(1, 0, 16).await.unwrap(), vec![]);
    assert_eq!(store.cursor("a").await.unwrap(), Some((160, [6; 32])));
}

/// A daemon killed while it held claims (a send written ahead, a lease of minutes) leaves them
/// in its store; the next run of the same daemon on an embedded store releases them at start
/// instead of waiting out the leases.
async fn release_all_claims_frees_a_dead_runs_claims(store: Store, _url: String) {
    seed(&store, 3).await;
    let lease = Duration::from_secs(300);
    let held = store
        .claim(2, MessageState::Pending, "dead-run", lease, 10)
        .await
        .unwrap();
    assert_eq!(held.len(), 3);
    assert!(
        store
            .claim(2, MessageState::Pending, "next-run", lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.release_all_claims().await.unwrap(), 3);
    assert_eq!(store.release_all_claims().await.unwrap(), 0);
    let taken = store
        .claim(2, MessageState::Pending, "next-run", lease, 10)
        .await
        .unwrap();
    assert_eq!(taken.len(), 3);
}

/// Claiming a message does not move its `updated_at`: the confirm step counts the wait for a
/// receipt from the send (the last change), and every confirm pass claims the message again.
/// When each claim reset it, "no receipt after five minutes" never fired.
async fn a_claim_is_not_a_change(store: Store, _url: String) {
    let ids = seed(&store, 1).await;
    let before = store.message(&ids[0]).await.unwrap().unwrap().updated_at;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let claimed = store
        .claim(2, MessageState::Pending, "a", Duration::from_secs(60), 1)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].updated_at, before);
    assert_eq!(
        store.message(&ids[0]).await.unwrap().unwrap().updated_at,
        before
    );
    store
        .defer(&ids[0], MessageState::Pending, Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(
        store.message(&ids[0]).await.unwrap().unwrap().updated_at,
        before,
        "deferring is not a change either"
    );
    assert!(
        store
            .transition(
                &ids[0],
                MessageState::Pending,
                MessageState::Ready,
                None,
                None
            )
            .await
            .unwrap()
    );
    assert!(store.message(&ids[0]).await.unwrap().unwrap().updated_at > before);
}

/// A payment of `amount` for `id` to `destination`, made on `origin` in transaction `tx` (its
/// event `index`) at `height`.
fn payment(
    origin: u32,
    tx: u8,
    index: u64,
    height: u64,
    id: [u8; 32],
    destination: u32,
    amount: u128,
) -> NewPayment {
    NewPayment {
        origin,
        origin_tx: vec![tx; 32],
        index,
        origin_height: height,
        payment: trestle_bridge_client::GasPayment {
            id,
            destination,
            amount,
        },
    }
}

/// What was paid for a message counts only payments made on its origin for its destination,
/// each once (regression: the sum took every row of the id, so wei paid on a cheap chain
/// counted as lamports for a Solana message). A payment wakes an underpaid message; one
/// recorded while the message is being weighed keeps it from being parked; a rollback takes
/// the payments of the voided blocks; due underpaid messages are weighed again.
async fn payments_count_once_on_their_own_route_and_wake_what_they_pay_for(
    store: Store,
    _url: String,
) {
    let ids = seed(&store, 2).await; // origin 1 -> destination 2
    let (id, other) = (ids[0], ids[1]);
    let key = [(id, 1u32, 2u32)];
    let claim = |store: Store| async move {
        store
            .claim(2, MessageState::Pending, "w", Duration::from_secs(60), 10)
            .await
            .unwrap()
    };
    assert_eq!(claim(store.clone()).await.len(), 2);
    let moved = store
        .hold_back(
            &[
                (id, MessageState::Underpaid, "paid 0, needs 5".into(), 0),
                (other, MessageState::Underpaid, "paid 0, needs 5".into(), 0),
            ],
            "w",
            Duration::from_secs(3_600),
        )
        .await
        .unwrap();
    assert_eq!(moved, vec![true, true]);
    let state = |id: [u8; 32]| {
        let store = store.clone();
        async move { store.message(&id).await.unwrap().unwrap() }
    };
    assert_eq!(state(id).await.state, MessageState::Underpaid);
    assert_eq!(
        state(id).await.last_error.as_deref(),
        Some("paid 0, needs 5")
    );

    let payments = [
        payment(1, 0xa, 0, 20, id, 2, 5),
        payment(1, 0xa, 0, 20, id, 2, 5), // the same event read twice
        payment(9, 0xb, 0, 20, id, 2, 7), // another origin's units
        payment(1, 0xc, 1, 20, id, 7, 11), // named another destination
    ];
    store
        .record_read("a", 20, [20; 32], &[], &payments)
        .await
        .unwrap();
    assert_eq!(store.paid(&key).await.unwrap().get(&id), Some(&5));
    // Its payment makes it due at once (parked for an hour otherwise); the wake, capped per
    // call, sends it back to pending.
    assert_eq!(state(id).await.state, MessageState::Underpaid);
    assert_eq!(
        store.wake_underpaid(2, 8).await.unwrap(),
        1,
        "woken by its payment"
    );
    assert_eq!(state(id).await.state, MessageState::Pending);
    assert_eq!(state(other).await.state, MessageState::Underpaid);

    // Paid while it was being weighed (with its one payment then): not parked.
    assert_eq!(claim(store.clone()).await.len(), 1);
    assert_eq!(
        store.paid_and_counted(&key).await.unwrap().get(&id),
        Some(&(5, 1))
    );
    store
        .record_read("a", 21, [21; 32], &[], &[payment(1, 0xd, 0, 21, id, 2, 1)])
        .await
        .unwrap();
    let moved = store
        .hold_back(
            &[(id, MessageState::Underpaid, "paid 5, needs 9".into(), 1)],
            "w",
            Duration::ZERO,
        )
        .await
        .unwrap();
    assert_eq!(moved, vec![false]);
    assert_eq!(store.paid(&key).await.unwrap().get(&id), Some(&6));

    // A reorg to height 20 takes the payment of block 21.
    store.rollback("a", 1, 20, [20; 32]).await.unwrap();
    assert_eq!(store.paid(&key).await.unwrap().get(&id), Some(&5));

    // A payment for its id on another chain does not wake an underpaid message (regression:
    // any payment for the id woke it, so stray 1-unit payments had it weighed on demand).
    store
        .record_read(
            "z",
            30,
            [30; 32],
            &[],
            &[payment(9, 0xe, 0, 30, other, 2, 1)],
        )
        .await
        .unwrap();
    assert_eq!(store.wake_underpaid(2, 8).await.unwrap(), 0, "not due");
    assert_eq!(state(other).await.state, MessageState::Underpaid);
    // One on its own route makes it due; due underpaid messages go back to pending, at most
    // `limit` a call (regression: a payment woke its message directly, past any cap).
    store
        .record_read(
            "a",
            31,
            [31; 32],
            &[],
            &[payment(1, 0xf, 0, 31, other, 2, 1)],
        )
        .await
        .unwrap();
    assert_eq!(state(other).await.state, MessageState::Underpaid);
    assert_eq!(store.wake_underpaid(2, 0).await.unwrap(), 0);
    assert_eq!(state(other).await.state, MessageState::Underpaid);
    assert_eq!(store.wake_underpaid(2, 8).await.unwrap(), 1);
    assert_eq!(state(other).await.state, MessageState::Pending);
    assert_eq!(store.wake_underpaid(2, 8).await.unwrap(), 0);
}
