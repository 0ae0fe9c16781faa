//! Starting and stopping the daemon: opens the store, starts the HTTP API, connects the
//! chains (retrying with backoff while no RPC endpoint of a chain answers; `/readyz` fails
//! until then), starts the indexers, the validator and relayer roles the configuration
//! enables; stops them all on [`Daemon::shutdown`] (the `trestle relayer run` command calls
//! it on SIGTERM or SIGINT).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;
use trestle_evm::{EvmChain, EvmSender};

use crate::api::{
    API_STORE_CONNECTIONS, ApiState, Limits, OPERATOR_LIMITS, OperatorToken, PUBLIC_LIMITS,
    RateLimit, public_router, router,
};
use crate::config::{ChainKind, Config};
use crate::error::{Error, Result};
pub use crate::keys::Keys;
use crate::metrics::Metrics;
use crate::origin::{self, evm::EvmOrigin, solana::SolanaOrigin};
use crate::relay::EvmDestination;
use crate::relay::fees::FeeQuoter;
use crate::relay::routes::Routes;
use crate::relay::solana::SolanaDestination;
use crate::remote_set::DestinationSet;
use crate::store::Store;

/// A running daemon.
#[derive(Debug)]
pub struct Daemon {
    shutdown: Arc<watch::Sender<bool>>,
    tasks: Vec<JoinHandle<()>>,
    api_addr: SocketAddr,
    public_addr: Option<SocketAddr>,
    store: Store,
    /// Set when the daemon stopped itself (it lost its instance lock).
    lost_lock: Arc<AtomicBool>,
    /// The instance lock's watcher, which hands the lock back at shutdown: it is released
    /// only once every task has finished (a successor must not take over claims and the key
    /// while this run still sends).
    lock_watch: Option<JoinHandle<Option<crate::store::InstanceLock>>>,
}

