//! Fee arithmetic: EIP-1559 suggestions from fee history, legacy gas prices, the ceiling, and
//! the bump of a replacement transaction. Pure functions; the RPC calls are in
//! [`crate::EvmChain`].

use trestle_core::chain::FeeSuggestion;

use crate::config::{CapPolicy, FeeConfig};
use crate::error::{Error, Result};

/// The fees of one transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fees {
    /// Legacy `gasPrice`.
    Legacy {
        /// Wei per gas.
        gas_price: u128,
    },
    /// EIP-1559 fees.
    Eip1559 {
        /// `maxFeePerGas`, wei per gas.
        max_fee_per_gas: u128,
        /// `maxPriorityFeePerGas`, wei per gas.
        max_priority_fee_per_gas: u128,
    },
}

impl Fees {
    /// The most a unit of gas can cost: `gasPrice` or `maxFeePerGas`.
    pub fn max_per_gas(&self) -> u128 {
        match *self {
            Fees::Legacy { gas_price } => gas_price,
            Fees::Eip1559 {
                max_fee_per_gas, ..
            } => max_fee_per_gas,
        }
    }
}

/// The chain-neutral form, with the base fee the estimate started from.
pub(crate) fn to_suggestion(fees: Fees, base_fee_per_gas: u128) -> FeeSuggestion {
    match fees {
        Fees::Legacy { gas_price } => FeeSuggestion::Legacy { gas_price },
        Fees::Eip1559 {
            max_fee_per_gas,
            max_priority_fee_per_gas,
        } => FeeSuggestion::Eip1559 {
            max_fee_per_gas,
            max_priority_fee_per_gas,
            base_fee_per_gas,
        },
    }
}

/// `value * percent / 100`, rounded up, saturating.
pub(crate) fn percent_of(value: u128, percent: u32) -> u128 {
    let p = u128::from(percent);
    match value.checked_mul(p) {
        Some(v) => v.div_ceil(100),
        None => (value / 100).saturating_mul(p).saturating_add(p),
    }
}

/// The median of the rewards (the lower middle for an even count); 0 for none.
fn median(values: &[u128]) -> u128 {
    let mut v = values.to_vec();
    v.sort_unstable();
    let mid = v.len().saturating_sub(1) / 2;
    v.get(mid).copied().unwrap_or(0)
}

/// EIP-1559 fees from the next block's base fee and the recent blocks' rewards at the
/// configured percentile: `maxPriorityFeePerGas = max(median(rewards), min_priority)`,
/// `maxFeePerGas = nextBase * multiplier% + priority`, then the ceiling.
pub fn eip1559_fees(
    chain: &str,
    next_base_fee: u128,
    rewards: &[u128],
    config: &FeeConfig,
) -> Result<Fees> {
    let priority = median(rewards).max(config.min_priority_fee_per_gas);
    let max_fee =
        percent_of(next_base_fee, config.base_fee_multiplier_percent).saturating_add(priority);
    apply_ceiling(
        chain,
        Fees::Eip1559 {
            max_fee_per_gas: max_fee,
            max_priority_fee_per_gas: priority,
        },
        config,
    )
}

/// Legacy gas price: `eth_gasPrice * multiplier%`, then the ceiling.
pub fn legacy_fees(chain: &str, node_gas_price: u128, config: &FeeConfig) -> Result<Fees> {
    let gas_price = percent_of(node_gas_price, config.legacy_gas_price_multiplier_percent);
    apply_ceiling(chain, Fees::Legacy { gas_price }, config)
}

