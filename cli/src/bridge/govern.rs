//! `trestle guardian` and `trestle governance`: the guardian's emergency actions and the
//! admin's timelocked proposals on a chain of the chains file, EVM or Solana, signed with the
//! role's key (mnemonic or keystore, as `trestle bridge send`), or written as a Safe
//! Transaction Builder batch for a role held by a Safe multisig (`--safe`, EVM).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use trestle_bridge_client::EvmBridge;
use trestle_bridge_client::governance::{SafeBatch, function_name, proposal_id};
use trestle_core::evm::EvmAddress;
use trestle_evm::{EvmSender, TxRequest};

use super::chains::{Bridge, ChainsFile, connect};
use super::{KeyArgs, evm_signer, parse_hex, solana_signer};
use crate::outcome::Outcome;

/// The chain to act on.
#[derive(Debug, Args)]
pub struct ChainArgs {
    /// The TOML file with the `[[chains]]` table (a relayer configuration file serves).
    #[arg(long, short = 'c', env = "TRESTLE_RELAYER_CONFIG")]
    config: PathBuf,
    /// The chain whose bridge to act on (a name in the file).
    #[arg(long)]
    chain: String,
}

/// Instead of signing: the calls as a Safe Transaction Builder batch (EVM).
#[derive(Debug, Args)]
pub struct SafeArgs {
    /// The Safe that holds the role: write the call to --out as a Transaction Builder batch
    /// for its owners to sign, instead of sending it.
    #[arg(long, value_name = "ADDRESS", requires = "out")]
    safe: Option<String>,
    /// Where --safe writes the batch (JSON).
    #[arg(long, value_name = "FILE", requires = "safe")]
    out: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum GuardianCommand {
    /// Pause the bridge at once: sends, deliveries, executions and payouts stop until an
    /// unpause proposal executes.
    Pause {
        #[command(flatten)]
        chain: ChainArgs,
        #[command(flatten)]
        safe: SafeArgs,
        #[command(flatten)]
        key: KeyArgs,
    },
    /// Cancel a queued (timelocked or rate-limited) transfer by its message id.
    CancelQueued {
        #[command(flatten)]
        chain: ChainArgs,
        /// The message id (0x + 64 hex digits).
        id: String,
        /// A Solana --chain: the transfer's origin chain (EVM), where the message is read
        /// and its id checked (the program cancels by the message's origin and nonce).
        #[arg(long)]
        from: Option<String>,
        /// With --from: the first origin block to look for the message from.
        #[arg(long, default_value_t = 0)]
        from_block: u64,
        #[command(flatten)]
        safe: SafeArgs,
        #[command(flatten)]
        key: KeyArgs,
    },
    /// Consent to a proposal that replaces the guardian (it then executes after the admin
    /// delay instead of 30 days).
    Approve {
        #[command(flatten)]
        chain: ChainArgs,
        /// The proposal: its id (EVM: 0x + 64 hex digits; Solana: a number).
        proposal: String,
        #[command(flatten)]
        safe: SafeArgs,
        #[command(flatten)]
        key: KeyArgs,
    },
    /// Remove the fee oracle at once (a stolen oracle key) (EVM).
    ClearFeeOracle {
        #[command(flatten)]
        chain: ChainArgs,
        #[command(flatten)]
        safe: SafeArgs,
        #[command(flatten)]
        key: KeyArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum GovernanceCommand {
    /// Every proposal of the bridge, with its function and when it may be executed.
    List {
        #[command(flatten)]
        chain: ChainArgs,
        /// EVM: the first block to read the bridge's logs from (its deployment block saves
        /// reading a long chain from genesis).
        #[arg(long, default_value_t = 0)]
        from_block: u64,
        /// Also the executed, cancelled and expired ones.
        #[arg(long)]
        all: bool,
    },
    /// Propose a call of the bridge's admin functions (EVM: its ABI-encoded calldata),
    /// executable by anyone once the admin delay has passed.
    Propose {
        #[command(flatten)]
        chain: ChainArgs,
        /// The calldata of the proposed call (0x hex), e.g. from `cast calldata`.
        #[arg(long)]
        call: String,
        /// A salt (0x + 64 hex digits), to propose the same call twice; zero by default.
        #[arg(long)]
        salt: Option<String>,
        #[command(flatten)]
        safe: SafeArgs,
        #[command(flatten)]
        key: KeyArgs,
    },
    /// Execute a proposal whose delay has passed (anyone may).
    Execute {
        #[command(flatten)]
        chain: ChainArgs,
        /// The proposal: its id (EVM: 0x + 64 hex digits; Solana: a number).
        proposal: String,
        /// EVM: the first block to look for the proposal from.
        #[arg(long, default_value_t = 0)]
        from_block: u64,
        #[command(flatten)]
        safe: SafeArgs,
        #[command(flatten)]
        key: KeyArgs,
    },
    /// Cancel a pending proposal (the admin; the guardian for what it may veto).
    Cancel {
        #[command(flatten)]
        chain: ChainArgs,
        /// The proposal: its id (EVM: 0x + 64 hex digits; Solana: a number).
        proposal: String,
        #[command(flatten)]
        safe: SafeArgs,
        #[command(flatten)]
        key: KeyArgs,
    },
}

/// How long a role's transaction is waited for.
const WAIT: Duration = Duration::from_secs(120);

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// Runs a guardian command.
pub fn run_guardian(command: GuardianCommand) -> anyhow::Result<Outcome> {
    runtime()?.block_on(async move {
        match command {
            GuardianCommand::Pause { chain, safe, key } => match open(&chain).await? {
                (name, Bridge::Evm(bridge)) => {
                    let call = EvmBridge::pause_call();
                    evm_act(
                        &name,
                        &bridge,
                        "pause",
                        vec![call],
                        &safe,
                        &key,
                        Note::default(),
                    )
                    .await
                }
                (name, Bridge::Solana(bridge)) => {
                    no_safe(&safe)?;
                    let tx = bridge.pause(&solana_signer(&key)?).await?;
                    Ok(done(&name, "pause", &tx.to_string(), json!({})))
                }
            },
            GuardianCommand::CancelQueued {
                chain,
                id,
                from,
                from_block,
                safe,
                key,
            } => {
                let id = parse_id("message id", &id)?;
                match open(&chain).await? {
                    (name, Bridge::Evm(bridge)) => {
                        let call = EvmBridge::cancel_queued_call(&id);
                        evm_act(
                            &name,
                            &bridge,
                            "cancelQueued",
                            vec![call],
                            &safe,
                            &key,
                            Note::default(),
                        )
                        .await
                    }
                    (name, Bridge::Solana(bridge)) => {
                        no_safe(&safe)?;
                        let from = from.with_context(|| {
                            format!("a transfer queued on the Solana chain `{name}` is cancelled by its origin and nonce: give --from, its origin chain")
                        })?;
                        let file = ChainsFile::load(&chain.config)?;
                        let origin = file.chain(&from).context("--from")?;
                        let Bridge::Evm(origin_bridge) = connect(origin).await? else {
                            bail!("--from `{from}` is a Solana chain: a transfer to Solana comes from an EVM chain");
                        };
                        let sent = origin_bridge
                            .find_sent(&id, from_block)
                            .await?
                            .with_context(|| {
                                format!(
                                    "no message 0x{} was sent on `{from}` since block {from_block}",
                                    hex::encode(id)
                                )
                            })?;
                        if sent.message.id() != id {
                            bail!("the message `{from}` returned is not 0x{}", hex::encode(id));
                        }
                        let origin_address =
                            trestle_core::chain::UniversalAddress::from_evm(origin_bridge.address().0);
                        let tx = bridge
                            .cancel_queued(&solana_signer(&key)?, &sent.message, &origin_address.0)
                            .await?;
                        let id = format!("0x{}", hex::encode(id));
                        Ok(done(&name, "cancel_queued", &tx.to_string(), json!({ "id": id })))
                    }
                }
            }
            GuardianCommand::Approve {
                chain,
                proposal,
                safe,
                key,
            } => match open(&chain).await? {
                (name, Bridge::Evm(bridge)) => {
                    let id = parse_id("proposal", &proposal)?;
                    let call = EvmBridge::approve_proposal_call(&id);
                    evm_act(
                        &name,
                        &bridge,
                        "approveProposal",
                        vec![call],
                        &safe,
                        &key,
                        Note::default(),
                    )
                    .await
                }
                (name, Bridge::Solana(bridge)) => {
                    no_safe(&safe)?;
                    let id = parse_number(&proposal)?;
                    let tx = bridge.approve_proposal(&solana_signer(&key)?, id).await?;
                    Ok(done(
                        &name,
                        "approve_proposal",
                        &tx.to_string(),
                        json!({ "proposal": id }),
                    ))
                }
            },
            GuardianCommand::ClearFeeOracle { chain, safe, key } => match open(&chain).await? {
                (name, Bridge::Evm(bridge)) => {
                    let call = EvmBridge::clear_fee_oracle_call();
                    evm_act(
                        &name,
                        &bridge,
                        "clearFeeOracle",
                        vec![call],
                        &safe,
                        &key,
                        Note::default(),
                    )
                    .await
                }
                (name, Bridge::Solana(_)) => bail!(
                    "`guardian clear-fee-oracle` on the Solana chain `{name}` is not supported yet"
                ),
            },
        }
    })
}

/// Runs a governance command.
pub fn run_governance(command: GovernanceCommand) -> anyhow::Result<Outcome> {
    runtime()?.block_on(async move {
        match command {
            GovernanceCommand::List {
                chain,
                from_block,
                all,
            } => list(&chain, from_block, all).await,
            GovernanceCommand::Propose {
                chain,
                call,
                salt,
                safe,
                key,
            } => {
                let call = parse_hex("--call", &call)?;
                if call.len() < 4 {
                    bail!("--call is {} bytes: a call has at least a 4-byte selector", call.len());
                }
                let salt = match salt {
                    Some(s) => parse_id("--salt", &s)?,
                    None => [0; 32],
                };
                match open(&chain).await? {
                    (name, Bridge::Evm(bridge)) => {
                        let id = proposal_id(&call, &salt);
                        let data = EvmBridge::propose_call(&call, &salt);
                        let function = function_name(&call);
                        let note = Note {
                            text: format!("proposal 0x{} calls {function}", hex::encode(id)),
                            json: json!({
                                "proposal": format!("0x{}", hex::encode(id)),
                                "function": function,
                            }),
                        };
                        evm_act(&name, &bridge, "propose", vec![data], &safe, &key, note).await
                    }
                    (name, Bridge::Solana(_)) => bail!(
                        "`governance propose --call` takes EVM calldata; the Solana chain `{name}` takes its proposals from a deployment plan (not supported yet)"
                    ),
                }
            }
            GovernanceCommand::Execute {
                chain,
                proposal,
                from_block,
                safe,
                key,
            } => match open(&chain).await? {
                (name, Bridge::Evm(bridge)) => {
                    let id = parse_id("proposal", &proposal)?;
                    let found = bridge
                        .proposals(from_block)
                        .await?
                        .into_iter()
                        .rev()
                        .find(|p| p.id == id)
                        .with_context(|| {
                            format!("no proposal 0x{} on `{name}` since block {from_block}", hex::encode(id))
                        })?;
                    if found.state.is_closed() {
                        bail!(
                            "proposal 0x{} on `{name}` is {}: nothing to execute",
                            hex::encode(id),
                            found.state.as_str()
                        );
                    }
                    let data = EvmBridge::execute_proposal_call(&found.call, &found.salt);
                    evm_act(&name, &bridge, "execute", vec![data], &safe, &key, Note::default()).await
                }
                (name, Bridge::Solana(bridge)) => {
                    no_safe(&safe)?;
                    let id = parse_number(&proposal)?;
                    let tx = bridge
                        .execute_proposal(&solana_signer(&key)?, id)
                        .await?;
                    Ok(done(&name, "execute_proposal", &tx.to_string(), json!({ "proposal": id })))
                }
            },
            GovernanceCommand::Cancel {
                chain,
                proposal,
                safe,
                key,
            } => match open(&chain).await? {
                (name, Bridge::Evm(bridge)) => {
                    let id = parse_id("proposal", &proposal)?;
                    let call = EvmBridge::cancel_proposal_call(&id);
                    evm_act(&name, &bridge, "cancelProposal", vec![call], &safe, &key, Note::default()).await
                }
                (name, Bridge::Solana(bridge)) => {
                    no_safe(&safe)?;
                    let id = parse_number(&proposal)?;
                    let tx = bridge
                        .cancel_proposal(&solana_signer(&key)?, id)
                        .await?;
                    Ok(done(&name, "cancel_proposal", &tx.to_string(), json!({ "proposal": id })))
                }
            },
        }
    })
}

/// The chain's name and its bridge, connected.
async fn open(chain: &ChainArgs) -> anyhow::Result<(String, Bridge)> {
    let file = ChainsFile::load(&chain.config)?;
    let config = file.chain(&chain.chain).context("--chain")?;
    Ok((config.name.clone(), connect(config).await?))
}

fn no_safe(safe: &SafeArgs) -> anyhow::Result<()> {
    if safe.safe.is_some() {
        bail!("--safe writes a batch for an EVM Safe; a Solana chain's role signs itself");
    }
    Ok(())
}

fn parse_id(what: &str, text: &str) -> anyhow::Result<[u8; 32]> {
    let bytes = parse_hex(what, text)?;
    let len = bytes.len();
    bytes
        .try_into()
        .map_err(|_| anyhow::anyhow!("{what} `{text}` is {len} bytes, expected 32"))
}

fn parse_number(text: &str) -> anyhow::Result<u64> {
    text.parse()
        .with_context(|| format!("proposal `{text}` is not a Solana proposal number"))
}

fn done(chain: &str, action: &str, tx: &str, mut extra: Value) -> Outcome {
    if let Some(obj) = extra.as_object_mut() {
        obj.insert("chain".into(), json!(chain));
        obj.insert("action".into(), json!(action));
        obj.insert("tx".into(), json!(tx));
    }
    Outcome::ok(format!("{action} on {chain}: {tx}"), extra)
}

/// What a command adds to an action's output: a line of text and JSON fields.
#[derive(Debug, Default)]
struct Note {
    text: String,
    json: Value,
}

impl Note {
    fn onto(self, mut text: String, mut out: Value) -> Outcome {
        if !self.text.is_empty() {
            text = format!("{text}\n{}", self.text);
        }
        if let (Some(out), Value::Object(extra)) = (out.as_object_mut(), self.json) {
            out.extend(extra);
        }
        Outcome::ok(text, out)
    }
}

/// Sends `calls` to the bridge, one transaction each, signed with the key; or, with
/// `--safe`, writes them as one Safe batch.
async fn evm_act(
    name: &str,
    bridge: &EvmBridge,
    action: &str,
    calls: Vec<Vec<u8>>,
    safe: &SafeArgs,
    key: &KeyArgs,
    note: Note,
) -> anyhow::Result<Outcome> {
    if let (Some(safe), Some(out)) = (&safe.safe, &safe.out) {
        let safe = EvmAddress::parse(safe).with_context(|| format!("--safe `{safe}`"))?;
        let created = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        let batch = SafeBatch::new(
            bridge.chain().config().chain_id,
            safe,
            bridge.address(),
            &format!("Trestle: {action} on {name}"),
            &format!(
                "{action} on the Trestle bridge {} of chain `{name}`",
                bridge.address()
            ),
            &calls,
            created,
        );
        let text = serde_json::to_string_pretty(&batch)?;
        std::fs::write(out, format!("{text}\n"))
            .with_context(|| format!("cannot write {}", out.display()))?;
        return Ok(note.onto(
            format!(
                "{action} on {name}: written as a Safe Transaction Builder batch to {}",
                out.display()
            ),
            json!({ "chain": name, "action": action, "safe_batch": out.display().to_string() }),
        ));
    }
    let sender = EvmSender::new(bridge.chain().clone(), evm_signer(key)?);
    let mut txs = Vec::new();
    for call in calls {
        let (pending, _) = sender
            .send_and_wait(TxRequest::call(bridge.address(), call), WAIT)
            .await
            .with_context(|| format!("{action} on `{name}`"))?;
        txs.push(pending.id().to_string());
    }
    let tx = txs.join(", ");
    Ok(note.onto(
        format!("{action} on {name}: {tx}"),
        json!({ "chain": name, "action": action, "tx": tx }),
    ))
}

async fn list(chain: &ChainArgs, from_block: u64, all: bool) -> anyhow::Result<Outcome> {
    let (name, bridge) = open(chain).await?;
    let mut lines = Vec::new();
    let mut rows = Vec::new();
    match bridge {
        Bridge::Evm(bridge) => {
            let delay = bridge.admin_delay().await?;
            for p in bridge.proposals(from_block).await? {
                if !all && p.state.is_closed() {
                    continue;
                }
                let id = format!("0x{}", hex::encode(p.id));
                lines.push(format!(
                    "{id}  {:<9} {:<16} ready at {} (proposed in block {})",
                    p.state.as_str(),
                    p.function(),
                    p.ready_at,
                    p.proposed_in
                ));
                rows.push(json!({
                    "id": id,
                    "state": p.state.as_str(),
                    "function": p.function(),
                    "call": format!("0x{}", hex::encode(&p.call)),
                    "salt": format!("0x{}", hex::encode(p.salt)),
                    "ready_at": p.ready_at,
                    "proposed_in_block": p.proposed_in,
                }));
            }
            lines.insert(0, format!("{name}: admin delay {delay} s"));
        }
        Bridge::Solana(bridge) => {
            for p in bridge.proposals().await? {
                if !all && p.state.is_closed() {
                    continue;
                }
                let action = format!("{:?}", p.action);
                let action = action
                    .split([' ', '{', '('])
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                lines.push(format!(
                    "{:>4}  {:<9} {:<16} ready at {}",
                    p.id,
                    p.state.as_str(),
                    action,
                    p.eta
                ));
                rows.push(json!({
                    "id": p.id,
                    "state": p.state.as_str(),
                    "function": action,
                    "ready_at": p.eta,
                }));
            }
            lines.insert(0, name.to_string());
        }
    }
    if rows.is_empty() {
        lines.push(if all {
            "no proposals".into()
        } else {
            "no open proposals".into()
        });
    }
    Ok(Outcome::ok(
        lines.join("\n"),
        json!({ "chain": name, "proposals": rows }),
    ))
}
