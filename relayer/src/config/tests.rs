use super::*;

const VALID: &str = r#"
[store]
url = "sqlite:///tmp/trestle-test.db"

[api]
listen = "127.0.0.1:9090"

[log]
format = "json"

[[chains]]
name = "anvil-a"
domain = 1
chain_id = 31337
rpc_urls = ["http://127.0.0.1:8545"]
bridge = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
finality = { confirmations = 2 }

[[chains]]
name = "anvil-b"
domain = 2
chain_id = 31338
rpc_urls = ["http://127.0.0.1:8546", "http://127.0.0.1:8547"]
bridge = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
finality = "finalized"

[[routes]]
from = "anvil-a"
to = "anvil-b"
epoch = 1
threshold = 2
validators = [
  { address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", url = "http://127.0.0.1:7001" },
  { address = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", url = "http://127.0.0.1:7002" },
  { address = "0x90F79bf6EB2c4f870365E785982E1f101E93b906", url = "http://127.0.0.1:7003" },
]

[validator]
keystore = "/etc/trestle/validator.json"

[relayer]
keystore = "/etc/trestle/relayer.json"
password_env = "RELAYER_PW"
batch_size = 4
"#;

fn with(replace: &str, by: &str) -> String {
    assert!(VALID.contains(replace), "fixture lacks {replace}");
    VALID.replacen(replace, by, 1)
}

fn key_of(text: &str) -> String {
    match Config::parse(text) {
        Err(Error::Config { key, .. }) => key,
        other => panic!("expected a config error, got {other:?}"),
    }
}

fn parse_reason(text: &str) -> String {
    match Config::parse(text) {
        Err(Error::ConfigParse { reason }) => reason,
        other => panic!("expected a parse error, got {other:?}"),
    }
}

#[test]
fn valid_config_parses_with_defaults() {
    let c = Config::parse(VALID).unwrap();
    assert_eq!(c.chains.len(), 2);
    assert_eq!(c.log.format, LogFormat::Json);
    assert_eq!(c.log.level, "info");
    assert_eq!(c.store.max_connections, 8);
    let v = c.validator.as_ref().unwrap();
    assert_eq!(v.password_env, "TRESTLE_VALIDATOR_PASSWORD");
    let r = c.relayer.as_ref().unwrap();
    assert_eq!(r.password_env, "RELAYER_PW");
    assert_eq!(r.batch_size, 4);
    assert_eq!(r.max_attempts, 8);
    assert_eq!(r.replace_after_ms, 60_000);
    assert_eq!(r.attestation_poll_ms, 10);
    let a = c.chain("anvil-a").unwrap();
    let evm = a.evm_config().unwrap();
    assert_eq!(evm.name, "anvil-a");
    assert_eq!(evm.finality, Finality::Confirmations(2));
    // chain id 31338 has no preset: Ethereum-like defaults, with the configured finality.
    let b = c.chain_by_domain(2).unwrap().evm_config().unwrap();
    assert_eq!(b.finality, Finality::Finalized);
    assert_eq!(b.rpc_urls.len(), 2);
    let set = c.validator_set(&c.routes[0]).unwrap();
    assert_eq!(set.threshold(), 2);
    assert!(set.validators().windows(2).all(|w| w[0] < w[1]));
    let summary = c.summary();
    assert!(summary.contains("validator, relayer"), "{summary}");
    assert!(
        summary.contains("anvil-a -> anvil-b (2-of-3, epoch 1)"),
        "{summary}"
    );
}

#[test]
fn unknown_keys_are_refused_everywhere_with_their_name() {
    for (replace, by, name) in [
        ("[store]\n", "[store]\ncolour = 1\n", "colour"),
        ("[api]\n", "[api]\nport = 1\n", "port"),
        ("domain = 1\n", "domain = 1\nrpc = 3\n", "rpc"),
        ("epoch = 1\n", "epoch = 1\nquorum = 2\n", "quorum"),
        ("batch_size = 4\n", "batch_size = 4\nbatch = 4\n", "batch"),
        (
            "keystore = \"/etc/trestle/validator.json\"\n",
            "keystore = \"/etc/trestle/validator.json\"\npassword = \"x\"\n",
            "password",
        ),
        ("[log]\n", "[log]\nlvl = 1\n", "lvl"),
    ] {
        let reason = parse_reason(&with(replace, by));
        assert!(
            reason.contains(&format!("unknown field `{name}`")),
            "{reason}"
        );
    }
    let reason = parse_reason(&format!("{VALID}\n[metrics]\nx = 1\n"));
    assert!(reason.contains("unknown field `metrics`"), "{reason}");
}

#[test]
fn bad_values_name_their_key() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "url = \"sqlite:///tmp/trestle-test.db\"",
            "url = \"mysql://x\"",
            "store.url",
        ),
        (
            "[store]\n",
            "[store]\nmax_connections = 0\n",
            "store.max_connections",
        ),
        (
            "listen = \"127.0.0.1:9090\"",
            "listen = \"localhost\"",
            "api.listen",
        ),
        (
            "listen = \"127.0.0.1:9090\"",
            "listen = \"0.0.0.0:9090\"",
            "api.listen",
        ),
        (
            "listen = \"127.0.0.1:9090\"",
            "listen = \"127.0.0.1:9090\"\npublic_listen = \"127.0.0.1:9090\"",
            "api.public_listen",
        ),
        (
            "listen = \"127.0.0.1:9090\"",
            "listen = \"127.0.0.1:9090\"\npublic_listen = \"0.0.0.0\"",
            "api.public_listen",
        ),
        (
            "listen = \"127.0.0.1:9090\"",
            "listen = \"0.0.0.0:9090\"\ntoken_env = \" \"",
            "api.token_env",
        ),
        ("domain = 2", "domain = 0", "chains[1].domain"),
        ("domain = 2", "domain = 1", "chains[1].domain"),
        ("name = \"anvil-b\"", "name = \"anvil-a\"", "chains[1].name"),
        ("name = \"anvil-b\"", "name = \"anvil b\"", "chains[1].name"),
        ("chain_id = 31338", "chain_id = 0", "chains[1].chain_id"),
        (
            "rpc_urls = [\"http://127.0.0.1:8545\"]",
            "rpc_urls = []",
            "chains[0].rpc_urls",
        ),
        (
            "rpc_urls = [\"http://127.0.0.1:8545\"]",
            "rpc_urls = [\"ftp://x\"]",
            "chains[0].rpc_urls[0]",
        ),
        (
            "bridge = \"0x5FbDB2315678afecb367f032d93F642f64180aa3\"\nfinality = { confirmations = 2 }",
            "bridge = \"0x0000000000000000000000000000000000000000\"\nfinality = { confirmations = 2 }",
            "chains[0].bridge",
        ),
        (
            "domain = 1\n",
            "domain = 1\nindex_batch_blocks = 0\n",
            "chains[0].index_batch_blocks",
        ),
        (
            "domain = 1\n",
            "domain = 1\npoll_interval_ms = 0\n",
            "chains[0].poll_interval_ms",
        ),
        (
            "domain = 1\n",
            "domain = 1\nquorum = 0\n",
            "chains[0].quorum",
        ),
        (
            "rpc_urls = [\"http://127.0.0.1:8545\"]",
            "rpc_urls = [\"http://127.0.0.1:8545\", \"http://127.0.0.1:8545/\"]",
            "chains[0].rpc_urls[1]",
        ),
        // One endpoint cannot make a quorum of two.
        (
            "domain = 1\n",
            "domain = 1\nquorum = 2\n",
            "chains[0].quorum",
        ),
        ("from = \"anvil-a\"", "from = \"nowhere\"", "routes[0].from"),
        ("to = \"anvil-b\"", "to = \"anvil-a\"", "routes[0].to"),
        ("epoch = 1", "epoch = 0", "routes[0].epoch"),
        ("threshold = 2", "threshold = 1", "routes[0].threshold"),
        ("threshold = 2", "threshold = 4", "routes[0].threshold"),
        (
            "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
            "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
            "routes[0].validators[1].address",
        ),
        (
            "http://127.0.0.1:7003",
            "127.0.0.1:7003",
            "routes[0].validators[2].url",
        ),
        (
            "password_env = \"RELAYER_PW\"",
            "password_env = \"A B\"",
            "relayer.password_env",
        ),
        ("batch_size = 4", "batch_size = 0", "relayer.batch_size"),
        ("batch_size = 4", "max_attempts = 0", "relayer.max_attempts"),
        (
            "batch_size = 4",
            "replace_after_ms = 0",
            "relayer.replace_after_ms",
        ),
        (
            "batch_size = 4",
            "attestation_poll_ms = 0",
            "relayer.attestation_poll_ms",
        ),
        (
            "batch_size = 4",
            "backoff_initial_ms = 10\nbackoff_max_ms = 5",
            "relayer.backoff_max_ms",
        ),
    ];
    for (replace, by, key) in cases {
        assert_eq!(key_of(&with(replace, by)), *key, "{replace} -> {by}");
    }
}

