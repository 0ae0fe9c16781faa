//! The printed result: one Markdown table per measurement with its floor or bound, the
//! target and the verdict side by side, ready for docs/benchmarks.md.

use std::fmt::Write as _;

use crate::net::Net;
use crate::rss::mib;
use crate::scenario::latency::Latency;
use crate::scenario::memory::Memory;
use crate::scenario::solana::SolanaThroughput;
use crate::scenario::throughput::{Mode, Throughput};
use crate::stats::{ms, percentile, verdict};

/// Target: p50 of the relayer's overhead over the floor, ms.
pub const LATENCY_TARGET_MS: f64 = 100.0;
/// Target: share of the block-gas bound.
pub const THROUGHPUT_TARGET: f64 = 0.80;
/// Target: RSS with 10,000 pending messages, MiB.
pub const MEMORY_TARGET_MIB: f64 = 150.0;

/// Collected sections.
#[derive(Debug, Default)]
pub struct Report {
    text: String,
}

impl Report {
    /// A report whose header names the run's settings.
    pub fn new(settings: &str) -> Self {
        let mut text = String::new();
        let _ = writeln!(text, "\n# Relayer benchmark\n\nSettings: {settings}");
        Self { text }
    }

    /// The latency section.
    pub fn latency(&mut self, net: &Net, l: &Latency) {
        let t = &mut self.text;
        let p = |v: &[f64]| {
            (
                percentile(v, 50.0),
                percentile(v, 99.0),
                percentile(v, 100.0),
            )
        };
        let _ = writeln!(
            t,
            "\n## Latency ({} transfers in {:.0} s; floor = {} confirmations x {} ms + one destination block = {:.0} ms; destination blocks observed every {:.0} ms on average)\n",
            l.sent,
            l.elapsed.as_secs_f64(),
            net.confirmations,
            net.block_time.as_millis(),
            l.floor_ms,
            l.dest_block_interval_ms,
        );
        let _ = writeln!(t, "| series | n | p50 | p99 | max |");
        let _ = writeln!(t, "| --- | ---: | ---: | ---: | ---: |");
        for (name, v) in [
            ("latency: origin block -> destination block", &l.latency),
            ("latency - floor (the issue's measure)", &l.over_floor),
            (
                "delivery block - first destination block after finality",
                &l.over_next_block,
            ),
            (
                "reaction: finalizing origin block -> deliver tx in destination pool",
                &l.reaction,
            ),
        ] {
            let (a, b, c) = p(v);
            let _ = writeln!(
                t,
                "| {name} | {} | {} | {} | {} |",
                v.len(),
                ms(a),
                ms(b),
                ms(c)
            );
        }
        if l.unseen_in_pool > 0 {
            let _ = writeln!(
                t,
                "\n{} deliver transactions were mined before the pool observer saw them (no reaction figure for those messages).",
                l.unseen_in_pool
            );
        }
        let over = percentile(&l.over_floor, 50.0);
        let reaction = percentile(&l.reaction, 50.0);
        let _ = writeln!(
            t,
            "\n| claim | measured p50 | target | verdict |\n| --- | ---: | ---: | --- |\n| latency - floor | {} | < {LATENCY_TARGET_MS:.0} ms | {} |\n| relayer-side reaction (finality -> tx sent) | {} | < {LATENCY_TARGET_MS:.0} ms | {} |",
            ms(over),
            verdict(over.is_some_and(|v| v < LATENCY_TARGET_MS)),
            ms(reaction),
            verdict(reaction.is_some_and(|v| v < LATENCY_TARGET_MS)),
        );
    }

