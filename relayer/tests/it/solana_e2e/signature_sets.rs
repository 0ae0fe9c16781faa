//! The signature sets the relayer's payer stages on Solana (`post_signatures`) are not left
//! holding its rent: the staged `deliver` closes the one it used, and a set left behind (staged
//! for a message that was then delivered without it, as a run that stopped between staging and
//! delivering leaves it, or as another relayer's delivery does) is closed by the relayer.

use trestle_bridge::Attestation;
use trestle_bridge::solana::relay::post_signatures;
use trestle_bridge_client::SolanaBridge;
use trestle_relayer::store::SignatureRecord;
use trestle_relayer_harness::daemons::http_get;

use super::*;

/// Stages `signatures` (ascending by signer) for `id` with `payer`, six per transaction.
async fn stage(
    sol: &SolanaNet,
    payer: &SolanaSigner,
    id: &[u8; 32],
    signatures: &[SignatureRecord],
) {
    for chunk in signatures.chunks(6) {
        let bytes: Vec<u8> = chunk.iter().flat_map(|s| s.signature).collect();
        let post = post_signatures(&sol.program, &payer.pubkey(), id, DOMAIN_EVM, 1, &bytes);
        sol.land(payer, vec![post]).await;
    }
}

/// The signatures of the first `threshold` of `keys` (ascending by signer) on `message` from
/// `bridge` for the Solana program's epoch-1 set.
fn sign(
    sol: &SolanaNet,
    bridge: EvmAddress,
    message: &Message,
    keys: &[EvmSigner],
    threshold: usize,
) -> Vec<SignatureRecord> {
    let digest = Attestation {
        origin: DOMAIN_EVM,
        origin_bridge: UniversalAddress::from_evm(bridge.0),
        destination: DOMAIN_SOL,
        destination_bridge: UniversalAddress(sol.program.id.0),
        epoch: 1,
        message_id: message.id(),
    }
    .digest();
    let mut signatures: Vec<SignatureRecord> = keys
        .iter()
        .map(|k| SignatureRecord {
            message_id: message.id(),
            epoch: 1,
            signer: k.address().0,
            signature: k.sign_hash(&digest).unwrap().to_bytes(),
        })
        .collect();
    signatures.sort_by_key(|s| s.signer);
    signatures.truncate(threshold);
    signatures
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_relayer_closes_the_staged_signature_sets_no_deliver_will_use() {
    // 7-of-10 does not fit one transaction: the relayer stages, then delivers.
    let net = EtherToSolana::start(&[10u128.pow(18)], u64::MAX / 4, 3_600, (10, 7, 7)).await;
    net.wait_until(MessageState::Delivered).await;
    let sol = &net.sol;
    let first = net
        .relayer
        .store()
        .list(&Default::default())
        .await
        .unwrap()
        .remove(0)
        .message()
        .unwrap();
    let payer = net.payer.pubkey();
    let program = sol.program;
    let set_of = |id: &[u8; 32], payer: &SolanaAddress| program.signature_set(id, 1, payer);
    assert!(
        sol.client
            .account(&set_of(&first.id(), &payer))
            .await
            .unwrap()
            .is_none(),
        "the staged deliver left its signature set open"
    );
    let EtherToSolana {
        sol,
        _anvil: anvil,
        bridge,
        beneficiary,
        relayer,
        relayer_config,
        payer: payer_key,
        mut messages,
        validators,
        _dirs,
        ..
    } = net;
    relayer.shutdown().await;
    let (keys, _) = many_validator_keys(10);
    let other = SolanaSigner::generate().unwrap();
    sol.fund(&other.pubkey()).await;

    // Left while the relayer is down: its payer's set for the delivered message (and another
    // payer's); its payer's set for a second message, which another payer then delivers.
    let signatures = sign(&sol, bridge, &first, &keys, 7);
    stage(&sol, &payer_key, &first.id(), &signatures).await;
    stage(&sol, &other, &first.id(), &signatures).await;
    let chain = connect(&anvil, "evm").await;
    let user = EvmSender::new(chain, signer(3));
    let data = Bridge::sendTokenCall::new((
        DOMAIN_SOL,
        B256::from(token_id(DOMAIN_EVM, &NATIVE_TOKEN)),
        U256::from(10u128.pow(18)),
        FixedBytes::<32>::from(beneficiary.0),
    ))
    .abi_encode();
    let sent = TxRequest::call(bridge, data).with_value(U256::from(10u128.pow(18)));
    assert!(send(&user, sent).await.success);
    messages += 1;
    let second = eventually(60, "the second message indexed by a validator", || async {
        let all = validators[0]
            .store()
            .list(&Default::default())
            .await
            .unwrap();
        all.into_iter()
            .map(|m| m.message().unwrap())
            .find(|m| m.id() != first.id())
    })
    .await;
    let signatures = sign(&sol, bridge, &second, &keys, 7);
    stage(&sol, &payer_key, &second.id(), &signatures).await;
    stage(&sol, &other, &second.id(), &signatures).await;
    let payout = SolanaBridge::new(sol.client.clone(), sol.program.id)
        .payout_of(&second)
        .await
        .unwrap()
        .unwrap();
    let delivered_by_other = deliver(
        &sol.program,
        &other.pubkey(),
        &second,
        &UniversalAddress::from_evm(bridge.0).0,
        &Signatures::Staged { epoch: 1 },
        Some(&payout),
    )
    .unwrap();
    sol.land(
        &other,
        vec![
            payout.create_beneficiary_token(&other.pubkey()).unwrap(),
            delivered_by_other,
        ],
    )
    .await;
    let ours = [set_of(&first.id(), &payer), set_of(&second.id(), &payer)];
    let mut rent = 0;
    for set in &ours {
        rent += sol.client.account(set).await.unwrap().unwrap().lamports;
    }
    let theirs = set_of(&first.id(), &other.pubkey());
    assert!(sol.client.account(&theirs).await.unwrap().is_some());
    let before = sol.client.balance(&payer).await.unwrap();

    // The relayer, started again, closes both of its payer's sets: the first message's by the
    // sweep at start, the second's once it finds it delivered (or by the sweep, if its
    // indexer recorded the message first).
    let relayer = start_solana_relayer(relayer_config, &payer_key).await;
    let url = format!("http://{}/metrics", relayer.api_addr());
    eventually(90, "both of the relayer's leftover sets closed", || async {
        let (_, metrics) = http_get(&url).await;
        metrics
            .contains("trestle_solana_signature_sets_closed_total{destination=\"sol\"} 2")
            .then_some(())
    })
    .await;
    for set in &ours {
        assert!(sol.client.account(set).await.unwrap().is_none());
    }
    let after = sol.client.balance(&payer).await.unwrap();
    // The rent back, less the two closing transactions' fees (the relayer sent nothing else:
    // both messages were delivered).
    assert!(
        after > before && after <= before + rent && after + 100_000 >= before + rent,
        "payer {before} -> {after} lamports; the sets held {rent}"
    );
    // Another payer's set is theirs to close.
    assert!(sol.client.account(&theirs).await.unwrap().is_some());
    // The second message is settled as delivered (by the other payer).
    eventually(
        60,
        "both messages delivered in the relayer's store",
        || async {
            let s = states(relayer.store()).await;
            (s.len() == messages && s.iter().all(|m| m.1 == MessageState::Delivered)).then_some(())
        },
    )
    .await;
    relayer.shutdown().await;
    for v in validators {
        v.shutdown().await;
    }
}
