//! The error type of `trestle-bridge-client`.

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything a send or a status query can refuse or fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An argument that cannot be used (an amount of zero, a message id of the wrong length,
    /// a recipient that is not an address of the destination's kind, ...).
    #[error("invalid {what}: {reason}")]
    InvalidInput {
        /// The argument.
        what: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The origin bridge does not know the token id (`tokens(id)` is empty), so it cannot
    /// be sent from there.
    #[error("token 0x{token_id} is not registered on the bridge of {chain}")]
    UnknownToken {
        /// The chain.
        chain: String,
        /// The token id, hex.
        token_id: String,
    },
    /// The transaction landed but no `MessageSent` (EVM) or message log (Solana) of the
    /// bridge was found in it.
    #[error("transaction {tx} on {chain} emitted no bridge message")]
    NoMessage {
        /// The chain.
        chain: String,
        /// The transaction.
        tx: String,
    },
    /// The relayer's status API does not know this message (HTTP 404). It may not have
    /// indexed it yet: the origin block must be final first.
    #[error("the relayer at {url} does not know message 0x{id}")]
    NotFound {
        /// The API base URL.
        url: String,
        /// The message id, hex.
        id: String,
    },
    /// The relayer's API answered with an error status.
    #[error("the relayer at {url} answered HTTP {status}: {reason}")]
    Api {
        /// The API base URL.
        url: String,
        /// The HTTP status.
        status: u16,
        /// Its error text.
        reason: String,
    },
    /// The relayer's API could not be reached.
    #[error("cannot reach the relayer at {url}: {reason}")]
    Unreachable {
        /// The API base URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// The relayer's API answered something that is not the documented shape.
    #[error("the relayer at {url} answered malformed JSON: {reason}")]
    MalformedApi {
        /// The API base URL.
        url: String,
        /// What was wrong (which field).
        reason: String,
    },
    /// Following a transfer ran out of time before it was delivered.
    #[error("message 0x{id} was not delivered within {seconds} s (last state: {last})")]
    FollowTimeout {
        /// The message id, hex.
        id: String,
        /// The time allowed.
        seconds: u64,
        /// The last state seen.
        last: String,
    },
    /// A bridge does not hold what the route needs for a remote domain: it knows no such
    /// remote, accepts another bridge for it, or holds no usable validator set.
    #[error("{chain}: {reason}")]
    Remote {
        /// The chain of the bridge.
        chain: String,
        /// What it holds instead.
        reason: String,
    },
    /// A chain call failed (RPC, refused or failed transaction, timeout). Displayed with the
    /// bridge's contract errors in words ([`crate::errors::in_words`]).
    #[error("{}", crate::errors::in_words(&.0.to_string()))]
    Chain(trestle_core::Error),
    /// The EVM adapter refused (configuration, fee ceiling, ...), or its chain call failed.
    /// Displayed with the bridge's contract errors in words.
    #[error("{}", crate::errors::in_words(&.0.to_string()))]
    Evm(trestle_evm::Error),
    /// A message or account that does not decode by the protocol's rules.
    #[error(transparent)]
    Protocol(#[from] trestle_bridge::Error),
}

// By hand rather than `#[from]`: the inner error is displayed (in words), not a `source`
// that `{:#}` would print a second time, in hex.
impl From<trestle_core::Error> for Error {
    fn from(e: trestle_core::Error) -> Self {
        Error::Chain(e)
    }
}

impl From<trestle_evm::Error> for Error {
    fn from(e: trestle_evm::Error) -> Self {
        Error::Evm(e)
    }
}

impl Error {
    /// Whether trying again later may succeed (network failures, a relayer that has not seen
    /// the message yet); input errors never do.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::NotFound { .. } | Error::Unreachable { .. } | Error::FollowTimeout { .. } => {
                true
            }
            Error::Api { status, .. } => *status >= 500,
            Error::Chain(e) => e.is_retryable(),
            Error::Evm(e) => e.is_retryable(),
            _ => false,
        }
    }

    pub(crate) fn input(what: impl Into<String>, reason: impl std::fmt::Display) -> Self {
        Error::InvalidInput {
            what: what.into(),
            reason: reason.to_string(),
        }
    }
}
