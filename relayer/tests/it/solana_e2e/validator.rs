//! The Solana-origin validator: signs only final messages it finds on chain, for the
//! destination's current set (epoch and membership), and again after a rotation.

use super::*;
use trestle_relayer::origin::solana::SolanaOrigin;

/// Also: the validator follows the EVM destination's current set for the Solana origin
/// (`remote(origin)`), not the route's configured one: the destination holds epoch 2 with
/// signers 5 and 7 while the route still says epoch 1 with 5, 6 and 7, so signer 5 signs for
/// epoch 2 and signer 6 (no longer a member) signs nothing; after a rotation to epoch 3 that
/// keeps signer 5, it signs the undelivered message again for epoch 3.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_solana_validator_refuses_unfinalized_and_absent_messages() {
    let sol = SolanaNet::start().await;
    let (_, validator_addrs) = validator_keys();
    let anvil = Anvil::builder().chain_id(31_339).spawn().unwrap();
    let chain = connect(&anvil, "evm").await;
    let evm_bridge_address = evm_bridge(&chain).await;
    let mut rotated = [signer(5).address(), signer(7).address()];
    rotated.sort();
    let calls = vec![
        Bridge::setRemoteCall::new((DOMAIN_SOL, B256::from(sol.program.id.0), 1u8)).abi_encode(),
        Bridge::setValidatorSetCall::new((
            DOMAIN_SOL,
            2u64,
            rotated.iter().map(|v| addr(*v)).collect(),
            2u8,
        ))
        .abi_encode(),
    ];
    govern_evm(&anvil, &chain, evm_bridge_address, &calls).await;
    let user = SolanaSigner::generate().unwrap();
    sol.fund(&user.pubkey()).await;
    let mint = sol.create_mint(&sol.payer.pubkey(), 6).await;
    sol.client
        .mint_to(&sol.payer, &mint, &sol.payer, &user.pubkey(), 1_000)
        .await
        .unwrap();
    sol.govern(&[
        set_remote(DOMAIN_EVM, evm_bridge_address, &validator_addrs, 2),
        trestle_relayer_harness::solana::register_token(
            (DOMAIN_SOL, mint.0),
            (mint, 0),
            (u64::MAX / 4, 3_600),
        ),
        trestle_relayer_harness::solana::route_to((DOMAIN_SOL, mint.0), (DOMAIN_EVM, 0)),
    ])
    .await;
    let token = token_id(DOMAIN_SOL, &UniversalAddress(mint.0));
    // Index at `confirmed` into the validator's store, then attest at `finalized`.
    let confirmed = sol.chain_config("sol", SolanaCommitment::Confirmed);
    let finalized = sol.chain_config("sol", SolanaCommitment::Finalized);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(
        &format!("sqlite://{}", dir.path().join("v.db").display()),
        2,
    )
    .await
    .unwrap();
    sol.land(
        &user,
        vec![send_ix(
            &sol.program,
            &SendParams {
                sender: user.pubkey(),
                token_id: token,
                mint,
                sender_token: get_associated_token_address(
                    &user.pubkey(),
                    &mint,
                    &TOKEN_PROGRAM_ID,
                )
                .unwrap(),
                kind: TokenKind::Home,
                destination: DOMAIN_EVM,
                beneficiary: UniversalAddress::from_evm([9; 20]).0,
                amount: 700,
            },
        )],
    )
    .await;
    let confirmed_client = trestle_relayer::connect::solana(&confirmed).unwrap();
    eventually(60, "the send indexed at confirmed", || async {
        trestle_relayer::origin::solana::step(
            &confirmed_client,
            &confirmed,
            &store,
            &std::sync::Arc::new(trestle_relayer::metrics::Metrics::new()),
        )
        .await
        .unwrap();
        (store.list(&Default::default()).await.unwrap().len() == 1).then_some(())
    })
    .await;
    let real = store.list(&Default::default()).await.unwrap().remove(0);
    // An absent message: another nonce claimed to be in the same transaction, and one in a
    // transaction that does not exist.
    let mut fake = real.message().unwrap();
    fake.nonce = 41;
    let mut ghost = real.message().unwrap();
    ghost.nonce = 42;
    store
        .record_indexed(
            "sol",
            real.origin_height,
            [0; 32],
            &[
                NewMessage {
                    message: fake,
                    origin_height: real.origin_height,
                    origin_block_hash: [0; 32],
                    origin_tx: real.origin_tx.clone(),
                },
                NewMessage {
                    message: ghost,
                    origin_height: real.origin_height,
                    origin_block_hash: [0; 32],
                    origin_tx: vec![7; 64],
                },
            ],
        )
        .await
        .unwrap();

    // The EVM destination: the validator reads its set; nobody delivers.
    let evm = trestle_relayer_harness::daemons::chain_config(
        "evm",
        DOMAIN_EVM,
        &anvil,
        evm_bridge_address,
    );
    let chains = std::collections::BTreeMap::from([("evm".to_owned(), chain.clone())]);
    let cfg = config(
        dir.path(),
        vec![finalized.clone(), evm],
        placeholder_endpoints(&validator_addrs),
        true,
        false,
    );
    let key = signer(5);
    let finalized_client = trestle_relayer::connect::solana(&finalized).unwrap();
    let validator = trestle_relayer::attest::Validator::for_origin(
        SolanaOrigin::new(finalized_client.clone(), &finalized).unwrap(),
        &cfg,
        &key,
        &chains,
        &store,
        &std::sync::Arc::new(trestle_relayer::metrics::Metrics::new()),
    )
    .unwrap()
    .unwrap();
    // Not final yet: nothing signed (a fresh validator finalizes ~30 slots behind).
    assert_eq!(validator.step().await.unwrap(), 0);
    assert_eq!(store.attestation_count().await.unwrap(), 0);
    // Once final, the real message is signed, the absent ones never.
    eventually(90, "the real message attested once final", || async {
        validator.step().await.unwrap();
        (store.attestation_count().await.unwrap() == 1).then_some(())
    })
    .await;
    let signed = store.attestations(&real.id).await.unwrap();
    assert_eq!(signed.len(), 1);
    assert_eq!(signed[0].signer, key.address().0);
    // The same digest as for an EVM origin, with the program id as the origin bridge.
    let digest = trestle_bridge::Attestation {
        origin: DOMAIN_SOL,
        origin_bridge: UniversalAddress(sol.program.id.0),
        destination: DOMAIN_EVM,
        destination_bridge: UniversalAddress::from_evm(evm_bridge_address.0),
        epoch: 2,
        message_id: real.id,
    }
    .digest();
    assert_eq!(signed[0].epoch, 2, "signed for the destination's epoch");
    let signer_of =
        trestle_bridge::signatures::recover_strict(0, &signed[0].signature, &digest).unwrap();
    assert_eq!(signer_of, key.address());
    for _ in 0..3 {
        validator.step().await.unwrap();
    }
    assert_eq!(store.attestation_count().await.unwrap(), 1);
    // Signer 6 is in the route's configured set but not in the destination's: it signs
    // nothing, though the message is final.
    let dropped = trestle_relayer::attest::Validator::for_origin(
        SolanaOrigin::new(finalized_client.clone(), &finalized).unwrap(),
        &cfg,
        &signer(6),
        &chains,
        &store,
        &std::sync::Arc::new(trestle_relayer::metrics::Metrics::new()),
    )
    .unwrap()
    .unwrap();
    for _ in 0..3 {
        assert_eq!(dropped.step().await.unwrap(), 0);
    }
    assert_eq!(store.attestation_count().await.unwrap(), 1);
    // A rotation to epoch 3 that keeps signer 5: the undelivered message is signed again, for
    // epoch 3, once.
    let rotate = vec![
        Bridge::setValidatorSetCall::new((
            DOMAIN_SOL,
            3u64,
            rotated.iter().map(|v| addr(*v)).collect(),
            2u8,
        ))
        .abi_encode(),
    ];
    govern_evm(&anvil, &chain, evm_bridge_address, &rotate).await;
    assert_eq!(validator.step().await.unwrap(), 1);
    assert_eq!(validator.step().await.unwrap(), 0);
    let mut epochs: Vec<u64> = store
        .attestations(&real.id)
        .await
        .unwrap()
        .iter()
        .map(|a| a.epoch)
        .collect();
    epochs.sort();
    assert_eq!(epochs, vec![2, 3]);
    store.close().await;
}
