//! The one destination worker: it drives a destination of any chain kind ([`Destination`])
//! through `pending` (collect) -> `ready` (submit) -> `submitted` (confirm) -> `delivered`, or
//! `queued` -> (execute) -> `delivered` / `cancelled`, with one scheduling model:
//!
//! - Each stage runs as its own loop ([`run`]), so that collecting the next messages'
//!   attestations, sending the ready ones and confirming the sent ones overlap instead of
//!   waiting for each other (the states they claim are disjoint). A stage goes again at once
//!   while it moves work; when idle it waits one tick (`poll_interval_ms`), or until the stage
//!   before it hands it work, or, for collect, `attestation_poll_ms` while recently indexed
//!   messages wait for attestations, or until this process's indexer records new messages.
//! - A stage takes its messages in one of two [`Unit`]s, as the chain kind says: a
//!   [`Unit::Pass`] claims what the destination has room for and works on it all before the
//!   next pass (an EVM chain, where one transaction delivers a batch); a [`Unit::Message`]
//!   works on each claimed message as its own task, at most a bound in flight, so a slow one
//!   holds one place, not the queue (a Solana chain, one landing per message).
//! - A message is in at most one task of this process: the store's claim lease keeps other
//!   passes and instances off it, and a message still being worked on is not started again
//!   even if its lease ran out and a pass claimed it anew (its claim is given back at once).
//!
//! Everything a stage records goes through the worker's [`Lane`] (one lease, one retry policy);
//! on shutdown the messages in flight finish their current step and nothing new starts.

use std::collections::HashSet;
use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;

use super::collect;
use super::destination::{self, DestinationBridge};
use super::lane::Lane;
use crate::store::{MessageRecord, MessageState};

/// Pending messages one collect pass claims: enough for this many full batches (or landings).
pub(crate) const COLLECT_BATCHES: usize = 4;

/// Queued transfers one execute pass claims, or that are in flight at once.
pub(crate) const EXECUTE_BATCH: usize = 8;

/// The stages of a destination worker, each run as its own loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// `pending` -> `ready`: attestations collected up to the route's threshold.
    Collect,
    /// `ready` -> `submitted`: the delivery sent.
    Submit,
    /// `submitted` -> `delivered`, `queued` or `cancelled`: the delivery final on chain.
    Confirm,
    /// `queued` -> `delivered` or `cancelled`.
    Execute,
}

impl Stage {
    /// The state the stage claims its messages in.
    pub(crate) fn state(self) -> MessageState {
        match self {
            Stage::Collect => MessageState::Pending,
            Stage::Submit => MessageState::Ready,
            Stage::Confirm => MessageState::Submitted,
            Stage::Execute => MessageState::Queued,
        }
    }

    /// Its name in logs and metrics.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Stage::Collect => "collect",
            Stage::Submit => "submit",
            Stage::Confirm => "confirm",
            Stage::Execute => "execute",
        }
    }
}

/// How a stage takes its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    /// A pass claims as many messages as [`Destination::room`] says and works on all of them
    /// before the next pass.
    Pass,
    /// Each claimed message is worked on as its own task, at most this many in flight.
    Message(usize),
}

/// A destination of one chain kind, as the worker drives it: how its submit and confirm
/// stages take their messages and what they do with them. Collecting attestations and
/// executing queued transfers are the same for every kind ([`Lane::collect`],
/// [`destination::execute`]).
pub(crate) trait Destination: DestinationBridge + Send + Sized + 'static {
    /// What the worker holds for this destination.
    fn lane(&self) -> &Lane;

    /// How `stage` (submit, confirm or execute) takes its messages.
    fn unit(&self, stage: Stage) -> Unit;

    /// How many messages a [`Unit::Pass`] of `stage` may claim now (0: none, wait a tick).
    fn room(&self, stage: Stage) -> impl Future<Output = u32> + Send;

    /// Works on claimed `pending` messages; returns whether any moved on. By default the
    /// collect pass every destination shares.
    fn collect(&self, records: Vec<MessageRecord>) -> impl Future<Output = bool> + Send {
        self.lane().collect(records)
    }

    /// Works on claimed `ready` messages, each outcome persisted (moved on, deferred, or a
    /// failed attempt recorded); returns whether any moved on.
    fn submit(&self, records: Vec<MessageRecord>) -> impl Future<Output = bool> + Send;

    /// Works on claimed `submitted` messages, likewise.
    fn confirm(&self, records: Vec<MessageRecord>) -> impl Future<Output = bool> + Send;
}

