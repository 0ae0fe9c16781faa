//! Gas limits of `deliverBatch` transactions learned from the destination's receipts, so that
//! a batch of token transfers need not be simulated before it is sent.
//!
//! `eth_estimateGas` executes the whole batch at least twice on the node (once at the cap,
//! then at the candidate limit, more while it searches): with batches of 64 that is most of
//! what a busy destination node spends on the relayer (measured on anvil, 10,000 transfers:
//! the relayer alone drained ~340 msg/s with estimates, ~890 msg/s with learned limits, of a
//! 1,025 msg/s block-gas bound; docs/benchmarks.md "Relayer throughput without estimates"). A
//! token transfer's delivery costs about the same every time — signature checks, the replay
//! bit, the payout, whose gas the bridge caps at `PAYOUT_GAS` — so the limit of a batch of
//! them is taken from what recent batches used per message, with a margin and a fixed
//! headroom for one payout that takes all of `PAYOUT_GAS`.
//!
//! Before enough receipts were seen, one `eth_estimateGas` per submit pass (of its first batch
//! of token transfers) stands in for them ([`LearnedGas::limit_with_estimate`]) and the pass's
//! other batches are sent with the limit it gives: a cold start or a backlog after a restart
//! no longer has every batch of its first blocks simulated by the node. The estimate serves
//! that pass only: a sender who makes the estimated batch cheap (and the others dear) costs
//! the relayer at most that pass's other batches, each of whose messages is then estimated. Estimated still: a batch holding an
//! arbitrary message (its recipient contract may use any amount of gas), a batch holding a
//! message that failed an attempt before, and everything when `relayer.batch_gas =
//! "estimate"`.
//! A learned limit that proves too low costs one transaction: the items that ran short fail
//! inside `deliverBatch` (or the whole transaction reverts), the confirm step sends those
//! messages back to `ready` with a counted failure, and their next attempt is estimated.

use std::collections::VecDeque;

/// How many recent delivery transactions the learned figure looks at.
const WINDOW: usize = 32;
/// Receipts needed before limits are learned rather than estimated.
const MIN_SAMPLES: usize = 2;
/// The margin on the largest recent gas per message, percent.
const MARGIN_PERCENT: u64 = 125;
/// Added to every learned limit: room for one payout that takes all of the bridge's
/// `PAYOUT_GAS` (100,000) plus the EIP-150 share the batch's inner call keeps back.
pub(super) const HEADROOM: u64 = 250_000;

/// Recent gas per delivered message, from the receipts of this worker's delivery
/// transactions, one sample per transaction.
#[derive(Debug, Default)]
pub(super) struct LearnedGas {
    /// `(transaction hash, gas per message)`, oldest first.
    per_message: VecDeque<([u8; 32], u64)>,
}

impl LearnedGas {
    /// Records the mined delivery transaction `tx` that used `gas_used` and delivered
    /// `messages`. The confirm step reads a receipt on every pass until it is final: a
    /// transaction already in the window is not counted again.
    pub(super) fn record(&mut self, tx: [u8; 32], gas_used: u64, messages: usize) {
        let Ok(messages) = u64::try_from(messages) else {
            return;
        };
        if messages == 0 || self.per_message.iter().any(|(seen, _)| *seen == tx) {
            return;
        }
        if self.per_message.len() == WINDOW {
            self.per_message.pop_front();
        }
        self.per_message
            .push_back((tx, gas_used.div_ceil(messages)));
    }

    /// The limit for a batch of `batch_size` token transfers from an `eth_estimateGas` of
    /// `gas` for a batch of `messages` of them, while too few receipts were seen: the largest
    /// per-message figure of the estimate (the least the batch needs, so no lower than what it
    /// uses) and the receipts seen so far. Nothing is kept: the next pass estimates again
    /// until receipts suffice.
    pub(super) fn limit_with_estimate(
        &self,
        gas: u64,
        messages: usize,
        batch_size: usize,
    ) -> Option<u64> {
        let messages = u64::try_from(messages).ok().filter(|m| *m > 0)?;
        let seen = self.per_message.iter().map(|(_, per)| *per).max();
        with_margin(gas.div_ceil(messages).max(seen.unwrap_or(0)), batch_size)
    }

    /// The gas limit for a batch of `messages` token transfers, or `None` while too few
    /// receipts were seen (estimate instead).
    pub(super) fn limit(&self, messages: usize) -> Option<u64> {
        if self.per_message.len() < MIN_SAMPLES {
            return None;
        }
        with_margin(
            self.per_message.iter().map(|(_, per)| *per).max()?,
            messages,
        )
    }
}

/// The limit for `messages` token transfers at `per` gas each: the margin and the headroom.
fn with_margin(per: u64, messages: usize) -> Option<u64> {
    let messages = u64::try_from(messages).ok()?;
    per.checked_mul(messages)?
        .checked_mul(MARGIN_PERCENT)?
        .checked_div(100)?
        .checked_add(HEADROOM)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_until_two_receipts_then_uses_the_largest_recent_cost() {
        let mut gas = LearnedGas::default();
        assert_eq!(gas.limit(10), None);
        gas.record([1; 32], 1_920_000, 64); // 30,000 per message
        assert_eq!(gas.limit(10), None);
        gas.record([1; 32], 1_920_000, 64);
        assert_eq!(
            gas.limit(10),
            None,
            "one transaction, read twice, is one sample"
        );
        gas.record([2; 32], 700_000, 20); // 35,000 per message
        assert_eq!(gas.limit(10), Some(35_000 * 10 * 125 / 100 + HEADROOM));
        assert_eq!(gas.limit(64), Some(35_000 * 64 * 125 / 100 + HEADROOM));
    }

    #[test]
    fn an_estimate_stands_in_for_one_pass_and_is_not_kept() {
        let mut gas = LearnedGas::default();
        // 35,000 per message, estimated on a batch of 64.
        assert_eq!(
            gas.limit_with_estimate(2_240_000, 64, 64),
            Some(35_000 * 64 * 125 / 100 + HEADROOM)
        );
        // The next pass has nothing learned: it estimates again (a cheap estimated batch
        // must not set the limit of later ones).
        assert_eq!(gas.limit(64), None);
        gas.record([1; 32], 2_560_000, 64); // 40,000: more than the estimate said
        assert_eq!(
            gas.limit_with_estimate(2_240_000, 64, 64),
            Some(40_000 * 64 * 125 / 100 + HEADROOM),
            "the largest of the estimate and the receipts seen"
        );
        assert_eq!(gas.limit_with_estimate(1, 0, 64), None);
    }

    #[test]
    fn forgets_costs_older_than_the_window_and_ignores_empty_receipts() {
        let mut gas = LearnedGas::default();
        gas.record([0xff; 32], 200_000, 1);
        gas.record([0xfe; 32], 21_000, 0);
        for i in 0..WINDOW {
            gas.record([u8::try_from(i).unwrap(); 32], 30_000, 1);
        }
        assert_eq!(gas.limit(1), Some(30_000 * 125 / 100 + HEADROOM));
        assert_eq!(gas.limit(usize::MAX), None, "overflow is no limit");
    }
}
