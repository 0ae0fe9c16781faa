//! The store's batched writes (several state changes in one commit), on SQLite and on a real
//! PostgreSQL server: each row behaves as the single-row call would, in one transaction.

use std::time::Duration;

use trestle_bridge::Message;
use trestle_core::chain::UniversalAddress;
use trestle_relayer::store::{MessageState, NewMessage, SignatureRecord, Store};

crate::store::backend_suite!(
    transition_many_moves_each_row_like_transition,
    defer_many_releases_and_delays,
    add_signatures_keeps_each_once,
    signatures_many_reads_every_message_in_one_call,
    mark_sending_holds_the_claim_until_the_send_is_recorded,
    record_indexed_records_a_large_range_in_several_commits,
);

async fn seed(store: &Store, count: u64) -> Vec<[u8; 32]> {
    let msgs: Vec<NewMessage> = (0..count)
        .map(|n| NewMessage {
            message: Message::new(
                n,
                1,
                UniversalAddress([0x5e; 32]),
                2,
                UniversalAddress([0xbb; 32]),
                vec![1, 2, 3],
            )
            .unwrap(),
            origin_height: 10 + n,
            origin_block_hash: [7; 32],
            origin_tx: vec![0x77; 32],
        })
        .collect();
    store
        .record_indexed("a", 10 + count, [9; 32], &msgs)
        .await
        .unwrap();
    msgs.iter().map(|m| m.message.id()).collect()
}

async fn state_of(store: &Store, id: &[u8; 32]) -> MessageState {
    store.message(id).await.unwrap().unwrap().state
}

