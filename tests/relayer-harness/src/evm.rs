//! Two anvil chains, A and B, with the Solidity bridge deployed behind its proxy on each and
//! configured for ether from A: the dev accounts that sign, the contracts' deployment and
//! their admin timelock, balances and sends.

use std::sync::Arc;
use std::time::Duration;

use alloy_primitives::{Address, B256, FixedBytes};
use alloy_sol_types::{SolCall, SolConstructor};
use serde_json::json;
use trestle_bridge::evm_bindings::{Bridge, BridgedToken};
use trestle_bridge::{NATIVE_TOKEN, token_id};
use trestle_core::chain::{U256, UniversalAddress};
use trestle_core::evm::{EvmAddress, EvmSigner};
use trestle_evm::{EvmChain, EvmSender, Preset, TxRequest};
use trestle_tests::{Anvil, DEV_ACCOUNTS};

/// Chain A's domain.
pub const DOMAIN_A: u32 = 1;
/// Chain B's domain.
pub const DOMAIN_B: u32 = 2;
/// One ether, in wei.
pub const ETHER: u128 = 1_000_000_000_000_000_000;

/// Dev account `i` of anvil's standard mnemonic: 0 administers the bridges, 1 is their
/// guardian, 2 relays, 3 sends, 5..8 validate.
pub fn signer(i: usize) -> EvmSigner {
    let key = hex::decode(DEV_ACCOUNTS[i].private_key.trim_start_matches("0x")).unwrap();
    EvmSigner::from_private_key(&key.try_into().unwrap()).unwrap()
}

/// `a` as alloy's address.
pub fn addr(a: EvmAddress) -> Address {
    Address::from(a.0)
}

/// `a` left-padded to 32 bytes, as the bridge names remote addresses.
pub fn pad(a: EvmAddress) -> B256 {
    B256::from(UniversalAddress::from_evm(a.0).0)
}

/// The EVM adapter on `anvil` (anvil preset), named `name`.
pub async fn connect(anvil: &Anvil, name: &str) -> Arc<EvmChain> {
    let mut config = trestle_evm::EvmChainConfig::preset(Preset::Anvil, vec![anvil.url().into()]);
    config.name = name.into();
    config.chain_id = anvil.chain_id();
    Arc::new(EvmChain::connect(config).await.unwrap())
}

/// Sends `request` and waits up to 30 s for its receipt.
pub async fn send(sender: &EvmSender, request: TxRequest) -> trestle_evm::Receipt {
    sender
        .send_and_wait(request, Duration::from_secs(30))
        .await
        .unwrap()
        .1
}

/// Deploys a bridge for `domain` behind its proxy (admin: dev account 0, guardian: dev
/// account 1, admin delay 1 s).
pub async fn deploy_bridge(sender: &EvmSender, domain: u32) -> EvmAddress {
    let init = trestle_bridge_client::BridgeInit {
        domain,
        admin: signer(0).address(),
        guardian: signer(1).address(),
        admin_delay: 1,
    };
    trestle_bridge_client::EvmBridge::deploy(sender, &init, Duration::from_secs(30))
        .await
        .unwrap()
        .address()
}

/// Deploys a contract: `code` (its creation bytecode) followed by the encoded constructor
/// `args`.
pub async fn deploy(sender: &EvmSender, code: &[u8], args: Vec<u8>) -> EvmAddress {
    let mut init = code.to_vec();
    init.extend(args);
    send(sender, TxRequest::deploy(init))
        .await
        .contract_address
        .unwrap()
}

/// Proposes every call through the admin timelock, lets the delay pass, executes them.
pub async fn configure(anvil: &Anvil, admin: &EvmSender, bridge: EvmAddress, calls: Vec<Vec<u8>>) {
    for (i, call) in calls.iter().enumerate() {
        let salt = B256::from(U256::from(i).to_be_bytes::<32>());
        let data = Bridge::proposeCall::new((call.clone().into(), salt)).abi_encode();
        send(admin, TxRequest::call(bridge, data)).await;
    }
    anvil.rpc("evm_increaseTime", json!([5])).unwrap();
    anvil.rpc("evm_mine", json!([])).unwrap();
    for (i, call) in calls.iter().enumerate() {
        let salt = B256::from(U256::from(i).to_be_bytes::<32>());
        let data = Bridge::executeCall::new((call.clone().into(), salt)).abi_encode();
        send(admin, TxRequest::call(bridge, data)).await;
    }
}

