//! Delivery latency against the chains' own floor.
//!
//! Transfers are sent at a steady pace (not a flood: this measures how long one message
//! waits, not how a queue drains). Three observers record, with the same poll period, when
//! each origin block, each destination block and each transaction in the destination's pool
//! was first seen. Afterwards, from the chains' logs, for every message:
//!
//! - `latency`: destination block holding its `MessageDelivered` seen - origin block holding
//!   its `MessageSent` seen;
//! - the floor: `confirmations x block time + one block time`, and `latency - floor`;
//! - the exact floor: the first destination block after the origin block that made it final
//!   (`h + confirmations`); `over next block` = the delivery block's time - that block's time
//!   (0 when the relayer made the first block it could, one block time per block missed);
//! - `reaction`: the deliver transaction first seen in the destination's pool - the finalizing
//!   origin block seen (validators' indexing and signing, the relayer's indexing, collection
//!   and submission: everything the relayer side adds).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::net::Net;
use crate::watch::{self, BlockTimes};

/// Per-message figures, in milliseconds.
#[derive(Debug, Clone, Default)]
pub struct Latency {
    /// Messages sent.
    pub sent: usize,
    /// origin block -> destination block.
    pub latency: Vec<f64>,
    /// latency - (confirmations + 1) x block time.
    pub over_floor: Vec<f64>,
    /// delivery block - first destination block after finality.
    pub over_next_block: Vec<f64>,
    /// finality -> deliver transaction in the destination's pool.
    pub reaction: Vec<f64>,
    /// The floor, ms.
    pub floor_ms: f64,
    /// Deliver transactions mined before the pool observer saw them.
    pub unseen_in_pool: usize,
    /// Mean interval between destination blocks as observed, ms.
    pub dest_block_interval_ms: f64,
    /// Wall time of the run.
    pub elapsed: Duration,
}

/// Runs the scenario: `n` transfers, one every `interval`.
pub async fn run(net: &Net, n: usize, interval: Duration, poll: Duration) -> Result<Latency> {
    let started = Instant::now();
    let origin_watch = watch::blocks(net.origin.clone(), poll);
    let dest_watch = watch::blocks(net.dest.clone(), poll);
    let pool_watch = watch::pool(net.dest.clone(), poll);
    let from_o = net.origin.block_number()? + 1;
    let from_d = net.dest.block_number()? + 1;
    // Let the observers see one block of each chain first.
    tokio::time::sleep(net.block_time * 2).await;

    net.load.paced(n, interval).await?;
    let per_message = net.block_time * u32::try_from(net.confirmations + 1).unwrap_or(u32::MAX);
    let timeout = per_message * 4 + Duration::from_secs(120);
    let head_d = net.wait_delivered(from_d, n, timeout).await?;
    // The finalizing origin blocks of the last messages are long seen; one more destination
    // block so that the last delivery block's successor is observed too.
    tokio::time::sleep(net.block_time * 2).await;
    let origin_times = origin_watch.stop()?;
    let dest_times = dest_watch.stop()?;
    let pool_times = pool_watch.stop()?;
    let head_o = net.origin.block_number()?;

    let sent: BTreeMap<String, u64> = net
        .sent(from_o, head_o)?
        .into_iter()
        .filter_map(|l| l.topics.get(1).cloned().map(|id| (id, l.block)))
        .collect();
    let delivered: BTreeMap<String, (u64, String)> = net
        .delivered(from_d, head_d)?
        .into_iter()
        .filter_map(|l| l.topics.get(1).cloned().map(|id| (id, (l.block, l.tx))))
        .collect();
    if sent.len() != n {
        bail!("{} MessageSent logs for {n} transfers", sent.len());
    }

    let bt_ms = net.block_time.as_secs_f64() * 1000.0;
    let floor_ms = (net.confirmations + 1) as f64 * bt_ms;
    let mut out = Latency {
        sent: n,
        floor_ms,
        dest_block_interval_ms: mean_interval_ms(&dest_times),
        ..Latency::default()
    };
    let ms = |a: Instant, b: Instant| signed_ms(a, b);
    for (id, origin_block) in &sent {
        let Some((dest_block, tx)) = delivered.get(id) else {
            bail!("message {id} sent but not delivered");
        };
        let t_sent = *origin_times
            .get(origin_block)
            .with_context(|| format!("origin block {origin_block} not observed"))?;
        let t_final = *origin_times
            .get(&(origin_block + net.confirmations))
            .with_context(|| {
                format!(
                    "origin block {} not observed",
                    origin_block + net.confirmations
                )
            })?;
        let t_delivered = *dest_times
            .get(dest_block)
            .with_context(|| format!("destination block {dest_block} not observed"))?;
        let latency = ms(t_delivered, t_sent);
        out.latency.push(latency);
        out.over_floor.push(latency - floor_ms);
        if let Some(t_next) = dest_times.values().find(|t| **t > t_final) {
            out.over_next_block.push(ms(t_delivered, *t_next));
        }
        match pool_times.get(tx) {
            Some(t_pool) => out.reaction.push(ms(*t_pool, t_final)),
            None => out.unseen_in_pool += 1,
        }
    }
    out.elapsed = started.elapsed();
    Ok(out)
}

/// `a - b` in milliseconds, negative when `a` is earlier.
fn signed_ms(a: Instant, b: Instant) -> f64 {
    if a >= b {
        (a - b).as_secs_f64() * 1000.0
    } else {
        -((b - a).as_secs_f64() * 1000.0)
    }
}

fn mean_interval_ms(times: &BlockTimes) -> f64 {
    let (Some(first), Some(last)) = (times.iter().next(), times.iter().next_back()) else {
        return 0.0;
    };
    let blocks = last.0.saturating_sub(*first.0);
    if blocks == 0 {
        return 0.0;
    }
    signed_ms(*last.1, *first.1) / blocks as f64
}
