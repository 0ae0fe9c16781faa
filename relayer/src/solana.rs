//! Solana chains in the daemon: [`start`] spawns the indexer of an origin's bridge program
//! ([`crate::indexer::solana`]), the validator of its messages ([`validator`]), and the worker
//! that delivers to the program on a Solana destination ([`destination`]), as the
//! configuration enables.
//!
//! Messages from a Solana origin go through the same store and the same EVM destination
//! worker as any other (the origin bridge in their attestation digest is the program id); a
//! Solana destination has its own worker with the same states.

pub mod destination;
pub mod validator;

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;
use trestle_evm::EvmChain;

use crate::config::{ChainConfig, Config, SolanaChainConfig};
use crate::error::{Error, Result};
use crate::keys::Keys;
use crate::metrics::Metrics;
use crate::store::Store;

/// The Solana settings of `chain`, or a configuration error naming it.
pub(crate) fn settings(chain: &ChainConfig) -> Result<SolanaChainConfig> {
    chain.solana().copied().ok_or_else(|| {
        Error::config(
            format!("chains ({})", chain.name),
            "not a solana chain (no program id)",
        )
    })
}

/// Everything the daemon runs for its Solana chains, with the handles to join on shutdown:
/// an indexer per Solana origin, a validator per Solana origin whose routes list the
/// validator key (reading EVM destinations' sets on `chains`), and (relayer role) a worker
/// per Solana destination.
#[allow(
    clippy::too_many_arguments,
    reason = "the daemon's shared handles, passed once"
)]
pub fn start(
    config: &Config,
    keys: &Keys,
    chains: &BTreeMap<String, Arc<EvmChain>>,
    store: &Store,
    metrics: &Arc<Metrics>,
    shutdown: &watch::Receiver<bool>,
    worker: &str,
    tasks: &mut Vec<JoinHandle<()>>,
) -> Result<()> {
    for chain in config.chains.iter().filter(|c| c.solana().is_some()) {
        let is_origin = config.routes.iter().any(|r| r.from == chain.name);
        let is_destination = config.routes.iter().any(|r| r.to == chain.name);
        if !is_origin && !is_destination {
            continue;
        }
        let client = crate::connect::solana(chain)?;
        if is_origin {
            tasks.push(tokio::spawn(crate::indexer::solana::run(
                client.clone(),
                chain.clone(),
                store.clone(),
                metrics.clone(),
                shutdown.clone(),
            )));
            if let Some(signer) = &keys.validator
                && let Some(v) = validator::SolanaValidator::for_chain(
                    config, chain, signer, &client, chains, store, metrics,
                )?
            {
                tasks.push(tokio::spawn(v.run(shutdown.clone())));
            }
        }
        if is_destination && let Some(settings) = &config.relayer {
            let payer = keys.relayer_solana.clone().ok_or_else(|| {
                Error::config(
                    "relayer.solana",
                    format!(
                        "no Solana key loaded for the relayer; {} is a destination",
                        chain.name
                    ),
                )
            })?;
            let d = destination::SolanaDestination::new(
                config, chain, settings, client, payer, store, metrics, worker,
            )?;
            tasks.push(tokio::spawn(d.run(shutdown.clone())));
        }
    }
    Ok(())
}