impl Daemon {
    /// Starts everything `config` enables with `keys`. A relayer names itself in its row
    /// claims after its key (`relayer-ADDRESS`), and on a shared PostgreSQL store holds a
    /// lock on that name while it runs: a second instance with the same key is refused, and
    /// a restart takes the claims its earlier run left back at once. `worker` names a daemon
    /// without a relayer key.
    ///
    /// The API listens first (`/healthz` answers, `/readyz` fails); then every chain is
    /// connected, retrying with backoff while none of its endpoints answers (a node that
    /// is down or still starting), so this returns once they all answered. A chain that
    /// answers with another chain id is an error.
    ///
    /// A route that ends at a Solana chain needs `keys.relayer_solana` (the fee payer there):
    /// refused at start without it.
    pub async fn start(config: Config, keys: Keys, worker: &str) -> Result<Self> {
        config.validate()?;
        let store = Store::connect(&config.store.url, config.store.max_connections).await?;
        let identity = relayer_identity(&keys);
        // Claims are named `relayer-ADDRESS/RUN/CHAIN`: the key (a restart releases what its
        // earlier runs left), then this run (two runs never pass for each other).
        let named;
        let worker = match &identity {
            Some(name) => {
                named = format!("{name}/{worker}");
                named.as_str()
            }
            None => worker,
        };
        let instance = match &identity {
            Some(name) if store.backend() != "sqlite" => {
                let lock = store.lock_instance(name).await?;
                let released = store.release_claims_of(&format!("{name}/")).await?;
                if released > 0 {
                    tracing::info!(
                        released,
                        "released the claims an earlier run of this relayer left in the store"
                    );
                }
                lock
            }
            _ => None,
        };
        if store.backend() == "sqlite" {
            // An embedded store belongs to this daemon alone: claims left in it are an
            // earlier run's (stopped by a crash or SIGKILL), not another instance's.
            let released = store.release_all_claims().await?;
            if released > 0 {
                tracing::info!(
                    released,
                    "released the claims an earlier run of this daemon left in its store"
                );
            }
        }
        let metrics = Arc::new(
            Metrics::new()
                .with_chain_names(config.chains.iter().map(|c| (c.domain, c.name.clone()))),
        );
        let (shutdown, rx) = watch::channel(false);
        let shutdown = Arc::new(shutdown);
        let lost_lock = Arc::new(AtomicBool::new(false));
        let mut retention = None;
        if config.store.retention_days > 0 {
            retention = Some(tokio::spawn(prune(
                store.clone(),
                config.store.retention_days,
                rx.clone(),
            )));
        }
        let ready = Arc::new(AtomicBool::new(false));
        let mut tasks: Vec<JoinHandle<()>> = retention.into_iter().collect();
        let lock_watch = instance.map(|lock| {
            tokio::spawn(watch_lock(
                lock,
                shutdown.clone(),
                lost_lock.clone(),
                rx.clone(),
            ))
        });
        let (api_addr, public_addr) = serve_api(&config, &metrics, &ready, &rx, &mut tasks).await?;

        let mut chains: BTreeMap<String, Arc<EvmChain>> = BTreeMap::new();
        for c in &config.chains {
            let Some(adapter) = c.evm_config() else {
                continue; // Solana chains are connected by their roles
            };
            match crate::connect::evm(adapter).await {
                Ok(chain) => {
                    let chain = Arc::new(chain);
                    metrics.watch_rpc(&c.name, chain.clone());
                    chains.insert(c.name.clone(), chain);
                }
                Err(e) => {
                    let _ = shutdown.send(true);
                    for t in tasks {
                        let _ = t.await;
                    }
                    store.close().await;
                    return Err(e);
                }
            }
        }

        check_routes(&config, &chains).await;

        // A validator-only run left what it signed `signed`: the relayer takes it up now.
        match store
            .unmark_signed(&relayed_destinations(&config, &keys))
            .await
        {
            Ok(0) => {}
            Ok(taken) => tracing::info!(
                taken,
                "messages a validator-only run signed are pending for the relayer again"
            ),
            Err(e) => {
                let _ = shutdown.send(true);
                for t in tasks {
                    let _ = t.await;
                }
                store.close().await;
                return Err(e);
            }
        }

        if let Err(e) = start_roles(
            &config, &keys, &chains, &store, &metrics, &rx, worker, &mut tasks,
        ) {
            let _ = shutdown.send(true);
            for t in tasks {
                let _ = t.await;
            }
            store.close().await;
            return Err(e);
        }

        ready.store(true, Ordering::Release);
        tracing::info!(api = %api_addr, public_api = ?public_addr, store = store.backend(), "daemon started");
        Ok(Self {
            shutdown,
            tasks,
            api_addr,
            public_addr,
            store,
            lost_lock,
            lock_watch,
        })
    }

    /// Where the operator's HTTP API listens.
    pub fn api_addr(&self) -> SocketAddr {
        self.api_addr
    }

