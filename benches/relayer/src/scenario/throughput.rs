//! Sustained delivery throughput with batching against the destination's block-gas bound.
//!
//! `n` transfers are flooded into the origin as fast as it takes them; the relayer delivers
//! them with `deliverBatch`. From the destination's logs and receipts:
//!
//! - gas per message: each delivery transaction's `gasUsed` / the messages it delivered,
//!   taken over the transactions with the largest batch seen (the configured batch size when
//!   the queue was deep), median;
//! - the bound: `block gas limit / gas per message` messages per block, per block time;
//! - sustained throughput: messages delivered in the destination blocks strictly between the
//!   first and the last block holding a delivery (ramp-up and tail excluded), per block time;
//!   also the whole window from first to last delivery block inclusive.
//!
//! Two modes, each on a fresh network:
//! - `pipeline`: everything live; the flood lands in one or two origin blocks and the
//!   validators' attestation rate is part of what is measured (sampled and reported);
//! - `backlog`: the relayer process is stopped (`SIGSTOP`) while the transfers are sent
//!   (paced, so that origin blocks hold a realistic number of messages) and until every
//!   validator has attested all of them; then it is continued (`SIGCONT`) and finds the
//!   whole backlog. This isolates the relayer: indexing, collection from the validators'
//!   APIs, batching, submission, confirmation. (A long idle tick is no way to hold it: its
//!   indexer wakes its queues as soon as it records messages.)

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};

use crate::net::Net;
use crate::stats::percentile;

/// What the run measured.
#[derive(Debug, Clone, Default)]
pub struct Throughput {
    /// Messages flooded.
    pub sent: usize,
    /// How they were sent.
    pub mode: Option<Mode>,
    /// How long the origin took to accept them.
    pub flood_time: Duration,
    /// Largest number of messages in one delivery transaction.
    pub batch: usize,
    /// Median gas per message over the largest batches.
    pub gas_per_message: f64,
    /// Delivery transactions and their sizes: (messages, gasUsed).
    pub transactions: Vec<(usize, u64)>,
    /// Block gas limit of the destination.
    pub gas_limit: u64,
    /// Messages per second the block gas allows.
    pub bound: f64,
    /// Messages per second over the steady blocks (first and last delivery block excluded).
    pub sustained: f64,
    /// Steady blocks counted.
    pub steady_blocks: u64,
    /// Messages per second from the first to the last delivery block.
    pub window: f64,
    /// Blocks from first to last delivery.
    pub window_blocks: u64,
    /// Mean share of the block gas limit used over the steady blocks.
    pub steady_gas_share: f64,
    /// Delivery transactions per block over the steady blocks, mean.
    pub tx_per_block: f64,
    /// Messages delivered in each block from the first to the last delivery block.
    pub per_block: Vec<usize>,
    /// Each validator's attestation rate while it worked through the flood, msg/s (from its
    /// `trestle_attestations_signed_total`, sampled every 250 ms), fastest first.
    pub validator_rates: Vec<f64>,
}

/// How the transfers reach the relayer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    /// All at once, validators and relayer live.
    Pipeline,
    /// Sent at this many per second while the relayer sleeps; it wakes to a full backlog.
    Backlog(f64),
}

