//! The operator's packaging (`packaging/`): the example `/etc/trestle/relayer.toml` loads with
//! the daemon's own loader, and it, the environment file and the systemd unit agree on where
//! the configuration, the secrets and the state live. (`packaging/systemd/check.sh` checks the
//! unit itself with systemd-analyze.)

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use trestle_relayer::Config;

fn packaging() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../packaging")
}

fn read(relative: &str) -> String {
    let path = packaging().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The values of `key=` lines in the unit file (all of them, in order).
fn unit_values(unit: &str, key: &str) -> Vec<String> {
    unit.lines()
        .filter_map(|line| line.strip_prefix(key)?.strip_prefix('='))
        .map(|v| v.trim().to_owned())
        .collect()
}

/// The variables the environment file sets (`NAME=value`), and those it shows commented out
/// (`# NAME=...`).
fn env_names(text: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let name = |line: &str| {
        let (name, _) = line.split_once('=')?;
        let ok = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        ok.then(|| name.to_owned())
    };
    let mut set = BTreeSet::new();
    let mut commented = BTreeSet::new();
    for line in text.lines().map(str::trim) {
        match line.strip_prefix('#') {
            Some(rest) => commented.extend(name(rest.trim())),
            None => set.extend(name(line)),
        }
    }
    (set, commented)
}

#[test]
fn the_example_configuration_loads_with_the_store_under_the_state_directory() {
    let path = packaging().join("etc/trestle/relayer.toml");
    let config = Config::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));

    // The unit's StateDirectory=trestle is /var/lib/trestle, the one place it may write.
    assert_eq!(config.store.url, "sqlite:///var/lib/trestle/relayer.db");
    assert!(config.api_listen().unwrap().ip().is_loopback());
    assert!(config.validator.is_some() && config.relayer.is_some());
    let keys = [
        config.validator.as_ref().map(|v| v.key()),
        config.relayer.as_ref().map(|r| r.key()),
    ];
    for key in keys.into_iter().flatten() {
        assert!(
            key.keystore.starts_with("/etc/trestle/"),
            "{}: keystores live in /etc/trestle (the unit's ConfigurationDirectory)",
            key.keystore.display()
        );
    }
}

#[test]
fn the_environment_file_holds_every_secret_the_configuration_names() {
    let config = Config::load(&packaging().join("etc/trestle/relayer.toml")).unwrap();
    let (set, commented) = env_names(&read("etc/trestle/relayer.env.example"));

    let mut passwords = Vec::new();
    passwords.extend(config.validator.as_ref().map(|v| v.password_env.clone()));
    passwords.extend(config.relayer.as_ref().map(|r| r.password_env.clone()));
    passwords.extend(
        config
            .relayer
            .as_ref()
            .and_then(|r| r.solana.as_ref())
            .map(|k| k.key().password_env),
    );
    passwords.extend(config.fee_oracle.as_ref().map(|o| o.password_env.clone()));
    assert!(!passwords.is_empty());
    for name in &passwords {
        assert!(
            set.contains(name),
            "relayer.env.example does not set {name}"
        );
    }
    // Shown for when the operator API leaves loopback (the README's `token_env`).
    let token = config
        .api
        .token_env
        .clone()
        .unwrap_or_else(|| "TRESTLE_API_TOKEN".into());
    assert!(
        set.contains(&token) || commented.contains(&token),
        "relayer.env.example does not mention {token}"
    );
}

#[test]
fn the_unit_runs_the_example_paths_as_its_own_user() {
    let unit = read("systemd/trestle-relayer.service");
    let exec = unit_values(&unit, "ExecStart");
    assert_eq!(
        exec,
        ["/usr/local/bin/trestle relayer run --config /etc/trestle/relayer.toml"]
    );
    assert_eq!(
        unit_values(&unit, "EnvironmentFile"),
        ["/etc/trestle/relayer.env"]
    );
    assert_eq!(unit_values(&unit, "StateDirectory"), ["trestle"]);
    assert_eq!(unit_values(&unit, "ConfigurationDirectory"), ["trestle"]);
    assert_eq!(unit_values(&unit, "User"), ["trestle"]);
    assert_eq!(unit_values(&unit, "DynamicUser"), Vec::<String>::new());

    // The user the unit runs as is the one sysusers.d creates, at home in the state directory.
    let sysusers = read("systemd/sysusers.d/trestle.conf");
    let user: Vec<Vec<&str>> = sysusers
        .lines()
        .filter(|l| l.starts_with("u "))
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(user.len(), 1, "{sysusers}");
    assert_eq!(user[0][1], "trestle");
    assert!(user[0].contains(&"/var/lib/trestle"), "{sysusers}");
}