/// Works the queues of `destination` until shutdown, and reads the sets it holds every tick
/// and the relayer's balance on it every 30 ticks ([`Lane::housekeeping`]).
pub(crate) async fn run<D: Destination>(destination: D, shutdown: watch::Receiver<bool>) {
    // The sets the destination holds now (a rotation while the daemon was down), before any
    // stage uses them.
    destination.lane().refresh_sets(&destination).await;
    destination.lane().refresh_paused(&destination).await;
    let worker = Arc::new(Worker {
        destination,
        kicks: Kicks::default(),
        in_flight: Arc::new(Mutex::new(HashSet::new())),
    });
    tokio::join!(
        worker.clone().stage_loop(Stage::Collect, shutdown.clone()),
        worker.clone().stage_loop(Stage::Submit, shutdown.clone()),
        worker.clone().stage_loop(Stage::Confirm, shutdown.clone()),
        worker.clone().stage_loop(Stage::Execute, shutdown.clone()),
        worker
            .destination
            .lane()
            .housekeeping(&worker.destination, shutdown),
    );
}

/// A destination and what its stage loops share.
struct Worker<D> {
    destination: D,
    kicks: Kicks,
    /// The ids of the messages this process is working on in a task.
    in_flight: Arc<Mutex<HashSet<[u8; 32]>>>,
}

/// A stage's loop is woken when the stage before it moved messages its way.
#[derive(Debug, Default)]
struct Kicks {
    submit: Notify,
    confirm: Notify,
}

impl Kicks {
    /// Wakes the stage after `stage`.
    fn after(&self, stage: Stage) {
        match stage {
            Stage::Collect => self.submit.notify_one(),
            Stage::Submit => self.confirm.notify_one(),
            Stage::Confirm | Stage::Execute => {}
        }
    }

    /// What wakes `stage` (never, for those no stage hands work to).
    async fn of(&self, stage: Stage) {
        match stage {
            Stage::Submit => self.submit.notified().await,
            Stage::Confirm => self.confirm.notified().await,
            Stage::Collect | Stage::Execute => std::future::pending().await,
        }
    }
}

impl<D: Destination> Worker<D> {
    fn lane(&self) -> &Lane {
        self.destination.lane()
    }

    fn unit(&self, stage: Stage) -> Unit {
        match stage {
            Stage::Collect => Unit::Pass,
            Stage::Submit | Stage::Confirm | Stage::Execute => self.destination.unit(stage),
        }
    }

    /// Works on claimed messages of `stage`; returns whether any moved on.
    async fn work(&self, stage: Stage, records: Vec<MessageRecord>) -> bool {
        match stage {
            Stage::Collect => self.destination.collect(records).await,
            Stage::Submit => self.destination.submit(records).await,
            Stage::Confirm => self.destination.confirm(records).await,
            Stage::Execute => {
                let mut moved = false;
                for record in records {
                    moved |= self.execute(&record).await;
                }
                moved
            }
        }
    }

    /// The execute stage for one queued message: moved on, deferred five ticks (not
    /// executable yet), or a failed attempt.
    async fn execute(&self, record: &MessageRecord) -> bool {
        let lane = self.lane();
        let outcome = destination::execute(&self.destination, &lane.ledger(), record).await;
        lane.outcome(
            record,
            MessageState::Queued,
            "execute",
            outcome,
            lane.tick() * 5,
        )
        .await
    }

    /// Whether `stage` takes no message now: submit and execute while the destination is
    /// paused (what they would send reverts; collect and confirm go on).
    fn held(&self, stage: Stage) -> bool {
        matches!(stage, Stage::Submit | Stage::Execute) && self.lane().is_paused()
    }

    /// How many messages a pass of `stage` claims now.
    async fn room(&self, stage: Stage) -> u32 {
        match stage {
            Stage::Collect => {
                collect::claim_limit(self.lane().settings.batch_size, COLLECT_BATCHES)
            }
            Stage::Execute => EXECUTE_BATCH as u32,
            _ => self.destination.room(stage).await,
        }
    }

