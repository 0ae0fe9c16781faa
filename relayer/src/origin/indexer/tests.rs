//! The indexer on a real anvil node with the Solidity bridge: with a `ws_url` it indexes a
//! message long before its (deliberately long) poll interval; with a `ws_url` that never
//! connects it still indexes by polling; a message its node left out is found again from the
//! gap in the origin's nonces; without a `start_block` a first start begins at the bridge's
//! deployment block (not block 0), with one it begins there.

use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy_primitives::B256;
use alloy_sol_types::SolCall;
use serde_json::json;
use tokio::sync::watch;
use trestle_bridge::evm_bindings::Bridge;
use trestle_core::chain::{U256, UniversalAddress};
use trestle_core::evm::{EvmAddress, EvmSigner};
use trestle_evm::{EvmChain, EvmSender, Preset, TxRequest};
use trestle_tests::{Anvil, DEV_ACCOUNTS};

use crate::config::{ChainConfig, ChainKind, EvmChainConfig};
use crate::metrics::Metrics;
use crate::origin::evm::EvmReader;
use crate::store::{ListFilter, NewMessage, Store};
use trestle_bridge_client::EvmBridge;

const DOMAIN: u32 = 1;
const REMOTE: u32 = 2;
const WAIT: Duration = Duration::from_secs(30);

fn signer(i: usize) -> EvmSigner {
    let key = hex::decode(DEV_ACCOUNTS[i].private_key.trim_start_matches("0x")).unwrap();
    EvmSigner::from_private_key(&key.try_into().unwrap()).unwrap()
}

async fn send(sender: &EvmSender, request: TxRequest) -> trestle_evm::Receipt {
    let (_, receipt) = sender.send_and_wait(request, WAIT).await.unwrap();
    assert!(receipt.success);
    receipt
}

/// An anvil node with a bridge (domain 1) that knows a remote bridge on domain 2, and a
/// sender of messages to it.
struct Origin {
    anvil: Anvil,
    chain: Arc<EvmChain>,
    bridge: EvmAddress,
    /// The block the bridge's proxy was deployed in.
    deployed_at: u64,
    user: EvmSender,
}

impl Origin {
    async fn start() -> Origin {
        Self::start_after_blocks(0).await
    }

    /// An origin whose bridge is deployed after `blocks` empty blocks.
    async fn start_after_blocks(blocks: u64) -> Origin {
        let anvil = Anvil::builder().spawn().unwrap();
        if blocks > 0 {
            tokio::task::block_in_place(|| anvil.rpc("anvil_mine", json!([blocks])).unwrap());
        }
        let mut config =
            trestle_evm::EvmChainConfig::preset(Preset::Anvil, vec![anvil.url().into()]);
        config.name = "origin".into();
        config.chain_id = anvil.chain_id();
        let chain = Arc::new(EvmChain::connect(config).await.unwrap());
        let admin = EvmSender::new(chain.clone(), signer(0));
        let init = trestle_bridge_client::BridgeInit {
            domain: DOMAIN,
            admin: admin.address(),
            guardian: signer(1).address(),
            admin_delay: 1,
        };
        let bridge = trestle_bridge_client::EvmBridge::deploy(&admin, &init, WAIT)
            .await
            .unwrap()
            .address();
        // Anvil mines each transaction in a block of its own: the proxy's is the last.
        let deployed_at = chain.block_number().await.unwrap();
        // setRemote through the admin timelock (1 s delay).
        let remote = B256::from(UniversalAddress::from_evm([0x22; 20]).0);
        let call: Vec<u8> = Bridge::setRemoteCall::new((REMOTE, remote, 0u8)).abi_encode();
        let propose = Bridge::proposeCall::new((call.clone().into(), B256::ZERO)).abi_encode();
        send(&admin, TxRequest::call(bridge, propose)).await;
        tokio::task::block_in_place(|| {
            anvil.rpc("evm_increaseTime", json!([5])).unwrap();
            anvil.rpc("evm_mine", json!([])).unwrap();
        });
        let execute = Bridge::executeCall::new((call.into(), B256::ZERO)).abi_encode();
        send(&admin, TxRequest::call(bridge, execute)).await;
        let user = EvmSender::new(chain.clone(), signer(3));
        Origin {
            anvil,
            chain,
            bridge,
            deployed_at,
            user,
        }
    }

