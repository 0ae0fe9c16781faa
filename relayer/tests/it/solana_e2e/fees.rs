//! Delivery fees on a Solana -> EVM route: the relayer (default policy `paid`) reads the
//! program's `GasPaid` self-CPI events, those of a send that pays the quote and those of a
//! `pay_for_gas` top-up, and holds a message `underpaid` until what was paid for it covers
//! the origin's quote.

use trestle_bridge::FeeConfig;
use trestle_bridge::solana::send::send_paying;
use trestle_core::chain::TxId;

use super::*;

/// A fee configuration for deliveries to the EVM domain (a transfer costs a few million
/// lamports).
fn to_evm() -> FeeConfig {
    FeeConfig {
        gas_price: 2 * 10u128.pow(18),
        exchange_rate: 2 * 10u128.pow(10),
        fixed_cost: 10u128.pow(12),
        message_gas: 60_000,
        signatures_gas: 20_000,
        transfer_gas: 90_000,
        gas_per_byte: 16,
        last_update: 0,
    }
}

/// A transfer sent while the route was free is held `underpaid` once the program charges for
/// it (a fee configuration set after the send), while one sent paying the quote is delivered;
/// a `pay_for_gas` top-up of the quote gets the first delivered too, exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_underpaid_transfer_from_solana_is_delivered_on_evm_after_a_pay_for_gas_top_up() {
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
    } = spl_from_solana(31_342).await;

    let beneficiary = Address::from([0x43; 20]);
    let mut padded = [0u8; 32];
    padded[12..].copy_from_slice(beneficiary.as_slice());
    let params = |amount| SendParams {
        sender: user.pubkey(),
        token_id: token,
        mint,
        sender_token: get_associated_token_address(&user.pubkey(), &mint, &TOKEN_PROGRAM_ID)
            .unwrap(),
        kind: TokenKind::Home,
        destination: DOMAIN_EVM,
        beneficiary: padded,
        amount,
    };
    // Sent while the route is free: nothing paid.
    let (unpaid_amount, paid_amount) = (2_500_000u64, 1_000_000u64);
    sol.land(&user, vec![send_ix(&sol.program, &params(unpaid_amount))])
        .await;
    // Then the program charges for deliveries to EVM; the second transfer pays the quote.
    sol.govern(&[Action::SetFeeConfig {
        destination: DOMAIN_EVM,
        config: to_evm(),
    }])
    .await;
    let quote = u64::try_from(to_evm().quote_transfer().unwrap()).unwrap();
    assert!(quote > 0);
    let vault = sol.program.fee_vault();
    let vault_before = sol.client.balance(&vault).await.unwrap();
    sol.land(
        &user,
        vec![send_paying(&sol.program, &params(paid_amount), quote)],
    )
    .await;
    assert_eq!(
        sol.client.balance(&vault).await.unwrap(),
        vault_before + quote,
        "the send paid the quote"
    );

    // Validators and the relayer start once the fee is configured: the relayer's first quote
    // is the program's fee (a free quote read earlier would be kept for a while).
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
    let store = relayer.store();
    let by_nonce = |nonce: u64| async move {
        store
            .list(&Default::default())
            .await
            .unwrap()
            .into_iter()
            .find(|m| m.nonce == nonce)
    };

    // The paid transfer (nonce 1) is delivered; the unpaid one (nonce 0) is held.
    eventually(240, "the paid transfer minted on EVM", || async {
        (balance_of(&chain, wrapped, beneficiary).await == U256::from(paid_amount)).then_some(())
    })
    .await;
    let held = eventually(60, "the unpaid transfer held underpaid", || async {
        by_nonce(0)
            .await
            .filter(|m| m.state == MessageState::Underpaid)
    })
    .await;
    assert_eq!(
        store
            .paid(&[(held.id, held.origin, held.destination)])
            .await
            .unwrap()
            .get(&held.id),
        None,
        "nothing was paid for it"
    );
    let paid_id = by_nonce(1).await.unwrap().id;
    assert_eq!(
        store
            .paid(&[(paid_id, held.origin, held.destination)])
            .await
            .unwrap()
            .get(&paid_id),
        Some(&u128::from(quote)),
        "the GasPaid of the paying send is recorded"
    );
    assert!(
        held.last_error.is_some(),
        "an underpaid message says why: {held:?}"
    );
    // Held: more passes deliver nothing more.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        balance_of(&chain, wrapped, beneficiary).await,
        U256::from(paid_amount)
    );
    assert_eq!(by_nonce(0).await.unwrap().state, MessageState::Underpaid);

    // Anyone tops it up with the quote (a transaction without a message).
    let topper = SolanaSigner::generate().unwrap();
    sol.fund(&topper.pubkey()).await;
    let top_up = sol
        .land(
            &topper,
            vec![
                sol.program
                    .pay_for_gas(&topper.pubkey(), &held.id, DOMAIN_EVM, quote),
            ],
        )
        .await;
    assert!(matches!(top_up.id, TxId::Solana(_)));
    eventually(240, "the topped-up transfer minted on EVM", || async {
        (balance_of(&chain, wrapped, beneficiary).await == U256::from(paid_amount + unpaid_amount))
            .then_some(())
    })
    .await;
    assert_eq!(
        store
            .paid(&[(held.id, held.origin, held.destination)])
            .await
            .unwrap()
            .get(&held.id),
        Some(&u128::from(quote)),
        "the top-up is recorded once"
    );
    eventually(60, "both messages delivered in the store", || async {
        let all = store.list(&Default::default()).await.unwrap();
        (all.len() == 2 && all.iter().all(|m| m.state == MessageState::Delivered)).then_some(())
    })
    .await;
    // Exactly once, after more passes.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        balance_of(&chain, wrapped, beneficiary).await,
        U256::from(paid_amount + unpaid_amount)
    );
    relayer.shutdown().await;
    for v in validators {
        v.shutdown().await;
    }
}

