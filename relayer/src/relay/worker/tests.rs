//! The worker over a fake destination (no node, a real SQLite store): messages placed in
//! `ready` go through submit and confirm (and execute, when the fake queues them) exactly once
//! each, under both units of work, with a failing message blocking none of the others.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use trestle_bridge::{Message, ValidatorSet};
use trestle_bridge_client::DeliveryStatus;
use trestle_core::chain::UniversalAddress;

use super::{Destination, Stage, Unit, run};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::metrics::Metrics;
use crate::relay::destination::{DestinationBridge, settled_state};
use crate::relay::lane::Lane;
use crate::store::{MessageRecord, MessageState, NewMessage, Store};

const CONFIG: &str = r#"
[store]
url = "sqlite://unused.db"

[[chains]]
name = "a"
domain = 1
chain_id = 31337
rpc_urls = ["http://127.0.0.1:1"]
bridge = "0x5FbDB2315678afecb367f032d93F642f64180aa3"

[[chains]]
name = "b"
domain = 2
chain_id = 31338
rpc_urls = ["http://127.0.0.1:1"]
bridge = "0x5FbDB2315678afecb367f032d93F642f64180aa3"

[[routes]]
from = "a"
to = "b"
epoch = 1
threshold = 1
validators = [
  { address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", url = "http://127.0.0.1:1" },
]

[relayer]
keystore = "relayer.json"
batch_size = 4
poll_interval_ms = 20
backoff_initial_ms = 10
backoff_max_ms = 20
max_attempts = 2
"#;

/// A destination in memory: what the bridge recorded for each message, and what the worker
/// did to it.
struct Fake {
    lane: Lane,
    unit: Unit,
    /// Messages whose every submit attempt fails.
    failing: HashSet<[u8; 32]>,
    /// Messages the bridge queues when delivered.
    queue: HashSet<[u8; 32]>,
    /// Queued messages the guardian cancels once they are queued.
    cancel: HashSet<[u8; 32]>,
    status: Mutex<HashMap<[u8; 32], DeliveryStatus>>,
    /// Deliveries sent, per message.
    sent: Mutex<HashMap<[u8; 32], u32>>,
    /// `executeQueued` sent, per message.
    executed: Mutex<HashMap<[u8; 32], u32>>,
    running: AtomicUsize,
    peak: AtomicUsize,
    executing: AtomicUsize,
    execute_peak: AtomicUsize,
}

impl Fake {
    fn status_of(&self, id: &[u8; 32]) -> DeliveryStatus {
        self.status
            .lock()
            .unwrap()
            .get(id)
            .copied()
            .unwrap_or(DeliveryStatus::None)
    }

    /// Sends one delivery: takes a while, and the bridge records it.
    async fn send(&self, record: &MessageRecord) -> Result<()> {
        if self.failing.contains(&record.id) {
            return Err(Error::CorruptRow("the fake refuses this message".into()));
        }
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(30)).await;
        self.running.fetch_sub(1, Ordering::SeqCst);
        *self.sent.lock().unwrap().entry(record.id).or_default() += 1;
        let status = if self.queue.contains(&record.id) {
            DeliveryStatus::Queued
        } else {
            DeliveryStatus::Executed
        };
        self.status.lock().unwrap().insert(record.id, status);
        Ok(())
    }
}

impl DestinationBridge for Fake {
    async fn validator_set(&self, _: u32, _: &UniversalAddress) -> Result<ValidatorSet> {
        Err(Error::CorruptRow("the fake bridge holds no set".into()))
    }

    async fn balance(&self) -> Result<(u128, u32)> {
        Ok((10u128.pow(18), 18))
    }

    async fn status(&self, record: &MessageRecord) -> Result<DeliveryStatus> {
        Ok(self.status_of(&record.id))
    }

    async fn execute_queued(&self, record: &MessageRecord) -> Result<bool> {
        let now = self.executing.fetch_add(1, Ordering::SeqCst) + 1;
        self.execute_peak.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(30)).await;
        self.executing.fetch_sub(1, Ordering::SeqCst);
        *self.executed.lock().unwrap().entry(record.id).or_default() += 1;
        self.status
            .lock()
            .unwrap()
            .insert(record.id, DeliveryStatus::Executed);
        Ok(true)
    }
}

impl Destination for Fake {
    fn lane(&self) -> &Lane {
        &self.lane
    }

