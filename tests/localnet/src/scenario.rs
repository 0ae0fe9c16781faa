//! The local bridge demo as a reusable scenario: two anvil chains and Solana, three
//! validators and a relayer (each its own `trestle relayer run` process), then transfers
//! a -> b (paying a's delivery fee, below the relayer's floor: held underpaid, then topped up),
//! Solana -> a, one large transfer that waits in the destination's timelock (paying the
//! floor at its send), and a -> Solana. Every transfer is followed through the relayer's status API and
//! checked on chain: the beneficiary's balance grows by exactly the amount, and the
//! destination recorded exactly one delivery of the message.

mod evm_route;
mod report;
mod solana_route;

use std::time::Duration;

use tempfile::TempDir;

pub use evm_route::FeeAtSend;
pub use report::{ETHER, Progress, TransferReport, format_ether, summary};
pub use solana_route::{HOME_SUPPLY, SolanaLink, bs58_signature};

use crate::daemons::{Daemons, DaemonsConfig, Route, evm_chain_table};
use crate::error::{Error, Result};
use crate::evm::{EvmNetwork, EvmNode};
use crate::keys;
use crate::status::MessageStatus;
use report::{hex0x, print_state};

/// Domain of EVM chain `a`.
pub const DOMAIN_A: u32 = 1;
/// Domain of EVM chain `b`.
pub const DOMAIN_B: u32 = 2;
/// Domain of the Solana chain.
pub const DOMAIN_SOLANA: u32 = 3;
/// Inbound transfers of at least this many local units (100 ether) wait in the timelock.
pub const TIMELOCK_THRESHOLD: u128 = 100 * ETHER;
/// The relayer's floor on route a -> b (`[routes.fees] min_paid`): 0.0003 ETH, above a's
/// quote (0.000197552 ETH), so that a transfer paying only the quote waits for a top-up.
pub const RELAYER_FLOOR: u128 = 300_000_000_000_000;

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

/// The running demo network.
#[derive(Debug)]
pub struct Demo {
    /// The validators and the relayer. Declared first: processes stop before the chains
    /// and before their files are deleted.
    pub daemons: Daemons,
    /// The EVM chains.
    pub evm: EvmNetwork,
    /// Configs, keystores, stores and logs.
    pub dir: TempDir,
    /// Where the steps are printed.
    pub progress: Progress,
    /// The Solana chain, when the demo runs with it. After `daemons`: the daemons stop
    /// before the chains they watch.
    pub solana: Option<SolanaLink>,
    options: DemoOptions,
}

