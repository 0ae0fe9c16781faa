//! The chaos driver: for as long as the traffic is sent, SIGKILLs a daemon drawn at random
//! and restarts it; reorgs a (origin of two lanes, destination of one) and then b (a
//! destination) within the daemons' confirmation depth; and pauses destination b (the
//! guardian's `pause`), unpausing it through the admin timelock. Actions run one at a time,
//! at times drawn from the run's seed.

use std::time::{Duration, Instant};

use alloy_sol_types::SolCall;
use serde_json::json;
use trestle_bridge::evm_bindings::Bridge;
use trestle_evm::TxRequest;

use super::traffic::Traffic;
use super::{Chains, SoakOptions};
use crate::daemons::Daemons;
use crate::error::{Error, Result};
use crate::keys;
use crate::rng::SplitMix;
use crate::scenario::Progress;

/// One SIGKILL and restart.
#[derive(Debug, Clone)]
pub struct DaemonRestart {
    /// Which daemon.
    pub name: String,
    /// Seconds into the run.
    pub at: f64,
    /// How long it was down.
    pub down: Duration,
}

/// What the chaos driver did.
#[derive(Debug, Clone, Default)]
pub struct ChaosLog {
    /// Every kill and restart.
    pub restarts: Vec<DaemonRestart>,
    /// `(chain, depth, seconds into the run)` of each reorg.
    pub reorgs: Vec<(String, u64, f64)>,
    /// How long b was paused, and when it was paused (seconds into the run).
    pub pause: Option<(Duration, f64)>,
}

#[derive(Debug, Clone, Copy)]
enum Action {
    Kill,
    Reorg(&'static str),
    Pause,
}

/// Runs the chaos for `options.send_phase()`.
pub async fn run(
    daemons: &mut Daemons,
    chains: &Chains,
    traffic: &Traffic,
    options: &SoakOptions,
    p: &Progress,
) -> Result<ChaosLog> {
    let mut rng = SplitMix::new(options.seed);
    let phase = options.send_phase();
    let mut plan: Vec<(Duration, Action)> = vec![
        (phase.mul_f64(0.3), Action::Reorg("a")),
        (phase.mul_f64(0.45), Action::Pause),
        (phase.mul_f64(0.7), Action::Reorg("b")),
    ];
    let mut t = Duration::ZERO;
    loop {
        t += rng.between(options.kill_every.0, options.kill_every.1);
        if t >= phase {
            break;
        }
        plan.push((t, Action::Kill));
    }
    plan.sort_by_key(|(t, _)| *t);
    let start = Instant::now();
    let mut log = ChaosLog::default();
    for (at, action) in plan {
        tokio::time::sleep_until((start + at).into()).await;
        let now = start.elapsed().as_secs_f64();
        match action {
            Action::Kill => {
                let victims: Vec<String> = daemons.all().map(|d| d.name.clone()).collect();
                let name = victims
                    .get(rng.below(victims.len()))
                    .cloned()
                    .unwrap_or_default();
                let down = rng.between(options.down_for.0, options.down_for.1);
                let Some(daemon) = daemons.all_mut().find(|d| d.name == name) else {
                    continue;
                };
                daemon.kill();
                p.info(&format!(
                    "{now:6.1} s  SIGKILL {name}; restarting it in {:.1} s",
                    down.as_secs_f64()
                ));
                tokio::time::sleep(down).await;
                daemon.restart()?;
                log.restarts.push(DaemonRestart {
                    name,
                    at: now,
                    down,
                });
            }
            Action::Reorg(chain) => {
                let node = chains.evm.node(chain)?;
                let depth = options.reorg_depth;
                // No send of the soak's user in flight on a while its blocks are replaced;
                // its nonce is read again from the chain afterwards.
                let _guard = traffic.a_lock.write().await;
                let before = node
                    .chain
                    .block_number()
                    .await
                    .map_err(|e| Error::evm("reading the head", e))?;
                tokio::task::block_in_place(|| node.anvil.rpc("anvil_reorg", json!([depth, []])))
                    .map_err(Error::node(format!("anvil_reorg on `{chain}`")))?;
                if chain == "a" {
                    traffic.user_a.nonces().resync().await;
                }
                p.info(&format!(
                    "{now:6.1} s  anvil_reorg on {chain}: the last {depth} blocks (up to {before}) replaced (finality: {} confirmations)",
                    options.confirmations
                ));
                log.reorgs.push((chain.into(), depth, now));
            }
            Action::Pause => {
                let b = chains.evm.node("b")?;
                let guardian = b.sender(keys::guardian());
                b.send(
                    &guardian,
                    TxRequest::call(b.bridge, Bridge::pauseCall {}.abi_encode()),
                    "pause",
                )
                .await?;
                let paused_at = Instant::now();
                p.info(&format!(
                    "{now:6.1} s  guardian paused b; unpausing in {} s",
                    options.pause_for.as_secs()
                ));
                tokio::time::sleep(options.pause_for).await;
                b.configure(&[Bridge::unpauseCall {}.abi_encode()]).await?;
                let paused = paused_at.elapsed();
                p.info(&format!(
                    "{:6.1} s  b unpaused through the admin timelock (paused {:.1} s)",
                    start.elapsed().as_secs_f64(),
                    paused.as_secs_f64()
                ));
                log.pause = Some((paused, now));
            }
        }
    }
    Ok(log)
}
