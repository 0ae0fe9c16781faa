//! [`ForgingRpc`]: a JSON-RPC endpoint that lies. It forwards every request to a real node and
//! answers what the node answered, except that in `eth_getLogs` answers each token transfer
//! of a bridge's `MessageSent` logs is rewritten to pay another beneficiary (a well-formed
//! log, in the real block, with the forged message's id): what a compromised RPC provider
//! would serve to get a forged transfer signed. Other lies: every message delivered, and a
//! Solana page of signatures answered empty once when it is asked for again (a node that
//! lacks the page's `before` signature).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use alloy_sol_types::{SolCall, SolEvent};
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::post;
use serde_json::{Value, json};
use tokio::task::JoinHandle;
use trestle_bridge::evm_bindings::Bridge;
use trestle_bridge::{Body, Message};
use trestle_core::chain::UniversalAddress;
use trestle_core::evm::EvmAddress;

/// The lying endpoint; stops when dropped.
pub struct ForgingRpc {
    url: String,
    forged: Arc<AtomicUsize>,
    counts: Arc<Mutex<Counts>>,
    task: JoinHandle<()>,
}

/// What the endpoint was asked and answered, by JSON-RPC method.
#[derive(Debug, Default)]
struct Counts {
    /// Requests.
    calls: HashMap<String, usize>,
    /// Entries of the array results.
    results: HashMap<String, usize>,
}

/// What the endpoint lies about.
enum Lie {
    /// Nothing: an honest (possibly slow) endpoint.
    Nothing,
    /// Every token transfer of `bridge`'s `MessageSent` logs pays `beneficiary`.
    Transfers {
        bridge: EvmAddress,
        beneficiary: UniversalAddress,
    },
    /// Every `delivered(...)` is true and every `statusOf(...)` is Executed.
    Delivered,
    /// Every `eth_getTransactionCount(_, "pending")` is 5 above the truth: transactions
    /// pending that are not there.
    PendingInflated,
    /// The first `getSignaturesForAddress` asked with a `before` that was asked for already is
    /// answered with an empty list, once: what a node that lacks that signature answers (one
    /// with a shorter ledger history, or lagging, after a failover).
    EmptyPageAgain {
        /// The `before`s asked for so far; `None` once the lie is told.
        asked: Mutex<Option<HashSet<String>>>,
    },
    /// A node whose ledger begins at `.0`: `getSignaturesForAddress` leaves out every entry
    /// below that slot and `minimumLedgerSlot` says so (a non-archive node after a long
    /// outage of the relayer, or a failover to one).
    ShortHistory(u64),
}

struct Shared {
    lie: Lie,
    /// How long every answer is held back.
    delay: std::time::Duration,
    target: String,
    client: reqwest::Client,
    forged: Arc<AtomicUsize>,
    counts: Arc<Mutex<Counts>>,
}

impl ForgingRpc {
    /// Serves on a free loopback port in front of the node at `target`, rewriting the token
    /// transfers of `bridge`'s `MessageSent` logs to pay `beneficiary`.
    pub async fn start(target: &str, bridge: EvmAddress, beneficiary: UniversalAddress) -> Self {
        let lie = Lie::Transfers {
            bridge,
            beneficiary,
        };
        Self::serve(target, lie, std::time::Duration::ZERO).await
    }

    /// A destination endpoint that says every message is delivered (`delivered` true,
    /// `statusOf` Executed) and otherwise answers what `target` answers.
    pub async fn lying_delivered(target: &str) -> Self {
        Self::serve(target, Lie::Delivered, std::time::Duration::ZERO).await
    }

    /// An EVM endpoint that says every account has 5 transactions pending that it does not
    /// have (`eth_getTransactionCount` at `pending`), and otherwise answers what `target`
    /// answers.
    pub async fn inflating_pending(target: &str) -> Self {
        Self::serve(target, Lie::PendingInflated, std::time::Duration::ZERO).await
    }

    /// An honest endpoint that counts what it is asked ([`ForgingRpc::calls`],
    /// [`ForgingRpc::results`]).
    pub async fn counting(target: &str) -> Self {
        Self::serve(target, Lie::Nothing, std::time::Duration::ZERO).await
    }

    /// A Solana endpoint that answers the first page of signatures asked for again (by a
    /// `before` asked for already) with an empty list, once, and otherwise what `target`
    /// answers; counts like [`ForgingRpc::counting`], and [`ForgingRpc::forged`] is 1 once the
    /// lie is told.
    pub async fn empty_page_again(target: &str) -> Self {
        let lie = Lie::EmptyPageAgain {
            asked: Mutex::new(Some(HashSet::new())),
        };
        Self::serve(target, lie, std::time::Duration::ZERO).await
    }

