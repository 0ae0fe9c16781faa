//! A pool of JSON-RPC endpoints with failover, demotion of failing endpoints and per-request
//! timeouts, and the mapping of alloy transport errors onto [`trestle_core::Error`].
//!
//! Every request goes to the healthiest endpoint first: endpoints that are not demoted, in
//! configuration order, then demoted ones, soonest-to-recover first (so a request still has a
//! chance when every endpoint is demoted). An endpoint is demoted when it is unreachable, times
//! out, answers with an HTTP error or with something that is not the expected JSON-RPC answer;
//! the demotion lasts `demotion_base * 2^(failures-1)`, capped at `demotion_max`, and ends at
//! its first success. A JSON-RPC error answer (a revert, "nonce too low") is the node doing its
//! job: it is returned at once and does not demote the endpoint.

use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use alloy_provider::RootProvider;
use alloy_transport::{TransportError, TransportErrorKind};
use trestle_core::Error as CoreError;

use crate::config::{RpcConfig, redact_url};
use crate::error::{Error, Result};

/// The health of one endpoint.
#[derive(Debug, Default, Clone, Copy)]
struct Health {
    consecutive_failures: u32,
    demoted_until: Option<Instant>,
}

#[derive(Debug)]
struct Endpoint {
    label: String,
    provider: RootProvider,
    health: Mutex<Health>,
}

impl Endpoint {
    fn health(&self) -> Health {
        *self
            .health
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn mark_ok(&self) {
        let mut h = self
            .health
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if h.consecutive_failures > 0 {
            tracing::info!(endpoint = %self.label, "endpoint recovered");
        }
        *h = Health::default();
    }

    fn demote(&self, base: Duration, max: Duration, reason: &str) {
        let mut h = self
            .health
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        h.consecutive_failures = h.consecutive_failures.saturating_add(1);
        let shift = h.consecutive_failures.saturating_sub(1).min(20);
        let backoff = base.saturating_mul(1u32 << shift).min(max);
        h.demoted_until = Instant::now().checked_add(backoff);
        tracing::warn!(
            endpoint = %self.label,
            failures = h.consecutive_failures,
            backoff_ms = backoff.as_millis() as u64,
            %reason,
            "endpoint demoted"
        );
    }
}

/// The state of one endpoint, as [`RpcPool::endpoints`] reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointStatus {
    /// The endpoint URL without credentials, path or query.
    pub endpoint: String,
    /// Failures since its last success.
    pub consecutive_failures: u32,
    /// Whether it is demoted now.
    pub demoted: bool,
}

/// Several endpoints of one chain; see the module docs for the failover rule.
#[derive(Debug)]
pub struct RpcPool {
    chain: String,
    endpoints: Vec<Endpoint>,
    timeout: Duration,
    demotion_base: Duration,
    demotion_max: Duration,
}

impl RpcPool {
    /// A pool over `urls` (validated: `http`/`https` only). Connects lazily.
    pub fn new(chain: &str, urls: &[String], config: &RpcConfig) -> Result<Self> {
        if urls.is_empty() {
            return Err(Error::config("rpc_urls", "at least one endpoint is needed"));
        }
        let mut endpoints = Vec::with_capacity(urls.len());
        for (i, raw) in urls.iter().enumerate() {
            let url = crate::config::parse_rpc_url(raw)
                .map_err(|reason| Error::config(format!("rpc_urls[{i}]"), reason))?;
            endpoints.push(Endpoint {
                label: redact_url(&url),
                provider: RootProvider::new_http(url),
                health: Mutex::new(Health::default()),
            });
        }
        Ok(Self {
            chain: chain.to_owned(),
            endpoints,
            timeout: Duration::from_millis(config.request_timeout_ms),
            demotion_base: Duration::from_millis(config.demotion_base_ms),
            demotion_max: Duration::from_millis(config.demotion_max_ms),
        })
    }

    /// The chain name the pool serves.
    pub fn chain(&self) -> &str {
        &self.chain
    }

