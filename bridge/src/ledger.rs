//! The per-route ledger (docs/protocol.md, "The ledger"): how much a chain may still release or
//! mint for one remote, so that a destination never pays origin O more than was sent to O in
//! net, as pure functions. Amounts are the chain's local units.

use crate::error::{Error, Result};

/// The ledger of one route `(token, remote)` on one chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteLedger {
    /// Whether the route is bounded: every route is, except the route from a bridged token's
    /// home domain on a chain that mints it (the source of its supply).
    pub bounded: bool,
    /// What may still be released or minted for the remote.
    pub credit: u128,
}

impl RouteLedger {
    /// The empty ledger of the route to `remote` for a token whose home is `home_domain`;
    /// `minted_here` is true where the token is a bridged (minted) representation.
    pub fn new(home_domain: u32, minted_here: bool, remote: u32) -> Self {
        Self {
            bounded: !(minted_here && remote == home_domain),
            credit: 0,
        }
    }

    /// After sending `amount` to the remote (locked or burned here): the remote may send it
    /// back. An unbounded route does not count.
    pub fn on_send(self, amount: u128) -> Result<Self> {
        if !self.bounded {
            return Ok(self);
        }
        let credit = self
            .credit
            .checked_add(amount)
            .ok_or(Error::LedgerExceeded {
                requested: amount,
                available: u128::MAX - self.credit,
            })?;
        Ok(Self { credit, ..self })
    }

    /// A delivery of `amount` from the remote, executed or queued: refused with
    /// [`Error::LedgerExceeded`] above the credit of a bounded route.
    pub fn on_deliver(self, amount: u128) -> Result<Self> {
        if !self.bounded {
            return Ok(self);
        }
        let credit = self
            .credit
            .checked_sub(amount)
            .ok_or(Error::LedgerExceeded {
                requested: amount,
                available: self.credit,
            })?;
        Ok(Self { credit, ..self })
    }

    /// A queued delivery of `amount` cancelled (or voided): it never paid out, so its amount
    /// returns to the credit. A refund of it changes nothing further.
    pub fn on_cancel(self, amount: u128) -> Result<Self> {
        self.on_send(amount)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_home_chain_pays_each_remote_at_most_what_it_locked_for_it() {
        // Token home on domain 1; this chain (1) locks for remotes 2 and 3.
        let to_2 = RouteLedger::new(1, false, 2).on_send(100).unwrap();
        let to_3 = RouteLedger::new(1, false, 3).on_send(5).unwrap();
        // A compromised remote 3 cannot release remote 2's collateral.
        assert_eq!(
            to_3.on_deliver(6),
            Err(Error::LedgerExceeded {
                requested: 6,
                available: 5
            })
        );
        let to_2 = to_2.on_deliver(60).unwrap().on_deliver(40).unwrap();
        assert_eq!(to_2.credit, 0);
        assert_eq!(to_2.on_deliver(1).unwrap_err().code(), "ledger_exceeded");
    }

    #[test]
    fn only_the_home_route_of_a_bridged_token_is_unbounded() {
        let from_home = RouteLedger::new(1, true, 1);
        assert!(!from_home.bounded);
        assert_eq!(from_home.on_deliver(u128::MAX).unwrap().credit, 0);
        assert_eq!(from_home.on_send(7).unwrap().credit, 0);
        // Another bridged chain may send back only what went there from here.
        let spoke = RouteLedger::new(1, true, 3);
        assert!(spoke.bounded);
        assert!(spoke.on_deliver(1).is_err());
        let spoke = spoke.on_send(10).unwrap();
        assert_eq!(spoke.on_deliver(10).unwrap().credit, 0);
    }

    #[test]
    fn a_cancelled_delivery_gives_its_credit_back() {
        let route = RouteLedger::new(1, false, 2).on_send(50).unwrap();
        let queued = route.on_deliver(50).unwrap();
        assert_eq!(queued.credit, 0);
        assert_eq!(queued.on_cancel(50).unwrap(), route);
    }
}
