//! The fee-oracle updater role (`[fee_oracle]`): with the fee oracle's keys, it keeps each
//! route's origin bridge quoting the destination's gas price now (docs/protocol.md, "Delivery
//! fees"). Every `interval_ms` it reads what a transaction costs per gas on the destination
//! and, when the origin's `gas_price` for that destination is off by more than
//! `drift_percent`, sets the new price, moved at most as far as the bridge allows in one
//! update (twice or half); the next update follows a minute later. The exchange rate is left
//! as it is. A destination whose prices governance has not set is left alone (the oracle may
//! only move prices, not create them).
//!
//! - The price of an EVM destination is the next block's base fee plus the priority fee this
//!   daemon would pay (the legacy gas price where there is no base fee), in wei per gas; of a
//!   Solana destination, the compute-unit price this daemon's landing would pay (the chain's
//!   percentile of the cluster's recent prioritization fees), in micro-lamports per compute
//!   unit, and at least 1 (an origin refuses a price of 0). The per-signature fee of a Solana
//!   delivery is in the fee configuration's `fixed_cost`, which only governance sets.
//! - An EVM origin is updated with `updateFeePrices` from the `[fee_oracle]` key, a Solana
//!   origin with `update_fee_prices` signed and paid by the `[fee_oracle.solana]` key.
//!
//! Nothing the bridge would refuse is sent: a price read outside the configured band is not
//! believed, an update within the minute after the last one waits, and every update is
//! checked against the bridge's bounds ([`FeeConfig::check_price_update`]) before it goes.
//! The configuration is read again right before sending and the update skipped when it
//! changed meanwhile, so that an exchange rate governance just set is not written back to the
//! one read before (the bridges' update entry point takes both prices).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use alloy_sol_types::SolCall;
use tokio::sync::watch;
use trestle_bridge::FeeConfig;
use trestle_bridge::evm_bindings::Bridge;
use trestle_bridge::fee::{MAX_PRICE_FACTOR, PRICE_SCALE};
use trestle_bridge_client::{EvmBridge, SolanaBridge};
use trestle_core::chain::U256;
use trestle_core::evm::EvmSigner;
use trestle_core::solana::SolanaSigner;
use trestle_core::solana::address::SYSVAR_CLOCK_ID;
use trestle_evm::{EvmChain, EvmSender, Fees, TxRequest};
use trestle_solana::{SolanaClient, TransactionRequest};

use crate::config::{ChainKind, Config, FeeOracleConfig};
use crate::error::{Error, Result};
use crate::metrics::Metrics;

/// A Solana destination's `gas_price` per micro-lamport per compute unit: the price is in
/// 10^-9 lamports, a micro-lamport is 10^-6.
pub const PRICE_PER_MICRO_LAMPORT: u128 = 1_000;

/// How long an EVM origin's `updateFeePrices` may take to be mined.
const EVM_UPDATE_TIMEOUT: Duration = Duration::from_secs(120);

/// Where a route's origin keeps its fee configuration, and the oracle's key there.
enum Origin {
    /// An EVM bridge, and the oracle's sender on its chain (shared by every route from it: one
    /// nonce manager per key and chain).
    Evm {
        bridge: EvmBridge,
        sender: Arc<EvmSender>,
    },
    /// A Solana bridge program, and the oracle's key there (signer and fee payer; boxed: a
    /// keypair is large).
    Solana {
        bridge: SolanaBridge,
        oracle: Box<SolanaSigner>,
    },
}

/// Where a route's destination gas price is read.
enum Destination {
    Evm(Arc<EvmChain>),
    Solana(Arc<SolanaClient>),
}

/// One route the oracle keeps priced.
struct Priced {
    name: String,
    origin: Origin,
    destination: Destination,
    destination_domain: u32,
}

/// The fee-oracle updater of a daemon.
pub struct FeeOracle {
    routes: Vec<Priced>,
    settings: FeeOracleConfig,
    metrics: Arc<Metrics>,
    /// When an update of each route (by name) was last sent, by this process's clock: an
    /// origin node whose clock or `last_update` lies cannot make the oracle send (and pay
    /// for) an update more than once per [`trestle_bridge::fee::FEE_UPDATE_INTERVAL`], even
    /// when each one reverts.
    last_sent: std::sync::Mutex<std::collections::HashMap<String, std::time::Instant>>,
}

