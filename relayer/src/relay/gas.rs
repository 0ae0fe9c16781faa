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
//! Before enough receipts were seen, one `eth_estimateGas` (of the first batch of token
//! transfers of a submit pass) stands in for them ([`LearnedGas::seed`]) and every later learned
//! batch is sent with the limit it gives, until receipts take over: a cold start or a backlog
//! after a restart no longer has every batch of its first blocks simulated by the node.
//! Estimated still: a batch holding an arbitrary message (its recipient contract may use any
//! amount of gas), a batch holding a message that failed an attempt before, and everything when
//! `relayer.batch_gas = "estimate"`.
//!
//! A learned limit that proves too low costs one transaction: the items that ran short fail
//! inside `deliverBatch` (or the whole transaction reverts), the confirm step sends those
//! messages back to `ready` with a counted failure, their next attempt is estimated, and
//! everything learned so far is dropped ([`LearnedGas::ran_short`]), so the next pass estimates
//! again. A sender who makes the estimated batch (or the recent ones) cheap and later ones dear
//! therefore costs the relayer the learned batches sent before the first of them is mined, not
//! every batch after. Only the receipts of batches sent with a learned limit (token transfers
//! never tried before) are learned from: an arbitrary message's recipient cannot raise the
//! limit of token transfers. A limit above the block gas limit (never mined) is not used.

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
/// How many learned transactions are remembered as such: more than are ever unconfirmed.
const SENT_KEPT: usize = 256;

/// Recent gas per delivered message, from the receipts of this worker's learned delivery
/// transactions, one sample per transaction; or an estimate's, until there are enough.
#[derive(Debug, Default)]
pub(super) struct LearnedGas {
    /// `(transaction hash, gas per message)`, oldest first.
    per_message: VecDeque<([u8; 32], u64)>,
    /// Gas per message of an estimated batch, standing in until receipts suffice.
    seed: Option<u64>,
    /// The (first-sent) hashes of the most recent transactions sent with a learned limit.
    sent: VecDeque<[u8; 32]>,
}

impl LearnedGas {
    /// Notes that the transaction first sent as `tx` carries a learned limit: its receipt is
    /// learned from, and if it ran short what was learned is dropped.
    pub(super) fn sent(&mut self, tx: [u8; 32]) {
        if self.sent.len() == SENT_KEPT {
            self.sent.pop_front();
        }
        self.sent.push_back(tx);
    }

    /// Records the mined delivery transaction first sent as `tx`, which used `gas_used` and
    /// delivered `messages`, if it was sent with a learned limit. The confirm step reads a
    /// receipt on every pass until it is final: a transaction already in the window is not
    /// counted again.
    pub(super) fn record(&mut self, tx: [u8; 32], gas_used: u64, messages: usize) {
        let Ok(messages) = u64::try_from(messages) else {
            return;
        };
        if messages == 0
            || !self.sent.contains(&tx)
            || self.per_message.iter().any(|(seen, _)| *seen == tx)
        {
            return;
        }
        if self.per_message.len() == WINDOW {
            self.per_message.pop_front();
        }
        self.per_message
            .push_back((tx, gas_used.div_ceil(messages)));
    }

    /// The transaction first sent as `tx` left messages undelivered (reverted, or items ran
    /// short): if it was sent with a learned limit, everything learned is dropped and the next
    /// pass estimates again. Returns whether it was.
    pub(super) fn ran_short(&mut self, tx: &[u8; 32]) -> bool {
        let Some(at) = self.sent.iter().position(|seen| seen == tx) else {
            return false;
        };
        self.sent.remove(at);
        self.per_message.clear();
        self.seed = None;
        true
    }

    /// Takes an `eth_estimateGas` of `gas` for a batch of `messages` token transfers as the
    /// gas per message until receipts suffice (no lower than any receipt seen so far).
    pub(super) fn seed(&mut self, gas: u64, messages: usize) {
        let Some(per) = u64::try_from(messages)
            .ok()
            .filter(|m| *m > 0)
            .map(|m| gas.div_ceil(m))
        else {
            return;
        };
        let seen = self.per_message.iter().map(|(_, per)| *per).max();
        self.seed = Some(per.max(seen.unwrap_or(0)));
    }