    /// The health of every endpoint, in configuration order.
    pub fn endpoints(&self) -> Vec<EndpointStatus> {
        let now = Instant::now();
        self.endpoints
            .iter()
            .map(|e| {
                let h = e.health();
                EndpointStatus {
                    endpoint: e.label.clone(),
                    consecutive_failures: h.consecutive_failures,
                    demoted: h.demoted_until.is_some_and(|t| t > now),
                }
            })
            .collect()
    }

    /// Endpoint indices, healthiest first.
    fn order(&self) -> Vec<usize> {
        let now = Instant::now();
        let mut keyed: Vec<(Option<Instant>, usize)> = self
            .endpoints
            .iter()
            .enumerate()
            .map(|(i, e)| (e.health().demoted_until.filter(|t| *t > now), i))
            .collect();
        // `None` (healthy) sorts before any `Some(until)`; ties keep configuration order.
        keyed.sort();
        keyed.into_iter().map(|(_, i)| i).collect()
    }

    /// Runs `op` on every endpoint (no failover), in configuration order, each with the
    /// request timeout; endpoint faults demote as in [`RpcPool::call`]. Returns each
    /// endpoint's label and outcome.
    pub async fn call_each<T, F, Fut>(
        &self,
        method: &'static str,
        op: F,
    ) -> Vec<(String, Result<T, CoreError>)>
    where
        F: Fn(RootProvider) -> Fut,
        Fut: Future<Output = Result<T, TransportError>>,
    {
        let mut out = Vec::with_capacity(self.endpoints.len());
        for endpoint in &self.endpoints {
            let outcome = tokio::time::timeout(self.timeout, op(endpoint.provider.clone())).await;
            let result = match outcome {
                Ok(Ok(value)) => {
                    endpoint.mark_ok();
                    Ok(value)
                }
                Ok(Err(e)) => Err(map_transport_error(&endpoint.label, method, e)),
                Err(_) => Err(CoreError::Rpc {
                    endpoint: endpoint.label.clone(),
                    reason: format!("{method} timed out after {:?}", self.timeout),
                    retryable: true,
                }),
            };
            if let Err(err) = &result
                && is_endpoint_fault(err)
            {
                endpoint.demote(self.demotion_base, self.demotion_max, &err.to_string());
            }
            out.push((endpoint.label.clone(), result));
        }
        out
    }

