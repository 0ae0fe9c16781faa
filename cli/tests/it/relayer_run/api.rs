//! `trestle relayer run` with its two listeners (issue 14): the public one serves attestations
//! only, with a body limit; the operator's requires the bearer token from `api.token_env` on
//! everything but the probes, and the token never reaches the log; `trestle bridge status`
//! sends it from the environment variable `--api-token-env` names.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use trestle_relayer_harness::daemons::{free_listen, http_get_status};
use trestle_relayer_harness::net::{Net, relayer_config};

use super::restart::{PASSWORD_ENV, write_config};

const TOKEN_ENV: &str = "TEST_OPERATOR_TOKEN";
const TOKEN: &str = "s3cret-operator-token-0123456789";

async fn get(url: &str, token: Option<&str>) -> u16 {
    let mut request = reqwest::Client::new().get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap().status().as_u16()
}

async fn post(url: &str, body: String) -> u16 {
    reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_listener_serves_attestations_only_and_the_operators_needs_its_token() {
    let net = Net::start(u128::MAX).await;
    let dir = tempfile::tempdir().unwrap();
    let (operator, public) = (free_listen(), free_listen());
    let mut cfg = relayer_config(&net, dir.path(), net.placeholders());
    cfg.api.listen = operator.clone();
    cfg.api.public_listen = Some(public.clone());
    cfg.api.token_env = Some(TOKEN_ENV.into());
    let config = write_config(dir.path(), cfg);
    let log = dir.path().join("run.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_trestle"))
        .args(["relayer", "run", "--config"])
        .arg(&config)
        .env(PASSWORD_ENV, "kill nine")
        .env(TOKEN_ENV, TOKEN)
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while http_get_status(&format!("http://{operator}/readyz")).await != Some(200) {
        assert!(
            child.try_wait().unwrap().is_none() && Instant::now() < deadline,
            "not ready: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The public listener: attestations and the liveness probe, nothing else.
    let batch = format!("http://{public}/v1/attestations");
    assert_eq!(post(&batch, r#"{"ids":[]}"#.into()).await, 200);
    assert_eq!(get(&format!("http://{public}/healthz"), None).await, 200);
    for route in ["/v1/messages", "/metrics", "/readyz"] {
        assert_eq!(
            get(&format!("http://{public}{route}"), Some(TOKEN)).await,
            404,
            "{route}"
        );
    }
    let huge = format!(r#"{{"ids":["{}"]}}"#, "0".repeat(256 * 1024));
    assert_eq!(post(&batch, huge).await, 413, "a body over the limit");

    // The operator's: the token on everything but the probes; no attestation routes.
    let messages = format!("http://{operator}/v1/messages");
    assert_eq!(get(&messages, None).await, 401);
    assert_eq!(
        get(&messages, Some("s3cret-operator-token-012345678X")).await,
        401
    );
    assert_eq!(get(&messages, Some(TOKEN)).await, 200);
    assert_eq!(get(&format!("http://{operator}/metrics"), None).await, 401);
    assert_eq!(
        get(&format!("http://{operator}/metrics"), Some(TOKEN)).await,
        200
    );
    assert_eq!(get(&format!("http://{operator}/healthz"), None).await, 200);
    // Attestations are the public listener's: not here, with the token or without.
    let on_operator = reqwest::Client::new()
        .post(format!("http://{operator}/v1/attestations"))
        .bearer_auth(TOKEN)
        .json(&serde_json::json!({"ids": []}))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(on_operator.as_u16(), 404);
    let batch_on_operator = format!("http://{operator}/v1/attestations");
    assert_eq!(post(&batch_on_operator, r#"{"ids":[]}"#.into()).await, 401);

    // `trestle bridge status` reaches the operator's listener with the token from the
    // environment variable `--api-token-env` names (or the file's `[api] token_env` for the
    // file's own listener), and without it gets the 401.
    let id = format!("0x{}", "ab".repeat(32));
    let bridge_status = |args: &[&str], token: bool| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_trestle"));
        command
            .args(["bridge", "status", "--config"])
            .arg(&config)
            .args(args)
            .arg(&id)
            .env_remove("TRESTLE_API_URL")
            .env_remove(TOKEN_ENV);
        if token {
            command.env(TOKEN_ENV, TOKEN);
        }
        let out = command.output().unwrap();
        assert!(!out.status.success());
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!text.contains(TOKEN), "the token is shown: {text}");
        text
    };
    let api_arg = format!("http://{operator}");
    let without = bridge_status(&["--api", &api_arg], true);
    assert!(without.contains("401"), "{without}");
    let named = bridge_status(&["--api", &api_arg, "--api-token-env", TOKEN_ENV], true);
    assert!(named.contains("does not know message"), "{named}");
    let from_file = bridge_status(&[], true);
    assert!(from_file.contains("does not know message"), "{from_file}");
    let unset = bridge_status(&["--api", &api_arg, "--api-token-env", TOKEN_ENV], false);
    assert!(
        unset.contains("--api-token-env") && unset.contains(TOKEN_ENV),
        "{unset}"
    );

    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    assert!(child.wait().unwrap().success());
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains(TOKEN), "the log shows the token: {text}");
}
