//! What every destination worker shares once a destination bridge has said what became of a
//! message: the state that status settles a message in ([`settled_state`]), the recording of
//! that move ([`Ledger`]: one transition, the delivery counted once), and the whole execute
//! stage ([`execute`]) over the two operations each chain kind implements
//! ([`DestinationBridge`]: the EVM destination in `relay/execute.rs`, the Solana one in
//! `relay/solana.rs`).
//!
//! The two workers used to carry their own copies of this; they drifted, and a Solana
//! destination recorded a queued transfer its guardian had cancelled as `delivered`.

use std::future::Future;

use trestle_bridge::ValidatorSet;
use trestle_bridge_client::DeliveryStatus;
use trestle_core::chain::UniversalAddress;

use crate::error::{Error, Result};
use crate::metrics::Metrics;
use crate::store::{MessageRecord, MessageState, Store};

/// The state a message settles in once the destination bridge recorded `status` for it;
/// `None` when the bridge recorded nothing (the transaction left it undelivered).
pub(crate) fn settled_state(status: DeliveryStatus) -> Option<MessageState> {
    match status {
        DeliveryStatus::None => None,
        DeliveryStatus::Queued => Some(MessageState::Queued),
        DeliveryStatus::Cancelled => Some(MessageState::Cancelled),
        // A failed recipient call is delivered (anyone may retry it on chain); a Solana
        // message the worker could not hand to its recipient is delivered too.
        DeliveryStatus::Executed | DeliveryStatus::RecipientFailed | DeliveryStatus::Received => {
            Some(MessageState::Delivered)
        }
    }
}

/// The bridge on a destination chain, as what every worker shares drives it
/// ([`execute`], [`super::lane::Lane`]).
pub(crate) trait DestinationBridge: Sync {
    /// The validator set the bridge holds for messages from `origin` sent by `origin_bridge`
    /// (an error naming both when it holds one for another bridge).
    fn validator_set(
        &self,
        origin: u32,
        origin_bridge: &UniversalAddress,
    ) -> impl Future<Output = Result<ValidatorSet>> + Send;

    /// The relayer's balance on the chain: base units and the native unit's decimals.
    fn balance(&self) -> impl Future<Output = Result<(u128, u32)>> + Send;

    /// What the bridge recorded for `record` now.
    fn status(&self, record: &MessageRecord)
    -> impl Future<Output = Result<DeliveryStatus>> + Send;

    /// Whether the bridge is paused now (its guardian stopped deliveries and executions until
    /// the admin unpauses it). By default never.
    fn paused(&self) -> impl Future<Output = Result<bool>> + Send {
        async { Ok(false) }
    }

    /// Sends the transaction that executes queued `record` and waits for it; `Ok(false)` when
    /// the bridge would refuse it now (its delay has not passed, its bucket is empty).
    fn execute_queued(&self, record: &MessageRecord) -> impl Future<Output = Result<bool>> + Send;

    /// Housekeeping of the relayer's own transactions on the chain: on an EVM chain, a stuck
    /// transaction holding the relayer's next nonce replaced ([`super::unstick`]). By default
    /// nothing (a Solana transaction expires with its blockhash).
    fn unstick(&self) -> impl Future<Output = ()> + Send {
        async {}
    }
}

/// Where a destination worker records the messages its bridge settled.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ledger<'a> {
    /// The relayer's store.
    pub(crate) store: &'a Store,
    /// The daemon's metrics.
    pub(crate) metrics: &'a Metrics,
    /// The worker's claim name.
    pub(crate) worker: &'a str,
    /// The destination chain's name (logs, metrics).
    pub(crate) destination: &'a str,
}

impl Ledger<'_> {
    /// Moves `records` (claimed by this worker) from `from` to `to` in one commit; counts
    /// each that moved to `delivered`. Returns, in order, whether each moved.
    pub(crate) async fn settle(
        &self,
        records: &[MessageRecord],
        from: MessageState,
        to: MessageState,
    ) -> Result<Vec<bool>> {
        let ids: Vec<[u8; 32]> = records.iter().map(|r| r.id).collect();
        let moved = self
            .store
            .transition_many(&ids, from, to, Some(self.worker), None)
            .await?;
        for (record, _) in records.iter().zip(&moved).filter(|(_, m)| **m) {
            match to {
                MessageState::Delivered => {
                    self.metrics.delivered(self.destination, record.created_at);
                    tracing::debug!(destination = %self.destination, id = %hex::encode(record.id), "delivered");
                }
                MessageState::Cancelled => {
                    tracing::warn!(destination = %self.destination, id = %hex::encode(record.id), "queued transfer cancelled on the destination; it will not be executed");
                }
                _ => {}
            }
        }
        Ok(moved)
    }

    /// [`Ledger::settle`] for one message.
    pub(crate) async fn settle_one(
        &self,
        record: &MessageRecord,
        from: MessageState,
        to: MessageState,
    ) -> Result<bool> {
        let moved = self.settle(std::slice::from_ref(record), from, to).await?;
        Ok(moved.first().copied().unwrap_or(false))
    }
}