    /// A node in front of `target` whose ledger begins at `first_slot` (see the lie).
    pub async fn short_history(target: &str, first_slot: u64) -> Self {
        Self::serve(
            target,
            Lie::ShortHistory(first_slot),
            std::time::Duration::ZERO,
        )
        .await
    }

    /// An honest but slow endpoint: answers what `target` answers, each `delay` late.
    pub async fn slow(target: &str, delay: std::time::Duration) -> Self {
        Self::serve(target, Lie::Nothing, delay).await
    }

    async fn serve(target: &str, lie: Lie, delay: std::time::Duration) -> Self {
        let forged = Arc::new(AtomicUsize::new(0));
        let counts = Arc::new(Mutex::new(Counts::default()));
        let shared = Arc::new(Shared {
            lie,
            delay,
            target: target.to_owned(),
            client: reqwest::Client::new(),
            forged: forged.clone(),
            counts: counts.clone(),
        });
        let router = axum::Router::new()
            .route("/", post(answer))
            .with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        Self {
            url,
            forged,
            counts,
            task,
        }
    }

    /// Its URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// How many logs it has forged so far.
    pub fn forged(&self) -> usize {
        self.forged.load(Ordering::SeqCst)
    }

    /// How many `method` requests it has answered so far.
    pub fn calls(&self, method: &str) -> usize {
        let counts = self.counts.lock().unwrap();
        counts.calls.get(method).copied().unwrap_or(0)
    }

    /// How many entries its answers to `method` held so far, counting the array results.
    pub fn results(&self, method: &str) -> usize {
        let counts = self.counts.lock().unwrap();
        counts.results.get(method).copied().unwrap_or(0)
    }
}

impl Drop for ForgingRpc {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer(
    State(shared): State<Arc<Shared>>,
    request: axum::body::Bytes,
) -> impl IntoResponse {
    tokio::time::sleep(shared.delay).await;
    let answer = shared
        .client
        .post(&shared.target)
        .header(CONTENT_TYPE, "application/json")
        .body(request.to_vec())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let request: Value = serde_json::from_slice(&request).unwrap_or(Value::Null);
    let mut answer: Value = serde_json::from_slice(&answer).unwrap();
    match (&request, &mut answer) {
        (Value::Array(requests), Value::Array(answers)) => {
            for (request, answer) in requests.iter().zip(answers) {
                shared.forge(request, answer);
            }
        }
        (request, answer) => shared.forge(request, answer),
    }
    ([(CONTENT_TYPE, "application/json")], answer.to_string())
}

impl Shared {
    /// Rewrites `answer` (to `request`) as the endpoint's lie says.
    fn forge(&self, request: &Value, answer: &mut Value) {
        match &self.lie {
            Lie::Nothing => {}
            Lie::Delivered => self.lie_delivered(request, answer),
            Lie::PendingInflated => self.inflate_pending(request, answer),
            Lie::EmptyPageAgain { asked } => self.empty_page_again(request, answer, asked),
            Lie::ShortHistory(first) => self.short_history(request, answer, *first),
            Lie::Transfers {
                bridge,
                beneficiary,
            } => self.forge_transfers(request, answer, bridge, beneficiary),
        }
        // What it answered, lies included.
        if let Some(method) = request["method"].as_str() {
            let mut counts = self.counts.lock().unwrap();
            *counts.calls.entry(method.to_owned()).or_default() += 1;
            if let Some(entries) = answer["result"].as_array() {
                *counts.results.entry(method.to_owned()).or_default() += entries.len();
            }
        }
    }

    /// `eth_getTransactionCount(_, "pending")` answered 5 higher.
    fn inflate_pending(&self, request: &Value, answer: &mut Value) {
        if request["method"] != "eth_getTransactionCount" || request["params"][1] != "pending" {
            return;
        }
        let Some(count) = answer["result"]
            .as_str()
            .and_then(|h| u64::from_str_radix(h.trim_start_matches("0x"), 16).ok())
        else {
            return;
        };
        answer["result"] = Value::String(format!("0x{:x}", count + 5));
        self.forged.fetch_add(1, Ordering::SeqCst);
    }

