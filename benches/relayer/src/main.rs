//! `relayer-bench`: the relayer's delivery latency against the chains' floor, its sustained
//! throughput with batching against the destination's block-gas bound, its memory with many
//! pending messages, and its EVM -> Solana throughput against the Solana chain's compute and
//! the relayer's landing bounds, optionally side by side with a baseline daemon. Runs real
//! `trestle relayer run` processes against anvil chains (and solana-test-validator) started by
//! `trestle-localnet`; see `benches/relayer/run.sh` and docs/benchmarks.md.
//! The daemons run the `trestle` binary found by `trestle-localnet`: `$TRESTLE_BIN`, else
//! next to this executable (build both with `--release`).

mod baseline;
mod load;
mod net;
mod report;
mod rpc;
mod rss;
mod scenario;
mod setup;
mod stats;
mod watch;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;
use clap::{Parser, ValueEnum};
use scenario::throughput::Mode;

/// Which measurement to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Scenario {
    /// Latency, throughput and memory, each on its own fresh network (not solana: it needs
    /// solana-test-validator and the built program, and takes minutes per run).
    All,
    /// Delivery latency minus the floor.
    Latency,
    /// Sustained throughput against the block-gas bound.
    Throughput,
    /// RSS with many pending messages.
    Memory,
    /// EVM -> Solana throughput against the compute and landing bounds (issue 12); with
    /// --baseline-bin, before and after side by side.
    Solana,
}

/// Which throughput runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ThroughputModes {
    /// Pipeline then backlog.
    Both,
    /// Validators and relayer live, flood at once.
    Pipeline,
    /// The relayer drains a backlog the validators attested while it was stopped.
    Backlog,
}

/// Relayer benchmark on local anvil chains.
#[derive(Debug, Parser)]
#[command(name = "relayer-bench")]
struct Args {
    /// Which measurement.
    #[arg(long, value_enum, default_value_t = Scenario::All)]
    scenario: Scenario,
    /// Indexer and receipt poll interval of both chains (chains[].poll_interval_ms).
    #[arg(long, default_value_t = 100)]
    chain_poll_ms: u64,
    /// Block time of both anvil chains, seconds.
    #[arg(long, default_value_t = 1)]
    block_time: u64,
    /// Confirmation depth of the origin chain.
    #[arg(long, default_value_t = 2)]
    confirmations: u64,
    /// How often the relayer works its queues when idle (relayer.poll_interval_ms).
    #[arg(long, default_value_t = 100)]
    relayer_tick_ms: u64,
    /// Most messages per deliverBatch (relayer.batch_size, 1..=64).
    #[arg(long, default_value_t = 64)]
    batch_size: usize,
    /// How soon the relayer asks the validators again for a fresh message still short of
    /// attestations (relayer.attestation_poll_ms); default: the daemon's.
    #[arg(long)]
    attestation_poll_ms: Option<u64>,
    /// How the relayer sets a deliverBatch's gas limit (relayer.batch_gas: learned or
    /// estimate); default: the daemon's.
    #[arg(long)]
    batch_gas: Option<String>,
    /// Latency: transfers.
    #[arg(long, default_value_t = 500)]
    transfers: usize,
    /// Latency: transfers sent per second (steady pace).
    #[arg(long, default_value_t = 4.0)]
    rate: f64,
    /// Latency: poll period of the block and pool observers, milliseconds.
    #[arg(long, default_value_t = 10)]
    observe_ms: u64,
    /// Throughput: messages flooded.
    #[arg(long, default_value_t = 3000)]
    flood: usize,
    /// Throughput: which runs (pipeline: all live; backlog: relayer drains a pre-attested
    /// backlog).
    #[arg(long, value_enum, default_value_t = ThroughputModes::Both)]
    throughput_mode: ThroughputModes,
    /// Throughput, backlog run: transfers sent per second while the relayer is stopped.
    #[arg(long, default_value_t = 200.0)]
    backlog_rate: f64,
    /// Memory: pending messages.
    #[arg(long, default_value_t = 10_000)]
    pending: usize,
    /// Leave chains[].ws_url out of the daemons' configs: their indexers only poll (every
    /// --chain-poll-ms) instead of also waking on anvil's new-head notifications.
    #[arg(long)]
    no_ws: bool,
    /// Keep each network's daemon directory (configs, SQLite stores, daemon logs) and print
    /// its path.
    #[arg(long)]
    keep_dir: bool,
    /// Memory: seconds to keep sampling once all are pending.
    #[arg(long, default_value_t = 15)]
    hold: u64,
    /// Solana: transfers a -> solana flooded at once (at least 100 for a steady window).
    #[arg(long, default_value_t = 300)]
    solana_flood: usize,
    /// Solana: also run the scenario on a fresh network with the daemons of this `trestle`
    /// binary (the "before"; run.sh --baseline-rev builds one), and print both side by side
    /// with the ratio after / before.
    #[arg(long)]
    baseline_bin: Option<PathBuf>,
    /// Solana: how the report names the baseline (default: its path).
    #[arg(long)]
    baseline_label: Option<String>,
    /// Solana: write the result as JSON to this file instead of printing a report (how the
    /// baseline's child run hands it back).
    #[arg(long, hide = true)]
    result_json: Option<PathBuf>,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let args = Args::parse();
    let want = |s: Scenario| {
        args.scenario == s || (args.scenario == Scenario::All && s != Scenario::Solana)
    };
    let mut report = report::Report::new(&args_summary(&args));
    if want(Scenario::Latency) {
        let net = setup::start(&args.setup(true)).await?;
        let interval = Duration::from_secs_f64(1.0 / args.rate.max(0.01));
        eprintln!(
            "==> latency: {} transfers, {} per second",
            args.transfers, args.rate
        );
        let l = scenario::latency::run(
            &net,
            args.transfers,
            interval,
            Duration::from_millis(args.observe_ms),
        )
        .await?;
        report.latency(&net, &l);
        drop(net);
    }
    if want(Scenario::Throughput) && args.throughput_mode != ThroughputModes::Backlog {
        let net = setup::start(&args.setup(true)).await?;
        eprintln!(
            "==> throughput (pipeline): {} transfers flooded",
            args.flood
        );
        let t = scenario::throughput::run(&net, args.flood, Mode::Pipeline).await?;
        report.throughput(&net, &t);
        drop(net);
    }
    if want(Scenario::Throughput) && args.throughput_mode != ThroughputModes::Pipeline {
        let net = setup::start(&args.setup(true)).await?;
        eprintln!(
            "==> throughput (backlog): {} transfers at {}/s while the relayer process is stopped",
            args.flood, args.backlog_rate
        );
        let t =
            scenario::throughput::run(&net, args.flood, Mode::Backlog(args.backlog_rate)).await?;
        report.throughput(&net, &t);
        drop(net);
    }
    if want(Scenario::Memory) {
        let net = setup::start(&args.setup(false)).await?;
        eprintln!("==> memory: {} pending messages", args.pending);
        let m = scenario::memory::run(&net, args.pending, Duration::from_secs(args.hold)).await?;
        report.memory(&m);
        drop(net);
    }
    if want(Scenario::Solana) {
        let before = match &args.baseline_bin {
            Some(bin) => {
                eprintln!(
                    "==> solana, before: {} transfers, daemons from {}",
                    args.solana_flood,
                    bin.display()
                );
                Some(baseline::run(bin, args.solana_child()).await?)
            }
            None => None,
        };
        let net = setup::solana::start(&args.setup(true), args.solana_flood).await?;
        eprintln!(
            "==> solana{}: {} transfers a -> solana flooded",
            if before.is_some() { ", after" } else { "" },
            args.solana_flood
        );
        let after = scenario::solana::run(&net, args.solana_flood).await?;
        drop(net);
        if let Some(path) = &args.result_json {
            std::fs::write(path, after.to_json().to_string())?;
            return Ok(());
        }
        let label = args
            .baseline_label
            .clone()
            .or_else(|| args.baseline_bin.as_ref().map(|b| b.display().to_string()));
        report.solana(label.as_deref().zip(before.as_ref()), &after);
    }
    report.print();
    Ok(())
}