    /// The throughput section.
    pub fn throughput(&mut self, net: &Net, r: &Throughput) {
        let t = &mut self.text;
        let ratio = if r.bound > 0.0 {
            r.sustained / r.bound
        } else {
            0.0
        };
        let how = match r.mode {
            Some(Mode::Backlog(rate)) => format!(
                "backlog: {} transfers sent at {rate:.0}/s in {:.1} s and attested while the relayer process was stopped (SIGSTOP); it then drained them (SIGCONT)",
                r.sent,
                r.flood_time.as_secs_f64()
            ),
            _ => format!(
                "pipeline: {} transfers flooded into the origin in {:.1} s, validators and relayer live",
                r.sent,
                r.flood_time.as_secs_f64()
            ),
        };
        let _ = writeln!(t, "\n## Throughput ({how})\n");
        let _ = writeln!(t, "| figure | value |\n| --- | ---: |");
        let _ = writeln!(
            t,
            "| largest batch (messages per deliverBatch) | {} |",
            r.batch
        );
        let _ = writeln!(
            t,
            "| gas per message at that batch size (receipts, median) | {:.0} |",
            r.gas_per_message
        );
        let _ = writeln!(t, "| destination block gas limit | {} |", r.gas_limit);
        let _ = writeln!(
            t,
            "| bound: gas limit / gas per message / block time ({} s) | {:.1} msg/s |",
            net.block_time.as_secs(),
            r.bound
        );
        let _ = writeln!(
            t,
            "| sustained: steady blocks ({}), first and last excluded | {:.1} msg/s |",
            r.steady_blocks, r.sustained
        );
        let _ = writeln!(
            t,
            "| whole window ({} blocks, first to last delivery) | {:.1} msg/s |",
            r.window_blocks, r.window
        );
        let _ = writeln!(
            t,
            "| steady blocks: gas used / gas limit | {:.0}% |",
            r.steady_gas_share * 100.0
        );
        let _ = writeln!(
            t,
            "| steady blocks: transactions per block | {:.1} |",
            r.tx_per_block
        );
        let _ = writeln!(
            t,
            "| delivery transactions (batches) | {} |",
            r.transactions.len()
        );
        let blocks: Vec<String> = r.per_block.iter().map(|k| k.to_string()).collect();
        let _ = writeln!(
            t,
            "| messages per block, first to last delivery block | {} |",
            blocks.join(" ")
        );
        let rates: Vec<String> = r
            .validator_rates
            .iter()
            .map(|v| format!("{v:.0}"))
            .collect();
        let _ = writeln!(
            t,
            "| validators' attestation rates, fastest first (2 of 3 needed) | {} msg/s |",
            if rates.is_empty() {
                "n/a".into()
            } else {
                rates.join(" / ")
            }
        );
        let _ = writeln!(
            t,
            "\n| claim | measured | target | verdict |\n| --- | ---: | ---: | --- |\n| sustained / bound | {:.0}% | >= {:.0}% | {} |",
            ratio * 100.0,
            THROUGHPUT_TARGET * 100.0,
            verdict(ratio >= THROUGHPUT_TARGET)
        );
    }

    /// The memory section.
    pub fn memory(&mut self, m: &Memory) {
        let t = &mut self.text;
        let end_mib = m.end.rss_kib as f64 / 1024.0;
        let _ = writeln!(
            t,
            "\n## Memory ({} transfers, no validators running: all stay pending; {:.0} s until the relayer reported them all)\n",
            m.sent,
            m.to_all_pending.as_secs_f64()
        );
        let _ = writeln!(t, "| figure | value |\n| --- | ---: |");
        let _ = writeln!(t, "| pending messages (relayer /metrics) | {} |", m.pending);
        let _ = writeln!(t, "| RSS before the flood | {} |", mib(m.baseline.rss_kib));
        let _ = writeln!(t, "| RSS at the end (VmRSS) | {} |", mib(m.end.rss_kib));
        let _ = writeln!(t, "| largest RSS sampled | {} |", mib(m.max_rss_kib));
        let _ = writeln!(t, "| high-water mark (VmHWM) | {} |", mib(m.end.hwm_kib));
        let hwm_mib = m.end.hwm_kib as f64 / 1024.0;
        let _ = writeln!(
            t,
            "\n| claim | measured | target | verdict |\n| --- | ---: | ---: | --- |\n| RSS at {} pending | {end_mib:.1} MiB (peak {hwm_mib:.1}) | < {MEMORY_TARGET_MIB:.0} MiB | {} |",
            m.pending,
            verdict(end_mib < MEMORY_TARGET_MIB && hwm_mib < MEMORY_TARGET_MIB)
        );
    }