/// The execute stage for one `queued` message, on any destination: executes it once the
/// bridge lets it go, then records what the bridge says became of it (`delivered`, or
/// `cancelled` when the destination's guardian cancelled or the admin voided it). Returns
/// whether the message moved on; `Ok(false)` while it is still queued.
pub(crate) async fn execute(
    bridge: &impl DestinationBridge,
    ledger: &Ledger<'_>,
    record: &MessageRecord,
) -> Result<bool> {
    if bridge.status(record).await? == DeliveryStatus::Queued
        && !bridge.execute_queued(record).await?
    {
        return Ok(false);
    }
    match settled_state(bridge.status(record).await?) {
        Some(MessageState::Queued) => Ok(false),
        Some(to) => ledger.settle_one(record, MessageState::Queued, to).await,
        None => Err(Error::CorruptRow(format!(
            "message 0x{} is queued here but its destination has no record of it",
            hex::encode(record.id)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use trestle_bridge::Message;

    use super::*;
    use crate::store::NewMessage;

    /// A destination bridge in memory: the statuses it reports, in order, and whether it
    /// lets a queued message be executed.
    struct FakeBridge {
        statuses: Mutex<Vec<DeliveryStatus>>,
        executable: bool,
        executed: Mutex<u32>,
    }

    impl FakeBridge {
        fn new(statuses: &[DeliveryStatus], executable: bool) -> Self {
            let mut statuses = statuses.to_vec();
            statuses.reverse();
            Self {
                statuses: Mutex::new(statuses),
                executable,
                executed: Mutex::new(0),
            }
        }
    }

    impl DestinationBridge for FakeBridge {
        async fn validator_set(&self, _: u32, _: &UniversalAddress) -> Result<ValidatorSet> {
            Err(Error::CorruptRow("the fake bridge holds no set".into()))
        }

        async fn balance(&self) -> Result<(u128, u32)> {
            Ok((0, 18))
        }

        async fn status(&self, _: &MessageRecord) -> Result<DeliveryStatus> {
            Ok(self
                .statuses
                .lock()
                .unwrap()
                .pop()
                .expect("status asked more often than the test expects"))
        }

        async fn execute_queued(&self, _: &MessageRecord) -> Result<bool> {
            if self.executable {
                *self.executed.lock().unwrap() += 1;
            }
            Ok(self.executable)
        }
    }

    /// A store (SQLite in a temporary directory) holding one message in `queued`.
    async fn queued() -> (Store, MessageRecord, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("store.db").display());
        let store = Store::connect(&url, 2).await.unwrap();
        let message = Message::new(
            7,
            1,
            UniversalAddress([1; 32]),
            2,
            UniversalAddress([2; 32]),
            vec![1, 2, 3],
        )
        .unwrap();
        let new = NewMessage {
            message,
            origin_height: 1,
            origin_block_hash: [9; 32],
            origin_tx: vec![3; 32],
        };
        store
            .record_indexed("origin", 1, [9; 32], &[new])
            .await
            .unwrap();
        let record = store.list(&Default::default()).await.unwrap().remove(0);
        assert!(
            store
                .transition(
                    &record.id,
                    MessageState::Pending,
                    MessageState::Queued,
                    None,
                    None
                )
                .await
                .unwrap()
        );
        let claimed = store
            .claim(2, MessageState::Queued, "w", super::super::CLAIM_LEASE, 1)
            .await
            .unwrap();
        assert_eq!(claimed.len(), 1);
        (store, claimed[0].clone(), dir)
    }

    async fn run(
        statuses: &[DeliveryStatus],
        executable: bool,
    ) -> (Result<bool>, MessageState, u32) {
        let (store, record, _dir) = queued().await;
        let metrics = Metrics::new();
        let ledger = Ledger {
            store: &store,
            metrics: &metrics,
            worker: "w",
            destination: "dest",
        };
        let bridge = FakeBridge::new(statuses, executable);
        let outcome = execute(&bridge, &ledger, &record).await;
        let state = store.message(&record.id).await.unwrap().unwrap().state;
        let executed = *bridge.executed.lock().unwrap();
        (outcome, state, executed)
    }

    #[tokio::test]
    async fn a_queued_transfer_is_executed_then_recorded_delivered() {
        let (outcome, state, executed) =
            run(&[DeliveryStatus::Queued, DeliveryStatus::Executed], true).await;
        assert!(outcome.unwrap());
        assert_eq!(state, MessageState::Delivered);
        assert_eq!(executed, 1);
    }

    #[tokio::test]
    async fn a_transfer_not_executable_yet_stays_queued() {
        let (outcome, state, _) = run(&[DeliveryStatus::Queued], false).await;
        assert!(!outcome.unwrap());
        assert_eq!(state, MessageState::Queued);
    }

    #[tokio::test]
    async fn a_transfer_the_guardian_cancelled_is_recorded_cancelled_not_delivered() {
        let (outcome, state, executed) = run(
            &[DeliveryStatus::Cancelled, DeliveryStatus::Cancelled],
            true,
        )
        .await;
        assert!(outcome.unwrap());
        assert_eq!(state, MessageState::Cancelled);
        assert_eq!(executed, 0, "a cancelled transfer is never executed");
    }

    #[tokio::test]
    async fn a_transfer_executed_by_someone_else_is_recorded_delivered_without_a_transaction() {
        let (outcome, state, executed) =
            run(&[DeliveryStatus::Executed, DeliveryStatus::Executed], true).await;
        assert!(outcome.unwrap());
        assert_eq!(state, MessageState::Delivered);
        assert_eq!(executed, 0);
    }

    #[tokio::test]
    async fn a_queued_message_the_destination_never_recorded_is_an_error() {
        let (outcome, state, _) = run(&[DeliveryStatus::None, DeliveryStatus::None], true).await;
        assert!(outcome.is_err());
        assert_eq!(state, MessageState::Queued);
    }
}
