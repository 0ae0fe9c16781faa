//! Shared setup: a validator, a client for it, funded signers.

use trestle_core::solana::SolanaSigner;
use trestle_solana::{Commitment, SolanaClient, SolanaConfig};
use trestle_tests::SolanaValidator;

/// One SOL in lamports.
pub const SOL: u64 = 1_000_000_000;

/// A fresh validator and a client for it that reads events at `confirmed` (finalized takes
/// ~17 s on a fresh validator; finality has its own test).
pub fn start() -> (SolanaValidator, SolanaClient) {
    let validator = SolanaValidator::spawn().expect("start solana-test-validator");
    let config = SolanaConfig::new("solana-localnet", validator.rpc_url())
        .with_events_commitment(Commitment::Confirmed);
    (validator, SolanaClient::new(config))
}

/// A new signer with `sol` SOL from the faucet.
pub async fn funded(client: &SolanaClient, sol: u64) -> SolanaSigner {
    let signer = SolanaSigner::generate().unwrap();
    client.airdrop(&signer.pubkey(), sol * SOL).await.unwrap();
    signer
}
