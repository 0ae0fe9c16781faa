//! End to end between anvil and solana-test-validator with both bridges deployed, in-process
//! validator and relayer daemons (each with its own SQLite store):
//! - EVM -> Solana: ether locked on the EVM bridge arrives as the bridged SPL mint (9
//!   decimals: the message's wei are divided by 10^9), the beneficiary's token account created
//!   by the relayer; a transfer above the timelock threshold is queued, then executed.
//! - Solana -> EVM: an SPL token locked in the program's vault arrives as the bridged ERC-20.
//! - The Solana validator refuses what is not final or not on chain, and signs for the
//!   destination's current set (epoch and membership), not the route's configured one.
//! - A message whose body no Solana `deliver` transaction holds is failed at once.
//! - An arbitrary message is delivered, then executed into the example recipient program.
//!
//! These start solana-test-validator: run them one at a time (nextest group
//! `solana-validator`, filter `test(/^solana_e2e::/)`).

use std::time::Duration;

use alloy_primitives::{Address, B256, FixedBytes};
use alloy_sol_types::{SolCall, SolConstructor};
use serde_json::json;
use trestle_bridge::evm_bindings::{Bridge, BridgedToken};
use trestle_bridge::solana::admin::Action;
use trestle_bridge::solana::relay::{Payout, Signatures, deliver};
use trestle_bridge::solana::send::{SendParams, TokenKind, send as send_ix};
use trestle_bridge::solana::state::{Receipt, ReceiptStatus};
use trestle_bridge::{Body, Message, NATIVE_TOKEN, TokenTransfer, token_id};
use trestle_bridge_client::solana::{fits_in_a_packet as fits, transaction_size};
use trestle_core::chain::{U256, UniversalAddress};
use trestle_core::evm::{EvmAddress, EvmSigner};
use trestle_core::solana::address::TOKEN_PROGRAM_ID;
use trestle_core::solana::instruction::get_associated_token_address;
use trestle_core::solana::{SolanaAddress, SolanaSigner};
use trestle_evm::{EvmChain, EvmSender, TxRequest};
use trestle_relayer::config::{Config, SolanaCommitment, SolanaKeyConfig, ValidatorEndpoint};
use trestle_relayer::store::{MessageState, NewMessage, Store};
use trestle_relayer::{Daemon, Keys};
use trestle_relayer_harness::daemons::{config, live_endpoints, placeholder_endpoints};
use trestle_relayer_harness::evm::{balance_of, connect, send, signer};
use trestle_relayer_harness::solana::{DOMAIN_SOL, SolanaNet, set_remote};
use trestle_relayer_harness::wait::eventually;
use trestle_solana::Commitment;
use trestle_tests::Anvil;

mod concurrent;
mod evm_validator;
mod fees;
mod indexer;
mod messages;
mod signature_sets;
mod validator;

const DOMAIN_EVM: u32 = 1;

fn addr(a: EvmAddress) -> Address {
    Address::from(a.0)
}

async fn deploy(sender: &EvmSender, code: &[u8], args: Vec<u8>) -> EvmAddress {
    let mut init = code.to_vec();
    init.extend(args);
    send(sender, TxRequest::deploy(init))
        .await
        .contract_address
        .unwrap()
}

/// Deploys the Solidity bridge for `DOMAIN_EVM` (admin `signer(0)`, guardian `signer(1)`,
/// delay 1 s).
async fn evm_bridge(chain: &std::sync::Arc<EvmChain>) -> EvmAddress {
    let admin = EvmSender::new(chain.clone(), signer(0));
    trestle_relayer_harness::evm::deploy_bridge(&admin, DOMAIN_EVM).await
}