async fn transition_many_moves_each_row_like_transition(store: Store) {
    let ids = seed(&store, 4).await;
    let lease = Duration::from_secs(60);
    let claimed = store
        .claim(2, MessageState::Pending, "w1", lease, 3)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 3);
    // ids[3] is not claimed by w1: a worker-bound move must leave it alone.
    let hash = [0xab; 32];
    let moved = store
        .transition_many(
            &ids,
            MessageState::Pending,
            MessageState::Submitted,
            Some("w1"),
            Some(hash),
        )
        .await
        .unwrap();
    assert_eq!(moved, vec![true, true, true, false]);
    for id in &ids[..3] {
        let r = store.message(id).await.unwrap().unwrap();
        assert_eq!(r.state, MessageState::Submitted);
        assert_eq!(r.tx_hash, Some(hash));
        assert_eq!(r.claimed_by, None);
    }
    assert_eq!(state_of(&store, &ids[3]).await, MessageState::Pending);
    // A row no longer in `from` is reported unchanged; the others still move.
    let moved = store
        .transition_many(
            &[ids[0], ids[3], ids[1]],
            MessageState::Submitted,
            MessageState::Delivered,
            None,
            None,
        )
        .await
        .unwrap();
    assert_eq!(moved, vec![true, false, true]);
    let delivered = store.message(&ids[0]).await.unwrap().unwrap();
    assert_eq!(delivered.state, MessageState::Delivered);
    assert!(delivered.delivered_at.is_some());
    assert_eq!(
        delivered.tx_hash,
        Some(hash),
        "the hash is kept when none is given"
    );
    assert_eq!(state_of(&store, &ids[2]).await, MessageState::Submitted);
    assert!(
        store
            .transition_many(&[], MessageState::Pending, MessageState::Ready, None, None)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn defer_many_releases_and_delays(store: Store) {
    let ids = seed(&store, 3).await;
    let lease = Duration::from_secs(60);
    let claimed = store
        .claim(2, MessageState::Pending, "w1", lease, 3)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 3);
    store
        .defer_many(&ids[..2], MessageState::Pending, Duration::from_secs(3600))
        .await
        .unwrap();
    for id in &ids[..2] {
        let r = store.message(id).await.unwrap().unwrap();
        assert_eq!(r.claimed_by, None, "the claim is released");
        assert_eq!(r.state, MessageState::Pending);
    }
    // ids[2] is still claimed by w1 and the other two are not due for an hour.
    assert!(
        store
            .claim(2, MessageState::Pending, "w2", lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // A zero delay makes them due again at once; a row in another state is not touched.
    store
        .defer_many(&ids[..2], MessageState::Pending, Duration::ZERO)
        .await
        .unwrap();
    store
        .defer_many(&ids[2..], MessageState::Ready, Duration::ZERO)
        .await
        .unwrap();
    let again = store
        .claim(2, MessageState::Pending, "w2", lease, 10)
        .await
        .unwrap();
    let mut got: Vec<[u8; 32]> = again.iter().map(|r| r.id).collect();
    got.sort();
    let mut want = ids[..2].to_vec();
    want.sort();
    assert_eq!(got, want);
    assert_eq!(
        store
            .message(&ids[2])
            .await
            .unwrap()
            .unwrap()
            .claimed_by
            .as_deref(),
        Some("w1")
    );
}

async fn add_signatures_keeps_each_once(store: Store) {
    let id = [4u8; 32];
    let sig = |signer: u8, epoch: u64| SignatureRecord {
        message_id: id,
        epoch,
        signer: [signer; 20],
        signature: [signer; 65],
    };
    store
        .add_signatures(&[sig(9, 1), sig(3, 1), sig(3, 2)])
        .await
        .unwrap();
    // Already-held signatures are skipped, new ones in the same call kept.
    store.add_signatures(&[sig(9, 1), sig(5, 1)]).await.unwrap();
    store.add_signatures(&[]).await.unwrap();
    assert_eq!(
        store.signatures(&id, 1).await.unwrap(),
        vec![sig(3, 1), sig(5, 1), sig(9, 1)]
    );
    assert_eq!(store.signatures(&id, 2).await.unwrap(), vec![sig(3, 2)]);
}

async fn signatures_many_reads_every_message_in_one_call(store: Store) {
    let sig = |id: u8, signer: u8, epoch: u64| SignatureRecord {
        message_id: [id; 32],
        epoch,
        signer: [signer; 20],
        signature: [signer ^ id; 65],
    };
    // More ids than one query binds (512), so the reads are chunked.
    let ids: Vec<[u8; 32]> = (0..600u32)
        .map(|i| {
            let mut id = [0u8; 32];
            id[..4].copy_from_slice(&i.to_be_bytes());
            id
        })
        .collect();
    let last = *ids.last().unwrap();
    store
        .add_signatures(&[
            sig(1, 9, 1),
            sig(1, 3, 1),
            sig(1, 3, 2),
            sig(2, 7, 1),
            SignatureRecord {
                message_id: last,
                epoch: 1,
                signer: [8; 20],
                signature: [8; 65],
            },
        ])
        .await
        .unwrap();
    let mut asked = ids.clone();
    asked.extend([[1u8; 32], [2u8; 32], [3u8; 32]]);
    let found = store.signatures_many(&asked).await.unwrap();
    assert_eq!(found.len(), 3, "only messages with signatures: {found:?}");
    assert_eq!(
        found[&[1u8; 32]],
        vec![sig(1, 3, 1), sig(1, 9, 1), sig(1, 3, 2)],
        "by epoch, then signer"
    );
    assert_eq!(found[&[2u8; 32]], vec![sig(2, 7, 1)]);
    assert_eq!(found[&last].len(), 1);
    assert!(store.signatures_many(&[]).await.unwrap().is_empty());
}

async fn mark_sending_holds_the_claim_until_the_send_is_recorded(store: Store) {
    let ids = seed(&store, 3).await;
    let lease = Duration::from_secs(60);
    for (from, to) in [(MessageState::Pending, MessageState::Ready)] {
        store
            .transition_many(&ids, from, to, None, None)
            .await
            .unwrap();
    }
    let claimed = store
        .claim(2, MessageState::Ready, "w1", lease, 2)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 2);
    // Only rows still ready and claimed by this worker are marked: ids[2] is not claimed.
    let marked = store.mark_sending(&ids, "w1", lease).await.unwrap();
    assert_eq!(marked, vec![true, true, false]);
    let m = store.message(&ids[0]).await.unwrap().unwrap();
    assert_eq!(m.state, MessageState::Submitted);
    assert_eq!(m.tx_hash, None);
    assert_eq!(m.claimed_by.as_deref(), Some("w1"));
    // While the claim holds, no confirm pass can take them.
    let confirm = store
        .claim(2, MessageState::Submitted, "w2", lease, 10)
        .await
        .unwrap();
    assert!(confirm.is_empty(), "{confirm:?}");
    // Recording the send sets the hash and releases the claim.
    let hash = [0x5a; 32];
    let moved = store
        .transition_many(
            &ids[..2],
            MessageState::Submitted,
            MessageState::Submitted,
            Some("w1"),
            Some(hash),
        )
        .await
        .unwrap();
    assert_eq!(moved, vec![true, true]);
    let m = store.message(&ids[1]).await.unwrap().unwrap();
    assert_eq!((m.tx_hash, m.claimed_by), (Some(hash), None));
    // An interrupted send: marked with a lease that has ended, never recorded. Confirm may
    // claim it, and finds no transaction hash.
    let ids2 = seed_more(&store).await;
    store
        .transition_many(
            &ids2,
            MessageState::Pending,
            MessageState::Ready,
            None,
            None,
        )
        .await
        .unwrap();
    store
        .claim(2, MessageState::Ready, "w1", lease, 10)
        .await
        .unwrap();
    assert_eq!(
        store
            .mark_sending(&ids2, "w1", Duration::from_millis(1))
            .await
            .unwrap(),
        vec![true]
    );
    tokio::time::sleep(Duration::from_millis(20)).await;
    let found = store
        .claim(2, MessageState::Submitted, "w2", lease, 10)
        .await
        .unwrap();
    let interrupted: Vec<_> = found.iter().filter(|m| m.tx_hash.is_none()).collect();
    assert_eq!(interrupted.len(), 1, "{found:?}");
    assert_eq!(interrupted[0].id, ids2[0]);
}

/// One more message, nonce 100, next to [`seed`]'s.
async fn seed_more(store: &Store) -> Vec<[u8; 32]> {
    let message = Message::new(
        100,
        1,
        UniversalAddress([0x5e; 32]),
        2,
        UniversalAddress([0xbb; 32]),
        vec![4, 5, 6],
    )
    .unwrap();
    let id = message.id();
    store
        .record_indexed(
            "a",
            200,
            [8; 32],
            &[NewMessage {
                message,
                origin_height: 150,
                origin_block_hash: [7; 32],
                origin_tx: vec![0x78; 32],
            }],
        )
        .await
        .unwrap();
    vec![id]
}

async fn record_indexed_records_a_large_range_in_several_commits(store: Store) {
    let mut signal = store.indexed_signal();
    let before = *signal.borrow_and_update();
    // 600 messages: three commits of at most 256; the cursor moves with the last.
    let ids = seed(&store, 600).await;
    let all = trestle_relayer::store::ListFilter {
        limit: Some(1_000),
        ..Default::default()
    };
    assert_eq!(store.list(&all).await.unwrap().len(), 600);
    assert_eq!(store.cursor("a").await.unwrap().map(|c| c.0), Some(610));
    let after = *signal.borrow_and_update();
    assert_eq!(
        after.wrapping_sub(before),
        3,
        "each commit that added messages signals"
    );
    // Recording the same range again adds nothing and changes nothing.
    assert_eq!(seed(&store, 600).await, ids);
    assert_eq!(store.list(&all).await.unwrap().len(), 600);
    assert_eq!(*signal.borrow_and_update(), after);
}
