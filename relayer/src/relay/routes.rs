//! The routes into one destination, EVM or Solana, as its worker uses them: per origin, the
//! origin's bridge, the route's validator endpoints and the validator set the destination
//! holds for the origin. The set starts as configured and follows the destination bridge: it
//! is read again every tick ([`Routes::refresh`]), so a rotation through the admin timelock
//! takes effect without a restart, and no stage reads it per message.

use std::collections::BTreeMap;
use std::sync::RwLock;

use trestle_bridge::ValidatorSet;
use trestle_core::chain::UniversalAddress;

use super::destination::DestinationBridge;
use crate::config::{ChainConfig, Config, RouteConfig};
use crate::error::{Error, Result};
use crate::remote_set::DestinationSet;

/// How many reads in a row must answer an older set than the route holds before it is
/// adopted (ticks apart).
const OLDER_READS: u32 = 3;

/// A route as a destination worker uses it.
#[derive(Debug, Clone)]
pub(crate) struct Route {
    /// The origin's bridge (32 bytes: an EVM contract left-padded, or a program id).
    pub(crate) origin_bridge: UniversalAddress,
    /// The origin chain's name (logs and metrics).
    pub(crate) origin_name: String,
    /// The set the destination holds for the origin, as last read (the configured one until
    /// the destination is read).
    pub(crate) set: ValidatorSet,
    /// Whether `set` was read from the destination (not only configured).
    pub(crate) read: bool,
    /// An older set than `set` the destination answered, and how many reads in a row did.
    pub(crate) older: Option<(ValidatorSet, u32)>,
    /// The route as configured (its validators' endpoints).
    pub(crate) config: RouteConfig,
    /// Its fee policy's `min_paid` in the origin's base units (0: none).
    pub(crate) min_paid: u128,
}

/// The routes into one destination, by origin domain.
#[derive(Debug)]
pub(crate) struct Routes {
    destination: String,
    by_origin: RwLock<BTreeMap<u32, Route>>,
}

impl Routes {
    /// The routes of `config` that end at `destination`, each with its configured set.
    pub(crate) fn for_destination(config: &Config, destination: &ChainConfig) -> Result<Self> {
        let mut by_origin = BTreeMap::new();
        for r in config.routes.iter().filter(|r| r.to == destination.name) {
            let Some(origin) = config.chain(&r.from) else {
                continue;
            };
            let set = config.validator_set(r).map_err(|e| {
                Error::config(format!("routes ({} -> {})", r.from, r.to), e.to_string())
            })?;
            let min_paid = match &r.fees.min_paid {
                None => 0,
                Some(text) => {
                    crate::config::parse_amount(text, origin.native_decimals()).map_err(|e| {
                        Error::config(format!("routes ({} -> {}).fees.min_paid", r.from, r.to), e)
                    })?
                }
            };
            by_origin.insert(
                origin.domain,
                Route {
                    origin_bridge: origin.bridge_address(),
                    origin_name: origin.name.clone(),
                    set,
                    read: false,
                    older: None,
                    config: r.clone(),
                    min_paid,
                },
            );
        }
        Ok(Self {
            destination: destination.name.clone(),
            by_origin: RwLock::new(by_origin),
        })
    }

    /// Whether no route ends at the destination.
    pub(crate) fn is_empty(&self) -> bool {
        self.read().is_empty()
    }

    /// The route from `origin` as it is now.
    pub(crate) fn get(&self, origin: u32) -> Result<Route> {
        self.read().get(&origin).cloned().ok_or_else(|| {
            Error::config(
                "routes",
                format!("no route from domain {origin} to {}", self.destination),
            )
        })
    }

    /// Reads the set `destination` holds for every origin and adopts it where it differs (a
    /// rotation): attestations are then collected for its epoch from its members. A route
    /// keeps its set while the destination cannot be read, or holds a set for another origin
    /// bridge or one that is not usable (logged).
    pub(crate) async fn refresh(&self, destination: &impl DestinationBridge) {
        let origins: Vec<(u32, UniversalAddress)> = self
            .read()
            .iter()
            .map(|(origin, route)| (*origin, route.origin_bridge))
            .collect();
        for (origin, origin_bridge) in origins {
            let set = match destination.validator_set(origin, &origin_bridge).await {
                Ok(set) => set,
                Err(Error::Bridge(e @ trestle_bridge_client::Error::Remote { .. })) => {
                    // Answered, but no usable set for this route: its messages wait.
                    tracing::warn!(destination = %self.destination, origin, error = %e, "the destination holds no usable validator set for the route; keeping the previous one");
                    continue;
                }
                Err(e) => {
                    tracing::debug!(destination = %self.destination, origin, error = %e, "cannot read the destination's validator set");
                    continue;
                }
            };
            self.adopt(origin, set);
        }
    }

    /// Adopts `set`, just read from the destination for `origin`, unless it is the set the
    /// route holds, or older than a set read before and not yet answered [`OLDER_READS`] times
    /// in a row. Returns whether the route's set changed.
    fn adopt(&self, origin: u32, set: ValidatorSet) -> bool {
        let mut routes = self.by_origin.write().unwrap_or_else(|e| e.into_inner());
        let Some(route) = routes.get_mut(&origin) else {
            return false;
        };
        if set == route.set {
            route.read = true;
            route.older = None;
            return false;
        }
        if route.read && set.epoch() < route.set.epoch() {
            // Epochs only grow on chain: after a newer set was read, an older one is most
            // likely a lagging endpoint's, and is adopted only once the destination answers
            // it OLDER_READS times in a row. Neither answer pins the route: a newer set that a
            // bad endpoint (or a reorganised block) showed once gives way to what the chain
            // keeps answering.
            let reads = match route.older.take() {
                Some((older, n)) if older == set => n + 1,
                _ => 1,
            };
            if reads < OLDER_READS {
                tracing::warn!(destination = %self.destination, origin = %route.origin_name, epoch = route.set.epoch(), read = set.epoch(), reads, "the destination answered an older validator set; keeping the newer one unless it keeps answering it");
                route.older = Some((set, reads));
                return false;
            }
        }
        tracing::info!(destination = %self.destination, origin = %route.origin_name, from_epoch = route.set.epoch(), epoch = set.epoch(), threshold = set.threshold(), validators = set.validators().len(), "following the destination's validator set");
        for v in set.validators() {
            if route.config.endpoint(v).is_none() {
                tracing::warn!(destination = %self.destination, origin = %route.origin_name, validator = %v, "a validator of the destination's set has no endpoint in the route's validators or standby");
            }
        }
        route.set = set;
        route.read = true;
        route.older = None;
        true
    }

