//! EVM -> Solana delivery throughput (issue 12) against the bounds the Solana chain and the
//! relayer's landing concurrency set.
//!
//! `n` transfers a -> solana are flooded into the origin at once, validators and relayer live;
//! the relayer lands one `deliver` transaction per message on Solana, up to
//! `relayer.batch_size` at once. Every figure is read from the nodes, never from the relayer:
//!
//! - the deliveries: the successful transactions of the bridge program since the flood
//!   (`getSignaturesForAddress`, `getTransaction`) that write the receipt account of one of
//!   the flood's messages (nonces from the origin's `MessageSent` logs). The receipt is the
//!   program's replay protection: exactly one successful transaction per message, checked.
//!   Their landing slots and `meta.computeUnitsConsumed`;
//! - when each slot was produced: a thread polls `getSlot` (processed) every 20 ms and records
//!   when each slot was first seen;
//! - sustained throughput: the deliveries in the slots strictly between the first and the last
//!   delivery slot (the steady slots: ramp-up and tail excluded), over the wall time of those
//!   slots; also the whole window, first to last delivery slot inclusive;
//! - the bounds are per slot, so the share of the bound is deliveries per steady slot over the
//!   bound's messages per slot: independent of how long this machine's slots were. In msg/s
//!   they are given at the steady slots' measured slot time (and the compute bound also at
//!   the slot time the validator aims at);
//! - the compute bound: min(block limit, per-writable-account limit) / CU per deliver (median)
//!   messages per slot. Every `deliver` write-locks the relayer's fee payer, the
//!   route's rate-limit account and the mint, so the per-account limit is the binding one. The
//!   limits are those agave 4.2.2 sets for the feature gates active on the validator (see
//!   `limits`). It is an upper bound: the cost tracker also charges each transaction for its
//!   signatures, write locks, instruction data and loaded accounts, beyond the CU it executes;
//! - the landing bound: the relayer lands `batch_size` messages at once and a landing takes at
//!   least one slot (the transaction lands in a later slot than the one it was sent in, and the
//!   relayer's landing returns once it is seen at `confirmed`), so at most `batch_size`
//!   messages per slot.

pub mod limits;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Value, json};

use crate::net::{hex_address, message_sent_topic};
use crate::scenario::throughput::sample_validators;
use crate::setup::solana::SolanaNet;
use crate::stats::percentile;
use crate::watch;
use limits::Limits;

/// How often the slot observer polls `getSlot`.
const SLOT_POLL: Duration = Duration::from_millis(20);
/// How long the whole flood may take to be delivered.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(900);

/// What one run measured.
#[derive(Debug, Clone, PartialEq)]
pub struct SolanaThroughput {
    /// The daemons' binary.
    pub daemon: String,
    /// Messages flooded.
    pub sent: usize,
    /// How long the origin took to accept them, seconds.
    pub flood_secs: f64,
    /// `relayer.batch_size`.
    pub batch_size: usize,
    /// The validator's block limits.
    pub limits: Limits,
    /// Mean slot time over the run (flood to the last delivery), seconds.
    pub run_slot_secs: f64,
    /// Median `computeUnitsConsumed` of a delivery transaction.
    pub cu_median: u64,
    /// Smallest and largest.
    pub cu_range: (u64, u64),
    /// From the start of the flood to the slot of the first delivery, seconds.
    pub first_delivery_secs: f64,
    /// Slots from the first to the last delivery slot, inclusive.
    pub window_slots: u64,
    /// Their wall time, seconds.
    pub window_secs: f64,
    /// Slots strictly between the first and the last delivery slot.
    pub steady_slots: u64,
    /// Deliveries in them.
    pub steady_messages: usize,
    /// Their wall time, seconds.
    pub steady_secs: f64,
    /// Deliveries in each slot from the first to the last delivery slot.
    pub per_slot: Vec<usize>,
    /// Failed transactions of the program in the run (refused `deliver`s, expired retries).
    pub failed: usize,
    /// Each validator's attestation rate through the flood, msg/s, fastest first.
    pub validator_rates: Vec<f64>,
}

