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
//! messages back to `ready` with a counted failure, and their next attempt is estimated. The
//! first receipt read of every learned transaction is checked ([`LearnedGas::landed`]): when it
//! reverted or delivered fewer messages than it carried, everything learned (the estimate, the
//! receipts, the transactions still to be read) is dropped and the next pass estimates again.
//! A sender who makes the estimated batch (or the recent ones) cheap and later ones dear
//! therefore costs the relayer the learned batches sent before the first short one is mined
//! and read (at most the 32 the sender keeps unmined, `MAX_UNMINED_TXS`), and each dear
//! message can do it once (a message is sent with a learned limit on its first attempt
//! only). A transaction that leaves items undelivered for another reason (another relayer
//! delivered them first, a pause, a rotation under way) drops what was learned too: that
//! costs one estimate. Only batches sent with a learned limit are learned from (an arbitrary
//! message's recipient cannot raise the limit of token transfers), and a limit above the
//! block gas limit (never mined) is not used.

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
/// How many learned transactions wait for their first receipt read at the most: far more than
/// the sender keeps unmined (`MAX_UNMINED_TXS`); an older one is forgotten.
const SENT_KEPT: usize = 256;

/// Recent gas per delivered message, from the receipts of this worker's learned delivery
/// transactions, one sample per transaction; or an estimate's, until there are enough.
#[derive(Debug, Default)]
pub(super) struct LearnedGas {
    /// Gas per message of recent learned transactions, oldest first.
    per_message: VecDeque<u64>,
    /// Gas per message of an estimated batch, standing in until receipts suffice.
    seed: Option<u64>,
    /// The learned transactions whose receipt was not read yet: first-sent hash and how many
    /// messages each carries.
    sent: VecDeque<([u8; 32], usize)>,
}

impl LearnedGas {
    /// Notes that the transaction first sent as `tx`, carrying `messages`, was sent with a
    /// learned limit: its first receipt read is learned from, or shows the limit ran short.
    pub(super) fn sent(&mut self, tx: [u8; 32], messages: usize) {
        if self.sent.len() == SENT_KEPT {
            self.sent.pop_front();
        }
        self.sent.push_back((tx, messages));
    }

    /// The transaction first sent as `tx` was mined: `success`, using `gas_used`, with
    /// `delivered` of its messages delivered (the bridge's logs). If it was a learned
    /// transaction not read before, it becomes a sample when it delivered every message it
    /// carried; otherwise the limit ran short and everything learned is dropped (the next
    /// pass estimates again). Returns whether it ran short.
    pub(super) fn landed(
        &mut self,
        tx: &[u8; 32],
        success: bool,
        gas_used: u64,
        delivered: usize,
    ) -> bool {
        let Some(at) = self.sent.iter().position(|(seen, _)| seen == tx) else {
            return false;
        };
        let carried = self.sent.remove(at).map_or(0, |(_, n)| n);
        if !success || delivered < carried {
            self.per_message.clear();
            self.seed = None;
            self.sent.clear();
            return true;
        }
        let Some(per) = u64::try_from(carried)
            .ok()
            .filter(|n| *n > 0)
            .map(|n| gas_used.div_ceil(n))
        else {
            return false;
        };
        if self.per_message.len() == WINDOW {
            self.per_message.pop_front();
        }
        self.per_message.push_back(per);
        false
    }

    /// Whether receipts suffice, so no estimate is needed.
    pub(super) fn receipts_suffice(&self) -> bool {
        self.per_message.len() >= MIN_SAMPLES
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
        let seen = self.per_message.iter().max().copied();
        self.seed = Some(per.max(seen.unwrap_or(0)));
    }

