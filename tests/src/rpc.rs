//! A minimal blocking JSON-RPC 2.0 client for loopback nodes.

use std::time::Duration;

use serde_json::{Value, json};

use crate::error::{Error, Result};

/// Posts JSON-RPC requests to one endpoint.
#[derive(Debug, Clone)]
pub(crate) struct RpcClient {
    url: String,
    agent: ureq::Agent,
}

impl RpcClient {
    /// A client for `url` whose requests each give up after `timeout`.
    pub(crate) fn new(url: String, timeout: Duration) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            // Loopback only: an HTTP(S)_PROXY in the environment must not capture these.
            .proxy(None)
            .build()
            .into();
        Self { url, agent }
    }

    /// The endpoint.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// Calls `method` with `params` and returns the `result` member of the answer.
    pub(crate) fn call(&self, method: &str, params: Value) -> Result<Value> {
        let fail = |reason: String| Error::Rpc {
            url: self.url.clone(),
            method: method.to_owned(),
            reason,
        };
        let body = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
        let mut response = self
            .agent
            .post(&self.url)
            .header("content-type", "application/json")
            .send(body.to_string().as_bytes())
            .map_err(|e| fail(e.to_string()))?;
        let status = response.status();
        let text = response
            .body_mut()
            .read_to_string()
            .map_err(|e| fail(format!("reading the answer: {e}")))?;
        if !status.is_success() {
            return Err(fail(format!("HTTP {status}: {text}")));
        }
        let mut answer: Value = serde_json::from_str(&text)
            .map_err(|e| fail(format!("answer is not JSON ({e}): {text}")))?;
        if let Some(error) = answer.get("error").filter(|e| !e.is_null()) {
            return Err(fail(format!("node answered with error {error}")));
        }
        match answer.get_mut("result") {
            Some(result) => Ok(result.take()),
            None => Err(fail(format!("answer has no result: {text}"))),
        }
    }
}
