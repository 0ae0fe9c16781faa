//! The signature sets this relayer's payer stages on a Solana destination (`post_signatures`,
//! PDA `["signatures", message id, epoch, payer]`), and getting their rent back.
//!
//! A successful staged `deliver` closes the set it used itself (the program pays its rent back
//! to the payer). Every other set of the payer is closed here with `close_signatures` (allowed
//! while the program is paused):
//!
//! - as it goes: a set staged for an epoch the program no longer holds when the message is
//!   staged again for the new one (a rotation), and every set this process staged for a
//!   message once the program holds its receipt (delivered by someone else, by an earlier
//!   attempt, or settled);
//! - by a sweep at start and then every [`SWEEP_EVERY`]: every set of the program whose stored
//!   payer is this relayer's (`getProgramAccounts`, filtered on the account's discriminator
//!   and payer), left by an earlier run or an attempt that failed, whose message the store
//!   holds and that the destination holds (`queued`, `delivered`, `cancelled`, or a receipt on
//!   chain), or whose epoch is below the route's current one. A set whose message the store
//!   does not know (yet) is left for a later sweep.
//!
//! Only epochs below the one read are closed: the program's epoch for an origin only goes up
//! (`set_remote` refuses an epoch that is not above the stored one), so a set below it can
//! never be used, while one above it means the endpoint that answered lags (a failover) and
//! that set is the usable one ([`rotated_away`]).
//!
//! Each closure is counted in `trestle_solana_signature_sets_closed_total{destination}`.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;
use trestle_bridge::solana::state::SignatureSet;
use trestle_bridge::solana::{BridgeProgram, ReceiptKey, account_discriminator};
use trestle_bridge_client::SolanaBridge;
use trestle_core::chain::UniversalAddress;
use trestle_core::solana::SolanaSigner;
use trestle_solana::{Commitment, SolanaClient, TransactionRequest};

use crate::error::Result;
use crate::metrics::Metrics;
use crate::store::{MessageState, Store};

/// How often the payer's leftover sets are looked for, after the sweep at start.
pub(crate) const SWEEP_EVERY: Duration = Duration::from_secs(3_600);

/// Where the stored payer is in a `SignatureSet` account (after the discriminator, bump,
/// epoch, message id and digest).
const PAYER_OFFSET: usize = 81;

/// The signature sets of one payer on one Solana destination.
#[derive(Debug)]
pub(crate) struct SignatureSets {
    /// The destination's name (logs and metrics).
    name: String,
    client: Arc<SolanaClient>,
    program: BridgeProgram,
    bridge: SolanaBridge,
    payer: SolanaSigner,
    store: Store,
    metrics: Arc<Metrics>,
    /// The origin bridge of each route into the destination, by origin domain.
    origins: HashMap<u32, UniversalAddress>,
    /// The epochs this process staged a set at, by message id, until the set is closed.
    staged: Mutex<HashMap<[u8; 32], BTreeSet<u64>>>,
}

impl SignatureSets {
    /// The sets `payer` stages on `program` through `client`, for the routes from `origins`.
    pub(crate) fn new(
        name: String,
        client: Arc<SolanaClient>,
        program: BridgeProgram,
        payer: SolanaSigner,
        store: Store,
        metrics: Arc<Metrics>,
        origins: HashMap<u32, UniversalAddress>,
    ) -> Self {
        Self {
            name,
            bridge: SolanaBridge::new(client.clone(), program.id),
            client,
            program,
            payer,
            store,
            metrics,
            origins,
            staged: Mutex::new(HashMap::new()),
        }
    }

    /// Records that this process stages `id`'s signatures at `epoch`, and closes the sets it
    /// staged for `id` at lower epochs (the program verifies a staged set against its current
    /// epoch only, and epochs only go up: an older set can never be used). A set at a higher
    /// epoch is kept: `epoch` was read from an endpoint that lags.
    pub(crate) async fn staging(&self, id: &[u8; 32], epoch: u64) {
        let older = {
            let mut staged = self.lock();
            let epochs = staged.entry(*id).or_default();
            epochs.insert(epoch);
            superseded(epochs, epoch)
        };
        for e in older {
            self.close(id, e, "rotated").await;
        }
    }

    /// Closes every set this process staged for `id` (the program holds its receipt: a staged
    /// set of it can no longer be used), and the set at `epoch` too when given (one an earlier
    /// run may have staged). Failures are logged; the sweep tries again.
    pub(crate) async fn release(&self, id: &[u8; 32], epoch: Option<u64>) {
        let mut epochs = self.lock().remove(id).unwrap_or_default();
        epochs.extend(epoch);
        for e in epochs {
            self.close(id, e, "delivered").await;
        }
    }

    /// Closes this payer's set of `id` at `epoch` if it exists; returns whether it did.
    async fn close(&self, id: &[u8; 32], epoch: u64, why: &'static str) -> bool {
        match self.try_close(id, epoch).await {
            Ok(Some(lamports)) => {
                tracing::info!(destination = %self.name, id = %hex::encode(id), epoch, lamports, why, "closed a staged signature set");
                self.metrics.signature_set_closed(&self.name);
                true
            }
            Ok(None) => false,
            Err(e) => {
                tracing::warn!(destination = %self.name, id = %hex::encode(id), epoch, error = %e, "cannot close a staged signature set; the sweep tries again");
                false
            }
        }
    }

