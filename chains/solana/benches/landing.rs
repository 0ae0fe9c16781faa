//! Transaction landing latency on a local `solana-test-validator`.
//!
//! Starts a validator (through `trestle-tests`), measures its slot time, then lands SOL
//! transfers one after another with [`SolanaClient::land`] and prints p50/p99 latency from the
//! call to the transaction reaching the inclusion commitment, for `confirmed` (the default)
//! and `processed`. Not a CI benchmark: it needs the validator binary
//! (`scripts/setup-chains.sh`) and takes about two minutes.
//!
//! `cargo bench -p trestle-solana --bench landing [-- <transfers per series>]`

// A benchmark binary: a failed setup step should stop it with its error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::time::{Duration, Instant};

use trestle_core::solana::SolanaSigner;
use trestle_solana::{Commitment, SolanaClient, SolanaConfig};
use trestle_tests::SolanaValidator;

/// Nearest-rank percentile of sorted samples.
fn percentile(sorted: &[Duration], p: usize) -> Duration {
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted[rank - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

/// Average slot time over `window`, from `getSlot` at `processed`.
async fn slot_time(client: &SolanaClient, window: Duration) -> Duration {
    let start = Instant::now();
    let first = client.slot(Commitment::Processed).await.unwrap();
    tokio::time::sleep(window).await;
    let last = client.slot(Commitment::Processed).await.unwrap();
    start.elapsed() / u32::try_from(last.saturating_sub(first).max(1)).unwrap()
}

async fn series(url: &str, inclusion: Commitment, transfers: usize) -> Vec<Duration> {
    let mut config = SolanaConfig::new("bench", url);
    config.commitments.inclusion = inclusion;
    // Poll often so the measurement resolves below a slot.
    config.landing.poll_interval = Duration::from_millis(50);
    let client = SolanaClient::new(config);
    let payer = SolanaSigner::generate().unwrap();
    client
        .airdrop(&payer.pubkey(), 10_000_000_000)
        .await
        .unwrap();
    let to = SolanaSigner::generate().unwrap().pubkey();
    // Warm-up: the first transfer creates the recipient.
    client
        .transfer_sol(&payer, &to, 1_000_000_000)
        .await
        .unwrap();
    let mut samples = Vec::with_capacity(transfers);
    for i in 0..transfers {
        let start = Instant::now();
        let landed = client
            .transfer_sol(&payer, &to, 1_000 + i as u64)
            .await
            .unwrap();
        samples.push(start.elapsed());
        assert_eq!(
            landed.rebuilds, 0,
            "a local transfer should not need a rebuild"
        );
    }
    samples.sort();
    samples
}

#[tokio::main]
async fn main() {
    let transfers: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(50);
    let validator = SolanaValidator::spawn().expect("start solana-test-validator");
    let client = SolanaClient::localnet(validator.rpc_url());
    // Let the validator settle past its first slots before timing anything.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let slot = slot_time(&client, Duration::from_secs(5)).await;
    println!(
        "solana-test-validator slot time: {} (measured over 5 s)",
        ms(slot)
    );
    println!(
        "{:<10} {:>9} {:>9} {:>9} {:>9} {:>9} {:>12}",
        "inclusion", "n", "min", "p50", "p99", "max", "p50 / slot"
    );
    for inclusion in [Commitment::Confirmed, Commitment::Processed] {
        let samples = series(validator.rpc_url(), inclusion, transfers).await;
        let p50 = percentile(&samples, 50);
        println!(
            "{:<10} {:>9} {:>9} {:>9} {:>9} {:>9} {:>12.1}",
            inclusion.as_str(),
            samples.len(),
            ms(samples[0]),
            ms(p50),
            ms(percentile(&samples, 99)),
            ms(samples[samples.len() - 1]),
            p50.as_secs_f64() / slot.as_secs_f64()
        );
    }
}
