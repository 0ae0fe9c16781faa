//! `trestle-soak`: the chaos soak of the local network (see `trestle_localnet::soak`). Prints
//! each fault as it is injected and a summary table; exits 1 on any lost or doubled delivery,
//! a delivery of a message no origin holds, a message not delivered within the settle time
//! of the last fault, or a daemon that stopped. Configs, stores and logs are kept on failure.
//!
//! Usage: `trestle-soak [--short] [--transfers N] [--seed N] [--settle S] [--keep]`.

use std::process::ExitCode;

use trestle_localnet::scenario::Progress;
use trestle_localnet::soak::{Soak, SoakOptions};

const USAGE: &str = "usage: trestle-soak [--short] [--transfers N] [--seed N] [--settle S] [--keep]
  --short        the CI version: 50 transfers, the same faults at shorter intervals
  --transfers N  how many transfers (default 500; 50 with --short)
  --settle S     every message must be delivered within S seconds of the last fault (default
                 120, the issue's target; a longer limit still prints whether 120 s was met)
  --seed N       seed of the chaos schedule and the faults (default: random, printed)
  --keep         keep the daemons' configs, stores and logs (always kept on failure)";

struct Args {
    options: SoakOptions,
    keep: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut short = false;
    let mut transfers = None;
    let mut seed = None;
    let mut keep = false;
    let mut settle = None;
    let mut args = std::env::args().skip(1);
    let number = |flag: &str, value: Option<String>| -> Result<u64, String> {
        let value = value.ok_or(format!("{flag} needs a number"))?;
        value
            .parse()
            .map_err(|_| format!("{flag}: `{value}` is not a number"))
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--short" => short = true,
            "--keep" => keep = true,
            "--transfers" => transfers = Some(number("--transfers", args.next())?),
            "--seed" => seed = Some(number("--seed", args.next())?),
            "--settle" => settle = Some(number("--settle", args.next())?),
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    let seed = seed.unwrap_or_else(|| {
        use rand_core::RngCore;
        rand_core::OsRng.next_u64()
    });
    let mut options = if short {
        SoakOptions::short(seed)
    } else {
        SoakOptions::full(seed)
    };
    if let Some(n) = transfers {
        options.transfers = usize::try_from(n).map_err(|_| "--transfers: too many")?;
    }
    if let Some(s) = settle {
        options.settle = std::time::Duration::from_secs(s);
    }
    Ok(Args { options, keep })
}

async fn run(args: Args) -> anyhow::Result<bool> {
    let progress = Progress::stdout();
    let mut soak = Soak::start(args.options, progress.clone()).await?;
    let result = tokio::select! {
        r = soak.run() => r,
        _ = tokio::signal::ctrl_c() => Err(trestle_localnet::Error::Interrupted),
    };
    let passed = result.as_ref().is_ok_and(|r| r.passed());
    if !passed || args.keep {
        soak.dir.disable_cleanup(true);
        progress.info(&format!(
            "configs, stores and logs kept in {}",
            soak.dir.path().display()
        ));
    }
    let report = result?;
    progress.step("Summary");
    println!("{}", report.summary());
    Ok(passed)
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
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("\nsoak failed: {e:#}");
            ExitCode::FAILURE
        }
    }
}
