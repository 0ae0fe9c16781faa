//! Who a connection or a request is counted against: the peer's network, not its exact
//! address.
//!
//! An IPv4 address is one peer. An IPv6 peer is its /64: a subscriber, a cloud instance or a
//! hosting customer is routinely given a whole /64 (often a /56 or /48), so counting single
//! IPv6 addresses would let one host be as many peers as it likes. An IPv4-mapped IPv6
//! address (`::ffff:a.b.c.d`, what a dual-stack socket reports for an IPv4 client) is its
//! IPv4 address. The /48 around an IPv6 peer is its [`Peer::site`], which the rate limiter
//! uses to stop one site's /64s from filling its table.

use std::net::IpAddr;

/// A peer: an IPv4 address or an IPv6 /64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Peer {
    /// An IPv4 address (also what an IPv4-mapped IPv6 address is).
    V4([u8; 4]),
    /// The first 64 bits of an IPv6 address.
    V6([u8; 8]),
}

/// An IPv6 /48, the site a [`Peer::V6`] belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Site(pub(crate) [u8; 6]);

impl Peer {
    /// The peer `ip` is counted as.
    pub(crate) fn of(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(v4) => Peer::V4(v4.octets()),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Peer::V4(v4.octets()),
                None => {
                    let [a, b, c, d, e, f, g, h, ..] = v6.octets();
                    Peer::V6([a, b, c, d, e, f, g, h])
                }
            },
        }
    }

    /// The /48 of an IPv6 peer; `None` for IPv4, where every address is scarce enough to be
    /// its own site.
    pub(crate) fn site(self) -> Option<Site> {
        match self {
            Peer::V4(_) => None,
            Peer::V6([a, b, c, d, e, f, ..]) => Some(Site([a, b, c, d, e, f])),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn v6(segments: [u16; 8]) -> IpAddr {
        let [a, b, c, d, e, f, g, h] = segments;
        IpAddr::V6(Ipv6Addr::new(a, b, c, d, e, f, g, h))
    }

    #[test]
    fn ipv6_is_grouped_by_64_ipv4_by_address_and_mapped_ipv4_is_ipv4() {
        let cases: &[(IpAddr, IpAddr, bool)] = &[
            // Same /64, different interface ids: one peer.
            (
                v6([0x2001, 0xdb8, 1, 2, 0, 0, 0, 1]),
                v6([0x2001, 0xdb8, 1, 2, 0xffff, 0xffff, 0xffff, 0xffff]),
                true,
            ),
            // Neighbouring /64s: two peers (same /48).
            (
                v6([0x2001, 0xdb8, 1, 2, 0, 0, 0, 1]),
                v6([0x2001, 0xdb8, 1, 3, 0, 0, 0, 1]),
                false,
            ),
            // IPv4: every address its own peer.
            (
                IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)),
                IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)),
                false,
            ),
            // An IPv4-mapped address is its IPv4 address...
            (
                IpAddr::V6(Ipv4Addr::new(10, 0, 0, 7).to_ipv6_mapped()),
                IpAddr::V4(Ipv4Addr::new(10, 0, 0, 7)),
                true,
            ),
            // ...and not the /64 it would otherwise fall in (`::ffff:0:0/96`).
            (
                IpAddr::V6(Ipv4Addr::new(10, 0, 0, 7).to_ipv6_mapped()),
                IpAddr::V6(Ipv4Addr::new(10, 0, 0, 8).to_ipv6_mapped()),
                false,
            ),
        ];
        for (a, b, same) in cases {
            assert_eq!(Peer::of(*a) == Peer::of(*b), *same, "{a} vs {b}");
        }
        assert_eq!(
            Peer::of(v6([0x2001, 0xdb8, 1, 2, 3, 4, 5, 6])),
            Peer::V6([0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2])
        );
    }

    #[test]
    fn an_ipv6_peer_belongs_to_its_48_and_ipv4_to_no_site() {
        let a = Peer::of(v6([0x2001, 0xdb8, 1, 2, 0, 0, 0, 1]));
        let b = Peer::of(v6([0x2001, 0xdb8, 1, 0xffff, 0, 0, 0, 1]));
        let c = Peer::of(v6([0x2001, 0xdb8, 2, 2, 0, 0, 0, 1]));
        assert_ne!(a, b);
        assert_eq!(a.site(), b.site());
        assert_ne!(a.site(), c.site());
        assert_eq!(a.site(), Some(Site([0x20, 0x01, 0x0d, 0xb8, 0, 1])));
        assert_eq!(Peer::of(IpAddr::V4(Ipv4Addr::LOCALHOST)).site(), None);
    }
}