    /// Where the public attestation listener listens, when `api.public_listen` is set.
    pub fn public_addr(&self) -> Option<SocketAddr> {
        self.public_addr
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Resolves once the daemon stopped itself: it lost its instance lock on the shared store
    /// (the database connection that held it ended), so another instance may be sending with
    /// its key. Pending while the daemon runs.
    pub async fn stopped_itself(&self) {
        let mut rx = self.shutdown.subscribe();
        let _ = rx.wait_for(|stop| *stop).await;
        if !self.lost_lock.load(Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
    }

    /// Asks every task to stop, waits for them and closes the store.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
        // Only now that nothing sends any more.
        if let Some(watch) = self.lock_watch {
            drop(watch.await);
        }
        self.store.close().await;
        tracing::info!("daemon stopped");
    }
}

/// How often the instance lock's connection is checked.
const LOCK_CHECK: Duration = Duration::from_secs(5);

/// Checks every [`LOCK_CHECK`] that the instance lock is still held; when it is not (its
/// connection ended: a database restart, an idle timeout, a terminated backend), another
/// instance with this key could take it, so the daemon stops every role. Returns the lock at
/// shutdown (for [`Daemon::shutdown`] to release after the tasks), `None` once lost.
async fn watch_lock(
    mut lock: crate::store::InstanceLock,
    shutdown: Arc<watch::Sender<bool>>,
    lost: Arc<AtomicBool>,
    mut rx: watch::Receiver<bool>,
) -> Option<crate::store::InstanceLock> {
    loop {
        if pause(&mut rx, LOCK_CHECK).await {
            return Some(lock);
        }
        if !lock.held().await {
            tracing::error!(
                "lost the instance lock on the store (its database connection ended); stopping, so that no two relayers send with this key"
            );
            lost.store(true, Ordering::SeqCst);
            let _ = shutdown.send(true);
            return None;
        }
    }
}

/// Deletes what the store keeps of messages settled more than `days` ago
/// ([`Store::prune`]): a minute after start, then every hour, in rounds of 1,000 messages.
async fn prune(store: Store, days: u32, mut shutdown: watch::Receiver<bool>) {
    let mut wait = Duration::from_secs(60);
    loop {
        if pause(&mut shutdown, wait).await {
            return;
        }
        wait = Duration::from_secs(3_600);
        let before =
            crate::store::now_ms().saturating_sub(i64::from(days).saturating_mul(86_400_000));
        let mut pruned = 0;
        loop {
            match store.prune(before, 1_000).await {
                Ok(n) => {
                    pruned += n;
                    if n < 1_000 || *shutdown.borrow() {
                        break;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot prune settled messages");
                    break;
                }
            }
        }
        if pruned > 0 {
            tracing::info!(
                pruned,
                days,
                "deleted messages settled before the retention period"
            );
        }
    }
}

/// The name a relayer takes in its row claims: `relayer-` and its EVM key's address (its
/// Solana fee payer's when it has no EVM key); `None` for a daemon that relays nothing.
fn relayer_identity(keys: &Keys) -> Option<String> {
    match (&keys.relayer, &keys.relayer_solana) {
        (Some(evm), _) => Some(format!("relayer-{}", evm.address().to_checksum())),
        (None, Some(solana)) => Some(format!("relayer-{}", solana.pubkey())),
        (None, None) => None,
    }
}

/// Starts every role on the connected chains, adding their tasks to `tasks`: for each origin
/// chain its indexer and (validator key given) its validator ([`origin::start`]); for each
/// destination (relayer role) its worker.
#[allow(
    clippy::too_many_arguments,
    reason = "the daemon's shared handles, passed once"
)]
fn start_roles(
    config: &Config,
    keys: &Keys,
    chains: &BTreeMap<String, Arc<EvmChain>>,
    store: &Store,
    metrics: &Arc<Metrics>,
    shutdown: &watch::Receiver<bool>,
    worker: &str,
    tasks: &mut Vec<JoinHandle<()>>,
) -> Result<()> {
    let relayed = relayed_destinations(config, keys);
    let cx = origin::Context {
        config,
        signer: keys.validator.as_ref(),
        chains,
        store,
        metrics,
        shutdown,
        relayed: &relayed,
    };
    let mut validating = false;
    for chain in &config.chains {
        if !config.routes.iter().any(|r| r.from == chain.name) {
            continue;
        }
        validating |= match &chain.kind {
            ChainKind::Evm(_) => {
                let Some(connected) = chains.get(&chain.name) else {
                    continue;
                };
                origin::start(EvmOrigin::new(connected.clone(), chain)?, cx, tasks)?
            }
            ChainKind::Solana(_) => origin::start(
                SolanaOrigin::new(crate::connect::solana(chain)?, chain)?,
                cx,
                tasks,
            )?,
        };
    }
    if let Some(signer) = &keys.validator
        && !validating
    {
        tracing::warn!(address = %signer.address(), "the validator key is in no route's validator set: nothing to attest");
    }
    if let Some(settings) = &config.fee_oracle
        && (keys.fee_oracle.is_some() || keys.fee_oracle_solana.is_some())
    {
        let oracle = crate::oracle::FeeOracle::for_config(
            config,
            settings,
            keys.fee_oracle.as_ref(),
            keys.fee_oracle_solana.as_ref(),
            chains,
            metrics,
        )?;
        tasks.push(tokio::spawn(oracle.run(shutdown.clone())));
    }
    let fees = Arc::new(FeeQuoter::for_config(config, chains)?);
    if let (Some(settings), Some(signer)) = (&config.relayer, &keys.relayer) {
        let senders: BTreeMap<String, Arc<EvmSender>> = chains
            .iter()
            .map(|(name, chain)| {
                let mut sender = EvmSender::new(chain.clone(), signer.clone());
                if let Some(c) = config.chains.iter().find(|c| &c.name == name) {
                    let journal = crate::relay::journal(store, c.domain, signer.address().0);
                    sender = sender.with_journal(journal);
                }
                (name.clone(), Arc::new(sender))
            })
            .collect();
        for d in
            EvmDestination::for_config(config, settings, &senders, store, metrics, worker, &fees)?
        {
            tasks.push(tokio::spawn(d.run(shutdown.clone())));
        }
    }
    if let Some(settings) = &config.relayer {
        for d in
            SolanaDestination::for_config(config, settings, keys, store, metrics, worker, &fees)?
        {
            tasks.push(tokio::spawn(d.run(shutdown.clone())));
        }
    }
    Ok(())
}

