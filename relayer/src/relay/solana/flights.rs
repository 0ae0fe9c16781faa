//! How the Solana destination worker runs its stages: every claimed message is worked on as
//! its own task, and each stage has a bound on how many of its messages are in flight at once
//! ([`Flights`]). A pass claims only as many messages of a stage as it has free places, so a
//! slow message (a landing that takes its whole timeout) holds one place, not the queue, and
//! a failing one is recorded (with backoff) by its own task without touching the others.
//!
//! The `pending` stage is the exception: the messages a pass claims are collected together,
//! in one task, by the collect pass every destination shares (one batched request per
//! validator).
//!
//! The `ready` stage lands up to `relayer.batch_size` messages at once (there is no batch
//! transaction on Solana: the key means "messages landed concurrently" here). Each message
//! still goes through its steps in order, each persisted before the next acts on it, and
//! each step reads the receipt PDA first (see the parent module): concurrency is between
//! messages, never within one. A message is in at most one task: the store's claim lease
//! keeps other passes and instances off it, and a message this process is still working on
//! is not started again even if its lease ran out and a pass claimed it anew.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;

use super::SolanaDestination;
use crate::daemon::pause;
use crate::store::{MessageRecord, MessageState};

/// Passes of the `pending` stage claim enough messages for this many landings each.
const COLLECT_PASS_LANDINGS: usize = 4;
/// Messages of the `submitted` stage (receipt reads; `execute_message` for arbitrary
/// messages) in flight at once.
const CONFIRM_IN_FLIGHT: usize = 32;
/// Queued transfers (`execute_queued` once their time has come) in flight at once.
const EXECUTE_IN_FLIGHT: usize = 8;

/// One stage's bound.
#[derive(Debug)]
struct Stage {
    state: MessageState,
    places: Arc<Semaphore>,
}

/// The messages being worked on, each as a task, at most a bound per stage.
#[derive(Debug)]
pub(super) struct Flights {
    stages: Vec<Stage>,
    tasks: JoinSet<bool>,
    /// The ids of the messages in `tasks`.
    ids: Arc<Mutex<HashSet<[u8; 32]>>>,
}

impl Flights {
    /// The bounds: `landing` messages of the `ready` stage at once, constants for the others.
    pub(super) fn new(landing: usize) -> Self {
        let stage = |state, bound: usize| Stage {
            state,
            places: Arc::new(Semaphore::new(bound.max(1))),
        };
        Self {
            stages: vec![
                stage(
                    MessageState::Pending,
                    crate::relay::collect::claim_limit(landing, COLLECT_PASS_LANDINGS) as usize,
                ),
                stage(MessageState::Ready, landing),
                stage(MessageState::Submitted, CONFIRM_IN_FLIGHT),
                stage(MessageState::Queued, EXECUTE_IN_FLIGHT),
            ],
            tasks: JoinSet::new(),
            ids: Arc::new(Mutex::new(HashSet::new())),
        }
    }

    /// How many messages are in flight.
    pub(super) fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Takes the results of finished tasks; returns whether any moved its message on.
    fn reap(&mut self) -> bool {
        let mut moved = false;
        while let Some(done) = self.tasks.try_join_next() {
            moved |= Self::outcome(done);
        }
        moved
    }

    /// Waits for the next task to finish (never, when none is in flight); returns whether
    /// it moved its message on.
    async fn next(&mut self) -> bool {
        match self.tasks.join_next().await {
            Some(done) => Self::outcome(done),
            None => std::future::pending().await,
        }
    }

    fn outcome(done: std::result::Result<bool, tokio::task::JoinError>) -> bool {
        done.unwrap_or_else(|e| {
            // The message keeps its claim until the lease runs out, then it is claimed again.
            tracing::error!(error = %e, "a Solana destination task ended abnormally");
            false
        })
    }
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

/// Marks `id` in flight; false when it is already.
fn start(ids: &Mutex<HashSet<[u8; 32]>>, id: [u8; 32]) -> bool {
    lock(ids).insert(id)
}

/// The in-flight set (a panic while it was held does not stop the worker: the set is only
/// ever inserted into and removed from).
fn lock(ids: &Mutex<HashSet<[u8; 32]>>) -> std::sync::MutexGuard<'_, HashSet<[u8; 32]>> {
    ids.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl SolanaDestination {
    /// Works the queues until shutdown; on shutdown, lets the messages in flight finish
    /// their current step (as a pass did before), starting nothing new.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!(destination = %self.lane.name, payer = %self.payer.pubkey(), program = %self.program.id, in_flight = self.lane.settings.batch_size, "solana destination worker started");
        // The sets the program holds: read before the first pass (a rotation while the
        // daemon was down), then once a tick in their own task (with the payer's balance),
        // never per message and stage.
        self.lane.refresh_sets(&self).await;
        let this = Arc::new(self);
        let tick = this.lane.tick();
        let housekeeping = {
            let (this, shutdown) = (this.clone(), shutdown.clone());
            tokio::spawn(async move { this.lane.housekeeping(&*this, shutdown).await })
        };
        let mut flights = Flights::new(this.lane.settings.batch_size);
        loop {
            let worked = this.step(&mut flights).await;
            if worked && !*shutdown.borrow() {
                continue;
            }
            // Idle: the next pass comes after a tick, or as soon as a message in flight
            // finishes (its next stage may be claimable at once).
            let stop = tokio::select! {
                stop = pause(&mut shutdown, tick) => stop,
                _ = flights.next() => false,
            };
            if stop {
                if flights.len() > 0 {
                    tracing::info!(destination = %this.lane.name, in_flight = flights.len(), "waiting for the messages in flight to finish their step");
                }
                while flights.tasks.join_next().await.is_some() {}
                let _ = housekeeping.await;
                return;
            }
        }
    }

