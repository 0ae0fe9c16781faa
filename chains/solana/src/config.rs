//! Typed configuration: the endpoints, the commitment of each kind of operation, and the
//! transaction-landing policy.

use std::fmt;
use std::time::Duration;

use solana_commitment_config::CommitmentConfig;

/// The most signatures one `getSignaturesForAddress` call returns.
pub const MAX_SIGNATURE_PAGE: usize = 1_000;

/// How settled the state an RPC call reads (or waits for) must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Commitment {
    /// The node's most recent bank: fastest, may be rolled back.
    Processed,
    /// Voted on by a supermajority of stake: rollback has never happened on mainnet.
    Confirmed,
    /// Rooted (31+ confirmed blocks built on it): the bridge's finality rule.
    Finalized,
}

impl Commitment {
    /// The name the JSON-RPC API uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Commitment::Processed => "processed",
            Commitment::Confirmed => "confirmed",
            Commitment::Finalized => "finalized",
        }
    }

    pub(crate) fn to_config(self) -> CommitmentConfig {
        match self {
            Commitment::Processed => CommitmentConfig::processed(),
            Commitment::Confirmed => CommitmentConfig::confirmed(),
            Commitment::Finalized => CommitmentConfig::finalized(),
        }
    }
}

impl fmt::Display for Commitment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The commitment each kind of operation uses. Finality itself is always `finalized`
/// ([`trestle_core::chain::FinalityRule::Finalized`]); these choose the trade-off between
/// speed and settledness of everything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Commitments {
    /// Balances, account reads, `latest_height`. Default `confirmed`.
    pub read: Commitment,
    /// The recent blockhash a transaction is built on (and the block height its expiry is
    /// measured against). Default `confirmed`: a `processed` blockhash can belong to a fork
    /// that is abandoned, and the transaction would then never land.
    pub blockhash: Commitment,
    /// The bank a transaction is simulated against. Default `confirmed`. Landing uses the
    /// earlier of this and `inclusion`, so a transaction that depends on one just landed is
    /// simulated against a bank that has it.
    pub simulation: Commitment,
    /// When landing (and [`trestle_core::chain::Submitter::wait`] with
    /// `until_final = false`) counts a transaction as included. Default `confirmed`.
    pub inclusion: Commitment,
    /// Program transactions and events read by the event source. Default `finalized`: the
    /// bridge acts only on final events. `processed` is not accepted by the RPC for these
    /// reads and is treated as `confirmed`.
    pub events: Commitment,
}

impl Default for Commitments {
    fn default() -> Self {
        Self {
            read: Commitment::Confirmed,
            blockhash: Commitment::Confirmed,
            simulation: Commitment::Confirmed,
            inclusion: Commitment::Confirmed,
            events: Commitment::Finalized,
        }
    }
}

/// How transactions are landed: compute budget, priority fee, resending and rebuilding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LandingConfig {
    /// Compute-unit limit = units consumed in simulation, plus this percentage of them,
    /// plus [`LandingConfig::compute_unit_headroom`]. Default 20.
    pub compute_unit_margin_percent: u32,
    /// Fixed compute units added on top of the margin (covers small paths that simulation
    /// did not take). Default 1,000.
    pub compute_unit_headroom: u32,
    /// The percentile (0-100) of recent prioritization fees (of the accounts the
    /// transaction writes) used as the compute-unit price. Default 75.
    pub priority_fee_percentile: u8,
    /// The compute-unit price never goes below this (micro-lamports). Default 0.
    pub min_priority_fee_micro_lamports: u64,
    /// The compute-unit price never goes above this (micro-lamports): a cap against fee
    /// spikes. Default 1,000,000 (1 lamport per compute unit).
    pub max_priority_fee_micro_lamports: u64,
    /// How often the same signed transaction is sent again while its blockhash is valid.
    /// Default 2 s.
    pub resend_interval: Duration,
    /// How often the status of a sent transaction is polled. Default 400 ms (one slot).
    pub poll_interval: Duration,
    /// How many times a transaction whose blockhash expired is rebuilt with a new blockhash
    /// and signed again before landing gives up. Default 5.
    pub max_rebuilds: u32,
    /// The longest landing may take in all, across rebuilds. Default 180 s.
    pub timeout: Duration,
}

impl Default for LandingConfig {
    fn default() -> Self {
        Self {
            compute_unit_margin_percent: 20,
            compute_unit_headroom: 1_000,
            priority_fee_percentile: 75,
            min_priority_fee_micro_lamports: 0,
            max_priority_fee_micro_lamports: 1_000_000,
            resend_interval: Duration::from_secs(2),
            poll_interval: Duration::from_millis(400),
            max_rebuilds: 5,
            timeout: Duration::from_secs(180),
        }
    }
}

/// Everything a [`crate::SolanaClient`] needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SolanaConfig {
    /// A human-readable chain name ("solana-localnet", "solana-devnet"), used in errors.
    pub name: String,
    /// The JSON-RPC endpoints (`http://127.0.0.1:8899`), in order of preference: requests go
    /// to the one in use (the first at start) and fail over to the next when it cannot
    /// answer (see [`crate::SolanaClient`]). Credentials in the query string are never
    /// repeated in errors or logs.
    pub rpc_urls: Vec<String>,
    /// The timeout of one RPC request. Default 30 s.
    pub request_timeout: Duration,
    /// The commitment of each kind of operation.
    pub commitments: Commitments,
    /// The transaction-landing policy.
    pub landing: LandingConfig,
    /// Signatures per `getSignaturesForAddress` page when reading a program's transactions
    /// (1 to 1,000, the RPC maximum). Default 1,000.
    pub signature_page_size: usize,
}

impl SolanaConfig {
    /// A configuration with the defaults for the one endpoint `rpc_url`, named `name`.
    pub fn new(name: impl Into<String>, rpc_url: impl Into<String>) -> Self {
        Self::with_rpc_urls(name, [rpc_url])
    }

    /// A configuration with the defaults for several endpoints of one cluster, tried in this
    /// order (failover), named `name`.
    pub fn with_rpc_urls<U: Into<String>>(
        name: impl Into<String>,
        rpc_urls: impl IntoIterator<Item = U>,
    ) -> Self {
        Self {
            name: name.into(),
            rpc_urls: rpc_urls.into_iter().map(Into::into).collect(),
            request_timeout: Duration::from_secs(30),
            commitments: Commitments::default(),
            landing: LandingConfig::default(),
            signature_page_size: MAX_SIGNATURE_PAGE,
        }
    }

    /// The same configuration with event reads at `commitment` (tests use `confirmed`).
    pub fn with_events_commitment(mut self, commitment: Commitment) -> Self {
        self.commitments.events = commitment;
        self
    }
}

/// `url` with only its scheme, host and port, for errors and logs
/// ([`trestle_core::redact::redact_url`]: keys live in the user info, the path and the query).
pub(crate) fn redact_url(url: &str) -> String {
    trestle_core::redact::redact_url(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_drops_credentials() {
        assert_eq!(
            redact_url("https://user:pw@rpc.example/x?api-key=secret"),
            "https://rpc.example/…?…"
        );
        assert_eq!(redact_url("http://127.0.0.1:8899"), "http://127.0.0.1:8899");
        assert_eq!(redact_url("localhost#frag"), "localhost?…");
    }

    #[test]
    fn commitments_order_by_settledness() {
        assert!(Commitment::Processed < Commitment::Confirmed);
        assert!(Commitment::Confirmed < Commitment::Finalized);
        assert_eq!(
            Commitment::Finalized.to_config(),
            CommitmentConfig::finalized()
        );
    }
}
