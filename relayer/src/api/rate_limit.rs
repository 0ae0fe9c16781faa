//! A per-client request rate limit: a token bucket per client (a [`Peer`]: an IPv4 address,
//! an IPv6 /64, which is what one subscriber usually holds), in bounded memory.
//!
//! At most [`RateLimit::max_clients`] buckets are kept, and an attacker who rotates through
//! addresses can neither grow that table nor push honest clients out of it cheaply:
//!
//! - one IPv6 /48 (a [`Site`]) gets at most [`RateLimit::max_per_site`] buckets of its own;
//!   its further /64s share one bucket for the /48, so a host that walks its /48 (65,536
//!   /64s) or larger prefix holds a handful of entries, not the table;
//! - a bucket is forgotten only to make room, and only once its client has been quiet for
//!   [`RateLimit::forget_after`] and its bucket has refilled (forgetting it then loses
//!   nothing: the client would start again from a full bucket). A client that asked within
//!   that time keeps its entry however many new addresses arrive; the search for forgettable
//!   entries runs at most once a second;
//! - when the table is full of clients that asked recently, a new client shares one overflow
//!   bucket with every other client not tracked, so many addresses together get no more than
//!   one client would. Filling the table takes `max_clients` IPv4 addresses or
//!   `max_clients / (max_per_site + 1)` IPv6 /48s, all asking every `forget_after`.
//!
//! The client is the TCP peer. Behind a reverse proxy every request comes from the proxy's
//! address: the proxy then has to limit its clients itself (`X-Forwarded-For` is not
//! trusted, any client can write it).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::peer::{Peer, Site};

/// A limit: each client may send [`RateLimit::burst`] requests at once, and
/// [`RateLimit::per_second`] a second after that.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Requests a second, sustained.
    pub per_second: f64,
    /// Requests at once (the bucket's size).
    pub burst: f64,
    /// Clients tracked at once.
    pub max_clients: usize,
    /// IPv6 /64s of one /48 tracked on their own; the /48's further /64s share one bucket.
    pub max_per_site: usize,
    /// How long a client must have been quiet before its bucket may be forgotten to make
    /// room for another (never before it has refilled).
    pub forget_after: Duration,
}

impl RateLimit {
    /// The public attestation listener's: 100 requests a second per client, 200 at once,
    /// 4,096 clients tracked, 16 /64s per IPv6 /48, a client forgotten after 30 s of quiet
    /// when room is needed. An honest relayer asks once per collect pass and destination
    /// (one `POST` for up to 1,024 messages), a few times a second at most.
    pub const PUBLIC: RateLimit = RateLimit {
        per_second: 100.0,
        burst: 200.0,
        max_clients: 4096,
        max_per_site: 16,
        forget_after: Duration::from_secs(30),
    };
}

/// What a bucket is kept for: a peer, or a crowded /48's shared bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Peer(Peer),
    Site(Site),
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    /// When it was last asked (and refilled to).
    at: Instant,
}

impl Bucket {
    fn full(limit: &RateLimit, now: Instant) -> Self {
        Bucket {
            tokens: limit.burst,
            at: now,
        }
    }

    /// Refills to `now`; then takes a token, or says how long until one is there.
    fn take(&mut self, limit: &RateLimit, now: Instant) -> Result<(), Duration> {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * limit.per_second).min(limit.burst);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else if limit.per_second > 0.0 {
            Err(Duration::from_secs_f64(
                ((1.0 - self.tokens) / limit.per_second).min(3600.0),
            ))
        } else {
            Err(Duration::from_secs(3600))
        }
    }

    /// Whether forgetting it loses nothing and its client has been quiet long enough.
    fn forgettable(&self, limit: &RateLimit, now: Instant) -> bool {
        let quiet = now.saturating_duration_since(self.at);
        quiet >= limit.forget_after
            && self.tokens + quiet.as_secs_f64() * limit.per_second >= limit.burst
    }
}

