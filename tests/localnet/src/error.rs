//! The one error type of the local network.

use std::path::PathBuf;

/// What went wrong while starting, configuring or driving the local network. Every variant
/// names the step and carries what a person needs to fix it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A local node (anvil, solana-test-validator) could not be started or answered badly.
    #[error("{what}: {source}")]
    Node {
        /// The step.
        what: String,
        /// The harness error (it names the binary and, for startup, its last output).
        #[source]
        source: trestle_tests::Error,
    },
    /// An EVM call or transaction failed.
    #[error("{what}: {reason}")]
    Evm {
        /// The step (which chain, which contract call).
        what: String,
        /// What the node or the adapter said.
        reason: String,
    },
    /// A Solana call or transaction failed.
    #[error("{what}: {reason}")]
    Solana {
        /// The step.
        what: String,
        /// What the node said.
        reason: String,
    },
    /// The `trestle` binary is not where it was looked for.
    #[error(
        "the `trestle` binary was not found (looked in {}): build it first with `cargo build --locked -p trestle-cli` (add `--release` for the demo), or point TRESTLE_BIN at it",
        looked.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    )]
    BinaryNotFound {
        /// The paths that were tried.
        looked: Vec<PathBuf>,
    },
    /// A daemon process exited, refused its configuration, or did not become ready.
    #[error("daemon `{name}`: {reason}\n--- last lines of {log} ---\n{tail}", log = log.display())]
    Daemon {
        /// Which daemon (`validator-1`, `relayer`).
        name: String,
        /// What happened.
        reason: String,
        /// Its log file.
        log: PathBuf,
        /// The last lines of that log.
        tail: String,
    },
    /// A file of the network (config, keystore, log) could not be written or read.
    #[error("{what} {}: {source}", path.display())]
    Io {
        /// What was being done.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The relayer's status API answered something unexpected or could not be reached.
    #[error("status API {url}: {reason}")]
    Api {
        /// The URL asked.
        url: String,
        /// What was wrong.
        reason: String,
    },
    /// A step did not finish in time.
    #[error("timed out after {seconds} s: {what}")]
    Timeout {
        /// What was awaited (with the last state seen).
        what: String,
        /// The limit.
        seconds: u64,
    },
    /// A transfer ended wrongly: wrong balance, failed or skipped message, double delivery.
    #[error("transfer {route}: {reason}")]
    Transfer {
        /// `a -> b`.
        route: String,
        /// What was wrong.
        reason: String,
    },
    /// The run was interrupted (Ctrl-C).
    #[error("interrupted")]
    Interrupted,
    /// The network was asked for something it does not have or cannot be built with (a chain
    /// that does not exist, a missing key).
    #[error("network setup: {0}")]
    Setup(String),
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn evm(what: impl Into<String>, reason: impl std::fmt::Display) -> Self {
        Self::Evm {
            what: what.into(),
            reason: reason.to_string(),
        }
    }

    pub(crate) fn node(what: impl Into<String>) -> impl FnOnce(trestle_tests::Error) -> Self {
        let what = what.into();
        move |source| Self::Node { what, source }
    }

    pub(crate) fn io(
        what: &'static str,
        path: &std::path::Path,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.to_path_buf();
        move |source| Self::Io { what, path, source }
    }
}