    /// Runs `op` on the healthiest endpoint, failing over to the next on endpoint faults.
    /// `method` names the call in errors and logs.
    pub async fn call<T, F, Fut>(&self, method: &'static str, op: F) -> Result<T, CoreError>
    where
        F: Fn(RootProvider) -> Fut,
        Fut: Future<Output = Result<T, TransportError>>,
    {
        let mut last: Option<CoreError> = None;
        for index in self.order() {
            let Some(endpoint) = self.endpoints.get(index) else {
                continue;
            };
            let outcome = tokio::time::timeout(self.timeout, op(endpoint.provider.clone())).await;
            let err = match outcome {
                Ok(Ok(value)) => {
                    endpoint.mark_ok();
                    return Ok(value);
                }
                Ok(Err(e)) => map_transport_error(&endpoint.label, method, e),
                Err(_) => CoreError::Rpc {
                    endpoint: endpoint.label.clone(),
                    reason: format!("{method} timed out after {:?}", self.timeout),
                    retryable: true,
                },
            };
            if is_endpoint_fault(&err) {
                endpoint.demote(self.demotion_base, self.demotion_max, &err.to_string());
                last = Some(err);
            } else {
                endpoint.mark_ok();
                return Err(err);
            }
        }
        Err(last.unwrap_or_else(|| CoreError::Rpc {
            endpoint: self.chain.clone(),
            reason: "no endpoints configured".into(),
            retryable: false,
        }))
    }
}

/// Whether an error says the endpoint (not the request) is at fault, so another endpoint may
/// do better.
fn is_endpoint_fault(err: &CoreError) -> bool {
    match err {
        CoreError::Rpc { retryable, .. } => *retryable,
        CoreError::MalformedResponse { .. } | CoreError::Timeout { .. } => true,
        _ => false,
    }
}

/// Maps an alloy transport error to the chain-neutral error, classifying JSON-RPC error
/// answers of `eth_sendRawTransaction` as rejections.
pub(crate) fn map_transport_error(endpoint: &str, method: &str, err: TransportError) -> CoreError {
    // The HTTP client names the URL it failed on, and a provider may echo it: no key leaves.
    transport_error(endpoint, method, err).scrubbed()
}

fn transport_error(endpoint: &str, method: &str, err: TransportError) -> CoreError {
    use alloy_transport::RpcError;
    let endpoint = endpoint.to_owned();
    match err {
        RpcError::ErrorResp(payload) => {
            let message = payload.message.to_string();
            let reason = match payload.as_revert_data() {
                Some(data) if !data.is_empty() => format!(
                    "{method}: {} (code {}, revert data {data})",
                    without_revert_arguments(&message),
                    payload.code,
                ),
                _ => format!("{method}: {message} (code {})", payload.code),
            };
            if method == "eth_sendRawTransaction" {
                let retryable = !matches!(
                    classify_rejection(&message),
                    Rejection::InsufficientFunds | Rejection::Other
                );
                return CoreError::TransactionRejected {
                    endpoint,
                    reason,
                    retryable,
                };
            }
            let lower = message.to_ascii_lowercase();
            // Rate limits and lagging nodes: another endpoint (or a later try) can answer.
            let retryable = payload.code == 429
                || payload.code == -32005
                || lower.contains("rate limit")
                || lower.contains("too many requests")
                || lower.contains("header not found")
                || lower.contains("try again")
                || lower.contains("timeout")
                || lower.contains("timed out");
            CoreError::Rpc {
                endpoint,
                reason,
                retryable,
            }
        }
        RpcError::DeserError { err, text } => CoreError::MalformedResponse {
            endpoint,
            reason: format!("{method}: {err}; answer began {:?}", preview(&text)),
        },
        RpcError::NullResp => CoreError::MalformedResponse {
            endpoint,
            reason: format!("{method}: null result where a value was expected"),
        },
        RpcError::Transport(kind) => {
            let retryable = !matches!(kind, TransportErrorKind::NonRetryable(_));
            let reason = match &kind {
                TransportErrorKind::HttpError(e) => {
                    format!("{method}: HTTP {}: {:?}", e.status, preview(&e.body))
                }
                TransportErrorKind::HttpErrorWithRetryAfter { error, retry_after } => format!(
                    "{method}: HTTP {} (retry after {retry_after:?}): {:?}",
                    error.status,
                    preview(&error.body)
                ),
                other => format!("{method}: {}", error_chain(other)),
            };
            CoreError::Rpc {
                endpoint,
                reason,
                retryable,
            }
        }
        other => CoreError::Rpc {
            endpoint,
            reason: format!("{method}: {other}"),
            retryable: false,
        },
    }
}

/// A node's revert message without what follows a custom error's selector: anvil appends the
/// error's arguments there as raw text when they happen to be valid UTF-8 (NUL bytes and all).
/// The revert data, appended by the caller, keeps them whole (`trestle-bridge-client` decodes
/// it into the error's name, words and arguments).
fn without_revert_arguments(message: &str) -> &str {
    const MARK: &str = "custom error 0x";
    match message.find(MARK) {
        Some(at) => {
            let end = at + MARK.len() + 8;
            message.get(..end).unwrap_or(message)
        }
        None => message,
    }
}

/// The first 120 characters of an answer, for error messages.
fn preview(text: &str) -> String {
    let mut out: String = text.chars().take(120).collect();
    if text.chars().nth(120).is_some() {
        out.push('…');
    }
    out
}

/// An error with its sources ("error sending request: connection refused").
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// Why a node refused a raw transaction, from its error message (nodes agree on these
/// phrases: geth, reth, erigon, anvil, bor, op-geth, nitro).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// The nonce was used already: resync the nonce and rebuild.
    NonceTooLow,
    /// The node has this exact transaction: it was sent already.
    AlreadyKnown,
    /// A transaction with this nonce is pending and the fees are not bumped enough, or the
    /// fee is below the node's minimum.
    Underpriced,
    /// The account cannot pay `gas * maxFee + value`.
    InsufficientFunds,
    /// Anything else.
    Other,
}

