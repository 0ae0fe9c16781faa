//! Validators going down under a 2-of-3 set: with one down messages are delivered; with two
//! down nothing is, the message waits (not lost, not failed); when one comes back (same
//! store, same address) it is delivered.

use std::time::Duration;

use alloy_primitives::Address;
use trestle_core::chain::U256;
use trestle_relayer::config::ValidatorEndpoint;
use trestle_relayer::store::MessageState;
use trestle_relayer_harness::daemons::{free_listen, messages, start_relayer, wait_for_state};
use trestle_relayer_harness::evm::ETHER;
use trestle_relayer_harness::net::{Net, relayer_config, start_validator};

const MINUTE: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_validator_down_still_delivers_and_two_down_waits_until_one_returns() {
    let net = Net::start(u128::MAX).await;
    let listens: Vec<String> = (0..3).map(|_| free_listen()).collect();
    let endpoints: Vec<ValidatorEndpoint> = net
        .addrs
        .iter()
        .zip(&listens)
        .map(|(a, l)| ValidatorEndpoint {
            address: *a,
            url: format!("http://{l}"),
        })
        .collect();
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let mut validators = Vec::new();
    for i in 0..3 {
        validators.push(Some(
            start_validator(
                &net,
                &net.keys[i],
                dirs[i].path(),
                endpoints.clone(),
                Vec::new(),
                &listens[i],
            )
            .await,
        ));
    }
    let relayer_dir = tempfile::tempdir().unwrap();
    let relayer = start_relayer(relayer_config(&net, relayer_dir.path(), endpoints.clone())).await;
    let store = relayer.store().clone();
    let to = Address::from([0x3c; 20]);

    // One validator offline: 2-of-3 still delivers, with the two that answer.
    validators[2].take().unwrap().shutdown().await;
    net.send(ETHER, to).await;
    let first = wait_for_state(&store, 0, MessageState::Delivered, MINUTE).await;
    let sigs = store.signatures(&first.id, 1).await.unwrap();
    assert_eq!(sigs.len(), 2);
    assert!(sigs.iter().all(|s| s.signer != net.addrs[2].0));

    // Two offline: below the threshold, the message waits.
    validators[1].take().unwrap().shutdown().await;
    net.send(2 * ETHER, to).await;
    let waiting = wait_for_state(&store, 1, MessageState::Pending, MINUTE).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let now = messages(&store).await;
    assert_eq!(now[1].state, MessageState::Pending, "{:?}", now[1]);
    assert!(store.signatures(&waiting.id, 1).await.unwrap().len() <= 1);
    assert_eq!(net.balance(to).await, U256::from(ETHER));
    assert_eq!(net.deliveries_on_b().await, 1);

    // Validator 1 returns on its store and address: it attests the message it missed.
    validators[1] = Some(
        start_validator(
            &net,
            &net.keys[1],
            dirs[1].path(),
            endpoints.clone(),
            Vec::new(),
            &listens[1],
        )
        .await,
    );
    wait_for_state(&store, 1, MessageState::Delivered, MINUTE).await;
    assert_eq!(net.balance(to).await, U256::from(3 * ETHER));
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(net.deliveries_on_b().await, 2);

    relayer.shutdown().await;
    for v in validators.into_iter().flatten() {
        v.shutdown().await;
    }
}