    fn unit(&self, _stage: Stage) -> Unit {
        self.unit
    }

    async fn room(&self, _stage: Stage) -> u32 {
        4
    }

    async fn submit(&self, records: Vec<MessageRecord>) -> bool {
        let lane = &self.lane;
        let mut moved = false;
        for record in records {
            match self.send(&record).await {
                Ok(()) => {
                    moved |= lane
                        .store
                        .transition(
                            &record.id,
                            MessageState::Ready,
                            MessageState::Submitted,
                            Some(&lane.worker),
                            None,
                        )
                        .await
                        .unwrap();
                }
                Err(e) => lane.fail(&record, MessageState::Ready, "submit", &e).await,
            }
        }
        moved
    }

    async fn confirm(&self, records: Vec<MessageRecord>) -> bool {
        let mut moved = false;
        for record in records {
            let to = settled_state(self.status_of(&record.id)).unwrap();
            moved |= self
                .lane
                .ledger()
                .settle_one(&record, MessageState::Submitted, to)
                .await
                .unwrap();
            if to == MessageState::Queued && self.cancel.contains(&record.id) {
                self.status
                    .lock()
                    .unwrap()
                    .insert(record.id, DeliveryStatus::Cancelled);
            }
        }
        moved
    }
}

/// A store holding `n` messages from `a` to `b` in `ready`, and a fake destination `b` over
/// it with `unit`; `pick` chooses, by index, the failing, queued and cancelled messages.
async fn ready(
    n: u64,
    unit: Unit,
    pick: impl Fn(u64) -> (bool, bool, bool),
) -> (Fake, Vec<[u8; 32]>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("store.db").display());
    let store = Store::connect(&url, 2).await.unwrap();
    let messages: Vec<NewMessage> = (0..n)
        .map(|nonce| NewMessage {
            message: Message::new(
                nonce,
                1,
                UniversalAddress([1; 32]),
                2,
                UniversalAddress([2; 32]),
                vec![1, 2, 3],
            )
            .unwrap(),
            origin_height: 1,
            origin_block_hash: [9; 32],
            origin_tx: vec![3; 32],
        })
        .collect();
    store
        .record_indexed("a", 1, [9; 32], &messages)
        .await
        .unwrap();
    let ids: Vec<[u8; 32]> = messages.iter().map(|m| m.message.id()).collect();
    for id in &ids {
        assert!(
            store
                .transition(id, MessageState::Pending, MessageState::Ready, None, None)
                .await
                .unwrap()
        );
    }
    let config = Config::parse(CONFIG).unwrap();
    let chain = config.chain("b").unwrap().clone();
    let settings = config.relayer.clone().unwrap();
    let lane = Lane::new(
        &config,
        &chain,
        &settings,
        &store,
        &Arc::new(Metrics::new()),
        "test",
        &Arc::new(crate::relay::fees::FeeQuoter::free()),
    )
    .unwrap();
    let chosen = |which: usize| -> HashSet<[u8; 32]> {
        ids.iter()
            .enumerate()
            .filter(|(i, _)| {
                let p = pick(*i as u64);
                [p.0, p.1, p.2][which]
            })
            .map(|(_, id)| *id)
            .collect()
    };
    let fake = Fake {
        lane,
        unit,
        failing: chosen(0),
        queue: chosen(1),
        cancel: chosen(2),
        status: Mutex::default(),
        sent: Mutex::default(),
        executed: Mutex::default(),
        running: AtomicUsize::new(0),
        peak: AtomicUsize::new(0),
        executing: AtomicUsize::new(0),
        execute_peak: AtomicUsize::new(0),
    };
    (fake, ids, dir)
}

