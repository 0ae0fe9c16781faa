//! The soak's outcome as the chains tell it: the messages the origins hold (a's `MessageSent`
//! logs on the canonical chain; the sends that landed on Solana, which has no reorgs here) and
//! how many times each destination delivered each (`MessageDelivered` logs on a and b; the
//! transactions that wrote the delivery receipt on Solana, and the receipt's message id).

use std::collections::{BTreeMap, HashMap, HashSet};

use alloy_sol_types::SolEvent;
use trestle_bridge::evm_bindings::Bridge;
use trestle_evm::LogFilter;

use super::Chains;
use super::traffic::Sends;
use crate::error::{Error, Result};
use crate::evm::EvmNode;
use crate::scenario::{DOMAIN_B, DOMAIN_SOLANA};

/// A lane of the soak's traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Lane {
    /// EVM -> EVM: a's ether to b.
    AToB,
    /// EVM -> Solana: a's ether to the bridged SPL mint.
    AToSolana,
    /// Solana -> EVM: the home SPL token to its `BridgedToken` on a.
    SolanaToA,
}

impl Lane {
    /// The lanes, in the order transfers take them.
    pub const ALL: [Self; 3] = [Self::AToB, Self::AToSolana, Self::SolanaToA];

    /// The lane of transfer number `i` (they take the lanes in turn).
    pub fn of(i: usize) -> Self {
        match i % 3 {
            0 => Self::AToB,
            1 => Self::AToSolana,
            _ => Self::SolanaToA,
        }
    }
}

impl std::fmt::Display for Lane {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::AToB => "a -> b",
            Self::AToSolana => "a -> solana",
            Self::SolanaToA => "solana -> a",
        })
    }
}

/// One message an origin holds, and its deliveries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Its lane.
    pub lane: Lane,
    /// Its nonce on the origin.
    pub nonce: u64,
    /// How many times its destination delivered it.
    pub deliveries: usize,
}

/// What the chains say.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Every message the origins hold, by id.
    pub messages: BTreeMap<[u8; 32], Outcome>,
    /// Deliveries of ids no origin holds (a message undone by a reorg, or forged), by lane.
    pub phantoms: Vec<(Lane, [u8; 32])>,
    /// Transfers the sender saw land whose message a reorg of a undid (sent again by no one:
    /// the user's transaction is gone).
    pub undone_by_reorg: usize,
}

impl Tally {
    /// Messages the origins hold.
    pub fn expected(&self) -> usize {
        self.messages.len()
    }

    /// Messages delivered at least once.
    pub fn delivered(&self) -> usize {
        self.messages.values().filter(|o| o.deliveries > 0).count()
    }

    /// Every message delivered at least once.
    pub fn complete(&self) -> bool {
        self.messages.values().all(|o| o.deliveries > 0)
    }

    /// `(lane, id)` of the messages never delivered.
    pub fn lost(&self) -> Vec<(Lane, [u8; 32])> {
        self.select(|o| o.deliveries == 0)
    }

    /// `(lane, id)` of the messages delivered more than once.
    pub fn doubled(&self) -> Vec<(Lane, [u8; 32])> {
        self.select(|o| o.deliveries > 1)
    }

    /// Messages of `lane`, and how many were delivered exactly once.
    pub fn lane(&self, lane: Lane) -> (usize, usize) {
        let of: Vec<_> = self.messages.values().filter(|o| o.lane == lane).collect();
        (of.len(), of.iter().filter(|o| o.deliveries == 1).count())
    }

    fn select(&self, f: impl Fn(&Outcome) -> bool) -> Vec<(Lane, [u8; 32])> {
        self.messages
            .iter()
            .filter(|(_, o)| f(o))
            .map(|(id, o)| (o.lane, *id))
            .collect()
    }
}

fn topic_u64(topic: Option<&[u8; 32]>) -> u64 {
    let mut b = [0u8; 8];
    if let Some(t) = topic {
        b.copy_from_slice(t.get(24..).unwrap_or(&[0; 8]));
    }
    u64::from_be_bytes(b)
}

/// Every `event` log of `node`'s bridge since genesis: `(id, topics)`.
async fn logs(node: &EvmNode, event: [u8; 32]) -> Result<Vec<Vec<[u8; 32]>>> {
    let what = |e: trestle_core::error::Error| {
        Error::evm(format!("reading the logs of `{}`", node.name), e)
    };
    let head = node.chain.block_number().await.map_err(what)?;
    let filter = LogFilter::contract(node.bridge).with_event(event);
    let logs = node.chain.logs(&filter, 0, head).await.map_err(what)?;
    Ok(logs.into_iter().map(|l| l.topics).collect())
}

fn count(topics: &[Vec<[u8; 32]>]) -> HashMap<[u8; 32], usize> {
    let mut out = HashMap::new();
    for t in topics {
        if let Some(id) = t.get(1) {
            *out.entry(*id).or_insert(0) += 1;
        }
    }
    out
}

/// Reads the outcome from the chains.
pub async fn read(chains: &Chains, sends: &Sends) -> Result<Tally> {
    let a = chains.evm.node("a")?;
    let b = chains.evm.node("b")?;
    let mut tally = Tally::default();
    let sent_on_a = logs(a, Bridge::MessageSent::SIGNATURE_HASH.0).await?;
    let delivered_b = count(&logs(b, Bridge::MessageDelivered::SIGNATURE_HASH.0).await?);
    let delivered_a = count(&logs(a, Bridge::MessageDelivered::SIGNATURE_HASH.0).await?);
    for topics in &sent_on_a {
        let (Some(id), destination) = (topics.get(1), topic_u64(topics.get(2))) else {
            continue;
        };
        let nonce = topic_u64(topics.get(3));
        let (lane, deliveries) = if destination == u64::from(DOMAIN_B) {
            (Lane::AToB, delivered_b.get(id).copied().unwrap_or(0))
        } else if destination == u64::from(DOMAIN_SOLANA) {
            let key = chains.link.receipt_key(a, nonce);
            let receipt = chains.link.node.receipt(&key).await?;
            // The receipt (one per origin, bridge and nonce: the program's replay guard) is
            // the delivery; the transactions that wrote it count a second one. The test
            // validator drops old transaction history after some minutes (its ledger size
            // limit): a receipt whose transactions are gone still counts once.
            let n = match receipt {
                Some(r) if r.message_id == *id => {
                    tokio::task::block_in_place(|| chains.link.node.receipt_transactions(&key))?
                        .len()
                        .max(1)
                }
                _ => 0,
            };
            (Lane::AToSolana, n)
        } else {
            continue;
        };
        tally.messages.insert(
            *id,
            Outcome {
                lane,
                nonce,
                deliveries,
            },
        );
    }
    for s in sends.sent.iter().filter(|s| s.lane == Lane::SolanaToA) {
        tally.messages.insert(
            s.id,
            Outcome {
                lane: Lane::SolanaToA,
                nonce: s.nonce,
                deliveries: delivered_a.get(&s.id).copied().unwrap_or(0),
            },
        );
    }
    let known: HashSet<[u8; 32]> = tally.messages.keys().copied().collect();
    tally.undone_by_reorg = sends
        .sent
        .iter()
        .filter(|s| s.lane != Lane::SolanaToA && !known.contains(&s.id))
        .count();
    for (lane, delivered) in [(Lane::AToB, &delivered_b), (Lane::SolanaToA, &delivered_a)] {
        for id in delivered.keys().filter(|id| !known.contains(*id)) {
            tally.phantoms.push((lane, *id));
        }
    }
    Ok(tally)
}
