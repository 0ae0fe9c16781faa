//! Validator sets: an epoch, strictly ascending non-zero addresses, and a threshold.

use trestle_core::evm::EvmAddress;

use crate::error::{Error, Result};

/// The most validators a set may have (the threshold and count fit in one byte on chain).
pub const MAX_VALIDATORS: usize = 255;

/// A validator set as a destination holds it for one origin.
///
/// Invariants (checked by [`ValidatorSet::new`]): `epoch >= 1`; `1 <= len <= 255`; validators
/// strictly ascending as 20-byte numbers, none zero; `1 <= threshold <= len`.
/// [`ValidatorSet::new_for_configuration`] also applies the configuration rule
/// `threshold >= ceil(2n/3)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidatorSet {
    epoch: u64,
    validators: Vec<EvmAddress>,
    threshold: usize,
}

impl ValidatorSet {
    /// Checks and builds a set. Refuses epoch 0, an empty or oversized list, a zero address,
    /// validators not strictly ascending, and a threshold of 0 or above the count.
    pub fn new(epoch: u64, validators: Vec<EvmAddress>, threshold: usize) -> Result<Self> {
        if epoch == 0 {
            return Err(Error::ZeroEpoch);
        }
        if validators.is_empty() {
            return Err(Error::EmptyValidatorSet);
        }
        if validators.len() > MAX_VALIDATORS {
            return Err(Error::TooManyValidators {
                len: validators.len(),
                max: MAX_VALIDATORS,
            });
        }
        let mut previous: Option<&EvmAddress> = None;
        for (index, v) in validators.iter().enumerate() {
            if *v == EvmAddress::ZERO {
                return Err(Error::ZeroValidator { index });
            }
            if previous.is_some_and(|p| v <= p) {
                return Err(Error::ValidatorsNotAscending {
                    index,
                    validator: *v,
                });
            }
            previous = Some(v);
        }
        if threshold == 0 || threshold > validators.len() {
            return Err(Error::InvalidThreshold {
                threshold,
                len: validators.len(),
            });
        }
        Ok(Self {
            epoch,
            validators,
            threshold,
        })
    }

    /// Like [`ValidatorSet::new`], plus the rule bridges apply when a set is configured:
    /// the threshold is at least [`min_config_threshold`] (`ceil(2n/3)`).
    pub fn new_for_configuration(
        epoch: u64,
        validators: Vec<EvmAddress>,
        threshold: usize,
    ) -> Result<Self> {
        let set = Self::new(epoch, validators, threshold)?;
        let len = set.validators.len();
        let min = min_config_threshold(len);
        if threshold < min {
            return Err(Error::ThresholdBelowTwoThirds {
                threshold,
                len,
                min,
            });
        }
        Ok(set)
    }

    /// The epoch (at least 1).
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The validators, strictly ascending.
    pub fn validators(&self) -> &[EvmAddress] {
        &self.validators
    }

    /// How many valid signatures a message needs.
    pub fn threshold(&self) -> usize {
        self.threshold
    }

    /// Whether `address` is in the set (binary search; the list is sorted).
    pub fn contains(&self, address: &EvmAddress) -> bool {
        self.validators.binary_search(address).is_ok()
    }
}

/// The smallest threshold a bridge accepts when configuring `n` validators: `ceil(2n/3)`, for
/// every `n` (1-of-1, 2-of-2, 2-of-3, 3-of-4, 4-of-5, ...; never a set where a third of the
/// keys or fewer moves funds).
pub fn min_config_threshold(n: usize) -> usize {
    (2 * n).div_ceil(3)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(b: u8) -> EvmAddress {
        EvmAddress([b; 20])
    }

    #[test]
    fn rules() {
        assert!(ValidatorSet::new(1, vec![a(1)], 1).is_ok());
        assert_eq!(ValidatorSet::new(0, vec![a(1)], 1), Err(Error::ZeroEpoch));
        assert_eq!(
            ValidatorSet::new(1, vec![], 1),
            Err(Error::EmptyValidatorSet)
        );
        assert_eq!(
            ValidatorSet::new(1, vec![a(0)], 1),
            Err(Error::ZeroValidator { index: 0 })
        );
        assert_eq!(
            ValidatorSet::new(1, vec![a(2), a(1)], 1)
                .unwrap_err()
                .code(),
            "validators_not_ascending"
        );
        assert_eq!(
            ValidatorSet::new(1, vec![a(1), a(1)], 1)
                .unwrap_err()
                .code(),
            "validators_not_ascending"
        );
        assert_eq!(
            ValidatorSet::new(1, vec![a(1)], 0).unwrap_err().code(),
            "invalid_threshold"
        );
        assert_eq!(
            ValidatorSet::new(1, vec![a(1)], 2).unwrap_err().code(),
            "invalid_threshold"
        );
        let many: Vec<_> = (1..=256u16)
            .map(|i| {
                let mut b = [0u8; 20];
                b[18..].copy_from_slice(&i.to_be_bytes());
                EvmAddress(b)
            })
            .collect();
        assert_eq!(
            ValidatorSet::new(1, many, 1).unwrap_err().code(),
            "too_many_validators"
        );
    }

    #[test]
    fn two_thirds_rule() {
        assert_eq!(min_config_threshold(1), 1);
        assert_eq!(min_config_threshold(2), 2);
        assert_eq!(min_config_threshold(3), 2);
        assert_eq!(min_config_threshold(4), 3);
        assert_eq!(min_config_threshold(5), 4);
        assert_eq!(min_config_threshold(19), 13);
        let five: Vec<_> = (1..=5).map(a).collect();
        assert!(ValidatorSet::new(1, five.clone(), 3).is_ok());
        assert_eq!(
            ValidatorSet::new_for_configuration(1, five.clone(), 3),
            Err(Error::ThresholdBelowTwoThirds {
                threshold: 3,
                len: 5,
                min: 4
            })
        );
        assert!(ValidatorSet::new_for_configuration(1, five, 4).is_ok());
    }
}
