//! Shared helpers: anvil nodes, chain configs, dev signers, the test token.

use std::sync::Arc;
use std::time::Duration;

use trestle_core::chain::U256;
use trestle_core::evm::{EvmAddress, EvmSigner};
use trestle_evm::{EvmChain, EvmChainConfig, EvmSender, Preset, TxRequest};
use trestle_tests::Anvil;

/// The test token's init code (committed; `artifact::test_token_artifact_matches_source`
/// recompiles the source and compares).
pub const TEST_TOKEN_BIN: &str = include_str!("../fixtures/TestToken.bin");

/// Generous wait for anything on a local node.
pub const WAIT: Duration = Duration::from_secs(30);

pub fn anvil() -> Anvil {
    Anvil::builder().spawn().unwrap()
}

pub fn config(urls: Vec<String>) -> EvmChainConfig {
    let mut c = EvmChainConfig::preset(Preset::Anvil, urls);
    c.rpc.request_timeout_ms = 2_000;
    c
}

pub async fn chain(anvil: &Anvil) -> Arc<EvmChain> {
    Arc::new(
        EvmChain::connect(config(vec![anvil.url().to_owned()]))
            .await
            .unwrap(),
    )
}

pub fn dev_signer(anvil: &Anvil, index: usize) -> EvmSigner {
    let key = anvil.dev_accounts()[index].private_key;
    let bytes: [u8; 32] = hex::decode(key.trim_start_matches("0x"))
        .unwrap()
        .try_into()
        .unwrap();
    EvmSigner::from_private_key(&bytes).unwrap()
}

pub fn dev_address(anvil: &Anvil, index: usize) -> EvmAddress {
    EvmAddress::parse(anvil.dev_accounts()[index].address).unwrap()
}

pub fn token_init_code(supply: U256) -> Vec<u8> {
    let mut code = hex::decode(TEST_TOKEN_BIN.trim()).unwrap();
    code.extend_from_slice(&supply.to_be_bytes::<32>());
    code
}

/// Deploys the test token with `supply` minted to the sender; returns its address and the
/// deployment block.
pub async fn deploy_token(sender: &EvmSender, supply: U256) -> (EvmAddress, u64) {
    let (_, receipt) = sender
        .send_and_wait(TxRequest::deploy(token_init_code(supply)), WAIT)
        .await
        .unwrap();
    (receipt.contract_address.unwrap(), receipt.block_number)
}

/// A loopback port nothing listens on (bound, then closed).
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// `anvil.rpc` off the async runtime's worker.
pub async fn anvil_rpc(
    anvil: &Anvil,
    method: &str,
    params: serde_json::Value,
) -> serde_json::Value {
    tokio::task::block_in_place(|| anvil.rpc(method, params)).unwrap()
}

pub fn ether(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18u64))
}
