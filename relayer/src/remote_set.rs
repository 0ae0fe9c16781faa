//! The validator set a destination bridge holds for an origin, as validators read it to decide
//! whether, and for which epoch, they sign: a validator signs a route's messages only while
//! the destination's current set for the origin holds its key, and then for that set's epoch
//! (the configured epoch only says which set the route started with).
//!
//! Both kinds of destination are read through `trestle-bridge-client`: an EVM bridge's
//! `remote(origin)`, a Solana bridge program's `Remote` account of the origin.

use std::collections::BTreeMap;
use std::sync::Arc;

use trestle_bridge::ValidatorSet;
use trestle_bridge::solana::ReceiptKey;
use trestle_bridge_client::{EvmBridge, SolanaBridge};
use trestle_core::chain::UniversalAddress;
use trestle_core::evm::EvmAddress;
use trestle_evm::EvmChain;
use trestle_solana::Commitment;

use crate::config::{ChainConfig, ChainKind};
use crate::error::{Error, Result};

/// Where a destination's set for an origin is read.
#[derive(Debug, Clone)]
pub enum DestinationSet {
    /// An EVM destination's bridge contract.
    Evm(EvmBridge),
    /// A Solana destination's bridge program.
    Solana(SolanaBridge),
}

impl DestinationSet {
    /// The bridge of `chain`: an EVM chain through its connection in `chains`, a Solana
    /// chain through a client of its RPC endpoints.
    pub fn for_chain(
        chain: &ChainConfig,
        chains: &BTreeMap<String, Arc<EvmChain>>,
    ) -> Result<Self> {
        match &chain.kind {
            ChainKind::Solana(settings) => Ok(DestinationSet::Solana(SolanaBridge::new(
                crate::connect::solana(chain)?,
                settings.program,
            ))),
            ChainKind::Evm(evm) => chains
                .get(&chain.name)
                .map(|c| DestinationSet::Evm(EvmBridge::new(c.clone(), evm.bridge)))
                .ok_or_else(|| {
                    Error::config(
                        format!("chains ({})", chain.name),
                        format!("the EVM chain {} is not connected", chain.name),
                    )
                }),
        }
    }

    /// The set the destination holds for messages from `origin`, whose bridge must be
    /// `origin_bridge` (else an error naming both: signatures for another bridge are useless).
    pub async fn read(
        &self,
        origin: u32,
        origin_bridge: &UniversalAddress,
    ) -> Result<ValidatorSet> {
        Ok(match self {
            DestinationSet::Evm(bridge) => bridge.validator_set(origin, origin_bridge).await?,
            DestinationSet::Solana(bridge) => bridge.validator_set(origin, origin_bridge).await?,
        })
    }

    /// The epoch `signer` signs messages from `origin` for: `Some(epoch)` of the destination's
    /// current set while it holds `signer`, `None` while it does not.
    pub async fn signing_epoch(
        &self,
        origin: u32,
        origin_bridge: &UniversalAddress,
        signer: &EvmAddress,
    ) -> Result<Option<u64>> {
        let set = self.read(origin, origin_bridge).await?;
        Ok(set.validators().contains(signer).then_some(set.epoch()))
    }

    /// Whether the destination has delivered the message `id` (`origin`, `origin_bridge`,
    /// `nonce`): EVM `delivered(origin, originBridge, nonce)`, Solana the message's `Receipt`
    /// account at `confirmed`.
    pub async fn delivered(
        &self,
        origin: u32,
        origin_bridge: &UniversalAddress,
        nonce: u64,
        id: &[u8; 32],
    ) -> Result<bool> {
        Ok(match self {
            DestinationSet::Evm(bridge) => bridge.delivered(origin, origin_bridge, nonce).await?,
            DestinationSet::Solana(bridge) => {
                let key = ReceiptKey {
                    origin,
                    origin_bridge: origin_bridge.0,
                    nonce,
                };
                bridge
                    .receipt(&key, id, Commitment::Confirmed)
                    .await?
                    .is_some()
            }
        })
    }
}
