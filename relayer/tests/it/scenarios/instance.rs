//! One relayer per key on a shared PostgreSQL store. A second instance started with the same
//! key is refused (two instances on one key collide on its nonces); and a relayer restarted
//! after a SIGKILL takes back at once the claims its dead run left, where before its messages
//! waited out the 300 s claim lease (the run's name in its claims was `HOSTNAME-PID`, new at
//! every start).

use std::time::Duration;

use alloy_primitives::Address;
use alloy_sol_types::SolCall;
use trestle_bridge::evm_bindings::Bridge;
use trestle_relayer::error::Error;
use trestle_relayer::store::MessageState;
use trestle_relayer::{Daemon, Keys};
use trestle_relayer_harness::daemons::{live_endpoints, start_validators, wait_for_state};
use trestle_relayer_harness::evm::{ETHER, signer};
use trestle_relayer_harness::net::{Net, relayer_config};

const MINUTE: Duration = Duration::from_secs(60);

fn keys(key: usize) -> Keys {
    Keys {
        validator: None,
        relayer: Some(signer(key)),
        relayer_solana: None,
        fee_oracle: None,
        fee_oracle_solana: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_relayer_per_key_on_a_shared_store_and_a_restart_takes_its_claims_back_at_once() {
    let pg = crate::support::postgres::Postgres::start();
    let net = Net::start(u128::MAX).await;
    let (validators, _dirs) =
        start_validators(&net.keys, || net.chains(), &net.placeholders()).await;
    let endpoints = live_endpoints(&net.placeholders(), &validators);
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = relayer_config(&net, dir.path(), endpoints);
    cfg.store.url = pg.url();
    let identity = format!("relayer-{}", signer(2).address().to_checksum());

    let first = Daemon::start(cfg.clone(), keys(2), "first").await.unwrap();
    let second = Daemon::start(cfg.clone(), keys(2), "second").await;
    match second {
        Err(Error::InstanceRunning(name)) => assert_eq!(name, identity),
        other => panic!("a second instance on one key started: {:?}", other.err()),
    }
    // Another key is another relayer: welcome.
    let other = Daemon::start(cfg.clone(), keys(4), "other").await.unwrap();
    other.shutdown().await;

    // B is paused: the first run indexes and collects a transfer, which then waits, ready.
    // It dies holding a claim on it (as a SIGKILL leaves it: claimed by its name for the
    // whole lease).
    net.guardian_b(Bridge::pauseCall {}.abi_encode()).await;
    let metrics = format!("http://{}/metrics", first.api_addr());
    trestle_relayer_harness::wait::wait_until("the relayer sees the pause", MINUTE, || async {
        trestle_relayer_harness::daemons::http_get(&metrics)
            .await
            .1
            .contains("trestle_destination_paused{chain=\"b\"} 1")
    })
    .await;
    net.send(ETHER, Address::from([0x3e; 20])).await;
    let ready = wait_for_state(first.store(), 0, MessageState::Ready, MINUTE).await;
    first.shutdown().await;
    let store = trestle_relayer::Store::connect(&pg.url(), 2).await.unwrap();
    let stranded = store
        .claim(
            ready.destination,
            MessageState::Ready,
            &format!("{identity}/b"),
            Duration::from_secs(300),
            10,
        )
        .await
        .unwrap();
    assert_eq!(
        stranded.len(),
        1,
        "{:?}",
        trestle_relayer_harness::daemons::messages(&store).await
    );
    net.admin_b(vec![Bridge::unpauseCall {}.abi_encode()]).await;

    // The restart (same key, any process name) takes its claim back and delivers.
    let restarted = Daemon::start(cfg, keys(2), "restarted").await.unwrap();
    let m = wait_for_state(restarted.store(), 0, MessageState::Delivered, MINUTE).await;
    assert!(m.claimed_by.is_none(), "{m:?}");

    // The database ends the lock's connection (a restart, an idle timeout): the relayer stops
    // itself rather than run on while another instance could take its key.
    let ended = pg
        .psql("SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory'");
    assert_eq!(ended, "1");
    tokio::time::timeout(Duration::from_secs(20), restarted.stopped_itself())
        .await
        .expect("the relayer ran on without its instance lock");
    restarted.shutdown().await;
    store.close().await;
    for v in validators {
        v.shutdown().await;
    }
}
