//! The soak's traffic: transfers sent at a steady rate over the three lanes, and a watcher
//! that notes when each delivery first shows on its destination chain (for the delays).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use alloy_sol_types::SolEvent;
use tokio::sync::RwLock;
use trestle_bridge::evm_bindings::Bridge;
use trestle_bridge::solana::send::TokenKind;
use trestle_core::chain::U256;
use trestle_evm::{EvmSender, LogFilter};

use super::tally::Lane;
use super::{Chains, SoakOptions};
use crate::error::Result;
use crate::evm::{ether_token, pad};
use crate::keys;
use crate::scenario::{DOMAIN_A, DOMAIN_B, DOMAIN_SOLANA};
use crate::solana::send_params;

/// A transfer the sender saw land on its origin.
#[derive(Debug, Clone)]
pub struct Sent {
    /// Its lane.
    pub lane: Lane,
    /// Its message id.
    pub id: [u8; 32],
    /// Its nonce on the origin.
    pub nonce: u64,
    /// When its send returned.
    pub at: Instant,
}

/// What the sender sent.
#[derive(Debug, Clone, Default)]
pub struct Sends {
    /// Transfers that landed (an origin reorg may have undone some since).
    pub sent: Vec<Sent>,
    /// Sends that failed, with the error (not the bridge's doing: the sender talks to the
    /// nodes directly).
    pub errors: Vec<String>,
}

/// The sender and the watcher, running.
pub struct Traffic {
    /// Held (read) by every send on chain a, taken (write) around a reorg of a so that no
    /// send is in flight while its block may be replaced.
    pub a_lock: Arc<RwLock<()>>,
    /// The user's sender on a (its nonces are resynchronised after a reorg of a).
    pub user_a: Arc<EvmSender>,
    sender: tokio::task::JoinHandle<Sends>,
    watcher: tokio::task::JoinHandle<()>,
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<HashMap<[u8; 32], Instant>>>,
}

impl std::fmt::Debug for Traffic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Traffic").finish_non_exhaustive()
    }
}

const WEI_PER_MILLI: u64 = 1_000_000_000_000_000;

impl Traffic {
    /// Starts sending `options.transfers` transfers, one every `options.interval`, and
    /// watching the destinations.
    pub fn start(chains: Arc<Chains>, options: &SoakOptions) -> Self {
        let a_lock = Arc::new(RwLock::new(()));
        let user_a = Arc::new(
            chains
                .evm
                .nodes
                .first()
                .map(|a| a.sender(keys::user()))
                .unwrap_or_else(unreachable_network),
        );
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(HashMap::new()));
        let solana_pending = Arc::new(Mutex::new(Vec::new()));
        let sender = tokio::spawn(send_all(
            chains.clone(),
            options.transfers,
            options.interval,
            a_lock.clone(),
            user_a.clone(),
            solana_pending.clone(),
        ));
        let watcher = tokio::spawn(watch(chains, stop.clone(), seen.clone(), solana_pending));
        Self {
            a_lock,
            user_a,
            sender,
            watcher,
            stop,
            seen,
        }
    }

    /// Waits for the sender to finish and returns what it sent (the watcher goes on).
    pub async fn finish(&mut self) -> Sends {
        (&mut self.sender).await.unwrap_or_default()
    }

    /// Delay from each send to its delivery first seen on the destination, by lane.
    pub fn latencies(&self, sends: &Sends) -> Vec<(Lane, Duration)> {
        let Ok(seen) = self.seen.lock() else {
            return Vec::new();
        };
        sends
            .sent
            .iter()
            .filter_map(|s| {
                seen.get(&s.id)
                    .map(|at| (s.lane, at.saturating_duration_since(s.at)))
            })
            .collect()
    }
}

impl Drop for Traffic {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.sender.abort();
        self.watcher.abort();
    }
}

#[allow(clippy::panic, reason = "the soak's network always has chains a and b")]
fn unreachable_network() -> EvmSender {
    panic!("the soak network has no chain a")
}