    /// One pass: takes the results of finished messages, then claims, for every stage, as
    /// many messages as it has free places and starts a task for each. Returns whether a
    /// finished message moved on (so another pass may find work at once).
    pub(super) async fn step(self: &Arc<Self>, flights: &mut Flights) -> bool {
        let worked = flights.reap();
        let Flights { stages, tasks, ids } = flights;
        for stage in stages.iter() {
            let free = stage.places.available_permits();
            if free == 0 {
                continue;
            }
            let limit = u32::try_from(free).unwrap_or(u32::MAX);
            let records = self.lane.claim(stage.state, limit).await;
            let mut claimed: Vec<(MessageRecord, InFlight)> = Vec::with_capacity(records.len());
            for record in records {
                if !start(ids, record.id) {
                    // Still being worked on by this process: its task moved it to this state
                    // and has not ended yet (or its lease ran out). That task moves it on;
                    // give the claim back so that it is not held for a whole lease once the
                    // task has ended (seen: a landed message left `submitted` for 300 s).
                    if let Err(e) = self
                        .lane
                        .store
                        .defer(&record.id, stage.state, Duration::ZERO)
                        .await
                    {
                        tracing::warn!(error = %e, "cannot release a claimed message");
                    }
                    continue;
                }
                let Ok(place) = stage.places.clone().try_acquire_owned() else {
                    // Cannot happen (only this loop takes places); release the claim.
                    self.release(ids, &record, stage.state).await;
                    continue;
                };
                let flight = InFlight {
                    ids: ids.clone(),
                    id: record.id,
                    _place: place,
                };
                claimed.push((record, flight));
            }
            if claimed.is_empty() {
                continue;
            }
            if stage.state == MessageState::Pending {
                let this = self.clone();
                tasks.spawn(async move {
                    let (records, flights): (Vec<_>, Vec<_>) = claimed.into_iter().unzip();
                    let moved = this.collect(records).await;
                    drop(flights);
                    moved
                });
                continue;
            }
            for (record, flight) in claimed {
                let this = self.clone();
                let state = stage.state;
                tasks.spawn(async move {
                    let moved = this.work(&record, state).await;
                    drop(flight);
                    moved
                });
            }
        }
        worked
    }

    async fn release(
        &self,
        ids: &Mutex<HashSet<[u8; 32]>>,
        record: &MessageRecord,
        state: MessageState,
    ) {
        lock(ids).remove(&record.id);
        if let Err(e) = self
            .lane
            .store
            .defer(&record.id, state, Duration::ZERO)
            .await
        {
            tracing::warn!(error = %e, "cannot release a claimed message");
        }
    }

    /// The step of `record` in `state`, its outcome persisted: moved on, deferred (not yet),
    /// or a failed attempt recorded with backoff. Returns whether it moved on.
    async fn work(&self, record: &MessageRecord, state: MessageState) -> bool {
        let (stage, outcome) = match state {
            MessageState::Ready => ("submit", self.submit(record).await),
            MessageState::Submitted => ("confirm", self.confirm(record).await),
            MessageState::Queued => (
                "execute",
                crate::relay::destination::execute(self, &self.lane.ledger(), record).await,
            ),
            // `pending` messages are collected together ([`SolanaDestination::collect`]);
            // no other state is claimed.
            _ => return false,
        };
        match outcome {
            Ok(true) => true,
            Ok(false) => {
                let delay = if state == MessageState::Queued { 5 } else { 1 };
                let delay = Duration::from_millis(self.lane.settings.poll_interval_ms) * delay;
                if let Err(e) = self.lane.store.defer(&record.id, state, delay).await {
                    tracing::warn!(error = %e, "cannot defer message");
                }
                false
            }
            Err(e) => {
                self.fail(record, state, stage, &e).await;
                false
            }
        }
    }
}
