//! End to end on two anvil chains with the Solidity bridge deployed: three validator daemons
//! (2-of-3) and one relayer daemon, in-process, each with its own SQLite store. Ether sent on
//! chain A arrives as the bridged token on chain B, exactly once.

use std::time::{Duration, Instant};

use alloy_primitives::{Address, FixedBytes};
use alloy_sol_types::SolCall;
use trestle_bridge::Attestation;
use trestle_bridge::evm_bindings::Bridge;
use trestle_core::chain::{U256, UniversalAddress};
use trestle_core::evm::{EvmAddress, EvmSigner};
use trestle_evm::{EvmSender, LogFilter, TxRequest};
use trestle_relayer::store::MessageState;
use trestle_relayer::{Daemon, Keys};
use trestle_relayer_harness::daemons::{
    chain_config, config, http_get, live_endpoints, placeholder_endpoints, start_validators,
};
use trestle_relayer_harness::evm::{
    DOMAIN_A, DOMAIN_B, balance_of, connect, deploy_bridges, send, signer,
};
use trestle_tests::Anvil;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ether_from_a_arrives_on_b_exactly_once() {
    let anvil_a = Anvil::builder().chain_id(31_337).spawn().unwrap();
    let anvil_b = Anvil::builder().chain_id(31_338).spawn().unwrap();
    let chain_a = connect(&anvil_a, "a").await;
    let chain_b = connect(&anvil_b, "b").await;
    let validator_keys: Vec<EvmSigner> = (5..8).map(signer).collect();
    let validator_addrs: Vec<EvmAddress> = validator_keys.iter().map(|k| k.address()).collect();
    let d = deploy_bridges(
        &anvil_a,
        &anvil_b,
        &chain_a,
        &chain_b,
        &validator_addrs,
        1_000_000 * 10u128.pow(18),
    )
    .await;
    let chains = || {
        vec![
            chain_config("a", DOMAIN_A, &anvil_a, d.bridge_a),
            chain_config("b", DOMAIN_B, &anvil_b, d.bridge_b),
        ]
    };
    let placeholder = placeholder_endpoints(&validator_addrs);
    // The route agrees with what bridge B holds for origin A; a wrong epoch is named.
    let cfg = config(
        std::path::Path::new("/unused"),
        chains(),
        placeholder.clone(),
        true,
        false,
    );
    let set = cfg.validator_set(&cfg.routes[0]).unwrap();
    let held = trestle_bridge_client::EvmBridge::new(chain_b.clone(), d.bridge_b)
        .validator_set(DOMAIN_A, &UniversalAddress::from_evm(d.bridge_a.0))
        .await
        .unwrap();
    assert_eq!(held.epoch(), 1);
    assert_eq!(held, set);
    let wrong = trestle_bridge::ValidatorSet::new(2, set.validators().to_vec(), 2).unwrap();
    assert_ne!(held, wrong);
    // Signatures for another origin bridge are useless on B: all 32 bytes are compared.
    let mut other = UniversalAddress::from_evm(d.bridge_a.0);
    other.0[0] = 1;
    let refused = trestle_bridge_client::EvmBridge::new(chain_b.clone(), d.bridge_b)
        .validator_set(DOMAIN_A, &other)
        .await
        .unwrap_err()
        .to_string();
    assert!(refused.contains("accepts origin bridge"), "{refused}");

    // Three validators, each its own store and API.
    let (validators, _dirs) = start_validators(&validator_keys, chains, &placeholder).await;
    let endpoints = live_endpoints(&placeholder, &validators);
    // A user sends 1.5 and 2 ether from A to a fresh beneficiary on B.
    let user = EvmSender::new(chain_a.clone(), signer(3));
    let beneficiary = Address::from([0x42; 20]);
    let amounts = [15u128 * 10u128.pow(17), 2 * 10u128.pow(18)];
    for amount in amounts {
        let data = Bridge::sendTokenCall::new((
            DOMAIN_B,
            d.token,
            U256::from(amount),
            FixedBytes::<32>::left_padding_from(beneficiary.as_slice()),
        ))
        .abi_encode();
        let r = send(
            &user,
            TxRequest::call(d.bridge_a, data).with_value(U256::from(amount)),
        )
        .await;
        assert!(r.success);
    }
    // Every validator has attested both before the relayer starts, so that its first pass
    // finds both ready and delivers them in one deliverBatch.
    let deadline = Instant::now() + Duration::from_secs(60);
    for v in &validators {
        loop {
            if v.store().attestation_count().await.unwrap() == 2 {
                break;
            }
            assert!(Instant::now() < deadline, "validators did not attest");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let relayer_dir = tempfile::tempdir().unwrap();
    let relayer = Daemon::start(
        config(relayer_dir.path(), chains(), endpoints.clone(), false, true),
        Keys {
            validator: None,
            relayer: Some(signer(2)),
            relayer_solana: None,
            fee_oracle: None,
            fee_oracle_solana: None,
        },
        "r1",
    )
    .await
    .unwrap();

    let total = U256::from(amounts.iter().sum::<u128>());

    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let balance = balance_of(&chain_b, d.wrapped, beneficiary).await;
        if balance == total {
            break;
        }
        assert!(balance < total, "more arrived than was sent: {balance}");
        assert!(
            Instant::now() < deadline,
            "tokens did not arrive: balance {balance}, relayer messages {:?}",
            relayer
                .store()
                .list(&Default::default())
                .await
                .unwrap()
                .iter()
                .map(|m| (m.nonce, m.state, m.last_error.clone()))
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Every message is delivered in the relayer's store.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let msgs = relayer.store().list(&Default::default()).await.unwrap();
        if msgs.len() == 2 && msgs.iter().all(|m| m.state == MessageState::Delivered) {
            break;
        }
        assert!(Instant::now() < deadline, "not all delivered: {msgs:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Exactly once: after more pipeline passes, still the total and two deliveries on B.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(balance_of(&chain_b, d.wrapped, beneficiary).await, total);
    let head = chain_b.block_number().await.unwrap();
    let delivered_logs = chain_b
        .logs(
            &LogFilter::contract(d.bridge_b).with_event(
                <Bridge::MessageDelivered as alloy_sol_types::SolEvent>::SIGNATURE_HASH.0,
            ),
            0,
            head,
        )
        .await
        .unwrap();
    assert_eq!(delivered_logs.len(), 2);
    assert_eq!(
        delivered_logs[0].tx_id, delivered_logs[1].tx_id,
        "both were delivered by one deliverBatch"
    );

    // Each validator serves its attestations, which recover to it.
    let msgs = relayer.store().list(&Default::default()).await.unwrap();
    for m in &msgs {
        let digest = Attestation {
            origin: DOMAIN_A,
            origin_bridge: UniversalAddress::from_evm(d.bridge_a.0),
            destination: DOMAIN_B,
            destination_bridge: UniversalAddress::from_evm(d.bridge_b.0),
            epoch: 1,
            message_id: m.id,
        }
        .digest();
        for (endpoint, address) in endpoints.iter().zip(&validator_addrs) {
            let (status, body) = http_get(&format!(
                "{}/v1/attestations/0x{}",
                endpoint.url,
                hex::encode(m.id)
            ))
            .await;
            assert_eq!(status, 200, "{body}");
            let v: serde_json::Value = serde_json::from_str(&body).unwrap();
            let sig = hex::decode(
                v["attestations"][0]["signature"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("0x"),
            )
            .unwrap();
            let signer = trestle_bridge::signatures::recover_strict(0, &sig, &digest).unwrap();
            assert_eq!(signer, *address);
        }
    }
    let (status, _) = http_get(&format!(
        "{}/v1/attestations/0x{}",
        endpoints[0].url,
        "ab".repeat(32)
    ))
    .await;
    assert_eq!(status, 404);
    let (status, _) = http_get(&format!("{}/v1/attestations/0x12", endpoints[0].url)).await;
    assert_eq!(status, 400);

    // The batch route answers the same, for several messages at once; unknown ids are left
    // out, and a malformed or oversized request is refused with the reason.
    let unknown = format!("0x{}", "ab".repeat(32));
    let mut ids: Vec<String> = msgs
        .iter()
        .map(|m| format!("0x{}", hex::encode(m.id)))
        .collect();
    ids.insert(1, unknown.clone());
    let post = |ids: Vec<String>| {
        let url = format!("{}/v1/attestations", endpoints[1].url);
        async move {
            let r = reqwest::Client::new()
                .post(url)
                .json(&serde_json::json!({ "ids": ids }))
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let (status, body) = post(ids.clone()).await;
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let answered = v["messages"].as_array().unwrap();
    assert_eq!(answered.len(), msgs.len(), "{body}");
    for (answer, m) in answered.iter().zip(&msgs) {
        assert_eq!(answer["message_id"], format!("0x{}", hex::encode(m.id)));
        let (_, single) = http_get(&format!(
            "{}/v1/attestations/0x{}",
            endpoints[1].url,
            hex::encode(m.id)
        ))
        .await;
        let single: serde_json::Value = serde_json::from_str(&single).unwrap();
        assert_eq!(answer["attestations"], single["attestations"]);
    }
    let (status, body) = post(vec![unknown.clone(), "0x12".into()]).await;
    assert_eq!(status, 400);
    assert!(body.contains("ids[1]"), "{body}");
    let (status, body) = post(vec![
        unknown;
        trestle_bridge_client::api::wire::MAX_BATCH_IDS + 1
    ])
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("at most"), "{body}");

    // Operations endpoints of the relayer.
    let base = format!("http://{}", relayer.api_addr());
    assert_eq!(http_get(&format!("{base}/healthz")).await.0, 200);
    assert_eq!(http_get(&format!("{base}/readyz")).await.0, 200);
    let (status, body) = http_get(&format!("{base}/v1/messages?state=delivered")).await;
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["messages"].as_array().unwrap().len(), 2);
    let sender = signer(3).address();
    let (status, body) = http_get(&format!("{base}/v1/messages?sender={sender}&origin=1")).await;
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["messages"].as_array().unwrap().len(), 2);
    let (_, body) = http_get(&format!("{base}/v1/messages?sender=0x{}", "11".repeat(20))).await;
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(v["messages"].as_array().unwrap().is_empty());
    assert_eq!(
        http_get(&format!("{base}/v1/messages?state=lost")).await.0,
        400
    );
    let (status, body) =
        http_get(&format!("{base}/v1/messages/0x{}", hex::encode(msgs[0].id))).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"delivered\""));
    let (_, metrics) = http_get(&format!("{base}/metrics")).await;
    assert!(
        metrics.contains("trestle_deliveries_total{destination=\"b\"} 2"),
        "{metrics}"
    );
    assert!(metrics.contains("trestle_indexed_height"), "{metrics}");
    let (_, vmetrics) = http_get(&format!("http://{}/metrics", validators[0].api_addr())).await;
    assert!(
        vmetrics.contains("trestle_attestations_signed_total 2"),
        "{vmetrics}"
    );

    relayer.shutdown().await;
    for v in validators {
        v.shutdown().await;
    }
}

/// Two relayer instances (different keys) share one PostgreSQL store: row claims keep them
/// from working one message at once, and every transfer arrives exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_relayers_on_one_postgres_store_deliver_each_message_once() {
    let pg = crate::support::postgres::Postgres::start();
    let anvil_a = Anvil::builder().chain_id(31_337).spawn().unwrap();
    let anvil_b = Anvil::builder().chain_id(31_338).spawn().unwrap();
    let chain_a = connect(&anvil_a, "a").await;
    let chain_b = connect(&anvil_b, "b").await;
    let validator_keys: Vec<EvmSigner> = (5..8).map(signer).collect();
    let validator_addrs: Vec<EvmAddress> = validator_keys.iter().map(|k| k.address()).collect();
    let d = deploy_bridges(
        &anvil_a,
        &anvil_b,
        &chain_a,
        &chain_b,
        &validator_addrs,
        u128::MAX,
    )
    .await;
    let chains = || {
        vec![
            chain_config("a", DOMAIN_A, &anvil_a, d.bridge_a),
            chain_config("b", DOMAIN_B, &anvil_b, d.bridge_b),
        ]
    };
    let placeholder = placeholder_endpoints(&validator_addrs);
    let (validators, mut dirs) = start_validators(&validator_keys, chains, &placeholder).await;
    let endpoints = live_endpoints(&placeholder, &validators);
    let mut relayers = Vec::new();
    for (i, key) in [2usize, 4].into_iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = config(dir.path(), chains(), endpoints.clone(), false, true);
        cfg.store.url = pg.url();
        if let Some(r) = cfg.relayer.as_mut() {
            r.batch_size = 2;
        }
        let keys = Keys {
            validator: None,
            relayer: Some(signer(key)),
            relayer_solana: None,
            fee_oracle: None,
            fee_oracle_solana: None,
        };
        relayers.push(Daemon::start(cfg, keys, &format!("r{i}")).await.unwrap());
        dirs.push(dir);
    }
    assert_eq!(relayers[0].store().backend(), "postgres");

    let user = EvmSender::new(chain_a.clone(), signer(3));
    let beneficiary = Address::from([0x77; 20]);
    let amount = 10u128.pow(17);
    let count = 6u128;
    for _ in 0..count {
        let data = Bridge::sendTokenCall::new((
            DOMAIN_B,
            d.token,
            U256::from(amount),
            FixedBytes::<32>::left_padding_from(beneficiary.as_slice()),
        ))
        .abi_encode();
        send(
            &user,
            TxRequest::call(d.bridge_a, data).with_value(U256::from(amount)),
        )
        .await;
    }
    let total = U256::from(amount * count);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let msgs = relayers[0].store().list(&Default::default()).await.unwrap();
        if msgs.len() == 6 && msgs.iter().all(|m| m.state == MessageState::Delivered) {
            break;
        }
        assert!(Instant::now() < deadline, "not all delivered: {msgs:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(balance_of(&chain_b, d.wrapped, beneficiary).await, total);
    let head = chain_b.block_number().await.unwrap();
    let delivered_logs = chain_b
        .logs(
            &LogFilter::contract(d.bridge_b).with_event(
                <Bridge::MessageDelivered as alloy_sol_types::SolEvent>::SIGNATURE_HASH.0,
            ),
            0,
            head,
        )
        .await
        .unwrap();
    assert_eq!(delivered_logs.len(), 6);
    for r in relayers {
        r.shutdown().await;
    }
    for v in validators {
        v.shutdown().await;
    }
}