    /// Compares every route's configured set with the one the destination holds and logs
    /// each difference as an error: signatures made for another epoch, set or origin bridge
    /// are refused on chain. The destination's set is the one used (a rotation may be under
    /// way), so this stops nothing.
    pub(crate) async fn check(&self, destination: &DestinationSet) {
        let routes: Vec<(u32, Route)> = self
            .read()
            .iter()
            .map(|(origin, route)| (*origin, route.clone()))
            .collect();
        for (origin, route) in routes {
            let (from, to) = (&route.origin_name, &self.destination);
            match destination.read(origin, &route.origin_bridge).await {
                Ok(held) => {
                    for problem in set_mismatches(&route.set, &held) {
                        tracing::error!(%from, %to, "route does not match the destination bridge: {problem}");
                    }
                }
                Err(Error::Bridge(e @ trestle_bridge_client::Error::Remote { .. })) => {
                    tracing::error!(%from, %to, "route does not match the destination bridge: {e}");
                }
                Err(e) => {
                    tracing::warn!(%from, %to, error = %e, "cannot read the destination bridge's validator set");
                }
            }
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<u32, Route>> {
        self.by_origin.read().unwrap_or_else(|e| e.into_inner())
    }
}

/// How a route's configured set differs from the set the destination holds; empty when they
/// agree.
pub(crate) fn set_mismatches(configured: &ValidatorSet, held: &ValidatorSet) -> Vec<String> {
    let mut out = Vec::new();
    if held.epoch() != configured.epoch() {
        out.push(format!(
            "the destination's validator-set epoch is {}, the config says {}",
            held.epoch(),
            configured.epoch()
        ));
    }
    if held.threshold() != configured.threshold() {
        out.push(format!(
            "the destination's threshold is {}, the config says {}",
            held.threshold(),
            configured.threshold()
        ));
    }
    if held.validators() != configured.validators() {
        out.push("the destination's validators differ from the config's".to_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use trestle_core::evm::EvmAddress;

    use super::*;

    fn routes(configured: ValidatorSet) -> Routes {
        let route = Route {
            origin_bridge: UniversalAddress([1; 32]),
            origin_name: "a".into(),
            set: configured.clone(),
            read: false,
            older: None,
            config: RouteConfig {
                from: "a".into(),
                to: "b".into(),
                epoch: configured.epoch(),
                threshold: configured.threshold(),
                validators: Vec::new(),
                standby: Vec::new(),
                fees: crate::config::FeePolicy::default(),
            },
            min_paid: 0,
        };
        Routes {
            destination: "b".into(),
            by_origin: RwLock::new(BTreeMap::from([(1, route)])),
        }
    }

    #[test]
    fn the_destinations_set_is_followed_and_an_older_one_only_when_it_stays() {
        let v = |b: u8| EvmAddress([b; 20]);
        let set = |epoch| ValidatorSet::new(epoch, vec![v(1), v(2), v(3)], 2).unwrap();
        let epoch = |routes: &Routes| routes.get(1).unwrap().set.epoch();
        // The config planned epoch 5; the chain still holds 3: the chain's set is used.
        let routes = routes(set(5));
        assert!(routes.adopt(1, set(3)));
        assert_eq!(epoch(&routes), 3);
        // A rotation to 4 is followed; a lagging endpoint's 3 once, or twice, is not.
        assert!(routes.adopt(1, set(4)));
        assert!(!routes.adopt(1, set(3)));
        assert!(!routes.adopt(1, set(3)));
        assert!(!routes.adopt(1, set(4)));
        assert!(!routes.adopt(1, set(3)));
        assert_eq!(epoch(&routes), 4);
        // A bad answer of epoch 9 does not pin the route: the chain keeps answering 4.
        assert!(routes.adopt(1, set(9)));
        assert!(!routes.adopt(1, set(4)));
        assert!(!routes.adopt(1, set(4)));
        assert!(routes.adopt(1, set(4)));
        assert_eq!(epoch(&routes), 4);
        // No route from that origin: nothing to adopt.
        assert!(!routes.adopt(2, set(9)));
        assert!(routes.get(2).is_err());
    }

    #[test]
    fn set_mismatches_names_each_difference() {
        let v = |b: u8| EvmAddress([b; 20]);
        let configured = ValidatorSet::new(3, vec![v(1), v(2), v(3)], 2).unwrap();
        assert!(set_mismatches(&configured, &configured.clone()).is_empty());
        let held = ValidatorSet::new(4, vec![v(1), v(2), v(4)], 3).unwrap();
        let diffs = set_mismatches(&configured, &held);
        assert_eq!(diffs.len(), 3, "{diffs:?}");
        assert!(
            diffs[0].contains("epoch is 4, the config says 3"),
            "{diffs:?}"
        );
        assert!(
            diffs[1].contains("threshold is 3, the config says 2"),
            "{diffs:?}"
        );
    }
}
