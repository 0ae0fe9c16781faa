//! Throughput and latency of the EVM adapter on a local anvil node.
//!
//! - Log indexing: a backfill of 10,000 blocks holding 1,000 `Transfer` events (100
//!   transactions of 10 mints, one every 100 blocks), read by the [`Indexer`] with several
//!   `eth_getLogs` range limits; blocks/s and events/s, best of three.
//! - Transaction landing: `send` then `wait` of a value transfer, measured from before fee
//!   estimation to the receipt, on an auto-mining node (floor: the RPC round trips) and on a node
//!   mining every second (floor: the block time, since each back-to-back send starts just
//!   after the block that included the previous one).
//!
//! Run with `cargo bench -p trestle-evm --bench evm_adapter` (needs `scripts/setup.sh`).
//! Not run in CI: the numbers depend on the machine.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
// A benchmark binary: failing loudly is the point.

use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy_sol_types::{SolCall, sol};
use serde_json::json;
use trestle_core::chain::U256;
use trestle_core::evm::{EvmAddress, EvmSigner};
use trestle_evm::{Erc20, EvmChain, EvmChainConfig, EvmSender, Indexer, Preset, TxRequest};
use trestle_tests::Anvil;

sol! {
    function mintBatch(address to, uint256 amount, uint256 count) external;
}

const TOKEN_BIN: &str = include_str!("../tests/fixtures/TestToken.bin");
const BLOCKS: u64 = 10_000;
const TXS: u64 = 100;
const MINTS_PER_TX: u64 = 10;
const LANDINGS: usize = 20;

fn signer(anvil: &Anvil, index: usize) -> EvmSigner {
    let key = anvil.dev_accounts()[index].private_key;
    let bytes: [u8; 32] = hex::decode(key.trim_start_matches("0x"))
        .unwrap()
        .try_into()
        .unwrap();
    EvmSigner::from_private_key(&bytes).unwrap()
}

async fn connect(anvil: &Anvil, max_block_range: u64) -> Arc<EvmChain> {
    let mut config = EvmChainConfig::preset(Preset::Anvil, vec![anvil.url().to_owned()]);
    config.max_block_range = max_block_range;
    Arc::new(EvmChain::connect(config).await.unwrap())
}

fn rpc(anvil: &Anvil, method: &str, params: serde_json::Value) {
    tokio::task::block_in_place(|| anvil.rpc(method, params)).unwrap();
}

async fn indexing() {
    let anvil = Anvil::spawn().unwrap();
    let chain = connect(&anvil, 10_000).await;
    let sender = EvmSender::new(chain.clone(), signer(&anvil, 0));
    let mut code = hex::decode(TOKEN_BIN.trim()).unwrap();
    code.extend_from_slice(&U256::ZERO.to_be_bytes::<32>());
    let (_, deployed) = sender
        .send_and_wait(TxRequest::deploy(code), Duration::from_secs(30))
        .await
        .unwrap();
    let token = Erc20::new(deployed.contract_address.unwrap());
    let start = deployed.block_number;
    let setup = Instant::now();
    for i in 0..TXS {
        let data = mintBatchCall {
            to: alloy_primitives::Address::from([0x11; 20]),
            amount: U256::from(i + 1),
            count: U256::from(MINTS_PER_TX),
        }
        .abi_encode();
        sender
            .send_and_wait(
                TxRequest::call(token.address(), data),
                Duration::from_secs(30),
            )
            .await
            .unwrap();
        rpc(&anvil, "anvil_mine", json!([BLOCKS / TXS - 1]));
    }
    let tip = chain.block_number().await.unwrap();
    assert!(tip >= start + BLOCKS, "tip {tip}");
    println!(
        "indexing: {} blocks ({}..={}), {} events, set up in {:.1?}",
        BLOCKS,
        start + 1,
        start + BLOCKS,
        TXS * MINTS_PER_TX,
        setup.elapsed()
    );
    println!("  max_block_range  batch  requests  time      blocks/s   events/s");
    for (range, batch) in [
        (10_000u64, 10_000u64),
        (2_000, 2_000),
        (500, 500),
        (100, 100),
    ] {
        let chain = connect(&anvil, range).await;
        let mut best = Duration::MAX;
        for _ in 0..3 {
            let mut indexer = Indexer::start_after(chain.clone(), token.transfer_filter(), start)
                .await
                .unwrap()
                .with_batch(batch);
            let began = Instant::now();
            let mut events = 0u64;
            while indexer.cursor().height < start + BLOCKS {
                if let trestle_evm::IndexerStep::Advanced { events: e, .. } =
                    indexer.poll().await.unwrap()
                {
                    events += e.len() as u64;
                }
            }
            let took = began.elapsed();
            // The last poll may read past start + BLOCKS only if the tip moved; it does not here.
            assert_eq!(events, TXS * MINTS_PER_TX);
            best = best.min(took);
        }
        let secs = best.as_secs_f64();
        println!(
            "  {range:>15}  {batch:>5}  {:>8}  {:>7.1?}  {:>9.0}  {:>9.0}",
            BLOCKS.div_ceil(range),
            best,
            BLOCKS as f64 / secs,
            (TXS * MINTS_PER_TX) as f64 / secs
        );
    }
}

async fn landing(block_time: Option<u64>) {
    let anvil = Anvil::builder().block_time(block_time).spawn().unwrap();
    let chain = connect(&anvil, 10_000).await;
    let sender = EvmSender::new(chain.clone(), signer(&anvil, 1));
    let mut samples = Vec::with_capacity(LANDINGS);
    for i in 0..LANDINGS {
        let began = Instant::now();
        sender
            .send_and_wait(
                TxRequest::transfer(EvmAddress([0x22; 20]), U256::from(i as u64 + 1)),
                Duration::from_secs(30),
            )
            .await
            .unwrap();
        samples.push(began.elapsed());
    }
    samples.sort();
    let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
    let floor = match block_time {
        None => "automine: no block wait, RPC round trips only".to_owned(),
        // Back-to-back sends start just after the block that included the previous one, so
        // each waits a whole block: the floor is the block time, not half of it.
        Some(s) => format!(
            "block time {s} s: floor for back-to-back sends {} ms",
            s * 1_000
        ),
    };
    println!(
        "landing ({floor}), {LANDINGS} sequential transfers, poll interval {} ms: p50 {:.1?}  p95 {:.1?}  max {:.1?}  mean {:.1?}",
        chain.config().poll_interval_ms,
        samples[samples.len() / 2],
        samples[samples.len() * 95 / 100],
        samples[samples.len() - 1],
        mean
    );
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing and only wants it
    // to compile and start.
    if !std::env::args().any(|a| a == "--bench") {
        println!("evm_adapter: pass --bench (cargo bench) to run");
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        indexing().await;
        landing(None).await;
        landing(Some(1)).await;
    });
}
