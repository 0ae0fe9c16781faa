//! The per-route ledger (docs/protocol.md, "The ledger"), as pure functions: one signed number
//! per route `(token, remote)` on one chain, what this chain sent to the remote minus what it
//! received from it (local units). A delivery from the remote may not take it below zero (a
//! destination never pays origin O more than was sent to O in net); on a chain where the token
//! is bridged, a send may not take it above zero (the remote's own ledger would refuse it, and
//! the burned tokens would be stranded).

use crate::error::{Error, Result};

/// The ledger of one route `(token, remote)` on one chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteLedger {
    /// Whether deliveries from the remote are checked: every route's are, except the route
    /// from a bridged token's home domain on a chain that mints it (the source of its supply).
    pub inbound_bounded: bool,
    /// Whether sends to the remote are checked: on every chain that mints the token (the
    /// remote's route from here is bounded), not on the token's home chain.
    pub outbound_bounded: bool,
    /// Sent to the remote minus received from it.
    pub net: i128,
}

impl RouteLedger {
    /// The empty ledger of the route to `remote` for a token whose home is `home_domain`;
    /// `minted_here` is true where the token is a bridged (minted) representation.
    pub fn new(home_domain: u32, minted_here: bool, remote: u32) -> Self {
        Self {
            inbound_bounded: !(minted_here && remote == home_domain),
            outbound_bounded: minted_here,
            net: 0,
        }
    }

    /// What a delivery from the remote may take now (`None`: unbounded).
    pub fn inbound_available(&self) -> Option<u128> {
        self.inbound_bounded
            .then(|| u128::try_from(self.net.max(0)).unwrap_or(0))
    }

    /// What a send to the remote may take now (`None`: unbounded).
    pub fn outbound_available(&self) -> Option<u128> {
        self.outbound_bounded.then(|| {
            self.net
                .checked_neg()
                .map_or(0, |n| u128::try_from(n.max(0)).unwrap_or(0))
        })
    }

    /// After sending `amount` to the remote (locked or burned here): refused with
    /// [`Error::LedgerExceeded`] above [`RouteLedger::outbound_available`].
    pub fn on_send(self, amount: u128) -> Result<Self> {
        if let Some(available) = self.outbound_available()
            && amount > available
        {
            return Err(Error::LedgerExceeded {
                requested: amount,
                available,
            });
        }
        self.add(amount)
    }

    /// A delivery of `amount` from the remote, executed or queued: refused with
    /// [`Error::LedgerExceeded`] above [`RouteLedger::inbound_available`].
    pub fn on_deliver(self, amount: u128) -> Result<Self> {
        if let Some(available) = self.inbound_available()
            && amount > available
        {
            return Err(Error::LedgerExceeded {
                requested: amount,
                available,
            });
        }
        let amount = i128::try_from(amount).map_err(|_| Error::LedgerExceeded {
            requested: amount,
            available: 0,
        })?;
        let net = self.net.checked_sub(amount).ok_or(Error::LedgerExceeded {
            requested: amount.unsigned_abs(),
            available: 0,
        })?;
        Ok(Self { net, ..self })
    }

    /// A queued delivery of `amount` cancelled (or voided): it never paid out, so it no longer
    /// counts as received. A refund of it changes nothing further.
    pub fn on_cancel(self, amount: u128) -> Result<Self> {
        self.add(amount)
    }

    fn add(self, amount: u128) -> Result<Self> {
        let overflow = Error::LedgerExceeded {
            requested: amount,
            available: 0,
        };
        let amount = i128::try_from(amount).map_err(|_| overflow.clone())?;
        let net = self.net.checked_add(amount).ok_or(overflow)?;
        Ok(Self { net, ..self })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: u32 = 1;

    #[test]
    fn a_home_chain_pays_each_remote_at_most_what_it_locked_for_it() {
        // This chain (1) is the token's home and locks for remotes 2 and 3, unchecked.
        let to_2 = RouteLedger::new(HOME, false, 2).on_send(100).unwrap();
        let to_3 = RouteLedger::new(HOME, false, 3).on_send(5).unwrap();
        assert_eq!(to_2.outbound_available(), None);
        // A compromised remote 3 cannot release remote 2's collateral.
        assert_eq!(
            to_3.on_deliver(6),
            Err(Error::LedgerExceeded {
                requested: 6,
                available: 5
            })
        );
        let to_2 = to_2.on_deliver(60).unwrap().on_deliver(40).unwrap();
        assert_eq!(to_2.net, 0);
        assert_eq!(to_2.on_deliver(1).unwrap_err().code(), "ledger_exceeded");
    }

    #[test]
    fn a_bridged_chain_sends_back_only_what_came_from_there() {
        // The token is minted here; its home is domain 1.
        let home = RouteLedger::new(HOME, true, HOME);
        assert_eq!(home.inbound_available(), None);
        assert_eq!(home.outbound_available(), Some(0));
        // Nothing came from home yet: a send there would be refused by home's ledger.
        assert!(home.on_send(1).is_err());
        let home = home.on_deliver(1_000).unwrap();
        assert_eq!(home.outbound_available(), Some(1_000));
        let home = home.on_send(400).unwrap();
        assert_eq!(home.outbound_available(), Some(600));
        assert_eq!(home.on_send(601).unwrap_err().code(), "ledger_exceeded");

        // Another bridged chain: bounded both ways, so only returns move.
        let spoke = RouteLedger::new(HOME, true, 3);
        assert!(spoke.on_deliver(1).is_err());
        assert!(spoke.on_send(1).is_err());
    }

    #[test]
    fn both_ends_of_a_route_agree() {
        // Home chain H (domain 1) and bridged chain B (domain 2), each's route to the other.
        let mut h = RouteLedger::new(HOME, false, 2);
        let mut b = RouteLedger::new(HOME, true, HOME);
        let sent = |from: &mut RouteLedger, to: &mut RouteLedger, amount| {
            let checked = from
                .on_send(amount)
                .and_then(|f| to.on_deliver(amount).map(|t| (f, t)));
            if let Ok((f, t)) = checked {
                (*from, *to) = (f, t);
            }
            checked.is_ok()
        };
        assert!(sent(&mut h, &mut b, 500));
        assert!(!sent(&mut b, &mut h, 501)); // refused at send, nothing burned
        assert!(sent(&mut b, &mut h, 300));
        assert!(sent(&mut b, &mut h, 200));
        assert_eq!((h.net, b.net), (0, 0));
    }

    #[test]
    fn a_cancelled_delivery_gives_its_credit_back() {
        let route = RouteLedger::new(HOME, false, 2).on_send(50).unwrap();
        let queued = route.on_deliver(50).unwrap();
        assert_eq!(queued.net, 0);
        assert_eq!(queued.on_cancel(50).unwrap(), route);
    }
}
