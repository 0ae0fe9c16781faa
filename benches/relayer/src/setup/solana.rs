//! Starts a fresh EVM -> Solana network through `trestle-localnet`, as the demo links them
//! (`scenario::SolanaLink`): anvil `a` with the Solidity bridge (the localnet's mining: a
//! block per transaction and one per second), solana-test-validator with the bridge program
//! (a/ETH as a 9-decimal bridged mint, route a -> solana open, 2-of-3 validators both ways),
//! then three validator processes and one relayer process (`trestle relayer run`, the binary
//! `trestle-localnet` finds: `$TRESTLE_BIN`) serving route a -> solana with the benchmark's
//! settings, the relayer paying on Solana with the link's funded fee payer.

use std::path::PathBuf;

use anyhow::{Context, Result, anyhow};
use trestle_bridge::solana::{BridgeProgram, ReceiptKey};
use trestle_core::chain::UniversalAddress;
use trestle_core::evm::EvmAddress;
use trestle_localnet::daemons::{Daemons, DaemonsConfig, Route, trestle_binary};
use trestle_localnet::evm::{EvmNetwork, ether_token};
use trestle_localnet::scenario::{DOMAIN_A, DOMAIN_SOLANA, SolanaLink};
use trestle_localnet::{keys, solana::new_key};

use super::{AMOUNT, LOAD_ACCOUNTS, Options, evm_chain, relayer_extra};
use crate::load::Load;
use crate::rpc::Rpc;

/// Solana wallets the transfers pay out to, in turn (each gets its associated token account
/// created by the first delivery to it; the later ones find it).
const BENEFICIARIES: usize = 16;
/// Messages the relayer's fee payer can pay for per airdrop of the localnet (10 SOL: the
/// receipt account's rent and the fee of each `deliver`, with a wide margin).
const DELIVERIES_PER_AIRDROP: usize = 2_000;

/// A running EVM -> Solana network with one relayer process.
pub struct SolanaNet {
    /// Origin chain endpoint.
    pub origin: Rpc,
    /// Origin bridge.
    pub origin_bridge: EvmAddress,
    /// The Solana validator's JSON-RPC.
    pub solana: Rpc,
    /// The bridge program.
    pub program: BridgeProgram,
    /// `relayer.batch_size`: messages the relayer lands at once on Solana.
    pub batch_size: usize,
    /// The daemons' binary.
    pub daemon: PathBuf,
    /// Base URLs of the validators' HTTP APIs.
    pub validator_apis: Vec<String>,
    /// Transfers a -> solana.
    pub load: Load,
    /// The daemons, the chains and the daemons' directory (never read; the daemons stop
    /// first, then the chains).
    _keep: Keep,
}

struct Keep {
    _daemons: Daemons,
    _link: SolanaLink,
    _evm: EvmNetwork,
    _dir: Option<tempfile::TempDir>,
}

impl SolanaNet {
    /// The base58 address of the receipt the program writes when it delivers message `nonce`
    /// of the origin bridge (its replay protection: one per delivered message).
    pub fn receipt(&self, nonce: u64) -> String {
        self.program
            .receipt(&ReceiptKey {
                origin: DOMAIN_A,
                origin_bridge: UniversalAddress::from_evm(self.origin_bridge.0).0,
                nonce,
            })
            .to_string()
    }
}

/// Starts the network for a flood of `n` transfers.
pub async fn start(o: &Options, n: usize) -> Result<SolanaNet> {
    let daemon = trestle_binary().map_err(|e| anyhow!("{e}"))?;
    eprintln!(
        "==> starting anvil a and solana-test-validator, linking them (daemons: {})",
        daemon.display()
    );
    let evm = EvmNetwork::builder()
        .chain("a", DOMAIN_A, 31_337)
        .start()
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let a = evm.node("a").map_err(|e| anyhow!("{e}"))?;
    let validators: Vec<EvmAddress> = keys::validators().iter().map(|v| v.address()).collect();
    let link = SolanaLink::start(a, &validators)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    for _ in 0..n / DELIVERIES_PER_AIRDROP {
        link.node
            .airdrop(&link.relayer.pubkey())
            .await
            .map_err(|e| anyhow!("{e}"))?;
    }
    let beneficiaries = (0..BENEFICIARIES)
        .map(|_| new_key().map(|k| UniversalAddress(k.pubkey().0)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow!("{e}"))?;

    let pair = link.relayer.to_keypair_bytes();
    let seed: [u8; 32] = pair
        .get(..32)
        .and_then(|s| s.try_into().ok())
        .context("the fee payer's keypair bytes")?;
    let dir = tempfile::tempdir().context("creating the daemons' directory")?;
    eprintln!("==> starting 3 validator processes and 1 relayer process");
    let daemons = Daemons::start(
        dir.path(),
        DaemonsConfig {
            chains: vec![evm_chain(a, o), link.node.chain_table()],
            routes: vec![Route::new("a", &link.node.name)],
            validator_keys: keys::VALIDATOR_ACCOUNTS
                .iter()
                .map(|i| keys::dev_secret(*i))
                .collect(),
            relayer_key: Some(keys::dev_secret(keys::RELAYER_ACCOUNT)),
            relayer_extra: relayer_extra(o),
            // The config's copy is zeroized on drop; `seed` is a throw-away key of a local
            // chain, made for this run.
            relayer_solana_key: Some(seed.into()),
            ..Default::default()
        },
    )
    .await
    .map_err(|e| anyhow!("{e}"))?;
    let load = Load::new(
        a.chain.clone(),
        LOAD_ACCOUNTS.iter().map(|i| keys::dev(*i)).collect(),
        a.bridge,
        DOMAIN_SOLANA,
        ether_token(a.domain),
        AMOUNT,
    )
    .await?
    .with_beneficiaries(beneficiaries);
    Ok(SolanaNet {
        origin: Rpc::new(a.anvil.url()),
        origin_bridge: a.bridge,
        solana: Rpc::new(link.node.validator.rpc_url()),
        program: link.node.program,
        batch_size: o.batch_size,
        daemon,
        validator_apis: daemons.validators.iter().map(|v| v.url.clone()).collect(),
        load,
        _keep: Keep {
            _daemons: daemons,
            _link: link,
            _evm: evm,
            _dir: if o.keep_dir {
                eprintln!("    daemons' directory kept: {}", dir.keep().display());
                None
            } else {
                Some(dir)
            },
        },
    })
}
