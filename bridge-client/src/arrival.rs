//! When a transfer would arrive, from the destination bridge's live state, before it is sent
//! ([`Arrival`]): at once, held by the timelock, waiting for the inbound rate limit to refill,
//! waiting for an unpause, or never (the destination would refuse it). The destination's own
//! delivery rules (docs/protocol.md, "Buckets and the queue") decide, in their order.

use std::fmt;

use trestle_core::chain::U256;

/// What the destination would do with a transfer delivered now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arrival {
    /// Executed at delivery.
    AtOnce,
    /// Queued behind the token's timelock for `delay` seconds after delivery (at or above the
    /// threshold, or above what the route's inbound bucket can ever hold).
    Timelocked {
        /// The token's delay, seconds.
        delay: u64,
    },
    /// Queued until the route's inbound bucket has refilled enough, about `wait` seconds
    /// after delivery (if nothing else drains it first).
    RateLimited {
        /// Seconds until the bucket holds the amount at its refill rate.
        wait: u64,
    },
    /// The destination bridge is paused: delivered once it is unpaused (then as above).
    Paused,
    /// The destination would refuse the delivery: the transfer would never arrive.
    Refused {
        /// Why, in words.
        reason: String,
    },
}

impl Arrival {
    /// A short machine name: `at_once`, `timelocked`, `rate_limited`, `paused`, `refused`.
    pub fn name(&self) -> &'static str {
        match self {
            Arrival::AtOnce => "at_once",
            Arrival::Timelocked { .. } => "timelocked",
            Arrival::RateLimited { .. } => "rate_limited",
            Arrival::Paused => "paused",
            Arrival::Refused { .. } => "refused",
        }
    }
}

impl fmt::Display for Arrival {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arrival::AtOnce => f.write_str("arrives once delivered"),
            Arrival::Timelocked { delay } => write!(
                f,
                "held by the destination's timelock for {delay} s after delivery"
            ),
            Arrival::RateLimited { wait } => write!(
                f,
                "waits about {wait} s after delivery for the destination's inbound rate limit to refill"
            ),
            Arrival::Paused => {
                f.write_str("the destination bridge is paused: it arrives after the unpause")
            }
            Arrival::Refused { reason } => write!(f, "would never arrive: {reason}"),
        }
    }
}

/// What a destination holds for a transfer's token and origin, read from the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundState {
    /// The destination is paused.
    pub paused: bool,
    /// The amount in the destination's local units (`None`: not a whole number of them).
    pub local: Option<U256>,
    /// The token's timelock threshold and delay there (local units, seconds).
    pub threshold: U256,
    /// The token's delay.
    pub delay: u64,
    /// Whether the route from the origin is open.
    pub open: bool,
    /// The inbound bucket: capacity, what it holds now, refill per second.
    pub capacity: U256,
    /// What the bucket holds now.
    pub available: U256,
    /// Its refill per second.
    pub refill: U256,
    /// When the route's ledger bounds deliveries: what it still accepts (local units).
    pub ledger_room: Option<U256>,
}

/// The destination's verdict on `state`, in the order its delivery checks run.
pub fn predict(state: &InboundState) -> Arrival {
    if !state.open || state.capacity.is_zero() {
        return Arrival::Refused {
            reason: "the destination has no open route for this token from the origin".into(),
        };
    }
    let Some(local) = state.local else {
        return Arrival::Refused {
            reason: "the amount is not a whole number of the destination's units".into(),
        };
    };
    if let Some(room) = state.ledger_room
        && local > room
    {
        return Arrival::Refused {
            reason: format!(
                "the destination's ledger for this origin accepts at most {room} (local units)"
            ),
        };
    }
    if state.paused {
        return Arrival::Paused;
    }
    if local >= state.threshold || local > state.capacity {
        return Arrival::Timelocked { delay: state.delay };
    }
    if local > state.available {
        let missing = local - state.available;
        let wait = if state.refill.is_zero() {
            u64::MAX
        } else {
            u64::try_from(missing.div_ceil(state.refill)).unwrap_or(u64::MAX)
        };
        return Arrival::RateLimited { wait };
    }
    Arrival::AtOnce
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> InboundState {
        InboundState {
            paused: false,
            local: Some(U256::from(100)),
            threshold: U256::from(1_000),
            delay: 3_600,
            open: true,
            capacity: U256::from(500),
            available: U256::from(250),
            refill: U256::from(7),
            ledger_room: None,
        }
    }

    #[test]
    fn the_destinations_rules_in_their_order() {
        assert_eq!(predict(&state()), Arrival::AtOnce);
        let s = |f: &dyn Fn(&mut InboundState)| {
            let mut s = state();
            f(&mut s);
            predict(&s)
        };
        assert_eq!(
            s(&|s| s.local = Some(U256::from(1_000))),
            Arrival::Timelocked { delay: 3_600 }
        );
        // Above what the bucket can ever hold: the timelock, not a wait that never ends.
        let over = s(&|s| {
            s.threshold = U256::MAX;
            s.local = Some(U256::from(501));
        });
        assert_eq!(over, Arrival::Timelocked { delay: 3_600 });
        // 300 of 250 available at 7 per second: 50 missing, 8 s (rounded up).
        assert_eq!(
            s(&|s| s.local = Some(U256::from(300))),
            Arrival::RateLimited { wait: 8 }
        );
        assert_eq!(s(&|s| s.paused = true), Arrival::Paused);
        assert_eq!(s(&|s| s.open = false).name(), "refused");
        assert_eq!(s(&|s| s.local = None).name(), "refused");
        assert_eq!(
            s(&|s| s.ledger_room = Some(U256::from(99))).name(),
            "refused"
        );
        // A refusal outranks a pause: it would never arrive.
        assert_eq!(
            s(&|s| {
                s.paused = true;
                s.open = false;
            })
            .name(),
            "refused"
        );
    }
}