impl Demo {
    /// Starts the chains, deploys and configures the bridges, and starts three validators and
    /// a relayer, printing each step.
    pub async fn start(options: DemoOptions, progress: Progress) -> Result<Self> {
        // What the later steps need, checked before anything starts.
        crate::daemons::trestle_binary()?;
        if options.solana {
            crate::solana::program_so()?;
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
        let (a, b) = (evm.node("a")?, evm.node("b")?);
        progress.info(&format!(
            "delivery fees (docs/protocol.md): each bridge charges 1 gwei per gas of the other chain; a transfer a -> b costs {} at a's quote now",
            format_ether(a.quote_transfer(b.domain).await?.saturating_to::<u128>())
        ));

        let solana = if options.solana {
            progress.step("Starting solana-test-validator with the bridge program (upgradeable)");
            let a = evm.node("a")?;
            let validators: Vec<_> = keys::validators().iter().map(|v| v.address()).collect();
            let link = SolanaLink::start(a, &validators).await?;
            let node = &link.node;
            progress.info(&format!(
                "solana (domain {}) at {}: program {} initialized by its upgrade authority {}",
                node.domain,
                node.validator.rpc_url(),
                node.program.id,
                node.payer.pubkey()
            ));
            progress.info(&format!(
                "through the program's admin timelock: remote a (2-of-3, epoch 1); a/ETH as mint {} (9 decimals, mint authority the program's authority PDA {}, scale 10^9); home token DEMO {} (9 decimals)",
                link.bridged_ether,
                node.program.authority(),
                link.home_mint
            ));
            progress.info(&format!(
                "on a: remote solana with the same validator set, route a/ETH -> solana (scale 10^9, at most u64::MAX units), DEMO as BridgedToken {}",
                link.home_on_evm
            ));
            progress.info(&format!(
                "user on solana {} holds {} DEMO",
                link.user.pubkey(),
                HOME_SUPPLY / 1_000_000_000
            ));
            Some(link)
        } else {
            None
        };

        progress.step("Starting three validators (2-of-3) and one relayer");
        let dir = tempfile::Builder::new()
            .prefix("trestle-demo-")
            .tempdir()
            .map_err(Error::io(
                "creating the demo directory",
                std::path::Path::new("/tmp"),
            ))?;
        let mut chains: Vec<_> = evm.nodes.iter().map(evm_chain_table).collect();
        let mut routes = vec![
            Route::new("a", "b").min_paid(&format_ether(RELAYER_FLOOR).replace(" ETH", "")),
            Route::new("b", "a"),
        ];
        let mut relayer_solana_key = None;
        if let Some(link) = &solana {
            chains.push(link.node.chain_table());
            routes.push(Route::new("a", &link.node.name));
            routes.push(Route::new(&link.node.name, "a"));
            let bytes = link.relayer.to_keypair_bytes();
            let mut seed = zeroize::Zeroizing::new([0u8; 32]);
            seed.copy_from_slice(bytes.get(..32).unwrap_or(&[0; 32]));
            relayer_solana_key = Some(seed);
        }
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
                relayer_solana_key,
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
        if let Some(link) = &solana {
            progress.info(&format!(
                "relayer's fee payer on solana: {}",
                link.relayer.pubkey()
            ));
        }
        progress.info(&format!(
            "the relayer delivers a -> b for at least {} (its floor, [routes.fees] min_paid): what pays less waits underpaid for a top-up",
            format_ether(RELAYER_FLOOR)
        ));
        progress.info(&format!("logs: {}/*/daemon.log", dir.path().display()));
        Ok(Self {
            daemons,
            evm,
            dir,
            progress,
            solana,
            options,
        })
    }

    /// Runs every transfer of the demo in order and returns their reports: a -> b, then
    /// (with Solana) solana -> a, then the large a -> b that waits in b's timelock, then
    /// (with Solana) a -> solana.
    pub async fn run(&mut self) -> Result<Vec<TransferReport>> {
        let mut reports = Vec::new();
        let mut n = 0;
        let mut step = |p: &Progress, title: String| {
            n += 1;
            p.step(&format!("Transfer {n}: {title}"));
        };
        step(
            &self.progress,
            "1.5 ETH from chain a to chain b, paying a's quote: below the relayer's floor, topped up".into(),
        );
        reports.push(
            self.evm_ether_transfer(
                "a",
                "b",
                15 * ETHER / 10,
                FeeAtSend::Quote,
                Some(RELAYER_FLOOR),
            )
            .await?,
        );
        if self.solana.is_some() {
            step(&self.progress, "25 DEMO from solana to chain a".into());
            reports.push(self.solana_to_evm("a", 25 * 1_000_000_000).await?);
        }
        step(
            &self.progress,
            format!(
                "150 ETH from chain a to chain b (at least {}: held in b's timelock for {} s)",
                format_ether(TIMELOCK_THRESHOLD),
                self.options.timelock_delay
            ),
        );
        reports.push(
            self.evm_ether_transfer(
                "a",
                "b",
                150 * ETHER,
                FeeAtSend::RelayerFloor(RELAYER_FLOOR),
                Some(RELAYER_FLOOR),
            )
            .await?,
        );
        if self.solana.is_some() {
            step(
                &self.progress,
                "2 ETH from chain a to solana (18 decimals onto a 9-decimal SPL mint)".into(),
            );
            reports.push(self.evm_to_solana("a", 2 * ETHER).await?);
        }
        self.daemons.check_running()?;
        Ok(reports)
    }

    /// Follows message `id` through the relayer's status API, printing each state, until it
    /// reaches one of `until`; fails on a failure state or after the transfer timeout.
    pub(crate) async fn follow(&self, id: &[u8; 32], until: &[&str]) -> Result<MessageStatus> {
        let status = self.daemons.status()?;
        let p = &self.progress;
        let result = status
            .follow(
                id,
                self.options.transfer_timeout,
                |s, t| print_state(p, s, t),
                |s| until.contains(&s.state.as_str()),
            )
            .await;
        match result {
            Err(Error::Timeout { what, seconds }) => {
                let attested = self.attested_by(id).await;
                let by = if attested.is_empty() {
                    "no validator has attested it".to_owned()
                } else {
                    format!("attested by {}", attested.join(", "))
                };
                Err(Error::Timeout {
                    what: format!("{what}; {by}"),
                    seconds,
                })
            }
            other => other,
        }
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