impl Args {
    fn setup(&self, validators: bool) -> setup::Options {
        setup::Options {
            chain_poll_ms: self.chain_poll_ms,
            block_time: self.block_time,
            confirmations: self.confirmations,
            relayer_tick_ms: self.relayer_tick_ms,
            batch_size: self.batch_size,
            attestation_poll_ms: self.attestation_poll_ms,
            batch_gas: self.batch_gas.clone(),
            validators,
            keep_dir: self.keep_dir,
            ws: !self.no_ws,
        }
    }
}

impl Args {
    /// The arguments of a child run of the solana scenario with the same settings.
    fn solana_child(&self) -> Vec<String> {
        let mut out: Vec<String> = [
            ("--scenario", "solana".to_owned()),
            ("--solana-flood", self.solana_flood.to_string()),
            ("--chain-poll-ms", self.chain_poll_ms.to_string()),
            ("--confirmations", self.confirmations.to_string()),
            ("--relayer-tick-ms", self.relayer_tick_ms.to_string()),
            ("--batch-size", self.batch_size.to_string()),
        ]
        .into_iter()
        .flat_map(|(k, v)| [k.to_owned(), v])
        .collect();
        if let Some(ms) = self.attestation_poll_ms {
            out.extend(["--attestation-poll-ms".to_owned(), ms.to_string()]);
        }
        if self.no_ws {
            out.push("--no-ws".into());
        }
        if self.keep_dir {
            out.push("--keep-dir".into());
        }
        out
    }
}

fn args_summary(a: &Args) -> String {
    format!(
        "block time {} s, confirmations {}, chain poll {} ms ({}), relayer tick {} ms, attestation poll {}, batch size {}, batch gas {}, transfers {} at {}/s, flood {}, pending {}, solana flood {}",
        a.block_time,
        a.confirmations,
        a.chain_poll_ms,
        if a.no_ws {
            "polling only"
        } else {
            "and new-head notifications over ws"
        },
        a.relayer_tick_ms,
        a.attestation_poll_ms
            .map_or_else(|| "default".to_owned(), |ms| format!("{ms} ms")),
        a.batch_size,
        a.batch_gas.as_deref().unwrap_or("default"),
        a.transfers,
        a.rate,
        a.flood,
        a.pending,
        a.solana_flood
    )
}
