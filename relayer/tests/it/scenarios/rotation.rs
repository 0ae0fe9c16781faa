//! B's validator set for origin A is rotated through the admin timelock to three new keys at
//! epoch 2, while every daemon keeps its configuration (which says epoch 1, the old set, and
//! lists the new validators as standby): the new validators start attesting, for epoch 2, and
//! the relayer delivers with their signatures; the old validators stop.

use std::time::Duration;

use alloy_primitives::Address;
use alloy_sol_types::SolCall;
use trestle_bridge::Attestation;
use trestle_bridge::evm_bindings::Bridge;
use trestle_core::chain::{U256, UniversalAddress};
use trestle_core::evm::{EvmAddress, EvmSigner};
use trestle_relayer::config::ValidatorEndpoint;
use trestle_relayer::store::MessageState;
use trestle_relayer_harness::daemons::{free_listen, http_get, start_relayer, wait_for_state};
use trestle_relayer_harness::evm::{DOMAIN_A, DOMAIN_B, ETHER, addr};
use trestle_relayer_harness::net::{Net, relayer_config, start_validator};

const MINUTE: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotated_validator_set_is_followed_by_validators_and_relayer() {
    let net = Net::start(u128::MAX).await;
    // The next set: keys that are no dev account, ascending by address for the contract.
    let next: Vec<EvmSigner> = [0x51u8, 0x52, 0x53]
        .iter()
        .map(|b| EvmSigner::from_private_key(&[*b; 32]).unwrap())
        .collect();
    let mut next_addrs: Vec<EvmAddress> = next.iter().map(|k| k.address()).collect();
    next_addrs.sort();

    // Every daemon: route epoch 1 with the old set, the new validators as standby.
    let old_listen: Vec<String> = (0..3).map(|_| free_listen()).collect();
    let new_listen: Vec<String> = (0..3).map(|_| free_listen()).collect();
    let current: Vec<ValidatorEndpoint> = net
        .addrs
        .iter()
        .zip(&old_listen)
        .map(|(a, l)| ValidatorEndpoint {
            address: *a,
            url: format!("http://{l}"),
        })
        .collect();
    let standby: Vec<ValidatorEndpoint> = next
        .iter()
        .zip(&new_listen)
        .map(|(k, l)| ValidatorEndpoint {
            address: k.address(),
            url: format!("http://{l}"),
        })
        .collect();
    let mut dirs = Vec::new();
    let mut old = Vec::new();
    let mut new = Vec::new();
    for (keys, listens, out) in [
        (&net.keys, &old_listen, &mut old),
        (&next, &new_listen, &mut new),
    ] {
        for (key, listen) in keys.iter().zip(listens) {
            let dir = tempfile::tempdir().unwrap();
            out.push(
                start_validator(
                    &net,
                    key,
                    dir.path(),
                    current.clone(),
                    standby.clone(),
                    listen,
                )
                .await,
            );
            dirs.push(dir);
        }
    }
    let relayer_dir = tempfile::tempdir().unwrap();
    let mut cfg = relayer_config(&net, relayer_dir.path(), current.clone());
    cfg.routes[0].standby = standby.clone();
    let relayer = start_relayer(cfg).await;
    let store = relayer.store().clone();

    // Before the rotation: delivered with epoch-1 signatures; the standby keys sign nothing.
    let to = Address::from([0x2b; 20]);
    net.send(ETHER, to).await;
    let first = wait_for_state(&store, 0, MessageState::Delivered, MINUTE).await;
    // Every member is asked at once: the threshold's worth at least, all from the set.
    assert!(store.signatures(&first.id, 1).await.unwrap().len() >= 2);
    for v in &new {
        assert_eq!(v.store().attestation_count().await.unwrap(), 0);
    }

    net.admin_b(vec![
        Bridge::setValidatorSetCall::new((
            DOMAIN_A,
            2u64,
            next_addrs.iter().map(|a| addr(*a)).collect(),
            2u8,
        ))
        .abi_encode(),
    ])
    .await;
    let held = trestle_bridge_client::EvmBridge::new(net.chain_b.clone(), net.d.bridge_b)
        .validator_set(DOMAIN_A, &UniversalAddress::from_evm(net.d.bridge_a.0))
        .await
        .unwrap();
    assert_eq!(held.epoch(), 2);
    assert_eq!(held.validators(), next_addrs.as_slice());

    // After it: attested by the new keys for epoch 2, delivered.
    net.send(2 * ETHER, to).await;
    let second = wait_for_state(&store, 1, MessageState::Delivered, MINUTE).await;
    assert_eq!(net.balance(to).await, U256::from(3 * ETHER));
    let sigs = store.signatures(&second.id, 2).await.unwrap();
    assert!(sigs.len() >= 2, "{sigs:?}");
    assert!(
        sigs.iter()
            .all(|s| next_addrs.contains(&EvmAddress(s.signer)))
    );
    assert!(store.signatures(&second.id, 1).await.unwrap().is_empty());
    let digest = Attestation {
        origin: DOMAIN_A,
        origin_bridge: UniversalAddress::from_evm(net.d.bridge_a.0),
        destination: DOMAIN_B,
        destination_bridge: UniversalAddress::from_evm(net.d.bridge_b.0),
        epoch: 2,
        message_id: second.id,
    }
    .digest();
    for (v, key) in new.iter().zip(&next) {
        let (status, body) = http_get(&format!(
            "http://{}/v1/attestations/0x{}",
            v.api_addr(),
            hex::encode(second.id)
        ))
        .await;
        assert_eq!(status, 200, "{body}");
        let body: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["attestations"][0]["epoch"], 2, "{body}");
        let sig = hex::decode(
            body["attestations"][0]["signature"]
                .as_str()
                .unwrap()
                .trim_start_matches("0x"),
        )
        .unwrap();
        assert_eq!(
            trestle_bridge::signatures::recover_strict(0, &sig, &digest).unwrap(),
            key.address()
        );
    }
    // The old validators, out of the set, did not sign it.
    for v in &old {
        let (status, _) = http_get(&format!(
            "http://{}/v1/attestations/0x{}",
            v.api_addr(),
            hex::encode(second.id)
        ))
        .await;
        assert_eq!(status, 404);
    }
    assert_eq!(net.deliveries_on_b().await, 2);

    relayer.shutdown().await;
    for v in old.into_iter().chain(new) {
        v.shutdown().await;
    }
}