#[test]
fn a_role_is_required() {
    let text = VALID.split("[validator]").next().unwrap().to_owned();
    assert_eq!(key_of(&text), "validator");
}

#[test]
fn wrong_types_and_bad_addresses_do_not_parse() {
    let reason = parse_reason(&with("domain = 1", "domain = \"one\""));
    assert!(reason.contains("domain"), "{reason}");
    let reason = parse_reason(&with(
        "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        "0x5fbdb2315678afecb367f032d93F642f64180aa3",
    ));
    assert!(reason.contains("bridge"), "{reason}");
    let reason = parse_reason(&with("format = \"json\"", "format = \"xml\""));
    assert!(reason.contains("format"), "{reason}");
}

#[test]
fn passwords_in_store_urls_are_redacted() {
    assert_eq!(
        redact_url("postgres://u:secret@h:5432/db"),
        "postgres://u:***@h:5432/db"
    );
    assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
    assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
    assert_eq!(
        redact_url("postgres://u@h/db?sslmode=verify-full&password=secret"),
        "postgres://u@h/db?…"
    );
    let c = Config::parse(&with(
        "url = \"sqlite:///tmp/trestle-test.db\"",
        "url = \"postgres://u:hunter2@127.0.0.1/db\"",
    ))
    .unwrap();
    assert!(!c.summary().contains("hunter2"));
}