/// The price a Solana destination's compute-unit price `read` (micro-lamports, as the node
/// reports it) stands for, `None` when it is outside `band` (min, max). The band is checked on
/// the answer itself, before `clamp` (the landing settings' minimum and maximum) makes it what
/// a delivery pays: clamped first, an absurd answer would become the landing maximum and be
/// believed.
fn solana_target(
    read: u64,
    band: (Option<u64>, Option<u64>),
    clamp: impl Fn(u64) -> u64,
) -> Option<u128> {
    let (min, max) = band;
    if min.is_some_and(|m| read < m) || max.is_some_and(|m| read > m) {
        return None;
    }
    Some(solana_price(clamp(read).max(1)))
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

/// A Solana destination's price in the fee configuration's units from its compute-unit price
/// (micro-lamports): at least 1 micro-lamport (an origin refuses a price of 0, and a cluster
/// without recent priority fees charges next to nothing per compute unit).
pub fn solana_price(micro_lamports_per_cu: u64) -> u128 {
    u128::from(micro_lamports_per_cu.max(1)) * PRICE_PER_MICRO_LAMPORT
}

/// What the oracle does about a route in one round (see [`FeeOracle::decide`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Nothing to do: the prices are not set, or close enough.
    Keep,
    /// Too soon after the last update: compared again next round.
    Wait,
    /// The bridge would refuse this update: not sent.
    Refused,
    /// Send this gas price (the exchange rate unchanged).
    Update(u128),
}

impl FeeOracle {
    /// The updater of `config`'s routes with the oracle's keys: `evm` for EVM origins,
    /// `solana` for Solana origins, on the daemon's connected EVM `chains` (a Solana chain
    /// gets a client of its own). Routes whose origin has no key here are logged and left
    /// out; so are routes between two Solana chains.
    pub(crate) fn for_config(
        config: &Config,
        settings: &FeeOracleConfig,
        evm: Option<&EvmSigner>,
        solana: Option<&SolanaSigner>,
        chains: &BTreeMap<String, Arc<EvmChain>>,
        metrics: &Arc<Metrics>,
    ) -> Result<Self> {
        let mut routes = Vec::new();
        let mut senders: BTreeMap<String, Arc<EvmSender>> = BTreeMap::new();
        let mut clients: BTreeMap<String, Arc<SolanaClient>> = BTreeMap::new();
        let mut solana_client = |name: &str| -> Result<Option<Arc<SolanaClient>>> {
            let Some(chain) = config.chain(name) else {
                return Ok(None);
            };
            if let Some(c) = clients.get(name) {
                return Ok(Some(c.clone()));
            }
            let client = crate::connect::solana(chain)?;
            clients.insert(name.to_owned(), client.clone());
            Ok(Some(client))
        };
        for r in &config.routes {
            let name = format!("{} -> {}", r.from, r.to);
            let (Some(from), Some(to)) = (config.chain(&r.from), config.chain(&r.to)) else {
                continue;
            };
            let destination = match &to.kind {
                ChainKind::Evm(_) => chains.get(&r.to).cloned().map(Destination::Evm),
                ChainKind::Solana(_) => solana_client(&r.to)?.map(Destination::Solana),
            };
            let origin = match (&from.kind, evm, solana) {
                (ChainKind::Evm(e), Some(signer), _) => chains.get(&r.from).map(|chain| {
                    let sender = senders
                        .entry(r.from.clone())
                        .or_insert_with(|| Arc::new(EvmSender::new(chain.clone(), signer.clone())))
                        .clone();
                    Origin::Evm {
                        bridge: EvmBridge::new(chain.clone(), e.bridge),
                        sender,
                    }
                }),
                (ChainKind::Solana(s), _, Some(oracle)) => {
                    solana_client(&r.from)?.map(|client| Origin::Solana {
                        bridge: SolanaBridge::new(client, s.program),
                        oracle: Box::new(oracle.clone()),
                    })
                }
                (ChainKind::Evm(_), None, _) => {
                    tracing::warn!(route = %name, "the fee oracle has no EVM key: this route is not priced");
                    None
                }
                (ChainKind::Solana(_), _, None) => {
                    tracing::warn!(route = %name, "the fee oracle has no Solana key ([fee_oracle.solana]): this route is not priced");
                    None
                }
            };
            if matches!(
                (&origin, &destination),
                (Some(Origin::Solana { .. }), Some(Destination::Solana(_)))
            ) {
                tracing::warn!(route = %name, "the fee oracle does not price a route between two Solana chains");
                continue;
            }
            let (Some(origin), Some(destination)) = (origin, destination) else {
                continue;
            };
            routes.push(Priced {
                name,
                origin,
                destination,
                destination_domain: to.domain,
            });
        }
        Ok(Self {
            routes,
            settings: settings.clone(),
            metrics: metrics.clone(),
            last_sent: std::sync::Mutex::default(),
        })
    }