    async fn stage_loop(self: Arc<Self>, stage: Stage, mut shutdown: watch::Receiver<bool>) {
        let lane = self.lane();
        let tick = lane.tick();
        let soon = Duration::from_millis(lane.settings.attestation_poll_ms).min(tick);
        let mut indexed = lane.store.indexed_signal();
        let mut flights = match self.unit(stage) {
            Unit::Pass => None,
            Unit::Message(bound) => Some(Flights::new(bound)),
        };
        while !*shutdown.borrow() {
            let started = Instant::now();
            let worked = match flights.as_mut() {
                None => self.pass(stage).await,
                Some(flights) => self.clone().start(stage, flights).await,
            };
            if worked {
                self.kicks.after(stage);
            }
            if *shutdown.borrow() {
                break;
            }
            if worked {
                tracing::debug!(destination = %lane.name, stage = stage.name(), elapsed_ms = started.elapsed().as_millis() as u64, "stage pass moved messages");
                // Let the other stages' tasks in between passes.
                tokio::task::yield_now().await;
                continue;
            }
            let idle = if stage == Stage::Collect && lane.waiting.swap(false, Ordering::Relaxed) {
                soon
            } else {
                tick
            };
            let new_messages = async {
                if stage != Stage::Collect || indexed.changed().await.is_err() {
                    std::future::pending::<()>().await;
                }
            };
            let finished = async {
                match flights.as_mut() {
                    Some(flights) => flights.next().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                biased;
                _ = shutdown.changed() => break,
                _ = tokio::time::sleep(idle) => {}
                () = self.kicks.of(stage) => {}
                () = new_messages => {}
                moved = finished => {
                    if moved {
                        self.kicks.after(stage);
                    }
                }
            }
        }
        if let Some(mut flights) = flights {
            if !flights.tasks.is_empty() {
                tracing::info!(destination = %lane.name, stage = stage.name(), in_flight = flights.tasks.len(), "waiting for the messages in flight to finish their step");
            }
            while flights.tasks.join_next().await.is_some() {}
        }
    }

    /// One pass of a [`Unit::Pass`] stage, in its own task: a panic in it is logged and ends
    /// the pass (its messages keep their claims until the lease ends), not the worker.
    async fn pass(self: &Arc<Self>, stage: Stage) -> bool {
        if self.held(stage) {
            return false;
        }
        let room = self.room(stage).await;
        if room == 0 {
            return false;
        }
        let records = self.lane().claim(stage.state(), room).await;
        if records.is_empty() {
            return false;
        }
        let this = self.clone();
        outcome(tokio::spawn(async move { this.work(stage, records).await }).await)
    }

    /// For a [`Unit::Message`] stage: takes the results of finished tasks, then claims as
    /// many messages as there are free places and starts a task for each. Returns whether a
    /// finished task moved its message on.
    async fn start(self: Arc<Self>, stage: Stage, flights: &mut Flights) -> bool {
        let worked = flights.reap();
        let free = flights.places.available_permits();
        if free == 0 || self.held(stage) {
            return worked;
        }
        let lane = self.lane();
        let state = stage.state();
        let limit = u32::try_from(free).unwrap_or(u32::MAX);
        for record in lane.claim(state, limit).await {
            if !lock(&self.in_flight).insert(record.id) {
                // Still being worked on by this process: its task moved it to this state and
                // has not ended yet (or its lease ran out). That task moves it on; give the
                // claim back so that it is not held for a whole lease once the task has ended
                // (seen: a landed message left `submitted` for 300 s).
                lane.defer(&record, state, Duration::ZERO).await;
                continue;
            }
            let flight = InFlight {
                ids: self.in_flight.clone(),
                id: record.id,
                _place: match flights.places.clone().try_acquire_owned() {
                    Ok(place) => place,
                    Err(_) => {
                        // Cannot happen (only this loop takes places); release the claim.
                        lock(&self.in_flight).remove(&record.id);
                        lane.defer(&record, state, Duration::ZERO).await;
                        continue;
                    }
                },
            };
            let this = self.clone();
            flights.tasks.spawn(async move {
                let moved = this.work(stage, vec![record]).await;
                drop(flight);
                moved
            });
        }
        worked
    }
}

/// The tasks of a [`Unit::Message`] stage and its free places.
struct Flights {
    places: Arc<Semaphore>,
    tasks: JoinSet<bool>,
}

impl Flights {
    fn new(bound: usize) -> Self {
        Self {
            places: Arc::new(Semaphore::new(bound.max(1))),
            tasks: JoinSet::new(),
        }
    }

    /// Takes the results of finished tasks; returns whether any moved its message on.
    fn reap(&mut self) -> bool {
        let mut moved = false;
        while let Some(done) = self.tasks.try_join_next() {
            moved |= outcome(done);
        }
        moved
    }

    /// Waits for the next task to finish (never, when none is in flight); returns whether it
    /// moved its message on.
    async fn next(&mut self) -> bool {
        match self.tasks.join_next().await {
            Some(done) => outcome(done),
            None => std::future::pending().await,
        }
    }
}

fn outcome(done: std::result::Result<bool, tokio::task::JoinError>) -> bool {
    done.unwrap_or_else(|e| {
        // The message keeps its claim until the lease runs out, then it is claimed again.
        tracing::error!(error = %e, "a destination task ended abnormally");
        false
    })
}

/// A message in flight: its place in the stage and its id in the in-flight set, both given
/// back when the task ends, however it ends (a panic included).
struct InFlight {
    ids: Arc<Mutex<HashSet<[u8; 32]>>>,
    id: [u8; 32],
    _place: OwnedSemaphorePermit,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        lock(&self.ids).remove(&self.id);
    }
}

/// The in-flight set (a panic while it was held does not stop the worker: the set is only
/// ever inserted into and removed from).
fn lock(ids: &Mutex<HashSet<[u8; 32]>>) -> std::sync::MutexGuard<'_, HashSet<[u8; 32]>> {
    ids.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests;
