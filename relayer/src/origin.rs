//! An origin chain's bridge, as the daemon's roles use it: the indexer reads what the bridge
//! sent ([`indexer`]: one loop for every chain kind, over [`indexer::OriginReader`]), and the
//! validator checks each message against the chain again before it signs
//! ([`crate::attest::Validator`], over [`Origin::check`]). One type per chain kind is the
//! origin for both: [`evm::EvmOrigin`] and [`solana::SolanaOrigin`]. `start` runs both roles
//! of one origin chain.

pub mod evm;
pub mod indexer;
pub mod solana;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;
use trestle_bridge::Message;
use trestle_core::chain::UniversalAddress;
use trestle_core::evm::EvmSigner;
use trestle_evm::EvmChain;

use crate::attest::Validator;
use crate::config::{ChainConfig, Config};
use crate::error::Result;
use crate::metrics::Metrics;
use crate::store::{MessageRecord, Store};

/// What a message's check on its origin chain (through one endpoint) found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// The message is on the origin chain as recorded, and final: it may be signed.
    Final,
    /// The message's block is not final yet: this pass stops here (later messages are later
    /// still) and the next one checks it again.
    NotFinal,
    /// The chain answered, and the message is not there as recorded (no such log or event,
    /// another block, a failed transaction); why, in words.
    Absent(String),
}

/// The bridge on one origin chain, of one chain kind.
pub trait Origin: Send + Sync + std::fmt::Debug + 'static {
    /// What one validator pass reads from the chain once and reuses for the pass's messages.
    /// A fresh one is made for every pass, after its messages were loaded from the store, so
    /// a check is as strict as one read per message.
    type Pass: Default + Send;

    /// The indexer's reader of this origin.
    type Reader: indexer::OriginReader + Sync + 'static;

    /// The chain as configured.
    fn chain(&self) -> &ChainConfig;

    /// The origin bridge as the attestation digest names it.
    fn origin_bridge(&self) -> UniversalAddress;

    /// How long an idle indexer or validator waits before its next read (unless something
    /// wakes it first).
    fn poll_interval(&self) -> Duration;

    /// A reader of the bridge's messages, for the indexer.
    fn reader(&self, metrics: Arc<Metrics>) -> Self::Reader;

    /// This origin once per configured endpoint, each reading that endpoint only: the
    /// validator's witnesses, of which the chain's `quorum` must agree on a message
    /// ([`crate::attest::Validator`]). Makes no request.
    fn witnesses(&self) -> Result<Vec<Self>>
    where
        Self: Sized;

    /// Whether `message` (stored as `record`) is on the origin chain as the indexer recorded
    /// it, and final. An error means the chain could not be asked now.
    fn check(
        &self,
        record: &MessageRecord,
        message: &Message,
        pass: &mut Self::Pass,
    ) -> impl Future<Output = Result<Found>> + Send;
}

/// `chain` once per endpoint, each with that endpoint only (for [`Origin::witnesses`]).
fn per_endpoint(chain: &ChainConfig) -> impl Iterator<Item = ChainConfig> + '_ {
    chain.rpc_urls.iter().map(|url| ChainConfig {
        rpc_urls: vec![url.clone()],
        quorum: None,
        ..chain.clone()
    })
}

/// The daemon's shared handles, as the roles of an origin chain are started with them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Context<'a> {
    pub(crate) config: &'a Config,
    /// The validator key, when this daemon is a validator.
    pub(crate) signer: Option<&'a EvmSigner>,
    /// The daemon's EVM chains, by name (where EVM destinations' sets are read).
    pub(crate) chains: &'a BTreeMap<String, Arc<EvmChain>>,
    pub(crate) store: &'a Store,
    pub(crate) metrics: &'a Arc<Metrics>,
    pub(crate) shutdown: &'a watch::Receiver<bool>,
    /// The destinations (domains) this daemon relays to.
    pub(crate) relayed: &'a [u32],
}

/// Runs the roles of one origin chain, adding their tasks to `tasks`: its indexer (watched
/// for readiness: [`Metrics::watch_indexer`]), and, when the daemon has a validator key that
/// some route from it lists, its validator. Returns whether it runs a validator.
pub(crate) fn start<O: Origin>(
    origin: O,
    cx: Context<'_>,
    tasks: &mut Vec<JoinHandle<()>>,
) -> Result<bool> {
    cx.metrics
        .watch_indexer(&origin.chain().name, origin.poll_interval());
    tasks.push(tokio::spawn(indexer::run(
        origin.reader(cx.metrics.clone()),
        origin.chain().clone(),
        cx.store.clone(),
        cx.metrics.clone(),
        cx.shutdown.clone(),
    )));
    let Some(signer) = cx.signer else {
        return Ok(false);
    };
    let Some(validator) =
        Validator::for_origin(origin, cx.config, signer, cx.chains, cx.store, cx.metrics)?
    else {
        return Ok(false);
    };
    let validator = validator.relaying_to(cx.relayed);
    tasks.push(tokio::spawn(validator.run(cx.shutdown.clone())));
    Ok(true)
}
