//! Delivery fees (docs/protocol.md, "Delivery fees"): what a sender pays on the origin, in the
//! origin's native token, for a relayer to deliver its message on the destination.
//!
//! Every origin bridge keeps a [`FeeConfig`] per destination domain. The quote is the
//! destination's gas for the message at the destination's gas price, plus a fixed cost, turned
//! into origin units with the exchange rate, rounded up at each division:
//!
//! ```text
//! gas  = message_gas + signatures_gas + gas_limit + body_len * gas_per_byte
//! cost = ceil(gas * gas_price / 10^9) + fixed_cost        (destination base units)
//! fee  = ceil(cost * exchange_rate / 10^18)                (origin base units)
//! ```
//!
//! The Solidity bridge and the Solana program compute the same numbers (shared vectors in
//! `bridge/vectors/v2.json`, `fee_quotes` and `fee_updates`).

use trestle_core::chain::U256;

use crate::error::{Error, Result};

/// `gas_price` is in units of 10^-9 destination base units per gas unit: 1 gwei per gas is
/// `10^18`; 1,000 micro-lamports per compute unit is `10^6`.
pub const PRICE_SCALE: u128 = 1_000_000_000;

/// `exchange_rate` is origin base units per destination base unit, times 10^18: ether to
/// ether is `10^18`; lamports paid for wei (at 20 SOL per ETH) is `2 * 10^10`.
pub const RATE_SCALE: u128 = 1_000_000_000_000_000_000;

/// The body length a token transfer is quoted with (its body is always 97 bytes).
pub const TRANSFER_BODY_LEN: u64 = 97;

/// The least time between two price updates of one destination by the fee oracle, seconds.
pub const FEE_UPDATE_INTERVAL: u64 = 60;

/// How far one fee-oracle update may move a price: to at most twice or at least half of the
/// current value.
pub const MAX_PRICE_FACTOR: u128 = 2;

/// The fee parameters an origin bridge keeps for one destination domain. An exchange rate of
/// 0 (as in the all-zero default) makes the destination free: every quote is 0.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct FeeConfig {
    /// Destination price of one gas unit (compute unit on Solana), in 10^-9 destination base
    /// units ([`PRICE_SCALE`]). Updated by the fee oracle within bounds.
    pub gas_price: u128,
    /// Origin base units per destination base unit, times 10^18 ([`RATE_SCALE`]). Updated by
    /// the fee oracle within bounds.
    pub exchange_rate: u128,
    /// Destination base units every delivery costs whatever its gas (on Solana: the
    /// transaction fees and the rent the relayer does not get back).
    pub fixed_cost: u128,
    /// Destination gas of delivering one message besides its recipient's gas limit.
    pub message_gas: u64,
    /// Destination gas of verifying one signature set (at the destination's threshold).
    pub signatures_gas: u64,
    /// The gas limit a token transfer is quoted with (its execution on the destination).
    pub transfer_gas: u64,
    /// Destination gas per byte of the message body.
    pub gas_per_byte: u32,
    /// When the fee oracle last updated the prices (seconds; 0: never).
    pub last_update: u64,
}

impl FeeConfig {
    /// What a message whose recipient gas limit is `gas_limit` and whose body is `body_len`
    /// bytes costs to deliver, in origin base units. An exchange rate of 0 makes the
    /// destination free (0, whatever the other fields). [`Error::FeeOverflow`] when the cost
    /// in destination units or the fee does not fit a `u128`.
    pub fn quote(&self, gas_limit: u64, body_len: u64) -> Result<u128> {
        if self.exchange_rate == 0 {
            return Ok(0);
        }
        let gas = u128::from(self.message_gas)
            + u128::from(self.signatures_gas)
            + u128::from(gas_limit)
            + u128::from(body_len) * u128::from(self.gas_per_byte);
        let gas_cost = div_ceil(
            U256::from(gas) * U256::from(self.gas_price),
            U256::from(PRICE_SCALE),
        );
        let cost = gas_cost
            .checked_add(U256::from(self.fixed_cost))
            .filter(|c| *c <= U256::from(u128::MAX))
            .ok_or(Error::FeeOverflow)?;
        let fee = div_ceil(
            cost * U256::from(self.exchange_rate),
            U256::from(RATE_SCALE),
        );
        u128::try_from(fee).map_err(|_| Error::FeeOverflow)
    }

    /// [`FeeConfig::quote`] for a token transfer: gas limit `transfer_gas`, a 97-byte body.
    pub fn quote_transfer(&self) -> Result<u128> {
        self.quote(self.transfer_gas, TRANSFER_BODY_LEN)
    }