/// What [`deploy_bridges`] deployed.
pub struct Deployment {
    /// The bridge on A.
    pub bridge_a: EvmAddress,
    /// The bridge on B.
    pub bridge_b: EvmAddress,
    /// The bridged ether on B ("Wrapped Ether", 18 decimals, minted by bridge B).
    pub wrapped: EvmAddress,
    /// The token id of ether from A.
    pub token: B256,
}

/// Deploys a bridge on A and on B, configured for ether from A: A's native token routed to B,
/// B's bridged "WETH" for it, B's validator set for origin A (epoch 1, 2-of-`validators`), and
/// B holding inbound transfers of `timelock_threshold_b` wei or more for an hour.
pub async fn deploy_bridges(
    anvil_a: &Anvil,
    anvil_b: &Anvil,
    chain_a: &Arc<EvmChain>,
    chain_b: &Arc<EvmChain>,
    validators: &[EvmAddress],
    timelock_threshold_b: u128,
) -> Deployment {
    let admin = signer(0);
    let admin_a = EvmSender::new(chain_a.clone(), admin.clone());
    let admin_b = EvmSender::new(chain_b.clone(), admin.clone());
    let bridge_a = deploy_bridge(&admin_a, DOMAIN_A).await;
    let bridge_b = deploy_bridge(&admin_b, DOMAIN_B).await;
    let wrapped = deploy(
        &admin_b,
        &BridgedToken::BYTECODE,
        BridgedToken::constructorCall::new((
            addr(bridge_b),
            "Wrapped Ether".to_owned(),
            "WETH".to_owned(),
            18u8,
        ))
        .abi_encode(),
    )
    .await;
    let token = B256::from(token_id(DOMAIN_A, &NATIVE_TOKEN));
    let native = Address::from_slice(&NATIVE_TOKEN.0[12..]);
    let big: u128 = 1_000_000 * 10u128.pow(18);
    configure(
        anvil_a,
        &admin_a,
        bridge_a,
        vec![
            Bridge::setRemoteCall::new((DOMAIN_B, pad(bridge_b), 0u8)).abi_encode(),
            Bridge::setTokenCall::new((
                DOMAIN_A,
                B256::from(NATIVE_TOKEN.0),
                native,
                0u8,
                big,
                3_600u64,
            ))
            .abi_encode(),
            Bridge::setRouteCall::new((token, DOMAIN_B, 0u8, u128::MAX)).abi_encode(),
            Bridge::setLimitsCall::new((token, DOMAIN_B, big, big, big, big)).abi_encode(),
        ],
    )
    .await;
    let mut sorted = validators.to_vec();
    sorted.sort();
    configure(
        anvil_b,
        &admin_b,
        bridge_b,
        vec![
            Bridge::setRemoteCall::new((DOMAIN_A, pad(bridge_a), 0u8)).abi_encode(),
            Bridge::setValidatorSetCall::new((
                DOMAIN_A,
                1u64,
                sorted.iter().map(|v| addr(*v)).collect(),
                2u8,
            ))
            .abi_encode(),
            Bridge::setTokenCall::new((
                DOMAIN_A,
                B256::from(NATIVE_TOKEN.0),
                addr(wrapped),
                0u8,
                timelock_threshold_b,
                3_600u64,
            ))
            .abi_encode(),
            Bridge::setRouteCall::new((token, DOMAIN_A, 0u8, u128::MAX)).abi_encode(),
            Bridge::setLimitsCall::new((token, DOMAIN_A, big, big, big, big)).abi_encode(),
        ],
    )
    .await;
    Deployment {
        bridge_a,
        bridge_b,
        wrapped,
        token,
    }
}

/// The ERC-20 balance of `owner` in `token`.
pub async fn balance_of(chain: &EvmChain, token: EvmAddress, owner: Address) -> U256 {
    let data = BridgedToken::balanceOfCall::new((owner,)).abi_encode();
    let out = chain.call(token, &data).await.unwrap();
    U256::from_be_slice(&out)
}

/// `user` sends `amount` wei of ether (token id `token`) through `bridge` to `beneficiary` on
/// B; asserts that the transaction succeeded.
pub async fn send_token(
    user: &EvmSender,
    bridge: EvmAddress,
    token: B256,
    amount: u128,
    beneficiary: Address,
) {
    let data = Bridge::sendTokenCall::new((
        DOMAIN_B,
        token,
        U256::from(amount),
        FixedBytes::<32>::left_padding_from(beneficiary.as_slice()),
    ))
    .abi_encode();
    let r = send(
        user,
        TxRequest::call(bridge, data).with_value(U256::from(amount)),
    )
    .await;
    assert!(r.success);
}
