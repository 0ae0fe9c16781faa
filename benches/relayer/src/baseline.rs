//! The same scenario with another daemon binary (`--baseline-bin`), for a before/after table
//! printed by one run. `trestle-localnet` takes the daemons' binary from `$TRESTLE_BIN` when it
//! starts them, and a running process cannot safely change its own environment (`set_var` is
//! `unsafe` in Rust 2024), so the baseline runs in a child `relayer-bench` with the variable
//! set: a fresh network, the same settings, its result handed back as JSON in a file.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};
use trestle_localnet::daemons::BIN_ENV;

use crate::scenario::solana::SolanaThroughput;

/// Runs `relayer-bench <args> --result-json FILE` with `$TRESTLE_BIN` = `bin` (its progress
/// goes to this process's stderr) and reads its result.
pub async fn run(bin: &Path, args: Vec<String>) -> Result<SolanaThroughput> {
    if !bin.is_file() {
        bail!("--baseline-bin {} is not a file", bin.display());
    }
    let dir = tempfile::tempdir().context("a directory for the baseline's result")?;
    let out = dir.path().join("result.json");
    let exe = std::env::current_exe().context("locating relayer-bench")?;
    let mut command = Command::new(exe);
    command
        .args(&args)
        .arg("--result-json")
        .arg(&out)
        .env(BIN_ENV, bin)
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    let status = tokio::task::spawn_blocking(move || command.status())
        .await
        .context("waiting for the baseline run")?
        .context("starting the baseline run")?;
    if !status.success() {
        bail!("the baseline run with {} failed: {status}", bin.display());
    }
    let text = std::fs::read_to_string(&out)
        .with_context(|| format!("reading the baseline's result {}", out.display()))?;
    let value = serde_json::from_str(&text).context("the baseline's result is not JSON")?;
    SolanaThroughput::from_json(&value)
}
