//! The relayer's wallet running low on a destination: with `[[chains]] low_balance` set,
//! `/metrics` shows `trestle_wallet_balance_low{chain} 1` while the submitting key holds
//! less, and 0 again once it is topped up.

use std::time::Duration;

use serde_json::json;
use trestle_relayer_harness::daemons::{http_get, start_relayer};
use trestle_relayer_harness::evm::signer;
use trestle_relayer_harness::net::{Net, relayer_config};
use trestle_relayer_harness::wait::wait_until;

/// Sets `address`'s balance on the chain behind `anvil` to `wei`.
fn set_balance(anvil: &trestle_tests::Anvil, address: &str, wei: u128) {
    anvil
        .rpc("anvil_setBalance", json!([address, format!("0x{wei:x}")]))
        .unwrap();
}

/// The line of `metric` for chain `b` in the exposition at `url`, if any.
async fn metric_b(url: &str, metric: &str) -> Option<String> {
    let (_, text) = http_get(url).await;
    let prefix = format!("{metric}{{chain=\"b\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix).map(str::to_owned))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn low_wallet_balance_sets_the_gauge_until_topped_up() {
    let net = Net::start(u128::MAX).await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = relayer_config(&net, dir.path(), net.placeholders());
    cfg.chains[1].low_balance = Some("5.5".into());
    let relayer_key = signer(2).address().to_string();
    // 5.4 ether: below the threshold (the dev account starts with 10,000).
    set_balance(&net.anvil_b, &relayer_key, 5_400_000_000_000_000_000);
    let relayer = start_relayer(cfg).await;
    let url = format!("http://{}/metrics", relayer.api_addr());
    let url = url.as_str();
    let within = Duration::from_secs(30);

    wait_until("wallet_balance_low 1", within, move || async move {
        metric_b(url, "trestle_wallet_balance_low").await.as_deref() == Some("1")
    })
    .await;
    let balance: f64 = metric_b(url, "trestle_wallet_balance_ether")
        .await
        .unwrap()
        .parse()
        .unwrap();
    assert!((balance - 5.4).abs() < 1e-9, "{balance}");

    // Exactly the threshold is not low.
    set_balance(&net.anvil_b, &relayer_key, 5_500_000_000_000_000_000);
    wait_until("wallet_balance_low 0", within, move || async move {
        metric_b(url, "trestle_wallet_balance_low").await.as_deref() == Some("0")
    })
    .await;
    // And it goes back to 1 on the next drop.
    set_balance(&net.anvil_b, &relayer_key, 1);
    wait_until("wallet_balance_low 1 again", within, move || async move {
        metric_b(url, "trestle_wallet_balance_low").await.as_deref() == Some("1")
    })
    .await;
    // Chain a has no destination worker and no threshold: no gauge for it.
    let (_, text) = http_get(url).await;
    assert!(
        !text.contains("trestle_wallet_balance_low{chain=\"a\"}"),
        "{text}"
    );
    relayer.shutdown().await;
}