    /// Compares and updates every route every `interval_ms` until shutdown.
    pub(crate) async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let interval = Duration::from_millis(self.settings.interval_ms);
        tracing::info!(routes = self.routes.len(), "fee oracle started");
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

    /// What to do about an origin's `config` at its time `now` when the destination's price
    /// is `target` (fee configuration units): every update it returns passes the bridge's
    /// checks ([`FeeConfig::check_price_update`]) with the exchange rate unchanged.
    pub fn decide(config: &FeeConfig, target: u128, now: u64, drift_percent: u8) -> Decision {
        if config.gas_price == 0 || config.exchange_rate == 0 {
            return Decision::Keep; // governance sets the first prices
        }
        let Some(next) = next_price(config.gas_price, target, drift_percent) else {
            return Decision::Keep;
        };
        match config.check_price_update(next, config.exchange_rate, now) {
            Ok(()) => Decision::Update(next),
            Err(trestle_bridge::Error::FeeUpdateTooSoon { .. }) => Decision::Wait,
            Err(_) => Decision::Refused,
        }
    }

    /// One comparison of `route`; the new price when it was updated.
    async fn update(&self, route: &Priced) -> Result<Option<u128>> {
        let domain = route.destination_domain;
        let config = route.origin.fee_config(domain).await?;
        if config.gas_price == 0 || config.exchange_rate == 0 {
            return Ok(None);
        }
        let now = route.origin.now().await?;
        if now
            < config
                .last_update
                .saturating_add(trestle_bridge::fee::FEE_UPDATE_INTERVAL)
        {
            return Ok(None); // no transaction within the minute the bridge asks for
        }
        let Some(target) = self.destination_price(route).await? else {
            return Ok(None);
        };
        let next = match Self::decide(&config, target, now, self.settings.drift_percent) {
            Decision::Update(next) => next,
            Decision::Keep | Decision::Wait => return Ok(None),
            Decision::Refused => {
                // Not reached while `next_price` clamps to the bounds: a belt, so that no
                // update the bridge refuses is ever sent.
                self.metrics.failure("fee_oracle", "out_of_bounds");
                tracing::warn!(route = %route.name, current = config.gas_price, target, "fee oracle: the update is beyond the bridge's bounds; not sent");
                return Ok(None);
            }
        };
        // Governance may have set the configuration since it was read: the update carries the
        // exchange rate read, and would write it back over the new one.
        let fresh = route.origin.fee_config(domain).await?;
        if fresh != config {
            tracing::info!(route = %route.name, "fee oracle: the origin's fee configuration changed while comparing; compared again next round");
            return Ok(None);
        }
        if !self.claim_send(&route.name) {
            tracing::debug!(route = %route.name, "fee oracle: an update was sent less than a minute ago by this clock; not again yet");
            return Ok(None);
        }
        route
            .origin
            .update_prices(domain, next, config.exchange_rate)
            .await?;
        Ok(Some(next))
    }

    /// Whether an update of `route` may be sent now: at most one per route and
    /// [`trestle_bridge::fee::FEE_UPDATE_INTERVAL`] by this process's clock, counted before
    /// sending (a send that fails or reverts waits as long as one that lands).
    fn claim_send(&self, route: &str) -> bool {
        let mut last = self
            .last_sent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let interval = std::time::Duration::from_secs(trestle_bridge::fee::FEE_UPDATE_INTERVAL);
        if last.get(route).is_some_and(|at| at.elapsed() < interval) {
            return false;
        }
        last.insert(route.to_owned(), std::time::Instant::now());
        true
    }

