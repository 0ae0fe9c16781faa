//! The origins' delivery fees as the collect pass weighs them ([`FeeQuoter`]): each origin
//! bridge's fee configuration for a destination, read from the origin chain and kept for
//! [`FEE_CONFIG_TTL`], so that a message is held `underpaid` when what was paid for it does
//! not cover what its origin would charge for it now (the route's [`crate::config::FeePolicy`]).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use trestle_bridge::{Body, FeeConfig, Message};
use trestle_bridge_client::{EvmBridge, SolanaBridge};
use trestle_evm::EvmChain;

use crate::config::{ChainKind, Config};
use crate::error::{Error, Result};

/// How long an origin's fee configuration is used before it is read again.
pub const FEE_CONFIG_TTL: Duration = Duration::from_secs(15);

/// Where an origin's fee configuration is read.
#[derive(Debug, Clone)]
enum FeeSource {
    Evm(EvmBridge),
    Solana(SolanaBridge),
}

/// The fee configurations of every origin a route starts at, read on demand and cached.
#[derive(Debug, Default)]
pub struct FeeQuoter {
    sources: BTreeMap<u32, FeeSource>,
    /// Every quote is 0 (tests of the pipeline that are not about fees).
    free: bool,
    cache: Mutex<HashMap<(u32, u32), (Instant, FeeConfig)>>,
    /// When reading a configuration last failed: asked again only after
    /// [`FEE_FAILURE_BACKOFF`], so that an unreachable origin costs one timeout per pass, not
    /// one per message.
    failed: Mutex<HashMap<(u32, u32), (Instant, String)>>,
}

/// How long a failed read of an origin's fee configuration is not tried again.
pub const FEE_FAILURE_BACKOFF: Duration = Duration::from_secs(5);

impl FeeQuoter {
    /// The quoter of `config`'s route origins: EVM origins through the daemon's `chains`,
    /// Solana origins through a client of their own.
    pub fn for_config(config: &Config, chains: &BTreeMap<String, Arc<EvmChain>>) -> Result<Self> {
        let mut sources = BTreeMap::new();
        for chain in &config.chains {
            if !config.routes.iter().any(|r| r.from == chain.name) {
                continue;
            }
            let source = match &chain.kind {
                ChainKind::Evm(evm) => match chains.get(&chain.name) {
                    Some(c) => FeeSource::Evm(EvmBridge::new(c.clone(), evm.bridge)),
                    None => continue,
                },
                ChainKind::Solana(solana) => FeeSource::Solana(SolanaBridge::new(
                    crate::connect::solana(chain)?,
                    solana.program,
                )),
            };
            sources.insert(chain.domain, source);
        }
        Ok(Self {
            sources,
            ..Self::default()
        })
    }

    /// A quoter for which every destination is free.
    #[cfg(test)]
    pub(crate) fn free() -> Self {
        Self {
            free: true,
            ..Self::default()
        }
    }

    /// What `origin`'s bridge charges for deliveries to `destination`, as last read (at most
    /// [`FEE_CONFIG_TTL`] ago).
    pub(crate) async fn config(&self, origin: u32, destination: u32) -> Result<FeeConfig> {
        if self.free {
            return Ok(FeeConfig::default());
        }
        if let Some((at, config)) = self.cached(origin, destination)
            && at.elapsed() < FEE_CONFIG_TTL
        {
            return Ok(config);
        }
        if let Some(reason) = self.recent_failure(origin, destination) {
            return Err(Error::config(
                "routes",
                format!(
                    "the fees of domain {origin} for {destination} cannot be read now: {reason}"
                ),
            ));
        }
        let source = self.sources.get(&origin).ok_or_else(|| {
            Error::config(
                "routes",
                format!("no route starts at domain {origin}: its fees are unknown"),
            )
        })?;
        let read = match source {
            FeeSource::Evm(bridge) => bridge.fee_config(destination).await,
            FeeSource::Solana(bridge) => bridge.fee_config(destination).await,
        };
        let config = match read {
            Ok(config) => config,
            Err(e) => {
                if let Ok(mut failed) = self.failed.lock() {
                    failed.insert((origin, destination), (Instant::now(), e.to_string()));
                }
                return Err(e.into());
            }
        };
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert((origin, destination), (Instant::now(), config));
        }
        Ok(config)
    }

    fn recent_failure(&self, origin: u32, destination: u32) -> Option<String> {
        let failed = self.failed.lock().ok()?;
        let (at, reason) = failed.get(&(origin, destination))?;
        (at.elapsed() < FEE_FAILURE_BACKOFF).then(|| reason.clone())
    }

    fn cached(&self, origin: u32, destination: u32) -> Option<(Instant, FeeConfig)> {
        self.cache.lock().ok()?.get(&(origin, destination)).copied()
    }

    /// What `message` would cost its sender on its origin now: the quote of its gas limit and
    /// body (a token transfer: the configuration's transfer gas and 97 bytes). The outer error
    /// is a read that failed (try again soon); the inner one a configuration that cannot price
    /// the message (`FeeOverflow`: nothing changes that but governance or the fee oracle).
    pub(crate) async fn quote(
        &self,
        message: &Message,
    ) -> Result<std::result::Result<u128, trestle_bridge::Error>> {
        let config = self.config(message.origin, message.destination).await?;
        Ok(match Body::decode(&message.body) {
            Ok(Body::TokenTransfer(_)) => config.quote_transfer(),
            Ok(Body::Message { gas_limit, .. }) => config.quote(
                gas_limit,
                u64::try_from(message.body.len()).unwrap_or(u64::MAX),
            ),
            Err(e) => Err(e),
        })
    }
}
