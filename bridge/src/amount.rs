//! Amount scaling between a token's home-chain units (what messages carry) and a chain's local
//! units, as `docs/protocol.md` specifies: `local = home / 10^k`, exact, never truncated.

use trestle_core::chain::U256;

use crate::error::{Error, Result};

/// The largest decimal exponent a scale may use (`10^77` is the largest power of ten in a
/// `U256`).
pub const MAX_SCALE_EXP: u8 = 77;

fn scale(exp: u8) -> Result<U256> {
    if exp > MAX_SCALE_EXP {
        return Err(Error::InvalidScale { exp });
    }
    Ok(U256::from(10u8).pow(U256::from(exp)))
}

/// Home units to local units on a chain with scale `10^exp`. Refuses zero, and an amount that
/// is not a multiple of the scale (the origin should have refused it at `send`).
pub fn home_to_local(amount: U256, exp: u8) -> Result<U256> {
    if amount.is_zero() {
        return Err(Error::ZeroAmount);
    }
    let s = scale(exp)?;
    if !(amount % s).is_zero() {
        return Err(Error::InexactAmount { amount, exp });
    }
    Ok(amount / s)
}

/// Local units to home units on a chain with scale `10^exp`. Refuses zero and overflow.
pub fn local_to_home(amount: U256, exp: u8) -> Result<U256> {
    if amount.is_zero() {
        return Err(Error::ZeroAmount);
    }
    amount
        .checked_mul(scale(exp)?)
        .ok_or(Error::AmountTooLarge {
            amount,
            max: U256::MAX,
        })
}

/// What an origin checks at `send` for a destination with scale `10^remote_exp` whose local
/// integer type holds at most `remote_max` (`u64::MAX` for SPL amounts): returns the amount
/// the destination will credit, in its local units. Refuses zero, an amount that is not a
/// multiple of the destination's scale (dust that could never be delivered) and one that does
/// not fit the destination's integer type.
pub fn check_outbound(home_amount: U256, remote_exp: u8, remote_max: U256) -> Result<U256> {
    let remote = home_to_local(home_amount, remote_exp)?;
    if remote > remote_max {
        return Err(Error::AmountTooLarge {
            amount: remote,
            max: remote_max,
        });
    }
    Ok(remote)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eighteen_decimals_to_a_nine_decimal_spl_amount() {
        let one_token = U256::from(10u64.pow(18));
        assert_eq!(
            check_outbound(one_token, 9, U256::from(u64::MAX)),
            Ok(U256::from(10u64.pow(9)))
        );
        assert_eq!(
            check_outbound(one_token + U256::from(1u8), 9, U256::from(u64::MAX))
                .unwrap_err()
                .code(),
            "inexact_amount"
        );
        let too_big = U256::from(u64::MAX) * U256::from(10u64.pow(9)) + U256::from(10u64.pow(9));
        assert_eq!(
            check_outbound(too_big, 9, U256::from(u64::MAX))
                .unwrap_err()
                .code(),
            "amount_too_large"
        );
        assert_eq!(
            check_outbound(U256::ZERO, 9, U256::MAX).unwrap_err(),
            Error::ZeroAmount
        );
        assert_eq!(
            home_to_local(one_token, 78).unwrap_err(),
            Error::InvalidScale { exp: 78 }
        );
        assert_eq!(local_to_home(U256::from(10u64.pow(9)), 9), Ok(one_token));
        assert_eq!(
            local_to_home(U256::MAX, 1).unwrap_err().code(),
            "amount_too_large"
        );
    }
}
