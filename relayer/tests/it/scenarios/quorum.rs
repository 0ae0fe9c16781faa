//! A validator does not sign on one RPC endpoint's word. An origin endpoint that forges logs
//! (every token transfer rewritten to pay the attacker) is first in the validators'
//! `rpc_urls`, before the honest node: their indexers record the forged message. With the
//! default quorum (both endpoints of two) the validator refuses it and counts the
//! disagreement; one that opted into a quorum of one signs the forgery (the attack this
//! closes); one whose two endpoints are honest signs the real message.

use std::time::Duration;

use alloy_primitives::Address;
use trestle_bridge::Body;
use trestle_core::chain::UniversalAddress;
use trestle_relayer::{Daemon, Keys};
use trestle_relayer_harness::daemons::{config, http_get, messages};
use trestle_relayer_harness::evm::ETHER;
use trestle_relayer_harness::forge::ForgingRpc;
use trestle_relayer_harness::net::Net;
use trestle_relayer_harness::proxy::Proxy;
use trestle_relayer_harness::wait::wait_until;

const MINUTE: Duration = Duration::from_secs(60);

/// A validator daemon for key `key` of `net` whose chain A is read through `rpc_urls`, with
/// `quorum` (none: the default).
async fn validator(
    net: &Net,
    key: usize,
    rpc_urls: Vec<String>,
    quorum: Option<usize>,
    dir: &std::path::Path,
) -> Daemon {
    let mut chains = net.chains();
    chains[0].rpc_urls = rpc_urls;
    chains[0].quorum = quorum;
    let cfg = config(dir, chains, net.placeholders(), true, false);
    let keys = Keys {
        validator: Some(net.keys[key].clone()),
        relayer: None,
        relayer_solana: None,
        fee_oracle: None,
        fee_oracle_solana: None,
    };
    Daemon::start(cfg, keys, "v").await.unwrap()
}

/// The beneficiary of the token transfer the daemon recorded as nonce 0, and how many
/// attestations it signed for it.
async fn first_transfer(daemon: &Daemon) -> Option<(UniversalAddress, usize)> {
    let record = messages(daemon.store())
        .await
        .into_iter()
        .find(|m| m.nonce == 0)?;
    let message = record.message().unwrap();
    let Body::TokenTransfer(transfer) = Body::decode(&message.body).unwrap() else {
        panic!("nonce 0 is not a token transfer");
    };
    let signed = daemon.store().attestations(&record.id).await.unwrap().len();
    Some((transfer.beneficiary, signed))
}

/// `trestle_validator_disagreements_total{chain="a"}` of the daemon (0 before the first).
async fn disagreements(daemon: &Daemon) -> u64 {
    let (_, metrics) = http_get(&format!("http://{}/metrics", daemon.api_addr())).await;
    metrics
        .lines()
        .find_map(|l| l.strip_prefix("trestle_validator_disagreements_total{chain=\"a\"} "))
        .map_or(0, |n| n.trim().parse().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_validator_does_not_sign_a_message_only_one_of_its_rpc_endpoints_reports() {
    let net = Net::start(u128::MAX).await;
    let attacker = UniversalAddress::from_evm([0xa7; 20]);
    let forger = ForgingRpc::start(net.anvil_a.url(), net.d.bridge_a, attacker).await;
    let mut honest_proxy = Proxy::new(net.anvil_a.url());
    honest_proxy.start().await;
    let honest = net.anvil_a.url().to_owned();
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();

    let guarded = validator(
        &net,
        0,
        vec![forger.url().into(), honest.clone()],
        None,
        dirs[0].path(),
    )
    .await;
    let trusting = validator(
        &net,
        1,
        vec![forger.url().into(), honest.clone()],
        Some(1),
        dirs[1].path(),
    )
    .await;
    let both_honest = validator(
        &net,
        2,
        vec![honest.clone(), honest_proxy.url()],
        None,
        dirs[2].path(),
    )
    .await;

    let beneficiary = Address::from([0x5e; 20]);
    net.send(ETHER, beneficiary).await;
    let real = UniversalAddress::from_evm(beneficiary.0.0);

    // The forgery reaches signing when one endpoint is trusted.
    wait_until(
        "the trusting validator signs the forged transfer",
        MINUTE,
        || async { first_transfer(&trusting).await == Some((attacker, 1)) },
    )
    .await;
    assert!(forger.forged() > 0);
    // Honest endpoints that agree: signed.
    wait_until(
        "the validator with two honest endpoints signs",
        MINUTE,
        || async { first_transfer(&both_honest).await == Some((real, 1)) },
    )
    .await;
    // The default quorum: the forged message is recorded, checked, found on one endpoint
    // only, counted and never signed.
    wait_until(
        "the guarded validator sees the endpoints disagree",
        MINUTE,
        || async { disagreements(&guarded).await >= 2 },
    )
    .await;
    assert_eq!(first_transfer(&guarded).await, Some((attacker, 0)));
    assert_eq!(guarded.store().attestation_count().await.unwrap(), 0);
    assert_eq!(disagreements(&both_honest).await, 0);

    for d in [guarded, trusting, both_honest] {
        d.shutdown().await;
    }
}

/// A slow endpoint (every answer 8 s late, under the 10 s request timeout) beside two prompt
/// honest ones, quorum 2: the validator signs as soon as the two agree, not after the slow
/// one (before, it waited for every endpoint, so one slow endpoint delayed every block).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_endpoint_does_not_hold_up_what_a_quorum_agreed_on() {
    let net = Net::start(u128::MAX).await;
    let slow = ForgingRpc::slow(net.anvil_a.url(), Duration::from_secs(8)).await;
    let mut proxy = Proxy::new(net.anvil_a.url());
    proxy.start().await;
    let dir = tempfile::tempdir().unwrap();
    // The slow one is last: the indexer fails over to it only when the others are down.
    let v = validator(
        &net,
        0,
        vec![net.anvil_a.url().to_owned(), proxy.url(), slow.url().into()],
        Some(2),
        dir.path(),
    )
    .await;
    let sent = std::time::Instant::now();
    net.send(ETHER, Address::from([0x5f; 20])).await;
    let real = UniversalAddress::from_evm([0x5f; 20]);
    wait_until("the validator signs", MINUTE, || async {
        first_transfer(&v).await == Some((real, 1))
    })
    .await;
    assert!(
        sent.elapsed() < Duration::from_secs(6),
        "signed {:?} after the send: it waited for the slow endpoint",
        sent.elapsed()
    );
    v.shutdown().await;
}
