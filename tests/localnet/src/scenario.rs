//! The local bridge demo as a reusable scenario: a network of two anvil chains (and
//! Solana), three validators and a relayer, then transfers A -> B, EVM -> Solana,
//! Solana -> EVM and one large transfer that waits in the destination's timelock. Every
//! transfer is followed through the relayer's status API and checked on chain: the
//! beneficiary's balance grows by exactly the amount, and the destination bridge emitted
//! exactly one delivery for the message.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use tempfile::TempDir;
use trestle_core::chain::U256;
use trestle_core::evm::EvmAddress;

use crate::daemons::{Daemons, DaemonsConfig, Route, evm_chain_table};
use crate::error::{Error, Result};
use crate::evm::{EvmNetwork, EvmNode, ether_token, pad};
use crate::keys;
use crate::status::MessageStatus;

/// Domain of EVM chain `a`.
pub const DOMAIN_A: u32 = 1;
/// Domain of EVM chain `b`.
pub const DOMAIN_B: u32 = 2;
/// Domain of the Solana chain.
pub const DOMAIN_SOLANA: u32 = 3;
/// One ether in wei.
pub const ETHER: u128 = 1_000_000_000_000_000_000;
/// Inbound transfers of at least this many local units (100 ether) wait in the timelock.
pub const TIMELOCK_THRESHOLD: u128 = 100 * ETHER;

/// Prints the demo's steps as they happen, with the time since the start.
#[derive(Debug, Clone)]
pub struct Progress {
    start: Instant,
    quiet: bool,
}

impl Progress {
    /// Prints to standard output.
    pub fn stdout() -> Self {
        Self {
            start: Instant::now(),
            quiet: false,
        }
    }

    /// Prints nothing.
    pub fn quiet() -> Self {
        Self {
            start: Instant::now(),
            quiet: true,
        }
    }

    /// A step title.
    pub fn step(&self, title: &str) {
        if !self.quiet {
            println!(
                "\n[{:6.1}s] ==> {title}",
                self.start.elapsed().as_secs_f64()
            );
        }
    }

    /// A line under the current step.
    pub fn info(&self, line: &str) {
        if !self.quiet {
            println!("[{:6.1}s]     {line}", self.start.elapsed().as_secs_f64());
        }
    }

    /// Time since the start.
    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }
}

/// Options of the demo.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Include the Solana chain and the EVM <-> Solana transfers.
    pub solana: bool,
    /// How long one transfer may take to be delivered (and executed, for a queued one).
    pub transfer_timeout: Duration,
    /// Delay of the timelock on large inbound transfers, in seconds.
    pub timelock_delay: u64,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self {
            solana: true,
            transfer_timeout: Duration::from_secs(90),
            timelock_delay: 15,
        }
    }
}

/// What happened to one transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferReport {
    /// `a -> b`.
    pub route: String,
    /// Origin chain name.
    pub from: String,
    /// Destination chain name.
    pub to: String,
    /// The amount, for people (`1.5 ETH`).
    pub amount: String,
    /// The message id.
    pub id: [u8; 32],
    /// The origin transaction.
    pub origin_tx: String,
    /// The destination transaction that delivered the message.
    pub delivery_tx: String,
    /// For a transfer queued in the timelock: the transaction that executed it.
    pub executed_tx: Option<String>,
    /// From the origin transaction's receipt to the funds arriving.
    pub latency: Duration,
}

/// The running demo network.
#[derive(Debug)]
pub struct Demo {
    /// The EVM chains.
    pub evm: EvmNetwork,
    /// The validators and the relayer. Declared before `dir`: processes stop before their
    /// files are deleted.
    pub daemons: Daemons,
    /// Configs, keystores, stores and logs.
    pub dir: TempDir,
    /// Where the steps are printed.
    pub progress: Progress,
    options: DemoOptions,
}

fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

/// `amount` wei as ether for people (`1.5 ETH`).
pub fn format_ether(amount: u128) -> String {
    let whole = amount / ETHER;
    let frac = amount % ETHER;
    if frac == 0 {
        return format!("{whole} ETH");
    }
    let digits = format!("{frac:018}");
    format!("{whole}.{} ETH", digits.trim_end_matches('0'))
}

