//! The validator's refusals and the relayer's execution of timelocked transfers, on anvil
//! chains with the Solidity bridge deployed (helpers in `e2e`).

use std::time::{Duration, Instant};

use alloy_primitives::Address;
use serde_json::json;
use trestle_bridge::Message;
use trestle_core::chain::{U256, UniversalAddress};
use trestle_core::evm::{EvmAddress, EvmSigner};
use trestle_evm::EvmSender;
use trestle_relayer::config::ValidatorEndpoint;
use trestle_relayer::store::{ListFilter, MessageState, NewMessage, Store};
use trestle_relayer::{Daemon, Keys};
use trestle_relayer_harness::daemons::{
    chain_config, config, http_get, live_endpoints, placeholder_endpoints, start_validators,
};
use trestle_relayer_harness::evm::{
    DOMAIN_A, DOMAIN_B, balance_of, connect, deploy_bridges, send_token, signer,
};
use trestle_relayer_harness::wait::wait_until;
use trestle_tests::Anvil;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validator_signs_only_messages_it_finds_final_on_chain() {
    let anvil_a = Anvil::builder().chain_id(31_337).spawn().unwrap();
    let anvil_b = Anvil::builder().chain_id(31_338).spawn().unwrap();
    let chain_a = connect(&anvil_a, "a").await;
    let chain_b = connect(&anvil_b, "b").await;
    let keys: Vec<EvmSigner> = (5..8).map(signer).collect();
    let addrs: Vec<EvmAddress> = keys.iter().map(|k| k.address()).collect();
    let d = deploy_bridges(&anvil_a, &anvil_b, &chain_a, &chain_b, &addrs, u128::MAX).await;
    let endpoints: Vec<ValidatorEndpoint> = addrs
        .iter()
        .map(|a| ValidatorEndpoint {
            address: *a,
            url: "http://127.0.0.1:1".into(),
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        dir.path(),
        vec![
            chain_config("a", DOMAIN_A, &anvil_a, d.bridge_a),
            chain_config("b", DOMAIN_B, &anvil_b, d.bridge_b),
        ],
        endpoints,
        true,
        false,
    );
    let store_url = cfg.store.url.clone();
    let validator = Daemon::start(
        cfg,
        Keys {
            validator: Some(keys[0].clone()),
            relayer: None,
            relayer_solana: None,
            fee_oracle: None,
            fee_oracle_solana: None,
        },
        "v",
    )
    .await
    .unwrap();
    let base = format!("http://{}", validator.api_addr());

    let user = EvmSender::new(chain_a.clone(), signer(3));
    send_token(
        &user,
        d.bridge_a,
        d.token,
        10u128.pow(18),
        Address::from([7; 20]),
    )
    .await;
    // The indexer records it and the validator signs it.
    let store = Store::connect(&store_url, 2).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let real = loop {
        if let Some(m) = store
            .list(&ListFilter::default())
            .await
            .unwrap()
            .into_iter()
            .next()
        {
            break m;
        }
        assert!(Instant::now() < deadline, "the message was not indexed");
        tokio::time::sleep(Duration::from_millis(150)).await;
    };
    wait_until("the attestation", Duration::from_secs(30), || {
        let url = format!("{base}/v1/attestations/0x{}", hex::encode(real.id));
        async move { http_get(&url).await.0 == 200 }
    })
    .await;

    // Messages that are not on chain as recorded, put straight into the validator's store:
    // another message under the signed nonce, a message no log holds, the real message under
    // a wrong block hash, and one above the chain head.
    let real_message = real.message().unwrap();
    let other = |nonce: u64, sender: u8| {
        Message::new(
            nonce,
            DOMAIN_A,
            UniversalAddress([sender; 32]),
            DOMAIN_B,
            real_message.recipient,
            real_message.body.clone(),
        )
        .unwrap()
    };
    let head = chain_a.block_number().await.unwrap();
    let fakes = [
        (other(0, 0x99), real.origin_height, real.origin_block_hash),
        (other(1, 0x98), real.origin_height, real.origin_block_hash),
        (other(2, 0x97), real.origin_height, [0xee; 32]),
        (other(3, 0x96), head + 1_000, [0xdd; 32]),
    ];
    let (cursor_height, cursor_hash) = store.cursor("a").await.unwrap().unwrap();
    for (message, height, hash) in &fakes {
        store
            .record_indexed(
                "a",
                cursor_height,
                cursor_hash,
                &[NewMessage {
                    message: message.clone(),
                    origin_height: *height,
                    origin_block_hash: *hash,
                    origin_tx: vec![0; 32],
                }],
            )
            .await
            .unwrap();
    }
    // A later real message is still signed (the fakes block nothing) ...
    send_token(
        &user,
        d.bridge_a,
        d.token,
        10u128.pow(18),
        Address::from([7; 20]),
    )
    .await;
    wait_until(
        "the second real attestation",
        Duration::from_secs(30),
        || {
            let store = store.clone();
            async move {
                // A validator-only daemon moves what it signed out of `pending`.
                let list = store
                    .list(&ListFilter {
                        state: Some(MessageState::Signed),
                        ..Default::default()
                    })
                    .await
                    .unwrap();
                let mut signed = 0;
                for m in list {
                    if !store.attestations(&m.id).await.unwrap().is_empty() {
                        signed += 1;
                    }
                }
                signed == 2
            }
        },
    )
    .await;
    // ... and none of the fakes ever is.
    for (message, _, _) in &fakes {
        let (status, _) = http_get(&format!(
            "{base}/v1/attestations/0x{}",
            hex::encode(message.id())
        ))
        .await;
        assert_eq!(status, 404, "a message not on chain was signed");
    }
    assert_eq!(store.attestation_count().await.unwrap(), 2);
    let (_, metrics) = http_get(&format!("{base}/metrics")).await;
    assert!(
        metrics.contains("trestle_failures_total{stage=\"attest\""),
        "{metrics}"
    );
    store.close().await;
    validator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timelocked_transfer_is_executed_when_its_delay_has_passed() {
    let anvil_a = Anvil::builder().chain_id(31_337).spawn().unwrap();
    let anvil_b = Anvil::builder().chain_id(31_338).spawn().unwrap();
    let chain_a = connect(&anvil_a, "a").await;
    let chain_b = connect(&anvil_b, "b").await;
    let keys: Vec<EvmSigner> = (5..8).map(signer).collect();
    let addrs: Vec<EvmAddress> = keys.iter().map(|k| k.address()).collect();
    // Transfers of 1 ether or more wait an hour on B.
    let d = deploy_bridges(
        &anvil_a,
        &anvil_b,
        &chain_a,
        &chain_b,
        &addrs,
        10u128.pow(18),
    )
    .await;
    let chains = || {
        vec![
            chain_config("a", DOMAIN_A, &anvil_a, d.bridge_a),
            chain_config("b", DOMAIN_B, &anvil_b, d.bridge_b),
        ]
    };
    let placeholder = placeholder_endpoints(&addrs);
    // Two of the three validators run: exactly the threshold.
    let (validators, _dirs) = start_validators(&keys[..2], chains, &placeholder).await;
    let endpoints = live_endpoints(&placeholder, &validators);
    let relayer_dir = tempfile::tempdir().unwrap();
    let relayer = Daemon::start(
        config(relayer_dir.path(), chains(), endpoints, false, true),
        Keys {
            validator: None,
            relayer: Some(signer(2)),
            relayer_solana: None,
            fee_oracle: None,
            fee_oracle_solana: None,
        },
        "r",
    )
    .await
    .unwrap();

    let user = EvmSender::new(chain_a.clone(), signer(3));
    let beneficiary = Address::from([0x31; 20]);
    let amount = 3 * 10u128.pow(18);
    send_token(&user, d.bridge_a, d.token, amount, beneficiary).await;

    wait_until(
        "the transfer to be queued on B",
        Duration::from_secs(60),
        || {
            let store = relayer.store().clone();
            async move {
                store
                    .list(&ListFilter {
                        state: Some(MessageState::Queued),
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .len()
                    == 1
            }
        },
    )
    .await;
    assert_eq!(
        balance_of(&chain_b, d.wrapped, beneficiary).await,
        U256::ZERO
    );
    // The delay passes on B: the relayer executes it.
    anvil_b.rpc("evm_increaseTime", json!([3_601])).unwrap();
    anvil_b.rpc("evm_mine", json!([])).unwrap();
    wait_until(
        "the queued transfer to execute",
        Duration::from_secs(60),
        || {
            let chain_b = chain_b.clone();
            async move { balance_of(&chain_b, d.wrapped, beneficiary).await == U256::from(amount) }
        },
    )
    .await;
    wait_until(
        "the message to be delivered",
        Duration::from_secs(30),
        || {
            let store = relayer.store().clone();
            async move {
                store
                    .list(&ListFilter::default())
                    .await
                    .unwrap()
                    .iter()
                    .all(|m| m.state == MessageState::Delivered)
            }
        },
    )
    .await;
    relayer.shutdown().await;
    for v in validators {
        v.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reorg_orphans_a_message_and_the_validator_never_signs_its_nonce_again() {
    let anvil_a = Anvil::builder().chain_id(31_337).spawn().unwrap();
    let anvil_b = Anvil::builder().chain_id(31_338).spawn().unwrap();
    let chain_a = connect(&anvil_a, "a").await;
    let chain_b = connect(&anvil_b, "b").await;
    let keys: Vec<EvmSigner> = (5..8).map(signer).collect();
    let addrs: Vec<EvmAddress> = keys.iter().map(|k| k.address()).collect();
    let d = deploy_bridges(&anvil_a, &anvil_b, &chain_a, &chain_b, &addrs, u128::MAX).await;
    let endpoints: Vec<ValidatorEndpoint> = addrs
        .iter()
        .map(|a| ValidatorEndpoint {
            address: *a,
            url: "http://127.0.0.1:1".into(),
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        dir.path(),
        vec![
            chain_config("a", DOMAIN_A, &anvil_a, d.bridge_a),
            chain_config("b", DOMAIN_B, &anvil_b, d.bridge_b),
        ],
        endpoints,
        true,
        false,
    );
    let store_url = cfg.store.url.clone();
    let validator = Daemon::start(
        cfg,
        Keys {
            validator: Some(keys[1].clone()),
            relayer: None,
            relayer_solana: None,
            fee_oracle: None,
            fee_oracle_solana: None,
        },
        "v",
    )
    .await
    .unwrap();
    let base = format!("http://{}", validator.api_addr());
    let store = Store::connect(&store_url, 2).await.unwrap();

    let snapshot = anvil_a.rpc("evm_snapshot", json!([])).unwrap();
    let user = EvmSender::new(chain_a.clone(), signer(3));
    send_token(
        &user,
        d.bridge_a,
        d.token,
        10u128.pow(18),
        Address::from([7; 20]),
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let first = loop {
        if let Some(m) = store
            .list(&ListFilter::default())
            .await
            .unwrap()
            .into_iter()
            .next()
        {
            break m;
        }
        assert!(Instant::now() < deadline, "the message was not indexed");
        tokio::time::sleep(Duration::from_millis(150)).await;
    };
    wait_until("the first attestation", Duration::from_secs(30), || {
        let url = format!("{base}/v1/attestations/0x{}", hex::encode(first.id));
        async move { http_get(&url).await.0 == 200 }
    })
    .await;

    // The block with the message is reorganised away (deeper than this chain's zero
    // confirmations), and another message takes nonce 0.
    assert_eq!(
        anvil_a.rpc("evm_revert", json!([snapshot])).unwrap(),
        json!(true)
    );
    user.nonces().resync().await;
    for _ in 0..3 {
        anvil_a.rpc("evm_mine", json!([])).unwrap();
    }
    wait_until("the message to be orphaned", Duration::from_secs(30), || {
        let store = store.clone();
        let id = first.id;
        async move {
            store.message(&id).await.unwrap().unwrap().state == MessageState::Orphaned
        }
    })
    .await;
    send_token(
        &user,
        d.bridge_a,
        d.token,
        2 * 10u128.pow(18),
        Address::from([7; 20]),
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let second = loop {
        let pending = store
            .list(&ListFilter {
                state: Some(MessageState::Pending),
                ..Default::default()
            })
            .await
            .unwrap();
        if let Some(m) = pending.into_iter().next() {
            break m;
        }
        assert!(
            Instant::now() < deadline,
            "the second message was not indexed"
        );
        tokio::time::sleep(Duration::from_millis(150)).await;
    };
    assert_eq!(second.nonce, first.nonce);
    assert_ne!(second.id, first.id);
    // Several validator passes later, nonce 0 is still signed for the first message only.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (status, _) = http_get(&format!(
        "{base}/v1/attestations/0x{}",
        hex::encode(second.id)
    ))
    .await;
    assert_eq!(status, 404, "two messages signed for one (origin, nonce)");
    assert_eq!(store.attestation_count().await.unwrap(), 1);
    store.close().await;
    validator.shutdown().await;
}

/// A validator endpoint that answers with a signature by another key: the relayer ignores it
/// (and counts it), and delivers with the two honest validators.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relayer_ignores_attestations_that_do_not_recover_to_the_validator() {
    use axum::extract::Path;
    use trestle_bridge::Attestation;

    let anvil_a = Anvil::builder().chain_id(31_337).spawn().unwrap();
    let anvil_b = Anvil::builder().chain_id(31_338).spawn().unwrap();
    let chain_a = connect(&anvil_a, "a").await;
    let chain_b = connect(&anvil_b, "b").await;
    let keys: Vec<EvmSigner> = (5..8).map(signer).collect();
    let addrs: Vec<EvmAddress> = keys.iter().map(|k| k.address()).collect();
    let d = deploy_bridges(&anvil_a, &anvil_b, &chain_a, &chain_b, &addrs, u128::MAX).await;

    // The impostor claims to be validator 7 but signs with key 9.
    let impostor = signer(9);
    let origin_bridge = UniversalAddress::from_evm(d.bridge_a.0);
    let destination_bridge = UniversalAddress::from_evm(d.bridge_b.0);
    let app = axum::Router::new().route(
        "/v1/attestations/{id}",
        axum::routing::get(move |Path(id): Path<String>| {
            let impostor = impostor.clone();
            async move {
                let id: [u8; 32] = hex::decode(id.trim_start_matches("0x"))
                    .unwrap()
                    .try_into()
                    .unwrap();
                let digest = Attestation {
                    origin: DOMAIN_A,
                    origin_bridge,
                    destination: DOMAIN_B,
                    destination_bridge,
                    epoch: 1,
                    message_id: id,
                }
                .digest();
                let sig = impostor.sign_hash(&digest).unwrap().to_bytes();
                axum::Json(json!({
                    "message_id": format!("0x{}", hex::encode(id)),
                    "attestations": [{
                        "epoch": 1,
                        "signer": impostor.address().to_string(),
                        "signature": format!("0x{}", hex::encode(sig)),
                    }],
                }))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let fake_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let chains = || {
        vec![
            chain_config("a", DOMAIN_A, &anvil_a, d.bridge_a),
            chain_config("b", DOMAIN_B, &anvil_b, d.bridge_b),
        ]
    };
    let placeholder = placeholder_endpoints(&addrs);
    let (validators, _dirs) = start_validators(&keys[..2], chains, &placeholder).await;
    // The impostor is asked first.
    let mut endpoints = vec![ValidatorEndpoint {
        address: addrs[2],
        url: fake_url,
    }];
    for (a, v) in addrs.iter().zip(&validators) {
        endpoints.push(ValidatorEndpoint {
            address: *a,
            url: format!("http://{}", v.api_addr()),
        });
    }
    let relayer_dir = tempfile::tempdir().unwrap();
    let relayer = Daemon::start(
        config(relayer_dir.path(), chains(), endpoints, false, true),
        Keys {
            validator: None,
            relayer: Some(signer(2)),
            relayer_solana: None,
            fee_oracle: None,
            fee_oracle_solana: None,
        },
        "r",
    )
    .await
    .unwrap();

    let user = EvmSender::new(chain_a.clone(), signer(3));
    let beneficiary = Address::from([0x55; 20]);
    send_token(&user, d.bridge_a, d.token, 10u128.pow(18), beneficiary).await;
    wait_until("delivery", Duration::from_secs(60), || {
        let chain_b = chain_b.clone();
        async move {
            balance_of(&chain_b, d.wrapped, beneficiary).await == U256::from(10u128.pow(18))
        }
    })
    .await;
    let msgs = relayer.store().list(&ListFilter::default()).await.unwrap();
    let sigs = relayer.store().signatures(&msgs[0].id, 1).await.unwrap();
    assert_eq!(sigs.len(), 2);
    assert!(sigs.iter().all(|s| s.signer != addrs[2].0));
    let (_, metrics) = http_get(&format!("http://{}/metrics", relayer.api_addr())).await;
    assert!(
        metrics.contains("trestle_failures_total{stage=\"collect\",reason=\"bad_signature\"}"),
        "{metrics}"
    );
    relayer.shutdown().await;
    for v in validators {
        v.shutdown().await;
    }
}

/// The destination stops mining: the relayer replaces its stuck `deliver` with a fee bump
/// (same nonce), and once a block is mined, whichever version landed is confirmed; the
/// transfer arrives once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stuck_deliver_is_replaced_with_a_fee_bump_and_confirmed() {
    let anvil_a = Anvil::builder().chain_id(31_337).spawn().unwrap();
    let anvil_b = Anvil::builder().chain_id(31_338).spawn().unwrap();
    let chain_a = connect(&anvil_a, "a").await;
    let chain_b = connect(&anvil_b, "b").await;
    let keys: Vec<EvmSigner> = (5..8).map(signer).collect();
    let addrs: Vec<EvmAddress> = keys.iter().map(|k| k.address()).collect();
    let d = deploy_bridges(&anvil_a, &anvil_b, &chain_a, &chain_b, &addrs, u128::MAX).await;
    let chains = || {
        vec![
            chain_config("a", DOMAIN_A, &anvil_a, d.bridge_a),
            chain_config("b", DOMAIN_B, &anvil_b, d.bridge_b),
        ]
    };
    let placeholder = placeholder_endpoints(&addrs);
    let (validators, _dirs) = start_validators(&keys[..2], chains, &placeholder).await;
    let endpoints = live_endpoints(&placeholder, &validators);
    let relayer_dir = tempfile::tempdir().unwrap();
    let mut cfg = config(relayer_dir.path(), chains(), endpoints, false, true);
    if let Some(r) = cfg.relayer.as_mut() {
        r.replace_after_ms = 300;
    }
    let relayer = Daemon::start(
        cfg,
        Keys {
            validator: None,
            relayer: Some(signer(2)),
            relayer_solana: None,
            fee_oracle: None,
            fee_oracle_solana: None,
        },
        "r",
    )
    .await
    .unwrap();

    anvil_b.rpc("evm_setAutomine", json!([false])).unwrap();
    let user = EvmSender::new(chain_a.clone(), signer(3));
    let beneficiary = Address::from([0x66; 20]);
    send_token(&user, d.bridge_a, d.token, 10u128.pow(18), beneficiary).await;

    // Submitted, and replaced at least once while B mines nothing.
    let store = relayer.store().clone();
    let deadline = Instant::now() + Duration::from_secs(60);
    let root = loop {
        let msgs = store.list(&ListFilter::default()).await.unwrap();
        if let Some(root) = msgs.first().and_then(|m| m.tx_hash)
            && store.submissions(&root).await.unwrap().len() >= 2
        {
            break root;
        }
        assert!(Instant::now() < deadline, "no replacement: {msgs:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        balance_of(&chain_b, d.wrapped, beneficiary).await,
        U256::ZERO
    );
    let versions = store.submissions(&root).await.unwrap();
    assert_eq!(versions[0].tx_hash, root);

    anvil_b.rpc("evm_mine", json!([])).unwrap();
    anvil_b.rpc("evm_setAutomine", json!([true])).unwrap();
    wait_until("delivery", Duration::from_secs(60), || {
        let store = store.clone();
        async move {
            store
                .list(&ListFilter::default())
                .await
                .unwrap()
                .iter()
                .all(|m| m.state == MessageState::Delivered)
        }
    })
    .await;
    assert_eq!(
        balance_of(&chain_b, d.wrapped, beneficiary).await,
        U256::from(10u128.pow(18))
    );
    // The version that landed is a replacement, not the first one.
    assert!(chain_b.receipt(root).await.unwrap().is_none());
    relayer.shutdown().await;
    for v in validators {
        v.shutdown().await;
    }
}