/// Runs the scenario.
pub async fn run(net: &Net, n: usize, mode: Mode) -> Result<Throughput> {
    let from_d = net.dest.block_number()? + 1;
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = tokio::spawn(sample_validators(
        net.validator_apis.clone(),
        n as f64,
        stop.clone(),
    ));
    let flood_time = match mode {
        Mode::Pipeline => net.load.flood(n).await?,
        Mode::Backlog(rate) => {
            signal(net.relayer_pid, "STOP")?;
            let started = Instant::now();
            net.load
                .paced(n, Duration::from_secs_f64(1.0 / rate.max(1.0)))
                .await?;
            let flood_time = started.elapsed();
            let attested =
                all_attested(&net.validator_apis, n as f64, Duration::from_secs(600)).await;
            signal(net.relayer_pid, "CONT")?;
            attested?;
            flood_time
        }
    };
    let timeout = Duration::from_secs(900);
    let head = net.wait_delivered(from_d, n, timeout).await;
    stop.store(true, Ordering::Relaxed);
    let mut validator_rates = sampler.await.unwrap_or_default();
    validator_rates.sort_by(|a, b| b.total_cmp(a));
    let head = head?;
    let logs = net.delivered(from_d, head)?;
    if logs.len() != n {
        bail!("{} deliveries for {n} transfers", logs.len());
    }
    let mut per_block: BTreeMap<u64, usize> = BTreeMap::new();
    let mut per_tx: BTreeMap<String, usize> = BTreeMap::new();
    for l in &logs {
        *per_block.entry(l.block).or_default() += 1;
        *per_tx.entry(l.tx.clone()).or_default() += 1;
    }
    let mut transactions = Vec::new();
    for (tx, k) in &per_tx {
        transactions.push((*k, net.dest.gas_used(tx)?));
    }
    let batch = transactions.iter().map(|(k, _)| *k).max().unwrap_or(0);
    let per_message: Vec<f64> = transactions
        .iter()
        .filter(|(k, _)| *k == batch)
        .map(|(k, g)| *g as f64 / *k as f64)
        .collect();
    let gas_per_message = percentile(&per_message, 50.0).unwrap_or(0.0);

    let (Some((&first, _)), Some((&last, _))) =
        (per_block.iter().next(), per_block.iter().next_back())
    else {
        bail!("no delivery blocks");
    };
    let bt = net.block_time.as_secs_f64();
    let gas_limit = net.dest.block(first)?.gas_limit;
    let bound = if gas_per_message > 0.0 {
        (gas_limit as f64 / gas_per_message).floor() / bt
    } else {
        0.0
    };
    let window_blocks = last - first + 1;
    let window = n as f64 / (window_blocks as f64 * bt);
    let mut steady_msgs = 0usize;
    let mut steady_gas = 0f64;
    let mut steady_txs = 0usize;
    let steady_blocks = window_blocks.saturating_sub(2);
    for b in (first + 1)..last {
        steady_msgs += per_block.get(&b).copied().unwrap_or(0);
        let block = net.dest.block(b)?;
        steady_gas += block.gas_used as f64 / block.gas_limit.max(1) as f64;
        steady_txs += block.transactions.len();
    }
    let (sustained, steady_gas_share, tx_per_block) = if steady_blocks > 0 {
        let k = steady_blocks as f64;
        (
            steady_msgs as f64 / (k * bt),
            steady_gas / k,
            steady_txs as f64 / k,
        )
    } else {
        (window, 0.0, 0.0)
    };
    Ok(Throughput {
        sent: n,
        mode: Some(mode),
        flood_time,
        batch,
        gas_per_message,
        transactions,
        gas_limit,
        bound,
        sustained,
        steady_blocks,
        window,
        window_blocks,
        steady_gas_share,
        tx_per_block,
        per_block: (first..=last)
            .map(|b| per_block.get(&b).copied().unwrap_or(0))
            .collect(),
        validator_rates,
    })
}

/// Sends `SIGSTOP`/`SIGCONT` (`which`) to the process `pid`.
fn signal(pid: u32, which: &str) -> Result<()> {
    let status = std::process::Command::new("kill")
        .arg(format!("-{which}"))
        .arg(pid.to_string())
        .status()?;
    if !status.success() {
        bail!("kill -{which} {pid} failed: {status}");
    }
    Ok(())
}

/// Waits until every validator's signed-attestation counter reached `n`.
async fn all_attested(apis: &[String], n: f64, timeout: Duration) -> Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        let mut done = true;
        for api in apis {
            let count = Net::counter(api, "trestle_attestations_signed_total")
                .await
                .unwrap_or(0.0);
            done &= count >= n;
        }
        if done {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the validators did not attest {n} messages in {timeout:?}");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Samples every validator's signed-attestation counter until each reached `n` (or `stop`);
/// returns each one's rate between its first and its `n`-th attestation (the counter is
/// cumulative: it counts from the validator's start, and nothing else was sent before).
pub async fn sample_validators(apis: Vec<String>, n: f64, stop: Arc<AtomicBool>) -> Vec<f64> {
    let mut first: Vec<Option<(Instant, f64)>> = vec![None; apis.len()];
    let mut done: Vec<Option<Instant>> = vec![None; apis.len()];
    while !stop.load(Ordering::Relaxed) && done.iter().any(Option::is_none) {
        for (i, api) in apis.iter().enumerate() {
            let Ok(count) = Net::counter(api, "trestle_attestations_signed_total").await else {
                continue;
            };
            let now = Instant::now();
            if let Some(slot) = first.get_mut(i)
                && slot.is_none()
                && count > 0.0
            {
                *slot = Some((now, count));
            }
            if let Some(slot) = done.get_mut(i)
                && slot.is_none()
                && count >= n
            {
                *slot = Some(now);
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    first
        .iter()
        .zip(&done)
        .filter_map(|(f, d)| {
            let ((start, at_start), end) = ((*f)?, (*d)?);
            let secs = (end - start).as_secs_f64();
            (secs > 0.0).then(|| (n - at_start) / secs)
        })
        .collect()
}
