//! The chaos soak (issue 14): the local network with two anvils and solana-test-validator,
//! three validators (2-of-3) and two relayers sharing a PostgreSQL store, each a `trestle
//! relayer run` process whose RPC endpoints sit behind [`FaultProxy`]s; transfers sent at a
//! steady rate over a -> b, a -> solana and solana -> a while a chaos driver SIGKILLs and
//! restarts daemons, reorgs the anvils within the daemons' confirmation depth and pauses a
//! destination. The outcome is read from the chains, never from the relayers' store: every
//! message the origins hold must be delivered exactly once within [`SoakOptions::settle`] of
//! the last fault, and nothing else may be delivered.

mod chaos;
mod report;
mod tally;
mod traffic;

use std::sync::Arc;
use std::time::{Duration, Instant};

use tempfile::TempDir;
use toml::{Table, Value};
use zeroize::Zeroizing;

pub use chaos::{ChaosLog, DaemonRestart};
pub use report::SoakReport;
pub use tally::{Lane, Tally};

use crate::daemons::{Daemons, DaemonsConfig, RelayerKeys, Route, evm_chain_table};
use crate::error::{Error, Result};
use crate::evm::EvmNetwork;
use crate::fault_proxy::{FaultCounters, FaultProxy, FaultRates};
use crate::keys;
use crate::scenario::{DOMAIN_A, DOMAIN_B, Progress, SolanaLink};
use trestle_tests::postgres::Postgres;

/// What a soak runs: how many transfers, how fast, and how hard the chaos hits.
#[derive(Debug, Clone)]
pub struct SoakOptions {
    /// Transfers sent, in turn over a -> b, a -> solana and solana -> a.
    pub transfers: usize,
    /// Time between two sends (the chaos lasts as long as the sending).
    pub interval: Duration,
    /// A daemon (validator or relayer, drawn at random) is SIGKILLed once in this range.
    pub kill_every: (Duration, Duration),
    /// How long a killed daemon stays down before it is restarted.
    pub down_for: (Duration, Duration),
    /// Faults of the proxies in front of every RPC endpoint the daemons use.
    pub faults: FaultRates,
    /// How long destination b stays paused.
    pub pause_for: Duration,
    /// Blocks each of the two `anvil_reorg`s replaces (below `confirmations`).
    pub reorg_depth: u64,
    /// The daemons' finality on the anvils (`finality = { confirmations = N }`).
    pub confirmations: u64,
    /// Every message must be delivered within this long after the last fault.
    pub settle: Duration,
    /// Seed of the chaos schedule and the faults.
    pub seed: u64,
}

impl SoakOptions {
    /// The full soak: 500 transfers at 2 a second, a kill every 5-20 s, 4% of requests
    /// faulted (1% each kind, delays up to 2 s).
    pub fn full(seed: u64) -> Self {
        Self {
            transfers: 500,
            interval: Duration::from_millis(500),
            kill_every: (Duration::from_secs(5), Duration::from_secs(20)),
            down_for: (Duration::from_millis(500), Duration::from_secs(3)),
            faults: FaultRates {
                drop: 0.01,
                delay: 0.01,
                error: 0.01,
                truncate: 0.01,
                max_delay: Duration::from_secs(2),
            },
            pause_for: Duration::from_secs(15),
            reorg_depth: 2,
            confirmations: 4,
            settle: Duration::from_secs(120),
            seed,
        }
    }

    /// The CI soak: 50 transfers at 1 a second, the same faults, shorter intervals (a kill
    /// every 3-8 s, a 6 s pause).
    pub fn short(seed: u64) -> Self {
        Self {
            transfers: 50,
            interval: Duration::from_secs(1),
            kill_every: (Duration::from_secs(3), Duration::from_secs(8)),
            pause_for: Duration::from_secs(6),
            ..Self::full(seed)
        }
    }

    /// How long the sending (and the chaos) lasts.
    pub fn send_phase(&self) -> Duration {
        self.interval
            .saturating_mul(u32::try_from(self.transfers).unwrap_or(u32::MAX))
    }
}

/// The chains, shared by the sender, the watcher and the chaos driver.
#[derive(Debug)]
pub struct Chains {
    /// Anvil chains a and b.
    pub evm: EvmNetwork,
    /// Solana, linked with a.
    pub link: SolanaLink,
}

