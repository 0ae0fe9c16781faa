//! Token-bucket rate limits, as pure functions of the bucket and the time.
//!
//! `available(now) = min(capacity, level + (now - last_update) * refill_per_second)`.
//! Inbound (deliver) transfers above `available` are queued; outbound (send) ones are refused.
//! Every queued transfer passes the bucket when it executes ([`TokenBucket::consume_queued`]):
//! one larger than the capacity waits for a full bucket and empties it.

use crate::error::{Error, Result};

/// A token bucket: configuration and state. Amounts are base units; times are seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenBucket {
    /// The most the bucket holds (never 0).
    pub capacity: u128,
    /// Units added per second.
    pub refill_per_second: u128,
    /// The level at `last_update` (never above `capacity`).
    pub level: u128,
    /// When `level` was measured.
    pub last_update: u64,
}

impl TokenBucket {
    /// A full bucket at time `now`. Refuses zero capacity.
    pub fn full(capacity: u128, refill_per_second: u128, now: u64) -> Result<Self> {
        if capacity == 0 {
            return Err(Error::InvalidBucket {
                reason: "capacity is 0",
            });
        }
        Ok(Self {
            capacity,
            refill_per_second,
            level: capacity,
            last_update: now,
        })
    }

    /// What can be taken at `now`: `min(capacity, level + elapsed * refill)`, saturating.
    /// Refuses `now` before `last_update`.
    pub fn available(&self, now: u64) -> Result<u128> {
        let elapsed = now
            .checked_sub(self.last_update)
            .ok_or(Error::ClockBackwards {
                now,
                last_update: self.last_update,
            })?;
        let refill = u128::from(elapsed).saturating_mul(self.refill_per_second);
        Ok(self.level.saturating_add(refill).min(self.capacity))
    }

    /// The bucket after taking `amount` at `now`, or [`Error::RateLimited`] if `amount` is more
    /// than [`TokenBucket::available`]. The bucket itself is unchanged on error.
    pub fn consume(&self, amount: u128, now: u64) -> Result<Self> {
        let available = self.available(now)?;
        let level = available.checked_sub(amount).ok_or(Error::RateLimited {
            requested: amount,
            available,
        })?;
        Ok(Self {
            level,
            last_update: now,
            ..*self
        })
    }

    /// The bucket after executing a queued transfer of `amount` at `now`: as
    /// [`TokenBucket::consume`], except that an amount above the capacity (which no bucket can
    /// ever hold) passes once the bucket is full, and empties it. Otherwise
    /// [`Error::RateLimited`]; the bucket itself is unchanged on error.
    ///
    /// ```
    /// use trestle_bridge::TokenBucket;
    /// let bucket = TokenBucket::full(100, 1, 0).unwrap();
    /// let empty = bucket.consume_queued(1_000, 0).unwrap();
    /// assert_eq!(empty.level, 0);
    /// assert!(empty.consume_queued(1_000, 99).is_err()); // 99 of 100
    /// assert!(empty.consume_queued(1_000, 100).is_ok()); // full again
    /// ```
    pub fn consume_queued(&self, amount: u128, now: u64) -> Result<Self> {
        let available = self.available(now)?;
        if amount > self.capacity && available == self.capacity {
            return Ok(Self {
                level: 0,
                last_update: now,
                ..*self
            });
        }
        self.consume(amount, now)
    }

    /// The bucket with a new configuration at `now`: the level refills up to `now` under the
    /// old rate and is then capped at the new capacity. Refuses zero capacity.
    pub fn reconfigure(&self, capacity: u128, refill_per_second: u128, now: u64) -> Result<Self> {
        if capacity == 0 {
            return Err(Error::InvalidBucket {
                reason: "capacity is 0",
            });
        }
        let level = self.available(now)?.min(capacity);
        Ok(Self {
            capacity,
            refill_per_second,
            level,
            last_update: now,
        })
    }
}

/// What an inbound transfer does under the rules of the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboundDecision {
    /// Execute now; the bucket is the one after consuming the amount.
    Execute(TokenBucket),
    /// Queue: at or over the timelock threshold, over the bucket's capacity, or over what the
    /// bucket has now.
    Queue {
        /// Whether the timelock applies (`amount >= threshold`, or `amount > capacity`: a
        /// transfer no bucket can ever hold always waits the token's delay).
        timelocked: bool,
        /// Whether the bucket lacks the amount now.
        rate_limited: bool,
    },
}

/// The decision for an inbound transfer of `amount` at `now` (docs/protocol.md, "Buckets and
/// the queue"): queued for the timelock if `amount >= timelock_threshold` or
/// `amount > capacity`, else queued for the rate limit if `amount > available(now)`, else
/// executed at once.
pub fn inbound_decision(
    bucket: &TokenBucket,
    timelock_threshold: u128,
    amount: u128,
    now: u64,
) -> Result<InboundDecision> {
    let timelocked =
        crate::timelock::must_queue(amount, timelock_threshold) || amount > bucket.capacity;
    let available = bucket.available(now)?;
    let rate_limited = amount > available;
    if timelocked || rate_limited {
        return Ok(InboundDecision::Queue {
            timelocked,
            rate_limited,
        });
    }
    bucket.consume(amount, now).map(InboundDecision::Execute)
}
