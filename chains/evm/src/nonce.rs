//! Per-signer nonce management that survives concurrent sends.
//!
//! The manager holds the signer's next nonce behind an async lock. A sender takes the lock
//! ([`NonceManager::lock`]), signs and broadcasts with [`NonceGuard::nonce`], and then either
//! [`NonceGuard::commit`]s (the node accepted it: the next caller gets `nonce + 1`), drops the
//! guard (the node refused it outright: the nonce is free again, no gap), or
//! [`NonceGuard::invalidate`]s (the outcome is unknown, or the node said "nonce too low": the
//! next caller re-reads `eth_getTransactionCount(pending)`). Broadcasts of one signer are
//! therefore serialised, which is what keeps nonces gap-free; signing and broadcasting take a
//! millisecond on a local node and one round trip on a remote one.

use std::sync::Arc;

use tokio::sync::{Mutex, OwnedMutexGuard};
use trestle_core::Error as CoreError;
use trestle_core::evm::EvmAddress;

use crate::chain::EvmChain;

/// The next nonce of one signer.
#[derive(Debug, Clone)]
pub struct NonceManager {
    address: EvmAddress,
    next: Arc<Mutex<Option<u64>>>,
}

/// Exclusive use of the signer's next nonce until dropped, committed or invalidated.
#[derive(Debug)]
pub struct NonceGuard {
    guard: OwnedMutexGuard<Option<u64>>,
    nonce: u64,
}

impl NonceManager {
    /// A manager for `address` that reads the nonce from the chain on first use.
    pub fn new(address: EvmAddress) -> Self {
        Self {
            address,
            next: Arc::new(Mutex::new(None)),
        }
    }

    /// The signer's address.
    pub fn address(&self) -> EvmAddress {
        self.address
    }

    /// Waits for exclusive use of the next nonce, reading it from `chain` (pending count)
    /// when unknown.
    pub async fn lock(&self, chain: &EvmChain) -> Result<NonceGuard, CoreError> {
        self.lock_with(|| chain.pending_nonce(self.address)).await
    }

    /// [`NonceManager::lock`], reading the nonce with `sync` when unknown (a sender that
    /// bounds a node's pending count by what it knows it sent).
    pub async fn lock_with<F, Fut>(&self, sync: F) -> Result<NonceGuard, CoreError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<u64, CoreError>>,
    {
        let mut guard = Arc::clone(&self.next).lock_owned().await;
        let nonce = match *guard {
            Some(n) => n,
            None => {
                let n = sync().await?;
                tracing::debug!(address = %self.address, nonce = n, "nonce synced from chain");
                *guard = Some(n);
                n
            }
        };
        Ok(NonceGuard { guard, nonce })
    }

    /// Forgets the cached nonce: the next [`NonceManager::lock`] re-reads it from the chain.
    /// Use after a dropped transaction or an external send from the same key.
    pub async fn resync(&self) {
        *self.next.lock().await = None;
    }

    /// Recovers from dropped transactions: when the chain's pending nonce is below the cached
    /// one, transactions this manager handed nonces to have left the mempool without being
    /// mined, and every later transaction of the signer waits behind the gap. The cache is
    /// then moved back to the chain's count so the next send fills the gap. Returns the nonce
    /// the next send will use when it moved back, `None` when nothing was dropped.
    pub async fn reconcile(&self, chain: &EvmChain) -> Result<Option<u64>, CoreError> {
        let mut guard = self.next.lock().await;
        let on_chain = chain.pending_nonce(self.address).await?;
        match *guard {
            Some(cached) if on_chain < cached => {
                tracing::warn!(
                    address = %self.address,
                    cached,
                    on_chain,
                    "transactions dropped from the mempool; nonce moved back to fill the gap"
                );
                *guard = Some(on_chain);
                Ok(Some(on_chain))
            }
            _ => Ok(None),
        }
    }

    /// The cached next nonce, if known.
    pub async fn peek(&self) -> Option<u64> {
        *self.next.lock().await
    }
}

impl NonceGuard {
    /// The nonce to use.
    pub fn nonce(&self) -> u64 {
        self.nonce
    }

    /// The transaction was accepted: the next caller gets `nonce + 1`.
    pub fn commit(mut self) {
        *self.guard = Some(self.nonce.saturating_add(1));
    }

    /// The outcome is unknown or the nonce was stale: the next caller re-reads it.
    pub fn invalidate(mut self) {
        *self.guard = None;
    }
}