    /// The destination's price now in fee configuration units, `None` (with a warning and a
    /// count) when it is outside the configured band.
    async fn destination_price(&self, route: &Priced) -> Result<Option<u128>> {
        match &route.destination {
            Destination::Evm(chain) => {
                let (fees, base) = chain.estimate_fees().await?;
                let wei_per_gas = match fees {
                    Fees::Legacy { gas_price } => gas_price,
                    Fees::Eip1559 {
                        max_priority_fee_per_gas,
                        ..
                    } => base.saturating_add(max_priority_fee_per_gas),
                };
                let (min, max) = self.settings.band().unwrap_or((None, None));
                if min.is_some_and(|m| wei_per_gas < m) || max.is_some_and(|m| wei_per_gas > m) {
                    self.out_of_band(route, wei_per_gas, "min_gwei..max_gwei");
                    return Ok(None);
                }
                Ok(Some(wei_per_gas.saturating_mul(PRICE_SCALE)))
            }
            Destination::Solana(client) => {
                let read = client.recent_priority_fee(&[]).await?;
                let band = (
                    self.settings.min_micro_lamports,
                    self.settings.max_micro_lamports,
                );
                match solana_target(read, band, |fee| client.clamp_priority_fee(fee)) {
                    Some(price) => Ok(Some(price)),
                    None => {
                        self.out_of_band(
                            route,
                            u128::from(read),
                            "min_micro_lamports..max_micro_lamports",
                        );
                        Ok(None)
                    }
                }
            }
        }
    }

    fn out_of_band(&self, route: &Priced, read: u128, band: &'static str) {
        self.metrics.failure("fee_oracle", "out_of_band");
        tracing::warn!(route = %route.name, price = read, band, "fee oracle: the destination's gas price is outside the [fee_oracle] band; not believed, nothing updated");
    }
}

impl Origin {
    /// The origin's fee configuration for `destination`.
    async fn fee_config(&self, destination: u32) -> Result<FeeConfig> {
        Ok(match self {
            Origin::Evm { bridge, .. } => bridge.fee_config(destination).await?,
            Origin::Solana { bridge, .. } => bridge.fee_config(destination).await?,
        })
    }

    /// The origin's clock, seconds: the latest block's timestamp, the cluster's `Clock`.
    async fn now(&self) -> Result<u64> {
        match self {
            Origin::Evm { bridge, .. } => {
                let chain = bridge.chain();
                let number = chain.block_number().await?;
                let header = chain.header(number).await?.ok_or_else(|| {
                    Error::Chain(trestle_core::Error::MalformedResponse {
                        endpoint: chain.config().name.clone(),
                        reason: format!("no header for block {number}, the latest"),
                    })
                })?;
                Ok(header.timestamp)
            }
            Origin::Solana { bridge, .. } => cluster_time(bridge.client()).await,
        }
    }

    /// Sets the prices of `destination` (the oracle's entry point of the bridge), waiting
    /// until the update is mined (EVM) or landed (Solana); a refusal is an error.
    async fn update_prices(
        &self,
        destination: u32,
        gas_price: u128,
        exchange_rate: u128,
    ) -> Result<()> {
        match self {
            Origin::Evm { bridge, sender } => {
                let call = Bridge::updateFeePricesCall {
                    destination,
                    gasPrice: gas_price,
                    exchangeRate: exchange_rate,
                }
                .abi_encode();
                sender
                    .send_and_wait(TxRequest::call(bridge.address(), call), EVM_UPDATE_TIMEOUT)
                    .await?;
            }
            Origin::Solana { bridge, oracle } => {
                let ix = bridge.program().update_fee_prices(
                    &oracle.pubkey(),
                    destination,
                    gas_price,
                    exchange_rate,
                );
                bridge
                    .client()
                    .land(TransactionRequest::new(oracle, vec![ix]))
                    .await?;
            }
        }
        Ok(())
    }
}

