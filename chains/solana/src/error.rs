//! Errors: this crate reports [`trestle_core::Error`] (the chain traits' error type), and
//! this module maps the solana RPC client's errors onto it.
//!
//! The mapping decides what a caller can do next:
//! - unreachable endpoint, I/O error, timeout, HTTP 429/5xx, unhealthy node: [`Error::Rpc`]
//!   with `retryable: true`;
//! - an answer that is not JSON-RPC, or JSON of the wrong shape: [`Error::MalformedResponse`];
//! - a transaction the node refused in preflight simulation: [`Error::TransactionRejected`]
//!   with the transaction error and the program logs;
//! - any other JSON-RPC error: [`Error::Rpc`], retryable only for the codes that mean "not
//!   yet" (block not available, node behind, min context slot not reached).

use solana_rpc_client_api::client_error::{Error as ClientError, ErrorKind};
use solana_rpc_client_api::request::{RpcError, RpcResponseErrorData};
use solana_rpc_client_api::response::RpcSimulateTransactionResult;
use solana_transaction_error::TransactionError;
pub use trestle_core::{Error, Result};

/// JSON-RPC error codes of the Solana RPC server that mean "try again later".
const RETRYABLE_CODES: &[i64] = &[
    -32002, // preflight failure without data (data is handled separately)
    -32004, // block not available for slot (yet)
    -32005, // node is unhealthy / behind
    -32014, // block status not yet available
    -32016, // minimum context slot has not been reached
    -32603, // internal error
];

/// Maps an RPC client error from `endpoint` to a core error.
pub(crate) fn from_client(endpoint: &str, err: ClientError) -> Error {
    // The HTTP client names the URL it failed on, and a provider may echo it: no key leaves.
    client_error(endpoint, err).scrubbed()
}

fn client_error(endpoint: &str, err: ClientError) -> Error {
    let endpoint = endpoint.to_owned();
    match err.kind() {
        ErrorKind::Io(e) => Error::Rpc {
            endpoint,
            reason: format!("I/O error: {e}"),
            retryable: true,
        },
        ErrorKind::Reqwest(e) => from_reqwest(endpoint, e),
        ErrorKind::RpcError(RpcError::RpcResponseError {
            code,
            message,
            data,
        }) => match data {
            RpcResponseErrorData::SendTransactionPreflightFailure(sim) => {
                rejected(endpoint, message, sim)
            }
            RpcResponseErrorData::NodeUnhealthy { num_slots_behind } => Error::Rpc {
                endpoint,
                reason: match num_slots_behind {
                    Some(n) => format!("node unhealthy ({n} slots behind): {message}"),
                    None => format!("node unhealthy: {message}"),
                },
                retryable: true,
            },
            RpcResponseErrorData::Empty => Error::Rpc {
                endpoint,
                reason: format!("JSON-RPC error {code}: {message}"),
                retryable: RETRYABLE_CODES.contains(code),
            },
        },
        ErrorKind::RpcError(RpcError::RpcRequestError(reason) | RpcError::ParseError(reason)) => {
            Error::MalformedResponse {
                endpoint,
                reason: reason.clone(),
            }
        }
        ErrorKind::RpcError(RpcError::ForUser(reason)) => Error::Rpc {
            endpoint,
            reason: reason.clone(),
            retryable: false,
        },
        ErrorKind::SerdeJson(e) => Error::MalformedResponse {
            endpoint,
            reason: format!("unexpected JSON: {e}"),
        },
        ErrorKind::TransactionError(e) => Error::TransactionRejected {
            endpoint,
            reason: e.to_string(),
            retryable: is_retryable_tx_error(e),
        },
        ErrorKind::Middleware(e) => Error::Rpc {
            endpoint,
            reason: format!("middleware: {e}"),
            retryable: false,
        },
        ErrorKind::SigningError(e) => Error::Rpc {
            endpoint,
            reason: format!("signing: {e}"),
            retryable: false,
        },
        ErrorKind::Custom(reason) => Error::Rpc {
            endpoint,
            reason: reason.clone(),
            retryable: false,
        },
    }
}

/// HTTP-level failures: connection and timeouts are retryable, a body that is not JSON (or
/// not HTTP at all) is a malformed answer.
fn from_reqwest(
    endpoint: String,
    e: &solana_rpc_client_api::client_error::reqwest::Error,
) -> Error {
    let detail = error_chain(e);
    if e.is_timeout() {
        return Error::Rpc {
            endpoint,
            reason: format!("request timed out: {detail}"),
            retryable: true,
        };
    }
    if e.is_connect() {
        return Error::Rpc {
            endpoint,
            reason: format!("cannot connect: {detail}"),
            retryable: true,
        };
    }
    if let Some(status) = e.status() {
        return Error::Rpc {
            endpoint,
            reason: format!("HTTP status {status}"),
            retryable: status.as_u16() == 429 || status.is_server_error(),
        };
    }
    if e.is_decode() || e.is_body() {
        return Error::MalformedResponse {
            endpoint,
            reason: format!("answer is not JSON: {detail}"),
        };
    }
    // What remains is a request that got an answer that is not HTTP (or a connection closed
    // mid-answer): the endpoint is not a JSON-RPC server, or a broken one.
    Error::MalformedResponse {
        endpoint,
        reason: format!("answer is not a valid HTTP response: {detail}"),
    }
}