#[derive(Debug)]
struct Buckets {
    clients: HashMap<Key, Bucket>,
    /// Buckets of their own per IPv6 /48 (only sites that have one; at most `max_clients`).
    per_site: HashMap<Site, usize>,
    overflow: Bucket,
    /// When the map was last swept for forgettable buckets (at most once a second).
    swept: Instant,
}

impl Buckets {
    /// Forgets every forgettable bucket.
    fn sweep(&mut self, limit: &RateLimit, now: Instant) {
        self.swept = now;
        let per_site = &mut self.per_site;
        self.clients.retain(|key, bucket| {
            if !bucket.forgettable(limit, now) {
                return true;
            }
            if let Key::Peer(peer) = key
                && let Some(site) = peer.site()
                && let Some(n) = per_site.get_mut(&site)
            {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    per_site.remove(&site);
                }
            }
            false
        });
    }
}

/// A [`RateLimit`] and the buckets of the clients it tracks.
#[derive(Debug)]
pub struct RateLimiter {
    limit: RateLimit,
    buckets: Mutex<Buckets>,
}

impl RateLimiter {
    /// A limiter with every bucket full.
    pub fn new(limit: RateLimit) -> Self {
        let now = Instant::now();
        RateLimiter {
            limit,
            buckets: Mutex::new(Buckets {
                clients: HashMap::new(),
                per_site: HashMap::new(),
                overflow: Bucket::full(&limit, now),
                swept: now,
            }),
        }
    }

    /// Whether a request from `ip` at `now` is admitted; when it is not, how long until the
    /// client may ask again.
    pub fn admit(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        let limit = &self.limit;
        let peer = Peer::of(ip);
        // Nothing panics while the lock is held; a poisoned lock still holds valid buckets.
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let buckets = &mut *buckets;
        if let Some(bucket) = buckets.clients.get_mut(&Key::Peer(peer)) {
            return bucket.take(limit, now);
        }
        if buckets.clients.len() >= limit.max_clients
            && now.saturating_duration_since(buckets.swept) >= Duration::from_secs(1)
        {
            buckets.sweep(limit, now);
        }
        // A /64 of a /48 that has its share of buckets uses the /48's.
        let site = peer.site();
        let key = match site {
            Some(site)
                if buckets.per_site.get(&site).copied().unwrap_or(0) >= limit.max_per_site =>
            {
                Key::Site(site)
            }
            _ => Key::Peer(peer),
        };
        if let Some(bucket) = buckets.clients.get_mut(&key) {
            return bucket.take(limit, now);
        }
        if buckets.clients.len() >= limit.max_clients {
            return buckets.overflow.take(limit, now);
        }
        let mut bucket = Bucket::full(limit, now);
        let taken = bucket.take(limit, now);
        buckets.clients.insert(key, bucket);
        if let (Key::Peer(_), Some(site)) = (key, site) {
            *buckets.per_site.entry(site).or_insert(0) += 1;
        }
        taken
    }

    /// How many buckets are kept (clients, and crowded /48s' shared buckets).
    pub fn tracked(&self) -> usize {
        self.buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clients
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn v4(last: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(10, 0, 0, last))
    }

    const SMALL: RateLimit = RateLimit {
        per_second: 2.0,
        burst: 3.0,
        max_clients: 2,
        max_per_site: 2,
        forget_after: Duration::from_secs(5),
    };

