//! Many EVM -> Solana transfers at once, through a relayer whose Solana chain lists a dead RPC
//! endpoint first: the client fails over to the live one, and the destination worker lands
//! several `deliver` transactions concurrently, each message exactly once.
//!
//! Two rounds of 8 transfers (to 16 fresh beneficiaries, distinct amounts) on one pair of
//! chains: the first with `relayer.batch_size = 1` (one message landing at a time), the
//! second, after a restart on the same store, with `batch_size = 8` and, among the 8, a
//! message that fails at every attempt (its recorded signatures are garbage): it is retried
//! with backoff and never delivered, and blocks none of the others. Each round starts the
//! relayer once the validators have signed every message, and times it until the store says
//! all are delivered (printed; not asserted, the machine is shared). Then every receipt,
//! balance and the mint's supply are checked: nothing arrived twice.

use std::time::{Duration, Instant};

use alloy_primitives::{Address, B256, FixedBytes};
use alloy_sol_types::SolCall;
use trestle_bridge::evm_bindings::Bridge;
use trestle_bridge::solana::state::{Receipt, ReceiptStatus};
use trestle_bridge::{Body, Message, NATIVE_TOKEN, TokenTransfer, token_id};
use trestle_core::chain::{U256, UniversalAddress};
use trestle_core::evm::EvmAddress;
use trestle_core::solana::{SolanaAddress, SolanaSigner};
use trestle_evm::{EvmSender, TxRequest};
use trestle_relayer::config::SolanaCommitment;
use trestle_relayer::store::{MessageState, NewMessage, SignatureRecord, Store};
use trestle_solana::Commitment;
use trestle_tests::Anvil;

use super::{DOMAIN_EVM, evm_bridge, govern_evm, many_validator_keys, start_validators};
use trestle_relayer_harness::daemons::{config, live_endpoints, placeholder_endpoints};
use trestle_relayer_harness::evm::{connect, send, signer};
use trestle_relayer_harness::solana::{DOMAIN_SOL, SolanaNet, set_remote};

/// Transfers per round.
const ROUND: usize = 8;

/// A loopback URL nothing listens on.
fn dead_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port())
}