/// Runs the scenario: `n` transfers flooded at once.
pub async fn run(net: &SolanaNet, n: usize) -> Result<SolanaThroughput> {
    let limits = Limits::read(&net.solana)?;
    let from_o = net.origin.block_number()? + 1;
    let from_slot = net.solana.slot("confirmed")?;
    let rpc = net.solana.clone();
    let slots = watch::heads(SLOT_POLL, move || rpc.slot("processed"));
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = tokio::spawn(sample_validators(
        net.validator_apis.clone(),
        n as f64,
        stop.clone(),
    ));
    let started = Instant::now();
    let flood = net.load.flood(n).await?;
    let receipts = sent_receipts(net, from_o, n).await;
    let delivered = match &receipts {
        Ok(r) => wait_delivered(net, r, started).await,
        Err(_) => Ok(()),
    };
    stop.store(true, Ordering::Relaxed);
    let mut validator_rates = sampler.await.unwrap_or_default();
    validator_rates.sort_by(|a, b| b.total_cmp(a));
    let receipts = receipts?;
    delivered?;
    // The slot after the last delivery slot (processed well before that one is confirmed)
    // has been seen; a short wait keeps the observer's view of it exact.
    tokio::time::sleep(SLOT_POLL * 5).await;
    let seen = slots.stop()?;

    let (per_slot, cus, failed) = deliveries(net, &receipts, from_slot)?;
    let (Some((&first, _)), Some((&last, _))) =
        (per_slot.iter().next(), per_slot.iter().next_back())
    else {
        bail!("no deliveries found on Solana");
    };
    let run_slot_secs = match (seen.iter().next(), seen.iter().next_back()) {
        (Some((s0, t0)), Some((s1, t1))) if s1 > s0 => (*t1 - *t0).as_secs_f64() / (s1 - s0) as f64,
        _ => f64::from(u32::try_from(limits.slot_ms).unwrap_or(400)) / 1000.0,
    };
    // When slot `s` (or the first slot after it the observer saw) was first seen.
    let at = |s: u64| seen.range(s..).next().map(|(_, t)| *t);
    let span = |a: u64, b: u64| -> f64 {
        match (at(a), at(b)) {
            (Some(ta), Some(tb)) if tb > ta => (tb - ta).as_secs_f64(),
            _ => b.saturating_sub(a) as f64 * run_slot_secs,
        }
    };
    let window_slots = last - first + 1;
    let steady_slots = window_slots.saturating_sub(2);
    let steady_messages = per_slot
        .range(first + 1..last)
        .map(|(_, k)| *k)
        .sum::<usize>();
    let mut sorted = cus.clone();
    sorted.sort_unstable();
    let cu_values: Vec<f64> = sorted.iter().map(|c| *c as f64).collect();
    Ok(SolanaThroughput {
        daemon: net.daemon.display().to_string(),
        sent: n,
        flood_secs: flood.as_secs_f64(),
        batch_size: net.batch_size,
        limits,
        run_slot_secs,
        cu_median: percentile(&cu_values, 50.0).unwrap_or(0.0) as u64,
        cu_range: (
            sorted.first().copied().unwrap_or(0),
            sorted.last().copied().unwrap_or(0),
        ),
        first_delivery_secs: at(first).map_or(0.0, |t| (t - started).as_secs_f64()),
        window_slots,
        window_secs: span(first, last + 1),
        steady_slots,
        steady_messages,
        steady_secs: if steady_slots > 0 {
            span(first + 1, last)
        } else {
            0.0
        },
        per_slot: (first..=last)
            .map(|s| per_slot.get(&s).copied().unwrap_or(0))
            .collect(),
        failed,
        validator_rates,
    })
}

