//! `trestle-demo`: the local bridge demo. Starts two anvil chains (and solana-test-validator),
//! deploys the bridges, starts three validators and a relayer as `trestle relayer run`
//! processes, bridges tokens between the chains while printing each step, and ends with a
//! summary. Exits 1 with the reason when any step fails or times out.
//!
//! Usage: `trestle-demo [--evm-only] [--timeout SECONDS] [--keep]`.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use trestle_localnet::scenario::{Demo, DemoOptions, Progress, summary};

const USAGE: &str = "usage: trestle-demo [--evm-only] [--timeout SECONDS] [--keep]
  --evm-only         only the EVM chains (no solana-test-validator)
  --timeout SECONDS  longest wait for one transfer (default 90)
  --keep             keep the daemons' configs, stores and logs after the demo";

struct Args {
    options: DemoOptions,
    keep: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut options = DemoOptions::default();
    let mut keep = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--evm-only" => options.solana = false,
            "--keep" => keep = true,
            "--timeout" => {
                let value = args.next().ok_or("--timeout needs a number of seconds")?;
                let seconds: u64 = value.parse().ok().filter(|s| *s > 0).ok_or(format!(
                    "--timeout: `{value}` is not a positive number of seconds"
                ))?;
                options.transfer_timeout = Duration::from_secs(seconds);
            }
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    Ok(Args { options, keep })
}

async fn run(args: Args) -> anyhow::Result<()> {
    let started = Instant::now();
    let progress = Progress::stdout();
    let mut demo = Demo::start(args.options, progress.clone()).await?;
    let result = tokio::select! {
        r = demo.run() => r,
        _ = tokio::signal::ctrl_c() => {
            Err(trestle_localnet::Error::Interrupted)
        }
    };
    if result.is_err() || args.keep {
        let kept = demo.dir.path().to_path_buf();
        demo.dir.disable_cleanup(true);
        progress.info(&format!(
            "configs, stores and logs kept in {}",
            kept.display()
        ));
    }
    let reports = result?;
    progress.step("Summary");
    println!("{}", summary(&reports));
    println!(
        "All {} transfers arrived exactly once; total {:.1} s.",
        reports.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\ndemo failed: {e:#}");
            ExitCode::FAILURE
        }
    }
}
