//! Relayer memory with many pending messages.
//!
//! The network runs without validator processes, so the relayer indexes every message and
//! keeps asking for attestations that never come: every message stays `pending`. `n`
//! transfers are flooded into the origin; the relayer process's `/proc/<pid>/status` is
//! sampled every 200 ms until its `/metrics` report `n` pending messages, then for `hold`
//! more (its collect loop keeps cycling through them).

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::net::Net;
use crate::rss::{self, Rss};

/// What the run measured.
#[derive(Debug, Clone)]
pub struct Memory {
    /// Messages flooded.
    pub sent: usize,
    /// Before the flood.
    pub baseline: Rss,
    /// At the end of the hold.
    pub end: Rss,
    /// Largest `VmRSS` sampled.
    pub max_rss_kib: u64,
    /// Pending messages the relayer reported at the end.
    pub pending: u64,
    /// From the first send until the relayer reported them all pending.
    pub to_all_pending: Duration,
}

/// Runs the scenario.
pub async fn run(net: &Net, n: usize, hold: Duration) -> Result<Memory> {
    let pid = net.relayer_pid;
    let baseline = rss::read(pid)?;
    let sampler = Sampler::start(pid);
    let started = Instant::now();
    net.load.flood(n).await?;
    let deadline = Instant::now() + Duration::from_secs(600);
    let mut pending;
    loop {
        pending = pending_count(&net.relayer_api).await?;
        if pending >= n as u64 {
            break;
        }
        if Instant::now() > deadline {
            bail!("the relayer reports {pending} of {n} pending after 600 s");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let to_all_pending = started.elapsed();
    tokio::time::sleep(hold).await;
    let pending_end = pending_count(&net.relayer_api).await?;
    let end = rss::read(pid)?;
    let max_rss_kib = sampler.stop()?.max(end.rss_kib);
    Ok(Memory {
        sent: n,
        baseline,
        end,
        max_rss_kib,
        pending: pending_end,
        to_all_pending,
    })
}

/// Sum of `trestle_queue_depth{state="pending"}` in the relayer's metrics.
async fn pending_count(api: &str) -> Result<u64> {
    let url = format!("{}/metrics", api.trim_end_matches('/'));
    let text = reqwest::get(&url)
        .await
        .with_context(|| format!("GET {url}"))?
        .text()
        .await?;
    Ok(pending_in(&text))
}

fn pending_in(metrics: &str) -> u64 {
    metrics
        .lines()
        .filter(|l| l.starts_with("trestle_queue_depth{") && l.contains("state=\"pending\""))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .map(|v| v as u64)
        .sum()
}

struct Sampler {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    handle: std::thread::JoinHandle<u64>,
}

impl Sampler {
    fn start(pid: u32) -> Self {
        use std::sync::atomic::Ordering;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let handle = std::thread::spawn(move || {
            let mut max = 0;
            while !flag.load(Ordering::Relaxed) {
                if let Ok(r) = rss::read(pid) {
                    max = max.max(r.rss_kib);
                }
                std::thread::sleep(Duration::from_millis(200));
            }
            max
        });
        Self { stop, handle }
    }

    fn stop(self) -> Result<u64> {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.handle
            .join()
            .map_err(|_| anyhow::anyhow!("the RSS sampler panicked"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_pending_rows() {
        let m = "# HELP x\ntrestle_queue_depth{destination=\"2\",state=\"pending\"} 9000\n\
                 trestle_queue_depth{destination=\"3\",state=\"pending\"} 1000\n\
                 trestle_queue_depth{destination=\"2\",state=\"ready\"} 7\n";
        assert_eq!(pending_in(m), 10_000);
    }
}
