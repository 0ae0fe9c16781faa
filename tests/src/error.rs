//! The harness's error type.

use std::path::PathBuf;

/// `Result` with the harness's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a local node could not be found, started or asked something.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The node's binary is not installed where the harness looks for it.
    #[error("{tool} not found at {path} (override with {env}): run `scripts/setup.sh`")]
    ToolNotFound {
        /// The binary's name, e.g. `anvil`.
        tool: &'static str,
        /// Where it was looked for, or why no place could be determined.
        path: String,
        /// The environment variable that overrides the location.
        env: &'static str,
    },

    /// The builder was given options the node cannot run with.
    #[error("invalid {tool} options: {reason}")]
    InvalidOptions {
        /// The binary's name.
        tool: &'static str,
        /// What is wrong.
        reason: String,
    },

    /// The operating system refused to start the binary.
    #[error("could not start {tool} at {path}: {source}")]
    Spawn {
        /// The binary's name.
        tool: &'static str,
        /// The binary that was started.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },

    /// The node started but did not become ready (it exited, or the deadline passed).
    #[error("{tool} did not become ready: {reason}\n--- {tool} output ---\n{output}")]
    Startup {
        /// The binary's name.
        tool: &'static str,
        /// What went wrong.
        reason: String,
        /// The last lines the node printed, for diagnosis.
        output: String,
    },

    /// A JSON-RPC request failed: transport, HTTP status, malformed answer or an error object.
    #[error("JSON-RPC {method} to {url} failed: {reason}")]
    Rpc {
        /// The endpoint.
        url: String,
        /// The JSON-RPC method.
        method: String,
        /// What went wrong, with the node's error object when it sent one.
        reason: String,
    },

    /// No block of loopback ports was free for a validator.
    #[error(
        "no free block of {width} loopback ports in {first}..{last}: too many validators running?"
    )]
    NoFreePorts {
        /// Ports per block.
        width: u16,
        /// First port considered.
        first: u16,
        /// End of the range considered (exclusive).
        last: u16,
    },

    /// A local file-system or socket operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What the harness was doing.
        context: String,
        /// The operating system's error.
        source: std::io::Error,
    },
}

impl Error {
    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let context = context.into();
        move |source| Self::Io { context, source }
    }
}
