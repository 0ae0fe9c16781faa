//! The one error type of the relayer library.

/// `Result` with the relayer's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything the relayer library can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration file could not be read.
    #[error("cannot read config file {path}: {reason}")]
    ConfigRead {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The configuration is not valid TOML or does not match the schema (an unknown key, a
    /// wrong type, a missing field). The reason names the key and the line.
    #[error("config does not parse: {reason}")]
    ConfigParse {
        /// The parser's message (it names the key and position).
        reason: String,
    },
    /// A configuration value is out of range or inconsistent with another.
    #[error("config key `{key}`: {reason}")]
    Config {
        /// The dotted key, e.g. `chains[1].domain`.
        key: String,
        /// What is wrong and what is expected.
        reason: String,
    },
    /// A secret (keystore password) was not found in the environment, or the keystore did
    /// not decrypt.
    #[error("secret for {what}: {reason}")]
    Secret {
        /// Which key.
        what: String,
        /// Why it is unavailable.
        reason: String,
    },
    /// The store (SQLite or PostgreSQL) failed.
    #[error("store: {0}")]
    Store(#[from] sqlx::Error),
    /// A store migration failed.
    #[error("store migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A row in the store holds a value this version does not understand.
    #[error("store row is corrupt: {0}")]
    CorruptRow(String),
    /// The validator was asked to sign a second, different message for an `(origin, nonce)`
    /// it already signed. It refuses: signing both would let both be delivered.
    #[error(
        "refusing to sign message 0x{new} for origin {origin} nonce {nonce}: 0x{signed} was signed for it already"
    )]
    Equivocation {
        /// Origin domain.
        origin: u32,
        /// Nonce.
        nonce: u64,
        /// Hex id of the message already signed.
        signed: String,
        /// Hex id of the message refused.
        new: String,
    },
    /// A step was cut short by the process stopping (found on restart); it is done again.
    #[error("interrupted: {0}")]
    Interrupted(String),
    /// No message with this id is in the store.
    #[error("no message 0x{0}")]
    UnknownMessage(String),
    /// An operator command does not apply to a message in its current state.
    #[error("message 0x{id} is {state}; {reason}")]
    InvalidTransition {
        /// Hex message id.
        id: String,
        /// Its current state.
        state: String,
        /// Why the command is refused.
        reason: String,
    },
    /// A protocol check failed (decoding, signatures, validator sets).
    #[error(transparent)]
    Protocol(#[from] trestle_bridge::Error),
    /// A chain call failed.
    /// Displayed with the bridge's contract errors in words (`custom error 0x9e87fac8` as
    /// `Paused: the bridge is paused`), as logs, `last_error` and the status API show it.
    #[error("{}", trestle_bridge_client::errors::in_words(&.0.to_string()))]
    Chain(trestle_core::Error),
    /// The EVM adapter failed. Displayed with the bridge's contract errors in words.
    #[error("{}", trestle_bridge_client::errors::in_words(&.0.to_string()))]
    Evm(trestle_evm::Error),
    /// The bridge contract client refused: a bridge does not hold what a route needs (no
    /// such remote, another origin bridge, no usable validator set), or an answer of the
    /// wrong shape. Its chain, EVM and protocol errors become [`Error::Chain`],
    /// [`Error::Evm`] and [`Error::Protocol`].
    #[error(transparent)]
    Bridge(trestle_bridge_client::Error),
    /// Another running relayer holds this relayer's key on the shared store.
    #[error(
        "another relayer named {0} (the same key) is running on this store: two instances on one key would collide on its nonces; stop it first, or give this one its own key"
    )]
    InstanceRunning(String),
    /// The relayer lost its instance lock on the shared store while it ran and stopped.
    #[error(
        "stopped: the instance lock on the shared store was lost (its database connection ended); restart the relayer"
    )]
    InstanceLockLost,
    /// A validator's RPC endpoints did not confirm a message: too few of them found it final,
    /// or they disagree about it. Not signed now; asked about again at the next pass.
    #[error("{0}")]
    Unconfirmed(String),
    /// An I/O error (binding a socket, reading a file).
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The cause.
        source: std::io::Error,
    },
}

// By hand rather than `#[from]`: the inner error is displayed (in words), not a `source`
// that would be printed a second time, in hex.
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

impl From<trestle_bridge_client::Error> for Error {
    fn from(e: trestle_bridge_client::Error) -> Self {
        match e {
            trestle_bridge_client::Error::Chain(e) => Error::Chain(e),
            trestle_bridge_client::Error::Evm(e) => Error::Evm(e),
            trestle_bridge_client::Error::Protocol(e) => Error::Protocol(e),
            other => Error::Bridge(other),
        }
    }
}

impl Error {
    /// Whether trying the same operation again later may succeed (network and store
    /// hiccups), as opposed to a permanent refusal.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Store(e) => matches!(
                e,
                sqlx::Error::Io(_)
                    | sqlx::Error::PoolTimedOut
                    | sqlx::Error::PoolClosed
                    | sqlx::Error::WorkerCrashed
                    | sqlx::Error::Database(_)
            ),
            Error::Chain(e) => e.is_retryable(),
            Error::Evm(e) => e.is_retryable(),
            Error::Protocol(e) => e.is_retryable(),
            Error::Bridge(e) => e.is_retryable(),
            Error::Io { .. } | Error::Interrupted(_) | Error::Unconfirmed(_) => true,
            _ => false,
        }
    }

    /// A configuration error for `key`.
    pub(crate) fn config(key: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Config {
            key: key.into(),
            reason: reason.into(),
        }
    }
}