    /// Lands `close_signatures` for this payer's set of `id` at `epoch`; `None` when there is
    /// no such set (closed already), else the lamports it held.
    async fn try_close(&self, id: &[u8; 32], epoch: u64) -> Result<Option<u64>> {
        let payer = self.payer.pubkey();
        let address = self.program.signature_set(id, epoch, &payer);
        let lamports = match self
            .client
            .account_at(&address, Commitment::Confirmed)
            .await?
        {
            Some(a) if a.owner == self.program.id && a.lamports > 0 => a.lamports,
            _ => {
                self.forget(id, epoch);
                return Ok(None);
            }
        };
        let close = self.program.close_signatures(&payer, id, epoch);
        self.client
            .land(TransactionRequest::new(&self.payer, vec![close]))
            .await?;
        self.forget(id, epoch);
        Ok(Some(lamports))
    }

    fn forget(&self, id: &[u8; 32], epoch: u64) {
        let mut staged = self.lock();
        if let Some(epochs) = staged.get_mut(id) {
            epochs.remove(&epoch);
            if epochs.is_empty() {
                staged.remove(id);
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], BTreeSet<u64>>> {
        // The map holds no invariant a panic elsewhere could break halfway.
        self.staged
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Sweeps at once, then every [`SWEEP_EVERY`], until shutdown.
    pub(crate) async fn run(&self, mut shutdown: watch::Receiver<bool>) {
        loop {
            match self.sweep().await {
                Ok(0) => {}
                Ok(closed) => {
                    tracing::info!(destination = %self.name, closed, "closed leftover staged signature sets");
                }
                Err(e) => {
                    tracing::warn!(destination = %self.name, error = %e, "cannot look for leftover staged signature sets");
                }
            }
            if crate::daemon::pause(&mut shutdown, SWEEP_EVERY).await {
                return;
            }
        }
    }

    /// Closes this payer's sets that can no longer be used (see the module docs); returns how
    /// many it closed.
    pub(crate) async fn sweep(&self) -> Result<usize> {
        let payer = self.payer.pubkey();
        let discriminator = account_discriminator("SignatureSet");
        let accounts = self
            .client
            .program_accounts(
                &self.program.id,
                &[(0, &discriminator), (PAYER_OFFSET, &payer.0)],
            )
            .await?;
        let mut closed = 0;
        for (address, account) in accounts {
            let set = match SignatureSet::decode(&account.data) {
                Ok(set) if set.payer == payer => set,
                Ok(_) => continue,
                Err(e) => {
                    tracing::debug!(destination = %self.name, %address, error = %e, "not a signature set");
                    continue;
                }
            };
            match self.unusable(&set).await {
                Ok(Some(why)) => {
                    closed += usize::from(self.close(&set.message_id, set.epoch, why).await)
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::debug!(destination = %self.name, id = %hex::encode(set.message_id), error = %e, "cannot tell whether a staged signature set is still needed");
                }
            }
        }
        Ok(closed)
    }

    /// Why `set` can no longer be used by a `deliver`, `None` when it may be (or its message
    /// is unknown to the store).
    async fn unusable(&self, set: &SignatureSet) -> Result<Option<&'static str>> {
        let Some(record) = self.store.message(&set.message_id).await? else {
            return Ok(None);
        };
        let Some(origin_bridge) = self.origins.get(&record.origin) else {
            return Ok(None);
        };
        if matches!(
            record.state,
            MessageState::Queued | MessageState::Delivered | MessageState::Cancelled
        ) {
            return Ok(Some("settled"));
        }
        let key = ReceiptKey {
            origin: record.origin,
            origin_bridge: origin_bridge.0,
            nonce: record.nonce,
        };
        if self
            .bridge
            .receipt(&key, &record.id, Commitment::Confirmed)
            .await?
            .is_some()
        {
            return Ok(Some("delivered"));
        }
        let current = self
            .bridge
            .validator_set(record.origin, origin_bridge)
            .await?;
        Ok(rotated_away(set.epoch, current.epoch()).then_some("rotated"))
    }
}

/// Whether a set staged at `epoch` can no longer be used when the program holds `current`
/// for its origin: when it is below. The program's epoch for an origin only goes up, so a set
/// below the one a `deliver` is verified against never will be; a set above `current` is the
/// usable one when `current` came from an endpoint that lags, and is kept.
fn rotated_away(epoch: u64, current: u64) -> bool {
    epoch < current
}

/// The epochs of `staged` that a set staged at `current` makes unusable ([`rotated_away`]).
fn superseded(staged: &BTreeSet<u64>, current: u64) -> Vec<u64> {
    staged
        .iter()
        .copied()
        .filter(|e| rotated_away(*e, current))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_epochs_below_the_current_one_are_superseded() {
        let staged = BTreeSet::from([3, 5, 7]);
        // Staging at 5 after a rotation from 3: 3 goes, 7 (read earlier from an endpoint
        // ahead of this one, so the usable set) stays.
        assert_eq!(superseded(&staged, 5), vec![3]);
        // An endpoint that lags reports 1: nothing staged is closed.
        assert_eq!(superseded(&staged, 1), Vec::<u64>::new());
        assert_eq!(superseded(&staged, 3), Vec::<u64>::new());
        assert_eq!(superseded(&staged, 8), vec![3, 5, 7]);
        assert_eq!(superseded(&BTreeSet::new(), 4), Vec::<u64>::new());
    }

    #[test]
    fn the_sweep_keeps_a_set_above_the_epoch_an_endpoint_reports() {
        assert!(rotated_away(4, 5));
        assert!(!rotated_away(5, 5));
        // An endpoint that lags behind a rotation to 5 reports 4.
        assert!(!rotated_away(5, 4));
    }
}
