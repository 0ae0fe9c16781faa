//! Keys in an HSM: a validator and a relayer whose keys are secp256k1 key pairs on a SoftHSM2
//! token (`trestle_tests::softhsm`), opened the way the daemon opens `pkcs11 = {...}` keys
//! (`trestle_relayer::keys::open_evm_key`, the PIN from the variable `pin_env` names),
//! deliver a transfer: the HSM validator is one of the two signatures the 2-of-3 set needs,
//! the delivery transaction is signed on the token and recovers to its address.

use std::time::Duration;

use alloy_primitives::Address;
use serde_json::json;
use trestle_bridge::Attestation;
use trestle_core::chain::{U256, UniversalAddress};
use trestle_core::evm::EvmSigner;
use trestle_core::evm::transaction::decode_signed;
use trestle_relayer::config::Pkcs11KeyConfig;
use trestle_relayer::keys::open_evm_key;
use trestle_relayer::store::MessageState;
use trestle_relayer::{Daemon, Keys};
use trestle_relayer_harness::daemons::{
    http_get, live_endpoints, start_validators, wait_for_state,
};
use trestle_relayer_harness::evm::{DOMAIN_A, DOMAIN_B, ETHER, signer};
use trestle_relayer_harness::net::{Net, relayer_config};
use trestle_tests::softhsm::{self, PIN, TOKEN};

const MINUTE: Duration = Duration::from_secs(60);
const PIN_ENV: &str = "TRESTLE_HSM_PIN";

/// The key `key_label` on the test token, opened as `[role]`'s `pkcs11 = {...}` is.
fn hsm_key(role: &str, key_label: &str) -> EvmSigner {
    let hsm = softhsm::softhsm().unwrap_or_else(|e| panic!("{e}"));
    let config = Pkcs11KeyConfig {
        module: hsm.module().to_owned(),
        token_label: Some(TOKEN.into()),
        slot: None,
        key_label: key_label.into(),
        pin_env: PIN_ENV.into(),
    };
    let env = |name: &str| (name == PIN_ENV).then(|| PIN.to_owned());
    let key = open_evm_key(role, &config, &env).unwrap();
    assert!(key.is_external());
    key
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_validator_and_a_relayer_on_hsm_keys_deliver_a_transfer() {
    let validator = hsm_key("validator", "validator");
    let relayer_key = hsm_key("relayer", "relayer");
    // B's set for A: the HSM validator and dev accounts 6 and 7 (2-of-3).
    let net = Net::start_with_keys(u128::MAX, vec![validator.clone(), signer(6), signer(7)]).await;
    // Only the HSM validator and dev account 6 run: no delivery without the HSM's signature.
    let (validators, _dirs) = start_validators(
        &[validator.clone(), signer(6)],
        || net.chains(),
        &net.placeholders(),
    )
    .await;
    let endpoints = live_endpoints(&net.placeholders(), &validators);

    // The HSM relayer's address pays for its deliveries on B.
    let relayer_address = format!("{}", relayer_key.address());
    net.anvil_b
        .rpc(
            "anvil_setBalance",
            json!([relayer_address, format!("0x{:x}", 100 * ETHER)]),
        )
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let relayer = Daemon::start(
        relayer_config(&net, dir.path(), endpoints),
        Keys {
            relayer: Some(relayer_key.clone()),
            ..Keys::default()
        },
        "r",
    )
    .await
    .unwrap();
    let store = relayer.store().clone();

    let to = Address::from([0x4e; 20]);
    net.send(ETHER, to).await;
    let delivered = wait_for_state(&store, 0, MessageState::Delivered, MINUTE).await;
    assert_eq!(net.balance(to).await, U256::from(ETHER));

    // The delivery was signed on the token: its raw transaction recovers to the HSM
    // relayer's address, with a low s.
    let tx_hash = delivered
        .tx_hash
        .expect("a delivered message has its transaction");
    let raw = net
        .anvil_b
        .rpc(
            "eth_getRawTransactionByHash",
            json!([format!("0x{}", hex::encode(tx_hash))]),
        )
        .unwrap();
    let raw = hex::decode(raw.as_str().unwrap().trim_start_matches("0x")).unwrap();
    let (_, signature, from) = decode_signed(&raw).unwrap();
    assert_eq!(from, relayer_key.address());
    assert!(!signature.is_high_s());

    // The HSM validator attested it: the signature it serves recovers (strictly: low s, v
    // 27/28) to its address over the attestation digest.
    let digest = Attestation {
        origin: DOMAIN_A,
        origin_bridge: UniversalAddress::from_evm(net.d.bridge_a.0),
        destination: DOMAIN_B,
        destination_bridge: UniversalAddress::from_evm(net.d.bridge_b.0),
        epoch: 1,
        message_id: delivered.id,
    }
    .digest();
    let (status, body) = http_get(&format!(
        "http://{}/v1/attestations/0x{}",
        validators[0].api_addr(),
        hex::encode(delivered.id)
    ))
    .await;
    assert_eq!(status, 200, "{body}");
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    let sig = hex::decode(
        body["attestations"][0]["signature"]
            .as_str()
            .unwrap()
            .trim_start_matches("0x"),
    )
    .unwrap();
    let signer = trestle_bridge::signatures::recover_strict(0, &sig, &digest).unwrap();
    assert_eq!(signer, validator.address());

    relayer.shutdown().await;
    for v in validators {
        v.shutdown().await;
    }
}