impl Demo {
    /// Starts the chains, deploys and configures the bridges, and starts three validators and
    /// a relayer, printing each step.
    pub async fn start(options: DemoOptions, progress: Progress) -> Result<Self> {
        if options.solana {
            return Err(Error::Unsupported(
                "Solana routes: the local network does not start the Solana program yet (run with --evm-only)"
                    .into(),
            ));
        }
        progress.step("Starting two anvil chains and deploying the Solidity bridge");
        let evm = EvmNetwork::builder()
            .chain("a", DOMAIN_A, 31_337)
            .chain("b", DOMAIN_B, 31_338)
            .timelock(TIMELOCK_THRESHOLD, options.timelock_delay)
            .start()
            .await?;
        for node in &evm.nodes {
            progress.info(&format!(
                "chain {} (domain {}, chain id {}) at {}: Bridge {}",
                node.name,
                node.domain,
                node.anvil.chain_id(),
                node.anvil.url(),
                node.bridge
            ));
        }
        for node in &evm.nodes {
            for home in evm.nodes.iter().filter(|h| h.domain != node.domain) {
                if let Some(token) = evm.wrapped_ether(home.domain, node.domain) {
                    progress.info(&format!(
                        "on {}: BridgedToken {token} stands for the ether of {}",
                        node.name, home.name
                    ));
                }
            }
        }
        progress.info(&format!(
            "configured through the admin timelock: remotes, 2-of-3 validator set (epoch 1), tokens, routes, rate limits; inbound transfers of {} or more wait {} s",
            format_ether(TIMELOCK_THRESHOLD),
            options.timelock_delay
        ));

        progress.step("Starting three validators (2-of-3) and one relayer");
        let dir = tempfile::Builder::new()
            .prefix("trestle-demo-")
            .tempdir()
            .map_err(Error::io(
                "creating the demo directory",
                std::path::Path::new("/tmp"),
            ))?;
        let chains = evm.nodes.iter().map(evm_chain_table).collect();
        let routes = vec![Route::new("a", "b"), Route::new("b", "a")];
        let daemons = Daemons::start(
            dir.path(),
            DaemonsConfig {
                chains,
                routes,
                validator_keys: keys::VALIDATOR_ACCOUNTS
                    .into_iter()
                    .map(keys::dev_secret)
                    .collect(),
                relayer_key: Some(keys::dev_secret(keys::RELAYER_ACCOUNT)),
                ..Default::default()
            },
        )
        .await?;
        for (d, key) in daemons.validators.iter().zip(keys::validators()) {
            progress.info(&format!(
                "{} (key {}) pid {} at {}, SQLite store, config {}",
                d.name,
                key.address(),
                d.pid(),
                d.url,
                d.config.display()
            ));
        }
        progress.info(&format!(
            "relayer (key {}) pid {} at {}, status API {}/v1/messages",
            keys::relayer().address(),
            daemons.relayer.pid(),
            daemons.relayer.url,
            daemons.relayer.url
        ));
        progress.info(&format!("logs: {}/*/daemon.log", dir.path().display()));
        Ok(Self {
            evm,
            daemons,
            dir,
            progress,
            options,
        })
    }

    /// Runs every transfer of the demo in order and returns their reports.
    pub async fn run(&mut self) -> Result<Vec<TransferReport>> {
        let mut reports = Vec::new();
        self.progress
            .step("Transfer 1: 1.5 ETH from chain a to chain b");
        reports.push(self.evm_ether_transfer("a", "b", 15 * ETHER / 10).await?);
        self.progress.step(&format!(
            "Transfer 2: 150 ETH from chain a to chain b (at least {}: held in b's timelock for {} s)",
            format_ether(TIMELOCK_THRESHOLD),
            self.options.timelock_delay
        ));
        reports.push(self.evm_ether_transfer("a", "b", 150 * ETHER).await?);
        self.daemons.check_running()?;
        Ok(reports)
    }