/// The receipt address of each of the `n` messages the flood sent (origin blocks from
/// `from`), waiting until the origin shows all of them.
async fn sent_receipts(net: &SolanaNet, from: u64, n: usize) -> Result<HashMap<String, u64>> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let head = net.origin.block_number()?;
        let logs = net
            .origin
            .logs(
                &hex_address(net.origin_bridge),
                &message_sent_topic(),
                from,
                head,
            )
            .context("reading MessageSent logs")?;
        if logs.len() >= n {
            return logs
                .iter()
                .map(|l| {
                    let topic = l
                        .topics
                        .get(3)
                        .ok_or_else(|| anyhow!("MessageSent without a nonce topic"))?;
                    let nonce = topic_u64(topic)?;
                    Ok((net.receipt(nonce), nonce))
                })
                .collect();
        }
        if Instant::now() > deadline {
            bail!("the origin shows {} of {n} messages sent", logs.len());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The last 8 bytes of a 32-byte topic (`0x`-hex) as a number: an indexed `uint64`.
fn topic_u64(topic: &str) -> Result<u64> {
    let hex = topic.trim_start_matches("0x");
    let tail = hex.get(hex.len().saturating_sub(16)..).unwrap_or_default();
    u64::from_str_radix(tail, 16).with_context(|| format!("topic {topic} as a uint64"))
}

/// Polls the receipts until every message has one, printing progress.
async fn wait_delivered(
    net: &SolanaNet,
    receipts: &HashMap<String, u64>,
    started: Instant,
) -> Result<()> {
    let addresses: Vec<String> = receipts.keys().cloned().collect();
    let mut last_report = Instant::now();
    loop {
        let got = net
            .solana
            .accounts_exist(&addresses)?
            .iter()
            .filter(|e| **e)
            .count();
        if got >= addresses.len() {
            return Ok(());
        }
        if started.elapsed() > DELIVERY_TIMEOUT {
            bail!(
                "only {got} of {} messages delivered on Solana within {} s",
                addresses.len(),
                DELIVERY_TIMEOUT.as_secs()
            );
        }
        if last_report.elapsed() > Duration::from_secs(10) {
            eprintln!(
                "    {got} of {} delivered after {:.0} s",
                addresses.len(),
                started.elapsed().as_secs_f64()
            );
            last_report = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Messages per landing slot, each delivery's compute units, the failed transactions.
type Deliveries = (BTreeMap<u64, usize>, Vec<u64>, usize);

/// The deliveries of the flood from the program's transactions since slot `from`. Fails
/// unless each message has exactly one successful transaction that wrote its receipt.
fn deliveries(net: &SolanaNet, receipts: &HashMap<String, u64>, from: u64) -> Result<Deliveries> {
    let listed = net
        .solana
        .signatures_since(&net.program.id.to_string(), from)?;
    let mut per_slot: BTreeMap<u64, usize> = BTreeMap::new();
    let mut by_receipt: HashMap<&str, usize> = HashMap::new();
    let mut cus = Vec::new();
    let mut failed = 0;
    for entry in &listed {
        if entry.failed {
            failed += 1;
            continue;
        }
        let tx = net.solana.landed(&entry.signature)?;
        if tx.failed {
            failed += 1;
            continue;
        }
        let Some((receipt, _)) = tx
            .accounts
            .iter()
            .find_map(|a| receipts.get_key_value(a.as_str()))
        else {
            continue;
        };
        *by_receipt.entry(receipt.as_str()).or_default() += 1;
        *per_slot.entry(tx.slot).or_default() += 1;
        cus.extend(tx.compute_units);
    }
    let missing = receipts
        .keys()
        .filter(|r| !by_receipt.contains_key(r.as_str()))
        .count();
    let twice = by_receipt.values().filter(|k| **k > 1).count();
    if missing > 0 || twice > 0 {
        bail!(
            "{missing} messages have no delivering transaction and {twice} more than one, among {} program transactions since slot {from}",
            listed.len()
        );
    }
    Ok((per_slot, cus, failed))
}

impl SolanaThroughput {
    /// Sustained messages per second over the steady slots (the whole window when there are
    /// none).
    pub fn sustained(&self) -> f64 {
        if self.steady_slots > 0 && self.steady_secs > 0.0 {
            self.steady_messages as f64 / self.steady_secs
        } else {
            self.window()
        }
    }

    /// Messages per second from the first to the last delivery slot.
    pub fn window(&self) -> f64 {
        if self.window_secs > 0.0 {
            self.sent as f64 / self.window_secs
        } else {
            0.0
        }
    }

    /// Wall time of one steady slot (of the whole window when there are no steady slots).
    pub fn slot_secs(&self) -> f64 {
        if self.steady_slots > 0 && self.steady_secs > 0.0 {
            self.steady_secs / self.steady_slots as f64
        } else {
            self.window_secs / self.window_slots.max(1) as f64
        }
    }

    /// Deliveries per steady slot (per slot of the window when there are none).
    pub fn per_steady_slot(&self) -> f64 {
        if self.steady_slots > 0 {
            self.steady_messages as f64 / self.steady_slots as f64
        } else {
            self.sent as f64 / self.window_slots.max(1) as f64
        }
    }

    /// Deliveries one slot can hold by compute: the binding limit / CU per deliver.
    pub fn cu_per_slot(&self) -> f64 {
        if self.cu_median == 0 {
            return 0.0;
        }
        (self.limits.binding() as f64 / self.cu_median as f64).floor()
    }

    /// The compute bound, msg/s, at the steady slots' slot time.
    pub fn cu_bound(&self) -> f64 {
        self.cu_per_slot() / self.slot_secs().max(f64::EPSILON)
    }

    /// The compute bound, msg/s, at the slot time the validator aims at.
    pub fn cu_bound_nominal(&self) -> f64 {
        self.cu_per_slot() * 1000.0 / self.limits.slot_ms.max(1) as f64
    }

    /// The landing bound, msg/s at the steady slots' slot time: `batch_size` per slot.
    pub fn landing_bound(&self) -> f64 {
        self.batch_size as f64 / self.slot_secs().max(f64::EPSILON)
    }

    /// The tighter of the two bounds in messages per slot, and its name.
    pub fn bound_per_slot(&self) -> (f64, &'static str) {
        let (cu, landing) = (self.cu_per_slot(), self.batch_size as f64);
        if landing < cu {
            (landing, "landing")
        } else {
            (cu, "compute")
        }
    }

    /// Deliveries per steady slot over the tighter bound's messages per slot.
    pub fn share_of_bound(&self) -> f64 {
        let (bound, _) = self.bound_per_slot();
        if bound > 0.0 {
            self.per_steady_slot() / bound
        } else {
            0.0
        }
    }

    /// The run as JSON (what a child run of the baseline hands back).
    pub fn to_json(&self) -> Value {
        json!({
            "daemon": self.daemon,
            "sent": self.sent,
            "flood_secs": self.flood_secs,
            "batch_size": self.batch_size,
            "limits": {
                "block": self.limits.block,
                "account": self.limits.account,
                "slot_ms": self.limits.slot_ms,
                "source": self.limits.source,
            },
            "run_slot_secs": self.run_slot_secs,
            "cu_median": self.cu_median,
            "cu_range": [self.cu_range.0, self.cu_range.1],
            "first_delivery_secs": self.first_delivery_secs,
            "window_slots": self.window_slots,
            "window_secs": self.window_secs,
            "steady_slots": self.steady_slots,
            "steady_messages": self.steady_messages,
            "steady_secs": self.steady_secs,
            "per_slot": self.per_slot,
            "failed": self.failed,
            "validator_rates": self.validator_rates,
        })
    }

    /// A run from [`Self::to_json`].
    pub fn from_json(v: &Value) -> Result<Self> {
        let u = |v: &Value, k: &str| {
            v.get(k)
                .and_then(Value::as_u64)
                .ok_or_else(|| anyhow!("result JSON: `{k}` is not a number"))
        };
        let f = |k: &str| {
            v.get(k)
                .and_then(Value::as_f64)
                .ok_or_else(|| anyhow!("result JSON: `{k}` is not a number"))
        };
        let size = |k: &str| u(v, k).map(|x| usize::try_from(x).unwrap_or(usize::MAX));
        let limits = v
            .get("limits")
            .ok_or_else(|| anyhow!("result JSON: no `limits`"))?;
        let range: Vec<u64> = v
            .get("cu_range")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_u64).collect())
            .unwrap_or_default();
        Ok(Self {
            daemon: v
                .get("daemon")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            sent: size("sent")?,
            flood_secs: f("flood_secs")?,
            batch_size: size("batch_size")?,
            limits: Limits {
                block: u(limits, "block")?,
                account: u(limits, "account")?,
                slot_ms: u(limits, "slot_ms")?,
                source: limits
                    .get("source")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            },
            run_slot_secs: f("run_slot_secs")?,
            cu_median: u(v, "cu_median")?,
            cu_range: (
                range.first().copied().unwrap_or(0),
                range.get(1).copied().unwrap_or(0),
            ),
            first_delivery_secs: f("first_delivery_secs")?,
            window_slots: u(v, "window_slots")?,
            window_secs: f("window_secs")?,
            steady_slots: u(v, "steady_slots")?,
            steady_messages: size("steady_messages")?,
            steady_secs: f("steady_secs")?,
            per_slot: v
                .get("per_slot")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_u64)
                        .map(|k| usize::try_from(k).unwrap_or(usize::MAX))
                        .collect()
                })
                .unwrap_or_default(),
            failed: size("failed")?,
            validator_rates: v
                .get("validator_rates")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_f64).collect())
                .unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_survives_its_json() {
        let run = SolanaThroughput {
            daemon: "/x/trestle".into(),
            sent: 300,
            flood_secs: 1.5,
            batch_size: 64,
            limits: Limits {
                block: 50_000_000,
                account: 20_000_000,
                slot_ms: 200,
                source: "reduce_slot_time_to_200ms + raise_block_limits_to_100m".into(),
            },
            run_slot_secs: 0.41,
            cu_median: 80_000,
            cu_range: (78_000, 110_000),
            first_delivery_secs: 3.2,
            window_slots: 30,
            window_secs: 12.3,
            steady_slots: 28,
            steady_messages: 280,
            steady_secs: 11.5,
            per_slot: vec![4, 0, 20, 10],
            failed: 0,
            validator_rates: vec![120.0, 110.5],
        };
        let back = SolanaThroughput::from_json(&run.to_json()).unwrap();
        assert_eq!(back, run);
        // 20M / 80k = 250 per slot; the landing bound (64 per slot) is the tighter.
        assert_eq!(back.cu_per_slot(), 250.0);
        assert_eq!(back.bound_per_slot(), (64.0, "landing"));
        assert!((back.cu_bound_nominal() - 1_250.0).abs() < 1e-9);
        // 280 deliveries in 28 steady slots: 10 per slot, 10/64 of the bound.
        assert!((back.share_of_bound() - 10.0 / 64.0).abs() < 1e-9);
        assert!((back.slot_secs() - 11.5 / 28.0).abs() < 1e-9);
    }

    #[test]
    fn nonce_from_its_topic() {
        let t = |n: &str| format!("0x{n:0>64}");
        assert_eq!(topic_u64(&t("0")).unwrap(), 0);
        assert_eq!(topic_u64(&t("12c")).unwrap(), 300);
        assert_eq!(topic_u64(&t("ffffffffffffffff")).unwrap(), u64::MAX);
        assert!(topic_u64("0xzz").is_err());
    }
}
