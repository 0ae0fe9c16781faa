//! What the scenarios need from a running local network: both chains' endpoints and bridges,
//! the finality rule, the real relayer process, and a load generator on the origin.

use std::time::Duration;

use alloy_sol_types::SolEvent;
use anyhow::{Context, Result};
use trestle_bridge::evm_bindings::Bridge;
use trestle_core::evm::EvmAddress;

use crate::load::Load;
use crate::rpc::{Log, Rpc};

/// A running network (origin -> destination) with one relayer process.
pub struct Net {
    /// Origin chain endpoint.
    pub origin: Rpc,
    /// Destination chain endpoint.
    pub dest: Rpc,
    /// Origin bridge.
    pub origin_bridge: EvmAddress,
    /// Destination bridge.
    pub dest_bridge: EvmAddress,
    /// Confirmation depth of the origin (a message in block h is final at block h + this).
    pub confirmations: u64,
    /// Block time of both chains.
    pub block_time: Duration,
    /// Process id of the `trestle relayer run` process that relays (not a validator).
    pub relayer_pid: u32,
    /// Base URL of that relayer's HTTP API.
    pub relayer_api: String,
    /// Base URLs of the validators' HTTP APIs (empty when they were stopped).
    pub validator_apis: Vec<String>,
    /// Transfers on the origin.
    pub load: Load,
    /// Whatever keeps the chains and processes alive (never read; dropped last, which stops
    /// the daemons, then the chains).
    pub _keep: Box<dyn std::any::Any>,
}

/// `0x`-hex of an address.
pub fn hex_address(a: EvmAddress) -> String {
    format!("0x{}", hex::encode(a.0))
}

/// topic0 of `MessageSent`.
pub fn message_sent_topic() -> String {
    format!("0x{}", hex::encode(Bridge::MessageSent::SIGNATURE_HASH))
}

/// topic0 of `MessageDelivered`.
pub fn message_delivered_topic() -> String {
    format!(
        "0x{}",
        hex::encode(Bridge::MessageDelivered::SIGNATURE_HASH)
    )
}

impl Net {
    /// `MessageSent` logs of the origin bridge in `from..=to`.
    pub fn sent(&self, from: u64, to: u64) -> Result<Vec<Log>> {
        self.origin
            .logs(
                &hex_address(self.origin_bridge),
                &message_sent_topic(),
                from,
                to,
            )
            .context("reading MessageSent logs")
    }

    /// `MessageDelivered` logs of the destination bridge in `from..=to`.
    pub fn delivered(&self, from: u64, to: u64) -> Result<Vec<Log>> {
        self.dest
            .logs(
                &hex_address(self.dest_bridge),
                &message_delivered_topic(),
                from,
                to,
            )
            .context("reading MessageDelivered logs")
    }

    /// The sum of the counter `name` (no labels) in the `/metrics` of `api`.
    pub async fn counter(api: &str, name: &str) -> Result<f64> {
        let url = format!("{}/metrics", api.trim_end_matches('/'));
        let text = reqwest::get(&url)
            .await
            .with_context(|| format!("GET {url}"))?
            .text()
            .await?;
        Ok(text
            .lines()
            .filter(|l| {
                l.strip_prefix(name)
                    .is_some_and(|rest| rest.starts_with([' ', '{']))
            })
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum())
    }

    /// Polls the destination until `n` messages were delivered after block `from`, or fails
    /// after `timeout` naming how many arrived. Returns the head at that moment.
    pub async fn wait_delivered(&self, from: u64, n: usize, timeout: Duration) -> Result<u64> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let head = self.dest.block_number()?;
            let got = self.delivered(from, head)?.len();
            if got >= n {
                return Ok(head);
            }
            if std::time::Instant::now() > deadline {
                anyhow::bail!(
                    "only {got} of {n} messages delivered within {}s",
                    timeout.as_secs()
                );
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}