/// Applies [`FeeConfig::max_fee_per_gas`] by [`FeeConfig::on_ceiling`].
pub fn apply_ceiling(chain: &str, fees: Fees, config: &FeeConfig) -> Result<Fees> {
    let ceiling = config.max_fee_per_gas;
    if fees.max_per_gas() <= ceiling {
        return Ok(fees);
    }
    match config.on_ceiling {
        CapPolicy::Error => Err(Error::FeeCeiling {
            chain: chain.to_owned(),
            what: match fees {
                Fees::Legacy { .. } => "gasPrice",
                Fees::Eip1559 { .. } => "maxFeePerGas",
            },
            required: fees.max_per_gas(),
            ceiling,
        }),
        CapPolicy::Clamp => {
            tracing::warn!(
                chain,
                required = fees.max_per_gas(),
                ceiling,
                "fee clamped to the ceiling"
            );
            Ok(match fees {
                Fees::Legacy { .. } => Fees::Legacy { gas_price: ceiling },
                Fees::Eip1559 {
                    max_priority_fee_per_gas,
                    ..
                } => Fees::Eip1559 {
                    max_fee_per_gas: ceiling,
                    max_priority_fee_per_gas: max_priority_fee_per_gas.min(ceiling),
                },
            })
        }
    }
}

/// `value` raised by `percent`, rounded up, and by at least 1 wei.
fn bumped(value: u128, percent: u32) -> u128 {
    percent_of(value, 100u32.saturating_add(percent)).max(value.saturating_add(1))
}