#[test]
fn standby_validators_are_endpoints_outside_the_expected_set() {
    let validators_end = "  { address = \"0x90F79bf6EB2c4f870365E785982E1f101E93b906\", url = \"http://127.0.0.1:7003\" },\n]\n";
    let standby = |address: &str, url: &str| {
        with(
            validators_end,
            &format!(
                "{validators_end}standby = [{{ address = \"{address}\", url = \"{url}\" }}]\n"
            ),
        )
    };
    let c = Config::parse(&standby(
        "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
        "http://127.0.0.1:7004",
    ))
    .unwrap();
    let route = &c.routes[0];
    assert_eq!(route.standby.len(), 1);
    // Not part of the expected set (still 2-of-3) ...
    assert_eq!(c.validator_set(route).unwrap().validators().len(), 3);
    assert!(
        c.summary().contains("(2-of-3, epoch 1, 1 standby)"),
        "{}",
        c.summary()
    );
    // ... but an endpoint the daemon may ask.
    let next: EvmAddress = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"
        .parse()
        .unwrap();
    assert_eq!(route.endpoint(&next).unwrap().url, "http://127.0.0.1:7004");
    let member: EvmAddress = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
        .parse()
        .unwrap();
    assert_eq!(
        route.endpoint(&member).unwrap().url,
        "http://127.0.0.1:7001"
    );
    assert!(route.endpoint(&EvmAddress([9; 20])).is_none());
    // A standby address already in the set, or a bad URL, is named.
    assert_eq!(
        key_of(&standby(
            "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
            "http://127.0.0.1:7004"
        )),
        "routes[0].standby[0].address"
    );
    assert_eq!(
        key_of(&standby(
            "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
            "ftp://x"
        )),
        "routes[0].standby[0].url"
    );
}

