//! A small blocking JSON-RPC client for reading the local chains after (and during) a run:
//! block numbers, blocks with their gas figures, logs and receipts. The bench reads the
//! chains itself rather than through the relayer, so every number comes from the nodes.

use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Value, json};

mod solana;

/// One JSON-RPC endpoint.
#[derive(Debug, Clone)]
pub struct Rpc {
    url: String,
    agent: ureq::Agent,
}

/// The parts of a block the bench uses.
#[derive(Debug, Clone)]
pub struct Block {
    /// Gas used by all its transactions.
    pub gas_used: u64,
    /// The block gas limit.
    pub gas_limit: u64,
    /// Its transactions' hashes.
    pub transactions: Vec<String>,
}

/// A log as the bench uses it.
#[derive(Debug, Clone)]
pub struct Log {
    /// Topics, 0x-hex.
    pub topics: Vec<String>,
    /// Block number.
    pub block: u64,
    /// Transaction hash, 0x-hex.
    pub tx: String,
}

impl Rpc {
    /// A client for `url`.
    pub fn new(url: &str) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(30)))
            .http_status_as_error(false)
            .proxy(None)
            .build()
            .into();
        Self {
            url: url.to_owned(),
            agent,
        }
    }

    /// Calls `method` and returns its `result`.
    pub fn call(&self, method: &str, params: Value) -> Result<Value> {
        let body = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
        let mut response = self
            .agent
            .post(&self.url)
            .header("content-type", "application/json")
            .send(body.to_string().as_bytes())
            .with_context(|| format!("{method} to {}", self.url))?;
        let text = response
            .body_mut()
            .with_config()
            .limit(256 * 1024 * 1024)
            .read_to_string()
            .with_context(|| format!("reading the answer to {method}"))?;
        let mut answer: Value =
            serde_json::from_str(&text).with_context(|| format!("{method}: answer is not JSON"))?;
        if let Some(error) = answer.get("error").filter(|e| !e.is_null()) {
            bail!("{method} to {}: {error}", self.url);
        }
        answer
            .get_mut("result")
            .map(Value::take)
            .ok_or_else(|| anyhow!("{method}: answer without result"))
    }

    /// The head block number.
    pub fn block_number(&self) -> Result<u64> {
        quantity(&self.call("eth_blockNumber", json!([]))?)
    }

    /// Block `number` (transaction hashes only).
    pub fn block(&self, number: u64) -> Result<Block> {
        let b = self.call("eth_getBlockByNumber", json!([hexq(number), false]))?;
        if b.is_null() {
            bail!("block {number} does not exist on {}", self.url);
        }
        Ok(Block {
            gas_used: quantity(field(&b, "gasUsed"))?,
            gas_limit: quantity(field(&b, "gasLimit"))?,
            transactions: field(&b, "transactions")
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|t| t.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
        })
    }

    /// Logs of `address` with `topic0` in blocks `from..=to`.
    pub fn logs(&self, address: &str, topic0: &str, from: u64, to: u64) -> Result<Vec<Log>> {
        let mut out = Vec::new();
        let mut start = from;
        while start <= to {
            let end = to.min(start + 999);
            let raw = self.call(
                "eth_getLogs",
                json!([{ "address": address, "topics": [topic0],
                         "fromBlock": hexq(start), "toBlock": hexq(end) }]),
            )?;
            for l in raw.as_array().into_iter().flatten() {
                out.push(Log {
                    topics: field(l, "topics")
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|t| t.as_str().map(str::to_lowercase))
                                .collect()
                        })
                        .unwrap_or_default(),
                    block: quantity(field(l, "blockNumber"))?,
                    tx: field(l, "transactionHash")
                        .as_str()
                        .unwrap_or_default()
                        .to_lowercase(),
                });
            }
            start = end + 1;
        }
        Ok(out)
    }

    /// `gasUsed` of the receipt of `tx`.
    pub fn gas_used(&self, tx: &str) -> Result<u64> {
        let r = self.call("eth_getTransactionReceipt", json!([tx]))?;
        if r.is_null() {
            bail!("no receipt for {tx}");
        }
        quantity(field(&r, "gasUsed"))
    }

    /// Hashes of the transactions waiting in the node's pool (`txpool_content`).
    pub fn pool_hashes(&self) -> Result<Vec<String>> {
        let content = self.call("txpool_content", json!([]))?;
        let mut out = Vec::new();
        for section in ["pending", "queued"] {
            for by_nonce in field(&content, section)
                .as_object()
                .into_iter()
                .flat_map(|m| m.values())
            {
                for tx in by_nonce.as_object().into_iter().flat_map(|m| m.values()) {
                    if let Some(h) = field(tx, "hash").as_str() {
                        out.push(h.to_lowercase());
                    }
                }
            }
        }
        Ok(out)
    }
}

/// Member `key` of a JSON object (`null` when absent or not an object).
fn field<'a>(v: &'a Value, key: &str) -> &'a Value {
    v.get(key).unwrap_or(&Value::Null)
}

/// `0x`-hex of a number.
pub fn hexq(n: u64) -> String {
    format!("0x{n:x}")
}

/// A JSON-RPC quantity.
pub fn quantity(v: &Value) -> Result<u64> {
    let s = v
        .as_str()
        .ok_or_else(|| anyhow!("expected a hex quantity, got {v}"))?;
    u64::from_str_radix(s.trim_start_matches("0x"), 16).with_context(|| format!("quantity {s}"))
}