/// The running soak network. Fields drop in order: daemons first, then the proxies, the
/// store and the chains.
#[derive(Debug)]
pub struct Soak {
    /// Three validators, two relayers.
    pub daemons: Daemons,
    /// One per chain: a, b, solana.
    pub proxies: Vec<FaultProxy>,
    /// The relayers' shared store.
    pub postgres: Postgres,
    /// The chains.
    pub chains: Arc<Chains>,
    /// Configs, keystores, SQLite stores of the validators, logs.
    pub dir: TempDir,
    /// Faults injected so far.
    pub counters: Arc<FaultCounters>,
    /// The options.
    pub options: SoakOptions,
    progress: Progress,
}

impl Soak {
    /// Starts the chains, PostgreSQL, the proxies (faults off until [`Soak::run`]) and the
    /// daemons.
    pub async fn start(options: SoakOptions, progress: Progress) -> Result<Self> {
        crate::daemons::trestle_binary()?;
        crate::solana::program_so()?;
        progress.step("Starting two anvil chains and solana-test-validator with the bridges");
        let evm = EvmNetwork::builder()
            .chain("a", DOMAIN_A, 31_337)
            .chain("b", DOMAIN_B, 31_338)
            .start()
            .await?;
        let validators: Vec<_> = keys::validators().iter().map(|v| v.address()).collect();
        let link = SolanaLink::start(evm.node("a")?, &validators).await?;
        let second_payer = crate::solana::new_key()?;
        link.node.airdrop(&second_payer.pubkey()).await?;

        progress.step("Starting PostgreSQL (the relayers' shared store) and the fault proxies");
        // It panics (naming scripts/setup-postgres.sh) when PostgreSQL cannot start.
        let postgres = tokio::task::spawn_blocking(Postgres::start)
            .await
            .map_err(|e| Error::Setup(format!("starting PostgreSQL: {e}")))?;
        let counters = Arc::new(FaultCounters::default());
        let mut proxies = Vec::new();
        let upstreams = evm
            .nodes
            .iter()
            .map(|n| n.anvil.url().to_owned())
            .chain([link.node.validator.rpc_url().to_owned()]);
        for (i, upstream) in upstreams.enumerate() {
            let proxy = FaultProxy::start(
                &upstream,
                options.faults,
                options.seed ^ (i as u64 + 1),
                counters.clone(),
            )
            .await?;
            proxy.set_enabled(false);
            progress.info(&format!("{upstream} behind {}", proxy.url()));
            proxies.push(proxy);
        }
        let proxy_url = |i: usize| -> Value {
            Value::Array(vec![
                proxies
                    .get(i)
                    .map(|p| p.url().to_owned())
                    .unwrap_or_default()
                    .into(),
            ])
        };
        let mut chains = Vec::new();
        for (i, node) in evm.nodes.iter().enumerate() {
            let mut t = evm_chain_table(node);
            t.insert("rpc_urls".into(), proxy_url(i));
            // Every read goes through the proxy: no WebSocket wake-ups.
            t.remove("ws_url");
            let mut finality = Table::new();
            finality.insert(
                "confirmations".into(),
                i64::try_from(options.confirmations)
                    .unwrap_or(i64::MAX)
                    .into(),
            );
            t.insert("finality".into(), Value::Table(finality));
            chains.push(t);
        }
        let mut solana = link.node.chain_table();
        solana.insert("rpc_urls".into(), proxy_url(evm.nodes.len()));
        chains.push(solana);

        progress.step("Starting three validators (2-of-3) and two relayers sharing PostgreSQL");
        let dir = tempfile::Builder::new()
            .prefix("trestle-soak-")
            .tempdir()
            .map_err(Error::io(
                "creating the soak directory",
                std::path::Path::new("/tmp"),
            ))?;
        let seed_of = |signer: &trestle_core::solana::SolanaSigner| {
            let bytes = signer.to_keypair_bytes();
            let mut seed = Zeroizing::new([0u8; 32]);
            seed.copy_from_slice(bytes.get(..32).unwrap_or(&[0; 32]));
            seed
        };
        // A budget of attempts that outlasts the chaos (the daemon's default spans minutes
        // with its production backoff; the network's backoff is capped at seconds).
        let mut relayer_extra = Table::new();
        relayer_extra.insert("max_attempts".into(), 30.into());
        relayer_extra.insert("backoff_max_ms".into(), 5_000.into());
        let solana_name = link.node.name.clone();
        let daemons = Daemons::start(
            dir.path(),
            DaemonsConfig {
                chains,
                routes: vec![
                    Route::new("a", "b"),
                    Route::new("a", &solana_name),
                    Route::new(&solana_name, "a"),
                ],
                validator_keys: keys::VALIDATOR_ACCOUNTS
                    .into_iter()
                    .map(keys::dev_secret)
                    .collect(),
                relayer_key: Some(keys::dev_secret(keys::RELAYER_ACCOUNT)),
                relayer_solana_key: Some(seed_of(&link.relayer)),
                relayer_extra,
                extra_relayers: vec![RelayerKeys {
                    evm: keys::dev_secret(SECOND_RELAYER_ACCOUNT),
                    solana: Some(seed_of(&second_payer)),
                }],
                relayer_store: Some(postgres.url()),
            },
        )
        .await?;
        for d in daemons.all() {
            progress.info(&format!("{} pid {} at {}", d.name, d.pid(), d.url));
        }
        progress.info(&format!("logs: {}/*/daemon.log", dir.path().display()));
        Ok(Self {
            daemons,
            proxies,
            postgres,
            chains: Arc::new(Chains { evm, link }),
            dir,
            counters,
            options,
            progress,
        })
    }

