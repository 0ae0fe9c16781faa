//! The validator set a destination bridge holds for an origin, as validators read it to decide
//! whether, and for which epoch, they sign: a validator signs a route's messages only while
//! the destination's current set for the origin holds its key, and then for that set's epoch
//! (the configured epoch only says which set the route started with).
//!
//! An EVM destination is read with `remote(origin)` ([`crate::bridge::remote`]); a Solana
//! destination with the bridge program's `Remote` account of the origin
//! ([`crate::solana::onchain::remote_set`]).

use std::sync::Arc;

use trestle_bridge::solana::BridgeProgram;
use trestle_core::chain::UniversalAddress;
use trestle_core::evm::EvmAddress;
use trestle_evm::EvmChain;
use trestle_solana::SolanaClient;

use crate::error::{Error, Result};

/// Where a destination's set for an origin is read.
#[derive(Debug, Clone)]
pub enum DestinationSet {
    /// An EVM destination: its chain and bridge contract.
    Evm {
        /// The destination chain.
        chain: Arc<EvmChain>,
        /// The destination bridge.
        bridge: EvmAddress,
    },
    /// A Solana destination: its RPC client and bridge program.
    Solana {
        /// The destination chain.
        client: Arc<SolanaClient>,
        /// The destination's bridge program.
        program: BridgeProgram,
    },
}

/// A destination's current set for an origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentSet {
    /// Its epoch.
    pub epoch: u64,
    /// Its members.
    pub validators: Vec<EvmAddress>,
}

impl DestinationSet {
    /// The set the destination holds for messages from `origin`, whose bridge must be
    /// `origin_bridge` (else an error naming both: signatures for another bridge are useless).
    pub async fn read(&self, origin: u32, origin_bridge: &UniversalAddress) -> Result<CurrentSet> {
        match self {
            DestinationSet::Evm { chain, bridge } => {
                let remote = crate::bridge::remote(chain, *bridge, origin).await?;
                if remote.bridge != origin_bridge.0 {
                    return Err(Error::config(
                        "routes",
                        format!(
                            "the bridge {bridge} on {} accepts origin bridge 0x{} for domain {origin}, not 0x{}",
                            chain.config().name,
                            hex::encode(remote.bridge),
                            hex::encode(origin_bridge.0)
                        ),
                    ));
                }
                Ok(CurrentSet {
                    epoch: remote.epoch,
                    validators: remote.validators,
                })
            }
            DestinationSet::Solana { client, program } => {
                let set =
                    crate::solana::onchain::remote_set(client, program, origin, origin_bridge)
                        .await?;
                Ok(CurrentSet {
                    epoch: set.epoch(),
                    validators: set.validators().to_vec(),
                })
            }
        }
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
        Ok(set.validators.contains(signer).then_some(set.epoch))
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
        match self {
            DestinationSet::Evm { chain, bridge } => {
                crate::bridge::delivered(chain, *bridge, origin, origin_bridge, nonce).await
            }
            DestinationSet::Solana { client, program } => Ok(crate::solana::onchain::receipt(
                client,
                program,
                &trestle_bridge::solana::ReceiptKey {
                    origin,
                    origin_bridge: origin_bridge.0,
                    nonce,
                },
                id,
                trestle_solana::Commitment::Confirmed,
            )
            .await?
            .is_some()),
        }
    }
}