/// Runs `calls` through the EVM bridge's admin timelock.
async fn govern_evm(
    anvil: &Anvil,
    chain: &std::sync::Arc<EvmChain>,
    bridge: EvmAddress,
    calls: &[Vec<u8>],
) {
    let admin = EvmSender::new(chain.clone(), signer(0));
    for (i, call) in calls.iter().enumerate() {
        let salt = B256::from(U256::from(i).to_be_bytes::<32>());
        let data = Bridge::proposeCall::new((call.clone().into(), salt)).abi_encode();
        send(&admin, TxRequest::call(bridge, data)).await;
    }
    anvil.rpc("evm_increaseTime", json!([5])).unwrap();
    anvil.rpc("evm_mine", json!([])).unwrap();
    for (i, call) in calls.iter().enumerate() {
        let salt = B256::from(U256::from(i).to_be_bytes::<32>());
        let data = Bridge::executeCall::new((call.clone().into(), salt)).abi_encode();
        assert!(send(&admin, TxRequest::call(bridge, data)).await.success);
    }
}

fn validator_keys() -> (Vec<EvmSigner>, Vec<EvmAddress>) {
    many_validator_keys(3)
}

/// `n` validator keys: anvil accounts 5, 6, 7 for three, else keys of their own.
fn many_validator_keys(n: usize) -> (Vec<EvmSigner>, Vec<EvmAddress>) {
    let keys: Vec<EvmSigner> = if n == 3 {
        (5..8).map(signer).collect()
    } else {
        (0..n)
            .map(|i| EvmSigner::from_private_key(&[0x21 + i as u8; 32]).unwrap())
            .collect()
    };
    let addrs = keys.iter().map(|k| k.address()).collect();
    (keys, addrs)
}

/// Starts one validator daemon per key on `chains` (route `chains[0] -> chains[1]`).
async fn start_validators(
    keys: &[EvmSigner],
    chains: &dyn Fn() -> Vec<trestle_relayer::config::ChainConfig>,
    endpoints: &[ValidatorEndpoint],
    threshold: usize,
) -> (Vec<Daemon>, Vec<tempfile::TempDir>) {
    let mut daemons = Vec::new();
    let mut dirs = Vec::new();
    for key in keys {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = config(dir.path(), chains(), endpoints.to_vec(), true, false);
        cfg.routes[0].threshold = threshold;
        let keys = Keys {
            validator: Some(key.clone()),
            relayer: None,
            relayer_solana: None,
            fee_oracle: None,
            fee_oracle_solana: None,
        };
        daemons.push(Daemon::start(cfg, keys, "v").await.unwrap());
        dirs.push(dir);
    }
    (daemons, dirs)
}

/// Starts a relayer-only daemon (`r1`) from `cfg` that pays for Solana deliveries with
/// `payer`.
async fn start_solana_relayer(cfg: Config, payer: &SolanaSigner) -> Daemon {
    Daemon::start(
        with_solana_key(cfg),
        Keys {
            relayer_solana: Some(payer.clone()),
            fee_oracle: None,
            fee_oracle_solana: None,
            ..Keys::default()
        },
        "r1",
    )
    .await
    .unwrap()
}

fn with_solana_key(mut cfg: Config) -> Config {
    if let Some(r) = cfg.relayer.as_mut() {
        r.solana = Some(SolanaKeyConfig {
            keystore: "unused-solana.json".into(),
            password_env: "UNUSED".into(),
        });
    }
    cfg
}

async fn states(store: &Store) -> Vec<(u64, MessageState, Option<String>)> {
    store
        .list(&Default::default())
        .await
        .unwrap()
        .iter()
        .map(|m| (m.nonce, m.state, m.last_error.clone()))
        .collect()
}

/// Ether from the EVM bridge to a fresh Solana beneficiary, with the Solana bridge's ether
/// mint (9 decimals, scale 10^9) registered with `timelock_threshold` / `timelock_delay`.
/// Returns after the relayer's store says every message is delivered, with the beneficiary's
/// balance and the receipts.
async fn ether_to_solana(
    amounts_wei: &[u128],
    timelock_threshold: u64,
    timelock_delay: i64,
) -> (u64, Vec<Receipt>) {
    let (balance, receipts, _) =
        ether_to_solana_with(amounts_wei, timelock_threshold, timelock_delay, (3, 2, 3)).await;
    (balance, receipts)
}

