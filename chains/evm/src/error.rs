//! The error type of `trestle-evm`.
//!
//! Network failures are [`trestle_core::Error`] values (wrapped in [`Error::Core`]) so that
//! the chain traits can return them unchanged; the variants here are the facts only this crate
//! knows about: configuration, fee ceilings, chain identity and reorg depth.

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in `trestle-evm`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An RPC, transaction or input error from the chain-neutral layer.
    #[error(transparent)]
    Core(#[from] trestle_core::Error),

    /// A configuration value that is missing, out of range or contradictory.
    #[error("invalid EVM chain config: `{field}`: {reason}")]
    Config {
        /// The config field, dotted (`fees.max_fee_per_gas`, `rpc[1]`).
        field: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A fee that would exceed the configured ceiling (with [`crate::CapPolicy::Error`], or a
    /// replacement whose minimum bump is above the ceiling).
    #[error("{chain}: {what} of {required} wei per gas is above the ceiling of {ceiling} wei")]
    FeeCeiling {
        /// The chain name.
        chain: String,
        /// Which fee (`maxFeePerGas`, `maxPriorityFeePerGas`, `gasPrice`).
        what: &'static str,
        /// What the estimate or bump asked for.
        required: u128,
        /// The configured ceiling.
        ceiling: u128,
    },

    /// The endpoint serves another chain than the configuration says.
    #[error("{endpoint} serves chain id {actual}, the configuration says {expected}")]
    ChainIdMismatch {
        /// The endpoint (URL without credentials).
        endpoint: String,
        /// The configured chain id.
        expected: u64,
        /// The chain id the endpoint reported.
        actual: u64,
    },

    /// The sender's journal could not record a transaction, which was therefore not
    /// broadcast.
    #[error("{chain}: transaction not sent: the send journal cannot record it: {reason}")]
    Journal {
        /// The chain name.
        chain: String,
        /// What the journal answered.
        reason: String,
    },

    /// The chain reorganised below the oldest block the indexer remembers.
    #[error(
        "{chain}: reorg deeper than the indexer remembers: no remembered block down to height \
         {oldest} is canonical any more"
    )]
    ReorgTooDeep {
        /// The chain name.
        chain: String,
        /// The oldest height the indexer still had a hash for.
        oldest: u64,
    },
}

impl Error {
    /// Whether trying again (later, or on another endpoint) can succeed. Fee ceilings can pass
    /// once fees fall; configuration errors, chain id mismatches and deep reorgs need an
    /// operator.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Core(e) => e.is_retryable(),
            Error::FeeCeiling { .. } | Error::Journal { .. } => true,
            Error::Config { .. } | Error::ChainIdMismatch { .. } | Error::ReorgTooDeep { .. } => {
                false
            }
        }
    }

    pub(crate) fn config(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Config {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl From<Error> for trestle_core::Error {
    fn from(e: Error) -> Self {
        match e {
            Error::Core(e) => e,
            Error::FeeCeiling { ref chain, .. } | Error::Journal { ref chain, .. } => {
                trestle_core::Error::TransactionRejected {
                    endpoint: chain.clone(),
                    reason: e.to_string(),
                    retryable: true,
                }
            }
            Error::ChainIdMismatch { ref endpoint, .. } => trestle_core::Error::Rpc {
                endpoint: endpoint.clone(),
                reason: e.to_string(),
                retryable: false,
            },
            Error::ReorgTooDeep { ref chain, .. } => trestle_core::Error::Rpc {
                endpoint: chain.clone(),
                reason: e.to_string(),
                retryable: false,
            },
            Error::Config { .. } => trestle_core::Error::Rpc {
                endpoint: "configuration".into(),
                reason: e.to_string(),
                retryable: false,
            },
        }
    }
}
