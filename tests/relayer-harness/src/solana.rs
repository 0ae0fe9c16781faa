//! A Solana chain for the end-to-end tests: solana-test-validator with the bridge program
//! loaded upgradeable (its upgrade authority initializes it), governance through the admin
//! timelock, mints, and the Solana chain's relayer configuration.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use trestle_bridge::solana::admin::{Action, BucketLimits};
use trestle_bridge::solana::state::{Config as BridgeConfig, RemoteKind};
use trestle_bridge::solana::{BridgeProgram, LOCAL_PROGRAM_ID, ReceiptKey};
use trestle_core::evm::EvmAddress;
use trestle_core::solana::address::TOKEN_PROGRAM_ID;
use trestle_core::solana::instruction::Instruction;
use trestle_core::solana::{SolanaAddress, SolanaSigner};
use trestle_relayer::config::{ChainConfig, ChainKind, SolanaChainConfig, SolanaCommitment};
use trestle_solana::{Commitment, Landed, SolanaClient, SolanaConfig, TransactionRequest};
use trestle_tests::SolanaValidator;

/// The Solana domain of these tests.
pub const DOMAIN_SOL: u32 = 3;
/// Seconds between `propose` and `execute_proposal`.
const ADMIN_DELAY: i64 = 1;

/// The program built by `contracts/solana/build.sh`.
pub fn program_so() -> PathBuf {
    if let Some(path) = std::env::var_os("TRESTLE_SOLANA_PROGRAM_SO") {
        return PathBuf::from(path);
    }
    let cache = std::env::var_os("TRESTLE_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache/trestle"));
    let path = cache.join("sbf/trestle_bridge.so");
    assert!(
        path.is_file(),
        "{} is missing: run contracts/solana/build.sh",
        path.display()
    );
    path
}

/// A local Solana chain with the bridge initialized for [`DOMAIN_SOL`].
pub struct SolanaNet {
    /// The node.
    pub node: SolanaValidator,
    /// Reads and events at `confirmed`.
    pub client: Arc<SolanaClient>,
    /// The bridge program at [`LOCAL_PROGRAM_ID`].
    pub program: BridgeProgram,
    /// Upgrade authority and fee payer of the setup.
    pub payer: SolanaSigner,
    /// The bridge's admin.
    pub admin: SolanaSigner,
    /// The bridge's guardian (pause, cancel a queued transfer).
    pub guardian: SolanaSigner,
}

/// Logs of the daemons in the test's output, filtered by `RUST_LOG` (default: warnings and
/// the relayer's info).
pub fn init_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,trestle_relayer=info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_test_writer()
        .try_init();
}

/// The example message recipient built by `contracts/solana/build.sh` next to the bridge
/// (`trestle_example_recipient.so`), loaded at [`RECIPIENT_ID`] by
/// [`SolanaNet::start_with_recipient`].
pub fn recipient_so() -> PathBuf {
    let path = program_so().with_file_name("trestle_example_recipient.so");
    assert!(
        path.is_file(),
        "{} is missing: run contracts/solana/build.sh",
        path.display()
    );
    path
}

/// Where the example recipient is loaded.
pub const RECIPIENT_ID: [u8; 32] = [0x77; 32];

impl SolanaNet {
    /// Starts the node with the bridge program and initializes the bridge.
    pub async fn start() -> Self {
        Self::start_with(None, None).await
    }

    /// [`SolanaNet::start`] with the example message recipient loaded at [`RECIPIENT_ID`].
    pub async fn start_with_recipient() -> Self {
        Self::start_with(Some(recipient_so()), None).await
    }

    /// [`SolanaNet::start`] with the bridge's `admin` and `guardian` given (e.g. keys of a
    /// mnemonic the command line signs with).
    pub async fn start_with_roles(admin: SolanaSigner, guardian: SolanaSigner) -> Self {
        Self::start_with(None, Some((admin, guardian))).await
    }

    async fn start_with(
        recipient: Option<PathBuf>,
        roles: Option<(SolanaSigner, SolanaSigner)>,
    ) -> Self {
        init_logs();
        let so = program_so();
        let payer = SolanaSigner::generate().unwrap();
        let authority = payer.pubkey().to_string();
        let node = tokio::task::spawn_blocking(move || {
            let mut builder =
                SolanaValidator::builder().upgradeable_program(LOCAL_PROGRAM_ID, so, authority);
            if let Some(recipient) = recipient {
                builder = builder.bpf_program(SolanaAddress(RECIPIENT_ID).to_string(), recipient);
            }
            builder.spawn()
        })
        .await
        .unwrap()
        .unwrap();
        let client = Arc::new(SolanaClient::new(
            SolanaConfig::new("sol", node.rpc_url()).with_events_commitment(Commitment::Confirmed),
        ));
        let program = BridgeProgram::new(SolanaAddress::parse(LOCAL_PROGRAM_ID).unwrap());
        let (admin, guardian) = roles.unwrap_or_else(|| {
            (
                SolanaSigner::generate().unwrap(),
                SolanaSigner::generate().unwrap(),
            )
        });
        let net = Self {
            node,
            client,
            program,
            payer,
            admin,
            guardian,
        };
        net.fund(&net.payer.pubkey()).await;
        net.fund(&net.admin.pubkey()).await;
        net.fund(&net.guardian.pubkey()).await;
        let init = net.program.initialize(
            &net.payer.pubkey(),
            DOMAIN_SOL,
            &net.admin.pubkey(),
            &net.guardian.pubkey(),
            ADMIN_DELAY,
        );
        net.land(&net.payer, vec![init]).await;
        net
    }

