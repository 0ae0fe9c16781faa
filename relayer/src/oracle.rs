//! The fee-oracle updater role (`[fee_oracle]`): with the fee oracle's key, it keeps each
//! route's origin bridge quoting the destination's gas price now (docs/protocol.md, "Delivery
//! fees"). Every `interval_ms` it reads what a transaction costs per gas on the destination
//! (the next block's base fee and the priority fee this daemon would pay, or the legacy gas
//! price) and, when the origin's `gas_price` for that destination is off by more than
//! `drift_percent`, sends `updateFeePrices` with the new price, moved at most as far as the
//! bridge allows in one update (twice or half); the next update follows a minute later. The
//! exchange rate is left as it is. A destination whose prices governance has not set is left
//! alone (the oracle may only move prices, not create them). EVM routes only for now.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use alloy_sol_types::SolCall;
use tokio::sync::watch;
use trestle_bridge::evm_bindings::Bridge;
use trestle_bridge::fee::{FEE_UPDATE_INTERVAL, MAX_PRICE_FACTOR, PRICE_SCALE};
use trestle_bridge_client::EvmBridge;
use trestle_core::chain::U256;
use trestle_core::evm::EvmSigner;
use trestle_evm::{EvmChain, EvmSender, Fees, TxRequest};

use crate::config::{Config, FeeOracleConfig};
use crate::error::Result;
use crate::metrics::Metrics;

/// One route the oracle keeps priced: the origin bridge (and the oracle's sender there) and
/// the destination chain.
struct Priced {
    name: String,
    origin: EvmBridge,
    /// The oracle's sender on the origin chain, shared by every route from it (one nonce
    /// manager per key and chain).
    sender: Arc<EvmSender>,
    destination: Arc<EvmChain>,
    destination_domain: u32,
}

/// The fee-oracle updater of a daemon.
pub struct FeeOracle {
    routes: Vec<Priced>,
    settings: FeeOracleConfig,
    metrics: Arc<Metrics>,
}

/// The price the origin should move to from `current` toward `target` (both in the fee
/// configuration's units), or `None` while `target` is within `drift_percent` of `current`:
/// `target`, or as far toward it as one update may go (twice or half of `current`, rounded
/// so the bridge accepts it).
pub fn next_price(current: u128, target: u128, drift_percent: u8) -> Option<u128> {
    if current == 0 || target == 0 {
        return None;
    }
    // |target - current| / current > drift / 100, exactly.
    let diff = U256::from(current.abs_diff(target));
    if diff * U256::from(100u8) <= U256::from(current) * U256::from(drift_percent) {
        return None;
    }
    let highest = current.saturating_mul(MAX_PRICE_FACTOR);
    let lowest = current.div_ceil(MAX_PRICE_FACTOR);
    Some(target.clamp(lowest, highest))
}

impl FeeOracle {
    /// The updater of `config`'s EVM routes with the oracle key `signer`, on the daemon's
    /// connected `chains`. Routes with a Solana end are logged and left out.
    pub(crate) fn for_config(
        config: &Config,
        settings: &FeeOracleConfig,
        signer: &EvmSigner,
        chains: &BTreeMap<String, Arc<EvmChain>>,
        metrics: &Arc<Metrics>,
    ) -> Self {
        let mut routes = Vec::new();
        let mut senders: BTreeMap<String, Arc<EvmSender>> = BTreeMap::new();
        for r in &config.routes {
            let (Some(origin), Some(dest)) = (config.chain(&r.from), config.chain(&r.to)) else {
                continue;
            };
            let (Some(evm), Some(origin_chain), Some(dest_chain)) =
                (origin.evm(), chains.get(&r.from), chains.get(&r.to))
            else {
                tracing::warn!(route = %format!("{} -> {}", r.from, r.to), "the fee oracle prices EVM routes only; this one is left out");
                continue;
            };
            routes.push(Priced {
                name: format!("{} -> {}", r.from, r.to),
                origin: EvmBridge::new(origin_chain.clone(), evm.bridge),
                sender: senders
                    .entry(r.from.clone())
                    .or_insert_with(|| {
                        Arc::new(EvmSender::new(origin_chain.clone(), signer.clone()))
                    })
                    .clone(),
                destination: dest_chain.clone(),
                destination_domain: dest.domain,
            });
        }
        Self {
            routes,
            settings: settings.clone(),
            metrics: metrics.clone(),
        }
    }