/// Classifies a node's rejection message.
pub fn classify_rejection(message: &str) -> Rejection {
    let m = message.to_ascii_lowercase();
    if m.contains("nonce too low") || m.contains("nonce is too low") || m.contains("old nonce") {
        Rejection::NonceTooLow
    } else if m.contains("already known")
        || m.contains("known transaction")
        || m.contains("already imported")
        || m.contains("already exists")
    {
        Rejection::AlreadyKnown
    } else if m.contains("underpriced")
        || m.contains("fee too low")
        || m.contains("max fee per gas less than block base fee")
    {
        Rejection::Underpriced
    } else if m.contains("insufficient funds") {
        Rejection::InsufficientFunds
    } else {
        Rejection::Other
    }
}

/// The rejection class of an error, if it is a node's rejection of a transaction.
pub fn rejection_of(err: &CoreError) -> Option<Rejection> {
    match err {
        CoreError::TransactionRejected { reason, .. } => Some(classify_rejection(reason)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_rejections() {
        assert_eq!(
            classify_rejection("nonce too low: next nonce 5, tx nonce 3"),
            Rejection::NonceTooLow
        );
        assert_eq!(classify_rejection("already known"), Rejection::AlreadyKnown);
        assert_eq!(
            classify_rejection("replacement transaction underpriced"),
            Rejection::Underpriced
        );
        assert_eq!(
            classify_rejection("insufficient funds for gas * price + value"),
            Rejection::InsufficientFunds
        );
        assert_eq!(
            classify_rejection("intrinsic gas too low"),
            Rejection::Other
        );
    }

    #[test]
    fn maps_transport_errors() {
        let e = map_transport_error(
            "http://x",
            "eth_blockNumber",
            TransportErrorKind::http_error(502, "<html>bad gateway</html>".into()),
        );
        assert!(
            matches!(
                e,
                CoreError::Rpc {
                    retryable: true,
                    ..
                }
            ),
            "{e}"
        );
        let de = serde_json::from_str::<u64>("<html>").unwrap_err();
        let e = map_transport_error(
            "http://x",
            "eth_blockNumber",
            TransportError::deser_err(de, "<html>"),
        );
        assert!(matches!(e, CoreError::MalformedResponse { .. }), "{e}");
        let payload = serde_json::from_str(r#"{"code":-32000,"message":"nonce too low"}"#).unwrap();
        let e = map_transport_error(
            "http://x",
            "eth_sendRawTransaction",
            TransportError::ErrorResp(payload),
        );
        assert!(
            matches!(
                e,
                CoreError::TransactionRejected {
                    retryable: true,
                    ..
                }
            ),
            "{e}"
        );
        assert_eq!(rejection_of(&e), Some(Rejection::NonceTooLow));
        let payload =
            serde_json::from_str(r#"{"code":-32000,"message":"execution reverted"}"#).unwrap();
        let e = map_transport_error("http://x", "eth_call", TransportError::ErrorResp(payload));
        assert!(
            matches!(
                e,
                CoreError::Rpc {
                    retryable: false,
                    ..
                }
            ),
            "{e}"
        );
        assert!(!is_endpoint_fault(&e));
    }

    /// anvil's answer to a call that reverts with `Paused(5)` (a made-up argument): the
    /// argument comes back as NUL characters in the message, whole in `data`.
    #[test]
    fn a_custom_error_keeps_its_revert_data_and_drops_the_raw_arguments() {
        let data = format!("0x9e87fac8{:064x}", 5);
        let answer = serde_json::json!({
            "code": 3,
            "message": format!("execution reverted: custom error 0x9e87fac8: {}\u{5}", "\0".repeat(31)),
            "data": data,
        });
        let payload = serde_json::from_value(answer).unwrap();
        let e = map_transport_error(
            "http://x",
            "eth_estimateGas",
            TransportError::ErrorResp(payload),
        );
        assert_eq!(
            e.to_string(),
            format!(
                "RPC error from http://x: eth_estimateGas: execution reverted: custom error \
                 0x9e87fac8 (code 3, revert data {data})"
            )
        );
    }
}