/// [`ether_to_solana`] with `(n, threshold, running)`: a set of `n` validators on both
/// bridges, `running` of them started. Also says whether `post_signatures` was used.
async fn ether_to_solana_with(
    amounts_wei: &[u128],
    timelock_threshold: u64,
    timelock_delay: i64,
    validators: (usize, usize, usize),
) -> (u64, Vec<Receipt>, bool) {
    let net =
        EtherToSolana::start(amounts_wei, timelock_threshold, timelock_delay, validators).await;
    net.wait_until(MessageState::Delivered).await;
    net.finish().await
}

/// Both bridges, validators and a relayer, with ether sent from the EVM bridge to a fresh
/// Solana beneficiary ([`EtherToSolana::start`]).
struct EtherToSolana {
    sol: SolanaNet,
    _anvil: Anvil,
    bridge: EvmAddress,
    mint: SolanaAddress,
    beneficiary: SolanaAddress,
    payer: SolanaSigner,
    messages: usize,
    validators: Vec<Daemon>,
    relayer: Daemon,
    /// The relayer's configuration (its store in `_dirs.1`), to start it again.
    relayer_config: Config,
    _dirs: (Vec<tempfile::TempDir>, tempfile::TempDir),
}

impl EtherToSolana {
    /// Deploys and configures both bridges (the Solana bridge's ether mint, 9 decimals, scale
    /// 10^9, registered with `timelock_threshold` / `timelock_delay`), starts `running` of
    /// `n` validators with `threshold` and a relayer, and sends `amounts_wei`.
    async fn start(
        amounts_wei: &[u128],
        timelock_threshold: u64,
        timelock_delay: i64,
        (n, threshold, running): (usize, usize, usize),
    ) -> Self {
        let sol = SolanaNet::start().await;
        let anvil = Anvil::builder().chain_id(31_337).spawn().unwrap();
        let chain = connect(&anvil, "evm").await;
        let (keys, validator_addrs) = many_validator_keys(n);
        let token = token_id(DOMAIN_EVM, &NATIVE_TOKEN);
        let program = sol.program.id;
        let big: u128 = 1_000_000 * 10u128.pow(18);
        let bridge = evm_bridge(&chain).await;
        let native = Address::from_slice(&NATIVE_TOKEN.0[12..]);
        let t = B256::from(token);
        let calls = vec![
            Bridge::setRemoteCall::new((DOMAIN_SOL, B256::from(program.0), 1u8)).abi_encode(),
            Bridge::setTokenCall::new((
                DOMAIN_EVM,
                B256::from(NATIVE_TOKEN.0),
                native,
                0u8,
                big,
                3_600u64,
            ))
            .abi_encode(),
            // Solana amounts are wei / 10^9 and must fit a u64.
            Bridge::setRouteCall::new((t, DOMAIN_SOL, 9u8, u128::from(u64::MAX))).abi_encode(),
            Bridge::setLimitsCall::new((t, DOMAIN_SOL, big, big, big, big)).abi_encode(),
        ];
        govern_evm(&anvil, &chain, bridge, &calls).await;
        let mint = sol.create_mint(&sol.program.authority(), 9).await;
        sol.govern(&[
            set_remote(
                DOMAIN_EVM,
                bridge,
                &validator_addrs,
                u8::try_from(threshold).unwrap(),
            ),
            trestle_relayer_harness::solana::register_token(
                (DOMAIN_EVM, NATIVE_TOKEN.0),
                (mint, 9),
                (timelock_threshold, timelock_delay),
            ),
            trestle_relayer_harness::solana::route_to(
                (DOMAIN_EVM, NATIVE_TOKEN.0),
                (DOMAIN_EVM, 0),
            ),
        ])
        .await;

        let chains = || {
            vec![
                trestle_relayer_harness::daemons::chain_config("evm", DOMAIN_EVM, &anvil, bridge),
                sol.chain_config("sol", SolanaCommitment::Confirmed),
            ]
        };
        let placeholder = placeholder_endpoints(&validator_addrs);
        let (validators, _dirs) =
            start_validators(&keys[..running], &chains, &placeholder, threshold).await;
        let endpoints = live_endpoints(&placeholder, &validators);
        let payer = SolanaSigner::generate().unwrap();
        sol.fund(&payer.pubkey()).await;
        let relayer_dir = tempfile::tempdir().unwrap();
        let mut relayer_config = config(relayer_dir.path(), chains(), endpoints, false, true);
        relayer_config.routes[0].threshold = threshold;
        let relayer = start_solana_relayer(relayer_config.clone(), &payer).await;

        let beneficiary = SolanaSigner::generate().unwrap().pubkey();
        let user = EvmSender::new(chain.clone(), signer(3));
        for amount in amounts_wei {
            let data = Bridge::sendTokenCall::new((
                DOMAIN_SOL,
                B256::from(token),
                U256::from(*amount),
                FixedBytes::<32>::from(beneficiary.0),
            ))
            .abi_encode();
            let r = send(
                &user,
                TxRequest::call(bridge, data).with_value(U256::from(*amount)),
            )
            .await;
            assert!(r.success);
        }
        Self {
            sol,
            _anvil: anvil,
            bridge,
            mint,
            beneficiary,
            payer,
            messages: amounts_wei.len(),
            validators,
            relayer,
            relayer_config,
            _dirs: (_dirs, relayer_dir),
        }
    }

