//! Connections to the configured chains, for every part of the daemon that reads or writes
//! them: an EVM chain through `trestle-evm` (its chain id checked, retried while no endpoint
//! answers), a Solana cluster through a `trestle-solana` client over its endpoints.

use std::sync::Arc;
use std::time::Duration;

use trestle_evm::EvmChain;
use trestle_solana::{SolanaClient, SolanaConfig};

use crate::config::ChainConfig;
use crate::error::{Error, Result};

/// First retry delay when no endpoint of an EVM chain answers at start; doubled up to
/// [`CONNECT_RETRY_MAX`].
const CONNECT_RETRY_FIRST: Duration = Duration::from_millis(250);
const CONNECT_RETRY_MAX: Duration = Duration::from_secs(15);

/// Connects an EVM chain, retrying with backoff while the failure is retryable (no endpoint
/// answers); a permanent error (another chain id, a bad config) is returned at once.
pub async fn evm(config: trestle_evm::EvmChainConfig) -> Result<EvmChain> {
    let mut delay = CONNECT_RETRY_FIRST;
    loop {
        match EvmChain::connect(config.clone()).await {
            Ok(chain) => return Ok(chain),
            Err(e) if e.is_retryable() => {
                tracing::warn!(chain = %config.name, error = %e, retry_in_ms = delay.as_millis() as u64, "no RPC endpoint of the chain answers; retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(CONNECT_RETRY_MAX);
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// The RPC client of a Solana chain over its `rpc_urls` (failing over between them, in
/// order): program transactions and events at the chain's commitment (`finalized` unless
/// configured otherwise). Makes no request.
pub fn solana(chain: &ChainConfig) -> Result<Arc<SolanaClient>> {
    let settings = chain.solana().ok_or_else(|| {
        Error::config(
            format!("chains ({})", chain.name),
            "not a solana chain (no program id)",
        )
    })?;
    if chain.rpc_urls.is_empty() {
        return Err(Error::config(
            format!("chains ({}).rpc_urls", chain.name),
            "no RPC endpoint",
        ));
    }
    let config = SolanaConfig::with_rpc_urls(chain.name.clone(), chain.rpc_urls.iter().cloned())
        .with_events_commitment(settings.commitment.to_commitment());
    Ok(Arc::new(SolanaClient::new(config)))
}