    /// `delivered(...)` and `statusOf(...)` answered with 1 (`true`, `Status.Executed`).
    fn lie_delivered(&self, request: &Value, answer: &mut Value) {
        if request["method"] != "eth_call" {
            return;
        }
        let call = &request["params"][0];
        let data = call["input"]
            .as_str()
            .or(call["data"].as_str())
            .unwrap_or("");
        let selector = |sig: [u8; 4]| data.starts_with(&format!("0x{}", hex::encode(sig)));
        if selector(Bridge::deliveredCall::SELECTOR) || selector(Bridge::statusOfCall::SELECTOR) {
            answer["result"] = Value::String(format!("0x{:064x}", 1));
            self.forged.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// The first `getSignaturesForAddress` answer to a `before` asked for already emptied.
    fn short_history(&self, request: &Value, answer: &mut Value, first: u64) {
        if request["method"] == "minimumLedgerSlot" {
            answer["result"] = json!(first);
            self.forged.fetch_add(1, Ordering::SeqCst);
            return;
        }
        if request["method"] != "getSignaturesForAddress" {
            return;
        }
        if let Some(entries) = answer["result"].as_array_mut() {
            let before = entries.len();
            entries.retain(|e| e["slot"].as_u64().is_some_and(|slot| slot >= first));
            if entries.len() < before {
                self.forged.fetch_add(1, Ordering::SeqCst);
            }
        }
    }

    fn empty_page_again(
        &self,
        request: &Value,
        answer: &mut Value,
        asked: &Mutex<Option<HashSet<String>>>,
    ) {
        if request["method"] != "getSignaturesForAddress" {
            return;
        }
        let Some(before) = request["params"][1]["before"].as_str() else {
            return;
        };
        let mut asked = asked.lock().unwrap();
        let Some(seen) = asked.as_mut() else {
            return;
        };
        if seen.insert(before.to_owned()) {
            return;
        }
        *asked = None;
        answer["result"] = Value::Array(Vec::new());
        self.forged.fetch_add(1, Ordering::SeqCst);
    }

    /// The token transfers of `bridge`'s `MessageSent` logs in an `eth_getLogs` answer
    /// rewritten to pay `beneficiary`.
    fn forge_transfers(
        &self,
        request: &Value,
        answer: &mut Value,
        bridge: &EvmAddress,
        beneficiary: &UniversalAddress,
    ) {
        if request["method"] != "eth_getLogs" {
            return;
        }
        let Some(logs) = answer["result"].as_array_mut() else {
            return;
        };
        let bridge = format!("0x{}", hex::encode(bridge.0));
        let topic0 = format!("0x{}", hex::encode(Bridge::MessageSent::SIGNATURE_HASH.0));
        for log in logs {
            let ours = log["address"]
                .as_str()
                .is_some_and(|a| a.eq_ignore_ascii_case(&bridge))
                && log["topics"][0].as_str() == Some(topic0.as_str());
            if ours && let Some((id, data)) = forged_log(log["data"].as_str().unwrap(), beneficiary)
            {
                log["topics"][1] = Value::String(format!("0x{}", hex::encode(id)));
                log["data"] = Value::String(format!("0x{}", hex::encode(data)));
                self.forged.fetch_add(1, Ordering::SeqCst);
            }
        }
    }
}

/// The id and ABI-encoded `bytes message` of the log data `data` (hex) with its token transfer
/// paying `beneficiary`; `None` for a message that is not a token transfer.
fn forged_log(data: &str, beneficiary: &UniversalAddress) -> Option<([u8; 32], Vec<u8>)> {
    let data = hex::decode(data.trim_start_matches("0x")).unwrap();
    // `bytes`: offset word, length word, the bytes padded to a word.
    let len = usize::try_from(u64::from_be_bytes(data[56..64].try_into().unwrap())).unwrap();
    let mut message = Message::decode(&data[64..64 + len]).unwrap();
    let Ok(Body::TokenTransfer(mut transfer)) = Body::decode(&message.body) else {
        return None;
    };
    transfer.beneficiary = *beneficiary;
    message.body = Body::TokenTransfer(transfer).encode();
    let bytes = message.encode();
    let mut out = data[..32].to_vec();
    let mut length = [0u8; 32];
    length[24..].copy_from_slice(&(bytes.len() as u64).to_be_bytes());
    out.extend_from_slice(&length);
    out.extend_from_slice(&bytes);
    out.resize(64 + bytes.len().div_ceil(32) * 32, 0);
    Some((message.id(), out))
}