    /// Waits until the relayer's store holds every message in `state`.
    async fn wait_until(&self, state: MessageState) {
        let deadline = std::time::Instant::now() + Duration::from_secs(240);
        loop {
            let s = states(self.relayer.store()).await;
            if s.len() == self.messages && s.iter().all(|m| m.1 == state) {
                return;
            }
            if std::time::Instant::now() > deadline {
                let mut signed = Vec::new();
                for v in &self.validators {
                    signed.push(v.store().attestation_count().await.unwrap());
                }
                panic!("not {state:?} on Solana: relayer {s:?}, validators signed {signed:?}");
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }

    /// The receipts of the relayer's messages, by nonce.
    async fn receipts(&self) -> Vec<Receipt> {
        let mut receipts = Vec::new();
        for m in self
            .relayer
            .store()
            .list(&Default::default())
            .await
            .unwrap()
        {
            let account = self
                .sol
                .client
                .account(&trestle_relayer_harness::solana::receipt_address(
                    &self.sol.program,
                    m.origin,
                    self.bridge,
                    m.nonce,
                ))
                .await
                .unwrap()
                .unwrap();
            receipts.push(Receipt::decode(&account.data).unwrap());
        }
        receipts
    }

    /// Stops the daemons; returns the beneficiary's balance, the receipts and whether
    /// signatures were staged.
    async fn finish(self) -> (u64, Vec<Receipt>, bool) {
        let sol = &self.sol;
        let balance = sol
            .client
            .token_balance_of(&self.mint, &self.beneficiary)
            .await
            .unwrap();
        let receipts = self.receipts().await;
        // The payer paid for deliveries and the beneficiary's token account.
        assert!(sol.client.balance(&self.payer.pubkey()).await.unwrap() < 100_000_000_000);
        // Whether signatures were staged: a post_signatures instruction of the program landed.
        let tip = sol.client.slot(Commitment::Confirmed).await.unwrap();
        let post = trestle_bridge::solana::instruction_discriminator("post_signatures");
        let staged = sol
            .client
            .program_transactions(&sol.program.id, 0, tip)
            .await
            .unwrap()
            .transactions
            .iter()
            .filter(|tx| tx.error.is_none())
            .flat_map(|tx| &tx.instructions)
            .any(|ix| ix.data.starts_with(&post));
        self.relayer.shutdown().await;
        for v in self.validators {
            v.shutdown().await;
        }
        (balance, receipts, staged)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ether_from_evm_arrives_on_solana_as_the_bridged_mint() {
    // 1.5 and 0.25 ether: 1.5e9 and 0.25e9 units of the 9-decimal mint.
    let amounts = [15 * 10u128.pow(17), 25 * 10u128.pow(16)];
    let (balance, receipts, staged) =
        ether_to_solana_with(&amounts, u64::MAX / 4, 3_600, (3, 2, 3)).await;
    assert!(!staged, "2-of-3 fits one transaction");
    assert_eq!(balance, 1_750_000_000);
    assert_eq!(receipts.len(), 2);
    for r in &receipts {
        assert_eq!(r.status, ReceiptStatus::Executed);
        assert_eq!(r.origin, DOMAIN_EVM);
    }
    let mut local: Vec<u64> = receipts.iter().map(|r| r.amount).collect();
    local.sort();
    assert_eq!(local, vec![250_000_000, 1_500_000_000]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seven_of_ten_attestation_is_staged_with_post_signatures_then_delivered() {
    // 7 signatures and the ATA instruction do not fit one 1,232-byte transaction.
    let amounts = [10u128.pow(18)];
    let (balance, receipts, staged) =
        ether_to_solana_with(&amounts, u64::MAX / 4, 3_600, (10, 7, 7)).await;
    assert!(staged, "post_signatures was not used");
    assert_eq!(balance, 1_000_000_000);
    assert_eq!(receipts[0].status, ReceiptStatus::Executed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_transfer_to_solana_is_queued_by_the_timelock_then_executed() {
    // Threshold 2 (local units of 10^9): 3 ether waits 4 s on the validator's clock.
    let amounts = [3 * 10u128.pow(18)];
    let (balance, receipts) = ether_to_solana(&amounts, 2_000_000_000, 4).await;
    assert_eq!(balance, 3_000_000_000);
    let r = &receipts[0];
    assert_eq!(
        r.status,
        ReceiptStatus::Executed,
        "executed after the delay"
    );
    assert_eq!(
        r.release_at - r.delivered_at,
        4,
        "it was queued for the delay"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_transfer_to_solana_the_guardian_cancels_is_recorded_cancelled_not_delivered() {
    // Regression: the Solana destination recorded every queued transfer whose receipt was no
    // longer `queued` as delivered, a cancelled one included.
    let net = EtherToSolana::start(&[3 * 10u128.pow(18)], 2_000_000_000, 3_600, (3, 2, 3)).await;
    net.wait_until(MessageState::Queued).await;
    let receipt = net.receipts().await.remove(0);
    assert_eq!(receipt.status, ReceiptStatus::Queued);
    // The guardian's client cancels it by the message itself (its id is its hash: no node's
    // answer chooses the transfer), and refuses what is not queued.
    let message = net
        .relayer
        .store()
        .message(&receipt.message_id)
        .await
        .unwrap()
        .unwrap()
        .message()
        .unwrap();
    let origin_bridge = UniversalAddress::from_evm(net.bridge.0).0;
    let bridge =
        trestle_bridge_client::SolanaBridge::new(net.sol.client.clone(), net.sol.program.id);
    bridge
        .cancel_queued(&net.sol.guardian, &message, &origin_bridge)
        .await
        .unwrap();
    let again = bridge
        .cancel_queued(&net.sol.guardian, &message, &origin_bridge)
        .await
        .unwrap_err();
    assert!(again.to_string().contains("not queued"), "{again}");
    let mut other = message.clone();
    other.nonce += 1;
    let never = bridge
        .cancel_queued(&net.sol.guardian, &other, &origin_bridge)
        .await
        .unwrap_err();
    assert!(never.to_string().contains("never delivered"), "{never}");
    net.wait_until(MessageState::Cancelled).await;
    let (balance, receipts, _) = net.finish().await;
    assert_eq!(balance, 0, "nothing was paid out");
    assert_eq!(receipts[0].status, ReceiptStatus::Cancelled);
}

/// A home SPL token on Solana (6 decimals, 10 tokens held by `user`) routed to an anvil
/// chain (chain id `chain_id`) as a `BridgedToken`, both bridges configured through their
/// timelocks (2-of-3 validators, transfers of 10^24 units or more timelocked for an hour).
struct SplFromSolana {
    sol: SolanaNet,
    anvil: Anvil,
    chain: std::sync::Arc<EvmChain>,
    keys: Vec<EvmSigner>,
    validator_addrs: Vec<EvmAddress>,
    user: SolanaSigner,
    mint: SolanaAddress,
    token: [u8; 32],
    bridge: EvmAddress,
    wrapped: EvmAddress,
}

async fn spl_from_solana(chain_id: u64) -> SplFromSolana {
    let sol = SolanaNet::start().await;
    let anvil = Anvil::builder().chain_id(chain_id).spawn().unwrap();
    let chain = connect(&anvil, "evm").await;
    let (keys, validator_addrs) = validator_keys();
    // A home SPL token on Solana (6 decimals) held by a user.
    let user = SolanaSigner::generate().unwrap();
    sol.fund(&user.pubkey()).await;
    let mint = sol.create_mint(&sol.payer.pubkey(), 6).await;
    sol.client
        .mint_to(&sol.payer, &mint, &sol.payer, &user.pubkey(), 10_000_000)
        .await
        .unwrap();
    let token = token_id(DOMAIN_SOL, &UniversalAddress(mint.0));
    let big: u128 = 1_000_000 * 10u128.pow(18);
    let admin = EvmSender::new(chain.clone(), signer(0));
    let bridge = evm_bridge(&chain).await;
    let wrapped = deploy(
        &admin,
        &BridgedToken::BYTECODE,
        BridgedToken::constructorCall::new((
            addr(bridge),
            "Bridged SPL".to_owned(),
            "bSPL".to_owned(),
            6u8,
        ))
        .abi_encode(),
    )
    .await;
    let mut sorted: Vec<EvmAddress> = validator_addrs.clone();
    sorted.sort();
    let calls = vec![
        Bridge::setRemoteCall::new((DOMAIN_SOL, B256::from(sol.program.id.0), 1u8)).abi_encode(),
        Bridge::setValidatorSetCall::new((
            DOMAIN_SOL,
            1u64,
            sorted.iter().map(|v| addr(*v)).collect(),
            2u8,
        ))
        .abi_encode(),
        Bridge::setTokenCall::new((
            DOMAIN_SOL,
            B256::from(mint.0),
            addr(wrapped),
            0u8,
            big,
            3_600u64,
        ))
        .abi_encode(),
        Bridge::setRouteCall::new((B256::from(token), DOMAIN_SOL, 0u8, u128::MAX)).abi_encode(),
        Bridge::setLimitsCall::new((B256::from(token), DOMAIN_SOL, big, big, big, big))
            .abi_encode(),
    ];
    govern_evm(&anvil, &chain, bridge, &calls).await;
    sol.govern(&[
        set_remote(DOMAIN_EVM, bridge, &validator_addrs, 2),
        trestle_relayer_harness::solana::register_token(
            (DOMAIN_SOL, mint.0),
            (mint, 0),
            (u64::MAX / 4, 3_600),
        ),
        trestle_relayer_harness::solana::route_to((DOMAIN_SOL, mint.0), (DOMAIN_EVM, 0)),
    ])
    .await;

    SplFromSolana {
        sol,
        anvil,
        chain,
        keys,
        validator_addrs,
        user,
        mint,
        token,
        bridge,
        wrapped,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_spl_token_from_solana_arrives_on_evm_as_the_bridged_erc20() {
    let SplFromSolana {
        sol,
        anvil,
        chain,
        keys,
        validator_addrs,
        user,
        mint,
        token,
        bridge,
        wrapped,
    } = spl_from_solana(31_338).await;

    // Validators attest at `finalized` (the default).
    let chains = || {
        vec![
            sol.chain_config("sol", SolanaCommitment::Finalized),
            trestle_relayer_harness::daemons::chain_config("evm", DOMAIN_EVM, &anvil, bridge),
        ]
    };
    let placeholder = placeholder_endpoints(&validator_addrs);
    let (validators, _dirs) = start_validators(&keys, &chains, &placeholder, 2).await;
    let endpoints = live_endpoints(&placeholder, &validators);
    let relayer_dir = tempfile::tempdir().unwrap();
    let relayer = Daemon::start(
        config(relayer_dir.path(), chains(), endpoints, false, true),
        Keys {
            validator: None,
            relayer: Some(signer(2)),
            relayer_solana: None,
            fee_oracle: None,
            fee_oracle_solana: None,
        },
        "r1",
    )
    .await
    .unwrap();

    let beneficiary = Address::from([0x42; 20]);
    let mut padded = [0u8; 32];
    padded[12..].copy_from_slice(beneficiary.as_slice());
    let amount = 2_500_000u64;
    let sent = sol
        .land(
            &user,
            vec![send_ix(
                &sol.program,
                &SendParams {
                    sender: user.pubkey(),
                    token_id: token,
                    mint,
                    sender_token: get_associated_token_address(
                        &user.pubkey(),
                        &mint,
                        &TOKEN_PROGRAM_ID,
                    )
                    .unwrap(),
                    kind: TokenKind::Home,
                    destination: DOMAIN_EVM,
                    beneficiary: padded,
                    amount,
                },
            )],
        )
        .await;
    assert_eq!(
        sol.client
            .token_balance_of(&mint, &user.pubkey())
            .await
            .unwrap(),
        7_500_000
    );
    eventually(240, "the bridged ERC-20 minted on EVM", || async {
        (balance_of(&chain, wrapped, beneficiary).await == U256::from(amount)).then_some(())
    })
    .await;
    let msgs = relayer.store().list(&Default::default()).await.unwrap();
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].origin, DOMAIN_SOL);
    assert_eq!(
        msgs[0].origin_tx,
        match sent.id {
            trestle_core::chain::TxId::Solana(s) => s.to_vec(),
            _ => unreachable!(),
        }
    );
    // The vault holds what left the user.
    let vault = sol
        .client
        .account(&sol.program.vault(&mint))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        u64::from_le_bytes(vault.data[64..72].try_into().unwrap()),
        amount
    );
    // Exactly once, after more passes.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        balance_of(&chain, wrapped, beneficiary).await,
        U256::from(amount)
    );
    relayer.shutdown().await;
    for v in validators {
        v.shutdown().await;
    }
}

#[test]
fn a_three_of_five_deliver_fits_one_transaction_and_thirteen_do_not() {
    let program = trestle_bridge::solana::BridgeProgram::new(
        SolanaAddress::parse(trestle_bridge::solana::LOCAL_PROGRAM_ID).unwrap(),
    );
    let payer = SolanaAddress([4; 32]);
    let message = Message::new(
        7,
        DOMAIN_EVM,
        UniversalAddress([1; 32]),
        DOMAIN_SOL,
        UniversalAddress(program.id.0),
        Body::TokenTransfer(TokenTransfer {
            token_id: [2; 32],
            amount: U256::from(10u64.pow(18)),
            beneficiary: UniversalAddress([5; 32]),
        })
        .encode(),
    )
    .unwrap();
    let payout = Payout {
        token_id: [2; 32],
        mint: SolanaAddress([6; 32]),
        kind: TokenKind::Bridged,
        beneficiary: SolanaAddress([5; 32]),
    };
    let build = |n: usize| {
        vec![
            payout.create_beneficiary_token(&payer).unwrap(),
            deliver(
                &program,
                &payer,
                &message,
                &[0x11; 32],
                &Signatures::Inline(vec![1; 65 * n]),
                Some(&payout),
            )
            .unwrap(),
        ]
    };
    let three = transaction_size(&payer, &build(3)).unwrap();
    println!("deliver 3-of-5 inline with the ATA instruction: {three} bytes");
    assert!(fits(&payer, &build(3)));
    assert!(!fits(&payer, &build(13)));
    let staged = vec![
        payout.create_beneficiary_token(&payer).unwrap(),
        deliver(
            &program,
            &payer,
            &message,
            &[0x11; 32],
            &Signatures::Staged { epoch: 1 },
            Some(&payout),
        )
        .unwrap(),
    ];
    assert!(fits(&payer, &staged));
}