/// `name{labels} value` of the Prometheus text `metrics`, if present.
fn metric(metrics: &str, name: &str, labels: &str) -> Option<f64> {
    let prefix = format!("{name}{{{labels}}} ");
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map(|v| v.trim().parse().unwrap())
}

/// What a delivery to Solana cost the relayer is in `trestle_delivery_cost_total`: the fee of
/// the `deliver` transaction (`meta.fee`), in SOL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cost_of_a_delivery_to_solana_is_the_fee_of_its_deliver_transaction() {
    let net = EtherToSolana::start(&[10u128.pow(18)], u64::MAX / 4, 3_600, (3, 2, 3)).await;
    net.wait_until(MessageState::Delivered).await;
    // The one deliver transaction, and its fee as the node reports it.
    let sol = &net.sol;
    let tip = sol.client.slot(Commitment::Confirmed).await.unwrap();
    let deliver = trestle_bridge::solana::instruction_discriminator("deliver");
    let delivers: Vec<TxId> = sol
        .client
        .program_transactions(&sol.program.id, 0, tip)
        .await
        .unwrap()
        .transactions
        .into_iter()
        .filter(|tx| tx.error.is_none())
        .filter(|tx| {
            tx.instructions
                .iter()
                .any(|ix| ix.data.starts_with(&deliver))
        })
        .map(|tx| tx.id)
        .collect();
    assert_eq!(delivers.len(), 1, "{delivers:?}");
    let fee = sol
        .client
        .transaction_fee(&delivers[0])
        .await
        .unwrap()
        .unwrap();
    assert!(fee >= 5_000, "at least one signature: {fee}");
    let url = format!("http://{}/metrics", net.relayer.api_addr());
    // Chains by name in the labels, never by domain.
    let labels = "origin=\"evm\",destination=\"sol\"";
    let cost = eventually(30, "the delivery's cost in the metrics", || async {
        let (_, text) = trestle_relayer_harness::daemons::http_get(&url).await;
        metric(&text, "trestle_delivery_cost_total", labels).filter(|c| *c > 0.0)
    })
    .await;
    assert!(
        (cost - fee as f64 / 1e9).abs() < 1e-15,
        "the metric {cost} SOL is the deliver's fee {fee} lamports"
    );
    net.finish().await;
}

