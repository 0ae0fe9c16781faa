//! Pages of messages (`GET /v1/messages`, issue 14) on SQLite and PostgreSQL: a walk through
//! every page sees each message once, in key order, with no gap, under every filter and while
//! messages arrive; the query plans read an index in page order (no sort of the table); the
//! metrics scrape counts only the queue.

use std::collections::HashSet;

use trestle_bridge::Message;
use trestle_core::chain::UniversalAddress;
use trestle_relayer::store::{
    ListCursor, ListFilter, MessageRecord, MessageState, NewMessage, Store,
};

use crate::store::backend_suite;

backend_suite!(
    every_page_walk_sees_each_message_once_in_key_order,
    a_cursor_without_an_id_skips_its_whole_nonce,
    the_metrics_scrape_counts_only_the_queue,
);

fn found(nonce: u64, origin: u32, destination: u32, sender: u8) -> NewMessage {
    let message = Message::new(
        nonce,
        origin,
        UniversalAddress([sender; 32]),
        destination,
        UniversalAddress([0xbb; 32]),
        vec![sender],
    )
    .unwrap();
    NewMessage {
        message,
        origin_height: nonce + 1,
        origin_block_hash: [1; 32],
        origin_tx: vec![0x77; 32],
    }
}

type Key = (u32, u64, [u8; 32]);

fn key(m: &MessageRecord) -> Key {
    (m.origin, m.nonce, m.id)
}

/// Every page of `filter` (`limit` each), from the first: the keys in the order served.
async fn walk(store: &Store, filter: &ListFilter) -> Vec<Key> {
    let mut keys = Vec::new();
    let mut after: Option<ListCursor> = None;
    for _ in 0..10_000 {
        let page = store.list_page(filter, after.as_ref()).await.unwrap();
        assert!(
            page.messages.len() <= filter.limit.unwrap() as usize,
            "a page longer than its limit"
        );
        keys.extend(page.messages.iter().map(key));
        match page.next {
            None => return keys,
            Some(next) => {
                assert!(!page.messages.is_empty(), "an empty page with a next one");
                // The cursor survives its text form (what the API sends).
                after = Some(ListCursor::parse(&next.to_string()).unwrap());
            }
        }
    }
    panic!("the walk never ends");
}

/// Messages on three origins and four destinations in several states, with two origins
/// sharing nonces and one nonce held by two messages (a redeployed origin bridge).
async fn seed(store: &Store) -> Vec<NewMessage> {
    let mut msgs = Vec::new();
    for origin in [1u32, 2, 7] {
        for nonce in 0..23u64 {
            let destination = 10 + u32::try_from(nonce % 4).unwrap();
            let sender = u8::try_from(nonce % 3).unwrap() + 1;
            msgs.push(found(nonce, origin, destination, sender));
        }
    }
    // Same origin and nonce, another message.
    msgs.push(found(5, 2, 10, 9));
    msgs.push(found(5, 2, 11, 8));
    store
        .record_indexed("a", 100, [9; 32], &msgs)
        .await
        .unwrap();
    for m in msgs.iter().filter(|m| m.message.nonce.is_multiple_of(5)) {
        let moved = store
            .transition(
                &m.message.id(),
                MessageState::Pending,
                MessageState::Ready,
                None,
                None,
            )
            .await
            .unwrap();
        assert!(moved);
    }
    msgs
}

fn matches(m: &NewMessage, f: &ListFilter) -> bool {
    let msg = &m.message;
    let ready = msg.nonce.is_multiple_of(5);
    f.state.is_none_or(|s| (s == MessageState::Ready) == ready)
        && f.sender.is_none_or(|s| s == msg.sender.0)
        && f.origin.is_none_or(|o| o == msg.origin)
        && f.destination.is_none_or(|d| d == msg.destination)
}