/// Runs the worker over `fake` until every message of `ids` is in a final state (delivered,
/// cancelled, failed), then stops it; returns each message's state and the fake.
async fn drive(fake: Fake, ids: &[[u8; 32]]) -> (Vec<MessageState>, Arc<Fake>) {
    let store = fake.lane.store.clone();
    let fake = Arc::new(fake);
    let (stop, stopped) = watch::channel(false);
    let worker = tokio::spawn(run(Shared(fake.clone()), stopped));
    let deadline = Instant::now() + Duration::from_secs(30);
    let states = loop {
        let mut states = Vec::new();
        for id in ids {
            states.push(store.message(id).await.unwrap().unwrap().state);
        }
        let done = states.iter().all(|s| {
            matches!(
                s,
                MessageState::Delivered | MessageState::Cancelled | MessageState::Failed
            )
        });
        if done {
            break states;
        }
        assert!(Instant::now() < deadline, "not settled: {states:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(10), worker)
        .await
        .expect("the worker stops on shutdown")
        .unwrap();
    (states, fake)
}

/// The fake, shared with the test that inspects it after the worker ran.
struct Shared(Arc<Fake>);

impl DestinationBridge for Shared {
    async fn validator_set(&self, o: u32, b: &UniversalAddress) -> Result<ValidatorSet> {
        self.0.validator_set(o, b).await
    }

    async fn balance(&self) -> Result<(u128, u32)> {
        self.0.balance().await
    }

    async fn status(&self, record: &MessageRecord) -> Result<DeliveryStatus> {
        self.0.status(record).await
    }

    async fn execute_queued(&self, record: &MessageRecord) -> Result<bool> {
        self.0.execute_queued(record).await
    }
}

impl Destination for Shared {
    fn lane(&self) -> &Lane {
        self.0.lane()
    }

    fn unit(&self, stage: Stage) -> Unit {
        self.0.unit(stage)
    }

    async fn room(&self, stage: Stage) -> u32 {
        self.0.room(stage).await
    }

    async fn submit(&self, records: Vec<MessageRecord>) -> bool {
        self.0.submit(records).await
    }

    async fn confirm(&self, records: Vec<MessageRecord>) -> bool {
        self.0.confirm(records).await
    }
}

fn count(map: &Mutex<HashMap<[u8; 32], u32>>, id: &[u8; 32]) -> u32 {
    map.lock().unwrap().get(id).copied().unwrap_or(0)
}

#[tokio::test]
async fn by_pass_every_ready_message_is_delivered_once() {
    let (fake, ids, _dir) = ready(10, Unit::Pass, |_| (false, false, false)).await;
    let (states, fake) = drive(fake, &ids).await;
    assert!(states.iter().all(|s| *s == MessageState::Delivered));
    for id in &ids {
        assert_eq!(count(&fake.sent, id), 1);
    }
    // A pass works its messages one after another here.
    assert_eq!(fake.peak.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn by_message_the_bound_holds_and_a_failing_message_blocks_none() {
    let (fake, ids, _dir) = ready(12, Unit::Message(3), |i| (i == 0, false, false)).await;
    let (states, fake) = drive(fake, &ids).await;
    assert_eq!(
        states[0],
        MessageState::Failed,
        "retried to the cap, then parked"
    );
    for (id, state) in ids.iter().zip(&states).skip(1) {
        assert_eq!(*state, MessageState::Delivered);
        assert_eq!(count(&fake.sent, id), 1, "delivered once");
    }
    let peak = fake.peak.load(Ordering::SeqCst);
    assert!((2..=3).contains(&peak), "in flight at once: {peak}");
}

#[tokio::test]
async fn queued_messages_are_executed_once_or_recorded_cancelled() {
    // Every message is queued by the bridge; the guardian cancels the even ones.
    let (fake, ids, _dir) = ready(6, Unit::Message(4), |i| (false, true, i % 2 == 0)).await;
    let (states, fake) = drive(fake, &ids).await;
    for (i, (id, state)) in ids.iter().zip(&states).enumerate() {
        if i % 2 == 0 {
            assert_eq!(*state, MessageState::Cancelled);
            assert_eq!(
                count(&fake.executed, id),
                0,
                "a cancelled transfer is never executed"
            );
        } else {
            assert_eq!(*state, MessageState::Delivered);
            assert_eq!(count(&fake.executed, id), 1);
        }
    }
}

#[tokio::test]
async fn by_pass_queued_transfers_are_executed_one_after_another() {
    // An EVM bridge: each executeQueued takes from the inbound bucket, so one is sent only
    // after the one before it was mined.
    let (fake, ids, _dir) = ready(6, Unit::Pass, |_| (false, true, false)).await;
    let (states, fake) = drive(fake, &ids).await;
    for (id, state) in ids.iter().zip(&states) {
        assert_eq!(*state, MessageState::Delivered);
        assert_eq!(count(&fake.executed, id), 1);
    }
    assert_eq!(
        fake.execute_peak.load(Ordering::SeqCst),
        1,
        "never two at once"
    );
}