/// The fees of a replacement for a transaction sent with `old`: each field raised by
/// [`FeeConfig::replacement_bump_percent`] (at least 10%, so nodes accept it), or to the
/// current estimate `current` when that is higher. Refuses with [`Error::FeeCeiling`] when the
/// bump would cross the ceiling: a replacement below the minimum bump would only be rejected.
pub fn replacement_fees(
    chain: &str,
    old: Fees,
    current: Option<Fees>,
    config: &FeeConfig,
) -> Result<Fees> {
    let bump = config.replacement_bump_percent.max(10);
    let ceiling = config.max_fee_per_gas;
    let new = match (old, current) {
        (Fees::Legacy { gas_price }, current) => {
            let now = match current {
                Some(Fees::Legacy { gas_price }) => gas_price.min(ceiling),
                _ => 0,
            };
            Fees::Legacy {
                gas_price: bumped(gas_price, bump).max(now),
            }
        }
        (
            Fees::Eip1559 {
                max_fee_per_gas,
                max_priority_fee_per_gas,
            },
            current,
        ) => {
            let (now_max, now_tip) = match current {
                Some(Fees::Eip1559 {
                    max_fee_per_gas,
                    max_priority_fee_per_gas,
                }) => (
                    max_fee_per_gas.min(ceiling),
                    max_priority_fee_per_gas.min(ceiling),
                ),
                _ => (0, 0),
            };
            let tip = bumped(max_priority_fee_per_gas, bump).max(now_tip);
            let max = bumped(max_fee_per_gas, bump).max(now_max).max(tip);
            Fees::Eip1559 {
                max_fee_per_gas: max,
                max_priority_fee_per_gas: tip,
            }
        }
    };
    if new.max_per_gas() > ceiling {
        return Err(Error::FeeCeiling {
            chain: chain.to_owned(),
            what: match new {
                Fees::Legacy { .. } => "gasPrice",
                Fees::Eip1559 { .. } => "maxFeePerGas",
            },
            required: new.max_per_gas(),
            ceiling,
        });
    }
    Ok(new)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GWEI: u128 = 1_000_000_000;

    fn cfg() -> FeeConfig {
        FeeConfig {
            max_fee_per_gas: 100 * GWEI,
            ..FeeConfig::default()
        }
    }

    #[test]
    fn eip1559_is_base_times_multiplier_plus_median_tip() {
        let fees = eip1559_fees("t", 10 * GWEI, &[1, 3 * GWEI, 2 * GWEI], &cfg()).unwrap();
        assert_eq!(
            fees,
            Fees::Eip1559 {
                max_fee_per_gas: 20 * GWEI + 2 * GWEI,
                max_priority_fee_per_gas: 2 * GWEI
            }
        );
        // Empty history and a minimum tip.
        let c = FeeConfig {
            min_priority_fee_per_gas: 30 * GWEI,
            ..cfg()
        };
        let fees = eip1559_fees("t", GWEI, &[], &c).unwrap();
        assert_eq!(fees.max_per_gas(), 32 * GWEI);
    }

    #[test]
    fn ceiling_errors_or_clamps() {
        let err = eip1559_fees("t", 60 * GWEI, &[GWEI], &cfg()).unwrap_err();
        assert!(
            matches!(err, Error::FeeCeiling { what: "maxFeePerGas", required, ceiling, .. }
                if required == 121 * GWEI && ceiling == 100 * GWEI),
            "{err}"
        );
        assert!(err.is_retryable());
        let clamp = FeeConfig {
            on_ceiling: CapPolicy::Clamp,
            ..cfg()
        };
        let fees = eip1559_fees("t", 60 * GWEI, &[GWEI], &clamp).unwrap();
        assert_eq!(
            fees,
            Fees::Eip1559 {
                max_fee_per_gas: 100 * GWEI,
                max_priority_fee_per_gas: GWEI
            }
        );
        assert_eq!(
            legacy_fees("t", 200 * GWEI, &clamp).unwrap(),
            Fees::Legacy {
                gas_price: 100 * GWEI
            }
        );
        assert!(legacy_fees("t", 200 * GWEI, &cfg()).is_err());
        assert_eq!(
            legacy_fees("t", 10 * GWEI, &cfg()).unwrap(),
            Fees::Legacy {
                gas_price: 11 * GWEI
            }
        );
    }

    #[test]
    fn replacement_bumps_both_fields_by_at_least_ten_percent() {
        let old = Fees::Eip1559 {
            max_fee_per_gas: 10 * GWEI,
            max_priority_fee_per_gas: GWEI,
        };
        let c = FeeConfig {
            replacement_bump_percent: 10,
            ..cfg()
        };
        let Fees::Eip1559 {
            max_fee_per_gas,
            max_priority_fee_per_gas,
        } = replacement_fees("t", old, None, &c).unwrap()
        else {
            panic!("type changed")
        };
        assert_eq!(max_fee_per_gas, 11 * GWEI);
        assert_eq!(max_priority_fee_per_gas, 1_100_000_000);
        // A zero tip still rises (by one wei at least).
        let zero = Fees::Eip1559 {
            max_fee_per_gas: 7,
            max_priority_fee_per_gas: 0,
        };
        let Fees::Eip1559 {
            max_fee_per_gas,
            max_priority_fee_per_gas,
        } = replacement_fees("t", zero, None, &c).unwrap()
        else {
            panic!("type changed")
        };
        assert!(max_fee_per_gas * 10 >= 7 * 11 && max_priority_fee_per_gas >= 1);
        // The current estimate wins when higher.
        let now = Fees::Eip1559 {
            max_fee_per_gas: 50 * GWEI,
            max_priority_fee_per_gas: 5 * GWEI,
        };
        assert_eq!(replacement_fees("t", old, Some(now), &c).unwrap(), now);
        // Legacy.
        assert_eq!(
            replacement_fees(
                "t",
                Fees::Legacy {
                    gas_price: 20 * GWEI
                },
                None,
                &cfg()
            )
            .unwrap(),
            Fees::Legacy {
                gas_price: 22_400_000_000
            }
        );
    }

    #[test]
    fn replacement_refuses_to_cross_the_ceiling() {
        let old = Fees::Eip1559 {
            max_fee_per_gas: 95 * GWEI,
            max_priority_fee_per_gas: GWEI,
        };
        let err = replacement_fees("t", old, None, &cfg()).unwrap_err();
        assert!(matches!(err, Error::FeeCeiling { .. }), "{err}");
    }

    #[test]
    fn percent_saturates() {
        assert_eq!(percent_of(u128::MAX, 200), u128::MAX);
        assert_eq!(percent_of(3, 110), 4);
    }
}