    /// Sends one message paying 1,000 wei for its delivery (a `GasPaid` log beside its
    /// `MessageSent`); returns once it is mined.
    async fn send_message(&self, payload: &[u8]) {
        let recipient = B256::from(UniversalAddress::from_evm([0x33; 20]).0);
        let data =
            Bridge::sendMessageCall::new((REMOTE, recipient, 100_000u64, payload.to_vec().into()))
                .abi_encode();
        let request = TxRequest::call(self.bridge, data).with_value(U256::from(1_000u64));
        send(&self.user, request).await;
    }

    fn chain_config(
        &self,
        poll_ms: u64,
        ws_url: Option<String>,
        start_block: Option<u64>,
    ) -> ChainConfig {
        ChainConfig {
            name: "origin".into(),
            domain: DOMAIN,
            rpc_urls: vec![self.anvil.url().into()],
            quorum: None,
            start_block,
            index_batch_blocks: 50,
            poll_interval_ms: Some(poll_ms),
            low_balance: None,
            kind: ChainKind::Evm(EvmChainConfig {
                chain_id: self.anvil.chain_id(),
                bridge: self.bridge,
                preset: Some(Preset::Anvil),
                finality: None,
                ws_url,
            }),
        }
    }
}

/// An indexer task on its own chain handle (with `config`'s poll interval) and store.
struct Running {
    store: Store,
    shutdown: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl Running {
    async fn start(config: ChainConfig) -> Running {
        Self::start_after(config, None).await
    }

    /// Starts the indexer on a store that already holds `seed`: messages recorded up to a
    /// cursor, as if an earlier run had read them.
    async fn start_after(
        config: ChainConfig,
        seed: Option<(u64, [u8; 32], Vec<NewMessage>)>,
    ) -> Running {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("store.db").display());
        let store = Store::connect(&url, 2).await.unwrap();
        if let Some((height, hash, messages)) = seed {
            store
                .record_indexed(&config.name, height, hash, &messages)
                .await
                .unwrap();
        }
        let chain = Arc::new(
            EvmChain::connect(config.evm_config().unwrap())
                .await
                .unwrap(),
        );
        let bridge = EvmBridge::new(chain, config.evm().unwrap().bridge);
        let metrics = Arc::new(Metrics::new());
        let (shutdown, rx) = watch::channel(false);
        let task = tokio::spawn(super::run(
            EvmReader::new(bridge, &config, metrics.clone()),
            config,
            store.clone(),
            metrics,
            rx,
        ));
        Running {
            store,
            shutdown,
            task,
            _dir: dir,
        }
    }

    async fn messages(&self) -> usize {
        self.store.list(&ListFilter::default()).await.unwrap().len()
    }

    async fn cursor(&self) -> u64 {
        self.store
            .cursor("origin")
            .await
            .unwrap()
            .map_or(0, |(height, _)| height)
    }