/// The cluster's clock (`Clock` sysvar `unix_timestamp`), seconds, as the program reads it.
async fn cluster_time(client: &SolanaClient) -> Result<u64> {
    let malformed = |reason: String| {
        Error::Chain(trestle_core::Error::MalformedResponse {
            endpoint: client.endpoint().to_owned(),
            reason,
        })
    };
    let account = client
        .account(&SYSVAR_CLOCK_ID)
        .await?
        .ok_or_else(|| malformed("the cluster has no Clock sysvar".into()))?;
    // slot, epoch_start_timestamp, epoch, leader_schedule_epoch, unix_timestamp (LE).
    let bytes: [u8; 8] = account
        .data
        .get(32..40)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| malformed("the Clock sysvar is shorter than 40 bytes".into()))?;
    u64::try_from(i64::from_le_bytes(bytes))
        .map_err(|_| malformed("the Clock sysvar's time is before 1970".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_solana_price_is_checked_against_the_band_before_it_is_clamped() {
        // Regression (second review L2): the node's answer was clamped to the landing maximum
        // first, so an absurd answer became the maximum and passed a wider band.
        let landing = |fee: u64| fee.clamp(1, 1_000_000);
        let band = (Some(10), Some(2_000_000));
        assert_eq!(solana_target(1_000_000_000_000, band, landing), None);
        assert_eq!(solana_target(5, band, landing), None);
        assert_eq!(
            solana_target(1_500_000, band, landing),
            Some(solana_price(1_000_000)),
            "within the band, a delivery pays at most the landing maximum"
        );
        assert_eq!(
            solana_target(1_000, band, landing),
            Some(solana_price(1_000))
        );
        assert_eq!(
            solana_target(0, (None, None), landing),
            Some(solana_price(1))
        );
    }

    #[test]
    fn one_update_per_route_and_minute_by_the_oracles_own_clock() {
        // Regression (second review L3): an origin node lying about its clock or the last
        // update had the oracle send (and pay for) a reverting update every interval.
        let oracle = FeeOracle {
            routes: Vec::new(),
            settings: toml::from_str("keystore = \"oracle.json\"").unwrap(),
            metrics: Arc::new(Metrics::new()),
            last_sent: std::sync::Mutex::default(),
        };
        assert!(oracle.claim_send("a->b"));
        assert!(
            !oracle.claim_send("a->b"),
            "a second send within the minute"
        );
        assert!(oracle.claim_send("a->c"), "routes are counted apart");
        let interval = std::time::Duration::from_secs(trestle_bridge::fee::FEE_UPDATE_INTERVAL);
        oracle.last_sent.lock().unwrap().insert(
            "a->b".into(),
            std::time::Instant::now().checked_sub(interval).unwrap(),
        );
        assert!(
            oracle.claim_send("a->b"),
            "a minute later it may send again"
        );
    }

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

    #[test]
    fn a_solana_price_is_in_billionths_of_a_lamport_and_never_zero() {
        // 1,000 micro-lamports per CU is 10^6 (docs/protocol.md, "Delivery fees").
        assert_eq!(solana_price(1_000), 1_000_000);
        assert_eq!(solana_price(0), 1_000, "a quiet cluster: 1 micro-lamport");
    }

    #[test]
    fn every_update_decided_is_one_the_bridge_accepts() {
        let config = FeeConfig {
            gas_price: 1_000,
            exchange_rate: 7,
            last_update: 1_000,
            ..FeeConfig::default()
        };
        let d = |target, now| FeeOracle::decide(&config, target, now, 10);
        assert_eq!(d(10_000, 1_060), Decision::Update(2_000), "twice at most");
        assert_eq!(d(1, 1_060), Decision::Update(500), "half at most");
        assert_eq!(d(1_050, 1_060), Decision::Keep, "within the drift");
        assert_eq!(d(10_000, 1_059), Decision::Wait, "within the minute");
        assert_eq!(
            FeeOracle::decide(&FeeConfig::default(), 10_000, 1_060, 10),
            Decision::Keep,
            "governance sets the first prices"
        );
        // Whatever the target and time, an update decided passes the bridge's own check.
        for target in [1, 499, 500, 999, 1_101, 1_999, 2_000, 2_001, u128::MAX] {
            for now in [1_059, 1_060, 5_000] {
                if let Decision::Update(next) = d(target, now) {
                    assert!(config.check_price_update(next, 7, now).is_ok());
                }
            }
        }
    }
}