/// The error and its sources on one line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// A preflight (simulation) failure, with the transaction error and program logs.
pub(crate) fn rejected(
    endpoint: String,
    message: &str,
    sim: &RpcSimulateTransactionResult,
) -> Error {
    let tx_error: Option<TransactionError> = sim.err.clone().map(Into::into);
    let retryable = tx_error.as_ref().is_some_and(is_retryable_tx_error);
    let mut reason = message.to_owned();
    if let Some(err) = &tx_error {
        reason.push_str(&format!(" ({err})"));
    }
    append_logs(&mut reason, sim.logs.as_deref().unwrap_or_default());
    Error::TransactionRejected {
        endpoint,
        reason,
        retryable,
    }
}

/// Appends program logs to an error reason, one per line.
pub(crate) fn append_logs(reason: &mut String, logs: &[String]) {
    if logs.is_empty() {
        return;
    }
    reason.push_str("\nprogram logs:");
    for line in logs {
        reason.push_str("\n  ");
        reason.push_str(line);
    }
}

/// Transaction errors that a new blockhash (or a later try) can cure.
pub(crate) fn is_retryable_tx_error(err: &TransactionError) -> bool {
    matches!(
        err,
        TransactionError::BlockhashNotFound
            | TransactionError::ClusterMaintenance
            | TransactionError::WouldExceedMaxBlockCostLimit
            | TransactionError::WouldExceedMaxAccountCostLimit
            | TransactionError::WouldExceedMaxVoteCostLimit
            | TransactionError::WouldExceedAccountDataBlockLimit
            | TransactionError::TooManyAccountLocks
    )
}

/// A malformed-answer error.
pub(crate) fn malformed(endpoint: &str, reason: impl Into<String>) -> Error {
    Error::MalformedResponse {
        endpoint: endpoint.to_owned(),
        reason: reason.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn preflight(sim: serde_json::Value) -> ClientError {
        ErrorKind::RpcError(RpcError::RpcResponseError {
            code: -32002,
            message: "Transaction simulation failed".into(),
            data: RpcResponseErrorData::SendTransactionPreflightFailure(
                serde_json::from_value(sim).unwrap(),
            ),
        })
        .into()
    }

    #[test]
    fn preflight_failures_carry_error_and_logs() {
        let err = from_client(
            "http://node",
            preflight(serde_json::json!({
                "err": {"InstructionError": [1, {"Custom": 1}]},
                "logs": ["Program log: Error: insufficient funds"],
            })),
        );
        match err {
            Error::TransactionRejected {
                endpoint,
                reason,
                retryable,
            } => {
                assert_eq!(endpoint, "http://node");
                assert!(!retryable);
                assert!(reason.contains("custom program error: 0x1"), "{reason}");
                assert!(reason.contains("insufficient funds"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        let err = from_client(
            "n",
            preflight(serde_json::json!({ "err": "BlockhashNotFound" })),
        );
        assert!(matches!(
            err,
            Error::TransactionRejected {
                retryable: true,
                ..
            }
        ));
    }

    #[test]
    fn json_rpc_codes_decide_retrying() {
        let code = |code| {
            from_client(
                "n",
                ErrorKind::RpcError(RpcError::RpcResponseError {
                    code,
                    message: "m".into(),
                    data: RpcResponseErrorData::Empty,
                })
                .into(),
            )
        };
        assert!(code(-32005).is_retryable());
        assert!(code(-32004).is_retryable());
        assert!(!code(-32602).is_retryable());
        assert!(!code(-32007).is_retryable());
        let unhealthy = from_client(
            "n",
            ErrorKind::RpcError(RpcError::RpcResponseError {
                code: -32005,
                message: "behind".into(),
                data: RpcResponseErrorData::NodeUnhealthy {
                    num_slots_behind: Some(12),
                },
            })
            .into(),
        );
        assert!(unhealthy.is_retryable());
        assert!(unhealthy.to_string().contains("12 slots behind"));
    }

    #[test]
    fn shapes_and_parse_errors_are_malformed() {
        let serde = serde_json::from_str::<u64>("\"x\"").unwrap_err();
        assert!(matches!(
            from_client("n", ErrorKind::SerdeJson(serde).into()),
            Error::MalformedResponse { .. }
        ));
        assert!(matches!(
            from_client(
                "n",
                ErrorKind::RpcError(RpcError::RpcRequestError("not an object".into())).into()
            ),
            Error::MalformedResponse { .. }
        ));
    }
}