async fn every_page_walk_sees_each_message_once_in_key_order(store: Store) {
    let msgs = seed(&store).await;
    let filters = [
        ListFilter::default(),
        ListFilter {
            state: Some(MessageState::Ready),
            ..Default::default()
        },
        ListFilter {
            state: Some(MessageState::Pending),
            ..Default::default()
        },
        ListFilter {
            sender: Some([2; 32]),
            ..Default::default()
        },
        ListFilter {
            origin: Some(2),
            ..Default::default()
        },
        ListFilter {
            destination: Some(11),
            ..Default::default()
        },
        ListFilter {
            state: Some(MessageState::Pending),
            origin: Some(7),
            destination: Some(12),
            ..Default::default()
        },
    ];
    for filter in filters {
        let expected: HashSet<Key> = msgs
            .iter()
            .filter(|m| matches(m, &filter))
            .map(|m| (m.message.origin, m.message.nonce, m.message.id()))
            .collect();
        assert!(!expected.is_empty(), "{filter:?}");
        for limit in [1, 7, 1_000] {
            let filter = ListFilter {
                limit: Some(limit),
                ..filter.clone()
            };
            let keys = walk(&store, &filter).await;
            let seen: HashSet<Key> = keys.iter().copied().collect();
            assert_eq!(seen.len(), keys.len(), "a message twice: {filter:?}");
            assert_eq!(seen, expected, "{filter:?}");
            assert!(
                keys.windows(2).all(|w| w[0] > w[1]),
                "not in descending key order: {filter:?}"
            );
        }
    }
    // The first page is what `list` gives.
    let first = store
        .list(&ListFilter {
            limit: Some(7),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(first.len(), 7);
    assert_eq!((first[0].origin, first[0].nonce), (7, 22));

    // Messages that arrive during a walk: those behind the cursor are not in it, those ahead
    // of it are, and nothing is seen twice or skipped.
    let filter = ListFilter {
        limit: Some(5),
        ..Default::default()
    };
    let mut keys = Vec::new();
    let mut after = None;
    let mut arrived = false;
    loop {
        let page = store.list_page(&filter, after.as_ref()).await.unwrap();
        keys.extend(page.messages.iter().map(key));
        if !arrived && keys.len() >= 20 {
            arrived = true;
            // Origin 7's nonce 23 sorts before the cursor (in origin 7 still); origin 1's 23
            // and 24 after it.
            let new = [
                found(23, 7, 10, 1),
                found(23, 1, 10, 1),
                found(24, 1, 10, 1),
            ];
            store.record_indexed("a", 101, [9; 32], &new).await.unwrap();
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let seen: HashSet<Key> = keys.iter().copied().collect();
    assert_eq!(seen.len(), keys.len(), "a message twice");
    assert_eq!(
        keys.len(),
        msgs.len() + 2,
        "the two ahead of the cursor are in"
    );
    assert!(keys.iter().any(|k| (k.0, k.1) == (1, 24)));
    assert!(!keys.iter().any(|k| (k.0, k.1) == (7, 23)));
}

async fn a_cursor_without_an_id_skips_its_whole_nonce(store: Store) {
    seed(&store).await;
    let filter = ListFilter {
        origin: Some(2),
        limit: Some(3),
        ..Default::default()
    };
    let page = store
        .list_page(&filter, ListCursor::parse("2:6").as_ref())
        .await
        .unwrap();
    // Nonce 5 of origin 2 holds three messages, in id order (descending); then nonce 4.
    let keys: Vec<Key> = page.messages.iter().map(key).collect();
    assert_eq!(
        keys.iter().map(|k| k.1).collect::<Vec<_>>(),
        vec![5, 5, 5],
        "{keys:?}"
    );
    assert!(keys[0].2 > keys[1].2 && keys[1].2 > keys[2].2);
    let page = store
        .list_page(&filter, ListCursor::parse("2:5").as_ref())
        .await
        .unwrap();
    assert_eq!(page.messages[0].nonce, 4);
}

async fn the_metrics_scrape_counts_only_the_queue(store: Store) {
    let msgs = seed(&store).await;
    let done = msgs[0].message.id();
    assert!(
        store
            .transition(
                &done,
                MessageState::Ready,
                MessageState::Delivered,
                None,
                Some([3; 32])
            )
            .await
            .unwrap()
    );
    let counts = store.counts().await.unwrap();
    assert!(
        counts.iter().all(|c| c.state != MessageState::Delivered),
        "{counts:?}"
    );
    let total: u64 = counts.iter().map(|c| c.count).sum();
    assert_eq!(total, u64::try_from(msgs.len()).unwrap() - 1);
}

/// The queries of [`Store::list_page`] (with a cursor) and [`Store::counts`], by filter, with
/// sample parameters: `(sql, parameters as (kind, value))`.
fn page_queries() -> Vec<(String, Vec<Param>)> {
    let cursor = "(origin, nonce, id) < ($2, $3, $4)";
    let order = "ORDER BY origin DESC, nonce DESC, id DESC LIMIT $5";
    let mut out = Vec::new();
    for (column, value) in [
        ("state", Param::Text("pending".into())),
        ("sender", Param::Bytes(vec![1; 32])),
        ("origin", Param::Int(2)),
        ("destination", Param::Int(11)),
    ] {
        out.push((
            format!("SELECT * FROM messages WHERE {column} = $1 AND {cursor} {order}"),
            vec![
                value,
                Param::Int(2),
                Param::Int(9),
                Param::Bytes(vec![0; 32]),
                Param::Int(101),
            ],
        ));
    }
    out.push((
        "SELECT * FROM messages WHERE (origin, nonce, id) < ($1, $2, $3) \
         ORDER BY origin DESC, nonce DESC, id DESC LIMIT $4"
            .into(),
        vec![
            Param::Int(2),
            Param::Int(9),
            Param::Bytes(vec![0; 32]),
            Param::Int(101),
        ],
    ));
    out
}

#[derive(Debug, Clone)]
enum Param {
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

macro_rules! bind_all {
    ($query:expr, $params:expr) => {{
        let mut q = $query;
        for p in $params {
            q = match p {
                Param::Int(v) => q.bind(*v),
                Param::Text(v) => q.bind(v.clone()),
                Param::Bytes(v) => q.bind(v.clone()),
            };
        }
        q
    }};
}

/// On SQLite every page query searches or scans an index in page order: no temporary
/// B-tree for the ORDER BY, no scan of the table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_pages_are_read_from_an_index_in_page_order() {
    let (_guard, store, url) = crate::store::sqlite_store().await;
    seed(&store).await;
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    for (sql, params) in page_queries() {
        let explain = format!("EXPLAIN QUERY PLAN {sql}");
        let rows: Vec<(i64, i64, i64, String)> = bind_all!(sqlx::query_as(&explain), &params)
            .fetch_all(&pool)
            .await
            .unwrap();
        let plan: Vec<String> = rows.into_iter().map(|r| r.3).collect();
        assert!(
            plan.iter().all(|step| !step.contains("TEMP B-TREE")),
            "{sql}: {plan:?}"
        );
        assert!(
            plan.iter()
                .any(|step| step.contains("USING INDEX") || step.contains("USING COVERING INDEX")),
            "{sql}: {plan:?}"
        );
    }
    pool.close().await;
}

/// On PostgreSQL every page query can be served by an index in page order: with sorting and
/// sequential scans priced out, the plan has no Sort and reads an index.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_pages_are_read_from_an_index_in_page_order() {
    use sqlx::Connection;

    let (_guard, store, url) = crate::store::postgres_store().await;
    seed(&store).await;
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    sqlx::query("SET enable_seqscan = off")
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("SET enable_sort = off")
        .execute(&mut conn)
        .await
        .unwrap();
    for (sql, params) in page_queries() {
        let explain = format!("EXPLAIN {sql}");
        let rows: Vec<(String,)> = bind_all!(sqlx::query_as(&explain), &params)
            .fetch_all(&mut conn)
            .await
            .unwrap();
        let plan = rows.into_iter().map(|r| r.0).collect::<Vec<_>>().join("\n");
        assert!(!plan.contains("Sort"), "{sql}:\n{plan}");
        assert!(plan.contains("Index"), "{sql}:\n{plan}");
        // The cursor is a bound of the index scan, not a filter over the rows before it.
        assert!(
            plan.contains("Index Cond") && plan.contains("ROW("),
            "{sql}:\n{plan}"
        );
    }
    conn.close().await.unwrap();
}