    /// Polls the store every 5 ms until `done` holds; `false` if `timeout` passed first.
    async fn within(&self, timeout: Duration, done: impl AsyncFn(&Running) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if done(self).await {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    async fn stop(self) {
        self.shutdown.send(true).unwrap();
        tokio::time::timeout(WAIT, self.task)
            .await
            .expect("the indexer stops on shutdown")
            .unwrap();
        self.store.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anvil_indexer_with_ws_url_indexes_long_before_its_poll_interval() {
    let origin = Origin::start().await;
    let start = origin.chain.block_number().await.unwrap();
    // A 5 s poll: anything indexed within a second was woken by a notification.
    let config = origin.chain_config(5_000, Some(origin.anvil.ws_url()), Some(start - 1));
    let running = Running::start(config).await;
    assert!(
        running
            .within(WAIT, async |r| r.cursor().await == start)
            .await,
        "the first poll reads the first block"
    );

    // Wait for the subscription: an empty block mined is indexed within a second.
    let deadline = Instant::now() + WAIT;
    loop {
        tokio::task::block_in_place(|| origin.anvil.rpc("evm_mine", json!([])).unwrap());
        let height = origin.chain.block_number().await.unwrap();
        let quick = Duration::from_secs(1);
        if running
            .within(quick, async |r| r.cursor().await >= height)
            .await
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no notification ever woke the indexer"
        );
    }

    // Right after a notified poll the next timed poll is ~5 s away: a message indexed within
    // 1.5 s of being mined was indexed because its block was announced.
    for n in 1..=3 {
        origin.send_message(&[n]).await;
        let mined = Instant::now();
        assert!(
            running
                .within(Duration::from_millis(1_500), async |r| r.messages().await
                    == n as usize)
                .await,
            "message {n} not indexed within 1.5 s of being mined (poll interval 5 s)"
        );
        let took = mined.elapsed();
        assert!(took < Duration::from_millis(1_500), "{took:?}");
    }
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anvil_indexer_with_a_ws_url_that_never_connects_indexes_by_polling() {
    let origin = Origin::start().await;
    let start = origin.chain.block_number().await.unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = origin.chain_config(200, Some(format!("ws://127.0.0.1:{closed}")), Some(start));
    let running = Running::start(config).await;
    for n in 1..=2 {
        origin.send_message(&[n]).await;
        assert!(
            running
                .within(WAIT, async |r| r.messages().await == n as usize)
                .await,
            "message {n} not indexed by polling"
        );
    }
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anvil_indexer_with_a_lying_ws_url_indexes_only_the_chain() {
    let origin = Origin::start().await;
    let start = origin.chain.block_number().await.unwrap();
    // The WebSocket belongs to another node, which announces blocks as fast as it can mine
    // them: heads that do not exist on the origin, at other heights, with other hashes.
    let liar = Arc::new(Anvil::builder().chain_id(31_338).spawn().unwrap());
    let config = origin.chain_config(200, Some(liar.ws_url()), Some(start));
    let running = Running::start(config).await;
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let miner = std::thread::spawn({
        let stop = stop.clone();
        let liar = liar.clone();
        move || {
            let mut mined = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                liar.rpc("evm_mine", json!([])).unwrap();
                mined += 1;
            }
            mined
        }
    });
    for n in 1..=3u8 {
        origin.send_message(&[n]).await;
        assert!(
            running
                .within(WAIT, async |r| r.messages().await == usize::from(n))
                .await,
            "message {n} not indexed"
        );
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mined = miner.join().unwrap();
    assert!(mined > 20, "the liar announced only {mined} blocks");

    // Exactly the origin's messages, from the origin's blocks; the cursor is an origin block.
    let records = running.store.list(&ListFilter::default()).await.unwrap();
    assert_eq!(records.len(), 3);
    for r in &records {
        let header = origin.chain.header(r.origin_height).await.unwrap().unwrap();
        assert_eq!(r.origin_block_hash, header.hash);
    }
    let (height, hash) = running.store.cursor("origin").await.unwrap().unwrap();
    assert!(height <= origin.chain.block_number().await.unwrap());
    assert_eq!(
        origin.chain.header(height).await.unwrap().unwrap().hash,
        hash
    );
    running.stop().await;
}

/// Protocol v2, finding 10: a node that leaves a `MessageSent` log out of its answer (or a
/// log that cannot be read) made the indexer skip that message for good. The gap it leaves
/// in the origin's nonces is now found and the blocks between its neighbours read again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anvil_indexer_reads_again_the_blocks_of_a_missing_nonce() {
    let origin = Origin::start().await;
    let start = origin.chain.block_number().await.unwrap();
    for n in 0..4u8 {
        origin.send_message(&[n]).await;
    }
    let head = origin
        .chain
        .header(origin.chain.block_number().await.unwrap())
        .await
        .unwrap()
        .unwrap();
    let config = origin.chain_config(200, None, Some(start));
    let bridge = trestle_bridge_client::EvmBridge::new(origin.chain.clone(), origin.bridge);
    let events = origin
        .chain
        .logs(&bridge.message_sent_filter(), start, head.number)
        .await
        .unwrap();
    let all =
        crate::origin::evm::reader::found_messages(&events, &bridge, &config, &Metrics::new());
    assert_eq!(all.len(), 4);
    // An earlier run read up to the head but its node left out nonces 1 and 2.
    let seen: Vec<NewMessage> = all
        .iter()
        .filter(|m| ![1, 2].contains(&m.message.nonce))
        .cloned()
        .collect();
    let running = Running::start_after(config, Some((head.number, head.hash, seen))).await;
    assert!(
        running
            .within(WAIT, async |r| r.messages().await == 4)
            .await,
        "the missing nonces were not read again"
    );
    let mut nonces: Vec<u64> = running
        .store
        .list(&ListFilter::default())
        .await
        .unwrap()
        .iter()
        .map(|r| r.nonce)
        .collect();
    nonces.sort_unstable();
    assert_eq!(nonces, [0, 1, 2, 3]);
    // Their payments were read again with them (regression: the re-read took messages only,
    // and a message whose GasPaid the node had left out too stayed unpaid).
    for r in running.store.list(&ListFilter::default()).await.unwrap() {
        if [1, 2].contains(&r.nonce) {
            let paid = running
                .store
                .paid(&[(r.id, r.origin, r.destination)])
                .await
                .unwrap();
            assert_eq!(paid.get(&r.id), Some(&1_000), "nonce {}", r.nonce);
        }
    }
    // The cursor did not move back: the re-read recorded without rewinding.
    assert_eq!(running.cursor().await, head.number);
    running.stop().await;
}

/// A JSON-RPC endpoint in front of a node that forwards everything and records the
/// `fromBlock` of each `eth_getLogs` it forwards; it may answer `eth_getCode` for blocks
/// below a height otherwise ([`OldCode`]).
struct LogRangeRecorder {
    url: String,
    from_blocks: Arc<std::sync::Mutex<Vec<u64>>>,
    task: tokio::task::JoinHandle<()>,
}

/// What [`LogRangeRecorder`] answers to `eth_getCode` below a height.
#[derive(Debug, Clone, Copy)]
enum OldCode {
    /// An error, as a full node does: the state is gone.
    Pruned(u64),
    /// No code (a lie, once the contract is deployed; or a node that answers `0x` for state
    /// it pruned).
    Empty(u64),
    /// No code at any block for the first this many `eth_getCode` calls (an endpoint that
    /// lags behind the deployment), then the node's answers.
    EmptyFirst(usize),
}

fn quantity(value: &serde_json::Value) -> u64 {
    u64::from_str_radix(value.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

impl LogRangeRecorder {
    async fn start(target: &str, old_code: Option<OldCode>) -> Self {
        let from_blocks = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (target, client) = (target.to_owned(), reqwest::Client::new());
        let recorded = from_blocks.clone();
        let code_calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let app = axum::Router::new().route(
            "/",
            axum::routing::post(move |axum::Json(request): axum::Json<serde_json::Value>| {
                let (target, client, recorded) = (target.clone(), client.clone(), recorded.clone());
                let code_calls = code_calls.clone();
                async move {
                    // (alloy sends one call per request.)
                    if request["method"] == "eth_getLogs" {
                        let from = quantity(&request["params"][0]["fromBlock"]);
                        recorded.lock().unwrap().push(from);
                    }
                    if request["method"] == "eth_getCode" {
                        let block = quantity(&request["params"][1]);
                        let id = &request["id"];
                        let calls =
                            code_calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                        match old_code {
                            Some(OldCode::EmptyFirst(n)) if calls <= n => {
                                return axum::Json(
                                    json!({"jsonrpc": "2.0", "id": id, "result": "0x"}),
                                );
                            }
                            Some(OldCode::Pruned(below)) if block < below => {
                                return axum::Json(json!({
                                    "jsonrpc": "2.0",
                                    "id": id,
                                    "error": {"code": -32000, "message": "missing trie node"},
                                }));
                            }
                            Some(OldCode::Empty(below)) if block < below => {
                                return axum::Json(
                                    json!({"jsonrpc": "2.0", "id": id, "result": "0x"}),
                                );
                            }
                            _ => {}
                        }
                    }
                    let answer = client.post(&target).json(&request).send().await.unwrap();
                    axum::Json(answer.json::<serde_json::Value>().await.unwrap())
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        LogRangeRecorder {
            url,
            from_blocks,
            task,
        }
    }

    fn log_starts(&self) -> Vec<u64> {
        self.from_blocks.lock().unwrap().clone()
    }
}

impl Drop for LogRangeRecorder {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anvil_indexer_first_start_begins_at_the_bridge_deployment_block() {
    // 1,000 empty blocks before the bridge: from block 0 that is 20 getLogs of 50 blocks.
    let origin = Origin::start_after_blocks(1_000).await;
    assert!(origin.deployed_at > 1_000);
    for payload in [&b"one"[..], b"two", b"three"] {
        origin.send_message(payload).await;
    }

    // No start_block: the first getLogs begins at the deployment block, none reads before it,
    // and every message is recorded.
    let recorder = LogRangeRecorder::start(origin.anvil.url(), None).await;
    let mut config = origin.chain_config(50, None, None);
    config.rpc_urls = vec![recorder.url.clone()];
    let running = Running::start(config).await;
    assert!(
        running
            .within(WAIT, async |r| r.messages().await == 3)
            .await,
        "the messages after the deployment are all recorded"
    );
    running.stop().await;
    let from_blocks = recorder.log_starts();
    assert_eq!(
        from_blocks.iter().min(),
        Some(&origin.deployed_at),
        "getLogs from blocks {from_blocks:?}"
    );

    // An explicit start_block is used as it is, even 0.
    let recorder = LogRangeRecorder::start(origin.anvil.url(), None).await;
    let mut config = origin.chain_config(50, None, Some(0));
    config.rpc_urls = vec![recorder.url.clone()];
    let running = Running::start(config).await;
    assert!(
        running
            .within(WAIT, async |r| r.messages().await == 3)
            .await
    );
    running.stop().await;
    assert_eq!(recorder.log_starts().iter().min(), Some(&1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anvil_indexer_on_a_node_without_old_state_starts_at_block_0_unless_the_deployment_is_recent()
 {
    let origin = Origin::start_after_blocks(500).await;
    for payload in [&b"one"[..], b"two"] {
        origin.send_message(payload).await;
    }
    // The node has no state before the deployment's next block: it cannot say when the
    // bridge was deployed, so the indexer reads from block 0 (and misses nothing), not from
    // the oldest block it has state for.
    let recorder = LogRangeRecorder::start(
        origin.anvil.url(),
        Some(OldCode::Pruned(origin.deployed_at + 1)),
    )
    .await;
    let mut config = origin.chain_config(50, None, None);
    config.rpc_urls = vec![recorder.url.clone()];
    let running = Running::start(config).await;
    assert!(
        running
            .within(WAIT, async |r| r.messages().await == 2)
            .await
    );
    running.stop().await;
    assert_eq!(recorder.log_starts().iter().min(), Some(&1));

    // Its state reaches back past the deployment: the search finds the block.
    let recorder = LogRangeRecorder::start(
        origin.anvil.url(),
        Some(OldCode::Pruned(origin.deployed_at - 100)),
    )
    .await;
    let mut config = origin.chain_config(50, None, None);
    config.rpc_urls = vec![recorder.url.clone()];
    let running = Running::start(config).await;
    assert!(
        running
            .within(WAIT, async |r| r.messages().await == 2)
            .await
    );
    running.stop().await;
    assert_eq!(
        recorder.log_starts().iter().min(),
        Some(&origin.deployed_at)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anvil_indexer_does_not_start_late_on_one_endpoints_word() {
    let origin = Origin::start_after_blocks(500).await;
    for payload in [&b"one"[..], b"two"] {
        origin.send_message(payload).await;
    }
    // The endpoint in use says the bridge had no code until after the messages were sent;
    // the other endpoint (the node itself) says it had: the indexer reads from block 0 and
    // records both messages.
    let tip = origin.chain.block_number().await.unwrap();
    let liar = LogRangeRecorder::start(origin.anvil.url(), Some(OldCode::Empty(tip))).await;
    let mut config = origin.chain_config(50, None, None);
    config.rpc_urls = vec![liar.url.clone(), origin.anvil.url().into()];
    let running = Running::start(config).await;
    assert!(
        running
            .within(WAIT, async |r| r.messages().await == 2)
            .await
    );
    running.stop().await;
    assert_eq!(liar.log_starts().iter().min(), Some(&1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anvil_indexer_does_not_start_late_on_a_node_answering_0x_for_pruned_state() {
    let origin = Origin::start_after_blocks(500).await;
    for payload in [&b"one"[..], b"two"] {
        origin.send_message(payload).await;
    }
    // The only endpoint answers `0x` (not an error) below its tip, as a node that pruned old
    // state may: code "appears" at the tip. No Upgraded log of the proxy there, so the search
    // is not believed and the indexer reads from block 0.
    let tip = origin.chain.block_number().await.unwrap();
    let pruned = LogRangeRecorder::start(origin.anvil.url(), Some(OldCode::Empty(tip))).await;
    let mut config = origin.chain_config(50, None, None);
    config.rpc_urls = vec![pruned.url.clone()];
    let running = Running::start(config).await;
    assert!(
        running
            .within(WAIT, async |r| r.messages().await == 2)
            .await,
        "both messages recorded"
    );
    running.stop().await;
    assert_eq!(pruned.log_starts().iter().min(), Some(&1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anvil_indexer_waits_for_the_bridge_when_an_endpoint_says_it_has_no_code() {
    let origin = Origin::start_after_blocks(100).await;
    for payload in [&b"one"[..], b"two"] {
        origin.send_message(payload).await;
    }
    // An endpoint that lags says there is no code at the bridge's address for its first
    // answers: a first start waits for the code instead of starting at the tip (past both
    // messages), then finds the deployment block.
    let lagging = LogRangeRecorder::start(origin.anvil.url(), Some(OldCode::EmptyFirst(3))).await;
    let mut config = origin.chain_config(50, None, None);
    config.rpc_urls = vec![lagging.url.clone()];
    let running = Running::start(config).await;
    assert!(
        running
            .within(WAIT, async |r| r.messages().await == 2)
            .await,
        "both messages recorded"
    );
    running.stop().await;
    assert_eq!(lagging.log_starts().iter().min(), Some(&origin.deployed_at));
}