/// The destinations (domains) this daemon relays to: with a `[relayer]` table, every chain a
/// route ends at whose kind it has a key for.
fn relayed_destinations(config: &Config, keys: &Keys) -> Vec<u32> {
    if config.relayer.is_none() {
        return Vec::new();
    }
    config
        .chains
        .iter()
        .filter(|c| config.routes.iter().any(|r| r.to == c.name))
        .filter(|c| match c.kind {
            ChainKind::Evm(_) => keys.relayer.is_some(),
            ChainKind::Solana(_) => keys.relayer_solana.is_some(),
        })
        .map(|c| c.domain)
        .collect()
}

/// Sleeps for `d` or until shutdown; returns whether shutdown was asked.
pub(crate) async fn pause(shutdown: &mut watch::Receiver<bool>, d: Duration) -> bool {
    if *shutdown.borrow() {
        return true;
    }
    tokio::select! {
        _ = tokio::time::sleep(d) => *shutdown.borrow(),
        _ = shutdown.changed() => true,
    }
}

/// Binds the operator's API (and the public attestation listener when configured) and serves
/// them until shutdown, reading the store through a read-only pool of their own
/// ([`API_STORE_CONNECTIONS`], closed once both have stopped); returns their addresses.
async fn serve_api(
    config: &Config,
    metrics: &Arc<Metrics>,
    ready: &Arc<AtomicBool>,
    rx: &watch::Receiver<bool>,
    tasks: &mut Vec<JoinHandle<()>>,
) -> Result<(SocketAddr, Option<SocketAddr>)> {
    let token = match &config.api.token_env {
        None => None,
        Some(name) => {
            let token = std::env::var(name).map_err(|_| {
                Error::config(
                    "api.token_env",
                    format!("the environment variable {name} is not set"),
                )
            })?;
            Some(
                OperatorToken::new(token)
                    .map_err(|reason| Error::config("api.token_env", reason))?,
            )
        }
    };
    // Its own pool: a flood of API requests waits for these connections, never for the
    // ones the roles work with.
    let reader = Store::connect_reader(&config.store.url, API_STORE_CONNECTIONS).await?;
    let state = ApiState {
        store: reader.clone(),
        metrics: metrics.clone(),
        ready: ready.clone(),
    };
    let public = config.api_public_listen()?;
    let operator = router(
        state.clone(),
        public.is_none().then_some(RateLimit::PUBLIC),
        token,
    );
    let mut servers = Vec::new();
    let api_addr = serve(
        config.api_listen()?,
        "the API",
        operator,
        OPERATOR_LIMITS,
        rx,
        &mut servers,
    )
    .await;
    let public_addr = match public {
        Some(listen) if api_addr.is_ok() => serve(
            listen,
            "the public attestation API",
            public_router(state, RateLimit::PUBLIC),
            PUBLIC_LIMITS,
            rx,
            &mut servers,
        )
        .await
        .map(Some),
        _ => Ok(None),
    };
    // The servers stop at shutdown (or a bind failed: `Daemon::start` then asks them to);
    // then the API's pool closes.
    tasks.push(tokio::spawn(async move {
        for server in servers {
            let _ = server.await;
        }
        reader.close().await;
    }));
    Ok((api_addr?, public_addr?))
}

