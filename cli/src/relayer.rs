//! `trestle relayer ...`: the daemon and its operator commands. A thin layer over the
//! `trestle_relayer` library.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::json;
use trestle_relayer::Config;
use trestle_relayer::store::{ListFilter, MessageRecord, MessageState, Store};

use crate::outcome::Outcome;

/// The configuration file argument shared by every relayer command.
#[derive(Debug, Args)]
pub struct ConfigArg {
    /// The TOML configuration file.
    #[arg(long, short = 'c', env = "TRESTLE_RELAYER_CONFIG")]
    config: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum RelayerCommand {
    /// Run the daemon: the validator and/or relayer roles the configuration enables, the
    /// HTTP API, until SIGTERM or SIGINT. Keystore passwords come from the environment
    /// variables the configuration names.
    Run {
        #[command(flatten)]
        config: ConfigArg,
    },
    /// Parse and validate the configuration file; print a summary (exit 1 on the first
    /// error, which names the key).
    CheckConfig {
        #[command(flatten)]
        config: ConfigArg,
    },
    /// Inspect and steer the messages in the store.
    Messages {
        #[command(subcommand)]
        command: MessagesCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum MessagesCommand {
    /// List messages (newest nonces first), optionally by state, sender or domains.
    List {
        #[command(flatten)]
        config: ConfigArg,
        /// Only this state (pending, ready, submitted, queued, delivered, failed, skipped,
        /// orphaned).
        #[arg(long)]
        state: Option<String>,
        /// Only this sender (0x-prefixed 32 bytes, or a 20-byte EVM address).
        #[arg(long)]
        sender: Option<String>,
        /// Only this origin domain.
        #[arg(long)]
        origin: Option<u32>,
        /// Only this destination domain.
        #[arg(long)]
        destination: Option<u32>,
        /// At most this many (1..=1000).
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Put messages back at the start of the pipeline with a fresh attempt budget (failed,
    /// skipped, underpaid, pending or ready ones; never one in flight or settled on chain):
    /// one by id, every one in a state (`--state failed`), or every one that can be (`--all`).
    #[command(group = clap::ArgGroup::new("which").required(true).args(["id", "state", "all"]))]
    Retry {
        #[command(flatten)]
        config: ConfigArg,
        /// The message id (0x-prefixed hex).
        id: Option<String>,
        /// Every message in this state (failed, skipped, underpaid, pending or ready).
        #[arg(long)]
        state: Option<String>,
        /// Every message that can be retried.
        #[arg(long)]
        all: bool,
        /// With --state or --all: only messages to this destination domain.
        #[arg(long, conflicts_with = "id")]
        destination: Option<u32>,
    },
    /// Take a message out of the pipeline (until `retry`); not one whose transaction is in
    /// flight.
    Skip {
        #[command(flatten)]
        config: ConfigArg,
        /// The message id (0x-prefixed hex).
        id: String,
    },
}

/// Runs a relayer command.
pub fn run(command: RelayerCommand) -> anyhow::Result<Outcome> {
    match command {
        RelayerCommand::Run { config } => {
            let config = Config::load(&config.config)?;
            trestle_relayer::logging::init(&config.log);
            let keys = trestle_relayer::Keys::load(&config)?;
            // Host, process and start time: in a container every run is PID 1 on the same
            // host name, and two runs must never pass for each other in the store's claims.
            let started = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis());
            let worker = format!(
                "{}-{}-{started:x}",
                std::env::var("HOSTNAME").unwrap_or_else(|_| "trestle".into()),
                std::process::id()
            );
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("starting the async runtime")?;
            runtime.block_on(trestle_relayer::daemon::run_until_signal(
                config, keys, &worker,
            ))?;
            Ok(Outcome::ok("stopped", json!({ "stopped": true })))
        }
        RelayerCommand::CheckConfig { config } => check_config(&config.config),
        RelayerCommand::Messages { command } => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .context("starting the async runtime")?;
            runtime.block_on(messages(command))
        }
    }
}

fn check_config(path: &std::path::Path) -> anyhow::Result<Outcome> {
    let failed = |e: trestle_relayer::Error| {
        Ok(Outcome::failed(
            format!("{}: {e}", path.display()),
            json!({ "ok": false, "error": e.to_string() }),
        ))
    };
    let config = match Config::load(path) {
        Ok(config) => config,
        Err(e) => return failed(e),
    };
    // The keystores must exist and parse (they are not decrypted here, but for a Solana
    // keystore that declares no address while its password variable is set), keys in an HSM
    // must open; a validator key should be in some route's set.
    let mut notes = Vec::new();
    let mut keys = serde_json::Map::new();
    let roles = [
        ("validator", config.validator.as_ref().map(|v| v.key())),
        ("relayer", config.relayer.as_ref().map(|r| r.key())),
        (
            "relayer.solana",
            config
                .relayer
                .as_ref()
                .and_then(|r| r.solana.as_ref())
                .map(|k| k.key()),
        ),
        ("fee_oracle", config.fee_oracle.as_ref().map(|o| o.key())),
        (
            "fee_oracle.solana",
            config
                .fee_oracle
                .as_ref()
                .and_then(|o| o.solana.as_ref())
                .map(|k| k.key()),
        ),
    ];
    for (role, key) in roles {
        let Some(key) = key else { continue };
        // A key in an HSM (`pkcs11 = {...}`) is opened: the module, the token, the PIN from
        // its variable and the key label are checked.
        let hsm = match role {
            "validator" => config.validator.as_ref().and_then(|v| v.pkcs11.clone()),
            "relayer" => config.relayer.as_ref().and_then(|r| r.pkcs11.clone()),
            _ => None,
        };
        let checked = match hsm {
            Some(hsm) => trestle_relayer::keys::check_evm_key(
                role,
                &trestle_relayer::config::EvmKeySource::Pkcs11(hsm),
            ),
            None => trestle_relayer::keys::check_keystore(role, &key),
        };
        let address = match checked {
            Ok(a) => a,
            Err(e) => return failed(e),
        };
        if role.ends_with(".solana") {
            // Its secret is an ed25519 seed: the EVM address a keystore declares says nothing.
            match solana_key_address(role, &key) {
                Ok(Some(a)) => {
                    notes.push(format!(
                        "{role} key: {a} (Solana; {})",
                        solana_purpose(role)
                    ));
                    keys.insert(role.into(), json!(a.to_string()));
                }
                Ok(None) => notes.push(format!(
                    "{role} key: keystore {} declares no Solana address; set {} to show it",
                    key.keystore.display(),
                    key.password_env
                )),
                Err(e) => return failed(e),
            }
            continue;
        }
        match address {
            Some(a) => {
                notes.push(format!("{role} key: {a}"));
                keys.insert(role.into(), json!(a.to_string()));
                if role == "validator" && !config.routes.iter().any(|r| r.endpoint(&a).is_some()) {
                    notes.push(format!(
                        "warning: validator key {a} is in no route's validators or standby"
                    ));
                }
            }
            None => notes.push(format!("{role} key: keystore declares no address")),
        }
    }
    Ok(Outcome::ok(
        format!(
            "{}: ok\n{}\n{}",
            path.display(),
            config.summary(),
            notes.join("\n")
        ),
        json!({
            "ok": true,
            "roles": {
                "validator": config.validator.is_some(),
                "relayer": config.relayer.is_some(),
            },
            "keys": keys,
            "chains": config.chains.iter().map(|c| json!({"name": c.name, "domain": c.domain, "low_balance": c.low_balance})).collect::<Vec<_>>(),
            "routes": config.routes.iter().map(|r| json!({"from": r.from, "to": r.to, "epoch": r.epoch, "threshold": r.threshold})).collect::<Vec<_>>(),
        }),
    ))
}

/// The Solana address of a `[relayer.solana]` or `[fee_oracle.solana]` keystore: the one it
/// declares (`x-trestle.address`, as `trestle wallet new-keystore --chain solana` writes), else
/// its seed's key when the password variable is set (the keystore is then decrypted).
fn solana_key_address(
    role: &str,
    key: &trestle_relayer::config::KeyConfig,
) -> trestle_relayer::Result<Option<trestle_core::solana::SolanaAddress>> {
    if let Some(address) = trestle_relayer::keys::check_solana_keystore(role, key)? {
        return Ok(Some(address));
    }
    if std::env::var_os(&key.password_env).is_none() {
        return Ok(None);
    }
    Ok(Some(
        trestle_relayer::keys::load_solana_signer(role, key)?.pubkey(),
    ))
}

/// What a Solana key pays for, so the operator knows to fund it.
fn solana_purpose(role: &str) -> &'static str {
    if role == "relayer.solana" {
        "fund it with SOL: it pays the fees and rent of deliveries to Solana"
    } else {
        "fund it with SOL: it pays the fees of fee-rate updates on Solana origins"
    }
}

async fn open_store(path: &std::path::Path) -> anyhow::Result<Store> {
    let config = Config::load(path)?;
    let store = Store::connect(&config.store.url, 2)
        .await
        .with_context(|| {
            format!(
                "opening the store {}",
                trestle_relayer::config::redact_url(&config.store.url)
            )
        })?;
    Ok(store)
}

async fn messages(command: MessagesCommand) -> anyhow::Result<Outcome> {
    match command {
        MessagesCommand::List {
            config,
            state,
            sender,
            origin,
            destination,
            limit,
        } => {
            let state = state
                .map(|s| MessageState::parse(&s))
                .transpose()
                .context("--state")?;
            let sender = sender.map(|s| parse_sender(&s)).transpose()?;
            let store = open_store(&config.config).await?;
            let records = store
                .list(&ListFilter {
                    state,
                    sender,
                    origin,
                    destination,
                    limit: Some(limit),
                })
                .await?;
            store.close().await;
            let text = if records.is_empty() {
                "no messages".to_owned()
            } else {
                records.iter().map(line).collect::<Vec<_>>().join("\n")
            };
            Ok(Outcome::ok(
                text,
                json!({ "messages": records.iter().map(MessageRecord::view).collect::<Vec<_>>() }),
            ))
        }
        MessagesCommand::Retry {
            config,
            id: None,
            state,
            destination,
            ..
        } => {
            let state = state
                .map(|s| MessageState::parse(&s))
                .transpose()
                .context("--state")?;
            let store = open_store(&config.config).await?;
            let moved = store.retry_all(state, destination).await;
            store.close().await;
            let moved = moved?;
            Ok(Outcome::ok(
                format!("{moved} message(s) put back to pending"),
                json!({ "retried": moved }),
            ))
        }
        MessagesCommand::Retry {
            config,
            id: Some(id),
            ..
        } => {
            let id = parse_id(&id)?;
            let store = open_store(&config.config).await?;
            let record = store.retry(&id).await;
            store.close().await;
            let record = record?;
            Ok(Outcome::ok(
                line(&record),
                json!({ "message": record.view() }),
            ))
        }
        MessagesCommand::Skip { config, id } => {
            let id = parse_id(&id)?;
            let store = open_store(&config.config).await?;
            let record = store.skip(&id).await;
            store.close().await;
            let record = record?;
            Ok(Outcome::ok(
                line(&record),
                json!({ "message": record.view() }),
            ))
        }
    }
}

fn line(r: &MessageRecord) -> String {
    let error = r
        .last_error
        .as_deref()
        .map(|e| format!(" error: {e}"))
        .unwrap_or_default();
    format!(
        "0x{} {} -> {} nonce {} {} attempts {}{error}",
        hex::encode(r.id),
        r.origin,
        r.destination,
        r.nonce,
        r.state,
        r.attempts
    )
}

fn parse_id(text: &str) -> anyhow::Result<[u8; 32]> {
    let bytes = hex::decode(text.strip_prefix("0x").unwrap_or(text))
        .with_context(|| format!("message id `{text}` is not hex"))?;
    <[u8; 32]>::try_from(bytes.as_slice())
        .map_err(|_| anyhow::anyhow!("message id `{text}` is not 32 bytes"))
}

fn parse_sender(text: &str) -> anyhow::Result<[u8; 32]> {
    let bytes = hex::decode(text.strip_prefix("0x").unwrap_or(text))
        .with_context(|| format!("sender `{text}` is not hex"))?;
    let mut out = [0u8; 32];
    match bytes.len() {
        32 => out.copy_from_slice(&bytes),
        20 => {
            if let Some(tail) = out.get_mut(12..) {
                tail.copy_from_slice(&bytes);
            }
        }
        n => anyhow::bail!("sender `{text}` is {n} bytes, not 20 or 32"),
    }
    Ok(out)
}
