//! What the demo prints: steps as they happen, each transfer's states, the final summary.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use crate::status::MessageStatus;

/// One ether in wei.
pub const ETHER: u128 = 1_000_000_000_000_000_000;

/// Prints the demo's steps as they happen, with the time since the start.
#[derive(Debug, Clone)]
pub struct Progress {
    start: Instant,
    quiet: bool,
}

impl Progress {
    /// Prints to standard output.
    pub fn stdout() -> Self {
        Self {
            start: Instant::now(),
            quiet: false,
        }
    }

    /// Prints nothing.
    pub fn quiet() -> Self {
        Self {
            start: Instant::now(),
            quiet: true,
        }
    }

    /// A step title.
    pub fn step(&self, title: &str) {
        if !self.quiet {
            println!(
                "\n[{:6.1}s] ==> {title}",
                self.start.elapsed().as_secs_f64()
            );
        }
    }

    /// A line under the current step.
    pub fn info(&self, line: &str) {
        if !self.quiet {
            println!("[{:6.1}s]     {line}", self.start.elapsed().as_secs_f64());
        }
    }

    /// Time since the start.
    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }
}

/// What happened to one transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferReport {
    /// `a -> b`.
    pub route: String,
    /// Origin chain name.
    pub from: String,
    /// Destination chain name.
    pub to: String,
    /// The amount, for people (`1.5 ETH`).
    pub amount: String,
    /// The message id.
    pub id: [u8; 32],
    /// Its nonce on the origin bridge.
    pub nonce: u64,
    /// The origin transaction.
    pub origin_tx: String,
    /// The destination transaction that delivered the message.
    pub delivery_tx: String,
    /// For a transfer queued in the timelock: the transaction that executed it.
    pub executed_tx: Option<String>,
    /// From the origin transaction's receipt to the funds arriving.
    pub latency: Duration,
    /// The delivery fee paid at the send, for people (`0.000197552 ETH`), where known.
    pub fee: Option<String>,
    /// What a top-up (`payForGas`) added after the relayer held the transfer underpaid.
    pub top_up: Option<String>,
}

pub(crate) fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

/// `amount` wei as ether for people (`1.5 ETH`).
pub fn format_ether(amount: u128) -> String {
    let whole = amount / ETHER;
    let frac = amount % ETHER;
    if frac == 0 {
        return format!("{whole} ETH");
    }
    let digits = format!("{frac:018}");
    format!("{whole}.{} ETH", digits.trim_end_matches('0'))
}

pub(crate) fn print_state(p: &Progress, s: &MessageStatus, t: Duration) {
    let tx = s.tx_hash.as_deref().unwrap_or("-");
    let what = match s.state.as_str() {
        "pending" => "relayer indexed it; waiting for 2-of-3 validator attestations".to_owned(),
        "ready" => "attestations collected (threshold met)".to_owned(),
        "submitted" => format!("deliver submitted to the destination: tx {tx}"),
        "queued" => format!("delivered into the destination's queue: tx {tx}"),
        "delivered" => format!("delivered: tx {tx}"),
        "underpaid" => format!(
            "held: {}",
            s.last_error
                .as_deref()
                .unwrap_or("what was paid is below the relayer's price")
        ),
        other => {
            let error = s.last_error.as_deref().unwrap_or("no error");
            format!("{other} (attempts {}, last error: {error})", s.attempts)
        }
    };
    p.info(&format!(
        "relayer: {:<9} +{:.1}s  {what}",
        s.state,
        t.as_secs_f64()
    ));
}

/// The final summary: one block per transfer.
pub fn summary(reports: &[TransferReport]) -> String {
    let mut out = String::new();
    for (i, r) in reports.iter().enumerate() {
        let _ = writeln!(out, "{}. {}  {}", i + 1, r.route, r.amount);
        let _ = writeln!(out, "   message id   {}", hex0x(&r.id));
        let _ = writeln!(out, "   origin tx    {}", r.origin_tx);
        let _ = writeln!(out, "   delivery tx  {}", r.delivery_tx);
        if let Some(tx) = &r.executed_tx {
            let _ = writeln!(out, "   executed tx  {tx} (after the timelock)");
        }
        if let Some(fee) = &r.fee {
            let _ = writeln!(out, "   fee paid     {fee}");
        }
        if let Some(more) = &r.top_up {
            let _ = writeln!(
                out,
                "   topped up    {more} (payForGas, after the relayer held it underpaid)"
            );
        }
        let _ = writeln!(out, "   latency      {:.1} s", r.latency.as_secs_f64());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ether_amounts_for_people() {
        assert_eq!(format_ether(15 * ETHER / 10), "1.5 ETH");
        assert_eq!(format_ether(150 * ETHER), "150 ETH");
        assert_eq!(format_ether(1), "0.000000000000000001 ETH");
    }
}