    /// Sends `amount` wei of chain `from`'s ether to the user's address on `to`, follows the
    /// message through the relayer until the funds arrive, and checks the balance and that
    /// the message was delivered exactly once.
    pub async fn evm_ether_transfer(
        &mut self,
        from: &str,
        to: &str,
        amount: u128,
    ) -> Result<TransferReport> {
        let route = format!("{from} -> {to}");
        let origin = self.evm.node(from)?;
        let destination = self.evm.node(to)?;
        let token = self
            .evm
            .wrapped_ether(origin.domain, destination.domain)
            .ok_or_else(|| Error::Unsupported(format!("no bridged ether of {from} on {to}")))?;
        let user = keys::user();
        let beneficiary: EvmAddress = user.address();
        let before = destination.balance(Some(token), beneficiary).await?;
        let value = U256::from(amount);
        let sender = origin.sender(user);
        let sent = origin
            .send_token(
                &sender,
                destination.domain,
                ether_token(origin.domain),
                value,
                pad(beneficiary).0,
                value,
            )
            .await?;
        let sent_at = Instant::now();
        let p = &self.progress;
        p.info(&format!(
            "sendToken on {from}: tx {} (nonce {})",
            hex0x(&sent.tx),
            sent.nonce
        ));
        p.info(&format!("message id {}", hex0x(&sent.id)));

        let status = self.daemons.status()?;
        let timeout = self.options.transfer_timeout;
        let print = |s: &MessageStatus, t: Duration| print_state(p, s, t);
        let reached = status
            .follow(&sent.id, timeout, print, |s| {
                s.state == "delivered" || s.state == "queued"
            })
            .await?;
        let mut executed_tx = None;
        if reached.state == "queued" {
            let ready_at =
                destination
                    .queued_until(sent.id)
                    .await?
                    .ok_or_else(|| Error::Transfer {
                        route: route.clone(),
                        reason: "the relayer says queued but the bridge has no queued record"
                            .into(),
                    })?;
            let now = destination.now().await?;
            p.info(&format!(
                "queued in {to}'s timelock: executable at {ready_at} (chain clock now {now}, {} s to go); funds not released yet",
                ready_at.saturating_sub(now)
            ));
            let held = destination.balance(Some(token), beneficiary).await?;
            if held != before {
                return Err(Error::Transfer {
                    route,
                    reason: format!("released while queued: balance {before} -> {held}"),
                });
            }
            let print_new = |s: &MessageStatus, t: Duration| {
                match s.state.as_str() {
                "queued" => {}
                "delivered" => p.info(&format!(
                    "relayer: delivered +{:.1}s  timelock over: the relayer executed the queued transfer",
                    t.as_secs_f64()
                )),
                _ => print_state(p, s, t),
            }
            };
            status
                .follow(&sent.id, timeout, print_new, |s| s.state == "delivered")
                .await?;
            let executions = destination.executions(sent.id).await?;
            match executions.as_slice() {
                [tx] => {
                    executed_tx = Some(hex0x(tx));
                    p.info(&format!("executeQueued on {to}: tx {}", hex0x(tx)));
                }
                other => {
                    return Err(Error::Transfer {
                        route,
                        reason: format!(
                            "{} MessageExecuted events for one queued transfer",
                            other.len()
                        ),
                    });
                }
            }
        }
        // The funds have arrived, exactly once.
        let expected = before + value;
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let now = destination.balance(Some(token), beneficiary).await?;
            if now == expected {
                break;
            }
            if now > expected || Instant::now() >= deadline {
                return Err(Error::Transfer {
                    route,
                    reason: format!(
                        "balance of {beneficiary} in {token} on {to} is {now}, expected {expected}"
                    ),
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let latency = sent_at.elapsed();
        let deliveries = destination.deliveries(sent.id).await?;
        let delivery_tx = match deliveries.as_slice() {
            [tx] => hex0x(tx),
            other => {
                return Err(Error::Transfer {
                    route,
                    reason: format!("{} MessageDelivered events for one message", other.len()),
                });
            }
        };
        let attested = self.attested_by(&sent.id).await;
        p.info(&format!(
            "arrived: {beneficiary} holds {} more of {to}'s bridged ether (total {}); delivered once; attested by {}; latency {:.1} s",
            format_ether(amount),
            format_ether(expected.saturating_to::<u128>()),
            attested.join(", "),
            latency.as_secs_f64()
        ));
        Ok(TransferReport {
            route,
            from: from.into(),
            to: to.into(),
            amount: format_ether(amount),
            id: sent.id,
            origin_tx: hex0x(&sent.tx),
            delivery_tx,
            executed_tx,
            latency,
        })
    }

    /// The validators that serve an attestation of message `id`.
    async fn attested_by(&self, id: &[u8; 32]) -> Vec<String> {
        let mut out = Vec::new();
        let Ok(http) = crate::status::http_client() else {
            return out;
        };
        for v in &self.daemons.validators {
            let url = format!("{}/v1/attestations/{}", v.url, hex0x(id));
            if http
                .get(&url)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                out.push(v.name.clone());
            }
        }
        out
    }

    /// The EVM chain named `name`.
    pub fn node(&self, name: &str) -> Result<&EvmNode> {
        self.evm.node(name)
    }
}

fn print_state(p: &Progress, s: &MessageStatus, t: Duration) {
    let tx = s.tx_hash.as_deref().unwrap_or("-");
    let what = match s.state.as_str() {
        "pending" => "relayer indexed it; waiting for 2-of-3 validator attestations".to_owned(),
        "ready" => "attestations collected (threshold met)".to_owned(),
        "submitted" => format!("deliver submitted to the destination: tx {tx}"),
        "queued" => format!("delivered into the destination's queue: tx {tx}"),
        "delivered" => format!("delivered: tx {tx}"),
        other => {
            let error = s.last_error.as_deref().unwrap_or("no error");
            format!("{other} (attempts {}, last error: {error})", s.attempts)
        }
    };
    p.info(&format!(
        "relayer: {:<9} +{:.1}s  {what}",
        s.state,
        t.as_secs_f64()
    ));
}

/// The final summary: one block per transfer.
pub fn summary(reports: &[TransferReport]) -> String {
    let mut out = String::new();
    for (i, r) in reports.iter().enumerate() {
        let _ = writeln!(out, "{}. {}  {}", i + 1, r.route, r.amount);
        let _ = writeln!(out, "   message id   {}", hex0x(&r.id));
        let _ = writeln!(out, "   origin tx    {}", r.origin_tx);
        let _ = writeln!(out, "   delivery tx  {}", r.delivery_tx);
        if let Some(tx) = &r.executed_tx {
            let _ = writeln!(out, "   executed tx  {tx} (after the timelock)");
        }
        let _ = writeln!(out, "   latency      {:.1} s", r.latency.as_secs_f64());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ether_amounts_for_people() {
        assert_eq!(format_ether(15 * ETHER / 10), "1.5 ETH");
        assert_eq!(format_ether(150 * ETHER), "150 ETH");
        assert_eq!(format_ether(1), "0.000000000000000001 ETH");
    }
}