/// The fee oracle keeps both origins of a Solana <-> EVM pair of routes priced: the program's
/// price for the EVM destination follows anvil's gas price, the EVM bridge's price for the
/// Solana destination the cluster's compute-unit price (1 micro-lamport on a quiet
/// test validator), each at most twice or half per update and once a minute; a gas price
/// read outside the band is not believed, and nothing is sent while none is due.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fee_oracle_moves_both_origins_toward_their_destinations_within_the_bounds() {
    let SplFromSolana {
        sol,
        anvil,
        chain,
        validator_addrs,
        bridge,
        ..
    } = spl_from_solana(31_343).await;
    let evm_oracle = signer(9);
    let sol_oracle = SolanaSigner::generate().unwrap();
    sol.fund(&sol_oracle.pubkey()).await;
    // The EVM bridge charges for Solana deliveries at 8 micro-lamports per CU.
    let rate = 5 * 10u128.pow(25); // wei per lamport, times 10^18
    govern_evm(
        &anvil,
        &chain,
        bridge,
        &[
            Bridge::setFeeConfigCall::new((
                DOMAIN_SOL, 8_000u128, rate, 10_000u128, 200_000u64, 50_000u64, 100_000u64, 0u32,
            ))
            .abi_encode(),
            Bridge::setFeeRolesCall::new((addr(evm_oracle.address()), Address::ZERO)).abi_encode(),
        ],
    )
    .await;
    // The program charges for EVM deliveries at 2 gwei.
    sol.govern(&[
        Action::SetFeeConfig {
            destination: DOMAIN_EVM,
            config: to_evm(),
        },
        Action::SetFeeRoles {
            oracle: sol_oracle.pubkey(),
            beneficiary: SolanaAddress([0; 32]),
        },
    ])
    .await;
    let base_fee = |gwei: u64| {
        tokio::task::block_in_place(|| {
            anvil
                .rpc(
                    "anvil_setNextBlockBaseFeePerGas",
                    json!([format!("0x{:x}", gwei * 1_000_000_000)]),
                )
                .unwrap();
            anvil.rpc("evm_mine", json!([])).unwrap();
        })
    };
    // Anvil's gas price is 100 gwei: outside the oracle's band (at most 50).
    base_fee(100);

    let chains = || {
        vec![
            sol.chain_config("sol", SolanaCommitment::Confirmed),
            trestle_relayer_harness::daemons::chain_config("evm", DOMAIN_EVM, &anvil, bridge),
        ]
    };
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(
        dir.path(),
        chains(),
        placeholder_endpoints(&validator_addrs),
        false,
        false,
    );
    let mut back = cfg.routes[0].clone();
    std::mem::swap(&mut back.from, &mut back.to);
    cfg.routes.push(back);
    cfg.fee_oracle = Some(trestle_relayer::config::FeeOracleConfig {
        keystore: "unused.json".into(),
        password_env: "UNUSED".into(),
        drift_percent: 10,
        interval_ms: 1_000,
        min_gwei: None,
        max_gwei: Some("50".into()),
        min_micro_lamports: None,
        max_micro_lamports: None,
        solana: Some(trestle_relayer::config::FeeOracleSolanaKey {
            keystore: "unused-solana.json".into(),
            password_env: "UNUSED".into(),
        }),
    });
    let sol_balance = || async { sol.client.balance(&sol_oracle.pubkey()).await.unwrap() };
    let funded = sol_balance().await;
    let daemon = Daemon::start(
        cfg,
        Keys {
            fee_oracle: Some(evm_oracle.clone()),
            fee_oracle_solana: Some(sol_oracle.clone()),
            ..Keys::default()
        },
        "oracle",
    )
    .await
    .unwrap();
    let evm = trestle_bridge_client::EvmBridge::new(chain.clone(), bridge);
    let program = trestle_bridge_client::SolanaBridge::new(sol.client.clone(), sol.program.id);
    let evm_price = || async { evm.fee_config(DOMAIN_SOL).await.unwrap() };
    let sol_price = || async { program.fee_config(DOMAIN_EVM).await.unwrap() };
    let evm_nonce = || async {
        tokio::task::block_in_place(|| {
            anvil
                .rpc(
                    "eth_getTransactionCount",
                    json!([format!("{}", evm_oracle.address()), "latest"]),
                )
                .unwrap()
        })
    };

    // EVM origin: halved toward 1 micro-lamport (no more than half in one update).
    eventually(60, "the EVM bridge's Solana price halved", || async {
        (evm_price().await.gas_price == 4_000).then_some(())
    })
    .await;
    // Solana origin: anvil's price is not believed, nothing is sent.
    let metrics_url = format!("http://{}/metrics", daemon.api_addr());
    eventually(30, "the out-of-band price counted", || async {
        let (_, text) = trestle_relayer_harness::daemons::http_get(&metrics_url).await;
        metric(
            &text,
            "trestle_failures_total",
            "stage=\"fee_oracle\",reason=\"out_of_band\"",
        )
        .filter(|n| *n >= 1.0)
    })
    .await;
    assert_eq!(sol_price().await.gas_price, to_evm().gas_price);
    assert_eq!(
        sol_balance().await,
        funded,
        "no Solana transaction was sent"
    );
    // Within the minute after its update, the EVM origin is sent nothing more.
    let nonce = evm_nonce().await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(evm_nonce().await, nonce, "no EVM transaction was sent");
    assert_eq!(evm_price().await.gas_price, 4_000);
    assert_eq!(evm_price().await.exchange_rate, rate, "the rate is kept");

    // Anvil's gas price within the band (about 20 gwei): the program's price doubles from
    // 2 gwei, no more in one update.
    base_fee(20);
    eventually(60, "the program's EVM price doubled", || async {
        (sol_price().await.gas_price == 2 * to_evm().gas_price).then_some(())
    })
    .await;
    let updated = sol_price().await;
    assert_eq!(
        updated.exchange_rate,
        to_evm().exchange_rate,
        "the rate is kept"
    );
    assert!(updated.last_update > 0);
    let paid = sol_balance().await;
    assert!(paid < funded, "the oracle's Solana key paid for its update");
    // Not again within the minute: nothing is sent.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(sol_price().await, updated);
    assert_eq!(sol_balance().await, paid, "no Solana transaction was sent");

    // A minute later on the EVM chain: halved again, toward 1 micro-lamport per CU.
    tokio::task::block_in_place(|| {
        anvil.rpc("evm_increaseTime", json!([61])).unwrap();
        anvil.rpc("evm_mine", json!([])).unwrap();
    });
    eventually(60, "the EVM bridge's Solana price halved again", || async {
        (evm_price().await.gas_price == 2_000).then_some(())
    })
    .await;
    daemon.shutdown().await;
}