    /// Airdrops 100 SOL to `to`.
    pub async fn fund(&self, to: &SolanaAddress) {
        self.client.airdrop(to, 100_000_000_000).await.unwrap();
    }

    /// Lands a transaction of `instructions` paid and signed by `payer`.
    pub async fn land(&self, payer: &SolanaSigner, instructions: Vec<Instruction>) -> Landed {
        self.client
            .land(TransactionRequest::new(payer, instructions))
            .await
            .unwrap()
    }

    /// Proposes every action, waits out the delay on the validator's clock, executes them.
    pub async fn govern(&self, actions: &[Action]) {
        let account = self
            .client
            .account(&self.program.config())
            .await
            .unwrap()
            .unwrap();
        let first = BridgeConfig::decode(&account.data).unwrap().next_proposal;
        for (i, action) in actions.iter().enumerate() {
            let ix = self
                .program
                .propose(&self.admin.pubkey(), first + i as u64, action);
            self.land(&self.admin, vec![ix]).await;
        }
        for (i, action) in actions.iter().enumerate() {
            let id = first + i as u64;
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                let ix = self
                    .program
                    .execute_proposal(&self.payer.pubkey(), id, action, DOMAIN_SOL, None)
                    .unwrap();
                match self
                    .client
                    .land(TransactionRequest::new(&self.payer, vec![ix]))
                    .await
                {
                    Ok(_) => break,
                    // The delay runs on the validator's clock: retry until it has passed.
                    Err(_) if Instant::now() < deadline => {
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                    Err(e) => panic!("execute_proposal {id}: {e}"),
                }
            }
        }
    }

    /// A new SPL mint with `decimals` whose mint authority is `authority`.
    pub async fn create_mint(&self, authority: &SolanaAddress, decimals: u8) -> SolanaAddress {
        let mint = SolanaSigner::generate().unwrap();
        self.client
            .create_mint(&self.payer, &mint, authority, decimals, &TOKEN_PROGRAM_ID)
            .await
            .unwrap();
        mint.pubkey()
    }

    /// The chain as the daemon's configuration names it.
    pub fn chain_config(&self, name: &str, commitment: SolanaCommitment) -> ChainConfig {
        ChainConfig {
            name: name.into(),
            domain: DOMAIN_SOL,
            rpc_urls: vec![self.node.rpc_url().into()],
            quorum: None,
            start_block: None,
            index_batch_blocks: 1_000,
            low_balance: None,
            poll_interval_ms: Some(200),
            kind: ChainKind::Solana(SolanaChainConfig {
                program: self.program.id,
                commitment,
            }),
        }
    }
}

/// A generous rate limit: nothing is limited in these tests.
pub const OPEN_BUCKET: BucketLimits = BucketLimits {
    capacity: u64::MAX / 2,
    refill_per_second: 1_000_000_000_000,
};

/// Registers a token (home `home_domain`/`home_token`, here `mint` with `scale_exp`; transfers
/// of at least `timelock_threshold` wait `timelock_delay`).
pub fn register_token(
    (home_domain, home_token): (u32, [u8; 32]),
    (mint, scale_exp): (SolanaAddress, u8),
    (timelock_threshold, timelock_delay): (u64, i64),
) -> Action {
    Action::RegisterToken {
        home_domain,
        home_token,
        mint,
        scale_exp,
        timelock_threshold,
        timelock_delay,
    }
}

/// The route of the token (home `home_domain`/`home_token`) to and from `remote`, whose amounts
/// are `home / 10^remote_exp`, with [`OPEN_BUCKET`] both ways.
pub fn route_to(
    (home_domain, home_token): (u32, [u8; 32]),
    (remote, remote_exp): (u32, u8),
) -> Action {
    Action::SetRoute {
        token_id: trestle_bridge::token_id(
            home_domain,
            &trestle_core::chain::UniversalAddress(home_token),
        ),
        domain: remote,
        remote_exp,
        remote_max: u128::MAX,
        inbound: OPEN_BUCKET,
        outbound: OPEN_BUCKET,
    }
}

/// The receipt the program keeps for message `nonce` from the EVM bridge `bridge` of domain
/// `origin`.
pub fn receipt_address(
    program: &BridgeProgram,
    origin: u32,
    bridge: EvmAddress,
    nonce: u64,
) -> SolanaAddress {
    let mut origin_bridge = [0u8; 32];
    origin_bridge[12..].copy_from_slice(&bridge.0);
    program.receipt(&ReceiptKey {
        origin,
        origin_bridge,
        nonce,
    })
}

/// The remote of an EVM bridge on the Solana bridge, with its validator set (sorted here).
pub fn set_remote(
    domain: u32,
    bridge: EvmAddress,
    validators: &[EvmAddress],
    threshold: u8,
) -> Action {
    let mut sorted: Vec<[u8; 20]> = validators.iter().map(|v| v.0).collect();
    sorted.sort();
    let mut padded = [0u8; 32];
    padded[12..].copy_from_slice(&bridge.0);
    Action::SetRemote {
        domain,
        bridge: padded,
        kind: RemoteKind::Evm,
        epoch: 1,
        threshold,
        validators: sorted,
    }
}