async fn send_all(
    chains: Arc<Chains>,
    transfers: usize,
    interval: Duration,
    a_lock: Arc<RwLock<()>>,
    user_a: Arc<EvmSender>,
    solana_pending: Arc<Mutex<Vec<Sent>>>,
) -> Sends {
    let start = tokio::time::Instant::now();
    let sends = Arc::new(Mutex::new(Sends::default()));
    let mut tasks = Vec::with_capacity(transfers);
    for i in 0..transfers {
        tokio::time::sleep_until(start + interval.saturating_mul(i as u32)).await;
        let lane = Lane::of(i);
        let chains = chains.clone();
        let a_lock = a_lock.clone();
        let user_a = user_a.clone();
        let pending = solana_pending.clone();
        let sends = sends.clone();
        tasks.push(tokio::spawn(async move {
            let result = send_one(&chains, lane, i as u64, &a_lock, &user_a).await;
            if let Ok(sent) = &result
                && sent.lane == Lane::AToSolana
                && let Ok(mut p) = pending.lock()
            {
                p.push(sent.clone());
            }
            if let Ok(mut sends) = sends.lock() {
                match result {
                    Ok(sent) => sends.sent.push(sent),
                    Err(e) => sends.errors.push(format!("{lane}: {e}")),
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    sends.lock().map(|s| s.clone()).unwrap_or_default()
}

async fn send_one(
    chains: &Chains,
    lane: Lane,
    i: u64,
    a_lock: &RwLock<()>,
    user_a: &EvmSender,
) -> Result<Sent> {
    let a = chains.evm.node("a")?;
    let user = keys::user().address();
    let (id, nonce) = match lane {
        Lane::AToB => {
            // Distinct amounts: 1 milli-ether plus the transfer's number in wei.
            let amount = U256::from(WEI_PER_MILLI + i);
            let fee = a.quote_transfer(DOMAIN_B).await?;
            let _guard = a_lock.read().await;
            let sent = a
                .send_token(
                    user_a,
                    DOMAIN_B,
                    ether_token(DOMAIN_A),
                    amount,
                    pad(user).0,
                    amount + fee,
                )
                .await?;
            (sent.id, sent.nonce)
        }
        Lane::AToSolana => {
            // Whole units of the 9-decimal mint (10^9 wei each).
            let amount = U256::from(WEI_PER_MILLI + i * 1_000_000_000);
            let _guard = a_lock.read().await;
            let sent = a
                .send_token(
                    user_a,
                    DOMAIN_SOLANA,
                    ether_token(DOMAIN_A),
                    amount,
                    chains.link.user.pubkey().0,
                    amount,
                )
                .await?;
            (sent.id, sent.nonce)
        }
        Lane::SolanaToA => {
            let link = &chains.link;
            let params = send_params(
                &link.user.pubkey(),
                link.home_token,
                link.home_mint,
                TokenKind::Home,
                DOMAIN_A,
                pad(user).0,
                1_000_000 + i,
            )?;
            let sent = link.node.send_token(&link.user, params).await?;
            (sent.id, sent.nonce)
        }
    };
    Ok(Sent {
        lane,
        id,
        nonce,
        at: Instant::now(),
    })
}

/// Notes when each delivery first shows: `MessageDelivered` logs on a and b (read from a
/// little below the last head seen, so a reorg's replacement blocks are read again), and the
/// delivery receipts on Solana of the a -> solana transfers not seen yet.
async fn watch(
    chains: Arc<Chains>,
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<HashMap<[u8; 32], Instant>>>,
    solana_pending: Arc<Mutex<Vec<Sent>>>,
) {
    let mut from = vec![0u64; chains.evm.nodes.len()];
    let mut tick = 0u64;
    while !stop.load(Ordering::Relaxed) {
        for (node, from) in chains.evm.nodes.iter().zip(from.iter_mut()) {
            let filter = LogFilter::contract(node.bridge)
                .with_event(Bridge::MessageDelivered::SIGNATURE_HASH.0);
            let Ok(head) = node.chain.block_number().await else {
                continue;
            };
            if let Ok(logs) = node.chain.logs(&filter, *from, head).await {
                let now = Instant::now();
                if let Ok(mut seen) = seen.lock() {
                    for log in &logs {
                        if let Some(id) = log.topics.get(1) {
                            seen.entry(*id).or_insert(now);
                        }
                    }
                }
                *from = head.saturating_sub(16);
            }
        }
        if tick.is_multiple_of(3) {
            let pending: Vec<Sent> = match (solana_pending.lock(), seen.lock()) {
                (Ok(p), Ok(s)) => p
                    .iter()
                    .filter(|m| !s.contains_key(&m.id))
                    .cloned()
                    .collect(),
                _ => Vec::new(),
            };
            if let Ok(a) = chains.evm.node("a") {
                for m in pending {
                    let key = chains.link.receipt_key(a, m.nonce);
                    if let Ok(Some(receipt)) = chains.link.node.receipt(&key).await
                        && receipt.message_id == m.id
                        && let Ok(mut s) = seen.lock()
                    {
                        s.entry(m.id).or_insert_with(Instant::now);
                    }
                }
            }
        }
        tick += 1;
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
