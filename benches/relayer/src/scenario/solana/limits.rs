//! The block limits of the validator under test, as agave 4.2.2 (the pinned
//! solana-test-validator) sets them: `runtime/src/slot_params.rs` picks the slot time and the
//! cost-tracker limits from the slot-time feature gates (SIMD-0525: 350, 300, 250, 200 ms; the
//! shortest active one wins), and `cost_limits` scales the block and per-writable-account
//! limits by 100/60 when `raise_block_limits_to_100m` (SIMD-0286) is active. Which gates are
//! active is read from the validator's feature accounts: solana-test-validator activates every
//! feature in its genesis unless told otherwise (4.2.2 leaves out only alpenglow), so the
//! 48M/12M (or 60M/12M) figures of older agave releases do not apply to it.

use anyhow::Result;

use crate::rpc::Rpc;

/// `raise_block_limits_to_100m` (SIMD-0286).
const RAISE_TO_100M: &str = "P1BCUMpAC7V2GRBRiJCNUgpMyWZhoqt3LKo712ePqsz";

/// One slot-time regime of `slot_params.rs`: feature gate, name, slot time (ms), writable
/// account limit, block limit (CU).
struct Regime {
    gate: Option<&'static str>,
    name: &'static str,
    slot_ms: u64,
    account: u64,
    block: u64,
}

/// `LEGACY_SLOT_PARAMS`, then `SLOT_PARAMS_350MS` .. `SLOT_PARAMS_200MS` in activation order.
const REGIMES: [Regime; 5] = [
    Regime {
        gate: None,
        name: "legacy 400 ms",
        slot_ms: 400,
        account: 24_000_000,
        block: 60_000_000,
    },
    Regime {
        gate: Some("iBRL5RuWhw4yqaAZu96RUULHckHTZAoe2b77qaV38JZ"),
        name: "reduce_slot_time_to_350ms",
        slot_ms: 350,
        account: 21_000_000,
        block: 52_500_000,
    },
    Regime {
        gate: Some("iBRLL3k18HST852F1Mf3Lv83waTNQmmqvKDxvYGwQFL"),
        name: "reduce_slot_time_to_300ms",
        slot_ms: 300,
        account: 18_000_000,
        block: 45_000_000,
    },
    Regime {
        gate: Some("iBRLMc81UjRa8fn8A6eE8bJTnRbgQoPTynM51akENCV"),
        name: "reduce_slot_time_to_250ms",
        slot_ms: 250,
        account: 15_000_000,
        block: 37_500_000,
    },
    Regime {
        gate: Some("iBRLjhJnkmDZgNoZRDMW11d8ZV7HvsL3vAyRjZB5npW"),
        name: "reduce_slot_time_to_200ms",
        slot_ms: 200,
        account: 12_000_000,
        block: 30_000_000,
    },
];

/// The limits in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Block compute-unit limit.
    pub block: u64,
    /// Compute units one writable account may take per block.
    pub account: u64,
    /// The slot time the validator aims at, ms.
    pub slot_ms: u64,
    /// The gates that set them, or the regime's name.
    pub source: String,
}

impl Limits {
    /// The limits with the slot-time gates `slot_gates` (a flag per entry of `REGIMES` after
    /// the first) and `raise_to_100m` active.
    fn from_gates(slot_gates: &[bool], raise_to_100m: bool) -> Self {
        let regime = REGIMES
            .iter()
            .skip(1)
            .zip(slot_gates)
            .filter(|(_, on)| **on)
            .map(|(r, _)| r)
            .next_back()
            .unwrap_or(&REGIMES[0]);
        let scale = |v: u64| {
            if raise_to_100m {
                v.saturating_mul(100) / 60
            } else {
                v
            }
        };
        let mut source = regime.name.to_owned();
        if raise_to_100m {
            source.push_str(" + raise_block_limits_to_100m");
        }
        Self {
            block: scale(regime.block),
            account: scale(regime.account),
            slot_ms: regime.slot_ms,
            source,
        }
    }

    /// Reads the gates from the validator behind `rpc`.
    pub fn read(rpc: &Rpc) -> Result<Self> {
        let mut ids: Vec<&str> = REGIMES.iter().filter_map(|r| r.gate).collect();
        ids.push(RAISE_TO_100M);
        let active = rpc.features_active(&ids)?;
        let (slot_gates, raise) = active.split_at(active.len().saturating_sub(1));
        Ok(Self::from_gates(
            slot_gates,
            raise.first().copied().unwrap_or(false),
        ))
    }

    /// The binding limit of a transaction that write-locks accounts every other one also
    /// locks (each `deliver` locks the relayer's fee payer, the route's rate-limit account and
    /// the mint): the smaller of the block and the per-account limit.
    pub fn binding(&self) -> u64 {
        self.block.min(self.account)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_from_the_gates_as_agave_4_2_2_sets_them() {
        let cases: [(&[bool], bool, u64, u64, u64); 5] = [
            (&[false; 4], false, 60_000_000, 24_000_000, 400),
            (&[false; 4], true, 100_000_000, 40_000_000, 400),
            (
                &[true, false, false, false],
                false,
                52_500_000,
                21_000_000,
                350,
            ),
            // Every gate on, as solana-test-validator 4.2.2 starts: the shortest slot wins.
            (&[true; 4], true, 50_000_000, 20_000_000, 200),
            (
                &[false, false, false, true],
                false,
                30_000_000,
                12_000_000,
                200,
            ),
        ];
        for (gates, raise, block, account, slot_ms) in cases {
            let l = Limits::from_gates(gates, raise);
            assert_eq!((l.block, l.account, l.slot_ms), (block, account, slot_ms));
        }
        assert_eq!(Limits::from_gates(&[true; 4], true).binding(), 20_000_000);
    }
}