#[test]
fn low_balance_is_parsed_exactly_and_bad_values_name_the_key() {
    let c = Config::parse(&with(
        "finality = \"finalized\"",
        "finality = \"finalized\"\nlow_balance = \"0.5\"",
    ))
    .unwrap();
    assert_eq!(c.chains[0].low_balance_units(), None);
    assert_eq!(
        c.chains[1].low_balance_units(),
        Some(500_000_000_000_000_000)
    );
    assert!(
        c.summary()
            .contains("anvil-b (domain 2, low_balance 0.5 ether)")
    );
    for bad in [
        "\"-1\"",
        "\"0.5 ether\"",
        "\"1e18\"",
        "\"0.0000000000000000001\"",
    ] {
        let text = with(
            "finality = \"finalized\"",
            &format!("finality = \"finalized\"\nlow_balance = {bad}"),
        );
        assert_eq!(key_of(&text), "chains[1].low_balance", "{bad}");
    }
    // A number instead of a decimal string is a parse error naming the key.
    let text = with(
        "finality = \"finalized\"",
        "finality = \"finalized\"\nlow_balance = 0.5",
    );
    assert!(parse_reason(&text).contains("low_balance"));
}

#[test]
fn ws_url_is_optional_checked_and_shown_without_secrets() {
    let chain_a = "finality = { confirmations = 2 }";
    let ws = |url: &str| with(chain_a, &format!("{chain_a}\nws_url = \"{url}\""));
    let c = Config::parse(&ws("ws://127.0.0.1:8545")).unwrap();
    let ws_url = |i: usize| c.chains[i].evm().unwrap().ws_url.clone();
    assert_eq!(ws_url(0).as_deref(), Some("ws://127.0.0.1:8545"));
    assert_eq!(ws_url(1), None);
    assert!(
        c.summary()
            .contains("anvil-a (domain 1, new heads from ws://127.0.0.1:8545)"),
        "{}",
        c.summary()
    );
    // It survives a round trip through TOML.
    let again = Config::parse(&toml::to_string(&c).unwrap()).unwrap();
    assert_eq!(again, c);
    // A provider URL with the API key in its path: accepted, never shown.
    let c = Config::parse(&ws("wss://eth.example/v2/SECRETKEY")).unwrap();
    assert!(c.summary().contains("new heads from wss://eth.example/…"));
    assert!(!c.summary().contains("SECRETKEY"));
    for bad in [
        "http://127.0.0.1:8545",
        "https://eth.example/v2/SECRETKEY",
        "127.0.0.1:8545",
        "",
        "ws://",
    ] {
        let text = ws(bad);
        assert_eq!(key_of(&text), "chains[0].ws_url", "{bad:?}");
        let message = Config::parse(&text).unwrap_err().to_string();
        assert!(!message.contains("SECRETKEY"), "{message}");
    }
    let message = Config::parse(&ws("http://127.0.0.1:8545"))
        .unwrap_err()
        .to_string();
    assert!(message.contains("use ws:// or wss://"), "{message}");
    // A list or a number is a parse error naming the key.
    let text = with(chain_a, &format!("{chain_a}\nws_url = [\"ws://a:1\"]"));
    assert!(parse_reason(&text).contains("ws_url"));
}

#[test]
fn ws_url_is_refused_on_solana_chains() {
    let solana = r#"
[[chains]]
name = "sol"
kind = "solana"
domain = 3
rpc_urls = ["http://127.0.0.1:8899"]
bridge = "TRESTLEbridge111111111111111111111111111111"
ws_url = "ws://127.0.0.1:8900"

[[routes]]"#;
    let text = with("\n[[routes]]", solana);
    let reason = parse_reason(&text);
    assert!(
        reason.contains("`ws_url` is not a key of solana chains (Solana chains are polled)"),
        "{reason}"
    );
}

