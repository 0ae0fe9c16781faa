//! The EVM-origin validator signing for a Solana destination follows the program's `Remote`
//! set for the EVM origin, not the route's configured epoch: after a rotation through the
//! program's timelock (`SetValidatorSet`) it signs for the new epoch only while a member.

use super::*;
use trestle_relayer::origin::Origin;
use trestle_relayer::origin::evm::EvmOrigin;

/// Ether from the EVM bridge to Solana, indexed by a real indexer; the validators of signers
/// 5 (kept) and 6 (dropped) step in-process. Route configured at epoch 1 with 5, 6 and 7;
/// the program rotates its set for the EVM origin to epoch 2 with 5 and 7.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_evm_validator_follows_the_solana_programs_set_after_a_rotation() {
    let sol = SolanaNet::start().await;
    let anvil = Anvil::builder().chain_id(31_337).spawn().unwrap();
    let chain = connect(&anvil, "evm").await;
    let (_, validator_addrs) = validator_keys();
    let token = token_id(DOMAIN_EVM, &NATIVE_TOKEN);
    let big: u128 = 1_000_000 * 10u128.pow(18);
    let bridge = evm_bridge(&chain).await;
    let native = Address::from_slice(&NATIVE_TOKEN.0[12..]);
    let t = B256::from(token);
    let calls = vec![
        Bridge::setRemoteCall::new((DOMAIN_SOL, B256::from(sol.program.id.0), 1u8)).abi_encode(),
        Bridge::setTokenCall::new((
            DOMAIN_EVM,
            B256::from(NATIVE_TOKEN.0),
            native,
            0u8,
            big,
            3_600u64,
        ))
        .abi_encode(),
        Bridge::setRouteCall::new((t, DOMAIN_SOL, 9u8, u128::from(u64::MAX))).abi_encode(),
        Bridge::setLimitsCall::new((t, DOMAIN_SOL, big, big, big, big)).abi_encode(),
    ];
    govern_evm(&anvil, &chain, bridge, &calls).await;
    sol.govern(&[set_remote(DOMAIN_EVM, bridge, &validator_addrs, 2)])
        .await;

    let evm = trestle_relayer_harness::daemons::chain_config("evm", DOMAIN_EVM, &anvil, bridge);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        dir.path(),
        vec![
            evm.clone(),
            sol.chain_config("sol", SolanaCommitment::Confirmed),
        ],
        placeholder_endpoints(&validator_addrs),
        true,
        false,
    );
    assert_eq!(cfg.routes[0].epoch, 1);
    let store = Store::connect(
        &format!("sqlite://{}", dir.path().join("v.db").display()),
        2,
    )
    .await
    .unwrap();
    let metrics = std::sync::Arc::new(trestle_relayer::metrics::Metrics::new());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let origin = || EvmOrigin::new(chain.clone(), &evm).unwrap();
    let indexer = tokio::spawn(trestle_relayer::origin::indexer::run(
        origin().reader(metrics.clone()),
        evm.clone(),
        store.clone(),
        metrics.clone(),
        stopped,
    ));
    let chains = std::collections::BTreeMap::from([("evm".to_owned(), chain.clone())]);
    let validator = |key: &EvmSigner| {
        trestle_relayer::attest::Validator::for_origin(
            origin(),
            &cfg,
            key,
            &chains,
            &store,
            &metrics,
        )
        .unwrap()
        .unwrap()
    };
    let kept = validator(&signer(5));
    let dropped = validator(&signer(6));

    let user = EvmSender::new(chain.clone(), signer(3));
    let send_ether = || async {
        let amount = U256::from(10u128.pow(18));
        let data = Bridge::sendTokenCall::new((
            DOMAIN_SOL,
            B256::from(token),
            amount,
            FixedBytes::<32>::from([9u8; 32]),
        ))
        .abi_encode();
        let r = send(&user, TxRequest::call(bridge, data).with_value(amount)).await;
        assert!(r.success);
    };
    let epochs_of = |nonce: u64| {
        let store = store.clone();
        async move {
            let list = store.list(&Default::default()).await.unwrap();
            let Some(m) = list.iter().find(|m| m.nonce == nonce) else {
                return Vec::new();
            };
            let mut signed: Vec<(u64, [u8; 20])> = store
                .attestations(&m.id)
                .await
                .unwrap()
                .iter()
                .map(|a| (a.epoch, a.signer))
                .collect();
            signed.sort();
            signed
        }
    };
    let (a5, a6) = (signer(5).address().0, signer(6).address().0);

    // Epoch 1: both are in the program's set and sign for epoch 1.
    send_ether().await;
    eventually(60, "message 0 attested by 5 and 6", || async {
        kept.step().await.unwrap();
        dropped.step().await.unwrap();
        (epochs_of(0).await.len() == 2).then_some(())
    })
    .await;
    let mut want = vec![(1, a5), (1, a6)];
    want.sort();
    assert_eq!(epochs_of(0).await, want);

    // Rotation on the program to epoch 2 with 5 and 7 (the route still says epoch 1).
    let mut rotated = vec![signer(5).address().0, signer(7).address().0];
    rotated.sort();
    sol.govern(&[Action::SetValidatorSet {
        domain: DOMAIN_EVM,
        epoch: 2,
        threshold: 2,
        validators: rotated,
    }])
    .await;
    // Signer 5 signs the undelivered message again for epoch 2, once; signer 6 nothing.
    eventually(30, "message 0 signed again for epoch 2", || async {
        kept.step().await.unwrap();
        epochs_of(0).await.contains(&(2, a5)).then_some(())
    })
    .await;
    for _ in 0..3 {
        kept.step().await.unwrap();
        assert_eq!(dropped.step().await.unwrap(), 0);
    }
    let mut want = vec![(1, a5), (1, a6), (2, a5)];
    want.sort();
    assert_eq!(epochs_of(0).await, want);

    // A new message: signer 5 signs it for epoch 2 only, signer 6 not at all.
    send_ether().await;
    eventually(60, "message 1 attested by 5", || async {
        kept.step().await.unwrap();
        (!epochs_of(1).await.is_empty()).then_some(())
    })
    .await;
    for _ in 0..3 {
        assert_eq!(dropped.step().await.unwrap(), 0);
    }
    assert_eq!(epochs_of(1).await, vec![(2, a5)]);

    let _ = stop.send(true);
    indexer.await.unwrap();
    store.close().await;
}
