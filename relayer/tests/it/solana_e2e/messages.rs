//! Arbitrary messages EVM -> Solana: one too large for a Solana transaction is failed at once;
//! others are delivered, then executed into the example recipient program.

use super::*;

/// A 700-byte body is over what one Solana `deliver` transaction holds. An EVM bridge caps a
/// Solana remote's bodies at that by default; one whose admin lifted the cap (`setMaxBody` to
/// the protocol's 16 KiB) emits it, and the relayer's Solana worker parks it as failed at once
/// with the reason, never submitting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_too_large_for_solana_is_failed_at_once_and_never_submitted() {
    let sol = SolanaNet::start().await;
    let anvil = Anvil::builder().chain_id(31_340).spawn().unwrap();
    let chain = connect(&anvil, "evm").await;
    let (_, validator_addrs) = validator_keys();
    let bridge = evm_bridge(&chain).await;
    let calls = vec![
        Bridge::setRemoteCall::new((DOMAIN_SOL, B256::from(sol.program.id.0), 1u8)).abi_encode(),
        Bridge::setMaxBodyCall::new((DOMAIN_SOL, 16_384u32)).abi_encode(),
    ];
    govern_evm(&anvil, &chain, bridge, &calls).await;
    sol.govern(&[set_remote(DOMAIN_EVM, bridge, &validator_addrs, 2)])
        .await;
    let chains = vec![
        trestle_relayer_harness::daemons::chain_config("evm", DOMAIN_EVM, &anvil, bridge),
        sol.chain_config("sol", SolanaCommitment::Confirmed),
    ];
    let payer = SolanaSigner::generate().unwrap();
    sol.fund(&payer.pubkey()).await;
    let funded = sol.client.balance(&payer.pubkey()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let relayer = super::start_solana_relayer(
        config(
            dir.path(),
            chains,
            placeholder_endpoints(&validator_addrs),
            false,
            true,
        ),
        &payer,
    )
    .await;

    let user = EvmSender::new(chain.clone(), signer(3));
    let data =
        // A 700-byte body: the kind byte, the gas limit and 691 bytes of payload.
        Bridge::sendMessageCall::new((
            DOMAIN_SOL,
            B256::from([0x55; 32]),
            200_000u64,
            vec![0xab; 691].into(),
        ))
        .abi_encode();
    assert!(send(&user, TxRequest::call(bridge, data)).await.success);

    let failed = eventually(60, "the oversized message parked as failed", || async {
        let all = relayer.store().list(&Default::default()).await.unwrap();
        all.into_iter().find(|m| m.state == MessageState::Failed)
    })
    .await;
    assert_eq!(failed.message().unwrap().body.len(), 700);
    let reason = failed.last_error.clone().unwrap();
    assert!(
        reason.contains("700 bytes") && reason.contains("681"),
        "unclear reason: {reason}"
    );
    assert_eq!(failed.tx_hash, None);
    // It stays failed, and nothing was ever landed for it: no receipt, no fee paid.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let again = relayer.store().message(&failed.id).await.unwrap().unwrap();
    assert_eq!(again.state, MessageState::Failed);
    assert_eq!(again.attempts, 1);
    assert!(
        sol.client
            .account(&trestle_relayer_harness::solana::receipt_address(
                &sol.program,
                failed.origin,
                bridge,
                failed.nonce,
            ))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(sol.client.balance(&payer.pubkey()).await.unwrap(), funded);
    relayer.shutdown().await;
}

/// Arbitrary messages EVM -> Solana: `deliver` records each (receipt `received`), then the
/// relayer calls `execute_message`, which hands it to the example recipient program signed by
/// the messenger PDA (receipt `message_executed`). A recipient that fails (payload `fail`)
/// leaves the message delivered and retryable on chain (receipt still `received`), like a
/// failed recipient call on EVM, and holds up nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_arbitrary_message_from_evm_is_delivered_then_executed_into_the_recipient_program() {
    let sol = SolanaNet::start_with_recipient().await;
    let anvil = Anvil::builder().chain_id(31_341).spawn().unwrap();
    let chain = connect(&anvil, "evm").await;
    let (keys, validator_addrs) = validator_keys();
    let bridge = evm_bridge(&chain).await;
    let calls = vec![
        Bridge::setRemoteCall::new((DOMAIN_SOL, B256::from(sol.program.id.0), 1u8)).abi_encode(),
    ];
    govern_evm(&anvil, &chain, bridge, &calls).await;
    sol.govern(&[set_remote(DOMAIN_EVM, bridge, &validator_addrs, 2)])
        .await;
    let chains = || {
        vec![
            trestle_relayer_harness::daemons::chain_config("evm", DOMAIN_EVM, &anvil, bridge),
            sol.chain_config("sol", SolanaCommitment::Confirmed),
        ]
    };
    let placeholder = placeholder_endpoints(&validator_addrs);
    let (validators, _dirs) = start_validators(&keys, &chains, &placeholder, 2).await;
    let endpoints = live_endpoints(&placeholder, &validators);
    let payer = SolanaSigner::generate().unwrap();
    sol.fund(&payer.pubkey()).await;
    let dir = tempfile::tempdir().unwrap();
    let relayer =
        super::start_solana_relayer(config(dir.path(), chains(), endpoints, false, true), &payer)
            .await;

    let user = EvmSender::new(chain.clone(), signer(3));
    for payload in [b"hello solana".to_vec(), b"fail".to_vec()] {
        let data = Bridge::sendMessageCall::new((
            DOMAIN_SOL,
            B256::from(trestle_relayer_harness::solana::RECIPIENT_ID),
            200_000u64,
            payload.into(),
        ))
        .abi_encode();
        assert!(send(&user, TxRequest::call(bridge, data)).await.success);
    }
    let delivered = eventually(240, "both messages delivered on Solana", || async {
        let all = relayer.store().list(&Default::default()).await.unwrap();
        (all.len() == 2 && all.iter().all(|m| m.state == MessageState::Delivered)).then_some(all)
    })
    .await;
    for m in &delivered {
        let message = m.message().unwrap();
        let account = sol
            .client
            .account(&trestle_relayer_harness::solana::receipt_address(
                &sol.program,
                m.origin,
                bridge,
                m.nonce,
            ))
            .await
            .unwrap()
            .unwrap();
        let receipt = Receipt::decode(&account.data).unwrap();
        let Body::Message { gas_limit, payload } = Body::decode(&message.body).unwrap() else {
            panic!("not an arbitrary message: {message:?}");
        };
        assert_eq!(gas_limit, 200_000);
        let expected = if payload == b"fail" {
            ReceiptStatus::Received
        } else {
            assert_eq!(payload, b"hello solana");
            ReceiptStatus::MessageExecuted
        };
        assert_eq!(receipt.status, expected, "nonce {}", m.nonce);
    }
    // The recipient logged what it was handed: `["received", origin, sender, payload]`,
    // base64 per field ("received" and "hello solana").
    let tip = sol.client.slot(Commitment::Confirmed).await.unwrap();
    let logged = sol
        .client
        .program_transactions(&sol.program.id, 0, tip)
        .await
        .unwrap()
        .transactions
        .iter()
        .filter(|tx| tx.error.is_none())
        .flat_map(|tx| tx.logs.clone())
        .any(|line| {
            line.starts_with("Program data: cmVjZWl2ZWQ= ") && line.ends_with(" aGVsbG8gc29sYW5h")
        });
    assert!(logged, "the recipient logged the message");
    relayer.shutdown().await;
    for v in validators {
        v.shutdown().await;
    }
}
