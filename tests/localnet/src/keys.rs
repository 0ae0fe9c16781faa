//! Who is who on the local network: roles given to anvil's funded dev accounts
//! ([`trestle_tests::DEV_ACCOUNTS`], public keys for local chains only).
//!
//! | account | role |
//! |---|---|
//! | 0 | bridge admin (deploys, proposes and executes admin calls) |
//! | 1 | bridge guardian |
//! | 2 | relayer (pays for `deliver` transactions) |
//! | 3 | user (sends transfers) |
//! | 4 | spare (a second relayer, a benchmark's sender) |
//! | 5, 6, 7 | validators (2-of-3) |

use trestle_core::evm::EvmSigner;
use trestle_tests::DEV_ACCOUNTS;
use zeroize::Zeroizing;

/// The signer of dev account `i` (0..=9).
///
/// The ten keys are fixed, valid constants; an index outside them falls back to account 9 so
/// that this never panics (callers use the named roles below).
pub fn dev(i: usize) -> EvmSigner {
    let signer = EvmSigner::from_private_key(&dev_secret(i)).ok();
    match signer {
        Some(s) => s,
        // Unreachable with anvil's constant keys; a clear message if they were ever edited.
        None => unreachable_dev_key(i),
    }
}

/// The private key of dev account `i` (as [`dev`], for writing keystores).
pub fn dev_secret(i: usize) -> Zeroizing<[u8; 32]> {
    let account = DEV_ACCOUNTS.get(i).or(DEV_ACCOUNTS.last());
    let mut key = Zeroizing::new([0u8; 32]);
    if let Some(a) = account
        && let Ok(bytes) = hex::decode(a.private_key.trim_start_matches("0x"))
        && bytes.len() == 32
    {
        key.copy_from_slice(&bytes);
    }
    key
}

/// The dev account numbers of [`validators`].
pub const VALIDATOR_ACCOUNTS: [usize; 3] = [5, 6, 7];
/// The dev account number of [`relayer`].
pub const RELAYER_ACCOUNT: usize = 2;

#[allow(
    clippy::panic,
    reason = "the dev keys are compile-time constants checked by tests"
)]
fn unreachable_dev_key(i: usize) -> EvmSigner {
    panic!("dev account {i} does not hold a valid secp256k1 key")
}

/// The bridge admin (account 0).
pub fn admin() -> EvmSigner {
    dev(0)
}

/// The guardian (account 1).
pub fn guardian() -> EvmSigner {
    dev(1)
}

/// The relayer's key (account 2).
pub fn relayer() -> EvmSigner {
    dev(RELAYER_ACCOUNT)
}

/// The user who sends transfers (account 3).
pub fn user() -> EvmSigner {
    dev(3)
}

/// The three validators (accounts 5, 6, 7).
pub fn validators() -> Vec<EvmSigner> {
    VALIDATOR_ACCOUNTS.into_iter().map(dev).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_distinct_dev_accounts() {
        let mut all: Vec<_> = [admin(), guardian(), relayer(), user()]
            .into_iter()
            .chain(validators())
            .map(|s| s.address())
            .collect();
        assert_eq!(all[0].to_string(), DEV_ACCOUNTS[0].address);
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 7);
    }
}