/// Binds `listen` and serves `app` on it within `limits` ([`crate::api::serve`]) until
/// shutdown, its task added to `tasks`; returns the bound address.
async fn serve(
    listen: SocketAddr,
    what: &str,
    app: axum::Router,
    limits: Limits,
    rx: &watch::Receiver<bool>,
    tasks: &mut Vec<JoinHandle<()>>,
) -> Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|source| Error::Io {
            what: format!("binding {what} to {listen}"),
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| Error::Io {
        what: format!("reading the address of {what}"),
        source,
    })?;
    let mut api_rx = rx.clone();
    tasks.push(tokio::spawn(async move {
        let stop = async move {
            let _ = api_rx.wait_for(|stop| *stop).await;
        };
        crate::api::serve(listener, app, limits, stop).await;
    }));
    Ok(addr)
}

/// Runs the daemon until SIGTERM or SIGINT, then shuts it down gracefully. A signal while
/// the daemon is still connecting its chains stops it at once.
pub async fn run_until_signal(config: Config, keys: Keys, worker: &str) -> Result<()> {
    let signal = wait_for_signal();
    tokio::pin!(signal);
    let daemon = tokio::select! {
        daemon = Daemon::start(config, keys, worker) => daemon?,
        received = &mut signal => {
            received?;
            tracing::info!("shutdown signal received while starting");
            return Ok(());
        }
    };
    tokio::select! {
        received = signal => {
            received?;
            tracing::info!("shutdown signal received");
            daemon.shutdown().await;
            Ok(())
        }
        () = daemon.stopped_itself() => {
            daemon.shutdown().await;
            Err(Error::InstanceLockLost)
        }
    }
}

async fn wait_for_signal() -> Result<()> {
    let io = |source| Error::Io {
        what: "installing signal handlers".into(),
        source,
    };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).map_err(io)?;
        let mut int = signal(SignalKind::interrupt()).map_err(io)?;
        tokio::select! {
            _ = term.recv() => {},
            _ = int.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.map_err(io)?;
    }
    Ok(())
}

/// Compares every route with what its destination bridge holds and logs each difference as
/// an error ([`Routes::check`]). Does not stop the daemon (a rotation may be under way).
async fn check_routes(config: &Config, chains: &BTreeMap<String, Arc<EvmChain>>) {
    for chain in &config.chains {
        let routes = match Routes::for_destination(config, chain) {
            Ok(routes) if !routes.is_empty() => routes,
            Ok(_) => continue,
            Err(e) => {
                tracing::error!(to = %chain.name, error = %e, "the routes to this chain are not usable");
                continue;
            }
        };
        match DestinationSet::for_chain(chain, chains) {
            Ok(destination) => routes.check(&destination).await,
            Err(e) => {
                tracing::warn!(to = %chain.name, error = %e, "cannot read the destination bridge's validator sets");
            }
        }
    }
}