    /// The EVM -> Solana section: one column per run (`before` first when given, then `after`),
    /// and the ratio after / before of the rates.
    pub fn solana(&mut self, before: Option<(&str, &SolanaThroughput)>, after: &SolanaThroughput) {
        let t = &mut self.text;
        let l = &after.limits;
        let _ = writeln!(
            t,
            "\n## EVM -> Solana throughput ({} transfers a -> solana flooded at once; the relayer lands up to batch_size = {} deliver transactions at once)\n",
            after.sent, after.batch_size
        );
        let _ = writeln!(
            t,
            "Limits: block {} CU, per writable account {} CU, slot {} ms: agave 4.2.2's `runtime/src/slot_params.rs` for the feature gates active on this validator ({}). Every deliver write-locks the relayer's fee payer, the route's rate-limit account and the mint, so the per-account limit binds. The compute bound ignores the cost tracker's per-transaction charges (signatures, write locks, data, loaded accounts): an upper bound.\n",
            num(l.block),
            num(l.account),
            l.slot_ms,
            l.source
        );
        let mut columns: Vec<(String, &SolanaThroughput)> = Vec::new();
        if let Some((label, b)) = before {
            columns.push((format!("before: {label}"), b));
        }
        columns.push((
            if before.is_some() {
                "after: this tree".to_owned()
            } else {
                "value".to_owned()
            },
            after,
        ));
        let ratio = before.is_some();
        let header: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
        let _ = writeln!(
            t,
            "| figure | {} |{}",
            header.join(" | "),
            if ratio { " after / before |" } else { "" }
        );
        let _ = writeln!(
            t,
            "| --- |{}{}",
            " ---: |".repeat(columns.len()),
            if ratio { " ---: |" } else { "" }
        );
        type Cell = fn(&SolanaThroughput) -> String;
        type Rate = Option<fn(&SolanaThroughput) -> f64>;
        let rows: [(&str, Cell, Rate); 16] = [
            (
                "**sustained** (slots strictly between the first and last delivery slot)",
                |r| format!("**{:.1} msg/s**", r.sustained()),
                Some(SolanaThroughput::sustained),
            ),
            (
                "whole window (first to last delivery slot)",
                |r| format!("{:.1} msg/s", r.window()),
                Some(SolanaThroughput::window),
            ),
            (
                "deliveries per steady slot",
                |r| format!("{:.1}", r.per_steady_slot()),
                Some(SolanaThroughput::per_steady_slot),
            ),
            (
                "delivery window: slots (steady), wall time",
                |r| {
                    format!(
                        "{} ({}), {:.1} s",
                        r.window_slots, r.steady_slots, r.window_secs
                    )
                },
                None,
            ),
            (
                "slot time: steady slots (mean over the run)",
                |r| {
                    format!(
                        "{:.0} ms ({:.0} ms)",
                        r.slot_secs() * 1000.0,
                        r.run_slot_secs * 1000.0
                    )
                },
                None,
            ),
            (
                "deliveries per slot, first to last delivery slot",
                |r| slots(&r.per_slot),
                None,
            ),
            (
                "first delivery after the flood started",
                |r| format!("{:.1} s", r.first_delivery_secs),
                None,
            ),
            (
                "CU per deliver: median (min - max), meta.computeUnitsConsumed",
                |r| {
                    format!(
                        "{} ({} - {})",
                        num(r.cu_median),
                        num(r.cu_range.0),
                        num(r.cu_range.1)
                    )
                },
                None,
            ),
            (
                "compute bound: min(block, account limit) / CU per deliver, per slot; msg/s at the steady slot time (at the nominal slot time)",
                |r| {
                    format!(
                        "{:.0} per slot: {:.0} msg/s ({} msg/s at {} ms)",
                        r.cu_per_slot(),
                        r.cu_bound(),
                        num(r.cu_bound_nominal() as u64),
                        r.limits.slot_ms
                    )
                },
                None,
            ),
            (
                "landing bound: batch_size per slot (a landing takes at least one slot); msg/s at the steady slot time",
                |r| format!("{} per slot: {:.0} msg/s", r.batch_size, r.landing_bound()),
                None,
            ),
            (
                "deliveries per steady slot / tighter bound per slot",
                |r| {
                    let (_, name) = r.bound_per_slot();
                    format!("**{:.0}%** ({name})", r.share_of_bound() * 100.0)
                },
                None,
            ),
            (
                "validators' attestation rates, fastest first (2 of 3 needed)",
                |r| {
                    if r.validator_rates.is_empty() {
                        "n/a".into()
                    } else {
                        let v: Vec<String> = r
                            .validator_rates
                            .iter()
                            .map(|x| format!("{x:.0}"))
                            .collect();
                        format!("{} msg/s", v.join(" / "))
                    }
                },
                None,
            ),
            (
                "failed transactions of the program",
                |r| r.failed.to_string(),
                None,
            ),
            (
                "flood: the origin took the transfers in",
                |r| format!("{:.1} s", r.flood_secs),
                None,
            ),
            (
                "transfers flooded, batch_size",
                |r| format!("{}, {}", r.sent, r.batch_size),
                None,
            ),
            ("daemon binary", |r| format!("`{}`", r.daemon), None),
        ];
        for (name, cell, rate) in rows {
            let cells: Vec<String> = columns.iter().map(|(_, r)| cell(r)).collect();
            let mut line = format!("| {name} | {} |", cells.join(" | "));
            if let Some((_, b)) = before {
                let r = match rate {
                    Some(f) if f(b) > 0.0 => format!(" {:.2}x |", f(after) / f(b)),
                    _ => " |".to_owned(),
                };
                line.push_str(&r);
            }
            let _ = writeln!(t, "{line}");
        }
    }

    /// Prints everything to stdout.
    pub fn print(&self) {
        println!("{}", self.text);
    }
}

/// Deliveries per slot, space-separated (the middle elided past 60 slots).
fn slots(per_slot: &[usize]) -> String {
    let text = |v: &[usize]| v.iter().map(usize::to_string).collect::<Vec<_>>().join(" ");
    match (
        per_slot.get(..30),
        per_slot.get(per_slot.len().saturating_sub(20)..),
    ) {
        (Some(head), Some(tail)) if per_slot.len() > 60 => {
            format!("{} ... {}", text(head), text(tail))
        }
        _ => text(per_slot),
    }
}

/// `n` with thousands separators.
fn num(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