/// B is paused while a message waits (attested for epoch 1, not deliverable), and the set is
/// rotated to epoch 2 keeping two of the old validators plus a new key that stays offline. The
/// two kept validators sign the waiting message again for epoch 2, the relayer collects those
/// (its epoch-1 signatures no longer count) and, after the unpause, delivers it once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn message_waiting_across_a_rotation_is_signed_again_by_the_validators_kept() {
    let net = Net::start(u128::MAX).await;
    let offline = EvmSigner::from_private_key(&[0x61; 32]).unwrap();
    let listens: Vec<String> = (0..3).map(|_| free_listen()).collect();
    let current: Vec<ValidatorEndpoint> = net
        .addrs
        .iter()
        .zip(&listens)
        .map(|(a, l)| ValidatorEndpoint {
            address: *a,
            url: format!("http://{l}"),
        })
        .collect();
    let standby = vec![ValidatorEndpoint {
        address: offline.address(),
        url: format!("http://{}", free_listen()),
    }];
    let mut dirs = Vec::new();
    let mut validators = Vec::new();
    for (key, listen) in net.keys.iter().zip(&listens) {
        let dir = tempfile::tempdir().unwrap();
        validators.push(
            start_validator(
                &net,
                key,
                dir.path(),
                current.clone(),
                standby.clone(),
                listen,
            )
            .await,
        );
        dirs.push(dir);
    }
    let relayer_dir = tempfile::tempdir().unwrap();
    let mut cfg = relayer_config(&net, relayer_dir.path(), current.clone());
    cfg.routes[0].standby = standby.clone();
    let relayer = start_relayer(cfg).await;
    let store = relayer.store().clone();

    net.guardian_b(Bridge::pauseCall {}.abi_encode()).await;
    let to = Address::from([0x7c; 20]);
    net.send(ETHER, to).await;
    trestle_relayer_harness::wait::wait_until(
        "epoch-1 signatures, the message ready and held by the pause",
        MINUTE,
        || {
            let store = store.clone();
            async move {
                let list = trestle_relayer_harness::daemons::messages(&store).await;
                match list.first() {
                    Some(m) => {
                        m.state == MessageState::Ready
                            && store.signatures(&m.id, 1).await.unwrap().len() >= 2
                    }
                    None => false,
                }
            }
        },
    )
    .await;

    let mut next = [net.addrs[1], net.addrs[2], offline.address()];
    next.sort();
    net.admin_b(vec![
        Bridge::setValidatorSetCall::new((
            DOMAIN_A,
            2u64,
            next.iter().map(|a| addr(*a)).collect(),
            2u8,
        ))
        .abi_encode(),
        Bridge::unpauseCall {}.abi_encode(),
    ])
    .await;
    let m = wait_for_state(&store, 0, MessageState::Delivered, MINUTE).await;
    assert_eq!(net.balance(to).await, U256::from(ETHER));
    let sigs = store.signatures(&m.id, 2).await.unwrap();
    let signers: Vec<EvmAddress> = sigs.iter().map(|s| EvmAddress(s.signer)).collect();
    let mut kept = vec![net.addrs[1], net.addrs[2]];
    kept.sort();
    assert_eq!(signers, kept);
    // The validator rotated out did not sign for epoch 2.
    let dropped = validators[0].store().attestations(&m.id).await.unwrap();
    assert!(dropped.iter().all(|a| a.epoch == 1), "{dropped:?}");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(net.deliveries_on_b().await, 1);

    relayer.shutdown().await;
    for v in validators {
        v.shutdown().await;
    }
}