    /// Whether the fee oracle may set the prices to `gas_price` and `exchange_rate` at time
    /// `now`: the destination's prices were set by governance (neither is 0), the new ones
    /// are not 0, each is within a factor of [`MAX_PRICE_FACTOR`] of the current one, and
    /// [`FEE_UPDATE_INTERVAL`] has passed since the last update.
    pub fn check_price_update(&self, gas_price: u128, exchange_rate: u128, now: u64) -> Result<()> {
        if self.gas_price == 0 || self.exchange_rate == 0 {
            return Err(Error::FeeNotConfigured);
        }
        let next_at = self.last_update.saturating_add(FEE_UPDATE_INTERVAL);
        if now < next_at {
            return Err(Error::FeeUpdateTooSoon { now, next_at });
        }
        for (field, old, new) in [
            ("gas_price", self.gas_price, gas_price),
            ("exchange_rate", self.exchange_rate, exchange_rate),
        ] {
            if !within_factor(old, new) {
                return Err(Error::FeeChangeTooLarge { field, old, new });
            }
        }
        Ok(())
    }
}

/// `old / MAX_PRICE_FACTOR <= new <= old * MAX_PRICE_FACTOR` (exact, without rounding), and
/// `new != 0`.
fn within_factor(old: u128, new: u128) -> bool {
    let (old, new) = (U256::from(old), U256::from(new));
    let factor = U256::from(MAX_PRICE_FACTOR);
    !new.is_zero() && new <= old * factor && new * factor >= old
}

fn div_ceil(n: U256, d: U256) -> U256 {
    n.div_ceil(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evm_to_evm() -> FeeConfig {
        FeeConfig {
            gas_price: 2 * 10u128.pow(18), // 2 gwei
            exchange_rate: RATE_SCALE,     // ether to ether
            fixed_cost: 0,
            message_gas: 60_000,
            signatures_gas: 20_000,
            transfer_gas: 90_000,
            gas_per_byte: 16,
            last_update: 1_000,
        }
    }

    #[test]
    fn a_transfer_to_an_evm_chain_costs_its_gas_at_the_gas_price() {
        let gas = 60_000 + 20_000 + 90_000 + 97 * 16;
        assert_eq!(evm_to_evm().quote_transfer().unwrap(), gas * 2_000_000_000);
    }

    #[test]
    fn an_unset_destination_is_free() {
        assert_eq!(FeeConfig::default().quote(5_000_000, 16_384).unwrap(), 0);
    }

    #[test]
    fn each_division_rounds_up() {
        let c = FeeConfig {
            gas_price: 1, // 10^-9 of a base unit per gas
            exchange_rate: 1,
            message_gas: 1,
            ..FeeConfig::default()
        };
        // 1 gas costs 10^-9 destination units: 1 unit, and that 10^-18 origin units: 1.
        assert_eq!(c.quote(1, 0).unwrap(), 1);
    }

    #[test]
    fn costs_too_large_for_u128_are_refused() {
        let c = FeeConfig {
            gas_price: u128::MAX,
            exchange_rate: RATE_SCALE,
            ..FeeConfig::default()
        };
        assert_eq!(c.quote(u64::MAX, 0), Err(Error::FeeOverflow));
        let c = FeeConfig {
            fixed_cost: u128::MAX,
            exchange_rate: RATE_SCALE + 1,
            ..FeeConfig::default()
        };
        assert_eq!(c.quote(1, 0), Err(Error::FeeOverflow));
        assert_eq!(
            FeeConfig {
                exchange_rate: RATE_SCALE,
                ..c
            }
            .quote(1, 0),
            Ok(u128::MAX)
        );
    }

    #[test]
    fn the_oracle_moves_prices_by_at_most_a_factor_of_two_a_minute() {
        let c = evm_to_evm();
        let (p, r) = (c.gas_price, c.exchange_rate);
        assert!(c.check_price_update(2 * p, r / 2, 1_060).is_ok());
        assert_eq!(
            c.check_price_update(2 * p, r, 1_059),
            Err(Error::FeeUpdateTooSoon {
                now: 1_059,
                next_at: 1_060
            })
        );
        assert_eq!(
            c.check_price_update(2 * p + 1, r, 1_060)
                .unwrap_err()
                .code(),
            "fee_change_too_large"
        );
        assert_eq!(
            c.check_price_update(p, r / 2 - 1, 1_060)
                .unwrap_err()
                .code(),
            "fee_change_too_large"
        );
        assert_eq!(
            c.check_price_update(0, r, 1_060).unwrap_err().code(),
            "fee_change_too_large"
        );
        assert_eq!(
            FeeConfig::default().check_price_update(1, 1, 1_060),
            Err(Error::FeeNotConfigured)
        );
    }
}