    /// The gas limit for a batch of `messages` token transfers, not above `block_gas`; `None`
    /// while neither enough receipts nor an estimate were seen (estimate instead), or when
    /// the limit would not fit a block.
    pub(super) fn limit(&self, messages: usize, block_gas: u64) -> Option<u64> {
        let per = if self.per_message.len() >= MIN_SAMPLES {
            self.per_message.iter().map(|(_, per)| *per).max()?
        } else {
            self.seed?
        };
        with_margin(per, messages).filter(|limit| *limit <= block_gas)
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

    const BLOCK: u64 = 30_000_000;

    fn learned(txs: &[u8]) -> LearnedGas {
        let mut gas = LearnedGas::default();
        for tx in txs {
            gas.sent([*tx; 32]);
        }
        gas
    }

    #[test]
    fn estimates_until_two_receipts_then_uses_the_largest_recent_cost() {
        let mut gas = learned(&[1, 2]);
        assert_eq!(gas.limit(10, BLOCK), None);
        gas.record([1; 32], 1_920_000, 64); // 30,000 per message
        assert_eq!(gas.limit(10, BLOCK), None);
        gas.record([1; 32], 1_920_000, 64);
        assert_eq!(
            gas.limit(10, BLOCK),
            None,
            "one transaction, read twice, is one sample"
        );
        gas.record([2; 32], 700_000, 20); // 35,000 per message
        assert_eq!(
            gas.limit(10, BLOCK),
            Some(35_000 * 10 * 125 / 100 + HEADROOM)
        );
        assert_eq!(
            gas.limit(64, BLOCK),
            Some(35_000 * 64 * 125 / 100 + HEADROOM)
        );
    }

    #[test]
    fn only_transactions_sent_with_a_learned_limit_are_learned_from() {
        let mut gas = learned(&[1, 2]);
        // An estimated batch (an arbitrary message's recipient burning gas) is not a sample.
        gas.record([9; 32], 20_000_000, 1);
        gas.record([1; 32], 1_920_000, 64);
        gas.record([2; 32], 1_920_000, 64);
        assert_eq!(
            gas.limit(64, BLOCK),
            Some(30_000 * 64 * 125 / 100 + HEADROOM)
        );
    }

    #[test]
    fn an_estimate_stands_in_until_receipts_suffice_and_is_dropped_when_a_batch_runs_short() {
        let mut gas = learned(&[1, 2, 3]);
        gas.seed(2_240_000, 64); // 35,000 per message
        let seeded = Some(35_000 * 64 * 125 / 100 + HEADROOM);
        assert_eq!(gas.limit(64, BLOCK), seeded);
        assert_eq!(gas.limit(64, BLOCK), seeded, "kept for later passes");
        // A batch that was not sent with a learned limit says nothing about it.
        assert!(!gas.ran_short(&[9; 32]));
        assert_eq!(gas.limit(64, BLOCK), seeded);
        // One sent with it ran short: the estimate (a cheap batch, later ones dear) is dropped.
        assert!(gas.ran_short(&[1; 32]));
        assert_eq!(gas.limit(64, BLOCK), None, "the next pass estimates again");
        gas.record([2; 32], 2_560_000, 64);
        gas.seed(2_240_000, 64);
        assert_eq!(
            gas.limit(64, BLOCK),
            Some(40_000 * 64 * 125 / 100 + HEADROOM),
            "the largest of the estimate and the receipts seen"
        );
        gas.record([3; 32], 1_920_000, 64);
        assert_eq!(
            gas.limit(64, BLOCK),
            Some(40_000 * 64 * 125 / 100 + HEADROOM),
            "receipts took over"
        );
        assert!(gas.ran_short(&[3; 32]));
        assert_eq!(gas.limit(64, BLOCK), None, "receipts are dropped too");
        gas.seed(1, 0);
        assert_eq!(gas.limit(64, BLOCK), None);
    }

    #[test]
    fn a_limit_that_does_not_fit_a_block_is_not_used() {
        let mut gas = learned(&[]);
        gas.seed(2_240_000, 64);
        assert_eq!(gas.limit(64, 2_000_000), None);
        assert!(gas.limit(1, 2_000_000).is_some());
    }

    #[test]
    fn forgets_costs_older_than_the_window_and_ignores_empty_receipts() {
        let mut gas = LearnedGas::default();
        gas.sent([0xff; 32]);
        gas.sent([0xfe; 32]);
        gas.record([0xff; 32], 200_000, 1);
        gas.record([0xfe; 32], 21_000, 0);
        for i in 0..WINDOW {
            gas.sent([u8::try_from(i).unwrap(); 32]);
            gas.record([u8::try_from(i).unwrap(); 32], 30_000, 1);
        }
        assert_eq!(gas.limit(1, BLOCK), Some(30_000 * 125 / 100 + HEADROOM));
        assert_eq!(gas.limit(usize::MAX, BLOCK), None, "overflow is no limit");
    }
}
