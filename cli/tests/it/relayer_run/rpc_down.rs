//! `trestle relayer run` started while the destination's only RPC endpoint is down (the
//! in-process daemon's side of it is in trestle-relayer's `scenarios::rpc`).

use std::time::{Duration, Instant};

use trestle_relayer_harness::daemons::{free_listen, http_get_status};
use trestle_relayer_harness::net::{Net, relayer_config};
use trestle_relayer_harness::proxy::{Proxy, URL_KEYS};

use super::restart::{spawn_process, write_config};

const MINUTE: Duration = Duration::from_secs(60);

/// `trestle relayer run` with the destination's only endpoint down: it does not exit; it
/// serves `/healthz`, fails `/readyz`, and stops cleanly on SIGTERM while still waiting. The
/// endpoint's URL carries an API key in each place providers put one (user info, path,
/// query): none of them appears in the logs, though every retry logs the failure.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relayer_process_with_its_rpc_down_waits_instead_of_exiting_and_stops_on_sigterm() {
    let net = Net::start(u128::MAX).await;
    let proxy = Proxy::new(net.anvil_b.url());
    let dir = tempfile::tempdir().unwrap();
    let listen = free_listen();
    let mut cfg = relayer_config(&net, dir.path(), net.placeholders());
    cfg.chains[1].rpc_urls = vec![proxy.url_with_keys(true)];
    cfg.api.listen = listen.clone();
    let config = write_config(dir.path(), cfg);
    let log = dir.path().join("run.log");
    let mut child = spawn_process(&config, &log);

    let deadline = Instant::now() + MINUTE;
    while http_get_status(&format!("http://{listen}/healthz")).await != Some(200) {
        assert!(
            child.try_wait().unwrap().is_none(),
            "it exited: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        assert!(
            Instant::now() < deadline,
            "no health endpoint while starting"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(child.try_wait().unwrap().is_none(), "it gave up");
    assert_eq!(
        http_get_status(&format!("http://{listen}/readyz")).await,
        Some(503)
    );
    let term = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let status = child.wait().unwrap();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(status.success(), "exit {status}: {text}");
    assert!(
        text.contains("no RPC endpoint of the chain answers; retrying"),
        "{text}"
    );
    assert!(
        text.contains("shutdown signal received while starting"),
        "{text}"
    );
    for key in URL_KEYS {
        assert!(!text.contains(key), "the log shows {key}: {text}");
    }
}