    /// Sends the transfers under chaos, then waits (faults off) until every message is
    /// delivered or [`SoakOptions::settle`] has passed since the last fault, and reads the
    /// outcome from the chains.
    pub async fn run(&mut self) -> Result<SoakReport> {
        let o = self.options.clone();
        let p = self.progress.clone();
        p.step(&format!(
            "Sending {} transfers, one every {} ms, under chaos (seed {})",
            o.transfers,
            o.interval.as_millis(),
            o.seed
        ));
        for proxy in &self.proxies {
            proxy.set_enabled(true);
        }
        let started = Instant::now();
        let mut traffic = traffic::Traffic::start(self.chains.clone(), &o);
        let chaos = chaos::run(&mut self.daemons, &self.chains, &traffic, &o, &p).await;
        let sends = traffic.finish().await;
        for proxy in &self.proxies {
            proxy.set_enabled(false);
        }
        let chaos = chaos?;
        // Every daemon up again before the clock of the last fault starts.
        for d in self.daemons.all_mut() {
            if d.check_running().is_err() {
                d.restart()?;
            }
        }
        let last_fault = Instant::now();
        p.step(&format!(
            "Faults off after {:.0} s; waiting up to {} s for every delivery",
            started.elapsed().as_secs_f64(),
            o.settle.as_secs()
        ));
        let deadline = last_fault + o.settle;
        let mut tally = tally::read(&self.chains, &sends).await?;
        while !tally.complete() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_secs(2)).await;
            tally = tally::read(&self.chains, &sends).await?;
            p.info(&format!(
                "{} of {} delivered ({:.0} s after the last fault)",
                tally.delivered(),
                tally.expected(),
                last_fault.elapsed().as_secs_f64()
            ));
        }
        let settled_after = last_fault.elapsed();
        let mut running = Vec::new();
        for d in self.daemons.all_mut() {
            if let Err(e) = d.check_running() {
                running.push(e.to_string());
            }
        }
        let stuck = report::stuck_states(&self.daemons, &tally).await;
        Ok(SoakReport {
            transfers: o.transfers,
            send_errors: sends.errors.clone(),
            tally,
            latencies: traffic.latencies(&sends),
            chaos,
            requests: self.counters.requests(),
            faults: crate::fault_proxy::FaultKind::ALL
                .iter()
                .map(|k| (k.name(), self.counters.count(*k)))
                .collect(),
            settled_after,
            settle: o.settle,
            exited: running,
            stuck,
            elapsed: started.elapsed(),
        })
    }
}

/// The dev account of the second relayer (each relayer has its own key).
pub const SECOND_RELAYER_ACCOUNT: usize = 4;