    /// The gas limit for a batch of `messages` token transfers, not above `block_gas`; `None`
    /// while neither enough receipts nor an estimate were seen (estimate instead), or when
    /// the limit would not fit a block.
    pub(super) fn limit(&self, messages: usize, block_gas: u64) -> Option<u64> {
        let per = if self.receipts_suffice() {
            *self.per_message.iter().max()?
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

    fn sent(gas: &mut LearnedGas, txs: &[u8], messages: usize) {
        for tx in txs {
            gas.sent([*tx; 32], messages);
        }
    }

    #[test]
    fn estimates_until_two_receipts_then_uses_the_largest_recent_cost() {
        let mut gas = LearnedGas::default();
        sent(&mut gas, &[1], 64);
        sent(&mut gas, &[2], 20);
        assert_eq!(gas.limit(10, BLOCK), None);
        assert!(!gas.landed(&[1; 32], true, 1_920_000, 64)); // 30,000 per message
        assert_eq!(gas.limit(10, BLOCK), None);
        assert!(!gas.landed(&[1; 32], true, 1_920_000, 64));
        assert_eq!(
            gas.limit(10, BLOCK),
            None,
            "one transaction, read twice, is one sample"
        );
        assert!(!gas.landed(&[2; 32], true, 700_000, 20)); // 35,000 per message
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
        let mut gas = LearnedGas::default();
        sent(&mut gas, &[1, 2], 64);
        // An estimated batch (an arbitrary message's recipient burning gas) is not a sample,
        // and one that ran short says nothing either.
        assert!(!gas.landed(&[9; 32], true, 20_000_000, 1));
        assert!(!gas.landed(&[9; 32], false, 20_000_000, 0));
        assert!(!gas.landed(&[1; 32], true, 1_920_000, 64));
        assert!(!gas.landed(&[2; 32], true, 1_920_000, 64));
        assert_eq!(
            gas.limit(64, BLOCK),
            Some(30_000 * 64 * 125 / 100 + HEADROOM)
        );
    }

    #[test]
    fn an_estimate_stands_in_until_receipts_suffice_and_everything_goes_when_a_batch_runs_short() {
        let mut gas = LearnedGas::default();
        gas.seed(2_240_000, 64); // 35,000 per message
        let seeded = Some(35_000 * 64 * 125 / 100 + HEADROOM);
        assert_eq!(gas.limit(64, BLOCK), seeded);
        assert_eq!(gas.limit(64, BLOCK), seeded, "kept for later passes");
        sent(&mut gas, &[1, 2, 3, 4], 64);
        // A batch sent with it delivered 63 of its 64: the estimate (a cheap batch, later
        // ones dear) is dropped, and so are the batches still to be read, so the cheap ones
        // mined meanwhile do not bring the figure back.
        assert!(gas.landed(&[1; 32], true, 2_000_000, 63));
        assert_eq!(gas.limit(64, BLOCK), None, "the next pass estimates again");
        assert!(!gas.landed(&[2; 32], true, 1_000_000, 64));
        assert!(!gas.landed(&[3; 32], true, 1_000_000, 64));
        assert_eq!(gas.limit(64, BLOCK), None);
        sent(&mut gas, &[5, 6], 64);
        assert!(!gas.landed(&[5; 32], true, 2_560_000, 64)); // 40,000
        gas.seed(2_240_000, 64);
        assert_eq!(
            gas.limit(64, BLOCK),
            Some(40_000 * 64 * 125 / 100 + HEADROOM),
            "the largest of the estimate and the receipts seen"
        );
        assert!(!gas.landed(&[6; 32], true, 1_920_000, 64));
        assert!(gas.receipts_suffice());
        sent(&mut gas, &[7], 64);
        assert!(gas.landed(&[7; 32], false, 3_000_000, 0), "a revert");
        assert_eq!(gas.limit(64, BLOCK), None, "receipts are dropped too");
        gas.seed(1, 0);
        assert_eq!(gas.limit(64, BLOCK), None);
    }

    #[test]
    fn a_limit_that_does_not_fit_a_block_is_not_used() {
        let mut gas = LearnedGas::default();
        gas.seed(2_240_000, 64);
        assert_eq!(gas.limit(64, 2_000_000), None);
        assert!(gas.limit(1, 2_000_000).is_some());
    }

    #[test]
    fn forgets_costs_older_than_the_window_and_ignores_empty_transactions() {
        let mut gas = LearnedGas::default();
        sent(&mut gas, &[0xff], 1);
        sent(&mut gas, &[0xfe], 0);
        assert!(!gas.landed(&[0xff; 32], true, 200_000, 1));
        assert!(!gas.landed(&[0xfe; 32], true, 21_000, 0));
        for i in 0..WINDOW {
            let tx = [u8::try_from(i).unwrap(); 32];
            gas.sent(tx, 1);
            assert!(!gas.landed(&tx, true, 30_000, 1));
        }
        assert_eq!(gas.limit(1, BLOCK), Some(30_000 * 125 / 100 + HEADROOM));
        assert_eq!(gas.limit(usize::MAX, BLOCK), None, "overflow is no limit");
    }
}
