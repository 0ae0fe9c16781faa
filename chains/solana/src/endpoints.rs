//! The endpoints of one cluster and the failover between them.
//!
//! Every request goes to the endpoint in use (the first configured one at start). When it
//! cannot answer — unreachable, timed out, HTTP 429 or 5xx, an answer that is not JSON-RPC, or
//! a node saying it cannot serve now (unhealthy, behind, internal error) — the same request
//! goes to the next endpoint, round the list once. The first endpoint that answers becomes
//! the one in use for later requests (until it fails in turn). An answer about the request
//! itself (a failed simulation, invalid parameters, an account or transaction the node does
//! not have) is the node doing its job: it is returned at once, without failing over.
//!
//! When every endpoint fails, the error names each endpoint and its error. With one endpoint
//! its error is returned unchanged.
//!
//! Sending the same signed transaction through another endpoint is safe: it has the same
//! signature, so it lands at most once, and its status can be read from any endpoint.

use std::sync::atomic::{AtomicUsize, Ordering};

use serde::de::DeserializeOwned;
use serde_json::Value;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client_api::request::RpcRequest;

use crate::config::{SolanaConfig, redact_url};
use crate::error::{self, Error, Result};

/// One endpoint: its client and its label for errors and logs (no credentials).
struct Endpoint {
    label: String,
    rpc: RpcClient,
}

/// The endpoints of one cluster, in configuration order, and the one in use.
pub(crate) struct Endpoints {
    chain: String,
    list: Vec<Endpoint>,
    current: AtomicUsize,
}

impl std::fmt::Debug for Endpoints {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoints")
            .field("endpoints", &self.labels())
            .field("current", &self.current())
            .finish()
    }
}

impl Endpoints {
    /// Clients for `config.rpc_urls`. Makes no request.
    pub(crate) fn new(config: &SolanaConfig) -> Self {
        let list = config
            .rpc_urls
            .iter()
            .map(|url| Endpoint {
                label: redact_url(url),
                rpc: RpcClient::new_with_timeout_and_commitment(
                    url.clone(),
                    config.request_timeout,
                    config.commitments.read.to_config(),
                ),
            })
            .collect();
        Self {
            chain: config.name.clone(),
            list,
            current: AtomicUsize::new(0),
        }
    }

    /// The index of the endpoint in use.
    pub(crate) fn current(&self) -> usize {
        self.current.load(Ordering::Relaxed)
    }

    /// The label of the endpoint in use; the chain name when there is none.
    pub(crate) fn label(&self) -> &str {
        self.list
            .get(self.current())
            .map_or(self.chain.as_str(), |e| e.label.as_str())
    }

    /// Every endpoint's label, in configuration order.
    pub(crate) fn labels(&self) -> Vec<&str> {
        self.list.iter().map(|e| e.label.as_str()).collect()
    }

    /// `request` on the endpoint in use, failing over as the module docs say.
    pub(crate) async fn call<T: DeserializeOwned>(
        &self,
        request: RpcRequest,
        params: Value,
    ) -> Result<T> {
        let count = self.list.len();
        if count == 0 {
            return Err(Error::Rpc {
                endpoint: self.chain.clone(),
                reason: "no RPC endpoint configured".into(),
                retryable: false,
            });
        }
        let start = self.current();
        let mut failures: Vec<Error> = Vec::new();
        for step in 0..count {
            let index = (start + step) % count;
            let Some(endpoint) = self.list.get(index) else {
                continue;
            };
            tracing::trace!(method = %request, endpoint = %endpoint.label, "solana rpc call");
            let err = match endpoint.rpc.send::<T>(request, params.clone()).await {
                Ok(value) => {
                    if step > 0 {
                        self.switch(start, index);
                    }
                    return Ok(value);
                }
                Err(e) => error::from_client(&endpoint.label, e),
            };
            if count == 1 || !is_endpoint_fault(&err) {
                return Err(err);
            }
            tracing::warn!(chain = %self.chain, method = %request, endpoint = %endpoint.label, error = %err, "RPC endpoint failed; trying the next");
            failures.push(err);
        }
        Err(all_failed(&self.chain, request, &failures))
    }

    /// Makes `to` the endpoint in use, unless another request moved away from `from` first.
    fn switch(&self, from: usize, to: usize) {
        if self
            .current
            .compare_exchange(from, to, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
        {
            let label = |i: usize| self.list.get(i).map_or("?", |e| e.label.as_str());
            tracing::warn!(chain = %self.chain, from = %label(from), to = %label(to), "failed over to another RPC endpoint");
        }
    }
}

/// Whether an error says the endpoint (not the request) is at fault, so another endpoint may
/// answer: the retryable RPC errors (unreachable, timeout, HTTP 429/5xx, node unhealthy or
/// behind) and answers that are not JSON-RPC.
fn is_endpoint_fault(err: &Error) -> bool {
    match err {
        Error::Rpc { retryable, .. } => *retryable,
        Error::MalformedResponse { .. } | Error::Timeout { .. } => true,
        _ => false,
    }
}

/// The error when every endpoint failed: each endpoint with its error.
fn all_failed(chain: &str, request: RpcRequest, failures: &[Error]) -> Error {
    let each: Vec<String> = failures.iter().map(ToString::to_string).collect();
    Error::Rpc {
        endpoint: chain.to_owned(),
        reason: format!(
            "{request}: all {} endpoints failed: {}",
            failures.len(),
            each.join("; ")
        ),
        retryable: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_of_the_endpoint_are_told_from_answers_about_the_request() {
        let rpc = |retryable| Error::Rpc {
            endpoint: "e".into(),
            reason: "r".into(),
            retryable,
        };
        assert!(is_endpoint_fault(&rpc(true)));
        assert!(!is_endpoint_fault(&rpc(false)));
        assert!(is_endpoint_fault(&Error::MalformedResponse {
            endpoint: "e".into(),
            reason: "<html>".into(),
        }));
        assert!(!is_endpoint_fault(&Error::TransactionRejected {
            endpoint: "e".into(),
            reason: "simulation failed".into(),
            retryable: false,
        }));
        let all = all_failed(
            "sol",
            RpcRequest::GetSlot,
            &[
                Error::Rpc {
                    endpoint: "http://a".into(),
                    reason: "cannot connect".into(),
                    retryable: true,
                },
                Error::MalformedResponse {
                    endpoint: "http://b".into(),
                    reason: "not JSON".into(),
                },
            ],
        );
        let text = all.to_string();
        assert!(all.is_retryable());
        assert!(text.contains("http://a: cannot connect"), "{text}");
        assert!(text.contains("http://b: not JSON"), "{text}");
        assert!(text.contains("getSlot"), "{text}");
    }

    #[tokio::test]
    async fn no_endpoint_is_an_error_not_a_panic() {
        let mut config = SolanaConfig::new("sol", "http://x");
        config.rpc_urls.clear();
        let endpoints = Endpoints::new(&config);
        assert_eq!(endpoints.label(), "sol");
        let err = endpoints
            .call::<u64>(RpcRequest::GetSlot, serde_json::json!([]))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("no RPC endpoint"), "{err}");
    }
}
