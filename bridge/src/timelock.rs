//! Timelock rules, as pure functions: which transfers wait, when queued items become
//! executable, and when an admin proposal expires. A queued transfer stays cancellable by the
//! guardian until it executes, whatever the time (docs/protocol.md, "Cancelling, voiding and
//! refunding"), so no time window governs cancelling.

use crate::error::{Error, Result};

/// Whether a transfer of `amount` waits behind the timelock: `amount >= threshold`.
pub fn must_queue(amount: u128, threshold: u128) -> bool {
    amount >= threshold
}

/// When an item queued at `queued_at` with `delay` becomes executable: `queued_at + delay`.
pub fn ready_at(queued_at: u64, delay: u64) -> Result<u64> {
    queued_at
        .checked_add(delay)
        .ok_or(Error::TimeOverflow { queued_at, delay })
}

/// Anyone may execute at or after `ready_at`; before it, [`Error::TimelockPending`].
pub fn check_executable(now: u64, ready_at: u64) -> Result<()> {
    if now < ready_at {
        return Err(Error::TimelockPending { now, ready_at });
    }
    Ok(())
}

/// How long an admin proposal stays executable after its ETA: 14 days. After it the proposal
/// has expired and must be proposed again.
pub const GRACE_PERIOD: u64 = 14 * 24 * 60 * 60;

/// An admin proposal executable at `eta` may run from `eta` until `eta + GRACE_PERIOD`
/// inclusive: before, [`Error::TimelockPending`]; after, [`Error::ProposalExpired`].
pub fn check_proposal_executable(now: u64, eta: u64) -> Result<()> {
    check_executable(now, eta)?;
    let expires_at = eta.saturating_add(GRACE_PERIOD);
    if now > expires_at {
        return Err(Error::ProposalExpired { now, expires_at });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_do_not_overlap() {
        let at = ready_at(100, 50).unwrap();
        assert_eq!(at, 150);
        assert!(check_executable(149, at).is_err());
        assert!(check_executable(150, at).is_ok());
        assert!(ready_at(u64::MAX, 1).is_err());
        assert!(must_queue(10, 10));
        assert!(!must_queue(9, 10));
    }

    #[test]
    fn proposals_expire_after_the_grace_period() {
        let eta = 1_000;
        assert_eq!(
            check_proposal_executable(999, eta).unwrap_err().code(),
            "timelock_pending"
        );
        assert!(check_proposal_executable(eta, eta).is_ok());
        assert!(check_proposal_executable(eta + GRACE_PERIOD, eta).is_ok());
        assert_eq!(
            check_proposal_executable(eta + GRACE_PERIOD + 1, eta),
            Err(Error::ProposalExpired {
                now: eta + GRACE_PERIOD + 1,
                expires_at: eta + GRACE_PERIOD
            })
        );
    }
}