    fn v6(site: u16, subnet: u16, host: u16) -> IpAddr {
        IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, site, subnet, 0, 0, 0, host))
    }

    #[test]
    fn a_client_gets_its_burst_then_the_rate() {
        let limiter = RateLimiter::new(SMALL);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.admit(v4(1), t0).is_ok());
        }
        let wait = limiter.admit(v4(1), t0).unwrap_err();
        assert_eq!(wait, Duration::from_millis(500));
        // Another client is not held back by the first.
        assert!(limiter.admit(v4(2), t0).is_ok());
        // Half a second later one more token is there, and only one.
        let t1 = t0 + Duration::from_millis(500);
        assert!(limiter.admit(v4(1), t1).is_ok());
        assert!(limiter.admit(v4(1), t1).is_err());
    }

    #[test]
    fn an_ipv6_subscriber_is_one_client_per_64_and_mapped_v4_is_v4() {
        let limiter = RateLimiter::new(SMALL);
        let t0 = Instant::now();
        for host in 1..=3u16 {
            let ip = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 1, 2, 0, 0, 0, host));
            assert!(limiter.admit(ip, t0).is_ok());
        }
        let same_64 = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 1, 2, 9, 9, 9, 9));
        assert!(limiter.admit(same_64, t0).is_err());
        let mapped = IpAddr::V6(Ipv4Addr::new(10, 0, 0, 7).to_ipv6_mapped());
        for _ in 0..3 {
            assert!(limiter.admit(mapped, t0).is_ok());
        }
        assert!(limiter.admit(v4(7), t0).is_err());
    }

    #[test]
    fn memory_is_bounded_and_untracked_clients_share_one_bucket() {
        let limiter = RateLimiter::new(SMALL);
        let t0 = Instant::now();
        assert!(limiter.admit(v4(1), t0).is_ok());
        assert!(limiter.admit(v4(2), t0).is_ok());
        // The map is full and nobody has been quiet long: every new client shares the
        // overflow.
        for last in 3..6 {
            assert!(limiter.admit(v4(last), t0).is_ok());
        }
        assert!(limiter.admit(v4(200), t0).is_err());
        assert_eq!(limiter.tracked(), 2);
        // Refilled but not quiet for `forget_after` yet: still tracked, still overflow.
        let soon = t0 + Duration::from_secs(2);
        assert!(limiter.admit(v4(9), soon).is_ok());
        assert_eq!(limiter.tracked(), 2);
        // Once both tracked clients have been quiet that long, they are forgotten and a new
        // client gets a bucket of its own.
        let later = t0 + SMALL.forget_after + Duration::from_secs(1);
        for _ in 0..3 {
            assert!(limiter.admit(v4(10), later).is_ok());
        }
        assert!(limiter.admit(v4(10), later).is_err());
        assert_eq!(limiter.tracked(), 1);
    }

    #[test]
    fn rotating_through_the_64s_of_one_48_holds_one_shared_bucket_not_the_table() {
        let limit = RateLimit {
            max_clients: 8,
            ..SMALL
        };
        let limiter = RateLimiter::new(limit);
        let t0 = Instant::now();
        let mut admitted = 0;
        for subnet in 0..1000u16 {
            admitted += usize::from(limiter.admit(v6(7, subnet, 1), t0).is_ok());
        }
        // Two /64s of their own (one request each) and the /48's shared bucket (its burst).
        assert_eq!(limiter.tracked(), 3);
        assert_eq!(admitted, 2 + 3);
        // A client from elsewhere, and another /48, still get buckets of their own.
        for _ in 0..3 {
            assert!(limiter.admit(v4(1), t0).is_ok());
            assert!(limiter.admit(v6(8, 0, 1), t0).is_ok());
        }
        assert!(limiter.admit(v4(1), t0).is_err());
        assert_eq!(limiter.tracked(), 5);
    }

    #[test]
    fn a_client_that_asked_recently_is_not_pushed_out_by_new_addresses() {
        let limiter = RateLimiter::new(SMALL);
        let t0 = Instant::now();
        let honest = v4(1);
        assert!(limiter.admit(honest, t0).is_ok());
        // The attacker holds the other entry, keeps it busy, and brings new addresses once
        // the honest client's bucket has refilled (a sweep runs).
        assert!(limiter.admit(v4(100), t0).is_ok());
        let t1 = t0 + Duration::from_secs(2);
        assert!(limiter.admit(v4(100), t1).is_ok());
        for last in 101..120 {
            let _ = limiter.admit(v4(last), t1);
        }
        // The honest client still has its own bucket (a full one), not the drained overflow.
        for _ in 0..3 {
            assert!(limiter.admit(honest, t1).is_ok());
        }
        assert!(limiter.admit(v4(121), t1).is_err());
    }
}
