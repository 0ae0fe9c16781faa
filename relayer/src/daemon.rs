//! Starting and stopping the daemon: connects the chains, opens the store, starts the
//! indexers, the validator and relayer roles the configuration enables, and the HTTP API;
//! stops them all on [`Daemon::shutdown`] (the `trestle relayer run` command calls it on
//! SIGTERM or SIGINT).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;
use trestle_core::evm::EvmSigner;
use trestle_evm::{EvmChain, EvmSender};

use crate::api::{ApiState, router};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::keys::load_signer;
use crate::metrics::Metrics;
use crate::relay::Destination;
use crate::store::Store;
use crate::validator::Validator;

/// The keys of the enabled roles.
#[derive(Debug, Clone, Default)]
pub struct Keys {
    /// The validator's attestation key.
    pub validator: Option<EvmSigner>,
    /// The relayer's transaction key.
    pub relayer: Option<EvmSigner>,
}

impl Keys {
    /// Decrypts the keystores the configuration names, with the passwords from their
    /// environment variables.
    pub fn load(config: &Config) -> Result<Self> {
        Ok(Self {
            validator: config
                .validator
                .as_ref()
                .map(|v| load_signer("validator", &v.key()))
                .transpose()?,
            relayer: config
                .relayer
                .as_ref()
                .map(|r| load_signer("relayer", &r.key()))
                .transpose()?,
        })
    }
}

/// A running daemon.
#[derive(Debug)]
pub struct Daemon {
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    api_addr: SocketAddr,
    store: Store,
}

impl Daemon {
    /// Starts everything `config` enables with `keys`. `worker` names this instance in row
    /// claims (unique per instance sharing a PostgreSQL store).
    pub async fn start(config: Config, keys: Keys, worker: &str) -> Result<Self> {
        config.validate()?;
        let store = Store::connect(&config.store.url, config.store.max_connections).await?;
        let metrics = Arc::new(Metrics::new());
        let (shutdown, rx) = watch::channel(false);

        let mut chains: BTreeMap<String, Arc<EvmChain>> = BTreeMap::new();
        for c in &config.chains {
            let chain = EvmChain::connect(c.evm_config()).await?;
            chains.insert(c.name.clone(), Arc::new(chain));
        }

        check_routes(&config, &chains).await;

        let mut tasks = Vec::new();
        for c in &config.chains {
            let is_origin = config.routes.iter().any(|r| r.from == c.name);
            if let (true, Some(chain)) = (is_origin, chains.get(&c.name)) {
                tasks.push(tokio::spawn(crate::indexer::run(
                    chain.clone(),
                    c.clone(),
                    store.clone(),
                    metrics.clone(),
                    rx.clone(),
                )));
            }
        }
        if let Some(signer) = &keys.validator {
            let validators = Validator::for_config(&config, signer, &chains, &store, &metrics);
            if validators.is_empty() {
                tracing::warn!(address = %signer.address(), "the validator key is in no route's validator set: nothing to attest");
            }
            for v in validators {
                tasks.push(tokio::spawn(v.run(rx.clone())));
            }
        }
        if let (Some(settings), Some(signer)) = (&config.relayer, &keys.relayer) {
            let senders: BTreeMap<String, Arc<EvmSender>> = chains
                .iter()
                .map(|(name, chain)| {
                    (
                        name.clone(),
                        Arc::new(EvmSender::new(chain.clone(), signer.clone())),
                    )
                })
                .collect();
            for d in Destination::for_config(&config, settings, &senders, &store, &metrics, worker)?
            {
                tasks.push(tokio::spawn(d.run(rx.clone())));
            }
        }

        let listener = tokio::net::TcpListener::bind(config.api_listen()?)
            .await
            .map_err(|source| Error::Io {
                what: format!("binding the API to {}", config.api.listen),
                source,
            })?;
        let api_addr = listener.local_addr().map_err(|source| Error::Io {
            what: "reading the API address".into(),
            source,
        })?;
        let app = router(ApiState {
            store: store.clone(),
            metrics,
        });
        let mut api_rx = rx.clone();
        tasks.push(tokio::spawn(async move {
            let stop = async move {
                let _ = api_rx.wait_for(|stop| *stop).await;
            };
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(stop)
                .await
            {
                tracing::error!(error = %e, "API server failed");
            }
        }));
        tracing::info!(api = %api_addr, store = store.backend(), "daemon started");
        Ok(Self {
            shutdown,
            tasks,
            api_addr,
            store,
        })
    }

    /// Where the HTTP API listens.
    pub fn api_addr(&self) -> SocketAddr {
        self.api_addr
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Asks every task to stop, waits for them and closes the store.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
        self.store.close().await;
        tracing::info!("daemon stopped");
    }
}

/// Runs the daemon until SIGTERM or SIGINT, then shuts it down gracefully.
pub async fn run_until_signal(config: Config, keys: Keys, worker: &str) -> Result<()> {
    let daemon = Daemon::start(config, keys, worker).await?;
    wait_for_signal().await?;
    tracing::info!("shutdown signal received");
    daemon.shutdown().await;
    Ok(())
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

/// Compares every route with what its destination bridge holds (`remote(origin)`) and logs
/// each difference as an error: signatures made for another epoch, set or origin bridge are
/// refused on chain. Does not stop the daemon (a rotation may be under way).
async fn check_routes(config: &Config, chains: &BTreeMap<String, Arc<EvmChain>>) {
    for route in &config.routes {
        let (Some(origin), Some(destination), Some(chain)) = (
            config.chain(&route.from),
            config.chain(&route.to),
            chains.get(&route.to),
        ) else {
            continue;
        };
        let Ok(set) = config.validator_set(route) else {
            continue;
        };
        match crate::bridge::remote(chain, destination.bridge, origin.domain).await {
            Ok(remote) => {
                for problem in crate::bridge::route_mismatches(origin.bridge, &set, &remote) {
                    tracing::error!(from = %route.from, to = %route.to, "route does not match the destination bridge: {problem}");
                }
            }
            Err(e) => {
                tracing::warn!(from = %route.from, to = %route.to, error = %e, "cannot read the destination bridge's validator set");
            }
        }
    }
}