#[test]
fn the_operator_api_binds_beyond_loopback_only_with_a_token_and_beside_a_public_listener() {
    let c = Config::parse(&with(
        "listen = \"127.0.0.1:9090\"",
        "listen = \"0.0.0.0:9090\"\npublic_listen = \"0.0.0.0:9443\"\ntoken_env = \"OPS_TOKEN\"",
    ))
    .unwrap();
    assert_eq!(c.api.token_env.as_deref(), Some("OPS_TOKEN"));
    assert_eq!(
        c.api_public_listen().unwrap(),
        Some("0.0.0.0:9443".parse().unwrap())
    );
    assert_eq!(
        Config::parse(VALID).unwrap().api_public_listen().unwrap(),
        None
    );
}

#[test]
fn a_routes_fee_policy_parses_and_bad_values_name_their_key() {
    let policy = "  { address = \"0x90F79bf6EB2c4f870365E785982E1f101E93b906\", url = \"http://127.0.0.1:7003\" },\n]";
    let fees = |table: &str| with(policy, &format!("{policy}\n\n[routes.fees]\n{table}"));
    let c = Config::parse(&fees(
        "policy = \"paid\"\ntolerance_percent = 5\nmin_paid = \"0.0005\"\nallow_senders = [\"0x70997970C51812dc3A010C7d01b50e0d17dc79C8\"]\ndeny_recipients = [\"4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T\"]",
    ))
    .unwrap();
    let f = &c.routes[0].fees;
    assert_eq!(
        (f.policy, f.tolerance_percent, f.min_paid.as_deref()),
        (PaymentPolicy::Paid, 5, Some("0.0005"))
    );
    assert_eq!(f.allow_senders.len(), 1);
    // Defaults: paid, 10% tolerance, no floor, no lists.
    let d = &Config::parse(VALID).unwrap().routes[0].fees;
    assert_eq!(d, &FeePolicy::default());
    assert_eq!((d.policy, d.tolerance_percent), (PaymentPolicy::Paid, 10));
    assert_eq!(
        key_of(&fees("tolerance_percent = 101")),
        "routes[0].fees.tolerance_percent"
    );
    assert_eq!(
        key_of(&fees("min_paid = \"0.0000000000000000001\"")),
        "routes[0].fees.min_paid"
    );
    assert!(parse_reason(&fees("policy = \"free\"")).contains("policy"));
    assert!(parse_reason(&fees("deny_senders = [\"0x1234\"]")).contains("4 hex digits"));
    assert!(parse_reason(&fees("surcharge = 1")).contains("surcharge"));
    // A floor means nothing to a route that delivers whatever was paid.
    assert_eq!(
        key_of(&fees("policy = \"none\"\nmin_paid = \"1\"")),
        "routes[0].fees.min_paid"
    );
}

