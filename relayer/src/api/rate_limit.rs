//! A per-client request rate limit: a token bucket per client address (an IPv4 address, an
//! IPv6 /64, which is what one subscriber usually holds), in bounded memory.
//!
//! At most [`RateLimit::max_clients`] buckets are kept. When that many are in use, the ones
//! that have refilled to full (their clients quiet for a while) are dropped; if none has, a
//! new client shares one overflow bucket with every other client not tracked, so many
//! addresses together get no more than one client would.
//!
//! The client is the TCP peer. Behind a reverse proxy every request comes from the proxy's
//! address: the proxy then has to limit its clients itself (`X-Forwarded-For` is not
//! trusted, any client can write it).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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
}

impl RateLimit {
    /// The public attestation listener's: 100 requests a second per client, 200 at once,
    /// 4,096 clients tracked. An honest relayer asks once per collect pass and destination
    /// (one `POST` for up to 1,024 messages), a few times a second at most.
    pub const PUBLIC: RateLimit = RateLimit {
        per_second: 100.0,
        burst: 200.0,
        max_clients: 4096,
    };
}

/// The client key: an IPv4 address, or the /64 prefix of an IPv6 one (IPv4-mapped IPv6
/// addresses count as their IPv4 address).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Client {
    V4([u8; 4]),
    V6([u8; 8]),
}

impl Client {
    fn of(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(v4) => Client::V4(v4.octets()),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Client::V4(v4.octets()),
                None => {
                    let o = v6.octets();
                    let mut prefix = [0u8; 8];
                    prefix.copy_from_slice(o.get(..8).unwrap_or(&[0; 8]));
                    Client::V6(prefix)
                }
            },
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
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

    fn refilled(&self, limit: &RateLimit, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens + elapsed * limit.per_second >= limit.burst
    }
}

#[derive(Debug)]
struct Buckets {
    clients: HashMap<Client, Bucket>,
    overflow: Bucket,
    /// When the map was last swept for refilled buckets (a sweep is at most once a second).
    swept: Instant,
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
                overflow: Bucket::full(&limit, now),
                swept: now,
            }),
        }
    }

    /// Whether a request from `ip` at `now` is admitted; when it is not, how long until the
    /// client may ask again.
    pub fn admit(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        let limit = &self.limit;
        let client = Client::of(ip);
        // Nothing panics while the lock is held; a poisoned lock still holds valid buckets.
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let buckets = &mut *buckets;
        if let Some(bucket) = buckets.clients.get_mut(&client) {
            return bucket.take(limit, now);
        }
        if buckets.clients.len() >= limit.max_clients
            && now.saturating_duration_since(buckets.swept) >= Duration::from_secs(1)
        {
            buckets.swept = now;
            buckets.clients.retain(|_, b| !b.refilled(limit, now));
        }
        if buckets.clients.len() >= limit.max_clients {
            return buckets.overflow.take(limit, now);
        }
        let mut bucket = Bucket::full(limit, now);
        let taken = bucket.take(limit, now);
        buckets.clients.insert(client, bucket);
        taken
    }

    /// How many clients have a bucket of their own.
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
    };

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
        // The map is full and nobody has refilled: every new client shares the overflow.
        for last in 3..6 {
            assert!(limiter.admit(v4(last), t0).is_ok());
        }
        assert!(limiter.admit(v4(200), t0).is_err());
        assert_eq!(limiter.tracked(), 2);
        // Two seconds on, both tracked buckets have refilled: swept, and a new client gets
        // a bucket of its own.
        let later = t0 + Duration::from_secs(2);
        for _ in 0..3 {
            assert!(limiter.admit(v4(9), later).is_ok());
        }
        assert!(limiter.admit(v4(9), later).is_err());
        assert_eq!(limiter.tracked(), 1);
    }
}