    /// Compares and updates every route every `interval_ms` until shutdown.
    pub(crate) async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let interval = Duration::from_millis(self.settings.interval_ms);
        loop {
            for route in &self.routes {
                match self.update(route).await {
                    Ok(Some(price)) => {
                        tracing::info!(route = %route.name, gas_price = price, "fee oracle: updated the origin's gas price");
                    }
                    Ok(None) => {}
                    Err(e) => {
                        self.metrics.failure("fee_oracle", "update");
                        tracing::warn!(route = %route.name, error = %e, "fee oracle: cannot update the origin's price");
                    }
                }
            }
            if crate::daemon::pause(&mut shutdown, interval).await {
                return;
            }
        }
    }

    /// One comparison of `route`; the new price when it was updated.
    async fn update(&self, route: &Priced) -> Result<Option<u128>> {
        let config = route.origin.fee_config(route.destination_domain).await?;
        if config.gas_price == 0 || config.exchange_rate == 0 {
            return Ok(None); // governance sets the first prices
        }
        let (fees, base) = route.destination.estimate_fees().await?;
        let wei_per_gas = match fees {
            Fees::Legacy { gas_price } => gas_price,
            Fees::Eip1559 {
                max_priority_fee_per_gas,
                ..
            } => base.saturating_add(max_priority_fee_per_gas),
        };
        let (min, max) = self.settings.band().unwrap_or((None, None));
        if min.is_some_and(|m| wei_per_gas < m) || max.is_some_and(|m| wei_per_gas > m) {
            self.metrics.failure("fee_oracle", "out_of_band");
            tracing::warn!(route = %route.name, wei_per_gas, "fee oracle: the destination's gas price is outside [fee_oracle] min_gwei..max_gwei; not believed, nothing updated");
            return Ok(None);
        }
        let target = wei_per_gas.saturating_mul(PRICE_SCALE);
        let Some(next) = next_price(config.gas_price, target, self.settings.drift_percent) else {
            return Ok(None);
        };
        let call = Bridge::updateFeePricesCall {
            destination: route.destination_domain,
            gasPrice: next,
            exchangeRate: config.exchange_rate,
        }
        .abi_encode();
        // Within the minute after the last update the bridge refuses (FeeUpdateTooSoon): no
        // transaction is sent then. Any other refusal (not the origin's oracle, ...) is an
        // error, logged and counted.
        let chain = route.origin.chain();
        let now = match chain.header(chain.block_number().await?).await? {
            Some(h) => h.timestamp,
            None => return Ok(None),
        };
        if now < config.last_update.saturating_add(FEE_UPDATE_INTERVAL) {
            return Ok(None);
        }
        route
            .sender
            .send_and_wait(
                TxRequest::call(route.origin.address(), call),
                Duration::from_secs(120),
            )
            .await?;
        Ok(Some(next))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_move_past_the_drift_and_within_the_bridges_bounds() {
        assert_eq!(next_price(100, 110, 10), None, "10% is within 10%");
        assert_eq!(next_price(100, 111, 10), Some(111));
        assert_eq!(next_price(100, 90, 10), None);
        assert_eq!(next_price(100, 89, 10), Some(89));
        // As far as one update may go: twice, or half rounded up (the bridge refuses less).
        assert_eq!(next_price(100, 1_000, 10), Some(200));
        assert_eq!(next_price(101, 1, 10), Some(51));
        assert_eq!(
            next_price(0, 5, 10),
            None,
            "governance sets the first price"
        );
        assert_eq!(next_price(u128::MAX, 1, 50), Some(u128::MAX.div_ceil(2)));
        assert_eq!(next_price(u128::MAX / 2, u128::MAX, 1), Some(u128::MAX - 1));
    }
}