#[test]
fn the_fee_oracle_is_a_role_of_its_own_with_checked_settings() {
    let only_oracle = VALID
        .replace(
            "[validator]\nkeystore = \"/etc/trestle/validator.json\"\n",
            "[fee_oracle]\nkeystore = \"/etc/trestle/oracle.json\"\n",
        )
        .replace(
            "[relayer]\nkeystore = \"/etc/trestle/relayer.json\"\npassword_env = \"RELAYER_PW\"\nbatch_size = 4\n",
            "",
        );
    let c = Config::parse(&only_oracle).unwrap();
    let o = c.fee_oracle.as_ref().unwrap();
    assert_eq!(
        (o.password_env.as_str(), o.drift_percent, o.interval_ms),
        ("TRESTLE_FEE_ORACLE_PASSWORD", 10, 60_000)
    );
    assert!(c.summary().contains("fee oracle"), "{}", c.summary());
    let with_oracle = |extra: &str| format!("{only_oracle}{extra}\n");
    assert_eq!(
        key_of(&with_oracle("drift_percent = 0")),
        "fee_oracle.drift_percent"
    );
    assert_eq!(
        key_of(&with_oracle("interval_ms = 500")),
        "fee_oracle.interval_ms"
    );
    assert!(parse_reason(&with_oracle("price_feed = \"x\"")).contains("price_feed"));
    let c = Config::parse(&with_oracle("min_gwei = \"0.5\"\nmax_gwei = \"300\"")).unwrap();
    assert_eq!(
        c.fee_oracle.unwrap().band(),
        Ok((Some(500_000_000), Some(300_000_000_000)))
    );
    assert_eq!(
        key_of(&with_oracle("min_gwei = \"5\"\nmax_gwei = \"1\"")),
        "fee_oracle.max_gwei"
    );
    assert_eq!(
        key_of(&with_oracle("max_gwei = \"0.0000000001\"")),
        "fee_oracle.max_gwei"
    );
    // Solana: a band of micro-lamports per compute unit, and a key of its own.
    let c = Config::parse(&with_oracle(
        "min_micro_lamports = 1\nmax_micro_lamports = 50000\n[fee_oracle.solana]\nkeystore = \"sol-oracle.json\"",
    ))
    .unwrap();
    let o = c.fee_oracle.unwrap();
    assert_eq!(
        (o.min_micro_lamports, o.max_micro_lamports),
        (Some(1), Some(50_000))
    );
    let k = o.solana.unwrap();
    assert_eq!(
        (k.keystore.to_str(), k.password_env.as_str()),
        (
            Some("sol-oracle.json"),
            "TRESTLE_FEE_ORACLE_SOLANA_PASSWORD"
        )
    );
    assert_eq!(
        key_of(&with_oracle(
            "min_micro_lamports = 5\nmax_micro_lamports = 1"
        )),
        "fee_oracle.max_micro_lamports"
    );
    assert!(
        parse_reason(&with_oracle(
            "[fee_oracle.solana]\nkeystore = \"s.json\"\nseed = \"x\""
        ))
        .contains("seed")
    );
}

#[test]
fn a_relative_sqlite_store_is_beside_the_configuration_file_not_the_working_directory() {
    let dir = std::path::Path::new("/etc/trestle");
    assert_eq!(
        super::sqlite_beside("sqlite://trestle-relayer.db", dir).as_deref(),
        Some("sqlite:///etc/trestle/trestle-relayer.db")
    );
    assert_eq!(
        super::sqlite_beside("sqlite://data/store.db?mode=rwc", dir).as_deref(),
        Some("sqlite:///etc/trestle/data/store.db?mode=rwc")
    );
    for kept in [
        "sqlite:///var/lib/trestle/store.db",
        "sqlite://:memory:",
        "sqlite::memory:",
        "postgres://trestle@db.internal/trestle",
    ] {
        assert_eq!(super::sqlite_beside(kept, dir), None, "{kept}");
    }
    // Through Config::load, the default store too.
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("trestle.toml");
    let text = VALID.replace("url = \"sqlite:///tmp/trestle-test.db\"\n", "");
    assert_ne!(text, VALID);
    std::fs::write(&path, text).unwrap();
    let c = Config::load(&path).unwrap();
    assert_eq!(
        c.store.url,
        format!(
            "sqlite://{}",
            tmp.path().join("trestle-relayer.db").display()
        )
    );
}

#[test]
fn start_block_is_unset_by_default_and_an_explicit_one_is_kept_even_0() {
    let c = Config::parse(VALID).unwrap();
    // Unset: an EVM origin's indexer finds the bridge's deployment block.
    assert_eq!(c.chain("anvil-a").unwrap().start_block, None);
    for (value, expected) in [("0", Some(0)), ("12345678", Some(12_345_678))] {
        let text = with(
            "domain = 1\n",
            &format!("domain = 1\nstart_block = {value}\n"),
        );
        let c = Config::parse(&text).unwrap();
        assert_eq!(c.chain("anvil-a").unwrap().start_block, expected);
        // And written back as it was read.
        let again = toml::to_string(&c.chains[0]).unwrap();
        assert!(again.contains(&format!("start_block = {value}")), "{again}");
    }
    let again = toml::to_string(&Config::parse(VALID).unwrap().chains[0]).unwrap();
    assert!(!again.contains("start_block"), "{again}");
    let reason = parse_reason(&with("domain = 1\n", "domain = 1\nstart_block = -1\n"));
    assert!(reason.contains("start_block"), "{reason}");
}
