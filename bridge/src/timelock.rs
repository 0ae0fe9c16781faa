//! Timelock rules, as pure functions: which transfers wait, when queued items become
//! executable, and until when the guardian may cancel them. The same rule governs the admin's
//! propose/execute path.

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

/// The guardian may cancel strictly before `ready_at`; after it, [`Error::TimelockElapsed`].
pub fn check_cancellable(now: u64, ready_at: u64) -> Result<()> {
    if now >= ready_at {
        return Err(Error::TimelockElapsed { now, ready_at });
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
        assert!(check_cancellable(149, at).is_ok());
        assert!(check_executable(150, at).is_ok());
        assert!(check_cancellable(150, at).is_err());
        assert!(ready_at(u64::MAX, 1).is_err());
        assert!(must_queue(10, 10));
        assert!(!must_queue(9, 10));
    }
}