/// Waits until `store` holds `n` delivered messages; panics after `secs`.
async fn all_delivered(store: &Store, n: usize, secs: u64) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let list = store.list(&Default::default()).await.unwrap();
        let delivered = list
            .iter()
            .filter(|m| m.state == MessageState::Delivered)
            .count();
        if delivered == n {
            return;
        }
        let states: Vec<_> = list
            .iter()
            .map(|m| (m.nonce, m.state, m.last_error.clone()))
            .collect();
        assert!(
            Instant::now() < deadline,
            "not all {n} delivered: {states:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Records in the relayer's store (at `dir`) a transfer to Solana that no origin sent, with
/// the next nonce of the origin (the first of the next round), `ready` with two "signatures"
/// of set members that are garbage: every attempt to submit it fails. Returns its id.
async fn plant_failing_message(
    dir: &std::path::Path,
    token: [u8; 32],
    program: SolanaAddress,
    members: &[EvmAddress],
) -> [u8; 32] {
    let store = Store::connect(&format!("sqlite://{}", dir.join("store.db").display()), 1)
        .await
        .unwrap();
    let nonce = store
        .list(&Default::default())
        .await
        .unwrap()
        .iter()
        .map(|m| m.nonce + 1)
        .max()
        .unwrap();
    let message = Message::new(
        nonce,
        DOMAIN_EVM,
        UniversalAddress([0x66; 32]),
        DOMAIN_SOL,
        UniversalAddress(program.0),
        Body::TokenTransfer(TokenTransfer {
            token_id: token,
            amount: U256::from(10u64.pow(16)),
            beneficiary: UniversalAddress([0x99; 32]),
        })
        .encode(),
    )
    .unwrap();
    let id = message.id();
    let (height, hash) = store.cursor("evm").await.unwrap().unwrap();
    let found = NewMessage {
        message,
        origin_height: height,
        origin_block_hash: hash,
        origin_tx: vec![0x66; 32],
    };
    store
        .record_indexed("evm", height, hash, &[found])
        .await
        .unwrap();
    for member in &members[..2] {
        store
            .add_signature(&SignatureRecord {
                message_id: id,
                epoch: 1,
                signer: member.0,
                signature: [0x01; 65],
            })
            .await
            .unwrap();
    }
    assert!(
        store
            .transition(&id, MessageState::Pending, MessageState::Ready, None, None)
            .await
            .unwrap()
    );
    id
}

/// The slots of the successful `deliver` transactions of the bridge program from `from` on,
/// ascending.
async fn deliver_slots(sol: &SolanaNet, from: u64) -> Vec<u64> {
    let tip = sol.client.slot(Commitment::Confirmed).await.unwrap();
    let deliver = trestle_bridge::solana::instruction_discriminator("deliver");
    let mut slots: Vec<u64> = sol
        .client
        .program_transactions(&sol.program.id, from, tip)
        .await
        .unwrap()
        .transactions
        .iter()
        .filter(|tx| tx.error.is_none())
        .filter(|tx| {
            tx.instructions
                .iter()
                .any(|ix| ix.data.starts_with(&deliver))
        })
        .map(|tx| tx.slot)
        .collect();
    slots.sort_unstable();
    slots
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_transfers_to_solana_land_concurrently_once_each_through_a_failover_endpoint() {
    let sol = SolanaNet::start().await;
    let anvil = Anvil::builder().chain_id(31_339).spawn().unwrap();
    let chain = connect(&anvil, "evm").await;
    let (keys, validator_addrs) = many_validator_keys(3);
    let token = token_id(DOMAIN_EVM, &NATIVE_TOKEN);
    let big: u128 = 1_000_000 * 10u128.pow(18);
    let bridge = evm_bridge(&chain).await;
    let native = Address::from_slice(&NATIVE_TOKEN.0[12..]);
    let t = B256::from(token);
    let calls = vec![
        Bridge::setRemoteCall::new((DOMAIN_SOL, B256::from(sol.program.id.0), 1u8)).abi_encode(),
        Bridge::setTokenCall::new((
            DOMAIN_EVM,
            B256::from(NATIVE_TOKEN.0),
            native,
            0u8,
            big,
            3_600u64,
        ))
        .abi_encode(),
        Bridge::setRouteCall::new((t, DOMAIN_SOL, 9u8, u128::from(u64::MAX))).abi_encode(),
        Bridge::setLimitsCall::new((t, DOMAIN_SOL, big, big, big, big)).abi_encode(),
    ];
    govern_evm(&anvil, &chain, bridge, &calls).await;
    let mint = sol.create_mint(&sol.program.authority(), 9).await;
    sol.govern(&[
        set_remote(DOMAIN_EVM, bridge, &validator_addrs, 2),
        trestle_relayer_harness::solana::register_token(
            (DOMAIN_EVM, NATIVE_TOKEN.0),
            (mint, 9),
            (u64::MAX / 4, 3_600),
        ),
        trestle_relayer_harness::solana::route_to((DOMAIN_EVM, NATIVE_TOKEN.0), (DOMAIN_EVM, 0)),
    ])
    .await;

    let validator_chains = || {
        vec![
            trestle_relayer_harness::daemons::chain_config("evm", DOMAIN_EVM, &anvil, bridge),
            sol.chain_config("sol", SolanaCommitment::Confirmed),
        ]
    };
    let placeholder = placeholder_endpoints(&validator_addrs);
    let (validators, _dirs) = start_validators(&keys, &validator_chains, &placeholder, 2).await;
    let endpoints = live_endpoints(&placeholder, &validators);

    // The relayer's Solana chain: a dead endpoint first, the validator second.
    let dead = dead_url();
    let relayer_chains = || {
        let mut sol_chain = sol.chain_config("sol", SolanaCommitment::Confirmed);
        sol_chain.rpc_urls = vec![dead.clone(), sol.node.rpc_url().to_owned()];
        vec![
            trestle_relayer_harness::daemons::chain_config("evm", DOMAIN_EVM, &anvil, bridge),
            sol_chain,
        ]
    };
    let payer = SolanaSigner::generate().unwrap();
    sol.fund(&payer.pubkey()).await;
    let relayer_dir = tempfile::tempdir().unwrap();

    let user = EvmSender::new(chain.clone(), signer(3));
    // Beneficiary i gets (i + 1) * 0.01 ether = (i + 1) * 10^7 units of the 9-decimal mint.
    let mut expected: Vec<(SolanaAddress, u64)> = Vec::new();
    let mut timings = Vec::new();
    for (round, in_flight) in [(0usize, 1usize), (1, ROUND)] {
        for i in 0..ROUND {
            let n = round * ROUND + i;
            let beneficiary = SolanaSigner::generate().unwrap().pubkey();
            let wei = (n as u128 + 1) * 10u128.pow(16);
            let data = Bridge::sendTokenCall::new((
                DOMAIN_SOL,
                t,
                U256::from(wei),
                FixedBytes::<32>::from(beneficiary.0),
            ))
            .abi_encode();
            let r = send(
                &user,
                TxRequest::call(bridge, data).with_value(U256::from(wei)),
            )
            .await;
            assert!(r.success);
            expected.push((beneficiary, u64::try_from(wei / 10u128.pow(9)).unwrap()));
        }
        // Every validator has signed every message so far: the relayer alone is timed.
        let total = expected.len();
        trestle_relayer_harness::wait::eventually(
            120,
            "validators signed every message",
            || async {
                for v in &validators {
                    if (v.store().attestation_count().await.unwrap() as usize) < total {
                        return None;
                    }
                }
                Some(())
            },
        )
        .await;

        // Round 2: a message that fails at every attempt, among the first claimed (its nonce
        // is the first of the round's).
        let failing = if round == 1 {
            Some(
                plant_failing_message(relayer_dir.path(), token, sol.program.id, &validator_addrs)
                    .await,
            )
        } else {
            None
        };
        let mut relayer_config = config(
            relayer_dir.path(),
            relayer_chains(),
            endpoints.clone(),
            false,
            true,
        );
        if let Some(r) = relayer_config.relayer.as_mut() {
            r.batch_size = in_flight;
            r.poll_interval_ms = 200;
        }
        let first_slot = sol.client.slot(Commitment::Confirmed).await.unwrap();
        let started = Instant::now();
        let relayer = super::start_solana_relayer(relayer_config, &payer).await;
        all_delivered(relayer.store(), total, 240).await;
        let took = started.elapsed();
        println!(
            "round {round}: {ROUND} EVM -> Solana transfers delivered with {in_flight} in flight \
             in {:.2} s (relayer start to all delivered, dead endpoint first)",
            took.as_secs_f64()
        );
        timings.push(took);
        // One successful `deliver` per message of the round; one at a time, each lands in a
        // slot of its own (the next starts once the last is confirmed); 8 in flight share.
        let slots = deliver_slots(&sol, first_slot).await;
        println!("round {round}: deliver transactions in slots {slots:?}");
        assert_eq!(slots.len(), ROUND, "one deliver per message: {slots:?}");
        let mut distinct = slots.clone();
        distinct.dedup();
        if in_flight == 1 {
            assert_eq!(distinct.len(), ROUND, "one at a time: {slots:?}");
        } else {
            assert!(distinct.len() < ROUND, "landed concurrently: {slots:?}");
        }
        // Exactly once: later passes move nothing.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let list = relayer.store().list(&Default::default()).await.unwrap();
        assert_eq!(list.len(), total + usize::from(failing.is_some()));
        if let Some(id) = failing {
            let m = list.iter().find(|m| m.id == id).unwrap();
            assert_ne!(m.state, MessageState::Delivered, "{m:?}");
            assert!(m.attempts >= 1, "{m:?}");
            println!(
                "the failing message: {:?} after {} attempts: {:?}",
                m.state, m.attempts, m.last_error
            );
            assert!(m.last_error.is_some(), "{m:?}");
            // Its nonce is the next round's first: the receipt at its key, once that message
            // is delivered, is the real message's, never the planted one's.
            let receipt = sol
                .client
                .account(&trestle_relayer_harness::solana::receipt_address(
                    &sol.program,
                    m.origin,
                    bridge,
                    m.nonce,
                ))
                .await
                .unwrap()
                .map(|a| Receipt::decode(&a.data).unwrap());
            assert!(
                receipt.is_none_or(|r| r.message_id != id),
                "no receipt for the failing message"
            );
        }
        for m in list.iter().filter(|m| Some(m.id) != failing) {
            assert_eq!(m.state, MessageState::Delivered, "{m:?}");
            assert!(m.delivered_at.is_some(), "{m:?}");
            assert!(m.tx_hash.is_some(), "landed by this relayer: {m:?}");
            assert_eq!(m.attempts, 0, "no failed attempt: {m:?}");
        }
        relayer.shutdown().await;
    }

    // Every transfer arrived once: receipts, balances, and the mint's supply is their sum.
    let relayer_store_dir = relayer_dir.path();
    let store = Store::connect(
        &format!("sqlite://{}", relayer_store_dir.join("store.db").display()),
        1,
    )
    .await
    .unwrap();
    let list: Vec<_> = store
        .list(&Default::default())
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.origin_tx != vec![0x66; 32])
        .collect();
    assert_eq!(list.len(), 2 * ROUND);
    let mut ids: Vec<[u8; 32]> = list.iter().map(|m| m.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 2 * ROUND, "distinct messages");
    let first = list.iter().map(|m| m.nonce).min().unwrap();
    for m in &list {
        let account = sol
            .client
            .account(&trestle_relayer_harness::solana::receipt_address(
                &sol.program,
                m.origin,
                bridge,
                m.nonce,
            ))
            .await
            .unwrap()
            .expect("a receipt per message");
        let receipt = Receipt::decode(&account.data).unwrap();
        assert_eq!(receipt.status, ReceiptStatus::Executed);
        assert_eq!(receipt.origin, DOMAIN_EVM);
        let (beneficiary, amount) = expected[usize::try_from(m.nonce - first).unwrap()];
        assert_eq!(receipt.beneficiary, beneficiary, "nonce {}", m.nonce);
        assert_eq!(receipt.amount, amount, "nonce {}", m.nonce);
    }
    let mut sum = 0u64;
    for (beneficiary, amount) in &expected {
        assert_eq!(
            sol.client
                .token_balance_of(&mint, beneficiary)
                .await
                .unwrap(),
            *amount
        );
        sum += amount;
    }
    let mint_account = sol.client.account(&mint).await.unwrap().unwrap();
    let supply = u64::from_le_bytes(mint_account.data[36..44].try_into().unwrap());
    assert_eq!(supply, sum, "minted exactly the sum of the transfers");
    println!(
        "8 transfers: {:.2} s one at a time, {:.2} s with 8 in flight",
        timings[0].as_secs_f64(),
        timings[1].as_secs_f64()
    );
    for v in validators {
        v.shutdown().await;
    }
}
